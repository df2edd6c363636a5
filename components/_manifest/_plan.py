"""The owner's GitHub plan: each combination GitHub refuses on it is a manifest error.

Rules and their sources (GitHub's docs, cited in the README, "What the plan allows"):
- `internal` visibility exists only for organizations of an enterprise account (REST,
  "Create an organization repository": `visibility`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .._spec import DEFAULT_PLAN, RepositorySpec, patterns_apply
from ._fields import Loc

PlanName = Literal["free", "pro", "team", "enterprise"]
PLAN_FIELD = Field(
    DEFAULT_PLAN,
    description="The owner's GitHub plan: free, pro, team or enterprise (GitHub Enterprise"
    " Cloud); what GitHub allows depends on it (default team).",
)


def plan_problems(repo: RepositorySpec, index: int) -> list[tuple[Loc, str]]:
    """What GitHub would refuse for one repository on the owner's plan."""
    problems: list[tuple[Loc, str]] = []
    if repo.known_visibility == "internal" and repo.plan != "enterprise":
        problems.append(
            (
                ("repositories", index, "visibility"),
                f"'internal' needs GitHub Enterprise Cloud (plan: enterprise); on plan"
                f" {repo.plan!r} GitHub refuses internal repositories: use 'private', or set"
                " plan: enterprise if the owner belongs to an enterprise account",
            )
        )
    if repo.actions.allow and not patterns_apply(repo.plan, repo.known_visibility):
        seen = repo.known_visibility or "kept as GitHub has it (adopted)"
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
    return problems
