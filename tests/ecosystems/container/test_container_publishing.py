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
    assert list(wf["jobs"]) == ["build", "package", "publish"]
    assert wf["jobs"]["package"]["if"] == "github.event_name == 'release'"
    assert wf["jobs"]["publish"]["needs"] == ["package"]
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


def test_the_package_job_builds_into_the_release_artifact_without_write_access() -> None:
    package = workflow()["jobs"]["package"]
    assert package["permissions"] == {"contents": "read"}
    assert "environment" not in package
    assert actions(package) == [
        "actions/checkout",
        "docker/setup-buildx-action",
        "docker/metadata-action",
        "docker/build-push-action",
        "actions/upload-artifact",
    ]
    # Every tag: the release step compares the version with the other releases.
    assert step(package, "actions/checkout")["with"] == {
        "persist-credentials": False,
        "fetch-depth": 0,
    }
    meta = step(package, "docker/metadata-action")
    assert meta["id"] == "meta"
    assert meta["with"]["images"] == "ghcr.io/acme-widgets/api-server"
    assert meta["with"]["tags"].splitlines() == [
        "type=semver,pattern={{version}},value=${{ steps.release.outputs.version }}",
        "type=semver,pattern={{major}}.{{minor}},value=${{ steps.release.outputs.version }}"
        ",enable=${{ steps.release.outputs.minor }}",
        "type=semver,pattern={{major}},value=${{ steps.release.outputs.version }}"
        ",enable=${{ steps.release.outputs.major }}",
        "type=sha",
        "type=raw,value=latest,enable=${{ steps.release.outputs.latest }}",
    ]
    # metadata-action's `latest=auto` tags every stable version it sees `latest`.
    assert meta["with"]["flavor"] == "latest=false\n"
    assert meta["with"]["labels"] == (
        "org.opencontainers.image.source=https://github.com/Acme-Widgets/API-Server\n"
    )
    # Nothing is pushed from here: BuildKit writes an OCI archive, untagged.
    assert step(package, "docker/build-push-action")["with"] == {
        "context": "services/api",
        "file": "services/api/build/Dockerfile",
        "platforms": "linux/amd64",
        "push": False,
        "labels": "${{ steps.meta.outputs.labels }}",
        "outputs": "type=oci,dest=${{ runner.temp }}/release/image.tar",
        "build-args": "APP_NAME=api\nGREETING=hello world\n",
        "target": "runtime",
    }
    names = [s["name"] for s in package["steps"]]
    release = [s for s in package["steps"] if s.get("id") == RELEASE_STEP]
    assert len(release) == 1 and names.index(release[0]["name"]) == 1
    assert release[0]["env"]["TAG_PREFIX"] == "v"
    assert package["outputs"] == {
        "version": "${{ steps.release.outputs.version }}",
        "tags": "${{ steps.meta.outputs.tag-names }}",
        "digest": "${{ steps.artifact.outputs.digest }}",
    }
    assert "secrets." not in yaml.safe_dump(package)


def test_the_publish_job_holds_the_write_token_and_runs_no_project_code() -> None:
    publish = workflow()["jobs"]["publish"]
    assert publish["environment"] == "release"
    assert publish["permissions"] == {"packages": "write"}
    # No checkout, no setup action: the artifact and the runner image's skopeo.
    assert actions(publish) == ["actions/download-artifact"]
    assert [s["name"] for s in publish["steps"]] == [
        "Download the release artifact",
        "Check the release artifact's digest",
        "Push the image to ghcr.io",
    ]
    push = publish["steps"][-1]
    assert push["env"] == {
        "RELEASE_DIR": "${{ runner.temp }}/release",
        "REGISTRY": "ghcr.io",
        "IMAGE": "ghcr.io/acme-widgets/api-server",
        "VERSION": "${{ needs.package.outputs.version }}",
        "TAGS": "${{ needs.package.outputs.tags }}",
        "REGISTRY_USER": "${{ github.actor }}",
        "REGISTRY_TOKEN": "${{ secrets.GITHUB_TOKEN }}",
    }
    # The token is in that step's environment only.
    assert yaml.safe_dump(publish).count("secrets.") == 1
    assert "skopeo copy --all --preserve-digests" in push["run"]
    assert publish["outputs"] == {"digest": "${{ steps.push.outputs.digest }}"}


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
    jobs = _attesting(visibility, plan)["jobs"]
    assert ("attest" in jobs) is attest
    # The publish job never holds the attestation's permissions.
    assert jobs["publish"]["permissions"] == {"packages": "write"}
    if attest:
        job = jobs["attest"]
        assert job["needs"] == ["package", "publish"] and job["environment"] == "release"
        assert job["permissions"] == {
            "artifact-metadata": "write",
            "attestations": "write",
            "id-token": "write",
            "packages": "write",
        }
        # actions/attest reads the registry credentials from ~/.docker/config.json only.
        assert actions(job) == ["docker/login-action", "actions/attest"]
        assert step(job, "docker/login-action")["with"] == {
            "registry": "ghcr.io",
            "username": "${{ github.actor }}",
            "password": "${{ secrets.GITHUB_TOKEN }}",
        }
        assert step(job, "actions/attest")["with"] == {
            "subject-name": "ghcr.io/acme-widgets/api-server",
            "subject-digest": "${{ needs.publish.outputs.digest }}",
            "push-to-registry": True,
            "subject-version": "${{ needs.package.outputs.version }}",
        }


def test_a_personal_account_attests_without_a_storage_record() -> None:
    # Storage records exist for organization-owned repositories only (actions/attest).
    attest = _attesting("public", "pro")["jobs"]["attest"]
    assert "artifact-metadata" not in attest["permissions"]
    assert step(attest, "actions/attest")["with"]["create-storage-record"] is False


def test_every_permission_has_its_reason_and_only_the_pushing_jobs_write() -> None:
    text = render(docker_publish(_repo("private", "enterprise"), "p.yaml"))
    reasons = re.findall(r"^\s+([a-z-]+): (?:read|write)\s+# (.+)$", text, re.M)
    assert sorted(set(reasons)) == [
        ("artifact-metadata", "record where the attested image is stored"),
        ("attestations", "store the provenance attestation"),
        ("contents", "check out the repository"),
        ("id-token", "sign the provenance attestation (Sigstore OIDC)"),
        ("packages", "push the attestation to the container registry"),
        ("packages", "push the image to the container registry"),
    ]
    grants = re.findall(r"^\s+[a-z-]+: (?:read|write)\b.*$", text, re.M)
    assert all("#" in line for line in grants)
    assert text.count(": write") == 5


# ---------------------------------------------------------------------------
# The release step, run with bash in a git repository holding the release tags.


def _run_release(
    tmp_path: Path, tag: str, tags: list[str], prerelease: bool = False, pattern: str = "v*"
) -> tuple[int, dict[str, str], str]:
    spec = parse_manifest(
        MANIFEST.format(platforms="[linux/amd64]").replace(
            "default_branch: trunk", f'default_branch: trunk\n    release_tag_pattern: "{pattern}"'
        ),
        "publishing.yaml",
    )
    package = yaml.safe_load(render(docker_publish(spec.repositories[0], "p.yaml")))["jobs"][
        "package"
    ]
    (release,) = [s for s in package["steps"] if s.get("id") == RELEASE_STEP]
    repo = tmp_path / "repo"
    if not repo.exists():
        git = ["git", "-C", str(repo), "-c", "user.name=d", "-c", "user.email=d@example.com"]
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "c"], check=True)
        for name in tags:
            subprocess.run([*git, "tag", name], check=True)
    output = tmp_path / "output"
    output.write_text("")
    values = {
        "TAG": tag,
        "PRERELEASE": "true" if prerelease else "false",
        "RELEASE_DIR": str(tmp_path / "release"),
        "TAG_PREFIX": release["env"]["TAG_PREFIX"],
        "TAG_SUFFIX": release["env"].get("TAG_SUFFIX", ""),
    }
    # Every env value is either one of the stand-ins above or plain text from the model.
    assert set(release["env"]) <= set(values)
    proc = subprocess.run(
        ["bash", "-e", "-c", release["run"]],
        cwd=repo,
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **values},
        capture_output=True,
        text=True,
        check=False,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return proc.returncode, outputs, proc.stdout + proc.stderr


def _moves(version: str, latest: str, major: str, minor: str) -> dict[str, str]:
    return {"version": version, "latest": latest, "major": major, "minor": minor}


@pytest.mark.parametrize(
    ("tag", "tags", "prerelease", "expected"),
    [
        # The highest release takes everything, also past 1.9 (versions, not strings).
        ("v1.10.0", ["v1.9.0", "v1.10.0"], False, _moves("1.10.0", "true", "true", "true")),
        # A backport of 1.9 after 1.10: `1.9` only.
        (
            "v1.9.1",
            ["v1.10.0", "v1.9.0", "v1.9.1"],
            False,
            _moves("1.9.1", "false", "false", "true"),
        ),
        # 1.4.3 after 1.4.5: `1.4` stays on 1.4.5.
        ("v1.4.3", ["v1.4.5", "v1.4.3"], False, _moves("1.4.3", "false", "false", "false")),
        # The highest 1.x after 2.0.0: `1` and `1.5`, not `latest`.
        ("v1.5.0", ["v2.0.0", "v1.4.0", "v1.5.0"], False, _moves("1.5.0", "false", "true", "true")),
        # A prerelease version, or a release marked prerelease, moves nothing.
        ("v2.0.0-rc.1", ["v1.10.0"], True, _moves("2.0.0-rc.1", "false", "false", "false")),
        ("v2.0.0-rc.1", ["v1.10.0"], False, _moves("2.0.0-rc.1", "false", "false", "false")),
        ("v2.0.0", ["v1.10.0"], True, _moves("2.0.0", "false", "false", "false")),
        # The release itself counts even before its tag is fetched.
        ("v1.0.0", [], False, _moves("1.0.0", "true", "true", "true")),
        # No `0` tag: a 0.x version promises nothing across minor versions.
        ("v0.3.0", ["v0.2.0"], False, _moves("0.3.0", "true", "false", "true")),
        # Build metadata is not part of the order nor of the image tag.
        ("v1.2.0+build.5", ["v1.1.0"], False, _moves("1.2.0", "true", "true", "true")),
        # Prerelease tags hold nothing back.
        ("v1.2.0", ["v1.3.0-rc.1"], False, _moves("1.2.0", "true", "true", "true")),
    ],
)
def test_release_step_moves_tags_only_for_the_highest_release_they_cover(
    tmp_path: Path, tag: str, tags: list[str], prerelease: bool, expected: dict[str, str]
) -> None:
    code, outputs, log = _run_release(tmp_path, tag, tags, prerelease)
    assert code == 0, log
    assert outputs == expected
    assert (tmp_path / "release").is_dir()


@pytest.mark.parametrize(
    ("pattern", "tag", "tags"),
    [
        ("release-*", "release-1.2.0", ["release-1.1.0", "v9.0.0"]),
        ("widgets@*", "widgets@1.2.0", ["widgets@1.1.0", "gadgets@9.0.0"]),
        ("widgets@*", "widgets@v1.2.0", ["widgets@v1.1.0", "gadgets@9.0.0"]),
        ("v*-stable", "v1.2.0-stable", ["v1.1.0-stable", "v9.0.0"]),
        ("release/*", "release/1.2.0", ["release/1.1.0", "release-9.0.0"]),
    ],
)
def test_release_step_reads_every_tag_pattern_and_counts_only_its_tags(
    tmp_path: Path, pattern: str, tag: str, tags: list[str]
) -> None:
    # Another package's releases in the same repository do not hold `latest` back.
    code, outputs, log = _run_release(tmp_path, tag, tags, pattern=pattern)
    assert (code, outputs) == (0, _moves("1.2.0", "true", "true", "true")), log


@pytest.mark.parametrize(
    ("pattern", "tag", "error"),
    [
        (
            "v*",
            "nightly",
            "the release tag 'nightly' does not match the release tag pattern 'v*';"
            " nothing is published",
        ),
        (
            "release-*",
            "release-1.2.3",
            "",
        ),
        (
            "release-*",
            "v1.2.3",
            "the release tag 'v1.2.3' does not match the release tag pattern 'release-*';"
            " nothing is published",
        ),
        (
            "v*",
            "v1.2",
            "the release tag 'v1.2' names version '1.2', which is not a semantic version"
            " (MAJOR.MINOR.PATCH, such as 'v1.2.3'); nothing is published",
        ),
        (
            "v*-stable",
            "v1.2.3-beta",
            "the release tag 'v1.2.3-beta' does not match the release tag pattern 'v*-stable';"
            " nothing is published",
        ),
    ],
)
def test_release_step_refuses_a_tag_the_pattern_does_not_match(
    tmp_path: Path, pattern: str, tag: str, error: str
) -> None:
    code, outputs, log = _run_release(tmp_path, tag, [], pattern=pattern)
    if not error:
        assert code == 0 and outputs["version"] == "1.2.3", log
        return
    assert code != 0 and outputs == {}
    assert re.findall(r"^::error[^:]*::(.*)$", log, re.M) == [error]


def test_release_step_fails_when_the_tags_cannot_be_listed(tmp_path: Path) -> None:
    # Else the release would see only itself and take every moving tag.
    (tmp_path / "repo").mkdir()  # not a git repository
    code, outputs, log = _run_release(tmp_path, "v0.1.0", [])
    assert code != 0 and outputs == {}
    assert "not a git repository" in log


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
    assert "docker/setup-qemu-action" not in actions(wf["jobs"]["publish"])
    for job in (wf["jobs"]["build"], wf["jobs"]["package"]):
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
        "${{ github.event.release.tag_name }}",
        "${{ github.event.release.prerelease }}",
        "${{ runner.temp }}",
        "${{ steps.release.outputs.version }}",
        "${{ steps.release.outputs.latest }}",
        "${{ steps.release.outputs.major }}",
        "${{ steps.release.outputs.minor }}",
        "${{ steps.meta.outputs.tags }}",
        "${{ steps.meta.outputs.tag-names }}",
        "${{ steps.meta.outputs.labels }}",
        "${{ steps.artifact.outputs.digest }}",
        "${{ steps.push.outputs.digest }}",
        "${{ needs.package.outputs.digest }}",
        "${{ needs.package.outputs.version }}",
        "${{ needs.package.outputs.tags }}",
        "${{ github.actor }}",
        "${{ secrets.GITHUB_TOKEN }}",
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
    package = wf["jobs"]["package"]
    assert step(package, "docker/metadata-action")["with"]["images"] == "ghcr.io/acme-widgets/tools"
    assert run.outputs == {
        "image": "ghcr.io/acme-widgets/tools",
        "workflow_path": DOCKER_PUBLISH_PATH,
    }


def test_component_attests_by_the_plan_and_visibility_it_is_given() -> None:
    def jobs(args: dict[str, Any]) -> dict[str, Any]:
        content = _component(args).of_type(FILE)[0].plain_inputs["content"]
        return yaml.safe_load(content)["jobs"]  # type: ignore[no-any-return]

    base = {"owner": "acme", "repository": "a"}
    assert "attest" not in jobs(base)  # private on Team by default
    assert "actions/attest" in actions(jobs({**base, "visibility": "public"})["attest"])
    assert "actions/attest" in actions(jobs({**base, "plan": "enterprise"})["attest"])
    with pytest.raises(Exception, match="plan 'gold' is not a GitHub plan"):
        jobs({**base, "plan": "gold"})


def test_example_private_repositories_attest_on_enterprise_cloud(example_run: Run) -> None:
    # The example's `plan: enterprise` reaches the workflows of its private repositories.
    for repo in ("API-Server", "widgets-cli"):
        file = one(example_run, FILE, f"org-{repo}-container-workflow")
        attest = yaml.safe_load(file.plain_inputs["content"])["jobs"]["attest"]
        assert "actions/attest" in actions(attest), repo
        assert attest["permissions"]["artifact-metadata"] == "write"


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
    push = publish["steps"][-1]
    assert (push["env"]["REGISTRY_USER"], push["env"]["REGISTRY_TOKEN"]) == (
        "ci-bot",
        "${{ secrets.GHE_REGISTRY_TOKEN }}",
    )
    assert (push["env"]["REGISTRY"], push["env"]["IMAGE"]) == (
        "ghe.example.com",
        "ghe.example.com/acme/x/y",
    )
    package = wf["jobs"]["package"]
    assert step(package, "docker/metadata-action")["with"]["images"] == "ghe.example.com/acme/x/y"
    # GITHUB_TOKEN never leaves GitHub, so it needs no package access either.
    assert publish["permissions"] == {}
    assert "GITHUB_TOKEN" not in yaml.safe_dump(wf)
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
