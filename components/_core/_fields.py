"""Field rules every block shares, the block base model and the merge of defaults.

Each rule's message quotes the value and says how to fix it.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any, Literal, NoReturn, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)

T = TypeVar("T")
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")


_SHELL_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ">", ">>", "<", "<<", "(", ")"})
_SHELL_SPECIAL = re.compile(r"[`$]")
# Words the shell reads as syntax at the start of a command: reserved words and `VAR=value`.
_SHELL_RESERVED = frozenset(
    [
        "!",
        "[[",
        "]]",
        "{",
        "}",
        "case",
        "coproc",
        "do",
        "done",
        "elif",
        "else",
        "esac",
        "fi",
        "for",
        "function",
        "if",
        "in",
        "select",
        "then",
        "time",
        "until",
        "while",
    ]
)
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
RELEASE_TYPES = ("created", "published", "released", "prereleased")


# Characters that change how a generated file reads without showing: C0 and C1 controls
# (a newline ends a comment and starts YAML), line and paragraph separators, bidi controls.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]")
EXCERPT = 80


def excerpt(value: object) -> str:
    """``value`` quoted as Python writes it, cut to ``EXCERPT`` characters plus '…'."""
    if isinstance(value, str) and len(value) > EXCERPT:
        return f"{value[:EXCERPT]!r}…"
    return repr(value)


def control_problem(value: str) -> str | None:
    """Why ``value`` cannot reach a generated file (it holds a control character), or None."""
    found = _CONTROLS.search(value)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "a control character")
    return (
        f"{excerpt(value)} holds U+{ord(char):04X} ({name}), a control character that would"
        " change how the generated files read; remove it"
    )


def no_controls(value: str) -> str:
    """The field rule of every string that reaches a generated file."""
    problem = control_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


class YamlFloat(float):
    """A YAML number as it was written: ``20.10`` reads as 20.1 but remembers "20.10"."""

    text: str

    def __new__(cls, value: float, text: str) -> YamlFloat:
        number = super().__new__(cls, value)
        number.text = text
        return number


def yaml_text(value: object) -> str:
    """A value as YAML writes it: true, null, 20.10, 'text'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, YamlFloat):
        return value.text
    return repr(value)


def _number_version(value: object) -> None:
    """A version YAML read as a number (20.10 is 20.1): say so and say to quote it."""
    if isinstance(value, float):
        text = yaml_text(value)
        read = f" ({text} reads as {value!r})" if text != repr(value) else ""
        raise ValueError(f"{value!r} is a number in YAML{read}; quote the version: '{text}'")


def also_invalid(handler: Callable[[object], T], data: object, problem: str) -> NoReturn:
    """Validate ``data`` and refuse it for ``problem`` too: every error is reported."""
    try:
        handler(data)
    except ValidationError as exc:
        details: list[Any] = [
            {k: e[k] for k in ("type", "loc", "input", "ctx") if k in e} for e in exc.errors()
        ]
        details.append(
            {"type": "value_error", "loc": (), "input": data, "ctx": {"error": ValueError(problem)}}
        )
        raise ValidationError.from_exception_data(exc.title, details) from None
    raise ValueError(problem)


def _full_match(
    pattern: re.Pattern[str], what: str, max_length: int | None = None
) -> Callable[[str], str]:
    """A validator: the value matches ``pattern`` whole (and is at most ``max_length``
    characters long), else "'<value>' is not <what>"."""

    def check(value: str) -> str:
        if (max_length is not None and len(value) > max_length) or not pattern.fullmatch(value):
            raise ValueError(f"{excerpt(value)} is not {what}")
        return value

    return check


_login = _full_match(
    _LOGIN,
    "a GitHub login; expected 1 to 39 letters, digits or single hyphens, not"
    " starting or ending with a hyphen",
)


def _repo_name(value: str) -> str:
    if not _REPO.fullmatch(value) or value in {".", ".."} or value.lower().endswith(".git"):
        raise ValueError(
            f"{excerpt(value)} is not a repository name GitHub accepts; expected 1 to 100 letters,"
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
            f"{excerpt(value)} is not a valid branch name; expected letters, digits, '.', '-', '_'"
            " and '/' as git allows them, such as 'main'"
        )
    return value


def _description(value: str) -> str:
    if len(value) > 350 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(
            f"{value[:40]!r}… is not a description GitHub accepts; expected one line of at"
            " most 350 characters"
            if len(value) > 40
            else f"{excerpt(value)}"
            f" is not a description GitHub accepts; expected one line of at most"
            " 350 characters"
        )
    return value


# Where each ecosystem keeps several steps under one name, for the single-command message.
NPM_STEPS = (
    "npm test",
    "put the steps in a package.json script and name it, such as 'npm run ci-test'",
)


def _command(value: str, steps: tuple[str, str] = NPM_STEPS) -> tuple[str, ...]:
    """One command line as argv; ``steps`` is an example command and where several steps go."""
    example, hint = steps
    no_controls(value)
    try:
        argv = tuple(shlex.split(value))
    except ValueError as exc:
        raise ValueError(
            f"{excerpt(value)} is not a command line ({exc}); close its quotes"
        ) from None
    if not argv:
        raise ValueError(f"{excerpt(value)} is empty; expected a command such as {example!r}")
    operators = [word for word in argv if word in _SHELL_OPERATORS]
    if (
        operators
        or any(_SHELL_SPECIAL.search(word) for word in argv)
        or argv[0] in _SHELL_RESERVED
        or _ASSIGNMENT.match(argv[0])
    ):
        raise ValueError(
            f"{excerpt(value)} is not a single command (shell syntax is not run, every word is"
            f" quoted); {hint}"
        )
    return argv


def version_rule(
    pattern: re.Pattern[str], what: str, expected: str, example: str
) -> Callable[[object], object]:
    """A toolchain version key's check (before type checks): a whole number is read as its
    text, any other YAML number is refused (`21.0` would lose its zero), text must match."""

    def check(value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, float):
            raise ValueError(
                f"{excerpt(value)}"
                f" is a number in YAML; quote the {what} version, such as '{example}'"
            )
        if isinstance(value, str) and not pattern.fullmatch(value):
            raise ValueError(f"{excerpt(value)} is not a {what} version; expected {expected}")
        return value

    return check


def command_rule(steps: tuple[str, str]) -> Any:
    """The type of a command key whose messages name the ecosystem's way to group steps."""

    def check(value: str) -> str:
        _command(value, steps)
        return value

    return Annotated[str, AfterValidator(check)]


_TAG_PATTERN = re.compile(r"[A-Za-z0-9._@+/-]*\*[A-Za-z0-9._@+/-]*")


def _tag_pattern(value: str) -> str:
    bad = (
        not _TAG_PATTERN.fullmatch(value)
        or len(value) > 100
        or value.startswith(("-", "/", ".", "refs/"))
        or value.endswith(("/", ".", ".lock"))
        or ".." in value
        or "//" in value
        or "/." in value
    )
    if bad:
        raise ValueError(
            f"{excerpt(value)} is not a release tag pattern; expected a tag name with one '*'"
            " standing for the version (letters, digits, '.', '-', '_', '@', '+', '/', as git"
            " allows them), such as 'v*', 'release-*', 'widgets@*', 'v*-stable' or 'release/*'"
        )
    return value


def _secret_name(value: str) -> str:
    """The name of a GitHub Actions secret, as GitHub accepts it."""
    if (
        len(value) > 255
        or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value)
        or value.upper().startswith("GITHUB_")
    ):
        raise ValueError(
            f"{excerpt(value)} is not an Actions secret name; expected letters, digits and '_', not"
            " starting with a digit or 'GITHUB_', such as 'REGISTRY_TOKEN'"
        )
    return value


Login = Annotated[str, AfterValidator(_login)]
SecretName = Annotated[str, AfterValidator(_secret_name)]
RepoName = Annotated[str, AfterValidator(_repo_name)]
Branch = Annotated[str, AfterValidator(_branch)]
Description = Annotated[str, AfterValidator(_description)]
TagPattern = Annotated[str, AfterValidator(_tag_pattern)]


def _check_command(value: str) -> str:
    _command(value)
    return value


Command = Annotated[str, AfterValidator(_check_command)]
ReleaseType = Literal["created", "published", "released", "prereleased"]


def _enabled_shorthand(value: object) -> object:
    """``npm: false`` turns off a block that ``defaults`` turns on."""
    return {"enabled": False} if value is False else value


def _repo_path(value: str) -> str:
    parts = value.split("/")
    if (
        not value
        or value.startswith("/")
        or "\\" in value
        or ".." in parts
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        raise ValueError(
            f"{excerpt(value)}"
            f" is not a path inside the repository; expected a relative path with '/'"
            " separators and no '..', such as '.' or 'docker/app'"
        )
    return value


RepoPath = Annotated[str, AfterValidator(_repo_path)]


def _holds_mapping(annotation: object) -> bool:
    """Whether a field's type is a block (a model) or a mapping, optional or not."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    if getattr(annotation, "__origin__", None) is dict:
        return True
    return any(_holds_mapping(arg) for arg in get_args(annotation))


def _null_block(key: str, turns_off: bool) -> str:
    """The message for a mapping block left empty (``npm:``, YAML null)."""
    other = f"`{key}: false` to turn it off" if turns_off else "remove the key"
    return (
        f"is empty (YAML null), which ghpublish would read as if the key were absent; write"
        f" `{key}: {{}}` for the block with every default, or {other}"
    )


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="wrap")
    @classmethod
    def _no_null_blocks(cls, data: object, handler: ModelWrapValidatorHandler[Any]) -> Any:
        # `npm:` with nothing after it is YAML null: read as absent, it would silently
        # publish nothing (or inherit the defaults). A mapping block must be written.
        if not isinstance(data, dict):
            return handler(data)
        fields = cls.model_fields
        nulls = [
            key
            for key, value in data.items()
            if value is None and key in fields and _holds_mapping(fields[key].annotation)
        ]
        if not nulls:
            return handler(data)
        details: list[Any] = []
        try:
            handler({k: v for k, v in data.items() if k not in nulls})
        except ValidationError as exc:
            details = [
                {k: e[k] for k in ("type", "loc", "input", "ctx") if k in e} for e in exc.errors()
            ]
        for key in nulls:
            turns_off = any(
                isinstance(m, BeforeValidator) and m.func is _enabled_shorthand
                for m in fields[key].metadata
            )
            problem = ValueError(_null_block(key, turns_off))
            details.append(
                {"type": "value_error", "loc": (key,), "input": None, "ctx": {"error": problem}}
            )
        raise ValidationError.from_exception_data(cls.__name__, details)


Loc = tuple[str | int, ...]


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
