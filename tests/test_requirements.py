"""requirements.txt holds what `pulumi up` needs; the tools are in requirements-dev.txt."""

from __future__ import annotations

import importlib.metadata as metadata
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from packaging.requirements import Requirement

from tools import lock

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
    tools += ("mkdocs", "mkdocs-material")
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


# ---------------------------------------------------------------------------
# requirements.lock: what `up` and the drift check install, every file hashed.


def _locked() -> dict[str, list[str]]:
    """requirements.lock's pins (name==version) with their hashes."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for entry in text.replace("\\\n", " ").splitlines():
        if not entry.strip() or entry.startswith("#"):
            continue
        pin, *options = entry.split()
        out[pin] = options
    return out


def test_the_lock_covers_exactly_requirements_txt_with_hashes() -> None:
    locked = _locked()
    pins = {f"{name}=={version}" for name, version in lock.pins().items()}
    # requirements.txt's pins, and setuptools, which it leaves unpinned (UNPINNED).
    assert {_norm(name) for name in lock.EXTRA} <= UNPINNED
    assert set(locked) == pins | {f"{name}=={v}" for name, v in lock.EXTRA.items()}
    for pin, options in locked.items():
        assert options, pin
        for option in options:
            assert re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", option), (pin, option)


def test_the_lock_is_what_tools_lock_renders() -> None:
    # Regenerating changes nothing but new hashes: the file is tools/lock.py's layout.
    locked = {
        pin.split("==")[0]: (pin.split("==")[1], [o.split(":", 1)[1] for o in options])
        for pin, options in _locked().items()
    }
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert lock.render(locked) == text


def _pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=3).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _pypi_reachable(), reason="no network: the hashes are checked above")
def test_pip_accepts_the_lock_with_require_hashes(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--require-hashes",
            "--quiet",
            "--report",
            str(tmp_path / "report.json"),
            "-r",
            str(ROOT / "requirements.lock"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


def test_make_lock_regenerates_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "lock: $(STAMP)" in makefile and "$(BIN)/python -m tools.lock" in makefile
