"""The owner's GitHub plan: each combination GitHub refuses on it is a manifest error.

Rules and their sources (GitHub's docs, cited in the README, "What the plan allows"):
- `internal` visibility exists only for organizations of an enterprise account (REST,
  "Create an organization repository": `visibility`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .._spec import DEFAULT_PLAN, RepositorySpec
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
    if repo.visibility == "internal" and repo.plan != "enterprise":
        problems.append(
            (
                ("repositories", index, "visibility"),
                f"'internal' needs GitHub Enterprise Cloud (plan: enterprise); on plan"
                f" {repo.plan!r} GitHub refuses internal repositories: use 'private', or set"
                " plan: enterprise if the owner belongs to an enterprise account",
            )
        )
    return problems
