"""Reading the manifest's YAML, refusing hostile input fast.

libyaml (PyYAML's C parser) reads the text's events once and counts them against the
bounds below (:mod:`._events`); only a manifest within them is composed, by ruamel's
composer and constructor from the same events, into round-trip nodes with line numbers.
The size (``MAX_BYTES``) and the line length are checked before any of it, the number of
values once aliases are expanded (``MAX_VALUES``) after it, counted over the shared nodes
without expanding them, so an alias bomb is refused in milliseconds. A binary, non-UTF-8
or empty file and tabs used for indentation each get their own message. Also the name
generated files give the manifest (:func:`manifest_name`).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .._core._errors import ManifestError, ManifestIssue
from .._core._fields import control_problem
from ._events import BoundError, Bounds, Events, SwapError, scan, swap_breaks

# Reading and validating any manifest takes at most 2 s and 300 MB on the project's 2-core
# machine (tests/manifest/test_hostile_input.py bounds the work, `make bench` shows it): a
# manifest lists at most 3,000 repositories (1.5 times the org `make bench` measures), and
# the bounds below are in proportion: 20 values written for each (a repository's own
# settings; shared ones go under defaults), 40 once aliases are expanded, 2 aliases. 10 MB
# holds them with room for comments; a manifest nests 6 levels deep; its largest mapping,
# a repository, has 16 keys; any other list a handful of items (each repository works
# through the lists of defaults: 300 items keep that linear); its longest value, a
# description, 350 characters.
MAX_REPOSITORIES = 3_000
MAX_BYTES = 10_000_000
MAX_DEPTH = 20
MAX_WRITTEN = 20 * MAX_REPOSITORIES
MAX_VALUES = 40 * MAX_REPOSITORIES
MAX_ALIASES = 2 * MAX_REPOSITORIES
MAX_ITEMS = 300
MAX_KEYS = 100
MAX_CHARACTERS = 20_000
BOUNDS = Bounds(
    values=MAX_WRITTEN,
    aliases=MAX_ALIASES,
    repositories=MAX_REPOSITORIES,
    items=MAX_ITEMS,
    keys=MAX_KEYS,
    characters=MAX_CHARACTERS,
    depth=MAX_DEPTH,
)
# Inputs libyaml refuses: up to this size ruamel, which reads the rest of the manifest,
# words the error (its messages are the ones below); a larger one gets libyaml's words.
_RUAMEL_WORDS = 64_000
# A manifest line is short (a description is at most 350 characters): a longer one is
# refused before any of the text is parsed.
MAX_LINE = 20_000
# Anchored at line starts: unanchored, the search read each long line once per character.
_LONG_LINE = re.compile(f"^[^\\n]{{{MAX_LINE + 1}}}", re.MULTILINE)
_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S*)", re.MULTILINE)


class _Composer(Composer):
    """ruamel's composer with its parser and resolver as plain attributes: its properties
    looked them up again for every event (a third of its time)."""

    parser: Any = None
    resolver: Any = None

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.parser = loader.parser
        self.resolver = loader.resolver


def _reader() -> YAML:
    """A new reader per document: ruamel's composer keeps its depth after an error."""
    reader = YAML(typ="rt")
    reader.allow_duplicate_keys = False
    reader.max_depth = MAX_DEPTH
    return reader


def _refuse(source: str, line: int | None, message: str, path: str = "(file)") -> ManifestError:
    return ManifestError([ManifestIssue(source, line, path, message)])


def git_root(path: Path) -> Path | None:
    """The root of the git repository holding ``path`` (a resolved path), if any."""
    for folder in path.parents:
        if (folder / ".git").exists():
            return folder
    return None


def manifest_name(path: str | Path) -> str:
    """The manifest's name in every generated file, the same wherever it lies: its path from
    the root of the git repository that holds it, or its file name when none does."""
    full = Path(path).resolve()
    root = git_root(full)
    name = full.relative_to(root).as_posix() if root is not None else full.name
    problem = control_problem(name)
    if problem is not None:
        where = repr(str(path))  # quoted: the path itself must not break the message's line
        raise _refuse(
            where, None, f"the manifest's path {problem.replace('remove it', 'rename it')}"
        )
    return name


def read_manifest_text(path: str | Path, source: str) -> str:
    """The manifest file's text: a regular UTF-8 text file of at most ``MAX_BYTES``."""
    try:
        with open(path, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise _refuse(source, None, "is not a regular file; point it at the manifest file")
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise _refuse(
            source,
            None,
            "does not exist; create it or point the stack config"
            " 'ghpublish:manifest' (MANIFEST= for make) at the manifest",
        ) from None
    except IsADirectoryError:
        raise _refuse(source, None, "is a directory; point it at the manifest file") from None
    except OSError as exc:
        raise _refuse(source, None, f"cannot be read ({exc.strerror}); fix the file") from None
    if len(data) > MAX_BYTES:
        raise _refuse(
            source,
            None,
            f"is larger than {MAX_BYTES:,} bytes; a manifest is far smaller (split a larger"
            " org into several manifests, one per stack)",
        )
    if b"\0" in data:
        raise _refuse(
            source,
            None,
            "is a binary file (it holds NUL bytes), not YAML text; point it at the manifest",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _refuse(
            source,
            line,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read); save it as UTF-8",
        ) from None


def _yaml_problem(exc: MarkedYAMLError | yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    if isinstance(exc, MaxDepthExceededError):
        return line, (
            f"nests deeper than {MAX_DEPTH} levels (a manifest needs 6); flatten the lists"
            " and mappings"
        )
    if mark is not None and "'\\t'" in str(exc.problem):
        lines = text.splitlines()
        start = lines[mark.line][: mark.column + 1] if mark.line < len(lines) else ""
        if "\t" in start and not start.strip(" \t"):
            return line, "tabs are not allowed for indentation in YAML; indent with spaces"
    plain = _plain_syntax_error(exc, text)
    if plain is not None:
        return plain
    detail = " ".join(str(p) for p in (exc.context, exc.problem) if p)
    return line, f"is not valid YAML: {detail}; fix it"


def _plain_syntax_error(
    exc: MarkedYAMLError | yaml.MarkedYAMLError, text: str
) -> tuple[int, str] | None:
    """The common syntax slips in plain words, at the line where the construct starts (an
    unclosed quote where it opens, not at the end of the file); None for any other error."""
    context, problem = str(exc.context or ""), str(exc.problem or "")
    opened = exc.context_mark.line + 1 if exc.context_mark is not None else None
    found = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
    if opened is not None and context == "while scanning a quoted scalar":
        return opened, (
            "is not valid YAML: this quoted string is never closed; end it with the quote"
            " it opens with (or remove the opening quote)"
        )
    for kind, opening, closing, what in (
        ("sequence", "[", "]", "list"),
        ("mapping", "{", "}", "mapping"),
    ):
        if opened is not None and context in (
            f"while parsing a flow {kind}",
            f"while scanning a flow {kind}",
        ):
            return opened, (
                f"is not valid YAML: this {opening} {what} is never closed"
                f" (or misses a comma between its items); end it with {closing} on the same"
                " line, or write it as an indented block"
            )
    if opened is not None and context == "while scanning a simple key":
        return opened, (
            "is not valid YAML: this key has no colon; write 'key: value' (or 'key:' followed"
            " by its indented block)"
        )
    if found is not None and "expected <block end>" in problem:
        return found, (
            "is not valid YAML: this line is indented differently from the lines it belongs"
            " with; indent every key of one mapping (and every item of one list) by the same"
            " number of spaces"
        )
    if found is not None and problem == "mapping values are not allowed here":
        lines = text.splitlines()
        above = _line_above(lines, found - 1)
        if above is not None and ":" not in _strip_comment(lines[above]):
            return above + 1, (
                "is not valid YAML: this key has no colon; write 'key: value' (or 'key:'"
                " followed by its indented block)"
            )
        return found, (
            "is not valid YAML: this line is indented deeper than the line above, which"
            " already has its value; indent it like the keys beside it (or quote a value"
            " holding ': ')"
        )
    return None


def _line_above(lines: list[str], index: int) -> int | None:
    """The index of the last line before ``index`` holding more than a comment."""
    for above in range(min(index, len(lines)) - 1, -1, -1):
        if _strip_comment(lines[above]).strip():
            return above
    return None


def _strip_comment(line: str) -> str:
    """``line`` without a trailing comment (a `#` at its start or after a space)."""
    stripped = line.lstrip()
    if stripped.startswith("#"):
        return ""
    cut = line.find(" #")
    return line if cut < 0 else line[:cut]


class _RefusedError(Exception):
    """The walk stops at ``node``: ``kind`` is "deep" or "large"."""

    def __init__(self, kind: str, node: object) -> None:
        self.kind, self.node = kind, node


def _line_of(node: object) -> int | None:
    return node.lc.line + 1 if isinstance(node, CommentedBase) else None


def _walk(node: object, depth: int, seen: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(values, height) of ``node`` with every alias expanded, each shared node walked once.

    ruamel reads a recursive alias as null: the nodes form no cycle.
    """
    if not isinstance(node, (Mapping, list)):
        return 1, 0
    key = id(node)
    if key not in seen:
        if depth > MAX_DEPTH:
            raise _RefusedError("deep", node)
        # A mapping counts its keys too.
        children, per_child = (node.values(), 1) if isinstance(node, Mapping) else (node, 0)
        total, height = 1, 0
        for child in children:
            size, below = _walk(child, depth + 1, seen)
            total += size + per_child
            height = max(height, below + 1)
            if total > MAX_VALUES:
                raise _RefusedError("large", node)
        seen[key] = (total, height)
    if depth + seen[key][1] > MAX_DEPTH:
        raise _RefusedError("deep", node)
    return seen[key]


_REFUSALS = {
    "deep": f"nests deeper than {MAX_DEPTH} levels once its aliases are expanded (a manifest"
    " needs 6); use fewer aliases",
    "large": f"its anchors and aliases expand to more than {MAX_VALUES:,} values (an alias"
    " bomb?); use fewer aliases",
}


_BOUND_MESSAGES = {
    "values": f"holds more than {MAX_WRITTEN:,} values, {MAX_WRITTEN // MAX_REPOSITORIES} for"
    f" each of the {MAX_REPOSITORIES:,} repositories a manifest lists at most; split the org"
    " into several manifests (one per stack), or move settings shared by many repositories"
    " to defaults",
    "aliases": f"is alias number {MAX_ALIASES + 1:,}; a manifest holds at most"
    f" {MAX_ALIASES:,} ({MAX_ALIASES // MAX_REPOSITORIES} for each of the"
    f" {MAX_REPOSITORIES:,} repositories it lists at most); move what they share to defaults",
    "items": f"this list has more than {MAX_ITEMS} items; a manifest's lists have far fewer"
    " (repositories aside, which may hold 3,000; a shard matches many with one glob)",
    "keys": f"this mapping has more than {MAX_KEYS} keys; a manifest's mappings have far"
    " fewer (a repository has 16 settings); remove the keys ghpublish does not read",
    "repositories": f"is repository number {MAX_REPOSITORIES + 1:,}; a manifest lists at most"
    f" {MAX_REPOSITORIES:,}; split the org into several manifests, one per stack",
    "depth": f"nests deeper than {MAX_DEPTH} levels (a manifest needs 6); flatten the lists"
    " and mappings",
    "complex": "has a list or a mapping as a key; a manifest's keys are names, write one",
    "characters": f"is longer than {MAX_CHARACTERS:,} characters; a manifest value is far"
    " shorter (a description has at most 350)",
}


def _bound_message(exc: BoundError) -> str:
    if exc.kind == "break":
        return (
            f"holds U+{ord(exc.char):04X} outside a value (in a comment?), which YAML 1.1 reads"
            " as a line break and YAML 1.2 as a character; remove it"
        )
    return _BOUND_MESSAGES[exc.kind]


def _compose(text: str, source: str) -> object:
    """The round-trip nodes of ``text``: libyaml's events, once counted within
    :data:`BOUNDS`, through ruamel's composer and constructor."""
    try:
        swapped, back = swap_breaks(text)
    except SwapError:
        raise _refuse(
            source,
            None,
            "holds YAML 1.1 line breaks (U+0085, U+2028 or U+2029) and every private-use"
            " character; remove the line breaks",
        ) from None
    try:
        scan(swapped, BOUNDS, back)
    except BoundError as exc:
        raise _refuse(source, exc.line, _bound_message(exc), exc.path) from None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, source) from None
    return _construct(Events(swapped, back), text, source)


def _construct(events: Events, text: str, source: str) -> object:
    reader = _reader()
    reader._parser = events  # ruamel's composer reads its events from here
    reader.Composer = _Composer
    try:
        return reader.constructor.get_single_data()
    except MarkedYAMLError as exc:  # a duplicate key, say
        line, message = _yaml_problem(exc, text)
        raise _refuse(source, line, message, "(top level)") from None
    except YAMLError as exc:
        raise _other_error(exc, source) from None
    finally:
        events.dispose()


def _syntax_error(exc: yaml.YAMLError, text: str, source: str) -> ManifestError:
    """libyaml refused ``text``: a small manifest is read again by ruamel, whose errors
    the messages above word; a larger one (or one ruamel reads) gets libyaml's."""
    if len(text) <= _RUAMEL_WORDS:
        try:
            _reader().load(text)
        except MarkedYAMLError as again:
            line, message = _yaml_problem(again, text)
            return _refuse(source, line, message, "(top level)")
        except YAMLError as again:
            return _other_error(again, source)
        except (TypeError, ValueError):  # ruamel fails on a list as a key before the error
            pass
    if isinstance(exc, yaml.MarkedYAMLError):
        line, message = _yaml_problem(exc, text)
        return _refuse(source, line, message, "(top level)")
    return _other_error(exc, source)


def _other_error(exc: Exception, source: str) -> ManifestError:
    detail = " ".join(str(exc).split())
    return _refuse(source, None, f"is not valid YAML: {detail}; fix it", "(top level)")


def load_yaml(text: str, source: str) -> object:
    """The YAML document in ``text`` as ruamel's round-trip nodes (line numbers kept)."""
    if len(text) > MAX_BYTES:
        raise _refuse(source, None, f"is larger than {MAX_BYTES:,} characters; split it")
    if "\0" in text:
        raise _refuse(source, None, "holds NUL characters, not YAML text; fix the file")
    long = _LONG_LINE.search(text)
    if long is not None:
        raise _refuse(
            source,
            text.count("\n", 0, long.start()) + 1,
            f"has a line longer than {MAX_LINE:,} characters; a manifest line is far shorter"
            " (write long lists one item per line)",
        )
    for directive in _DIRECTIVE.finditer(text):
        if directive.group(1) != "1.2":
            raise _refuse(
                source,
                text.count("\n", 0, directive.start()) + 1,
                f"declares %YAML {directive.group(1)}; ghpublish reads YAML 1.2 (where 0x14 and"
                " 1_0 are text), remove the directive",
            )
    tree = _compose(text, source)
    if tree is None:
        raise _refuse(
            source,
            None,
            "the manifest is empty; expected a mapping with keys owner, defaults and repositories",
        )
    try:
        _walk(tree, 1, {})
    except _RefusedError as exc:
        raise _refuse(source, _line_of(exc.node), _REFUSALS[exc.kind], "(top level)") from None
    return tree
