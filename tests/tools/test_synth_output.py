"""synth never loses a file: it deletes only what it wrote in OUT, through make too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, synth

from tools.outdir import MARKER, OutError, check, replace

MANIFEST = "owner: acme\nrepositories:\n  - name: one\n    npm: {}\n"
TWO = MANIFEST + "  - name: two\n    npm: {}\n"
REFUSED = (
    "synth writes only into a new or empty directory, or one it wrote before; choose another"
    " OUT, such as OUT=build/synth"
)


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`make` in the project, on the virtual environment running the tests (never reinstalled:
    its stamp is assumed up to date)."""
    venv = Path(sys.prefix)
    env = os.environ if env is None else env
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT),
            f"VENV={venv}",
            "-o",
            f"{venv}/.requirements-installed",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in env.items() if k not in {"MAKEFLAGS", "MFLAGS"}},
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_make_synth_refuses_the_project_itself() -> None:
    before = sorted(p.name for p in ROOT.iterdir())
    result = make("synth", "OUT=.")
    assert result.returncode == 2
    assert f"synth: OUT '.' holds the ghpublish project ({ROOT}); {REFUSED}" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in ROOT.iterdir()) == before
    assert (ROOT / ".git").exists() and (ROOT / "publishing.yaml").is_file()


def test_make_synth_refuses_a_folder_holding_other_files_and_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    (tmp_path / "publishing.yaml").write_text(MANIFEST, encoding="utf-8")
    before = tree(tmp_path)
    result = make("synth", f"MANIFEST={tmp_path}/publishing.yaml", f"OUT={tmp_path}")
    assert result.returncode == 2
    assert (
        f"synth: OUT '{tmp_path}' holds the manifest {tmp_path}/publishing.yaml; {REFUSED}"
        in result.stderr
    )
    assert tree(tmp_path) == before
    result = make("synth", f"OUT={tmp_path}")
    assert result.returncode == 2
    assert (
        f"synth: OUT '{tmp_path}' holds files synth did not write (notes.txt, publishing.yaml);"
        in result.stderr
    )
    assert tree(tmp_path) == before


def test_make_synth_with_spaces_replaces_only_its_own_files(tmp_path: Path) -> None:
    folder = tmp_path / "org manifests"
    folder.mkdir()
    manifest = folder / "publishing.yaml"
    manifest.write_text(TWO, encoding="utf-8")
    out = tmp_path / "synth out's"
    result = make("synth", f"MANIFEST={manifest}", f"OUT={out}")
    assert result.returncode == 0, result.stdout + result.stderr
    # make prints the tool's command line, each value one shell word.
    assert f"--manifest '{manifest}' --out '{tmp_path}/synth out'\\''s'" in result.stdout
    assert (out / "files/acme/two/.github/workflows/release-package.yml").is_file()
    listed = json.loads((out / MARKER).read_text(encoding="utf-8"))["files"]
    assert "plan.json" in listed and sorted(listed) == listed

    # The next run deletes what the manifest no longer makes, and the folders it leaves empty.
    manifest.write_text(MANIFEST, encoding="utf-8")
    result = make("synth", f"MANIFEST={manifest}", f"OUT={out}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (out / "files/acme/two").exists()
    assert (out / "files/acme/one/.github/workflows/release-package.yml").is_file()

    # A file put there by someone else: refused, nothing touched.
    (out / "files/acme/one/mine.txt").write_text("mine\n", encoding="utf-8")
    before = tree(out)
    result = make("synth", f"MANIFEST={manifest}", f"OUT={out}")
    assert result.returncode == 2
    assert "holds files synth did not write (files/acme/one/mine.txt);" in result.stderr
    assert tree(out) == before


def test_make_diff_quotes_its_values() -> None:
    dry = make("-n", "diff", "BASE=a b", "MANIFEST=x y.yaml", "OUTPUT=sum mary.md", "FORMAT=text")
    assert dry.returncode == 0, dry.stderr
    assert "--base 'a b' --manifest 'x y.yaml' --format 'text' --output 'sum mary.md'" in " ".join(
        dry.stdout.replace("\\\n", " ").split()
    )


def test_an_empty_folder_and_a_new_one_are_written(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "new" / "deeper"):
        result = synth("--out", str(out), "--no-lint")
        assert result.returncode == 0, result.stderr
        assert (out / "plan.json").is_file() and (out / MARKER).is_file()


def test_a_symlink_or_an_unknown_folder_in_out_is_refused(tmp_path: Path) -> None:
    project, manifest = tmp_path / "project", tmp_path / "m.yaml"
    project.mkdir()
    out = tmp_path / "out"
    replace(out, manifest, project, {"plan.json": "{}\n", "files/a/b.yml": "b\n"})
    assert check(out, manifest, project) == {"plan.json", "files/a/b.yml"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.yml").write_text("precious\n", encoding="utf-8")
    (out / "files/a/b.yml").unlink()
    (out / "files/a").rmdir()
    (out / "files/a").symlink_to(elsewhere)
    with pytest.raises(OutError, match=r"holds files synth did not write \(files/a/\)"):
        replace(out, manifest, project, {"plan.json": "{}\n"})
    assert (elsewhere / "b.yml").read_text(encoding="utf-8") == "precious\n"
    (out / "files/a").unlink()
    (out / "files/c").mkdir()
    with pytest.raises(OutError, match=r"\(files/c/\)"):
        check(out, manifest, project)


def test_a_marker_that_is_not_synth_s_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text('{"files": "everything"}', encoding="utf-8")
    with pytest.raises(OutError, match="is not one synth wrote"):
        check(out, tmp_path / "m.yaml", tmp_path / "p")
    (out / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutError, match="is a file, not a directory"):
        check(out / "file", tmp_path / "m.yaml", tmp_path / "p")


def test_an_older_synth_s_output_is_named_as_such_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    (out / "files/acme/a").mkdir(parents=True)
    (out / "files/acme/a/release.yml").write_text("x\n", encoding="utf-8")
    (out / "plan.json").write_text("{}\n", encoding="utf-8")
    before = tree(out)
    result = synth("--out", str(out), "--no-lint")
    assert result.returncode == 2
    assert result.stderr == (
        f"synth: OUT '{out}' looks like the output of an older synth, which kept no list of"
        f" its files (.ghpublish-synth.json); check it holds nothing of yours, delete it once"
        f" (rm -r {out}) and run synth again\n"
    )
    assert tree(out) == before


def test_a_marker_naming_a_file_outside_out_deletes_nothing(tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("mine\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("../precious.txt", str(victim), "files/../../precious.txt", "./plan.json"):
        (out / MARKER).write_text(json.dumps({"files": [name]}), encoding="utf-8")
        result = synth("--out", str(out), "--no-lint")
        assert result.returncode == 2, name
        assert f"its marker {MARKER} is not one synth wrote;" in result.stderr
    assert victim.read_text(encoding="utf-8") == "mine\n"
