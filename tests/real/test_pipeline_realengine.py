"""The manifest pipeline's `up`, drift and review jobs, run as a runner would (issue 20).

The workflows ManifestPipeline commits, run by the workflow harness (tests/workflow_runner.py)
with the pipeline's actions emulated at their pins (tests/real/realpipeline.py): the real
Pulumi CLI, GitHub provider and Docker build provider of `make engine`, the simulated GitHub
(tools/ghsim) on loopback, and for the image `pulumi up` builds (`FROM scratch`, from a
local checkout), the Docker Engine and registry of scripts/docker-env.sh. The program's
locked requirements come from a local wheelhouse (pip download once into
~/.cache/ghpublish/wheelhouse; offline thereafter), hash-checked as in the job.

Needs the engine (`make engine`), GitHub's OpenAPI description (`make ghsim-spec`) and the
Docker environment; skipped without one of them (failed under CI=true).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from realdocker import engine_or_skip as docker_or_skip
from realengine import PASSPHRASE, engine_or_skip
from realpipeline import (
    CHECKOUT,
    PULUMI_ACTIONS,
    SETUP_BUILDX,
    SETUP_PYTHON,
    SETUP_QEMU,
    buildkitd,
    checkout,
    commit_all,
    gh_stand_in,
    git,
    program_copy,
    pull_request_target_event,
    pulumi_actions,
    push_event,
    recording,
    schedule_event,
    setup_python,
)
from requirement import ci, described_or_skip, unavailable
from workflow_runner import RunResult, WorkflowRunner

from components import load_manifest
from components._core._workflow import render
from components._manifest._pipeline_workflows import (
    DEPLOY_PATH,
    DRIFT_PATH,
    REVIEW_PATH,
    pipeline_workflows,
)
from tools.ghsim import Simulator
from tools.rehearse import PLACEHOLDER_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.docker]

OWNER = "Acme-Widgets"
WHEELHOUSE = Path.home() / ".cache" / "ghpublish" / "wheelhouse"
MANIFEST = """\
owner: Acme-Widgets
repositories:
  - name: publishing
  - name: widgets
    container:
      registry: "{registry}"
      registry_username: {username}
      registry_password_secret: TEST_REGISTRY_PASSWORD
      build_from_pulumi: {{path: build/widgets, cache: false}}
manifest_repository: {{name: publishing}}
"""
PLAIN = """\
owner: Acme-Widgets
repositories:
  - name: publishing
  - name: widgets
    container: {{}}
manifest_repository: {{name: publishing}}
"""
DOCKERFILE = "FROM scratch\nCOPY hello.txt /hello.txt\n"


def _wheelhouse() -> None:
    """The program's locked requirements (exactly the files of their hashes: pip, given a
    directory, takes the best wheel there and then checks its hash) and the development
    tools, as wheels: downloaded once (pip, from the index), then read offline by the jobs."""
    marker = WHEELHOUSE / ".complete"
    if marker.exists():
        return
    pip = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q"]
    for folder, args in (
        ("lock", ["--require-hashes", "--no-deps", "-r", str(ROOT / "requirements.lock")]),
        ("dev", ["-r", str(ROOT / "requirements-dev.txt")]),
    ):
        target = WHEELHOUSE / folder
        done = subprocess.run([*pip, *args, "-d", str(target)], capture_output=True, text=True)
        if done.returncode != 0:
            unavailable(f"the wheelhouse could not be downloaded: {done.stderr.strip()[-300:]}")
    marker.touch()


@dataclass
class Pipeline:
    """The manifest repository, the image's repository, GitHub and the registry."""

    workdir: Path
    repo: Path
    widgets: Path
    sim: Simulator
    bin_dir: Path
    docker: Any
    base: str
    spec: Any
    calls: list[dict[str, Any]]
    # A BuildKit daemon for the image builds (None: none on this machine).
    buildkitd: str | None = None

    def workflow(self, path: str) -> str:
        assert self.spec.pipeline is not None
        return render(pipeline_workflows(self.spec.pipeline, "main", "publishing.yaml")[path])

    def runner(
        self, path: str, name: str, path_prefix: str = "", wheels: str = "lock"
    ) -> WorkflowRunner:
        runner = WorkflowRunner(
            self.workflow(path),
            repository=f"{OWNER}/publishing",
            checkout=self.repo,
            registry="http://127.0.0.1:9/",
            tokens={level: PLACEHOLDER_TOKEN for level in ("none", "read", "write")},
            workdir=self.workdir / name,
            deploy_branches={"ghpublish": "main"},
            secrets={
                "GHPUBLISH_GITHUB_TOKEN": PLACEHOLDER_TOKEN,
                "PULUMI_ACCESS_TOKEN": "",
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_BACKEND_URL": f"file://{self.workdir / 'state'}",
            },
            runner_env={
                # The runner's own: its Docker Engine, its pip (the wheelhouse, offline),
                # GitHub's API (the simulator), no Pulumi update check or plugin download.
                "PATH": path_prefix + os.environ.get("PATH", "/usr/bin:/bin"),
                # One tool cache for every run, as a hosted runner's /opt/hostedtoolcache.
                "RUNNER_TOOL_CACHE": str(self.workdir / "tool-cache"),
                "DOCKER_HOST": self.docker.docker_host,
                "DOCKER_CONFIG": str(self.workdir / "docker-config"),
                "PIP_NO_INDEX": "1",
                "PIP_FIND_LINKS": str(WHEELHOUSE / wheels),
                "GITHUB_BASE_URL": self.sim.base_url,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "NO_PROXY": "127.0.0.1",
            },
        )
        repos = {f"{OWNER}/publishing": self.repo, f"{OWNER}/widgets": self.widgets}
        inputs = {"persist-credentials", "ref", "fetch-depth", "repository", "path", "token"}
        runner.emulate("actions/checkout", CHECKOUT, inputs, checkout(repos))
        interpreter = Path(getattr(sys, "_base_executable", sys.executable))
        runner.emulate(
            "actions/setup-python", SETUP_PYTHON, {"python-version"}, setup_python(interpreter)
        )
        pulumi_inputs = {
            "command", "stack-name", "pulumi-version", "cloud-url", "diff", "comment-on-summary",
        }  # fmt: skip
        runner.emulate(
            "pulumi/actions",
            PULUMI_ACTIONS,
            pulumi_inputs,
            pulumi_actions(self.bin_dir, self.calls),
        )
        for action, commit, names in (
            ("docker/setup-buildx-action", SETUP_BUILDX, {"platforms", "cache-binary"}),
            ("docker/setup-qemu-action", SETUP_QEMU, {"platforms", "cache-image"}),
        ):
            runner.emulate(action, commit, names, recording(action, self.calls, self.buildkitd))
        return runner


def _stack(pipeline_dir: Path, bin_dir: Path, registry: str, password: str) -> None:
    """The stack `org` in the file backend, its config committed beside the program."""
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(pipeline_dir.parent),
        "PULUMI_HOME": str(pipeline_dir.parent / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{pipeline_dir.parent / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    (pipeline_dir.parent / "state").mkdir(exist_ok=True)
    key = f'ghpublish:registryCredentials["{registry}"].password'
    for args in (
        ["stack", "init", "org", "--secrets-provider", "passphrase"],
        ["config", "set", "--stack", "org", "--secret", "--path", key, password],
    ):
        done = subprocess.run(
            [str(bin_dir / "pulumi"), *args, "--non-interactive"],
            cwd=pipeline_dir, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr


def _pipeline(workdir: Path, manifest: str, build: bool = False) -> Iterator[Pipeline]:
    """The manifest repository holding ``manifest`` (and the program, its stack `org`), the
    image's repository, and GitHub simulated on loopback."""
    engine = engine_or_skip()
    described_or_skip()
    docker = docker_or_skip(workdir / "docker-config")
    _wheelhouse()
    repo, widgets = workdir / "publishing", workdir / "widgets"
    program_copy(ROOT, repo)
    text = manifest.format(registry=docker.registry, username=docker.username)
    (repo / "publishing.yaml").write_text(text, encoding="utf-8")
    _stack(repo, engine.bin_dir, docker.registry, docker.password)
    base = commit_all(repo, "the manifest repository")
    widgets.mkdir()
    (widgets / "Dockerfile").write_text(DOCKERFILE)
    (widgets / "hello.txt").write_text("hello from the pipeline\n")
    commit_all(widgets, "widgets")
    seed = {f"/orgs/{OWNER}": {"login": OWNER, "plan": {"name": "team"}}}
    sim = Simulator(seed=seed, log=workdir / "requests.jsonl", phase="up")
    daemon = buildkitd(Path(f"/tmp/ghp-bk-{os.getpid()}"), docker.registry) if build else None
    sim.start()
    try:
        yield Pipeline(
            workdir, repo, widgets, sim, engine.bin_dir, docker, base,
            load_manifest(str(repo / "publishing.yaml")), [],
            next(daemon) if daemon is not None else None,
        )  # fmt: skip
    finally:
        sim.stop()
        if daemon is not None:
            daemon.close()


@pytest.fixture(scope="module")
def imaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """A stack that builds an image from Pulumi: widgets, `FROM scratch`, a local path."""
    yield from _pipeline(tmp_path_factory.mktemp("imaged"), MANIFEST, build=True)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """A stack without images built by `pulumi up`."""
    yield from _pipeline(tmp_path_factory.mktemp("plain"), PLAIN)


@pytest.fixture(scope="module")
def imaged_up(imaged: Pipeline) -> RunResult:
    return imaged.runner(DEPLOY_PATH, "up").run(push_event("main", imaged.base))


@pytest.fixture(scope="module")
def plain_up(plain: Pipeline) -> RunResult:
    return plain.runner(DEPLOY_PATH, "up").run(push_event("main", plain.base))


# The Docker build provider's builder, which the Docker Engine here cannot give it.
NO_BUILDER = (
    "pulumi-docker-build 0.0.22 builds with a builder of its own kind only"
    " (provider/internal/host.go: it passes over the Docker Engine's `docker` driver and,"
    " finding no other, creates a docker-container builder that boots Docker Hub's"
    " moby/buildkit image), which is out of reach here; on GitHub the builder"
    " docker/setup-buildx-action creates serves"
)


def test_the_up_job_prepares_the_image_and_runs_pulumi_up(
    imaged: Pipeline, imaged_up: RunResult
) -> None:
    """Everything of the `up` job runs for real up to the image's build, which fails only for
    want of a BuildKit builder (see NO_BUILDER)."""
    job = imaged_up["up"]
    assert [(s.name, s.status) for s in job.steps] == [
        ("Check out", "success"),
        ("Set up Python", "success"),
        ("Install the program's locked requirements", "success"),
        ("Check that the images' checkout directories are free", "success"),
        ("Check out widgets for its image", "success"),
        ("Drop the checkouts' git metadata", "success"),
        ("Set up Docker Buildx", "success"),
        ("pulumi up", job.steps[-1].status),
    ]
    workspace = imaged.workdir / "up" / "up" / "workspace"
    assert (workspace / "build/widgets/Dockerfile").read_text() == DOCKERFILE
    assert {"action": "docker/setup-buildx-action", "platforms": "linux/amd64",
            "cache-binary": "false"} in imaged.calls  # fmt: skip
    # The real engine registered every GitHub resource on the simulated GitHub.
    state = imaged.sim.state()
    assert any(k.lower() == f"/repos/{OWNER}/widgets".lower() for k in state)
    workflows = sorted(k.rsplit("/", 1)[1] for k in state if "/contents/.github/workflows/" in k)
    assert workflows == [
        "docker-publish.yml", "ghpublish-drift.yml", "ghpublish-review.yml", "ghpublish-up.yml",
    ]  # fmt: skip
    if job.status != "success":
        pulumi = job.steps[-1].output
        assert "booting builder" in pulumi and "registry-1.docker.io" in pulumi, pulumi


def _builder_or_xfail(imaged: Pipeline, request: pytest.FixtureRequest) -> None:
    """Without a BuildKit daemon: a strict expected failure locally, a failure under CI=true
    (.ci/run builds one: scripts/buildkit-env.sh)."""
    if imaged.buildkitd is None:
        if ci():
            pytest.fail(f"no BuildKit daemon under CI=true: {NO_BUILDER}")
        request.applymarker(pytest.mark.xfail(strict=True, reason=NO_BUILDER))


def test_the_up_job_pushes_the_pulumi_time_image(
    imaged: Pipeline, imaged_up: RunResult, request: pytest.FixtureRequest
) -> None:
    """With a BuildKit daemon on this machine (tests/real/realpipeline.py, BUILDKITD) the
    Buildx stand-in registers it and the job passes; without one, a strict expected failure
    (NO_BUILDER)."""
    _builder_or_xfail(imaged, request)
    job = imaged_up["up"]
    assert job.status == "success", job.output
    # Its own tag: never one the release workflow pushes.
    assert imaged.docker.registry_client().tags("acme-widgets/widgets") == ["pulumi-edge"]


def test_without_images_the_up_job_is_unchanged_and_passes(plain_up: RunResult) -> None:
    job = plain_up["up"]
    assert job.status == "success", job.output
    assert [s.name for s in job.steps] == [
        "Check out",
        "Set up Python",
        "Install the program's locked requirements",
        "pulumi up",
    ]


def test_a_push_to_another_branch_runs_no_up(plain: Pipeline) -> None:
    runner = plain.runner(DEPLOY_PATH, "up-other")
    assert not runner.run(push_event("feature", plain.base)).triggered


def test_the_drift_check_after_up_finds_no_drift(plain: Pipeline, plain_up: RunResult) -> None:
    assert plain_up["up"].status == "success"
    cron = yaml.safe_load(plain.workflow(DRIFT_PATH))[True]["schedule"][0]["cron"]
    result = plain.runner(DRIFT_PATH, "drift").run(schedule_event(cron, "main", plain.base))
    job = result["drift"]
    assert job.status == "success", job.output
    assert job.step("Report drift or a failed check").status == "skipped"
    summary = (plain.workdir / "drift" / "drift" / "temp" / "_summary").read_text()
    assert summary.startswith("## pulumi preview --refresh: org\n"), summary


def test_the_review_synthesizes_and_diffs_the_pull_requests_manifest(
    plain: Pipeline, plain_up: RunResult
) -> None:
    git(plain.repo, "checkout", "--quiet", "-b", "change")
    manifest = plain.repo / "publishing.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "  - name: widgets\n", "  - name: gadgets\n  - name: widgets\n"
        )
    )
    head = commit_all(plain.repo, "add gadgets")
    git(plain.repo, "checkout", "--quiet", "main")
    stand_in = gh_stand_in(plain.workdir / "gh", plain.repo, plain.base, head)
    runner = plain.runner(
        REVIEW_PATH, "review", path_prefix=f"{stand_in}{os.pathsep}", wheels="dev"
    )
    result = runner.run(pull_request_target_event(7, "main", plain.base, head))
    job = result["review"]
    assert job.status == "success", job.output
    summary = (plain.workdir / "review" / "review" / "temp" / "_summary").read_text()
    assert "gadgets" in summary
    assert "Code changes" not in summary


def test_the_drift_check_after_an_image_build_finds_no_drift(
    imaged: Pipeline, imaged_up: RunResult, request: pytest.FixtureRequest
) -> None:
    """Previews never build (`build_on_preview: false`); the refresh reads the pushed tags
    back from the registry with the stack's credential."""
    _builder_or_xfail(imaged, request)
    assert imaged_up["up"].status == "success"
    cron = yaml.safe_load(imaged.workflow(DRIFT_PATH))[True]["schedule"][0]["cron"]
    result = imaged.runner(DRIFT_PATH, "drift").run(schedule_event(cron, "main", imaged.base))
    job = result["drift"]
    assert job.status == "success", job.output
    assert not any("buildx" in str(call) for call in imaged.calls[1:] if "action" in call)
