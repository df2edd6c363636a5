"""Run a generated workflow's jobs on this machine, the way a GitHub-hosted runner would.

For the npm release workflow against a real npm registry (Verdaccio, tests/real/realnpm.py):

- the event decides whether the workflow runs at all (`on:` with its `types` and `branches`);
- jobs run in `needs` order; a job whose `if:` is false, or one of whose needs did not
  succeed, is skipped; a job whose environment's deployment tag policy does not admit the
  ref fails before its first step, as GitHub refuses it; steps stop at the first failure;
- every job gets a fresh home, `RUNNER_TEMP` and workspace, GitHub's default variables
  and the event's (`GITHUB_REF`, `GITHUB_EVENT_PATH`, ...), and `secrets.GITHUB_TOKEN` as a
  registry token with the job's `packages` permission (write, read, or none);
- `actions/checkout` copies a fixture package into the workspace; `actions/setup-node`
  does what v7.0.0's source does for the inputs given (src/authutil.ts): with `registry-url`,
  it writes `$RUNNER_TEMP/.npmrc` (the `//host/:_authToken=${NODE_AUTH_TOKEN}` line, then
  `<scope>:registry=<url>/`, the scope lower-cased, `@` added, the repository owner when none
  is given for npm.pkg.github.com) and exports `NPM_CONFIG_USERCONFIG`; it exports
  `NODE_AUTH_TOKEN` only when the step's own environment has it. Node.js itself is this
  machine's (its version is noted in the step's log, not installed);
- every `run:` step runs with `bash -e` (GitHub's default shell), its `env:`, `GITHUB_ENV`
  and `GITHUB_PATH` exports of earlier steps;
- `https://npm.pkg.github.com` is replaced by the test registry's address wherever it
  appears (inputs, `env:`, scripts). npm's default registry is an address where nothing
  listens: nothing ever leaves loopback.

Beyond npm, for every ecosystem's workflow:

- `hosts` maps each GitHub Packages address a workflow names (`https://maven.pkg.github.com`,
  `https://rubygems.pkg.github.com`, ...) to a loopback address, replaced wherever it appears,
  as the npm registry's is;
- job `outputs:` are evaluated when the job ends and read as `needs.<job>.outputs`; the
  `runner` context has `temp`, `os` and `arch`;
- `actions/upload-artifact` v7.0.0 and `actions/download-artifact` v8.0.1 keep artifacts for
  the run (an existing name is refused unless `overwrite`; a download of a name never
  uploaded fails), as their sources do for one workflow run (src/upload/upload-artifact.ts,
  src/download-artifact.ts); :meth:`WorkflowRunner.rerun_failed` re-runs the failed jobs and
  those that need them, the others' results, outputs and artifacts kept, as GitHub's "Re-run
  failed jobs" does (`GITHUB_RUN_ATTEMPT` 2);
- more actions are emulated by :meth:`WorkflowRunner.emulate` (an ecosystem's test module
  adds setup-java, setup-dotnet, ...), each at the commit of its pin.

Whatever it cannot emulate (an action, input, key or expression it does not know, an action
at another commit) raises :class:`HarnessError`: the test fails instead of passing blindly.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from expressions import (
    JOB_STATUS,
    STATUS_FUNCTIONS,
    ExpressionError,
    Open,
    condition,
    interpolate,
    to_string,
)

__all__ = [
    "GITHUB_NPM_REGISTRY",
    "ActionFailedError",
    "Emulation",
    "Event",
    "HarnessError",
    "JobResult",
    "JobState",
    "RunResult",
    "StepResult",
    "WorkflowRunner",
    "pull_request_event",
    "release_event",
]

GITHUB_NPM_REGISTRY = "https://npm.pkg.github.com"
# An action's emulation: (its inputs, the step's environment, the job) -> its log.
Emulation = Callable[[Mapping[str, str], dict[str, str], "JobState"], str]
# npm's default registry in the emulated runner: a loopback port where nothing listens.
UNREACHABLE_REGISTRY = "http://127.0.0.1:9/"
STEP_TIMEOUT = 180.0

_JOB_KEYS = {
    "name",
    "needs",
    "if",
    "runs-on",
    "timeout-minutes",
    "environment",
    "permissions",
    "steps",
    "outputs",
}
_STEP_KEYS = {"name", "id", "if", "uses", "with", "env", "run", "shell", "working-directory"}
# The pins of actions/upload-artifact and actions/download-artifact emulated here.
UPLOAD_ARTIFACT = "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"
DOWNLOAD_ARTIFACT = "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"
_SHELLS = {None: ["bash", "-e"], "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"]}
_ANNOTATION = re.compile(r"^::(error|warning|notice)(?: [^:]*)?::(.*)$", re.MULTILINE)


class HarnessError(AssertionError):
    """The workflow uses something this harness does not emulate: the test must fail."""


class ActionFailedError(Exception):
    """An emulated action fails its step, as the action would (its message is logged)."""


@dataclass(frozen=True)
class Event:
    """A workflow-triggering event: its name, payload and the ref/sha it runs on."""

    name: str
    payload: Mapping[str, Any]
    ref: str
    sha: str = "0123456789abcdef0123456789abcdef01234567"
    base_ref: str = ""
    head_ref: str = ""

    @property
    def action(self) -> str:
        return str(self.payload.get("action", ""))

    @property
    def ref_name(self) -> str:
        for prefix in ("refs/tags/", "refs/heads/", "refs/pull/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref

    @property
    def ref_type(self) -> str:
        return "tag" if self.ref.startswith("refs/tags/") else "branch"


def release_event(
    tag: str, *, prerelease: bool = False, action: str = "published", draft: bool = False
) -> Event:
    """A `release` event for `tag` (GITHUB_REF `refs/tags/<tag>`)."""
    release = {"tag_name": tag, "name": tag, "prerelease": prerelease, "draft": draft}
    return Event("release", {"action": action, "release": release}, f"refs/tags/{tag}")


def pull_request_event(
    number: int = 7, *, base: str = "main", head: str = "feature", action: str = "synchronize"
) -> Event:
    """A `pull_request` event (GITHUB_REF `refs/pull/<n>/merge`)."""
    pull = {"number": number, "base": {"ref": base}, "head": {"ref": head}}
    payload = {"action": action, "number": number, "pull_request": pull}
    return Event("pull_request", payload, f"refs/pull/{number}/merge", base_ref=base, head_ref=head)


@dataclass
class StepResult:
    name: str
    status: str  # success | failure | skipped
    output: str = ""


@dataclass
class JobResult:
    id: str
    status: str  # success | failure | skipped
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return "\n".join(f"--- {s.name} ({s.status})\n{s.output}" for s in self.steps)

    @property
    def errors(self) -> list[str]:
        """The `::error` annotations the job's steps printed."""
        return [
            m.group(2) for s in self.steps for m in _ANNOTATION.finditer(s.output)
            if m.group(1) == "error"
        ]  # fmt: skip

    def step(self, name: str) -> StepResult:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"job {self.id} has no step {name!r}: {[s.name for s in self.steps]}")


@dataclass
class RunResult:
    triggered: bool
    jobs: dict[str, JobResult] = field(default_factory=dict)
    concurrency_group: str | None = None
    cancel_in_progress: bool = False
    # The run's artifacts by name (a directory each) and its attempt (2 after a re-run).
    artifacts: dict[str, Path] = field(default_factory=dict)
    attempt: int = 1

    def __getitem__(self, job_id: str) -> JobResult:
        return self.jobs[job_id]


def _checks_status(when: object) -> bool:
    """Whether an `if:` calls a status check function (else it means `success() && ...`)."""
    names = "|".join(STATUS_FUNCTIONS)
    return isinstance(when, str) and re.search(rf"\b(?:{names})\s*\(", when, re.I) is not None


def _load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise HarnessError("the workflow is not a mapping")
    if True in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def _read_kv_file(path: Path) -> dict[str, str]:
    """A GITHUB_ENV / GITHUB_OUTPUT file: `NAME=value` lines and `NAME<<DELIM` blocks."""
    out: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            out[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if line.strip():
            if "=" not in line:
                raise HarnessError(f"{path.name}: cannot read {line!r}")
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


class WorkflowRunner:
    """One workflow, one repository, one test registry; :meth:`run` runs it for an event."""

    def __init__(
        self,
        workflow: str,
        *,
        repository: str,
        checkout: Path,
        registry: str,
        tokens: Mapping[str, str],
        workdir: Path,
        github_token: str | None = None,
        environments: Mapping[str, str] | None = None,
        hosts: Mapping[str, str] | None = None,
        deploy_branches: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        runner_env: Mapping[str, str] | None = None,
    ) -> None:
        """`tokens`: the registry token per `packages` permission (`write`, `read`, `none`);
        `github_token`, when given, is `secrets.GITHUB_TOKEN` in every job (a wrong token);
        `environments`: the tag pattern each environment's deployment policy admits (the
        only policy kind ghpublish makes: no branch deploys); `hosts`: GitHub addresses and
        the loopback address standing for each; `deploy_branches`: environments whose policy
        admits a branch pattern instead (the manifest pipeline's `ghpublish`); `secrets`:
        the repository's and environments' secrets besides GITHUB_TOKEN; `runner_env`: what
        the runner machine itself sets (its Docker Engine, its pip configuration)."""
        self.environments = dict(environments or {})
        self.deploy_branches = dict(deploy_branches or {})
        self.secrets = dict(secrets or {})
        self.runner_env = dict(runner_env or {})
        self.hosts = {GITHUB_NPM_REGISTRY: registry.rstrip("/"), **(hosts or {})}
        for address in self.hosts.values():
            if not address.startswith(("http://127.0.0.1:", "127.0.0.1:")):
                raise HarnessError(f"a test address must be on 127.0.0.1: {address}")
        self.workflow = _load(workflow)
        self.owner, self.name = repository.split("/")
        self.repository = repository
        self.fixture = checkout
        self.registry = registry if registry.endswith("/") else registry + "/"
        if not self.registry.startswith("http://127.0.0.1:"):
            raise HarnessError(f"the test registry must be on 127.0.0.1: {registry}")
        self.tokens = dict(tokens)
        self.github_token = github_token
        self.workdir = workdir
        self.actions: dict[str, tuple[str, set[str], Emulation]] = {
            # action: (the commit emulated, the inputs emulated, the emulation)
            "actions/checkout": (
                "3d3c42e5aac5ba805825da76410c181273ba90b1",
                {"persist-credentials"},
                self._checkout,
            ),
            "actions/setup-node": (
                "820762786026740c76f36085b0efc47a31fe5020",
                {"node-version", "registry-url", "scope", "package-manager-cache"},
                self._setup_node,
            ),
            "actions/upload-artifact": (
                UPLOAD_ARTIFACT,
                {"name", "path", "if-no-files-found", "overwrite"},
                self._upload_artifact,
            ),
            "actions/download-artifact": (
                DOWNLOAD_ARTIFACT,
                {"name", "path"},
                self._download_artifact,
            ),
        }
        self._artifacts: dict[str, Path] = {}

    def emulate(self, action: str, commit: str, inputs: set[str], emulation: Emulation) -> None:
        """Emulate `action` at `commit` (its pin) for the inputs given: `emulation(inputs, env,
        state)` does what that commit's source does and returns its log."""
        self.actions[action] = (commit, inputs, emulation)

    # -- triggering ------------------------------------------------------------------------
    def triggers(self, event: Event) -> bool:
        """Whether `event` starts this workflow (its `on:` filters)."""
        on = self.workflow.get("on") or {}
        if isinstance(on, (str, list)):
            return event.name in ([on] if isinstance(on, str) else on)
        if event.name not in on:
            return False
        spec = on[event.name] or {}
        if event.name == "schedule":
            return any(entry.get("cron") == event.payload.get("schedule") for entry in spec)
        unknown = set(spec) - {"types", "branches"}
        if unknown:
            raise HarnessError(f"on.{event.name}: {sorted(unknown)} not emulated")
        if "types" in spec and event.action not in spec["types"]:
            return False
        if "branches" in spec:
            if event.name not in ("pull_request", "pull_request_target", "push"):
                raise HarnessError(f"on.{event.name}.branches not emulated")
            patterns = spec["branches"]
            if any(any(c in p for c in "*?[!") for p in patterns):
                raise HarnessError(f"branch patterns {patterns} not emulated")
            if event.name == "push":
                return event.ref_type == "branch" and event.ref_name in patterns
            return event.base_ref in patterns
        return True

    # -- contexts ---------------------------------------------------------------------------
    def _github(self, event: Event, job_id: str, workspace: Path) -> dict[str, Any]:
        return {
            "event_name": event.name,
            "event": Open({**event.payload, "repository": self._repository_payload()}),
            "ref": event.ref,
            "ref_name": event.ref_name,
            "ref_type": event.ref_type,
            "sha": event.sha,
            "base_ref": event.base_ref,
            "head_ref": event.head_ref,
            "repository": self.repository,
            "repository_owner": self.owner,
            "actor": "release-engineer",
            "triggering_actor": "release-engineer",
            "server_url": "https://github.com",
            "api_url": "https://api.github.com",
            "graphql_url": "https://api.github.com/graphql",
            "workflow": str(self.workflow.get("name", "")),
            "job": job_id,
            "run_id": "1000000001",
            "run_number": "1",
            "run_attempt": "1",
            "workspace": str(workspace),
        }

    def _repository_payload(self) -> dict[str, Any]:
        return {"full_name": self.repository, "name": self.name, "owner": {"login": self.owner}}

    def _environment_refuses(self, job: Mapping[str, Any], event: Event) -> str:
        """Why the job's environment refuses this ref ('' when it deploys it): its deployment
        policy's tag pattern, fnmatch as GitHub applies it (`*` and `?` stop at `/`)."""
        name = job.get("environment")
        if name is None:
            return ""
        if name in self.deploy_branches:
            branch = self.deploy_branches[name]
            if event.ref_type == "branch" and fnmatch.fnmatchcase(event.ref_name, branch):
                return ""
            kind = "Tag" if event.ref_type == "tag" else "Branch"
            return (
                f'{kind} "{event.ref_name}" is not allowed to deploy to {name} due to environment'
                " protection rules."
            )
        if name not in self.environments:
            raise HarnessError(f"environment {name!r}: its deployment policy was not given")
        pattern = self.environments[name]
        regex = "".join(
            "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in pattern
        )
        if event.ref_type == "tag" and re.fullmatch(regex, event.ref_name):
            return ""
        kind = "Tag" if event.ref_type == "tag" else "Branch"
        return (
            f'{kind} "{event.ref_name}" is not allowed to deploy to {name} due to environment'
            " protection rules."
        )

    def _token(self, job: Mapping[str, Any]) -> str:
        if self.github_token is not None:
            return self.github_token
        permissions = job.get("permissions")
        if not isinstance(permissions, dict):
            raise HarnessError("jobs without an explicit permissions block are not emulated")
        level = permissions.get("packages", "none")
        return self.tokens[level]

    def concurrency(self, event: Event) -> tuple[str, bool] | None:
        """The run's concurrency group and whether it cancels the group's run in progress."""
        concurrency = self.workflow.get("concurrency")
        if concurrency is None:
            return None
        contexts = {"github": self._github(event, "", self.workdir), "inputs": {}, "env": {}}
        if not isinstance(concurrency, dict):
            return self._text(concurrency, contexts), False
        unknown = set(concurrency) - {"group", "cancel-in-progress", "queue"}
        if unknown:
            raise HarnessError(f"concurrency: {sorted(unknown)} not emulated")
        cancel = concurrency.get("cancel-in-progress", False)
        return self._text(concurrency["group"], contexts), condition(cancel, contexts)

    # -- running ----------------------------------------------------------------------------
    def run(self, event: Event) -> RunResult:
        if not self.triggers(event):
            return RunResult(triggered=False)
        result = RunResult(triggered=True)
        group = self.concurrency(event)
        if group is not None:
            result.concurrency_group, result.cancel_in_progress = group
        self._artifacts = result.artifacts
        jobs: dict[str, Any] = self.workflow.get("jobs") or {}
        for job_id in self._order(jobs):
            result.jobs[job_id] = self._job(job_id, jobs[job_id], event, result)
        return result

    def rerun_failed(self, previous: RunResult, event: Event) -> RunResult:
        """GitHub's "Re-run failed jobs": the failed jobs and every job needing one run again
        (attempt 2); the others keep their results, outputs and the artifacts they uploaded."""
        jobs: dict[str, Any] = self.workflow.get("jobs") or {}
        again: set[str] = set()
        for job_id in self._order(jobs):
            failed = previous.jobs[job_id].status == "failure"
            if failed or any(n in again for n in self._needs(jobs[job_id])):
                again.add(job_id)
        result = RunResult(
            triggered=True,
            concurrency_group=previous.concurrency_group,
            cancel_in_progress=previous.cancel_in_progress,
            artifacts=dict(previous.artifacts),
            attempt=previous.attempt + 1,
        )
        self._artifacts = result.artifacts
        for job_id in self._order(jobs):
            if job_id in again:
                result.jobs[job_id] = self._job(
                    job_id, jobs[job_id], event, result, f"-attempt{result.attempt}"
                )
            else:
                result.jobs[job_id] = previous.jobs[job_id]
        return result

    def _order(self, jobs: Mapping[str, Any]) -> list[str]:
        order: list[str] = []
        pending = dict(jobs)
        while pending:
            ready = [j for j, spec in pending.items() if all(n in order for n in self._needs(spec))]
            if not ready:
                raise HarnessError(f"jobs {sorted(pending)} need jobs that never run")
            order.extend(ready)
            for j in ready:
                del pending[j]
        return order

    @staticmethod
    def _needs(job: Mapping[str, Any]) -> list[str]:
        needs = job.get("needs") or []
        return [needs] if isinstance(needs, str) else list(needs)

    def _job(
        self, job_id: str, job: Mapping[str, Any], event: Event, run: RunResult, again: str = ""
    ) -> JobResult:
        unknown = set(job) - _JOB_KEYS
        if unknown:
            raise HarnessError(f"job {job_id}: keys {sorted(unknown)} not emulated")
        root = self.workdir / f"{job_id}{again}"
        workspace, home, temp = root / "workspace", root / "home", root / "temp"
        for path in (workspace, home, temp):
            path.mkdir(parents=True)
        env_workflow = {k: str(v) for k, v in (self.workflow.get("env") or {}).items()}
        contexts: dict[str, Any] = {
            "github": {**self._github(event, job_id, workspace), "token": self._token(job)},
            "secrets": {**self.secrets, "GITHUB_TOKEN": self._token(job)},
            "inputs": {},
            "env": env_workflow,
            "needs": {
                n: {"result": run.jobs[n].status, "outputs": run.jobs[n].outputs}
                for n in self._needs(job)
            },
            "steps": {},
            "runner": {
                "temp": str(temp),
                "os": "Linux",
                "arch": "X64",
                "tool_cache": self._tool_cache(),
            },
        }
        if any(run.jobs[n].status != "success" for n in self._needs(job)):
            return JobResult(job_id, "skipped")
        try:
            if not condition(job.get("if"), contexts):
                return JobResult(job_id, "skipped")
        except ExpressionError as exc:
            raise HarnessError(f"job {job_id}: if: {exc}") from exc
        refused = self._environment_refuses(job, event)
        if refused:
            return JobResult(job_id, "failure", [StepResult("environment", "failure", refused)])
        files = {name: temp / f"_{name.lower()}" for name in ("ENV", "PATH", "OUTPUT", "SUMMARY")}
        for path in files.values():
            path.touch()
        event_path = temp / "event.json"
        event_path.write_text(json.dumps(contexts["github"]["event"], sort_keys=True))
        state = JobState(
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(home),
                "LANG": "C.UTF-8",
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKFLOW": str(self.workflow.get("name", "")),
                "GITHUB_JOB": job_id,
                "GITHUB_RUN_ID": "1000000001",
                "GITHUB_RUN_NUMBER": "1",
                "GITHUB_RUN_ATTEMPT": str(run.attempt),
                "GITHUB_ACTOR": "release-engineer",
                "GITHUB_TRIGGERING_ACTOR": "release-engineer",
                "GITHUB_REPOSITORY": self.repository,
                "GITHUB_REPOSITORY_OWNER": self.owner,
                "GITHUB_EVENT_NAME": event.name,
                "GITHUB_EVENT_PATH": str(event_path),
                "GITHUB_SHA": event.sha,
                "GITHUB_REF": event.ref,
                "GITHUB_REF_NAME": event.ref_name,
                "GITHUB_REF_TYPE": event.ref_type,
                "GITHUB_BASE_REF": event.base_ref,
                "GITHUB_HEAD_REF": event.head_ref,
                "GITHUB_SERVER_URL": "https://github.com",
                "GITHUB_API_URL": "https://api.github.com",
                "GITHUB_GRAPHQL_URL": "https://api.github.com/graphql",
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_ENV": str(files["ENV"]),
                "GITHUB_PATH": str(files["PATH"]),
                "GITHUB_OUTPUT": str(files["OUTPUT"]),
                "GITHUB_STEP_SUMMARY": str(files["SUMMARY"]),
                "RUNNER_OS": "Linux",
                "RUNNER_ARCH": "X64",
                "RUNNER_TEMP": str(temp),
                "RUNNER_ENVIRONMENT": "github-hosted",
                # The runner's npm: its default registry is out of reach, nothing else is set.
                "NPM_CONFIG_GLOBALCONFIG": str(self._global_npmrc(root)),
                "RUNNER_TOOL_CACHE": self._tool_cache(),
                **self.runner_env,
                **env_workflow,
            },
            workspace=workspace,
            temp=temp,
            files=files,
            declared=env_workflow,
        )
        result = JobResult(job_id, "success")
        for index, step in enumerate(job.get("steps") or []):
            name = str(step.get("name") or step.get("uses") or step.get("run", "")[:40])
            # A step runs after a failure only when its `if:` checks the status itself.
            if result.status == "failure" and not _checks_status(step.get("if")):
                result.steps.append(StepResult(name, "skipped"))
                continue
            contexts[JOB_STATUS] = result.status
            outcome = self._step(job_id, index, step, contexts, state)
            outcome.name = name
            result.steps.append(outcome)
            if outcome.status == "failure":
                result.status = "failure"
        if result.status == "success":
            try:
                outputs = job.get("outputs") or {}
                result.outputs = {k: self._text(v, contexts) for k, v in outputs.items()}
            except ExpressionError as exc:
                raise HarnessError(f"job {job_id}: outputs: {exc}") from exc
        return result

    def _tool_cache(self) -> str:
        """The runner's tool cache: the machine's (`runner_env`), else one of this run's."""
        return self.runner_env.get("RUNNER_TOOL_CACHE") or str(self.workdir / "tool-cache")

    def _global_npmrc(self, root: Path) -> Path:
        path = root / "global-npmrc"
        path.write_text(f"registry={UNREACHABLE_REGISTRY}\nfetch-retries=0\n")
        return path

    def _text(self, value: Any, contexts: Mapping[str, Any]) -> str:
        """A workflow value with its expressions evaluated and the registry address replaced."""
        text = interpolate(to_string(value), contexts)
        for address, test_address in self.hosts.items():
            text = text.replace(address, test_address)
        return text

    def _step(
        self,
        job_id: str,
        index: int,
        step: Mapping[str, Any],
        contexts: dict[str, Any],
        state: JobState,
    ) -> StepResult:
        where = f"job {job_id}, step {index + 1} ({step.get('name', '')})"
        unknown = set(step) - _STEP_KEYS
        if unknown:
            raise HarnessError(f"{where}: keys {sorted(unknown)} not emulated")
        try:
            contexts["env"] = {**state.declared, **state.exported}
            step_env = {k: self._text(v, contexts) for k, v in (step.get("env") or {}).items()}
            contexts["env"] = {**contexts["env"], **step_env}
            if not condition(step.get("if"), contexts):
                return StepResult("", "skipped")
            env = {**state.env, **state.exported, **step_env}
            env["PATH"] = ":".join([*state.path, env["PATH"]])
            if "uses" in step:
                try:
                    output, status = self._uses(where, step, contexts, env, state), "success"
                except ActionFailedError as failure:
                    output, status = f"::error::{failure}", "failure"
            else:
                status, output = self._run(where, step, contexts, env, state)
        except ExpressionError as exc:
            raise HarnessError(f"{where}: {exc}") from exc
        state.collect(step.get("id"), status, contexts)
        return StepResult("", status, output)

    def _uses(
        self,
        where: str,
        step: Mapping[str, Any],
        contexts: Mapping[str, Any],
        env: dict[str, str],
        state: JobState,
    ) -> str:
        action, _, ref = str(step["uses"]).partition("@")
        if action not in self.actions:
            raise HarnessError(f"{where}: action {action} is not emulated")
        commit, inputs, emulate = self.actions[action]
        if ref != commit:
            raise HarnessError(
                f"{where}: {action}@{ref} is not the commit emulated here ({commit});"
                " check the emulation against that release's source"
            )
        given = {k: self._text(v, contexts) for k, v in (step.get("with") or {}).items()}
        unknown = set(given) - inputs
        if unknown:
            raise HarnessError(f"{where}: {action} inputs {sorted(unknown)} not emulated")
        return emulate(given, env, state)

    def _run(
        self,
        where: str,
        step: Mapping[str, Any],
        contexts: Mapping[str, Any],
        env: dict[str, str],
        state: JobState,
    ) -> tuple[str, str]:
        shell = step.get("shell")
        if shell not in _SHELLS:
            raise HarnessError(f"{where}: shell {shell!r} not emulated")
        script = state.temp / f"{uuid.uuid4().hex}.sh"
        script.write_text(self._text(step["run"], contexts))
        cwd = state.workspace / str(step.get("working-directory") or ".")
        proc = subprocess.run(
            [*_SHELLS[shell], str(script)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        output = proc.stdout + (f"\n[exit {proc.returncode}]" if proc.returncode else "")
        return ("success" if proc.returncode == 0 else "failure"), output

    # -- actions ------------------------------------------------------------------------------
    def _upload_artifact(
        self, inputs: Mapping[str, str], env: dict[str, str], state: JobState
    ) -> str:
        # v7.0.0: one path (a file or a directory; no wildcards here), hidden files left out.
        name = inputs.get("name") or "artifact"
        if name in self._artifacts and inputs.get("overwrite", "false") != "true":
            raise ActionFailedError(f"an artifact named {name} already exists for this run")
        source = Path(inputs["path"])
        if any(c in inputs["path"] for c in "*?[\n"):
            raise HarnessError(f"upload-artifact path {inputs['path']!r} not emulated")
        files = (
            [source] if source.is_file()
            else sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else []
        )  # fmt: skip
        files = [p for p in files if not any(part.startswith(".") for part in p.parts[-1:])]
        if not files:
            if inputs.get("if-no-files-found", "warn") == "error":
                raise ActionFailedError(f"No files were found with the provided path: {source}")
            return f"no files found at {source}: nothing uploaded"
        stored = self.workdir / "artifacts" / uuid.uuid4().hex / name
        base = source if source.is_dir() else source.parent
        for path in files:
            (stored / path.relative_to(base)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, stored / path.relative_to(base))
        self._artifacts[name] = stored
        return f"uploaded {len(files)} file(s) as {name}"

    def _download_artifact(
        self, inputs: Mapping[str, str], env: dict[str, str], state: JobState
    ) -> str:
        name = inputs.get("name")
        if not name:
            raise HarnessError("download-artifact without a name is not emulated")
        if name not in self._artifacts:
            raise ActionFailedError(f"Artifact '{name}' not found")
        target = Path(inputs.get("path") or state.workspace)
        shutil.copytree(self._artifacts[name], target, dirs_exist_ok=True)
        return f"downloaded {name} into {target}"

    def _checkout(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        if inputs.get("persist-credentials", "true") != "false":
            raise HarnessError("checkout without persist-credentials: false is not emulated")
        shutil.copytree(self.fixture, state.workspace, dirs_exist_ok=True)
        for path in state.workspace.rglob("*"):
            if path.is_file() and b"npm.pkg.github.com" in path.read_bytes():
                raise HarnessError(f"fixture file {path.name} names npm.pkg.github.com")
        return f"copied {self.fixture.name} into the workspace"

    def _setup_node(self, inputs: Mapping[str, str], env: dict[str, str], state: JobState) -> str:
        log = []
        wanted = inputs.get("node-version", "")
        local = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True, env=env
        ).stdout.strip()
        log.append(f"node-version {wanted!r} requested; this machine's node {local} runs")
        cache = inputs.get("package-manager-cache", "true").lower() == "true"
        if cache and self._npm_package_manager(state.workspace):
            raise HarnessError("setup-node's package-manager cache is not emulated")
        registry_url = inputs.get("registry-url", "")
        if registry_url:
            log.append(self._configure_authentication(registry_url, inputs, env, state))
        return "\n".join(log)

    @staticmethod
    def _npm_package_manager(workspace: Path) -> bool:
        try:
            package = json.loads((workspace / "package.json").read_text())
        except (OSError, ValueError):
            return False
        pattern = re.compile(r"^(\^)?npm(@.*)?$")
        dev = (package.get("devEngines") or {}).get("packageManager") or []
        for item in dev if isinstance(dev, list) else [dev]:
            if isinstance(item, dict) and pattern.match(str(item.get("name", ""))):
                return True
        return bool(pattern.match(str(package.get("packageManager", ""))))

    def _configure_authentication(
        self, registry_url: str, inputs: Mapping[str, str], env: dict[str, str], state: JobState
    ) -> str:
        # `registry_url` has had npm.pkg.github.com replaced by the test registry already;
        # the scope fallback looks at what the workflow asked for.
        if not registry_url.startswith(self.registry.rstrip("/")):
            raise HarnessError(f"registry-url {registry_url} is not GitHub Packages")
        if not registry_url.endswith("/"):
            registry_url += "/"
        scope = inputs.get("scope", "") or self.owner  # npm.pkg.github.com: the owner
        if scope[0] != "@":
            scope = "@" + scope
        scope = scope.lower() + ":"
        npmrc = state.temp / ".npmrc"
        kept = ""
        if npmrc.exists():
            for line in npmrc.read_text().split("\n"):
                if not line.lower().startswith(f"{scope}registry"):
                    kept += line + "\n"
        auth = re.sub(r"^\w+:", "", registry_url) + ":_authToken=${NODE_AUTH_TOKEN}"
        npmrc.write_text(f"{kept}{auth}\n{scope}registry={registry_url}")
        state.exported["NPM_CONFIG_USERCONFIG"] = str(npmrc)
        if "NODE_AUTH_TOKEN" in env:
            state.exported["NODE_AUTH_TOKEN"] = env["NODE_AUTH_TOKEN"]
        return f"wrote {npmrc}"


@dataclass
class JobState:
    """One running job: its environment, directories and what its steps exported."""

    env: dict[str, str]
    workspace: Path
    temp: Path
    files: dict[str, Path]
    declared: dict[str, str]
    exported: dict[str, str] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)

    def collect(self, step_id: str | None, status: str, contexts: dict[str, Any]) -> None:
        """Apply what the step wrote to GITHUB_ENV, GITHUB_PATH and GITHUB_OUTPUT."""
        self.exported.update(_read_kv_file(self.files["ENV"]))
        self.files["ENV"].write_text("")
        added = [p for p in self.files["PATH"].read_text().splitlines() if p.strip()]
        self.path[:0] = reversed(added)
        self.files["PATH"].write_text("")
        outputs = _read_kv_file(self.files["OUTPUT"])
        self.files["OUTPUT"].write_text("")
        if step_id:
            contexts["steps"][step_id] = {"outputs": outputs, "outcome": status}
