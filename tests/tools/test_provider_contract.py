"""The provider contract: every registration is checked against the pinned providers' schemas.

`schema/provider-contract.json` is derived from the published schemas in
`../shared/data/provider-schema/` (`make contract`); the recording mock engine checks
each registration against it, so every synth of the suite fails on an input a real
provider would refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_docker_build as docker_build
import pulumi_github as github
import pytest
from conftest import EXAMPLE, PROGRAM, ROOT, SENTINEL, shared_or_skip
from hypothesis import given, settings
from test_fuzz import dump, manifests, synthesize

import tools.mock_engine
from tools.contract_check import Contract, ProviderContractError, load
from tools.mock_engine import Run, run_program
from tools.provider_contract import CONTRACT, PROVIDERS, SCHEMAS, derive, render

RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
REPOSITORY = "github:index/repository:Repository"
IMAGE = "docker-build:index:Image"


def violation(program: Callable[[], None], *, preview: bool = False) -> list[str]:
    """The problems the contract check fails the program's run with."""
    with pytest.raises(ProviderContractError) as info:
        run_program(program, {}, preview=preview)
    return str(info.value).splitlines()


# --- the committed contract -------------------------------------------------------------


def test_contract_is_current() -> None:
    schemas = shared_or_skip() / "provider-schema"
    assert schemas == SCHEMAS, "the tool's default is the shared schemas"
    assert CONTRACT.read_text(encoding="utf-8") == render(derive(schemas)), (
        "schema/provider-contract.json is stale: run `make contract`"
    )


def test_contract_is_for_the_pinned_sdks() -> None:
    pins = dict(
        re.findall(
            r"^pulumi[_-](github|docker[_-]build)==(\S+)$",
            (ROOT / "requirements.txt").read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    )
    assert {k.replace("_", "-"): v for k, v in pins.items()} == PROVIDERS
    assert json.loads(CONTRACT.read_text(encoding="utf-8"))["providers"] == PROVIDERS


def test_contract_holds_facts_only() -> None:
    data = json.loads(CONTRACT.read_text(encoding="utf-8"))
    repository = data["resources"][REPOSITORY]
    assert repository["inputs"]["topics"] == ["array", "string"]
    assert "private" in repository["deprecated"]
    assert data["resources"]["github:index/repositoryFile:RepositoryFile"]["required"] == [
        "content",
        "file",
        "repository",
    ]
    platform = data["types"]["docker-build:index:Platform"]
    assert "linux/arm" in platform["enum"] and "linux/arm/v7" not in platform["enum"]
    # The providers' own configuration: the settings the GitHub client is tuned with.
    provider = data["resources"]["pulumi:providers:github"]["inputs"]
    assert {
        "legacyClient": "boolean",
        "cachePath": "string",
        "parallelRequests": "boolean",
        "maxRetries": "integer",
        "retryableErrors": ["array", "integer"],
        "writeDelayMs": "integer",
    }.items() <= provider.items()
    assert "description" not in CONTRACT.read_text(encoding="utf-8").replace(
        '"description":', ""
    ), "no descriptions, only the input named so"


# --- each kind of violation -------------------------------------------------------------


def test_unknown_resource_type() -> None:
    def program() -> None:
        pulumi.CustomResource("github:index/repo:Repo", "r", {"name": "x"})

    assert violation(program) == [
        "github:index/repo:Repo 'r': unknown resource type: not in docker-build 0.0.22,"
        " github 6.15.0"
    ]


def test_component_types_other_than_ours_are_unknown() -> None:
    def program() -> None:
        pulumi.ComponentResource("ghpublish:index:Anything", "ours").register_outputs({})
        pulumi.ComponentResource("acme:index:Thing", "theirs").register_outputs({})

    assert violation(program) == [
        "acme:index:Thing 'theirs': unknown component type (ours are ghpublish:index:*):"
        " not in docker-build 0.0.22, github 6.15.0"
    ]


def test_unknown_input() -> None:
    def program() -> None:
        pulumi.CustomResource(REPOSITORY, "r", {"name": "x", "hasIssue": True})

    assert violation(program) == [
        f"{REPOSITORY} 'r': unknown input 'hasIssue' (did you mean 'hasIssues'?)"
    ]


def test_snake_case_reaches_the_provider_as_the_schema_names_it() -> None:
    # The SDK translates `has_issues` to `hasIssues`; a raw snake_case key is not translated.
    def program() -> None:
        pulumi.CustomResource(REPOSITORY, "r", {"name": "x", "has_issues": True})

    assert violation(program) == [
        f"{REPOSITORY} 'r': unknown input 'has_issues' (did you mean 'hasIssues'?)"
    ]


def test_required_input_missing() -> None:
    def program() -> None:
        pulumi.CustomResource(
            "github:index/repositoryFile:RepositoryFile", "f", {"repository": "r", "file": "a"}
        )

    assert violation(program) == [
        "github:index/repositoryFile:RepositoryFile 'f': required input 'content' is missing"
    ]


def test_required_input_of_a_nested_type_missing() -> None:
    def program() -> None:
        docker_build.Image("i", push=False, context={"named": {}})

    assert violation(program) == [f"{IMAGE} 'i': required input 'context.location' is missing"]


def test_wrong_type() -> None:
    def program() -> None:
        github.Repository("r", name="x", has_issues="yes", topics="a,b")  # type: ignore[arg-type]

    assert violation(program) == [
        f"{REPOSITORY} 'r': input 'hasIssues': expected boolean, got string \"yes\"",
        f"{REPOSITORY} 'r': input 'topics': expected array of string, got string \"a,b\"",
    ]


def test_nested_wrong_type() -> None:
    def program() -> None:
        github.RepositoryRuleset(
            "rs",
            repository="r",
            enforcement="active",
            name="n",
            target="branch",
            rules={
                "deletion": "yes",
                "tag_name_pattern": {"operator": 3, "pattern": "v"},
                "required_status_checks": {
                    "required_checks": [{"context": "ci", "integration_id": 1.5}]
                },
            },  # type: ignore[arg-type]
        )

    assert violation(program) == [
        f"{RULESET} 'rs': input 'rules.deletion': expected boolean, got string \"yes\"",
        f"{RULESET} 'rs': input 'rules.requiredStatusChecks.requiredChecks[0].integrationId':"
        " expected integer, got number 1.5",
        f"{RULESET} 'rs': input 'rules.tagNamePattern.operator': expected string, got number 3",
    ]


def test_object_where_a_named_type_is_expected() -> None:
    def program() -> None:
        docker_build.Image("i", push=False, context="app")  # type: ignore[arg-type]

    assert violation(program) == [
        f"{IMAGE} 'i': input 'context': expected object docker-build:index:BuildContext,"
        ' got string "app"'
    ]


def test_value_outside_an_enum() -> None:
    def program() -> None:
        docker_build.Image(
            "i", push=False, context={"location": "."}, platforms=["linux/arm64", "linux/arm/v7"]
        )

    assert violation(program) == [
        f"{IMAGE} 'i': input 'platforms[1]': expected one of docker-build:index:Platform"
        " (darwin/386, darwin/amd64, darwin/arm, darwin/arm64, dragonfly/amd64, freebsd/386,"
        " freebsd/amd64, freebsd/arm, linux/386, linux/amd64, linux/arm, linux/arm64,"
        " linux/mips64, linux/mips64le, linux/ppc64le, linux/riscv64, linux/s390x, netbsd/386,"
        " netbsd/amd64, netbsd/arm, openbsd/386, openbsd/amd64, openbsd/arm, plan9/386,"
        ' plan9/amd64, solaris/amd64, windows/386, windows/amd64), got string "linux/arm/v7"'
    ]


def test_deprecated_input() -> None:
    def program() -> None:
        github.Repository("r", name="x", private=True)

    assert violation(program) == [
        f"{REPOSITORY} 'r': input 'private' is deprecated by the provider"
    ]


def test_a_secret_is_checked_inside_and_never_printed() -> None:
    def program() -> None:
        docker_build.Image(
            "i",
            push=False,
            context={"location": "."},
            secrets=pulumi.Output.secret({"A": 4242}),  # type: ignore[dict-item]
        )

    assert violation(program) == [
        f"{IMAGE} 'i': input 'secrets[\"A\"]': expected string, got a secret number"
    ]


def test_provider_configuration_is_checked_after_json_decoding() -> None:
    # The SDK sends a provider's non-string settings JSON-encoded ("3", "false", "[500]").
    def program() -> None:
        github.Provider("p", owner="o", max_retries="three", legacy_client=False)  # type: ignore[arg-type]

    assert violation(program) == [
        "pulumi:providers:github 'p': input 'maxRetries': expected integer, got string \"three\""
    ]


def test_ignore_changes_names_inputs() -> None:
    # The SDK translates a plain top-level name (has_issues -> hasIssues) and nothing else:
    # a path the engine cannot match ignores nothing, silently.
    def program() -> None:
        ignore = [
            "has_issues",
            'template["owner"]',
            "topics[*]",
            "templat",
            "security_and_analysis.advanced_security",
            "securityAndAnalysis.advancedSecurity.status",
            "topics.first",
            "name.x",
            "name[",
        ]
        github.Repository("r", name="x", opts=pulumi.ResourceOptions(ignore_changes=ignore))

    assert violation(program) == [
        f"{REPOSITORY} 'r': ignore_changes 'name.x': no 'x' inside a string value",
        f"{REPOSITORY} 'r': ignore_changes 'name[' is not a property path",
        f"{REPOSITORY} 'r': ignore_changes 'security_and_analysis.advanced_security': no input"
        " 'security_and_analysis' there (did you mean 'securityAndAnalysis'?)",
        f"{REPOSITORY} 'r': ignore_changes 'templat': no input 'templat' there (did you mean"
        " 'template'?)",
        f"{REPOSITORY} 'r': ignore_changes 'topics.first': no 'first' inside an array value",
    ]


def test_valid_registrations_pass() -> None:
    def program() -> None:
        provider = github.Provider(
            "p",
            owner="o",
            token=pulumi.Output.secret("t"),
            legacy_client=False,
            cache_path=".cache/github",
            parallel_requests=True,
            max_retries=3,
            retryable_errors=[500, 502],
            write_delay_ms=100,
        )
        opts = pulumi.ResourceOptions(provider=provider)
        ignore = ["description", "has_wiki", "template.owner", "topics[0]"]
        repo = github.Repository(
            "r",
            name="x",
            visibility="private",
            topics=["a"],
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=ignore)),
        )
        github.RepositoryRuleset(
            "rs",
            repository=repo.name,
            enforcement="active",
            name="n",
            target="tag",
            rules={
                "deletion": True,
                "tag_name_pattern": {"operator": "starts_with", "pattern": "v"},
            },
            opts=opts,
        )
        docker_build.Image(
            "i",
            push=True,
            context={"location": "."},
            platforms=[docker_build.Platform.LINUX_AMD64, "linux/arm"],
            registries=[
                {"address": "ghcr.io", "username": "u", "password": pulumi.Output.secret("p")}
            ],
            secrets=pulumi.Output.secret({"A": "b"}),
            labels={"org.opencontainers.image.source": "https://github.com/o/x"},
        )

    run = run_program(program, {})
    assert len([r for r in run.registrations if r.custom]) == 4


def test_unknown_values_during_preview_pass() -> None:
    # In a preview, an output of a resource not yet created is unknown (of any type).
    def program() -> None:
        repo = github.Repository("r", name="x")
        github.RepositoryFile(
            "f", repository=repo.name, file="a", content=repo.full_name.apply(lambda n: n)
        )

    run = run_program(program, {}, preview=True)
    assert [r.name for r in run.registrations if r.custom] == ["r", "f"]


# --- the check is on for every synth ----------------------------------------------------


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every registration the contract check sees, as (type, name)."""
    seen: list[tuple[str, str]] = []
    original = Contract.check

    def spy(self: Contract, type_: str, name: str, inputs: dict[str, Any], **kw: Any) -> None:
        seen.append((type_, name))
        original(self, type_, name, inputs, **kw)

    monkeypatch.setattr(Contract, "check", spy)
    return seen


def _registered(*runs: Run) -> list[tuple[str, str]]:
    """Every registration of the runs, sorted (the SDK registers from several threads)."""
    return sorted((r.type, r.name) for run in runs for r in run.registrations)


def test_the_example_run_is_checked_registration_by_registration(
    checked: list[tuple[str, str]], example_run: Run
) -> None:
    assert example_run.registrations
    assert sorted(checked) == _registered(example_run)


def test_a_fuzzed_manifest_run_is_checked(
    monkeypatch: pytest.MonkeyPatch, checked: list[tuple[str, str]]
) -> None:
    runs: list[Run] = []

    def recording(*args: Any, **kw: Any) -> Run:
        runs.append(run_program(*args, **kw))
        return runs[-1]

    monkeypatch.setattr("test_fuzz.run_program", recording)

    @settings(max_examples=3, derandomize=True, deadline=None, database=None)
    @given(manifests())
    def synthesize_fuzzed(data: dict[str, Any]) -> None:
        synthesize(dump(data))

    synthesize_fuzzed()
    assert len(runs) == 3
    assert sorted(checked) == _registered(*runs)


def test_a_contract_without_an_input_fails_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(CONTRACT.read_text(encoding="utf-8"))
    del data["resources"][REPOSITORY]["inputs"]["visibility"]
    monkeypatch.setattr(tools.mock_engine, "load", lambda: Contract(data))
    monkeypatch.chdir(ROOT)
    # Whichever repository registers first: a created one sends visibility, an adopted one
    # whose entry sets none keeps it (ignore_changes).
    missing = (
        r"(unknown input 'visibility'|ignore_changes 'visibility': no input 'visibility' there)$"
    )
    with pytest.raises(ProviderContractError, match=missing):
        run_program(
            PROGRAM,
            {"ghpublish:manifest": EXAMPLE.name, "github:token": SENTINEL},
            ["github:token"],
        )


def test_the_contract_is_compiled_once() -> None:
    assert load() is load()


def test_synth_stops_on_a_violation_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tools import synth

    data = json.loads(CONTRACT.read_text(encoding="utf-8"))
    del data["resources"][REPOSITORY]["inputs"]["visibility"]
    monkeypatch.setattr(tools.mock_engine, "load", lambda: Contract(data))
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    assert synth.main(["--manifest", EXAMPLE.name, "--out", str(out)]) == 70
    err = capsys.readouterr().err
    assert err.startswith("synth: a provider would refuse what the program registers:\n")
    # Which repository's registration comes first depends on the SDK's threads (a created
    # one sends visibility, an adopted one whose entry sets none keeps it: ignore_changes).
    missing = (
        r"(unknown input 'visibility'|ignore_changes 'visibility': no input 'visibility' there)"
    )
    assert re.search(rf"^{REPOSITORY} 'org-[\w-]+-repository': {missing}$", err, re.M)
    assert not out.exists()
