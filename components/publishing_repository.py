"""`PublishingRepository`: one repository, declared or adopted, and its managed files."""

__all__ = [
    "ActionsSettingsArgs",
    "CustomPropertyValueArgs",
    "EnvironmentSettingsArgs",
    "FeaturesArgs",
    "NpmSettingsArgs",
    "PublishingRepository",
    "PublishingRepositoryArgs",
]

import inspect
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_github as github

from ._core._component import Component
from ._core._gates import allows
from ._core._spec import GITHUB_FEATURES, patterns_apply
from ._package_publishing import PackagePublishing, publisher
from ._registry import CONTAINER, ECOSYSTEMS
from ._rollout import ROLLOUT_BRANCH, open_pull_request, rollout_branch
from .container_image import ContainerImage, ContainerImageArgs
from .container_publishing import (
    ContainerPublishing,
    ContainerPublishingArgs,
    ContainerSettingsArgs,
)
from .gradle_publishing import GradlePublishing, GradleSettingsArgs
from .manifest_pipeline import ManifestPipeline, ManifestPipelineArgs, PipelineSettingsArgs
from .maven_publishing import MavenPublishing, MavenSettingsArgs
from .npm_publishing import NpmPublishing
from .nuget_publishing import NuGetPublishing, NuGetSettingsArgs
from .repository_standards import (
    OrgActionsArgs,
    RepositoryStandards,
    RepositoryStandardsArgs,
    workflow_actions,
)
from .rubygems_publishing import RubyGemsPublishing, RubyGemsSettingsArgs

# The typed component of each package ecosystem that has one (its settings in the package
# schema), a child named after its key (`<name>-npm`); any other registered package
# ecosystem is published by the generic component its descriptor drives (`publisher`).
PUBLISHERS: tuple[type[PackagePublishing], ...] = (
    NpmPublishing,
    MavenPublishing,
    GradlePublishing,
    NuGetPublishing,
    RubyGemsPublishing,
)
# Every registered ecosystem but the container image (components of its own), in order.
PACKAGE_ECOSYSTEMS = tuple(eco for eco in ECOSYSTEMS if eco is not CONTAINER)
# The children that commit files: one per ecosystem (packages and the container image),
# and the manifest repository's pipeline.
ROLES = (*(eco.key for eco in ECOSYSTEMS), "pipeline")

# The branch GitHub gives a new repository (auto_init): renamed only if another is declared.
GITHUB_FIRST_BRANCH = "main"
# Every input of the provider's Repository (the pinned SDK's names): for an adopted
# repository each one ghpublish does not set is kept as GitHub has it (`ignore_changes`).
REPOSITORY_ATTRIBUTES = tuple(
    sorted(set(inspect.signature(github.RepositoryArgs.__init__).parameters) - {"__self__"})
)


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
    prerelease_tag: NotRequired[pulumi.Input[str]]
    """The dist-tag prereleases are published under (default `next`)."""
    visibility: NotRequired[pulumi.Input[str]]
    """The package's intended visibility, the repository's (reported, not set: GitHub has no
    API for it)."""


class ActionsSettingsArgs(TypedDict):
    """The repository's `GITHUB_TOKEN` and Actions settings; every key has a default."""

    default_token: NotRequired[pulumi.Input[str]]
    """Default `GITHUB_TOKEN` permissions, `read` or `write` (default `read`)."""
    approve_pull_requests: NotRequired[pulumi.Input[bool]]
    """Whether workflows may create and approve pull requests (default false)."""
    allow: NotRequired[pulumi.Input[list[str]]]
    """Action patterns allowed beside GitHub's own and the catalog's pins (default none)."""
    sha_pinning: NotRequired[pulumi.Input[bool]]
    """Every action must be pinned to a full commit SHA (default true)."""


class EnvironmentSettingsArgs(TypedDict):
    """Protection of the `release` environment; every key has a default."""

    reviewer_teams: NotRequired[pulumi.Input[list[int]]]
    """IDs of teams that may approve a publishing job (default none)."""
    reviewer_users: NotRequired[pulumi.Input[list[int]]]
    """IDs of users that may approve a publishing job (default none)."""
    prevent_self_review: NotRequired[pulumi.Input[bool]]
    """Whoever started a publishing job cannot approve it (default true; sent only with
    reviewers)."""
    admins_bypass: NotRequired[pulumi.Input[bool]]
    """Repository administrators may skip the environment's protection (default false)."""


class FeaturesArgs(TypedDict):
    """Repository features; each one not given is GitHub's default for a new repository and
    left as it is on an adopted one."""

    issues: NotRequired[pulumi.Input[bool]]
    """Issues (GitHub's default: on)."""
    projects: NotRequired[pulumi.Input[bool]]
    """Projects (GitHub's default: on)."""
    wiki: NotRequired[pulumi.Input[bool]]
    """The wiki (GitHub's default: on)."""
    discussions: NotRequired[pulumi.Input[bool]]
    """Discussions (GitHub's default: off)."""


class CustomPropertyValueArgs(TypedDict):
    """The repository's value of one custom property of the organization."""

    name: pulumi.Input[str]
    """The property's name, as the organization declares it."""
    type: pulumi.Input[str]
    """Its type: `string`, `single_select`, `multi_select` or `true_false`."""
    values: pulumi.Input[list[str]]
    """The value: one text (`true` or `false` for true_false), several for multi_select."""


class PublishingRepositoryArgs(TypedDict):
    """A repository managed by ghpublish, with the files of its publishing standard."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    name: pulumi.Input[str]
    """Repository name."""
    description: NotRequired[pulumi.Input[str]]
    """One-line description (default empty; adopted: kept as it is)."""
    visibility: NotRequired[pulumi.Input[str]]
    """`public`, `private` or `internal` (default `private`; adopted: kept as it is)."""
    features: NotRequired[pulumi.Input[FeaturesArgs]]
    """Issues, projects, wiki, discussions (default GitHub's; adopted: kept as they are)."""
    default_branch: NotRequired[pulumi.Input[str]]
    """Branch the managed files are committed to (default `main`; adopted: the branch GitHub
    has as the default, never switched)."""
    adopt: NotRequired[pulumi.Input[bool]]
    """The repository exists already: import it, never create it, and change only the
    repository attributes, default branch and Actions settings given here (default
    false)."""
    npm: NotRequired[pulumi.Input[NpmSettingsArgs]]
    """Publish an npm package to GitHub Packages on release (default off)."""
    maven: NotRequired[pulumi.Input[MavenSettingsArgs]]
    """Deploy a Maven package to GitHub Packages on release (default off)."""
    gradle: NotRequired[pulumi.Input[GradleSettingsArgs]]
    """Publish a Gradle build's packages to GitHub Packages on release (default off)."""
    nuget: NotRequired[pulumi.Input[NuGetSettingsArgs]]
    """Push a NuGet package to GitHub Packages on release (default off)."""
    rubygems: NotRequired[pulumi.Input[RubyGemsSettingsArgs]]
    """Push a gem to GitHub Packages on release (default off)."""
    container: NotRequired[pulumi.Input[ContainerSettingsArgs]]
    """Build a container image and push it to the registry on release (default off)."""
    actions: NotRequired[pulumi.Input[ActionsSettingsArgs]]
    """`GITHUB_TOKEN` and allowed actions (default the standard: read-only, selected, SHA;
    adopted: kept as GitHub has them unless given)."""
    environment: NotRequired[pulumi.Input[EnvironmentSettingsArgs]]
    """Protection of the `release` environment publishing jobs run in (default none)."""
    org_actions: NotRequired[pulumi.Input[OrgActionsArgs]]
    """The organization's Actions standard, when the manifest declares `org_standards`: the
    repository's own token and Actions settings exist only where they differ, and its
    release tags are protected by the organization's ruleset (default none)."""
    rollout: NotRequired[pulumi.Input[str]]
    """`direct`: commit to the default branch (default); `pull_request`: commit to
    `ghpublish/standardize` and open one pull request."""
    release_tag_pattern: NotRequired[pulumi.Input[str]]
    """The tags releases are made from, fnmatch syntax (default `v*`): the `release`
    environment deploys only them, the tag ruleset protects them, the workflows read the
    version from them."""
    pipeline: NotRequired[pulumi.Input[PipelineSettingsArgs]]
    """This repository holds the manifest: commit its review, `pulumi up` and drift check
    workflows (default off)."""
    manifest_path: NotRequired[pulumi.Input[str]]
    """Where the repository stands in the manifest, quoted in file headers."""
    plan: NotRequired[pulumi.Input[str]]
    """The owner's GitHub plan: `free`, `pro`, `team` or `enterprise` (default `team`); the
    container workflow attests private and internal images on `enterprise` only."""
    tag_ruleset_id: NotRequired[pulumi.Input[int]]
    """The ID of the repository's tag ruleset when it exists already: imported (default none:
    created)."""
    manifest_source: NotRequired[pulumi.Input[str]]
    """The manifest file, quoted in file headers (default `publishing.yaml`)."""
    manifest_repository: NotRequired[pulumi.Input[str]]
    """The repository of the same owner holding the manifest, named in file headers as
    where changes are made by pull request (default none: the header says the repository
    holding the manifest)."""
    custom_properties: NotRequired[pulumi.Input[list[CustomPropertyValueArgs]]]
    """Its values of the organization's custom properties, one resource each (default none:
    values set elsewhere are left as they are). The properties must exist: give the
    component `depends_on` their definitions when the same stack declares them."""


def _repository(
    name: str, owner: Component, args: PublishingRepositoryArgs, adopt: bool
) -> github.Repository:
    """The repository: created with the given attributes (GitHub's defaults for the rest), or
    imported and changed only in the attributes given, every other one kept as GitHub has it
    (the provider's update sends every attribute, an unset one as false or empty)."""
    features: FeaturesArgs = args.get("features") or {}  # type: ignore[assignment]
    if not adopt:
        features = {**GITHUB_FEATURES, **features}  # type: ignore[typeddict-item]
    attributes: dict[str, Any] = {
        f"has_{feature}": features[feature]  # type: ignore[literal-required]
        for feature in GITHUB_FEATURES
        if feature in features
    }
    for key, default in (("description", ""), ("visibility", "private")):
        if key in args or not adopt:
            attributes[key] = args.get(key) or default
    managed = {"name", "archive_on_destroy", *attributes}
    return github.Repository(
        name,
        name=args["name"],
        # A new repository starts with a commit so that files can be added to it;
        # an adopted one keeps its history (auto_init would force a replacement).
        auto_init=None if adopt else True,
        archive_on_destroy=True,
        **attributes,
        # Retained, not protected: a repository taken out of the manifest leaves the stack
        # with a plain `pulumi up` (the engine forgets it, GitHub keeps it, no state surgery);
        # `archive_on_destroy` archives it should anything ever delete it through the provider.
        opts=owner._child(
            import_=args["name"] if adopt else None,
            # Never changed unless given: Pulumi fills these from GitHub's state (adopted)
            # or keeps what GitHub made of them (created, `auto_init` included).
            ignore_changes=[a for a in REPOSITORY_ATTRIBUTES if a not in managed],
        ),
    )


class PublishingRepository(Component):
    """A GitHub repository (retained, archived rather than deleted) and its files."""

    url: pulumi.Output[str]
    """The repository's web address."""
    files: pulumi.Output[list[str]]
    """Paths of the files ghpublish manages in the repository, sorted."""
    packages: pulumi.Output[list[str]]
    """Packages the repository publishes, sorted."""
    images: pulumi.Output[list[str]]
    """Container images the repository publishes (`<registry>/<owner>/<image>`), sorted."""
    rollout: pulumi.Output[str]
    """How the managed files reach the repository: `direct` or `pull_request`."""
    public_packages: pulumi.Output[list[str]]
    """Packages published as public (irreversible on GitHub), sorted."""

    def __init__(
        self,
        name: str,
        args: PublishingRepositoryArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, opts)
        repo_name: str = args["name"]  # type: ignore[assignment]
        adopt = bool(args.get("adopt", False))
        # An adopted repository's files go to the branch GitHub has as its default unless
        # one is given: "" (the provider commits to the default branch without one).
        branch: str = args.get("default_branch") or ("" if adopt else "main")  # type: ignore[assignment]
        source = args.get("manifest_source") or "publishing.yaml"
        rollout = args.get("rollout") or "direct"
        # Through a pull request only when the repository gets files to review.
        by_pull_request = rollout == "pull_request" and any(
            args.get(role) is not None for role in ROLES
        )
        ready = self._declare_repository(name, args, branch)
        if by_pull_request:
            # From the default branch: GitHub's own, as the provider reads it, if none given
            # (read without the SDK's deprecation notice, which is about setting it).
            base: pulumi.Input[str] = branch or pulumi.get(self.repository, "default_branch")
            self.rollout_branch = rollout_branch(
                self, name, repository=repo_name, base=base, depends_on=ready
            )
            ready.append(self.rollout_branch)
            # Children's managed files go to the rollout branch (see `managed_file`).
            self._rollout_branch = ROLLOUT_BRANCH
        after_repo = pulumi.ResourceOptions(parent=self, depends_on=ready)

        files, packages, public = self._publish_packages(name, args, branch, after_repo)
        images = self._publish_image(name, args, branch, after_repo, files)
        self._commit_pipeline(name, args, branch, after_repo, files)
        self._apply_standards(name, args)
        self._set_properties(name, args)
        if by_pull_request:
            # The pull request waits for every file of the children that commit some.
            committed = [getattr(self, role) for role in ROLES if hasattr(self, role)]
            self.pull_request = open_pull_request(
                self,
                name,
                repository=repo_name,
                base=base,
                paths=files,
                source=source,
                files=committed,
            )
        # Plain, known values: the org's stack output is built from them, not from Outputs.
        self.summary: dict[str, Any] = {
            "url": f"https://github.com/{args['owner']}/{repo_name}",
            "files": sorted(files),
            "packages": sorted(packages),
            "images": sorted(images),
            "rollout": rollout,
            "public_packages": sorted(public),
        }
        self._finish(**self.summary)

    def _declare_repository(
        self, name: str, args: PublishingRepositoryArgs, branch: str
    ) -> list[pulumi.Resource]:
        """The repository and, where it must change, its default branch: what every file
        waits for. A new repository whose declared branch is not GitHub's first one is
        renamed; an adopted repository keeps its default branch, which `default_branch`
        names (never switched under its users)."""
        adopt = bool(args.get("adopt", False))
        self.repository = _repository(f"{name}-repository", self, args, adopt)
        ready: list[pulumi.Resource] = [self.repository]
        if not adopt and branch and branch != GITHUB_FIRST_BRANCH:
            self.default_branch = github.BranchDefault(
                f"{name}-default-branch",
                repository=args["name"],
                branch=branch,
                rename=True,
                opts=self._child(depends_on=[self.repository]),
            )
            ready.append(self.default_branch)
        return ready

    @staticmethod
    def _tags(args: PublishingRepositoryArgs) -> dict[str, Any]:
        """The release tags, one pattern for the environment, the ruleset and the workflows."""
        pattern = args.get("release_tag_pattern")
        return {"release_tag_pattern": pattern} if pattern is not None else {}

    @staticmethod
    def _home(args: PublishingRepositoryArgs) -> dict[str, Any]:
        """The manifest repository file headers send changes to (when the manifest has one)."""
        home = args.get("manifest_repository")
        return {"manifest_repository": home} if home is not None else {}

    @classmethod
    def _where(cls, args: PublishingRepositoryArgs, branch: str) -> dict[str, Any]:
        """What every package child is told: the repository, the branch, the manifest
        quoted in file headers and the release tags (when set)."""
        return {
            "owner": args["owner"],
            "repository": args["name"],
            "branch": branch,
            "manifest_path": args.get("manifest_path") or f"the repository {args['name']}",
            "manifest_source": args.get("manifest_source") or "publishing.yaml",
            **cls._home(args),
            **cls._tags(args),
        }

    def _publish_packages(
        self,
        name: str,
        args: PublishingRepositoryArgs,
        branch: str,
        after_repo: pulumi.ResourceOptions,
    ) -> tuple[list[str], list[str], list[str]]:
        """A child per package ecosystem the repository publishes with (`<name>-npm`): the
        workflow paths, the packages, and those made public (a package made public cannot be
        made private again: reported for the summary)."""
        files: list[str] = []
        packages: list[str] = []
        public: list[str] = []
        target = self._where(args, branch)
        for eco in PACKAGE_ECOSYSTEMS:
            settings = args.get(eco.key)
            if settings is None:
                continue
            component = publisher(eco, PUBLISHERS)
            child = component(
                f"{name}-{eco.key}",
                component.component_args(target, settings),  # type: ignore[arg-type]
                opts=after_repo,
            )
            setattr(self, eco.key, child)
            files.append(eco.workflow_path)
            packages.append(child.package_name)
            if settings.get("visibility") == "public":  # type: ignore[union-attr]
                public.append(child.package_name)
        return files, packages, public

    def _publish_image(
        self,
        name: str,
        args: PublishingRepositoryArgs,
        branch: str,
        after_repo: pulumi.ResourceOptions,
        files: list[str],
    ) -> list[str]:
        """The container image's workflow (and its `pulumi up` build): the images."""
        container = args.get("container")
        if container is None:
            return []
        where = {"owner": args["owner"], "repository": args["name"], "branch": branch}
        target = self._where(args, branch)
        container_args: ContainerPublishingArgs = {
            **where,  # type: ignore[typeddict-item]
            **self._tags(args),  # type: ignore[typeddict-item]
            "container": container,
            "manifest_path": target["manifest_path"],
            "manifest_source": target["manifest_source"],
            **self._home(args),  # type: ignore[typeddict-item]
        }
        # What decides attestations: an adopted repository's kept visibility is unknown
        # here, so it attests only where every visibility may (Enterprise Cloud).
        for key in ("visibility", "plan"):
            if args.get(key) is not None:
                container_args[key] = args[key]  # type: ignore[literal-required]
        self.container = ContainerPublishing(f"{name}-container", container_args, opts=after_repo)
        files.append(ContainerPublishing.WORKFLOW_PATH)
        if container.get("build_from_pulumi") is not None:  # type: ignore[union-attr]
            image_args: ContainerImageArgs = {**where, "container": container}  # type: ignore[typeddict-item]
            self.image = ContainerImage(f"{name}-image", image_args, opts=after_repo)
        return [self.container.image_ref]

    def _commit_pipeline(
        self,
        name: str,
        args: PublishingRepositoryArgs,
        branch: str,
        after_repo: pulumi.ResourceOptions,
        files: list[str],
    ) -> None:
        """The manifest repository's review, `pulumi up` and drift workflows."""
        pipeline = args.get("pipeline")
        if pipeline is None:
            return
        pipeline_args: ManifestPipelineArgs = {
            **pipeline,  # type: ignore[typeddict-item]
            "repository": args["name"],
            "branch": branch,
            "manifest_source": args.get("manifest_source") or "publishing.yaml",
        }
        self.pipeline = ManifestPipeline(f"{name}-pipeline", pipeline_args, opts=after_repo)
        files.extend(ManifestPipeline.WORKFLOW_PATHS)

    def _set_properties(self, name: str, args: PublishingRepositoryArgs) -> None:
        """One `RepositoryCustomProperty` per value (`<name>-property-<property>`): the
        provider's PATCH sends that property alone, so the repository's other values stay as
        they are."""
        self.custom_properties: list[github.RepositoryCustomProperty] = [
            github.RepositoryCustomProperty(
                f"{name}-property-{value['name']}",
                repository=args["name"],
                property_name=value["name"],
                property_type=value["type"],
                property_values=list(value["values"]),  # type: ignore[arg-type]
                opts=self._child(depends_on=[self.repository]),
            )
            for value in args.get("custom_properties") or []  # type: ignore[union-attr]
        ]

    def _apply_standards(self, name: str, args: PublishingRepositoryArgs) -> None:
        """Token, Actions, `release` environment and tag ruleset, from the workflows the
        children committed."""
        actions: ActionsSettingsArgs = args.get("actions") or {}  # type: ignore[assignment]
        environment: EnvironmentSettingsArgs = args.get("environment") or {}  # type: ignore[assignment]
        workflows = [
            workflow
            for role in ROLES
            for workflow in getattr(getattr(self, role, None), "workflows", ())
        ]
        standards_args: RepositoryStandardsArgs = {
            "repository": args["name"],
            "default_token": actions.get("default_token") or "read",
            "approve_pull_requests": bool(actions.get("approve_pull_requests", False)),
            "allowed_actions": list(actions.get("allow") or []),  # type: ignore[arg-type]
            "workflow_actions": workflow_actions(workflows),
            "sha_pinning": actions.get("sha_pinning", True) is not False,
            # Only a repository that publishes has jobs to run in the `release` environment.
            "release_environment": any(args.get(eco.key) is not None for eco in ECOSYSTEMS),
            **environment,  # type: ignore[typeddict-item]
            **self._tags(args),  # type: ignore[typeddict-item]
        }
        if args.get("adopt", False):
            # An adopted repository keeps GitHub's token and Actions settings unless given:
            # the provider sends each group whole (token and approvals; policy, list and SHA
            # pinning), so one key given writes its group, the standard's for the others.
            standards_args["token_settings"] = any(
                key in actions for key in ("default_token", "approve_pull_requests")
            )
            standards_args["actions_policy"] = any(
                key in actions for key in ("allow", "sha_pinning")
            )
        org_actions = args.get("org_actions")
        if org_actions is not None:
            standards_args["org_actions"] = org_actions
        standards_args["patterns_apply"] = patterns_apply(
            args.get("plan") or "team",  # type: ignore[arg-type]
            args.get("visibility"),  # type: ignore[arg-type]
        )
        if not allows("repository_rulesets", args.get("plan") or "team", args.get("visibility")):  # type: ignore[arg-type]
            # GitHub offers no ruleset to a private repository on Free.
            standards_args["tag_ruleset"] = False
        if args.get("tag_ruleset_id") is not None:
            standards_args["tag_ruleset_id"] = args["tag_ruleset_id"]
        self.standards = RepositoryStandards(
            f"{name}-standards",
            standards_args,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.repository]),
        )
