"""Bad input for every manifest key of permissions, packages and rollout: exact messages."""

from __future__ import annotations

import pytest

from components._core._errors import ManifestError
from components._manifest import parse_manifest

HEAD = "owner: acme\nrepositories:\n  - name: a\n"
GH_ID = (
    "is not a GitHub ID; expected the numeric ID of a team or user, such as 1234567"
    " (`gh api orgs/<owner>/teams/<slug> --jq .id`, `gh api users/<login> --jq .id`)"
)
WEAK = (
    "which GitHub applies to every repository of the organization; remove {k} here or change"
    " org_standards.{k}"
)

CASES = [
    (
        HEAD + "    rollout: pr\n",
        "m.yaml:4: repositories[0].rollout: 'pr' is not allowed; expected 'direct' or"
        " 'pull_request'",
    ),
    (
        HEAD + "    actions: {default_token: admin}\n",
        "m.yaml:4: repositories[0].actions.default_token: 'admin' is not allowed; expected"
        " 'read' or 'write'",
    ),
    (
        HEAD + "    actions: {approve_pull_requests: 'no'}\n",
        "m.yaml:4: repositories[0].actions.approve_pull_requests: expected true or false, got"
        " 'no' (a string); YAML reads only true and false as booleans",
    ),
    (
        HEAD + "    actions: {allow: ['docker/login-action']}\n",
        "m.yaml:4: repositories[0].actions.allow[0]: 'docker/login-action' is not an"
        " allowed-actions pattern; expected 'owner/*', 'owner/repo@*' or 'owner/repo@<full"
        " commit SHA>', such as 'acme-widgets/*'",
    ),
    (
        HEAD + "    actions: {sha_pinning: 1}\n",
        "m.yaml:4: repositories[0].actions.sha_pinning: expected true or false, got 1 (a whole"
        " number)",
    ),
    (
        HEAD + "    environment: {reviewers: {teams: [platform]}}\n",
        f"m.yaml:4: repositories[0].environment.reviewers.teams[0]: 'platform' {GH_ID}",
    ),
    (
        HEAD + "    environment: {reviewers: {users: [0]}}\n",
        f"m.yaml:4: repositories[0].environment.reviewers.users[0]: 0 {GH_ID}",
    ),
    (
        HEAD + "    environment: {reviewers: {teams: [1, 2, 3, 4], users: [5, 6, 7]}}\n",
        "m.yaml:4: repositories[0].environment.reviewers: names 7 reviewers; GitHub allows at"
        " most 6 per environment (teams and users together): keep a team instead of its"
        " members",
    ),
    (
        HEAD + "    environment: {prevent_self_review: maybe}\n",
        "m.yaml:4: repositories[0].environment.prevent_self_review: expected true or false, got"
        " 'maybe' (a string)",
    ),
    (
        HEAD + "    environment: {reviewer: {}}\n",
        "m.yaml:4: repositories[0].environment.reviewer: unknown key 'reviewer'; did you mean"
        " 'reviewers'? expected one of: admins_bypass, prevent_self_review,"
        " reviewers",
    ),
    (
        HEAD + "    npm: {visibility: secret}\n",
        "m.yaml:4: repositories[0].npm.visibility: 'secret' is not allowed; expected 'public',"
        " 'private' or 'internal'",
    ),
    (
        HEAD + "    npm: {visibility: public}\n",
        "m.yaml:4: repositories[0].npm.visibility: 'public' for '@acme/a' differs from the"
        " repository's visibility 'private': a package linked to its repository inherits the"
        " repository's access and GitHub has no API to set a package's visibility; set"
        " npm.visibility to 'private' or change the repository's visibility, or make the"
        " change by hand after the first publish in the package's settings on GitHub (Package"
        " settings, Danger Zone, Change visibility; making a package public cannot be undone)",
    ),
    (
        HEAD + "    visibility: public\n    npm: {visibility: internal}\n",
        "m.yaml:5: repositories[0].npm.visibility: 'internal' for '@acme/a' differs from the"
        " repository's visibility 'public': a package linked to its repository inherits the"
        " repository's access and GitHub has no API to set a package's visibility; set"
        " npm.visibility to 'public' or change the repository's visibility, or make the change"
        " by hand after the first publish in the package's settings on GitHub (Package"
        " settings, Danger Zone, Change visibility)",
    ),
    (
        HEAD + "org_standards: {require_checks: 'yes'}\n",
        "m.yaml:4: org_standards.require_checks: expected true or false, got 'yes' (a string);"
        " YAML reads only true and false as booleans",
    ),
    (
        HEAD + "org_standards: {rollout: direct}\n",
        "m.yaml:4: org_standards.rollout: unknown key 'rollout'; expected one of: allow,"
        " approve_pull_requests, default_token, require_checks, sha_pinning",
    ),
]


@pytest.mark.parametrize(("text", "message"), CASES, ids=[c[1].split(":")[2] for c in CASES])
def test_bad_input_is_reported_exactly(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as error:
        parse_manifest(text, "m.yaml")
    assert str(error.value) == f"m.yaml: 1 error in the manifest\n  {message}"


def test_repository_settings_weaker_than_the_organization_are_refused() -> None:
    text = (
        "owner: acme\nplan: enterprise\ndefaults:\n  actions: {default_token: write,"
        " approve_pull_requests: true,"
        " allow: ['acme/*']}\nrepositories:\n  - name: a\norg_standards: {}\n"
    )
    with pytest.raises(ManifestError) as error:
        parse_manifest(text, "m.yaml")
    assert [str(i) for i in error.value.issues] == [
        "m.yaml:6: repositories[0].actions.allow: 'acme/*' is not in org_standards.allow, and"
        " the organization's policy limits every repository; add it to org_standards.allow too",
        "m.yaml:6: repositories[0].actions.approve_pull_requests: true is weaker than"
        " org_standards.approve_pull_requests (false), " + WEAK.format(k="approve_pull_requests"),
        "m.yaml:6: repositories[0].actions.default_token: 'write' is weaker than"
        " org_standards.default_token ('read'), " + WEAK.format(k="default_token"),
    ]


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("repositories[0].actions", "repositories:\n  - name: a\n    actions: {X}\n"),
        ("defaults.actions", "defaults:\n  actions: {X}\nrepositories:\n  - name: a\n"),
        ("org_standards", "repositories:\n  - name: a\norg_standards: {X}\n"),
    ],
)
def test_sha_pinning_false_is_refused_as_the_provider_cannot_apply_it(
    where: str, text: str
) -> None:
    with pytest.raises(ManifestError) as error:
        parse_manifest("owner: acme\n" + text.replace("X", "sha_pinning: false"), "m.yaml")
    (issue,) = error.value.issues
    assert str(issue).split(": ", 2)[1:] == [
        f"{where}.sha_pinning",
        "false cannot be applied: the GitHub provider never sends a false"
        " sha_pinning_required, so GitHub would keep requiring SHA pins; remove the key"
        " (ghpublish pins every action it generates by SHA) and turn the requirement off by"
        " hand in the Actions settings if you must",
    ]
    parse_manifest("owner: acme\n" + text.replace("X", "sha_pinning: true"), "m.yaml")


def test_defaults_and_overrides_resolve() -> None:
    spec = parse_manifest(
        "owner: acme\nplan: enterprise\ndefaults:\n  rollout: pull_request\n  environment: {reviewers: {teams: [9,"
        " 9]}}\n  actions: {allow: ['acme/*']}\nrepositories:\n  - name: a\n    rollout:"
        " direct\n    visibility: public\n    npm: {visibility: public}\n  - name: b\n"
        "org_standards: {allow: ['acme/*']}\n",
        "m.yaml",
    )
    a, b = spec.repositories
    assert (a.rollout, b.rollout) == ("direct", "pull_request")
    assert a.environment.reviewer_teams == (9,) and a.environment.prevent_self_review
    assert a.actions.allow == ("acme/*",) and a.actions.default_token == "read"
    assert a.npm is not None and a.npm.visibility == "public"
    assert spec.standards is not None and not spec.standards.require_checks
