"""The synth output directory: synth deletes only what it wrote there itself.

A directory synth writes holds a marker file listing every file it wrote. On the next run
synth removes exactly those files (and the folders it made that they leave empty); it
refuses an OUT that holds anything else (a file it did not write, a symlink, the manifest,
the project), so that no path given by mistake (`OUT=.`) ever loses a file.

Nothing outside OUT is written or deleted, whatever is swapped in while synth runs: OUT is
opened once, and every step below it goes through the descriptor of a folder opened without
following a symlink (``dir_fd=``, ``O_NOFOLLOW``), so a folder replaced by a symlink stops
the run (OutError) instead of leading out of OUT, and a file replaced by one is replaced or
deleted itself, never what it points to. Each file is written under a temporary name in its
folder (``O_CREAT | O_EXCL | O_NOFOLLOW``), synced and renamed over its name: no file is ever
half-written under its own name. One synth at a time writes an OUT: it holds an exclusive
``flock`` of OUT's directory from its check to its end, and a second one is refused
(OutError). A full disk or a read-only OUT is an OutIOError (not a bug); the marker then lists
only the files written whole.
"""

from __future__ import annotations

__all__ = ["MARKER", "TEMP", "OutDir", "OutError", "OutIOError", "check", "replace"]

import contextlib
import errno
import fcntl
import json
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

MARKER = ".ghpublish-synth.json"
# The name a file is written under in its folder before it is renamed to its own; one left
# by a run that was killed is synth's own (deleted by the next run).
TEMP = ".ghpublish-synth.tmp"
_WHAT = "written by `make synth` (ghpublish): the files below are deleted by the next synth"
# How many unknown entries a refusal names.
_SHOWN = 5
_HINT = (
    "synth writes only into a new or empty directory, or one it wrote before; choose another"
    " OUT, such as OUT=build/synth"
)
_CHANGED = (
    "changed while synth wrote it ({what}); nothing outside OUT was touched; check what"
    " replaced it and run synth again"
)
_A_FILE = "is a file, not a directory; choose another OUT, such as OUT=build/synth"
_BUSY = (
    "is being written by another synth (it holds OUT's lock); wait for that one to finish,"
    " or choose another OUT"
)
# A folder below OUT: opened as a folder, never through a symlink.
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# The marker: read as a file, never through a symlink, never waiting on a FIFO.
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
# What a folder replaced by a symlink or a file makes opening it raise.
_NOT_A_FOLDER = {errno.ELOOP, errno.ENOTDIR}


class OutError(Exception):
    """OUT cannot be written safely; the message says why and what to do."""


class OutIOError(Exception):
    """OUT could not be written (a full disk, a read-only OUT): an I/O error, not a bug."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _holds(folder: int, path: Path) -> bool:
    """Whether ``path`` (resolved) or a folder above it is the folder open as ``folder``."""
    mine = _identity(os.fstat(folder))
    resolved = path.resolve()
    for above in (resolved, *resolved.parents):
        try:
            if _identity(os.stat(above)) == mine:
                return True
        except OSError:
            continue
    return False


def _relative(name: object) -> bool:
    """A path synth writes: relative, '/'-separated, below OUT (no '..', '.', or '')."""
    if not isinstance(name, str) or name.startswith("/") or "\\" in name or "\0" in name:
        return False
    return all(part not in {"", ".", ".."} for part in name.split("/"))


def _read_marker(root: int) -> bytes | None:
    """The marker's bytes, or None when OUT has no marker that is a regular file."""
    try:
        fd = os.open(
            MARKER, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=root
        )
    except OSError as exc:
        if exc.errno in {errno.ENOENT, *_NOT_A_FOLDER}:
            return None  # none, or a symlink: the scan names the latter
        raise OutError(f"its marker {MARKER} is unreadable ({exc}); {_HINT}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise OutError(f"its marker {MARKER} is unreadable ({exc}); {_HINT}") from None
    finally:
        os.close(fd)


def _listed(root: int) -> set[str]:
    """The files the marker says synth wrote, relative to OUT with '/'."""
    raw = _read_marker(root)
    if raw is None:
        return set()
    try:
        files = json.loads(raw.decode("utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise OutError(f"its marker {MARKER} is unreadable ({exc}); {_HINT}") from None
    if not isinstance(files, list) or not all(_relative(f) for f in files):
        raise OutError(f"its marker {MARKER} is not one synth wrote; {_HINT}")
    return set(files)


def _strangers(root: int, listed: set[str]) -> list[str]:
    """Entries under OUT synth did not write: not the marker, not listed, not a folder leading
    to a listed file, or a symlink or special file anywhere (a file named TEMP is a write
    of synth's a run left)."""
    folders = {p.as_posix() for f in listed for p in PurePosixPath(f).parents}
    found: list[str] = []

    def walk(folder: int, base: str) -> None:
        with os.scandir(folder) as entries:
            listing = sorted(entries, key=lambda e: e.name)
        dirs = [e for e in listing if _is_dir(e)]
        dir_names = {e.name for e in dirs}
        keep = []
        for entry in dirs:
            rel = base + entry.name
            if entry.is_symlink() or rel not in folders:
                found.append(rel + "/")
            else:
                keep.append(entry.name)
        for entry in listing:
            if entry.name in dir_names:
                continue
            rel = base + entry.name
            ours = rel in listed or rel == MARKER or entry.name == TEMP
            if not ours or not entry.is_file(follow_symlinks=False):
                found.append(rel)
        for name in keep:
            try:
                child = os.open(name, _FOLDER, dir_fd=folder)
            except OSError as exc:
                if exc.errno not in {errno.ENOENT, *_NOT_A_FOLDER}:
                    raise
                found.append(base + name + "/")  # replaced while being read
                continue
            try:
                walk(child, f"{base}{name}/")
            finally:
                os.close(child)

    walk(root, "")
    return found


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # a symlink to a folder is named as a folder (and refused)
    except OSError:
        return False


def _refuse_strangers(out: Path, root: int, listed: set[str]) -> None:
    strangers = _strangers(root, listed)
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


def _io_error(exc: OSError, what: str, *, wrote: bool = True) -> OutIOError:
    reason = f"{exc.strerror or exc}: {what}"
    if not wrote:
        return OutIOError(f"could not be read ({reason}); check its permissions")
    return OutIOError(
        f"could not be written ({reason}); no file in it is half-written and its marker"
        f" {MARKER} lists only whole files; free space or make OUT writable, then run synth"
        " again"
    )


class _Folders:
    """The folders below OUT, each opened once without following a symlink (and made when
    asked), by their path relative to OUT."""

    def __init__(self, root: int) -> None:
        self._open: dict[tuple[str, ...], int] = {(): root}
        self._root = root

    def get(self, parts: tuple[str, ...], *, make: bool) -> int | None:
        """The folder's descriptor; None when it is missing (and not to be made)."""
        if parts in self._open:
            return self._open[parts]
        parent = self.get(parts[:-1], make=make)
        if parent is None:
            return None
        name = parts[-1]
        if make:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o777, dir_fd=parent)
        try:
            fd = os.open(name, _FOLDER, dir_fd=parent)
        except FileNotFoundError:
            if make:  # deleted as soon as made
                raise OutError(_CHANGED.format(what="/".join(parts) + " went")) from None
            return None
        except OSError as exc:
            if exc.errno in _NOT_A_FOLDER:
                raise OutError(_CHANGED.format(what="/".join(parts) + " is no folder")) from None
            raise
        self._open[parts] = fd
        return fd

    def forget(self, parts: tuple[str, ...]) -> None:
        fd = self._open.pop(parts, None)
        if fd is not None and fd != self._root:
            os.close(fd)

    def close(self) -> None:
        for fd in self._open.values():
            if fd != self._root:
                os.close(fd)
        self._open = {(): self._root}


def _write(folder: int, name: str, data: bytes) -> None:
    """``data`` as the file ``name`` in ``folder``, whole or not at all: written under TEMP,
    synced, renamed over ``name`` (a symlink there is replaced, never followed)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(TEMP, flags, 0o666, dir_fd=folder)
    except FileExistsError:  # left by a run that was killed (or a symlink): only the name goes
        os.unlink(TEMP, dir_fd=folder)
        fd = os.open(TEMP, flags, 0o666, dir_fd=folder)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.rename(TEMP, name, src_dir_fd=folder, dst_dir_fd=folder)
        except OSError as exc:
            if exc.errno in {errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR}:
                raise OutError(_CHANGED.format(what=f"{name} is a folder")) from None
            raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(TEMP, dir_fd=folder)
        raise


def _marker(files: list[str]) -> bytes:
    return (json.dumps({"what": _WHAT, "files": sorted(files)}, indent=2) + "\n").encode()


def _split(rel: str) -> tuple[tuple[str, ...], str]:
    *folders, name = rel.split("/")
    return tuple(folders), name


class OutDir:
    """One synth's hold on OUT: ``check`` it, later ``replace`` what it holds, then ``close``
    (or use it as a context manager). From the check on (or from ``replace`` when OUT did
    not exist yet) it holds OUT's lock: a second synth into the same OUT is refused."""

    def __init__(self, out: Path, manifest: Path, project: Path) -> None:
        self.out, self.manifest, self.project = out, manifest, project
        self._root: int | None = None

    def __enter__(self) -> OutDir:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Release OUT (and its lock)."""
        if self._root is not None:
            os.close(self._root)
            self._root = None

    def _refuse_project(self, root: int | None) -> None:
        where = self.out.resolve()
        project, manifest = self.project, self.manifest
        if _inside(project.resolve(), where) or (root is not None and _holds(root, project)):
            raise OutError(f"holds the ghpublish project ({project}); {_HINT}")
        if _inside(manifest.resolve(), where) or (root is not None and _holds(root, manifest)):
            raise OutError(f"holds the manifest {manifest}; {_HINT}")

    def _lock(self, create: bool) -> int | None:
        """OUT's descriptor, locked (None if OUT does not exist and is not to be made)."""
        if self._root is not None:
            return self._root
        if create:
            try:
                self.out.mkdir(parents=True, exist_ok=True)
            except FileExistsError:
                raise OutError(_A_FILE) from None
            except OSError as exc:
                raise _io_error(exc, str(self.out)) from None
        try:
            root = os.open(self.out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            if self.out.is_symlink():
                raise OutError("is a symlink to nothing; remove it or choose another OUT") from None
            return None
        except NotADirectoryError:
            raise OutError(_A_FILE) from None
        try:
            fcntl.flock(root, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(root)
            raise OutError(_BUSY) from None
        except OSError:
            os.close(root)
            raise
        self._root = root
        return root

    def check(self) -> set[str]:
        """Refuse an OUT synth may not write (OutError); else lock it (when it exists) and
        return the files synth wrote there before."""
        self._refuse_project(None)
        if self.out.is_symlink() and not self.out.exists():
            raise OutError("is a symlink to nothing; remove it or choose another OUT")
        if self.out.exists() and not self.out.is_dir():
            raise OutError(_A_FILE)
        try:
            root = self._lock(create=False)
            if root is None:
                return set()
            return self._scan(root)
        except OSError as exc:
            raise _io_error(exc, str(self.out), wrote=False) from None

    def _scan(self, root: int) -> set[str]:
        self._refuse_project(root)
        listed = _listed(root)
        _refuse_strangers(self.out, root, listed)
        return listed

    def replace(self, files: Mapping[str, str]) -> list[Path]:
        """Remove what synth wrote in OUT before, then write ``files`` (relative path →
        text) and the marker listing them; the paths written, in order."""
        listed = self.check()
        if not all(_relative(rel) and _split(rel)[1] != TEMP for rel in files):
            # Generated paths come from validated names: this is a bug, reported as one (exit 70).
            raise RuntimeError(f"a generated path leaves OUT: {sorted(files)[:_SHOWN]}")
        step = str(self.out)
        try:
            root = self._lock(create=True)  # a new OUT: made now, locked, checked again
            assert root is not None
            if not listed:
                listed = self._scan(root)
            folders = _Folders(root)
        except OSError as exc:
            raise _io_error(exc, step) from None
        done: list[str] = []
        made: set[tuple[str, ...]] = set()
        writing = False  # past the deletions: a failure leaves the marker listing `done`
        try:
            step = "deleting the files of the previous synth"
            self._remove(folders, listed)
            writing = True
            # The marker first: a run stopped half-way leaves only files the marker lists.
            step = MARKER
            _write(root, MARKER, _marker(list(files)))
            for rel, text in files.items():
                step = rel
                parts, name = _split(rel)
                made.update(_ancestors(parts))
                _write(folders.get(parts, make=True), name, text.encode("utf-8"))
                done.append(rel)
        except OSError as exc:
            if writing:
                self._undo(folders, root, done, made)
            raise _io_error(exc, step) from None
        except OutError:
            if writing:
                self._undo(folders, root, done, made)
            raise
        finally:
            folders.close()
        return [self.out / rel for rel in files]

    @staticmethod
    def _remove(folders: _Folders, previous: set[str]) -> None:
        """Delete the files listed before and the folders they leave empty."""
        for rel in sorted(previous):
            parts, name = _split(rel)
            folder = folders.get(parts, make=False)
            if folder is None:
                continue
            try:
                os.unlink(name, dir_fd=folder)
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                raise OutError(_CHANGED.format(what=f"{rel} is a folder")) from None
        above = {p for rel in previous for p in _ancestors(_split(rel)[0])}
        for parts in {(), *above}:  # what a run that was killed left half-written
            folder = folders.get(parts, make=False)
            if folder is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(TEMP, dir_fd=folder)
        _prune(folders, above)

    @staticmethod
    def _undo(folders: _Folders, root: int, done: list[str], made: set[tuple[str, ...]]) -> None:
        """After a failed write: the marker lists only the files written whole (best effort:
        on a full disk the previous marker may stay, listing files that are absent), and the
        folders left empty go."""
        with contextlib.suppress(OSError, OutError):
            _write(root, MARKER, _marker(done))
        needed = {p for rel in done for p in _ancestors(_split(rel)[0])}
        with contextlib.suppress(OSError, OutError):
            _prune(folders, made - needed)


def _ancestors(parts: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The folder and those above it, below OUT."""
    return (parts[:i] for i in range(1, len(parts) + 1))


def _prune(folders: _Folders, candidates: set[tuple[str, ...]]) -> None:
    """Remove those of ``candidates`` that are empty folders, the deepest first."""
    for parts in sorted(candidates, key=len, reverse=True):
        folders.forget(parts)
        parent = folders.get(parts[:-1], make=False)
        if parent is None:
            continue
        try:
            os.rmdir(parts[-1], dir_fd=parent)
        except OSError as exc:
            # Not empty, gone, or no folder any more (a symlink is never followed here).
            if exc.errno not in {errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT, errno.ENOTDIR}:
                raise


def check(out: Path, manifest: Path, project: Path) -> set[str]:
    """Refuse an OUT synth may not write (OutError); else the files it wrote there before."""
    with OutDir(out, manifest, project) as target:
        return target.check()


def replace(out: Path, manifest: Path, project: Path, files: Mapping[str, str]) -> list[Path]:
    """Remove what synth wrote in ``out`` before, then write ``files`` (relative path →
    text) and the marker listing them; the paths written, in order."""
    with OutDir(out, manifest, project) as target:
        return target.replace(files)
