"""Hostile input answered in 2 s (issue 21, finding 8): the work is bounded, not timed.

Every hostile shape within the size limit is refused by the count of libyaml's events
(``components/_manifest/_events.py``) before ruamel composes anything, after at most the
bound's number of events, with an exact message; an alias bomb is refused before its
values are expanded. The same events composed by ruamel give exactly the nodes ruamel's own
parser gives for every manifest of the project (values, types and line numbers), so a
valid manifest reads as before. `make bench` shows the time and memory of each shape.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, errors
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from test_fuzz import INVALID, free_text

from components import ManifestError, parse_manifest
from components._manifest import _events, _load, _read
from components._manifest._read import (
    MAX_REPOSITORIES,
    MAX_VALUES,
    MAX_WRITTEN,
    load_yaml,
)
from tools.bench import HOSTILE, largest_valid, manifest

_SPLIT = "split the org into several manifests, one per stack"
_VALUE = "a manifest value is far shorter (a description has at most 350)"


# (id, manifest, its one error, events read at most: the bound's own count and a few more)
SHAPES: list[tuple[str, Callable[[], str], str, int]] = [
    (
        "one-repository-aliased-300000-times",
        HOSTILE["repository aliased 300,000x"],
        f"publishing.yaml:3003: repositories[3000]: is repository number 3,001; a manifest"
        f" lists at most 3,000; {_SPLIT}",
        2 * MAX_REPOSITORIES + 10,
    ),
    (
        "200000-unknown-keys",
        HOSTILE["200,000 unknown keys"],
        "publishing.yaml:3: repositories[0]: this mapping has more than 100 keys; a manifest's"
        " mappings have far fewer (a repository has 16 settings); remove the keys ghpublish"
        " does not read",
        2 * 100 + 10,
    ),
    (
        "9000-aliases",
        HOSTILE["9,000 aliases"],
        "publishing.yaml:2004: repositories[2000][0]: is alias number 6,001; a manifest holds"
        " at most 6,000 (2 for each of the 3,000 repositories it lists at most); move what"
        " they share to defaults",
        5 * 2_001 + 20,  # each item: its start, 3 aliases, its end
    ),
    (
        "a-9-MB-value-over-900-lines",
        lambda: (
            "owner: acme\nrepositories:\n  - name: a\n    description: >-\n"
            + "".join(f"      {'d' * 9_999}\n" for _ in range(900))
        ),
        f"publishing.yaml:4: repositories[0].description: is longer than 20,000 characters;"
        f" {_VALUE}",
        20,
    ),
    (
        "flow-nesting-50000-deep-one-bracket-a-line",
        lambda: "owner: acme\nrepositories:\n" + "  [\n" * 50_000 + "  ]\n" * 50_000,
        "publishing.yaml:22: (top level): nests deeper than 20 levels (a manifest needs 6);"
        " flatten the lists and mappings",
        40,
    ),
    (
        "block-nesting-1000-deep-one-item-a-line",
        lambda: "owner: acme\nrepositories:\n" + "".join(f"{' ' * i}-\n" for i in range(1_000)),
        "publishing.yaml:22: (top level): nests deeper than 20 levels (a manifest needs 6);"
        " flatten the lists and mappings",
        40,
    ),
    (
        "100000-values",
        HOSTILE["100,000 values"],
        "publishing.yaml:202: (top level): holds more than 60,000 values, 20 for each of the"
        " 3,000 repositories a manifest lists at most; split the org into several manifests"
        " (one per stack), or move settings shared by many repositories to defaults",
        MAX_WRITTEN + 400,  # and the ends of 200 lists
    ),
    (
        "a-list-of-301-items",
        lambda: (
            "owner: acme\ndefaults:\n  actions:\n    allow:\n"
            + "".join(f"      - 'acme/a{i}@*'\n" for i in range(301))
            + "repositories: []\n"
        ),
        "publishing.yaml:5: defaults.actions.allow: this list has more than 300 items; a"
        " manifest's lists have far fewer (repositories aside, which may hold 3,000; a shard"
        " matches many with one glob)",
        2 * 300 + 20,
    ),
    (
        "3001-repositories",
        lambda: "owner: acme\nrepositories:\n" + "".join(f"  - name: r{i}\n" for i in range(3_001)),
        f"publishing.yaml:3003: repositories[3000]: is repository number 3,001; a manifest"
        f" lists at most 3,000; {_SPLIT}",
        4 * MAX_REPOSITORIES + 20,
    ),
]


class _Counted:
    """libyaml's events, counted (both reads: the count against the bounds, the composer's)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events = 0
        read = _events._events

        def counted(text: str) -> Iterator[Any]:
            for event in read(text):
                self.events += 1
                yield event

        monkeypatch.setattr(_events, "_events", counted)


def _never(*_: object) -> object:
    raise AssertionError("the bounded count refuses this before ruamel composes anything")


@pytest.mark.parametrize(
    ("make", "expected", "most"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES]
)
def test_a_hostile_shape_is_refused_by_the_count_before_anything_is_composed(
    make: Callable[[], str], expected: str, most: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = _Counted(monkeypatch)
    monkeypatch.setattr(_read, "_construct", _never)
    with pytest.raises(ManifestError) as info:
        parse_manifest(make(), "publishing.yaml")
    assert [str(issue) for issue in info.value.issues] == [expected]
    assert counted.events <= most


def test_an_alias_bomb_is_refused_before_its_values_are_expanded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted = _Counted(monkeypatch)
    monkeypatch.setattr(_load, "_plain", _never)
    with pytest.raises(ManifestError) as info:
        parse_manifest(HOSTILE["alias bomb, 8 levels"](), "publishing.yaml")
    assert [str(issue) for issue in info.value.issues] == [
        f"publishing.yaml:6: (top level): its anchors and aliases expand to more than"
        f" {MAX_VALUES:,} values (an alias bomb?); use fewer aliases"
    ]
    assert counted.events < 300  # 9 lists of 9 items and the manifest's own, read twice


def test_a_line_over_20000_characters_is_refused_before_libyaml_reads_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted = _Counted(monkeypatch)
    for name in ("a 9 MB value", "flow nesting, 50,000 deep", "block nesting, 50,000 deep"):
        with pytest.raises(ManifestError) as info:
            parse_manifest(HOSTILE[name](), "publishing.yaml")
        assert info.value.issues[0].message.startswith("has a line longer than 20,000")
    assert counted.events == 0


def test_3001_repositories_written_elsewhere_and_aliased_are_refused_where_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only `repositories` may hold more than 300 items, so an alias cannot bring more.
    monkeypatch.setattr(_read, "_construct", _never)
    repos = "".join(f"  - name: r{i}\n" for i in range(3_001))
    assert errors(f"owner: acme\nx-all: &all\n{repos}repositories: *all\n") == [
        "publishing.yaml:2: x-all: this list has more than 300 items; a manifest's lists have"
        " far fewer (repositories aside, which may hold 3,000; a shard matches many with one"
        " glob)"
    ]


def test_the_glob_bound_refuses_before_any_repository_is_matched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("components._manifest._shards.shard_matcher", _never)
    globs = "".join(f"    - 'r{i}-*'\n" for i in range(151))
    more = "".join(f"    - 'q{i}-*'\n" for i in range(150))
    text = f"owner: acme\nshards:\n  a:\n{globs}  b:\n{more}repositories:\n  - name: r1-a\n"
    assert errors(text) == [
        "publishing.yaml:2: shards: holds 301 patterns with a wildcard (*, ? or [); at most"
        " 300: list repositories by name, or match more of them with each pattern"
    ]


def test_a_valid_manifest_at_the_bounds_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # 3,000 repositories (the bound) of 17 values each, 2 of them aliases (5,998 in all, the
    # bound is 6,000), and shards: a mapping of 100 keys (the bound).
    counted = _Counted(monkeypatch)
    spec = parse_manifest(largest_valid(), "publishing.yaml")
    assert len(spec.repositories) == MAX_REPOSITORIES
    assert len(spec.shards) == 100
    assert counted.events > 2 * 17 * MAX_REPOSITORIES  # read twice: counted, composed


def test_the_2000_repository_org_of_make_bench_is_read() -> None:
    spec = parse_manifest(manifest(2000), "publishing.yaml")
    assert len(spec.repositories) == 2000


def _manifests() -> list[Path]:
    found = [ROOT / "publishing.yaml", *sorted((ROOT / "examples").rglob("publishing.yaml"))]
    found += sorted((ROOT / "tests" / "fixtures").rglob("*.yaml"))
    return [p for p in found if not p.name.startswith("Pulumi.")]


def _where(node: CommentedMap | CommentedSeq, key: object) -> object:
    """The line and column ruamel recorded for ``key`` or item (none for a merged key); of
    a mapping entry, the key's only: ghpublish reads no value's position, and an empty
    value's differs (libyaml places it after its colon, ruamel at the next token)."""
    found = (node.lc.data or {}).get(key)
    return found[:2] if found is not None else None


def _shape(node: object) -> object:
    """Values, their types and the lines and columns of ruamel's round-trip nodes."""
    if isinstance(node, CommentedMap):
        return (
            (node.lc.line, node.lc.col),
            [(_shape(k), _where(node, k), _shape(v)) for k, v in node.items()],
        )
    if isinstance(node, CommentedSeq):
        return (
            (node.lc.line, node.lc.col),
            [(_where(node, i), _shape(v)) for i, v in enumerate(node)],
        )
    return (type(node).__name__, str(node))


@pytest.mark.parametrize("path", _manifests(), ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_events_compose_the_nodes_ruamel_reads(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _shape(load_yaml(text, path.name)) == _shape(_read._reader().load(text))


YAML_12 = """\
owner: acme
x-types: [0x14, 1_0, 0o17, 017, yes, on, ~, null, 1e3, .inf, -.5, 2001-12-14, "1", '2', !!str 3]
x-folded: >-
  one
  two

  three
x-literal: |
  keep
    this
x-merge: &base {visibility: public}
repositories:
  - <<: *base
    name: a
    description: "tab\\there \\u263A"
x-tags: [!!str 1, !<tag:yaml.org,2002:str> 2, &a !local 3, ! 4, !!int "5", !!map {a: 6}]
"""


# Text without the YAML 1.1 line breaks (a value holding one is refused either way).
_TEXT = free_text.filter(lambda t: not any(c in t for c in "\u0085\u2028\u2029"))
_DATA = st.dictionaries(
    _TEXT,
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), _TEXT),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(_TEXT, c, max_size=3),
        max_leaves=12,
    ),
    min_size=1,
    max_size=4,
)


@INVALID  # the project's profile (make fuzz runs more), cheap examples
@given(_DATA, st.sampled_from([None, '"', "'", "|", ">"]), st.booleans())
def test_any_data_in_any_style_composes_as_ruamel_reads_it(
    data: dict[str, Any], style: str | None, flow: bool
) -> None:
    writer = YAML()
    writer.default_style, writer.default_flow_style = style, flow
    out = io.StringIO()
    try:
        writer.dump(data, out)
    except Exception:  # ruamel cannot write every string in every style
        return
    text = out.getvalue()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ruamel's own warnings (a reused anchor, say)
        try:
            old = _shape(_read._reader().load(text))
        except Exception:  # what ruamel refused
            old = None
        if old is None:
            with pytest.raises(ManifestError):
                load_yaml(text, "p")
        else:
            assert _shape(load_yaml(text, "p")) == old


def test_yaml_12_types_tags_merge_keys_and_block_scalars_compose_as_ruamel_reads_them() -> None:
    assert _shape(load_yaml(YAML_12, "p")) == _shape(_read._reader().load(YAML_12))


@pytest.mark.parametrize("separator", ["\u0085", "\u2028", "\u2029"])
def test_a_yaml_11_line_break_is_a_character_in_a_value_and_refused_elsewhere(
    separator: str,
) -> None:
    # libyaml (YAML 1.1) reads it as a line break, ruamel and YAML 1.2 as a character.
    text = f"owner: acme\nrepositories:\n  - name: a\n    description: 'x{separator}y'\n"
    (message,) = errors(text)
    where = "publishing.yaml:4: repositories[0].description:"
    assert message.startswith(f"{where} {f'x{separator}y'!r} holds U+{ord(separator):04X}")
    # In a comment ruamel ended the comment there and read the rest as YAML.
    comment = f"owner: acme # note{separator}owner: evil\nrepositories:\n  - name: a\n"
    assert errors(comment) == [
        f"publishing.yaml:1: (file): holds U+{ord(separator):04X} outside a value (in a"
        " comment?), which YAML 1.1 reads as a line break and YAML 1.2 as a character;"
        " remove it"
    ]


@pytest.mark.parametrize(
    ("text", "line", "path"),
    [
        ("owner: acme\n[a]: 1\n", 2, "(top level)"),
        ("owner: acme\nrepositories:\n  - name: a\n    ? {x: 1}\n    : 1\n", 4, "repositories[0]"),
        ("? [? ]: x\n", 1, "(top level)"),  # ruamel failed with a traceback
    ],
)
def test_a_list_or_mapping_as_a_key_is_refused(text: str, line: int, path: str) -> None:
    assert errors(text) == [
        f"publishing.yaml:{line}: {path}: has a list or a mapping as a key; a manifest's"
        " keys are names, write one"
    ]


def test_a_syntax_error_ruamel_cannot_word_gets_libyamls_words() -> None:
    # ruamel fails on the list as a key (a TypeError) before it reaches the syntax error.
    assert errors(": 0x1...\n?   - :\na}: ") == [
        "publishing.yaml:1: (top level): is not valid YAML: while parsing a block mapping did"
        " not find expected key; fix it"
    ]


def test_a_syntax_error_of_a_large_manifest_is_worded_by_libyaml() -> None:
    # Up to 64 KB ruamel reads the manifest again to word the error as before; past that,
    # libyaml's words, in the same form.
    large = "owner: acme\n" + "# padding\n" * 10_000 + "repositories: [\n"
    assert errors(large) == [
        "publishing.yaml:10003: (top level): is not valid YAML: while parsing a flow node did"
        " not find expected node content; fix it"
    ]
    assert errors("owner: acme\nrepositories: [\n") == [
        "publishing.yaml:3: (top level): is not valid YAML: while parsing a flow node expected"
        " the node content, but found '<stream end>'; fix it"
    ]
