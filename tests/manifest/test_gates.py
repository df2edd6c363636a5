"""One test per row of GATES (components/_core/_gates.py): what GitHub offers on each plan,
refused or adapted exactly, and the table of docs/plans.md generated from it."""

from __future__ import annotations

import pytest
from conftest import ROOT, RunManifest, errors, one, parse

from components._core._gates import GATES, gates_markdown
from components._ecosystems.container._workflow import attestations_available
from tools.plan_gates import rewritten

ENV = "github:index/repositoryEnvironment:RepositoryEnvironment"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"


def _text(plan: str, entry: str, extra: str = "") -> str:
    return f"owner: acme\nplan: {plan}\n{extra}repositories:\n  - {entry}\n"


def test_every_row_has_a_test_and_the_plans_page_holds_the_generated_table() -> None:
    tested = {name[len("test_row_") :] for name in globals() if name.startswith("test_row_")}
    assert tested == set(GATES)
    for gate in GATES.values():
        assert gate.source.startswith("https://docs.github.com/en/"), gate.setting
    page = (ROOT / "docs" / "plans.md").read_text(encoding="utf-8")
    assert gates_markdown() in page
    assert rewritten(page) == page


@pytest.mark.parametrize("plan", ["free", "pro", "team"])
def test_row_internal_visibility(plan: str) -> None:
    assert not GATES["internal_visibility"].allows(plan, "internal")
    (problem,) = errors(_text(plan, "{name: a, visibility: internal}"))
    assert problem.startswith("publishing.yaml:4: repositories[0].visibility: 'internal' needs")
    parse(_text("enterprise", "{name: a, visibility: internal}"))


ENVIRONMENTS = (
    "publishing.yaml:4: repositories[0].{key}: the {key} workflow publishes from the `release`"
    " environment, and GitHub offers environments to public repositories only on plan 'free',"
    " and this repository's visibility is {seen}: without the environment and its release-tag"
    " policy any branch could publish; make the repository public (visibility: public), or set"
    " plan: pro, team or enterprise"
)


@pytest.mark.parametrize(
    ("entry", "seen"),
    [
        ("{name: a, npm: {}}", "private"),
        ("{name: a, adopt: true, container: {}}", "kept as GitHub has it (adopted)"),
    ],
)
def test_row_environments(entry: str, seen: str) -> None:
    key = "npm" if "npm" in entry else "container"
    assert errors(_text("free", entry)) == [ENVIRONMENTS.format(key=key, seen=seen)]
    both = "{name: a, npm: {}, container: {}}"
    assert errors(_text("free", both)) == [
        ENVIRONMENTS.format(key=k, seen="private") for k in ("container", "npm")
    ]
    parse(_text("free", entry.replace("{name: a,", "{name: a, visibility: public,")))
    for plan in ("pro", "team", "enterprise"):
        parse(_text(plan, entry))
    # A private repository that publishes nothing needs no environment.
    parse(_text("free", "{name: a}"))


REVIEWERS = (
    "publishing.yaml:{line}: repositories[0].environment.reviewers: GitHub offers required"
    " reviewers to public repositories only on plan {plan!r}, and this repository's visibility"
    " is private: GitHub would refuse the `release` environment; make the repository public"
    " (visibility: public), or set plan: enterprise if the owner is on GitHub Enterprise Cloud"
)


@pytest.mark.parametrize("plan", ["pro", "team"])
def test_row_protection_rules(run_manifest: RunManifest, plan: str) -> None:
    entry = "{name: a, npm: {}, environment: {reviewers: {teams: [1]}}}"
    assert errors(_text(plan, entry)) == [REVIEWERS.format(line=4, plan=plan)]
    # From defaults too (reported at the repository that inherits them).
    inherited = _text(
        plan, "{name: a, npm: {}}", "defaults: {environment: {reviewers: {users: [2]}}}\n"
    )
    assert errors(inherited) == [REVIEWERS.format(line=5, plan=plan)]
    parse(_text(plan, entry.replace("{name: a,", "{name: a, visibility: public,")))
    parse(_text("enterprise", entry))
    parse(_text(plan, "{name: a, environment: {reviewers: {teams: [1]}}}"))  # publishes nothing
    # No protection rule is sent without reviewers: prevent self-review is part of the
    # required-reviewers rule, sent only with reviewers (on every plan).
    env = one(
        run_manifest(_text(plan, "{name: a, npm: {}}")), ENV, "org-a-standards-release-environment"
    )
    assert "preventSelfReview" not in env.plain_inputs and "reviewers" not in env.plain_inputs
    assert env.plain_inputs["canAdminsBypass"] is False
    run = run_manifest(_text("enterprise", entry))
    env = one(run, ENV, "org-a-standards-release-environment").plain_inputs
    assert env["preventSelfReview"] is True and env["reviewers"] == [{"teams": [1], "users": []}]


@pytest.mark.parametrize(
    ("plan", "visibility", "ruleset"),
    [
        ("free", "private", False),
        ("free", "public", True),
        ("pro", "private", True),
        ("team", "private", True),
    ],
)
def test_row_repository_rulesets(
    run_manifest: RunManifest, plan: str, visibility: str, ruleset: bool
) -> None:
    assert GATES["repository_rulesets"].allows(plan, visibility) is ruleset
    run = run_manifest(_text(plan, f"{{name: a, visibility: {visibility}}}"))
    assert len([r for r in run.of_type(RULESET)]) == int(ruleset)


@pytest.mark.parametrize("plan", ["free", "pro"])
def test_row_org_rulesets(plan: str) -> None:
    text = _text(plan, "{name: a, visibility: public}", "org_standards: {}\n")
    assert errors(text) == [
        "publishing.yaml:3: org_standards: org_standards protects release tags with"
        " organization rulesets, which GitHub offers on plan 'team' and 'enterprise' only, not"
        f" on plan {plan!r}; remove org_standards (each repository then gets its own Actions"
        " settings and tag ruleset), or set plan: team or enterprise"
    ]
    parse(text.replace(f"plan: {plan}", "plan: team"))
    parse(text.replace("org_standards: {}\n", ""))


@pytest.mark.parametrize("plan", ["free", "pro", "team"])
def test_row_action_patterns(plan: str) -> None:
    entry = "{name: a, visibility: private, actions: {allow: ['acme/*']}}"
    assert errors(_text(plan, entry)) == [
        "publishing.yaml:4: repositories[0].actions.allow: GitHub applies allowed-actions"
        f" patterns to public repositories only on plan {plan!r}, and this repository's"
        " visibility is private: the patterns would be ignored and the workflows using them"
        " blocked; remove actions.allow, make the repository public (visibility: public), or set"
        " plan: enterprise if the owner is on GitHub Enterprise Cloud"
    ]
    parse(_text("enterprise", entry))


@pytest.mark.parametrize("plan", ["pro", "team", "enterprise"])
def test_row_attestations(plan: str) -> None:
    private = parse(_text(plan, "{name: a, container: {}}")).repositories[0]
    public = parse(_text(plan, "{name: a, visibility: public, container: {}}")).repositories[0]
    assert attestations_available(private) is (plan == "enterprise")
    assert attestations_available(public)
