"""The workflow harness's events, environments and status checks (what the manifest
pipeline's workflows need of it): each as GitHub applies it."""

from __future__ import annotations

from pathlib import Path

from workflow_runner import Event, WorkflowRunner

WORKFLOW = """\
name: t
on:
  push: {branches: [main]}
  schedule: [{cron: "17 6 * * 1-5"}]
  pull_request_target: {branches: [main]}
permissions: {}
concurrency: {group: g, cancel-in-progress: false, queue: max}
jobs:
  one:
    runs-on: ubuntu-24.04
    environment: deploy
    permissions: {contents: read}
    steps:
      - run: echo "token=${{ github.token }} secret=${{ secrets.S }} cache=${{ runner.tool_cache }}"
      - id: boom
        run: exit 3
      - name: skipped after a failure
        run: echo never
      - name: on failure
        if: failure()
        run: echo "failed before"
      - name: always
        if: ${{ always() }}
        run: echo always
      - name: on success
        if: success()
        run: echo never
"""


def _runner(tmp_path: Path) -> WorkflowRunner:
    return WorkflowRunner(
        WORKFLOW,
        repository="Acme/publishing",
        checkout=tmp_path,
        registry="http://127.0.0.1:9/",
        tokens={"none": "t-none", "read": "t-read", "write": "t-write"},
        workdir=tmp_path / "work",
        deploy_branches={"deploy": "main"},
        secrets={"S": "s3cret"},
        runner_env={"RUNNER_TOOL_CACHE": "/opt/hostedtoolcache"},
    )


def _push(branch: str) -> Event:
    return Event("push", {}, f"refs/heads/{branch}")


def test_push_schedule_and_pull_request_target_filters(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    assert runner.triggers(_push("main"))
    assert not runner.triggers(_push("feature"))
    assert runner.triggers(Event("schedule", {"schedule": "17 6 * * 1-5"}, "refs/heads/main"))
    assert not runner.triggers(Event("schedule", {"schedule": "0 0 * * *"}, "refs/heads/main"))
    target = Event("pull_request_target", {}, "refs/heads/main", base_ref="main")
    assert runner.triggers(target)


def test_status_checks_and_contexts(tmp_path: Path) -> None:
    job = _runner(tmp_path).run(_push("main"))["one"]
    assert job.status == "failure"
    assert [(s.name, s.status) for s in job.steps][2:] == [
        ("skipped after a failure", "skipped"),
        ("on failure", "success"),
        ("always", "success"),
        ("on success", "skipped"),
    ]
    assert job.steps[0].output == "token=t-none secret=s3cret cache=/opt/hostedtoolcache\n"


def test_a_branch_environment_refuses_other_branches_and_tags(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    assert runner._environment_refuses({"environment": "deploy"}, _push("main")) == ""
    refused = runner._environment_refuses({"environment": "deploy"}, _push("feature"))
    assert refused == (
        'Branch "feature" is not allowed to deploy to deploy due to environment protection rules.'
    )
    tag = Event("push", {}, "refs/tags/main")
    assert runner._environment_refuses({"environment": "deploy"}, tag) == (
        'Tag "main" is not allowed to deploy to deploy due to environment protection rules.'
    )
