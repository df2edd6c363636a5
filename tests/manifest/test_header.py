"""The managed-file header: where a change goes (a pull request on the manifest repository),
written inertly whatever the manifest's path or names hold."""

from __future__ import annotations

from pathlib import Path

import yaml

from components._core._spec import RepositorySpec
from components._core._steps import header
from components._core._workflow import inert, render
from components._manifest import parse_manifest
from components._manifest._pipeline_workflows import pipeline_workflows
from components._registry import ECOSYSTEMS

ROOT = Path(__file__).resolve().parents[2]


def _repo(manifest_repository: str | None) -> RepositorySpec:
    return RepositorySpec(
        owner="Acme",
        name="widgets",
        description="",
        visibility="private",
        default_branch="main",
        adopt=False,
        path="repositories[0]",
        manifest_repository=manifest_repository,
    )


def test_header_names_the_manifest_repository_and_the_pull_request() -> None:
    assert header(_repo("publishing"), "publishing.yaml") == (
        "Managed by ghpublish (publishing standard v2) from the manifest publishing.yaml",
        "in Acme/publishing. Do not edit by hand: changes made here are overwritten.",
        "To change this file, open a pull request on Acme/publishing that edits",
        "the repository 'widgets' under repositories in publishing.yaml.",
    )


def test_header_without_a_manifest_repository_points_at_the_manifest() -> None:
    assert header(_repo(None), "publishing.yaml") == (
        "Managed by ghpublish (publishing standard v2) from the manifest publishing.yaml",
        "of Acme. Do not edit by hand: changes made here are overwritten.",
        "To change this file, open a pull request on the repository holding that manifest",
        "that edits the repository 'widgets' under repositories in publishing.yaml.",
    )


def test_inert_escapes_every_line_break_and_control_character() -> None:
    assert inert("a\nb\rc\x85d\u2028e\u2029f\tg\x1bh\u200ei") == (
        "a\\nb\\rc\\x85d\\u2028e\\u2029f\\tg\\x1bh\\u200ei"
    )
    assert inert("publishing.yaml 'ok' — ünïcode") == "publishing.yaml 'ok' — ünïcode"


def test_a_hostile_manifest_path_adds_no_key_to_any_workflow() -> None:
    """A manifest path holding line breaks followed by YAML stays inside the comment."""
    text = (ROOT / "publishing.yaml").read_text()
    source = "pub\nevil: true\r\non: {push: {}}\u2028x: 1\x85y: 2\n#.yaml"
    spec = parse_manifest(text, source)
    rendered: list[str] = []
    for repo in spec.repositories:
        for eco in ECOSYSTEMS:
            if repo.block(eco.key) is not None:
                rendered.append(render(eco.workflow(repo, source)))
    assert spec.pipeline is not None
    rendered += [render(w) for w in pipeline_workflows(spec.pipeline, "main", source).values()]
    assert len(rendered) > 5
    for content in rendered:
        document = yaml.safe_load(content)
        assert not {"evil", "x", "y"} & set(document)
        comments = [line for line in content.splitlines() if line.startswith("#")]
        assert len(comments) == 4
        assert all("pub\\nevil: true\\r\\non: {push: {}}\\u2028x: 1" in c for c in comments[:1])
        # The header ends where the workflow begins: every line before `name:` is a comment.
        assert content.splitlines()[4].startswith("name: ")
