"""Rewrite the table of plan gates in docs/plans.md from `GATES` (components/_core/_gates.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from components._core._gates import BEGIN, END, gates_markdown

PAGE = Path(__file__).resolve().parent.parent / "docs" / "plans.md"


def rewritten(text: str) -> str:
    """``text`` with the part between the markers (markers included) regenerated."""
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    return text[:start] + gates_markdown() + text[end:]


def main() -> int:
    PAGE.write_text(rewritten(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the plan gates of {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
