"""A small evaluator of the GitHub Actions expressions the generated workflows use.

What it knows, as GitHub's "Evaluate expressions in workflows and actions" reference says:
literals (`'text'` with `''` for a quote, numbers, `true`, `false`, `null`), property access
(`a.b`, `a['b']`), `!`, `==`, `!=` (loose equality; strings compare case-insensitively),
`&&`, `||` (both return an operand, not a boolean), parentheses, and the functions
`contains(search, item)` and `startsWith(search, value)` (case-insensitive), and the status
checks `success()`, `failure()`, `always()`, `cancelled()` (see JOB_STATUS). Contexts are
what the caller passes (`github`, `secrets`, `env`, `inputs`, ...).

Everything else is refused with :class:`ExpressionError`: an unknown context, property,
function or operator, so that a test running a workflow fails rather than guessing. A missing
property is `null` only under an :class:`Open` mapping (the event payload, whose shape is the
event's), as it is on GitHub.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "JOB_STATUS",
    "STATUS_FUNCTIONS",
    "ExpressionError",
    "Open",
    "condition",
    "evaluate",
    "interpolate",
    "to_string",
]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))
    | (?P<op>==|!=|&&|\|\||[!().\[\],])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


class ExpressionError(ValueError):
    """An expression this evaluator cannot evaluate (and so a test must not pass)."""


class Open(dict):  # type: ignore[type-arg]
    """A mapping whose missing keys read as null (an event payload); nested ones alike."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:].strip()!r} in {text.strip()!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _number(value: Any) -> float:
    """GitHub's conversion to a number for loose equality."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan  # objects and arrays


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else "object"


def _equal(a: Any, b: Any) -> bool:
    """Loose equality: same types compare as such (strings ignoring case, objects by
    identity); different types are converted to numbers (an object never equals them)."""
    kind_a, kind_b = _kind(a), _kind(b)
    if kind_a == kind_b:
        if kind_a == "string":
            return bool(a.casefold() == b.casefold())
        return a is b if kind_a == "object" else bool(a == b)
    if "object" in (kind_a, kind_b):
        return False
    return _number(a) == _number(b)


def truthy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return not (value == 0 or math.isnan(value))
    return True


def to_string(value: Any) -> str:
    """How a value reads when interpolated into text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        raise ExpressionError("an object or array interpolated into text (use toJSON)")
    return str(value)


def _contains(search: Any, item: Any) -> bool:
    if isinstance(search, list):
        return any(_equal(element, item) for element in search)
    return to_string(item).casefold() in to_string(search).casefold()


def _starts_with(search: Any, value: Any) -> bool:
    return to_string(search).casefold().startswith(to_string(value).casefold())


_FUNCTIONS = {"contains": (2, _contains), "startswith": (2, _starts_with)}
# The status check functions of a step's `if:`; the job's status so far is read from the
# contexts under JOB_STATUS (`success` or `failure`; no run here is ever cancelled).
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")
JOB_STATUS = "__job_status__"


class _Parser:
    def __init__(self, text: str, contexts: Mapping[str, Any]) -> None:
        self.text = text.strip()
        self.tokens = _tokens(text)
        self.pos = 0
        self.contexts = contexts

    def fail(self, why: str) -> ExpressionError:
        return ExpressionError(f"{why} in {self.text!r}")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (op is not None and token != ("op", op)):
            raise self.fail(f"expected {op or 'more'}")
        self.pos += 1
        return token

    def at(self, op: str) -> bool:
        return self.peek() == ("op", op)

    def parse(self) -> Any:
        if not self.tokens:
            raise self.fail("empty expression")
        value = self.or_()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.at("||"):
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.equality()
        while self.at("&&"):
            self.take()
            right = self.equality()
            value = right if truthy(value) else value
        return value

    def equality(self) -> Any:
        value = self.unary()
        while self.at("==") or self.at("!="):
            op = self.take()[1]
            right = self.unary()
            value = _equal(value, right) == (op == "==")
        return value

    def unary(self) -> Any:
        if self.at("!"):
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            number = float(int(text, 16)) if "x" in text.lower() else float(text)
            return int(number) if number.is_integer() else number
        if (kind, text) == ("op", "("):
            value = self.or_()
            self.take(")")
            return value
        if kind != "ident":
            raise self.fail(f"unexpected {text!r}")
        if text in {"true", "false"}:
            return text == "true"
        if text == "null":
            return None
        if self.at("("):
            return self.call(text)
        if text not in self.contexts:
            raise self.fail(f"unknown context {text!r}")
        return self.properties(self.contexts[text], text)

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        if not self.at(")"):
            args.append(self.or_())
            while self.at(","):
                self.take()
                args.append(self.or_())
        self.take(")")
        if name.lower() in STATUS_FUNCTIONS:
            if args:
                raise self.fail(f"{name}() takes no arguments")
            status = self.contexts.get(JOB_STATUS, "success")
            return {"success": status == "success", "failure": status == "failure",
                    "always": True, "cancelled": False}[name.lower()]  # fmt: skip
        if name.lower() not in _FUNCTIONS:
            raise self.fail(f"function {name}() is not supported by this evaluator")
        arity, function = _FUNCTIONS[name.lower()]
        if len(args) != arity:
            raise self.fail(f"{name}() takes {arity} arguments")
        return function(*args)

    def properties(self, value: Any, path: str) -> Any:
        while self.at(".") or self.at("["):
            if self.take()[1] == ".":
                kind, key = self.take()
                if kind != "ident":
                    raise self.fail(f"expected a property name after {path}.")
            else:
                key = self.or_()
                self.take("]")
                if not isinstance(key, str):
                    raise self.fail(f"index {key!r} of {path} (only property names)")
            value = self.member(value, key, path)
            path = f"{path}.{key}"
        return value

    def member(self, value: Any, key: str, path: str) -> Any:
        if isinstance(value, Mapping):
            for name, item in value.items():
                if name.lower() == key.lower():  # property names are case-insensitive
                    return (
                        Open(item) if isinstance(value, Open) and isinstance(item, dict) else item
                    )
            if isinstance(value, Open):
                return None
            raise self.fail(f"{path} has no property {key!r}")
        if value is None:
            return None  # a property of null is null (under an Open payload)
        raise self.fail(f"{path} is not an object")


def evaluate(expression: str, contexts: Mapping[str, Any]) -> Any:
    """The value of one expression (the text inside `${{ }}`)."""
    return _Parser(expression, contexts).parse()


def interpolate(text: str, contexts: Mapping[str, Any]) -> str:
    """`text` with every `${{ expression }}` replaced by its value as a string."""
    return _EMBEDDED.sub(lambda m: to_string(evaluate(m.group(1), contexts)), text)


def condition(text: str | bool | None, contexts: Mapping[str, Any]) -> bool:
    """An `if:` value: an expression with or without `${{ }}` around it."""
    if text is None:
        return True
    if isinstance(text, bool):
        return text
    stripped = str(text).strip()
    whole = _EMBEDDED.fullmatch(stripped)
    return truthy(evaluate(whole.group(1) if whole else stripped, contexts))
