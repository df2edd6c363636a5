"""`custom_properties` and `properties`: the schema, the values, their exact messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from components._core._errors import ManifestError
from components._core._spec import CustomPropertySpec, PropertyValueSpec
from components._manifest import parse_manifest, select_shard

SCHEMA = """\
owner: acme
custom_properties:
  team:
    type: single_select
    allowed_values: [platform, web]
    required: true
    default: platform
    description: The owning team
  docs-site: {type: true_false}
  tags: {type: multi_select, allowed_values: [a, b]}
  cost-center: {}
"""


def errors(text: str) -> list[str]:
    with pytest.raises(ManifestError) as error:
        parse_manifest(text, "m.yaml")
    return [str(issue) for issue in error.value.issues]


def test_the_schema_and_the_values_resolve_defaults_key_by_key() -> None:
    spec = parse_manifest(
        SCHEMA + "defaults:\n  properties: {team: web, docs-site: false}\nrepositories:\n"
        "  - name: a\n    properties: {team: platform, tags: [b, a], cost-center: '42'}\n"
        "  - name: b\n    properties: {docs-site: true, tags: a}\n",
        "m.yaml",
    )
    assert spec.custom_properties == (
        CustomPropertySpec(
            "team", "single_select", ("platform", "web"), True, "platform", "The owning team"
        ),
        CustomPropertySpec("docs-site", "true_false"),
        CustomPropertySpec("tags", "multi_select", ("a", "b")),
        CustomPropertySpec("cost-center", "string"),
    )
    a, b = spec.repositories
    # In the schema's order; the repository's own value wins, the rest is inherited.
    assert a.properties == (
        PropertyValueSpec("team", "single_select", ("platform",)),
        PropertyValueSpec("docs-site", "true_false", ("false",)),
        PropertyValueSpec("tags", "multi_select", ("b", "a")),
        PropertyValueSpec("cost-center", "string", ("42",)),
    )
    assert b.properties == (
        PropertyValueSpec("team", "single_select", ("web",)),
        PropertyValueSpec("docs-site", "true_false", ("true",)),
        PropertyValueSpec("tags", "multi_select", ("a",)),
    )


def test_without_properties_nothing_is_declared() -> None:
    spec = parse_manifest("owner: acme\nrepositories:\n  - name: a\n", "m.yaml")
    assert spec.custom_properties == () and spec.repositories[0].properties == ()


def test_values_outside_the_schema_are_refused_exactly() -> None:
    text = (
        SCHEMA + "defaults:\n  properties: {nope: x}\nrepositories:\n"
        "  - name: a\n    properties: {team: data, docs-site: 'yes', tags: [a, a]}\n"
        "  - name: b\n    properties: {team: [web], tags: [], docs-site: ''}\n"
        "  - name: c\n    properties: {team: web, cost-center: true}\n"
    )
    assert errors(text) == [
        "m.yaml:13: defaults.properties.nope: 'nope' is not a property of custom_properties;"
        " declare it there (expected one of: team, docs-site, tags, cost-center)",
        "m.yaml:16: repositories[0].properties.docs-site: 'yes' is not a true_false value;"
        " expected true or false",
        "m.yaml:16: repositories[0].properties.tags: lists 'a' more than once; list each value"
        " once",
        "m.yaml:16: repositories[0].properties.team: 'data' is not an allowed value; expected"
        " one of: platform, web",
        "m.yaml:18: repositories[1].properties.docs-site: '' is not a true_false value;"
        " expected true or false",
        "m.yaml:18: repositories[1].properties.tags: [] holds no value; list at least one, or"
        " remove the key",
        "m.yaml:18: repositories[1].properties.team: ['web'] is a list; a single_select"
        " property takes one value",
        "m.yaml:20: repositories[2].properties.cost-center: true is not a string value;"
        " expected text (quote it: 'true')",
    ]


def test_a_missing_required_value_is_refused_exactly() -> None:
    text = SCHEMA + "repositories:\n  - name: a\n  - name: b\n    properties: {tags: [a]}\n"
    assert errors(text) == [
        "m.yaml:13: repositories[0]: sets no value of the required property 'team'"
        " (custom_properties.team); set properties.team here or in defaults.properties",
        "m.yaml:15: repositories[1].properties: sets no value of the required property 'team'"
        " (custom_properties.team); set properties.team here or in defaults.properties",
    ]
    # A default's value refused is reported there only, not as missing in every repository.
    text = SCHEMA + "defaults:\n  properties: {team: ops}\nrepositories:\n  - name: a\n"
    assert errors(text) == [
        "m.yaml:13: defaults.properties.team: 'ops' is not an allowed value; expected one of:"
        " platform, web",
    ]


def test_property_values_need_a_schema() -> None:
    text = "owner: acme\nrepositories:\n  - name: a\n    properties: {team: web}\n"
    assert errors(text) == [
        "m.yaml:4: repositories[0].properties.team: 'team' is not a property of"
        " custom_properties; declare it there (custom_properties declares none)",
    ]


def test_bad_definitions_are_refused_exactly() -> None:
    text = (
        "owner: acme\ncustom_properties:\n"
        "  a: {type: string, allowed_values: [x]}\n"
        "  b: {required: true}\n"
        "  c: {type: single_select}\n"
        "  d: {type: multi_select, allowed_values: [x, x, '']}\n"
        "  e: {type: single_select, allowed_values: [x], default: y}\n"
        "  f: {type: true_false, default: 'no'}\n"
        "  g: {type: text}\n"
        "  h i: {}\n"
        "repositories: []\n"
    )
    assert errors(text) == [
        "m.yaml:9: custom_properties.g.type: 'text' is not allowed; expected 'string',"
        " 'single_select', 'multi_select' or 'true_false'",
        "m.yaml:10: custom_properties.h i: 'h i' is not a custom property name; expected 1 to"
        " 75 letters, digits, '_' or '-', such as 'team'",
    ]
    text = text.replace("  g: {type: text}\n  h i: {}\n", "")
    assert errors(text) == [
        "m.yaml:3: custom_properties.a.allowed_values: a string property allows no list of"
        " values; remove allowed_values or make the type single_select or multi_select",
        "m.yaml:4: custom_properties.b: a required property needs a default: GitHub gives it"
        " to the organization's repositories that set no value; add `default`",
        "m.yaml:5: custom_properties.c: a single_select property needs allowed_values; list"
        " the values it allows, such as [platform, web]",
        "m.yaml:6: custom_properties.d.allowed_values: lists 'x' more than once; list each"
        " value once",
        "m.yaml:6: custom_properties.d.allowed_values[2]: '' is not a value; remove the empty"
        " value",
        "m.yaml:7: custom_properties.e.default: 'y' is not an allowed value; expected one of: x",
        "m.yaml:8: custom_properties.f.default: 'no' is not a true_false value; expected true"
        " or false",
    ]


def test_the_first_shard_owns_the_schema_every_shard_sets_its_values() -> None:
    spec = parse_manifest(
        SCHEMA + "defaults:\n  properties: {team: web}\nrepositories:\n  - name: web-a\n"
        "  - name: api-b\nshards:\n  web: ['web-*']\n  api: ['api-*']\n",
        "m.yaml",
    )
    web, api = select_shard(spec, "web"), select_shard(spec, "api")
    assert [p.name for p in web.custom_properties] == ["team", "docs-site", "tags", "cost-center"]
    assert api.custom_properties == ()
    assert api.repositories[0].properties == (PropertyValueSpec("team", "single_select", ("web",)),)


def test_the_documented_messages_are_the_example_manifests() -> None:
    """docs/custom-properties.md shows these for publishing.yaml with three values changed."""
    root = Path(__file__).resolve().parents[2]
    text = (root / "publishing.yaml").read_text(encoding="utf-8")
    changed = (
        text.replace("{team: docs, docs-site: true}", "{team: design, docs-site: true}")
        .replace("    team: platform\n", "    team: platform\n    tier: gold\n")
        .replace("    properties: {team: web}\n", "    properties: {docs-site: 'yes'}\n")
    )
    with pytest.raises(ManifestError) as error:
        parse_manifest(changed, "publishing.yaml")
    page = (root / "docs" / "custom-properties.md").read_text(encoding="utf-8")
    assert str(error.value) in page
    without = text.replace("  properties:\n    team: platform\n", "")
    with pytest.raises(ManifestError) as error:
        parse_manifest(without, "publishing.yaml")
    assert len(error.value.issues) == 10  # every repository of the example
    assert f"\n{error.value.issues[0]}\n" in page


def test_a_multi_select_property_takes_no_default_and_cannot_be_required() -> None:
    """terraform-provider-github v6.13.0 sends a default as one text; GitHub wants a list
    for multi_select (integrations/terraform-provider-github#2806)."""
    text = (
        "owner: acme\ncustom_properties:\n"
        "  a: {type: multi_select, allowed_values: [x], default: x}\n"
        "  b: {type: multi_select, allowed_values: [x], required: true}\n"
        "repositories: []\n"
    )
    assert errors(text) == [
        "m.yaml:3: custom_properties.a.default: a multi_select property cannot take a default:"
        " terraform-provider-github v6.13.0 sends a default as one text and GitHub wants a"
        " list for multi_select (integrations/terraform-provider-github#2806); remove it and"
        " give every repository its value in properties",
        "m.yaml:4: custom_properties.b.required: a multi_select property cannot be required:"
        " GitHub needs a default for a required property, which the provider cannot send for"
        " multi_select (integrations/terraform-provider-github#2806); remove required and give"
        " every repository its value in properties",
    ]
