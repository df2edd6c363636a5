"""No job that runs the project's code holds the write token (issue 20).

Reads every release workflow ghpublish generates, for every ecosystem, on public and private
repositories of every plan, and what each action those workflows use writes to disk with a
token (from the pinned commit's source, the `DISK` table below):

- a job with `packages: write` checks out nothing, so no file of the project is there to run,
  and uses only actions that fetch the artifact, set up the pushing tool or log in;
- a job that checks out the project holds no write permission of any kind;
- no action writes the write token to disk where a later step of the project's could read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from conftest import parse

from components import ManifestError
from components._core._workflow import render
from components._registry import ECOSYSTEMS

PLANS = ("free", "team", "enterprise")

# What each action the release jobs use writes to disk with a credential, at its pinned
# commit (the source file read): None when it writes none.
DISK: dict[str, str | None] = {
    # src/download-artifact.ts: the artifact's files only; the runtime token stays in memory.
    "actions/download-artifact": None,
    # src/upload/upload-artifact.ts: uploads, writes nothing.
    "actions/upload-artifact": None,
    # src/authutil.ts (setup-node v7.0.0): `.npmrc` in RUNNER_TEMP holding the literal
    # `${NODE_AUTH_TOKEN}`, which npm expands from the step's environment: never the token.
    "actions/setup-node": None,
    # src/auth.ts (setup-java v5.7.0): settings.xml with `${env.<server-password>}`: a
    # variable's name, never the token.
    "actions/setup-java": None,
    # src/authutil.ts (setup-dotnet v6.0.0): with `source-url`, a nuget.config whose
    # ClearTextPassword is the token's value.
    "actions/setup-dotnet": "source-url",
    # actions/attest v4.2.2 with push-to-registry: reads ~/.docker/config.json (@sigstore/oci
    # getRegistryCredentials), writes no credential.
    "actions/attest": None,
    # src/docker.ts (login-action v4.1.0): `docker login` stores the password in
    # ~/.docker/config.json.
    "docker/login-action": "password",
}
# Actions that write no credential: setting up tools, checking out without persisting the
# token (persist-credentials: false), and build-push-action, whose `github-token` (the job's)
# reads a git context and is written nowhere (src/context.ts, v7.3.0).
NO_CREDENTIAL = {
    "actions/checkout",
    "actions/setup-python",
    "docker/build-push-action",
    "docker/setup-buildx-action",
    "docker/setup-qemu-action",
    "docker/metadata-action",
}


def _manifest(plan: str, visibility: str) -> str:
    blocks = ", ".join(f"{eco.key}: {{}}" for eco in ECOSYSTEMS)
    return (
        f"owner: acme\nplan: {plan}\nrepositories:\n"
        f"  - {{name: every, visibility: {visibility}, {blocks}}}\n"
    )


def _workflows() -> Iterator[tuple[str, dict[str, Any]]]:
    for plan in PLANS:
        for visibility in ("public", "private"):
            try:
                spec = parse(_manifest(plan, visibility))
            except ManifestError:  # a plan that refuses the combination: nothing generated
                continue
            (repo,) = spec.repositories
            for eco in ECOSYSTEMS:
                text = render(eco.workflow(repo, "publishing.yaml"))
                yield f"{eco.key} ({plan}, {visibility})", yaml.safe_load(text)


WORKFLOWS = list(_workflows())


def _writes(job: dict[str, Any]) -> bool:
    return any(level == "write" for level in (job.get("permissions") or {}).values())


def _action(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).partition("@")[0]


def test_every_ecosystem_and_plan_is_read() -> None:
    read = {where.split(" ")[0] for where, _ in WORKFLOWS}
    assert read == {eco.key for eco in ECOSYSTEMS}
    assert len(WORKFLOWS) >= 2 * len(ECOSYSTEMS)


@pytest.mark.parametrize(("where", "workflow"), WORKFLOWS, ids=[w for w, _ in WORKFLOWS])
def test_a_job_holding_a_write_permission_checks_out_nothing(
    where: str, workflow: dict[str, Any]
) -> None:
    for job_id, job in workflow["jobs"].items():
        actions = [_action(s) for s in job["steps"] if "uses" in s]
        if _writes(job):
            assert "actions/checkout" not in actions, f"{where}: job {job_id}"
        for action in actions:
            assert action in DISK or action in NO_CREDENTIAL, f"{where}: {action} not read"


@pytest.mark.parametrize(("where", "workflow"), WORKFLOWS, ids=[w for w, _ in WORKFLOWS])
def test_no_action_writes_the_write_token_to_disk(where: str, workflow: dict[str, Any]) -> None:
    for job_id, job in workflow["jobs"].items():
        checked_out = any(_action(s) == "actions/checkout" for s in job["steps"])
        for step in job["steps"]:
            input_ = DISK.get(_action(step))
            if input_ is None or input_ not in (step.get("with") or {}):
                continue
            # A credential on disk: only in a job that runs none of the project's code, or
            # a job that holds no write permission (its read token is what it may use).
            assert not (checked_out and _writes(job)), f"{where}: job {job_id}"
            if _action(step) == "actions/setup-dotnet":
                assert not _writes(job), f"{where}: job {job_id} writes its token to nuget.config"
