"""Synth progress: a bar on a terminal, a line every few seconds elsewhere."""

from __future__ import annotations

import io

from tools.mock_engine import Registration
from tools.progress import REPOSITORY_TYPE, repository_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _registration(type_: str) -> Registration:
    return Registration(
        urn=f"urn:{type_}",
        type=type_,
        name="n",
        parent="",
        custom=False,
        inputs={},
        protect=False,
        retain_on_delete=False,
        import_id="",
        depends_on=(),
        provider="",
        request={},
    )


def test_a_line_every_few_seconds_when_not_a_terminal() -> None:
    stream = io.StringIO()
    now = [100.0]
    with repository_progress(lambda: 3, stream, every=5, clock=lambda: now[0]) as on_register:
        on_register(_registration(REPOSITORY_TYPE))  # 0 s: a short run prints nothing
        assert stream.getvalue() == ""
        now[0] = 106.0
        on_register(_registration("github:index/repository:Repository"))  # not counted
        on_register(_registration(REPOSITORY_TYPE))
        now[0] = 107.0
        on_register(_registration(REPOSITORY_TYPE))  # within 5 s of the last line
    assert stream.getvalue() == "synth: 2/3 repositories (6 s)\n"


def test_a_short_run_off_a_terminal_prints_nothing() -> None:
    stream = io.StringIO()
    with repository_progress(lambda: 3, stream) as on_register:
        for _ in range(3):
            on_register(_registration(REPOSITORY_TYPE))
    assert stream.getvalue() == ""


def test_counts_repositories_on_a_terminal() -> None:
    stream = _Terminal()
    asked: list[int] = []

    def total() -> int:
        asked.append(1)
        return 2

    with repository_progress(total, stream) as on_register:
        assert on_register is not None
        on_register(_registration(REPOSITORY_TYPE))
        on_register(_registration("github:index/repository:Repository"))
        on_register(_registration(REPOSITORY_TYPE))
    assert asked == [1]
    assert "synth: repositories" in stream.getvalue()
    assert "2/2" in stream.getvalue()
