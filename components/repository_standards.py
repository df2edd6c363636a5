"""`RepositoryStandards`: the settings around a repository's workflow files.

The default `GITHUB_TOKEN` is read-only and cannot approve pull requests; only GitHub's own
actions and exactly the actions the standard pins (from the catalog) may run, pinned by
SHA; every publishing job runs in the `release` environment, which deploys release tags
only; and release tags (`v*`) cannot be deleted or force-pushed.
"""

__all__ = [
    "GITHUB_OWNED",
    "TAG_RULESET",
    "RepositoryStandards",
    "RepositoryStandardsArgs",
    "allowed_actions_config",
    "standard_allowed_actions",
]

from typing import NotRequired, TypedDict

import pulumi
import pulumi_github as github

from ._base import Component, deployment_environment
from ._catalog import CATALOG
from ._spec import RELEASE_ENVIRONMENT, RELEASE_TAGS

# Owners whose actions GitHub counts as GitHub-owned (`github_owned_allowed`).
GITHUB_OWNED = frozenset({"actions", "github"})
TAG_RULESET = "ghpublish: release tags"


def standard_allowed_actions(extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The `selected` actions beside GitHub-owned ones: each catalog pin that is not
    GitHub-owned, at its pinned commit (the catalog is the only list), then ``extra``."""
    pins = [
        pin.uses for name, pin in sorted(CATALOG.items()) if name.split("/")[0] not in GITHUB_OWNED
    ]
    return pins + sorted(set(extra) - set(pins))


def allowed_actions_config(patterns: list[str]) -> dict[str, object]:
    """`selected` actions: GitHub's own and exactly ``patterns``, none merely verified."""
    return {"github_owned_allowed": True, "verified_allowed": False, "patterns_alloweds": patterns}


class RepositoryStandardsArgs(TypedDict):
    """The Actions settings, `release` environment and tag ruleset of one repository."""

    repository: pulumi.Input[str]
    """Name of the repository."""
    default_token: NotRequired[pulumi.Input[str]]
    """Default `GITHUB_TOKEN` permissions, `read` or `write` (default `read`)."""
    approve_pull_requests: NotRequired[pulumi.Input[bool]]
    """Whether workflows may create and approve pull requests (default false)."""
    allowed_actions: NotRequired[pulumi.Input[list[str]]]
    """Action patterns allowed beside GitHub's own and the catalog's pins (default none)."""
    sha_pinning: NotRequired[pulumi.Input[bool]]
    """Every action must be pinned to a full commit SHA (default true)."""
    release_environment: NotRequired[pulumi.Input[bool]]
    """Manage the `release` environment, for repositories that publish (default true)."""
    reviewer_teams: NotRequired[pulumi.Input[list[int]]]
    """IDs of teams that may approve a publishing job (default none)."""
    reviewer_users: NotRequired[pulumi.Input[list[int]]]
    """IDs of users that may approve a publishing job (default none)."""
    prevent_self_review: NotRequired[pulumi.Input[bool]]
    """Whoever started a publishing job cannot approve it (default true)."""


class RepositoryStandards(Component):
    """Workflow and Actions permissions, the `release` environment and the tag ruleset."""

    allowed_actions: pulumi.Output[list[str]]
    """The actions allowed beside GitHub-owned ones."""
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
        allowed = standard_allowed_actions(args.get("allowed_actions") or [])  # type: ignore[arg-type]

        self.workflow_permissions = github.WorkflowRepositoryPermissions(
            f"{name}-workflow-permissions",
            repository=repository,
            default_workflow_permissions=args.get("default_token") or "read",
            can_approve_pull_request_reviews=bool(args.get("approve_pull_requests", False)),
            opts=self._child(),
        )
        self.actions_permissions = github.ActionsRepositoryPermissions(
            f"{name}-actions-permissions",
            repository=repository,
            enabled=True,
            allowed_actions="selected",
            allowed_actions_config=allowed_actions_config(allowed),
            sha_pinning_required=args.get("sha_pinning", True) is not False,
            opts=self._child(),
        )

        environment = ""
        if args.get("release_environment", True) is not False:
            teams = list(args.get("reviewer_teams") or [])  # type: ignore[arg-type]
            users = list(args.get("reviewer_users") or [])  # type: ignore[arg-type]
            # Only release tags may deploy, no branch.
            self.environment_resource, self.release_tags_policy = deployment_environment(
                self,
                f"{name}-release-environment",
                f"{name}-release-tags",
                repository=repository,
                environment=RELEASE_ENVIRONMENT,
                tag_pattern=RELEASE_TAGS,
                reviewers=[{"teams": teams, "users": users}] if teams or users else None,
                prevent_self_review=args.get("prevent_self_review", True) is not False,
            )
            environment = RELEASE_ENVIRONMENT

        self.tag_ruleset = github.RepositoryRuleset(
            f"{name}-tag-ruleset",
            repository=repository,
            name=TAG_RULESET,
            target="tag",
            enforcement="active",
            conditions={"ref_name": {"includes": [f"refs/tags/{RELEASE_TAGS}"], "excludes": []}},
            rules={"deletion": True, "non_fast_forward": True},
            opts=self._child(),
        )

        self._finish(allowed_actions=allowed, environment=environment)
