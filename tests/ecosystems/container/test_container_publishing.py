"""`ContainerPublishing` and its workflow, `.github/workflows/docker-publish.yml`."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from conftest import one

from components import ContainerPublishing, parse_manifest
from components._core._catalog import CATALOG
from components._core._spec import RepositorySpec
from components._core._workflow import expressions, render
from components._ecosystems.container._workflow import (
    DOCKER_PUBLISH_PATH,
    RELEASE_STEP,
    docker_publish,
)
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


def test_one_release_publishes_once() -> None:
    wf = workflow()
    # PyYAML reads the key `on` as True (YAML 1.1). No `push: tags`: a release made in the
    # UI or API creates its tag too, which ran the publish twice beside `release`.
    assert wf[True] == {
        "pull_request": {"branches": ["trunk"]},
        "release": {"types": ["published"]},
    }
    assert wf["permissions"] == {}
    assert wf["jobs"]["publish"]["if"] == "github.event_name == 'release'"
    # Superseded pull-request builds are cancelled; release runs never are.
    assert wf["concurrency"] == {
        "group": "docker-publish-${{ github.ref }}",
        "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
    }


def test_pull_requests_build_without_pushing_or_credentials() -> None:
    build = workflow()["jobs"]["build"]
    assert build["if"] == "github.event_name == 'pull_request'"
    assert build["permissions"] == {"contents": "read"}
    assert "docker/login-action" not in actions(build)
    assert "actions/attest" not in actions(build)
    assert step(build, "docker/build-push-action")["with"]["push"] is False
    assert step(build, "docker/metadata-action")["with"]["tags"].splitlines() == [
        "type=ref,event=pr",
        "type=sha",
    ]
    assert "secrets." not in yaml.safe_dump(build)


def test_release_job_logs_in_with_github_token_and_pushes() -> None:
    publish = workflow()["jobs"]["publish"]
    # A private repository on the default plan (team): no attestation, no OIDC.
    assert publish["permissions"] == {"contents": "read", "packages": "write"}
    assert actions(publish) == [
        "actions/checkout",
        "docker/setup-buildx-action",
        "docker/login-action",
        "docker/metadata-action",
        "docker/build-push-action",
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
        "type=semver,pattern={{version}},value=${{ steps.release.outputs.version }}",
        "type=semver,pattern={{major}}.{{minor}},value=${{ steps.release.outputs.version }}",
        "type=sha",
        "type=raw,value=latest,enable=${{ steps.release.outputs.latest }}",
    ]
    # metadata-action's `latest=auto` tags every stable version it sees `latest`.
    assert meta["with"]["flavor"] == "latest=false\n"
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
    release = [s for s in publish["steps"] if s.get("id") == RELEASE_STEP]
    assert len(release) == 1 and release[0]["env"]["TAG_PATTERN"] == "v*"
    names = [s["name"] for s in publish["steps"]]
    assert names.index(release[0]["name"]) < names.index("Compute tags and labels")


def _repo(visibility: str, plan: str) -> RepositorySpec:
    # Parsed on Enterprise Cloud, where every visibility exists; `plan` below is the one judged.
    spec = parse_manifest(
        MANIFEST.format(platforms="[linux/amd64]")
        .replace("owner: Acme-Widgets", "owner: Acme-Widgets\nplan: enterprise")
        .replace("default_branch: trunk", f"default_branch: trunk\n    visibility: {visibility}"),
        "publishing.yaml",
    )
    return dataclasses.replace(spec.repositories[0], plan=plan)


def _attesting(visibility: str, plan: str) -> dict[str, Any]:
    return yaml.safe_load(render(docker_publish(_repo(visibility, plan), "p.yaml")))


@pytest.mark.parametrize(
    ("visibility", "plan", "attest"),
    [
        ("public", "free", True),
        ("public", "team", True),
        ("private", "free", False),
        ("private", "pro", False),
        ("private", "team", False),
        ("internal", "team", False),
        ("private", "enterprise", True),
        ("internal", "enterprise", True),
    ],
)
def test_attestations_only_where_github_offers_them(
    visibility: str, plan: str, attest: bool
) -> None:
    publish = _attesting(visibility, plan)["jobs"]["publish"]
    assert ("actions/attest" in actions(publish)) is attest
    perms = publish["permissions"]
    assert ("id-token" in perms, "attestations" in perms) == (attest, attest)
    assert ("artifact-metadata" in perms) is attest
    if attest:
        assert perms["artifact-metadata"] == "write"
        assert step(publish, "actions/attest")["with"] == {
            "subject-name": "ghcr.io/acme-widgets/api-server",
            "subject-digest": "${{ steps.push.outputs.digest }}",
            "push-to-registry": True,
            "subject-version": "${{ steps.release.outputs.version }}",
        }


def test_a_personal_account_attests_without_a_storage_record() -> None:
    # Storage records exist for organization-owned repositories only (actions/attest).
    publish = _attesting("public", "pro")["jobs"]["publish"]
    assert "artifact-metadata" not in publish["permissions"]
    assert step(publish, "actions/attest")["with"]["create-storage-record"] is False


def test_every_permission_has_its_reason_and_only_the_pushing_job_writes() -> None:
    text = render(docker_publish(_repo("private", "enterprise"), "p.yaml"))
    reasons = dict(re.findall(r"^\s+([a-z-]+): (?:read|write)\s+# (.+)$", text, re.M))
    assert reasons["packages"] == "push the image to the container registry"
    assert reasons["id-token"] == "sign the provenance attestation (Sigstore OIDC)"
    assert reasons["attestations"] == "store the provenance attestation"
    assert reasons["artifact-metadata"] == "record where the attested image is stored"
    grants = re.findall(r"^\s+[a-z-]+: (?:read|write)\b.*$", text, re.M)
    assert all("#" in line for line in grants)
    assert text.count(": write") == 4


# ---------------------------------------------------------------------------
# The release step, run with bash against a stand-in `gh` that lists the releases.

_FAKE_GH = """#!/bin/sh
[ -n "$GH_FAIL" ] && { echo "HTTP 502" >&2; exit 1; }
printf '%s' "$RELEASES"
"""


def _run_release(
    tmp_path: Path, tag: str, releases: list[str], prerelease: bool = False, **env: str
) -> tuple[int, dict[str, str], str]:
    publish = workflow()["jobs"]["publish"]
    (release,) = [s for s in publish["steps"] if s.get("id") == RELEASE_STEP]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    gh.write_text(_FAKE_GH)
    gh.chmod(0o755)
    output = tmp_path / "output"
    output.write_text("")
    values = {
        "GH_TOKEN": "t",
        "PRERELEASE": "true" if prerelease else "false",
        "TAG_PATTERN": release["env"]["TAG_PATTERN"],
        **env,
    }
    # Every env value is either one of the stand-ins above or plain text from the model.
    assert set(release["env"]) <= set(values)
    proc = subprocess.run(
        ["bash", "-e", "-c", release["run"]],
        env={
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "GITHUB_REF_NAME": tag,
            "GITHUB_REPOSITORY": "Acme-Widgets/API-Server",
            "GITHUB_OUTPUT": str(output),
            "RELEASES": "".join(f"{r}\n" for r in releases),
            **values,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return proc.returncode, outputs, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("tag", "releases", "prerelease", "expected"),
    [
        # The highest stable release is `latest`, also past 1.9 (versions, not strings).
        ("v1.10.0", ["v1.9.0", "v1.10.0"], False, {"version": "1.10.0", "latest": "true"}),
        # A backport does not move `latest` back.
        ("v1.9.1", ["v1.10.0", "v1.9.1", "v1.9.0"], False, {"version": "1.9.1", "latest": "false"}),
        # A pre-release version, or a release marked pre-release, never is `latest`.
        ("v2.0.0-rc.1", ["v1.10.0"], True, {"version": "2.0.0-rc.1", "latest": "false"}),
        ("v2.0.0", ["v1.10.0"], True, {"version": "2.0.0", "latest": "false"}),
        # The release itself counts even before the listing shows it.
        ("v1.0.0", [], False, {"version": "1.0.0", "latest": "true"}),
        # Build metadata is not part of the order.
        ("v1.2.0+build.5", ["v1.1.0"], False, {"version": "1.2.0+build.5", "latest": "true"}),
    ],
)
def test_release_step_tags_latest_only_for_the_highest_release(
    tmp_path: Path, tag: str, releases: list[str], prerelease: bool, expected: dict[str, str]
) -> None:
    code, outputs, log = _run_release(tmp_path, tag, releases, prerelease)
    assert code == 0, log
    assert outputs == expected


def test_release_step_counts_only_tags_of_the_pattern(tmp_path: Path) -> None:
    # Another package's releases in the same repository do not hold `latest` back.
    code, outputs, log = _run_release(
        tmp_path, "api@1.2.0", ["web@9.0.0", "api@1.1.0"], TAG_PATTERN="api@*"
    )
    assert (code, outputs) == (0, {"version": "1.2.0", "latest": "true"}), log
    code, outputs, _ = _run_release(tmp_path, "api@1.2.0", ["web@9.0.0"], TAG_PATTERN="*")
    assert outputs["latest"] == "false"


def test_release_step_refuses_a_tag_without_a_version(tmp_path: Path) -> None:
    code, outputs, log = _run_release(tmp_path, "nightly", ["v1.0.0"])
    assert code != 0 and outputs == {}
    assert "the release tag 'nightly' does not end in a semantic version" in log


def test_release_step_fails_when_the_releases_cannot_be_listed(tmp_path: Path) -> None:
    # Else the release would see only itself and take `latest`.
    code, outputs, _ = _run_release(tmp_path, "v0.1.0", ["v9.0.0"], GH_FAIL="1")
    assert code != 0 and outputs == {}


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
        "${{ github.event_name == 'pull_request' }}",
        "${{ github.token }}",
        "${{ github.event.release.prerelease }}",
        "${{ steps.release.outputs.version }}",
        "${{ steps.release.outputs.latest }}",
        "${{ github.actor }}",
        "${{ secrets.GITHUB_TOKEN }}",
        "${{ steps.meta.outputs.tags }}",
        "${{ steps.meta.outputs.labels }}",
    }


def test_workflows_are_lint_clean(tmp_path: Path) -> None:
    texts = [workflow_text(p) for p in ("[linux/amd64]", "[linux/amd64, linux/arm/v7]")]
    # Attesting, with and without the storage record.
    texts += [render(docker_publish(_repo("public", p), "p.yaml")) for p in ("team", "pro")]
    paths = []
    for i, text in enumerate(texts):
        path = tmp_path / f"r{i}/.github/workflows/docker-publish.yml"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
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


def test_component_attests_by_the_plan_and_visibility_it_is_given() -> None:
    def publish(args: dict[str, Any]) -> dict[str, Any]:
        content = _component(args).of_type(FILE)[0].plain_inputs["content"]
        return yaml.safe_load(content)["jobs"]["publish"]  # type: ignore[no-any-return]

    base = {"owner": "acme", "repository": "a"}
    assert "actions/attest" not in actions(publish(base))  # private on Team by default
    assert "actions/attest" in actions(publish({**base, "visibility": "public"}))
    assert "actions/attest" in actions(publish({**base, "plan": "enterprise"}))
    with pytest.raises(Exception, match="plan 'gold' is not a GitHub plan"):
        publish({**base, "plan": "gold"})


def test_example_private_repositories_attest_on_enterprise_cloud(example_run: Run) -> None:
    # The example's `plan: enterprise` reaches the workflows of its private repositories.
    for repo in ("API-Server", "widgets-cli"):
        file = one(example_run, FILE, f"org-{repo}-container-workflow")
        publish = yaml.safe_load(file.plain_inputs["content"])["jobs"]["publish"]
        assert "actions/attest" in actions(publish), repo
        assert publish["permissions"]["artifact-metadata"] == "write"


def test_component_uses_another_registry_and_refuses_bad_arguments() -> None:
    run = _component(
        {
            "owner": "acme",
            "repository": "a",
            "container": {
                "registry": "ghe.example.com",
                "image": "x/y",
                "registry_username": "ci-bot",
                "registry_password_secret": "GHE_REGISTRY_TOKEN",
            },
        }
    )
    wf = yaml.safe_load(run.of_type(FILE)[0].plain_inputs["content"])
    publish = wf["jobs"]["publish"]
    assert step(publish, "docker/login-action")["with"] == {
        "registry": "ghe.example.com",
        "username": "ci-bot",
        "password": "${{ secrets.GHE_REGISTRY_TOKEN }}",
    }
    assert step(publish, "docker/metadata-action")["with"]["images"] == "ghe.example.com/acme/x/y"
    # GITHUB_TOKEN never leaves GitHub, so it needs no package access either.
    assert publish["permissions"] == {"contents": "read"}
    assert "GITHUB_TOKEN" not in yaml.safe_dump(publish)
    with pytest.raises(Exception, match="'Bad' is not an image name"):
        _component({"owner": "acme", "repository": "a", "container": {"image": "Bad"}})
    with pytest.raises(
        Exception, match=r"container\.registry: 'ghe\.example\.com' is not ghcr\.io"
    ):
        _component({"owner": "a", "repository": "a", "container": {"registry": "ghe.example.com"}})
    with pytest.raises(Exception, match="is too long for a Pulumi-time tag"):
        _component(
            {
                "owner": "a",
                "repository": "a",
                "container": {"build_from_pulumi": {"tags": ["main", "t" * 122]}},
            }
        )


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
