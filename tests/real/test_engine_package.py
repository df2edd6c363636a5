"""The component package through the real engine: `pulumi package get-schema ./components`.

The CLI `make engine` builds starts components/__main__.py through the Python language host
(RunPlugin) and prints the schema the component provider serves. It must equal the committed
schema/package.schema.json as the CLI reads any schema: the CLI parses it into its Go
`schema.PackageSpec` and prints that again, which (a) writes `config: {}` when there is no
config, (b) leaves out an empty `dependencies`, and (c) has no `description` on a type
nested in `items` / `additionalProperties` (Go's TypeSpec has no such field, so no
consumer of the package ever sees those). Nothing else may differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from realengine import Engine, engine_or_skip

pytestmark = pytest.mark.engine

SCHEMA = ROOT / "schema" / "package.schema.json"


def as_the_cli_prints(value: Any, nested: bool = False) -> Any:
    """``value`` (a package schema) after the CLI's PackageSpec round trip (module doc)."""
    if isinstance(value, dict):
        out = {
            k: as_the_cli_prints(v, nested=k in ("items", "additionalProperties"))
            for k, v in value.items()
            if not (nested and k == "description")
        }
        return out
    if isinstance(value, list):
        return [as_the_cli_prints(v) for v in value]
    return value


def normalized(schema: dict[str, Any]) -> dict[str, Any]:
    out = as_the_cli_prints(schema)
    out.setdefault("config", {})
    if out.get("dependencies") == []:
        del out["dependencies"]
    return out


@pytest.fixture(scope="module")
def engine() -> Engine:
    return engine_or_skip()


def test_get_schema_equals_the_committed_schema(engine: Engine, tmp_path: Path) -> None:
    env = engine.env(tmp_path)
    done = engine.run("package", "get-schema", str(ROOT / "components"), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    served = json.loads(done.stdout)
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert served["name"] == committed["name"] == "ghpublish"
    assert served == normalized(committed)
    # The round trip is all that differs: every resource and input the file declares.
    assert set(served["resources"]) == set(committed["resources"])
    for token, resource in committed["resources"].items():
        assert set(served["resources"][token].get("inputProperties", {})) == set(
            resource.get("inputProperties", {})
        ), token
