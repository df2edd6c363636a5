"""`NuGetPublishing`: the release workflow that tests, packs and pushes a NuGet package."""

__all__ = ["NuGetPublishing", "NuGetPublishingArgs", "NuGetSettingsArgs"]

from typing import NotRequired, TypedDict

import pulumi

from ._ecosystems.nuget import NUGET, NUGET_PATH
from ._package_publishing import PackagePublishing


class NuGetSettingsArgs(TypedDict):
    """NuGet publishing of one repository: the `nuget` block's keys; every key has a default."""

    package: NotRequired[pulumi.Input[str]]
    """The PackageId the project must declare (default: not checked)."""
    dotnet_version: NotRequired[pulumi.Input[str]]
    """.NET SDK version (default the current LTS, `10.0.x`)."""
    project: NotRequired[pulumi.Input[str]]
    """The project packed, or its directory (default `.`)."""
    test_command: NotRequired[pulumi.Input[str]]
    """One command that builds and tests (default `dotnet test`)."""
    release_types: NotRequired[pulumi.Input[list[str]]]
    """Release events that publish (default `["published"]`)."""
    visibility: NotRequired[pulumi.Input[str]]
    """The package's intended visibility, the repository's (reported, not set)."""


class NuGetPublishingArgs(TypedDict):
    """Push a NuGet package to GitHub Packages (nuget.pkg.github.com) on each release."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    repository: pulumi.Input[str]
    """Name of the repository the workflow is committed to."""
    branch: NotRequired[pulumi.Input[str]]
    """Branch the workflow is committed to (default `main`; empty: the repository's default
    branch as GitHub has it)."""
    nuget: NotRequired[pulumi.Input[NuGetSettingsArgs]]
    """The .NET project: SDK, project, test command (every key has a default)."""
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


class NuGetPublishing(PackagePublishing):
    """Commits `.github/workflows/release-nuget.yml`: test, then pack and push on release."""

    package: pulumi.Output[str]
    """The package the workflow publishes (its PackageId, else the repository)."""
    workflow_path: pulumi.Output[str]
    """Path of the workflow file in the repository."""
    workflow: pulumi.Output[str]
    """The workflow's YAML text."""

    ECOSYSTEM = NUGET
    WORKFLOW_PATH = NUGET_PATH

    def __init__(
        self, name: str, args: NuGetPublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)  # type: ignore[arg-type]
