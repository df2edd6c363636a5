"""The policies of the ghpublish standard, for any stack, whoever wrote it.

Each policy is a ``pulumi_policy.ResourceValidationPolicy`` over resource inputs as the
engine sends them (and as ``tools/mock_engine.py`` records them). Workflow rules come
from ``components._core._rules``, the same functions the project's tests run over every
generated workflow. Enforcement levels default to :data:`DEFAULT_LEVELS`; a stack
changes them with its config (``ghpublish:policy``, see :func:`settings_from_config`)
and ``--policy-pack-config`` overrides both.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_LEVELS",
    "DEFAULT_REGISTRY",
    "PACK_NAME",
    "POLICY_NAMES",
    "PackSettings",
    "PolicySettingsError",
    "build_policies",
    "image_refs",
    "is_secret",
    "keep_secrets_in_analysis",
    "normalize",
    "settings_from_config",
    "unsecret",
]

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi_policy.policy as _sdk
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
)
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.proxy import _DictProxy, _is_unknown, _ListProxy
from pulumi_policy.secret import _DictSecretsProxy, _ListSecretsProxy

from components._core import _rules

PACK_NAME = "ghpublish"
CONFIG_KEY = "ghpublish:policy"
DEFAULT_REGISTRY = "ghcr.io"
SOURCE_LABEL = "org.opencontainers.image.source"

WORKFLOW_FILE = "github:index/repositoryFile:RepositoryFile"
REPOSITORY = "github:index/repository:Repository"
BUILD_IMAGE = "docker-build:index:Image"
DOCKER_IMAGE = "docker:index/image:Image"
REGISTRY_IMAGE = "docker:index/registryImage:RegistryImage"

MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY

DEFAULT_LEVELS: dict[str, EnforcementLevel] = {
    "workflow-actions-pinned": MANDATORY,
    "workflow-top-level-permissions": MANDATORY,
    "workflow-least-privilege": MANDATORY,
    "workflow-token-stays-on-github": MANDATORY,
    "repository-protected": MANDATORY,
    "image-source-label": ADVISORY,
    "image-registry": MANDATORY,
    "credentials-are-secrets": MANDATORY,
}
POLICY_NAMES = tuple(DEFAULT_LEVELS)
_LEVELS = {level.value: level for level in EnforcementLevel}


class PolicySettingsError(ValueError):
    """The stack's ``ghpublish:policy`` config is not what the pack understands."""


@dataclass(frozen=True)
class PackSettings:
    """The pack as one stack configures it."""

    levels: Mapping[str, EnforcementLevel] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    registry: str = DEFAULT_REGISTRY


def settings_from_config(config: Mapping[str, str]) -> PackSettings:
    """The pack's settings from stack config (``PULUMI_CONFIG``: key → JSON text or string).

    ``ghpublish:policy`` is an object: ``levels`` maps a policy name to ``mandatory``,
    ``advisory`` or ``disabled``; ``registry`` is where images may be pushed.
    """
    text = config.get(CONFIG_KEY)
    if not text:
        return PackSettings()
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, Mapping):
        raise PolicySettingsError(
            f"{CONFIG_KEY}: expected an object such as"
            ' {"levels": {"image-source-label": "mandatory"}, "registry": "ghcr.io"}, got'
            f" {text!r}; set it with"
            f" `pulumi config set --path {CONFIG_KEY}.levels.<policy> <level>`"
        )
    unknown = sorted(set(value) - {"levels", "registry"})
    if unknown:
        raise PolicySettingsError(
            f"{CONFIG_KEY}: unknown key {unknown[0]!r}; use 'levels' or 'registry'"
        )
    levels = dict(DEFAULT_LEVELS)
    for name, level in (value.get("levels") or {}).items():
        if name not in DEFAULT_LEVELS:
            raise PolicySettingsError(
                f"{CONFIG_KEY}.levels.{name}: no such policy; use one of {', '.join(POLICY_NAMES)}"
            )
        if level not in ("mandatory", "advisory", "disabled"):
            raise PolicySettingsError(
                f"{CONFIG_KEY}.levels.{name}: {level!r} is not a level;"
                " use 'mandatory', 'advisory' or 'disabled'"
            )
        levels[name] = _LEVELS[level]
    registry = value.get("registry") or DEFAULT_REGISTRY
    if not isinstance(registry, str):
        raise PolicySettingsError(f"{CONFIG_KEY}.registry: expected a host such as 'ghcr.io'")
    return PackSettings(levels=levels, registry=registry.rstrip("/").lower())


# --- resource inputs -----------------------------------------------------------------


def keep_secrets_in_analysis() -> None:
    """Let validations see which inputs are secrets.

    The engine sends secrets to analyzers marked as such, but pulumi-policy 1.21's
    ``Analyze`` unmarshals them as plain values (only ``Remediate`` keeps them). With this,
    ``Analyze`` unmarshals like ``Remediate``: reading a property still gives its plain
    value, and :func:`normalize` finds the :class:`pulumi_policy.Secret` markers.
    """

    def deserialize(props: dict[str, Any], proxy_secrets: bool = False) -> Any:
        return deserialize_properties(props, True)

    _sdk.deserialize_properties = deserialize  # type: ignore[assignment]


_PROXIES = (_DictProxy, _ListProxy, _DictSecretsProxy, _ListSecretsProxy)


def normalize(value: Any) -> Any:
    """Inputs as plain dicts and lists, each secret a :class:`Secret`, unknowns kept.

    Accepts what pulumi-policy hands a validation (with or without its proxies) and the
    wire form the mock engine records (``{"4dabf…": "1b47…", "value": …}``).
    """
    if isinstance(value, _PROXIES):
        return normalize(value["__target"])
    if isinstance(value, Secret):
        inner = normalize(value.value)
        return inner if isinstance(inner, Secret) else Secret(inner)
    if isinstance(value, Mapping):
        if value.get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG:
            return Secret(normalize(value.get("value")))
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value


def is_secret(value: Any) -> bool:
    return isinstance(value, Secret)


def unsecret(value: Any) -> Any:
    """The plain value, secrets opened (for reading, never for reporting)."""
    if isinstance(value, Secret):
        return unsecret(value.value)
    if isinstance(value, Mapping):
        return {k: unsecret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unsecret(v) for v in value]
    return value


def _props(args: ResourceValidationArgs) -> dict[str, Any]:
    return unsecret(normalize(args.props))


def _known(value: Any) -> bool:
    return not _is_unknown(value)


# --- workflow policies ---------------------------------------------------------------


def _workflow_facts(args: ResourceValidationArgs) -> _rules.WorkflowFacts | str | None:
    """The workflow a managed file holds; a message if unreadable; None if not a workflow."""
    if args.resource_type != WORKFLOW_FILE:
        return None
    props = _props(args)
    path, content = props.get("file"), props.get("content")
    if not isinstance(path, str) or not _known(path) or not _rules.is_workflow_path(path):
        return None
    if not isinstance(content, str) or not _known(content):
        args.not_applicable(f"the content of {path} is not known until the update")
    try:
        return _rules.parse_workflow(content)  # type: ignore[arg-type]
    except _rules.WorkflowParseError as error:
        return f"{path}: {error}"


def _workflow_policy(
    rule: Callable[[_rules.WorkflowFacts], list[_rules.Finding]],
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        facts = _workflow_facts(args)
        if isinstance(facts, str):
            report(facts)
        elif facts is not None:
            path = _props(args)["file"]
            for finding in rule(facts):
                report(f"{path}: {finding.message}")

    return validate


# --- repository ----------------------------------------------------------------------


def _repository_protected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != REPOSITORY:
        return
    archive = _props(args).get("archiveOnDestroy")
    if _known(archive) and archive is not True:
        report("set archive_on_destroy=True: a deleted repository is archived, never deleted")


# --- container images ----------------------------------------------------------------


def image_refs(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    """The image references a resource pushes to a registry (plain inputs)."""
    refs: list[str] = []
    if resource_type == BUILD_IMAGE:
        if props.get("push") is True:
            refs += [t for t in props.get("tags") or [] if isinstance(t, str)]
        for export in props.get("exports") or []:
            for kind in ("registry", "image"):
                out = (export or {}).get(kind) or {}
                if kind == "registry" or out.get("push") is True:
                    refs += [n for n in out.get("names") or [] if isinstance(n, str)]
    elif resource_type == DOCKER_IMAGE:
        if props.get("skipPush") is not True and isinstance(props.get("imageName"), str):
            refs.append(props["imageName"])
    elif resource_type == REGISTRY_IMAGE and isinstance(props.get("name"), str):
        refs.append(props["name"])
    return [r for r in refs if _known(r)]


def _registry_of(ref: str) -> str:
    first, slash, _ = ref.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return ref.lower()
    return f"docker.io/{ref}".lower()  # Docker's default registry


def _image_source_label(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != BUILD_IMAGE:
        return
    props = _props(args)
    if not image_refs(args.resource_type, props):
        return  # built, not published: nothing to link to a repository
    labels = props.get("labels") or {}
    source = labels.get(SOURCE_LABEL) if isinstance(labels, Mapping) else None
    if not source:
        report(
            f"the image is pushed without the label {SOURCE_LABEL!r}: set it to the"
            " repository's URL (https://github.com/<owner>/<repo>) so the package is linked"
        )


def _image_registry(settings: PackSettings) -> Callable[..., None]:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in (BUILD_IMAGE, DOCKER_IMAGE, REGISTRY_IMAGE):
            return
        registry = str(args.get_config().get("registry") or settings.registry).rstrip("/")
        for ref in image_refs(args.resource_type, _props(args)):
            if not _registry_of(ref).startswith(f"{registry.lower()}/"):
                report(
                    f"pushes {ref!r} outside the configured registry {registry!r}; push to"
                    f" {registry}/<owner>/<image>"
                    f" (registry: policy config or {CONFIG_KEY}.registry)"
                )

    return validate


# --- secrets -------------------------------------------------------------------------

_CREDENTIAL = re.compile(r"(?i)(token|password|passwd|plaintextvalue|secretkey|privatekey)$")
# GitHub's secret resources (actionsSecret, dependabotOrganizationSecret, …) hold `value`.
_SECRET_RESOURCE = re.compile(r"^github:index/\w*[sS]ecret:")


def _plain_credentials(
    value: Any, path: str = "", names: re.Pattern[str] = _CREDENTIAL
) -> Iterator[str]:
    """Paths of credential-named string inputs that are not secrets."""
    if isinstance(value, Secret):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(item, str) and names.search(str(key)):
                if item and _known(item):
                    yield where
            else:
                yield from _plain_credentials(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _plain_credentials(item, f"{path}[{i}]")


def _credentials_are_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = normalize(args.props)
    found = list(_plain_credentials(props))
    if _SECRET_RESOURCE.match(args.resource_type):
        top = {k: v for k, v in props.items() if k == "value"}
        found += list(_plain_credentials(top, names=re.compile("^value$")))
    for where in found:
        report(
            f"'{where}' is a credential in plain text: make it a Pulumi secret"
            " (`pulumi config set --secret …`, `config.require_secret`, `pulumi.Output.secret`)"
        )


# --- the pack ------------------------------------------------------------------------


def build_policies(settings: PackSettings | None = None) -> list[Policy]:
    """Every policy of the pack, at the enforcement levels ``settings`` give."""
    settings = settings or PackSettings()
    level = settings.levels.get
    return [
        ResourceValidationPolicy(
            name="workflow-actions-pinned",
            description="Every `uses:` of a workflow file is pinned to a full commit SHA.",
            validate=_workflow_policy(_rules.pin_findings),
            enforcement_level=level("workflow-actions-pinned"),
        ),
        ResourceValidationPolicy(
            name="workflow-top-level-permissions",
            description="Every workflow file declares top-level `permissions`.",
            validate=_workflow_policy(_rules.top_level_permission_findings),
            enforcement_level=level("workflow-top-level-permissions"),
        ),
        ResourceValidationPolicy(
            name="workflow-least-privilege",
            description="No workflow job holds a write permission it does not need.",
            validate=_workflow_policy(_rules.permission_findings),
            enforcement_level=level("workflow-least-privilege"),
        ),
        ResourceValidationPolicy(
            name="workflow-token-stays-on-github",
            description="No workflow sends `GITHUB_TOKEN` to a registry other than ghcr.io.",
            validate=_workflow_policy(_rules.token_host_findings),
            enforcement_level=level("workflow-token-stays-on-github"),
        ),
        ResourceValidationPolicy(
            name="repository-protected",
            description="Repositories are archived, never deleted, on destroy.",
            validate=_repository_protected,
            enforcement_level=level("repository-protected"),
        ),
        ResourceValidationPolicy(
            name="image-source-label",
            description=f"Pushed container images carry the `{SOURCE_LABEL}` label.",
            validate=_image_source_label,
            enforcement_level=level("image-source-label"),
        ),
        ResourceValidationPolicy(
            name="image-registry",
            description="Container images are pushed only to the configured registry.",
            validate=_image_registry(settings),
            enforcement_level=level("image-registry"),
            config_schema=PolicyConfigSchema(
                properties={
                    "registry": {
                        "type": "string",
                        "description": "Registry (and optional path) images may be pushed to.",
                    }
                }
            ),
        ),
        ResourceValidationPolicy(
            name="credentials-are-secrets",
            description="Tokens and passwords (GitHub, registries) are Pulumi secrets.",
            validate=_credentials_are_secrets,
            enforcement_level=level("credentials-are-secrets"),
        ),
    ]
