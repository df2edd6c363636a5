"""`MavenPublishing`: the release workflow that tests and deploys a Maven package."""

__all__ = ["MavenPublishing", "MavenPublishingArgs", "MavenSettingsArgs"]

from typing import NotRequired, TypedDict

import pulumi

from ._ecosystems.maven import MAVEN, MAVEN_PATH
from ._package_publishing import PackagePublishing


class MavenSettingsArgs(TypedDict):
    """Maven publishing of one repository: the `maven` block's keys; every key has a default."""

    package: NotRequired[pulumi.Input[str]]
    """`<groupId>:<artifactId>` the pom must declare (default: not checked)."""
    java_version: NotRequired[pulumi.Input[str]]
    """Java version (default the current LTS)."""
    distribution: NotRequired[pulumi.Input[str]]
    """Java distribution for setup-java (default `temurin`)."""
    directory: NotRequired[pulumi.Input[str]]
    """Directory of the pom.xml in the repository (default `.`)."""
    test_command: NotRequired[pulumi.Input[str]]
    """One command that builds and tests (default `mvn --batch-mode verify`)."""
    release_types: NotRequired[pulumi.Input[list[str]]]
    """Release events that publish (default `["published"]`)."""
    visibility: NotRequired[pulumi.Input[str]]
    """The package's intended visibility, the repository's (reported, not set)."""


class MavenPublishingArgs(TypedDict):
    """Deploy a Maven package to GitHub Packages (maven.pkg.github.com) on each release."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    repository: pulumi.Input[str]
    """Name of the repository the workflow is committed to."""
    branch: NotRequired[pulumi.Input[str]]
    """Branch the workflow is committed to (default `main`; empty: the repository's default
    branch as GitHub has it)."""
    maven: NotRequired[pulumi.Input[MavenSettingsArgs]]
    """The Maven project: Java, directory, test command (every key has a default)."""
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


class MavenPublishing(PackagePublishing):
    """Commits `.github/workflows/release-maven.yml`: test, then deploy on release."""

    package: pulumi.Output[str]
    """The package the workflow publishes (`<groupId>:<artifactId>`, else the repository)."""
    workflow_path: pulumi.Output[str]
    """Path of the workflow file in the repository."""
    workflow: pulumi.Output[str]
    """The workflow's YAML text."""

    ECOSYSTEM = MAVEN
    WORKFLOW_PATH = MAVEN_PATH

    def __init__(
        self, name: str, args: MavenPublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)  # type: ignore[arg-type]
