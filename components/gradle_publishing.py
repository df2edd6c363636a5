"""`GradlePublishing`: the release workflow that tests and publishes a Gradle build."""

__all__ = ["GradlePublishing", "GradlePublishingArgs", "GradleSettingsArgs"]

from typing import NotRequired, TypedDict

import pulumi

from ._ecosystems.gradle import GRADLE, GRADLE_PATH
from ._package_publishing import PackagePublishing


class GradleSettingsArgs(TypedDict):
    """Gradle publishing of one repository: the `gradle` block's keys; every key has a default."""

    java_version: NotRequired[pulumi.Input[str]]
    """Java version (default the current LTS)."""
    distribution: NotRequired[pulumi.Input[str]]
    """Java distribution for setup-java (default `temurin`)."""
    test_command: NotRequired[pulumi.Input[str]]
    """One command that builds and tests (default `./gradlew build`)."""
    publish_command: NotRequired[pulumi.Input[str]]
    """One command staging the publications in the repository `staging` the package job adds
    (default `./gradlew publishAllPublicationsToStagingRepository`)."""
    release_types: NotRequired[pulumi.Input[list[str]]]
    """Release events that publish (default `["published"]`)."""
    visibility: NotRequired[pulumi.Input[str]]
    """The packages' intended visibility, the repository's (reported, not set)."""


class GradlePublishingArgs(TypedDict):
    """Publish a Gradle build's packages to GitHub Packages (maven.pkg.github.com) on release."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    repository: pulumi.Input[str]
    """Name of the repository the workflow is committed to."""
    branch: NotRequired[pulumi.Input[str]]
    """Branch the workflow is committed to (default `main`; empty: the repository's default
    branch as GitHub has it)."""
    gradle: NotRequired[pulumi.Input[GradleSettingsArgs]]
    """The Gradle build: Java, test and staging commands (every key has a default)."""
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


class GradlePublishing(PackagePublishing):
    """Commits `.github/workflows/release-gradle.yml`: test, then publish on release."""

    package: pulumi.Output[str]
    """The package the workflow publishes (the repository: the build file names them)."""
    workflow_path: pulumi.Output[str]
    """Path of the workflow file in the repository."""
    workflow: pulumi.Output[str]
    """The workflow's YAML text."""

    ECOSYSTEM = GRADLE
    WORKFLOW_PATH = GRADLE_PATH

    def __init__(
        self, name: str, args: GradlePublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)  # type: ignore[arg-type]
