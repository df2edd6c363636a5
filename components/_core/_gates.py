"""What each GitHub plan allows: one row per setting ghpublish sends that GitHub gates by
plan (and visibility), with the page of GitHub's documentation that says so.

The table drives the manifest's plan rules (`components/_manifest/_plan.py`), the defaults
that adapt to the plan (the components), and the table of docs/plans.md, "What the plan
allows" (`gates_markdown`, between its markers; `python -m tools.plan_gates` rewrites it). An
unknown visibility (an adopted repository that keeps GitHub's) counts as private.
"""

from __future__ import annotations

from dataclasses import dataclass

PLANS = ("free", "pro", "team", "enterprise")
_ENVIRONMENTS = (
    "https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/"
    "managing-deployments/managing-environments-for-deployment"
)
_RULESETS = (
    "https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/"
    "managing-rulesets/about-rulesets"
)


@dataclass(frozen=True)
class Gate:
    """One setting GitHub offers on some plans (and visibilities) only."""

    setting: str
    # Where GitHub offers it, in words, for the docs.
    available: str
    # What ghpublish does where it is not available.
    elsewhere: str
    source: str
    # The plans it is offered on for public repositories, and for private and internal ones
    # (an organization setting: the plans, whatever the visibility).
    public: tuple[str, ...]
    private: tuple[str, ...]

    def allows(self, plan: str | None, visibility: str | None) -> bool:
        """Whether GitHub offers the setting to a repository of ``visibility`` (None:
        unknown, counted as private) of an owner on ``plan``."""
        return plan in (self.public if visibility == "public" else self.private)


def _gate(*, public: tuple[str, ...] = PLANS, private: tuple[str, ...], **text: str) -> Gate:
    return Gate(public=public, private=private, **text)


GATES: dict[str, Gate] = {
    "internal_visibility": _gate(
        setting="`visibility: internal`",
        available="`enterprise` (organizations of an enterprise account)",
        elsewhere="a manifest error: use `private`, or `plan: enterprise`",
        source="https://docs.github.com/en/rest/repos/repos#create-an-organization-repository",
        public=(),
        private=("enterprise",),
    ),
    "environments": _gate(
        setting="the `release` environment and its release-tag deployment policy (every"
        " repository that publishes)",
        available="public repositories on every plan; private and internal ones on `pro`,"
        " `team`, `enterprise`",
        elsewhere="a manifest error on each publishing block of a private repository on `free`:"
        " publishing without the environment would let any branch publish; make the repository"
        " public, or `plan: pro`, `team` or `enterprise`",
        source=_ENVIRONMENTS,
        private=("pro", "team", "enterprise"),
    ),
    "protection_rules": _gate(
        setting="environment protection rules: required reviewers (`environment.reviewers`),"
        " prevent self-review (`environment.prevent_self_review`), wait timer",
        available="public repositories on every plan; private and internal ones on `enterprise`",
        elsewhere="`environment.reviewers` is a manifest error: make the repository public, or"
        " `plan: enterprise`; no protection rule is sent, and prevent self-review is sent only"
        " with reviewers on every plan",
        source=_ENVIRONMENTS,
        private=("enterprise",),
    ),
    "repository_rulesets": _gate(
        setting="the repository ruleset protecting release tags (without `org_standards`)",
        available="public repositories on every plan; private and internal ones on `pro`,"
        " `team`, `enterprise`",
        elsewhere="not sent (a private repository on `free` that publishes is refused by the"
        " environments row)",
        source=_RULESETS,
        private=("pro", "team", "enterprise"),
    ),
    "org_rulesets": _gate(
        setting="organization rulesets (`org_standards`: release tags, `require_checks`)",
        available="`team`, `enterprise` (organizations; `pro` is a personal account's plan)",
        elsewhere="`org_standards` is a manifest error: remove it (each repository then gets"
        " its own settings and tag ruleset), or `plan: team` or `enterprise`",
        source=_RULESETS,
        public=("team", "enterprise"),
        private=("team", "enterprise"),
    ),
    "action_patterns": _gate(
        setting="allowed-actions patterns (`patterns_allowed`: `actions.allow`, the workflows'"
        " third-party actions)",
        available="public repositories on every plan; private and internal ones on `enterprise`",
        elsewhere="`actions.allow` is a manifest error, and so would be a block running an"
        " action of no verified creator (none does); the catalog's third-party actions are"
        " admitted with `verified_allowed`",
        source="https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-"
        "features/enabling-features-for-your-repository/managing-github-actions-settings-for-a-"
        "repository",
        private=("enterprise",),
    ),
    "attestations": _gate(
        setting="artifact attestations of container images",
        available="public repositories on every plan; private and internal ones on `enterprise`",
        elsewhere="the container workflow does not attest",
        source="https://docs.github.com/en/actions/security-for-github-actions/using-artifact-"
        "attestations/using-artifact-attestations-to-establish-provenance-for-builds",
        private=("enterprise",),
    ),
}


def allows(gate: str, plan: str | None, visibility: str | None) -> bool:
    """Whether GitHub offers the setting of ``GATES[gate]`` there."""
    return GATES[gate].allows(plan, visibility)


BEGIN = "<!-- plan gates: generated from components/_core/_gates.py -->"
END = "<!-- end of plan gates -->"


def gates_markdown() -> str:
    """The table of the gates in docs/plans.md, between its markers."""
    rows = [
        "| setting | where GitHub offers it | elsewhere, ghpublish | GitHub's documentation |",
        "| --- | --- | --- | --- |",
        *(f"| {g.setting} | {g.available} | {g.elsewhere} | {g.source} |" for g in GATES.values()),
    ]
    return "\n".join([BEGIN, *rows, END]) + "\n"
