"""A small typed model of a GitHub Actions workflow and its one renderer.

Workflows are built as values (:class:`Workflow`, :class:`Job`, :class:`Step`)
and turned into YAML text by :func:`render` only: fixed key order, empty values
dropped, no line folding, every ``uses:`` pinned by SHA with its version as a
comment, every permission with the reason it is needed. No Pulumi import here.
"""

from __future__ import annotations

__all__ = [
    "Concurrency",
    "Job",
    "Permission",
    "Step",
    "Workflow",
    "render",
    "shell_join",
]

import io
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import yaml as yaml11
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

from ._catalog import ActionPin
from ._errors import WorkflowError

Scalar = str | int | bool

_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


@dataclass(frozen=True)
class Permission:
    """One ``permissions:`` entry of a job, with why the job needs it."""

    scope: str
    level: Literal["read", "write"]
    reason: str


@dataclass(frozen=True)
class Concurrency:
    group: str
    cancel_in_progress: bool = False


@dataclass(frozen=True)
class Step:
    """One step: either ``uses`` a pinned action or ``run``s a script."""

    name: str
    uses: ActionPin | None = None
    with_: Mapping[str, Scalar] = field(default_factory=dict)
    run: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    id: str | None = None
    if_: str | None = None
    # zizmor audits this step may ignore, each with the reason: {audit: reason}.
    ignore: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.uses is None) == (self.run is None):
            raise WorkflowError(f"step {self.name!r}: set exactly one of 'uses' and 'run'")
        if self.uses is None and self.with_:
            raise WorkflowError(f"step {self.name!r}: 'with' needs 'uses'")
        if self.uses is not None:
            unknown = sorted(set(self.with_) - self.uses.inputs)
            if unknown:
                raise WorkflowError(
                    f"step {self.name!r}: {self.uses.action}@{self.uses.version} declares no"
                    f" input {', '.join(map(repr, unknown))}; use one of its declared inputs"
                )


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    steps: Sequence[Step]
    permissions: Sequence[Permission] = ()
    needs: Sequence[str] = ()
    runs_on: str = "ubuntu-latest"
    timeout_minutes: int = 15
    environment: str | None = None
    if_: str | None = None
    outputs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Workflow:
    """A whole workflow file. Top-level ``permissions`` are always ``{}``."""

    name: str
    on: Mapping[str, object]
    jobs: Sequence[Job]
    concurrency: Concurrency | None = None
    header: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = [job.id for job in self.jobs]
        if len(set(ids)) != len(ids):
            raise WorkflowError(f"workflow {self.name!r}: duplicate job ids {ids}")
        for job in self.jobs:
            missing = [need for need in job.needs if need not in ids]
            if missing:
                raise WorkflowError(f"job {job.id!r} needs unknown jobs {missing}")


def shell_join(argv: Sequence[str]) -> str:
    """A command line whose every word is shell-quoted: manifest text never runs as shell."""
    return shlex.join(argv)


def _scalar(value: object) -> object:
    """A string as a block when it has lines, quoted when any YAML reader could mistake it."""
    if not isinstance(value, str) or isinstance(value, (LiteralScalarString,)):
        return value
    if "\n" in value:
        return LiteralScalarString(value)
    try:
        # YAML 1.1 readers (PyYAML among them) take `on`, `yes`, `0x1`, `1_000` for
        # non-strings: quote whatever one of them would not read back as this string.
        same = yaml11.safe_load(value) == value
    except yaml11.YAMLError:
        same = False
    return value if same else SingleQuotedScalarString(value)


def _mapping(pairs: Sequence[tuple[str, object]]) -> CommentedMap:
    """A mapping in the given key order, without empty values."""
    out = CommentedMap()
    for key, value in pairs:
        if value is None or value == "" or value == () or value == [] or value == {}:
            continue
        out[key] = _scalar(value)
    return out


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return _mapping([(str(k), _plain(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq([_scalar(_plain(v)) for v in value])
        seq.fa.set_flow_style()
        return seq
    return value


def _step(step: Step) -> CommentedMap:
    out = _mapping(
        [
            ("name", step.name),
            ("id", step.id),
            ("if", step.if_),
            ("uses", step.uses.uses if step.uses else None),
            ("with", _mapping(list(step.with_.items()))),
            ("env", _mapping(list(step.env.items()))),
            ("run", step.run),
        ]
    )
    if step.uses is not None:
        out.yaml_add_eol_comment(step.uses.version, "uses")
    if step.ignore:
        if step.run is None or "\n" in step.run:
            raise WorkflowError(f"step {step.name!r}: audit ignores go on a one-line 'run'")
        audits = ",".join(sorted(step.ignore))
        reasons = "; ".join(step.ignore[a] for a in sorted(step.ignore))
        out.yaml_add_eol_comment(f"zizmor: ignore[{audits}] -- {reasons}", "run")
    return out


def _permissions(perms: Sequence[Permission]) -> CommentedMap:
    out = CommentedMap()
    for perm in sorted(perms, key=lambda p: p.scope):
        if perm.scope in out:
            raise WorkflowError(f"permission {perm.scope!r} is granted twice")
        out[perm.scope] = perm.level
        out.yaml_add_eol_comment(perm.reason, perm.scope)
    return out


def _job(job: Job) -> CommentedMap:
    out = _mapping(
        [
            ("name", job.name),
            ("needs", _plain(list(job.needs))),
            ("if", job.if_),
            ("runs-on", job.runs_on),
            ("timeout-minutes", job.timeout_minutes),
            ("environment", job.environment),
        ]
    )
    # An empty permissions block is meaningful (no access at all): never dropped.
    out["permissions"] = _permissions(job.permissions)
    if job.outputs:
        out["outputs"] = _mapping(list(job.outputs.items()))
    out["steps"] = CommentedSeq([_step(step) for step in job.steps])
    return out


def _workflow(workflow: Workflow) -> CommentedMap:
    out = _mapping([("name", workflow.name), ("on", _plain(workflow.on))])
    out["permissions"] = CommentedMap()
    if workflow.concurrency is not None:
        out["concurrency"] = _mapping(
            [
                ("group", workflow.concurrency.group),
                ("cancel-in-progress", workflow.concurrency.cancel_in_progress),
            ]
        )
    if workflow.env:
        out["env"] = _mapping(list(workflow.env.items()))
    out["jobs"] = _mapping([(job.id, _job(job)) for job in workflow.jobs])
    return out


def _emitter() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 1 << 16  # never fold a line, least of all inside an expression
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.explicit_start = False
    return yaml


_YAML = _emitter()


def render(workflow: Workflow) -> str:
    """The workflow as YAML text, byte-identical for the same model."""
    buf = io.StringIO()
    for line in workflow.header:
        buf.write(f"# {line}\n" if line else "#\n")
    _YAML.dump(_workflow(workflow), buf)
    return buf.getvalue()


def expressions(text: str) -> list[str]:
    """Every ``${{ … }}`` expression in a rendered workflow."""
    return _EXPRESSION.findall(text)
