"""A progress bar for long synths: repositories as they are registered.

Shown only when stderr is a terminal, so logs, CI and pipes stay quiet.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

from tools.mock_engine import Registration

REPOSITORY_TYPE = "ghpublish:index:PublishingRepository"


@contextlib.contextmanager
def repository_progress(
    total: Callable[[], int], stream: TextIO | None = None
) -> Iterator[Callable[[Registration], None] | None]:
    """An ``on_register`` callback advancing a bar, or None when ``stream`` is no terminal."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        yield None
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
