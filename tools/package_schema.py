"""Write the component package's schema (schema/package.schema.json), offline.

Runs the Pulumi SDK's analyzer, the one ``component_provider_host`` runs when
``pulumi package add ./components`` starts the provider, over every component
``components/__init__.py`` exports. ``--check`` exits 1 when the committed file is stale.

The analyzer reads annotations as objects: a module defining components or their args
must not use ``from __future__ import annotations`` (it turns them into strings), and
every annotation must be one the analyzer maps (str, int, float, bool, list, dict with
str keys, Optional, NotRequired, pulumi.Input/Output, a TypedDict, an Enum; not
``object`` nor ``Literal``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import typing
from pathlib import Path
from typing import Any, ForwardRef

import pulumi
from pulumi.provider.experimental.analyzer import Analyzer, is_input, unwrap_input
from pulumi.provider.experimental.schema import generate_schema

from components.__main__ import PACKAGE, VERSION, exported_components

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "schema" / "package.schema.json"
_BASES = (object, pulumi.Resource, pulumi.ComponentResource)


class PackageSchemaError(Exception):
    """A component the analyzer cannot read, with what to change."""


def _unreadable(annotation: Any, seen: set[int]) -> str | None:
    """The first annotation inside ``annotation`` that is a string, not an object."""
    if isinstance(annotation, (str, ForwardRef)):
        return annotation if isinstance(annotation, str) else annotation.__forward_arg__
    if id(annotation) in seen:
        return None
    seen.add(id(annotation))
    if is_input(annotation):  # pulumi.Input's own Union holds a ForwardRef: look inside only
        return _unreadable(unwrap_input(annotation), seen)
    if typing.is_typeddict(annotation):
        for value in inspect.get_annotations(annotation).values():
            found = _unreadable(value, seen)
            if found is not None:
                return found
    for arg in typing.get_args(annotation):
        found = _unreadable(arg, seen)
        if found is not None:
            return found
    return None


def check_annotations(component: type[pulumi.ComponentResource]) -> None:
    """Fail with what to change when the analyzer would see strings instead of types."""
    where = f"{component.__module__}.{component.__name__}"
    args = inspect.get_annotations(component.__init__).get("args")
    if args is None:
        raise PackageSchemaError(
            f"{where}: __init__ needs a parameter named 'args' annotated with its TypedDict"
        )
    annotations = [args]
    for cls in component.__mro__:
        if cls not in _BASES:
            annotations += [
                v for k, v in inspect.get_annotations(cls).items() if not k.startswith("_")
            ]
    seen: set[int] = set()
    for annotation in annotations:
        found = _unreadable(annotation, seen)
        if found is not None:
            raise PackageSchemaError(
                f"{where}: the annotation {found!r} is a string, which the SDK's analyzer cannot"
                " read; remove `from __future__ import annotations` from the modules defining"
                " the component and its args, and quote no type inside them"
            )


def package_schema() -> dict[str, Any]:
    """The package schema the component host serves, as JSON data."""
    components = exported_components()
    for component in components:
        check_annotations(component)
    try:
        result = Analyzer(PACKAGE).analyze(components)
    except Exception as error:
        raise PackageSchemaError(
            f"the SDK's analyzer failed: {error}. Annotate with str, int, float, bool, list[...],"
            " dict[str, ...], NotRequired[...], pulumi.Input[...]/Output[...], a TypedDict or an"
            " Enum (not object, not Literal)"
        ) from None
    dependencies = sorted(result["dependencies"], key=lambda d: f"{d.name}{d.version}")
    schema = generate_schema(
        PACKAGE,
        VERSION,
        None,
        result["component_definitions"],
        result["type_definitions"],
        dependencies,
    )
    return schema.to_json()


def schema_text() -> str:
    return json.dumps(package_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    try:
        text = schema_text()
    except PackageSchemaError as error:
        print(f"package-schema: {error}", file=sys.stderr)
        return 2
    if args.check:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is stale: run `make package-schema`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
