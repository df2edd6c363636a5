"""NuGet: the `nuget` block and its release workflow (checked by golden files, lint, GitHub's
and NuGet's docs; the workflow runs with a stand-in dotnet in
tests/real/test_nuget_release_standin.py: no .NET SDK runs here)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import ROOT, errors, lint_texts, parse
from realnuget import setup_dotnet_config

from components._core._catalog import pin
from components._core._rules import check_workflow
from components._core._workflow import render
from components._ecosystems.nuget import nuget_release

MANIFEST = """
owner: Acme-Widgets
defaults:
  nuget: {dotnet_version: "9.0.x"}
repositories:
  - name: core
    nuget: {}
  - name: tools
    nuget: {package: Acme.Tools, project: src/Acme.Tools/Acme.Tools.csproj}
  - name: docs
    nuget: false
"""


def _workflow(index: int) -> dict:
    repo = parse(MANIFEST).repositories[index]
    return yaml.safe_load(render(nuget_release(repo, "publishing.yaml")))


def test_every_default_and_key_by_key_merge() -> None:
    core, tools, docs = parse(MANIFEST).repositories
    assert core.block("nuget") is not None and tools.block("nuget") is not None
    assert (core.block("nuget").dotnet_version, core.block("nuget").project) == ("9.0.x", ".")
    assert core.block("nuget").test_command == ("dotnet", "test")
    assert core.block("nuget").release_types == ("published",)
    assert (tools.block("nuget").package, tools.block("nuget").project) == (
        "Acme.Tools",
        "src/Acme.Tools/Acme.Tools.csproj",
    )
    assert docs.block("nuget") is None
    bare = parse("owner: a\nrepositories: [{name: b, nuget: {}}]").repositories[0].block("nuget")
    assert bare is not None and bare.dotnet_version == "10.0.x"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "{dotnet_version: latest}",
            "repositories[0].nuget.dotnet_version: 'latest' is not a .NET SDK version;"
            " expected one such as '10.0.x', '9.0' or '8.0.404'",
        ),
        (
            "{dotnet_version: 9.0}",
            "repositories[0].nuget.dotnet_version: 9.0 is a number in YAML; quote the .NET"
            " SDK version, such as '10.0.x'",
        ),
        (
            "{package: 'Acme Tools'}",
            "repositories[0].nuget.package: 'Acme Tools' is not a NuGet package ID; expected"
            " up to 100 letters, digits, '.', '-' or '_', such as 'AcmeWidgets.Core'",
        ),
        (
            "{test_command: 'dotnet build && dotnet test'}",
            "repositories[0].nuget.test_command: 'dotnet build && dotnet test' is not a single"
            " command (shell syntax is not run, every word is quoted); group the steps in an"
            " MSBuild target or a test project and name it, such as 'dotnet test"
            " tests/Widgets.Tests'",
        ),
        (
            "{project: /abs/x.csproj}",
            "repositories[0].nuget.project: '/abs/x.csproj' is not a path inside the"
            " repository; expected a relative path with '/' separators and no '..', such as"
            " '.' or 'docker/app'",
        ),
        (
            "{projet: x}",
            "repositories[0].nuget.projet: unknown key 'projet'; did you mean 'project'?"
            " expected one of: dotnet_version, enabled, package, project, release_types,"
            " test_command, visibility",
        ),
    ],
)
def test_bad_nuget_block_is_refused_with_an_exact_message(block: str, expected: str) -> None:
    text = f"owner: a\nrepositories:\n  - name: b\n    nuget: {block}\n"
    assert errors(text) == [f"publishing.yaml:4: {expected}"]


def test_one_package_id_per_manifest() -> None:
    text = (
        "owner: a\nrepositories:\n  - {name: b, nuget: {package: A.B}}\n"
        "  - {name: c, nuget: {package: A.B}}\n"
    )
    assert errors(text) == [
        "publishing.yaml:4: repositories[1].nuget.package: 'A.B' is already published by"
        " repositories[0]; give each repository its own nuget.package"
    ]


FEED = "https://nuget.pkg.github.com/acme-widgets/index.json"


def test_jobs_permissions_and_the_owners_feed() -> None:
    jobs = _workflow(1)["jobs"]
    test, package, publish = jobs["test"], jobs["package"], jobs["publish"]
    for job in (test, package):
        assert job["permissions"] == {"contents": "read", "packages": "read"}
        setup = job["steps"][1]
        assert setup["uses"] == pin("actions/setup-dotnet").uses
        assert setup["with"] == {"dotnet-version": "9.0.x", "source-url": FEED}  # no cache
        # What setup-dotnet writes as the password: a reference NuGet reads from each
        # step's environment, never the token.
        assert setup["env"] == {"NUGET_AUTH_TOKEN": "%NUGET_AUTH_TOKEN%"}
    assert test["steps"][2] == {
        "name": "Test",
        "env": {"NUGET_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"},
        "run": "dotnet test",
    }
    assert publish["permissions"] == {"packages": "write"}
    assert (publish["environment"], publish["needs"]) == ("release", ["package"])
    assert package["outputs"]["package"] == "${{ steps.nupkg.outputs.id }}"


def test_the_package_job_checks_packs_linked_to_the_repository_and_checks_the_package() -> None:
    steps = _workflow(1)["jobs"]["package"]["steps"]
    assert [s["name"] for s in steps] == [
        "Check out",
        "Set up .NET",
        "Check the package ID",
        "Check the repository the project names",
        "Check the release tag against the version",
        "Pack",
        "Check the package",
        "Record the release artifact's digest",
        "Upload the release artifact",
    ]
    project = {
        "PROJECT": "src/Acme.Tools/Acme.Tools.csproj",
        "REPOSITORY_URL": "https://github.com/Acme-Widgets/tools",
    }
    pack = steps[5]
    assert pack["env"] == {
        **project,
        "RELEASE_DIR": "${{ runner.temp }}/release",
        "NUGET_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}",
    }
    assert pack["run"] == (
        'dotnet pack "$PROJECT" --configuration Release --output "$RELEASE_DIR"'
        ' "-p:RepositoryUrl=$REPOSITORY_URL" -p:RepositoryType=git'
    )
    assert steps[3]["env"] == project
    assert steps[4]["env"]["TAG_PREFIX"] == "v"
    assert "Acme.Tools" not in steps[2]["run"] + steps[6]["run"]  # manifest values: env only
    assert steps[2]["env"]["PACKAGE"] == steps[6]["env"]["PACKAGE"] == "Acme.Tools"
    assert "PACKAGE" not in _workflow(0)["jobs"]["package"]["steps"][5]["env"]


def test_the_publish_job_checks_out_nothing_and_pushes_once() -> None:
    steps = _workflow(1)["jobs"]["publish"]["steps"]
    assert [s["name"] for s in steps] == [
        "Download the release artifact",
        "Check the release artifact's digest",
        "Look the version up in GitHub Packages",
        "Name the registry's credentials for NuGet",
        "Push to GitHub Packages",
        "Check that GitHub Packages serves the version",
    ]
    assert not [
        s for s in steps if "checkout" in s.get("uses", "") or "dotnet" in s.get("uses", "")
    ]
    lookup, config, push, served = steps[2:]
    assert push == {
        "name": "Push to GitHub Packages",
        "if": "steps.lookup.outputs.state == 'absent'",
        "env": {
            "RELEASE_DIR": "${{ runner.temp }}/release",
            "NUGET_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}",
        },
        "run": 'cd "$RUNNER_TEMP/nuget-push" && dotnet nuget push "$RELEASE_DIR"/*.nupkg'
        f' --source {FEED} --api-key "$NUGET_AUTH_TOKEN"',
    }
    assert config["if"] == push["if"] and config["env"] == {"FEED": FEED}  # no token here
    assert '<add key="ClearTextPassword" value="%NUGET_AUTH_TOKEN%" />' in config["run"]
    for step in (lookup, served):
        assert step["env"] == {
            "FEED": FEED,
            "PACKAGE": "${{ needs.package.outputs.package }}",
            "VERSION": "${{ needs.package.outputs.version }}",
            "RELEASE_DIR": "${{ runner.temp }}/release",
            "NUGET_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}",
        }
        # The token reaches curl through its standard input: no file, no command line.
        assert (
            'printf \'user = "%s:%s"\\n\' "$GITHUB_REPOSITORY_OWNER" "$NUGET_AUTH_TOKEN" |'
            in step["run"]
        )
    assert "--skip-duplicate" not in push["run"]  # a 409 fails; the lookup skips a re-run


def test_setup_dotnet_writes_the_value_it_is_given_as_the_password() -> None:
    """Issue 20's finding, as setup-dotnet v6.0.0 does it (src/authutil.ts): given the token,
    it writes the token; the workflow gives it the reference. A repository's own
    nuget.config listing the feed gets the credentials under its key instead of `Source`."""
    written, keys = setup_dotnet_config(FEED, "Acme-Widgets", "ghs_token_value", None)
    assert keys == ["Source"]
    assert '<add key="ClearTextPassword" value="ghs_token_value" />' in written
    assert f'<add key="defaultPushSource" value="{FEED}" />' in written
    own = (
        '<configuration><packageSources><clear /><add key="nuget" value="https://api.nuget.org/'
        f'v3/index.json" /><add key="acme" value="{FEED}" /></packageSources></configuration>'
    )
    written, keys = setup_dotnet_config(FEED, "Acme-Widgets", "%NUGET_AUTH_TOKEN%", own)
    assert keys == ["acme"] and "<packageSources>" not in written
    assert "<acme>" in written


def _nuget_workflows() -> list[dict]:
    manifests = [MANIFEST, (ROOT / "publishing.yaml").read_text()]
    repos = [r for text in manifests for r in parse(text).repositories if r.block("nuget")]
    return [yaml.safe_load(render(nuget_release(r, "publishing.yaml"))) for r in repos]


def test_no_generated_workflow_lets_setup_dotnet_write_a_token() -> None:
    """Every NuGet workflow generated here, and what setup-dotnet v6.0.0 would write for each
    of its steps (tests/real/realnuget.py, after src/authutil.ts): no token reaches disk."""
    workflows = _nuget_workflows()
    assert len(workflows) == 3
    for workflow in workflows:
        for job_id, job in workflow["jobs"].items():
            setups = [s for s in job["steps"] if "setup-dotnet" in s.get("uses", "")]
            if job["permissions"].get("packages") == "write":
                assert setups == [], job_id  # the write token's job sets nothing up
                continue
            for step in setups:
                text, keys = setup_dotnet_config(
                    step["with"]["source-url"],
                    "Acme-Widgets",
                    step["env"]["NUGET_AUTH_TOKEN"],
                    None,
                )
                assert keys == ["Source"]
                assert "${{" not in text and "GITHUB_TOKEN" not in text
                assert '<add key="ClearTextPassword" value="%NUGET_AUTH_TOKEN%" />' in text
        # The write token is in the environment of the publish job's registry steps only.
        holders = [
            (job_id, s["name"])
            for job_id, job in workflow["jobs"].items()
            for s in job["steps"]
            if "secrets.GITHUB_TOKEN" in str(s.get("env", {}))
            and job["permissions"].get("packages") == "write"
        ]
        assert holders == [
            ("publish", "Look the version up in GitHub Packages"),
            ("publish", "Push to GitHub Packages"),
            ("publish", "Check that GitHub Packages serves the version"),
        ]


def test_workflows_are_lint_clean(tmp_path: Path) -> None:
    repos = parse(MANIFEST).repositories[:2]
    texts = [render(nuget_release(repo, "publishing.yaml")) for repo in repos]
    assert lint_texts(tmp_path, "release-nuget.yml", texts) == []
    assert [check_workflow(text) for text in texts] == [[], []]
