"""Exit codes of the tools: 0 clean, 1 a lint finding, 2 invalid, 70 a bug (one line)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from tools.cli import plural, report_to


def patched(
    module: str, patch: str, *args: str, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """`python -m tools.<module>` with one function replaced first (`patch` is Python)."""
    code = f"import sys, tools.{module} as m\n{patch}\nsys.argv[1:] = {list(args)!r}\nm.cli()\n"
    env = {k: v for k, v in os.environ.items() if k != "GHPUBLISH_TRACEBACK"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_crash_prints_one_line_naming_a_bug_and_exits_70(tmp_path: Path) -> None:
    result = patched(
        "synth",
        "def boom(run):\n    raise KeyError('repositories')\nm.summary = boom",
        "--out",
        str(tmp_path / "out"),
        "--no-lint",
    )
    assert result.returncode == 70
    assert result.stderr.splitlines() == [
        "synth: internal error (KeyError: 'repositories'): this is a bug in ghpublish, not in"
        f" your manifest; please report it with this line at {report_to()}"
        " (GHPUBLISH_TRACEBACK=1 shows the traceback)"
    ]


def test_a_crash_in_make_diff_exits_70_too() -> None:
    result = patched(
        "diff", "def boom(*a):\n    raise RuntimeError('x\\ny')\nm.diff = boom", "--base", "HEAD"
    )
    assert result.returncode == 70
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("make diff: internal error (RuntimeError: x y): this is a bug")


def test_a_lint_finding_exits_1(tmp_path: Path) -> None:
    result = patched(
        "synth", "m.lint = lambda workflows: ['zizmor: finding']", "--out", str(tmp_path / "o")
    )
    assert result.returncode == 1, result.stderr
    assert "zizmor: finding" in result.stderr
    assert re.fullmatch(
        r"lint: \d+ workflows \(\d+ distinct\), FINDINGS", result.stdout.splitlines()[-1]
    )
    assert re.search(r"Acme-Widgets/widgets-themes: create, \d+ resources, 1 file, ", result.stdout)


def test_the_bug_report_address_is_the_origin_s_issue_tracker(tmp_path: Path) -> None:
    import tools.cli as cli

    for remote, expected in (
        ("git@github.com:acme/ghpublish.git", "https://github.com/acme/ghpublish/issues"),
        ("https://github.com/acme/ghpublish", "https://github.com/acme/ghpublish/issues"),
        ("", "the issue tracker of the ghpublish repository you installed it from"),
    ):
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        if remote:
            subprocess.run(
                ["git", "-C", str(tmp_path), "remote", "add", "origin", remote], check=True
            )
        old, cli.ROOT = cli.ROOT, tmp_path
        try:
            assert report_to() == expected
        finally:
            cli.ROOT = old
        shutil.rmtree(tmp_path / ".git")


def test_summaries_count_in_english() -> None:
    assert [plural(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]
