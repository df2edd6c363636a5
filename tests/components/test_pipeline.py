"""The manifest repository's pipeline: the `manifest_repository` key, the ManifestPipeline
component and its three workflows (review, `pulumi up`, drift check)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import RunManifest, errors, one, parse

from components._core._spec import PipelineSpec
from components._core._workflow import expressions, render
from components._manifest._pipeline_workflows import (
    DEPLOY_PATH,
    DRIFT_PATH,
    PIPELINE_ENVIRONMENT,
    REVIEW_PATH,
    pipeline_workflows,
)
from tools.synth import lint

FILE = "github:index/repositoryFile:RepositoryFile"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"

MANIFEST = """\
owner: Acme-Corp
repositories:
  - name: widgets
    npm: {}
  - name: Publishing
    default_branch: trunk
    adopt: true
manifest_repository:
  name: publishing
  stack: acme/ghpublish/prod
  drift_schedule: "0 5 * * 1"
  python_version: "3.12"
"""


# ---------------------------------------------------------------------------
# The manifest key.


def test_manifest_repository_resolves_to_the_listed_repository() -> None:
    spec = parse(MANIFEST)
    assert spec.pipeline == PipelineSpec(
        repository="Publishing",  # the name as `repositories` spells it
        stack="acme/ghpublish/prod",
        drift_schedule="0 5 * * 1",
        python_version="3.12",
        pulumi_version=PipelineSpec.pulumi_version,
    )


def test_no_manifest_repository_no_pipeline() -> None:
    assert parse("owner: acme\nrepositories: [{name: a}]\n").pipeline is None


def test_manifest_repository_must_be_one_of_repositories() -> None:
    text = "owner: acme\nrepositories:\n  - name: publishing\nmanifest_repository:\n  name: publishin\n"
    assert errors(text) == [
        "publishing.yaml:5: manifest_repository.name: 'publishin' is not one of repositories;"
        " did you mean 'publishing'? add it under repositories (with npm: false if it"
        " publishes nothing) or name one that is there"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "stack: 'prod; rm -rf /'",
            "publishing.yaml:5: manifest_repository.stack: 'prod; rm -rf /' is not a Pulumi stack"
            " name; expected letters, digits, '-', '_' or '.', optionally prefixed with '<org>/'"
            " or '<org>/<project>/', such as 'org'",
        ),
        (
            "drift_schedule: '@daily'",
            "publishing.yaml:5: manifest_repository.drift_schedule: '@daily' is not a cron"
            " schedule; expected five fields separated by single spaces (minute hour day month"
            " weekday, UTC), such as '17 6 * * 1-5'",
        ),
        (
            "python_version: 3.10",
            "publishing.yaml:5: manifest_repository.python_version: 3.1 is a number in YAML"
            " (3.10 reads as 3.1); quote the version: '3.10'",
        ),
        (
            "pulumi_version: latest",
            "publishing.yaml:5: manifest_repository.pulumi_version: 'latest' is not a version;"
            " expected one such as '3.272.0'",
        ),
        (
            "pulumi_version: 3.225.9",
            "publishing.yaml:5: manifest_repository.pulumi_version: '3.225.9' is older than"
            " 3.226.0, the first Pulumi CLI whose `preview --expect-no-changes` exits with 7"
            " when it finds changes (the drift check tells drift from a failed preview by it);"
            " use 3.226.0 or later",
        ),
        (
            "github_app: {client_id: '12345'}",
            "publishing.yaml:5: manifest_repository.github_app.client_id: '12345' is not a"
            " GitHub App client ID; expected the Client ID from the app's settings page, such as"
            " 'Iv23liABCDEFGHIJKLMN' (not the numeric App ID)",
        ),
        (
            "drift_token_secret: 'read token'",
            "publishing.yaml:5: manifest_repository.drift_token_secret: 'read token' is not an"
            " Actions secret name; expected letters, digits and '_', not starting with a digit"
            " or 'GITHUB_', such as 'REGISTRY_TOKEN'",
        ),
        (
            "github_app: {client_id: Iv23liABCDEFGHIJKLMN}\n  token_secret: T",
            "publishing.yaml:6: manifest_repository.token_secret: is the alternative to"
            " github_app (the pipeline acts as one of them); keep github_app, the preferred"
            " credential, or remove it",
        ),
        (
            "stak: prod",
            "publishing.yaml:5: manifest_repository.stak: unknown key 'stak'; did you mean"
            " 'stack'? expected one of: drift_schedule, drift_token_secret, github_app, name,"
            " pulumi_version, python_version, stack, stacks, token_secret",
        ),
        (
            "stack: '${{ secrets.X }}'",
            "publishing.yaml:5: manifest_repository.stack: '${{ secrets.X }}' holds '${{',"
            " which GitHub Actions would evaluate as an expression; remove it (manifest values"
            " are never expressions)",
        ),
    ],
)
def test_bad_pipeline_settings_are_named(line: str, expected: str) -> None:
    text = f"owner: acme\nrepositories: [{{name: p}}]\nmanifest_repository:\n  name: p\n  {line}\n"
    assert expected in errors(text)


# ---------------------------------------------------------------------------
# The component, through the whole program.


def test_pipeline_is_committed_to_the_manifest_repository_only(run_manifest: RunManifest) -> None:
    run = run_manifest(MANIFEST)
    pipeline = one(run, "ghpublish:index:ManifestPipeline", "org-Publishing-pipeline")
    member = one(run, "ghpublish:index:PublishingRepository", "org-Publishing")
    assert pipeline.parent == member.urn
    files = {r.inputs["file"]: r for r in run.of_type(FILE) if r.parent == pipeline.urn}
    assert sorted(files) == sorted([REVIEW_PATH, DEPLOY_PATH, DRIFT_PATH])
    for f in files.values():
        assert (f.inputs["repository"], f.inputs["branch"]) == ("Publishing", "trunk")
        assert f.inputs["content"].startswith("# Managed by ghpublish")
        assert "in this repository (Publishing)" in f.inputs["content"]
        assert "edits manifest_repository in publishing.yaml." in f.inputs["content"]
    # widgets gets no pipeline
    assert not [
        r
        for r in run.of_type(FILE)
        if r.inputs["repository"] == "widgets" and r.inputs["file"] in files
    ]
    assert run.outputs["repositories"]["Publishing"]["files"] == sorted(files)


def test_pipeline_environment_is_open_to_the_default_branch_only(
    run_manifest: RunManifest,
) -> None:
    run = run_manifest(MANIFEST)
    environment = one(run, ENVIRONMENT, "org-Publishing-pipeline-environment")
    assert environment.inputs["environment"] == PIPELINE_ENVIRONMENT
    assert environment.inputs["canAdminsBypass"] is False
    assert environment.inputs["deploymentBranchPolicy"] == {
        "protectedBranches": False,
        "customBranchPolicies": True,
    }
    policy = one(run, POLICY, "org-Publishing-pipeline-environment-branch")
    assert policy.inputs == {
        "repository": "Publishing",
        "environment": PIPELINE_ENVIRONMENT,
        "branchPattern": "trunk",
    }
    assert environment.urn in policy.depends_on


def test_no_pipeline_without_the_key(run_manifest: RunManifest) -> None:
    run = run_manifest("owner: acme\nrepositories: [{name: a}]\n")
    assert [r.name for r in run.registrations if "-pipeline" in r.name] == []
    assert run.outputs["repositories"]["a"]["files"] == []


# ---------------------------------------------------------------------------
# The workflows.


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    spec = PipelineSpec(repository="publishing", stack="acme/prod", drift_schedule="0 5 * * 1")
    return {p: render(w) for p, w in pipeline_workflows(spec, "trunk", "publishing.yaml").items()}


def test_review_runs_synth_and_diff_read_only_without_secrets(rendered: dict[str, str]) -> None:
    text = rendered[REVIEW_PATH]
    data = yaml.safe_load(text)
    # PyYAML reads `on` as True. pull_request_target: the base's code, its own token.
    assert data[True] == {"pull_request_target": {"branches": ["trunk"]}}
    assert (
        "  pull_request_target:  # zizmor: ignore[dangerous-triggers] -- runs the base branch's"
        " code only;" in text
    )
    assert data["permissions"] == {}
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"contents": "read", "pull-requests": "read"}
    assert "environment" not in job
    assert "secrets." not in text
    runs = [s.get("run", "") for s in job["steps"]]
    assert 'make synth MANIFEST="$MANIFEST"' in runs
    diff = next(s for s in job["steps"] if "make diff" in s.get("run", ""))
    assert diff["env"] == {"BASE": "${{ github.event.pull_request.base.sha }}"}
    assert diff["run"] == (
        'make diff BASE="$BASE" MANIFEST="$MANIFEST" FORMAT=markdown'
        ' OUTPUT="$GITHUB_STEP_SUMMARY" EXIT_ZERO=1'
    )
    assert data["env"] == {"MANIFEST": "publishing.yaml"}


def test_review_checks_out_the_base_and_reads_the_head_manifest_as_data(
    rendered: dict[str, str],
) -> None:
    (job,) = yaml.safe_load(rendered[REVIEW_PATH])["jobs"].values()
    steps = job["steps"]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    # One checkout: the base commit, the default branch's code; nothing of the head.
    assert [s["with"] for s in checkouts] == [
        {
            "persist-credentials": False,
            "ref": "${{ github.event.pull_request.base.sha }}",
            "fetch-depth": 0,
        }
    ]
    assert steps[0] is checkouts[0]
    # The head is named once: the commit whose manifest the API returns as text.
    head = [s for s in steps if "head" in str(s.get("env", {}))]
    assert [s["name"] for s in head] == ["Fetch the pull request's manifest (data only)"]
    fetch = head[0]
    assert fetch["env"]["HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}"
    assert fetch["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert (
        '"repos/$REPOSITORY/contents/$MANIFEST?ref=$HEAD_SHA" > "$RUNNER_TEMP/manifest"'
        in fetch["run"]
    )
    assert 'cp "$RUNNER_TEMP/manifest" "$MANIFEST"' in fetch["run"]
    # Every later step runs the base's make targets; none runs a script of the head.
    later = steps[steps.index(fetch) + 1 :]
    for step in later:
        assert "uses" not in step
    runs = [s["run"] for s in later]
    assert all(r.startswith(("make synth", "make diff")) for r in runs[:-1]), runs
    assert rendered[REVIEW_PATH].count("github.event.pull_request.head") == 1


def _warn(rendered: dict[str, str], tmp_path: Path, changed: list[str]) -> tuple[str, str]:
    (job,) = yaml.safe_load(rendered[REVIEW_PATH])["jobs"].values()
    step = job["steps"][-1]
    assert step["name"] == "Warn about changes besides the manifest"
    assert step["if"] == "always()"
    listing, summary = tmp_path / "changed.txt", tmp_path / "summary.md"
    listing.write_text("".join(f"{p}\n" for p in changed))
    summary.write_text("")
    env = {
        "PATH": os.environ["PATH"],
        "MANIFEST": "publishing.yaml",
        "CHANGED": str(listing),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    run = _bash(step["run"], env)
    assert run.returncode == 0, run.stderr
    return run.stdout, summary.read_text()


def test_a_manifest_only_pull_request_gets_no_warning(
    rendered: dict[str, str], tmp_path: Path
) -> None:
    assert _warn(rendered, tmp_path, ["publishing.yaml"]) == ("", "")


def test_a_pull_request_changing_code_gets_a_warning(
    rendered: dict[str, str], tmp_path: Path
) -> None:
    changed = ["publishing.yaml", "Makefile", "tools/diff.py", "docs/<b>&.md"]
    log, summary = _warn(rendered, tmp_path, changed)
    assert log == (
        "::warning title=Code changes::This pull request changes 3 path(s) besides the"
        " manifest. The summary was computed with the default branch's code and does not show"
        " what they do; review them by hand.\n"
    )
    assert summary == (
        "## Code changes are not in this summary\n\n"
        "This pull request changes 3 path(s) besides the manifest (publishing.yaml).\n"
        "The diff above was computed with the default branch's code, with the pull request's"
        " manifest as data: what the changed code does is not shown. Review it by hand.\n\n"
        "<pre>\nMakefile\ntools/diff.py\ndocs/&lt;b&gt;&amp;.md\n</pre>\n"
    )


def test_a_missing_changed_files_list_is_no_warning(
    rendered: dict[str, str], tmp_path: Path
) -> None:
    # The fetch step failed (the run has failed already): nothing more to say.
    (job,) = yaml.safe_load(rendered[REVIEW_PATH])["jobs"].values()
    env = {
        "PATH": os.environ["PATH"],
        "MANIFEST": "publishing.yaml",
        "CHANGED": str(tmp_path / "absent"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    assert _bash(job["steps"][-1]["run"], env).returncode == 0


def test_up_runs_pulumi_up_on_the_default_branch_with_secrets(rendered: dict[str, str]) -> None:
    data = yaml.safe_load(rendered[DEPLOY_PATH])
    assert data[True] == {"push": {"branches": ["trunk"]}, "workflow_dispatch": {}}
    (job,) = data["jobs"].values()
    assert job["environment"] == PIPELINE_ENVIRONMENT
    assert job["permissions"] == {"contents": "read"}
    pulumi = job["steps"][-1]
    assert pulumi["uses"].startswith("pulumi/actions@")
    assert pulumi["with"]["command"] == "up"
    assert pulumi["with"]["stack-name"] == "acme/prod"
    assert pulumi["with"]["cloud-url"] == "${{ secrets.PULUMI_BACKEND_URL }}"
    assert pulumi["env"] == {
        "GITHUB_TOKEN": "${{ secrets.GHPUBLISH_GITHUB_TOKEN }}",
        "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        "GHPUBLISH_GITHUB_CACHE_PATH": "${{ runner.tool_cache }}/ghpublish-github-api-cache",
    }
    assert data["concurrency"] == yaml.safe_load(rendered[DRIFT_PATH])["concurrency"]


@pytest.mark.parametrize("path", [DEPLOY_PATH, DRIFT_PATH])
def test_up_and_drift_run_only_the_hashed_lock(rendered: dict[str, str], path: str) -> None:
    text = rendered[path]
    (job,) = yaml.safe_load(text)["jobs"].values()
    installs = [s for s in job["steps"] if "pip install" in s.get("run", "")]
    assert [s["run"] for s in installs] == [
        "python -m venv .venv\n"
        ".venv/bin/python -m pip install --disable-pip-version-check --no-deps"
        " --require-hashes -r requirements.lock\n"
    ]
    # Before any credential: the install runs without a secret or a token.
    assert "env" not in installs[0]
    assert job["steps"].index(installs[0]) < min(
        i for i, s in enumerate(job["steps"]) if "secrets." in str(s) or "token" in str(s)
    )
    # Never the development tools, which `make synth` and `make test` install.
    assert "make synth" not in text and "requirements-dev" not in text
    assert "make " not in text


def test_only_the_pulumi_steps_keep_the_github_api_cache(
    rendered: dict[str, str], example_run
) -> None:  # type: ignore[no-untyped-def]
    from tools.synth import files

    # up and the drift check run the provider: both keep its ETag cache outside the checkout.
    for path in (DEPLOY_PATH, DRIFT_PATH):
        (job,) = yaml.safe_load(rendered[path])["jobs"].values()
        steps = [s for s in job["steps"] if "GHPUBLISH_GITHUB_CACHE_PATH" in s.get("env", {})]
        assert len(steps) == 1 and "pulumi" in steps[0]["name"], path
    assert "GHPUBLISH_GITHUB_CACHE_PATH" not in rendered[REVIEW_PATH]
    # Never in a publishing workflow.
    for rel, text in files(example_run).items():
        if "/ghpublish-" not in rel:
            assert "GHPUBLISH_GITHUB_CACHE_PATH" not in text and "tool_cache" not in text, rel


def test_a_drift_run_never_cancels_or_drops_a_pending_up(rendered: dict[str, str]) -> None:
    # One group: `up` and the drift check never run at once. `queue: max`: pending runs
    # wait in order (GitHub's default keeps one pending run and cancels the older one).
    for path in (DEPLOY_PATH, DRIFT_PATH):
        assert yaml.safe_load(rendered[path])["concurrency"] == {
            "group": "ghpublish-pulumi",
            "cancel-in-progress": False,
            "queue": "max",
        }


def test_drift_check_previews_with_refresh_and_fails_on_changes(rendered: dict[str, str]) -> None:
    data = yaml.safe_load(rendered[DRIFT_PATH])
    assert data[True] == {"schedule": [{"cron": "0 5 * * 1"}], "workflow_dispatch": {}}
    (job,) = data["jobs"].values()
    assert job["environment"] == PIPELINE_ENVIRONMENT
    install = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    # Without `command` pulumi/actions only installs the CLI.
    assert install["with"] == {"pulumi-version": PipelineSpec.pulumi_version}
    preview = next(s for s in job["steps"] if s.get("id") == "preview")
    assert "--refresh" in preview["run"] and "--expect-no-changes" in preview["run"]
    assert preview["env"]["STACK"] == "acme/prod"
    report = job["steps"][-1]
    assert report["if"] == "failure()"


# The drift step and its report, run with bash against a stand-in `pulumi`.

_FAKE_PULUMI = """#!/bin/sh
echo "pulumi $*" >> "$CALLS"
[ "$1" = login ] && exit "${LOGIN_EXIT:-0}"
printf '%s\\n' "$PREVIEW_TEXT"
exit "${PREVIEW_EXIT:-0}"
"""


def _drift_steps(rendered: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    (job,) = yaml.safe_load(rendered[DRIFT_PATH])["jobs"].values()
    preview = next(s for s in job["steps"] if s.get("id") == "preview")
    return preview, job["steps"][-1]


def _bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=False
    )


def _drift_run(
    rendered: dict[str, str], tmp_path: Path, *, preview_exit: int = 0, login_exit: int = 0
) -> tuple[int, dict[str, str], str, str]:
    """Run the preview step, then (as GitHub would after a failure) the report step."""
    preview, report = _drift_steps(rendered)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(_FAKE_PULUMI)
    fake.chmod(0o755)
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    summary.write_text("")
    output.write_text("")
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "CALLS": str(tmp_path / "calls"),
        "PREVIEW_TEXT": "~ github:index/repository:Repository widgets update [diff: ~description]",
        "PREVIEW_EXIT": str(preview_exit),
        "LOGIN_EXIT": str(login_exit),
        "STACK": preview["env"]["STACK"],
        "PULUMI_BACKEND_URL": "",
    }
    step = _bash(preview["run"], env)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    log = step.stdout
    if step.returncode != 0:
        report_env = {
            **env,
            "RESULT": outputs.get("result", ""),
            "STATUS": outputs.get("status", ""),
        }
        assert set(report["env"]) == {"RESULT", "STATUS"}
        reported = _bash(report["run"], report_env)
        assert reported.returncode == 0, reported.stderr
        log += reported.stdout
    return step.returncode, outputs, summary.read_text(), log


def test_no_drift_passes_with_the_preview_in_the_summary(
    rendered: dict[str, str], tmp_path: Path
) -> None:
    code, outputs, summary, _ = _drift_run(rendered, tmp_path, preview_exit=0)
    assert (code, outputs["result"]) == (0, "clean")
    assert "widgets update" in summary and "Drift" not in summary
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0] == "pulumi login --non-interactive"  # empty backend URL: Pulumi Cloud
    assert "--stack acme/prod --refresh --diff --expect-no-changes" in calls[1]


def test_drift_fails_with_the_preview_in_the_summary(
    rendered: dict[str, str], tmp_path: Path
) -> None:
    # pulumi/actions writes its summary only when the command succeeds: here the preview
    # is in the summary although the step fails.
    code, outputs, summary, log = _drift_run(rendered, tmp_path, preview_exit=7)
    assert (code, outputs) == (1, {"status": "7", "result": "drift"})
    assert "widgets update" in summary and "## Drift detected" in summary
    assert "::error title=Drift::" in log


def test_a_failed_preview_is_not_called_drift(rendered: dict[str, str], tmp_path: Path) -> None:
    code, outputs, summary, log = _drift_run(rendered, tmp_path, preview_exit=3)
    assert (code, outputs) == (1, {"status": "3", "result": "error"})
    assert "widgets update" in summary  # what the preview printed, still in the summary
    assert "## The drift check failed (not drift)" in summary and "Drift detected" not in summary
    assert "::error title=Drift check failed::pulumi preview failed (exit 3)" in log


def test_a_failed_set_up_is_reported_as_such(rendered: dict[str, str], tmp_path: Path) -> None:
    code, outputs, summary, log = _drift_run(rendered, tmp_path, login_exit=1)
    assert code != 0 and outputs == {}
    assert "## The drift check did not run (not drift)" in summary
    assert "Drift detected" not in summary and "::error title=Drift::" not in log


def _pulumi_step_env(workflow: dict[str, Any]) -> dict[str, str]:
    (job,) = workflow["jobs"].values()
    step = next(s for s in job["steps"] if "GITHUB_TOKEN" in s.get("env", {}))
    return step["env"]  # type: ignore[no-any-return]


def _steps_of(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    return job["steps"]  # type: ignore[no-any-return]


def test_a_github_app_mints_the_token_of_up_and_drift() -> None:
    spec = PipelineSpec(repository="publishing", app_client_id="Iv23liABCDEFGHIJKLMN")
    workflows = pipeline_workflows(spec, "main", "publishing.yaml")
    for path in (DEPLOY_PATH, DRIFT_PATH):
        data = yaml.safe_load(render(workflows[path]))
        steps = _steps_of(data)
        (mint,) = [s for s in steps if s.get("uses", "").startswith("actions/create-github-app")]
        assert mint["id"] == "app-token"
        assert mint["with"] == {
            "client-id": "Iv23liABCDEFGHIJKLMN",
            "private-key": "${{ secrets.GHPUBLISH_APP_PRIVATE_KEY }}",
            # The owner's installation: every repository it may manage, new ones included.
            "owner": "${{ github.repository_owner }}",
            # Only what `pulumi up` does, not the installation's every permission.
            "permission-administration": "write",
            "permission-contents": "write",
            "permission-pull-requests": "write",
            "permission-workflows": "write",
        }
        env = _pulumi_step_env(data)
        assert env["GITHUB_TOKEN"] == "${{ steps.app-token.outputs.token }}"
        assert steps.index(mint) < next(i for i, s in enumerate(steps) if s.get("env") is env)
        assert "GHPUBLISH_GITHUB_TOKEN" not in render(workflows[path])


def test_the_fine_grained_token_is_the_alternative() -> None:
    spec = PipelineSpec(repository="publishing", token_secret="ORG_ADMIN_TOKEN")
    for path, workflow in pipeline_workflows(spec, "main", "publishing.yaml").items():
        text = render(workflow)
        assert "create-github-app-token" not in text
        if path != REVIEW_PATH:
            env = _pulumi_step_env(yaml.safe_load(text))
            assert env["GITHUB_TOKEN"] == "${{ secrets.ORG_ADMIN_TOKEN }}"


@pytest.mark.parametrize("app", [None, "Iv23liABCDEFGHIJKLMN"])
def test_drift_uses_the_read_only_token_when_configured(app: str | None) -> None:
    spec = PipelineSpec(
        repository="publishing", app_client_id=app, drift_token_secret="GHPUBLISH_READ_TOKEN"
    )
    workflows = pipeline_workflows(spec, "main", "publishing.yaml")
    drift = yaml.safe_load(render(workflows[DRIFT_PATH]))
    assert _pulumi_step_env(drift)["GITHUB_TOKEN"] == "${{ secrets.GHPUBLISH_READ_TOKEN }}"
    assert "create-github-app-token" not in render(workflows[DRIFT_PATH])
    # `up` keeps the administering credential.
    up = _pulumi_step_env(yaml.safe_load(render(workflows[DEPLOY_PATH])))
    assert up["GITHUB_TOKEN"] != "${{ secrets.GHPUBLISH_READ_TOKEN }}"


def test_credentials_reach_the_workflows_from_the_manifest(run_manifest: RunManifest) -> None:
    run = run_manifest(
        MANIFEST
        + "  github_app:\n    client_id: Iv23liABCDEFGHIJKLMN\n    private_key_secret: APP_KEY\n"
        + "  drift_token_secret: READ_ONLY\n"
    )
    files = {r.inputs["file"]: r.inputs["content"] for r in run.of_type(FILE)}
    up, drift = yaml.safe_load(files[DEPLOY_PATH]), yaml.safe_load(files[DRIFT_PATH])
    assert _pulumi_step_env(up)["GITHUB_TOKEN"] == "${{ steps.app-token.outputs.token }}"
    assert "${{ secrets.APP_KEY }}" in files[DEPLOY_PATH]
    assert _pulumi_step_env(drift)["GITHUB_TOKEN"] == "${{ secrets.READ_ONLY }}"
    (mint,) = [s for s in _steps_of(up) if s.get("id") == "app-token"]
    assert "permission-organization-administration" not in mint["with"]


def test_the_app_token_asks_for_org_permissions_only_where_the_manifest_needs_them(
    run_manifest: RunManifest,
) -> None:
    run = run_manifest(
        MANIFEST
        + "  github_app: {client_id: Iv23liABCDEFGHIJKLMN}\n"
        + "org_standards: {allow: ['acme-corp/*']}\n"
    )
    up = next(r.inputs["content"] for r in run.of_type(FILE) if r.inputs["file"] == DEPLOY_PATH)
    (mint,) = [s for s in _steps_of(yaml.safe_load(up)) if s.get("id") == "app-token"]
    assert mint["with"]["permission-organization-administration"] == "write"
    assert "permission-members" not in mint["with"]


def test_the_app_token_asks_for_custom_properties_only_where_the_manifest_sets_them(
    run_manifest: RunManifest,
) -> None:
    app = MANIFEST + "  github_app: {client_id: Iv23liABCDEFGHIJKLMN}\n"

    def mint(text: str) -> dict[str, str]:
        run = run_manifest(text)
        up = next(r.inputs["content"] for r in run.of_type(FILE) if r.inputs["file"] == DEPLOY_PATH)
        (step,) = [s for s in _steps_of(yaml.safe_load(up)) if s.get("id") == "app-token"]
        return step["with"]

    plain = mint(app)
    assert "permission-organization-custom-properties" not in plain
    assert "permission-repository-custom-properties" not in plain
    schema = app + "custom_properties: {team: {}}\n"
    assert mint(schema)["permission-organization-custom-properties"] == "admin"
    assert "permission-repository-custom-properties" not in mint(schema)
    valued = schema.replace("repositories:\n", "defaults: {properties: {team: x}}\nrepositories:\n")
    assert mint(valued)["permission-repository-custom-properties"] == "write"


def test_pipeline_credentials_lint_clean(tmp_path: Path) -> None:
    spec = PipelineSpec(repository="p", app_client_id="Iv23liABCDEFGHIJKLMN")
    paths = []
    for rel, workflow in pipeline_workflows(spec, "main", "publishing.yaml").items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(workflow), encoding="utf-8")
        paths.append(path)
    assert lint(paths) == []


def test_no_manifest_text_inside_an_expression(rendered: dict[str, str]) -> None:
    allowed = {
        "${{ github.event.pull_request.base.sha }}",
        "${{ github.event.pull_request.number }}",
        "${{ github.event.pull_request.head.sha }}",
        "${{ github.repository }}",
        "${{ github.token }}",
        "${{ runner.temp }}",
        "${{ secrets.PULUMI_BACKEND_URL }}",
        "${{ secrets.GHPUBLISH_GITHUB_TOKEN }}",
        "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        "${{ steps.preview.outputs.result }}",
        "${{ steps.preview.outputs.status }}",
        "${{ runner.tool_cache }}",
    }
    for text in rendered.values():
        assert set(expressions(text)) <= allowed


def test_pipeline_workflows_are_lint_clean(rendered: dict[str, str], tmp_path: Path) -> None:
    paths = []
    for rel, text in rendered.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    assert lint(paths) == []


@pytest.mark.parametrize(
    ("shards", "expected"),
    [
        (
            [{"name": "Web", "stack": "s", "drift_schedule": "1 2 * * *"}],
            "shards: 'Web' is not a shard name; expected 1 to 40 lowercase letters, digits or"
            " hyphens, such as 'team-web'",
        ),
        (
            [{"name": "web", "stack": "s", "drift_schedule": "1 2 * * *"}] * 2,
            "shards: ['web', 'web'] names a shard twice; expected each once",
        ),
        (
            [{"name": "web", "stack": "s", "drift_schedule": "daily"}],
            "shards: 'daily' is not a cron schedule; expected five fields separated by single"
            " spaces (minute hour day month weekday, UTC), such as '17 6 * * 1-5'",
        ),
    ],
)
def test_the_components_shards_are_checked(shards: list[dict[str, str]], expected: str) -> None:
    # Shard names become job ids and concurrency groups of the generated workflows.
    from components.manifest_pipeline import _shards

    with pytest.raises(ValueError) as info:
        _shards(shards)  # type: ignore[arg-type]
    assert str(info.value) == expected
