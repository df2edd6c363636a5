"""requirements.txt holds what `pulumi up` needs; the tools are in requirements-dev.txt."""

from __future__ import annotations

import importlib.metadata as metadata
import re

from conftest import ROOT
from packaging.requirements import Requirement

# What the program, the components and the policy pack import beside the standard library.
RUNTIME = ("pulumi", "pulumi_github", "pulumi_docker_build", "pulumi_policy", "pydantic")
RUNTIME += ("ruamel.yaml", "PyYAML")
# setuptools comes with every virtual environment; it is not pinned.
UNPINNED = {"setuptools", "pip"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    pins = dict(line.split("==", 1) for line in text.splitlines() if line and line[0] not in "#-")
    return {_norm(k): v for k, v in pins.items()}


def _closure(roots: tuple[str, ...]) -> set[str]:
    """The installed distributions ``roots`` need, by their declared requirements."""
    found: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if _norm(name) in found or _norm(name) in UNPINNED:
            continue
        found.add(_norm(name))
        for text in metadata.distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def test_requirements_txt_holds_exactly_what_the_program_needs() -> None:
    assert set(_pins("requirements.txt")) == _closure(RUNTIME)


def test_tools_are_pinned_in_the_dev_file_only() -> None:
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    assert "-r requirements.txt" in lines
    assert not set(runtime) & set(dev)
    tools = ("pytest", "hypothesis", "ruff", "zizmor", "check-jsonschema", "matplotlib")
    assert set(tools) | {"pyinstrument"} <= set(dev)
    assert not set(tools) & set(runtime)
    # Every tool's own dependencies are pinned too.
    assert _closure(tools) <= set(runtime) | set(dev)


def test_every_pin_is_the_installed_version() -> None:
    for name, version in {**_pins("requirements.txt"), **_pins("requirements-dev.txt")}.items():
        assert metadata.version(name) == version, name


def test_make_installs_both_for_synth_and_test() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(STAMP): requirements.txt requirements-dev.txt" in makefile
    assert "-r requirements-dev.txt" in makefile
    assert re.search(r"^synth: \$\(STAMP\)", makefile, re.MULTILINE)
    assert re.search(r"^test: \$\(STAMP\)", makefile, re.MULTILINE)
