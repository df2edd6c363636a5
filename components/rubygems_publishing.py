"""`RubyGemsPublishing`: the release workflow that tests, builds and pushes a gem."""

__all__ = ["RubyGemsPublishing", "RubyGemsPublishingArgs", "RubyGemsSettingsArgs"]

from typing import NotRequired, TypedDict

import pulumi

from ._ecosystems.rubygems import RUBYGEMS, RUBYGEMS_PATH
from ._package_publishing import PackagePublishing


class RubyGemsSettingsArgs(TypedDict):
    """RubyGems publishing of one repository: the `rubygems` block's keys (all defaulted)."""

    package: NotRequired[pulumi.Input[str]]
    """The gem's name the gemspec must declare (default: not checked)."""
    ruby_version: NotRequired[pulumi.Input[str]]
    """The runner image's Ruby, checked before anything runs (`3.2`, ubuntu-24.04's)."""
    gemspec: NotRequired[pulumi.Input[str]]
    """The gemspec built (default `<repository>.gemspec`)."""
    test_command: NotRequired[pulumi.Input[str]]
    """One command that runs the tests (default `bundle exec rake`)."""
    release_types: NotRequired[pulumi.Input[list[str]]]
    """Release events that publish (default `["published"]`)."""
    visibility: NotRequired[pulumi.Input[str]]
    """The package's intended visibility, the repository's (reported, not set)."""


class RubyGemsPublishingArgs(TypedDict):
    """Push a gem to GitHub Packages (rubygems.pkg.github.com) on each release."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    repository: pulumi.Input[str]
    """Name of the repository the workflow is committed to."""
    branch: NotRequired[pulumi.Input[str]]
    """Branch the workflow is committed to (default `main`; empty: the repository's default
    branch as GitHub has it)."""
    rubygems: NotRequired[pulumi.Input[RubyGemsSettingsArgs]]
    """The gem: Ruby version, gemspec, test command (every key has a default)."""
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


class RubyGemsPublishing(PackagePublishing):
    """Commits `.github/workflows/release-gem.yml`: test, then build and push on release."""

    package: pulumi.Output[str]
    """The gem the workflow publishes (its name, else the repository)."""
    workflow_path: pulumi.Output[str]
    """Path of the workflow file in the repository."""
    workflow: pulumi.Output[str]
    """The workflow's YAML text."""

    ECOSYSTEM = RUBYGEMS
    WORKFLOW_PATH = RUBYGEMS_PATH

    def __init__(
        self, name: str, args: RubyGemsPublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)  # type: ignore[arg-type]
