"""The generated NuGet release workflow, run with a STAND-IN `dotnet` against a loopback
"GitHub NuGet registry" (no .NET SDK runs on this machine).

Each test renders the workflow from a manifest and runs its jobs with
tests/workflow_runner.py: checkout = a fixture project, actions/setup-dotnet as v6.0.0 does it
(tests/real/realnuget.py), every `run:` step in bash with the runner image's curl, jq, unzip
and sha256sum. `dotnet` is the stand-in of tests/real/dotnet_standin.py, which records each
call; the registry (tests/real/realnuget.py) checks each job's token as GitHub does. What is
real: the workflow's scripts, the HTTP exchanges (NuGet's push protocol, the v3 service index
and flat container), the .nupkg zip and its nuspec; what stands in: dotnet itself (restore,
test, pack, push, msbuild -getProperty) and GitHub's registry.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import parse
from realnuget import (
    GITHUB_NUGET,
    SETUP_DOTNET,
    NuGetRegistry,
    StandIn,
    environ_path,
    install_standin,
    nuspec_of,
    setup_dotnet,
    tools_missing,
)
from requirement import unavailable
from workflow_runner import Event, RunResult, WorkflowRunner, pull_request_event, release_event

from components._core._spec import RELEASE_ENVIRONMENT
from components._core._workflow import render
from components._ecosystems.nuget import nuget_release

OWNER = "Acme-Widgets"
REPO = "widgets-dotnet"
LINK = f"https://github.com/{OWNER}/{REPO}"
PACKAGE = "AcmeWidgets.Widgets"
PROJECT = "src/Widgets/Widgets.csproj"
CORE = "AcmeWidgets.Core"


def project_file(version: str, *, extra: str = "", reference: bool = True) -> str:
    dependency = f'<PackageReference Include="{CORE}" Version="1.0.0" />' if reference else ""
    return (
        '<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n'
        "    <TargetFramework>net10.0</TargetFramework>\n"
        f"    <PackageId>{PACKAGE}</PackageId>\n    <Version>{version}</Version>\n{extra}"
        f"  </PropertyGroup>\n  <ItemGroup>{dependency}</ItemGroup>\n</Project>\n"
    )


def nupkg(package_id: str, version: str, repository: str, marker: str = "") -> bytes:
    """A package as an earlier release pushed it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            f"{package_id}.nuspec",
            '<?xml version="1.0" encoding="utf-8"?><package xmlns="http://schemas.microsoft.com/'
            f'packaging/2013/05/nuspec.xsd"><metadata><id>{package_id}</id><version>{version}'
            f'</version><repository type="git" url="{repository}" /></metadata></package>',
        )
        archive.writestr("lib/net10.0/x.dll", f"earlier build {marker}")
    return buffer.getvalue()


class Releases:
    """The repository widgets-dotnet of Acme-Widgets: its checkout, registry and runs."""

    def __init__(self, registry: NuGetRegistry, standin: StandIn, root: Path) -> None:
        self.registry = registry
        self.standin = standin
        self.root = root
        # The owner's other repository's package, which this one depends on.
        registry.publish(nupkg(CORE, "1.0.0", f"https://github.com/{OWNER}/core"))

    def checkout(self, version: str, **kw: object) -> Path:
        directory = self.root / f"checkout-{uuid.uuid4().hex[:6]}"
        (directory / PROJECT).parent.mkdir(parents=True)
        (directory / PROJECT).write_text(project_file(version, **kw))  # type: ignore[arg-type]
        return directory

    def runner(
        self, checkout: Path, *, nuget: str = "", keys: str = "", **kw: object
    ) -> WorkflowRunner:
        spec = parse(
            f"owner: {OWNER}\nrepositories:\n  - {{name: {REPO},"
            f" nuget: {{project: {PROJECT}, test_command: 'dotnet test {PROJECT}'{nuget}}}{keys}}}\n"
        ).repositories[0]
        runner = WorkflowRunner(
            render(nuget_release(spec, "publishing.yaml")),
            repository=f"{OWNER}/{REPO}",
            checkout=checkout,
            registry=self.registry.url,
            tokens=self.registry.tokens,
            workdir=self.root / f"run-{uuid.uuid4().hex[:6]}",
            environments={RELEASE_ENVIRONMENT: spec.release_tag_pattern},
            hosts={GITHUB_NUGET: self.registry.url},
            **kw,  # type: ignore[arg-type]
        )
        runner.emulate(
            "actions/setup-dotnet",
            SETUP_DOTNET,
            {"dotnet-version", "source-url"},
            setup_dotnet(self.standin),
        )
        return runner

    @staticmethod
    def built_sha(result: RunResult) -> str:
        (built,) = result.artifacts["release"].glob("*.nupkg")
        return hashlib.sha256(built.read_bytes()).hexdigest()

    def release(self, checkout: Path, event: Event, **kw: object) -> RunResult:
        return self.runner(checkout, **kw).run(event)  # type: ignore[arg-type]


@pytest.fixture
def releases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Releases]:
    missing = tools_missing()
    if missing:
        unavailable(f"the runner image's {', '.join(missing)} missing on this machine")
    standin = install_standin(tmp_path / "standin")
    monkeypatch.setenv("PATH", environ_path(standin))  # the runner image's dotnet
    with NuGetRegistry(OWNER, f"{OWNER}/{REPO}") as registry:
        yield Releases(registry, standin, tmp_path)


def published(releases: Releases) -> list[tuple[str, str, int]]:
    return releases.registry.pushes


def test_a_release_publishes_once_linked_to_its_repository(releases: Releases) -> None:
    result = releases.release(releases.checkout("1.2.0"), release_event("v1.2.0"))
    for job in ("test", "package", "publish"):
        assert result[job].status == "success", result[job].output
    assert published(releases) == [(PACKAGE, "1.2.0", 201)]
    assert nuspec_of(releases.registry.nupkg(PACKAGE, "1.2.0")) == {
        "id": PACKAGE,
        "version": "1.2.0",
        "repository": LINK,
    }
    # The served package is the very one the package job built and uploaded.
    (built,) = result.artifacts["release"].glob("*.nupkg")
    assert built.read_bytes() == releases.registry.nupkg(PACKAGE, "1.2.0")
    # The owner's other package restored with the read token, in the test and package jobs.
    for job, step in (("test", "Test"), ("package", "Pack")):
        assert f"Installed {CORE} 1.0.0" in result[job].step(step).output
    assert "GitHub Packages serves AcmeWidgets.Widgets 1.2.0" in (
        result["publish"].step("Check that GitHub Packages serves the version").output
    )


def test_only_the_push_and_the_registry_lookups_hold_the_write_token(releases: Releases) -> None:
    result = releases.release(releases.checkout("1.2.0"), release_event("v1.2.0"))
    assert result["publish"].status == "success", result["publish"].output
    write, read = releases.registry.tokens["write"], releases.registry.tokens["read"]
    calls = {" ".join(c["argv"][:2]): c for c in releases.standin.calls()}
    assert sorted(calls) == [
        "msbuild src/Widgets/Widgets.csproj",
        "nuget push",
        "pack src/Widgets/Widgets.csproj",
        "test src/Widgets/Widgets.csproj",
    ]
    assert calls["nuget push"]["env"]["NUGET_AUTH_TOKEN"] == write
    assert calls["nuget push"]["argv"][-2:] == ["--api-key", write]
    for name in ("test src/Widgets/Widgets.csproj", "pack src/Widgets/Widgets.csproj"):
        assert calls[name]["env"]["NUGET_AUTH_TOKEN"] == read
    assert all(
        write not in str(c) for c in releases.standin.calls() if c["argv"][:2] != ["nuget", "push"]
    )


def test_no_token_is_written_to_disk_by_any_job(releases: Releases) -> None:
    runner = releases.runner(releases.checkout("1.2.0"))
    result = runner.run(release_event("v1.2.0"))
    assert result["publish"].status == "success", result["publish"].output
    tokens = [releases.registry.tokens[level].encode() for level in ("write", "read")]
    files = [p for p in runner.workdir.rglob("*") if p.is_file()]
    assert files and not [p for p in files if any(t in p.read_bytes() for t in tokens)]
    # What setup-dotnet wrote for the test and package jobs: the reference, not the token.
    for job in ("test", "package"):
        written = (runner.workdir / job / "nuget.config").read_text()
        assert '<add key="ClearTextPassword" value="%NUGET_AUTH_TOKEN%" />' in written
    assert not (runner.workdir / "publish" / "nuget.config").exists()


PATTERNS = {
    "v*": "v1.2.0",
    "release-*": "release-1.2.0",
    "widgets@*": "widgets@1.2.0",
    "v*-stable": "v1.2.0-stable",
    "release/*": "release/1.2.0",
}


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_each_tag_pattern_publishes_its_release_once_and_refuses_the_others(
    releases: Releases, pattern: str
) -> None:
    checkout = releases.checkout("1.2.0")
    keys = f", release_tag_pattern: '{pattern}'"
    for other in sorted(set(PATTERNS.values()) - {PATTERNS[pattern]}):
        result = releases.release(checkout, release_event(other), keys=keys)
        assert result["publish"].status in {"failure", "skipped"}, (other, result["publish"].output)
    assert published(releases) == []
    result = releases.release(checkout, release_event(PATTERNS[pattern]), keys=keys)
    assert result["publish"].status == "success", result["publish"].output
    assert published(releases) == [(PACKAGE, "1.2.0", 201)]


def test_a_tag_outside_the_pattern_fails_the_tag_check(releases: Releases) -> None:
    result = releases.release(
        releases.checkout("1.2.0"),
        release_event("v1.2.0"),
        keys=", release_tag_pattern: 'release-*'",
    )
    assert result["package"].errors == [
        "the release tag 'v1.2.0' does not match the release tag pattern 'release-*';"
        " nothing is published"
    ]
    assert result["publish"].status == "skipped"
    assert published(releases) == []


def test_a_tag_that_is_not_the_version_publishes_nothing(releases: Releases) -> None:
    result = releases.release(releases.checkout("1.2.0"), release_event("v1.2.1"))
    assert result["package"].errors == [
        "the release tag 'v1.2.1' is version '1.2.1' but the project's version is '1.2.0';"
        " nothing is published: release the tag 'v1.2.0' or change the version"
    ]
    assert (result["package"].status, result["publish"].status) == ("failure", "skipped")
    assert published(releases) == []


def test_a_release_flagged_prerelease_for_a_stable_version_publishes_nothing(
    releases: Releases,
) -> None:
    result = releases.release(releases.checkout("1.2.0"), release_event("v1.2.0", prerelease=True))
    assert result["package"].errors == [
        "version '1.2.0' is not a prerelease, but the GitHub release is marked as one; make"
        " them agree"
    ]
    assert published(releases) == []


def test_a_prerelease_version_publishes_as_itself_only_from_a_prerelease(
    releases: Releases,
) -> None:
    checkout = releases.checkout("1.3.0-beta.1")
    result = releases.release(checkout, release_event("v1.3.0-beta.1"))
    assert result["package"].errors == [
        "version '1.3.0-beta.1' is a prerelease, but the GitHub release is not marked as one;"
        " make them agree"
    ]
    assert published(releases) == []
    result = releases.release(checkout, release_event("v1.3.0-beta.1", prerelease=True))
    assert result["publish"].status == "success", result["publish"].output
    assert (result["package"].outputs["prerelease"], result["package"].outputs["version"]) == (
        "true",
        "1.3.0-beta.1",
    )
    assert published(releases) == [(PACKAGE, "1.3.0-beta.1", 201)]
    assert releases.registry.versions(PACKAGE) == ["1.3.0-beta.1"]


def test_a_backport_publishes_beside_the_newer_release(releases: Releases) -> None:
    releases.registry.publish(nupkg(PACKAGE, "1.5.0", LINK))
    result = releases.release(releases.checkout("1.4.3"), release_event("v1.4.3"))
    assert result["publish"].status == "success", result["publish"].output
    assert published(releases) == [(PACKAGE, "1.4.3", 201)]
    assert releases.registry.versions(PACKAGE) == ["1.4.3", "1.5.0"]


def test_a_project_naming_another_repository_publishes_nothing(releases: Releases) -> None:
    other = f"https://github.com/{OWNER}/widgets-dotnet-themes.git"
    checkout = releases.checkout("1.2.0", extra=f"    <RepositoryUrl>{other}</RepositoryUrl>\n")
    result = releases.release(checkout, release_event("v1.2.0"))
    assert result["package"].errors == [
        f"the project's RepositoryUrl is '{other}' but the package is published from {LINK};"
        " GitHub links a NuGet package to the repository its RepositoryUrl names: set it to"
        f" '{LINK}' or leave it out"
    ]
    assert published(releases) == []
    # Its own URL, as developers write it (.git, another case), is this repository.
    checkout = releases.checkout(
        "1.2.0", extra=f"    <RepositoryUrl>{LINK.upper()}.git</RepositoryUrl>\n"
    )
    result = releases.release(checkout, release_event("v1.2.0"))
    assert result["publish"].status == "success", result["publish"].output


def test_a_nuspec_linking_another_repository_publishes_nothing(releases: Releases) -> None:
    checkout = releases.checkout("1.2.0", extra="    <NuspecFile>Widgets.nuspec</NuspecFile>\n")
    (checkout / PROJECT).with_name("Widgets.nuspec").write_text(
        '<?xml version="1.0"?><package><metadata><id>AcmeWidgets.Widgets</id>'
        '<version>1.2.0</version><repository type="git" url="https://github.com/Acme-Widgets/core" />'
        "</metadata></package>"
    )
    result = releases.release(checkout, release_event("v1.2.0"))
    assert result["package"].errors == [
        "the package names the repository 'https://github.com/Acme-Widgets/core' but is"
        f" published from {LINK}; nothing is published: GitHub links a NuGet package to the"
        " repository its nuspec names"
    ]
    assert published(releases) == []


def test_a_package_id_other_than_the_manifests_publishes_nothing(releases: Releases) -> None:
    result = releases.release(
        releases.checkout("1.2.0"), release_event("v1.2.0"), nuget=", package: AcmeWidgets.Other"
    )
    assert result["package"].errors == [
        "the project's PackageId is 'AcmeWidgets.Widgets' but the manifest publishes"
        " 'AcmeWidgets.Other'; change one of them (nuget.package of the repository"
        " 'widgets-dotnet' in publishing.yaml)"
    ]
    assert published(releases) == []


def test_another_repositorys_package_id_is_refused_by_the_registry(releases: Releases) -> None:
    checkout = releases.checkout("1.2.0", reference=False)
    project = (checkout / PROJECT).read_text().replace(PACKAGE, CORE)
    (checkout / PROJECT).write_text(project)
    result = releases.release(checkout, release_event("v1.2.0"))
    push = result["publish"].step("Push to GitHub Packages")
    assert push.status == "failure"
    assert "error: Response status code does not indicate success: 403 (Forbidden)." in push.output
    assert published(releases) == [(CORE, "1.2.0", 403)]
    assert releases.registry.versions(CORE) == ["1.0.0"]


def test_a_token_without_write_publishes_nothing(releases: Releases) -> None:
    tokens = dict(releases.registry.tokens)
    runner = releases.runner(releases.checkout("1.2.0"))
    runner.tokens = {**tokens, "write": tokens["read"]}  # the publish job's token reads only
    result = runner.run(release_event("v1.2.0"))
    assert result["publish"].step("Look the version up in GitHub Packages").status == "success"
    push = result["publish"].step("Push to GitHub Packages")
    assert push.status == "failure"
    assert "403 (Forbidden)" in push.output
    assert published(releases) == []  # refused before reading the package
    assert releases.registry.versions(PACKAGE) == []


def test_a_wrong_token_cannot_restore_the_owners_package(releases: Releases) -> None:
    result = releases.release(
        releases.checkout("1.2.0"), release_event("v1.2.0"), github_token="ghs_" + "0" * 36
    )
    test = result["test"].step("Test")
    assert test.status == "failure"
    assert "Response status code does not indicate success: 401 (Unauthorized)." in test.output
    assert (result["package"].status, result["publish"].status) == ("skipped", "skipped")
    assert published(releases) == []


def test_a_rerun_of_a_failed_publish_job_publishes_nothing_twice(releases: Releases) -> None:
    runner = releases.runner(releases.checkout("1.2.0"))
    event = release_event("v1.2.0")
    releases.registry.hide_after_push = True  # the listing lags: the check after the push fails
    first = runner.run(event)
    check = first["publish"].step("Check that GitHub Packages serves the version")
    assert (first["publish"].status, check.status) == ("failure", "failure")
    assert first["publish"].errors == [
        "GitHub Packages does not serve AcmeWidgets.Widgets 1.2.0 as this release built it"
        f" (served: sha256 none, built: sha256 {releases.built_sha(first)})"
    ]
    releases.registry.hide_after_push = False
    again = runner.rerun_failed(first, event)
    assert again.attempt == 2 and again["package"] is first["package"]
    lookup = again["publish"].step("Look the version up in GitHub Packages")
    assert (
        f"::notice::AcmeWidgets.Widgets 1.2.0 is already published with this very package"
        f" (sha256 {releases.built_sha(first)}); nothing is pushed again"
    ) in lookup.output
    assert again["publish"].step("Push to GitHub Packages").status == "skipped"
    assert again["publish"].status == "success", again["publish"].output
    assert published(releases) == [(PACKAGE, "1.2.0", 201)]


def test_a_version_published_with_other_content_fails_and_is_not_replaced(
    releases: Releases,
) -> None:
    earlier = nupkg(PACKAGE, "1.2.0", LINK, marker="first")
    releases.registry.publish(earlier)
    result = releases.release(releases.checkout("1.2.0"), release_event("v1.2.0"))
    assert result["publish"].errors == [
        f"AcmeWidgets.Widgets 1.2.0 is already published with other content (GitHub Packages"
        f" serves sha256 {hashlib.sha256(earlier).hexdigest()}, this release built sha256"
        f" {releases.built_sha(result)}); nothing is published: a version is published once,"
        " release a new one (re-running only the failed jobs re-uses the package built first)"
    ]
    assert result["publish"].step("Push to GitHub Packages").status == "skipped"
    assert published(releases) == []
    assert releases.registry.nupkg(PACKAGE, "1.2.0") == earlier


def test_a_pull_request_tests_and_publishes_nothing(releases: Releases) -> None:
    result = releases.release(releases.checkout("1.2.0"), pull_request_event())
    assert result["test"].status == "success", result["test"].output
    assert (result["package"].status, result["publish"].status) == ("skipped", "skipped")
    assert published(releases) == []


def test_a_failing_test_publishes_nothing(releases: Releases) -> None:
    checkout = releases.checkout("1.2.0", extra="    <StandInTestsFail>true</StandInTestsFail>\n")
    result = releases.release(checkout, release_event("v1.2.0"))
    assert result["test"].step("Test").status == "failure"
    assert (result["package"].status, result["publish"].status) == ("skipped", "skipped")
    assert published(releases) == []


def test_a_version_pushed_between_the_lookup_and_the_push_fails_the_push(
    releases: Releases,
) -> None:
    # Pushed meanwhile, and not listed yet when the publish job looks: the push answers 409,
    # which fails the step (no --skip-duplicate), and the registry keeps the first package.
    meanwhile = nupkg(PACKAGE, "1.2.0", LINK, marker="meanwhile")
    assert releases.registry.push(meanwhile) == (201, "created")
    releases.registry.hide_after_push = True
    result = releases.release(releases.checkout("1.2.0"), release_event("v1.2.0"))
    push = result["publish"].step("Push to GitHub Packages")
    assert push.status == "failure"
    assert "To skip already published packages, use the option --skip-duplicate" in push.output
    assert "Response status code does not indicate success: 409 (Conflict)." in push.output
    assert published(releases) == [(PACKAGE, "1.2.0", 201), (PACKAGE, "1.2.0", 409)]
    assert releases.registry.nupkg(PACKAGE, "1.2.0") == meanwhile
