"""The component package: schema inferred offline, committed, and used by examples/yaml."""

from __future__ import annotations

import inspect
import json
import re
import typing
from typing import Any

import pulumi
import pytest
import yaml
from conftest import ROOT
from pulumi.provider.experimental.component import ComponentProvider

import components
from components.__main__ import PACKAGE, VERSION, exported_components
from tools.mock_engine import run_program
from tools.package_schema import (
    SCHEMA_PATH,
    PackageSchemaError,
    check_annotations,
    package_schema,
    schema_text,
)

EXAMPLE = ROOT / "examples/yaml/Pulumi.yaml"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return package_schema()


def token(component: type) -> str:
    return f"{PACKAGE}:index:{component.__name__}"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def unwrap(annotation: Any) -> Any:
    """The value type under NotRequired / pulumi.Input / pulumi.Output / Optional."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.NotRequired, typing.Required):
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Union:  # pulumi.Input[T] and Optional[T]
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin is pulumi.Output:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def expected_type(annotation: Any) -> dict[str, str]:
    """How the schema must spell a Python annotation (independent of the SDK's analyzer)."""
    value = unwrap(annotation)
    if typing.is_typeddict(value):
        return {"$ref": f"#/types/{PACKAGE}:index:{value.__name__}"}
    origin = typing.get_origin(value) or value
    names = {str: "string", bool: "boolean", int: "integer", float: "number"}
    names.update({list: "array", dict: "object"})
    return {"type": names[origin]}


def outputs_of(component: type) -> dict[str, Any]:
    return {
        k: v
        for k, v in inspect.get_annotations(component).items()
        if not k.startswith("_") and typing.get_origin(v) is pulumi.Output
    }


# --- the schema -----------------------------------------------------------------------


def test_every_exported_component_is_in_the_schema(schema: dict[str, Any]) -> None:
    exported = exported_components()
    assert {c.__name__ for c in exported} >= {
        "NpmPublishing",
        "OrgPublishing",
        "PublishingRepository",
    }
    assert all(c.__name__ in components.__all__ for c in exported)
    assert set(schema["resources"]) == {token(c) for c in exported}
    assert schema["name"] == PACKAGE and schema["version"] == VERSION
    for component in exported:
        resource = schema["resources"][token(component)]
        assert resource["isComponent"] is True
        assert resource["description"] == (component.__doc__ or "").strip()


def test_inputs_outputs_types_and_descriptions(schema: dict[str, Any]) -> None:
    for component in exported_components():
        resource = schema["resources"][token(component)]
        args = inspect.get_annotations(component.__init__)["args"]
        fields = dict(args.__annotations__)
        where = component.__name__
        assert set(resource["inputProperties"]) == {camel(k) for k in fields}, where
        assert set(resource.get("requiredInputs", [])) == {
            camel(k) for k in args.__required_keys__
        }, where
        for name, annotation in fields.items():
            prop = resource["inputProperties"][camel(name)]
            assert prop.get("description"), f"{where}.{name} has no description"
            assert {k: prop[k] for k in expected_type(annotation)} == expected_type(annotation)
        outputs = outputs_of(component)
        assert outputs, f"{where} declares no pulumi.Output attributes"
        assert set(resource["properties"]) == {camel(k) for k in outputs}, where
        for name, annotation in outputs.items():
            prop = resource["properties"][camel(name)]
            assert prop.get("description"), f"{where}.{name} (output) has no description"
            assert {k: prop[k] for k in expected_type(annotation)} == expected_type(annotation)
    for name, type_ in schema.get("types", {}).items():
        assert type_.get("description"), f"{name} has no description"
        for prop_name, prop in type_["properties"].items():
            assert prop.get("description"), f"{name}.{prop_name} has no description"


def test_known_inputs_keep_their_types(schema: dict[str, Any]) -> None:
    repo = schema["resources"][f"{PACKAGE}:index:PublishingRepository"]["inputProperties"]
    assert repo["adopt"]["type"] == "boolean"
    assert repo["npm"]["$ref"] == f"#/types/{PACKAGE}:index:NpmSettingsArgs"
    npm = schema["resources"][f"{PACKAGE}:index:NpmPublishing"]["inputProperties"]
    assert npm["releaseTypes"]["type"] == "array"
    assert npm["releaseTypes"]["items"]["type"] == "string"
    settings = schema["types"][f"{PACKAGE}:index:NpmSettingsArgs"]
    assert set(settings["properties"]) >= {"package", "nodeVersion", "testCommand"}


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.exists(), "run `make package-schema` and commit schema/package.schema.json"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "schema/package.schema.json is stale: run `make package-schema`"
    )


def test_the_host_serves_the_same_schema(schema: dict[str, Any]) -> None:
    provider = ComponentProvider(exported_components(), PACKAGE, None, VERSION)
    assert json.loads(provider.schema or "{}") == schema


def test_string_annotations_are_named_with_the_fix() -> None:
    class Broken(pulumi.ComponentResource):
        def __init__(self, name: str, args: BrokenArgs, opts: None = None) -> None: ...  # noqa: F821

    with pytest.raises(PackageSchemaError) as error:
        check_annotations(Broken)
    assert str(error.value) == (
        f"{__name__}.Broken: the annotation 'BrokenArgs' is a string, which the SDK's analyzer"
        " cannot read; remove `from __future__ import annotations` from the modules defining"
        " the component and its args, and quote no type inside them"
    )


# --- examples/yaml --------------------------------------------------------------------


def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _check_properties(
    schema: dict[str, Any], where: str, props: dict[str, Any], spec: dict[str, Any]
) -> list[str]:
    problems = []
    for key, value in props.items():
        prop = spec.get(key)
        if prop is None:
            problems.append(f"{where}.{key}: no such property (have {sorted(spec)})")
        elif "$ref" in prop and isinstance(value, dict):
            ref = prop["$ref"].removeprefix("#/types/")
            problems += _check_properties(
                schema, f"{where}.{key}", value, schema["types"][ref]["properties"]
            )
        elif prop.get("type") == "array" and not isinstance(value, list):
            problems.append(f"{where}.{key}: expected a list")
        elif prop.get("type") == "boolean" and not isinstance(value, bool):
            problems.append(f"{where}.{key}: expected true or false")
    return problems


def test_yaml_example_uses_only_types_and_properties_of_the_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    program = example()
    assert program["runtime"] == "yaml"
    assert (EXAMPLE.parent / program["packages"][PACKAGE] / "PulumiPlugin.yaml").exists()
    problems: list[str] = []
    used = set()
    for name, resource in program["resources"].items():
        type_ = resource["type"]
        parts = type_.split(":")
        full = f"{parts[0]}:index:{parts[-1]}" if len(parts) == 2 else type_
        if parts[0] != PACKAGE:
            continue
        used.add(full)
        spec = schema["resources"].get(full)
        if spec is None:
            problems.append(f"{name}: no type {type_} in the schema")
            continue
        props = resource.get("properties") or {}
        missing = set(spec.get("requiredInputs", [])) - set(props)
        problems += [f"{name}: required input {m} is missing" for m in sorted(missing)]
        problems += _check_properties(schema, name, props, spec["inputProperties"])
    types = {n: program["resources"][n]["type"] for n in program["resources"]}
    for output in program["outputs"].values():
        for resource_name, prop in re.findall(r"\$\{([\w-]+)\.(\w+)\}", str(output)):
            full = types[resource_name].replace(f"{PACKAGE}:", f"{PACKAGE}:index:", 1)
            if ":index:index:" in full:
                full = full.replace(":index:index:", ":index:")
            if prop not in schema["resources"][full]["properties"]:
                problems.append(f"outputs: {resource_name} has no output {prop}")
    assert problems == []
    assert len(used) >= 2


def test_yaml_example_runs_through_the_components() -> None:
    """Its properties, mapped to Python names, make the components register resources."""
    program = example()
    owner = program["config"]["owner"]["default"]
    by_name = {c.__name__: c for c in exported_components()}

    def python_args(value: Any) -> Any:
        if isinstance(value, dict):
            return {snake(k): python_args(v) for k, v in value.items()}
        return owner if value == "${owner}" else value

    def body() -> None:
        for name, resource in program["resources"].items():
            component = by_name[resource["type"].split(":")[-1]]
            component(name, python_args(resource["properties"]))

    recorded = run_program(body, {})
    files = [r for r in recorded.registrations if r.type.endswith("RepositoryFile")]
    assert sorted(r.plain_inputs["repository"] for r in files) == [
        "gadgets-js",
        "widgets",
        "widgets-java",
    ]
