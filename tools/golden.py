"""Regenerate tests/golden/ from the example manifest: one file per generated file.

Review the diff before committing: a golden file is the approved output.
"""

from __future__ import annotations

import shutil
import sys

from tools.mock_engine import run_program
from tools.synth import ROOT, files

GOLDEN = ROOT / "tests" / "golden"


def generate() -> dict[str, str]:
    """``<owner>/<repo>/<path>`` → content, for the example manifest."""
    run = run_program(ROOT / "__main__.py", {"ghpublish:manifest": "publishing.yaml"})
    return files(run)


def main() -> int:
    generated = generate()
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for rel, content in generated.items():
        path = GOLDEN / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        print(f"wrote tests/golden/{rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
