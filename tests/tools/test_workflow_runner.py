"""The workflow harness itself (tests/workflow_runner.py, tests/expressions.py): what it
emulates, and that it refuses what it does not."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from expressions import ExpressionError, Open, condition, evaluate, interpolate
from workflow_runner import HarnessError, WorkflowRunner, pull_request_event, release_event

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"
SETUP_NODE = "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020"
REGISTRY = "http://127.0.0.1:4873/"
TOKENS = {"write": "token-write", "read": "token-read", "none": "token-none"}

CONTEXTS: dict[str, Any] = {
    "github": {
        "event_name": "release",
        "ref": "refs/tags/v1.2.0-rc.1",
        "event": Open({"release": {"prerelease": True, "tag_name": "v1.2.0-rc.1"}}),
    },
    "secrets": {"GITHUB_TOKEN": "t0ken"},
    "inputs": {"dry": False},
    "env": {"MODE": "fast"},
}


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("github.event_name == 'release'", True),
        ("github.event_name == 'RELEASE'", True),  # strings compare case-insensitively
        ("github.event_name != 'release'", False),
        ("github.event.release.prerelease", True),
        ("github.event.pull_request.number", None),  # absent from this event: null
        ("github['event_name']", "release"),
        ("startsWith(github.ref, 'refs/tags/')", True),
        ("startsWith(github.ref, 'REFS/TAGS/V')", True),
        ("contains(github.ref, '-rc.')", True),
        ("!contains(github.ref, '-rc.')", False),
        ("github.event.release.prerelease && 'next' || 'latest'", "next"),
        ("!github.event.release.prerelease && 'next' || 'latest'", "latest"),
        ("(github.event_name == 'push') || inputs.dry", False),
        ("env.MODE", "fast"),
        ("'it''s'", "it's"),
        ("1 == true", True),  # different types: compared as numbers
        ("'' == 0", True),
        ("null == false", True),
        ("'1.0' == 1", True),
        ("'abc' == 0", False),  # NaN equals nothing
        ("0x10 == 16", True),
    ],
)
def test_expressions_evaluate_as_on_github(expression: str, value: object) -> None:
    assert evaluate(expression, CONTEXTS) == value


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("vars.REGISTRY", "unknown context 'vars'"),
        ("github.token_of_nobody", "github has no property 'token_of_nobody'"),
        ("secrets.NPM_TOKEN", "secrets has no property 'NPM_TOKEN'"),
        ("format('{0}', github.ref)", "function format() is not supported"),
        ("hashFiles('**/package-lock.json')", "function hashFiles() is not supported"),
        ("github.ref > 'a'", "cannot read \"> 'a'\""),
        ("github.event.*.tag_name", "cannot read '*.tag_name'"),
        ("contains(github.ref)", "contains() takes 2 arguments"),
        ("github.event_name ==", "expected more"),
        ("", "empty expression"),
    ],
)
def test_what_the_evaluator_does_not_know_is_an_error(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        evaluate(expression, CONTEXTS)


def test_interpolation_and_conditions() -> None:
    assert interpolate("tag ${{ github.event.release.tag_name }}!", CONTEXTS) == "tag v1.2.0-rc.1!"
    assert interpolate("${{ github.event.release.prerelease }}", CONTEXTS) == "true"
    assert interpolate("${{ github.event.nothing }}", CONTEXTS) == ""
    assert condition("github.event_name == 'release'", CONTEXTS) is True
    assert condition("${{ github.event_name == 'pull_request' }}", CONTEXTS) is False
    assert condition(None, CONTEXTS) is True


def workflow(jobs: str, on: str = "release: {types: [published]}") -> str:
    return f"name: t\non:\n  {on}\npermissions: {{}}\njobs:\n" + textwrap.indent(
        textwrap.dedent(jobs), "  "
    )


@pytest.fixture
def fixture_package(tmp_path: Path) -> Path:
    directory = tmp_path / "fixture"
    directory.mkdir()
    (directory / "package.json").write_text(json.dumps({"name": "@acme-widgets/w"}))
    return directory


def runner(text: str, tmp_path: Path, fixture: Path, **kw: Any) -> WorkflowRunner:
    return WorkflowRunner(
        text,
        repository="Acme-Widgets/widgets",
        checkout=fixture,
        registry=REGISTRY,
        tokens=TOKENS,
        workdir=tmp_path / "run",
        **kw,
    )


def test_setup_node_writes_the_user_npmrc_its_source_writes(
    tmp_path: Path, fixture_package: Path
) -> None:
    text = workflow(
        f"""
        publish:
          permissions: {{packages: write}}
          steps:
            - uses: {SETUP_NODE}
              with: {{node-version: '24', registry-url: https://npm.pkg.github.com}}
            - name: show
              run: |
                cat "$NPM_CONFIG_USERCONFIG"; echo
                echo "token=${{NODE_AUTH_TOKEN-unset}}"
                echo "userconfig=$NPM_CONFIG_USERCONFIG"
        """
    )
    result = runner(text, tmp_path, fixture_package).run(release_event("v1.0.0"))
    show = result["publish"].step("show")
    temp = tmp_path / "run" / "publish" / "temp"
    # No scope given: setup-node falls back to the repository owner, lower-cased, for GitHub
    # Packages; the auth line comes first, without the protocol; no trailing newline.
    assert (temp / ".npmrc").read_text() == (
        "//127.0.0.1:4873/:_authToken=${NODE_AUTH_TOKEN}\n"
        "@acme-widgets:registry=http://127.0.0.1:4873/"
    )
    # NODE_AUTH_TOKEN is not exported (v7.0.0 dropped the placeholder), the config path is.
    assert "token=unset" in show.output
    assert f"userconfig={temp / '.npmrc'}" in show.output


def test_setup_node_exports_a_token_given_to_its_own_step_and_keeps_other_lines(
    tmp_path: Path, fixture_package: Path
) -> None:
    text = workflow(
        f"""
        publish:
          permissions: {{packages: read}}
          steps:
            - run: printf 'fund=false\\n@Acme-Widgets:registry=https://old.example/\\n' > "$RUNNER_TEMP/.npmrc"
            - uses: {SETUP_NODE}
              env: {{NODE_AUTH_TOKEN: '${{{{ secrets.GITHUB_TOKEN }}}}'}}
              with: {{registry-url: 'https://npm.pkg.github.com/', scope: Acme-Widgets}}
            - name: show
              run: echo "token=$NODE_AUTH_TOKEN"
        """
    )
    result = runner(text, tmp_path, fixture_package).run(release_event("v1.0.0"))
    assert "token=token-read" in result["publish"].step("show").output
    assert (tmp_path / "run" / "publish" / "temp" / ".npmrc").read_text() == (
        "fund=false\n\n"  # setup-node keeps the other lines (each with its EOL)
        "//127.0.0.1:4873/:_authToken=${NODE_AUTH_TOKEN}\n"
        "@acme-widgets:registry=http://127.0.0.1:4873/"
    )


@pytest.mark.parametrize(
    ("permissions", "token"),
    [
        ("{packages: write}", "token-write"),
        ("{packages: read}", "token-read"),
        ("{}", "token-none"),
    ],
)
def test_github_token_has_the_jobs_packages_permission(
    tmp_path: Path, fixture_package: Path, permissions: str, token: str
) -> None:
    text = workflow(
        f"""
        job:
          permissions: {permissions}
          steps:
            - name: show
              env: {{T: '${{{{ secrets.GITHUB_TOKEN }}}}'}}
              run: echo "T=$T"
        """
    )
    result = runner(text, tmp_path, fixture_package).run(release_event("v1"))
    assert f"T={token}" in result["job"].step("show").output


def test_default_variables_and_the_event(tmp_path: Path, fixture_package: Path) -> None:
    text = workflow(
        """
        job:
          permissions: {}
          steps:
            - name: show
              run: |
                echo "$GITHUB_EVENT_NAME $GITHUB_REF $GITHUB_REF_NAME $GITHUB_REF_TYPE $GITHUB_REPOSITORY"
                node -p "require(process.env.GITHUB_EVENT_PATH).release.prerelease"
        """
    )
    result = runner(text, tmp_path, fixture_package).run(
        release_event("v2.0.0-rc.1", prerelease=True)
    )
    output = result["job"].step("show").output
    assert "release refs/tags/v2.0.0-rc.1 v2.0.0-rc.1 tag Acme-Widgets/widgets" in output
    assert output.rstrip().endswith("true")


def test_steps_stop_at_the_first_failure_and_dependent_jobs_are_skipped(
    tmp_path: Path, fixture_package: Path
) -> None:
    text = workflow(
        """
        test:
          permissions: {}
          steps:
            - name: first
              run: |
                echo exported >/dev/null
                echo "NAME=value" >> "$GITHUB_ENV"
            - name: fails
              run: |
                false
                echo "bash -e did not stop"
            - name: after
              run: echo never
        publish:
          needs: [test]
          permissions: {}
          steps:
            - run: echo never
        """
    )
    result = runner(text, tmp_path, fixture_package).run(release_event("v1"))
    assert [(s.name, s.status) for s in result["test"].steps] == [
        ("first", "success"),
        ("fails", "failure"),
        ("after", "skipped"),
    ]
    assert "did not stop" not in result["test"].step("fails").output
    assert result["publish"].status == "skipped"


def test_job_if_env_exports_and_annotations(tmp_path: Path, fixture_package: Path) -> None:
    text = workflow(
        """
        release-only:
          if: github.event_name == 'release'
          permissions: {}
          steps:
            - run: echo "GREETING=hello" >> "$GITHUB_ENV"
            - name: uses it
              env: {WHO: '${{ env.GREETING }} world'}
              run: echo "::error file=package.json::$WHO"
        """,
        on="pull_request: {branches: [main]}\n  release: {types: [published]}",
    )
    wf = runner(text, tmp_path, fixture_package)
    result = wf.run(release_event("v1"))
    assert result["release-only"].errors == ["hello world"]
    skipped = runner(text, tmp_path / "pr", fixture_package).run(pull_request_event())
    assert skipped["release-only"].status == "skipped"


def test_an_environment_deploys_only_the_tags_of_its_policy(
    tmp_path: Path, fixture_package: Path
) -> None:
    text = workflow("job: {environment: release, permissions: {}, steps: [{run: 'true'}]}")
    policy = {"release": "pkg@v*"}
    wf = runner(text, tmp_path, fixture_package, environments=policy)
    assert wf.run(release_event("pkg@v1.0.0"))["job"].status == "success"
    refused = runner(text, tmp_path / "b", fixture_package, environments=policy)
    result = refused.run(release_event("pkg@v1/0"))  # `*` does not match `/`
    assert result["job"].status == "failure"
    assert result["job"].output.endswith(
        'Tag "pkg@v1/0" is not allowed to deploy to release due to environment protection rules.'
    )
    with pytest.raises(HarnessError, match="environment 'release': its deployment policy"):
        runner(text, tmp_path / "c", fixture_package).run(release_event("pkg@v1.0.0"))


def test_on_filters_decide_whether_the_workflow_runs(tmp_path: Path, fixture_package: Path) -> None:
    text = workflow(
        "job: {permissions: {}, steps: [{run: 'true'}]}",
        on="pull_request: {branches: [main]}\n  release: {types: [published]}",
    )
    wf = runner(text, tmp_path, fixture_package)
    assert wf.triggers(release_event("v1"))
    assert not wf.triggers(release_event("v1", action="created"))
    assert wf.triggers(pull_request_event(base="main"))
    assert not wf.triggers(pull_request_event(base="develop"))


def test_concurrency_is_evaluated(tmp_path: Path, fixture_package: Path) -> None:
    text = workflow("job: {permissions: {}, steps: [{run: 'true'}]}\n") + textwrap.dedent(
        """\
        concurrency:
          group: rel-${{ github.ref }}
          cancel-in-progress: ${{ github.event_name == 'pull_request' }}
        """
    )
    result = runner(text, tmp_path, fixture_package).run(release_event("v3"))
    assert (result.concurrency_group, result.cancel_in_progress) == ("rel-refs/tags/v3", False)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("{uses: 'actions/setup-node@v7'}", "is not the commit emulated here"),
        ("{uses: 'actions/cache@0000000000000000000000000000000000000000'}", "not emulated"),
        (f"{{uses: '{SETUP_NODE}', with: {{cache: npm}}}}", "inputs ['cache'] not emulated"),
        (f"{{uses: '{CHECKOUT}'}}", "persist-credentials: false"),
        (
            f"{{uses: '{SETUP_NODE}', with: {{registry-url: 'https://registry.npmjs.org'}}}}",
            "is not GitHub Packages",
        ),
        ("{run: 'true', continue-on-error: true}", "keys ['continue-on-error'] not emulated"),
        ("{run: 'true', shell: pwsh}", "shell 'pwsh' not emulated"),
        ("{run: 'echo ${{ vars.X }}'}", "unknown context 'vars'"),
        ("{run: 'true', if: \"hashFiles('x') != ''\"}", "function hashFiles() is not supported"),
    ],
)
def test_what_the_harness_does_not_emulate_fails_the_test(
    tmp_path: Path, fixture_package: Path, step: str, message: str
) -> None:
    text = workflow(f"job:\n  permissions: {{}}\n  steps:\n    - {step}\n")
    with pytest.raises(HarnessError, match=re.escape(message)):
        runner(text, tmp_path, fixture_package).run(release_event("v1"))


def test_checkout_copies_the_fixture_and_refuses_a_real_registry_address(
    tmp_path: Path, fixture_package: Path
) -> None:
    text = workflow(
        f"""
        job:
          permissions: {{}}
          steps:
            - uses: {CHECKOUT}
              with: {{persist-credentials: false}}
            - name: show
              run: npm pkg get name
        """
    )
    result = runner(text, tmp_path, fixture_package).run(release_event("v1"))
    assert '"@acme-widgets/w"' in result["job"].step("show").output
    (fixture_package / ".npmrc").write_text("registry=https://npm.pkg.github.com\n")
    with pytest.raises(HarnessError, match=r"names npm\.pkg\.github\.com"):
        runner(text, tmp_path / "again", fixture_package).run(release_event("v1"))
