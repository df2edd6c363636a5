"""Run a Pulumi program under the SDK's mock engine and record every registration.

`RecordingMonitor` keeps the full `RegisterResourceRequest` (inputs and options
such as protect, retainOnDelete, importId, dependencies), which the SDK's plain
`Mocks.new_resource` does not see, and checks every registration's inputs against
the provider contract (`tools/contract_check.py`): a violation fails the run with a
`ProviderContractError` naming the resource, the input, what was expected and what came.
"""

from __future__ import annotations

__all__ = [
    "SECRET",
    "Invocation",
    "ProviderContractError",
    "RecordingMocks",
    "RecordingMonitor",
    "Registration",
    "registry_stand_ins",
    "run_program",
    "shutdown",
]

import asyncio
import contextlib
import json
import logging
import runpy
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf.json_format import MessageToDict
from pulumi.runtime import mocks, settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from tools.contract_check import Contract, ProviderContractError, load
from tools.github_state import load_repository, repository_state

SECRET = "[secret]"
_SECRET_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
GITHUB_PROVIDER = "pulumi:providers:github"
REPO_TYPE = "github:index/repository:Repository"


def mask(value: Any) -> Any:
    """The value with every Pulumi secret replaced by ``"[secret]"``, and whole numbers as
    integers (the protocol carries every number as a double: a team ID 4242001, not 4242001.0).
    """
    if isinstance(value, Mapping):
        if value.get(_SECRET_SIG) == _SECRET_VALUE:
            return SECRET
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def has_unknowns(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknowns(v) for v in value)
    return value == _UNKNOWN


@dataclass(frozen=True)
class Registration:
    """One resource as the program registered it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]  # raw: secrets still wrapped
    protect: bool
    retain_on_delete: bool
    import_id: str
    depends_on: tuple[str, ...]
    provider: str
    # The RegisterResourceRequest as the SDK sent it, serialized (`RegisterResourceRequest.
    # FromString` reads it back): a fraction of the memory of a dict at org scale.
    request: bytes = field(repr=False)
    ignore_changes: tuple[str, ...] = ()
    # What GitHub holds, as the provider reads it on import (recorded state only).
    imported: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def plain_inputs(self) -> dict[str, Any]:
        return mask(self.inputs)


@dataclass(frozen=True)
class Invocation:
    token: str
    args: dict[str, Any]


class RecordingMocks(pulumi.runtime.Mocks):
    """Resources echo their inputs; provider functions are counted (each is an API call)."""

    def __init__(self, outputs: Callable[[pulumi.runtime.MockResourceArgs], dict] | None = None):
        self.invocations: list[Invocation] = []
        self._outputs = outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        extra = self._outputs(args) if self._outputs is not None else {}
        return f"{args.name}-id", {**args.inputs, **extra}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:  # type: ignore[override]
        self.invocations.append(Invocation(args.token, dict(args.args)))
        return {}


class RecordingMonitor(mocks.MockMonitor):
    """The SDK's mock monitor, keeping each full registration request."""

    def __init__(
        self,
        mocks_: RecordingMocks,
        on_register: Callable[[Registration], None] | None = None,
        github_state: Path | None = None,
        contract: Contract | None = None,
    ) -> None:
        super().__init__(mocks_)
        self.registrations: list[Registration] = []
        self.on_register = on_register
        self.github_state = github_state
        # Owner login of each github provider, by its reference (`<urn>::<id>`).
        self._owners: dict[str, str] = {}
        self.contract = contract
        self.violations: list[ProviderContractError] = []
        # Event loops the SDK's mock creates in executor threads: closed after the run so
        # that none is left for the garbage collector to close at interpreter exit.
        self.thread_loops: set[asyncio.AbstractEventLoop] = set()

    def _note_loop(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            with contextlib.suppress(RuntimeError):  # this thread made no loop
                self.thread_loops.add(asyncio.get_event_loop())

    def RegisterResource(self, request: Any) -> Any:
        if request.type == "pulumi:pulumi:Stack":
            response = super().RegisterResource(request)
        else:
            # Inputs keep the names the SDK sent (the schema's camelCase): the option only
            # names the request's own fields (retainOnDelete, importId).
            # Only the inputs become a dict: converting the whole request cost 8 KB a
            # resource for fields nothing reads (`make bench`, peak RSS).
            inputs = MessageToDict(request.object, preserving_proto_field_name=False)
            if self.contract is not None:
                try:
                    self.contract.check(
                        request.type,
                        request.name,
                        inputs,
                        custom=request.custom,
                        ignore_changes=request.ignoreChanges,
                    )
                except ProviderContractError as violation:
                    self.violations.append(violation)
                    raise
            response = super().RegisterResource(request)
            imported = self._imported(request)
            if request.type == REPO_TYPE and request.importId and "defaultBranch" not in inputs:
                # What the provider reads on import: GitHub's default branch (recorded, else
                # unknown, as in a preview that has not read it yet).
                response.object["defaultBranch"] = (imported or {}).get("defaultBranch", _UNKNOWN)
            if request.type == GITHUB_PROVIDER:
                self._owners[f"{response.urn}::{response.id}"] = str(inputs.get("owner", ""))
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=bool(request.custom),
                    inputs=inputs,
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    import_id=request.importId,
                    depends_on=tuple(sorted(request.dependencies)),
                    provider=request.provider,
                    request=request.SerializeToString(),
                    ignore_changes=tuple(request.ignoreChanges),
                    imported=imported,
                )
            )
            if self.on_register is not None:
                self.on_register(self.registrations[-1])
        self._note_loop()
        return response

    def _imported(self, request: Any) -> dict[str, Any] | None:
        """The recorded GitHub state of an imported repository, read as the provider does;
        importing one GitHub does not have fails, as it does in Pulumi."""
        if self.github_state is None or not request.importId or request.type != REPO_TYPE:
            return None
        owner = self._owners.get(request.provider, "")
        rest = load_repository(self.github_state, owner, request.importId)
        if rest is None:
            raise RuntimeError(
                f"importing {request.name}: GitHub has no repository {owner}/{request.importId}"
            )
        return repository_state(rest)


@dataclass
class Run:
    monitor: RecordingMonitor
    mocks: RecordingMocks
    outputs: dict[str, Any]

    @property
    def registrations(self) -> list[Registration]:
        return self.monitor.registrations

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]


_THREAD_LOOPS: set[asyncio.AbstractEventLoop] = set()


def shutdown() -> None:
    """Close the event loops the SDK's mock made in executor threads; call once, at exit.

    Left open, the garbage collector closes them at interpreter exit and prints an
    "Exception ignored" traceback; closed earlier, a later run in the same process
    would find its thread's loop closed.
    """
    for loop in _THREAD_LOOPS:
        if not loop.is_running() and not loop.is_closed():
            loop.close()
    _THREAD_LOOPS.clear()


def _resolve(value: Any) -> Any:
    return _sync_await(pulumi.Output.from_input(value).future(with_unknowns=True))


class _ReportedViolations(logging.Filter):
    """Drops asyncio's "exception was never retrieved" for a contract violation.

    A violation fails the run and reaches its caller (`run_program` raises it); the SDK's
    other pending registrations fail with the same error, and asyncio would log each of
    them when it collects their futures, thousands of tracebacks in a test run's output.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ProviderContractError)


logging.getLogger("asyncio").addFilter(_ReportedViolations())


def project_config(program: Path, config: Mapping[str, str]) -> dict[str, str]:
    """``config`` with the defaults `Pulumi.yaml` beside ``program`` declares, as the engine
    merges them: a declared key the stack does not set takes its `default` (or `value`);
    a key without a namespace is in the project's. Objects go as JSON, like the CLI's."""
    project_file = program.parent / "Pulumi.yaml"
    if not project_file.is_file():
        return dict(config)
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    merged = dict(config)
    for key, declared in (project.get("config") or {}).items():
        if not isinstance(declared, dict):  # `key: value` sets a value for every stack
            declared = {"value": declared}
        name = key if ":" in key else f"{project['name']}:{key}"
        value = declared.get("default", declared.get("value"))
        if name in merged or value is None:
            continue
        merged[name] = value if isinstance(value, str) else json.dumps(value)
    return merged


# What a registry host gets offline, where the stack's secrets are not (synth, diff, tests).
REGISTRY_STAND_IN = "offline-stand-in"
REGISTRY_KEYS = ("ghpublish:registryCredentials", "ghpublish:registryToken")


def registry_stand_ins(config: Mapping[str, str]) -> dict[str, str]:
    """Offline, a stand-in for the stack's registry credentials: every registry host an image
    of the manifest is built from Pulumi for gets `ghpublish:registryCredentials["<host>"]`
    = a placeholder password (a secret), so that the program runs as it does on a stack that
    sets them. Nothing when the config sets either registry key itself (the tests of the
    credentials), when no image is built from Pulumi, or when the manifest is unreadable (the
    program reports it)."""
    manifest = config.get("ghpublish:manifest")
    if not manifest or any(key in config for key in REGISTRY_KEYS):
        return {}
    try:
        text = Path(manifest).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if "build_from_pulumi" not in text:
        return {}
    from components import GhpublishError, load_manifest

    try:
        spec = load_manifest(manifest)
    except GhpublishError:
        return {}
    hosts = sorted(
        {
            r.container.registry
            for r in spec.repositories
            if r.container is not None and r.container.build_from_pulumi is not None
        }
    )
    if not hosts:
        return {}
    stand_in = {host: {"password": REGISTRY_STAND_IN} for host in hosts}
    return {REGISTRY_KEYS[0]: json.dumps(stand_in, sort_keys=True)}


def run_program(
    program: Path | Callable[[], Awaitable[None] | None],
    config: Mapping[str, str],
    secret_keys: list[str] | None = None,
    *,
    preview: bool = False,
    project: str = "ghpublish",
    stack: str = "synth",
    outputs: Callable[[pulumi.runtime.MockResourceArgs], dict] | None = None,
    on_register: Callable[[Registration], None] | None = None,
    github_state: Path | None = None,
    check_contract: bool = True,
) -> Run:
    """Run a program (a ``__main__.py`` path or a function) under the recording mocks.

    ``outputs`` adds provider outputs to a resource's echoed inputs; ``on_register`` is
    called with each registration as it arrives (progress). ``github_state`` is a directory
    of recorded GitHub responses (`repos/<owner>/<name>.json`) an import reads. Every
    registration is checked against the provider contract (raises `ProviderContractError`);
    ``check_contract=False`` is for the bench's SDK floor only, whose placeholder inputs are
    not meant to be valid. A program given as a path gets `Pulumi.yaml`'s declared defaults
    and, unless the config sets a registry key, stand-in registry credentials
    (`registry_stand_ins`).
    """
    mocks_ = RecordingMocks(outputs)
    contract = load() if check_contract else None
    monitor = RecordingMonitor(mocks_, on_register, github_state, contract)
    if not callable(program):
        config = project_config(Path(program), config)
        stand_ins = registry_stand_ins(config)
        if stand_ins:
            config = {**config, **stand_ins}
            secret_keys = [*(secret_keys or []), *stand_ins]
    settings.reset_options(project=project, stack=stack)
    pulumi.runtime.set_all_config(dict(config), secret_keys or [])
    pulumi.runtime.set_mocks(mocks_, project=project, stack=stack, preview=preview, monitor=monitor)
    # The program runs in a stack of its own, as the language host runs it (`run_in_stack`:
    # the module, then the entry point it gives `pulumi.run`); the mock's stack steps aside.
    settings.set_root_resource(None)  # type: ignore[arg-type]

    stacks: list[Any] = []  # the program's stack, set in the SDK's task's context

    def body() -> Awaitable[None] | None:
        stacks.append(settings.get_root_resource())
        if callable(program):
            return program()
        runpy.run_path(str(program), run_name="__main__")
        return None

    try:
        _sync_await(run_in_stack(body))
    except Exception as error:
        # The SDK wraps what the monitor raises in its own errors: raise the violation.
        if monitor.violations:
            raise monitor.violations[0] from error
        raise
    finally:
        _THREAD_LOOPS.update(monitor.thread_loops)
    if monitor.violations:  # a violation the SDK swallowed still fails the run
        raise monitor.violations[0]
    exported = {k: _resolve(v) for k, v in sorted(stacks[0].outputs.items())}
    return Run(monitor, mocks_, exported)
