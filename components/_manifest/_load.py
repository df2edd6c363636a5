"""Reading ``publishing.yaml``: YAML with line numbers, the issue messages, and
:func:`parse_manifest` / :func:`load_manifest`.

Each error names the file, the line, the key path (``repositories[3].npm.package``) and
what is expected; all errors of a manifest are reported together.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarfloat import ScalarFloat

from .._core._errors import MAX_ISSUES, ConfigError, ManifestError, ManifestIssue
from .._core._fields import Loc, YamlFloat, control_problem, excerpt, yaml_text
from .._core._spec import OrgSpec
from ._document import Manifest, _resolve
from ._read import load_yaml, manifest_name, read_manifest_text
from ._repository import Repository, RepositoryDefaults

if typing.TYPE_CHECKING:
    from .._registry import Ecosystem


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's mark of a mapping key's own error
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(tree: object, loc: Loc) -> int | None:
    """1-based line of the deepest node of ``loc`` present in the YAML tree."""
    line: int | None = None
    node = tree
    for part in loc:
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    if line is None and isinstance(tree, (CommentedMap, CommentedSeq)):
        line = tree.lc.line + 1
    return line


_FLOATS = RoundTripRepresenter()


def _plain(node: object) -> object:
    """ruamel's round-trip nodes as plain Python values."""
    if isinstance(node, Mapping):
        return {str(k) if isinstance(k, str) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, ScalarFloat):
        return YamlFloat(node, _FLOATS.represent_scalar_float(node).value)
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)  # type: ignore[call-arg]
    return node


def _submodel(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _model_at(loc: Loc) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Manifest
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _submodel(field.annotation) if field is not None else None
    return model


_TYPE_NAMES = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
}


# Booleans of YAML 1.1 that YAML 1.2 (and so ghpublish) reads as strings.
_YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})


def _describe(value: object) -> str:
    kind = {
        dict: "a mapping",
        list: "a list",
        bool: "a boolean",
        str: "a string",
        int: "a whole number",
        float: "a number",
        YamlFloat: "a number",
        type(None): "null",
    }.get(type(value), f"a {type(value).__name__}")
    if value is None or isinstance(value, (dict, list)):
        return kind
    return f"{yaml_text(value)} ({kind})"


# Well-known keys of other tools (GitHub's REST API, safe-settings, Terraform's github
# provider): the ghpublish key that says the same, when the mapping has it.
_FEATURE_KEYS = ("issues", "projects", "wiki", "discussions")


def _foreign_key(key: str, value: object, allowed: list[str]) -> str | None:
    """The hint for another tool's well-known key, or None."""
    if key == "repository" and "defaults" in allowed:
        return (
            "settings every repository gets go under 'defaults' (a safe-settings 'repository'"
            " block), each repository's own under 'repositories'; "
        )
    if key == "private" and "visibility" in allowed:
        visibility = "public" if value is False else "private"
        return f"write 'visibility: {visibility}'; "
    feature = key.removeprefix("has_")
    if key.startswith("has_") and feature in _FEATURE_KEYS and "features" in allowed:
        state = yaml_text(value) if isinstance(value, bool) else "true"
        return f"write 'features: {{{feature}: {state}}}'; "
    return None


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    value = error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(model.model_fields) if model is not None else []
        hint = _foreign_key(str(loc[-1]), value, allowed)
        if hint is None:
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key {loc[-1]!r}; {hint}expected one of: {', '.join(allowed)}"
    if kind in ("model_type", "dict_type") and isinstance(value, bool):
        key = loc[-1] if loc else "the block"
        if value:
            return (
                f"expected a mapping, got true (a boolean); write '{key}: {{}}' for every default"
            )
        return f"expected a mapping, got false (a boolean); remove '{key}' to leave it out"
    if kind == "missing":
        return "is required; add it"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("literal_error", "enum"):
        return f"{yaml_text(value)} is not allowed; expected {error['ctx']['expected']}"
    if kind == "too_short":
        return "is empty; expected at least one item"
    if kind == "bool_type" and str(value).lower() in _YAML11_BOOLEANS:
        return (
            f"expected true or false, got {_describe(value)}; YAML reads only true and false"
            " as booleans"
        )
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {_describe(value)}"
    return f"{error['msg']} (got {_describe(value)})"


def _text(value: str, loc: Loc, problems: list[tuple[Loc, str]]) -> None:
    control = control_problem(value)
    if control is not None:
        problems.append((loc, control))
    elif "${{" in value:
        problems.append(
            (
                loc,
                f"{excerpt(value)} holds '${{{{', which GitHub Actions would evaluate as an"
                " expression; remove it (manifest values are never expressions)",
            )
        )


def _expressions(data: object) -> list[tuple[Loc, str]]:
    """Manifest text never reaches a workflow expression (``${{``) nor holds a control
    character (a newline would end a generated comment): every key and string is checked.
    Each shared (aliased) node is checked once."""
    problems: list[tuple[Loc, str]] = []
    seen: set[int] = set()
    stack: list[tuple[object, Loc]] = [(data, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, (Mapping, list)):
            if id(node) in seen:
                continue
            seen.add(id(node))
        if isinstance(node, Mapping):
            for k, v in node.items():
                if isinstance(k, str):
                    _text(k, (*loc, k), problems)
                stack.append((v, (*loc, str(k))))
        elif isinstance(node, list):
            stack.extend((v, (*loc, i)) for i, v in enumerate(node))
        elif isinstance(node, str):
            _text(node, loc, problems)
    return problems


def _repeated_repositories(tree: CommentedMap) -> list[tuple[Loc, str]]:
    """A repository listed again through an alias: refused before its copies are read."""
    repos = tree.get("repositories")
    if not isinstance(repos, list):
        return []
    first: dict[int, int] = {}
    problems: list[tuple[Loc, str]] = []
    for index, repo in enumerate(repos):
        if isinstance(repo, Mapping):
            earlier = first.setdefault(id(repo), index)
            if earlier != index:
                problems.append(
                    (
                        ("repositories", index),
                        f"is an alias of repositories[{earlier}]; list each repository once",
                    )
                )
    return problems


Problem = tuple[Loc, "str | Mapping[str, Any]"]


def _issues(source: str, tree: object, problems: list[Problem]) -> ManifestError:
    """The first ``MAX_ISSUES`` problems in file order, each worded (only those), and how
    many more there are."""
    placed = sorted(
        ((_line(tree, loc) or 0, _dotted(loc), i) for i, (loc, _) in enumerate(problems)),
    )
    shown = []
    for line, path, i in placed[:MAX_ISSUES]:
        message = problems[i][1]
        text = message if isinstance(message, str) else _message(message)
        shown.append(ManifestIssue(source, line or None, path, text))
    return ManifestError(shown, more=max(0, len(problems) - MAX_ISSUES))


def parse_manifest(text: str, source: str) -> OrgSpec:
    """Validate manifest text; ``source`` names it in messages and file headers."""
    tree = load_yaml(text, source)
    if not isinstance(tree, CommentedMap):
        raise ManifestError(
            [
                ManifestIssue(
                    source,
                    1,
                    "(top level)",
                    f"expected a mapping with keys owner, defaults and repositories, got"
                    f" {_describe(_plain(tree))}",
                )
            ]
        )
    repeated = _repeated_repositories(tree)
    if repeated:
        raise _issues(source, tree, list(repeated))
    data = _plain(tree)
    problems: list[Problem] = list(_expressions(data))
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        # A value with a control character is reported once, by that rule.
        refused = {loc for loc, _ in problems}
        problems += [
            (loc, e)
            for e in exc.errors(include_url=False)
            if (loc := tuple(e["loc"])) not in refused
            and (loc[:-1] not in refused or e["type"] != "extra_forbidden")
        ]
        raise _issues(source, tree, problems) from None
    spec, more = _resolve(manifest, source)
    problems += more
    if problems:
        raise _issues(source, tree, problems)
    return spec


def load_manifest(path: str | Path, source: str | None = None) -> OrgSpec:
    """Read and validate the manifest file at ``path``."""
    name = source if source is not None else str(path)
    manifest_name(path)  # a path generated files could not quote is refused first
    return parse_manifest(read_manifest_text(path, name), name)


def settings_spec(eco: Ecosystem, owner: str, repository: str, settings: Mapping[str, Any]) -> Any:
    """A component's settings of one ecosystem (the keys of its manifest block), checked by
    the manifest's own rules and resolved with its defaults: the same spec the manifest
    gives. Every problem is reported together, by key (``maven.java_version: ...``)."""
    data: dict[str, Any] = {"name": repository, eco.key: dict(settings)}
    if settings.get("visibility") is not None:
        data["visibility"] = settings["visibility"]
    here: Loc = ("repositories", 0)
    try:
        repo = Repository.model_validate(data)
    except ValidationError as exc:
        problems = [
            ((*here, *e["loc"]), _message({**e, "loc": (*here, *e["loc"])}))
            for e in exc.errors(include_url=False)
        ]
    else:
        spec, problems = eco.resolve(owner, repo, RepositoryDefaults(), 0)
        if not problems:
            return spec
    raise ConfigError(
        "; ".join(sorted(f"{_dotted(loc[len(here) :]) or eco.key}: {msg}" for loc, msg in problems))
    )
