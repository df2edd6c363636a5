"""The ecosystem registry: every registered ecosystem is known everywhere it must be."""

from __future__ import annotations

import pytest
from conftest import errors, parse

from components._manifest._repository import Repository, RepositoryDefaults
from components._registry import ECOSYSTEMS, NPM
from components.org_publishing import repository_args
from components.org_standards import pull_request_checks
from components.publishing_repository import PublishingRepositoryArgs


def test_each_ecosystem_has_its_manifest_key_and_component_input() -> None:
    # The resolved blocks are keyed by ecosystem (`RepositorySpec.blocks`); every shipped
    # ecosystem has its typed input too (the package schema's), which a new one may lack.
    inputs = PublishingRepositoryArgs.__annotations__
    for eco in ECOSYSTEMS:
        assert RepositoryDefaults.model_fields[eco.key].annotation == eco.defaults | None
        assert Repository.model_fields[eco.key].annotation == eco.block | None
        assert eco.key in inputs, f"PublishingRepositoryArgs has no input {eco.key!r}"


def test_keys_are_unique() -> None:
    keys = [eco.key for eco in ECOSYSTEMS]
    assert len(set(keys)) == len(keys)


def test_a_repository_maps_each_block_through_its_ecosystem() -> None:
    blocks = ", ".join(f"{eco.key}: {{}}" for eco in ECOSYSTEMS)
    spec = parse(
        f"owner: acme\nrepositories:\n  - {{name: all, visibility: public, {blocks}}}\n  - name: none\n"
    )
    every, none = spec.repositories
    args = repository_args(every, "publishing.yaml")
    for eco in ECOSYSTEMS:
        block = every.block(eco.key)
        assert block is not None
        assert args[eco.key] == eco.settings(block)  # type: ignore[literal-required]
    assert args["npm"]["test_command"] == "npm test"  # a command as one quoted command line
    assert not any(eco.key in repository_args(none, "p.yaml") for eco in ECOSYSTEMS)
    # Each ecosystem's pull-request check, read from its workflow.
    assert pull_request_checks(every) == (
        "Build (no push)",
        "gradle test",
        "maven test",
        "npm test",
        "nuget test",
        "rubygems test",
    )
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


def test_each_package_ecosystem_has_its_component() -> None:
    from components import __all__ as exported
    from components.publishing_repository import PUBLISHERS

    # Container images have components of their own (ContainerPublishing, ContainerImage).
    assert [p.ECOSYSTEM.key for p in PUBLISHERS] == [
        eco.key for eco in ECOSYSTEMS if eco.key != "container"
    ]
    assert all(p.__name__ in exported for p in PUBLISHERS)


def test_component_settings_are_checked_by_the_manifest_rules() -> None:
    from components._core._errors import ConfigError
    from components._manifest import settings_spec

    spec = settings_spec(NPM, "Acme", "lib", {"test_command": "npm run ci"})
    assert (spec.package, spec.test_command) == ("@acme/lib", ("npm", "run", "ci"))
    with pytest.raises(ConfigError) as info:
        settings_spec(NPM, "Acme", "lib", {"pakage": "x", "release_types": []})
    assert str(info.value) == (
        "npm.pakage: unknown key 'pakage'; did you mean 'package'? expected one of: enabled,"
        " install_command, node_version, package, prerelease_tag, release_types, test_command,"
        " visibility; npm.release_types: is empty; expected at least one item"
    )
