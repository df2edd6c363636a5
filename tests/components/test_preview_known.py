"""Known content at preview time: nothing the manifest decides waits for a provider output.

In a real `pulumi preview`, outputs of resources not yet created are unknown. The program
runs here in preview mode with EVERY provider output unknown (ids aside, which the mock
engine always makes up); every managed file's content and every input of every GitHub
resource must still be a known value, so that `pulumi preview --diff` shows real content,
never `[unknown]`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pulumi
import pulumi_docker_build
import pulumi_github as github
import pytest
from conftest import PROGRAM, ROOT, SENTINEL
from pulumi.runtime import rpc

from tools.mock_engine import Run, has_unknowns, run_program

FILE_TYPE = "github:index/repositoryFile:RepositoryFile"
# Inputs that may legitimately wait for another resource: an id GitHub assigns when it
# creates something (never content, never a setting). None so far: add `type: {input}` with
# the reason when a resource must reference another's id.
MAY_BE_UNKNOWN: dict[str, frozenset[str]] = {}


def _classes() -> dict[str, type]:
    """Resource classes of the providers the program uses, by type token."""
    out = {}
    for module in (github, pulumi_docker_build):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            token = getattr(cls, "pulumi_type", None)
            if isinstance(token, str) and issubclass(cls, pulumi.CustomResource):
                out[token] = cls
    return out


CLASSES = _classes()


def _output_names(type_: str) -> set[str]:
    """Every output property of the type, as the engine names them (camelCase)."""
    cls = CLASSES.get(type_)
    if cls is None:
        return set()
    names = set()
    for _, prop in inspect.getmembers(cls, lambda m: isinstance(m, property)):
        name = getattr(prop.fget, "_pulumi_name", None)
        if isinstance(name, str):
            names.add(name)
    return names


def all_unknown(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    """Every output of the resource unknown, its inputs' echoes included."""
    keys = set(args.inputs) | _output_names(args.typ)
    return dict.fromkeys(keys, rpc.UNKNOWN)


def unknown_inputs(run: Run) -> Iterator[str]:
    """`<name>.<input>` of every GitHub resource input (and every file content) not known."""
    for r in run.registrations:
        if not r.custom or r.type.startswith("pulumi:providers:"):
            continue
        allowed = MAY_BE_UNKNOWN.get(r.type, frozenset())
        if r.type == FILE_TYPE and "content" not in r.inputs:
            yield f"{r.name}.content"
        if r.type.startswith("github:"):
            for key, value in sorted(r.inputs.items()):
                if key not in allowed and has_unknowns(value):
                    yield f"{r.name}.{key}"


@pytest.fixture(scope="module")
def preview_run() -> Run:
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    try:
        return run_program(
            PROGRAM,
            {"ghpublish:manifest": "publishing.yaml", "github:token": SENTINEL},
            ["github:token"],
            preview=True,
            outputs=all_unknown,
        )
    finally:
        mp.undo()


def test_outputs_really_are_unknown_in_this_preview(preview_run: Run) -> None:
    # The premise: a program that read a provider output would see it unknown here.
    def program() -> None:
        repo = github.Repository("probe", name="probe")
        pulumi.export("full_name", repo.full_name)
        pulumi.export("name", repo.name)

    run = run_program(program, {}, preview=True, outputs=all_unknown)
    assert isinstance(run.outputs["full_name"], pulumi.output.Unknown)
    assert isinstance(run.outputs["name"], pulumi.output.Unknown)
    assert "fullName" in _output_names("github:index/repository:Repository")


def test_every_file_content_and_setting_is_known(preview_run: Run) -> None:
    files = preview_run.of_type(FILE_TYPE)
    assert len(files) >= 8, "the example manifest commits files to several repositories"
    assert all(isinstance(f.inputs["content"], str) for f in files)
    assert list(unknown_inputs(preview_run)) == []


def test_settings_resources_are_checked(preview_run: Run) -> None:
    # Each GitHub resource type the example declares is covered, settings included.
    types = {r.type for r in preview_run.registrations if r.type.startswith("github:")}
    assert {
        "github:index/repository:Repository",
        "github:index/repositoryEnvironment:RepositoryEnvironment",
        FILE_TYPE,
    } <= types
    repo = next(
        r
        for r in preview_run.of_type("github:index/repository:Repository")
        if r.inputs["name"] == "widgets"
    )
    assert repo.inputs["description"] == "Widgets: the core library"
    assert repo.inputs["visibility"] == "private"


def test_a_file_computed_from_a_provider_output_is_caught() -> None:
    # What the check exists for: content (or a setting) derived from a resource output.
    def program() -> None:
        repo = github.Repository("bad", name="bad")
        github.RepositoryFile(
            "bad-readme",
            repository="bad",
            file="README.md",
            content=repo.html_url.apply(lambda url: f"see {url}\n"),
        )
        github.BranchDefault("bad-branch", repository=repo.name, branch="main")

    run = run_program(program, {}, preview=True, outputs=all_unknown)
    assert sorted(unknown_inputs(run)) == ["bad-branch.repository", "bad-readme.content"]
