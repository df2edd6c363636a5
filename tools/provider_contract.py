"""`make contract`: derive the provider contract from the providers' published schemas.

The contract (``schema/provider-contract.json``) is a compact extract of what the
pinned providers accept: per resource (and per provider configuration) its input
names and their types, the named object types and enums they refer to, required
inputs and deprecated inputs. Facts only: no descriptions, no defaults. The mock
engine checks every registration against it (``tools/contract_check.py``).

Type expressions in the contract: a primitive (``"string"``, ``"integer"``,
``"number"``, ``"boolean"``, ``"any"``), a named type token (``"pkg:mod:Name"``),
``["array", T]`` or ``["map", T]``.
"""

from __future__ import annotations

__all__ = ["CONTRACT", "PROVIDERS", "SCHEMAS", "derive", "main", "render"]

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT.parent / "shared" / "data" / "provider-schema"
CONTRACT = ROOT / "schema" / "provider-contract.json"

# package -> pinned version (requirements.txt pins the SDKs at these versions).
PROVIDERS = {"docker-build": "0.0.22", "github": "6.15.0"}

_PRIMITIVES = {"string", "integer", "number", "boolean"}
_BUILTIN_REFS = {"pulumi.json#/Any": "any"}


class SchemaError(Exception):
    """The schema uses a construct the contract cannot express."""


def _type(prop: dict[str, Any], where: str) -> Any:
    """The contract's type expression for one schema property (or items/additionalProperties)."""
    ref = prop.get("$ref")
    if ref is not None:
        if ref.startswith("#/types/"):
            return ref.removeprefix("#/types/")
        if ref in _BUILTIN_REFS:
            return _BUILTIN_REFS[ref]
        raise SchemaError(f"{where}: unsupported $ref {ref!r}")
    kind = prop.get("type")
    if kind == "array":
        return ["array", _type(prop["items"], f"{where}[]")]
    if kind == "object":
        return ["map", _type(prop.get("additionalProperties", {"$ref": "pulumi.json#/Any"}), where)]
    if kind in _PRIMITIVES:
        return kind
    raise SchemaError(f"{where}: unsupported type {kind!r}")


def _refs(expr: Any) -> list[str]:
    if isinstance(expr, list):
        return _refs(expr[1])
    return [expr] if ":" in expr else []


def _object(props: dict[str, Any], required: list[str], where: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "inputs": {name: _type(p, f"{where}.{name}") for name, p in sorted(props.items())}
    }
    if required:
        entry["required"] = sorted(required)
    deprecated = sorted(name for name, p in props.items() if "deprecationMessage" in p)
    if deprecated:
        entry["deprecated"] = deprecated
    return entry


def derive(schemas: Path = SCHEMAS) -> dict[str, Any]:
    """The contract of every resource and provider configuration of the pinned providers."""
    resources: dict[str, Any] = {}
    types: dict[str, Any] = {}
    pending: list[str] = []
    all_types: dict[str, Any] = {}
    for package, version in sorted(PROVIDERS.items()):
        schema = json.loads((schemas / f"{package}-{version}.schema.json").read_text("utf-8"))
        if schema.get("version", version) != version:
            raise SchemaError(f"{package}: schema version {schema['version']}, pinned {version}")
        all_types.update(schema["types"])
        provider = schema["provider"]
        token = f"pulumi:providers:{package}"
        resources[token] = _object(
            provider.get("inputProperties", {}), provider.get("requiredInputs", []), token
        )
        for token, res in schema["resources"].items():
            if res.get("isComponent"):
                raise SchemaError(f"{token}: component resources are not supported")
            resources[token] = _object(
                res.get("inputProperties", {}), res.get("requiredInputs", []), token
            )
    for entry in resources.values():
        for expr in entry["inputs"].values():
            pending.extend(_refs(expr))
    while pending:
        token = pending.pop()
        if token in types:
            continue
        spec = all_types[token]
        if "enum" in spec:
            types[token] = {"enum": sorted(e["value"] for e in spec["enum"]), "type": spec["type"]}
            continue
        types[token] = _object(spec.get("properties", {}), spec.get("required", []), token)
        for expr in types[token]["inputs"].values():
            pending.extend(_refs(expr))
    return {
        "providers": dict(sorted(PROVIDERS.items())),
        "resources": dict(sorted(resources.items())),
        "types": dict(sorted(types.items())),
    }


def render(contract: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, one line per resource and per type."""

    def line(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    parts = ['{"providers":' + line(contract["providers"])]
    for section in ("resources", "types"):
        rows = [f"{line(k)}:{line(v)}" for k, v in sorted(contract[section].items())]
        parts.append(f'"{section}":{{\n' + ",\n".join(rows) + "\n}")
    return ",\n".join(parts) + "}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=Path, default=SCHEMAS)
    parser.add_argument("--out", type=Path, default=CONTRACT)
    args = parser.parse_args(argv)
    if not args.schemas.is_dir():
        print(f"make contract: {args.schemas} is missing (the providers' schemas)", file=sys.stderr)
        return 2
    args.out.write_text(render(derive(args.schemas)), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
