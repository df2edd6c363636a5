"""Synth progress: a bar on a terminal, a line every few seconds elsewhere."""

from __future__ import annotations

import io
import re
import time

from conftest import registration

from tools.progress import REPOSITORY_TYPE, repository_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_line_every_few_seconds_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with repository_progress(lambda: 3, stream, every=0.01) as on_register:
        on_register(registration(REPOSITORY_TYPE))
        on_register(registration("github:index/repository:Repository"))  # not counted
        on_register(registration(REPOSITORY_TYPE))
        # Lines come from a timer, also while nothing registers (the program constructing).
        deadline = time.monotonic() + 10
        while stream.getvalue().count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 2
    assert all(
        re.fullmatch(r"synth: 2/3 repositories registered \(\d+ s\)", line) for line in lines
    )


def test_a_short_run_off_a_terminal_prints_nothing() -> None:
    stream = io.StringIO()
    with repository_progress(lambda: 3, stream) as on_register:
        for _ in range(3):
            on_register(registration(REPOSITORY_TYPE))
    assert stream.getvalue() == ""


def test_counts_repositories_on_a_terminal() -> None:
    stream = _Terminal()
    asked: list[int] = []

    def total() -> int:
        asked.append(1)
        return 2

    with repository_progress(total, stream) as on_register:
        assert on_register is not None
        on_register(registration(REPOSITORY_TYPE))
        on_register(registration("github:index/repository:Repository"))
        on_register(registration(REPOSITORY_TYPE))
    assert asked == [1]
    assert "synth: repositories" in stream.getvalue()
    assert "2/2" in stream.getvalue()
