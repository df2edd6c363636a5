"""The generated Gradle release workflow, run whole: Gradle by a STAND-IN, the push by the real
Maven client.

No current Gradle runs on this machine: the checkout's `./gradlew` is a stand-in
(tests/real/gradle_stand_in.py) that records its arguments and environment and writes the
staged layout as maven-publish would. Everything else is real, as in test_maven_real.py:
the workflow's scripts in bash, setup-java as v5.7.0 writes its settings.xml, and the
publish job's push with Debian's Maven (deploy-file) to the loopback GitHub Maven registry,
which checks each job's token as GitHub does (tests/real/realmaven.py).
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, parse
from realmaven import SETUP_JAVA, SETUP_JAVA_INPUTS, MavenRegistry, maven_or_skip, setup_java
from workflow_runner import Event, RunResult, WorkflowRunner, release_event

from components._core._spec import RELEASE_ENVIRONMENT
from components._core._workflow import render
from components._ecosystems.gradle import gradle_release
from components._ecosystems.maven import MAVEN_REGISTRY

pytestmark = pytest.mark.maven

STAND_IN = ROOT / "tests/real/gradle_stand_in.py"
OWNER = "acme-widgets"
WIDGETS = "com/acme/widgets"
DEPENDENCY = "com/acme/platform/1.0/platform-1.0.pom"


class Builds:
    """Checkouts of Acme-Widgets/widgets whose `./gradlew` is the stand-in, and runs."""

    def __init__(self, registry: MavenRegistry, root: Path) -> None:
        self.registry = registry
        self.root = root
        self.conf = registry.maven_conf(root / "maven-conf")
        self.record = root / "gradle-runs.jsonl"

    def checkout(
        self,
        version: str,
        publications: tuple[tuple[str, str], ...] = (("com.acme", "widgets"),),
    ) -> Path:
        directory = self.root / f"checkout-{uuid.uuid4().hex[:6]}"
        directory.mkdir(parents=True)
        shutil.copy2(STAND_IN, directory / "gradlew")
        (directory / "gradlew").chmod(0o755)
        config = {
            "record": str(self.record),
            "group": "com.acme",
            "version": version,
            "publications": [list(p) for p in publications],
            # The build's repository for the owner's packages (GitHub's address, on loopback).
            "dependency": f"{self.registry.url}/{OWNER}/platform/{DEPENDENCY}",
        }
        (directory / "gradle-stand-in.json").write_text(json.dumps(config))
        (directory / "build.gradle").write_text("// the stand-in reads gradle-stand-in.json\n")
        return directory

    def runner(
        self, checkout: Path, *, keys: str = "", tokens: dict[str, str] | None = None
    ) -> WorkflowRunner:
        spec = parse(
            f"owner: Acme-Widgets\nrepositories:\n  - {{name: widgets, gradle: {{}}{keys}}}\n"
        ).repositories[0]
        runner = WorkflowRunner(
            render(gradle_release(spec, "publishing.yaml")),
            repository="Acme-Widgets/widgets",
            checkout=checkout,
            registry=self.registry.url,
            tokens=tokens or self.registry.tokens,
            workdir=self.root / f"run-{uuid.uuid4().hex[:6]}",
            environments={RELEASE_ENVIRONMENT: spec.release_tag_pattern},
            hosts={MAVEN_REGISTRY: self.registry.url},
        )
        runner.emulate("actions/setup-java", SETUP_JAVA, SETUP_JAVA_INPUTS, setup_java(self.conf))
        return runner

    def release(self, checkout: Path, event: Event, **kwargs: Any) -> RunResult:
        return self.runner(checkout, **kwargs).run(event)

    def runs(self) -> list[dict[str, Any]]:
        """What the stand-in recorded, one entry per `./gradlew` run."""
        lines = self.record.read_text().splitlines() if self.record.exists() else []
        return [json.loads(line) for line in lines]

    def published(self, package: str, version: str) -> list[str]:
        return sorted(self.registry.stored(OWNER, f"{package}/{version}/"))


@pytest.fixture
def builds(tmp_path: Path) -> Iterator[Builds]:
    maven_or_skip()
    registry = MavenRegistry(tmp_path / "registry")
    # The owner's package the build depends on: an earlier release of another repository.
    registry.publish(OWNER, f"{OWNER}/platform", DEPENDENCY, b"<project/>")
    for served in registry.serve():
        yield Builds(served, tmp_path)


def _files(package: str, version: str) -> list[str]:
    artifact = package.rsplit("/", 1)[-1]
    return sorted(
        f"{package}/{version}/{artifact}-{version}{ext}{checksum}"
        for ext in (".jar", ".pom", ".module")
        for checksum in ("", ".md5", ".sha1")
    )


def assert_published_once(builds: Builds, version: str, package: str = WIDGETS) -> None:
    assert builds.published(package, version) == _files(package, version)
    release_puts = [p for p in builds.registry.puts() if "/maven-metadata.xml" not in p]
    assert sorted(p for p in release_puts if p.startswith(f"{package}/{version}/")) == _files(
        package, version
    )
    assert len(release_puts) == len(set(release_puts))
    assert {r.token for r in builds.registry.log if r.method == "PUT"} == {"write"}
    assert version in builds.registry.metadata_versions(OWNER, package)


def test_the_stand_in_stages_and_real_maven_pushes_without_gradle_holding_write(
    builds: Builds,
) -> None:
    result = builds.release(builds.checkout("1.2.0"), release_event("v1.2.0"))
    for job in ("test", "package", "publish"):
        assert result[job].status == "success", result[job].output[-4000:]
    assert_published_once(builds, "1.2.0")
    runs = builds.runs()
    # Gradle runs in the test and package jobs only, with the read token under each name.
    assert [(r["env"]["GITHUB_JOB"], r["argv"][0]) for r in runs] == [
        ("test", "build"),
        ("package", "--quiet"),
        ("package", "--init-script"),
    ]
    read = builds.registry.tokens["read"]
    for run in runs:
        assert (run["env"]["TOKEN"], run["env"]["GITHUB_TOKEN"]) == (read, read)
        assert run["env"]["USERNAME"] == "release-engineer"
    stage = runs[2]
    assert stage["argv"][2:] == ["publishAllPublicationsToStagingRepository"]
    assert stage["argv"][1].endswith("/package/temp/ghpublish-staging.gradle")
    assert stage["env"]["RELEASE_DIR"].endswith("/package/temp/release")
    # The owner's package the build depends on, read with the read token in each run.
    reads = [r for r in builds.registry.log if r.path == DEPENDENCY]
    assert [(r.token, r.status) for r in reads] == [("read", 200)] * 3


def test_a_build_without_a_publication_fails_in_the_package_job(builds: Builds) -> None:
    result = builds.release(builds.checkout("1.2.0", publications=()), release_event("v1.2.0"))
    assert result["package"].step("Check the staged files").status == "failure"
    assert result["package"].errors == [
        "the build staged no publication: a build file without a maven-publish publication"
        " publishes nothing; declare one (publishing { publications { ... } }) in the build"
        " file"
    ]
    assert result["publish"].status == "skipped"
    assert builds.registry.puts(status=None) == []


def test_every_publication_of_the_build_is_pushed(builds: Builds) -> None:
    publications = (("com.acme", "widgets"), ("com.acme", "widgets-api"))
    result = builds.release(builds.checkout("2.0.0", publications), release_event("v2.0.0"))
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    assert_published_once(builds, "2.0.0")
    assert_published_once(builds, "2.0.0", "com/acme/widgets-api")


@pytest.mark.parametrize(
    ("pattern", "tag", "refused"),
    [
        ("v*", "v3.1.0", "3.1.0"),
        ("release-*", "release-3.1.0", "v3.1.0"),
        ("widgets@*", "widgets@3.1.0", "widgets-3.1.0"),
        ("v*-stable", "v3.1.0-stable", "v3.1.0"),
        ("release/*", "release/3.1.0", "release/v3.1.0-rc"),
    ],
)
def test_each_tag_pattern_form_publishes_its_tag_once_and_refuses_others(
    builds: Builds, pattern: str, tag: str, refused: str
) -> None:
    checkout = builds.checkout("3.1.0")
    keys = f", release_tag_pattern: '{pattern}'"
    result = builds.release(checkout, release_event(refused), keys=keys)
    assert result["package"].status == "failure"
    assert result["publish"].status == "skipped"
    assert builds.registry.puts(status=None) == []
    result = builds.release(checkout, release_event(tag), keys=keys)
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    assert_published_once(builds, "3.1.0")


def test_a_tag_that_is_not_the_version_publishes_nothing(builds: Builds) -> None:
    result = builds.release(builds.checkout("1.2.0"), release_event("v1.2.1"))
    assert result["package"].errors == [
        "the release tag 'v1.2.1' is version '1.2.1' but the project's version is '1.2.0';"
        " nothing is published: release the tag 'v1.2.0' or change the version"
    ]
    assert builds.registry.puts(status=None) == []


def test_a_prerelease_version_publishes_from_a_prerelease_only(builds: Builds) -> None:
    checkout = builds.checkout("1.3.0-rc.1")
    result = builds.release(checkout, release_event("v1.3.0-rc.1"))
    assert result["package"].errors == [
        "version '1.3.0-rc.1' is a prerelease, but the GitHub release is not marked as one;"
        " make them agree"
    ]
    result = builds.release(builds.checkout("1.2.0"), release_event("v1.2.0", prerelease=True))
    assert result["package"].errors == [
        "version '1.2.0' is not a prerelease, but the GitHub release is marked as one;"
        " make them agree"
    ]
    assert builds.registry.puts(status=None) == []
    result = builds.release(checkout, release_event("v1.3.0-rc.1", prerelease=True))
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    assert_published_once(builds, "1.3.0-rc.1")


def test_a_token_without_write_publishes_nothing(builds: Builds) -> None:
    tokens = {**builds.registry.tokens, "write": builds.registry.tokens["read"]}
    result = builds.release(builds.checkout("1.2.0"), release_event("v1.2.0"), tokens=tokens)
    deploy = result["publish"].step("Deploy the staged files to GitHub Packages")
    assert deploy.status == "failure"
    assert "403" in deploy.output, deploy.output[-3000:]
    assert builds.registry.puts() == []


def test_a_backport_after_a_newer_release_publishes_beside_it(builds: Builds) -> None:
    result = builds.release(builds.checkout("1.5.0"), release_event("v1.5.0"))
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    newer = builds.registry.stored(OWNER, f"{WIDGETS}/1.5.0/")
    result = builds.release(builds.checkout("1.4.3"), release_event("v1.4.3"))
    assert result["publish"].status == "success", result["publish"].output[-4000:]
    assert_published_once(builds, "1.4.3")
    assert builds.registry.stored(OWNER, f"{WIDGETS}/1.5.0/") == newer
    assert builds.registry.metadata_versions(OWNER, WIDGETS) == ["1.5.0", "1.4.3"]


def test_a_rerun_of_a_failed_publish_publishes_nothing_twice(builds: Builds) -> None:
    builds.registry.faults.append(
        lambda method, path, stored: 502 if method == "PUT" and path.endswith(".module") else None
    )
    runner = builds.runner(builds.checkout("1.2.0"))
    event = release_event("v1.2.0")
    first = runner.run(event)
    assert first["publish"].status == "failure"
    again = runner.rerun_failed(first, event)
    assert again["publish"].status == "success", again["publish"].output[-4000:]
    assert_published_once(builds, "1.2.0")
    assert "pushing only the files missing" in (
        again["publish"].step("Deploy the staged files to GitHub Packages").output
    )
    # Gradle ran in the first attempt's test and package jobs only.
    assert [r["env"]["GITHUB_JOB"] for r in builds.runs()] == ["test", "package", "package"]
