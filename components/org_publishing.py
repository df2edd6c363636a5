"""`OrgPublishing`: the top component, turning the manifest into the others."""

from __future__ import annotations

__all__ = ["OrgPublishing", "OrgPublishingArgs"]

from typing import NotRequired, TypedDict

import pulumi
import pulumi_github as github

from ._base import Component
from ._manifest import load_manifest
from ._spec import OrgSpec, RepositorySpec
from ._workflow import shell_join
from .publishing_repository import NpmSettingsArgs, PublishingRepository, PublishingRepositoryArgs


class OrgPublishingArgs(TypedDict):
    """Every repository of one GitHub owner, as its manifest declares them."""

    manifest: pulumi.Input[str]
    """Path of the manifest (`publishing.yaml`), relative to the program."""
    github_token: NotRequired[pulumi.Input[str]]
    """Token for the GitHub provider, a secret (default: the provider's own settings)."""


def repository_args(repo: RepositorySpec, source: str) -> PublishingRepositoryArgs:
    """The component arguments a resolved repository spec stands for."""
    args: PublishingRepositoryArgs = {
        "owner": repo.owner,
        "name": repo.name,
        "description": repo.description,
        "visibility": repo.visibility,
        "default_branch": repo.default_branch,
        "adopt": repo.adopt,
        "manifest_path": repo.path,
        "manifest_source": source,
    }
    if repo.npm is not None:
        npm: NpmSettingsArgs = {
            "package": repo.npm.package,
            "node_version": repo.npm.node_version,
            "install_command": shell_join(repo.npm.install_command),
            "test_command": shell_join(repo.npm.test_command),
            "release_types": list(repo.npm.release_types),
        }
        args["npm"] = npm
    return args


class OrgPublishing(Component):
    """One GitHub provider for the owner and a `PublishingRepository` per repository."""

    owner: pulumi.Output[str]
    """The organization or user login."""
    repositories: pulumi.Output[dict[str, dict[str, object]]]
    """Per repository name: its `url`, the `files` it manages and the `packages` it publishes."""

    def __init__(
        self, name: str, args: OrgPublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        source: str = args["manifest"]  # type: ignore[assignment]
        self.spec: OrgSpec = load_manifest(source)
        token = args.get("github_token")
        self.provider = github.Provider(
            f"{name}-github",
            owner=self.spec.owner,
            token=pulumi.Output.secret(token) if token is not None else None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        children = pulumi.ResourceOptions(parent=self, providers={"github": self.provider})
        self.members: dict[str, PublishingRepository] = {
            repo.name: PublishingRepository(
                f"{name}-{repo.name}", repository_args(repo, source), opts=children
            )
            for repo in self.spec.repositories
        }
        self.owner = pulumi.Output.from_input(self.spec.owner)
        self.repositories = pulumi.Output.from_input(
            {
                repo_name: {"url": member.url, "files": member.files, "packages": member.packages}
                for repo_name, member in sorted(self.members.items())
            }
        )
        self.register_outputs({"owner": self.owner, "repositories": self.repositories})
