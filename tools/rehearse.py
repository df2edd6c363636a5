"""`make rehearse`: the real `pulumi up` of a manifest against a simulated GitHub.

Starts the simulated GitHub (`tools.ghsim`) on 127.0.0.1, seeded from ``--seed`` (or, on a
second rehearsal into the same OUT, from the state the first one left in
``OUT/github-state.json``), and runs the Pulumi CLI on this project with a local file
backend in ``OUT/state``: ``pulumi up --yes``, then ``pulumi preview --expect-no-changes``,
then ``pulumi refresh --yes``. Writes ``OUT/github-state.json`` (the simulator's state, the
seed's format), ``OUT/requests.jsonl`` (every request, with its phase) and one log per
command; its last line is::

    rehearse: <N> resources, up ok, second preview <C> changes, refresh <R> requests
    (<r> per repository; make budget estimates <E>), <V> API contract violations

Nothing leaves loopback, whatever the environment holds: the CLI gets an environment of its
own (no Pulumi Cloud, GitHub, cloud or proxy variables of the caller; a placeholder GitHub
token; plugins never downloaded), and images built by `pulumi up` are not built (reported as
skipped: a build's context and its registry are off this machine).
"""

from __future__ import annotations

__all__ = ["Outcome", "Rehearsal", "RehearseError", "main", "rehearse"]

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components import GhpublishError, load_manifest
from tools import engine
from tools.budget import estimate
from tools.cli import EXIT_INVALID, plural
from tools.cli import run as run_cli
from tools.ghsim import DescriptionMissingError, Simulator
from tools.mock_engine import run_program, shutdown

ROOT = Path(__file__).resolve().parent.parent
STACK = "rehearse"
STATE_FILE = "github-state.json"
REQUESTS_FILE = "requests.jsonl"
PASSPHRASE = "ghpublish-rehearse"  # encrypts the rehearsal's own local state only
# What the CLI's environment must not inherit: credentials and endpoints of real services.
_DROPPED = ("PULUMI_", "GITHUB_", "GH_", "AWS_", "AZURE_", "ARM_", "GOOGLE_", "DOCKER_")
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
# A token of GitHub's classic shape, good for the simulator only.
PLACEHOLDER_TOKEN = "ghp_" + "0" * 36


class RehearseError(Exception):
    """An argument or a set-up that keeps the rehearsal from starting (exit 2)."""


@dataclass(frozen=True)
class Outcome:
    """What a rehearsal measured; ``line`` is its last line."""

    resources: int
    up_ok: bool
    changes: int
    refresh_requests: int
    repositories: int
    estimate: int
    violations: int
    skipped_images: int

    @property
    def per_repository(self) -> float:
        return self.refresh_requests / self.repositories if self.repositories else 0.0

    @property
    def line(self) -> str:
        if not self.up_ok:
            return f"rehearse: up failed ({self.violations} API contract violations)"
        return (
            f"rehearse: {self.resources} resources, up ok, second preview {self.changes}"
            f" changes, refresh {self.refresh_requests} requests"
            f" ({self.per_repository:.1f} per repository; make budget estimates"
            f" {self.estimate}), {self.violations} API contract violations"
        )


def find_pulumi(given: str | None) -> Path:
    """The CLI: ``given``, else the one `make engine` built, else `pulumi` on PATH."""
    if given:
        return Path(given)
    built = engine.locate()
    if built is not None:
        return built / "pulumi"
    found = shutil.which("pulumi")
    if found is None:
        raise RehearseError(
            "no Pulumi CLI: install it (https://www.pulumi.com/docs/install/) with the"
            " github 6.15.0 plugin (`pulumi plugin install resource github 6.15.0`), or build"
            " one with `make engine`"
        )
    return Path(found)


def environment(pulumi: Path, out: Path, base_url: str) -> dict[str, str]:
    """The CLI's own environment: loopback GitHub, local state, nothing of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED) and k not in _PROXIES}
    home = os.environ.get("PULUMI_HOME")
    if pulumi.parent == engine.locate():
        home = str(out / "pulumi-home")  # the built engine's plugins are on PATH
    if home:
        env["PULUMI_HOME"] = home
    env.update(
        PATH=f"{pulumi.parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        PULUMI_BACKEND_URL=f"file://{(out / 'state').resolve()}",
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_SKIP_CONFIRMATIONS="true",
        GITHUB_BASE_URL=base_url,
        GITHUB_TOKEN=PLACEHOLDER_TOKEN,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        NO_COLOR="1",
    )
    return env


class _Cli:
    """`pulumi` on this project, its stack config in OUT, each command's output in a log."""

    def __init__(self, pulumi: Path, out: Path, env: dict[str, str]) -> None:
        self.pulumi, self.out, self.env = pulumi, out, env
        self.config = out / f"Pulumi.{STACK}.yaml"

    def __call__(
        self, log: str, *args: str, config: bool = True, cwd: Path = ROOT
    ) -> subprocess.CompletedProcess[str]:
        # The stack by name on every command: a selection is remembered per project folder.
        extra = ["--stack", STACK] if args[:2] != ("stack", "select") else []
        extra += ["--config-file", str(self.config)] if config else []
        done = subprocess.run(
            [str(self.pulumi), *args, *extra, "--non-interactive", "--color", "never"],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        with (self.out / f"{log}.log").open("a", encoding="utf-8") as f:
            f.write(f"$ pulumi {' '.join(args)}\n{done.stdout}{done.stderr}")
        return done


def _seed(out: Path, seed: str | None, owner: str, plan: str) -> dict[str, Any]:
    state = out / STATE_FILE
    if seed and state.exists():
        raise RehearseError(
            f"{state} exists: this OUT continues its own rehearsal; drop SEED=, or give another OUT"
        )
    source = Path(seed) if seed else state if state.exists() else None
    if source is None:
        return {f"/orgs/{owner}": {"login": owner, "plan": {"name": plan}}}
    try:
        loaded = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RehearseError(f"{source}: not a simulator state (JSON): {error}") from None
    if not isinstance(loaded, dict):
        raise RehearseError(f"{source}: expected a JSON object of REST paths")
    return loaded


def _set_up(done: subprocess.CompletedProcess[str]) -> None:
    """A set-up command must succeed: its error stops the rehearsal."""
    if done.returncode != 0:
        error = (done.stderr or done.stdout).strip().splitlines()
        raise RehearseError(f"`{' '.join(done.args[1:3])}` failed: {error[-1] if error else ''}")


def _changes(preview: subprocess.CompletedProcess[str]) -> int:
    """The number of changes `pulumi preview --json` proposes."""
    try:
        summary = json.loads(preview.stdout).get("changeSummary") or {}
    except ValueError:
        raise RehearseError(f"the preview printed no JSON: {preview.stderr.strip()}") from None
    return sum(n for op, n in summary.items() if op != "same")


def _resources(cli: _Cli) -> int:
    exported = cli("stack", "stack", "export", config=False)
    if exported.returncode != 0:
        return 0
    deployment = json.loads(exported.stdout).get("deployment") or {}
    return sum(
        1
        for r in deployment.get("resources") or []
        if r.get("type") != "pulumi:pulumi:Stack"
        and not r.get("type", "").startswith("pulumi:providers:")
    )


class Rehearsal:
    """The simulated GitHub and the CLI on one OUT, step by step (a context manager): what
    `rehearse` runs in order, and what the engine tests drive one step at a time."""

    def __init__(
        self,
        manifest: str,
        out: Path,
        seed: str | None = None,
        pulumi: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> None:
        self.manifest = str(Path(manifest).resolve())
        self.spec = load_manifest(manifest)
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        if state is None:
            state = _seed(out, seed, self.spec.owner, self.spec.plan)
        self._pulumi = find_pulumi(pulumi)
        (out / REQUESTS_FILE).unlink(missing_ok=True)
        self.sim = Simulator(seed=state, log=out / REQUESTS_FILE, phase="up")
        (out / "state").mkdir(exist_ok=True)
        self.cli = _Cli(self._pulumi, out, environment(self._pulumi, out, self.sim.base_url))

    def __enter__(self) -> Rehearsal:
        self.sim.start()
        self._select_stack()
        self.configure(
            manifest=self.manifest,
            rehearsal="true",
            githubCachePath=str((self.out / "github-api-cache").resolve()),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.sim.dump(self.out / STATE_FILE)
        self.sim.stop()

    def _select_stack(self) -> None:
        """Creates or selects the stack from a copy of the project file in OUT: creating a
        stack writes its settings file (the secrets' salt) beside the project file, which
        must be OUT's, never a file in the checkout."""
        project = self.out / "project"
        project.mkdir(exist_ok=True)
        shutil.copyfile(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
        _set_up(self.cli("stack", "stack", "select", "--create", STACK, config=False, cwd=project))
        written = project / self.cli.config.name
        if written.exists() and not self.cli.config.exists():
            written.replace(self.cli.config)

    def configure(self, **values: str) -> None:
        """Sets stack config keys of ghpublish (``manifest=...``)."""
        for key, value in values.items():
            _set_up(self.cli("config", "config", "set", f"ghpublish:{key}", value))

    def up(self) -> subprocess.CompletedProcess[str]:
        self.sim.set_phase("up")
        return self.cli("up", "up", "--yes", "--skip-preview")

    def preview(self, *flags: str) -> subprocess.CompletedProcess[str]:
        self.sim.set_phase("preview")
        return self.cli("preview", "preview", *flags)

    def changes(self) -> int:
        """How many changes a preview proposes now."""
        return _changes(self.preview("--json"))

    def refresh(self) -> int:
        """Refreshes the stack; the requests it sent."""
        self.sim.set_phase("refresh")
        before = len(self.sim.requests)
        self.cli("refresh", "refresh", "--yes", "--skip-preview")
        return len(self.sim.requests) - before

    def resources(self) -> int:
        return _resources(self.cli)


def rehearse(
    manifest: str, out: Path, seed: str | None = None, pulumi: str | None = None
) -> Outcome:
    """One rehearsal (see the module doc): up, a second preview, a refresh."""
    with Rehearsal(manifest, out, seed, pulumi) as rehearsal:
        up = rehearsal.up()
        changes = refresh = 0
        if up.returncode == 0:
            changes = rehearsal.changes()
            refresh = rehearsal.refresh()
        resources = rehearsal.resources()
        violations = len(rehearsal.sim.violations)
    spec = rehearsal.spec
    run = run_program(ROOT / "__main__.py", {"ghpublish:manifest": rehearsal.manifest})
    return Outcome(
        resources=resources,
        up_ok=up.returncode == 0,
        changes=changes,
        refresh_requests=refresh,
        repositories=len(spec.repositories),
        estimate=estimate(run, STACK, 0).total.refresh,
        violations=violations,
        skipped_images=sum(
            1 for r in spec.repositories if r.container and r.container.build_from_pulumi
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default="publishing.yaml")
    parser.add_argument("--out", default="build/rehearse")
    parser.add_argument("--seed", default=None, help="the simulator's first state (JSON)")
    parser.add_argument("--pulumi", default=None, help="the CLI (default: make engine's, PATH)")
    args = parser.parse_args(argv)
    try:
        outcome = rehearse(args.manifest, Path(args.out), args.seed or None, args.pulumi)
    except (GhpublishError, RehearseError, DescriptionMissingError) as error:
        print(f"rehearse: {error}", file=sys.stderr)
        return EXIT_INVALID
    if outcome.skipped_images:
        print(
            f"rehearse: {plural(outcome.skipped_images, 'image')} built by `pulumi up` skipped"
            " (their context and registry are off this machine)"
        )
    print(outcome.line)
    return 0 if outcome.up_ok and not outcome.violations else 1


def cli() -> None:
    run_cli(main, "rehearse", cleanup=shutdown)


if __name__ == "__main__":
    cli()
