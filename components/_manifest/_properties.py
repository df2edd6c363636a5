"""`custom_properties` and `properties`: the organization's custom property schema and each
repository's values, checked against it (defaults merged key by key, the repository's own
value winning)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from .._core._fields import Description, Loc, _Block, _full_match, excerpt, yaml_text
from .._core._spec import CustomPropertySpec, PropertyValueSpec

if TYPE_CHECKING:
    from ._document import Manifest
    from ._repository import Repository, RepositoryDefaults


# GitHub's limits: a property name of at most 75 characters, at most 200 allowed values, at
# most 100 properties per organization. ghpublish names resources after the property, so it
# takes the names without GitHub's `$` and `#`.
_PROPERTY_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}")
MAX_ALLOWED_VALUES = 200
MAX_PROPERTIES = 100
PROPERTY_TYPES = ("string", "single_select", "multi_select", "true_false")
_SELECTS = ("single_select", "multi_select")


_property_name = _full_match(
    _PROPERTY_NAME,
    "a custom property name; expected 1 to 75 letters, digits, '_' or '-', such as 'team'",
)

PropertyName = Annotated[str, AfterValidator(_property_name)]


def _property_value(value: object) -> object:
    """A value is text, true or false (a true_false property), or a list of text (a
    multi_select property); what the property allows is checked against the schema."""
    if isinstance(value, str | bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ValueError(
        f"{yaml_text(value) if not isinstance(value, list) else excerpt(value)} is not a"
        " property value; expected text, true or false, or a list of text (multi_select)"
    )


PropertyValue = Annotated[
    str | bool | list[str],
    BeforeValidator(_property_value, json_schema_input_type=str | bool | list[str]),
]
Properties = dict[PropertyName, PropertyValue]


class CustomProperty(_Block):
    """One custom property of the organization's schema: its type and what it allows."""

    type: Literal["string", "single_select", "multi_select", "true_false"] = Field(
        "string", description="The value's type (default string)."
    )
    allowed_values: list[str] | None = Field(
        None,
        description="The values a single_select or multi_select property allows (required for"
        " them, refused for the others), at most 200.",
    )
    required: bool | None = Field(
        None,
        description="Every managed repository sets a value, its own or defaults.properties'"
        " (default false); GitHub then needs `default` for the organization's other"
        " repositories.",
    )
    default: str | bool | None = Field(
        None,
        description="GitHub's value for a repository that sets none (required with"
        " `required`); one allowed value of a single_select property; none for multi_select"
        " (the provider cannot send one).",
    )
    description: Description | None = Field(
        None, description="A short description of the property."
    )
    adopt: bool | None = Field(
        None,
        description="The property exists on GitHub already: imported, its definition kept as"
        " GitHub has it (GitHub replaces a definition whole, so ghpublish would overwrite what"
        " others set); declare it as it is there (default false).",
    )


CustomProperties = Annotated[dict[PropertyName, CustomProperty], Field(max_length=MAX_PROPERTIES)]


def _text(value: str | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else value


def _resolve_definition(
    name: str, prop: CustomProperty, problems: list[tuple[Loc, str]]
) -> CustomPropertySpec:
    here: Loc = ("custom_properties", name)
    allowed = tuple(prop.allowed_values or ())
    if prop.type in _SELECTS:
        if not allowed:
            problems.append(
                (
                    here,
                    f"a {prop.type} property needs allowed_values; list the values it allows,"
                    " such as [platform, web]",
                )
            )
        elif len(allowed) > MAX_ALLOWED_VALUES:
            problems.append(
                (
                    (*here, "allowed_values"),
                    f"lists {len(allowed)} values; GitHub allows at most {MAX_ALLOWED_VALUES}",
                )
            )
        repeated = sorted({v for v in allowed if allowed.count(v) > 1})
        empty = [i for i, v in enumerate(allowed) if not v]
        for index in empty:
            problems.append(
                ((*here, "allowed_values", index), "'' is not a value; remove the empty value")
            )
        if repeated:
            problems.append(
                (
                    (*here, "allowed_values"),
                    f"lists {', '.join(map(repr, repeated))} more than once; list each value once",
                )
            )
    elif prop.allowed_values is not None:
        problems.append(
            (
                (*here, "allowed_values"),
                f"a {prop.type} property allows no list of values; remove allowed_values or"
                " make the type single_select or multi_select",
            )
        )
    default: str | None = None
    if prop.default is not None and prop.type == "multi_select":
        problems.append(
            (
                (*here, "default"),
                "a multi_select property cannot take a default: terraform-provider-github"
                " v6.13.0 sends a default as one text and GitHub wants a list for multi_select"
                " (integrations/terraform-provider-github#2806); remove it and give every"
                " repository its value in properties",
            )
        )
    elif prop.default is not None:
        problem = _value_problem(prop.type, allowed, prop.default, single=True)
        if problem is not None:
            problems.append(((*here, "default"), problem))
        else:
            default = _text(prop.default)  # type: ignore[arg-type]
    if prop.required and prop.default is None and prop.type == "multi_select":
        problems.append(
            (
                (*here, "required"),
                "a multi_select property cannot be required: GitHub needs a default for a"
                " required property, which the provider cannot send for multi_select"
                " (integrations/terraform-provider-github#2806); remove required and give"
                " every repository its value in properties",
            )
        )
    elif prop.required and prop.default is None:
        problems.append(
            (
                here,
                "a required property needs a default: GitHub gives it to the organization's"
                " repositories that set no value; add `default`",
            )
        )
    return CustomPropertySpec(
        name=name,
        type=prop.type,
        allowed_values=allowed,
        required=prop.required is True,
        default=default,
        description=prop.description,
        adopt=prop.adopt is True,
    )


def _value_problem(
    kind: str, allowed: tuple[str, ...], value: object, single: bool = False
) -> str | None:
    """Why ``value`` is not a value of a property of type ``kind``, or None."""
    if kind == "true_false":
        if isinstance(value, bool) or value in ("true", "false"):
            return None
        return f"{yaml_text(value)} is not a true_false value; expected true or false"
    if isinstance(value, bool):
        text = yaml_text(value)
        return f"{text} is not a {kind} value; expected text (quote it: '{text}')"
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and (single or kind != "multi_select"):
        return f"{excerpt(value)} is a list; a {kind} property takes one value"
    if not values:
        return "[] holds no value; list at least one, or remove the key"
    if "" in values:
        return "'' is not a value; GitHub refuses an empty value"
    if kind in _SELECTS:
        outside = [v for v in values if v not in allowed]
        if outside:
            return (
                f"{', '.join(map(excerpt, outside))} is not an allowed value; expected one of:"
                f" {', '.join(allowed)}"
            )
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            return f"lists {', '.join(map(repr, repeated))} more than once; list each value once"
    return None


def resolve_custom_properties(
    manifest: Manifest, problems: list[tuple[Loc, str]]
) -> tuple[CustomPropertySpec, ...]:
    """The organization's property schema, in manifest order."""
    return tuple(
        _resolve_definition(name, prop, problems)
        for name, prop in (manifest.custom_properties or {}).items()
    )


def _checked(
    where: Loc,
    values: dict[str, object] | None,
    schema: dict[str, CustomPropertySpec],
    problems: list[tuple[Loc, str]],
) -> dict[str, PropertyValueSpec]:
    """The values of one `properties` block that fit the schema; a problem for each other."""
    found: dict[str, PropertyValueSpec] = {}
    for name, value in (values or {}).items():
        prop = schema.get(name)
        if prop is None:
            expected = (
                f"expected one of: {', '.join(schema)}"
                if schema
                else "custom_properties declares none"
            )
            problems.append(
                (
                    (*where, name),
                    f"{name!r} is not a property of custom_properties; declare it there"
                    f" ({expected})",
                )
            )
            continue
        problem = _value_problem(prop.type, prop.allowed_values, value)
        if problem is not None:
            problems.append(((*where, name), problem))
            continue
        texts = value if isinstance(value, list) else [_text(value)]  # type: ignore[arg-type]
        found[name] = PropertyValueSpec(name=name, type=prop.type, values=tuple(texts))
    return found


def resolve_default_properties(
    defaults: RepositoryDefaults,
    custom: tuple[CustomPropertySpec, ...],
    problems: list[tuple[Loc, str]],
) -> dict[str, PropertyValueSpec]:
    """`defaults.properties`, checked once (its problems are reported there)."""
    schema = {p.name: p for p in custom}
    return _checked(("defaults", "properties"), defaults.properties, schema, problems)


def resolve_properties(
    repo: Repository,
    index: int,
    defaults: RepositoryDefaults,
    inherited: dict[str, PropertyValueSpec],
    custom: tuple[CustomPropertySpec, ...],
    problems: list[tuple[Loc, str]],
) -> tuple[PropertyValueSpec, ...]:
    """A repository's values: `defaults.properties` key by key, its own winning; every
    required property set; in the schema's order."""
    schema = {p.name: p for p in custom}
    here: Loc = ("repositories", index)
    own = _checked((*here, "properties"), repo.properties, schema, problems)
    # A key given here or in defaults (even with a value refused there) is not missing.
    given = set(repo.properties or {})
    tried = given | set(defaults.properties or {})
    merged = {**{k: v for k, v in inherited.items() if k not in given}, **own}
    for prop in custom:
        if prop.required and prop.name not in tried:
            problems.append(
                (
                    (*here, "properties") if repo.properties is not None else here,
                    f"sets no value of the required property {prop.name!r}"
                    f" (custom_properties.{prop.name}); set properties.{prop.name} here or in"
                    " defaults.properties",
                )
            )
    return tuple(merged[p.name] for p in custom if p.name in merged)
