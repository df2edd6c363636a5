"""What every ghpublish component shares: its type token and its managed files."""

from __future__ import annotations

__all__ = [
    "MANAGED_HEADER",
    "PACKAGE",
    "Component",
    "deployment_environment",
    "managed_file",
    "managed_workflow",
    "target_branch",
    "type_token",
]

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_github as github

from ._errors import GhpublishError
from ._spec import RepositorySpec
from ._workflow import Workflow, render

# The package name in every type token: `ghpublish:index:<ClassName>`.
PACKAGE = "ghpublish"
# Every managed file opens with this (then the standard's version and where to change it).
MANAGED_HEADER = "# Managed by ghpublish (publishing standard v"


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
        # Where managed files are committed instead of the default branch (the pull-request
        # rollout's branch): decided by the repository's component, inherited by its children.
        parent = opts.parent if opts is not None else None
        self._rollout_branch: str | None = getattr(parent, "_rollout_branch", None)
        # The workflows this component commits (`managed_workflow`): the repository's
        # allowed-actions list holds exactly the actions they use.
        self.workflows: list[Workflow] = []

    def _finish(self, **outputs: Any) -> None:
        """Set each output as an attribute (an `Output`) and register them, last.

        The values are plain and known: registering them as such spares the engine an
        `Output` to await per value (see `make bench`).
        """
        for key, value in outputs.items():
            setattr(self, key, pulumi.Output.from_input(value))
        self.register_outputs(outputs)

    def _child(self, **extra: object) -> pulumi.ResourceOptions:
        # ghpublish never deletes from GitHub: a resource that leaves the manifest (a
        # repository removed, a block turned off) is left as it is and no longer managed.
        extra.setdefault("retain_on_delete", True)
        more = list(extra.pop("depends_on", None) or [])  # type: ignore[call-overload]
        return pulumi.ResourceOptions(parent=self, depends_on=[*self._depends_on, *more], **extra)


def target_branch(args: Mapping[str, Any]) -> str:
    """The branch a component's `branch` argument names: `main` when not given, "" (the
    repository's default branch as GitHub has it) when given empty."""
    branch = args.get("branch")
    return "main" if branch is None else branch  # type: ignore[no-any-return]


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
    """One file ghpublish commits and keeps, named `<component>-<role>`.

    ``branch`` is the repository's default branch ("": the one GitHub has, which the
    provider commits to when no branch is sent); under `rollout: pull_request` the file
    goes to the rollout branch the repository's component set (and its children's
    ``depends_on`` includes). The content must open with the managed-file header, so that
    whoever opens the file knows not to edit it by hand.
    """
    if not content.startswith(MANAGED_HEADER):
        raise GhpublishError(
            f"{path}: a managed file must start with the ghpublish header"
            f" ({MANAGED_HEADER!r}…); build it with the workflows' `header()`"
        )
    return github.RepositoryFile(
        f"{name}-{role}",
        repository=repository,
        branch=owner._rollout_branch or branch or None,
        file=path,
        content=content,
        # No commit author or email: GitHub signs (verified) a contents-API commit of a
        # GitHub App only without custom author or committer information, which a branch
        # requiring signed commits needs (README, "Signed commits").
        commit_message=f"ghpublish: manage {path}",
        overwrite_on_create=True,
        opts=owner._child(),
    )


def managed_workflow(
    owner: Component, name: str, repo: RepositorySpec, path: str, workflow: Workflow
) -> tuple[github.RepositoryFile, str]:
    """A component's workflow, rendered and committed to the repository: the file and its text."""
    content = render(workflow)
    owner.workflows.append(workflow)
    file = managed_file(
        owner,
        "workflow",
        name=name,
        repository=repo.name,
        branch=repo.default_branch,
        path=path,
        content=content,
    )
    return file, content


def deployment_environment(
    owner: Component,
    env_name: str,
    policy_name: str,
    *,
    repository: str,
    environment: str,
    branch_pattern: str | None = None,
    tag_pattern: str | None = None,
    **settings: Any,
) -> tuple[github.RepositoryEnvironment, github.RepositoryEnvironmentDeploymentPolicy]:
    """An environment only the one branch or tag pattern given may deploy to; administrators
    cannot skip its protection unless ``can_admins_bypass`` says so (the provider's default
    is true)."""
    settings.setdefault("can_admins_bypass", False)
    env = github.RepositoryEnvironment(
        env_name,
        repository=repository,
        environment=environment,
        deployment_branch_policy={"protected_branches": False, "custom_branch_policies": True},
        **settings,
        opts=owner._child(),
    )
    policy = github.RepositoryEnvironmentDeploymentPolicy(
        policy_name,
        repository=repository,
        # The name is known at preview; the order comes from depends_on.
        environment=environment,
        branch_pattern=branch_pattern,
        tag_pattern=tag_pattern,
        opts=owner._child(depends_on=[env]),
    )
    return env, policy
