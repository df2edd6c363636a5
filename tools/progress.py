"""Progress of long synths: repositories as they are registered.

On a terminal, a bar. Elsewhere (CI logs, pipes), a plain line every few seconds, so a
long run is never silent; a run shorter than that prints nothing.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from tools.mock_engine import Registration

REPOSITORY_TYPE = "ghpublish:index:PublishingRepository"
# Seconds between two progress lines when stderr is not a terminal.
LINE_EVERY = 5.0


@contextlib.contextmanager
def repository_progress(
    total: Callable[[], int],
    stream: TextIO | None = None,
    *,
    every: float = LINE_EVERY,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Callable[[Registration], None]]:
    """An ``on_register`` callback: a bar on a terminal, else a line every ``every`` s."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        yield _lines(total, out, every, clock)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=out),
        transient=True,
    ) as bar:
        task = bar.add_task("synth: repositories", total=total())

        def advance(registration: Registration) -> None:
            if registration.type == REPOSITORY_TYPE:
                bar.advance(task)

        yield advance


def _lines(
    total: Callable[[], int], out: TextIO, every: float, clock: Callable[[], float]
) -> Callable[[Registration], None]:
    """Counts repositories; prints `synth: N/T repositories (S s)` at most every ``every``."""
    started = clock()
    state = {"done": 0, "next": started + every, "total": -1}

    def advance(registration: Registration) -> None:
        if registration.type != REPOSITORY_TYPE:
            return
        state["done"] += 1
        now = clock()
        if now < state["next"]:
            return
        if state["total"] < 0:
            state["total"] = total()  # asked once, only when a line is printed
        state["next"] = now + every
        print(
            f"synth: {state['done']}/{state['total']} repositories ({now - started:.0f} s)",
            file=out,
            flush=True,
        )

    return advance
