"""make passes every value a user gives as its text: it expands nothing in it (issue 21)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from test_synth_output import MANIFEST, make

from tools.outdir import MARKER

# Every variable a target takes from its user.
VALUES = ("MANIFEST", "OUT", "SHARD", "BASE", "FORMAT", "OUTPUT", "STACK", "SEED")


def test_a_command_in_a_manifest_path_is_not_run(tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    manifest = f"x$(shell touch {pwned}).yaml"
    result = make("synth", f"MANIFEST={manifest}", f"OUT={tmp_path / 'out'}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert not pwned.exists()
    # The tool got the path as typed: no such manifest.
    assert f"{manifest}: 1 error in the manifest" in result.stderr
    assert f"{manifest}: (file): does not exist" in result.stderr


def test_a_path_with_a_dollar_a_space_and_a_quote_reaches_synth_as_typed(tmp_path: Path) -> None:
    folder = tmp_path / "$HOME it's"
    folder.mkdir()
    manifest = folder / "$(HOME) x$$y.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    out = tmp_path / "$OUT's $(shell echo no)"
    result = make("synth", f"MANIFEST={manifest}", f"OUT={out}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "plan.json").is_file()
    assert (out / "files/acme/one/.github/workflows/release-package.yml").is_file()
    assert "plan.json" in json.loads((out / MARKER).read_text(encoding="utf-8"))["files"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["$HOME it's", out.name])


def test_no_target_expands_a_value_from_the_command_line_or_the_environment(
    tmp_path: Path,
) -> None:
    """`make -n` prints every command with each value one literal shell word; nothing given,
    from the command line or the environment, runs."""
    given = {name: f"$(shell touch {tmp_path}/{name}) $HOME '$$" for name in VALUES}
    quoted = {name: "'" + value.replace("'", "'\\''") + "'" for name, value in given.items()}
    dry = make("-n", "synth", "diff", "budget", "rehearse", *(f"{k}={v}" for k, v in given.items()))
    assert dry.returncode == 0, dry.stderr
    commands = " ".join(dry.stdout.replace("\\\n", " ").split())
    assert f"--manifest {quoted['MANIFEST']} --out {quoted['OUT']}" in commands
    assert f"--shard {quoted['SHARD']}" in commands
    assert f"--base {quoted['BASE']}" in commands
    assert f"--format {quoted['FORMAT']} --output {quoted['OUTPUT']}" in commands
    assert f"--stack {quoted['STACK']}" in commands
    assert f"--seed {quoted['SEED']}" in commands
    assert list(tmp_path.iterdir()) == []

    env = {**os.environ, **given}
    dry = make("-n", "synth", "diff", "budget", "rehearse", env=env)
    assert dry.returncode == 0, dry.stderr
    assert f"--manifest {quoted['MANIFEST']}" in " ".join(dry.stdout.replace("\\\n", " ").split())
    assert list(tmp_path.iterdir()) == []
