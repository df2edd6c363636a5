"""Helpers for tests against a real Docker Engine and a real OCI registry on loopback.

Start the environment with ``scripts/docker-env.sh start STATE_DIR`` and source
``STATE_DIR/env``; it exports:

- ``DOCKER_HOST``: ``unix://STATE_DIR/docker.sock``
- ``GHPUBLISH_TEST_REGISTRY``: ``127.0.0.1:PORT`` (plain http, basic auth)
- ``GHPUBLISH_TEST_REGISTRY_USER`` / ``GHPUBLISH_TEST_REGISTRY_PASSWORD``

Optional: ``GHPUBLISH_TEST_DOCKER_CLI`` (path of the docker CLI; default ``docker`` on PATH).

``engine_or_skip()`` skips the calling test when the environment is absent, or fails it when
``CI=true``. Only the standard library is used. Every docker command runs with a private
``DOCKER_CONFIG`` so credentials never reach ``~/.docker``; http requests bypass proxies and are
refused for any host other than 127.0.0.1.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from requirement import unavailable

ENV_DOCKER_HOST = "DOCKER_HOST"
ENV_REGISTRY = "GHPUBLISH_TEST_REGISTRY"
ENV_USER = "GHPUBLISH_TEST_REGISTRY_USER"
ENV_PASSWORD = "GHPUBLISH_TEST_REGISTRY_PASSWORD"
ENV_DOCKER_CLI = "GHPUBLISH_TEST_DOCKER_CLI"

MANIFEST_MEDIA_TYPES: tuple[str, ...] = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
INDEX_MEDIA_TYPES = frozenset(MANIFEST_MEDIA_TYPES[2:])

_COMMAND_TIMEOUT = 300.0
_HTTP_TIMEOUT = 30.0

# Messages of the docker CLI / daemon that mean "the registry refused the credentials".
_AUTH_MARKERS = (
    "unauthorized",
    "authentication required",
    "no basic auth credentials",
    "401",
    "requested access to the resource is denied",
    "incorrect username or password",
)


class DockerCommandError(RuntimeError):
    """A docker CLI command failed; ``stderr`` holds what it printed."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        detail = _clean_stderr(stderr) or stdout.strip()[-2000:]
        super().__init__(f"`{' '.join(self.argv)}` exited {returncode}: {detail}")


class RegistryAuthError(DockerCommandError):
    """The registry refused the credentials (docker login/push, or the http API answered 401)."""


class RegistryHTTPError(RuntimeError):
    """The registry's http API answered an unexpected status."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        super().__init__(f"{method} {url} -> HTTP {status}: {body.strip()[:500]}")


def _clean_stderr(stderr: str) -> str:
    """stderr without the CLI's legacy-builder deprecation notice (a paragraph of its own)."""
    paragraphs = stderr.strip().split("\n\n")
    kept = [p for p in paragraphs if not p.lstrip().startswith("DEPRECATED: The legacy builder")]
    return "\n\n".join(kept).strip()


def _is_auth_failure(text: str) -> bool:
    low = text.lower()
    return any(marker in low for marker in _AUTH_MARKERS)


@dataclass
class Engine:
    """A docker CLI bound to one engine (``docker_host``) and a private ``DOCKER_CONFIG``."""

    docker_host: str
    registry: str
    username: str
    password: str
    config_dir: Path
    docker_cli: str = "docker"
    extra_env: dict[str, str] = field(default_factory=dict)

    # -- plumbing -------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"}
            and k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
        }
        env.update(
            DOCKER_HOST=self.docker_host,
            DOCKER_CONFIG=str(self.config_dir),
            DOCKER_BUILDKIT="0",  # no buildx plugin on Debian 12: the classic builder
            DOCKER_CLI_HINTS="false",
        )
        env.update(self.extra_env)
        return env

    def run(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        timeout: float = _COMMAND_TIMEOUT,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``docker ARGS``; on failure raise DockerCommandError (``check=True``)."""
        argv = [self.docker_cli, *args]
        proc = subprocess.run(
            argv,
            check=False,
            input=input,
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and proc.returncode != 0:
            raise DockerCommandError(argv, proc.returncode, proc.stdout, proc.stderr)
        return proc

    # -- images ---------------------------------------------------------------------------
    def build(
        self,
        context_dir: str | os.PathLike[str],
        dockerfile: str | os.PathLike[str] | None = None,
        tags: Iterable[str] = (),
        labels: Mapping[str, str] | None = None,
        build_args: Mapping[str, str] | None = None,
        target: str | None = None,
    ) -> str:
        """``docker build --network host`` (classic builder); returns the image id (sha256:...).

        ``dockerfile`` defaults to ``context_dir/Dockerfile``; a relative path is taken
        relative to ``context_dir``.
        """
        context = Path(context_dir).resolve()
        with tempfile.TemporaryDirectory(prefix="ghp-iid-") as tmp:
            iidfile = Path(tmp) / "iid"
            argv = [
                "build",
                "--network",
                "host",
                "--pull=false",
                "--force-rm",
                "--iidfile",
                str(iidfile),
            ]
            if dockerfile is not None:
                df = Path(dockerfile)
                argv += ["--file", str(df if df.is_absolute() else context / df)]
            for tag in tags:
                argv += ["--tag", tag]
            for key, value in (labels or {}).items():
                argv += ["--label", f"{key}={value}"]
            for key, value in (build_args or {}).items():
                argv += ["--build-arg", f"{key}={value}"]
            if target is not None:
                argv += ["--target", target]
            argv.append(str(context))
            self.run(*argv)
            image_id = iidfile.read_text().strip()
        if not image_id.startswith("sha256:"):
            raise DockerCommandError([self.docker_cli, *argv], 0, image_id, "no image id written")
        return image_id

    def tag(self, source: str, target: str) -> None:
        self.run("tag", source, target)

    def inspect(self, ref: str) -> dict[str, Any]:
        """``docker image inspect`` of one image."""
        data: list[dict[str, Any]] = json.loads(self.run("image", "inspect", ref).stdout)
        return data[0]

    def image_labels(self, ref: str) -> dict[str, str]:
        return dict(self.inspect(ref).get("Config", {}).get("Labels") or {})

    def remove_image(self, *refs: str) -> None:
        if refs:
            self.run("image", "rm", "--force", *refs, check=False)

    # -- registry -------------------------------------------------------------------------
    def login(
        self,
        registry: str | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        """``docker login`` (password on stdin). Defaults: the test registry and its account.

        Raises RegistryAuthError when the registry refuses the credentials.
        """
        registry = registry or self.registry
        argv = ["login", "--username", username or self.username, "--password-stdin", registry]
        secret = self.password if password is None else password
        proc = self.run(*argv, input=secret + "\n", check=False)
        if proc.returncode != 0:
            err_cls = RegistryAuthError if _is_auth_failure(proc.stderr) else DockerCommandError
            raise err_cls([self.docker_cli, *argv], proc.returncode, proc.stdout, proc.stderr)

    def logout(self, registry: str | None = None) -> None:
        self.run("logout", registry or self.registry, check=False)

    def set_credentials(self, registry: str, username: str, password: str) -> None:
        """Write credentials into the private DOCKER_CONFIG without asking the registry
        (to test what a push does with stale or wrong credentials)."""
        cfg_file = self.config_dir / "config.json"
        cfg: dict[str, Any] = json.loads(cfg_file.read_text()) if cfg_file.exists() else {}
        auth = base64.b64encode(f"{username}:{password}".encode()).decode()
        cfg.setdefault("auths", {})[registry] = {"auth": auth}
        cfg_file.write_text(json.dumps(cfg, indent=2))
        cfg_file.chmod(0o600)

    def push(self, tag: str) -> str:
        """``docker push TAG``; returns the pushed manifest digest when the CLI printed it.

        Raises RegistryAuthError when the registry refuses (missing/wrong credentials),
        DockerCommandError on any other failure.
        """
        argv = ["push", tag]
        proc = self.run(*argv, check=False)
        if proc.returncode != 0:
            text = proc.stderr + proc.stdout
            err_cls = RegistryAuthError if _is_auth_failure(text) else DockerCommandError
            raise err_cls([self.docker_cli, *argv], proc.returncode, proc.stdout, proc.stderr)
        for line in proc.stdout.splitlines():
            if "digest: sha256:" in line:
                return line.split("digest: ", 1)[1].split()[0]
        return ""

    def registry_client(self) -> Registry:
        return Registry(self.registry, self.username, self.password)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect could leave loopback: refuse it


@dataclass
class Registry:
    """Minimal client for the OCI distribution API at ``http://127.0.0.1:PORT``."""

    address: str  # "127.0.0.1:PORT"
    username: str | None = None
    password: str | None = None
    timeout: float = _HTTP_TIMEOUT
    _opener: urllib.request.OpenerDirector = field(init=False, repr=False)

    def __post_init__(self) -> None:
        host = self.address.rsplit(":", 1)[0]
        if host != "127.0.0.1":
            raise ValueError(f"refusing a registry that is not on 127.0.0.1: {self.address}")
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    @property
    def base_url(self) -> str:
        return f"http://{self.address}"

    def request(
        self,
        method: str,
        path: str,
        accept: Sequence[str] = (),
        ok: Iterable[int] = (200,),
    ) -> tuple[int, dict[str, str], bytes]:
        """One http request; returns (status, headers, body). Raises RegistryAuthError on 401,
        RegistryHTTPError on any status not in ``ok``."""
        url = self.base_url + path
        req = urllib.request.Request(url, method=method)
        if accept:
            req.add_header("Accept", ", ".join(accept))
        if self.username is not None:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                status, headers, body = resp.status, dict(resp.headers.items()), resp.read()
        except urllib.error.HTTPError as exc:
            status, headers, body = exc.code, dict(exc.headers.items()), exc.read()
        if status == 401 and 401 not in set(ok):
            raise RegistryAuthError(
                [method, url],
                401,
                "",
                f"registry refused the credentials: {body.decode(errors='replace')}",
            )
        if status not in set(ok):
            raise RegistryHTTPError(method, url, status, body.decode(errors="replace"))
        return status, headers, body

    def ping(self) -> int:
        """Status of ``GET /v2/`` (200 with valid credentials, 401 without)."""
        return self.request("GET", "/v2/", ok=(200, 401))[0]

    def catalog(self) -> list[str]:
        _, _, body = self.request("GET", "/v2/_catalog")
        return sorted(json.loads(body).get("repositories") or [])

    def tags(self, repo: str) -> list[str]:
        """Sorted tags of ``repo``; ``[]`` when the repository does not exist."""
        status, _, body = self.request("GET", f"/v2/{repo}/tags/list", ok=(200, 404))
        if status == 404:
            return []
        return sorted(json.loads(body).get("tags") or [])

    def manifest(self, repo: str, ref: str) -> dict[str, Any]:
        """The manifest (or index) for a tag or digest, accepting Docker v2 and OCI types."""
        _, headers, body = self.request(
            "GET", f"/v2/{repo}/manifests/{ref}", accept=MANIFEST_MEDIA_TYPES
        )
        doc: dict[str, Any] = json.loads(body)
        doc.setdefault("mediaType", _header(headers, "Content-Type"))
        return doc

    def digest(self, repo: str, ref: str) -> str:
        """The manifest digest of a tag (``Docker-Content-Digest`` header of a HEAD request)."""
        _, headers, _ = self.request(
            "HEAD", f"/v2/{repo}/manifests/{ref}", accept=MANIFEST_MEDIA_TYPES
        )
        digest = _header(headers, "Docker-Content-Digest")
        if not digest:
            raise RegistryHTTPError(
                "HEAD",
                f"{self.base_url}/v2/{repo}/manifests/{ref}",
                200,
                "no Docker-Content-Digest",
            )
        return digest

    def blob(self, repo: str, digest: str) -> bytes:
        return self.request("GET", f"/v2/{repo}/blobs/{digest}")[2]

    def blob_json(self, repo: str, digest: str) -> dict[str, Any]:
        """A JSON blob, e.g. the image config (``["config"]["Labels"]``)."""
        doc: dict[str, Any] = json.loads(self.blob(repo, digest))
        return doc

    def image_config(self, repo: str, ref: str, platform: str = "linux/amd64") -> dict[str, Any]:
        """A tag's image config; for an index, that of ``platform`` (else the first)."""
        doc = self.manifest(repo, ref)
        if doc.get("mediaType") in INDEX_MEDIA_TYPES or "manifests" in doc:
            entries = doc.get("manifests") or []
            if not entries:
                raise RegistryHTTPError("GET", f"{repo}:{ref}", 200, "empty image index")
            os_name, _, arch = platform.partition("/")
            chosen = next(
                (
                    m
                    for m in entries
                    if m.get("platform", {}).get("os") == os_name
                    and m.get("platform", {}).get("architecture") == arch
                ),
                entries[0],
            )
            doc = self.manifest(repo, chosen["digest"])
        return self.blob_json(repo, doc["config"]["digest"])

    def labels(self, repo: str, ref: str) -> dict[str, str]:
        """``config.Labels`` of the image behind a tag or digest."""
        return dict(self.image_config(repo, ref).get("config", {}).get("Labels") or {})


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def _unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it under CI=true where the engine is required."""
    reason = (
        f"real Docker test environment unavailable: {reason} (start it with scripts/docker-env.sh)"
    )
    unavailable(reason)


def engine_or_skip(config_dir: str | os.PathLike[str] | None = None) -> Engine:
    """An Engine for the environment in the variables above, or skip (fail under CI=true).

    ``config_dir`` is the private DOCKER_CONFIG (pass pytest's ``tmp_path / "docker-config"``);
    without it a temporary directory is made and removed at interpreter exit.
    """
    missing = [
        n for n in (ENV_DOCKER_HOST, ENV_REGISTRY, ENV_USER, ENV_PASSWORD) if not os.environ.get(n)
    ]
    if missing:
        _unavailable(f"{', '.join(missing)} not set")
    docker_cli = os.environ.get(ENV_DOCKER_CLI) or shutil.which("docker")
    if not docker_cli:
        _unavailable("no docker CLI on PATH")

    if config_dir is None:
        cfg = Path(tempfile.mkdtemp(prefix="ghp-docker-config-"))
        atexit.register(shutil.rmtree, cfg, True)
    else:
        cfg = Path(config_dir)
        cfg.mkdir(parents=True, exist_ok=True)

    engine = Engine(
        docker_host=os.environ[ENV_DOCKER_HOST],
        registry=os.environ[ENV_REGISTRY],
        username=os.environ[ENV_USER],
        password=os.environ[ENV_PASSWORD],
        config_dir=cfg,
        docker_cli=docker_cli,
    )
    try:
        proc = engine.run("info", "--format", "{{.ServerVersion}}", check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"`docker info` failed: {exc}")
    if proc.returncode != 0:
        _unavailable(f"`docker info` failed: {proc.stderr.strip()}")
    try:
        status = engine.registry_client().ping()
    except (OSError, ValueError) as exc:
        _unavailable(f"registry {engine.registry} not reachable: {exc}")
    if status != 200:
        _unavailable(f"registry {engine.registry} answered HTTP {status} to valid credentials")
    return engine
