"""The manifest reader: hostile input refused fast, every file mistake named plainly."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import errors, load_plan, parse, synth

from components import ManifestError, load_manifest, parse_manifest
from components._manifest._read import MAX_BYTES
from tools.bench import HOSTILE, alias_bomb


def refusal(text: str, *, memory: bool = False) -> tuple[list[str], float, int]:
    """The problems, the seconds and (with ``memory``, which slows it) the peak bytes
    allocated refusing ``text``."""
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ManifestError) as info:
            parse_manifest(text, "publishing.yaml")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if memory else 0
    finally:
        tracemalloc.stop()
    return [str(issue) for issue in info.value.issues], elapsed, peak


def test_an_alias_bomb_is_refused_fast_in_little_memory() -> None:
    problems, elapsed, peak = refusal(alias_bomb(), memory=True)
    assert problems == [
        "publishing.yaml:6: (top level): its anchors and aliases expand to more than"
        " 120,000 values (an alias bomb?); use fewer aliases"
    ]
    # Coarse bounds (figures belong to make bench): it took 50 s and 1.2 GB; now some 10 ms.
    assert elapsed < 5
    assert peak < 20_000_000


def test_the_hostile_manifests_make_bench_measures_are_refused() -> None:
    for name, make in HOSTILE.items():
        with pytest.raises(ManifestError):
            parse_manifest(make(), name)


def test_a_chain_of_aliases_deeper_than_the_bound_is_refused() -> None:
    # 50 levels (a mapping of more than 100 keys is refused before its aliases are counted).
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 50))
    problems, elapsed, _ = refusal(chain + "owner: acme\nrepositories: []\n")
    assert problems == [
        "publishing.yaml:18: (top level): nests deeper than 20 levels once its aliases are"
        " expanded (a manifest needs 6); use fewer aliases"
    ]
    assert elapsed < 5


def test_deep_nesting_is_refused_while_reading() -> None:
    # libyaml reads the events, ruamel's composer stops at depth 21: milliseconds.
    # 5,000 deep on one line of 10,000 characters (a line over 20,000 is refused unread).
    problems, elapsed, _ = refusal("owner: acme\nrepositories: " + "[" * 5_000 + "]" * 5_000)
    assert problems == [
        "publishing.yaml:2: (top level): nests deeper than 20 levels (a manifest needs 6);"
        " flatten the lists and mappings"
    ]
    assert elapsed < 10
    # The reader is whole again afterwards (ruamel keeps its depth after an error).
    assert parse("owner: acme\nrepositories: [{name: a}]\n").repositories[0].name == "a"


def test_anchors_and_merge_keys_keep_working() -> None:
    spec = parse(
        """\
        x-public: &public
          visibility: public
          npm: {}
        owner: acme
        repositories:
          - <<: *public
            name: a
          - <<: *public
            name: b
            visibility: private
        """.replace("x-public: &public\n", "defaults: &public\n")
    )
    assert [(r.name, r.visibility, r.npm is not None) for r in spec.repositories] == [
        ("a", "public", True),
        ("b", "private", True),
    ]


def test_a_recursive_alias_is_read_as_null_not_followed() -> None:
    assert errors("owner: acme\nrepositories: &r [*r]\n") == [
        "publishing.yaml:2: repositories[0]: expected a mapping, got null"
    ]


def test_an_empty_file_and_a_comment_only_file_are_empty() -> None:
    for text in ("", "\n\n", "# nothing yet\n"):
        assert errors(text) == [
            "publishing.yaml: (file): the manifest is empty; expected a mapping with keys"
            " owner, defaults and repositories"
        ]


def test_a_tab_in_the_indentation_is_named() -> None:
    assert errors("owner: acme\nrepositories:\n\t- name: a\n") == [
        "publishing.yaml:3: (top level): tabs are not allowed for indentation in YAML; indent"
        " with spaces"
    ]
    assert errors("owner: acme\nrepositories:\n  - name: a\n  \t npm: {}\n") == [
        "publishing.yaml:4: (top level): tabs are not allowed for indentation in YAML; indent"
        " with spaces"
    ]


def test_a_binary_a_non_utf8_and_a_huge_file_are_named(tmp_path: Path) -> None:
    def problems(data: bytes) -> list[str]:
        path = tmp_path / "publishing.yaml"
        path.write_bytes(data)
        with pytest.raises(ManifestError) as info:
            load_manifest(path, "publishing.yaml")
        return [str(issue) for issue in info.value.issues]

    assert problems(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == [
        "publishing.yaml: (file): is a binary file (it holds NUL bytes), not YAML text; point"
        " it at the manifest"
    ]
    assert problems("owner: acme\n# café\n".encode("latin-1")) == [
        "publishing.yaml:2: (file): is not UTF-8 text (byte 0xe9 cannot be read); save it as UTF-8"
    ]
    assert problems(b"# " + b"x" * MAX_BYTES + b"\n") == [
        "publishing.yaml: (file): is larger than 10,000,000 bytes; a manifest is far smaller"
        " (split a larger org into several manifests, one per stack)"
    ]
    with pytest.raises(ManifestError, match=r"\(file\): is a directory; point it at"):
        load_manifest(tmp_path, "publishing.yaml")
    with pytest.raises(ManifestError, match=r"\(file\): is not a regular file; point it at"):
        load_manifest("/dev/zero", "publishing.yaml")


def test_numbers_where_versions_belong_say_to_quote_them() -> None:
    assert errors(
        "owner: acme\nrepositories:\n  - name: a\n    npm: {node_version: 20.10}\n"
        "  - name: b\n    npm: {node_version: 20.1}\n"
    ) == [
        "publishing.yaml:4: repositories[0].npm.node_version: 20.1 is a number in YAML (20.10"
        " reads as 20.1); quote the version: '20.10'",
        "publishing.yaml:6: repositories[1].npm.node_version: 20.1 is a number in YAML; quote"
        " the version: '20.1'",
    ]
    # A whole number is a major version: node_version: 22 is fine.
    assert parse("owner: acme\nrepositories:\n  - {name: a, npm: {node_version: 22}}\n")


def test_messages_speak_yaml() -> None:
    assert errors("owner: acme\nrepositories:\n  - name: a\n    visibility: true\n") == [
        "publishing.yaml:4: repositories[0].visibility: true is not allowed; expected"
        " 'public', 'private' or 'internal'"
    ]
    assert errors(
        "owner: acme\nrepositories:\n  - name: a\n    environment: {reviewers: {teams: [true]}}\n"
    ) == [
        "publishing.yaml:4: repositories[0].environment.reviewers.teams[0]: true is not a GitHub"
        " ID; expected the numeric ID of a team or user, such as 1234567 (`gh api"
        " orgs/<owner>/teams/<slug> --jq .id`, `gh api users/<login> --jq .id`)"
    ]
    assert errors("owner:\nrepositories: []\n") == [
        "publishing.yaml:1: owner: expected a string, got null"
    ]


def test_every_problem_within_one_field_is_reported() -> None:
    assert errors(
        """\
        owner: acme
        repositories:
          - name: a
            container:
              build_args: {bad-name: x, GOOD: "two\\nlines"}
            environment:
              reviewers: {teams: [release-engineers, 1, 2], users: [3, 4, 5, 6]}
        """
    ) == [
        "publishing.yaml:5: repositories[0].container.build_args.GOOD: 'two\\nlines' holds"
        " U+000A (a control character), a control character that would change how the"
        " generated files read; remove it",
        "publishing.yaml:5: repositories[0].container.build_args.bad-name: 'bad-name' is not a"
        " build argument name; expected letters, digits and '_', not starting with a digit,"
        " such as 'APP_VERSION'",
        "publishing.yaml:7: repositories[0].environment.reviewers: names 7 reviewers; GitHub"
        " allows at most 6 per environment (teams and users together): keep a team instead"
        " of its members",
        "publishing.yaml:7: repositories[0].environment.reviewers.teams[0]:"
        " 'release-engineers' is not a GitHub ID; expected the numeric ID of a team or user,"
        " such as 1234567 (`gh api orgs/<owner>/teams/<slug> --jq .id`,"
        " `gh api users/<login> --jq .id`)",
    ]


def test_a_repository_in_two_shards_and_another_in_none_are_both_reported() -> None:
    assert errors(
        """\
        owner: acme
        shards:
          web: ["web-*"]
          all: ["web-*", "api"]
        repositories:
          - name: web-app
          - name: infra
        """
    ) == [
        "publishing.yaml:6: repositories[0].name: 'web-app' matches the shards 'web' and"
        " 'all'; change their patterns so that it matches exactly one (two stacks would"
        " manage it)",
        "publishing.yaml:7: repositories[1].name: 'infra' matches no shard; add it, or a"
        " pattern that matches it, to one of the shards (web, all)",
    ]


def test_reviewer_ids_stay_integers_in_plan_json(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert synth("--out", str(out), "--no-lint").returncode == 0
    text = (out / "plan.json").read_text(encoding="utf-8")
    environments = [
        r
        for r in load_plan(out)["resources"]
        if r["type"] == "github:index/repositoryEnvironment:RepositoryEnvironment"
    ]
    teams = [
        t for e in environments for rv in e["inputs"].get("reviewers", []) for t in rv["teams"]
    ]
    assert teams and all(type(t) is int for t in teams)
    assert "4242001.0" not in text
