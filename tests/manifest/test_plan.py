"""The owner's GitHub plan: what GitHub refuses on it is a manifest error."""

from __future__ import annotations

import pytest
import yaml
from conftest import RunManifest, errors, one, parse

from components._core._catalog import CATALOG, VERIFIED_CREATORS
from components._ecosystems.container._workflow import attestations_available
from tools.mock_engine import Run

FILE = "github:index/repositoryFile:RepositoryFile"

BASE = """
owner: acme
{plan}
repositories:
  - name: tools
    visibility: {visibility}
"""


def test_plan_defaults_to_team_and_reaches_every_repository() -> None:
    spec = parse(BASE.format(plan="", visibility="private"))
    assert spec.plan == "team"
    assert [r.plan for r in spec.repositories] == ["team"]
    spec = parse(BASE.format(plan="plan: enterprise", visibility="private"))
    assert spec.plan == "enterprise"
    assert [r.plan for r in spec.repositories] == ["enterprise"]


def test_an_unknown_plan_is_refused() -> None:
    assert errors(BASE.format(plan="plan: business", visibility="private")) == [
        "publishing.yaml:3: plan: 'business' is not allowed; expected 'free', 'pro', 'team'"
        " or 'enterprise'"
    ]


@pytest.mark.parametrize("plan", ["free", "pro", "team"])
def test_internal_visibility_needs_enterprise(plan: str) -> None:
    assert errors(BASE.format(plan=f"plan: {plan}", visibility="internal")) == [
        f"publishing.yaml:6: repositories[0].visibility: 'internal' needs GitHub Enterprise"
        f" Cloud (plan: enterprise); on plan {plan!r} GitHub refuses internal repositories:"
        " use 'private', or set plan: enterprise if the owner belongs to an enterprise account"
    ]
    parse(BASE.format(plan="plan: enterprise", visibility="internal"))


ACTIONS = "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions"
ORG_ACTIONS = "github:index/actionsOrganizationPermissions:ActionsOrganizationPermissions"
POLICY = """
owner: acme
{plan}
repositories:
  - {{name: open, visibility: public, container: {{}}}}
  - {{name: closed, visibility: private, container: {{}}}}
  - {{name: lib, visibility: private, npm: {{}}}}
  - {{name: kept, adopt: true, container: {{}}, actions: {{sha_pinning: true}}}}
{org}
"""


def _config(run: Run, name: str) -> dict[str, object]:
    return one(run, ACTIONS, f"org-{name}-standards-actions-permissions").plain_inputs[
        "allowedActionsConfig"
    ]


def _uses(run: Run, name: str) -> set[str]:
    return {
        step["uses"]
        for r in run.of_type(FILE)
        if r.plain_inputs["repository"] == name
        for job in yaml.safe_load(r.plain_inputs["content"]).get("jobs", {}).values()
        for step in job.get("steps", [])
        if "uses" in step
    }


# On free, a private repository that publishes is refused (no environments: test_gates.py).
@pytest.mark.parametrize("plan", ["pro", "team"])
def test_outside_enterprise_private_repositories_allow_verified_creators_only_if_needed(
    run_manifest: RunManifest, plan: str
) -> None:
    # GitHub applies `patterns_allowed` to public repositories only, outside Enterprise
    # Cloud: a private repository whose workflows run docker's actions needs the verified
    # creators' actions allowed, else its workflows are blocked.
    run = run_manifest(POLICY.format(plan=f"plan: {plan}", org=""))
    assert _config(run, "open")["verifiedAllowed"] is False
    assert _config(run, "closed")["verifiedAllowed"] is True
    assert _config(run, "kept")["verifiedAllowed"] is True  # visibility unknown: kept
    # The npm workflow runs GitHub's own actions only: nothing more is allowed.
    assert _config(run, "lib") == {
        "githubOwnedAllowed": True,
        "verifiedAllowed": False,
        "patternsAlloweds": [],
    }
    # Every action a workflow runs is admitted: GitHub's own, or a verified creator's.
    for name in ("closed", "kept"):
        third_party = {u.split("/")[0] for u in _uses(run, name)} - {"actions", "github"}
        assert third_party and third_party <= VERIFIED_CREATORS


def test_on_enterprise_patterns_reach_private_repositories(run_manifest: RunManifest) -> None:
    run = run_manifest(POLICY.format(plan="plan: enterprise", org=""))
    for name in ("open", "closed", "kept", "lib"):
        assert _config(run, name)["verifiedAllowed"] is False, name
    patterns = _config(run, "closed")["patternsAlloweds"]
    assert patterns == sorted(u for u in _uses(run, "closed") if not u.startswith("actions/"))


@pytest.mark.parametrize(("plan", "verified"), [("team", True), ("enterprise", False)])
def test_the_org_policy_allows_verified_creators_only_where_patterns_do_not_reach(
    run_manifest: RunManifest, plan: str, verified: bool
) -> None:
    run = run_manifest(POLICY.format(plan=f"plan: {plan}", org="org_standards: {}"))
    org = one(run, ORG_ACTIONS, "org-org-standards-actions-permissions").plain_inputs
    assert org["allowedActionsConfig"]["verifiedAllowed"] is verified
    # Under the org's `selected` policy a repository cannot set its own list.
    assert not run.of_type(ACTIONS)
    public_only = (
        POLICY.format(plan="plan: team", org="org_standards: {}")
        .replace("visibility: private, container", "visibility: public, container")
        .replace("  - {name: kept, adopt: true, container: {}, actions: {sha_pinning: true}}\n", "")
    )
    org = one(run_manifest(public_only), ORG_ACTIONS, "org-org-standards-actions-permissions")
    assert org.plain_inputs["allowedActionsConfig"]["verifiedAllowed"] is False


def test_patterns_a_private_repository_cannot_use_are_refused() -> None:
    text = "owner: acme\nrepositories:\n  - name: a\n    actions: {allow: ['acme/*']}\n"
    assert errors(text) == [
        "publishing.yaml:4: repositories[0].actions.allow: GitHub applies allowed-actions"
        " patterns to public repositories only on plan 'team', and this repository's visibility"
        " is private: the patterns would be ignored and the workflows using them blocked;"
        " remove actions.allow, make the repository public (visibility: public), or set plan:"
        " enterprise if the owner is on GitHub Enterprise Cloud"
    ]
    parse(text.replace("name: a\n", "name: a\n    visibility: public\n"))
    parse("plan: enterprise\n" + text)


def test_a_third_party_action_of_no_verified_creator_is_refused_where_patterns_do_not_reach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Private repositories outside Enterprise Cloud run third-party actions only as verified
    # creators'. Every third-party owner of the catalog is one; the RubyGems workflow runs the
    # runner image's Ruby (no ruby/setup-ruby), so a private gem is accepted on team.
    owners = {name.split("/")[0] for name in CATALOG} - {"actions", "github"}
    assert owners <= VERIFIED_CREATORS
    private = "owner: a\nrepositories:\n  - {name: b, rubygems: {}}\n"
    parse(private)
    # A workflow that ran an action of another owner would be refused there.
    monkeypatch.setattr(
        "components._manifest._plan.workflow_actions",
        lambda workflows: ["actions/checkout@0", "acme/setup-thing@0"],
    )
    assert errors(private) == [
        "publishing.yaml:3: repositories[0].rubygems: the rubygems workflow runs"
        " acme/setup-thing, whose owner is not a GitHub Marketplace verified creator: GitHub"
        " allows it by pattern, and applies patterns to public repositories only on plan"
        " 'team', and this repository's visibility is private; make the repository public"
        " (visibility: public), or set plan: enterprise if the owner is on GitHub Enterprise"
        " Cloud"
    ]
    parse(private.replace("{name: b,", "{name: b, visibility: public,"))


def test_an_adopted_repository_is_judged_by_the_visibility_its_entry_sets() -> None:
    # `defaults` never reach an adopted repository: their visibility is no reason to refuse
    # it, nor to attest its images as if it were public.
    text = (
        "owner: acme\ndefaults: {visibility: internal}\nrepositories:\n  - {name: a, adopt: true}\n"
    )
    (repo,) = parse(text).repositories
    assert repo.known_visibility is None
    # Nothing in the manifest writes its Actions settings or branch either: all kept.
    assert repo.kept == {
        "description",
        "visibility",
        "default_branch",
        "default_token",
        "approve_pull_requests",
        "allow",
        "sha_pinning",
    }
    assert errors(text.replace("adopt: true", "adopt: false")) != []
    public = parse(
        text.replace("internal", "public").replace("adopt: true}", "adopt: true, container: {}}")
    ).repositories[0]
    assert public.container is not None
    assert public.plan == "team" and not attestations_available(public)
