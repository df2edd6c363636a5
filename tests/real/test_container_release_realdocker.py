"""The generated container workflow, run with the real Docker Engine, skopeo and a real OCI
registry standing for ghcr.io.

Each test renders docker-publish.yml from a manifest and runs its jobs with
tests/workflow_runner.py: checkout copies a git repository made here (its release tags
included), every `run:` step runs in bash (the release step's `git tag`, the publish job's
skopeo against the registry), and the docker actions are emulated at their pinned commits
(tests/real/realghcr.py: metadata-action computes the tags, the Engine's classic builder
builds the image that build-push-action's BuildKit would, login-action writes
~/.docker/config.json, and actions/attest is a recording stand-in). ghcr.io is
:class:`realghcr.GhcrStandIn`, checking the job's token like GitHub, in front of the
registry of `scripts/docker-env.sh start DIR` (`. DIR/env`); skipped without it (failed
under CI=true). The assertions read the registry's tags and digests.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import parse
from realdocker import Engine, engine_or_skip
from realghcr import DockerActions, GhcrStandIn
from workflow_runner import RunResult, WorkflowRunner, pull_request_event, release_event

from components._core._spec import RELEASE_ENVIRONMENT
from components._core._workflow import render
from components._ecosystems.container._workflow import docker_publish

pytestmark = pytest.mark.docker

OWNER = "Acme-Widgets"
DOCKERFILE = """\
FROM scratch
COPY hello.txt /hello.txt
"""
SOURCE = "org.opencontainers.image.source"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return engine_or_skip(tmp_path / "docker-config")


@pytest.fixture
def ghcr(engine: Engine, tmp_path: Path) -> Iterator[GhcrStandIn]:
    stand_in = GhcrStandIn(engine.registry, engine.username, engine.password, tmp_path / "ghcr")
    yield stand_in
    stand_in.close()


def _git(cwd: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


class Repository:
    """A repository with a `container` block: its git checkout (a commit per release, tagged)
    and the workflow ghpublish generates for it, run against the ghcr.io stand-in."""

    def __init__(
        self,
        engine: Engine,
        ghcr: GhcrStandIn,
        root: Path,
        pattern: str = "v*",
        container: str = "{}",
    ) -> None:
        self.engine, self.ghcr, self.root = engine, ghcr, root
        self.name = f"widgets-{uuid.uuid4().hex[:8]}"
        self.image = f"acme-widgets/{self.name}"
        (self.spec,) = parse(
            f"""
            owner: {OWNER}
            repositories:
              - name: {self.name}
                visibility: public
                release_tag_pattern: "{pattern}"
                container: {container}
            """
        ).repositories
        self.workflow = render(docker_publish(self.spec, "publishing.yaml"))
        self.checkout = root / "src"
        self.checkout.mkdir(parents=True)
        _git(self.checkout, "init", "-q", "-b", "main")
        (self.checkout / "Dockerfile").write_text(DOCKERFILE)
        self.actions = DockerActions(engine, ghcr, self.checkout)
        self.runs = 0

    def commit(self, tag: str) -> None:
        """A commit of its own for each release (so each has its own sha- tag), tagged."""
        (self.checkout / "hello.txt").write_text(f"hello from {tag}\n")
        _git(self.checkout, "add", "-A")
        _git(self.checkout, "commit", "-q", "-m", f"release {tag}")
        _git(self.checkout, "tag", tag)

    def runner(self, token: str | None = None) -> WorkflowRunner:
        self.runs += 1
        runner = WorkflowRunner(
            self.workflow,
            repository=f"{OWNER}/{self.name}",
            checkout=self.checkout,
            registry="http://127.0.0.1:9/",  # no npm here
            tokens=self.ghcr.tokens,
            workdir=self.root / f"run-{self.runs}",
            github_token=token,
            environments={RELEASE_ENVIRONMENT: self.spec.release_tag_pattern},
            hosts={"ghcr.io": self.ghcr.address},
            runner_env={"SSL_CERT_FILE": str(self.ghcr.ca_file)},
        )
        self.actions.install(runner)
        return runner

    def release(self, tag: str, *, prerelease: bool = False, token: str | None = None) -> RunResult:
        self.commit(tag)
        sha = _git(self.checkout, "rev-parse", "HEAD").strip()
        event = dataclasses.replace(release_event(tag, prerelease=prerelease), sha=sha)
        return self.runner(token).run(event)

    def served(self) -> dict[str, str]:
        """The registry's tags of the image and the digest each names."""
        registry = self.engine.registry_client()
        return {tag: registry.digest(self.image, tag) for tag in registry.tags(self.image)}

    def digest(self, result: RunResult) -> str:
        return result["publish"].outputs["digest"]


def _sha_tag(result: RunResult) -> str:
    (tag,) = [t for t in result["package"].outputs["tags"].split("\n") if t.startswith("sha-")]
    return tag


def published(result: RunResult) -> str:
    """The digest a successful run pushed (asserting it succeeded)."""
    for job in ("package", "publish"):
        assert result[job].status == "success", result[job].output
    return result["publish"].outputs["digest"]


@pytest.mark.parametrize(
    ("pattern", "tag", "other"),
    [
        ("v*", "v1.2.3", "release-1.2.3"),
        ("release-*", "release-1.2.3", "v1.2.3"),
        ("widgets@*", "widgets@1.2.3", "gadgets@1.2.3"),
        ("v*-stable", "v1.2.3-stable", "v1.2.3"),
        ("release/*", "release/1.2.3", "release-1.2.3"),
    ],
)
def test_each_tag_pattern_publishes_its_release_once_and_refuses_other_tags(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path, pattern: str, tag: str, other: str
) -> None:
    repo = Repository(engine, ghcr, tmp_path, pattern)
    first = repo.release(tag)
    digest = published(first)
    sha = _sha_tag(first)
    assert repo.served() == {t: digest for t in ("1.2.3", "1.2", "1", "latest", sha)}
    # In the order of metadata-action's priorities: the version first.
    assert ghcr.manifest_puts(repo.image) == ["1.2.3", "1.2", "1", "latest", sha]
    # The image is the one the package job built, with metadata-action's labels.
    labels = engine.registry_client().labels(repo.image, "1.2.3")
    assert labels[SOURCE] == f"https://github.com/{OWNER}/{repo.name}"
    assert labels["org.opencontainers.image.version"] == "1.2.3"
    (attestation,) = repo.actions.attestations
    assert (attestation["subject-digest"], attestation["token"]) == (digest, "write")
    assert attestation["subject-name"] == f"{ghcr.address}/{repo.image}"
    assert attestation["subject-version"] == "1.2.3"

    refused = repo.release(other)
    assert refused["package"].status == "failure"
    assert refused["package"].errors == [
        f"the release tag '{other}' does not match the release tag pattern '{pattern}';"
        " nothing is published"
    ]
    assert refused["publish"].status == "skipped"
    assert repo.served() == {t: digest for t in ("1.2.3", "1.2", "1", "latest", sha)}
    assert len(ghcr.manifest_puts(repo.image)) == 5


def test_a_tag_without_a_semantic_version_publishes_nothing(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path
) -> None:
    repo = Repository(engine, ghcr, tmp_path)
    result = repo.release("v1.2")
    assert result["package"].status == "failure"
    assert result["package"].errors == [
        "the release tag 'v1.2' names version '1.2', which is not a semantic version"
        " (MAJOR.MINOR.PATCH, such as 'v1.2.3'); nothing is published"
    ]
    assert repo.served() == {} and ghcr.manifest_puts(repo.image) == []


def test_a_backport_moves_only_the_tags_of_its_own_line(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path
) -> None:
    repo = Repository(engine, ghcr, tmp_path)
    v145 = published(repo.release("v1.4.5"))
    v150 = published(repo.release("v1.5.0"))
    backport = repo.release("v1.4.3")
    v143 = published(backport)
    served = repo.served()
    # 1.4.3 after 1.4.5: `1.4` stays on 1.4.5, `1` and `latest` on 1.5.0.
    assert (served["1.4.3"], served["1.4"], served["1"], served["latest"]) == (
        v143,
        v145,
        v150,
        v150,
    )
    assert ghcr.manifest_puts(repo.image)[-2:] == ["1.4.3", _sha_tag(backport)]
    # 1.4.6 is the highest 1.4: it takes `1.4`, not `1` nor `latest`.
    v146 = published(repo.release("v1.4.6"))
    served = repo.served()
    assert (served["1.4"], served["1.5"], served["1"], served["latest"]) == (
        v146,
        v150,
        v150,
        v150,
    )
    assert len(set(served.values())) == 4


def test_a_release_marked_prerelease_moves_no_tag(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path
) -> None:
    repo = Repository(engine, ghcr, tmp_path)
    v1 = published(repo.release("v1.0.0"))
    result = repo.release("v2.0.0", prerelease=True)
    v2 = published(result)
    served = repo.served()
    assert {t: d for t, d in served.items() if not t.startswith("sha-")} == {
        "1.0.0": v1,
        "1.0": v1,
        "1": v1,
        "latest": v1,
        "2.0.0": v2,
    }
    assert result["package"].outputs["tags"].split("\n") == ["2.0.0", _sha_tag(result)]


def test_a_prerelease_version_moves_no_tag(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path
) -> None:
    repo = Repository(engine, ghcr, tmp_path)
    v1 = published(repo.release("v1.0.0"))
    result = repo.release("v1.1.0-rc.1", prerelease=True)
    rc = published(result)
    served = repo.served()
    assert served["1.1.0-rc.1"] == rc
    assert (served["1.0"], served["1"], served["latest"]) == (v1, v1, v1)
    assert "1.1" not in served
    # Not marked prerelease on GitHub: still a prerelease version, still no moving tag.
    result = repo.release("v1.1.0-rc.2")
    assert published(result) == repo.served()["1.1.0-rc.2"]
    assert repo.served()["latest"] == v1 and "1.1" not in repo.served()


@pytest.mark.parametrize(
    ("level", "error", "answer"),
    [
        (
            "read",
            "cannot push {image}:1.0.0 (the registry's answer is above); a re-run of this job"
            " pushes what is missing",
            "denied: permission_denied: write_package",
        ),
        (
            "none",
            "cannot read {image}:1.0.0 from the registry; nothing more is pushed",
            "reading manifest 1.0.0 in {image}: unauthorized",
        ),
    ],
)
def test_a_token_without_write_pushes_nothing(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path, level: str, error: str, answer: str
) -> None:
    repo = Repository(engine, ghcr, tmp_path)
    result = repo.release("v1.0.0", token=ghcr.tokens[level])
    assert result["package"].status == "success"  # it needs no package access
    assert result["publish"].status == "failure"
    assert result["attest"].status == "skipped"
    image = f"{ghcr.address}/{repo.image}"
    assert result["publish"].errors == [error.format(image=image)]
    push = result["publish"].step("Push the image to ghcr.io").output
    assert answer.format(image=image) in push
    assert ghcr.tokens[level] not in push
    assert repo.served() == {} and ghcr.manifest_puts(repo.image) == []


def test_a_rerun_of_a_failed_publish_pushes_nothing_twice(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path
) -> None:
    repo = Repository(engine, ghcr, tmp_path)
    ghcr.failing_tags = {"1"}  # the registry fails once, after the version is pushed
    runner = repo.runner()
    repo.commit("v1.0.0")
    event = release_event("v1.0.0")
    first = runner.run(event)
    assert first["publish"].status == "failure" and first["attest"].status == "skipped"
    assert set(repo.served()) == {"1.0.0", "1.0"}

    again = runner.rerun_failed(first, event)
    digest = published(again)
    assert again["package"] is first["package"]  # not re-run: the same artifact
    push = again["publish"].step("Push the image to ghcr.io").output
    assert f"::notice::{ghcr.address}/{repo.image}:1.0.0 is already {digest} (already" in push
    # Each tag reached the registry once (`1` failed once, then went through).
    puts = ghcr.manifest_puts(repo.image)
    assert sorted(puts) == sorted(set(puts)) == sorted(repo.served())
    assert set(repo.served().values()) == {digest}
    assert again["attest"].status == "success" and len(repo.actions.attestations) == 1


def test_a_rerun_never_replaces_a_version_published_as_another_image(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path
) -> None:
    repo = Repository(engine, ghcr, tmp_path)
    other = published(repo.release("v0.9.0"))
    ghcr.failing_tags = {"1.0.0"}
    runner = repo.runner()
    repo.commit("v1.0.0")
    event = release_event("v1.0.0")
    first = runner.run(event)
    assert first["publish"].status == "failure" and "1.0.0" not in repo.served()
    # Meanwhile 1.0.0 was pushed by hand as another image (0.9.0's).
    registry = engine.registry_client()
    manifest = registry.request(
        "GET",
        f"/v2/{repo.image}/manifests/0.9.0",
        accept=("application/vnd.oci.image.manifest.v1+json",),
    )[2]
    engine_put(engine, repo.image, "1.0.0", manifest)
    again = runner.rerun_failed(first, event)
    assert again["publish"].status == "failure"
    (error,) = again["publish"].errors
    push = again["publish"].step("Push the image to ghcr.io")
    assert error.startswith(
        f"{ghcr.address}/{repo.image}:1.0.0 is already published as another image ({other};"
        " this release built sha256:"
    ), push.output
    assert error.endswith(
        "nothing is pushed: a published version is never replaced, release a new version"
    )
    # Not replaced: the tag still names the image pushed by hand (not through ghcr.io).
    assert repo.served()["1.0.0"] == other
    assert ghcr.manifest_puts(repo.image).count("1.0.0") == 0


def engine_put(engine: Engine, image: str, tag: str, manifest: bytes) -> None:
    """PUT a manifest under a tag straight to the registry (a push by hand)."""
    connection = http.client.HTTPConnection(engine.registry, timeout=30)
    auth = base64.b64encode(f"{engine.username}:{engine.password}".encode()).decode()
    connection.request(
        "PUT",
        f"/v2/{image}/manifests/{tag}",
        body=manifest,
        headers={
            "Authorization": f"Basic {auth}",
            "Content-Type": "application/vnd.oci.image.manifest.v1+json",
        },
    )
    response = connection.getresponse()
    assert response.status == 201, response.read()
    connection.close()


def test_a_pull_request_builds_and_pushes_nothing(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path
) -> None:
    repo = Repository(engine, ghcr, tmp_path)
    repo.commit("v1.0.0")
    result = repo.runner().run(pull_request_event())
    assert result["build"].status == "success", result["build"].output
    assert [result[j].status for j in ("package", "publish", "attest")] == ["skipped"] * 3
    assert repo.served() == {} and ghcr.requests == []


def test_a_multi_platform_image_is_pushed_as_built_with_its_digest(
    engine: Engine, ghcr: GhcrStandIn, tmp_path: Path
) -> None:
    repo = Repository(engine, ghcr, tmp_path, container="{platforms: [linux/amd64, linux/arm64]}")
    result = repo.release("v1.0.0")
    digest = published(result)
    # The index the package job built is the one served, under its own digest.
    assert result["package"].step("Build the image into the release artifact").status == "success"
    assert repo.served()["1.0.0"] == digest
    index = engine.registry_client().manifest(repo.image, "1.0.0")
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert [m["platform"]["architecture"] for m in index["manifests"]] == ["amd64", "arm64"]
    arm64 = engine.registry_client().image_config(repo.image, "1.0.0", "linux/arm64")
    assert arm64["architecture"] == "arm64"
