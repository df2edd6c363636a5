"""`ManifestPipeline`: the manifest repository's review, `pulumi up` and drift workflows."""

# No `from __future__ import annotations`: the package schema is inferred from these
# annotations at run time.

__all__ = [
    "ManifestPipeline",
    "ManifestPipelineArgs",
    "PipelineImageArgs",
    "PipelineSettingsArgs",
    "PipelineShardArgs",
]

from typing import NotRequired, TypedDict

import pulumi

from ._core._catalog import pin
from ._core._component import Component, deployment_environment, managed_file
from ._core._fields import _secret_name
from ._core._spec import PipelineImage, PipelineShard, PipelineSpec
from ._core._workflow import render
from ._manifest._pipeline import _checkout_path, _client_id, _cron, _stack
from ._manifest._pipeline_workflows import (
    DEPLOY_PATH,
    DRIFT_PATH,
    PIPELINE_ENVIRONMENT,
    PIPELINE_PATHS,
    REVIEW_PATH,
    pipeline_workflows,
)
from ._manifest._shards import _shard_name


class PipelineShardArgs(TypedDict):
    """One shard of a sharded manifest: the pipeline runs its stack in jobs of its own."""

    name: pulumi.Input[str]
    """The shard's name (lowercase letters, digits and hyphens)."""
    stack: pulumi.Input[str]
    """The Pulumi stack that manages the shard."""
    drift_schedule: pulumi.Input[str]
    """Cron schedule (UTC) of the shard's drift check."""


class PipelineImageArgs(TypedDict):
    """An image `pulumi up` builds (`build_from_pulumi`): the `up` job prepares its build."""

    repository: pulumi.Input[str]
    """The repository the image is built from, under the same owner."""
    platforms: NotRequired[pulumi.Input[list[str]]]
    """Platforms built (default `["linux/amd64"]`): QEMU is set up for any other."""
    path: NotRequired[pulumi.Input[str]]
    """The local checkout the build reads, inside the manifest repository (default none:
    BuildKit reads the repository's git URL)."""
    branch: NotRequired[pulumi.Input[str]]
    """The branch checked out into `path` (default `main`)."""
    shard: NotRequired[pulumi.Input[str]]
    """The shard whose stack builds the image (default none: unsharded)."""


class PipelineSettingsArgs(TypedDict):
    """How the manifest repository's pipeline runs Pulumi; every key has a default."""

    stack: NotRequired[pulumi.Input[str]]
    """The Pulumi stack the pipeline previews and updates (default `org`)."""
    drift_schedule: NotRequired[pulumi.Input[str]]
    """Cron schedule (UTC) of the drift check (default weekdays at 06:17)."""
    python_version: NotRequired[pulumi.Input[str]]
    """Python the program runs on (default 3.11)."""
    pulumi_version: NotRequired[pulumi.Input[str]]
    """Pulumi CLI version (default the one matching the pinned SDK)."""
    github_app_client_id: NotRequired[pulumi.Input[str]]
    """Client ID of the GitHub App `up` and the drift check act as (preferred; default none:
    the fine-grained token of `token_secret`)."""
    github_app_private_key_secret: NotRequired[pulumi.Input[str]]
    """The Actions secret holding the app's private key (default
    `GHPUBLISH_APP_PRIVATE_KEY`)."""
    token_secret: NotRequired[pulumi.Input[str]]
    """The Actions secret holding the fine-grained token used without a GitHub App (default
    `GHPUBLISH_GITHUB_TOKEN`)."""
    drift_token_secret: NotRequired[pulumi.Input[str]]
    """The Actions secret holding a read-only token for the drift check (default none)."""
    github_app_permissions: NotRequired[pulumi.Input[dict[str, str]]]
    """The App token's permissions, name to `read` or `write` (`admin` too for
    organization-custom-properties and the projects; default administration, contents,
    pull-requests and workflows: write)."""
    shards: NotRequired[pulumi.Input[list[PipelineShardArgs]]]
    """A sharded manifest's stacks: a `pulumi up` and a drift-check job each (default none:
    the one `stack`)."""
    images: NotRequired[pulumi.Input[list[PipelineImageArgs]]]
    """The images `pulumi up` builds: the `up` job checks out their local paths and sets up
    QEMU and Buildx (default none: the job runs `pulumi up` only)."""


class ManifestPipelineArgs(TypedDict):
    """The pipeline of the repository that holds the manifest and the ghpublish program."""

    stack: NotRequired[pulumi.Input[str]]
    """The Pulumi stack the pipeline previews and updates (default `org`)."""
    drift_schedule: NotRequired[pulumi.Input[str]]
    """Cron schedule (UTC) of the drift check (default weekdays at 06:17)."""
    python_version: NotRequired[pulumi.Input[str]]
    """Python the program runs on (default 3.11)."""
    pulumi_version: NotRequired[pulumi.Input[str]]
    """Pulumi CLI version (default the one matching the pinned SDK)."""
    github_app_client_id: NotRequired[pulumi.Input[str]]
    """Client ID of the GitHub App `up` and the drift check act as (preferred; default none:
    the fine-grained token of `token_secret`)."""
    github_app_private_key_secret: NotRequired[pulumi.Input[str]]
    """The Actions secret holding the app's private key (default
    `GHPUBLISH_APP_PRIVATE_KEY`)."""
    token_secret: NotRequired[pulumi.Input[str]]
    """The Actions secret holding the fine-grained token used without a GitHub App (default
    `GHPUBLISH_GITHUB_TOKEN`)."""
    drift_token_secret: NotRequired[pulumi.Input[str]]
    """The Actions secret holding a read-only token for the drift check (default none)."""
    github_app_permissions: NotRequired[pulumi.Input[dict[str, str]]]
    """The App token's permissions, name to `read` or `write` (`admin` too for
    organization-custom-properties and the projects; default administration, contents,
    pull-requests and workflows: write)."""
    shards: NotRequired[pulumi.Input[list[PipelineShardArgs]]]
    """A sharded manifest's stacks: a `pulumi up` and a drift-check job each (default none:
    the one `stack`)."""
    images: NotRequired[pulumi.Input[list[PipelineImageArgs]]]
    """The images `pulumi up` builds: the `up` job checks out their local paths and sets up
    QEMU and Buildx (default none: the job runs `pulumi up` only)."""
    repository: pulumi.Input[str]
    """Name of the manifest repository."""
    branch: NotRequired[pulumi.Input[str]]
    """Its default branch: the workflows are committed to it and `pulumi up` runs on it."""
    manifest_source: NotRequired[pulumi.Input[str]]
    """The manifest file, relative to the program (default `publishing.yaml`)."""


_ROLES = {REVIEW_PATH: "review", DEPLOY_PATH: "up", DRIFT_PATH: "drift"}


def _secret_arg(args: ManifestPipelineArgs, key: str) -> str | None:
    value = args.get(key)
    return _secret_name(value) if value is not None else None  # type: ignore[arg-type]


# The permissions create-github-app-token (v3.1.1 action.yml) also takes at `admin`.
ADMIN_LEVEL = frozenset(
    {"organization-custom-properties", "organization-projects", "repository-projects"}
)


def _app_permissions(given: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    """Permissions create-github-app-token declares an input for, at a level it takes."""
    if not given:
        return ()
    inputs = pin("actions/create-github-app-token").inputs
    for name, level in given.items():
        levels = ("read", "write", "admin") if name in ADMIN_LEVEL else ("read", "write")
        if f"permission-{name}" not in inputs or level not in levels:
            raise ValueError(
                f"github_app_permissions: {name}: {level!r} is not a GitHub App permission and"
                " level; expected a permission such as 'contents' and 'read' or 'write'"
                f" ('admin' too for {', '.join(sorted(ADMIN_LEVEL))})"
            )
    return tuple(sorted(given.items()))


def _shards(given: list[PipelineShardArgs] | None) -> tuple[PipelineShard, ...]:
    """The shards' stacks, checked: names become job ids and concurrency groups."""
    shards = []
    for shard in given or []:
        try:
            shards.append(
                PipelineShard(
                    name=_shard_name(shard["name"]),  # type: ignore[arg-type]
                    stack=_stack(shard["stack"]),  # type: ignore[arg-type]
                    drift_schedule=_cron(shard["drift_schedule"]),  # type: ignore[arg-type]
                )
            )
        except ValueError as error:
            raise ValueError(f"shards: {error}") from None
    names = [shard.name for shard in shards]
    if len(set(names)) != len(names):
        raise ValueError(f"shards: {names} names a shard twice; expected each once")
    return tuple(shards)


def _images(given: list[PipelineImageArgs] | None) -> tuple[PipelineImage, ...]:
    """The images `pulumi up` builds, checked: a path inside the manifest repository."""
    images = []
    for image in given or []:
        path = image.get("path")
        if path is not None and _checkout_path(path) is None:  # type: ignore[arg-type]
            raise ValueError(
                f"images: {image['repository']}: path {path!r} is not inside the manifest"
                " repository, where the `up` job checks it out; expected a directory inside"
                " it, such as 'build/<repository>'"
            )
        images.append(
            PipelineImage(
                repository=image["repository"],  # type: ignore[arg-type]
                platforms=tuple(image.get("platforms") or ("linux/amd64",)),  # type: ignore[arg-type]
                path=_checkout_path(path) if path is not None else None,  # type: ignore[arg-type]
                branch=image.get("branch") or "main",  # type: ignore[arg-type]
                shard=image.get("shard") or "",  # type: ignore[arg-type]
            )
        )
    return tuple(images)


def _spec(args: ManifestPipelineArgs) -> PipelineSpec:
    defaults = PipelineSpec(repository=args["repository"])  # type: ignore[arg-type]
    client_id = args.get("github_app_client_id")
    if client_id is not None and args.get("token_secret") is not None:
        raise ValueError(
            "token_secret is the alternative to github_app_client_id; keep the GitHub App"
            " (preferred) or remove it"
        )
    return PipelineSpec(
        repository=defaults.repository,
        stack=args.get("stack") or defaults.stack,  # type: ignore[arg-type]
        drift_schedule=args.get("drift_schedule") or defaults.drift_schedule,  # type: ignore[arg-type]
        python_version=args.get("python_version") or defaults.python_version,  # type: ignore[arg-type]
        pulumi_version=args.get("pulumi_version") or defaults.pulumi_version,  # type: ignore[arg-type]
        app_client_id=_client_id(client_id) if client_id is not None else None,  # type: ignore[arg-type]
        app_private_key_secret=(
            _secret_arg(args, "github_app_private_key_secret") or defaults.app_private_key_secret
        ),
        token_secret=_secret_arg(args, "token_secret") or defaults.token_secret,
        drift_token_secret=_secret_arg(args, "drift_token_secret"),
        app_permissions=_app_permissions(args.get("github_app_permissions"))  # type: ignore[arg-type]
        or defaults.app_permissions,
        shards=_shards(args.get("shards")),  # type: ignore[arg-type]
        images=_images(args.get("images")),  # type: ignore[arg-type]
    )


class ManifestPipeline(Component):
    """Commits the pipeline's three workflows and the `ghpublish` environment that holds
    their secrets, open to the default branch only.

    - `ghpublish-review.yml`: pull requests run `make synth` and `make diff` (read-only);
    - `ghpublish-up.yml`: the default branch runs `pulumi up`;
    - `ghpublish-drift.yml`: a schedule runs `pulumi preview --refresh --expect-no-changes`.
    """

    workflow_paths: pulumi.Output[list[str]]
    """Paths of the pipeline's workflows in the repository."""
    environment: pulumi.Output[str]
    """The environment whose secrets the `pulumi` jobs read."""

    WORKFLOW_PATHS = PIPELINE_PATHS
    ENVIRONMENT = PIPELINE_ENVIRONMENT

    def __init__(
        self, name: str, args: ManifestPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        spec = _spec(args)
        repository: str = args["repository"]  # type: ignore[assignment]
        branch: str = args.get("branch") or "main"  # type: ignore[assignment]
        source: str = args.get("manifest_source") or "publishing.yaml"  # type: ignore[assignment]

        # Secrets of this environment reach only jobs that run on the default branch:
        # never a pull request's.
        self.environment_resource, self.branch_policy = deployment_environment(
            self,
            f"{name}-environment",
            f"{name}-environment-branch",
            repository=repository,
            environment=PIPELINE_ENVIRONMENT,
            branch_pattern=branch,
        )
        workflows = pipeline_workflows(spec, branch, source)
        self.workflows.extend(workflows.values())
        self.files = {
            path: managed_file(
                self,
                _ROLES[path],
                name=name,
                repository=repository,
                branch=branch,
                path=path,
                content=render(workflow),
            )
            for path, workflow in workflows.items()
        }
        self._finish(workflow_paths=list(PIPELINE_PATHS), environment=PIPELINE_ENVIRONMENT)
