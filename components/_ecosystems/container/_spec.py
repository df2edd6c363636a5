"""The resolved container image: what a `container` block means, defaults applied."""

from __future__ import annotations

__all__ = ["DEFAULT_PLATFORMS", "GHCR", "ContainerSpec", "PulumiBuildSpec"]

import posixpath
from dataclasses import dataclass

# The registry images go to unless the manifest names another (GitHub Enterprise Server,
# a test registry), and the platform built unless it lists others.
GHCR = "ghcr.io"
DEFAULT_PLATFORMS = ("linux/amd64",)


@dataclass(frozen=True)
class PulumiBuildSpec:
    """Building and pushing the image from `pulumi up` too (the ContainerImage component)."""

    # A local directory holding the repository's files, relative to the Pulumi program;
    # None: BuildKit reads the repository's git URL at `ref` directly.
    path: str | None
    # The git ref built when `path` is None (a branch or a tag).
    ref: str | None
    # Tags pushed, without the image name.
    tags: tuple[str, ...]
    # Registry cache (`<image>:buildcache`) read and written by the build.
    cache: bool = True
    # The commit `ref` points at, when the stack config gives it (`ghpublish:revisions`):
    # BuildKit reads that commit, so a moved branch is a new build context and rebuilds.
    revision: str | None = None


@dataclass(frozen=True)
class ContainerSpec:
    """One container image built from the repository and pushed to a registry."""

    # `<registry>/<namespace>/<image>`, always lowercase.
    registry: str
    namespace: str
    image: str
    # Build context, a directory inside the repository, and the Dockerfile relative to it.
    context: str = "."
    dockerfile: str = "Dockerfile"
    platforms: tuple[str, ...] = DEFAULT_PLATFORMS
    build_args: tuple[tuple[str, str], ...] = ()
    target: str | None = None
    build_from_pulumi: PulumiBuildSpec | None = None
    # The release workflow's login to a registry other than ghcr.io (GITHUB_TOKEN never
    # leaves GitHub): the user name and the name of the Actions secret with its password.
    registry_username: str | None = None
    registry_password_secret: str | None = None

    @property
    def ref(self) -> str:
        """The image reference without a tag, such as `ghcr.io/acme-widgets/widgets`."""
        return f"{self.registry}/{self.namespace}/{self.image}"

    @property
    def dockerfile_path(self) -> str:
        """The Dockerfile's path from the repository root."""
        return posixpath.normpath(posixpath.join(self.context, self.dockerfile))
