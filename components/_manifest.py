"""Reading and validating ``publishing.yaml`` into the resolved :class:`OrgSpec`.

All validation and every manifest error live here. Each error names the file,
the line, the key path (``repositories[3].npm.package``) and what is expected;
all errors of a manifest are reported together.
"""

from __future__ import annotations

__all__ = ["Manifest", "load_manifest", "manifest_json_schema", "parse_manifest"]

import difflib
import re
import shlex
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ._errors import ManifestError, ManifestIssue
from ._spec import NODE_LTS, ContainerSpec, NpmSpec, OrgSpec, RepositorySpec

# ---------------------------------------------------------------------------
# Field rules, each with a message that quotes the value and says how to fix it.

_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_NPM_NAME = re.compile(r"@[a-z0-9-~][a-z0-9-._~]*/[a-z0-9-~][a-z0-9-._~]*")
_NODE = re.compile(r"\d+(?:\.\d+){0,2}|lts/\*|lts/[a-z]+")
_SHELL_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ">", ">>", "<", "<<", "(", ")"})
_SHELL_SPECIAL = re.compile(r"[`$]")
RELEASE_TYPES = ("created", "published", "released", "prereleased")


def _login(value: str) -> str:
    if not _LOGIN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a GitHub login; expected 1 to 39 letters, digits or single"
            " hyphens, not starting or ending with a hyphen"
        )
    return value


def _repo_name(value: str) -> str:
    if not _REPO.fullmatch(value) or value in {".", ".."} or value.lower().endswith(".git"):
        raise ValueError(
            f"{value!r} is not a repository name GitHub accepts; expected 1 to 100 letters,"
            " digits, '.', '-' or '_', not '.' or '..' and not ending in '.git'"
        )
    return value


def _branch(value: str) -> str:
    bad = (
        not value
        or len(value) > 255
        or not re.fullmatch(r"[A-Za-z0-9._/-]+", value)
        or value.startswith(("-", "/", "."))
        or value.endswith(("/", ".", ".lock"))
        or ".." in value
        or "//" in value
        or "/." in value
    )
    if bad:
        raise ValueError(
            f"{value!r} is not a valid branch name; expected letters, digits, '.', '-', '_'"
            " and '/' as git allows them, such as 'main'"
        )
    return value


def _description(value: str) -> str:
    if len(value) > 350 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(
            f"{value[:40]!r}… is not a description GitHub accepts; expected one line of at"
            " most 350 characters"
            if len(value) > 40
            else f"{value!r} is not a description GitHub accepts; expected one line of at most"
            " 350 characters"
        )
    return value


def _npm_package(value: str) -> str:
    if len(value) > 214 or not _NPM_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a scoped npm package name; expected '@<owner>/<name>' in"
            " lowercase letters, digits, '-', '.', '_' or '~'"
        )
    return value


def _node_version(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _NODE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Node.js version; expected a version such as '24' or '24.11'"
            " or an alias such as 'lts/*'"
        )
    return value


def _command(value: str) -> tuple[str, ...]:
    try:
        argv = tuple(shlex.split(value))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a command line ({exc}); close its quotes") from None
    if not argv:
        raise ValueError(f"{value!r} is empty; expected a command such as 'npm test'")
    operators = [word for word in argv if word in _SHELL_OPERATORS]
    if operators or "\n" in value or any(_SHELL_SPECIAL.search(word) for word in argv):
        raise ValueError(
            f"{value!r} is not a single command (shell syntax is not run, every word is"
            " quoted); put the steps in a package.json script and name it, such as"
            " 'npm run ci-test'"
        )
    return argv


Login = Annotated[str, AfterValidator(_login)]
RepoName = Annotated[str, AfterValidator(_repo_name)]
Branch = Annotated[str, AfterValidator(_branch)]
Description = Annotated[str, AfterValidator(_description)]
NpmPackage = Annotated[str, AfterValidator(_npm_package)]
NodeVersion = Annotated[str, BeforeValidator(_node_version)]


def _check_command(value: str) -> str:
    _command(value)
    return value


Command = Annotated[str, AfterValidator(_check_command)]
ReleaseType = Literal["created", "published", "released", "prereleased"]


def _enabled_shorthand(value: object) -> object:
    """``npm: false`` turns off a block that ``defaults`` turns on."""
    return {"enabled": False} if value is False else value


# ---------------------------------------------------------------------------
# The manifest's models: every key optional but `name`, so that defaults can
# supply it; built-in defaults are applied when a repository is resolved.


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NpmDefaults(_Block):
    """npm publishing settings every repository inherits."""

    enabled: bool | None = Field(
        None, description="false turns off npm publishing that defaults turn on."
    )
    node_version: NodeVersion | None = Field(
        None, description=f"Node.js version for setup-node (default {NODE_LTS}, the LTS)."
    )
    install_command: Command | None = Field(
        None, description="Installs dependencies (default 'npm ci'); one command, no shell."
    )
    test_command: Command | None = Field(
        None, description="Runs the tests (default 'npm test'); one command, no shell."
    )
    release_types: list[ReleaseType] | None = Field(
        None, min_length=1, description="Release events that publish (default [published])."
    )


class Npm(NpmDefaults):
    """Publish an npm package to GitHub Packages when a release is made."""

    package: NpmPackage | None = Field(
        None, description="Package name, '@<owner>/<name>' (default from the repository name)."
    )


class RepositoryDefaults(_Block):
    """Values every repository inherits unless it sets its own."""

    description: Description | None = Field(None, description="One-line description.")
    visibility: Literal["public", "private", "internal"] | None = Field(
        None, description="Repository visibility (default private)."
    )
    default_branch: Branch | None = Field(
        None, description="Branch the managed files are committed to (default main)."
    )
    adopt: bool | None = Field(
        None,
        description="The repository exists already: import it, never create it (default false).",
    )
    npm: Annotated[NpmDefaults | None, BeforeValidator(_enabled_shorthand)] = None
    container: dict[str, Any] | None = Field(
        None, description="Container image publishing (settings come with the container work)."
    )


class Repository(RepositoryDefaults):
    """One repository of the owner, managed by ghpublish."""

    name: RepoName = Field(description="Repository name on GitHub.")
    npm: Annotated[Npm | None, BeforeValidator(_enabled_shorthand)] = None


class Manifest(_Block):
    """publishing.yaml: how every repository of one GitHub owner tests and publishes."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, title="ghpublish manifest")

    owner: Login = Field(description="Organization or user login that owns the repositories.")
    defaults: RepositoryDefaults = Field(
        default_factory=RepositoryDefaults,
        description="Values every repository inherits; nested blocks merge key by key.",
    )
    repositories: list[Repository] = Field(description="The managed repositories.")


def manifest_json_schema() -> dict[str, Any]:
    """The manifest's JSON Schema, for editors (committed as schema/publishing.schema.json)."""
    return Manifest.model_json_schema(mode="validation")


# ---------------------------------------------------------------------------
# Reading YAML with line numbers.

Loc = tuple[str | int, ...]


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
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


def _plain(node: object) -> object:
    """ruamel's round-trip nodes as plain Python values."""
    if isinstance(node, Mapping):
        return {str(k) if isinstance(k, str) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
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


def _describe(value: object) -> str:
    kind = {
        dict: "a mapping",
        list: "a list",
        bool: "a boolean",
        str: "a string",
        int: "a whole number",
        float: "a number",
        type(None): "null",
    }.get(type(value), f"a {type(value).__name__}")
    return f"{value!r} ({kind})" if not isinstance(value, (dict, list)) else kind


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    value = error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key {loc[-1]!r}; {hint}expected one of: {', '.join(allowed)}"
    if kind == "missing":
        return "is required; add it"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("literal_error", "enum"):
        return f"{value!r} is not allowed; expected {error['ctx']['expected']}"
    if kind == "too_short":
        return "is empty; expected at least one item"
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {_describe(value)}"
    return f"{error['msg']} (got {_describe(value)})"


# ---------------------------------------------------------------------------
# Resolving: defaults merged key by key, built-in defaults applied, cross-checks.

_BUILTIN = {
    "description": "",
    "visibility": "private",
    "default_branch": "main",
    "adopt": False,
}


def _pick(field: str, own: BaseModel | None, inherited: BaseModel | None) -> Any:
    for block in (own, inherited):
        if block is not None and field in block.model_fields_set:
            value = getattr(block, field)
            if value is not None:
                return value
    return None


def _resolve_npm(
    owner: str, repo: Repository, defaults: RepositoryDefaults, index: int
) -> tuple[NpmSpec | None, list[tuple[Loc, str]]]:
    own, inherited = repo.npm, defaults.npm
    if own is None and inherited is None:
        return None, []
    if _pick("enabled", own, inherited) is False:
        return None, []
    scope = f"@{owner.lower()}"
    package = own.package if own is not None else None
    loc: Loc = ("repositories", index, "npm", "package")
    problems: list[tuple[Loc, str]] = []
    if package is None:
        package = f"{scope}/{repo.name.lower()}"
        try:
            _npm_package(package)
        except ValueError:
            problems.append(
                (
                    ("repositories", index, "npm"),
                    f"the default package name {package!r} is not a valid npm name; set"
                    " npm.package to a name such as"
                    f" '{scope}/{re.sub(r'^[._]+', '', repo.name.lower()) or 'package'}'",
                )
            )
    elif package.split("/", 1)[0] != scope:
        problems.append(
            (
                loc,
                f"{package!r} is outside the owner's scope; expected '{scope}/<name>' (GitHub"
                " Packages publishes npm packages only under the owner's scope)",
            )
        )
    release_types = _pick("release_types", own, inherited) or ["published"]
    spec = NpmSpec(
        package=package,
        node_version=_pick("node_version", own, inherited) or NODE_LTS,
        install_command=_command(_pick("install_command", own, inherited) or "npm ci"),
        test_command=_command(_pick("test_command", own, inherited) or "npm test"),
        release_types=tuple(sorted(set(release_types), key=RELEASE_TYPES.index)),
    )
    return spec, problems


def _resolve(manifest: Manifest, source: str) -> tuple[OrgSpec, list[tuple[Loc, str]]]:
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    packages: dict[str, int] = {}
    repos: list[RepositorySpec] = []
    defaults = manifest.defaults
    for index, repo in enumerate(manifest.repositories):
        first = seen.setdefault(repo.name.lower(), index)
        if first != index:
            problems.append(
                (
                    ("repositories", index, "name"),
                    f"{repo.name!r} is already declared at repositories[{first}] (names are"
                    " case-insensitive on GitHub); remove one of them",
                )
            )
        npm, npm_problems = _resolve_npm(manifest.owner, repo, defaults, index)
        problems.extend(npm_problems)
        if npm is not None:
            other = packages.setdefault(npm.package, index)
            if other != index:
                problems.append(
                    (
                        ("repositories", index, "npm", "package"),
                        f"{npm.package!r} is already published by repositories[{other}];"
                        " give each repository its own npm.package",
                    )
                )
        container = _pick("container", repo, defaults)
        values = {k: _pick(k, repo, defaults) for k in _BUILTIN}
        repos.append(
            RepositorySpec(
                owner=manifest.owner,
                name=repo.name,
                description=values["description"] or _BUILTIN["description"],
                visibility=values["visibility"] or _BUILTIN["visibility"],
                default_branch=values["default_branch"] or _BUILTIN["default_branch"],
                adopt=bool(values["adopt"]),
                npm=npm,
                container=(
                    ContainerSpec(tuple(sorted(container.items())))
                    if container is not None
                    else None
                ),
                path=f"repositories[{index}]",
            )
        )
    return OrgSpec(owner=manifest.owner, repositories=tuple(repos), source=source), problems


def _expressions(node: object, loc: Loc) -> list[tuple[Loc, str]]:
    """Manifest text never reaches a workflow expression: refuse ``${{`` anywhere."""
    if isinstance(node, Mapping):
        return [p for k, v in node.items() for p in _expressions(v, (*loc, str(k)))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _expressions(v, (*loc, i))]
    if isinstance(node, str) and "${{" in node:
        return [
            (
                loc,
                f"{node!r} holds '${{{{', which GitHub Actions would evaluate as an expression;"
                " remove it (manifest values are never expressions)",
            )
        ]
    return []


def _issues(source: str, tree: object, problems: list[tuple[Loc, str]]) -> ManifestError:
    return ManifestError(
        [ManifestIssue(source, _line(tree, loc), _dotted(loc), msg) for loc, msg in problems]
    )


_READER = YAML(typ="rt")
_READER.allow_duplicate_keys = False


def parse_manifest(text: str, source: str) -> OrgSpec:
    """Validate manifest text; ``source`` names it in messages and file headers."""
    try:
        tree = _READER.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ManifestError(
            [ManifestIssue(source, line, "(top level)", f"is not valid YAML: {detail}; fix it")]
        ) from None
    except YAMLError as exc:
        raise ManifestError(
            [ManifestIssue(source, None, "(top level)", f"is not valid YAML: {exc}; fix it")]
        ) from None
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
    data = _plain(tree)
    problems = _expressions(data, ())
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems += [(tuple(e["loc"]), _message(e)) for e in exc.errors(include_url=False)]
        raise _issues(source, tree, problems) from None
    spec, more = _resolve(manifest, source)
    problems += more
    if problems:
        raise _issues(source, tree, problems)
    return spec


def load_manifest(path: str | Path, source: str | None = None) -> OrgSpec:
    """Read and validate the manifest file at ``path``."""
    name = source if source is not None else str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            [
                ManifestIssue(
                    name,
                    None,
                    "(file)",
                    "does not exist; create it or point the stack config"
                    " 'ghpublish:manifest' (MANIFEST= for make) at the manifest",
                )
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(
            [ManifestIssue(name, None, "(file)", f"cannot be read ({exc}); fix the file")]
        ) from None
    return parse_manifest(text, name)
