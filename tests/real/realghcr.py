"""ghcr.io on loopback, and the docker actions of the container workflow, for
tests/workflow_runner.py.

:class:`GhcrStandIn` stands for ghcr.io: an https reverse proxy on 127.0.0.1 in front of the
real OCI registry of ``scripts/docker-env.sh`` (tests/real/realdocker.py). It checks the
token as GitHub does for a job's ``GITHUB_TOKEN``: the `write` token may push, the `read`
token may pull, the `none` token (or none at all) gets 401. Its certificate is made here;
the runner's tools trust it through ``SSL_CERT_FILE`` (Go's and so skopeo's system roots).

The action emulations follow the source of the commit each is pinned at (the catalog's pins,
components/_core/_catalog.py):

- docker/metadata-action dc80280 (v6.2.0), src/meta.ts and src/tag.ts: the tag rules
  `type=semver` (`pattern`, `value`, `enable`; a prerelease version gives `{{version}}`
  whatever the pattern), `type=sha` (`sha-` and 7 characters), `type=ref,event=pr` (`pr-`),
  `type=raw` (`value`, `enable`), sorted by priority (semver 900, ref 600, raw 200, sha 100),
  the first tag the main one, duplicates dropped, `flavor: latest=false`; the OCI labels of
  getOCIAnnotationsWithCustoms, the repository's from the event (no description or
  license here). Outputs `version`, `tags`, `tag-names`, `labels` (src/main.ts).
- docker/setup-buildx-action 37fe631 (v4.3.0) and docker/setup-qemu-action 96fe6ef (v4.2.0):
  record only. This machine has no buildx: the real Engine's classic builder builds (below),
  not BuildKit; nothing runs under QEMU.
- docker/build-push-action 53b7df9 (v7.3.0), src/context.ts getArgs: `docker buildx build`
  with `--build-arg`, `--file`, `--label`, `--output`, `--platform`, `--tag`, `--target`.
  Here the real Engine builds the same inputs with `docker build` (classic builder), and for
  `outputs: type=oci,dest=FILE` skopeo writes that image as an OCI archive, which the
  BuildKit oci exporter would have written (no attestation manifests in it). Its parent
  directory must exist (os.Create). For several platforms the archive becomes an OCI image
  index of one image per platform, the same layers and a config naming the platform
  (a stand-in for BuildKit's multi-platform output: nothing is built for the others).
  Pushing from the build is not emulated: the workflow never does it.
- docker/login-action 4907a6d (v4.1.0), src/docker.ts loginStandard and loginExec: a user
  name and a password required, then `docker login --password-stdin --username USER
  REGISTRY` (no scope: the default config directory), which checks the credentials against
  the registry's `/v2/` and writes `auths.<registry>.auth` into ``$HOME/.docker/config.json``.
- actions/attest 1e69f48 (v4.2.2), src/attest.ts: a recording stand-in (no Sigstore nor
  GitHub attestation API here). It reads the registry credentials where @sigstore/oci's
  getRegistryCredentials does (``os.homedir()/.docker/config.json``, the `auths` key naming
  the registry) and checks that the registry serves the subject digest with them, then
  records what it was asked to attest.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import secrets
import shutil
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from realdocker import Engine
from workflow_runner import ActionFailedError, HarnessError, JobState, WorkflowRunner

METADATA_ACTION = "dc802804100637a589fabce1cb79ff13a1411302"
SETUP_BUILDX = "37fe631027851001ddb9b187196cc803df7f5f0e"
SETUP_QEMU = "96fe6ef7f33517b61c61be40b68a1882f3264fb8"
BUILD_PUSH_ACTION = "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a"
LOGIN_ACTION = "4907a6ddec9925e35a0a9e82d7399ccc52663121"
ATTEST = "1e69f48acb82d1966a394da916b4c1698aa569d6"
CHECKOUT = "3d3c42e5aac5ba805825da76410c181273ba90b1"
_HOP = {"host", "authorization", "connection", "transfer-encoding", "content-length"}
_READ = {"GET", "HEAD"}


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA)."""
    cert, key = directory / "ghcr.crt", directory / "ghcr.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class GhcrStandIn:
    """ghcr.io on https://127.0.0.1:PORT, checking GITHUB_TOKEN levels, in front of the real
    registry (``upstream``: `127.0.0.1:PORT` with its own basic credentials)."""

    def __init__(self, upstream: str, user: str, password: str, directory: Path) -> None:
        self.upstream = upstream
        self._upstream_auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.tokens = {level: f"ghs_{level}_{secrets.token_hex(8)}" for level in ("write", "read")}
        self.tokens["none"] = f"ghs_none_{secrets.token_hex(8)}"
        self.levels = {token: level for level, token in self.tokens.items()}
        directory.mkdir(parents=True, exist_ok=True)
        self.ca_file, key = _certificate(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        # (method, path, the token's level, the status answered)
        self.requests: list[tuple[str, str, str, int]] = []
        # Manifest PUTs of these tags answer 503 once (the registry failing mid-publish).
        self.failing_tags: set[str] = set()
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def manifest_puts(self, repository: str) -> list[str]:
        """The tags (or digests) of every manifest PUT to ``repository`` that got through."""
        prefix = f"/v2/{repository}/manifests/"
        return [
            path.removeprefix(prefix)
            for method, path, _, status in self.requests
            if method == "PUT" and path.startswith(prefix) and status == 201
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def level(self, authorization: str | None) -> str:
        if not authorization or not authorization.startswith("Basic "):
            return "none"
        try:
            _, _, token = base64.b64decode(authorization[6:]).decode().partition(":")
        except ValueError:
            return "none"
        return self.levels.get(token, "none")

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def get(self, path: str, token: str, method: str = "GET") -> tuple[int, dict[str, str]]:
        """One request to the stand-in as a client with ``token`` (any user name)."""
        request = urllib.request.Request(f"https://{self.address}{path}", method=method)
        auth = base64.b64encode(f"x:{token}".encode()).decode()
        request.add_header("Authorization", f"Basic {auth}")
        request.add_header("Accept", "application/vnd.oci.image.manifest.v1+json")
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=self.client_context()),
        )
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers.items())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def send_response(self, code: int, message: str | None = None) -> None:
                level = stand_in.level(self.headers.get("Authorization"))
                stand_in.requests.append((self.command, self.path, level, code))
                super().send_response(code, message)

            def _reply(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _refuse(self, status: int, code: str, message: str) -> None:
                body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
                headers = {"Content-Type": "application/json"}
                if status == 401:
                    headers["WWW-Authenticate"] = 'Basic realm="ghcr.io stand-in"'
                self._reply(status, body, headers)

            def _forward(self) -> None:
                body = self._body()
                level = stand_in.level(self.headers.get("Authorization"))
                if level == "none":
                    self._refuse(401, "UNAUTHORIZED", "authentication required")
                    return
                if level == "read" and self.command not in _READ:
                    self._refuse(403, "DENIED", "permission_denied: write_package")
                    return
                tag = self.path.rpartition("/manifests/")[2]
                if (
                    self.command == "PUT"
                    and "/manifests/" in self.path
                    and tag in stand_in.failing_tags
                ):
                    stand_in.failing_tags.discard(tag)
                    self._refuse(503, "UNAVAILABLE", "service unavailable (stand-in)")
                    return
                connection = http.client.HTTPConnection(stand_in.upstream, timeout=60)
                # Repeated headers (skopeo sends one Accept per media type) as one list.
                headers = {
                    k: ", ".join(self.headers.get_all(k) or [])
                    for k in dict.fromkeys(self.headers.keys())
                    if k.lower() not in _HOP
                }
                headers["Authorization"] = stand_in._upstream_auth
                if body or self.command in ("PUT", "PATCH", "POST"):
                    headers["Content-Length"] = str(len(body))
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                data = response.read()
                connection.close()
                out: dict[str, str] = {}
                for name, value in response.getheaders():
                    if name.lower() in _HOP:
                        continue
                    if name.lower() == "location":
                        value = value.replace(
                            f"http://{stand_in.upstream}", f"https://{stand_in.address}"
                        )
                    out[name] = value
                if self.command == "HEAD":
                    self.send_response(response.status)
                    for name, value in out.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", response.getheader("Content-Length", "0"))
                    self.end_headers()
                    return
                self._reply(response.status, data, out)

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _forward  # noqa: N815

        return Handler


@dataclass
class DockerActions:
    """The docker actions of the container workflow, emulated for one WorkflowRunner."""

    engine: Engine
    ghcr: GhcrStandIn
    fixture: Path
    # Each attestation asked for: the inputs, the registry user and the token's level.
    attestations: list[dict[str, str]] = field(default_factory=list)
    # Attestations to refuse before one succeeds (GitHub's attestation API failing).
    failing_attestations: int = 0
    images: list[str] = field(default_factory=list)

    def install(self, runner: WorkflowRunner) -> None:
        runner.emulate(
            "actions/checkout", CHECKOUT, {"persist-credentials", "fetch-depth"}, self.checkout
        )
        runner.emulate(
            "docker/setup-qemu-action", SETUP_QEMU, {"platforms", "cache-image"}, self.setup_qemu
        )
        runner.emulate(
            "docker/setup-buildx-action",
            SETUP_BUILDX,
            {"platforms", "cache-binary"},
            self.setup_buildx,
        )
        runner.emulate(
            "docker/metadata-action",
            METADATA_ACTION,
            {"images", "tags", "flavor", "labels"},
            self.metadata,
        )
        runner.emulate(
            "docker/build-push-action",
            BUILD_PUSH_ACTION,
            {
                "context",
                "file",
                "platforms",
                "push",
                "labels",
                "tags",
                "outputs",
                "build-args",
                "target",
            },
            self.build_push,
        )
        runner.emulate(
            "docker/login-action", LOGIN_ACTION, {"registry", "username", "password"}, self.login
        )
        runner.emulate(
            "actions/attest",
            ATTEST,
            {
                "subject-name",
                "subject-digest",
                "push-to-registry",
                "subject-version",
                "create-storage-record",
            },
            self.attest,
        )

    # -- actions/checkout: src/git-source-provider.ts ----------------------------------------
    def checkout(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        if inputs.get("persist-credentials", "true") != "false":
            raise HarnessError("checkout without persist-credentials: false is not emulated")
        shutil.copytree(self.fixture, state.workspace, dirs_exist_ok=True)
        depth = inputs.get("fetch-depth", "1")
        if depth != "0":
            # A fetch of the one commit (depth 1) brings no tags.
            tags = _git(state.workspace, "tag", "--list").split()
            if tags:
                _git(state.workspace, "tag", "--delete", *tags)
        return f"checked out {self.fixture.name} (fetch-depth {depth})"

    def setup_qemu(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        return "no QEMU here: nothing runs for the other platforms (see build-push-action)"

    def setup_buildx(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        return "no buildx on this machine: the Engine's classic builder builds"

    # -- docker/metadata-action: src/meta.ts, src/tag.ts ------------------------------------
    def metadata(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        if _lines(inputs.get("flavor", "")) != ["latest=false"]:
            raise HarnessError(f"flavor {inputs.get('flavor')!r} not emulated")
        rules = sorted((_rule(line) for line in _lines(inputs["tags"])), key=lambda r: -r[0])
        main, partial = "", []
        for _, kind, attrs in rules:
            if attrs.get("enable", "true") not in ("true", "false"):
                raise ActionFailedError(f"Invalid value for enable attribute: {attrs['enable']}")
            if attrs.get("enable", "true") != "true":
                continue
            value = _tag_value(kind, attrs, env)
            if not value:
                continue
            value = _sanitize(value)
            if not main:
                main = value
            elif value != main and value not in partial:
                partial.append(value)
        names = [main, *partial] if main else []
        images = [i.lower() for i in _lines(inputs["images"])]
        tags = [f"{image}:{name}" for image in images for name in names]
        repository = env["GITHUB_REPOSITORY"]
        url = f"https://github.com/{repository}"
        labels = {
            "org.opencontainers.image.title": repository.split("/")[1],
            "org.opencontainers.image.description": "",
            "org.opencontainers.image.url": url,
            "org.opencontainers.image.source": url,
            "org.opencontainers.image.version": main,
            "org.opencontainers.image.created": "2026-01-01T00:00:00.000Z",
            "org.opencontainers.image.revision": env["GITHUB_SHA"],
            "org.opencontainers.image.licenses": "",
        }
        for label in _lines(inputs.get("labels", "")):
            key, _, value = label.partition("=")
            labels[key] = value
        outputs = {
            "version": main,
            "tags": "\n".join(tags),
            "tag-names": "\n".join(names),
            "labels": "\n".join(f"{k}={v}" for k, v in labels.items() if v),
        }
        _write_outputs(state, outputs)
        return "\n".join(tags)

    # -- docker/build-push-action: src/context.ts getArgs ------------------------------------
    def build_push(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        if inputs.get("push", "false") != "false":
            raise HarnessError("build-push-action with push: true is not emulated")
        platforms = inputs.get("platforms", "linux/amd64").split(",")
        if platforms[0] != "linux/amd64" or (len(platforms) > 1 and "outputs" not in inputs):
            raise HarnessError(f"platforms {platforms} not emulated")
        context = state.workspace / inputs.get("context", ".")
        labels = dict(label.partition("=")[::2] for label in _lines(inputs.get("labels", "")))
        args = dict(a.partition("=")[::2] for a in _lines(inputs.get("build-args", "")))
        try:
            image_id = self.engine.build(
                context,
                state.workspace / inputs["file"] if "file" in inputs else None,
                tags=_lines(inputs.get("tags", "").replace(",", "\n")),
                labels=labels,
                build_args=args,
                target=inputs.get("target") or None,
            )
        except RuntimeError as error:
            raise ActionFailedError(f"buildx failed with: {error}") from error
        self.images.append(image_id)
        outputs = {"imageid": image_id}
        log = [f"built {image_id}"]
        for output in _lines(inputs.get("outputs", "")):
            attrs = dict(part.partition("=")[::2] for part in output.split(","))
            if attrs.get("type") != "oci" or set(attrs) != {"type", "dest"}:
                raise HarnessError(f"output {output!r} not emulated")
            dest = Path(attrs["dest"])
            if not dest.parent.is_dir():
                raise ActionFailedError(f"open {dest}: no such file or directory")
            self.skopeo(
                "copy", "--src-daemon-host", self.engine.docker_host,
                f"docker-daemon:{image_id}", f"oci-archive:{dest}",
            )  # fmt: skip
            if len(platforms) > 1:
                _index_of_platforms(dest, platforms)
            raw = self.skopeo("inspect", "--raw", f"oci-archive:{dest}", text=False)
            outputs["digest"] = "sha256:" + _sha256(raw)
            log.append(f"wrote {dest} ({outputs['digest']})")
        _write_outputs(state, outputs)
        return "\n".join(log)

    def skopeo(self, *args: str, text: bool = True) -> Any:
        proc = subprocess.run(["skopeo", *args], capture_output=True, check=False, timeout=120)
        if proc.returncode != 0:
            raise ActionFailedError(f"skopeo {args[0]}: {proc.stderr.decode(errors='replace')}")
        return proc.stdout.decode() if text else proc.stdout

    # -- docker/login-action: src/docker.ts loginStandard -------------------------------------
    def login(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        registry, username, password = inputs["registry"], inputs["username"], inputs["password"]
        if registry != self.ghcr.address:
            raise HarnessError(f"login to {registry} not emulated")
        if not username or not password:
            raise ActionFailedError("Username required" if password else "Password required")
        status, _ = self.ghcr.get("/v2/", password)
        if status != 200:
            raise ActionFailedError(
                f'Error response from daemon: Get "https://{registry}/v2/": unauthorized'
            )
        config = Path(env["HOME"]) / ".docker" / "config.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        auth = base64.b64encode(f"{username}:{password}".encode()).decode()
        config.write_text(json.dumps({"auths": {registry: {"auth": auth}}}))
        return "Login Succeeded!"

    # -- actions/attest: src/attest.ts (a recording stand-in) ---------------------------------
    def attest(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        name, digest = inputs["subject-name"], inputs["subject-digest"]
        registry, _, repository = name.partition("/")
        config = Path(env["HOME"]) / ".docker" / "config.json"
        if not config.exists():
            raise ActionFailedError(f"No credential file found at {config}")
        auths = json.loads(config.read_text()).get("auths", {})
        key = next((k for k in auths if registry in k), None)
        if key is None:
            raise ActionFailedError(f"No credentials found for registry {registry}")
        user, _, token = base64.b64decode(auths[key]["auth"]).decode().partition(":")
        status, _ = self.ghcr.get(f"/v2/{repository}/manifests/{digest}", token, method="HEAD")
        if status != 200:
            raise ActionFailedError(f"{name}@{digest}: the registry answered HTTP {status}")
        if self.failing_attestations > 0:
            self.failing_attestations -= 1
            raise ActionFailedError("Failed to persist attestation: HTTP 503 (stand-in)")
        self.attestations.append(
            {**inputs, "user": user, "token": self.ghcr.level(f"Basic {auths[key]['auth']}")}
        )
        return f"attested {name}@{digest} (recorded: no attestation API here)"


def _index_of_platforms(archive: Path, platforms: list[str]) -> None:
    """Turn the single image of an OCI archive into an image index of ``platforms``, as
    BuildKit's multi-platform build writes it: here each platform's image has the same
    layers and a config naming its platform (nothing ran for the others)."""
    layout = archive.with_suffix(".layout")
    layout.mkdir()
    subprocess.run(["tar", "-xf", str(archive), "-C", str(layout)], check=True)
    blobs = layout / "blobs" / "sha256"

    def put(data: bytes) -> str:
        digest = _sha256(data)
        (blobs / digest).write_bytes(data)
        return f"sha256:{digest}"

    (entry,) = json.loads((layout / "index.json").read_text())["manifests"]
    manifest = json.loads((blobs / entry["digest"].split(":")[1]).read_bytes())
    config = json.loads((blobs / manifest["config"]["digest"].split(":")[1]).read_bytes())
    descriptors = []
    for platform in platforms:
        os_name, architecture = platform.split("/")[:2]
        config = {**config, "os": os_name, "architecture": architecture}
        data = json.dumps(config).encode()
        manifest["config"] = {**manifest["config"], "digest": put(data), "size": len(data)}
        body = json.dumps(manifest).encode()
        descriptors.append(
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": put(body),
                "size": len(body),
                "platform": {"os": os_name, "architecture": architecture},
            }
        )
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": descriptors,
        }
    ).encode()
    top = {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": put(index)}
    top["size"] = len(index)
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [top]}))
    archive.unlink()
    subprocess.run(["tar", "-cf", str(archive), "-C", str(layout), "."], check=True)
    shutil.rmtree(layout)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


_PRIORITY = {"semver": 900, "ref": 600, "raw": 200, "sha": 100}
_SEMVER_RE = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


def _rule(line: str) -> tuple[int, str, dict[str, str]]:
    attrs = dict(field.strip().split("=", 1) for field in line.split(","))
    kind = attrs.pop("type", "raw")
    if kind not in _PRIORITY:
        raise HarnessError(f"tag type {kind} not emulated")
    return int(attrs.get("priority", _PRIORITY[kind])), kind, attrs


def _tag_value(kind: str, attrs: dict[str, str], env: Mapping[str, str]) -> str:
    if kind == "semver":
        value = attrs.get("value", "")
        if not value:
            raise HarnessError("type=semver without value= not emulated")
        match = re.match(_SEMVER_RE, value)
        if not match:
            return ""  # core.warning: not a valid semver
        major, minor, patch, pre = match.groups()
        version = f"{major}.{minor}.{patch}" + (f"-{pre}" if pre else "")
        pattern = "{{version}}" if pre else attrs["pattern"]
        return (
            pattern.replace("{{version}}", version)
            .replace("{{major}}", major)
            .replace("{{minor}}", minor)
            .replace("{{patch}}", patch)
        )
    if kind == "sha":
        return "sha-" + env["GITHUB_SHA"][:7]
    if kind == "ref":
        if attrs.get("event") != "pr":
            raise HarnessError(f"type=ref,event={attrs.get('event')} not emulated")
        ref = env["GITHUB_REF"]
        if not ref.startswith("refs/pull/"):
            return ""
        return "pr-" + ref.removeprefix("refs/pull/").removesuffix("/merge")
    return attrs["value"]


def _sanitize(tag: str) -> str:
    return re.sub(r"[^a-zA-Z0-9._-]+", "-", tag)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_outputs(state: JobState, outputs: Mapping[str, str]) -> None:
    with state.files["OUTPUT"].open("a") as out:
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
