"""`ManifestPipeline`: the manifest repository's review, `pulumi up` and drift workflows."""

# No `from __future__ import annotations`: the package schema is inferred from these
# annotations at run time.

__all__ = ["ManifestPipeline", "ManifestPipelineArgs", "PipelineSettingsArgs"]

from typing import NotRequired, TypedDict

import pulumi

from ._base import Component, deployment_environment, managed_file
from ._spec import PipelineSpec
from ._workflow import render
from ._workflows.pipeline import (
    DEPLOY_PATH,
    DRIFT_PATH,
    PIPELINE_ENVIRONMENT,
    PIPELINE_PATHS,
    REVIEW_PATH,
    pipeline_workflows,
)


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
    repository: pulumi.Input[str]
    """Name of the manifest repository."""
    branch: NotRequired[pulumi.Input[str]]
    """Its default branch: the workflows are committed to it and `pulumi up` runs on it."""
    manifest_source: NotRequired[pulumi.Input[str]]
    """The manifest file, relative to the program (default `publishing.yaml`)."""


_ROLES = {REVIEW_PATH: "review", DEPLOY_PATH: "up", DRIFT_PATH: "drift"}


def _spec(args: ManifestPipelineArgs) -> PipelineSpec:
    defaults = PipelineSpec(repository=args["repository"])  # type: ignore[arg-type]
    return PipelineSpec(
        repository=defaults.repository,
        stack=args.get("stack") or defaults.stack,  # type: ignore[arg-type]
        drift_schedule=args.get("drift_schedule") or defaults.drift_schedule,  # type: ignore[arg-type]
        python_version=args.get("python_version") or defaults.python_version,  # type: ignore[arg-type]
        pulumi_version=args.get("pulumi_version") or defaults.pulumi_version,  # type: ignore[arg-type]
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
