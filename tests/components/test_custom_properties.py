"""Custom properties: one definition per property of the schema (OrgPublishing), one value
per property a repository sets (PublishingRepository)."""

from __future__ import annotations

from conftest import one

from components.org_publishing import PROPERTY_DEFINITION

DEFINITION = "github:index/organizationCustomProperties:OrganizationCustomProperties"
VALUE = "github:index/repositoryCustomProperty:RepositoryCustomProperty"
REPOSITORY = "github:index/repository:Repository"

MANIFEST = """
owner: acme
custom_properties:
  team:
    type: single_select
    allowed_values: [platform, web]
    required: true
    default: platform
    description: The owning team
  docs-site: {type: true_false}
  tags: {type: multi_select, allowed_values: [a, b], adopt: true}
defaults:
  properties: {team: platform}
repositories:
  - name: lib
    properties: {tags: [b, a], docs-site: true}
  - name: app
    properties: {team: web}
"""


def test_one_definition_per_property_retained_and_adopted_ones_kept(run_manifest) -> None:
    run = run_manifest(MANIFEST)
    team = one(run, DEFINITION, "org-property-team")
    assert team.plain_inputs == {
        "propertyName": "team",
        "valueType": "single_select",
        "required": True,
        "allowedValues": ["platform", "web"],
        "defaultValue": "platform",
        "description": "The owning team",
    }
    assert team.retain_on_delete and not team.import_id and not team.ignore_changes
    flag = one(run, DEFINITION, "org-property-docs-site")
    assert flag.plain_inputs == {
        "propertyName": "docs-site",
        "valueType": "true_false",
        "required": False,
    }
    # Adopted: imported by its name, every input but the name kept as GitHub has it (the
    # provider's PUT replaces a definition whole).
    tags = one(run, DEFINITION, "org-property-tags")
    assert tags.import_id == "tags"
    assert set(tags.ignore_changes) == {
        "allowedValues",
        "defaultValue",
        "description",
        "required",
        "valueType",
        "valuesEditableBy",
    }
    assert len(PROPERTY_DEFINITION) == 6


def test_one_value_per_property_after_the_repository_and_its_definition(run_manifest) -> None:
    run = run_manifest(MANIFEST)
    values = {r.name: r for r in run.of_type(VALUE)}
    assert sorted(values) == [
        "org-app-property-team",
        "org-lib-property-docs-site",
        "org-lib-property-tags",
        "org-lib-property-team",
    ]
    assert values["org-lib-property-tags"].plain_inputs == {
        "repository": "lib",
        "propertyName": "tags",
        "propertyType": "multi_select",
        "propertyValues": ["b", "a"],
    }
    assert values["org-app-property-team"].plain_inputs["propertyValues"] == ["web"]
    assert values["org-lib-property-docs-site"].plain_inputs["propertyValues"] == ["true"]
    lib = one(run, REPOSITORY, "org-lib-repository")
    for value in values.values():
        assert value.retain_on_delete
        definition = one(run, DEFINITION, f"org-property-{value.plain_inputs['propertyName']}")
        assert definition.urn in value.depends_on
    assert lib.urn in values["org-lib-property-tags"].depends_on


def test_a_repository_without_values_waits_for_no_definition(run_manifest) -> None:
    run = run_manifest(
        MANIFEST.replace("  properties: {team: platform}\n", "  visibility: private\n")
        .replace("required: true", "required: false")
        .replace("    properties: {team: web}\n", "")
    )
    app = one(run, REPOSITORY, "org-app-repository")
    assert not [urn for urn in app.depends_on if "CustomProperties" in urn]
    assert not [r for r in run.of_type(VALUE) if r.name.startswith("org-app-")]


def test_only_the_first_shard_declares_the_schema(run_manifest) -> None:
    sharded = MANIFEST + "shards: {libs: ['lib'], apps: ['app']}\n"
    apps = run_manifest(sharded, config={"ghpublish:shard": "apps"})
    assert apps.of_type(DEFINITION) == []
    (value,) = apps.of_type(VALUE)
    assert value.name == "org-app-property-team"
    assert not [urn for urn in value.depends_on if "CustomProperties" in urn]
    libs = run_manifest(sharded, config={"ghpublish:shard": "libs"})
    assert len(libs.of_type(DEFINITION)) == 3
