"""The base of every package ecosystem's component: it commits the ecosystem's release
workflow, from settings checked by the manifest's own rules.

An ecosystem's component (``MavenPublishing``) is a subclass naming its ecosystem and its
typed arguments: the package schema reads them from its ``__init__``. A registered ecosystem
without one is published by :func:`publisher`'s generic subclass, which its descriptor alone
drives (its settings are then typed in no package schema).
"""

__all__ = ["PackagePublishing", "PublishingTargetArgs", "publisher"]

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi

from ._core._component import Component, managed_workflow, target_branch
from ._core._spec import RELEASE_TAGS, RepositorySpec
from ._manifest import _tag_pattern, settings_spec
from ._registry import Ecosystem


# Each component's args repeat these keys rather than inherit them: the SDK's analyzer
# (the component host's and tools/package_schema.py's) reads a property's description from
# the source of the TypedDict it is looked up on, so inherited keys would lose theirs.
class PublishingTargetArgs(TypedDict):
    """Where a package ecosystem's workflow is committed (every component's own keys)."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    repository: pulumi.Input[str]
    """Name of the repository the workflow is committed to."""
    branch: NotRequired[pulumi.Input[str]]
    """Branch the workflow is committed to (default `main`; empty: the repository's default
    branch as GitHub has it)."""
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


class PackagePublishing(Component):
    """Commits one ecosystem's release workflow: test on pull requests, publish on release."""

    # Each subclass names its ecosystem (an `Ecosystem`); not annotated, since the SDK's
    # analyzer reads a component's annotations as its outputs.
    ECOSYSTEM = None

    def __init__(
        self, name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        self._publish(
            name, self.repository_spec(args), args.get("manifest_source") or "publishing.yaml"
        )

    @classmethod
    def settings(cls, args: Mapping[str, Any]) -> Mapping[str, Any]:
        """The ecosystem's settings among the arguments: its block's keys, under its key."""
        return args.get(cls.ECOSYSTEM.key) or {}  # type: ignore[attr-defined]

    @classmethod
    def repository_spec(cls, args: Mapping[str, Any]) -> RepositorySpec:
        """The repository as the workflow reads it: the settings checked by the manifest's
        own rules and resolved with its defaults (the very spec the manifest gives)."""
        eco: Ecosystem = cls.ECOSYSTEM  # type: ignore[assignment]
        owner: str = args["owner"]
        repository: str = args["repository"]
        spec = settings_spec(eco, owner, repository, cls.settings(args))
        return RepositorySpec(
            owner=owner,
            name=repository,
            description="",
            visibility=spec.visibility,
            default_branch=target_branch(args),
            adopt=False,
            path=args.get("manifest_path") or f"the repository {repository}",
            manifest_repository=args.get("manifest_repository"),
            release_tag_pattern=_tag_pattern(args.get("release_tag_pattern") or RELEASE_TAGS),
            blocks={eco.key: spec},
        )

    def _publish(self, name: str, repo: RepositorySpec, source: str) -> None:
        eco: Ecosystem = self.ECOSYSTEM  # type: ignore[assignment]
        spec = repo.block(eco.key)
        self.file, content = managed_workflow(
            self, name, repo, eco.workflow_path, eco.workflow(repo, source)
        )
        # What the repository publishes: the package's name, else where it goes.
        self.package_name: str = eco.published(spec) or f"{repo.full_name} ({eco.key})"
        self._finish(package=self.package_name, workflow_path=eco.workflow_path, workflow=content)

    @classmethod
    def component_args(
        cls, target: Mapping[str, Any], settings: Mapping[str, Any]
    ) -> dict[str, Any]:
        """This component's arguments for a repository's settings of its ecosystem."""
        return {**target, cls.ECOSYSTEM.key: dict(settings)}  # type: ignore[attr-defined]


@functools.cache
def _generic(eco: Ecosystem) -> type[PackagePublishing]:
    # Named after the key (`cargo` → `CargoPublishing`), like a typed component would be.
    words = re.split(r"[^A-Za-z0-9]+", eco.key)
    name = "".join(w[:1].upper() + w[1:] for w in words) + "Publishing"
    return type(name, (PackagePublishing,), {"ECOSYSTEM": eco, "__module__": __name__})


def publisher(eco: Ecosystem, typed: Sequence[type[PackagePublishing]]) -> type[PackagePublishing]:
    """The component publishing ``eco``: its typed one among ``typed``, else the generic one."""
    for component in typed:
        if component.ECOSYSTEM is eco:
            return component
    return _generic(eco)
