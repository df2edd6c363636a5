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
    "pull_requests_to",
    "render",
    "shell_join",
    "workflow_actions",
]

import functools
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import yaml as yaml11

from ._catalog import GITHUB_OWNED, ActionPin
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
    # A boolean, or an expression such as `${{ github.event_name == 'pull_request' }}`.
    cancel_in_progress: bool | str = False
    # `max`: up to 100 pending runs wait in order (GitHub's default keeps one pending run
    # and cancels the older pending one). Not with `cancel_in_progress`.
    queue: Literal["single", "max"] | None = None

    def __post_init__(self) -> None:
        if self.queue == "max" and self.cancel_in_progress is not False:
            raise WorkflowError(f"concurrency {self.group!r}: queue: max never cancels in progress")


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
    # A comment after one `with` input, such as a zizmor ignore whose finding is that line.
    input_notes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.uses is None) == (self.run is None):
            raise WorkflowError(f"step {self.name!r}: set exactly one of 'uses' and 'run'")
        if self.uses is None and self.with_:
            raise WorkflowError(f"step {self.name!r}: 'with' needs 'uses'")
        if set(self.input_notes) - set(self.with_):
            raise WorkflowError(f"step {self.name!r}: a note on an input it does not set")
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
    # The runner image, pinned: its tools (Ruby, Maven, .NET) are what the steps rely on.
    runs_on: str = "ubuntu-24.04"
    timeout_minutes: int = 15
    environment: str | None = None
    if_: str | None = None
    outputs: Mapping[str, str] = field(default_factory=dict)
    # A job's own group (one per stack where one workflow runs several).
    concurrency: Concurrency | None = None


@dataclass(frozen=True)
class Workflow:
    """A whole workflow file. Top-level ``permissions`` are always ``{}``."""

    name: str
    on: Mapping[str, object]
    jobs: Sequence[Job]
    concurrency: Concurrency | None = None
    header: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    # A comment after one trigger, such as a zizmor ignore whose finding is that line.
    trigger_notes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if set(self.trigger_notes) - set(self.on):
            raise WorkflowError(f"workflow {self.name!r}: a note on a trigger it does not set")
        ids = [job.id for job in self.jobs]
        if len(set(ids)) != len(ids):
            raise WorkflowError(f"workflow {self.name!r}: duplicate job ids {ids}")
        for job in self.jobs:
            missing = [need for need in job.needs if need not in ids]
            if missing:
                raise WorkflowError(f"job {job.id!r} needs unknown jobs {missing}")


def pull_requests_to(branch: str) -> dict[str, object]:
    """The `pull_request` trigger of pull requests to ``branch``, the default branch; ""
    (an adopted repository's branch as GitHub has it, unknown offline): every pull request."""
    return {"branches": [branch]} if branch else {}


def shell_join(argv: Sequence[str]) -> str:
    """A command line whose every word is shell-quoted: manifest text never runs as shell."""
    return shlex.join(argv)


class _Map(list):  # type: ignore[type-arg]
    """A block mapping: ``(key, value, comment)`` in a fixed order."""


class _Seq(list):  # type: ignore[type-arg]
    """A block sequence of mappings (the steps of a job)."""


def _empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, (Mapping, list, tuple)) and not value)


def _mapping(
    pairs: Sequence[tuple[str, object]], comments: Mapping[str, str] | None = None
) -> _Map:
    """A mapping in the given key order, without empty values."""
    notes = comments or {}
    return _Map((k, v, notes.get(k)) for k, v in pairs if not _empty(v))


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return _mapping([(str(k), _plain(v)) for k, v in value.items()])
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        # A block sequence of mappings, such as `on.schedule: [{cron: ...}]`.
        return _Seq(_plain(v) for v in value)
    if isinstance(value, list):
        return tuple(value)
    return value


_WIDTH = 1 << 30  # never fold a line, least of all inside an expression


class _Dumper(getattr(yaml11, "CSafeDumper", yaml11.SafeDumper)):  # type: ignore[misc]
    """PyYAML's dumper, also quoting what a YAML 1.2 reader would not read as a string."""


# PyYAML resolves plain scalars by YAML 1.1 rules; YAML 1.2 readers (GitHub's, the schema
# validators') also take `0o17` or `1e3` for numbers. A string any of them would read as
# something else is quoted.
_Dumper.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?0o[0-7]+$"), list("-+0"))
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)


@functools.lru_cache(maxsize=8192)
def _scalar(value: Scalar) -> str:
    """One scalar as YAML text: plain where every reader reads it back as this very value.

    `on`, `yes`, `0x1`, `1_000` (YAML 1.1) and `0o17`, `1e3` (YAML 1.2) are quoted for
    the readers that would take them for non-strings; nothing is ever folded.
    """
    text: str = yaml11.dump(value, Dumper=_Dumper, width=_WIDTH, allow_unicode=True)
    return text.removesuffix("\n...\n").removesuffix("\n")


@functools.lru_cache(maxsize=1024)
def _flow(values: tuple[Scalar, ...]) -> str:
    text: str = yaml11.dump(
        list(values),
        Dumper=_Dumper,
        default_flow_style=True,
        width=_WIDTH,
        allow_unicode=True,
    )
    return text.removesuffix("\n")


# A literal block holds YAML's printable characters only (no C0/C1 controls, DEL, BOM,
# surrogates or U+FFFE/U+FFFF) and no line break but \n: YAML 1.1 readers also break lines
# at NEL (\x85), LS and PS (U+2028, U+2029), YAML 1.2 readers do not.
_BLOCK_SAFE = re.compile(
    "[\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)


def _block(value: str, pad: str) -> list[str] | None:
    """A multi-line string as a literal block, or None where a block cannot hold it."""
    if not _BLOCK_SAFE.fullmatch(value) or "\r" in value or value.startswith((" ", "\n")):
        return None
    body = value.rstrip("\n")
    trailing = len(value) - len(body)
    chomp = {0: "-", 1: ""}.get(trailing, "+")
    lines = [f"{pad}{line}" if line else "" for line in body.split("\n")]
    return [f"|{chomp}", *lines, *([""] * (trailing - 1 if trailing > 1 else 0))]


def _emit(node: _Map, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value, comment in node:
        tail = f"  # {comment}" if comment else ""
        if isinstance(value, _Map):
            if value:
                out.append(f"{pad}{key}:{tail}")
                _emit(value, indent + 2, out)
            else:
                out.append(f"{pad}{key}: {{}}{tail}")
        elif isinstance(value, _Seq):
            out.append(f"{pad}{key}:{tail}")
            for item in value:
                lines: list[str] = []
                _emit(item, indent + 4, lines)
                lines[0] = f"{pad}  - {lines[0][indent + 4 :]}"
                out.extend(lines)
        elif isinstance(value, tuple):
            out.append(f"{pad}{key}: {_flow(value)}{tail}")
        elif isinstance(value, str) and "\n" in value and (block := _block(value, pad + "  ")):
            out.append(f"{pad}{key}: {block[0]}{tail}")
            out.extend(block[1:])
        else:
            out.append(f"{pad}{key}: {_scalar(value)}{tail}")  # type: ignore[arg-type]


def _step(step: Step) -> _Map:
    comments = {}
    if step.uses is not None:
        comments["uses"] = step.uses.version
    if step.ignore:
        if step.run is None or "\n" in step.run:
            raise WorkflowError(f"step {step.name!r}: audit ignores go on a one-line 'run'")
        audits = ",".join(sorted(step.ignore))
        reasons = "; ".join(step.ignore[a] for a in sorted(step.ignore))
        comments["run"] = f"zizmor: ignore[{audits}] -- {reasons}"
    return _mapping(
        [
            ("name", step.name),
            ("id", step.id),
            ("if", step.if_),
            ("uses", step.uses.uses if step.uses else None),
            ("with", _mapping(list(step.with_.items()), step.input_notes)),
            ("env", _mapping(list(step.env.items()))),
            ("run", step.run),
        ],
        comments,
    )


def _permissions(perms: Sequence[Permission]) -> _Map:
    out = _Map()
    for perm in sorted(perms, key=lambda p: p.scope):
        if any(key == perm.scope for key, _, _ in out):
            raise WorkflowError(f"permission {perm.scope!r} is granted twice")
        out.append((perm.scope, perm.level, perm.reason))
    return out


def _concurrency(concurrency: Concurrency) -> _Map:
    return _mapping(
        [
            ("group", concurrency.group),
            ("cancel-in-progress", concurrency.cancel_in_progress),
            ("queue", concurrency.queue),
        ]
    )


def _job(job: Job) -> _Map:
    out = _mapping(
        [
            ("name", job.name),
            ("needs", tuple(job.needs)),
            ("if", job.if_),
            ("runs-on", job.runs_on),
            ("timeout-minutes", job.timeout_minutes),
            ("environment", job.environment),
        ]
    )
    if job.concurrency is not None:
        out.append(("concurrency", _concurrency(job.concurrency), None))
    # An empty permissions block is meaningful (no access at all): never dropped.
    out.append(("permissions", _permissions(job.permissions), None))
    if job.outputs:
        out.append(("outputs", _mapping(list(job.outputs.items())), None))
    out.append(("steps", _Seq(_step(step) for step in job.steps), None))
    return out


def _triggers(on: Mapping[str, object], notes: Mapping[str, str]) -> _Map:
    """The ``on`` block: an event without settings (``workflow_dispatch: {}``) is kept."""
    return _Map(
        (str(k), _Map() if isinstance(v, Mapping) and not v else _plain(v), notes.get(str(k)))
        for k, v in on.items()
    )


def _workflow(workflow: Workflow) -> _Map:
    out = _mapping(
        [("name", workflow.name), ("on", _triggers(workflow.on, workflow.trigger_notes))]
    )
    out.append(("permissions", _Map(), None))
    if workflow.concurrency is not None:
        out.append(("concurrency", _concurrency(workflow.concurrency), None))
    if workflow.env:
        out.append(("env", _mapping(list(workflow.env.items())), None))
    out.append(("jobs", _mapping([(job.id, _job(job)) for job in workflow.jobs]), None))
    return out


def inert(text: str) -> str:
    """``text`` safe inside one comment line: every character that is not printable (a line
    break of any kind, another control or format character) written as its escape, so a
    name from a manifest or a path can neither end the comment nor hide text."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def render(workflow: Workflow) -> str:
    """The workflow as YAML text, byte-identical for the same model.

    Structure (block mappings, the steps' sequence, comments) is laid out here;
    every scalar is written by PyYAML, so quoting follows a real YAML library.
    """
    lines = [f"# {inert(line)}" if line else "#" for line in workflow.header]
    _emit(_workflow(workflow), 0, lines)
    return "\n".join(lines) + "\n"


def expressions(text: str) -> list[str]:
    """Every ``${{ … }}`` expression in a rendered workflow."""
    return _EXPRESSION.findall(text)


def workflow_actions(workflows: Iterable[Workflow]) -> list[str]:
    """The pinned ``uses`` of every action ``workflows`` run that GitHub does not own, sorted."""
    return sorted(
        {
            step.uses.uses
            for workflow in workflows
            for job in workflow.jobs
            for step in job.steps
            if step.uses is not None and step.uses.action.split("/")[0] not in GITHUB_OWNED
        }
    )
