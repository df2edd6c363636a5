"""Helpers for tests against the real Pulumi engine that `make engine` builds (tools/engine.py).

``engine_or_skip()`` gives the built engine, or skips the calling test when it is not built
(fails it under ``CI=true``). ``Engine.env(tmp)`` is an isolated environment for the CLI: the
engine's bin directory first on PATH, a private PULUMI_HOME, a local file backend under
``tmp/state``, no Pulumi Cloud token and no GitHub token of the host, and GITHUB_BASE_URL on
loopback (tests point it at their own stub), so nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from requirement import unavailable

from tools import engine as engine_build

__all__ = ["PASSPHRASE", "Engine", "engine_or_skip"]

PASSPHRASE = "ghpublish-test"
# Variables of the host that must not reach a test's engine.
_DROPPED_PREFIXES = ("PULUMI_", "GITHUB_", "GH_", "AWS_", "DOCKER_")


@dataclass(frozen=True)
class Engine:
    """A complete engine build: its bin directory."""

    bin_dir: Path

    @property
    def pulumi(self) -> Path:
        return self.bin_dir / "pulumi"

    def env(self, tmp: Path, github_base_url: str = "http://127.0.0.1:9/") -> dict[str, str]:
        """An environment for `pulumi` with its state and home under `tmp`."""
        if not github_base_url.startswith("http://127.0.0.1:"):
            raise ValueError(f"refusing a GitHub base URL off loopback: {github_base_url}")
        home = tmp / "pulumi-home"
        state = tmp / "state"
        home.mkdir(parents=True, exist_ok=True)
        state.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
        env.update(
            PATH=f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            HOME=str(tmp),
            PULUMI_HOME=str(home),
            PULUMI_BACKEND_URL=f"file://{state}",
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_SKIP_CONFIRMATIONS="true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="true",
            GITHUB_BASE_URL=github_base_url,
            NO_COLOR="1",
            NO_PROXY="127.0.0.1",
            no_proxy="127.0.0.1",
        )
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
            env.pop(proxy, None)
        return env

    def run(
        self, *args: str, cwd: Path, env: dict[str, str], timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run `pulumi ARGS` (non-interactive, no colour); the completed process."""
        return subprocess.run(
            [str(self.pulumi), *args, "--non-interactive", "--color", "never"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _unavailable(reason: str) -> NoReturn:
    reason = f"Pulumi engine unavailable: {reason} (build it with `make engine`)"
    unavailable(reason)


def engine_or_skip() -> Engine:
    """The engine built for this checkout; else skip (fail under CI=true)."""
    try:
        found = engine_build.locate()
    except engine_build.EngineError as exc:
        _unavailable(str(exc))
    if found is None:
        _unavailable("not built for this checkout")
    return Engine(found)
