"""`RepositoryStandards`: the settings around a repository's workflow files.

The default `GITHUB_TOKEN` is read-only and cannot approve pull requests; only GitHub's own
actions and exactly the pinned actions the repository's workflows use may run, pinned by
SHA; every publishing job runs in the `release` environment, which deploys release tags
only; and release tags (`v*`) cannot be deleted or force-pushed.

Where the organization declares these standards (`org_standards`), GitHub applies them to
every repository: the repository-level token and Actions settings then exist only where the
repository differs from them, and release tags are protected by an organization ruleset
(`OrgStandards`), not one per repository.
"""

__all__ = [
    "GITHUB_OWNED",
    "TAG_RULESET",
    "OrgActionsArgs",
    "RepositoryStandards",
    "RepositoryStandardsArgs",
    "allowed_actions_config",
    "existing_ruleset",
    "standard_allowed_actions",
    "tag_ruleset_rules",
    "workflow_actions",
]

from typing import NotRequired, TypedDict

import pulumi
import pulumi_github as github

from ._core._catalog import CATALOG, GITHUB_OWNED
from ._core._component import Component, deployment_environment
from ._core._spec import RELEASE_ENVIRONMENT, RELEASE_TAGS
from ._core._workflow import workflow_actions

TAG_RULESET = "ghpublish: release tags"


def standard_allowed_actions(extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The `selected` actions beside GitHub-owned ones: each catalog pin that is not
    GitHub-owned, at its pinned commit (the catalog is the only list), then ``extra``."""
    pins = [
        pin.uses for name, pin in sorted(CATALOG.items()) if name.split("/")[0] not in GITHUB_OWNED
    ]
    return pins + sorted(set(extra) - set(pins))


def tag_ruleset_rules() -> dict[str, bool]:
    """What protects release tags, in a repository or an organization ruleset."""
    return {"deletion": True, "non_fast_forward": True}


def allowed_actions_config(patterns: list[str], verified: bool = False) -> dict[str, object]:
    """`selected` actions: GitHub's own and exactly ``patterns``; those of Marketplace
    verified creators only where ``verified`` (patterns do not reach a private repository
    outside GitHub Enterprise Cloud, README "What the plan allows")."""
    return {
        "github_owned_allowed": True,
        "verified_allowed": verified,
        "patterns_alloweds": patterns,
    }


class OrgActionsArgs(TypedDict):
    """The organization's Actions standard (`org_standards`), which GitHub applies to every
    repository of the organization; every key has a default."""

    default_token: NotRequired[pulumi.Input[str]]
    """The organization's default `GITHUB_TOKEN` permissions (default `read`)."""
    approve_pull_requests: NotRequired[pulumi.Input[bool]]
    """Whether the organization lets workflows approve pull requests (default false)."""
    sha_pinning: NotRequired[pulumi.Input[bool]]
    """Whether the organization requires actions pinned by SHA (default true)."""


def existing_ruleset(repository: str | None, ruleset_id: object) -> str | None:
    """The import ID of an existing ruleset: `<repository>:<id>` for a repository's, the ID
    for an organization's (the provider's import formats), or None to create it."""
    if ruleset_id is None:
        return None
    return f"{repository}:{ruleset_id}" if repository is not None else str(ruleset_id)


class RepositoryStandardsArgs(TypedDict):
    """The Actions settings, `release` environment and tag ruleset of one repository."""

    repository: pulumi.Input[str]
    """Name of the repository."""
    default_token: NotRequired[pulumi.Input[str]]
    """Default `GITHUB_TOKEN` permissions, `read` or `write` (default `read`)."""
    approve_pull_requests: NotRequired[pulumi.Input[bool]]
    """Whether workflows may create and approve pull requests (default false)."""
    allowed_actions: NotRequired[pulumi.Input[list[str]]]
    """Action patterns allowed beside GitHub's own and the workflows' actions (default
    none)."""
    workflow_actions: NotRequired[pulumi.Input[list[str]]]
    """The pinned actions (`owner/repo@sha`) the repository's managed workflows use (default
    none)."""
    sha_pinning: NotRequired[pulumi.Input[bool]]
    """Every action must be pinned to a full commit SHA (default true)."""
    org_actions: NotRequired[pulumi.Input[OrgActionsArgs]]
    """The organization's Actions standard, when the manifest declares `org_standards`:
    repository-level settings then exist only where they differ from it, and release tags
    are protected by the organization's ruleset (default none: every setting here)."""
    release_environment: NotRequired[pulumi.Input[bool]]
    """Manage the `release` environment, for repositories that publish (default true)."""
    reviewer_teams: NotRequired[pulumi.Input[list[int]]]
    """IDs of teams that may approve a publishing job (default none)."""
    reviewer_users: NotRequired[pulumi.Input[list[int]]]
    """IDs of users that may approve a publishing job (default none)."""
    prevent_self_review: NotRequired[pulumi.Input[bool]]
    """Whoever started a publishing job cannot approve it (default true; sent only with
    reviewers: it is part of GitHub's required-reviewers protection rule)."""
    admins_bypass: NotRequired[pulumi.Input[bool]]
    """Repository administrators may skip the environment's protection (default false)."""
    release_tag_pattern: NotRequired[pulumi.Input[str]]
    """The tags the `release` environment deploys and the tag ruleset protects, fnmatch
    syntax (default `v*`)."""
    patterns_apply: NotRequired[pulumi.Input[bool]]
    """Whether GitHub applies allowed-actions patterns to this repository (public, or the
    owner on Enterprise Cloud); else the actions of verified creators are allowed where the
    workflows need more than GitHub's own (default true)."""
    tag_ruleset: NotRequired[pulumi.Input[bool]]
    """Protect release tags with a repository ruleset where the organization's does not
    (default true; false where GitHub offers no ruleset: a private repository on Free)."""
    token_settings: NotRequired[pulumi.Input[bool]]
    """Set the default `GITHUB_TOKEN` permissions and pull-request approvals (default true;
    false keeps GitHub's, as on an adopted repository whose manifest sets neither)."""
    actions_policy: NotRequired[pulumi.Input[bool]]
    """Set the repository's Actions policy: `selected` actions and SHA pinning (default true;
    false keeps GitHub's, as on an adopted repository whose manifest sets neither `allow` nor
    `sha_pinning`)."""
    tag_ruleset_id: NotRequired[pulumi.Input[int]]
    """The ID of the repository's tag ruleset when it exists already (retained by another
    stack or an earlier adoption): imported, since creating one of the same name is
    refused (default none: created)."""


class RepositoryStandards(Component):
    """Workflow and Actions permissions, the `release` environment and the tag ruleset."""

    allowed_actions: pulumi.Output[list[str]]
    """The actions the repository's own setting allows beside GitHub-owned ones (empty when
    the organization's policy governs or the repository's own is kept)."""
    environment: pulumi.Output[str]
    """The environment publishing jobs run in (empty when not managed)."""

    def __init__(
        self,
        name: str,
        args: RepositoryStandardsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, opts)
        repository = args["repository"]
        token = args.get("default_token") or "read"
        approve = bool(args.get("approve_pull_requests", False))
        sha_pinning = args.get("sha_pinning", True) is not False
        org: OrgActionsArgs | None = args.get("org_actions")  # type: ignore[assignment]
        token_settings = args.get("token_settings", True) is not False
        actions_policy = args.get("actions_policy", True) is not False

        # Under org standards, GitHub applies the org's token defaults to every repository:
        # a repository-level setting exists only where this repository differs. Without
        # `token_settings`, the repository's own are kept as GitHub has them.
        org_token = (
            None
            if org is None
            else (org.get("default_token") or "read", bool(org.get("approve_pull_requests", False)))
        )
        if token_settings and (token, approve) != org_token:
            self.workflow_permissions = github.WorkflowRepositoryPermissions(
                f"{name}-workflow-permissions",
                repository=repository,
                default_workflow_permissions=token,
                can_approve_pull_request_reviews=approve,
                opts=self._child(),
            )
        allowed: list[str] = []
        # Without `actions_policy`, the repository's own policy is kept as GitHub has it.
        if actions_policy and org is None:
            # Exactly the actions this repository's workflows use, and its own extras.
            used = list(args.get("workflow_actions") or [])  # type: ignore[arg-type]
            extra = sorted(set(args.get("allowed_actions") or []) - set(used))  # type: ignore[arg-type]
            allowed = used + extra
            self.actions_permissions = github.ActionsRepositoryPermissions(
                f"{name}-actions-permissions",
                repository=repository,
                enabled=True,
                allowed_actions="selected",
                allowed_actions_config=allowed_actions_config(
                    allowed, verified=bool(used) and args.get("patterns_apply", True) is False
                ),
                sha_pinning_required=sha_pinning,
                opts=self._child(),
            )
        elif actions_policy and sha_pinning != (org.get("sha_pinning", True) is not False):
            # The org's `selected` list governs (GitHub refuses a repository-level list under
            # it): only the stricter SHA pinning is set here, with no list of its own.
            self.actions_permissions = github.ActionsRepositoryPermissions(
                f"{name}-actions-permissions",
                repository=repository,
                enabled=True,
                allowed_actions="selected",
                sha_pinning_required=sha_pinning,
                opts=self._child(),
            )

        tags: str = args.get("release_tag_pattern") or RELEASE_TAGS  # type: ignore[assignment]
        environment = ""
        if args.get("release_environment", True) is not False:
            teams = list(args.get("reviewer_teams") or [])  # type: ignore[arg-type]
            users = list(args.get("reviewer_users") or [])  # type: ignore[arg-type]
            # Only release tags may deploy, no branch. Prevent self-review belongs to the
            # required-reviewers rule: sent only with reviewers (protection rules exist in
            # private repositories on Enterprise Cloud only, README "What the plan allows").
            protection: dict[str, object] = {}
            if teams or users:
                protection = {
                    "reviewers": [{"teams": teams, "users": users}],
                    "prevent_self_review": args.get("prevent_self_review", True) is not False,
                }
            self.environment_resource, self.release_tags_policy = deployment_environment(
                self,
                f"{name}-release-environment",
                f"{name}-release-tags",
                repository=repository,
                environment=RELEASE_ENVIRONMENT,
                tag_pattern=tags,
                **protection,
                can_admins_bypass=args.get("admins_bypass", False) is True,
            )
            environment = RELEASE_ENVIRONMENT

        if org is None and args.get("tag_ruleset", True) is not False:
            # Under org standards, the organization's ruleset protects release tags.
            self.tag_ruleset = github.RepositoryRuleset(
                f"{name}-tag-ruleset",
                repository=repository,
                name=TAG_RULESET,
                target="tag",
                enforcement="active",
                conditions={"ref_name": {"includes": [f"refs/tags/{tags}"], "excludes": []}},
                rules=tag_ruleset_rules(),
                opts=self._child(import_=existing_ruleset(repository, args.get("tag_ruleset_id"))),
            )

        self._finish(allowed_actions=allowed, environment=environment)
