"""Safe adoption: import, never recreate; removing a repository deletes nothing."""

from __future__ import annotations

from conftest import one

from tools.synth import plan

REPO = "github:index/repository:Repository"

MANIFEST = """
owner: acme
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
    assert repo.protect and repo.retain_on_delete
    # Inputs that force a replacement after import are never sent.
    for forcing in ("autoInit", "template", "gitignoreTemplate", "licenseTemplate"):
        assert forcing not in repo.inputs, forcing
    assert repo.plain_inputs["name"] == "legacy"
    created = one(run, REPO, "org-kept-repository")
    assert created.import_id == "" and created.plain_inputs["autoInit"] is True
    assert created.protect and created.retain_on_delete


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
    # Every resource that leaves the program is retained on GitHub: nothing is deleted, and
    # the repository itself is protected as well.
    custom = [r for r in gone if not r["type"].startswith("ghpublish:")]
    assert any(r["type"] == REPO for r in custom)
    for r in custom:
        assert r["options"]["retainOnDelete"], r["name"]
        if r["type"] == REPO:
            assert r["options"]["protect"]
    # The plan of the other repositories is unchanged, entry by entry.
    for r in before:
        if r["urn"] in after_by_urn:
            assert after_by_urn[r["urn"]] == r, r["name"]
    assert len(after) == len(before) - len(gone)
