"""`make docs-samples`: the output samples the documentation shows, produced by the tools.

Each sample is what a command prints, run now on this checkout, so a page that includes it
(``--8<-- "name"``, pymdownx.snippets, base path docs/samples) cannot go stale;
tests/test_docs.py regenerates them and compares with the committed files.

- ``synth.txt``: ``make synth`` of publishing.yaml (its timing written as ``…``);
- ``adoption.txt``: the adoption section of ``make synth
  SEED=examples/rehearse/github-state.json``;
- ``budget.txt``: ``make budget`` of publishing.yaml;
- ``budget-1000.txt``: ``make budget`` of tools/bench.py's 1,000 fully featured
  repositories, abridged after the second wave;
- ``diff.md``: ``make diff BASE=HEAD FORMAT=markdown`` in a copy of publishing.yaml committed
  with a repository ``legacy-tools``, after changing ``widgets``' description and
  ``gadgets-js``' test command and removing ``legacy-tools``;
- ``reference.md``: the manifest reference (tools/docs_reference.py) is written beside them
  by its own tool, into docs/reference/manifest.md.

``python -m tools.docs_samples [--out DIR]`` (default docs/samples).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tools.bench import manifest as bench_manifest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "docs" / "samples"
# The example's repository removed by the diff sample (it exists at BASE only).
LEGACY = """\
  - name: legacy-tools
    description: Tools nobody maintains
    adopt: true
    npm: false
"""


def _run(*args: str, cwd: Path = ROOT) -> str:
    """A tool's standard output; a non-zero exit other than 3 (diff: changes) is an error."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("GITHUB_TOKEN", None)  # offline runs are the same on every machine
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if done.returncode not in (0, 3):
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done.stdout


def synth() -> str:
    with tempfile.TemporaryDirectory(prefix="ghpublish-docs-") as tmp:
        out = Path(tmp, "synth")
        text = _run("tools.synth", "--manifest", "publishing.yaml", "--out", str(out))
    text = text.replace(str(out), "build/synth")
    return re.sub(r"\(\d+\.\d+s\)", "(…s)", text)


def adoption() -> str:
    """`make synth SEED=examples/rehearse/github-state.json`: its adoption section only."""
    with tempfile.TemporaryDirectory(prefix="ghpublish-docs-") as tmp:
        out = Path(tmp, "synth")
        seed = "examples/rehearse/github-state.json"
        text = _run("tools.synth", "--out", str(out), "--seed", seed, "--no-lint")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("first pulumi up"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("  "))
    return "\n".join(lines[start:end]) + "\n"


def budget() -> str:
    return _run("tools.budget", "--manifest", "publishing.yaml")


def budget_1000() -> str:
    with tempfile.TemporaryDirectory(prefix="ghpublish-docs-") as tmp:
        path = Path(tmp, "publishing.yaml")
        path.write_text(bench_manifest(1000), encoding="utf-8")
        lines = _run("tools.budget", "--manifest", str(path)).splitlines()
    waves = [i for i, line in enumerate(lines) if line.startswith("  wave ")]
    if len(waves) > 2:
        lines = [*lines[: waves[1] + 1], "  …", lines[-1]]
    return "\n".join(lines) + "\n"


def _edit(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"publishing.yaml: expected {old!r} once")
    return text.replace(old, new)


def diff() -> str:
    example = (ROOT / "publishing.yaml").read_text(encoding="utf-8")
    base = _edit(example, "  - name: publishing\n", LEGACY + "  - name: publishing\n")
    head = _edit(example, '"Widgets: the core library"', '"Widgets: the core library (v2)"')
    test = "test_command: npm run test:ci"
    head = _edit(head, test, f"{test} -- --runInBand")
    with tempfile.TemporaryDirectory(prefix="ghpublish-docs-") as tmp:
        repo = Path(tmp)
        git = ["git", "-C", tmp, "-c", "user.name=docs", "-c", "user.email=docs@localhost"]
        subprocess.run([*git, "init", "-q"], check=True)
        (repo / "publishing.yaml").write_text(base, encoding="utf-8")
        subprocess.run([*git, "add", "publishing.yaml"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
        (repo / "publishing.yaml").write_text(head, encoding="utf-8")
        manifest = os.path.relpath(repo / "publishing.yaml", ROOT)
        return _run("tools.diff", "--base", "HEAD", "--manifest", manifest, "--format", "markdown")


SAMPLES_BY_NAME: dict[str, Callable[[], str]] = {
    "synth.txt": synth,
    "adoption.txt": adoption,
    "budget.txt": budget,
    "budget-1000.txt": budget_1000,
    "diff.md": diff,
}


def generate(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in SAMPLES_BY_NAME.items():
        path = out / name
        path.write_text(make(), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(SAMPLES))
    args = parser.parse_args(argv)
    for path in generate(Path(args.out)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
