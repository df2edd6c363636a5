"""The resolved, validated spec: what the manifest means, defaults applied.

Everything downstream (workflows, components) reads these frozen values only.
"""

from __future__ import annotations

__all__ = [
    "NODE_LTS",
    "STANDARD_VERSION",
    "ContainerSpec",
    "NpmSpec",
    "OrgSpec",
    "RepositorySpec",
]

from dataclasses import dataclass
from typing import Any, Literal

# The version of the publishing standard the generated files follow.
STANDARD_VERSION = "1"
# The current Node.js LTS major, the default `npm.node_version`.
NODE_LTS = "24"

Visibility = Literal["public", "private", "internal"]


@dataclass(frozen=True)
class NpmSpec:
    """Publishing one npm package to GitHub Packages on release."""

    package: str
    node_version: str
    install_command: tuple[str, ...]
    test_command: tuple[str, ...]
    release_types: tuple[str, ...]

    @property
    def scope(self) -> str:
        return self.package.split("/", 1)[0]


@dataclass(frozen=True)
class ContainerSpec:
    """Container image publishing (content defined by the container work)."""

    settings: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class RepositorySpec:
    owner: str
    name: str
    description: str
    visibility: Visibility
    default_branch: str
    adopt: bool
    npm: NpmSpec | None
    container: ContainerSpec | None
    # Where this repository stands in the manifest, for messages and file headers.
    path: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def url(self) -> str:
        return f"https://github.com/{self.full_name}"


@dataclass(frozen=True)
class OrgSpec:
    owner: str
    repositories: tuple[RepositorySpec, ...]
    # The manifest as named in the stack config, quoted in generated headers.
    source: str
