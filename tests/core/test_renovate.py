"""Renovate keeps the action catalog current: its regex manager reads exactly the pins."""

from __future__ import annotations

import json
import re

from conftest import ROOT

from components._core._catalog import CATALOG

CONFIG = json.loads((ROOT / "renovate.json").read_text(encoding="utf-8"))
CATALOG_FILE = "components/_core/_catalog.py"


def _manager() -> dict:
    (manager,) = CONFIG["customManagers"]
    return manager


def _pattern() -> re.Pattern[str]:
    """Renovate's pattern (ECMAScript named groups) in Python's syntax."""
    (match_string,) = _manager()["matchStrings"]
    return re.compile(match_string.replace("(?<", "(?P<"))


def test_the_manager_reads_the_catalog_file_only() -> None:
    manager = _manager()
    assert manager["customType"] == "regex"
    assert CONFIG["enabledManagers"] == ["custom.regex"]
    (files,) = manager["managerFilePatterns"]
    assert files.startswith("/") and files.endswith("/")
    assert re.search(files[1:-1], CATALOG_FILE)
    assert not re.search(files[1:-1], "tests/golden/x/.github/workflows/release-package.yml")
    assert manager["datasourceTemplate"] == "github-tags"


def test_pattern_matches_every_catalog_pin_and_nothing_else() -> None:
    text = (ROOT / CATALOG_FILE).read_text(encoding="utf-8")
    found = [
        (m["depName"], m["currentDigest"], m["currentValue"]) for m in _pattern().finditer(text)
    ]
    expected = [("/".join(p.action.split("/")[:2]), p.sha, p.version) for p in CATALOG.values()]
    assert found == expected


def test_pattern_refuses_what_is_not_a_full_pin() -> None:
    pattern = _pattern()
    sha = "3d3c42e5aac5ba805825da76410c181273ba90b1"
    assert pattern.search(f'"actions/checkout@{sha} # v7.0.1"')
    assert pattern.search(f'"gradle/actions/setup-gradle@{sha} # v6.3.0"')["depName"] == (
        "gradle/actions"
    )
    for text in (
        '"actions/checkout@v7 # v7.0.1"',  # a tag, not a commit
        f'"actions/checkout@{sha[:12]} # v7.0.1"',  # a short SHA
        f'"actions/checkout@{sha}"',  # no version
        f"uses: actions/checkout@{sha}  # v7.0.1",  # a workflow line, not a catalog pin
    ):
        assert not pattern.search(text), text


def test_config_is_valid_for_renovate() -> None:
    import subprocess
    import sys
    from pathlib import Path

    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.renovate", str(ROOT / "renovate.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
