"""The policy pack (policy/) through the real engine: `pulumi preview --policy-pack policy`.

The CLI `make engine` builds runs the pack through the Python language host (stand-in's
RunPlugin, kind analyzer), against the simulated GitHub (tools/ghsim): the example manifest's
stack passes every policy; a small program that breaks mandatory ones is refused, the CLI
exiting non-zero and naming the policies. Needs the engine and the simulator's description
(skipped locally without them, failed under CI=true).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ROOT
from realengine import Engine, engine_or_skip
from requirement import described_or_skip

from tools.ghsim import Simulator
from tools.rehearse import PLACEHOLDER_TOKEN, Rehearsal

pytestmark = pytest.mark.engine

POLICY = ROOT / "policy"
OWNER = "acme-policy"
UNPINNED = """\
name: release
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""


@pytest.fixture(scope="module")
def engine() -> Engine:
    found = engine_or_skip()
    described_or_skip()
    return found


def test_the_example_manifest_passes_the_pack(engine: Engine, tmp_path: Path) -> None:
    seed = str(ROOT / "examples" / "rehearse" / "github-state.json")
    with Rehearsal("publishing.yaml", tmp_path, seed=seed, pulumi=str(engine.pulumi)) as r:
        done = r.preview("--policy-pack", str(POLICY))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # The pack ran (the CLI lists it) and reported nothing.
    assert "ghpublish@v0.1.0" in output
    assert "mandatory" not in output and "advisory" not in output, output


VIOLATING = f"""\
import pulumi
import pulumi_github as github

repo = github.Repository("bad", name="bad", visibility="private")
github.RepositoryFile(
    "workflow",
    repository=repo.name,
    file=".github/workflows/release.yml",
    content={UNPINNED!r},
)
"""


def test_a_program_breaking_mandatory_policies_is_refused(engine: Engine, tmp_path: Path) -> None:
    project = _violating_project(tmp_path)
    seed = {f"/orgs/{OWNER}": {"login": OWNER, "plan": {"name": "team"}}}
    with Simulator(seed=seed) as sim:
        env = engine.env(tmp_path, github_base_url=sim.base_url)
        env["GITHUB_TOKEN"] = PLACEHOLDER_TOKEN
        assert engine.run("stack", "init", "test", cwd=project, env=env).returncode == 0
        assert (
            engine.run("config", "set", "github:owner", OWNER, cwd=project, env=env).returncode == 0
        )
        done = engine.run("preview", "--policy-pack", str(POLICY), cwd=project, env=env)
    output = done.stdout + done.stderr
    # The CLI refuses the preview (exit 1, "preview failed") and lists each violation.
    assert done.returncode == 1, output
    assert "❌ ghpublish@v0.1.0" in output
    for policy, resource in (
        ("repository-protected", "github:index:Repository: bad"),
        ("workflow-actions-pinned", "github:index:RepositoryFile: workflow"),
        ("workflow-top-level-permissions", "github:index:RepositoryFile: workflow"),
    ):
        assert f"[mandatory]  {policy}  ({resource})" in output, output
    assert "set archive_on_destroy=True: a deleted repository is archived" in output
    assert "uses 'actions/checkout@v4': pin it to a full commit SHA" in output


def _violating_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (project / "Pulumi.yaml").write_text(
        "name: violating\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    (project / "__main__.py").write_text(VIOLATING)
    return project


@pytest.mark.xfail(
    strict=True,
    reason="the stand-in language host runs the pack before the engine's ConfigureStack and"
    " passes no PULUMI_CONFIG (the real host's stack-configuration proxy is not done), so"
    " ghpublish:policy levels set in stack config do not reach the pack",
)
def test_stack_config_sets_the_packs_levels(engine: Engine, tmp_path: Path) -> None:
    project = _violating_project(tmp_path)
    seed = {f"/orgs/{OWNER}": {"login": OWNER, "plan": {"name": "team"}}}
    with Simulator(seed=seed) as sim:
        env = engine.env(tmp_path, github_base_url=sim.base_url)
        env["GITHUB_TOKEN"] = PLACEHOLDER_TOKEN
        for args in (
            ("stack", "init", "test"),
            ("config", "set", "github:owner", OWNER),
            ("config", "set", "--path", "ghpublish:policy.levels.repository-protected", "advisory"),
        ):
            assert engine.run(*args, cwd=project, env=env).returncode == 0
        done = engine.run("preview", "--policy-pack", str(POLICY), cwd=project, env=env)
    assert "[advisory]  repository-protected" in done.stdout + done.stderr
