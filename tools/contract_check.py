"""Check a resource registration against the provider contract (schema/provider-contract.json).

`Contract.check(type_, name, inputs)` raises `ProviderContractError` when the inputs a
program registers (as the SDK sends them: schema names in camelCase, secrets
wrapped, unknown values during preview, provider configuration values other than
strings JSON-encoded) are not what the pinned provider's schema accepts: an
unknown resource type or input, a required input missing, a value of the wrong
type or outside an enum, a deprecated input. Each type is compiled once into
checking functions: a registration costs one walk over its own inputs.
"""

from __future__ import annotations

__all__ = ["OURS", "Contract", "ProviderContractError", "load"]

import contextlib
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tools.provider_contract import CONTRACT

OURS = "ghpublish:index:"  # our component resources: not the providers' business
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
_PROVIDER = "pulumi:providers:"

# check(value, path, problems, secret): appends a problem text for each violation under
# path; ``secret`` says the value is inside a secret (its value is never printed).
Check = Callable[[Any, str, list[str], bool], None]


class ProviderContractError(Exception):
    """A registration the pinned provider would refuse; names resource, input, expected, got."""

    def __init__(self, type_: str, name: str, problems: list[str]) -> None:
        self.type = type_
        self.name = name
        self.problems = problems
        super().__init__("\n".join(f"{type_} {name!r}: {p}" for p in problems))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "resource reference" if value.get(_SIG) == _RESOURCE else "object"
    return type(value).__name__


def _got(value: Any, secret: bool) -> str:
    if secret:  # never print a secret's value
        return f"a secret {_kind(value)}"
    if isinstance(value, dict | list):
        return _kind(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = json.dumps(value, ensure_ascii=False)
    return f"{_kind(value)} {text if len(text) <= 80 else text[:77] + '...'}"


def _input(path: str) -> str:
    return f"input {path!r}"


class Contract:
    """The provider contract, compiled: one checking function per resource and named type."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.providers = data["providers"]
        self._types = data["types"]
        self._named: dict[str, Check] = {}
        for token, spec in self._types.items():
            self._named[token] = (
                self._enum(token, spec) if "enum" in spec else self._object(spec, token)
            )
        self._resource_inputs = {t: spec["inputs"] for t, spec in data["resources"].items()}
        self._resources = {
            token: self._object(spec, token, provider=token.startswith(_PROVIDER))
            for token, spec in data["resources"].items()
        }

    # -- describing expected types -------------------------------------------------
    def describe(self, expr: Any) -> str:
        if isinstance(expr, list):
            return f"{expr[0]} of {self.describe(expr[1])}"
        if expr in self._types:
            spec = self._types[expr]
            if "enum" in spec:
                return f"one of {expr} ({', '.join(map(str, spec['enum']))})"
            return f"object {expr}"
        return expr

    # -- compiling -------------------------------------------------------------------
    def _compile(self, expr: Any) -> Check:
        if isinstance(expr, list):
            return self._collection(expr)
        if ":" in expr:
            named = self._named

            def check_named(value: Any, path: str, out: list[str], secret: bool) -> None:
                named[expr](value, path, out, secret)

            return check_named
        return _PRIMITIVE_CHECKS[expr](expr)

    def _collection(self, expr: list[Any]) -> Check:
        """``["array", T]`` or ``["map", T]``: the container, then each of its values."""
        item = self._compile(expr[1])
        expected = self.describe(expr)
        array = expr[0] == "array"

        def check_collection(value: Any, path: str, out: list[str], secret: bool) -> None:
            value, secret = _unwrap(value, secret)
            if value == _UNKNOWN:
                return
            if not (isinstance(value, list) if array else _is_object(value)):
                out.append(f"{_input(path)}: expected {expected}, got {_got(value, secret)}")
                return
            entries = (
                enumerate(value)
                if array
                else ((json.dumps(k, ensure_ascii=False), v) for k, v in value.items())
            )
            for key, v in entries:
                item(v, f"{path}[{key}]", out, secret)

        return check_collection

    def _enum(self, token: str, spec: dict[str, Any]) -> Check:
        allowed = frozenset(spec["enum"])
        base = _PRIMITIVE_CHECKS[spec["type"]](spec["type"])
        expected = self.describe(token)

        def check_enum(value: Any, path: str, out: list[str], secret: bool) -> None:
            before = len(out)
            base(value, path, out, secret)
            if len(out) > before:
                return
            value, secret = _unwrap(value, secret)
            if value != _UNKNOWN and value not in allowed:
                out.append(f"{_input(path)}: expected {expected}, got {_got(value, secret)}")

        return check_enum

    def _object(self, spec: dict[str, Any], token: str, *, provider: bool = False) -> Check:
        inputs = spec["inputs"]
        fields = {name: self._compile(expr) for name, expr in inputs.items()}
        # A provider's configuration arrives with every value but strings JSON-encoded.
        encoded = frozenset(n for n, e in inputs.items() if e != "string") if provider else ()
        required = tuple(spec.get("required", ()))
        deprecated = frozenset(spec.get("deprecated", ()))
        names = sorted(inputs)

        def check_object(value: Any, path: str, out: list[str], secret: bool) -> None:
            value, secret = _unwrap(value, secret)
            if value == _UNKNOWN:
                return
            if not _is_object(value):
                out.append(f"{_input(path)}: expected object {token}, got {_got(value, secret)}")
                return
            prefix = f"{path}." if path else ""
            for key, v in value.items():
                check = fields.get(key)
                if check is None:
                    near = difflib.get_close_matches(key, names, n=1)
                    hint = f" (did you mean {near[0]!r}?)" if near else ""
                    out.append(f"unknown {_input(prefix + key)}{hint}")
                    continue
                if v is None:
                    continue
                if key in deprecated:
                    out.append(f"{_input(prefix + key)} is deprecated by the provider")
                if key in encoded and isinstance(v, str) and v != _UNKNOWN:
                    with contextlib.suppress(ValueError):  # not JSON: checked as it came
                        v = json.loads(v)
                check(v, prefix + key, out, secret)
            for key in required:
                if value.get(key) is None:
                    out.append(f"required {_input(prefix + key)} is missing")

        return check_object

    # -- checking --------------------------------------------------------------------
    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one contract per process
    def _ignore_problem(self, type_: str, path: str) -> str | None:
        """Why ``path`` (an ignore_changes property path) names no input of ``type_``, if so."""
        node: Any = ["object", self._resource_inputs[type_]]
        parsed = _path_segments(path)
        if parsed is None:
            return f"ignore_changes {path!r} is not a property path"
        for segment, indexed in parsed:
            kind, inner = node if isinstance(node, list) else ("leaf", node)
            if kind == "object" and not indexed and segment != "*":
                if segment not in inner:
                    near = difflib.get_close_matches(segment, sorted(inner), n=1)
                    hint = f" (did you mean {near[0]!r}?)" if near else ""
                    return f"ignore_changes {path!r}: no input {segment!r} there{hint}"
                node = self._node(inner[segment])
            elif kind in ("array", "map") and (indexed or kind == "map"):
                node = self._node(inner)
            elif inner == "any" or (kind == "object" and segment == "*"):
                return None
            else:
                what = inner if kind == "leaf" else kind
                article = "an" if what[0] in "aeiou" else "a"
                return f"ignore_changes {path!r}: no {segment!r} inside {article} {what} value"
        return None

    def _node(self, expr: Any) -> Any:
        """``["object", inputs]``, ``["array"|"map", T]`` or a primitive/enum name."""
        if isinstance(expr, list):
            return expr
        spec = self._types.get(expr)
        return ["object", spec["inputs"]] if spec is not None and "inputs" in spec else expr

    def check(
        self,
        type_: str,
        name: str,
        inputs: dict[str, Any],
        *,
        custom: bool = True,
        ignore_changes: Iterable[str] = (),
    ) -> None:
        """Raise `ProviderContractError` unless the pinned provider accepts these inputs (and
        each ignore_changes path names one of them)."""
        if not custom and type_.startswith(OURS):
            return
        check = self._resources.get(type_) if custom else None
        if check is None:
            versions = ", ".join(f"{p} {v}" for p, v in self.providers.items())
            what = "resource type" if custom else f"component type (ours are {OURS}*)"
            raise ProviderContractError(type_, name, [f"unknown {what}: not in {versions}"])
        problems: list[str] = []
        check(inputs, "", problems, False)
        for path in ignore_changes:
            problem = self._ignore_problem(type_, path)
            if problem is not None:
                problems.append(problem)
        if problems:
            raise ProviderContractError(type_, name, sorted(problems))


# One step of a property path: `.name` (or a leading name), `[0]`, `[*]`, `["key"]`.
_STEP = re.compile(r'(?:^|\.)([^.\[\]"]+)|\[(\d+|\*)\]|\["((?:[^"\\]|\\.)*)"\]')


def _path_segments(path: str) -> list[tuple[str, bool]] | None:
    """The steps of a property path, each (name or index, whether it was ``[...]``)."""
    steps: list[tuple[str, bool]] = []
    pos = 0
    while pos < len(path):
        match = _STEP.match(path, pos)
        if match is None or match.end() == pos:
            return None
        name, index, key = match.groups()
        if name is not None:
            steps.append((name, False))
        elif index is not None:
            steps.append((index, True))
        else:
            steps.append((json.loads(f'"{key}"'), False))
        pos = match.end()
    return steps or None


def _unwrap(value: Any, secret: bool) -> tuple[Any, bool]:
    """The value inside a secret, and whether it is inside one."""
    if type(value) is dict and value.get(_SIG) == _SECRET:
        return value.get("value", _UNKNOWN), True
    return value, secret


def _primitive(test: Callable[[Any], bool]) -> Callable[[str], Check]:
    def compile_(expected: str) -> Check:
        def check_primitive(value: Any, path: str, out: list[str], secret: bool) -> None:
            if value == _UNKNOWN:
                return
            if not test(value):
                value, secret = _unwrap(value, secret)
                if value != _UNKNOWN and not test(value):
                    out.append(f"{_input(path)}: expected {expected}, got {_got(value, secret)}")

        return check_primitive

    return compile_


def _is_object(v: Any) -> bool:
    """A plain mapping: not a secret, asset or resource reference."""
    return isinstance(v, dict) and _SIG not in v


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_PRIMITIVE_CHECKS: dict[str, Callable[[str], Check]] = {
    "string": _primitive(lambda v: isinstance(v, str)),
    "boolean": _primitive(lambda v: isinstance(v, bool)),
    "number": _primitive(_is_number),
    "integer": _primitive(lambda v: _is_number(v) and float(v).is_integer()),
    "any": _primitive(lambda v: True),
}


@functools.cache
def load(path: Path = CONTRACT) -> Contract:
    """The committed contract, compiled once per process."""
    return Contract(json.loads(path.read_text(encoding="utf-8")))
