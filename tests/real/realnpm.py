"""Helpers for tests against a real npm registry (Verdaccio) on loopback.

Start it with ``scripts/npm-registry-env.sh start STATE_DIR`` and source ``STATE_DIR/env``;
it exports ``GHPUBLISH_TEST_NPM_REGISTRY`` (``http://127.0.0.1:PORT/``) and a token per
access level, ``GHPUBLISH_TEST_NPM_{WRITE,READ,NONE}_TOKEN`` (what GITHUB_TOKEN can do with
`packages: write`, `packages: read`, and without `packages`).

``registry_or_skip()`` skips the calling test when the registry is absent, or fails it under
``CI=true``. Requests go to 127.0.0.1 only, without proxies or redirects.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from requirement import unavailable

__all__ = ["NpmRegistry", "registry_or_skip"]

ENV_REGISTRY = "GHPUBLISH_TEST_NPM_REGISTRY"
ENV_TOKENS = {
    "write": "GHPUBLISH_TEST_NPM_WRITE_TOKEN",
    "read": "GHPUBLISH_TEST_NPM_READ_TOKEN",
    "none": "GHPUBLISH_TEST_NPM_NONE_TOKEN",
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect could leave loopback


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@dataclass(frozen=True)
class NpmRegistry:
    """The test registry: its address and one token per `packages` permission."""

    url: str  # http://127.0.0.1:PORT/
    tokens: Mapping[str, str]

    def __post_init__(self) -> None:
        if urllib.parse.urlsplit(self.url).hostname != "127.0.0.1":
            raise ValueError(f"refusing an npm registry that is not on 127.0.0.1: {self.url}")

    def get(self, path: str, token: str | None = None) -> tuple[int, Any]:
        """GET a registry path; (status, parsed JSON body or None)."""
        request = urllib.request.Request(self.url + path.lstrip("/"))
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with _OPENER.open(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def packument(self, name: str) -> dict[str, Any] | None:
        """A package's document (versions, dist-tags) as an admin reads it; None if absent."""
        status, body = self.get(urllib.parse.quote(name, safe="@"), self.tokens["write"])
        if status == 404:
            return None
        if status != 200:
            raise AssertionError(f"GET {name} from the test registry: HTTP {status}")
        return dict(body)

    def dist_tags(self, name: str) -> dict[str, str]:
        doc = self.packument(name)
        return dict(doc.get("dist-tags") or {}) if doc else {}

    def versions(self, name: str) -> list[str]:
        doc = self.packument(name)
        return sorted(doc.get("versions") or {}) if doc else []

    def npm(
        self, *args: str, cwd: Path, scope: str, token: str, home: Path
    ) -> subprocess.CompletedProcess[str]:
        """Run `npm ARGS` as a developer of the owner would, with `scope` on this registry."""
        home.mkdir(parents=True, exist_ok=True)
        npmrc = home / ".npmrc"
        host = self.url.removeprefix("http:")
        npmrc.write_text(f"{scope}:registry={self.url}\n{host}:_authToken={token}\n")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "NPM_CONFIG_USERCONFIG": str(npmrc),
            "NPM_CONFIG_GLOBALCONFIG": str(home / "global-npmrc"),
            "NPM_CONFIG_REGISTRY": "http://127.0.0.1:9/",
            "NPM_CONFIG_AUDIT": "false",
            "NPM_CONFIG_FUND": "false",
            "NPM_CONFIG_UPDATE_NOTIFIER": "false",
        }
        return subprocess.run(
            ["npm", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _unavailable(reason: str) -> NoReturn:
    reason = f"npm test registry unavailable: {reason} (start it with scripts/npm-registry-env.sh)"
    unavailable(reason)


def registry_or_skip() -> NpmRegistry:
    """The registry the environment names, answering; else skip (fail under CI=true)."""
    names = [ENV_REGISTRY, *ENV_TOKENS.values()]
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        _unavailable(f"{', '.join(missing)} not set")
    if shutil.which("npm") is None:
        _unavailable("no npm on PATH")
    url = os.environ[ENV_REGISTRY]
    registry = NpmRegistry(
        url if url.endswith("/") else url + "/",
        {level: os.environ[name] for level, name in ENV_TOKENS.items()},
    )
    try:
        status, _ = registry.get("-/ping")
    except OSError as exc:
        _unavailable(f"{url} does not answer: {exc}")
    if status != 200:
        _unavailable(f"{url}-/ping answered HTTP {status}")
    return registry
