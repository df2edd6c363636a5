"""`make rehearse`: the real `pulumi up`, a second preview and a refresh against the simulated
GitHub, as users run it (tools/rehearse.py).

The environment unit tests run everywhere; the rehearsals need the engine `make engine`
built and GitHub's OpenAPI description (`make ghsim-spec`): skipped locally without them,
failed under CI=true.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from realengine import engine_or_skip
from requirement import described_or_skip

from tools import rehearse as rehearse_module
from tools.rehearse import PLACEHOLDER_TOKEN, Outcome, environment, rehearse

EXAMPLE = ROOT / "publishing.yaml"
EXAMPLE_SEED = ROOT / "examples" / "rehearse" / "github-state.json"
# Real-looking credentials and endpoints of the caller: none may reach the CLI.
HOSTILE = {
    "GITHUB_TOKEN": "ghp_REALLOOKING0000000000000000000000000",
    "GH_TOKEN": "ghp_REALLOOKING0000000000000000000000001",
    "GITHUB_BASE_URL": "https://api.github.com/",
    "PULUMI_ACCESS_TOKEN": "pul-0000000000000000000000000000000000000000",
    "PULUMI_BACKEND_URL": "https://api.pulumi.com",
    "PULUMI_CONFIG_PASSPHRASE": "the real stack's passphrase",
    "HTTPS_PROXY": "http://192.0.2.1:3128",
    "https_proxy": "http://192.0.2.1:3128",
    "AWS_SECRET_ACCESS_KEY": "not-for-rehearsals",
    "DOCKER_HOST": "tcp://192.0.2.1:2375",
}


@pytest.fixture
def ready() -> None:
    engine_or_skip()
    described_or_skip()


def test_the_cli_gets_none_of_the_callers_credentials_or_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in HOSTILE.items():
        monkeypatch.setenv(key, value)
    env = environment(Path("/opt/pulumi/bin/pulumi"), tmp_path, "http://127.0.0.1:8/")
    assert env["GITHUB_TOKEN"] == PLACEHOLDER_TOKEN
    assert env["GITHUB_BASE_URL"] == "http://127.0.0.1:8/"
    assert env["PULUMI_BACKEND_URL"] == f"file://{(tmp_path / 'state').resolve()}"
    assert env["PULUMI_CONFIG_PASSPHRASE"] == rehearse_module.PASSPHRASE
    assert env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] == "true"
    for key in ("GH_TOKEN", "PULUMI_ACCESS_TOKEN", "HTTPS_PROXY", "https_proxy"):
        assert key not in env
    assert "AWS_SECRET_ACCESS_KEY" not in env and "DOCKER_HOST" not in env
    leaked = [k for k, v in env.items() if v in HOSTILE.values()]
    assert leaked == []


def test_the_last_line_says_what_was_measured() -> None:
    outcome = Outcome(
        resources=85,
        up_ok=True,
        changes=0,
        refresh_requests=76,
        repositories=11,
        estimate=76,
        violations=0,
        skipped_images=1,
    )
    assert outcome.line == (
        "rehearse: 85 resources, up ok, second preview 0 changes, refresh 76 requests"
        " (6.9 per repository; make budget estimates 76), 0 API contract violations"
    )
    failed = Outcome(85, False, 0, 0, 11, 76, 2, 1)
    assert failed.line == "rehearse: up failed (2 API contract violations)"


@pytest.mark.engine
def test_the_example_rehearses_clean_whatever_the_environment_holds(
    ready: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented command, with real-looking credentials of Pulumi Cloud and GitHub and
    a proxy in the environment: everything still goes to the simulator on 127.0.0.1 (a leaked
    backend URL, token or proxy would fail the run: nothing else is reachable here)."""
    for key, value in HOSTILE.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "rehearse"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.rehearse",
            "--manifest",
            str(EXAMPLE),
            "--seed",
            str(EXAMPLE_SEED),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    # The example's 2 custom property definitions and its repositories' values are a
    # resource and one refresh GET each; the adopted legacy-portal adds its own.
    assert lines[-1] == (
        "rehearse: 107 resources, up ok, second preview 0 changes, refresh 97 requests"
        " (8.1 per repository; make budget estimates 97), 0 API contract violations"
    )
    assert lines[-2] == (
        "rehearse: 1 image built by `pulumi up` skipped (their context and registry are off"
        " this machine)"
    )
    state = json.loads((out / "github-state.json").read_text(encoding="utf-8"))
    assert "/repos/Acme-Widgets/widgets" in state
    _assert_adopted_as_seeded(state)
    requests = [json.loads(line) for line in (out / "requests.jsonl").read_text().splitlines()]
    assert {r["phase"] for r in requests} == {"up", "preview", "refresh"}
    # The stack's state is the rehearsal's own, in OUT; the checkout gets no stack file.
    assert (out / "Pulumi.rehearse.yaml").is_file()
    assert not (ROOT / "Pulumi.rehearse.yaml").exists()


LEGACY = "/repos/Acme-Widgets/legacy-portal"


def _assert_adopted_as_seeded(state: dict[str, object]) -> None:
    """legacy-portal, adopted with nothing but its package (publishing.yaml): every setting
    of its own the seed gives it is as it was after `up`, its Actions policy and token
    default included; its managed workflow went to its default branch, master."""
    seed = json.loads(EXAMPLE_SEED.read_text(encoding="utf-8"))
    for key in (LEGACY, f"{LEGACY}/actions/permissions", f"{LEGACY}/actions/permissions/workflow"):
        for field, value in seed[key].items():
            assert state[key][field] == value, (key, field)  # type: ignore[index]
    assert state[LEGACY]["default_branch"] == "master"  # type: ignore[index]
    workflow = state[f"{LEGACY}/contents/.github/workflows/release-package.yml"]
    assert base64.b64decode(workflow["content"]).startswith(b"# Managed by ghpublish")  # type: ignore[index]
    assert not any(k.startswith(f"{LEGACY}/") and "?ref=" in k for k in state)
    # Its own workflow, not managed, is left as it was.
    ci = f"{LEGACY}/contents/.github/workflows/ci.yml"
    assert state[ci]["content"] == seed[ci]["content"]  # type: ignore[index]


@pytest.mark.engine
def test_a_second_rehearsal_continues_the_same_stack_and_github(
    ready: None, tmp_path: Path
) -> None:
    manifest = tmp_path / "publishing.yaml"
    shutil.copy(EXAMPLE, manifest)
    out = tmp_path / "out"
    first = rehearse(str(manifest), out, seed=str(EXAMPLE_SEED))
    assert first.up_ok and first.changes == 0 and first.violations == 0
    with pytest.raises(rehearse_module.RehearseError, match="continues its own rehearsal"):
        rehearse(str(manifest), out, seed=str(EXAMPLE_SEED))
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace('"Widgets: the core library"', '"Widgets, rehearsed twice"'),
        encoding="utf-8",
    )
    second = rehearse(str(manifest), out)
    assert second.up_ok and second.changes == 0 and second.violations == 0
    assert second.resources == first.resources
    state = json.loads((out / "github-state.json").read_text(encoding="utf-8"))
    assert state["/repos/Acme-Widgets/widgets"]["description"] == "Widgets, rehearsed twice"
    # The second `up` of the log: an update in place, nothing created, replaced or deleted.
    second_up = (out / "up.log").read_text(encoding="utf-8").split("$ pulumi up")[-1]
    summary = second_up.split("Resources:", 1)[1].split("Duration:", 1)[0]
    assert "updated" in summary
    for op in ("created", "replaced", "deleted"):
        assert op not in summary, summary


@pytest.mark.engine
def test_an_adopted_property_definition_is_kept_and_undeclared_ones_untouched(
    ready: None, tmp_path: Path
) -> None:
    """With the real provider: `adopt: true` imports a definition GitHub has and never
    rewrites it (the manifest's description differs), a definition the manifest does not
    declare stays as it is, and a repository's value of the adopted property is set."""
    schema = "/orgs/Acme-Widgets/properties/schema"
    seed = json.loads(EXAMPLE_SEED.read_text(encoding="utf-8"))
    cost_center = {
        "property_name": "cost-center",
        "value_type": "string",
        "required": False,
        "default_value": None,
        "description": "Finance code",
        "allowed_values": None,
        "values_editable_by": "org_and_repo_actors",
    }
    legacy = {
        "property_name": "legacy",
        "value_type": "single_select",
        "required": False,
        "default_value": None,
        "description": "Not ghpublish's",
        "allowed_values": ["yes", "no"],
        "values_editable_by": "org_actors",
    }
    seed[f"{schema}/cost-center"], seed[f"{schema}/legacy"] = cost_center, legacy
    (tmp_path / "seed.json").write_text(json.dumps(seed), encoding="utf-8")
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        "custom_properties:\n",
        "custom_properties:\n  cost-center:\n    description: The manifest says otherwise\n"
        "    adopt: true\n",
    ).replace("properties: {team: web}", "properties: {team: web, cost-center: '42'}")
    manifest = tmp_path / "publishing.yaml"
    manifest.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    outcome = rehearse(str(manifest), out, seed=str(tmp_path / "seed.json"))
    assert outcome.up_ok and outcome.changes == 0 and outcome.violations == 0
    state = json.loads((out / "github-state.json").read_text(encoding="utf-8"))
    kept = {k: state[f"{schema}/cost-center"][k] for k in cost_center}
    assert kept == cost_center
    assert {k: state[f"{schema}/legacy"][k] for k in legacy} == legacy
    assert {"property_name": "cost-center", "value": "42"} in state[
        "/repos/Acme-Widgets/widgets-themes/properties/values"
    ]
    assert state[f"{schema}/team"]["allowed_values"] == ["platform", "web", "docs"]
