"""policy/: each policy with a passing and a failing resource, without the Pulumi CLI.

Resources are registered under the recording mock engine and handed to the policies as
pulumi-policy hands them (`deserialize_properties` of the recorded inputs, secrets kept);
one test goes through the SDK's own analyzer service with a wire request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pulumi_docker_build as docker_build
import pulumi_github as github
import pulumi_policy.policy as sdk
import pytest
import yaml
from conftest import ROOT
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties

from policy.standard import (
    DEFAULT_LEVELS,
    PackSettings,
    PolicySettingsError,
    build_policies,
    keep_secrets_in_analysis,
    settings_from_config,
)
from tools.mock_engine import Registration, Run, run_program

SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"
GOLDEN = ROOT / "tests/golden/Acme-Widgets/widgets/.github/workflows/release-package.yml"
Violations = dict[str, list[str]]


def args_for(reg: Registration, config: Mapping[str, Any] | None = None) -> ResourceValidationArgs:
    """What pulumi-policy builds for a resource (with secrets kept, see keep_secrets_in_analysis)."""
    opts = PolicyResourceOptions(
        protect=reg.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=reg.parent or None,
    )
    props = deserialize_properties(json.loads(json.dumps(reg.inputs)), True)
    return ResourceValidationArgs(reg.type, props, reg.urn, reg.name, opts, None, config)


def check(
    run: Run,
    settings: PackSettings | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> Violations:
    """Policy name → `<resource name>: <message>` for every violation, by resource name."""
    out: Violations = {}
    for policy in build_policies(settings):
        assert isinstance(policy, ResourceValidationPolicy)
        for reg in sorted(run.registrations, key=lambda r: r.name):
            found: list[str] = []
            try:
                policy.validate(
                    args_for(reg, (config or {}).get(policy.name)),
                    lambda msg, urn=None, found=found: found.append(msg),
                )
            except sdk._NotApplicableError:
                continue
            out.setdefault(policy.name, []).extend(f"{reg.name}: {m}" for m in found)
    return {name: msgs for name, msgs in out.items() if msgs}


def run(program: Callable[[], None]) -> Run:
    return run_program(program, {})


def workflow_file(name: str, content: str, path: str = ".github/workflows/ci.yml") -> None:
    github.RepositoryFile(name, repository="r", branch="main", file=path, content=content)


def jobs(steps: str, perms: str = "{contents: read}", top: str = "permissions: {}\n") -> str:
    return (
        f"name: ci\non: push\n{top}jobs:\n  a:\n    runs-on: ubuntu-latest\n"
        f"    permissions: {perms}\n    steps: {steps}\n"
    )


# --- the example stack ----------------------------------------------------------------


def test_the_example_stack_passes_every_policy(example_run: Run) -> None:
    assert check(example_run) == {}
    types = {r.type for r in example_run.registrations}
    assert {"github:index/repositoryFile:RepositoryFile", "pulumi:providers:github"} <= types


# --- workflows ------------------------------------------------------------------------


def test_workflow_actions_pinned() -> None:
    def program() -> None:
        workflow_file("good", GOLDEN.read_text(encoding="utf-8"))
        workflow_file("bad", jobs("[{uses: actions/checkout@v4}]"))
        workflow_file("not-a-workflow", "uses: x@v1\n", path="docs/ci.yml")

    found = check(run(program))
    assert found["workflow-actions-pinned"] == [
        "bad: .github/workflows/ci.yml: jobs.a.steps[0] uses 'actions/checkout@v4': pin it to"
        " a full commit SHA (owner/repo@<40 hex digits> # vX.Y.Z)"
    ]


def test_workflow_top_level_permissions() -> None:
    def program() -> None:
        workflow_file("good", jobs("[{run: make}]"))
        workflow_file("bad", jobs("[{run: make}]", top=""))

    found = check(run(program))
    assert list(found) == ["workflow-top-level-permissions"]
    assert found["workflow-top-level-permissions"] == [
        "bad: .github/workflows/ci.yml: the workflow declares no top-level 'permissions': add"
        " 'permissions: {}' and grant each job what it needs"
    ]


def test_workflow_least_privilege() -> None:
    def program() -> None:
        workflow_file("good", jobs("[{run: npm publish}]", "{packages: write}"))
        workflow_file("bad", jobs("[{run: npm test}]", "{packages: write, id-token: write}"))

    found = check(run(program))
    assert list(found) == ["workflow-least-privilege"]
    messages = found["workflow-least-privilege"]
    assert [m.split(": ", 1)[0] for m in messages] == ["bad", "bad"]
    assert "'id-token: write' but has no an attestation or an OIDC login" in messages[0]
    assert "'packages: write' but has no a step that publishes" in messages[1]


def test_workflow_token_stays_on_github() -> None:
    login = "{{uses: 'docker/login-action@{sha}', with: {{registry: {host}, password: {pw}}}}}"
    sha = "4907a6ddec9925e35a0a9e82d7399ccc52663121"

    def program() -> None:
        token = "'${{ secrets.GITHUB_TOKEN }}'"
        workflow_file("ghcr", jobs("[" + login.format(sha=sha, host="ghcr.io", pw=token) + "]"))
        own = "'${{ secrets.QUAY_TOKEN }}'"
        workflow_file("own", jobs("[" + login.format(sha=sha, host="quay.io", pw=own) + "]"))
        workflow_file("bad", jobs("[" + login.format(sha=sha, host="quay.io", pw=token) + "]"))

    found = check(run(program))
    assert list(found) == ["workflow-token-stays-on-github"]
    assert found["workflow-token-stays-on-github"] == [
        "bad: .github/workflows/ci.yml: jobs.a.steps[0] logs in to quay.io with GITHUB_TOKEN:"
        " the workflow's token goes to ghcr.io only; log in to another registry with its own"
        " user name and a secret"
    ]


def test_an_unreadable_workflow_is_a_violation() -> None:
    found = check(run(lambda: workflow_file("bad", "jobs: [")))
    assert set(found) == {
        "workflow-actions-pinned",
        "workflow-top-level-permissions",
        "workflow-token-stays-on-github",
        "workflow-least-privilege",
    }
    assert found["workflow-actions-pinned"][0].startswith(
        "bad: .github/workflows/ci.yml: not valid YAML"
    )


def test_unknown_workflow_content_is_not_applicable_during_preview() -> None:
    def program() -> None:
        content = pulumi.Output.from_input("x").apply(lambda _: pulumi.UNKNOWN)  # type: ignore[attr-defined]
        workflow_file("later", content)  # type: ignore[arg-type]

    recorded = run_program(program, {}, preview=True)
    (reg,) = recorded.registrations
    policy = build_policies()[0]
    with pytest.raises(sdk._NotApplicableError) as error:
        policy.validate(args_for(reg), lambda msg, urn=None: None)
    assert (
        error.value.reason
        == "the content of .github/workflows/ci.yml is not known until the update"
    )


# --- repositories ---------------------------------------------------------------------


def test_repository_protected() -> None:
    def program() -> None:
        github.Repository(
            "good",
            name="good",
            archive_on_destroy=True,
            opts=pulumi.ResourceOptions(retain_on_delete=True),
        )
        github.Repository("bad", name="bad")

    found = check(run(program))
    assert found == {
        "repository-protected": [
            "bad: set archive_on_destroy=True: a deleted repository is archived, never deleted",
        ]
    }


# --- container images -----------------------------------------------------------------


def image(name: str, tags: list[str], labels: dict[str, str] | None, push: bool = True) -> None:
    docker_build.Image(
        name,
        push=push,
        tags=tags,
        labels=labels,
        context=docker_build.BuildContextArgs(location="."),
    )


SOURCE = {"org.opencontainers.image.source": "https://github.com/acme/app"}


def test_image_source_label() -> None:
    def program() -> None:
        image("good", ["ghcr.io/acme/app:1"], SOURCE)
        image("local", ["app:dev"], None, push=False)  # built, not published
        image("bad", ["ghcr.io/acme/app:2"], {"other": "x"})

    found = check(run(program))
    assert found == {
        "image-source-label": [
            "bad: the image is pushed without the label 'org.opencontainers.image.source': set"
            " it to the repository's URL (https://github.com/<owner>/<repo>) so the package is"
            " linked"
        ]
    }


def test_image_registry() -> None:
    def program() -> None:
        image("good", ["ghcr.io/acme/app:1"], SOURCE)
        image("hub", ["acme/app:1"], SOURCE)
        docker_build.Image(
            "export",
            push=False,
            context=docker_build.BuildContextArgs(location="."),
            labels=SOURCE,
            exports=[
                docker_build.ExportArgs(
                    registry=docker_build.ExportRegistryArgs(names=["quay.io/acme/app:1"])
                )
            ],
        )

    recorded = run(program)
    assert check(recorded)["image-registry"] == [
        "export: pushes 'quay.io/acme/app:1' outside the configured registry 'ghcr.io'; push to"
        " ghcr.io/<owner>/<image> (registry: policy config or ghpublish:policy.registry)",
        "hub: pushes 'acme/app:1' outside the configured registry 'ghcr.io'; push to"
        " ghcr.io/<owner>/<image> (registry: policy config or ghpublish:policy.registry)",
    ]
    # The registry comes from the stack's config, and --policy-pack-config wins over it.
    quay = check(recorded, PackSettings(registry="quay.io"))["image-registry"]
    assert [m.split(":")[0] for m in quay] == ["good", "hub"]
    pinned_owner = check(recorded, config={"image-registry": {"registry": "ghcr.io/acme"}})
    assert [m.split(":")[0] for m in pinned_owner["image-registry"]] == ["export", "hub"]


# --- secrets --------------------------------------------------------------------------


def test_credentials_are_secrets() -> None:
    def program() -> None:
        github.Provider("good", token=pulumi.Output.secret("ghp_x"))
        # The Python SDK makes `token` a secret itself; a YAML or hand-written program may not.
        pulumi.ProviderResource("github", "bad", {"token": "ghp_plain"})
        github.ActionsSecret("gh-secret", repository="r", secret_name="S", value="wrapped")
        pulumi.CustomResource(
            "github:index/actionsSecret:ActionsSecret",
            "raw-secret",
            {"repository": "r", "secretName": "S", "value": "plain"},
        )
        docker_build.Image(
            "img",
            push=False,
            context=docker_build.BuildContextArgs(location="."),
            registries=[
                docker_build.RegistryArgs(
                    address="ghcr.io", username="u", password=pulumi.Output.secret("s")
                ),
                docker_build.RegistryArgs(address="docker.io", username="u", password="plain"),
            ],
        )

    found = check(run(program))
    assert found == {
        "credentials-are-secrets": [
            "bad: 'token' is a credential in plain text: make it a Pulumi secret (`pulumi config"
            " set --secret …`, `config.require_secret`, `pulumi.Output.secret`)",
            "img: 'registries[1].password' is a credential in plain text: make it a Pulumi secret"
            " (`pulumi config set --secret …`, `config.require_secret`, `pulumi.Output.secret`)",
            "raw-secret: 'value' is a credential in plain text: make it a Pulumi secret"
            " (`pulumi config set --secret …`, `config.require_secret`, `pulumi.Output.secret`)",
        ]
    }
    assert "ghp_plain" not in json.dumps(found), "a violation never quotes the credential"


def analyze(reg: Registration, level: EnforcementLevel | None = None) -> Any:
    """The SDK's own analyzer service on a wire request, as the engine sends it."""
    policies = build_policies()
    servicer = sdk._PolicyAnalyzerServicer(
        "ghpublish", "0.1.0", policies, EnforcementLevel.ADVISORY
    )
    if level is not None:
        servicer.Configure(
            proto.ConfigureAnalyzerRequest(
                policyConfig={
                    "credentials-are-secrets": proto.PolicyConfig(
                        enforcementLevel=servicer._map_enforcement_level(level)
                    )
                }
            ),
            None,
        )
    properties = struct_pb2.Struct()
    properties.update(reg.inputs)
    request = proto.AnalyzeRequest(
        urn=reg.urn,
        type=reg.type,
        name=reg.name,
        properties=properties,
        options=proto.AnalyzerResourceOptions(protect=reg.protect),
    )
    return servicer.Analyze(request, None)


def test_secrets_survive_the_sdks_analyzer_service(monkeypatch: pytest.MonkeyPatch) -> None:
    def program() -> None:
        github.Provider("good", token=pulumi.Output.secret("ghp_x"))
        pulumi.ProviderResource("github", "bad", {"token": "ghp_plain"})

    good, bad = sorted(run(program).registrations, key=lambda r: r.name != "good")
    monkeypatch.setattr(sdk, "deserialize_properties", sdk.deserialize_properties)
    # As shipped, pulumi-policy 1.21's Analyze drops the secret marker the engine sends:
    assert [d.policyName for d in analyze(good).diagnostics] == ["credentials-are-secrets"]
    keep_secrets_in_analysis()
    assert list(analyze(good).diagnostics) == []
    (diagnostic,) = analyze(bad).diagnostics
    assert diagnostic.policyName == "credentials-are-secrets"
    assert diagnostic.enforcementLevel == proto.MANDATORY
    (advisory,) = analyze(bad, EnforcementLevel.ADVISORY).diagnostics
    assert advisory.enforcementLevel == proto.ADVISORY  # --policy-pack-config wins


# --- settings: mandatory or advisory per stack ----------------------------------------


def test_levels_and_registry_come_from_stack_config() -> None:
    assert settings_from_config({}) == PackSettings()
    config = {
        "ghpublish:policy": json.dumps(
            {
                "levels": {"image-source-label": "mandatory", "image-registry": "advisory"},
                "registry": "Quay.io/",
            }
        )
    }
    settings = settings_from_config(config)
    assert settings.registry == "quay.io"
    levels = {p.name: p.enforcement_level for p in build_policies(settings)}
    assert levels == {
        **DEFAULT_LEVELS,
        "image-source-label": EnforcementLevel.MANDATORY,
        "image-registry": EnforcementLevel.ADVISORY,
    }
    assert {p.name: p.enforcement_level for p in build_policies()} == DEFAULT_LEVELS


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            '{"levels": {"no-such": "advisory"}}',
            "ghpublish:policy.levels.no-such: no such policy; use one of workflow-actions-pinned,"
            " workflow-top-level-permissions, workflow-least-privilege,"
            " workflow-token-stays-on-github, repository-protected, image-source-label,"
            " image-registry, credentials-are-secrets",
        ),
        (
            '{"levels": {"image-registry": "strict"}}',
            "ghpublish:policy.levels.image-registry: 'strict' is not a level; use 'mandatory',"
            " 'advisory' or 'disabled'",
        ),
        ('{"level": {}}', "ghpublish:policy: unknown key 'level'; use 'levels' or 'registry'"),
    ],
)
def test_bad_stack_config_is_named(value: str, message: str) -> None:
    with pytest.raises(PolicySettingsError) as error:
        settings_from_config({"ghpublish:policy": value})
    assert str(error.value) == message


def test_pack_files_point_at_the_project_environment() -> None:
    pack = yaml.safe_load((ROOT / "policy/PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert pack["runtime"]["name"] == "python"
    venv = Path(pack["runtime"]["options"]["virtualenv"])
    assert (ROOT / "policy" / venv).resolve() == (ROOT / ".venv").resolve()
    main = (ROOT / "policy/__main__.py").read_text(encoding="utf-8")
    assert "keep_secrets_in_analysis()" in main and "build_policies(settings)" in main


def test_the_pack_serves_its_policies_as_the_cli_starts_it() -> None:
    """`python -m pulumi.policy <engine> .` in policy/, as the CLI's analyzer plugin runs it."""
    import os
    import subprocess
    import sys

    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import analyzer_pb2_grpc

    config = {"ghpublish:policy": json.dumps({"levels": {"image-registry": "advisory"}})}
    env = {**os.environ, "PULUMI_CONFIG": json.dumps(config)}
    pack = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=ROOT / "policy",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert pack.stdout is not None
        port = int(pack.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
            levels = {p.name: p.enforcementLevel for p in info.policies}
            assert info.name == "ghpublish" and list(levels) == list(DEFAULT_LEVELS)
            assert levels["image-registry"] == proto.ADVISORY
            assert levels["workflow-actions-pinned"] == proto.MANDATORY
            properties = struct_pb2.Struct()
            properties.update(
                {
                    "token": {
                        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                        "value": "ghp_x",
                    }
                }
            )
            request = proto.AnalyzeRequest(
                urn="urn:pulumi:s::p::pulumi:providers:github::gh",
                type="pulumi:providers:github",
                name="gh",
                properties=properties,
            )
            assert list(stub.Analyze(request, timeout=10).diagnostics) == []
            request.properties.update({"token": "ghp_plain"})
            (diagnostic,) = stub.Analyze(request, timeout=10).diagnostics
            assert diagnostic.policyName == "credentials-are-secrets"
    finally:
        pack.kill()
        pack.wait(timeout=10)
        for stream in (pack.stdout, pack.stderr):
            if stream is not None:
                stream.close()
