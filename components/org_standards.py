"""`OrgStandards`: the organization-wide side of the publishing standard.

The organization's Actions policy (GitHub's own actions and the catalog's pins, by SHA),
a read-only default `GITHUB_TOKEN` that cannot approve pull requests, an org ruleset per
release tag pattern protecting those tags in the managed repositories, and optionally org
rulesets that require the managed workflows' pull-request checks on the default branch of
the repositories that have them. Needs an organization owner (not a user account).
"""

__all__ = [
    "GITHUB_ACTIONS_APP_ID",
    "OrgStandards",
    "OrgStandardsArgs",
    "PlannedRuleset",
    "check_existing_rulesets",
    "managed_workflows",
    "planned_rulesets",
    "pull_request_checks",
]

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NotRequired, TypedDict

import pulumi
import pulumi_github as github

from ._core._component import Component
from ._core._errors import ConfigError
from ._core._spec import RepositorySpec
from ._core._workflow import Workflow
from ._registry import ECOSYSTEMS
from .repository_standards import (
    TAG_RULESET,
    allowed_actions_config,
    existing_ruleset,
    standard_allowed_actions,
    tag_ruleset_rules,
)

# The GitHub Actions app: a required check must come from a workflow, not any status.
GITHUB_ACTIONS_APP_ID = 15368
_RUNS_ON_PULL_REQUESTS = (None, "github.event_name == 'pull_request'")


def managed_workflows(repo: RepositorySpec) -> list[Workflow]:
    """The workflows ghpublish generates for the repository (manifest names left out)."""
    return [eco.workflow(repo, "") for eco in ECOSYSTEMS if repo.block(eco.key) is not None]


def pull_request_checks(repo: RepositorySpec) -> tuple[str, ...]:
    """Names of the managed jobs that run on a pull request to the default branch: the
    checks a pull request of the repository reports, read from the workflow models."""
    checks: set[str] = set()
    for workflow in managed_workflows(repo):
        if "pull_request" not in workflow.on:
            continue
        runs = {job.id for job in workflow.jobs if job.if_ in _RUNS_ON_PULL_REQUESTS}
        for job in workflow.jobs:
            if job.id in runs and all(need in runs for need in job.needs):
                checks.add(job.name)
    return tuple(sorted(checks))


def _slug(checks: tuple[str, ...]) -> str:
    return "+".join(re.sub(r"[^a-z0-9]+", "-", check.lower()).strip("-") for check in checks)


@dataclass(frozen=True)
class PlannedRuleset:
    """One org ruleset `OrgStandards` registers: its resource name's suffix and its inputs."""

    suffix: str
    name: str
    target: str
    ref: str
    repositories: tuple[str, ...]
    rules: dict[str, object]


def planned_rulesets(args: "OrgStandardsArgs") -> list[PlannedRuleset]:
    """The org rulesets of ``args``, in registration order: one per distinct set of required
    checks (each targeting exactly the repositories that have it), then one per release tag
    pattern. Pure, so that a wrong `existing_rulesets` is refused before anything registers."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for repository, checks in sorted((args.get("required_checks") or {}).items()):  # type: ignore[union-attr]
        if checks:
            groups.setdefault(tuple(sorted(checks)), []).append(repository)
    planned = [
        PlannedRuleset(
            suffix=f"checks-{_slug(checks)}",
            name=f"ghpublish: managed checks ({', '.join(checks)})",
            target="branch",
            ref="~DEFAULT_BRANCH",
            repositories=tuple(repositories),
            rules={
                "required_status_checks": {
                    "required_checks": [
                        {"context": check, "integration_id": GITHUB_ACTIONS_APP_ID}
                        for check in checks
                    ],
                    "do_not_enforce_on_create": True,
                }
            },
        )
        for checks, repositories in sorted(groups.items())
    ]
    slugs: set[str] = set()
    for pattern, repositories in sorted((args.get("release_tags") or {}).items()):  # type: ignore[union-attr]
        if not repositories:
            continue
        slug = _slug((pattern,)) or "tags"
        if slug in slugs:  # `v*` and `v-*` read alike: told apart by the pattern's digest
            slug = f"{slug}-{hashlib.sha256(pattern.encode()).hexdigest()[:8]}"
        slugs.add(slug)
        planned.append(
            PlannedRuleset(
                suffix=f"release-tags-{slug}",
                name=f"{TAG_RULESET} ({pattern})",
                target="tag",
                ref=f"refs/tags/{pattern}",
                repositories=tuple(sorted(repositories)),
                rules=tag_ruleset_rules(),
            )
        )
    return planned


def check_existing_rulesets(planned: list[PlannedRuleset], existing: Mapping[str, int]) -> None:
    """Refuses an existing ruleset's ID under a name no planned ruleset has."""
    unknown = sorted(set(existing) - {ruleset.name for ruleset in planned})
    if unknown:
        raise ConfigError(
            f"ghpublish:rulesets names {', '.join(map(repr, unknown))}, which"
            " is no org ruleset of this stack; expected some of: "
            + ", ".join(map(repr, sorted(ruleset.name for ruleset in planned)))
        )


class OrgStandardsArgs(TypedDict):
    """Organization-wide Actions settings and the rulesets requiring managed checks."""

    organization: pulumi.Input[str]
    """The organization's login."""
    default_token: NotRequired[pulumi.Input[str]]
    """Default `GITHUB_TOKEN` permissions of every repository, `read` or `write` (default
    `read`)."""
    approve_pull_requests: NotRequired[pulumi.Input[bool]]
    """Whether workflows may create and approve pull requests (default false)."""
    allowed_actions: NotRequired[pulumi.Input[list[str]]]
    """Action patterns allowed beside GitHub's own and the catalog's pins (default none)."""
    sha_pinning: NotRequired[pulumi.Input[bool]]
    """Every action must be pinned to a full commit SHA (default true)."""
    required_checks: NotRequired[pulumi.Input[dict[str, list[str]]]]
    """Per repository name, the checks its pull requests must pass (default none: no
    ruleset)."""
    release_tags: NotRequired[pulumi.Input[dict[str, list[str]]]]
    """Per release tag pattern (such as `v*`), the repositories whose matching tags cannot be
    deleted or force-pushed: one org ruleset each (default none)."""
    verified_allowed: NotRequired[pulumi.Input[bool]]
    """Allow the actions of Marketplace verified creators: where a repository the patterns
    do not reach (private, outside Enterprise Cloud) runs actions GitHub does not own
    (default false)."""
    existing_rulesets: NotRequired[pulumi.Input[dict[str, int]]]
    """Per ruleset name, the ID of an org ruleset that exists already (retained by another
    stack): imported, since creating one of the same name is refused (default none)."""


class OrgStandards(Component):
    """`ActionsOrganizationPermissions`, `ActionsOrganizationWorkflowPermissions`, one
    `OrganizationRuleset` per release tag pattern and one per set of required checks."""

    allowed_actions: pulumi.Output[list[str]]
    """The actions allowed beside GitHub-owned ones."""
    rulesets: pulumi.Output[list[str]]
    """Names of the org rulesets requiring managed checks, sorted."""
    tag_rulesets: pulumi.Output[list[str]]
    """Names of the org rulesets protecting release tags, sorted."""

    def __init__(
        self, name: str, args: OrgStandardsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        self._existing: dict[str, int] = dict(args.get("existing_rulesets") or {})  # type: ignore[arg-type]
        # Checked before anything registers: nothing is half-applied.
        planned = planned_rulesets(args)
        check_existing_rulesets(planned, self._existing)
        organization = args["organization"]
        allowed = standard_allowed_actions(args.get("allowed_actions") or [])  # type: ignore[arg-type]
        self.actions_permissions = github.ActionsOrganizationPermissions(
            f"{name}-actions-permissions",
            enabled_repositories="all",
            allowed_actions="selected",
            allowed_actions_config=allowed_actions_config(
                allowed, verified=args.get("verified_allowed", False) is True
            ),
            sha_pinning_required=args.get("sha_pinning", True) is not False,
            opts=self._child(),
        )
        self.workflow_permissions = github.ActionsOrganizationWorkflowPermissions(
            f"{name}-workflow-permissions",
            organization_slug=organization,
            default_workflow_permissions=args.get("default_token") or "read",
            can_approve_pull_request_reviews=bool(args.get("approve_pull_requests", False)),
            opts=self._child(),
        )

        self.rulesets_resources: list[github.OrganizationRuleset] = []
        self.tag_rulesets_resources: list[github.OrganizationRuleset] = []
        for ruleset in planned:
            resources = (
                self.tag_rulesets_resources if ruleset.target == "tag" else self.rulesets_resources
            )
            resources.append(self._ruleset(f"{name}-{ruleset.suffix}", ruleset))
        names = [r.name for r in planned if r.target == "branch"]
        tag_names = [r.name for r in planned if r.target == "tag"]
        self._finish(
            allowed_actions=allowed, rulesets=sorted(names), tag_rulesets=sorted(tag_names)
        )

    def _ruleset(self, resource_name: str, ruleset: PlannedRuleset) -> github.OrganizationRuleset:
        """An active org ruleset on the refs the plan matches, in exactly its repositories."""
        return github.OrganizationRuleset(
            resource_name,
            name=ruleset.name,
            target=ruleset.target,
            enforcement="active",
            conditions={
                "ref_name": {"includes": [ruleset.ref], "excludes": []},
                "repository_name": {"includes": list(ruleset.repositories), "excludes": []},
            },
            rules=ruleset.rules,  # type: ignore[arg-type]
            opts=self._child(import_=existing_ruleset(None, self._existing.get(ruleset.name))),
        )
