"""The workflow model and its one renderer; the pin catalog against the actions' own files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from conftest import shared_or_skip
from ruamel.yaml import YAML

from components._core._catalog import CATALOG, pin
from components._core._errors import WorkflowError
from components._core._rules import parse_workflow
from components._core._workflow import Concurrency, Job, Permission, Step, Workflow, render


def _workflow(**step: object) -> Workflow:
    return Workflow(
        name="W",
        on={"push": {"branches": ["main"]}},
        concurrency=Concurrency("w-${{ github.ref }}"),
        header=("generated",),
        jobs=(
            Job(
                id="a",
                name="A",
                permissions=(
                    Permission("packages", "write", "publish"),
                    Permission("contents", "read", "check out"),
                ),
                steps=(Step(name="s", **step),),  # type: ignore[arg-type]
            ),
        ),
    )


def test_renderer_fixes_key_order_and_comments() -> None:
    text = render(_workflow(uses=pin("actions/checkout"), with_={"persist-credentials": False}))
    lines = text.splitlines()
    assert lines[0] == "# generated"
    top = [line.split(":")[0] for line in lines if line and not line.startswith((" ", "#"))]
    assert top == ["name", "on", "permissions", "concurrency", "jobs"]
    assert "permissions: {}" in lines
    # permissions sorted by scope, each with its reason
    assert "      contents: read  # check out" in lines
    assert "      packages: write  # publish" in lines
    sha = CATALOG["actions/checkout"].sha
    assert f"        uses: actions/checkout@{sha}  # v7.0.1" in lines


def test_renderer_drops_empty_values() -> None:
    text = render(_workflow(run="true", env={}, if_=None))
    assert "env:" not in text and "if:" not in text and "with:" not in text


@pytest.mark.parametrize(
    "word",
    [
        "on",
        "yes",
        "No",
        "null",
        "~",
        "0x1",
        "1_000",
        "12",
        "1.5",
        "true",
        "0o17",
        "1e3",
        "-0o7",
        ".5",
        "+1.",
        "1E-2",
    ],
)
def test_yaml_1_1_special_words_stay_strings(word: str) -> None:
    text = render(_workflow(run=word, env={"V": word}))
    job = yaml.safe_load(text)["jobs"]["a"]  # PyYAML reads YAML 1.1
    assert job["steps"][0]["run"] == word
    assert job["steps"][0]["env"]["V"] == word
    step = YAML(typ="safe").load(text)["jobs"]["a"]["steps"][0]  # ruamel reads YAML 1.2
    assert (step["run"], step["env"]["V"]) == (word, word)


def test_long_lines_and_expressions_are_never_folded() -> None:
    long = "echo " + "x" * 300 + " ${{ github.event.release.tag_name }}"
    text = render(_workflow(run=long))
    assert f"run: {long}" in text


def test_multiline_scripts_are_literal_blocks() -> None:
    text = render(_workflow(run="echo a\necho 'b: c'\n"))
    assert "run: |\n          echo a\n          echo 'b: c'\n" in text


@pytest.mark.parametrize(
    "script",
    [
        "a\nb",
        "a\nb\n",
        "a\nb\n\n",
        " indented\nb\n",
        "tab\there\nb\n",
        "bell\x07\nb\n",
        "é ü\n${{ x }}\n",
        "c1\x87 control\nb\n",  # found by fuzzing: a C1 control in a build argument
        # A line break in YAML 1.1 only (NEL, LS, PS), a BOM: never inside a literal block.
        "nel\x85\nb\n",
        "ls\u2028\nb\n",
        "bom\ufeff\nb\n",
    ],
)
def test_every_multiline_string_reads_back_exactly(script: str) -> None:
    text = render(_workflow(run=script))
    assert yaml.safe_load(text)["jobs"]["a"]["steps"][0]["run"] == script
    # The YAML 1.2 reader the rules and the policy pack use reads it too.
    assert parse_workflow(text).jobs[0].steps[0].run == script


def test_rendering_is_deterministic() -> None:
    assert render(_workflow(run="x")) == render(_workflow(run="x"))


def test_with_key_not_declared_by_the_action_is_refused() -> None:
    with pytest.raises(WorkflowError, match=r"declares no input 'node_version'"):
        Step(name="node", uses=pin("actions/setup-node"), with_={"node_version": "24"})


def test_step_needs_exactly_one_of_uses_and_run() -> None:
    with pytest.raises(WorkflowError, match="set exactly one of 'uses' and 'run'"):
        Step(name="both", uses=pin("actions/checkout"), run="x")
    with pytest.raises(WorkflowError, match="set exactly one of 'uses' and 'run'"):
        Step(name="neither")


def test_job_needs_must_exist() -> None:
    with pytest.raises(WorkflowError, match=r"job 'b' needs unknown jobs \['c'\]"):
        Workflow(name="w", on={}, jobs=(Job(id="b", name="B", needs=("c",), steps=()),))


def test_permission_granted_twice_is_refused() -> None:
    workflow = Workflow(
        name="w",
        on={"push": {}},
        jobs=(
            Job(
                id="a",
                name="A",
                permissions=(
                    Permission("contents", "read", "x"),
                    Permission("contents", "write", "y"),
                ),
                steps=(Step(name="s", run="true"),),
            ),
        ),
    )
    with pytest.raises(WorkflowError, match="permission 'contents' is granted twice"):
        render(workflow)


def test_catalog_is_sorted_and_pins_full_shas() -> None:
    assert list(CATALOG) == sorted(CATALOG)
    for action, entry in CATALOG.items():
        assert entry.action == action
        assert len(entry.sha) == 40 and all(c in "0123456789abcdef" for c in entry.sha)
        assert entry.version.startswith("v")


# Actions the shared pin list lacks (none of its actions moves a file from one job to another),
# recorded from the actions' own repositories: release tag, commit and declared inputs.
FETCHED = Path(__file__).parents[1] / "fixtures" / "action-pins-fetched.tsv"


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return {row["# action"]: row for row in csv.DictReader(f, delimiter="\t")}


def test_catalog_matches_the_current_release_pins() -> None:
    shared = shared_or_skip()
    rows = {**_rows(FETCHED), **_rows(shared / "action-pins.tsv")}
    for action, entry in CATALOG.items():
        assert action in rows, f"{action} is not in action-pins.tsv nor {FETCHED.name}"
        assert (entry.version, entry.sha) == (rows[action]["version"], rows[action]["commit"])


def test_catalog_inputs_are_those_the_pinned_actions_declare() -> None:
    shared = shared_or_skip()
    fetched = _rows(FETCHED)
    for action, entry in CATALOG.items():
        if action in fetched:
            assert entry.inputs == frozenset(fetched[action]["inputs"].split()), action
            continue
        declared = yaml.safe_load(
            (shared / "actions" / action / entry.version / "action.yml").read_text(encoding="utf-8")
        )
        assert entry.inputs == frozenset(declared.get("inputs") or {}), action
