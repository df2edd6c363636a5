"""`PublishingRepository`: one repository, declared or adopted, and its managed files."""

from __future__ import annotations

__all__ = ["NpmSettingsArgs", "PublishingRepository", "PublishingRepositoryArgs"]

from typing import NotRequired, TypedDict

import pulumi
import pulumi_github as github

from ._base import Component
from .npm_publishing import NpmPublishing, NpmPublishingArgs


class NpmSettingsArgs(TypedDict):
    """npm publishing of one repository; every key has a default."""

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


class PublishingRepositoryArgs(TypedDict):
    """A repository managed by ghpublish, with the files of its publishing standard."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    name: pulumi.Input[str]
    """Repository name."""
    description: NotRequired[pulumi.Input[str]]
    """One-line description (default empty)."""
    visibility: NotRequired[pulumi.Input[str]]
    """`public`, `private` or `internal` (default `private`)."""
    default_branch: NotRequired[pulumi.Input[str]]
    """Branch the managed files are committed to (default `main`)."""
    adopt: NotRequired[pulumi.Input[bool]]
    """The repository exists already: import it, never create it (default false)."""
    npm: NotRequired[pulumi.Input[NpmSettingsArgs]]
    """Publish an npm package to GitHub Packages on release (default off)."""
    manifest_path: NotRequired[pulumi.Input[str]]
    """Where the repository stands in the manifest, quoted in file headers."""
    manifest_source: NotRequired[pulumi.Input[str]]
    """The manifest file, quoted in file headers (default `publishing.yaml`)."""


class PublishingRepository(Component):
    """A GitHub repository (protected, retained, archived rather than deleted) and its files."""

    url: pulumi.Output[str]
    """The repository's web address."""
    files: pulumi.Output[list[str]]
    """Paths of the files ghpublish manages in the repository, sorted."""
    packages: pulumi.Output[list[str]]
    """Packages the repository publishes, sorted."""

    def __init__(
        self,
        name: str,
        args: PublishingRepositoryArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, opts)
        owner: str = args["owner"]  # type: ignore[assignment]
        repo_name: str = args["name"]  # type: ignore[assignment]
        adopt = bool(args.get("adopt", False))
        branch: str = args.get("default_branch") or "main"  # type: ignore[assignment]
        source = args.get("manifest_source") or "publishing.yaml"
        path = args.get("manifest_path") or f"the repository {repo_name}"

        self.repository = github.Repository(
            f"{name}-repository",
            name=repo_name,
            description=args.get("description") or "",
            visibility=args.get("visibility") or "private",
            # A new repository starts with a commit so that files can be added to it;
            # an adopted one keeps its history (auto_init would force a replacement).
            auto_init=None if adopt else True,
            archive_on_destroy=True,
            opts=self._child(
                protect=True,
                retain_on_delete=True,
                import_=repo_name if adopt else None,
            ),
        )
        self.default_branch = github.BranchDefault(
            f"{name}-default-branch",
            repository=repo_name,
            branch=branch,
            # A new repository's first branch is renamed to the declared one; an adopted
            # repository must already have it.
            rename=None if adopt else True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.repository]),
        )
        after_repo = pulumi.ResourceOptions(
            parent=self, depends_on=[self.repository, self.default_branch]
        )

        files: list[str] = []
        packages: list[str] = []
        npm = args.get("npm")
        if npm is not None:
            npm_args: NpmPublishingArgs = {
                **npm,  # type: ignore[typeddict-item]
                "owner": owner,
                "repository": repo_name,
                "branch": branch,
                "manifest_path": path,
                "manifest_source": source,
            }
            self.npm = NpmPublishing(f"{name}-npm", npm_args, opts=after_repo)
            files.append(NpmPublishing.WORKFLOW_PATH)
            packages.append(self.npm.package_name)

        self.url = pulumi.Output.from_input(f"https://github.com/{owner}/{repo_name}")
        self.files = pulumi.Output.from_input(sorted(files))
        self.packages = pulumi.Output.from_input(sorted(packages))
        self.register_outputs({"url": self.url, "files": self.files, "packages": self.packages})
