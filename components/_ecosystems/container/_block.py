"""The `container` block: its model and its resolution into a :class:`ContainerSpec`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import pulumi_docker_build as docker_build
from pydantic import AfterValidator, BeforeValidator, Field

from ..._core._fields import (
    _BUILTIN,
    Branch,
    Loc,
    RepoPath,
    SecretName,
    _Block,
    _full_match,
    _pick,
    excerpt,
)
from ._spec import DEFAULT_PLATFORMS, GHCR, ContainerSpec, PulumiBuildSpec

if TYPE_CHECKING:
    from ..._core._ecosystem import Entry


# Container images: names as the OCI distribution spec allows them, lowercase.
_IMAGE_PART = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(rf"{_IMAGE_PART}(?:/{_IMAGE_PART})*")
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_REGISTRY = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*(?::[0-9]{{1,5}})?")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_STAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_BUILD_ARG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REGISTRY_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,254}")
# Platforms docker/build-push-action (buildx + QEMU) and BuildKit build on Linux runners.
PLATFORMS = (
    "linux/386",
    "linux/amd64",
    "linux/arm/v6",
    "linux/arm/v7",
    "linux/arm64",
    "linux/mips64le",
    "linux/ppc64le",
    "linux/riscv64",
    "linux/s390x",
)
# Platforms the Docker build provider builds (`pulumi up`, build_from_pulumi): its `Platform`
# enum has 'linux/arm' but neither ARM variant above, which it refuses.
PULUMI_PLATFORMS = frozenset(p.value for p in docker_build.Platform)


def _image_name(value: str) -> str:
    if len(value) > 200 or not _IMAGE.fullmatch(value):
        lower = value.lower()
        hint = (
            f"; use {lower!r} (registries refuse capitals)"
            if lower != value and _IMAGE.fullmatch(lower)
            else ""
        )
        raise ValueError(
            f"{excerpt(value)}"
            f" is not an image name; expected lowercase letters and digits separated"
            f" by '.', '_', '__' or '-', with '/' between path parts, such as 'widgets'{hint}"
        )
    return value


def _platform(value: str) -> str:
    if value not in PLATFORMS:
        close = difflib.get_close_matches(value, PLATFORMS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"{excerpt(value)} is not a platform the image can be built for; {hint}expected one of:"
            f" {', '.join(PLATFORMS)}"
        )
    return value


def _registry_host(value: str) -> str:
    port = value.rpartition(":")[2] if ":" in value else ""
    if len(value) > 253 or not _REGISTRY.fullmatch(value) or (port and not 0 < int(port) < 65536):
        raise ValueError(
            f"{excerpt(value)}"
            f" is not a registry host; expected a lowercase host name with an optional"
            " port and no scheme or path, such as 'ghcr.io' or 'containers.example.com:5000'"
        )
    return value


def _local_path(value: str) -> str:
    if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(
            f"{excerpt(value)} is not a directory path; expected a directory relative to the Pulumi"
            " program, such as '../widgets'"
        )
    return value


def _build_arg_name(key: str) -> str:
    if not _BUILD_ARG.fullmatch(key):
        raise ValueError(
            f"{key!r} is not a build argument name; expected letters, digits and '_',"
            " not starting with a digit, such as 'APP_VERSION'"
        )
    return key


def _build_arg_value(arg: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in arg):
        raise ValueError(f"{arg!r} holds a line break or control character; expected one line")
    return arg


_stage = _full_match(
    _STAGE,
    "a build stage name; expected the name after 'AS' in a 'FROM' line of the"
    " Dockerfile, such as 'runtime'",
)


_tag = _full_match(
    _TAG,
    "an image tag; expected up to 128 letters, digits, '_', '.' or '-', not"
    " starting with '.' or '-', such as '1.2.3' or 'latest'",
)


_registry_username = _full_match(
    _REGISTRY_USER,
    "a registry user name; expected letters, digits, '.', '_', '@', '+' or '-', such as 'ci-bot'",
)


def registry_credential_problems(
    registry: str, username: str | None, password_secret: str | None
) -> list[tuple[str, str]]:
    """(key, message) for each credential key a registry lacks or must not have.

    ghcr.io is pushed to with the workflow's own `GITHUB_TOKEN`; any other host gets its own
    user name and the Actions secret holding its password: `GITHUB_TOKEN` never leaves
    GitHub.
    """
    keys = {"registry_username": username, "registry_password_secret": password_secret}
    if registry == GHCR:
        return [
            (
                key,
                f"is for registries other than {GHCR}, which is pushed to with the workflow's"
                " GITHUB_TOKEN; remove it",
            )
            for key, value in keys.items()
            if value is not None
        ]
    missing = [key for key, value in keys.items() if value is None]
    if not missing:
        return []
    return [
        (
            "registry",
            f"{registry!r} is not {GHCR}, and GITHUB_TOKEN is never sent to another host: set"
            f" {' and '.join(f'container.{key}' for key in missing)} (the user name, and the"
            " name of the Actions secret holding its password or token)",
        )
    ]


# Every tag a Pulumi-time build pushes starts with this. The release workflow's tags come
# from the release's version (`1.2.3`, `1.2`), its commit (`sha-<short>`) or are `latest`:
# none starts with a letter run and a hyphen like this, so `pulumi up` and a release never
# push the same tag (two builds racing for one tag would overwrite the attested digest).
PULUMI_TAG_PREFIX = "pulumi-"


def pulumi_tag(tag: str) -> str:
    """The tag a Pulumi-time build pushes for ``tag``: under :data:`PULUMI_TAG_PREFIX`
    (kept as it is when it has the prefix already)."""
    return tag if tag.startswith(PULUMI_TAG_PREFIX) else PULUMI_TAG_PREFIX + tag


def pulumi_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """The tags a Pulumi-time build pushes, each once, in order."""
    return tuple(dict.fromkeys(pulumi_tag(tag) for tag in tags))


def _pulumi_tag(value: str) -> str:
    _tag(value)
    if len(pulumi_tag(value)) > 128:
        raise ValueError(
            f"{excerpt(value)} is too long for a Pulumi-time tag: it is pushed as"
            f" '{PULUMI_TAG_PREFIX}<tag>', at most 128 characters; expected at most"
            f" {128 - len(PULUMI_TAG_PREFIX)} characters"
        )
    return value


ImageName = Annotated[str, AfterValidator(_image_name)]
RegistryUsername = Annotated[str, AfterValidator(_registry_username)]
Platform = Annotated[str, AfterValidator(_platform)]
RegistryHost = Annotated[str, AfterValidator(_registry_host)]


LocalPath = Annotated[str, AfterValidator(_local_path)]


def _build_args(value: dict[str, str]) -> dict[str, str]:
    """Every name and value of ``value`` (the component's own check)."""
    for key, arg in value.items():
        _build_arg_name(key)
        _build_arg_value(arg)
    return value


# Names and values checked one by one: every bad one is reported.
BuildArgs = dict[
    Annotated[str, AfterValidator(_build_arg_name)],
    Annotated[str, AfterValidator(_build_arg_value)],
]
Stage = Annotated[str, AfterValidator(_stage)]
PulumiTag = Annotated[str, AfterValidator(_pulumi_tag)]


def _build_shorthand(value: object) -> object:
    """``build_from_pulumi: true`` builds the repository's default branch; false turns off."""
    if value is True:
        return {}
    return {"enabled": False} if value is False else value


class BuildFromPulumi(_Block):
    """Also build and push the image from `pulumi up` (true: the default branch's git URL)."""

    enabled: bool | None = Field(None, description="false turns off what defaults turn on.")
    path: LocalPath | None = Field(
        None,
        description="A local directory with the repository's files, relative to the Pulumi"
        " program (default: BuildKit reads the repository's git URL at `ref`).",
    )
    ref: Branch | None = Field(
        None, description="Git branch or tag built from the git URL (default the default branch)."
    )
    tags: list[PulumiTag] | None = Field(
        None,
        min_length=1,
        description="Tags pushed, each under 'pulumi-' (default: the ref; 'edge' for a path):"
        " 'edge' is pushed as 'pulumi-edge', never a tag the release workflow pushes.",
    )
    cache: bool | None = Field(
        None, description="Read and write a registry cache, <image>:buildcache (default true)."
    )


class ContainerDefaults(_Block):
    """Container image settings every repository inherits."""

    enabled: bool | None = Field(
        None, description="false turns off container publishing that defaults turn on."
    )
    context: RepoPath | None = Field(
        None, description="Build context, a directory of the repository (default '.')."
    )
    dockerfile: RepoPath | None = Field(
        None, description="Dockerfile, relative to the context (default 'Dockerfile')."
    )
    platforms: list[Platform] | None = Field(
        None, min_length=1, description="Platforms built (default [linux/amd64])."
    )
    build_args: BuildArgs | None = Field(None, description="Build arguments, NAME: value.")
    target: Stage | None = Field(None, description="Build stage to stop at (default the last).")
    registry: RegistryHost | None = Field(
        None,
        description="Registry host (default ghcr.io; another host for GitHub Enterprise Server"
        " or a test registry).",
    )
    build_from_pulumi: Annotated[
        BuildFromPulumi | None,
        BeforeValidator(_build_shorthand, json_schema_input_type=BuildFromPulumi | bool | None),
    ] = Field(None, description="Also build and push from `pulumi up` (default false).")
    registry_username: RegistryUsername | None = Field(
        None,
        description="User name the release workflow logs in to a registry other than ghcr.io"
        " with (required there; ghcr.io takes GITHUB_TOKEN).",
    )
    registry_password_secret: SecretName | None = Field(
        None,
        description="Name of the Actions secret holding that registry's password or token"
        " (required for a registry other than ghcr.io).",
    )


class Container(ContainerDefaults):
    """Build a container image and push it to the registry on release."""

    image: ImageName | None = Field(
        None, description="Image name under the owner (default the repository name, lowercased)."
    )


# The tag of a Pulumi-time build from a local path unless `tags` says otherwise.
PATH_BUILD_TAG = "edge"


def default_tags(ref: str | None) -> tuple[str, ...]:
    """Tags of a Pulumi-time build: the git ref (a version without its 'v'), or 'edge' for a
    local path, under :data:`PULUMI_TAG_PREFIX` (see :func:`pulumi_tag`)."""
    if ref is None:
        return pulumi_tags((PATH_BUILD_TAG,))
    tag = re.sub(r"[^A-Za-z0-9_.-]", "-", ref)
    if re.fullmatch(r"v\d+\.\d+\.\d+(?:[-+].*)?", tag):
        tag = tag[1:]
    return (pulumi_tag(tag)[:128],)


def _resolve_container(
    owner: str, repo: Entry, defaults: Entry, index: int
) -> tuple[ContainerSpec | None, list[tuple[Loc, str]]]:
    own, inherited = repo.container, defaults.container
    if own is None and inherited is None:
        return None, []
    if _pick("enabled", own, inherited) is False:
        return None, []
    loc: Loc = ("repositories", index, "container")
    problems: list[tuple[Loc, str]] = []
    image = own.image if own is not None else None
    if image is None:
        image = repo.name.lower()
        try:
            _image_name(image)
        except ValueError:
            suggestion = re.sub(r"[^a-z0-9]+", "-", image).strip("-") or "app"
            problems.append(
                (
                    loc,
                    f"the default image name {image!r} is not a valid image name; set"
                    f" container.image to a name such as {suggestion!r}",
                )
            )
    build = _pick("build_from_pulumi", own, inherited)
    pulumi_build: PulumiBuildSpec | None = None
    if build is not None and build.enabled is not False:
        if build.path is not None and build.ref is not None:
            problems.append(
                (
                    (*loc, "build_from_pulumi"),
                    f"sets both path {build.path!r} and ref {build.ref!r}; a local path is"
                    " built as it is, a ref is read from the repository's git URL: keep one",
                )
            )
        # An adopted repository's branch is its entry's, else GitHub's (unknown offline).
        adopted = _pick("adopt", repo, defaults) is True
        branch = _pick("default_branch", repo, None if adopted else defaults)
        if build.path is None and build.ref is None and adopted and branch is None:
            problems.append(
                (
                    (*loc, "build_from_pulumi"),
                    "builds the default branch, which an adopted repository keeps as GitHub"
                    " has it and ghpublish does not read offline: set build_from_pulumi.ref, or"
                    " default_branch in the repository's entry",
                )
            )
        branch = branch or _BUILTIN["default_branch"]
        ref = None if build.path is not None else (build.ref or branch)
        tags = pulumi_tags(build.tags) if build.tags else default_tags(ref)
        pulumi_build = PulumiBuildSpec(
            path=build.path, ref=ref, tags=tags, cache=build.cache is not False
        )
    dockerfile = _pick("dockerfile", own, inherited) or "Dockerfile"
    if pulumi_build is not None and pulumi_build.path is None and dockerfile != "Dockerfile":
        problems.append(
            (
                (*loc, "dockerfile"),
                f"{dockerfile!r} cannot be built from the repository's git URL: the Docker"
                " build provider opens a Dockerfile given by path on the local disk and"
                " fails; name it 'Dockerfile' in the context directory (set context to its"
                " directory), or build a local checkout with build_from_pulumi.path",
            )
        )
    platforms = _pick("platforms", own, inherited) or DEFAULT_PLATFORMS
    if pulumi_build is not None:
        problems.extend(_pulumi_platforms(platforms, own, loc))
    build_args = _pick("build_args", own, inherited) or {}
    registry = _pick("registry", own, inherited) or GHCR
    username = _pick("registry_username", own, inherited)
    password_secret = _pick("registry_password_secret", own, inherited)
    problems.extend(
        ((*loc, key), message)
        for key, message in registry_credential_problems(registry, username, password_secret)
    )
    spec = ContainerSpec(
        registry=registry,
        namespace=owner.lower(),
        image=image,
        context=_pick("context", own, inherited) or ".",
        dockerfile=dockerfile,
        platforms=tuple(dict.fromkeys(platforms)),
        build_args=tuple(sorted(build_args.items())),
        target=_pick("target", own, inherited),
        build_from_pulumi=pulumi_build,
        registry_username=username,
        registry_password_secret=password_secret,
    )
    return spec, problems


def _pulumi_platforms(
    platforms: list[str], own: Container | None, loc: Loc
) -> list[tuple[Loc, str]]:
    """Platforms a `pulumi up` build cannot build, named where the repository sets them."""
    mine = own is not None and own.platforms is not None
    problems = []
    for i, platform in enumerate(platforms):
        if platform in PULUMI_PLATFORMS:
            continue
        if mine:
            where: Loc = (*loc, "platforms", i)
            source, fix = "", "leave it out of container.platforms"
        else:
            where = (*loc, "build_from_pulumi")
            source = " (from defaults.container.platforms)"
            fix = "give this repository container.platforms without it"
        problems.append(
            (
                where,
                f"{platform!r}{source} cannot be built by `pulumi up` (build_from_pulumi): the"
                " Docker build provider has 'linux/arm' but no 'linux/arm/v6' or 'linux/arm/v7'"
                f" platform, only the workflow builds it; {fix}, or turn build_from_pulumi off",
            )
        )
    return problems
