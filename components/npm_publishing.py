"""`NpmPublishing`: the release workflow that tests and publishes an npm package."""

__all__ = ["NpmPublishing", "NpmPublishingArgs"]

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi

from ._ecosystems.npm import NPM, RELEASE_PACKAGE_PATH
from ._package_publishing import PackagePublishing, PublishingTargetArgs


class NpmPublishingArgs(TypedDict):
    """Publish an npm package to GitHub Packages (npm.pkg.github.com) on each release."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    repository: pulumi.Input[str]
    """Name of the repository the workflow is committed to."""
    branch: NotRequired[pulumi.Input[str]]
    """Branch the workflow is committed to (default `main`; empty: the repository's default
    branch as GitHub has it)."""
    package: NotRequired[pulumi.Input[str]]
    """Scoped package name, `@<owner>/<name>` (default from the repository name)."""
    node_version: NotRequired[pulumi.Input[str]]
    """Node.js version used to test and publish (default the current LTS)."""
    install_command: NotRequired[pulumi.Input[str]]
    """One command that installs dependencies (default `npm ci`)."""
    test_command: NotRequired[pulumi.Input[str]]
    """One command that runs the tests (default `npm test`)."""
    release_types: NotRequired[pulumi.Input[list[str]]]
    """Release events that publish (default `["published"]`)."""
    prerelease_tag: NotRequired[pulumi.Input[str]]
    """The dist-tag prereleases are published under (default `next`)."""
    manifest_path: NotRequired[pulumi.Input[str]]
    """Where the repository stands in the manifest, quoted in the file header."""
    manifest_source: NotRequired[pulumi.Input[str]]
    """The manifest file, quoted in the file header (default `publishing.yaml`)."""
    manifest_repository: NotRequired[pulumi.Input[str]]
    """The repository of the same owner holding the manifest, named in the file header as
    where changes are made by pull request (default none: the header says the repository
    holding the manifest)."""
    release_tag_pattern: NotRequired[pulumi.Input[str]]
    """The tags releases are made from, fnmatch syntax (default `v*`)."""


# The npm block's keys (the manifest's), which this component takes as its own arguments.
NPM_KEYS = tuple(
    k for k in NpmPublishingArgs.__annotations__ if k not in PublishingTargetArgs.__annotations__
)


class NpmPublishing(PackagePublishing):
    """Commits `.github/workflows/release-package.yml`: test, then publish on release."""

    package: pulumi.Output[str]
    """The npm package the workflow publishes."""
    workflow_path: pulumi.Output[str]
    """Path of the workflow file in the repository."""
    workflow: pulumi.Output[str]
    """The workflow's YAML text."""

    ECOSYSTEM = NPM
    WORKFLOW_PATH = RELEASE_PACKAGE_PATH

    def __init__(
        self, name: str, args: NpmPublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)  # type: ignore[arg-type]

    @classmethod
    def settings(cls, args: Mapping[str, Any]) -> Mapping[str, Any]:
        # The npm block's keys are this component's own arguments.
        return {k: args[k] for k in NPM_KEYS if args.get(k) is not None}

    @classmethod
    def component_args(
        cls, target: Mapping[str, Any], settings: Mapping[str, Any]
    ) -> dict[str, Any]:
        # The npm settings are the component's own keys; the visibility is only reported.
        return {**target, **{k: v for k, v in settings.items() if k != "visibility"}}
