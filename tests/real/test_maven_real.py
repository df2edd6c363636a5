"""The generated Maven release workflow, run whole with the real Maven client.

Each test renders the workflow from a manifest and runs its three jobs with
tests/workflow_runner.py: checkout copies a fixture project, setup-java is emulated as v5.7.0
does it (tests/real/realmaven.py), every `run:` step runs in bash with Debian's Maven, whose
plugins come from Maven Central through a loopback mirror, and GitHub's Maven registry is a
loopback registry that checks each job's token as GitHub does (tests/real/realmaven.py).
The assertions are on what the registry stores and on every request it answered. A fixture
pom that lists the owner's registry names the loopback address where GitHub's would be.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, parse
from realmaven import SETUP_JAVA, SETUP_JAVA_INPUTS, MavenRegistry, maven_or_skip, setup_java
from workflow_runner import Event, RunResult, WorkflowRunner, pull_request_event, release_event

from components._core._spec import RELEASE_ENVIRONMENT
from components._core._workflow import render
from components._ecosystems.maven import MAVEN_REGISTRY, maven_release

pytestmark = pytest.mark.maven

FIXTURE = ROOT / "tests/fixtures/maven-project"
OWNER = "acme-widgets"
PACKAGE = "com/acme/tools"
# The fixture's plugin versions (those scripts/maven-env.sh fetches) and Java level.
_BUILD = FIXTURE.joinpath("pom.xml").read_text(encoding="utf-8")
_PLUGINS = _BUILD[_BUILD.index("<properties>") : _BUILD.index("</project>")]


def pom(version: str, artifact: str = "tools", build: str = _PLUGINS) -> str:
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        f"  <groupId>com.acme</groupId>\n  <artifactId>{artifact}</artifactId>\n"
        f"  <version>{version}</version>\n  <packaging>jar</packaging>\n  {build}</project>\n"
    )


class Releases:
    """Fixture projects of the repository Acme-Widgets/tools and runs of its workflow."""

    def __init__(self, registry: MavenRegistry, root: Path) -> None:
        self.registry = registry
        self.root = root
        self.conf = registry.maven_conf(root / "maven-conf")

    def project(self, version: str, pom_text: str | None = None) -> Path:
        directory = self.root / f"project-{uuid.uuid4().hex[:6]}"
        (directory / "src").mkdir(parents=True)
        (directory / "pom.xml").write_text(pom_text or pom(version), encoding="utf-8")
        shutil.copytree(FIXTURE / "src", directory / "src", dirs_exist_ok=True)
        return directory

    def runner(
        self,
        checkout: Path,
        *,
        maven: str = "{package: 'com.acme:tools', java_version: '17'}",
        keys: str = "",
        tokens: dict[str, str] | None = None,
    ) -> WorkflowRunner:
        spec = parse(
            f"owner: Acme-Widgets\nrepositories:\n  - {{name: tools, maven: {maven}{keys}}}\n"
        ).repositories[0]
        runner = WorkflowRunner(
            render(maven_release(spec, "publishing.yaml")),
            repository="Acme-Widgets/tools",
            checkout=checkout,
            registry=self.registry.url,
            tokens=tokens or self.registry.tokens,
            workdir=self.root / f"run-{uuid.uuid4().hex[:6]}",
            environments={RELEASE_ENVIRONMENT: spec.release_tag_pattern},
            hosts={MAVEN_REGISTRY: self.registry.url},
        )
        runner.emulate("actions/setup-java", SETUP_JAVA, SETUP_JAVA_INPUTS, setup_java(self.conf))
        return runner

    def release(self, checkout: Path, event: Event, **kwargs: object) -> RunResult:
        return self.runner(checkout, **kwargs).run(event)  # type: ignore[arg-type]

    def published(self, version: str) -> dict[str, bytes]:
        return self.registry.stored(OWNER, f"{PACKAGE}/{version}/")


@pytest.fixture
def releases(tmp_path: Path) -> Iterator[Releases]:
    maven_or_skip()
    registry = MavenRegistry(tmp_path / "registry")
    for served in registry.serve():
        yield Releases(served, tmp_path)


def _files(version: str, *names: str) -> list[str]:
    return sorted(
        f"{PACKAGE}/{version}/tools-{version}{name}{checksum}"
        for name in names
        for checksum in ("", ".md5", ".sha1")
    )


def assert_published_once(releases: Releases, version: str) -> None:
    """The version's pom and jar (with Maven's checksums) are served, each PUT once, by the
    publish job's write token alone; the metadata lists the version."""
    assert sorted(releases.published(version)) == _files(version, ".pom", ".jar")
    release_puts = [p for p in releases.registry.puts() if "/maven-metadata.xml" not in p]
    assert sorted(p for p in release_puts if f"/{version}/" in p) == _files(version, ".pom", ".jar")
    assert len(release_puts) == len(set(release_puts))
    assert {r.token for r in releases.registry.log if r.method == "PUT"} == {"write"}
    assert version in releases.registry.metadata_versions(OWNER, PACKAGE)


def test_the_loopback_registry_checks_tokens_as_github_does(tmp_path: Path) -> None:
    registry = MavenRegistry(tmp_path)
    for served in registry.serve():
        path = f"/{OWNER}/tools/{PACKAGE}/1.0.0/tools-1.0.0.jar"
        assert served.put(path, b"jar", served.tokens["read"]) == 403
        assert served.put(path, b"jar", served.tokens["none"]) == 403
        assert served.put(path, b"jar", "ghs_other") == 401
        assert served.put(path, b"jar", served.tokens["write"]) == 201
        assert served.put(path, b"other", served.tokens["write"]) == 409  # a version's file
        metadata = f"/{OWNER}/tools/{PACKAGE}/maven-metadata.xml"
        assert served.put(metadata, b"<a/>", served.tokens["write"]) == 201
        assert served.put(metadata, b"<b/>", served.tokens["write"]) == 201  # rewritten
        assert served.get(path, served.tokens["read"]) == (200, b"jar")
        # The owner's packages, whichever repository's path asks.
        assert served.get(f"/{OWNER}/other/{PACKAGE}/1.0.0/tools-1.0.0.jar", None)[0] == 401
        assert served.get(f"/{OWNER}/other/{PACKAGE}/1.0.0/tools-1.0.0.jar", "x")[0] == 401
        assert served.get(path, served.tokens["none"])[0] == 403
        missing = f"/{OWNER}/other/{PACKAGE}/1.0.0/tools-1.0.0.pom"
        assert served.get(missing, served.tokens["write"])[0] == 404
        # Central's mirror serves the plugins fetched, never the fixtures' own group.
        assert served.get("/central/org/apache/maven/plugins/maven-metadata.xml", None)[0] == 200
        assert served.get(f"/central/{PACKAGE}/maven-metadata.xml", None)[0] == 404


def test_a_release_stages_without_write_and_publishes_once(releases: Releases) -> None:
    result = releases.release(releases.project("1.2.3"), release_event("v1.2.3"))
    for job in ("test", "package", "publish"):
        assert result[job].status == "success", result[job].output[-4000:]
    assert result["package"].outputs["version"] == "1.2.3"
    staged = result.artifacts["release"]
    assert (staged / PACKAGE / "1.2.3/tools-1.2.3.jar").is_file()
    assert_published_once(releases, "1.2.3")
    assert (
        releases.published("1.2.3")[f"{PACKAGE}/1.2.3/tools-1.2.3.jar"]
        == (staged / PACKAGE / "1.2.3/tools-1.2.3.jar").read_bytes()
    )
    # The package is linked to the repository it is built from (the URL's path).
    assert releases.registry.linked[(OWNER, PACKAGE)] == f"{OWNER}/tools"
    served = result["publish"].step("Check that GitHub Packages serves the version").output
    assert f"served: {PACKAGE}/1.2.3/tools-1.2.3.pom" in served


@pytest.mark.parametrize(
    ("pattern", "tag", "refused"),
    [
        ("release-*", "release-2.0.0", "v2.0.0"),
        ("widgets@*", "widgets@2.0.0", "2.0.0"),
        ("v*-stable", "v2.0.0-stable", "v2.0.0"),
        ("release/*", "release/2.0.0", "release-2.0.0"),
    ],
)
def test_each_tag_pattern_form_publishes_its_tag_once_and_refuses_others(
    releases: Releases, pattern: str, tag: str, refused: str
) -> None:
    project = releases.project("2.0.0")
    keys = f", release_tag_pattern: '{pattern}'"
    result = releases.release(project, release_event(refused), keys=keys)
    assert result["package"].status == "failure"
    assert result["package"].errors == [
        f"the release tag '{refused}' does not match the release tag pattern '{pattern}';"
        " nothing is published"
    ]
    assert result["publish"].status == "skipped"
    assert releases.registry.puts(status=None) == []
    result = releases.release(project, release_event(tag), keys=keys)
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    assert_published_once(releases, "2.0.0")


def test_a_tag_that_is_not_the_version_publishes_nothing(releases: Releases) -> None:
    result = releases.release(releases.project("1.2.3"), release_event("v1.2.4"))
    assert result["package"].errors == [
        "the release tag 'v1.2.4' is version '1.2.4' but the pom's version is '1.2.3'; nothing"
        " is published: release the tag 'v1.2.3' or change the version"
    ]
    assert result["publish"].status == "skipped"
    assert releases.registry.puts(status=None) == []


def test_a_prerelease_version_publishes_from_a_prerelease_only(releases: Releases) -> None:
    project = releases.project("1.3.0-rc.1")
    result = releases.release(project, release_event("v1.3.0-rc.1"))
    assert result["package"].errors == [
        "version '1.3.0-rc.1' is a prerelease, but the GitHub release is not marked as one;"
        " make them agree"
    ]
    assert releases.registry.puts(status=None) == []
    result = releases.release(project, release_event("v1.3.0-rc.1", prerelease=True))
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    assert result["package"].outputs["prerelease"] == "true"
    assert_published_once(releases, "1.3.0-rc.1")


def test_a_release_flagged_prerelease_of_a_plain_version_publishes_nothing(
    releases: Releases,
) -> None:
    result = releases.release(releases.project("1.2.3"), release_event("v1.2.3", prerelease=True))
    assert result["package"].errors == [
        "version '1.2.3' is not a prerelease, but the GitHub release is marked as one;"
        " make them agree"
    ]
    assert releases.registry.puts(status=None) == []


def test_a_pom_of_another_package_publishes_nothing(releases: Releases) -> None:
    project = releases.project("1.2.3", pom("1.2.3", artifact="tools-themes"))
    result = releases.release(project, release_event("v1.2.3"))
    assert result["package"].errors == [
        "the pom declares 'com.acme:tools-themes' but the manifest publishes 'com.acme:tools';"
        " change one of them (maven.package of the repository 'tools' in publishing.yaml)"
    ]
    assert releases.registry.puts(status=None) == []


def test_a_token_without_write_publishes_nothing(releases: Releases) -> None:
    tokens = {**releases.registry.tokens, "write": releases.registry.tokens["read"]}
    result = releases.release(releases.project("1.2.3"), release_event("v1.2.3"), tokens=tokens)
    deploy = result["publish"].step("Deploy the staged files to GitHub Packages")
    assert deploy.status == "failure"
    assert "403" in deploy.output, deploy.output[-3000:]
    assert releases.registry.puts() == []
    assert releases.registry.stored(OWNER) == {}


def test_a_backport_after_a_newer_release_publishes_beside_it(releases: Releases) -> None:
    result = releases.release(releases.project("1.5.0"), release_event("v1.5.0"))
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    newer = releases.published("1.5.0")
    result = releases.release(releases.project("1.4.3"), release_event("v1.4.3"))
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    assert_published_once(releases, "1.4.3")
    assert releases.published("1.5.0") == newer  # untouched
    assert releases.registry.metadata_versions(OWNER, PACKAGE) == ["1.5.0", "1.4.3"]


def test_a_version_published_with_other_files_fails_and_pushes_nothing(
    releases: Releases,
) -> None:
    for name in ("tools-1.2.3.pom", "tools-1.2.3.jar"):
        releases.registry.publish(OWNER, f"{OWNER}/tools", f"{PACKAGE}/1.2.3/{name}", b"other")
    result = releases.release(releases.project("1.2.3"), release_event("v1.2.3"))
    assert result["publish"].errors == [
        f"version 1.2.3 is already published and {releases.registry.url}/{OWNER}/tools/"
        f"{PACKAGE}/1.2.3/tools-1.2.3.jar is not the file staged: a version is published"
        " once; release a new version"
    ]
    assert releases.registry.puts(status=None) == []


def test_a_rerun_after_a_push_failed_midway_pushes_only_what_is_missing(
    releases: Releases,
) -> None:
    releases.registry.faults.append(
        lambda method, path, stored: 502 if method == "PUT" and path.endswith(".jar") else None
    )
    runner = releases.runner(releases.project("1.2.3"))
    event = release_event("v1.2.3")
    first = runner.run(event)
    assert first["publish"].status == "failure"
    assert sorted(releases.published("1.2.3")) == _files("1.2.3", ".pom")  # the pom only
    again = runner.rerun_failed(first, event)
    assert (again["test"], again["package"]) == (first["test"], first["package"])  # kept
    assert again["publish"].status == "success", again["publish"].output[-4000:]
    deploy = again["publish"].step("Deploy the staged files to GitHub Packages").output
    assert (
        "::notice::version 1.2.3 is partly published (an earlier attempt): pushing only the"
        " files missing"
    ) in deploy
    assert_published_once(releases, "1.2.3")


def test_a_rerun_after_the_check_failed_pushes_nothing_again(releases: Releases) -> None:
    releases.registry.faults.append(
        lambda method, path, stored: 500 if method == "GET" and stored else None
    )
    runner = releases.runner(releases.project("1.2.3"))
    event = release_event("v1.2.3")
    first = runner.run(event)
    assert first["publish"].step("Check that GitHub Packages serves the version").status == (
        "failure"
    )
    puts = releases.registry.puts(status=None)
    again = runner.rerun_failed(first, event)
    assert again["publish"].status == "success", again["publish"].output[-4000:]
    assert "::notice::version 1.2.3 is already published with the files staged: nothing is" in (
        again["publish"].step("Deploy the staged files to GitHub Packages").output
    )
    assert releases.registry.puts(status=None) == puts  # nothing pushed again
    assert_published_once(releases, "1.2.3")


PARENT = (
    '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
    "  <modelVersion>4.0.0</modelVersion>\n"
    "  <groupId>com.acme</groupId><artifactId>acme-parent</artifactId><version>4</version>\n"
    f"  <packaging>pom</packaging>\n  {_PLUGINS}</project>\n"
)


def child_pom(registry: str) -> str:
    """A pom whose parent (its plugin versions, its Java level) is an owner's package on
    GitHub Packages only."""
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <parent><groupId>com.acme</groupId><artifactId>acme-parent</artifactId>"
        "<version>4</version><relativePath/></parent>\n"
        "  <artifactId>tools</artifactId><version>1.2.3</version>\n"
        "  <repositories><repository><id>github</id>"
        f"<url>{registry}/{OWNER}/platform</url></repository></repositories>\n"
        "</project>\n"
    )


def test_a_parent_pom_of_the_owner_resolves_with_the_read_token_in_every_job(
    releases: Releases,
) -> None:
    releases.registry.publish(
        OWNER, f"{OWNER}/platform", "com/acme/acme-parent/4/acme-parent-4.pom", PARENT.encode()
    )
    project = releases.project("1.2.3", child_pom(releases.registry.url))
    result = releases.release(project, release_event("v1.2.3"))
    for job in ("test", "package", "publish"):
        assert result[job].status == "success", result[job].output[-4000:]
    assert_published_once(releases, "1.2.3")
    parent = [
        r for r in releases.registry.log
        if r.path == "com/acme/acme-parent/4/acme-parent-4.pom" and r.status == 200
    ]  # fmt: skip
    # Read with the read token, in the test job and in each Maven run of the package job.
    assert {r.token for r in parent} == {"read"}
    assert len(parent) >= 2


def test_a_deploy_target_in_the_pom_cannot_replace_the_staging(releases: Releases) -> None:
    elsewhere = releases.root / "elsewhere"
    build = _PLUGINS.replace(
        "<version>3.1.2</version></plugin>",
        "<version>3.1.2</version><configuration><altReleaseDeploymentRepository>"
        f"other::file://{elsewhere}</altReleaseDeploymentRepository></configuration></plugin>",
    )
    project = releases.project("1.2.3", pom("1.2.3", build=build))
    result = releases.release(project, release_event("v1.2.3"))
    assert result["package"].step("Stage the release in a Maven repository layout").status == (
        "failure"
    )
    assert result["package"].errors == [
        "the build staged no pom of com.acme:tools:1.2.3: a deploy target or skip in the pom's"
        " maven-deploy-plugin configuration overrides the staging repository; remove it (the"
        " publish job deploys to GitHub Packages)"
    ]
    assert result["publish"].status == "skipped"
    assert releases.registry.puts(status=None) == []


def test_a_pull_request_runs_the_tests_only(releases: Releases) -> None:
    result = releases.release(releases.project("1.2.3"), pull_request_event())
    assert result["test"].status == "success", result["test"].output[-4000:]
    assert (result["package"].status, result["publish"].status) == ("skipped", "skipped")
    assert releases.registry.log == []
