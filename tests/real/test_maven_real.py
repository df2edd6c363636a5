"""The Maven workflow's commands, run with the real Maven client against a registry on
127.0.0.1: the test job builds and tests, the publish job deploys with the credentials
setup-java's settings.xml names, to the repository's own registry path.

Maven resolves its plugins from the local repository (~/.m2) only: every remote
repository is mirrored to the loopback server, so nothing leaves this machine. The test
skips locally without Maven or those plugins, and fails under CI=true.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, parse

from components._core._workflow import render
from components._ecosystems.maven import MAVEN_REGISTRY, maven_release

pytestmark = pytest.mark.maven

FIXTURE = ROOT / "tests/fixtures/maven-project"
LOCAL_REPOSITORY = Path.home() / ".m2" / "repository"
ACTOR, TOKEN = "octocat", "ghs_test-token"
MANIFEST = """
owner: Acme-Widgets
repositories:
  - name: tools
    maven: {package: "com.acme:tools", java_version: 17}
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"real Maven unavailable under CI: {reason}")
    pytest.skip(f"real Maven unavailable: {reason}")


class Registry(BaseHTTPRequestHandler):
    """A Maven registry on loopback: PUT with the one user and token, GET finds nothing."""

    root: Path

    def do_PUT(self) -> None:
        expected = base64.b64encode(f"{ACTOR}:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="packages"')
            self.end_headers()
            return
        data = self.rfile.read(int(self.headers["Content-Length"]))
        path = self.root / self.path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.send_response(201)
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET  # noqa: N815 (the handler's method name)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "registry"
    handler = type("Handler", (Registry,), {"root": root})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def job_env(tmp_path: Path, registry: tuple[str, Path]) -> dict[str, str]:
    """The runner after setup-java: a settings.xml with server `github` whose user and
    password come from GITHUB_ACTOR and GITHUB_TOKEN (test only: the local plugin
    repository, every remote mirrored to loopback)."""
    if shutil.which("mvn") is None:
        _unavailable("no mvn on PATH (apt-get install maven)")
    if not (LOCAL_REPOSITORY / "org/apache/maven/plugins/maven-deploy-plugin").is_dir():
        _unavailable(f"no Maven plugins in {LOCAL_REPOSITORY}")
    home = tmp_path / "home"
    (home / ".m2").mkdir(parents=True)
    (home / ".m2/settings.xml").write_text(
        f"""<settings>
  <localRepository>{LOCAL_REPOSITORY}</localRepository>
  <mirrors><mirror><id>central</id><mirrorOf>*</mirrorOf>
    <url>{registry[0]}/mirror</url></mirror></mirrors>
  <servers><server><id>github</id><username>${{env.GITHUB_ACTOR}}</username>
    <password>${{env.GITHUB_TOKEN}}</password></server></servers>
</settings>
""",
        encoding="utf-8",
    )
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        # Maven reads ~/.m2 from Java's user.home (the passwd entry), not from HOME.
        "MAVEN_OPTS": f"-Duser.home={home}",
        "MAVEN_SKIP_RC": "1",
        "GITHUB_ACTOR": ACTOR,
    }


def _steps(job: str) -> dict[str, dict]:
    repo = parse(MANIFEST).repositories[0]
    workflow = yaml.safe_load(render(maven_release(repo, "publishing.yaml")))
    return {step["name"]: step for step in workflow["jobs"][job]["steps"]}


def _run(step: dict, env: dict[str, str], cwd: Path, **values: str) -> subprocess.CompletedProcess:
    """A `run:` step with its `env:`, each expression replaced by the value the test gives."""
    expressions = {
        "${{ github.token }}": TOKEN,
        "${{ secrets.GITHUB_TOKEN }}": values.get("token", TOKEN),
        "${{ github.event.release.tag_name }}": values.get("tag", "v1.2.3"),
        "${{ github.event.release.prerelease }}": values.get("prerelease", "false"),
    }
    step_env = {k: expressions.get(v, v) for k, v in (step.get("env") or {}).items()}
    assert not any("${{" in v for v in step_env.values()), step_env
    script = step["run"].replace(MAVEN_REGISTRY, values.get("registry", MAVEN_REGISTRY))
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env={**env, **step_env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "checkout"))


def test_test_job_builds_and_tests_with_real_maven(job_env: dict, project: Path) -> None:
    result = _run(_steps("test")["Test"], job_env, project)
    if "Cannot access central" in result.stdout or "could not be resolved" in result.stdout:
        _unavailable("a plugin the fixture needs is not in the local repository")
    assert result.returncode == 0, result.stdout[-3000:]
    assert (project / "target/tools-1.2.3.jar").is_file()


def test_publish_job_deploys_to_the_repositorys_registry(
    job_env: dict, project: Path, registry: tuple[str, Path]
) -> None:
    url, root = registry
    deploy = _steps("publish")["Deploy"]
    result = _run(deploy, job_env, project, registry=url)
    assert result.returncode == 0, result.stdout[-3000:]
    # The path names the repository: GitHub links the package to acme-widgets/tools.
    published = root / "acme-widgets/tools/com/acme/tools/1.2.3"
    assert (published / "tools-1.2.3.jar").is_file()
    assert (published / "tools-1.2.3.pom").read_text(encoding="utf-8").count("<version>1.2.3")


def test_a_wrong_token_deploys_nothing(
    job_env: dict, project: Path, registry: tuple[str, Path]
) -> None:
    url, root = registry
    result = _run(_steps("publish")["Deploy"], job_env, project, registry=url, token="wrong")
    assert result.returncode != 0
    assert "401" in result.stdout
    assert not root.exists() or not any(root.rglob("*.jar"))


@pytest.fixture
def help_plugin(tmp_path: Path, job_env: dict) -> dict[str, str]:
    """`mvn help:evaluate` as maven-help-plugin answers it (that plugin is not in the local
    repository here; GitHub's runners download it): the fixture pom's values."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "mvn").write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case "$a" in\n'
        "  -Dexpression=project.version) printf 1.2.3 ;;\n"
        "  -Dexpression=project.groupId) printf com.acme ;;\n"
        "  -Dexpression=project.artifactId) printf tools ;;\n"
        "esac; done\n",
        encoding="utf-8",
    )
    (shim / "mvn").chmod(0o755)
    return {**job_env, "PATH": f"{shim}:{job_env['PATH']}"}


@pytest.mark.parametrize(
    ("tag", "prerelease", "error"),
    [
        ("v1.2.3", "false", None),
        ("1.2.3", "false", None),
        ("tools@1.2.3", "false", None),
        ("v1.2.4", "false", "the release tag 'v1.2.4' is not the pom's version '1.2.3'"),
        ("v1.2.3", "true", "version '1.2.3' is not a prerelease, but the GitHub release is"),
    ],
)
def test_release_tag_and_prerelease_are_checked_before_deploying(
    help_plugin: dict, project: Path, tag: str, prerelease: str, error: str | None
) -> None:
    steps = _steps("publish")
    for name in ("Check the package coordinates", "Check the release tag against the version"):
        result = _run(steps[name], help_plugin, project, tag=tag, prerelease=prerelease)
        if error is None or name.startswith("Check the package"):
            assert result.returncode == 0, result.stdout
        else:
            assert result.returncode == 1
            assert error in result.stdout
