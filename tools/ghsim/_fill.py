"""Filling the fields GitHub fills: ids, node ids, URLs, owners, timestamps, defaults.

The named fillers below set what GitHub sets for each kind of object (from a counter and the
simulator's clock, so a run is deterministic); ``fill_required`` then completes whatever the
operation's response schema still requires, from the schema alone: ``null`` where the schema
allows it (GitHub's value for an unset description, homepage, license...), else the first enum
value, ``false``, ``0``, ``[]``, an empty object filled the same way, a ``*_url`` under the
object's own URL, the clock for a date-time. It only adds missing fields: a value that is
there, right or wrong, is left for the response validator to judge.
"""

from __future__ import annotations

import base64
from typing import Any


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode().rstrip("=")


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return kind
    return [kind] if kind else []


def _allows_null(schema: dict[str, Any]) -> bool:
    if "null" in _types(schema):
        return True
    return any(_allows_null(alt) for alt in schema.get("anyOf", []) + schema.get("oneOf", []))


def _object_alternative(schema: dict[str, Any]) -> dict[str, Any] | None:
    for key in ("allOf", "anyOf", "oneOf"):
        for alt in schema.get(key, []):
            if "object" in _types(alt) or "properties" in alt:
                return alt
    return None


def default_value(schema: dict[str, Any], name: str, base_url: str, clock: str) -> Any:
    """GitHub's value for an unset field of this schema (see the module docstring)."""
    if _allows_null(schema):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    alt = _object_alternative(schema)
    if alt is not None and not _types(schema):
        schema = alt
    types = _types(schema)
    if "object" in types or "properties" in schema:
        return fill_required(schema, {}, f"{base_url}/{name}", clock)
    if "array" in types:
        return []
    if "boolean" in types:
        return False
    if "integer" in types or "number" in types:
        return 0
    if "string" in types or not types:
        if schema.get("format") == "date-time" or name.endswith("_at"):
            return clock
        if name.endswith("_url") or name in {"url", "href"} or schema.get("format") == "uri":
            suffix = name[: -len("_url")] if name.endswith("_url") else ""
            return f"{base_url}/{suffix}".rstrip("/") if suffix else base_url
        return ""
    return None


def fill_required(schema: dict[str, Any] | None, value: Any, base_url: str, clock: str) -> Any:
    """``value`` with the fields ``schema`` requires and it lacks added, recursively."""
    if not schema:
        return value
    if isinstance(value, dict):
        if not ("object" in _types(schema) or "properties" in schema):
            alt = _object_alternative(schema)
            if alt is None:
                return value
            schema = alt
        props = schema.get("properties", {})
        own = value.get("url") if isinstance(value.get("url"), str) else base_url
        own = own.split("?", 1)[0]
        for name in schema.get("required", []):
            if name not in value:
                value[name] = default_value(props.get(name, {}), name, own, clock)
        for name, sub in props.items():
            if name in value and isinstance(value[name], dict | list):
                value[name] = fill_required(sub, value[name], f"{own}/{name}", clock)
        return value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [fill_required(schema["items"], item, base_url, clock) for item in value]
    return value
