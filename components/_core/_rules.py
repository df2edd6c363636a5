"""The workflow rules of the publishing standard, as functions of a workflow file's text.

One implementation for two users: the project's tests run them over every workflow
ghpublish generates, and the policy pack (``policy/``) runs them over every
``github.RepositoryFile`` under ``.github/workflows/`` of any stack, whoever wrote it.

- every ``uses:`` is pinned to a full commit SHA (``./local`` actions and
  ``docker://image@sha256:<digest>`` count as pinned);
- the workflow declares top-level ``permissions``;
- no job holds a write permission the standard cannot justify from its steps:
  ``packages: write`` only beside a publish (``npm publish``, ``docker push``, ``skopeo
  copy`` to a registry, ``mvn deploy``, ``gradle publish``, ``dotnet nuget push``, ``gem push``,
  ``docker/build-push-action`` with ``push``, an attestation pushed to the registry),
  ``id-token: write`` only beside an attestation or an OIDC login, ``attestations: write``
  only beside an attestation, ``artifact-metadata: write`` only beside an attestation pushed
  to the registry that records where it is stored, never ``write-all``. Other scopes are
  not judged here;
- ``GITHUB_TOKEN`` is sent to no registry but ghcr.io (``docker/login-action`` with the
  workflow's token as the password of another host, Docker Hub included).

No Pulumi import here.
"""

from __future__ import annotations

__all__ = [
    "Finding",
    "JobFacts",
    "StepFacts",
    "UsesRef",
    "WorkflowFacts",
    "WorkflowParseError",
    "check_workflow",
    "is_pinned",
    "is_workflow_path",
    "parse_workflow",
    "permission_findings",
    "pin_findings",
    "token_host_findings",
    "top_level_permission_findings",
    "unjustified_writes",
]

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")

Permissions = Mapping[str, str] | str | None
"""A ``permissions:`` value: scope → level, ``read-all``/``write-all``, or not declared."""


class WorkflowParseError(ValueError):
    """The text is not a workflow: not YAML, or not a mapping with jobs."""


@dataclass(frozen=True)
class Finding:
    """One rule a workflow breaks."""

    rule: str
    message: str
    job: str | None = None


@dataclass(frozen=True)
class UsesRef:
    """One ``uses:``: of a step (``step`` is its index) or of a job calling a workflow."""

    job: str
    step: int | None
    ref: str

    @property
    def pinned(self) -> bool:
        return is_pinned(self.ref)

    @property
    def where(self) -> str:
        return f"jobs.{self.job}" + (f".steps[{self.step}]" if self.step is not None else "")


@dataclass(frozen=True)
class StepFacts:
    name: str
    uses: str | None
    with_: Mapping[str, object] = field(default_factory=dict)
    run: str | None = None
    env: Mapping[str, object] = field(default_factory=dict)

    @property
    def action(self) -> str | None:
        """``owner/repo`` of a ``uses:`` (without a path inside it or the ref), lowercased."""
        if self.uses is None or self.uses.startswith(("./", "docker://")):
            return None
        return "/".join(self.uses.split("@", 1)[0].split("/")[:2]).lower()


@dataclass(frozen=True)
class JobFacts:
    id: str
    permissions: Permissions
    steps: tuple[StepFacts, ...]
    uses: str | None = None  # a reusable workflow the job calls


@dataclass(frozen=True)
class WorkflowFacts:
    permissions: Permissions
    has_top_level_permissions: bool
    jobs: tuple[JobFacts, ...]

    @property
    def uses_refs(self) -> tuple[UsesRef, ...]:
        refs: list[UsesRef] = []
        for job in self.jobs:
            if job.uses is not None:
                refs.append(UsesRef(job.id, None, job.uses))
            refs.extend(
                UsesRef(job.id, i, step.uses) for i, step in enumerate(job.steps) if step.uses
            )
        return tuple(refs)

    def effective_permissions(self, job: JobFacts) -> dict[str, str]:
        """What the job's token may do: its own block, else the top-level one."""
        perms = job.permissions if job.permissions is not None else self.permissions
        if perms is None:
            return {}  # the repository's default token permissions: not judged here
        if isinstance(perms, str):
            return {"*": "write" if perms == "write-all" else "read"}
        return {str(k): str(v) for k, v in perms.items()}


def is_workflow_path(path: str) -> bool:
    """A file GitHub runs as a workflow: ``.github/workflows/*.yml`` or ``.yaml``."""
    path = path.lstrip("/")
    return path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml"))


def is_pinned(ref: str) -> bool:
    """``owner/repo[/path]@<40-hex SHA>``, a local ``./`` action, or a docker digest."""
    ref = ref.strip()
    if ref.startswith("./"):
        return True  # the repository's own code, at the commit being run
    if ref.startswith("docker://"):
        _, _, digest = ref.partition("@")
        return bool(_DIGEST.fullmatch(digest))
    _, at, rev = ref.rpartition("@")
    return bool(at) and bool(_FULL_SHA.fullmatch(rev))


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _permissions(node: Mapping[str, object], key: str = "permissions") -> Permissions:
    if key not in node:
        return None
    value = node[key]
    if value is None:
        return {}
    if isinstance(value, str):
        return value
    return {str(k): str(v) for k, v in _mapping(value).items()}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def parse_workflow(text: str) -> WorkflowFacts:
    """The facts the rules need, from a workflow's YAML text (YAML 1.2: ``on`` is a key)."""
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        raise WorkflowParseError(f"not valid YAML: {error}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("jobs"), Mapping):
        raise WorkflowParseError("not a workflow: expected a mapping with 'jobs'")
    jobs = []
    for job_id, job in data["jobs"].items():
        job = _mapping(job)
        steps = tuple(
            StepFacts(
                name=str(step.get("name") or step.get("id") or f"#{i}"),
                uses=_text(step.get("uses")),
                with_=dict(_mapping(step.get("with"))),
                run=_text(step.get("run")),
                env=dict(_mapping(step.get("env"))),
            )
            for i, step in enumerate(s for s in job.get("steps") or () if isinstance(s, Mapping))
        )
        jobs.append(JobFacts(str(job_id), _permissions(job), steps, uses=_text(job.get("uses"))))
    return WorkflowFacts(
        permissions=_permissions(data),
        has_top_level_permissions="permissions" in data,
        jobs=tuple(jobs),
    )


# --- rules ---------------------------------------------------------------------------


def pin_findings(facts: WorkflowFacts) -> list[Finding]:
    return [
        Finding(
            "unpinned-uses",
            f"{ref.where} uses {ref.ref!r}: pin it to a full commit SHA"
            " (owner/repo@<40 hex digits> # vX.Y.Z)",
            ref.job,
        )
        for ref in facts.uses_refs
        if not ref.pinned
    ]


def top_level_permission_findings(facts: WorkflowFacts) -> list[Finding]:
    if facts.has_top_level_permissions:
        return []
    return [
        Finding(
            "top-level-permissions",
            "the workflow declares no top-level 'permissions': add 'permissions: {}' and grant"
            " each job what it needs",
        )
    ]


def _truthy(value: object) -> bool:
    """A boolean input that is on, or an expression that may be."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return text == "true" or "${{" in text


def _runs(step: StepFacts, pattern: str) -> bool:
    return step.run is not None and re.search(pattern, step.run) is not None


_ATTEST = {"actions/attest-build-provenance", "actions/attest", "actions/attest-sbom"}
_OIDC = {
    "aws-actions/configure-aws-credentials",
    "azure/login",
    "google-github-actions/auth",
    "hashicorp/vault-action",
    "pulumi/auth-actions",
    "pypa/gh-action-pypi-publish",
    "sigstore/cosign-installer",
}


def _publishes(step: StepFacts) -> bool:
    if step.action == "docker/build-push-action":
        return _truthy(step.with_.get("push", False))
    if step.action in _ATTEST:
        return _truthy(step.with_.get("push-to-registry", False))
    return any(_runs(step, pattern) for pattern in _PUBLISH_COMMANDS)


# The commands that publish a package, per ecosystem GitHub Packages serves.
_PUBLISH_COMMANDS = (
    r"\b(npm|pnpm|yarn)\s+(npm\s+)?publish\b",
    r"\b(docker|podman)\s+(image\s+)?push\b|\bdocker\s+buildx\s+build\b[^\n]*--push\b",
    # An image built elsewhere (an OCI archive) copied to a registry: `docker://` the last
    # argument, the destination.
    r"\bskopeo\s+copy\b[^\n]*[\s\"']docker://[^\s;]*(?:;|\n|$)",
    # `deploy`, or the goals `deploy:deploy` and `<plugin>:deploy-file` of the deploy plugin.
    r"\b(mvn|mvnw)\b[^\n]*[\s:]deploy\b",
    r"\b(gradle|gradlew)\b[^\n]*\spublish\w*",
    r"\bdotnet\s+nuget\s+push\b|\bnuget\s+push\b",
    r"\bgem\s+push\b",
)


def _attests(step: StepFacts) -> bool:
    return step.action in _ATTEST


def _records_storage(step: StepFacts) -> bool:
    """actions/attest records where a pushed image is stored unless told not to."""
    return (
        _attests(step)
        and _truthy(step.with_.get("push-to-registry", False))
        and str(step.with_.get("create-storage-record", True)).strip().lower() != "false"
    )


def _uses_oidc(step: StepFacts) -> bool:
    env = {str(k).upper(): v for k, v in step.env.items()}
    return (
        _attests(step)
        or step.action in _OIDC
        or _runs(step, r"--provenance\b|\bcosign\s+sign\b|ACTIONS_ID_TOKEN_REQUEST")
        or _truthy(env.get("NPM_CONFIG_PROVENANCE", False))
    )


# scope → (what justifies `write`, the predicate over one step)
_JUSTIFIED: dict[str, tuple[str, Callable[[StepFacts], bool]]] = {
    "packages": (
        "a step that publishes (npm publish, docker push, docker/build-push-action with push)",
        _publishes,
    ),
    "id-token": ("an attestation or an OIDC login", _uses_oidc),
    "attestations": ("an attestation (actions/attest)", _attests),
    "artifact-metadata": (
        "an attestation pushed to the registry with its storage record (actions/attest)",
        _records_storage,
    ),
}


def unjustified_writes(facts: WorkflowFacts, job: JobFacts) -> list[tuple[str, str]]:
    """``(scope, what would justify it)`` for each write the job holds without a reason."""
    if job.uses is not None:
        return []  # a called workflow: its own file is judged where it lives
    out = []
    for scope, level in sorted(facts.effective_permissions(job).items()):
        if level != "write":
            continue
        if scope == "*":
            out.append(("write-all", "nothing: grant each scope the job needs instead"))
            continue
        rule = _JUSTIFIED.get(scope)
        if rule is not None and not any(rule[1](step) for step in job.steps):
            out.append((scope, rule[0]))
    return out


def permission_findings(facts: WorkflowFacts) -> list[Finding]:
    return [
        Finding(
            "unjustified-write",
            f"job {job.id!r} holds '{scope}: write' but has no {needs}: remove it"
            if scope != "write-all"
            else f"job {job.id!r} holds 'write-all'; grant each scope the job needs instead",
            job.id,
        )
        for job in facts.jobs
        for scope, needs in unjustified_writes(facts, job)
    ]


# The registry `GITHUB_TOKEN` may log in to: GitHub's own container registry.
_TOKEN_REGISTRIES = frozenset({"ghcr.io"})
_WORKFLOW_TOKEN = re.compile(r"\$\{\{\s*(?:secrets\.GITHUB_TOKEN|github\.token)\s*\}\}", re.I)


def token_host_findings(facts: WorkflowFacts) -> list[Finding]:
    """A `docker/login-action` that sends the workflow's token to another registry."""
    found = []
    for job in facts.jobs:
        for i, step in enumerate(job.steps):
            if step.action != "docker/login-action":
                continue
            password = str(step.with_.get("password", ""))
            registry = str(step.with_.get("registry", "") or "docker.io").strip().lower()
            if _WORKFLOW_TOKEN.search(password) and registry not in _TOKEN_REGISTRIES:
                found.append(
                    Finding(
                        "github-token-other-host",
                        f"jobs.{job.id}.steps[{i}] logs in to {registry} with GITHUB_TOKEN:"
                        " the workflow's token goes to ghcr.io only; log in to another registry"
                        " with its own user name and a secret",
                        job.id,
                    )
                )
    return found


def check_workflow(text: str) -> list[Finding]:
    """Every rule over one workflow's text; an unreadable workflow is one finding."""
    try:
        facts = parse_workflow(text)
    except WorkflowParseError as error:
        return [Finding("invalid-workflow", str(error))]
    return [
        *pin_findings(facts),
        *top_level_permission_findings(facts),
        *permission_findings(facts),
        *token_host_findings(facts),
    ]
