"""`NpmPublishing`: the release workflow that tests and publishes an npm package."""

__all__ = ["NpmPublishing", "NpmPublishingArgs"]

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi

from ._core._component import Component
from ._core._spec import RELEASE_TAGS, RepositorySpec
from ._ecosystems.npm import (
    NODE_LTS,
    NPM,
    PRERELEASE_TAG,
    RELEASE_PACKAGE_PATH,
    NpmSpec,
    dist_tag,
)
from ._manifest import RELEASE_TYPES, _command, _tag_pattern
from ._package_publishing import PackagePublishing


class NpmPublishingArgs(TypedDict):
    """Publish an npm package to GitHub Packages (npm.pkg.github.com) on each release."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    repository: pulumi.Input[str]
    """Name of the repository the workflow is committed to."""
    branch: NotRequired[pulumi.Input[str]]
    """Branch the workflow is committed to (default `main`)."""
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
    release_tag_pattern: NotRequired[pulumi.Input[str]]
    """The tags releases are made from, fnmatch syntax (default `v*`)."""


def _spec(args: NpmPublishingArgs) -> RepositorySpec:
    owner, name = args["owner"], args["repository"]
    types = tuple(args.get("release_types") or ["published"])
    unknown = [t for t in types if t not in RELEASE_TYPES]
    if unknown:
        raise ValueError(f"release_types {unknown} are not release events; use {RELEASE_TYPES}")
    npm = NpmSpec(
        package=args.get("package") or f"@{owner.lower()}/{name.lower()}",  # type: ignore[union-attr]
        node_version=str(args.get("node_version") or NODE_LTS),
        install_command=_command(args.get("install_command") or "npm ci"),  # type: ignore[arg-type]
        test_command=_command(args.get("test_command") or "npm test"),  # type: ignore[arg-type]
        release_types=types,  # type: ignore[arg-type]
        prerelease_tag=dist_tag(args.get("prerelease_tag") or PRERELEASE_TAG),  # type: ignore[arg-type]
    )
    return RepositorySpec(
        owner=owner,  # type: ignore[arg-type]
        name=name,  # type: ignore[arg-type]
        description="",
        visibility="private",
        default_branch=args.get("branch") or "main",  # type: ignore[arg-type]
        adopt=False,
        blocks={"npm": npm},
        path=args.get("manifest_path") or f"the repository {name}",  # type: ignore[arg-type]
        release_tag_pattern=_tag_pattern(args.get("release_tag_pattern") or RELEASE_TAGS),  # type: ignore[arg-type]
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
        Component.__init__(self, name, opts)
        spec = _spec(args)
        assert spec.npm is not None
        source: str = args.get("manifest_source") or "publishing.yaml"  # type: ignore[assignment]
        self._publish(name, spec, spec.npm, source)

    @classmethod
    def component_args(
        cls, target: Mapping[str, Any], settings: Mapping[str, Any]
    ) -> dict[str, Any]:
        # The npm settings are the component's own keys; the visibility is only reported.
        return {**target, **{k: v for k, v in settings.items() if k != "visibility"}}
