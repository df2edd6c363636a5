"""`ContainerPublishing` and its workflow, `.github/workflows/docker-publish.yml`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from conftest import one

from components import ContainerPublishing, parse_manifest
from components._catalog import CATALOG
from components._workflow import expressions, render
from components._workflows import DOCKER_PUBLISH_PATH, docker_publish
from tools.mock_engine import Run, run_program
from tools.synth import lint

FILE = "github:index/repositoryFile:RepositoryFile"
MANIFEST = """\
owner: Acme-Widgets
repositories:
  - name: API-Server
    default_branch: trunk
    container:
      context: services/api
      dockerfile: build/Dockerfile
      platforms: {platforms}
      build_args: {{APP_NAME: api, GREETING: "hello world"}}
      target: runtime
"""


def workflow_text(platforms: str = "[linux/amd64]") -> str:
    spec = parse_manifest(MANIFEST.format(platforms=platforms), "publishing.yaml")
    return render(docker_publish(spec.repositories[0], "publishing.yaml"))


def workflow(platforms: str = "[linux/amd64]") -> dict[str, Any]:
    return yaml.safe_load(workflow_text(platforms))


def step(job: dict[str, Any], action: str) -> dict[str, Any]:
    found = [s for s in job["steps"] if s.get("uses", "").startswith(f"{action}@")]
    assert len(found) == 1, [s.get("uses") for s in job["steps"]]
    return found[0]


def actions(job: dict[str, Any]) -> list[str]:
    return [s["uses"].split("@")[0] for s in job["steps"] if "uses" in s]


def test_triggers_pull_requests_version_tags_and_releases() -> None:
    wf = workflow()
    # PyYAML reads the key `on` as True (YAML 1.1).
    assert wf[True] == {
        "pull_request": {"branches": ["trunk"]},
        "push": {"tags": ["v*.*.*"]},
        "release": {"types": ["published"]},
    }
    assert wf["permissions"] == {}
    assert wf["concurrency"] == {
        "group": "docker-publish-${{ github.ref }}",
        "cancel-in-progress": False,
    }


def test_pull_requests_build_without_pushing_or_credentials() -> None:
    build = workflow()["jobs"]["build"]
    assert build["if"] == "github.event_name == 'pull_request'"
    assert build["permissions"] == {"contents": "read"}
    assert "docker/login-action" not in actions(build)
    assert "actions/attest-build-provenance" not in actions(build)
    assert step(build, "docker/build-push-action")["with"]["push"] is False
    assert "secrets." not in yaml.safe_dump(build)


def test_release_job_logs_in_with_github_token_pushes_and_attests() -> None:
    publish = workflow()["jobs"]["publish"]
    assert publish["if"] == "github.event_name != 'pull_request'"
    assert publish["permissions"] == {
        "attestations": "write",
        "contents": "read",
        "id-token": "write",
        "packages": "write",
    }
    assert actions(publish) == [
        "actions/checkout",
        "docker/setup-buildx-action",
        "docker/login-action",
        "docker/metadata-action",
        "docker/build-push-action",
        "actions/attest-build-provenance",
    ]
    assert step(publish, "actions/checkout")["with"] == {"persist-credentials": False}
    assert step(publish, "docker/login-action")["with"] == {
        "registry": "ghcr.io",
        "username": "${{ github.actor }}",
        "password": "${{ secrets.GITHUB_TOKEN }}",
    }
    meta = step(publish, "docker/metadata-action")
    assert meta["id"] == "meta"
    assert meta["with"]["images"] == "ghcr.io/acme-widgets/api-server"
    assert meta["with"]["tags"].splitlines() == [
        "type=semver,pattern={{version}}",
        "type=semver,pattern={{major}}.{{minor}}",
        "type=sha",
        "type=raw,value=latest,enable={{is_default_branch}}",
    ]
    assert meta["with"]["labels"] == (
        "org.opencontainers.image.source=https://github.com/Acme-Widgets/API-Server\n"
    )
    build = step(publish, "docker/build-push-action")
    assert build["with"] == {
        "context": "services/api",
        "file": "services/api/build/Dockerfile",
        "platforms": "linux/amd64",
        "push": True,
        "tags": "${{ steps.meta.outputs.tags }}",
        "labels": "${{ steps.meta.outputs.labels }}",
        "build-args": "APP_NAME=api\nGREETING=hello world\n",
        "target": "runtime",
    }
    attest = step(publish, "actions/attest-build-provenance")
    assert attest["with"] == {
        "subject-name": "ghcr.io/acme-widgets/api-server",
        "subject-digest": f"${{{{ steps.{build['id']}.outputs.digest }}}}",
        "push-to-registry": True,
    }


def test_every_permission_has_its_reason_and_only_the_pushing_job_writes() -> None:
    text = workflow_text()
    reasons = dict(re.findall(r"^\s+([a-z-]+): (?:read|write)\s+# (.+)$", text, re.M))
    assert reasons["packages"] == "push the image to the container registry"
    assert reasons["id-token"] == "sign the provenance attestation (Sigstore OIDC)"
    assert reasons["attestations"] == "store the provenance attestation"
    grants = re.findall(r"^\s+[a-z-]+: (?:read|write)\b.*$", text, re.M)
    assert all("#" in line for line in grants)
    assert text.count(": write") == 3


@pytest.mark.parametrize(
    ("platforms", "qemu"),
    [
        ("[linux/amd64]", False),
        ("[linux/arm64]", True),
        ("[linux/amd64, linux/arm64]", True),
    ],
)
def test_qemu_only_for_platforms_the_runner_cannot_run(platforms: str, qemu: bool) -> None:
    wf = workflow(platforms)
    for job in wf["jobs"].values():
        assert ("docker/setup-qemu-action" in actions(job)) is qemu
        expected = ",".join(yaml.safe_load(platforms))
        assert step(job, "docker/build-push-action")["with"]["platforms"] == expected
        assert step(job, "docker/setup-buildx-action")["with"] == {
            "platforms": expected,
            "cache-binary": False,
        }


def test_every_action_is_pinned_by_sha_with_declared_inputs() -> None:
    for job in workflow("[linux/amd64, linux/arm64]")["jobs"].values():
        for s in job["steps"]:
            if "uses" not in s:
                continue
            action, sha = s["uses"].split("@")
            assert CATALOG[action].sha == sha and re.fullmatch(r"[0-9a-f]{40}", sha)
            assert set(s.get("with", {})) <= CATALOG[action].inputs


def test_no_manifest_value_inside_an_expression() -> None:
    found = set(expressions(workflow_text()))
    assert found == {
        "${{ github.ref }}",
        "${{ github.actor }}",
        "${{ secrets.GITHUB_TOKEN }}",
        "${{ steps.meta.outputs.tags }}",
        "${{ steps.meta.outputs.labels }}",
        "${{ steps.push.outputs.digest }}",
    }


def test_workflows_are_lint_clean(tmp_path: Path) -> None:
    paths = []
    for i, platforms in enumerate(["[linux/amd64]", "[linux/amd64, linux/arm/v7]"]):
        path = tmp_path / f"r{i}/.github/workflows/docker-publish.yml"
        path.parent.mkdir(parents=True)
        path.write_text(workflow_text(platforms), encoding="utf-8")
        paths.append(path)
    assert lint(paths) == []


def test_a_broken_workflow_is_a_lint_finding(tmp_path: Path) -> None:
    # The lint above is meaningful: dropping the login's pin comment or persisting
    # credentials is something it catches.
    path = tmp_path / ".github/workflows/docker-publish.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow_text().replace("persist-credentials: false", "clean: true"))
    assert lint([path]) != []


def _component(args: dict[str, Any]) -> Run:
    def program() -> None:
        c = ContainerPublishing("c", args)  # type: ignore[arg-type]
        pulumi.export("image", c.image)
        pulumi.export("workflow_path", c.workflow_path)

    return run_program(program, {})


def test_component_commits_the_workflow_with_defaults() -> None:
    run = _component({"owner": "Acme-Widgets", "repository": "Tools"})
    (file,) = run.of_type(FILE)
    assert file.name == "c-workflow" and file.parent.endswith("ContainerPublishing::c")
    inputs = file.plain_inputs
    assert (inputs["file"], inputs["branch"], inputs["repository"]) == (
        DOCKER_PUBLISH_PATH,
        "main",
        "Tools",
    )
    wf = yaml.safe_load(inputs["content"])
    publish = wf["jobs"]["publish"]
    assert step(publish, "docker/metadata-action")["with"]["images"] == "ghcr.io/acme-widgets/tools"
    assert run.outputs == {
        "image": "ghcr.io/acme-widgets/tools",
        "workflow_path": DOCKER_PUBLISH_PATH,
    }


def test_component_uses_another_registry_and_refuses_bad_arguments() -> None:
    run = _component(
        {
            "owner": "acme",
            "repository": "a",
            "container": {"registry": "ghe.example.com", "image": "x/y"},
        }
    )
    content = run.of_type(FILE)[0].plain_inputs["content"]
    assert "registry: ghe.example.com" in content and "images: ghe.example.com/acme/x/y" in content
    with pytest.raises(Exception, match="'Bad' is not an image name"):
        _component({"owner": "acme", "repository": "a", "container": {"image": "Bad"}})


def test_example_manifest_repositories(example_run: Run) -> None:
    files = {
        (r.plain_inputs["repository"], r.plain_inputs["file"]) for r in example_run.of_type(FILE)
    }
    assert ("API-Server", DOCKER_PUBLISH_PATH) in files
    assert ("widgets-cli", DOCKER_PUBLISH_PATH) in files
    assert ("widgets-cli", ".github/workflows/release-package.yml") in files
    assert ("widgets", DOCKER_PUBLISH_PATH) not in files
    api = one(example_run, FILE, "org-API-Server-container-workflow")
    # API-Server keeps GitHub's first branch (main): no BranchDefault to wait for.
    assert api.depends_on == (
        one(example_run, "github:index/repository:Repository", "org-API-Server-repository").urn,
    )
    repos = example_run.outputs["repositories"]
    assert repos["API-Server"]["images"] == ["ghcr.io/acme-widgets/api-server"]
    assert repos["widgets"]["images"] == []
