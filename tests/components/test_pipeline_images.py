"""The pipeline's `up` job and images built by `pulumi up` (issue 20, finding 7): what each
build needs (a checkout of a local path, QEMU, Buildx) is set up in the job, only then."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import errors, parse

from components import ManifestPipeline
from components._core._catalog import pin
from components._core._spec import PipelineImage, PipelineShard, PipelineSpec
from components._core._workflow import render
from components._manifest._pipeline_workflows import DEPLOY_PATH, DRIFT_PATH, pipeline_workflows
from components.manifest_pipeline import _spec
from tools.synth import lint

MANIFEST = """\
owner: Acme-Corp
repositories:
  - name: publishing
  - name: widgets
    default_branch: trunk
    container:
      platforms: [linux/amd64, linux/arm64]
      build_from_pulumi: {{path: {path}}}
  - name: gadgets
    container:
      build_from_pulumi: {{ref: v1.0.0}}
manifest_repository: {{name: publishing}}
"""


def _up_steps(spec: PipelineSpec, job: str = "up") -> list[dict[str, Any]]:
    data = yaml.safe_load(render(pipeline_workflows(spec, "main", "publishing.yaml")[DEPLOY_PATH]))
    return data["jobs"][job]["steps"]  # type: ignore[no-any-return]


def _names(steps: list[dict[str, Any]]) -> list[str]:
    return [step["name"] for step in steps]


def test_the_manifest_lists_the_images_pulumi_up_builds() -> None:
    spec = parse(MANIFEST.format(path="build/widgets/"))
    assert spec.pipeline is not None
    assert spec.pipeline.images == (
        PipelineImage("widgets", ("linux/amd64", "linux/arm64"), "build/widgets", "trunk"),
        PipelineImage("gadgets", ("linux/amd64",), None, "main"),
    )


@pytest.mark.parametrize(
    ("path", "shown"),
    [("../widgets", "'../widgets'"), ("/srv/widgets", "'/srv/widgets'"), (".", "'.'")],
)
def test_a_path_outside_the_manifest_repository_is_refused(path: str, shown: str) -> None:
    assert errors(MANIFEST.format(path=path)) == [
        "publishing.yaml:8: repositories[1].container.build_from_pulumi.path:"
        f" {shown} is not inside the manifest repository, where the pipeline's `up` job"
        " checks out widgets for the build (actions/checkout writes under its workspace"
        " only); expected a directory inside it that the repository does not hold, such as"
        " 'build/widgets'"
    ]


def test_a_path_outside_is_fine_without_a_pipeline() -> None:
    text = MANIFEST.format(path="../widgets").replace(
        "manifest_repository: {name: publishing}\n", ""
    )
    assert parse(text).repositories[1].container.build_from_pulumi.path == "../widgets"  # type: ignore[union-attr]


def test_two_repositories_in_one_checkout_directory_are_refused() -> None:
    text = MANIFEST.format(path="build/src").replace(
        "build_from_pulumi: {ref: v1.0.0}", "build_from_pulumi: {path: build/./src}"
    )
    assert errors(text) == [
        "publishing.yaml:11: repositories[2].container.build_from_pulumi.path: 'build/./src'"
        " is the checkout of repositories[1] already; give each repository its own directory"
    ]


def test_without_images_the_up_job_stays_as_it_was() -> None:
    assert _names(_up_steps(PipelineSpec(repository="publishing"))) == [
        "Check out",
        "Set up Python",
        "Install the program's locked requirements",
        "pulumi up",
    ]


def test_a_local_path_is_checked_out_and_qemu_and_buildx_are_set_up() -> None:
    spec = parse(MANIFEST.format(path="build/widgets")).pipeline
    assert spec is not None
    steps = _up_steps(spec)
    assert _names(steps) == [
        "Check out",
        "Set up Python",
        "Install the program's locked requirements",
        "Check that the images' checkout directories are free",
        "Check out widgets for its image",
        "Drop the checkouts' git metadata",
        "Set up QEMU",
        "Set up Docker Buildx",
        "pulumi up",
    ]
    free, checkout, drop, qemu, buildx = steps[3:8]
    assert free["env"] == drop["env"] == {"CHECKOUTS": "build/widgets"}
    assert checkout == {
        "name": "Check out widgets for its image",
        "uses": pin("actions/checkout").uses,
        "with": {
            "persist-credentials": False,
            "repository": "${{ github.repository_owner }}/widgets",
            "ref": "trunk",
            "path": "build/widgets",
            # The pipeline's credential, which `pulumi up` acts with (contents included).
            "token": "${{ secrets.GHPUBLISH_GITHUB_TOKEN }}",
        },
    }
    assert qemu == {
        "name": "Set up QEMU",
        "uses": pin("docker/setup-qemu-action").uses,
        "with": {"platforms": "linux/amd64,linux/arm64", "cache-image": False},
    }
    assert buildx == {
        "name": "Set up Docker Buildx",
        "uses": pin("docker/setup-buildx-action").uses,
        "with": {"platforms": "linux/amd64,linux/arm64", "cache-binary": False},
    }
    # No registry secret in the workflow: the stack's config holds the credentials.
    assert "registry" not in yaml.safe_dump(steps).lower()


def test_a_git_context_needs_buildx_only_and_the_drift_check_nothing() -> None:
    spec = PipelineSpec(repository="publishing", images=(PipelineImage("gadgets"),))
    assert _names(_up_steps(spec))[3:] == ["Set up Docker Buildx", "pulumi up"]
    drift = render(pipeline_workflows(spec, "main", "publishing.yaml")[DRIFT_PATH])
    assert "buildx" not in drift and "qemu" not in drift and "gadgets" not in drift


def test_the_drift_check_checks_out_a_local_path_and_sets_up_no_builder() -> None:
    """The Docker build provider opens a local Dockerfile in previews too (found by
    tests/real/test_pipeline_realengine.py: the drift check failed without the checkout)."""
    spec = PipelineSpec(
        repository="publishing",
        images=(PipelineImage("widgets", ("linux/arm64",), path="build/widgets"),),
    )
    data = yaml.safe_load(render(pipeline_workflows(spec, "main", "publishing.yaml")[DRIFT_PATH]))
    assert _names(data["jobs"]["drift"]["steps"]) == [
        "Check out",
        "Set up Python",
        "Install the program's locked requirements",
        "Install the Pulumi CLI",
        "Check that the images' checkout directories are free",
        "Check out widgets for its image",
        "Drop the checkouts' git metadata",
        "pulumi preview --refresh --expect-no-changes",
        "Report drift or a failed check",
    ]


def test_the_app_token_is_minted_before_the_checkout_that_uses_it() -> None:
    spec = PipelineSpec(
        repository="publishing",
        app_client_id="Iv23liABCDEFGHIJKLMN",
        images=(PipelineImage("widgets", path="build/widgets"),),
    )
    steps = _up_steps(spec)
    names = _names(steps)
    assert names.index("Mint a GitHub App installation token") < names.index(
        "Check out widgets for its image"
    )
    checkout = steps[names.index("Check out widgets for its image")]
    assert checkout["with"]["token"] == "${{ steps.app-token.outputs.token }}"


def test_each_shard_prepares_its_own_images() -> None:
    spec = PipelineSpec(
        repository="publishing",
        shards=(PipelineShard("a", "a", "1 6 * * 1-5"), PipelineShard("b", "b", "2 6 * * 1-5")),
        images=(PipelineImage("widgets", path="build/widgets", shard="b"),),
    )
    assert "Set up Docker Buildx" not in _names(_up_steps(spec, "up-a"))
    assert "Check out widgets for its image" in _names(_up_steps(spec, "up-b"))


def test_the_free_check_refuses_a_directory_the_manifest_repository_holds(tmp_path: Path) -> None:
    spec = PipelineSpec(repository="p", images=(PipelineImage("w", path="components"),))
    free = _up_steps(spec)[3]
    (tmp_path / "components").mkdir()
    done = subprocess.run(
        ["bash", "-e", "-c", free["run"]],
        cwd=tmp_path,
        env={"CHECKOUTS": "build/w\ncomponents", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == (
        "::error title=Image checkout::components exists in the manifest repository;"
        " build_from_pulumi.path must name a directory it does not hold (the checkout of the"
        " image's repository would empty it)\n"
    )


def test_the_checkouts_lose_their_git_metadata(tmp_path: Path) -> None:
    """The Docker build provider hashes the context's every file: a `.git` that differs on
    every run would rebuild on every `up` and be drift on every check (found by
    tests/real/test_pipeline_realengine.py)."""
    spec = PipelineSpec(repository="p", images=(PipelineImage("w", path="build/w"),))
    drop = _up_steps(spec)[5]
    (tmp_path / "build/w/.git").mkdir(parents=True)
    (tmp_path / "build/w/Dockerfile").write_text("FROM scratch\n")
    subprocess.run(
        ["bash", "-e", "-c", drop["run"]],
        cwd=tmp_path,
        env={"CHECKOUTS": "build/w", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert sorted(p.name for p in (tmp_path / "build/w").iterdir()) == ["Dockerfile"]


def test_the_up_workflow_with_images_lints_clean(tmp_path: Path) -> None:
    spec = parse(MANIFEST.format(path="build/widgets")).pipeline
    assert spec is not None
    path = tmp_path / DEPLOY_PATH
    path.parent.mkdir(parents=True)
    path.write_text(render(pipeline_workflows(spec, "main", "publishing.yaml")[DEPLOY_PATH]))
    assert lint([path]) == []


def test_the_component_takes_the_images_and_refuses_a_path_outside() -> None:
    spec = _spec(
        {
            "repository": "publishing",
            "images": [{"repository": "w", "path": "build/w/", "platforms": ["linux/arm64"]}],
        }
    )
    assert spec.images == (PipelineImage("w", ("linux/arm64",), "build/w", "main"),)
    with pytest.raises(ValueError) as refused:
        _spec({"repository": "p", "images": [{"repository": "w", "path": "../w"}]})
    assert str(refused.value) == (
        "images: w: path '../w' is not inside the manifest repository, where the `up` job"
        " checks it out; expected a directory inside it, such as 'build/<repository>'"
    )
    assert ManifestPipeline.WORKFLOW_PATHS[1] == DEPLOY_PATH
