"""NuGet: the `nuget` block and its release workflow (checked by golden files, lint and
GitHub's docs; no .NET SDK runs here)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import errors, lint_texts, parse

from components._core._catalog import pin
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


def test_jobs_permissions_and_the_owners_feed() -> None:
    workflow = _workflow(1)
    test, publish = workflow["jobs"]["test"], workflow["jobs"]["publish"]
    assert test["permissions"] == {"contents": "read", "packages": "read"}
    assert publish["permissions"] == {"contents": "read", "packages": "write"}
    assert (publish["environment"], publish["needs"]) == ("release", ["test"])
    for job in (test, publish):
        setup = job["steps"][1]
        assert setup["uses"] == pin("actions/setup-dotnet").uses
        assert setup["with"] == {
            "dotnet-version": "9.0.x",
            "source-url": "https://nuget.pkg.github.com/acme-widgets/index.json",
        }  # no `cache`: no dependency cache in these workflows
    assert test["steps"][1]["env"] == {"NUGET_AUTH_TOKEN": "${{ github.token }}"}


def test_package_is_linked_to_its_repository_and_checked_before_pushing() -> None:
    steps = _workflow(1)["jobs"]["publish"]["steps"]
    assert [s["name"] for s in steps] == [
        "Check out",
        "Set up .NET",
        "Check the package ID",
        "Check the release tag against the version",
        "Pack",
        "Push",
    ]
    pack, push = steps[-2:]
    assert pack["env"] == {"PROJECT": "src/Acme.Tools/Acme.Tools.csproj"}
    assert pack["run"] == (
        "dotnet pack --configuration Release --output nupkg"
        " -p:RepositoryUrl=https://github.com/Acme-Widgets/tools -p:RepositoryType=git"
        ' "$PROJECT"'
    )
    assert push["env"] == {"NUGET_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
    assert push["run"] == (
        "dotnet nuget push --source https://nuget.pkg.github.com/acme-widgets/index.json"
        ' --api-key "$NUGET_AUTH_TOKEN" nupkg/*.nupkg'
    )
    assert "Acme.Tools" not in steps[2]["run"]  # manifest values through env only
    assert steps[2]["env"]["PACKAGE"] == "Acme.Tools"


def test_workflows_are_lint_clean(tmp_path: Path) -> None:
    repos = parse(MANIFEST).repositories[:2]
    texts = [render(nuget_release(repo, "publishing.yaml")) for repo in repos]
    assert lint_texts(tmp_path, "release-nuget.yml", texts) == []
