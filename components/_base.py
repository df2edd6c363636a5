"""What every ghpublish component shares: its type token and its managed files."""

from __future__ import annotations

__all__ = ["COMMIT_AUTHOR", "COMMIT_EMAIL", "PACKAGE", "Component", "managed_file", "type_token"]

from collections.abc import Sequence

import pulumi
import pulumi_github as github

# The package name in every type token: `ghpublish:index:<ClassName>`.
PACKAGE = "ghpublish"
COMMIT_AUTHOR = "ghpublish"
COMMIT_EMAIL = "ghpublish@users.noreply.github.com"


def type_token(class_name: str) -> str:
    return f"{PACKAGE}:index:{class_name}"


class Component(pulumi.ComponentResource):
    """A component whose type token comes from its class name."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token(type(self).__name__), name, None, opts)
        # Resources of this component wait for what the component was told to wait for
        # (the repository, for files and settings), without reading its outputs.
        deps = opts.depends_on if opts is not None else None
        self._depends_on: Sequence[pulumi.Resource] = (
            [deps] if isinstance(deps, pulumi.Resource) else list(deps or [])  # type: ignore[arg-type]
        )

    def _child(self, **extra: object) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(self._depends_on), **extra)


def managed_file(
    owner: Component,
    role: str,
    *,
    name: str,
    repository: str,
    branch: str,
    path: str,
    content: str,
) -> github.RepositoryFile:
    """One file ghpublish commits and keeps, named `<component>-<role>`."""
    return github.RepositoryFile(
        f"{name}-{role}",
        repository=repository,
        branch=branch,
        file=path,
        content=content,
        commit_message=f"ghpublish: manage {path}",
        commit_author=COMMIT_AUTHOR,
        commit_email=COMMIT_EMAIL,
        overwrite_on_create=True,
        opts=owner._child(),
    )
