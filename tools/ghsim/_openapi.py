"""GitHub's OpenAPI description of api.github.com, from the pinned npm package @octokit/openapi.

``scripts/octokit-openapi`` pins the package (``npm ci --prefix scripts/octokit-openapi``, or
``make ghsim-spec``); its ``generated/api.github.com.deref.json`` (~73 MB, every ``$ref``
resolved) is read once and the operations the simulator serves are extracted into a compact
cache beside it (``node_modules/.ghsim/``, never committed), keyed by the package version and
the served operations. Each process loads that cache once (``load_description``).

Schemas are OpenAPI 3.0: ``nullable: true`` becomes a ``"null"`` type for JSON Schema, and
validation is jsonschema's Draft 4 validator (OpenAPI 3.0's base) without format checks;
``oneOf`` is read as ``anyOf`` (see ``to_json_schema``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "scripts" / "octokit-openapi"
PACKAGE = PACKAGE_DIR / "node_modules" / "@octokit" / "openapi"
# The description an org's plan is checked against: GitHub Enterprise Cloud's (ghec) has
# what only Enterprise has (`internal` visibility among them); every other plan api.github.com's.
DESCRIPTIONS = {
    "api.github.com": "generated/api.github.com.deref.json",
    "ghec": "generated/ghec.deref.json",
}
CACHE_DIR = PACKAGE_DIR / "node_modules" / ".ghsim"
ENV_PACKAGE = "GHSIM_OCTOKIT_OPENAPI"  # another install of the package (its folder)
EXTRACTOR_VERSION = "2"
DOCS = "https://docs.github.com/rest"
# Request fields GitHub accepts that its description leaves out (where the description also
# forbids other properties), each found by the real provider sending it: without them a
# request GitHub takes would be refused here. Everything else in a body is checked.
UNDESCRIBED_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    # terraform-provider-github v6.13.0 resource_github_repository_environment.go sends
    # `can_admins_bypass` (go-github's CreateUpdateEnvironment.CanAdminsBypass): the
    # environment's "Allow administrators to bypass configured protection rules" setting.
    ("PUT", "/repos/{owner}/{repo}/environments/{environment_name}"): frozenset(
        {"can_admins_bypass"}
    ),
}


class DescriptionMissingError(RuntimeError):
    """The npm package is not installed."""


@dataclass
class Operation:
    """One operation of the description: what a request and its responses must look like."""

    method: str
    path: str  # the description's template, e.g. /repos/{owner}/{repo}
    operation_id: str
    documentation_url: str
    parameters: list[dict[str, Any]]
    request_schema: dict[str, Any] | None
    request_required: bool
    responses: dict[str, dict[str, Any] | None]  # status -> JSON schema, None: no body
    _validators: dict[str, Any] = field(default_factory=dict, repr=False)

    def validator(self, key: str) -> Any:
        """A cached Draft 4 validator for the request ("request") or a response status."""
        if key not in self._validators:
            schema = self.request_schema if key == "request" else self.responses.get(key)
            self._validators[key] = None if schema is None else jsonschema.Draft4Validator(schema)
        return self._validators[key]


@dataclass
class Description:
    version: str
    operations: dict[tuple[str, str], Operation]  # (METHOD, template) of the served ones
    routes: list[tuple[str, str, str]]  # every (METHOD, template, operationId) described

    def operation(self, method: str, template: str) -> Operation | None:
        return self.operations.get((method, template))

    def find_route(self, method: str, path: str) -> tuple[str, str] | None:
        """(template, operationId) of the described operation ``path`` would reach."""
        best: tuple[tuple[int, int], str, str] | None = None
        for route_method, template, operation_id in self.routes:
            if route_method != method or not template_regex(template).fullmatch(path):
                continue
            rank = (template.count("{"), -len(template))
            if best is None or rank < best[0]:
                best = (rank, template, operation_id)
        return None if best is None else (best[1], best[2])


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}
# Parameters that span several path segments (the description marks some x-multi-segment).
MULTI_SEGMENT = {"path", "ref"}


def template_regex(template: str) -> re.Pattern[str]:
    """The regular expression of an OpenAPI path template; each parameter a named group."""
    if template not in _REGEX_CACHE:
        parts = re.split(r"\{([^}]+)\}", template)
        out = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(re.escape(part))
            else:
                segment = ".+" if part in MULTI_SEGMENT else "[^/]+"
                group = re.sub(r"\W", "_", part)
                out.append(f"(?P<{group}>{segment})")
        _REGEX_CACHE[template] = re.compile("".join(out))
    return _REGEX_CACHE[template]


def to_json_schema(schema: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema (nullable -> null type), without prose."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in {"description", "example", "examples", "title", "externalDocs", "readOnly"}:
            continue
        if key == "oneOf":
            # GitHub's description uses oneOf over alternatives that overlap (objects without
            # additionalProperties: false, e.g. the 409 of a contents PUT, private-user vs
            # public-user), which no answer could satisfy "exactly once": read it as anyOf.
            out["anyOf"] = to_json_schema(value)
        elif key == "properties":
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in {
            "nullable",
            "x-github",
            "writeOnly",
            "deprecated",
            "discriminator",
        } or key.startswith("x-"):
            continue
        else:
            out[key] = to_json_schema(value)
    if schema.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif "type" not in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _json_body_schema(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    for media, body in content.items():
        if media.startswith("application/json") or media.endswith("+json"):
            return to_json_schema(body.get("schema", {}))
    return None


def _extract(raw: dict[str, Any], served: list[tuple[str, str]]) -> dict[str, Any]:
    ops: dict[str, Any] = {}
    routes = []
    for template, item in raw["paths"].items():
        for method, op in item.items():
            if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                continue
            routes.append([method.upper(), template, op.get("operationId", "")])
    wanted = set(served)
    for method, template in sorted(wanted):
        op = raw["paths"].get(template, {}).get(method.lower())
        if op is None:
            raise KeyError(f"the description has no {method} {template}")
        body = op.get("requestBody") or {}
        responses = {}
        for status, response in op.get("responses", {}).items():
            responses[status] = _json_body_schema(response.get("content"))
        ops[f"{method} {template}"] = {
            "operation_id": op["operationId"],
            "documentation_url": op.get("externalDocs", {}).get("url", DOCS),
            "parameters": [
                {
                    k: to_json_schema(v)
                    for k, v in p.items()
                    if k in {"name", "in", "required", "schema"}
                }
                for p in op.get("parameters", [])
            ],
            "request_schema": _json_body_schema(body.get("content")),
            "request_required": bool(body.get("required")),
            "responses": responses,
        }
    return {"version": raw["info"]["version"], "operations": ops, "routes": routes}


def package_dir() -> Path:
    return Path(os.environ.get(ENV_PACKAGE) or PACKAGE)


def package_version(directory: Path | None = None) -> str:
    manifest = (directory or package_dir()) / "package.json"
    if not manifest.is_file():
        raise DescriptionMissingError(
            f"@octokit/openapi is not installed in {manifest.parent} "
            "(make ghsim-spec, or npm ci --prefix scripts/octokit-openapi)"
        )
    return json.loads(manifest.read_text(encoding="utf-8"))["version"]


_LOCK = threading.Lock()
_LOADED: dict[tuple[str, ...], Description] = {}


def description_for(plan: str) -> str:
    """Which of GitHub's descriptions an org on ``plan`` is served by."""
    return "ghec" if plan == "enterprise" else "api.github.com"


def load_description(served: list[tuple[str, str]], variant: str = "api.github.com") -> Description:
    """The served operations of the installed description ``variant`` (a key of
    DESCRIPTIONS), extracted once and cached on disk."""
    directory = package_dir()
    version = package_version(directory)
    key_text = json.dumps([version, EXTRACTOR_VERSION, variant, sorted(served)])
    key = hashlib.sha256(key_text.encode()).hexdigest()[:16]
    with _LOCK:
        if (key,) in _LOADED:
            return _LOADED[(key,)]
        cache = (
            CACHE_DIR if directory == PACKAGE else directory / ".ghsim"
        ) / f"extract-{key}.json"
        if cache.is_file():
            data = json.loads(cache.read_text(encoding="utf-8"))
        else:
            source = directory / DESCRIPTIONS[variant]
            with source.open(encoding="utf-8") as handle:
                data = _extract(json.load(handle), served)
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(cache)
        operations = {}
        for name, op in data["operations"].items():
            method, template = name.split(" ", 1)
            operations[(method, template)] = Operation(
                method=method,
                path=template,
                operation_id=op["operation_id"],
                documentation_url=op["documentation_url"],
                parameters=op["parameters"],
                request_schema=op["request_schema"],
                request_required=op["request_required"],
                responses=op["responses"],
            )
        description = Description(
            version=data["version"],
            operations=operations,
            routes=[tuple(r) for r in data["routes"]],  # type: ignore[misc]
        )
        _LOADED[(key,)] = description
        return description
