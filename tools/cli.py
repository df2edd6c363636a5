"""What every command-line tool of ghpublish shares: exit codes, the crash line, plurals.

Exit codes: 0 clean, 1 a lint finding, 2 an invalid manifest or argument (such as OUT),
3 changes found (`make diff`), 70 a bug in ghpublish (EX_SOFTWARE of sysexits.h): one
line naming the error and where to report it, the traceback only with GHPUBLISH_TRACEBACK=1;
74 an output that could not be written (EX_IOERR: a full disk, a read-only OUT), one line.
"""

from __future__ import annotations

__all__ = ["EXIT_BUG", "EXIT_FINDINGS", "EXIT_INVALID", "EXIT_IO", "plural", "report_to", "run"]

import os
import re
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

EXIT_FINDINGS = 1
EXIT_INVALID = 2
EXIT_BUG = 70
EXIT_IO = 74
TRACEBACK_ENV = "GHPUBLISH_TRACEBACK"
ROOT = Path(__file__).resolve().parent.parent
_GITHUB = re.compile(r"(?:https://|ssh://git@|git@)github\.com[:/]([^/\s]+/[^/\s]+?)(?:\.git)?/?")


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def report_to() -> str:
    """Where a bug is reported: the issue tracker of the repository ghpublish came from."""
    try:
        remote = subprocess.run(
            ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        remote = ""
    found = _GITHUB.fullmatch(remote)
    if found:
        return f"https://github.com/{found.group(1)}/issues"
    return "the issue tracker of the ghpublish repository you installed it from"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run(main: Callable[[], int], prog: str, cleanup: Callable[[], None] | None = None) -> NoReturn:
    """Exit with ``main()``'s code; a crash prints one line and exits 70."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    except Exception as error:
        if os.environ.get(TRACEBACK_ENV):
            traceback.print_exc()
        print(
            f"{prog}: internal error ({_one_line(error)}): this is a bug in ghpublish, not in"
            f" your manifest; please report it with this line at {report_to()}"
            f" ({TRACEBACK_ENV}=1 shows the traceback)",
            file=sys.stderr,
        )
        code = EXIT_BUG
    finally:
        if cleanup is not None:
            cleanup()
    sys.exit(code)
