"""The `manifest_repository` block: the pipeline of the repository holding the manifest."""

from __future__ import annotations

import dataclasses
import difflib
import posixpath
import re
import typing
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from .._core._fields import Loc, RepoName, SecretName, _Block, _full_match, _number_version, excerpt
from .._core._spec import (
    APP_MEMBERS,
    APP_ORG_ADMINISTRATION,
    APP_ORG_CUSTOM_PROPERTIES,
    APP_REPOSITORY_CUSTOM_PROPERTIES,
    PipelineImage,
    PipelineShard,
    PipelineSpec,
    RepositorySpec,
    ShardSpec,
)
from ._pipeline_workflows import DRIFT_EXIT_SINCE
from ._shards import ShardName, staggered_schedule

if TYPE_CHECKING:
    from ._document import Manifest


_STACK = re.compile(r"(?:[A-Za-z0-9_.-]+/){0,2}[A-Za-z0-9_.-]{1,100}")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,-]+")
_PYTHON = re.compile(r"3\.\d{1,2}(?:\.\d{1,2})?")
_SEMVER = re.compile(r"\d{1,3}\.\d{1,4}\.\d{1,4}")


_stack = _full_match(
    _STACK,
    "a Pulumi stack name; expected letters, digits, '-', '_' or '.', optionally prefixed with"
    " '<org>/' or '<org>/<project>/', such as 'org'",
    max_length=200,
)


def _cron(value: str) -> str:
    fields = value.split(" ")
    if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(f) for f in fields):
        raise ValueError(
            f"{excerpt(value)} is not a cron schedule; expected five fields separated by single"
            " spaces (minute hour day month weekday, UTC), such as '17 6 * * 1-5'"
        )
    return value


def _version(pattern: re.Pattern[str], example: str) -> typing.Callable[[object], object]:
    def check(value: object) -> object:
        _number_version(value)
        if isinstance(value, str) and not pattern.fullmatch(value):
            raise ValueError(f"{excerpt(value)} is not a version; expected one such as '{example}'")
        return value

    return check


def _drift_capable(value: str) -> str:
    """The drift check tells drift from a failed preview by the CLI's exit code 7."""
    since = ".".join(map(str, DRIFT_EXIT_SINCE))
    if tuple(int(part) for part in value.split(".")) < DRIFT_EXIT_SINCE:
        raise ValueError(
            f"{excerpt(value)} is older than {since}, the first Pulumi CLI whose `preview"
            " --expect-no-changes` exits with 7 when it finds changes (the drift check tells"
            f" drift from a failed preview by it); use {since} or later"
        )
    return value


_client_id = _full_match(
    re.compile(r"Iv[A-Za-z0-9.]{2,40}"),
    "a GitHub App client ID; expected the Client ID from the app's settings page, such as"
    " 'Iv23liABCDEFGHIJKLMN' (not the numeric App ID)",
)
ClientId = Annotated[str, AfterValidator(_client_id)]


class GitHubApp(_Block):
    """The GitHub App `up` and the drift check act as (preferred to a personal token): its
    installation token is minted per run by actions/create-github-app-token."""

    client_id: ClientId = Field(description="The app's Client ID (not a secret).")
    private_key_secret: SecretName = Field(
        PipelineSpec.app_private_key_secret,
        description="The Actions secret holding the app's private key (default"
        f" {PipelineSpec.app_private_key_secret}).",
    )


class ManifestRepository(_Block):
    """The repository that holds this manifest and the ghpublish program: ghpublish commits
    its pipeline (review on pull requests, `pulumi up` on the default branch, drift check)."""

    name: RepoName = Field(
        description="The repository, one of `repositories` (its settings there apply)."
    )
    stack: Annotated[str, AfterValidator(_stack)] = Field(
        "org",
        description="The Pulumi stack the pipeline previews and updates (default org; with"
        " shards, see stacks).",
    )
    stacks: dict[ShardName, Annotated[str, AfterValidator(_stack)]] | None = Field(
        None,
        description="With shards: the Pulumi stack of each shard, which the pipeline runs"
        " one job each for (default each shard's own name).",
    )
    drift_schedule: Annotated[str, AfterValidator(_cron)] = Field(
        PipelineSpec.drift_schedule,
        description="Cron schedule (UTC) of the drift check (default weekdays 06:17; with"
        " shards, each shard's own time from a digest of its name).",
    )
    python_version: Annotated[
        str, BeforeValidator(_version(_PYTHON, "3.12"), json_schema_input_type=str)
    ] = Field(PipelineSpec.python_version, description="Python the program runs on (default 3.11).")
    pulumi_version: Annotated[
        str,
        BeforeValidator(_version(_SEMVER, "3.272.0"), json_schema_input_type=str),
        AfterValidator(_drift_capable),
    ] = Field(
        PipelineSpec.pulumi_version,
        description="Pulumi CLI version (default the one matching the pinned SDK).",
    )
    github_app: GitHubApp | None = Field(
        None,
        description="The GitHub App the pipeline acts as (preferred; default none: the"
        " fine-grained token of token_secret).",
    )
    token_secret: SecretName | None = Field(
        None,
        description="The Actions secret holding the fine-grained token the pipeline acts as"
        f" without github_app (default {PipelineSpec.token_secret}).",
    )
    drift_token_secret: SecretName | None = Field(
        None,
        description="The Actions secret holding a read-only token for the drift check"
        " (default none: the drift check uses the pipeline's credential).",
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
    if own.github_app is not None and own.token_secret is not None:
        problems.append(
            (
                ("manifest_repository", "token_secret"),
                "is the alternative to github_app (the pipeline acts as one of them); keep"
                " github_app, the preferred credential, or remove it",
            )
        )
    app = own.github_app
    return PipelineSpec(
        repository=name,
        stack=own.stack,
        drift_schedule=own.drift_schedule,
        python_version=own.python_version,
        pulumi_version=own.pulumi_version,
        app_client_id=app.client_id if app is not None else None,
        app_private_key_secret=(
            app.private_key_secret if app is not None else PipelineSpec.app_private_key_secret
        ),
        token_secret=own.token_secret or PipelineSpec.token_secret,
        drift_token_secret=own.drift_token_secret,
    )


def with_app_permissions(
    pipeline: PipelineSpec,
    org_standards: bool,
    repos: typing.Sequence[RepositorySpec],
    custom_properties: bool = False,
) -> PipelineSpec:
    """The App token's permissions: the repository ones, plus what the manifest needs."""
    extra = []
    if org_standards:
        extra.append(APP_ORG_ADMINISTRATION)
    if any(repo.environment.reviewer_teams for repo in repos):
        extra.append(APP_MEMBERS)
    if custom_properties:
        extra.append(APP_ORG_CUSTOM_PROPERTIES)
    if any(repo.properties for repo in repos):
        extra.append(APP_REPOSITORY_CUSTOM_PROPERTIES)
    return dataclasses.replace(
        pipeline, app_permissions=tuple(sorted({*pipeline.app_permissions, *extra}))
    )


def with_shards(
    pipeline: PipelineSpec,
    own: ManifestRepository,
    shards: tuple[ShardSpec, ...],
    problems: list[tuple[Loc, str]],
) -> PipelineSpec:
    """The pipeline of a sharded manifest runs every shard's stack, each drift check at its
    own time (staggered from the shard's name, so that shards sharing a token do not spend
    one hour together) unless `drift_schedule` is set; `stack` and `drift_schedule` become
    those of the manifest repository's shard."""
    names = [shard.name for shard in shards]
    if not shards:
        if own.stacks is not None:
            problems.append(
                (
                    ("manifest_repository", "stacks"),
                    "names a stack per shard, but the manifest declares no shards; name the"
                    " one stack with stack, or add shards",
                )
            )
        return pipeline
    if "stack" in own.model_fields_set:
        problems.append(
            (
                ("manifest_repository", "stack"),
                "is one stack, but the manifest splits the repositories into shards (one"
                " stack each); name each shard's stack under stacks (default the shard's"
                f" name: {', '.join(names)})",
            )
        )
    stacks = own.stacks or {}
    for shard in sorted(set(stacks) - set(names)):
        problems.append(
            (
                ("manifest_repository", "stacks", shard),
                f"{shard!r} is not a shard; expected one of: {', '.join(names)}",
            )
        )
    explicit = "drift_schedule" in own.model_fields_set
    entries = tuple(
        PipelineShard(
            name=shard.name,
            stack=stacks.get(shard.name, shard.name),
            drift_schedule=own.drift_schedule if explicit else staggered_schedule(shard.name),
        )
        for shard in shards
    )
    # The manifest repository's shard (the first while a repository matches no shard, which
    # is reported already).
    home = next(
        (e for e, s in zip(entries, shards, strict=True) if pipeline.repository in s.repositories),
        entries[0],
    )
    return dataclasses.replace(
        pipeline, stack=home.stack, drift_schedule=home.drift_schedule, shards=entries
    )


def _checkout_path(path: str) -> str | None:
    """``path`` as the `up` job checks it out, or None when actions/checkout cannot place a
    repository there: outside the workspace (the manifest repository's checkout), or the
    workspace itself."""
    normal = posixpath.normpath(path)
    if normal.startswith("/") or normal == "." or normal == ".." or normal.startswith("../"):
        return None
    return normal


def with_images(
    pipeline: PipelineSpec,
    repos: typing.Sequence[RepositorySpec],
    shards: tuple[ShardSpec, ...],
    problems: list[tuple[Loc, str]],
) -> PipelineSpec:
    """The images `pulumi up` builds, which the pipeline's `up` job prepares: a local
    `build_from_pulumi.path` must lie inside the manifest repository's checkout, the one
    place actions/checkout writes to, and be the checkout of one repository only."""
    shard_of = {name: shard.name for shard in shards for name in shard.repositories}
    images: list[PipelineImage] = []
    paths: dict[str, int] = {}
    for index, repo in enumerate(repos):
        container = repo.container
        if container is None or container.build_from_pulumi is None:
            continue
        given = container.build_from_pulumi.path
        path = _checkout_path(given) if given is not None else None
        where: Loc = ("repositories", index, "container", "build_from_pulumi", "path")
        if given is not None and path is None:
            problems.append(
                (
                    where,
                    f"{excerpt(given)} is not inside the manifest repository, where the"
                    f" pipeline's `up` job checks out {repo.name} for the build (actions/checkout"
                    " writes under its workspace only); expected a directory inside it that the"
                    f" repository does not hold, such as 'build/{repo.name}'",
                )
            )
            continue
        if path is not None:
            other = paths.setdefault(path, index)
            if other != index:
                problems.append(
                    (
                        where,
                        f"{excerpt(given)} is the checkout of repositories[{other}] already;"
                        " give each repository its own directory",
                    )
                )
                continue
        images.append(
            PipelineImage(
                repository=repo.name,
                platforms=container.platforms,
                path=path,
                branch=repo.default_branch,
                shard=shard_of.get(repo.name, ""),
            )
        )
    return dataclasses.replace(pipeline, images=tuple(images))
