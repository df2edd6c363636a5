"""Progress of long synths: repositories as they are registered.

On a terminal, a bar. Elsewhere (CI logs, pipes), a plain line every few seconds, so a
long run is never silent; a run shorter than that prints nothing.
"""

from __future__ import annotations

import contextlib
import sys
import threading
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
        with contextlib.contextmanager(_lines)(total, out, every, clock) as advance:
            yield advance
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
) -> Iterator[Callable[[Registration], None]]:
    """Counts repositories; a thread prints `synth: N/T repositories registered (S s)` every
    ``every`` seconds, also while the program is still constructing (nothing registered)."""
    started = clock()
    done = [0]
    stop = threading.Event()

    def advance(registration: Registration) -> None:
        if registration.type == REPOSITORY_TYPE:
            done[0] += 1

    def tick() -> None:
        of = ""
        while not stop.wait(every):
            if not of:
                of = f"/{total()}"  # asked once, only when a line is printed
            print(
                f"synth: {done[0]}{of} repositories registered ({clock() - started:.0f} s)",
                file=out,
                flush=True,
            )

    ticker = threading.Thread(target=tick, name="synth-progress", daemon=True)
    ticker.start()
    try:
        yield advance
    finally:
        stop.set()
        ticker.join()
