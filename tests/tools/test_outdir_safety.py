"""synth writes and deletes nothing outside OUT, whatever is swapped in while it runs; one
synth at a time per OUT; a full disk or a read-only OUT is an I/O error (exit 74) that leaves
no half-written file listed (issue 21).

The swaps are deterministic: an audit hook (sys.addaudithook) counts the file-system
operations of a write of OUT and, before the Nth, replaces a folder or file of OUT by a
symlink to the same name in a folder outside it; every N is tried."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, synth

from tools import outdir
from tools.cli import EXIT_INVALID, EXIT_IO
from tools.outdir import MARKER, TEMP, OutDir, OutError, OutIOError, replace

BEFORE = {
    "plan.json": "before\n",
    "files/acme/one/a.yml": "one before\n",
    "files/acme/one/.github/workflows/w.yml": "w before\n",
    "files/acme/two/b.yml": "two before\n",
}
AFTER = {
    "plan.json": "after\n",
    "files/acme/one/a.yml": "one after\n",
    "files/acme/one/.github/workflows/w.yml": "w after\n",
    "files/acme/three/c.yml": "three after\n",
}
# What is swapped for a symlink out of OUT: folders at each depth, files, the marker.
SWAPPED = (
    "files",
    "files/acme",
    "files/acme/one",
    "files/acme/one/.github/workflows",
    "files/acme/two",
    "plan.json",
    "files/acme/one/a.yml",
    MARKER,
)
# The audit events of file-system operations (the Nth is where a swap happens).
_EVENTS = {
    "open",
    "os.mkdir",
    "os.remove",
    "os.rmdir",
    "os.rename",
    "os.replace",
    "os.scandir",
    "os.listdir",
    "os.chmod",
    "os.truncate",
    "fcntl.flock",
}
_hook: list[Callable[[str], None]] = []


def _audit(event: str, _args: tuple[Any, ...]) -> None:
    if _hook and event in _EVENTS:
        _hook[0](event)


sys.addaudithook(_audit)  # inert but while a test sets _hook


@contextlib.contextmanager
def on_each_step(action: Callable[[int], None]) -> Iterator[list[int]]:
    """Call ``action(n)`` before the nth file-system operation (from 1) in the block;
    the list it yields holds how many there were."""
    count = [0]
    busy = [False]

    def step(_event: str) -> None:
        if busy[0]:
            return
        count[0] += 1
        busy[0] = True
        try:
            action(count[0])
        finally:
            busy[0] = False

    _hook.append(step)
    try:
        yield count
    finally:
        _hook.clear()


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry below ``folder``: a file's bytes, a symlink's target, a folder as '/'."""
    found: dict[str, bytes | str] = {}
    for top, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(top) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "/"
            else:
                found[rel] = path.read_bytes()
    return found


def write(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")


def _setup(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    project, manifest, out = tmp_path / "project", tmp_path / "m.yaml", tmp_path / "out"
    project.mkdir(parents=True)
    replace(out, manifest, project, BEFORE)
    return project, manifest, out, tmp_path / "outside"


def test_a_write_of_out_makes_some_file_system_steps(tmp_path: Path) -> None:
    project, manifest, out, _ = _setup(tmp_path)
    with on_each_step(lambda n: None) as count:
        replace(out, manifest, project, AFTER)
    assert count[0] > 20  # every step below is one swap
    assert {k: v for k, v in tree(out).items() if v != "/" and k != MARKER} == {
        rel: text.encode() for rel, text in AFTER.items()
    }


@pytest.mark.parametrize("swapped", SWAPPED)
def test_no_swap_at_any_step_touches_a_file_outside_out(tmp_path: Path, swapped: str) -> None:
    """For every step N of a write: before it, ``swapped`` (in OUT) becomes a symlink to the
    same name in a folder outside OUT that holds a copy of everything synth writes and
    deletes; that folder never changes, and synth either finishes or stops (OutError)."""
    project, manifest, out, _ = _setup(tmp_path / "count")
    with on_each_step(lambda n: None) as count:
        replace(out, manifest, project, AFTER)
    steps = count[0]
    for n in range(1, steps + 2):
        run = tmp_path / f"n{n}"
        project, manifest, out, outside = _setup(run)
        write(outside, {rel: f"precious {rel}\n" for rel in {*BEFORE, *AFTER, MARKER}})
        (outside / TEMP).write_text("precious\n", encoding="utf-8")
        precious = tree(outside)
        aside = run / "aside"

        def swap(
            step: int, n: int = n, out: Path = out, outside: Path = outside, aside: Path = aside
        ) -> None:
            here = out / swapped
            if step != n or here.is_symlink() or not here.exists():
                return
            aside.mkdir()
            here.rename(aside / here.name)
            here.symlink_to(outside / swapped, target_is_directory=(outside / swapped).is_dir())

        try:
            with on_each_step(swap):
                replace(out, manifest, project, AFTER)
        except OutError:
            pass
        assert tree(outside) == precious, f"{swapped} swapped at step {n}"
        if (out / swapped).is_symlink():  # the swap, still there (or replaced by synth's)
            assert os.readlink(out / swapped) == str(outside / swapped)


def test_a_second_synth_into_the_same_out_is_refused(tmp_path: Path) -> None:
    project, manifest, out, _ = _setup(tmp_path)
    before = tree(out)
    with OutDir(out, manifest, project) as first:
        first.check()
        second = OutDir(out, manifest, project)
        with pytest.raises(OutError, match="is being written by another synth"):
            second.check()
        with pytest.raises(OutError, match="is being written by another synth"):
            second.replace(AFTER)
        second.close()
        assert tree(out) == before
        first.replace(AFTER)
    # Released: the next one writes.
    replace(out, manifest, project, BEFORE)


def test_a_second_synth_into_a_new_out_is_refused_when_it_comes_to_write(tmp_path: Path) -> None:
    project, manifest, out = tmp_path / "p", tmp_path / "m.yaml", tmp_path / "new"
    project.mkdir()
    first, second = OutDir(out, manifest, project), OutDir(out, manifest, project)
    assert first.check() == set() and second.check() == set()  # OUT is not there yet
    first.replace(BEFORE)
    with pytest.raises(OutError, match="is being written by another synth"):
        second.replace(AFTER)
    second.close()
    first.close()
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["files"] == sorted(BEFORE)


def test_synth_names_the_out_another_synth_holds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    held = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = synth("--out", str(out), "--no-lint")
    finally:
        os.close(held)
    assert result.returncode == EXIT_INVALID
    assert result.stderr == (
        f"synth: OUT '{out}' is being written by another synth (it holds OUT's lock); wait for"
        " that one to finish, or choose another OUT\n"
    )
    assert list(out.iterdir()) == []


def _failing_os(fail: Callable[[str, int, tuple[Any, ...]], bool]) -> types.SimpleNamespace:
    """tools.outdir's `os`, with each call of a function of it first asked to ``fail``
    (its name, how many calls of it so far, its arguments): ENOSPC for a write, else EROFS."""
    calls: dict[str, int] = {}

    class FailingOs(types.SimpleNamespace):
        def __getattr__(self, name: str) -> Any:
            real = getattr(os, name)
            if not callable(real) or isinstance(real, type):
                return real

            def call(*args: Any, **kwargs: Any) -> Any:
                calls[name] = calls.get(name, 0) + 1
                if fail(name, calls[name], args):
                    code = errno.ENOSPC if name == "write" else errno.EROFS
                    raise OSError(code, os.strerror(code))
                return real(*args, **kwargs)

            return call

    return FailingOs()


def _assert_whole(out: Path, written: dict[str, str], *, exactly: bool = True) -> None:
    """No temporary file; the marker lists the files there (exactly them, or some absent
    too), each one whole."""
    found = {k: v for k, v in tree(out).items() if v != "/"}
    assert not [rel for rel in found if rel.endswith(TEMP)]
    listed = json.loads(found.pop(MARKER))["files"]
    if exactly:
        assert sorted(found) == listed
    else:
        assert set(found) <= set(listed)
    for rel, data in found.items():
        assert data == written[rel].encode(), rel


@pytest.mark.parametrize("always", [False, True], ids=["one-write", "disk-full"])
def test_a_full_disk_at_any_write_leaves_no_half_written_file_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, always: bool
) -> None:
    """os.write raises ENOSPC at its Nth call (and, disk-full, at every later one)."""
    for n in range(1, len(AFTER) + 2):
        project, manifest, out, _ = _setup(tmp_path / f"n{n}")
        monkeypatch.setattr(
            outdir,
            "os",
            _failing_os(
                lambda name, k, _a, n=n: name == "write" and (k == n or (always and k > n))
            ),
        )
        with pytest.raises(OutIOError, match=r"^could not be written \(No space left on device"):
            replace(out, manifest, project, AFTER)
        monkeypatch.setattr(outdir, "os", os)
        # With the disk full the marker cannot be rewritten: it may list files that are absent.
        _assert_whole(out, AFTER, exactly=not always)
        # The next synth writes it again.
        replace(out, manifest, project, AFTER)
        _assert_whole(out, AFTER)


def _read_only(folder: Path) -> contextlib.AbstractContextManager[bool]:
    """``folder`` read-only by a bind mount, if this system allows one (True), else nothing
    (False): the tests run as root, which chmod does not stop."""

    @contextlib.contextmanager
    def mounted() -> Iterator[bool]:
        mount = shutil.which("mount")
        ok = bool(mount) and (
            subprocess.run(
                [mount, "--bind", str(folder), str(folder)], capture_output=True
            ).returncode
            == 0
        )
        if (
            ok
            and subprocess.run(
                [mount, "-o", "remount,bind,ro", str(folder)], capture_output=True
            ).returncode
        ):
            subprocess.run(["umount", str(folder)], capture_output=True)
            ok = False
        try:
            yield ok
        finally:
            if ok:
                subprocess.run(["umount", str(folder)], check=True)

    return mounted()


def test_a_read_only_out_is_an_io_error_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 74 and one line naming OUT; nothing in it changed. A read-only bind mount where
    the system allows one, else the file system's EROFS simulated (every open to write,
    mkdir, unlink, rename of tools/outdir.py raises it)."""
    from tools import synth as synth_tool

    out = tmp_path / "out"
    manifest = tmp_path / "publishing.yaml"
    manifest.write_text("owner: acme\nrepositories:\n  - name: one\n    npm: {}\n", "utf-8")
    replace(out, manifest, ROOT, BEFORE)
    before = tree(out)
    monkeypatch.chdir(ROOT)
    with _read_only(out) as mounted:
        if not mounted:
            writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT

            def refused(name: str, _k: int, args: tuple[Any, ...]) -> bool:
                if name == "open":
                    return bool(args[1] & writes)
                return name in {"mkdir", "unlink", "rename", "rmdir"}

            monkeypatch.setattr(outdir, "os", _failing_os(refused))
        code = synth_tool.main(["--manifest", str(manifest), "--out", str(out), "--no-lint"])
        err = capsys.readouterr().err
        assert tree(out) == before
    assert code == EXIT_IO
    assert err.count("\n") == 1
    assert err.startswith(
        f"synth: OUT '{out}' could not be written (Read-only file system: deleting the files of"
        " the previous synth); no file in it is half-written"
    )


def test_synth_exits_74_on_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tools import synth as synth_tool

    out = tmp_path / "out"
    manifest = tmp_path / "publishing.yaml"
    manifest.write_text("owner: acme\nrepositories:\n  - name: one\n    npm: {}\n", "utf-8")
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(outdir, "os", _failing_os(lambda name, k, _a: name == "write" and k == 2))
    code = synth_tool.main(["--manifest", str(manifest), "--out", str(out), "--no-lint"])
    err = capsys.readouterr().err
    assert code == EXIT_IO
    assert err == (
        f"synth: OUT '{out}' could not be written (No space left on device: plan.json); no file"
        f" in it is half-written and its marker {MARKER} lists only whole files; free space or"
        " make OUT writable, then run synth again\n"
    )
    monkeypatch.setattr(outdir, "os", os)
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["files"] == []
    assert sorted(p.name for p in out.iterdir()) == [MARKER]


def test_a_temporary_file_a_killed_synth_left_is_synth_s_own(tmp_path: Path) -> None:
    project, manifest, out, _ = _setup(tmp_path)
    (out / TEMP).write_text("half", encoding="utf-8")
    (out / "files/acme/one" / TEMP).write_text("half", encoding="utf-8")
    (out / "files/acme/two" / TEMP).write_text("half", encoding="utf-8")
    replace(out, manifest, project, AFTER)
    _assert_whole(out, AFTER)
