"""The synth output directory: synth deletes only what it wrote there itself.

A directory synth writes holds a marker file listing every file it wrote. On the next run
synth removes exactly those files (and the folders it made that they leave empty); it
refuses an OUT that holds anything else (a file it did not write, a symlink, the manifest,
the project), so that no path given by mistake (`OUT=.`) ever loses a file.
"""

from __future__ import annotations

__all__ = ["MARKER", "OutError", "check", "replace"]

import json
import os
from collections.abc import Mapping
from pathlib import Path

MARKER = ".ghpublish-synth.json"
_WHAT = "written by `make synth` (ghpublish): the files below are deleted by the next synth"
# How many unknown entries a refusal names.
_SHOWN = 5
_HINT = (
    "synth writes only into a new or empty directory, or one it wrote before; choose another"
    " OUT, such as OUT=build/synth"
)


class OutError(Exception):
    """OUT cannot be written safely; the message says why and what to do."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _listed(out: Path) -> set[str]:
    """The files the marker says synth wrote, relative to ``out`` with '/'."""
    marker = out / MARKER
    if marker.is_symlink() or not marker.is_file():
        return set()
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutError(f"its marker {MARKER} is unreadable ({exc}); {_HINT}") from None
    if not isinstance(files, list) or not all(_relative(f) for f in files):
        raise OutError(f"its marker {MARKER} is not one synth wrote; {_HINT}")
    return set(files)


def _relative(name: object) -> bool:
    """A path synth writes: relative, '/'-separated, below OUT (no '..', '.', or '')."""
    if not isinstance(name, str) or name.startswith("/") or "\\" in name or "\0" in name:
        return False
    return all(part not in {"", ".", ".."} for part in name.split("/"))


def _strangers(out: Path, listed: set[str]) -> list[str]:
    """Entries under ``out`` synth did not write: not the marker, not listed, not a folder
    leading to a listed file, or a symlink or special file anywhere."""
    folders = {p.as_posix() for f in listed for p in Path(f).parents}
    found: list[str] = []
    for top, dirs, names in os.walk(out, followlinks=False):
        base = Path(top).relative_to(out)
        keep = []
        for name in sorted(dirs):
            rel = (base / name).as_posix()
            if (Path(top) / name).is_symlink() or rel not in folders:
                found.append(rel + "/")
            else:
                keep.append(name)
        dirs[:] = keep
        for name in sorted(names):
            rel = (base / name).as_posix()
            path = Path(top) / name
            ours = rel in listed or rel == MARKER
            if not ours or path.is_symlink() or not path.is_file():
                found.append(rel)
    return found


def check(out: Path, manifest: Path, project: Path) -> set[str]:
    """Refuse an OUT synth may not write (OutError); else the files it wrote there before."""
    where = out.resolve()
    if _inside(project.resolve(), where):
        raise OutError(f"holds the ghpublish project ({project}); {_HINT}")
    if _inside(manifest.resolve(), where):
        raise OutError(f"holds the manifest {manifest}; {_HINT}")
    if out.is_symlink() and not out.exists():
        raise OutError("is a symlink to nothing; remove it or choose another OUT")
    if not out.exists():
        return set()
    if not out.is_dir():
        raise OutError("is a file, not a directory; choose another OUT, such as OUT=build/synth")
    listed = _listed(out)
    strangers = _strangers(out, listed)
    if strangers and not listed and set(strangers) <= {"plan.json", "files/"}:
        raise OutError(
            f"looks like the output of an older synth, which kept no list of its files"
            f" ({MARKER}); check it holds nothing of yours, delete it once (rm -r {out})"
            " and run synth again"
        )
    if strangers:
        shown = ", ".join(strangers[:_SHOWN])
        more = f" and {len(strangers) - _SHOWN} more" if len(strangers) > _SHOWN else ""
        raise OutError(f"holds files synth did not write ({shown}{more}); {_HINT}")
    return listed


def replace(out: Path, manifest: Path, project: Path, files: Mapping[str, str]) -> list[Path]:
    """Remove what synth wrote in ``out`` before, then write ``files`` (relative path →
    text) and the marker listing them; the paths written, in order."""
    previous = check(out, manifest, project)
    if not all(_relative(rel) for rel in files):
        # Generated paths come from validated names: this is a bug, reported as one (exit 70).
        raise RuntimeError(f"a generated path leaves OUT: {sorted(files)[:_SHOWN]}")
    for rel in sorted(previous):
        (out / rel).unlink(missing_ok=True)
    folders = {p for rel in previous for p in (out / rel).parents if _inside(p, out) and p != out}
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    out.mkdir(parents=True, exist_ok=True)
    # The marker first: a run stopped half-way leaves only files the marker lists.
    marker = {"what": _WHAT, "files": sorted(files)}
    (out / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    written = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
