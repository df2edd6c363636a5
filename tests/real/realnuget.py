"""The NuGet release workflow's surroundings for tests/workflow_runner.py, on loopback.

- :class:`NuGetRegistry`: a loopback "GitHub NuGet registry" (http.server on 127.0.0.1),
  laid out as nuget.pkg.github.com is (`/<owner>/index.json`, the flat container under
  `/<owner>/download/`, pushes to `/<owner>/`) and checking each request's token as GitHub
  checks `GITHUB_TOKEN`: every request needs one (Basic, the token as the password, or the
  push's `X-NuGet-ApiKey`), unknown → 401, without `packages` → 403; the `write` token may
  push, the `read` token may read. A push is refused with 403 when its nuspec links the
  package to a repository other than the one whose workflow runs (GITHUB_TOKEN publishes
  that repository's packages only), or the ID is another repository's package; a version
  the registry has → 409 (NuGet's docs, "Push and Delete").
- :func:`setup_dotnet`: actions/setup-dotnet at its pin, for the inputs the workflow uses.
- :func:`install_standin`: the STAND-IN `dotnet` (tests/real/dotnet_standin.py) behind a
  wrapper in a directory of its own, recording every call into a log.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shlex
import shutil
import stat
import sys
import threading
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from workflow_runner import ActionFailedError, Emulation, JobState

__all__ = [
    "GITHUB_NUGET",
    "SETUP_DOTNET",
    "NuGetRegistry",
    "Published",
    "StandIn",
    "environ_path",
    "install_standin",
    "nuspec_of",
    "setup_dotnet",
    "setup_dotnet_config",
    "tools_missing",
]

GITHUB_NUGET = "https://nuget.pkg.github.com"
# actions/setup-dotnet v6.0.0, as pinned in components/_core/_catalog.py.
SETUP_DOTNET = "a98b56852c35b8e3190ac28c8c2271da59106c68"
STANDIN = Path(__file__).with_name("dotnet_standin.py")
_UNAUTHENTICATED = (
    "Your request could not be authenticated by the GitHub Packages service. Please ensure"
    " your access token is valid and has the appropriate scopes configured."
)


def nuspec_of(nupkg: bytes) -> dict[str, str]:
    """id, version and repository url of a .nupkg's nuspec."""
    with zipfile.ZipFile(BytesIO(nupkg)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".nuspec") and "/" not in n)
        root = ET.fromstring(archive.read(name))
    found: dict[str, str] = {}
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in {"id", "version"} and tag not in found:
            found[tag] = (element.text or "").strip()
        if tag == "repository":
            found["repository"] = element.get("url", "")
    return found


@dataclass
class Published:
    """One package ID in the registry: the repository it is linked to, its versions."""

    id: str
    repository: str
    versions: dict[str, bytes] = field(default_factory=dict)


class NuGetRegistry:
    """The owner's NuGet registry on 127.0.0.1 for one repository's workflow runs."""

    def __init__(self, owner: str, repository: str) -> None:
        self.owner = owner
        self.repository = repository  # Owner/name: whose GITHUB_TOKEN the tokens are
        self.tokens = {
            level: f"ghs_{level}_{secrets.token_hex(16)}" for level in ("write", "read", "none")
        }
        self.packages: dict[str, Published] = {}
        # Every push request: (package id, version, HTTP status answered).
        self.pushes: list[tuple[str, str, int]] = []
        # While true, the flat container does not list what was pushed (a listing that lags).
        self.hide_after_push = False
        self._pushed: set[tuple[str, str]] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> NuGetRegistry:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def versions(self, package_id: str) -> list[str]:
        published = self.packages.get(package_id.lower())
        return sorted(published.versions) if published else []

    def listed(self, package_id: str) -> list[str]:
        """The versions the flat container lists now."""
        hidden = {v for i, v in self._pushed if i == package_id.lower()}
        return [v for v in self.versions(package_id) if not (self.hide_after_push and v in hidden)]

    def nupkg(self, package_id: str, version: str) -> bytes:
        return self.packages[package_id.lower()].versions[version.lower()]

    def publish(self, nupkg: bytes, repository: str | None = None) -> None:
        """As an earlier release (of this or another repository) would have."""
        spec = nuspec_of(nupkg)
        published = self.packages.setdefault(
            spec["id"].lower(),
            Published(spec["id"], repository or spec.get("repository", "")),
        )
        published.versions[spec["version"].lower()] = nupkg

    # -- what GitHub does with a request --------------------------------------------------
    def permission(self, headers: Any) -> str | None:
        token = headers.get("X-NuGet-ApiKey")
        authorization = headers.get("Authorization") or ""
        if authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode(errors="replace")
            token = decoded.partition(":")[2]
        for level, known in self.tokens.items():
            if token == known:
                return level
        return None

    def service_index(self) -> dict[str, Any]:
        base = f"{self.url}/{self.owner.lower()}"
        return {
            "version": "3.0.0-beta.1",
            "resources": [
                {"@id": f"{base}/download", "@type": "PackageBaseAddress/3.0.0"},
                {"@id": base, "@type": "PackagePublish/2.0.0"},
            ],
        }

    def push(self, nupkg: bytes) -> tuple[int, str]:
        try:
            spec = nuspec_of(nupkg)
        except (zipfile.BadZipFile, StopIteration, ET.ParseError, KeyError):
            return 400, "the package is not a valid .nupkg"
        linked = f"https://github.com/{self.repository}".lower()
        published = self.packages.get(spec["id"].lower())
        if spec.get("repository", "").lower().removesuffix(".git") != linked:
            status, message = (
                403,
                (
                    f"the GITHUB_TOKEN of {self.repository} cannot publish a package linked to"
                    f" '{spec.get('repository', '')}'"
                ),
            )
        elif published is not None and published.repository.lower() != linked:
            status, message = (
                403,
                (
                    f"{spec['id']} is a package of {published.repository}; the GITHUB_TOKEN of"
                    f" {self.repository} cannot write to it"
                ),
            )
        elif published is not None and spec["version"].lower() in published.versions:
            status, message = 409, f"{spec['id']} {spec['version']} already exists"
        else:
            self.publish(nupkg, f"https://github.com/{self.repository}")
            self._pushed.add((spec["id"].lower(), spec["version"].lower()))
            status, message = 201, "created"
        self.pushes.append((spec["id"], spec["version"], status))
        return status, message


def _handler(registry: NuGetRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="GitHub Package Registry"')
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: Any) -> None:
            self._send(status, json.dumps(value).encode())

        def _allowed(self, needed: str) -> bool:
            level = registry.permission(self.headers)
            if level is None:
                self._json(401, {"error": _UNAUTHENTICATED})
                return False
            if level == "none" or (needed == "write" and level != "write"):
                self._json(403, {"error": f"the token has no packages: {needed} permission"})
                return False
            return True

        def _path(self) -> list[str] | None:
            parts = self.path.split("?", 1)[0].strip("/").split("/")
            if not parts or parts[0].lower() != registry.owner.lower():
                self._json(404, {"error": "not found"})
                return None
            return parts[1:]

        def do_GET(self) -> None:
            rest = self._path()
            if rest is None or not self._allowed("read"):
                return
            if rest == ["index.json"]:
                return self._json(200, registry.service_index())
            if len(rest) == 3 and rest[0] == "download" and rest[2] == "index.json":
                versions = registry.listed(rest[1])
                if not versions:
                    return self._json(404, {"error": "not found"})
                return self._json(200, {"versions": versions})
            if len(rest) == 4 and rest[0] == "download":
                package_id, version, name = rest[1:]
                if name == f"{package_id}.{version}.nupkg" and version in registry.versions(
                    package_id
                ):
                    return self._send(
                        200, registry.nupkg(package_id, version), "application/octet-stream"
                    )
            return self._json(404, {"error": "not found"})

        def do_PUT(self) -> None:
            rest = self._path()
            if rest is None:
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if rest != []:
                return self._json(404, {"error": "not found"})
            if not self._allowed("write"):
                return
            nupkg = _first_part(self.headers.get("Content-Type", ""), body)
            if nupkg is None:
                return self._json(400, {"error": "expected multipart/form-data with the package"})
            status, message = registry.push(nupkg)
            self._json(status, {"message": message})

    return Handler


def _first_part(content_type: str, body: bytes) -> bytes | None:
    """The first part of a multipart/form-data body (NuGet's docs: the .nupkg's bytes)."""
    if not content_type.startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if not parts:
        return None
    payload = parts[0].get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None


# -- actions/setup-dotnet -------------------------------------------------------------------------
def setup_dotnet_config(
    feed: str, owner: str, password: str, existing: str | None
) -> tuple[str, list[str]]:
    """What actions/setup-dotnet v6.0.0 writes with `source-url` (src/authutil.ts,
    writeFeedToFile), formatting aside: `defaultPushSource`, the feed as source `Source`
    unless the repository's nuget.config lists it (then credentials for those keys), each
    with Username (the owner) and ClearTextPassword (NUGET_AUTH_TOKEN's value as given).
    Returns the text and the source keys."""
    keys: list[str] = []
    if existing is not None:
        root = ET.fromstring(existing)
        if root.tag != "configuration":
            raise ActionFailedError("The provided NuGet.config seems invalid.")
        for item in root.findall("./packageSources/add"):
            if feed.lower() in item.get("value", "").lower():
                keys.append(item.get("key", ""))
    configuration = ET.Element("configuration")
    config = ET.SubElement(configuration, "config")
    ET.SubElement(config, "add", {"key": "defaultPushSource", "value": feed})
    if not keys:
        sources = ET.SubElement(configuration, "packageSources")
        ET.SubElement(sources, "add", {"key": "Source", "value": feed})
        keys.append("Source")
    credentials = ET.SubElement(configuration, "packageSourceCredentials")
    for key in keys:
        if not key.replace("-", "").replace(".", "").replace("_", "").isalnum():
            raise ActionFailedError(
                "Source name can contain letters, numbers, and '-', '_', '.' symbols only."
                " Please, fix source name in NuGet.config and try again."
            )
        entry = ET.SubElement(credentials, key)
        ET.SubElement(entry, "add", {"key": "Username", "value": owner})
        ET.SubElement(entry, "add", {"key": "ClearTextPassword", "value": password})
    ET.indent(configuration)
    return '<?xml version="1.0"?>\n' + ET.tostring(configuration, "unicode"), keys


def setup_dotnet(standin: StandIn) -> Emulation:
    """actions/setup-dotnet at SETUP_DOTNET for `dotnet-version` and `source-url`
    (src/setup-dotnet.ts run()): the SDK is the stand-in, added to PATH with DOTNET_ROOT as
    DotnetInstallDir.addToPath does (src/installer.ts); with `source-url`,
    auth.configAuthentication (src/authutil.ts): fails without NUGET_AUTH_TOKEN in the step's
    environment, else writes nuget.config into the workspace's parent directory."""

    def emulate(inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        log = [f"dotnet-version {inputs.get('dotnet-version', '')!r}: the stand-in dotnet"]
        state.path.insert(0, str(standin.bin))
        state.exported["DOTNET_ROOT"] = str(standin.bin)
        feed = inputs.get("source-url", "")
        if not feed:
            return "\n".join(log)
        if not env.get("NUGET_AUTH_TOKEN"):
            raise ActionFailedError(
                "The NUGET_AUTH_TOKEN environment variable was not provided. In this step, add"
                " the following: \r\nenv:\r\n  NUGET_AUTH_TOKEN: ${{secrets.GITHUB_TOKEN}}"
            )
        found = [p for p in state.workspace.iterdir() if p.name.lower() == "nuget.config"]
        existing = found[0] if found else state.workspace / "nuget.config"
        written = state.workspace.parent / "nuget.config"
        text, _ = setup_dotnet_config(
            feed,
            env["GITHUB_REPOSITORY"].split("/")[0],
            env["NUGET_AUTH_TOKEN"],
            existing.read_text() if existing.is_file() else None,
        )
        written.write_text(text)
        log.append(
            f"dotnet-auth: Finding any source references in {existing}, writing a new temporary"
            f" configuration file with credentials to {written}"
        )
        return "\n".join(log)

    return emulate


# -- the stand-in dotnet ----------------------------------------------------------------------
@dataclass(frozen=True)
class StandIn:
    """The STAND-IN dotnet: its directory (for PATH) and the log of its calls."""

    bin: Path
    log: Path

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def install_standin(root: Path) -> StandIn:
    """The stand-in as `root/bin/dotnet`, logging into `root/calls.jsonl`."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    wrapper = bin_dir / "dotnet"
    log = root / "calls.jsonl"
    quoted = [shlex.quote(sys.executable), shlex.quote(str(STANDIN)), shlex.quote(str(log))]
    wrapper.write_text(f'#!/bin/sh\nexec {quoted[0]} {quoted[1]} --standin-log {quoted[2]} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return StandIn(bin_dir, log)


def tools_missing() -> list[str]:
    """The runner image's tools the workflow uses that this machine lacks."""
    return [tool for tool in ("curl", "jq", "unzip", "sha256sum") if shutil.which(tool) is None]


def environ_path(standin: StandIn) -> str:
    """PATH with the stand-in first: the runner image's dotnet, for jobs without setup-dotnet."""
    return f"{standin.bin}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
