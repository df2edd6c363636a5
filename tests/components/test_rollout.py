"""The pull-request rollout: files on `ghpublish/standardize` and one pull request."""

from __future__ import annotations

from conftest import one, synth

FILE = "github:index/repositoryFile:RepositoryFile"
BRANCH = "github:index/branch:Branch"
PULL = "github:index/repositoryPullRequest:RepositoryPullRequest"

MANIFEST = """
owner: acme
defaults: {rollout: pull_request, default_branch: trunk}
repositories:
  - name: guarded
    npm: {}
    container: {}
  - name: open
    rollout: direct
    npm: {}
  - name: empty
"""


def test_pull_request_rollout_commits_to_the_branch_and_opens_one_pull_request(
    run_manifest,
) -> None:
    run = run_manifest(MANIFEST)
    branch = one(run, BRANCH, "org-guarded-rollout-branch")
    assert branch.plain_inputs == {
        "repository": "guarded",
        "branch": "ghpublish/standardize",
        "sourceBranch": "trunk",
    }
    workflows = [r for r in run.of_type(FILE) if r.plain_inputs["repository"] == "guarded"]
    assert len(workflows) == 2
    for workflow in workflows:
        assert workflow.plain_inputs["branch"] == "ghpublish/standardize"
        assert branch.urn in workflow.depends_on
    (pull,) = run.of_type(PULL)
    inputs = pull.plain_inputs
    assert (inputs["baseRepository"], inputs["baseRef"], inputs["headRef"]) == (
        "guarded",
        "trunk",
        "ghpublish/standardize",
    )
    assert ".github/workflows/release-package.yml" in inputs["body"]
    assert ".github/workflows/docker-publish.yml" in inputs["body"]
    assert {w.urn for w in workflows} <= set(pull.depends_on)
    assert pull.retain_on_delete and branch.retain_on_delete


def test_direct_rollout_commits_to_the_default_branch(run_manifest) -> None:
    run = run_manifest(MANIFEST)
    workflow = one(run, FILE, "org-open-npm-workflow")
    assert workflow.plain_inputs["branch"] == "trunk"
    assert not [r for r in run.of_type(BRANCH) + run.of_type(PULL) if "open" in r.name]
    # A repository without files needs no branch and no pull request.
    assert not [r for r in run.of_type(BRANCH) + run.of_type(PULL) if "empty" in r.name]


def test_summary_says_which_way_the_files_go(tmp_path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    result = synth("--manifest", str(manifest), "--out", str(tmp_path / "out"), "--no-lint")
    assert result.returncode == 0, result.stderr
    lines = {line.split(":")[0]: line for line in result.stdout.splitlines()}
    assert "; files by pull request from ghpublish/standardize" in lines["acme/guarded"]
    assert "; files committed directly to trunk" in lines["acme/open"]
