"""Rewrite the README's table of plan gates from `GATES` (components/_core/_gates.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from components._core._gates import BEGIN, END, gates_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def rewritten(text: str) -> str:
    """``text`` with the part between the markers (markers included) regenerated."""
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    return text[:start] + gates_markdown() + text[end:]


def main() -> int:
    README.write_text(rewritten(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the plan gates of {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
