"""`ContainerPublishing`: the workflow that builds a container image and pushes it on release."""

__all__ = [
    "BuildFromPulumiArgs",
    "ContainerPublishing",
    "ContainerPublishingArgs",
    "ContainerSettingsArgs",
    "container_spec",
]

import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict, get_args

import pulumi

from ._core._component import Component, managed_workflow, target_branch
from ._core._errors import GhpublishError
from ._core._fields import _secret_name
from ._core._spec import DEFAULT_PLAN, RELEASE_TAGS, Plan, RepositorySpec, Visibility
from ._ecosystems.container._block import (
    _pulumi_tag,
    _registry_username,
    pulumi_tags,
    registry_credential_problems,
)
from ._ecosystems.container._spec import DEFAULT_PLATFORMS, GHCR, ContainerSpec, PulumiBuildSpec
from ._ecosystems.container._workflow import DOCKER_PUBLISH_PATH, docker_publish
from ._manifest import (
    _build_args,
    _image_name,
    _local_path,
    _platform,
    _registry_host,
    _repo_path,
    _stage,
    _tag_pattern,
    default_tags,
)


class BuildFromPulumiArgs(TypedDict):
    """Building and pushing the image from `pulumi up` as well (the ContainerImage component)."""

    path: NotRequired[pulumi.Input[str]]
    """A local directory with the repository's files, relative to the Pulumi program
    (default: BuildKit reads the repository's git URL at `ref`)."""
    ref: NotRequired[pulumi.Input[str]]
    """Git branch or tag built from the git URL (default the default branch)."""
    tags: NotRequired[pulumi.Input[list[str]]]
    """Tags pushed, each under `pulumi-` (`edge` is pushed as `pulumi-edge`; default: the
    ref; `edge` for a path): never a tag the release workflow pushes."""
    cache: NotRequired[pulumi.Input[bool]]
    """Read and write a registry cache, `<image>:buildcache` (default true)."""
    revision: NotRequired[pulumi.Input[str]]
    """The full commit SHA `ref` points at: that commit is built, and a new one rebuilds
    (default none: the ref, rebuilt only when the ref's name changes)."""


class ContainerSettingsArgs(TypedDict):
    """The container image of one repository; every key has a default."""

    image: NotRequired[pulumi.Input[str]]
    """Image name under the owner (default the repository name, lowercased)."""
    context: NotRequired[pulumi.Input[str]]
    """Build context, a directory of the repository (default `.`)."""
    dockerfile: NotRequired[pulumi.Input[str]]
    """Dockerfile, relative to the context (default `Dockerfile`)."""
    platforms: NotRequired[pulumi.Input[list[str]]]
    """Platforms built (default `["linux/amd64"]`)."""
    build_args: NotRequired[pulumi.Input[dict[str, str]]]
    """Build arguments (default none)."""
    target: NotRequired[pulumi.Input[str]]
    """Build stage to stop at (default the last)."""
    registry: NotRequired[pulumi.Input[str]]
    """Registry host (default `ghcr.io`)."""
    build_from_pulumi: NotRequired[pulumi.Input[BuildFromPulumiArgs]]
    """Also build and push from `pulumi up` (default off)."""
    registry_username: NotRequired[pulumi.Input[str]]
    """User name for a registry other than ghcr.io: the release workflow logs in with it
    (required there), and so does a Pulumi-time build (default the owner login)."""
    registry_password_secret: NotRequired[pulumi.Input[str]]
    """Name of the Actions secret holding the password of a registry other than ghcr.io, for
    the release workflow's login (required there; ghcr.io takes `GITHUB_TOKEN`)."""
    registry_password: NotRequired[pulumi.Input[str]]
    """Token for the registry when building from Pulumi, a secret (default: the host's
    Docker credentials)."""
    git_token: NotRequired[pulumi.Input[str]]
    """Token BuildKit reads a private repository's git URL with, a secret (default none)."""


class ContainerPublishingArgs(TypedDict):
    """Build a container image on pull requests; build, push (and attest) it on release."""

    owner: pulumi.Input[str]
    """Login of the organization or user that owns the repository."""
    repository: pulumi.Input[str]
    """Name of the repository the workflow is committed to."""
    branch: NotRequired[pulumi.Input[str]]
    """Branch the workflow is committed to, the default branch (default `main`; empty: the
    repository's default branch as GitHub has it)."""
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
    visibility: NotRequired[pulumi.Input[str]]
    """The repository's visibility (default `private`): public repositories attest on every
    plan."""
    plan: NotRequired[pulumi.Input[str]]
    """The owner's GitHub plan, `free`, `pro`, `team` or `enterprise` (default `team`):
    private and internal repositories attest on `enterprise` (Enterprise Cloud) only."""
    container: NotRequired[pulumi.Input[ContainerSettingsArgs]]
    """The image: name, context, platforms, registry (every key has a default)."""


_COMMIT = re.compile(r"[0-9a-f]{40}")


def _pulumi_build(build: Mapping[str, object], branch: str) -> PulumiBuildSpec:
    path = build.get("path")
    ref = build.get("ref")
    if path is not None and ref is not None:
        raise ValueError(f"build_from_pulumi sets both path {path!r} and ref {ref!r}; keep one")
    if path is not None:
        _local_path(path)  # type: ignore[arg-type]
    else:
        ref = ref or branch
    tags = build.get("tags")
    resolved = (
        pulumi_tags(_pulumi_tag(t) for t in tags)  # type: ignore[attr-defined]
        if tags
        else default_tags(ref)  # type: ignore[arg-type]
    )
    revision = build.get("revision")
    if revision is not None and (path is not None or not _COMMIT.fullmatch(str(revision))):
        raise GhpublishError(
            f"build_from_pulumi.revision {revision!r} is not the full commit SHA of a git ref"
            " (40 hexadecimal digits, for a build from the git URL)"
        )
    return PulumiBuildSpec(
        path=path,  # type: ignore[arg-type]
        ref=ref,  # type: ignore[arg-type]
        tags=resolved,
        cache=build.get("cache") is not False,
        revision=revision,  # type: ignore[arg-type]
    )


def container_spec(
    owner: str, repository: str, settings: ContainerSettingsArgs, branch: str = "main"
) -> ContainerSpec:
    """The resolved image of component arguments: the manifest's rules and defaults."""
    platforms: Sequence[str] = settings.get("platforms") or DEFAULT_PLATFORMS  # type: ignore[assignment]
    build_args: dict[str, str] = _build_args(dict(settings.get("build_args") or {}))  # type: ignore[arg-type]
    target = settings.get("target")
    build = settings.get("build_from_pulumi")
    return ContainerSpec(
        registry=_registry_host(settings.get("registry") or GHCR),  # type: ignore[arg-type]
        namespace=owner.lower(),
        image=_image_name(settings.get("image") or repository.lower()),  # type: ignore[arg-type]
        context=_repo_path(settings.get("context") or "."),  # type: ignore[arg-type]
        dockerfile=_repo_path(settings.get("dockerfile") or "Dockerfile"),  # type: ignore[arg-type]
        platforms=tuple(dict.fromkeys(_platform(p) for p in platforms)),
        build_args=tuple(sorted(build_args.items())),
        target=_stage(target) if target is not None else None,  # type: ignore[arg-type]
        build_from_pulumi=_pulumi_build(build, branch) if build is not None else None,  # type: ignore[arg-type]
        registry_username=settings.get("registry_username"),  # type: ignore[arg-type]
        registry_password_secret=settings.get("registry_password_secret"),  # type: ignore[arg-type]
    )


def _publishing_checks(container: ContainerSpec) -> ContainerSpec:
    """The release workflow's own rules: registry credentials."""
    # On ghcr.io a user name serves the Pulumi-time build only (the workflow takes
    # GITHUB_TOKEN), so only a password secret is out of place there.
    username = container.registry_username if container.registry != GHCR else None
    problems = registry_credential_problems(
        container.registry, username, container.registry_password_secret
    )
    if container.registry_username is not None:
        _registry_username(container.registry_username)
    if container.registry_password_secret is not None:
        _secret_name(container.registry_password_secret)
    if problems:
        raise ValueError("; ".join(f"container.{key}: {message}" for key, message in problems))
    return container


def _spec(args: ContainerPublishingArgs) -> RepositorySpec:
    owner: str = args["owner"]  # type: ignore[assignment]
    name: str = args["repository"]  # type: ignore[assignment]
    branch = target_branch(args)
    plan = args.get("plan") or DEFAULT_PLAN
    if plan not in get_args(Plan):
        raise ValueError(
            f"plan {plan!r} is not a GitHub plan; expected one of {', '.join(get_args(Plan))}"
        )
    visibility = args.get("visibility") or "private"
    if visibility not in get_args(Visibility):
        raise ValueError(
            f"visibility {visibility!r} is not a repository visibility; expected one of"
            f" {', '.join(get_args(Visibility))}"
        )
    return RepositorySpec(
        owner=owner,
        name=name,
        description="",
        visibility=visibility,  # type: ignore[arg-type]
        plan=plan,  # type: ignore[arg-type]
        default_branch=branch,
        adopt=False,
        blocks={
            "container": _publishing_checks(
                container_spec(owner, name, args.get("container") or {}, branch or "main"),  # type: ignore[arg-type]
            )
        },
        path=args.get("manifest_path") or f"the repository {name}",  # type: ignore[arg-type]
        manifest_repository=args.get("manifest_repository"),  # type: ignore[arg-type]
        release_tag_pattern=_tag_pattern(args.get("release_tag_pattern") or RELEASE_TAGS),  # type: ignore[arg-type]
    )


class ContainerPublishing(Component):
    """Commits `.github/workflows/docker-publish.yml`: build on pull requests; on a published
    release build and push to the registry (`latest` for the highest release only) and
    attest where GitHub offers attestations."""

    image: pulumi.Output[str]
    """The image reference without a tag, lowercase (`ghcr.io/<owner>/<image>`)."""
    workflow_path: pulumi.Output[str]
    """Path of the workflow file in the repository."""
    workflow: pulumi.Output[str]
    """The workflow's YAML text."""

    WORKFLOW_PATH = DOCKER_PUBLISH_PATH

    def __init__(
        self, name: str, args: ContainerPublishingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        spec = _spec(args)
        assert spec.container is not None
        self.spec = spec.container
        source: str = args.get("manifest_source") or "publishing.yaml"  # type: ignore[assignment]
        self.file, content = managed_workflow(
            self, name, spec, DOCKER_PUBLISH_PATH, docker_publish(spec, source)
        )
        self.image_ref = spec.container.ref
        self._finish(image=spec.container.ref, workflow_path=DOCKER_PUBLISH_PATH, workflow=content)
