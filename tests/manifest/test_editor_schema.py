"""The editor schema (schema/publishing.schema.json) accepts every manifest ghpublish accepts
and refuses a sample of those it refuses, checked by a real JSON Schema validator."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import test_fuzz as fuzz
from conftest import ROOT, parse
from hypothesis import given
from jsonschema import Draft202012Validator, ValidationError
from ruamel.yaml import YAML

from tools.schema import SCHEMA_PATH

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
COMMENT = "# yaml-language-server: $schema="


def example_manifests() -> list[Path]:
    """Every manifest the project ships: YAML files with both `owner` and `repositories`."""
    found = []
    for path in sorted([ROOT / "publishing.yaml", *(ROOT / "examples").rglob("*.y*ml")]):
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and {"owner", "repositories"} <= set(data):
            found.append(path)
    return found


def problems(data: Any) -> list[str]:
    """Every error, with those under an anyOf (each alternative's own)."""

    def flat(errors: Iterable[ValidationError]) -> Iterator[str]:
        for e in errors:
            yield f"{list(e.absolute_path)}: {e.message}"
            yield from flat(e.context or [])

    return list(flat(VALIDATOR.iter_errors(data)))


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", example_manifests(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_manifest_is_valid_and_names_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    parse(text)  # ghpublish accepts it ...
    assert problems(YAML(typ="safe", pure=True).load(text)) == []  # ... and so do editors
    first = text.splitlines()[0]
    assert first.startswith(COMMENT), f"{path}: first line {first!r}"
    assert (path.parent / first.removeprefix(COMMENT)).resolve() == SCHEMA_PATH


def test_the_examples_use_the_shorthands_the_schema_must_allow() -> None:
    # What the schema once refused: `npm: false` and an unquoted `node_version: 22`.
    text = (ROOT / "publishing.yaml").read_text(encoding="utf-8")
    assert "npm: false" in text and "node_version: 22" in text


@fuzz.VALID
@given(fuzz.manifests())
def test_every_valid_fuzzed_manifest_is_valid_for_editors(data: dict[str, Any]) -> None:
    text = fuzz.dump(data)
    parse(text)
    assert problems(YAML(typ="safe", pure=True).load(text)) == []


MINIMAL = {"owner": "acme", "repositories": [{"name": "a"}]}
INVALID = [
    ({"repositories": []}, "'owner' is a required property"),
    ({**MINIMAL, "ownr": "typo"}, "Additional properties are not allowed ('ownr' was unexpected)"),
    ({**MINIMAL, "repositories": "widgets"}, "'widgets' is not of type 'array'"),
    ({"owner": "acme", "repositories": [{"name": "a", "visibility": "secret"}]}, "'secret'"),
    ({"owner": "acme", "repositories": [{"name": "a", "adopt": "yes"}]}, "'yes'"),
    ({"owner": "acme", "repositories": [{"name": "a", "descripton": "x"}]}, "'descripton'"),
    ({"owner": "acme", "repositories": [{"name": "a", "npm": True}]}, "True"),
    ({"owner": "acme", "repositories": [{"name": "a", "npm": {"node_version": 20.1}}]}, "20.1"),
    ({"owner": "acme", "repositories": [{"name": "a", "npm": {"release_types": []}}]}, "[]"),
    (
        {"owner": "acme", "repositories": [{"name": "a", "npm": {"release_types": ["deleted"]}}]},
        "'deleted'",
    ),
    (
        {
            "owner": "acme",
            "repositories": [{"name": "a", "environment": {"reviewers": {"teams": ["ops"]}}}],
        },
        "'ops' is not of type 'integer'",
    ),
    (
        {"owner": "acme", "manifest_repository": {"name": "a", "python_version": 3.1}, **MINIMAL},
        "3.1 is not of type 'string'",
    ),
]


@pytest.mark.parametrize(("data", "expected"), INVALID, ids=lambda v: None)
def test_a_sample_of_invalid_manifests_is_refused_by_the_schema_too(
    data: dict[str, Any], expected: str
) -> None:
    found = problems(data)
    assert found and any(expected in p for p in found), found


def test_a_new_key_with_a_rewriting_validator_is_accepted_until_it_says_what_it_takes() -> None:
    from typing import Annotated

    from pydantic import BaseModel, BeforeValidator

    from components._manifest._document import _EditorSchema

    class Block(BaseModel):
        # A shorthand nobody declared: the schema must not refuse `shorthand: true`.
        shorthand: Annotated[int, BeforeValidator(lambda v: 1 if v is True else v)]
        declared: Annotated[int, BeforeValidator(int, json_schema_input_type=int | str)]

    schema = Block.model_json_schema(mode="validation", schema_generator=_EditorSchema)
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"shorthand": True, "declared": "2"})
    assert not validator.is_valid({"shorthand": 1, "declared": 2.5})
