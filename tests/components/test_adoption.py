"""Safe adoption: import, never recreate; removing a repository deletes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import RunManifest, one

from components import ManifestError, parse_manifest
from tools.github_state import repository_update
from tools.mock_engine import Registration, Run
from tools.synth import plan

REPO = "github:index/repository:Repository"

MANIFEST = """
owner: acme
plan: enterprise
repositories:
  - name: kept
    npm: {}
  - name: legacy
    adopt: true
    default_branch: master
    npm: {}
    container: {}
    environment: {reviewers: {users: [7]}}
  - name: other
    rollout: pull_request
    npm: {}
"""


def test_adopted_repository_is_imported_without_replacing_inputs(run_manifest) -> None:
    run = run_manifest(MANIFEST)
    repo = one(run, REPO, "org-legacy-repository")
    assert repo.import_id == "legacy"
    assert repo.retain_on_delete and not repo.protect
    # Inputs that force a replacement after import are never sent.
    for forcing in ("autoInit", "template", "gitignoreTemplate", "licenseTemplate"):
        assert forcing not in repo.inputs, forcing
    assert repo.plain_inputs["name"] == "legacy"
    created = one(run, REPO, "org-kept-repository")
    assert created.import_id == "" and created.plain_inputs["autoInit"] is True
    assert created.retain_on_delete and not created.protect


def test_removing_a_repository_deletes_nothing_and_changes_no_other(run_manifest) -> None:
    before = plan(run_manifest(MANIFEST))["resources"]
    without = MANIFEST.replace(
        """  - name: legacy
    adopt: true
    default_branch: master
    npm: {}
    container: {}
    environment: {reviewers: {users: [7]}}
""",
        "",
    )
    assert without != MANIFEST
    after = plan(run_manifest(without))["resources"]
    after_by_urn = {r["urn"]: r for r in after}
    gone = [r for r in before if r["urn"] not in after_by_urn]
    assert gone and all("legacy" in r["name"] for r in gone)
    # Every resource that leaves the program is retained on GitHub: nothing is deleted. The
    # repository is not protected, so the engine forgets it with a plain `pulumi up`.
    custom = [r for r in gone if not r["type"].startswith("ghpublish:")]
    assert any(r["type"] == REPO for r in custom)
    for r in custom:
        assert r["options"]["retainOnDelete"], r["name"]
        assert not r["options"]["protect"], r["name"]
    # The plan of the other repositories is unchanged, entry by entry.
    for r in before:
        if r["urn"] in after_by_urn:
            assert after_by_urn[r["urn"]] == r, r["name"]
    assert len(after) == len(before) - len(gone)


# What GitHub's `GET /repos/acme/legacy` returns (recorded, in the API's documented shape):
# a private repository with a description, topics, its own features and merge settings.
GITHUB_STATE = Path(__file__).parent.parent / "fixtures" / "github"
# Defaults that differ from GitHub's state in every way an update could: never applied to
# an adopted repository.
ADOPTED = """
owner: acme
defaults:
  visibility: public
  description: Default description
  features: {issues: false, wiki: true, projects: true, discussions: false}
repositories:
  - name: legacy
    adopt: true
    default_branch: master
    npm: {}
"""


def _adopted(run_manifest: RunManifest, text: str) -> Registration:
    repo = one(run_manifest(text, github_state=GITHUB_STATE), REPO, "org-legacy-repository")
    assert repo.import_id == "legacy"
    assert repo.imported is not None, "the mock engine read no recorded state"
    return repo


def _changes(repo: Registration, ignore: tuple[str, ...] | None = None) -> dict[str, object]:
    ignored = repo.ignore_changes if ignore is None else ignore
    return repository_update(repo.plain_inputs, repo.imported or {}, ignored).changes


def test_without_ignore_changes_the_update_would_reset_the_adopted_repository(
    run_manifest: RunManifest,
) -> None:
    # The control: the provider's update sends every attribute, an unset one as false or
    # empty, and a missing visibility as public.
    changes = _changes(_adopted(run_manifest, ADOPTED), ignore=())
    assert changes["visibility"] == ("private", "public")
    assert changes["description"] == ("Billing service, in production since 2019", "")
    assert changes["hasIssues"] == (True, False)
    assert changes["hasDiscussions"] == (True, False)
    assert changes["topics"] == (["billing", "payments"], [])
    assert changes["deleteBranchOnMerge"] == (True, False)


def test_an_adopted_repository_changes_nothing_its_entry_does_not_set(
    run_manifest: RunManifest,
) -> None:
    repo = _adopted(run_manifest, ADOPTED)
    # Nothing from defaults reaches it: no visibility, description or feature is sent...
    assert set(repo.plain_inputs) == {"name", "archiveOnDestroy"}
    # ...and every attribute the provider would send is kept as GitHub has it.
    assert _changes(repo) == {}


def test_an_adopted_repository_changes_exactly_what_its_entry_declares(
    run_manifest: RunManifest,
) -> None:
    declared = ADOPTED.replace(
        "    adopt: true\n",
        "    adopt: true\n    description: Billing\n    features: {wiki: true}\n",
    )
    assert declared != ADOPTED
    repo = _adopted(run_manifest, declared)
    assert _changes(repo) == {
        "description": ("Billing service, in production since 2019", "Billing"),
        "hasWiki": (False, True),
    }


def test_making_an_adopted_repository_public_needs_its_own_visibility(
    run_manifest: RunManifest,
) -> None:
    public = ADOPTED.replace("    adopt: true\n", "    adopt: true\n    visibility: public\n")
    assert _changes(_adopted(run_manifest, public)) == {"visibility": ("private", "public")}


def test_adopting_a_repository_github_does_not_have_fails(run_manifest: RunManifest) -> None:
    with pytest.raises(Exception, match="GitHub has no repository acme/missing"):
        run_manifest(ADOPTED.replace("name: legacy", "name: missing"), github_state=GITHUB_STATE)


def test_a_new_repository_gets_githubs_feature_defaults(run_manifest: RunManifest) -> None:
    run = run_manifest("owner: acme\nrepositories:\n  - name: fresh\n")
    inputs = one(run, REPO, "org-fresh-repository").plain_inputs
    # Unset, the provider would send each as false: issues, projects and wiki would be off.
    assert {k: inputs[k] for k in ("hasIssues", "hasProjects", "hasWiki", "hasDiscussions")} == {
        "hasIssues": True,
        "hasProjects": True,
        "hasWiki": True,
        "hasDiscussions": False,
    }
    run = run_manifest(
        "owner: acme\ndefaults: {features: {wiki: false}}\nrepositories:\n"
        "  - name: fresh\n    features: {discussions: true}\n"
    )
    inputs = one(run, REPO, "org-fresh-repository").plain_inputs
    assert (inputs["hasIssues"], inputs["hasWiki"], inputs["hasDiscussions"]) == (True, False, True)


# Issue 22 §1: adoption changes only what the manifest writes. ghpublish's built-in Actions
# policy and token defaults are for the repositories it creates.
FILE = "github:index/repositoryFile:RepositoryFile"
ACTIONS = "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions"
TOKEN = "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions"
BARE = """
owner: acme
plan: enterprise
defaults: {default_branch: develop}
repositories:
  - name: portal
    adopt: true
    npm: {}
  - name: fresh
    npm: {}
"""


def _types(run: Run, repo: str) -> set[str]:
    return {r.type for r in run.registrations if r.name.startswith(f"org-{repo}-")}


def test_an_adopted_repository_keeps_its_actions_policy_token_and_branch(
    run_manifest: RunManifest,
) -> None:
    run = run_manifest(BARE)
    # Nothing in the manifest writes them: no resource would overwrite GitHub's.
    assert not {ACTIONS, TOKEN} & _types(run, "portal")
    # A repository ghpublish creates gets the standard.
    assert {ACTIONS, TOKEN} <= _types(run, "fresh")
    assert (
        one(run, TOKEN, "org-fresh-standards-workflow-permissions").plain_inputs[
            "defaultWorkflowPermissions"
        ]
        == "read"
    )
    # The adopted repository's file goes to the branch GitHub has (no branch: the provider
    # commits to the default branch); `defaults: default_branch` is for created ones.
    adopted = one(run, FILE, "org-portal-npm-workflow").plain_inputs
    assert "branch" not in adopted
    assert one(run, FILE, "org-fresh-npm-workflow").plain_inputs["branch"] == "develop"
    assert "portal-branch" not in {r.name for r in run.registrations}
    # Its release workflow tests every pull request (the branch is unknown offline).
    assert "  pull_request: {}\n" in adopted["content"]


def test_an_adopted_repository_gets_the_actions_settings_the_manifest_writes(
    run_manifest: RunManifest,
) -> None:
    # `defaults:` writes the token: that group is set (approvals with it, the provider's PUT
    # sends both); the policy, which nothing writes, is kept.
    run = run_manifest(BARE.replace("defaults: {", "defaults: {actions: {default_token: write}, "))
    assert TOKEN in _types(run, "portal") and ACTIONS not in _types(run, "portal")
    token = one(run, TOKEN, "org-portal-standards-workflow-permissions").plain_inputs
    assert (token["defaultWorkflowPermissions"], token["canApprovePullRequestReviews"]) == (
        "write",
        False,
    )
    # Its own entry writes `allow`: the whole policy is set, the token kept.
    run = run_manifest(
        BARE.replace("    adopt: true\n", "    adopt: true\n    actions: {allow: ['acme/*']}\n")
    )
    assert ACTIONS in _types(run, "portal") and TOKEN not in _types(run, "portal")
    policy = one(run, ACTIONS, "org-portal-standards-actions-permissions").plain_inputs
    assert policy["allowedActions"] == "selected" and policy["shaPinningRequired"] is True
    assert "acme/*" in policy["allowedActionsConfig"]["patternsAlloweds"]
    # Its own entry names its branch: the files go there, never switching the default.
    run = run_manifest(
        BARE.replace("    adopt: true\n", "    adopt: true\n    default_branch: master\n")
    )
    assert one(run, FILE, "org-portal-npm-workflow").plain_inputs["branch"] == "master"


def test_a_rollout_of_an_adopted_repository_starts_from_githubs_default_branch(
    run_manifest: RunManifest,
) -> None:
    run = run_manifest(
        BARE.replace("    adopt: true\n", "    adopt: true\n    rollout: pull_request\n")
    )
    branch = one(run, "github:index/branch:Branch", "org-portal-rollout-branch").plain_inputs
    # Not sent as `main` (the provider's default): the repository's default branch, an
    # output of the imported repository (unknown under the mocks, read from GitHub on `up`).
    assert branch.get("sourceBranch") != "main"
    assert (
        one(run, FILE, "org-portal-npm-workflow").plain_inputs["branch"] == "ghpublish/standardize"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "    adopt: true\n    npm: false\n",
            "repositories[0].default_branch: is required for the manifest repository when it is"
            " adopted",
        ),
        (
            "    adopt: true\n    npm: false\n    container: {build_from_pulumi: true}\n",
            "repositories[0].container.build_from_pulumi: builds the default branch, which an"
            " adopted repository keeps as GitHub has it",
        ),
    ],
)
def test_what_names_an_adopted_repositorys_branch_needs_its_entry_to(
    entry: str, message: str
) -> None:
    text = f"owner: acme\nplan: enterprise\nrepositories:\n  - name: publishing\n{entry}"
    if "container" not in entry:
        text += "manifest_repository: {name: publishing}\n"
    with pytest.raises(ManifestError, match=re.escape(message)):
        parse_manifest(text, "publishing.yaml")
    named = text.replace("    adopt: true\n", "    adopt: true\n    default_branch: trunk\n")
    parse_manifest(named, "publishing.yaml")
