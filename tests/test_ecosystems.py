"""The ecosystem registry: every registered ecosystem is known everywhere it must be."""

from __future__ import annotations

import dataclasses

from conftest import errors, parse

from components._ecosystems import ECOSYSTEMS
from components._manifest._repository import Repository, RepositoryDefaults
from components._spec import RepositorySpec
from components.org_publishing import repository_args
from components.org_standards import pull_request_checks
from components.publishing_repository import PublishingRepositoryArgs


def test_each_ecosystem_has_its_manifest_key_spec_field_and_component_input() -> None:
    spec_fields = {f.name for f in dataclasses.fields(RepositorySpec)}
    inputs = PublishingRepositoryArgs.__annotations__
    for eco in ECOSYSTEMS:
        assert RepositoryDefaults.model_fields[eco.key].annotation == eco.defaults | None
        assert Repository.model_fields[eco.key].annotation == eco.block | None
        assert eco.key in spec_fields, f"RepositorySpec has no field {eco.key!r}"
        assert eco.key in inputs, f"PublishingRepositoryArgs has no input {eco.key!r}"


def test_keys_are_unique() -> None:
    keys = [eco.key for eco in ECOSYSTEMS]
    assert len(set(keys)) == len(keys)


def test_a_repository_maps_each_block_through_its_ecosystem() -> None:
    spec = parse(
        """
        owner: acme
        repositories:
          - name: both
            npm: {}
            container: {}
          - name: none
        """
    )
    both, none = spec.repositories
    args = repository_args(both, "publishing.yaml")
    for eco in ECOSYSTEMS:
        block = getattr(both, eco.key)
        assert block is not None
        assert args[eco.key] == eco.settings(block)  # type: ignore[literal-required]
    assert args["npm"]["test_command"] == "npm test"  # a command as one quoted command line
    assert not any(eco.key in repository_args(none, "p.yaml") for eco in ECOSYSTEMS)
    # Each ecosystem's pull-request check, read from its workflow.
    assert pull_request_checks(both) == ("Build (no push)", "npm test")
    assert pull_request_checks(none) == ()


def test_one_published_name_per_repository_in_every_ecosystem() -> None:
    assert errors(
        """
        owner: acme
        repositories:
          - {name: a, npm: {package: "@acme/x"}, container: {image: x}}
          - {name: b, npm: {package: "@acme/x"}, container: {image: x}}
        """
    ) == [
        "publishing.yaml:5: repositories[1].container.image: 'ghcr.io/acme/x' is already"
        " published by repositories[0]; give each repository its own container.image",
        "publishing.yaml:5: repositories[1].npm.package: '@acme/x' is already published by"
        " repositories[0]; give each repository its own npm.package",
    ]
