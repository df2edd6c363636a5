"""The manifest's YAML events from libyaml: bounded first, then handed to ruamel's composer.

ruamel's own scanner and parser are pure Python: about a microsecond a character and 30 a
value, so a 10 MB manifest, or 200,000 keys, took it tens of seconds. libyaml (PyYAML's C
parser, a pinned dependency) reads the same text in milliseconds. :func:`scan` reads its
events once and counts them against :class:`Bounds`, stopping at the first one past a
bound; only a manifest within them is read again, by :class:`Events`, whose events
ruamel's composer and constructor turn into the round-trip nodes (line numbers, YAML 1.2
types, duplicate keys refused) as before.

libyaml reads YAML 1.1's line breaks NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR as line
breaks, YAML 1.2 as characters: :func:`swap_breaks` swaps each for a private character
the text does not hold, and :class:`Events` swaps it back in every value (the manifest's
rules then refuse it there, as a control character); :func:`scan` refuses one outside
every value (in a comment, say), which ruamel's scanner read as a line break.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import events as rt
from ruamel.yaml.tag import Tag

# YAML 1.1 line breaks that YAML 1.2 reads as characters.
_BREAKS_11 = "\u0085\u2028\u2029"
_PRIVATE = range(0xE000, 0xF900)


@dataclass(frozen=True)
class Bounds:
    """What a manifest may hold: values (scalars, lists, mappings and aliases, each
    counted once where it is written), aliases, repositories, items in any other list,
    keys in one mapping, characters in one value, levels of nesting."""

    values: int
    aliases: int
    repositories: int
    items: int
    keys: int
    characters: int
    depth: int


class BoundError(Exception):
    """The node at ``line`` (1-based) and key ``path`` goes past the bound ``kind``, a
    field of :class:`Bounds` ("items", "keys": ``line`` and ``path`` are the list's or the
    mapping's), or
    "complex": a list or mapping as a key (the path is its mapping's), or "break": a YAML
    1.1 line break (``char``) outside every value."""

    def __init__(self, line: int, path: str, kind: str, char: str = "") -> None:
        super().__init__(kind)
        self.line, self.path, self.kind, self.char = line, path, kind, char


class SwapError(Exception):
    """The text holds every private character a YAML 1.1 line break could be swapped for."""


def swap_breaks(text: str) -> tuple[str, dict[int, str]]:
    """``text`` with each YAML 1.1-only line break swapped for a private character it does
    not hold, and the table that swaps them back ({} when it holds none)."""
    present = [c for c in _BREAKS_11 if c in text]
    if not present:
        return text, {}
    used = set(text)
    free = (chr(c) for c in _PRIVATE if chr(c) not in used)
    there: dict[int, str] = {}
    for char in present:
        stand_in = next(free, None)
        if stand_in is None:
            raise SwapError
        there[ord(char)] = stand_in
    return text.translate(there), {ord(stand_in): chr(c) for c, stand_in in there.items()}


def _events(text: str) -> Iterator[Any]:
    return yaml.parse(text, Loader=yaml.CSafeLoader)


class _Open:
    """A mapping or list being read: where it starts, how many nodes (keys and values) it
    holds so far, a mapping's latest key."""

    __slots__ = ("items", "key", "line", "mapping")

    def __init__(self, mapping: bool, line: int) -> None:
        self.mapping, self.line, self.items, self.key = mapping, line, 0, "?"


_NODES = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class _Counter:
    """The counts of :func:`scan`, and the key path of the node being read."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self.values = self.aliases = 0
        self.open: list[_Open] = []

    def event(self, event: Any) -> None:
        kind = type(event)
        if kind in _ENDS:
            self.open.pop()
        elif kind in _NODES:
            self._node(event, kind, event.start_mark.line + 1)

    def _node(self, event: Any, kind: type, line: int) -> None:
        if len(self.open) >= self.bounds.depth:
            raise BoundError(line, "(top level)", "depth")
        self._add_item(event, line)
        self.values += 1
        if self.values > self.bounds.values:
            raise BoundError(line, "(top level)", "values")
        if kind is yaml.AliasEvent:
            self.aliases += 1
            if self.aliases > self.bounds.aliases:
                raise BoundError(line, self.path(), "aliases")
        elif kind is yaml.ScalarEvent and len(event.value) > self.bounds.characters:
            raise BoundError(line, self.path(), "characters")
        if kind in _STARTS:
            self.open.append(_Open(kind is yaml.MappingStartEvent, line))

    def _add_item(self, event: Any, line: int) -> None:
        """Count ``event`` in the collection it is in; a mapping keeps its current key."""
        if not self.open:
            return
        parent = self.open[-1]
        parent.items += 1
        if not parent.mapping:
            if self._is_repositories():
                if parent.items > self.bounds.repositories:
                    raise BoundError(line, self.path(), "repositories")
            elif parent.items > self.bounds.items:
                raise BoundError(parent.line, self.path(len(self.open) - 1), "items")
            return
        if parent.items > 2 * self.bounds.keys:
            raise BoundError(parent.line, self.path(len(self.open) - 1), "keys")
        if parent.items % 2:  # a key
            if type(event) in _STARTS:  # ruamel cannot hold it, and no manifest needs one
                raise BoundError(line, self.path(len(self.open) - 1), "complex")
            value = getattr(event, "value", None)
            parent.key = value if isinstance(value, str) else "?"

    def _is_repositories(self) -> bool:
        """The list being read is the manifest's ``repositories``."""
        return len(self.open) == 2 and self.open[0].mapping and self.open[0].key == "repositories"

    def path(self, depth: int | None = None) -> str:
        """The key path (``repositories[3].npm``) of the node being read, or of the
        collection open at ``depth``."""
        out = ""
        for entry in self.open[:depth]:
            if not entry.mapping:
                out += f"[{entry.items - 1}]"
            elif entry.items % 2 == 0:  # its value is being read
                out += f".{entry.key}" if out else entry.key
        return out or "(top level)"


def scan(text: str, bounds: Bounds, back: dict[int, str]) -> int:
    """Read libyaml's events of ``text`` (swapped by :func:`swap_breaks`, ``back`` its
    table), each against ``bounds``: the number of events, or :class:`BoundError` at the
    first node past a bound. A syntax error is libyaml's ``yaml.YAMLError``."""
    counter = _Counter(bounds)
    count = 0
    spans: list[tuple[int, int]] = []  # where the values holding a swapped break are
    swapped = re.compile("[" + "".join(map(chr, back)) + "]") if back else None
    for event in _events(text):
        count += 1
        counter.event(event)
        if swapped is not None and type(event) is yaml.ScalarEvent and swapped.search(event.value):
            spans.append((event.start_mark.index, event.end_mark.index))
    if swapped is not None:
        _stray_break(text, swapped, back, spans)
    return count


def _stray_break(
    text: str, swapped: re.Pattern[str], back: dict[int, str], spans: list[tuple[int, int]]
) -> None:
    """:class:`BoundError` at the first swapped line break outside every value."""
    values = iter(spans)
    span = next(values, None)
    for found in swapped.finditer(text):
        at = found.start()
        while span is not None and span[1] <= at:
            span = next(values, None)
        if span is None or at < span[0]:
            line = text.count("\n", 0, at) + 1
            raise BoundError(line, "(file)", "break", back[ord(found.group())])


_HANDLES = {"!": "!", "!!": "tag:yaml.org,2002:"}


class Events:
    """ruamel's parser interface (``check_event``, ``peek_event``, ``get_event``) over
    libyaml's events of ``text``, values swapped back with ``back``."""

    def __init__(self, text: str, back: dict[int, str]) -> None:
        self._source = _events(text)
        self._text = text
        self._back = back
        self._next: Any = None
        self._handles = dict(_HANDLES)

    def check_event(self, *choices: type) -> bool:
        event = self.peek_event()
        return event is not None and (not choices or isinstance(event, choices))

    def peek_event(self) -> Any:
        if self._next is None:
            event = next(self._source, None)
            self._next = None if event is None else _CONVERT[type(event)](self, event)
        return self._next

    def get_event(self) -> Any:
        event = self.peek_event()
        self._next = None
        return event

    def dispose(self) -> None:
        self._source = iter(())

    def value(self, value: str) -> str:
        return value.translate(self._back) if self._back else value

    def document(self, event: Any) -> Any:
        self._handles = {**_HANDLES, **(event.tags or {})}
        return rt.DocumentStartEvent(
            event.start_mark, event.end_mark, explicit=event.explicit, version=event.version
        )

    def tag(self, event: Any) -> Tag | None:
        """The event's tag as ruamel's round-trip parser gives it: libyaml resolved
        ``!!str`` to ``tag:yaml.org,2002:str``; ruamel keeps the handle (and reads such a
        value as a tagged scalar, not a string), but not a verbatim ``!<...>`` tag's."""
        tag = event.tag
        if tag is None:
            return None
        if self._verbatim(event):
            return Tag(suffix=tag.replace("%", "%25"))
        prefixes = [h for h, prefix in self._handles.items() if tag.startswith(prefix)]
        if not prefixes:
            return Tag(suffix=tag.replace("%", "%25"))
        handle = max(prefixes, key=lambda h: len(self._handles[h]))
        suffix = tag[len(self._handles[handle]) :].replace("%", "%25")
        found = Tag(handle=handle, suffix=suffix, handles=self._handles)
        found.select_transform(True)
        return found

    def _verbatim(self, event: Any) -> bool:
        """The tag is written ``!<...>`` (after the anchor, if that comes first)."""
        at = event.start_mark.index
        if event.anchor is not None and self._text.startswith("&", at):
            at += 1 + len(event.anchor)
            while at < len(self._text) and self._text[at] in " \t\r\n":
                at += 1
        return self._text.startswith("!<", at)


_CONVERT: dict[type, Any] = {
    yaml.StreamStartEvent: lambda _, e: rt.StreamStartEvent(e.start_mark, e.end_mark),
    yaml.StreamEndEvent: lambda _, e: rt.StreamEndEvent(e.start_mark, e.end_mark),
    yaml.DocumentStartEvent: lambda self, e: self.document(e),
    yaml.DocumentEndEvent: lambda _, e: rt.DocumentEndEvent(
        e.start_mark, e.end_mark, explicit=e.explicit
    ),
    yaml.AliasEvent: lambda _, e: rt.AliasEvent(e.anchor, e.start_mark, e.end_mark),
    yaml.ScalarEvent: lambda self, e: rt.ScalarEvent(
        e.anchor,
        self.tag(e),
        e.implicit,
        self.value(e.value),
        e.start_mark,
        e.end_mark,
        style=e.style,
    ),
    yaml.SequenceStartEvent: lambda self, e: rt.SequenceStartEvent(
        e.anchor, self.tag(e), e.implicit, e.start_mark, e.end_mark, flow_style=e.flow_style
    ),
    yaml.SequenceEndEvent: lambda _, e: rt.SequenceEndEvent(e.start_mark, e.end_mark),
    yaml.MappingStartEvent: lambda self, e: rt.MappingStartEvent(
        e.anchor, self.tag(e), e.implicit, e.start_mark, e.end_mark, flow_style=e.flow_style
    ),
    yaml.MappingEndEvent: lambda _, e: rt.MappingEndEvent(e.start_mark, e.end_mark),
}
