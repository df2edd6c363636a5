"""Adding an ecosystem is one folder, one registry line and its tests.

A copy of the program gets a toy ecosystem, `toy`, written into a temporary folder as
`components/_ecosystems/toy/` (importing only `components/_core`), and the one line of
`components/_registry.py` that registers it (with its import); no other file of the copy
changes. `make synth` of a manifest using it (`tools/synth.py`, the recording engine) then
takes the manifest's `toy` block, resolves it, maps it to the repository's component and
commits its workflow through the generic package component, as a real ecosystem's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT

TOY = '''
"""A toy ecosystem: `toy push` publishes a package named in the `toy` block."""

from __future__ import annotations

__all__ = ["TOY"]

from dataclasses import dataclass

from pydantic import Field

from ..._core._ecosystem import Ecosystem, spec_settings
from ..._core._fields import _command
from ..._core._release import RELEASE_DIR, PackageBlock, release_keys, release_workflow
from ..._core._spec import RepositorySpec, Visibility
from ..._core._workflow import Step, Workflow, shell_join

TOY_PATH = ".github/workflows/release-toy.yml"


@dataclass(frozen=True)
class ToySpec:
    package: str | None
    test_command: tuple[str, ...]
    release_types: tuple[str, ...]
    visibility: Visibility = "private"


class ToyDefaults(PackageBlock):
    """Toy publishing settings every repository inherits."""

    test_command: str | None = Field(None, description="Tests (default 'toy test').")


class Toy(ToyDefaults):
    """Push a toy package when a release is made."""

    package: str | None = Field(None, description="The package (default the repository).")


def _resolve(owner, repo, defaults, index):
    keys = release_keys("toy", repo, defaults)
    if keys is None:
        return None, []
    package = keys.own.package if keys.own is not None else None
    spec = ToySpec(
        package=package,
        test_command=_command(keys.pick("test_command", "toy test")),
        release_types=keys.release_types,
        visibility=keys.visibility("toy", repo, defaults, index, package or repo.name),
    )
    return spec, keys.problems


def toy_release(repo: RepositorySpec, source: str) -> Workflow:
    toy: ToySpec = repo.block("toy")
    return release_workflow(
        repo,
        source,
        title="Release toy package",
        check="toy test",
        release_types=toy.release_types,
        setup=(),
        test=(Step(name="Test", run=shell_join(toy.test_command)),),
        package=(Step(name="Pack", run='toy pack --out "$RELEASE_DIR"', env={"RELEASE_DIR": RELEASE_DIR}),),
        publish=(Step(name="Push", run='toy push "$RELEASE_DIR"', env={"RELEASE_DIR": RELEASE_DIR}),),
        group="release-toy",
    )


TOY = Ecosystem(
    key="toy",
    defaults=ToyDefaults,
    block=Toy,
    resolve=_resolve,
    identity="package",
    published=lambda spec: spec.package,
    workflow_path=TOY_PATH,
    workflow=toy_release,
    settings=spec_settings,
)
'''

MANIFEST = """\
owner: Acme
repositories:
  - name: plain
  - name: toys
    visibility: public
    toy: {package: toys, test_command: toy check --all}
  - name: both
    npm: {}
    toy: {}
"""


SYNTH = (sys.executable, "-m", "tools.synth", "--manifest", "publishing.yaml", "--out")


def _copy(tmp: Path) -> Path:
    """The program as the checkout holds it: its Python, config and schemas."""
    copy = tmp / "ghpublish"
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", ".ruff_cache")
    for folder in ("components", "tools", "policy", "schema"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy2(ROOT / name, copy / name)
    return copy


def _register(copy: Path) -> None:
    """The folder and the registry line: all that adding the ecosystem writes."""
    folder = copy / "components" / "_ecosystems" / "toy"
    folder.mkdir()
    (folder / "__init__.py").write_text(TOY.lstrip(), encoding="utf-8")
    registry = copy / "components" / "_registry.py"
    text = registry.read_text(encoding="utf-8")
    line = "ECOSYSTEMS: tuple[Ecosystem, ...] = (NPM, MAVEN, GRADLE, NUGET, RUBYGEMS, CONTAINER)"
    assert line in text
    text = text.replace(
        line, "from ._ecosystems.toy import TOY\n\n" + line.replace("CONTAINER)", "CONTAINER, TOY)")
    )
    registry.write_text(text, encoding="utf-8")


def test_a_registered_toy_ecosystem_is_synthesized(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    _register(copy)
    (copy / "publishing.yaml").write_text(MANIFEST, encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [*SYNTH, str(out)],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    # The generic component, named after the key, a child of each repository publishing it.
    toy_components = sorted(
        r["urn"].rpartition("::")[2]
        for r in plan["resources"]
        if r["type"] == "ghpublish:index:ToyPublishing"
    )
    assert toy_components == ["org-both-toy", "org-toys-toy"]
    toys = yaml.safe_load(
        (out / "files/Acme/toys/.github/workflows/release-toy.yml").read_text(encoding="utf-8")
    )
    assert toys["name"] == "Release toy package"
    runs = [step.get("run") for job in toys["jobs"].values() for step in job["steps"]]
    assert "toy check --all" in runs and 'toy push "$RELEASE_DIR"' in runs
    assert (out / "files/Acme/both/.github/workflows/release-toy.yml").is_file()
    assert (out / "files/Acme/both/.github/workflows/release-package.yml").is_file()
    assert not (out / "files/Acme/plain").exists()


def test_the_toy_manifest_is_refused_without_the_registry_line(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "publishing.yaml").write_text(MANIFEST, encoding="utf-8")
    result = subprocess.run(
        [*SYNTH, str(tmp_path / "out")],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 2
    assert "repositories[1].toy: unknown key 'toy'" in result.stdout + result.stderr
