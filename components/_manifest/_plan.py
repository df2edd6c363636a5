"""The owner's GitHub plan: each combination GitHub refuses on it is a manifest error.

The gates and their sources are the rows of `GATES` (`components/_core/_gates.py`, the
README's "What the plan allows" is generated from it); each rule here names its row:
- `internal_visibility`: `internal` exists only for organizations of an enterprise account.
- `environments`: no environment in a private repository on Free: a repository that
  publishes there is refused (publishing without the `release` environment and its
  release-tag policy would let any branch publish).
- `protection_rules`: required reviewers in private and internal repositories need
  Enterprise Cloud.
- `org_rulesets`: `org_standards` manages organization rulesets, offered on Team and
  Enterprise Cloud only.
- `action_patterns`: allowed-actions patterns reach public repositories on every plan,
  private and internal ones on Enterprise Cloud only; elsewhere a repository runs
  third-party actions only as a Marketplace verified creator's (`verified_allowed`). A block
  whose workflow runs an action of another owner is refused there (no workflow runs one
  today: the RubyGems workflow runs the runner image's Ruby, not ruby/setup-ruby).
`repository_rulesets` and `attestations` adapt instead (no tag ruleset, no attestation).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .._core._catalog import GITHUB_OWNED, VERIFIED_CREATORS
from .._core._fields import Loc
from .._core._gates import allows
from .._core._spec import DEFAULT_PLAN, RepositorySpec, patterns_apply
from .._core._workflow import workflow_actions
from .._registry import ECOSYSTEMS

PlanName = Literal["free", "pro", "team", "enterprise"]
PLAN_FIELD = Field(
    DEFAULT_PLAN,
    description="The owner's GitHub plan: free, pro, team or enterprise (GitHub Enterprise"
    " Cloud); what GitHub allows depends on it (default team).",
)


def plan_problems(repo: RepositorySpec, index: int) -> list[tuple[Loc, str]]:
    """What GitHub would refuse for one repository on the owner's plan."""
    problems: list[tuple[Loc, str]] = []
    seen = repo.known_visibility or "kept as GitHub has it (adopted)"
    if repo.known_visibility == "internal" and not allows(
        "internal_visibility", repo.plan, "internal"
    ):
        problems.append(
            (
                ("repositories", index, "visibility"),
                f"'internal' needs GitHub Enterprise Cloud (plan: enterprise); on plan"
                f" {repo.plan!r} GitHub refuses internal repositories: use 'private', or set"
                " plan: enterprise if the owner belongs to an enterprise account",
            )
        )
    publishing = [eco.key for eco in ECOSYSTEMS if repo.block(eco.key) is not None]
    if not allows("environments", repo.plan, repo.known_visibility):
        problems.extend(
            (
                ("repositories", index, key),
                f"the {key} workflow publishes from the `release` environment, and GitHub"
                f" offers environments to public repositories only on plan {repo.plan!r}, and"
                f" this repository's visibility is {seen}: without the environment and its"
                " release-tag policy any branch could publish; make the repository public"
                " (visibility: public), or set plan: pro, team or enterprise",
            )
            for key in publishing
        )
    elif (
        publishing
        and (repo.environment.reviewer_teams or repo.environment.reviewer_users)
        and not allows("protection_rules", repo.plan, repo.known_visibility)
    ):
        problems.append(
            (
                ("repositories", index, "environment", "reviewers"),
                f"GitHub offers required reviewers to public repositories only on plan"
                f" {repo.plan!r}, and this repository's visibility is {seen}: GitHub would"
                " refuse the `release` environment; make the repository public (visibility:"
                " public), or set plan: enterprise if the owner is on GitHub Enterprise Cloud",
            )
        )
    if repo.actions.allow and not patterns_apply(repo.plan, repo.known_visibility):
        problems.append(
            (
                ("repositories", index, "actions", "allow"),
                f"GitHub applies allowed-actions patterns to public repositories only on plan"
                f" {repo.plan!r}, and this repository's visibility is {seen}: the patterns"
                " would be ignored and the workflows using them blocked; remove"
                " actions.allow, make the repository public (visibility: public), or set"
                " plan: enterprise if the owner is on GitHub Enterprise Cloud",
            )
        )
    if not patterns_apply(repo.plan, repo.known_visibility):
        problems.extend(_unverified_problems(repo, index))
    return problems


def _unverified_problems(repo: RepositorySpec, index: int) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    seen = repo.known_visibility or "kept as GitHub has it (adopted)"
    for ecosystem in ECOSYSTEMS:
        if repo.block(ecosystem.key) is None:
            continue
        try:
            workflow = ecosystem.workflow(repo, "publishing.yaml")
        except ValueError:
            continue  # a block the workflow refuses is reported where it is resolved
        actions = [
            uses.split("@")[0]
            for uses in workflow_actions([workflow])
            if uses.split("/")[0] not in GITHUB_OWNED | VERIFIED_CREATORS
        ]
        if actions:
            problems.append(
                (
                    ("repositories", index, ecosystem.key),
                    f"the {ecosystem.key} workflow runs {', '.join(actions)}, whose owner is not"
                    " a GitHub Marketplace verified creator: GitHub allows it by pattern, and"
                    f" applies patterns to public repositories only on plan {repo.plan!r}, and"
                    f" this repository's visibility is {seen}; make the repository public"
                    " (visibility: public), or set plan: enterprise if the owner is on GitHub"
                    " Enterprise Cloud",
                )
            )
    return problems


def org_plan_problems(plan: str, org_standards: bool) -> list[tuple[Loc, str]]:
    """What GitHub would refuse for the owner's own settings on its plan."""
    if org_standards and not allows("org_rulesets", plan, None):
        return [
            (
                ("org_standards",),
                f"org_standards protects release tags with organization rulesets, which GitHub"
                f" offers on plan 'team' and 'enterprise' only, not on plan {plan!r}; remove"
                " org_standards (each repository then gets its own Actions settings and tag"
                " ruleset), or set plan: team or enterprise",
            )
        ]
    return []
