"""A loopback GitHub Maven registry and the emulated setup-java, for running the Maven and
Gradle release workflows with the real Maven client (tests/real/test_maven_real.py,
tests/real/test_gradle_real.py).

:class:`MavenRegistry` serves two things on 127.0.0.1:

- `/<owner>/<repository>/<path>`: GitHub's Maven registry (`https://maven.pkg.github.com`)
  as the workflows use it. Basic auth as GitHub checks it: any user name, the password a
  token of the job's `packages` permission: `write` may PUT and GET, `read` may GET, `none`
  is refused (403), anything else is unauthorised (401). Packages belong to the owner
  (whichever repository path serves them); a second PUT of a file already stored is refused
  with 409 Conflict, as GitHub refuses a second upload of a version's file, except
  `maven-metadata.xml` and its checksums, which every deploy rewrites. Every request is
  logged, and :attr:`faults` fail chosen requests once (a failed attempt to re-run).
- `/central/<path>`: Maven Central as the runner reaches it, served from the plugins
  `scripts/maven-env.sh install` fetched into ~/.m2/repository; the fixtures' own group
  `com.acme` is never served from there.

:func:`setup_java` emulates actions/setup-java v5.7.0 (the commit the catalog pins) for the
inputs the workflows give: src/auth.ts writes `~/.m2/settings.xml` with one server whose
user and password are `${env.<server-username>}` and `${env.<server-password>}` (defaults
`github`, `GITHUB_ACTOR`, `GITHUB_TOKEN`, action.yml), whatever the inputs, and
src/maven-args.ts exports `MAVEN_ARGS=-ntp`. The JDK is this machine's (its version is
logged); toolchains.xml is not written (no step reads it). Beside it, as the runner image
would have it: `MAVEN_OPTS` gives Maven the job's home as `user.home` (Java reads it from
the password file, GitHub's runners have both agree) and this test's Maven configuration
directory, whose global settings mirror every remote repository outside loopback to
`/central`: nothing leaves the machine. Each job's local repository starts as a copy of
those plugins (what downloading them from `/central` would leave, without the time it takes
on a loaded machine), never with a file of the fixtures' group: what the owner's registry
serves is read from it, with the job's token. The JVM runs with C1 only and the serial
collector (start-up time; nothing the workflow observes).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import shutil
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from requirement import unavailable
from workflow_runner import JobState

__all__ = [
    "LOCAL_REPOSITORY",
    "SETUP_JAVA",
    "MavenRegistry",
    "Request",
    "maven_or_skip",
    "setup_java",
]

LOCAL_REPOSITORY = Path.home() / ".m2" / "repository"
# actions/setup-java v5.7.0, as pinned in components/_core/_catalog.py.
SETUP_JAVA = "b6effb05e454b25005698d916606bdc6ffcbf961"
SETUP_JAVA_INPUTS = {"distribution", "java-version", "server-id", "server-username",
                     "server-password"}  # fmt: skip
# The plugins the workflows run that the tests need from ~/.m2 (scripts/maven-env.sh).
PLUGINS = ("maven-deploy-plugin/3.1.4", "maven-help-plugin/3.5.2", "maven-compiler-plugin/3.13.0")
_OWN_GROUP = "com/acme/"
_SEED: list[Path] = []


def _seed() -> Path:
    """The plugins of ~/.m2/repository without the fixtures' group, copied once a session."""
    if not _SEED:
        seed = Path(tempfile.mkdtemp(prefix="ghpublish-m2-")) / "repository"
        subprocess.run(["cp", "-a", str(LOCAL_REPOSITORY), str(seed)], check=True)
        shutil.rmtree(seed / _OWN_GROUP, ignore_errors=True)
        _SEED.append(seed)
    return _SEED[0]


def maven_or_skip() -> None:
    """Maven and the plugins scripts/maven-env.sh fetches; else skip (fail under CI=true)."""
    if shutil.which("mvn") is None:
        unavailable("real Maven unavailable: no mvn on PATH (scripts/maven-env.sh install)")
    for plugin in PLUGINS:
        if not (LOCAL_REPOSITORY / "org/apache/maven/plugins" / plugin).is_dir():
            unavailable(
                f"real Maven unavailable: no {plugin} in {LOCAL_REPOSITORY}"
                " (scripts/maven-env.sh install)"
            )


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # the Maven path, after /<owner>/<repository>/
    repository: str  # <owner>/<repository> of the URL
    token: str  # write | read | none | unknown | anonymous
    status: int


def _checksums(data: bytes) -> dict[str, bytes]:
    return {
        ext: hashlib.new(name, data).hexdigest().encode()
        for ext, name in (("md5", "md5"), ("sha1", "sha1"))
    }


@dataclass
class MavenRegistry:
    """The loopback registry; start with :meth:`serve` (a context manager)."""

    root: Path
    tokens: dict[str, str] = field(
        default_factory=lambda: {
            level: f"ghs_{level}{secrets.token_hex(12)}" for level in ("write", "read", "none")
        }
    )
    # (owner, Maven path) -> content, and the repository each package was first pushed from.
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    linked: dict[tuple[str, str], str] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    # One-shot failures: a fault answers (method, path, stored) with a status or None.
    faults: list[Callable[[str, str, bool], int | None]] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what the tests read ---------------------------------------------------------------
    def stored(self, owner: str, prefix: str = "") -> dict[str, bytes]:
        return {p: d for (o, p), d in self.files.items() if o == owner and p.startswith(prefix)}

    def puts(self, *, status: int | None = 201) -> list[str]:
        """The paths PUT (with that answer), in order."""
        return [r.path for r in self.log if r.method == "PUT" and status in (None, r.status)]

    def metadata_versions(self, owner: str, package_path: str) -> list[str]:
        import re

        text = self.files.get((owner, f"{package_path}/maven-metadata.xml"), b"").decode()
        return re.findall(r"<version>([^<]+)</version>", text)

    def publish(self, owner: str, repository: str, path: str, data: bytes) -> None:
        """A file as an earlier release (of `repository`) left it, with its checksums."""
        self.files[(owner, path)] = data
        for ext, digest in _checksums(data).items():
            self.files[(owner, f"{path}.{ext}")] = digest
        package = "/".join(path.split("/")[:-2])
        self.linked.setdefault((owner, package), repository)

    def get(self, path: str, token: str | None) -> tuple[int, bytes]:
        """GET a registry URL path (`/<owner>/<repository>/...`) with a token, as a client."""
        request = urllib.request.Request(self.url + path)
        if token is not None:
            basic = base64.b64encode(f"someone:{token}".encode()).decode()
            request.add_header("Authorization", f"Basic {basic}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def put(self, path: str, data: bytes, token: str) -> int:
        request = urllib.request.Request(self.url + path, data=data, method="PUT")
        basic = base64.b64encode(f"someone:{token}".encode()).decode()
        request.add_header("Authorization", f"Basic {basic}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    # -- serving ----------------------------------------------------------------------------
    def serve(self) -> Iterator[MavenRegistry]:
        handler = type("Handler", (_Handler,), {"registry": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def level(self, authorization: str | None) -> str:
        if not authorization or not authorization.startswith("Basic "):
            return "anonymous"
        try:
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
        except ValueError:
            return "unknown"
        levels = {token: level for level, token in self.tokens.items()}
        return levels.get(password, "unknown") if user else "unknown"

    def answer(
        self, method: str, url_path: str, auth: str | None, body: bytes
    ) -> tuple[int, bytes]:
        if url_path.startswith("/central/"):
            return self._central(url_path.removeprefix("/central/"))
        parts = url_path.lstrip("/").split("/", 2)
        if len(parts) < 3:
            return 404, b""
        owner, repository, path = parts[0].lower(), parts[1].lower(), parts[2]
        level = self.level(auth)
        with self.lock:
            status, data = self._registry(method, owner, repository, path, level, body)
            self.log.append(Request(method, path, f"{owner}/{repository}", level, status))
        return status, data

    def _registry(
        self, method: str, owner: str, repository: str, path: str, level: str, body: bytes
    ) -> tuple[int, bytes]:
        if level in ("anonymous", "unknown"):
            return 401, b"Unauthorized"
        if level == "none" or (method == "PUT" and level != "write"):
            return 403, b"permission_denied: The token is not allowed to do this"
        stored = (owner, path) in self.files
        for fault in list(self.faults):
            status = fault(method, path, stored)
            if status is not None:
                self.faults.remove(fault)
                return status, b"injected failure"
        if method in ("GET", "HEAD"):
            return (200, self.files[(owner, path)]) if stored else (404, b"Not Found")
        if method != "PUT":
            return 405, b""
        if stored and not path.rsplit("/", 1)[-1].startswith("maven-metadata.xml"):
            return 409, b"Conflict: the version's file already exists"
        self.files[(owner, path)] = body
        package = "/".join(path.split("/")[:-2])
        self.linked.setdefault((owner, package), f"{owner}/{repository}")
        return 201, b""

    def _central(self, path: str) -> tuple[int, bytes]:
        if path.startswith(_OWN_GROUP) or ".." in path.split("/"):
            return 404, b""
        name = path.rsplit("/", 1)[-1]
        if name.startswith("maven-metadata.xml"):
            path = path[: -len(name)] + name.replace("maven-metadata", "maven-metadata-central")
        file = LOCAL_REPOSITORY / path
        return (200, file.read_bytes()) if file.is_file() else (404, b"")

    def maven_conf(self, directory: Path) -> Path:
        """The runner's Maven configuration directory: Debian's logging set-up and global
        settings mirroring every remote repository outside loopback to `/central`."""
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copytree("/usr/share/maven/conf/logging", directory / "logging", dirs_exist_ok=True)
        (directory / "settings.xml").write_text(
            f"""<settings>
  <mirrors>
    <mirror><id>central-loopback</id><mirrorOf>external:*</mirrorOf>
      <url>{self.url}/central</url></mirror>
  </mirrors>
</settings>
""",
            encoding="utf-8",
        )
        return directory


class _Handler(BaseHTTPRequestHandler):
    registry: MavenRegistry
    protocol_version = "HTTP/1.1"

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        body = self._body() if self.command == "PUT" else b""
        status, data = self.registry.answer(
            self.command, self.path, self.headers.get("Authorization"), body
        )
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="GitHub Package Registry"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = _handle  # noqa: N815 (the handler's method names)

    def log_message(self, *args: object) -> None:
        pass


def _settings(server: str, username: str, password: str) -> str:
    """src/auth.ts `generate()` without a GPG passphrase (xmlbuilder2, pretty-printed)."""
    return (
        '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://maven.apache.org/SETTINGS/1.0.0'
        ' https://maven.apache.org/xsd/settings-1.0.0.xsd">\n'
        "  <interactiveMode>false</interactiveMode>\n"
        "  <servers>\n"
        "    <server>\n"
        f"      <id>{server}</id>\n"
        f"      <username>${{env.{username}}}</username>\n"
        f"      <password>${{env.{password}}}</password>\n"
        "    </server>\n"
        "  </servers>\n"
        "</settings>"
    )


def setup_java(conf: Path) -> Callable[[Mapping[str, str], dict[str, str], JobState], str]:
    """The emulation of actions/setup-java at :data:`SETUP_JAVA` (see the module's doc);
    ``conf`` is the runner's Maven configuration directory (:meth:`MavenRegistry.maven_conf`)."""

    def emulate(inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        if not inputs.get("java-version") or not inputs.get("distribution"):
            raise AssertionError("setup-java: java-version and distribution are required")
        java = subprocess.run(
            ["java", "-version"], capture_output=True, text=True, check=True, env=env
        ).stderr.splitlines()[0]
        home = Path(env["HOME"])
        (home / ".m2").mkdir(parents=True, exist_ok=True)
        settings = home / ".m2" / "settings.xml"
        settings.write_text(
            _settings(
                inputs.get("server-id") or "github",
                inputs.get("server-username") or "GITHUB_ACTOR",
                inputs.get("server-password") or "GITHUB_TOKEN",
            ),
            encoding="utf-8",
        )
        subprocess.run(["cp", "-a", str(_seed()), str(home / ".m2/repository")], check=True)
        state.exported["MAVEN_ARGS"] = "-ntp"
        state.exported["MAVEN_OPTS"] = (
            f"-Duser.home={home} -Dmaven.conf={conf} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
        )
        return (
            f"{inputs['distribution']} {inputs['java-version']} requested; this machine's"
            f" {java} runs\nwrote {settings}"
        )

    return emulate
