"""Reading and validating ``publishing.yaml`` into the resolved :class:`OrgSpec`.

All validation and every manifest error live here. Each error names the file,
the line, the key path (``repositories[3].npm.package``) and what is expected;
all errors of a manifest are reported together.
"""

from __future__ import annotations

__all__ = ["Manifest", "load_manifest", "manifest_json_schema", "parse_manifest", "select_shard"]

import dataclasses
import difflib
import fnmatch
import re
import shlex
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ._errors import ConfigError, ManifestError, ManifestIssue
from ._spec import (
    DEFAULT_PLATFORMS,
    GHCR,
    NODE_LTS,
    ActionsSpec,
    ContainerSpec,
    EnvironmentSpec,
    NpmSpec,
    OrgSpec,
    OrgStandardsSpec,
    PipelineSpec,
    PulumiBuildSpec,
    RepositorySpec,
    ShardSpec,
)

# ---------------------------------------------------------------------------
# Field rules, each with a message that quotes the value and says how to fix it.

_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_NPM_NAME = re.compile(r"@[a-z0-9-~][a-z0-9-._~]*/[a-z0-9-~][a-z0-9-._~]*")
_NODE = re.compile(r"\d+(?:\.\d+){0,2}|lts/\*|lts/[a-z]+")
_SHELL_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ">", ">>", "<", "<<", "(", ")"})
_SHELL_SPECIAL = re.compile(r"[`$]")
RELEASE_TYPES = ("created", "published", "released", "prereleased")


def _full_match(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    """A validator: the value matches ``pattern`` whole, else "'<value>' is not <what>"."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return check


_login = _full_match(
    _LOGIN,
    "a GitHub login; expected 1 to 39 letters, digits or single hyphens, not"
    " starting or ending with a hyphen",
)


def _repo_name(value: str) -> str:
    if not _REPO.fullmatch(value) or value in {".", ".."} or value.lower().endswith(".git"):
        raise ValueError(
            f"{value!r} is not a repository name GitHub accepts; expected 1 to 100 letters,"
            " digits, '.', '-' or '_', not '.' or '..' and not ending in '.git'"
        )
    return value


def _branch(value: str) -> str:
    bad = (
        not value
        or len(value) > 255
        or not re.fullmatch(r"[A-Za-z0-9._/-]+", value)
        or value.startswith(("-", "/", "."))
        or value.endswith(("/", ".", ".lock"))
        or ".." in value
        or "//" in value
        or "/." in value
    )
    if bad:
        raise ValueError(
            f"{value!r} is not a valid branch name; expected letters, digits, '.', '-', '_'"
            " and '/' as git allows them, such as 'main'"
        )
    return value


def _description(value: str) -> str:
    if len(value) > 350 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(
            f"{value[:40]!r}… is not a description GitHub accepts; expected one line of at"
            " most 350 characters"
            if len(value) > 40
            else f"{value!r} is not a description GitHub accepts; expected one line of at most"
            " 350 characters"
        )
    return value


def _npm_package(value: str) -> str:
    if len(value) > 214 or not _NPM_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a scoped npm package name; expected '@<owner>/<name>' in"
            " lowercase letters, digits, '-', '.', '_' or '~'"
        )
    return value


def _node_version(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _NODE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Node.js version; expected a version such as '24' or '24.11'"
            " or an alias such as 'lts/*'"
        )
    return value


def _command(value: str) -> tuple[str, ...]:
    try:
        argv = tuple(shlex.split(value))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a command line ({exc}); close its quotes") from None
    if not argv:
        raise ValueError(f"{value!r} is empty; expected a command such as 'npm test'")
    operators = [word for word in argv if word in _SHELL_OPERATORS]
    if operators or "\n" in value or any(_SHELL_SPECIAL.search(word) for word in argv):
        raise ValueError(
            f"{value!r} is not a single command (shell syntax is not run, every word is"
            " quoted); put the steps in a package.json script and name it, such as"
            " 'npm run ci-test'"
        )
    return argv


Login = Annotated[str, AfterValidator(_login)]
RepoName = Annotated[str, AfterValidator(_repo_name)]
Branch = Annotated[str, AfterValidator(_branch)]
Description = Annotated[str, AfterValidator(_description)]
NpmPackage = Annotated[str, AfterValidator(_npm_package)]
NodeVersion = Annotated[str, BeforeValidator(_node_version)]


def _check_command(value: str) -> str:
    _command(value)
    return value


Command = Annotated[str, AfterValidator(_check_command)]
ReleaseType = Literal["created", "published", "released", "prereleased"]


def _enabled_shorthand(value: object) -> object:
    """``npm: false`` turns off a block that ``defaults`` turns on."""
    return {"enabled": False} if value is False else value


# Container images: names as the OCI distribution spec allows them, lowercase.
_IMAGE_PART = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(rf"{_IMAGE_PART}(?:/{_IMAGE_PART})*")
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_REGISTRY = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*(?::[0-9]{{1,5}})?")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_STAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_BUILD_ARG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
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


def _image_name(value: str) -> str:
    if len(value) > 200 or not _IMAGE.fullmatch(value):
        lower = value.lower()
        hint = (
            f"; use {lower!r} (registries refuse capitals)"
            if lower != value and _IMAGE.fullmatch(lower)
            else ""
        )
        raise ValueError(
            f"{value!r} is not an image name; expected lowercase letters and digits separated"
            f" by '.', '_', '__' or '-', with '/' between path parts, such as 'widgets'{hint}"
        )
    return value


def _platform(value: str) -> str:
    if value not in PLATFORMS:
        close = difflib.get_close_matches(value, PLATFORMS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"{value!r} is not a platform the image can be built for; {hint}expected one of:"
            f" {', '.join(PLATFORMS)}"
        )
    return value


def _registry_host(value: str) -> str:
    port = value.rpartition(":")[2] if ":" in value else ""
    if len(value) > 253 or not _REGISTRY.fullmatch(value) or (port and not 0 < int(port) < 65536):
        raise ValueError(
            f"{value!r} is not a registry host; expected a lowercase host name with an optional"
            " port and no scheme or path, such as 'ghcr.io' or 'containers.example.com:5000'"
        )
    return value


def _repo_path(value: str) -> str:
    parts = value.split("/")
    if (
        not value
        or value.startswith("/")
        or "\\" in value
        or ".." in parts
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        raise ValueError(
            f"{value!r} is not a path inside the repository; expected a relative path with '/'"
            " separators and no '..', such as '.' or 'docker/app'"
        )
    return value


def _local_path(value: str) -> str:
    if not value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(
            f"{value!r} is not a directory path; expected a directory relative to the Pulumi"
            " program, such as '../widgets'"
        )
    return value


def _build_args(value: dict[str, str]) -> dict[str, str]:
    for key, arg in value.items():
        if not _BUILD_ARG.fullmatch(key):
            raise ValueError(
                f"{key!r} is not a build argument name; expected letters, digits and '_',"
                " not starting with a digit, such as 'APP_VERSION'"
            )
        if any(ord(c) < 32 or ord(c) == 127 for c in arg):
            raise ValueError(
                f"{arg!r} (build argument {key!r}) holds a line break or control character;"
                " expected one line"
            )
    return value


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


ImageName = Annotated[str, AfterValidator(_image_name)]
Platform = Annotated[str, AfterValidator(_platform)]
RegistryHost = Annotated[str, AfterValidator(_registry_host)]
RepoPath = Annotated[str, AfterValidator(_repo_path)]
LocalPath = Annotated[str, AfterValidator(_local_path)]
BuildArgs = Annotated[dict[str, str], AfterValidator(_build_args)]
Stage = Annotated[str, AfterValidator(_stage)]
Tag = Annotated[str, AfterValidator(_tag)]


def _build_shorthand(value: object) -> object:
    """``build_from_pulumi: true`` builds the repository's default branch; false turns off."""
    if value is True:
        return {}
    return {"enabled": False} if value is False else value


# ---------------------------------------------------------------------------
# The manifest's models: every key optional but `name`, so that defaults can
# supply it; built-in defaults are applied when a repository is resolved.


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NpmDefaults(_Block):
    """npm publishing settings every repository inherits."""

    enabled: bool | None = Field(
        None, description="false turns off npm publishing that defaults turn on."
    )
    node_version: NodeVersion | None = Field(
        None, description=f"Node.js version for setup-node (default {NODE_LTS}, the LTS)."
    )
    install_command: Command | None = Field(
        None, description="Installs dependencies (default 'npm ci'); one command, no shell."
    )
    test_command: Command | None = Field(
        None, description="Runs the tests (default 'npm test'); one command, no shell."
    )
    release_types: list[ReleaseType] | None = Field(
        None, min_length=1, description="Release events that publish (default [published])."
    )
    visibility: Literal["public", "private", "internal"] | None = Field(
        None,
        description="The package's intended visibility: the repository's, whose access it"
        " inherits (default the repository's visibility).",
    )


class Npm(NpmDefaults):
    """Publish an npm package to GitHub Packages when a release is made."""

    package: NpmPackage | None = Field(
        None, description="Package name, '@<owner>/<name>' (default from the repository name)."
    )


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
    tags: list[Tag] | None = Field(
        None,
        min_length=1,
        description="Tags pushed (default: the ref, and 'latest' for the default branch).",
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
    build_from_pulumi: Annotated[BuildFromPulumi | None, BeforeValidator(_build_shorthand)] = Field(
        None, description="Also build and push from `pulumi up` (default false)."
    )


class Container(ContainerDefaults):
    """Build a container image and push it to the registry on release."""

    image: ImageName | None = Field(
        None, description="Image name under the owner (default the repository name, lowercased)."
    )


# Permissions, environment and rollout: the settings around the workflow files.

_ACTION_PATTERN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/"
    r"(?:\*|[A-Za-z0-9._-]+(?:/[A-Za-z0-9._/-]+)?@(?:\*|[A-Za-z0-9._/-]+))"
)


def _action_pattern(value: str) -> str:
    if len(value) > 255 or not _ACTION_PATTERN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an allowed-actions pattern; expected 'owner/*', 'owner/repo@*'"
            " or 'owner/repo@<full commit SHA>', such as 'acme-widgets/*'"
        )
    return value


def _reviewer_id(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"{value!r} is not a GitHub ID; expected the numeric ID of a team or user, such as"
            " 1234567 (`gh api orgs/<owner>/teams/<slug> --jq .id`,"
            " `gh api users/<login> --jq .id`)"
        )
    return value


ActionPattern = Annotated[str, AfterValidator(_action_pattern)]
ReviewerId = Annotated[int, BeforeValidator(_reviewer_id)]
# GitHub's limit: at most six required reviewers per environment, teams and users together.
MAX_REVIEWERS = 6


class Actions(_Block):
    """The GITHUB_TOKEN and GitHub Actions settings of a repository."""

    default_token: Literal["read", "write"] | None = Field(
        None, description="Default GITHUB_TOKEN permissions (default read)."
    )
    approve_pull_requests: bool | None = Field(
        None, description="Workflows may create and approve pull requests (default false)."
    )
    allow: list[ActionPattern] | None = Field(
        None,
        description="Actions allowed beside GitHub's own and the standard's pinned ones,"
        " such as 'acme-widgets/*' (default none).",
    )
    sha_pinning: bool | None = Field(
        None, description="Every action must be pinned to a full commit SHA (default true)."
    )


class Reviewers(_Block):
    """Who may approve a publishing job: numeric team and user IDs, six at most."""

    teams: list[ReviewerId] = Field(default_factory=list, description="Team IDs.")
    users: list[ReviewerId] = Field(default_factory=list, description="User IDs.")

    @model_validator(mode="after")
    def _at_most_six(self) -> Reviewers:
        count = len(set(self.teams)) + len(set(self.users))
        if count > MAX_REVIEWERS:
            raise ValueError(
                f"names {count} reviewers; GitHub allows at most {MAX_REVIEWERS} per environment"
                " (teams and users together): keep a team instead of its members"
            )
        return self


class Environment(_Block):
    """The `release` environment every publishing job runs in (release tags `v*` only)."""

    reviewers: Reviewers | None = Field(
        None, description="Required reviewers of each publishing job (default none)."
    )
    prevent_self_review: bool | None = Field(
        None,
        description="Whoever started the job cannot approve it (default true).",
    )


class OrgStandards(Actions):
    """Organization-wide Actions policy: applies to every repository of the organization."""

    require_checks: bool | None = Field(
        None,
        description="Org rulesets require the managed workflows' pull-request checks on the"
        " default branch of the repositories with rollout: pull_request (default false).",
    )


class RepositoryDefaults(_Block):
    """Values every repository inherits unless it sets its own."""

    description: Description | None = Field(None, description="One-line description.")
    visibility: Literal["public", "private", "internal"] | None = Field(
        None, description="Repository visibility (default private)."
    )
    default_branch: Branch | None = Field(
        None, description="Branch the managed files are committed to (default main)."
    )
    adopt: bool | None = Field(
        None,
        description="The repository exists already: import it, never create it (default false).",
    )
    npm: Annotated[NpmDefaults | None, BeforeValidator(_enabled_shorthand)] = None
    container: Annotated[ContainerDefaults | None, BeforeValidator(_enabled_shorthand)] = None
    actions: Actions | None = Field(
        None, description="GITHUB_TOKEN and allowed actions (default: the standard's)."
    )
    environment: Environment | None = Field(
        None, description="Protection of the `release` environment publishing jobs run in."
    )
    rollout: Literal["direct", "pull_request"] | None = Field(
        None,
        description="direct: commit managed files to the default branch (default);"
        " pull_request: to the branch ghpublish/standardize, with one pull request.",
    )


class Repository(RepositoryDefaults):
    """One repository of the owner, managed by ghpublish."""

    name: RepoName = Field(description="Repository name on GitHub.")
    npm: Annotated[Npm | None, BeforeValidator(_enabled_shorthand)] = None
    container: Annotated[Container | None, BeforeValidator(_enabled_shorthand)] = None


_STACK = re.compile(r"(?:[A-Za-z0-9_.-]+/){0,2}[A-Za-z0-9_.-]{1,100}")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,-]+")
_PYTHON = re.compile(r"3\.\d{1,2}(?:\.\d{1,2})?")
_SEMVER = re.compile(r"\d{1,3}\.\d{1,4}\.\d{1,4}")


def _stack(value: str) -> str:
    if len(value) > 200 or not _STACK.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Pulumi stack name; expected letters, digits, '-', '_' or '.',"
            " optionally prefixed with '<org>/' or '<org>/<project>/', such as 'org'"
        )
    return value


def _cron(value: str) -> str:
    fields = value.split(" ")
    if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(f) for f in fields):
        raise ValueError(
            f"{value!r} is not a cron schedule; expected five fields separated by single"
            " spaces (minute hour day month weekday, UTC), such as '17 6 * * 1-5'"
        )
    return value


def _version(pattern: re.Pattern[str], example: str) -> typing.Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, float):
            raise ValueError(
                f"{value!r} is a number in YAML (3.10 reads as 3.1); quote the version, such"
                f" as '{example}'"
            )
        if isinstance(value, str) and not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not a version; expected one such as '{example}'")
        return value

    return check


class ManifestRepository(_Block):
    """The repository that holds this manifest and the ghpublish program: ghpublish commits
    its pipeline (review on pull requests, `pulumi up` on the default branch, drift check)."""

    name: RepoName = Field(
        description="The repository, one of `repositories` (its settings there apply)."
    )
    stack: Annotated[str, AfterValidator(_stack)] = Field(
        "org", description="The Pulumi stack the pipeline previews and updates (default org)."
    )
    drift_schedule: Annotated[str, AfterValidator(_cron)] = Field(
        PipelineSpec.drift_schedule,
        description="Cron schedule (UTC) of the drift check (default weekdays 06:17).",
    )
    python_version: Annotated[str, BeforeValidator(_version(_PYTHON, "3.12"))] = Field(
        PipelineSpec.python_version, description="Python the program runs on (default 3.11)."
    )
    pulumi_version: Annotated[str, BeforeValidator(_version(_SEMVER, "3.272.0"))] = Field(
        PipelineSpec.pulumi_version,
        description="Pulumi CLI version (default the one matching the pinned SDK).",
    )


_SHARD = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
_SHARD_PATTERN = re.compile(r"[A-Za-z0-9._*?\[\]!-]{1,100}")


_shard_name = _full_match(
    _SHARD,
    "a shard name; expected 1 to 40 lowercase letters, digits or hyphens, such as 'team-web'",
)


_shard_pattern = _full_match(
    _SHARD_PATTERN,
    "a repository name pattern; expected a name or a glob of repository-name"
    " characters with '*', '?' or '[...]', such as 'web-*'",
)


ShardName = Annotated[str, AfterValidator(_shard_name)]
ShardPattern = Annotated[str, AfterValidator(_shard_pattern)]


class Manifest(_Block):
    """publishing.yaml: how every repository of one GitHub owner tests and publishes."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, title="ghpublish manifest")

    owner: Login = Field(description="Organization or user login that owns the repositories.")
    defaults: RepositoryDefaults = Field(
        default_factory=RepositoryDefaults,
        description="Values every repository inherits; nested blocks merge key by key.",
    )
    repositories: list[Repository] = Field(description="The managed repositories.")
    org_standards: OrgStandards | None = Field(
        None,
        description="Organization-wide Actions settings (an organization owner only; default"
        " unmanaged).",
    )
    manifest_repository: ManifestRepository | None = Field(
        None,
        description="The repository holding this manifest: ghpublish manages its pipeline too.",
    )
    shards: dict[ShardName, Annotated[list[ShardPattern], Field(min_length=1)]] | None = Field(
        None,
        description="Split the repositories into shards, one stack each (`ghpublish:shard`):"
        " shard name to repository name globs; every repository matches exactly one shard. The"
        " first shard also manages org_standards.",
    )


def manifest_json_schema() -> dict[str, Any]:
    """The manifest's JSON Schema, for editors (committed as schema/publishing.schema.json)."""
    return Manifest.model_json_schema(mode="validation")


# ---------------------------------------------------------------------------
# Reading YAML with line numbers.

Loc = tuple[str | int, ...]


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(tree: object, loc: Loc) -> int | None:
    """1-based line of the deepest node of ``loc`` present in the YAML tree."""
    line: int | None = None
    node = tree
    for part in loc:
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    if line is None and isinstance(tree, (CommentedMap, CommentedSeq)):
        line = tree.lc.line + 1
    return line


def _plain(node: object) -> object:
    """ruamel's round-trip nodes as plain Python values."""
    if isinstance(node, Mapping):
        return {str(k) if isinstance(k, str) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)  # type: ignore[call-arg]
    return node


def _submodel(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _model_at(loc: Loc) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Manifest
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _submodel(field.annotation) if field is not None else None
    return model


_TYPE_NAMES = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
}


def _describe(value: object) -> str:
    kind = {
        dict: "a mapping",
        list: "a list",
        bool: "a boolean",
        str: "a string",
        int: "a whole number",
        float: "a number",
        type(None): "null",
    }.get(type(value), f"a {type(value).__name__}")
    return f"{value!r} ({kind})" if not isinstance(value, (dict, list)) else kind


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    value = error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key {loc[-1]!r}; {hint}expected one of: {', '.join(allowed)}"
    if kind == "missing":
        return "is required; add it"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("literal_error", "enum"):
        return f"{value!r} is not allowed; expected {error['ctx']['expected']}"
    if kind == "too_short":
        return "is empty; expected at least one item"
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {_describe(value)}"
    return f"{error['msg']} (got {_describe(value)})"


# ---------------------------------------------------------------------------
# Resolving: defaults merged key by key, built-in defaults applied, cross-checks.

_BUILTIN = {
    "description": "",
    "visibility": "private",
    "default_branch": "main",
    "adopt": False,
}


def _pick(field: str, own: BaseModel | None, inherited: BaseModel | None) -> Any:
    for block in (own, inherited):
        if block is not None and field in block.model_fields_set:
            value = getattr(block, field)
            if value is not None:
                return value
    return None


def _resolve_npm(
    owner: str, repo: Repository, defaults: RepositoryDefaults, index: int
) -> tuple[NpmSpec | None, list[tuple[Loc, str]]]:
    own, inherited = repo.npm, defaults.npm
    if own is None and inherited is None:
        return None, []
    if _pick("enabled", own, inherited) is False:
        return None, []
    scope = f"@{owner.lower()}"
    package = own.package if own is not None else None
    loc: Loc = ("repositories", index, "npm", "package")
    problems: list[tuple[Loc, str]] = []
    if package is None:
        package = f"{scope}/{repo.name.lower()}"
        try:
            _npm_package(package)
        except ValueError:
            problems.append(
                (
                    ("repositories", index, "npm"),
                    f"the default package name {package!r} is not a valid npm name; set"
                    " npm.package to a name such as"
                    f" '{scope}/{re.sub(r'^[._]+', '', repo.name.lower()) or 'package'}'",
                )
            )
    elif package.split("/", 1)[0] != scope:
        problems.append(
            (
                loc,
                f"{package!r} is outside the owner's scope; expected '{scope}/<name>' (GitHub"
                " Packages publishes npm packages only under the owner's scope)",
            )
        )
    release_types = _pick("release_types", own, inherited) or ["published"]
    spec = NpmSpec(
        package=package,
        node_version=_pick("node_version", own, inherited) or NODE_LTS,
        install_command=_command(_pick("install_command", own, inherited) or "npm ci"),
        test_command=_command(_pick("test_command", own, inherited) or "npm test"),
        release_types=tuple(sorted(set(release_types), key=RELEASE_TYPES.index)),
    )
    return spec, problems


def default_tags(ref: str, default_branch: str) -> tuple[str, ...]:
    """Tags of an image built from a git ref: the ref (a version without its 'v'), and
    'latest' for the default branch."""
    tag = re.sub(r"[^A-Za-z0-9_.-]", "-", ref)
    if re.fullmatch(r"v\d+\.\d+\.\d+(?:[-+].*)?", tag):
        tag = tag[1:]
    return (tag[:128], "latest") if ref == default_branch else (tag[:128],)


def _resolve_container(
    owner: str, repo: Repository, defaults: RepositoryDefaults, index: int
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
        branch = _pick("default_branch", repo, defaults) or _BUILTIN["default_branch"]
        ref = None if build.path is not None else (build.ref or branch)
        if build.tags:
            tags = tuple(dict.fromkeys(build.tags))
        elif ref is not None:
            tags = default_tags(ref, branch)
        else:
            tags = ("latest",)
        pulumi_build = PulumiBuildSpec(
            path=build.path, ref=ref, tags=tags, cache=build.cache is not False
        )
    platforms = _pick("platforms", own, inherited) or DEFAULT_PLATFORMS
    build_args = _pick("build_args", own, inherited) or {}
    spec = ContainerSpec(
        registry=_pick("registry", own, inherited) or GHCR,
        namespace=owner.lower(),
        image=image,
        context=_pick("context", own, inherited) or ".",
        dockerfile=_pick("dockerfile", own, inherited) or "Dockerfile",
        platforms=tuple(dict.fromkeys(platforms)),
        build_args=tuple(sorted(build_args.items())),
        target=_pick("target", own, inherited),
        build_from_pulumi=pulumi_build,
    )
    return spec, problems


def _yaml_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _resolve_actions(own: Actions | None, inherited: Actions | None) -> ActionsSpec:
    allow = _pick("allow", own, inherited) or ()
    return ActionsSpec(
        default_token=_pick("default_token", own, inherited) or "read",
        approve_pull_requests=_pick("approve_pull_requests", own, inherited) is True,
        allow=tuple(sorted(set(allow))),
        sha_pinning=_pick("sha_pinning", own, inherited) is not False,
    )


def _resolve_standards(
    repo: Repository,
    defaults: RepositoryDefaults,
    index: int,
    visibility: str,
    npm: NpmSpec | None,
    org: OrgStandardsSpec | None,
) -> tuple[dict[str, Any], list[tuple[Loc, str]]]:
    """A repository's Actions settings, `release` environment, rollout and package
    visibility, checked against the repository's visibility and the organization's policy."""
    problems: list[tuple[Loc, str]] = []
    here: Loc = ("repositories", index)
    actions = _resolve_actions(repo.actions, defaults.actions)
    if org is not None:
        where = (*here, "actions")
        weaker = {
            "default_token": actions.default_token == "write"
            and org.actions.default_token == "read",
            "approve_pull_requests": actions.approve_pull_requests
            and not org.actions.approve_pull_requests,
            "sha_pinning": not actions.sha_pinning and org.actions.sha_pinning,
        }
        for key, is_weaker in weaker.items():
            if is_weaker:
                problems.append(
                    (
                        (*where, key),
                        f"{_yaml_value(getattr(actions, key))} is weaker than"
                        f" org_standards.{key} ({_yaml_value(getattr(org.actions, key))}),"
                        " which GitHub applies to every"
                        f" repository of the organization; remove {key} here or change"
                        f" org_standards.{key}",
                    )
                )
        for pattern in actions.allow:
            if pattern not in org.actions.allow:
                problems.append(
                    (
                        (*where, "allow"),
                        f"{pattern!r} is not in org_standards.allow, and the organization's"
                        " policy limits every repository; add it to org_standards.allow too",
                    )
                )
    own_env, inherited_env = repo.environment, defaults.environment
    reviewers = _pick("reviewers", own_env, inherited_env)
    environment = EnvironmentSpec(
        reviewer_teams=tuple(sorted(set(reviewers.teams))) if reviewers else (),
        reviewer_users=tuple(sorted(set(reviewers.users))) if reviewers else (),
        prevent_self_review=_pick("prevent_self_review", own_env, inherited_env) is not False,
    )
    if npm is not None:
        wanted = _pick("visibility", repo.npm, defaults.npm) or visibility
        if wanted != visibility:
            undo = "; making a package public cannot be undone" if wanted == "public" else ""
            problems.append(
                (
                    (*here, "npm", "visibility"),
                    f"{wanted!r} for {npm.package!r} differs from the repository's visibility"
                    f" {visibility!r}: a package linked to its repository inherits the"
                    " repository's access and GitHub has no API to set a package's visibility;"
                    f" set npm.visibility to {visibility!r} or change the repository's"
                    " visibility, or make the change by hand after the first publish in the"
                    " package's settings on GitHub (Package settings, Danger Zone, Change"
                    f" visibility{undo})",
                )
            )
        npm = dataclasses.replace(npm, visibility=wanted)
    rollout = _pick("rollout", repo, defaults) or "direct"
    settings = {
        "actions": actions,
        "environment": environment,
        "rollout": rollout,
        "npm": npm,
    }
    return settings, problems


def _resolve_org_standards(manifest: Manifest) -> OrgStandardsSpec | None:
    own = manifest.org_standards
    if own is None:
        return None
    return OrgStandardsSpec(
        actions=_resolve_actions(own, None), require_checks=own.require_checks is True
    )


def _resolve(manifest: Manifest, source: str) -> tuple[OrgSpec, list[tuple[Loc, str]]]:
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    packages: dict[str, int] = {}
    images: dict[str, int] = {}
    repos: list[RepositorySpec] = []
    defaults = manifest.defaults
    org_standards = _resolve_org_standards(manifest)
    for index, repo in enumerate(manifest.repositories):
        first = seen.setdefault(repo.name.lower(), index)
        if first != index:
            problems.append(
                (
                    ("repositories", index, "name"),
                    f"{repo.name!r} is already declared at repositories[{first}] (names are"
                    " case-insensitive on GitHub); remove one of them",
                )
            )
        npm, npm_problems = _resolve_npm(manifest.owner, repo, defaults, index)
        problems.extend(npm_problems)
        if npm is not None:
            other = packages.setdefault(npm.package, index)
            if other != index:
                problems.append(
                    (
                        ("repositories", index, "npm", "package"),
                        f"{npm.package!r} is already published by repositories[{other}];"
                        " give each repository its own npm.package",
                    )
                )
        container, container_problems = _resolve_container(manifest.owner, repo, defaults, index)
        problems.extend(container_problems)
        if container is not None:
            other = images.setdefault(container.ref, index)
            if other != index:
                problems.append(
                    (
                        ("repositories", index, "container", "image"),
                        f"{container.ref!r} is already published by repositories[{other}];"
                        " give each repository its own container.image",
                    )
                )
        values = {k: _pick(k, repo, defaults) for k in _BUILTIN}
        standards, standards_problems = _resolve_standards(
            repo,
            defaults,
            index,
            values["visibility"] or _BUILTIN["visibility"],
            npm,
            org_standards,
        )
        problems.extend(standards_problems)
        npm = standards.pop("npm")
        repos.append(
            RepositorySpec(
                owner=manifest.owner,
                name=repo.name,
                description=values["description"] or _BUILTIN["description"],
                visibility=values["visibility"] or _BUILTIN["visibility"],
                default_branch=values["default_branch"] or _BUILTIN["default_branch"],
                adopt=bool(values["adopt"]),
                npm=npm,
                container=container,
                path=f"repositories[{index}]",
                **standards,
            )
        )
    pipeline = _resolve_pipeline(manifest, problems)
    org = OrgSpec(owner=manifest.owner, repositories=tuple(repos), source=source, pipeline=pipeline)
    org = dataclasses.replace(
        org, standards=org_standards, shards=_resolve_shards(manifest, problems)
    )
    return org, problems


def _resolve_shards(manifest: Manifest, problems: list[tuple[Loc, str]]) -> tuple[ShardSpec, ...]:
    """Every repository in exactly one shard, so that no two stacks manage it."""
    if not manifest.shards:
        return ()
    members: dict[str, list[str]] = {name: [] for name in manifest.shards}
    for index, repo in enumerate(manifest.repositories):
        name = repo.name.lower()
        found = [
            shard
            for shard, patterns in manifest.shards.items()
            if any(fnmatch.fnmatchcase(name, p.lower()) for p in patterns)
        ]
        loc: Loc = ("repositories", index, "name")
        if not found:
            problems.append(
                (
                    loc,
                    f"{repo.name!r} matches no shard; add it, or a pattern that matches it, to"
                    f" one of the shards ({', '.join(manifest.shards)})",
                )
            )
        elif len(found) > 1:
            problems.append(
                (
                    loc,
                    f"{repo.name!r} matches the shards {' and '.join(map(repr, found))}; change"
                    " their patterns so that it matches exactly one (two stacks would manage it)",
                )
            )
        else:
            members[found[0]].append(repo.name)
    return tuple(
        ShardSpec(name, tuple(patterns), tuple(members[name]))
        for name, patterns in manifest.shards.items()
    )


def select_shard(spec: OrgSpec, shard: str | None) -> OrgSpec:
    """The part of the org one stack manages: all of it, or the shard ``ghpublish:shard`` names.

    The first shard also manages the org-level standards; the manifest repository's pipeline
    goes with the shard of its repository.
    """
    names = [s.name for s in spec.shards]
    if not shard:
        if spec.shards:
            raise ConfigError(
                f"ghpublish:shard: {spec.source} splits the repositories into shards"
                f" ({', '.join(names)}); select this stack's with `pulumi config set"
                " ghpublish:shard <name>` (SHARD=<name> for make)"
            )
        return spec
    if not spec.shards:
        raise ConfigError(
            f"ghpublish:shard: {shard!r} is set but {spec.source} declares no shards; remove"
            " the setting (`pulumi config rm ghpublish:shard`) or add `shards` to the manifest"
        )
    if shard not in names:
        raise ConfigError(
            f"ghpublish:shard: {shard!r} is not a shard of {spec.source}; expected one of:"
            f" {', '.join(names)}"
        )
    (chosen,) = (s for s in spec.shards if s.name == shard)
    keep = set(chosen.repositories)
    pipeline = spec.pipeline if spec.pipeline and spec.pipeline.repository in keep else None
    return dataclasses.replace(
        spec,
        repositories=tuple(r for r in spec.repositories if r.name in keep),
        pipeline=pipeline,
        standards=spec.standards if shard == names[0] else None,
    )


def _resolve_pipeline(manifest: Manifest, problems: list[tuple[Loc, str]]) -> PipelineSpec | None:
    """The manifest repository must be one of `repositories`: its settings live there."""
    own = manifest.manifest_repository
    if own is None:
        return None
    names = {repo.name.lower(): repo.name for repo in manifest.repositories}
    name = names.get(own.name.lower())
    if name is None:
        close = difflib.get_close_matches(own.name, list(names.values()), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        problems.append(
            (
                ("manifest_repository", "name"),
                f"{own.name!r} is not one of repositories; {hint}add it under repositories"
                " (with npm: false if it publishes nothing) or name one that is there",
            )
        )
        return None
    return PipelineSpec(
        repository=name,
        stack=own.stack,
        drift_schedule=own.drift_schedule,
        python_version=own.python_version,
        pulumi_version=own.pulumi_version,
    )


def _expressions(node: object, loc: Loc) -> list[tuple[Loc, str]]:
    """Manifest text never reaches a workflow expression: refuse ``${{`` anywhere."""
    if isinstance(node, Mapping):
        return [p for k, v in node.items() for p in _expressions(v, (*loc, str(k)))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _expressions(v, (*loc, i))]
    if isinstance(node, str) and "${{" in node:
        return [
            (
                loc,
                f"{node!r} holds '${{{{', which GitHub Actions would evaluate as an expression;"
                " remove it (manifest values are never expressions)",
            )
        ]
    return []


def _issues(source: str, tree: object, problems: list[tuple[Loc, str]]) -> ManifestError:
    return ManifestError(
        [ManifestIssue(source, _line(tree, loc), _dotted(loc), msg) for loc, msg in problems]
    )


_READER = YAML(typ="rt")
_READER.allow_duplicate_keys = False


def parse_manifest(text: str, source: str) -> OrgSpec:
    """Validate manifest text; ``source`` names it in messages and file headers."""
    try:
        tree = _READER.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ManifestError(
            [ManifestIssue(source, line, "(top level)", f"is not valid YAML: {detail}; fix it")]
        ) from None
    except YAMLError as exc:
        raise ManifestError(
            [ManifestIssue(source, None, "(top level)", f"is not valid YAML: {exc}; fix it")]
        ) from None
    if not isinstance(tree, CommentedMap):
        raise ManifestError(
            [
                ManifestIssue(
                    source,
                    1,
                    "(top level)",
                    f"expected a mapping with keys owner, defaults and repositories, got"
                    f" {_describe(_plain(tree))}",
                )
            ]
        )
    data = _plain(tree)
    problems = _expressions(data, ())
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems += [(tuple(e["loc"]), _message(e)) for e in exc.errors(include_url=False)]
        raise _issues(source, tree, problems) from None
    spec, more = _resolve(manifest, source)
    problems += more
    if problems:
        raise _issues(source, tree, problems)
    return spec


def load_manifest(path: str | Path, source: str | None = None) -> OrgSpec:
    """Read and validate the manifest file at ``path``."""
    name = source if source is not None else str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            [
                ManifestIssue(
                    name,
                    None,
                    "(file)",
                    "does not exist; create it or point the stack config"
                    " 'ghpublish:manifest' (MANIFEST= for make) at the manifest",
                )
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(
            [ManifestIssue(name, None, "(file)", f"cannot be read ({exc}); fix the file")]
        ) from None
    return parse_manifest(text, name)
