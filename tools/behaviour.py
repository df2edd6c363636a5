"""Digests of what the program does, to prove a reshape of the code changes none of it.

For the example manifest, each shard of ``examples/sharded``, and the fuzzed manifests of
``tests/fixtures/behaviour/`` (drawn once by ``tests/manifest/test_fuzz.py``'s generator with fixed
seeds, kept as text so the digests never depend on hypothesis' engine): the sha256 of the
``plan.json`` ``make synth`` writes (URNs, types, parents, inputs, options) and of every
generated file; then of every golden file and of the committed and regenerated schemas.

``python -m tools.behaviour`` writes ``tests/fixtures/behaviour-digests.json``;
``--check`` exits 1 when what the code does now differs (``tests/tools/test_behaviour.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from tools.mock_engine import run_program
from tools.package_schema import schema_text
from tools.schema import schema_text as editor_schema_text
from tools.synth import ROOT, files, plan

__all__ = ["DIGESTS", "compute", "main"]

DIGESTS = ROOT / "tests" / "fixtures" / "behaviour-digests.json"
FUZZED = ROOT / "tests" / "fixtures" / "behaviour"
# name → (manifest relative to the project, shard)
MANIFESTS: dict[str, tuple[str, str | None]] = {
    "publishing.yaml": ("publishing.yaml", None),
    "sharded:web": ("examples/sharded/publishing.yaml", "web"),
    "sharded:tools": ("examples/sharded/publishing.yaml", "tools"),
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _manifests() -> dict[str, tuple[str, str | None]]:
    fuzzed = {
        f"fuzz:{p.stem}": (p.relative_to(ROOT).as_posix(), None)
        for p in sorted(FUZZED.glob("*.yaml"))
    }
    return {**MANIFESTS, **fuzzed}


def synthesized(manifest: str, shard: str | None) -> dict[str, str]:
    """What ``make synth`` writes for a manifest: ``plan.json`` and ``files/...``."""
    config = {"ghpublish:manifest": manifest}
    if shard:
        config["ghpublish:shard"] = shard
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        run = run_program(ROOT / "__main__.py", config)
    finally:
        os.chdir(here)
    text = json.dumps(plan(run), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {"plan.json": text, **{f"files/{rel}": c for rel, c in files(run).items()}}


def compute() -> dict[str, Any]:
    """Every digest, as the fixture holds them."""
    runs = {}
    for name, (manifest, shard) in _manifests().items():
        out = synthesized(manifest, shard)
        runs[name] = {rel: _sha(content) for rel, content in sorted(out.items())}
    golden = ROOT / "tests" / "golden"
    return {
        "synth": runs,
        "golden": {
            p.relative_to(golden).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(golden.rglob("*"))
            if p.is_file()
        },
        "schema": {
            "schema/package.schema.json (regenerated)": _sha(schema_text()),
            "schema/publishing.schema.json (regenerated)": _sha(editor_schema_text()),
            **{
                f"schema/{name}": hashlib.sha256((ROOT / "schema" / name).read_bytes()).hexdigest()
                for name in ("package.schema.json", "publishing.schema.json")
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if anything differs")
    args = parser.parse_args(argv)
    text = json.dumps(compute(), indent=2, sort_keys=True) + "\n"
    if args.check:
        if DIGESTS.read_text(encoding="utf-8") != text:
            print(f"behaviour differs from {DIGESTS}", file=sys.stderr)
            return 1
        return 0
    DIGESTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
