"""Stack config as the engine hands it to the program: `Pulumi.yaml`'s declared defaults."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import ROOT

from tools.mock_engine import project_config, run_program

PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))


def test_the_engine_merges_declared_defaults_into_the_stack_config(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: p\nruntime: python\nconfig:\n"
        "  plain: {type: string, default: a}\n"
        "  count: {type: integer, default: 3}\n"
        "  set_by_stack: {type: string, default: b}\n"
        "  other:ns: value-for-every-stack\n",
        encoding="utf-8",
    )
    program = tmp_path / "__main__.py"
    program.write_text(
        "import pulumi\n"
        "c = pulumi.Config()\n"
        "pulumi.export('seen', [c.get('plain'), c.get_int('count'), c.get('set_by_stack'),"
        " pulumi.Config('other').get('ns')])\n",
        encoding="utf-8",
    )
    run = run_program(program, {"p:set_by_stack": "mine"}, project="p")
    assert run.outputs["seen"] == ["a", 3, "mine", "value-for-every-stack"]
    assert project_config(program, {}) == {
        "p:plain": "a",
        "p:count": json.dumps(3),
        "p:set_by_stack": "b",
        "other:ns": "value-for-every-stack",
    }


def test_no_declared_key_is_required() -> None:
    # The engine refuses a stack that lacks a declared project key without a default
    # ("Stack ... is missing configuration value"): every declared key needs one.
    declared = PROJECT["config"]
    assert declared
    assert [key for key, d in declared.items() if "default" not in d and "value" not in d] == []
