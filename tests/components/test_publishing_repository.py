"""PublishingRepository: the repository (retained, archived, adopted safely) and its files."""

from __future__ import annotations

from conftest import RunManifest, one

REPO = "github:index/repository:Repository"
FILE = "github:index/repositoryFile:RepositoryFile"

MANIFEST = """\
owner: acme
repositories:
  - name: fresh
    description: A new one
    visibility: public
    npm: {}
  - name: legacy
    description: Already on GitHub
    adopt: true
    npm: {}
"""


def test_every_repository_is_retained_and_archived_not_protected(
    run_manifest: RunManifest,
) -> None:
    """Retained (never deleted by the engine) and archived (never deleted by the provider);
    not protected, so a repository taken out of the manifest leaves with a plain `up`."""
    run = run_manifest(MANIFEST)
    repos = run.of_type(REPO)
    assert len(repos) == 2
    for repo in repos:
        assert repo.protect is False
        assert repo.retain_on_delete is True
        assert repo.plain_inputs["archiveOnDestroy"] is True
        assert repo.parent.endswith(f"::org-{repo.plain_inputs['name']}")


def test_new_repository_is_created_with_a_first_commit(run_manifest: RunManifest) -> None:
    repo = one(run_manifest(MANIFEST), REPO, "org-fresh-repository")
    assert repo.import_id == ""
    inputs = repo.plain_inputs
    assert inputs["autoInit"] is True
    assert (inputs["name"], inputs["description"], inputs["visibility"]) == (
        "fresh",
        "A new one",
        "public",
    )


def test_adopted_repository_is_imported_never_created(run_manifest: RunManifest) -> None:
    repo = one(run_manifest(MANIFEST), REPO, "org-legacy-repository")
    assert repo.import_id == "legacy"
    # Inputs that would force a replacement after import are never set.
    assert "autoInit" not in repo.plain_inputs
    assert "template" not in repo.plain_inputs


def test_files_wait_for_the_repository(run_manifest: RunManifest) -> None:
    run = run_manifest(MANIFEST)
    repo = one(run, REPO, "org-fresh-repository")
    files = [f for f in run.of_type(FILE) if f.plain_inputs["repository"] == "fresh"]
    assert files
    for file in files:
        assert repo.urn in file.depends_on
        assert file.plain_inputs["content"].startswith("# Managed by ghpublish")


def test_outputs_url_files_and_packages(run_manifest: RunManifest) -> None:
    outputs = run_manifest(MANIFEST).outputs["repositories"]
    assert outputs["fresh"]["url"] == "https://github.com/acme/fresh"
    assert outputs["fresh"]["packages"] == ["@acme/fresh"]
    assert outputs["fresh"]["files"] == sorted(outputs["fresh"]["files"])
    assert ".github/workflows/release-package.yml" in outputs["fresh"]["files"]
