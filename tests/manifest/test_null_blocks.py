"""A mapping block left empty (`npm:`, YAML null) is refused: read as absent it would
silently publish nothing, or only what `defaults` has."""

from __future__ import annotations

import pytest
from conftest import errors, parse

from components._registry import ECOSYSTEMS

KEYS = [eco.key for eco in ECOSYSTEMS]


def _turn_off(key: str) -> str:
    return (
        "is empty (YAML null), which ghpublish would read as if the key were absent; write"
        f" `{key}: {{}}` for the block with every default, or `{key}: false` to turn it off"
    )


def _remove(key: str) -> str:
    return (
        "is empty (YAML null), which ghpublish would read as if the key were absent; write"
        f" `{key}: {{}}` for the block with every default, or remove the key"
    )


@pytest.mark.parametrize("key", KEYS)
def test_an_empty_ecosystem_block_is_refused(key: str) -> None:
    assert {"npm", "container"} <= set(KEYS)
    text = f"owner: acme\nrepositories:\n  - name: a\n    visibility: public\n    {key}:\n"
    assert errors(text) == [f"publishing.yaml:5: repositories[0].{key}: {_turn_off(key)}"]
    parse(text.replace(f"{key}:", f"{key}: false"))
    assert parse(text.replace(f"{key}:", f"{key}: {{}}")).repositories[0].block(key) is not None
    # In defaults too.
    text = f"owner: acme\ndefaults:\n  {key}:\nrepositories:\n  - name: a\n"
    assert errors(text) == [f"publishing.yaml:3: defaults.{key}: {_turn_off(key)}"]


@pytest.mark.parametrize(
    ("where", "key", "line"),
    [
        ("repositories[0]", "environment", 4),
        ("repositories[0]", "actions", 4),
        ("repositories[0]", "features", 4),
        ("repositories[0].environment", "reviewers", 5),
    ],
)
def test_an_empty_mapping_block_is_refused(where: str, key: str, line: int) -> None:
    nested = "    environment:\n      reviewers:\n" if key == "reviewers" else f"    {key}:\n"
    text = f"owner: acme\nrepositories:\n  - name: a\n{nested}"
    assert errors(text) == [f"publishing.yaml:{line}: {where}.{key}: {_remove(key)}"]


def test_top_level_mapping_blocks_are_refused_empty_and_every_one_is_reported() -> None:
    text = (
        "owner: acme\ndefaults:\norg_standards:\nrepositories:\n  - {name: a, npm: , actions: }\n"
    )
    assert errors(text) == [
        f"publishing.yaml:2: defaults: {_remove('defaults')}",
        f"publishing.yaml:3: org_standards: {_remove('org_standards')}",
        f"publishing.yaml:5: repositories[0].actions: {_remove('actions')}",
        f"publishing.yaml:5: repositories[0].npm: {_turn_off('npm')}",
    ]


def test_a_null_scalar_is_not_a_block() -> None:
    # Only mapping blocks: an empty scalar keeps its meaning (absent).
    parse("owner: acme\nrepositories:\n  - name: a\n    description:\n")
