"""Gradle: the `gradle` block and its workflow (no current Gradle on this machine: the
commands are checked by golden files, zizmor, the workflow schema and the policy pack's rules;
tests/real/test_gradle_real.py runs the workflow with a stand-in `gradlew` and real Maven)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import errors, lint_texts, parse

from components._core._catalog import pin
from components._core._rules import check_workflow
from components._core._workflow import render
from components._ecosystems.gradle import gradle_release
from components._ecosystems.maven import maven_release

MANIFEST = """
owner: Acme-Widgets
defaults:
  gradle: {java_version: 21, release_types: [published, prereleased]}
repositories:
  - name: core
    gradle: {}
  - name: tools
    gradle:
      distribution: corretto
      test_command: ./gradlew check --stacktrace
      publish_command: ./gradlew --stacktrace :lib:publishMavenJavaPublicationToStagingRepository
  - name: docs
    gradle: false
"""


def test_every_default_and_key_by_key_merge() -> None:
    core, tools, docs = parse(MANIFEST).repositories
    assert core.block("gradle") is not None and tools.block("gradle") is not None
    assert (core.block("gradle").java_version, core.block("gradle").distribution) == (
        "21",
        "temurin",
    )
    assert core.block("gradle").test_command == ("./gradlew", "build")
    assert core.block("gradle").publish_command == (
        "./gradlew",
        "publishAllPublicationsToStagingRepository",
    )
    assert core.block("gradle").release_types == ("published", "prereleased")
    assert tools.block("gradle").distribution == "corretto"
    assert tools.block("gradle").test_command == ("./gradlew", "check", "--stacktrace")
    assert tools.block("gradle").publish_command == (
        "./gradlew",
        "--stacktrace",
        ":lib:publishMavenJavaPublicationToStagingRepository",
    )
    assert docs.block("gradle") is None
    only = parse("owner: a\nrepositories: [{name: b, gradle: {}}]").repositories[0].block("gradle")
    assert only is not None and only.java_version == "25"
    assert only.release_types == ("published",)
    assert parse("owner: a\nrepositories: [{name: b}]").repositories[0].block("gradle") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "owner: a\nrepositories:\n  - name: b\n    gradle: {java_version: latest}\n",
            "publishing.yaml:4: repositories[0].gradle.java_version: 'latest' is not a Java"
            " version; expected a major version such as '25' or a full one such as '21.0.5'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    gradle: {java_version: 17.0}\n",
            "publishing.yaml:4: repositories[0].gradle.java_version: 17.0 is a number in YAML;"
            " quote the Java version, such as '25'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    gradle: {distribution: adopt}\n",
            "publishing.yaml:4: repositories[0].gradle.distribution: 'adopt' is not allowed;"
            " expected 'corretto', 'dragonwell', 'graalvm', 'jetbrains', 'liberica',"
            " 'microsoft', 'oracle', 'sapmachine', 'semeru', 'temurin' or 'zulu'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n"
            "    gradle: {test_command: ./gradlew build && ./gradlew javadoc}\n",
            "publishing.yaml:4: repositories[0].gradle.test_command: './gradlew build &&"
            " ./gradlew javadoc' is not a single command (shell syntax is not run, every word"
            " is quoted); make one task depend on the steps in the build file and name it,"
            " such as './gradlew check'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n"
            "    gradle: {publish_command: ./gradlew publish || true}\n",
            "publishing.yaml:4: repositories[0].gradle.publish_command: './gradlew publish ||"
            " true' is not a single command (shell syntax is not run, every word is quoted);"
            " name the task publishing to the repository 'staging', such as"
            " './gradlew publishAllPublicationsToStagingRepository'",
        ),
        *(
            (
                f"owner: a\nrepositories:\n  - name: b\n    gradle: {{publish_command: {cmd}}}\n",
                f"publishing.yaml:4: repositories[0].gradle.publish_command: '{cmd}' is not a"
                " Gradle command publishing to the repository 'staging' only; the package job"
                " stages the publications there and the publish job pushes them: expected"
                " './gradlew' (or 'gradle') with maven-publish tasks such as"
                " './gradlew publishAllPublicationsToStagingRepository'",
            )
            for cmd in (
                "./gradlew build",
                "make publish",
                # The old default: it publishes to the build's own repositories (with write).
                "./gradlew publish",
                "./gradlew publishAllPublicationsToGitHubPackagesRepository",
                "./gradlew publishAllPublicationsToStagingRepository publish",
            )
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    gradle: {package: 'a:b'}\n",
            "publishing.yaml:4: repositories[0].gradle.package: unknown key 'package'; expected"
            " one of: distribution, enabled, java_version, publish_command, release_types,"
            " test_command, visibility",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    gradle: {visibility: public}\n",
            "publishing.yaml:4: repositories[0].gradle.visibility: 'public' for 'the Gradle"
            " packages of a/b' differs from the repository's visibility 'private': a package"
            " linked to its repository inherits the repository's access and GitHub has no API"
            " to set a package's visibility; set gradle.visibility to 'private' or change the"
            " repository's visibility, or make the change by hand after the first publish in"
            " the package's settings on GitHub (Package settings, Danger Zone, Change"
            " visibility; making a package public cannot be undone)",
        ),
    ],
)
def test_bad_gradle_block_is_refused_with_an_exact_message(text: str, expected: str) -> None:
    assert errors(text) == [expected]


def _text(index: int = 1) -> str:
    return render(gradle_release(parse(MANIFEST).repositories[index], "publishing.yaml"))


def test_test_job_reads_packages_and_publish_job_alone_writes_them() -> None:
    workflow = yaml.safe_load(_text())
    test, package, publish = (workflow["jobs"][j] for j in ("test", "package", "publish"))
    assert workflow["permissions"] == {}
    assert test["permissions"] == {"contents": "read", "packages": "read"}
    assert "environment" not in test and "if" not in test
    assert package["permissions"] == {"contents": "read", "packages": "read"}
    assert (package["needs"], package["if"]) == (["test"], "github.event_name == 'release'")
    assert publish["permissions"] == {"packages": "write"}
    assert (publish["environment"], publish["needs"]) == ("release", ["package"])
    assert workflow[True] == {
        "pull_request": {"branches": ["main"]},
        "release": {"types": ["published", "prereleased"]},
    }
    # Each permission says why it is there.
    assert "# publish the package to GitHub Packages" in _text()


READ = {
    "USERNAME": "${{ github.actor }}",
    "TOKEN": "${{ github.token }}",
    "GITHUB_TOKEN": "${{ github.token }}",
}


def test_gradle_runs_with_the_read_token_and_no_gradle_action() -> None:
    text = _text()
    jobs = yaml.safe_load(text)["jobs"]
    for job in ("test", "package"):
        setup = jobs[job]["steps"][1]
        assert setup["uses"] == pin("actions/setup-java").uses
        # No dependency cache, no settings.xml server: Gradle reads none.
        assert setup["with"] == {"distribution": "corretto", "java-version": "21"}
    assert "gradle/actions" not in text and "setup-gradle" not in text
    assert jobs["test"]["steps"][-1] == {
        "name": "Test",
        "run": "./gradlew check --stacktrace",
        "env": READ,
    }
    steps = jobs["package"]["steps"]
    assert [s["name"] for s in steps] == [
        "Check out",
        "Set up Java",
        "Check the release tag against the version",
        "Stage the publications in a Maven repository layout",
        "Check the staged files",
        "Record the release artifact's digest",
        "Upload the release artifact",
    ]
    check, stage = steps[2], steps[3]
    assert check["run"].startswith(
        "version=\"$(set -o pipefail; ./gradlew --quiet properties | sed -n 's/^version: //p')\"\n"
    )
    assert 'case "$version" in *-*) pre=true' in check["run"]  # a qualifier: prerelease
    assert check["env"] == {
        "BUILD": "build.gradle",
        **READ,
        "TAG_PREFIX": "v",
        "TAG": "${{ github.event.release.tag_name }}",
        "PRERELEASE": "${{ github.event.release.prerelease }}",
    }
    assert stage["env"] == {"RELEASE_DIR": "${{ runner.temp }}/release", **READ}
    assert stage["run"] == (
        'init="$RUNNER_TEMP/ghpublish-staging.gradle"\n'
        "cat > \"$init\" <<'GRADLE'\n"
        "// ghpublish: publish every publication to $RELEASE_DIR (a Maven repository layout)\n"
        "allprojects {\n"
        "    plugins.withId('maven-publish') {\n"
        "        publishing.repositories.maven {\n"
        "            name = 'staging'\n"
        "            url = uri(System.getenv('RELEASE_DIR'))\n"
        "        }\n"
        "    }\n"
        "}\n"
        "GRADLE\n"
        './gradlew --init-script "$init" --stacktrace'
        " :lib:publishMavenJavaPublicationToStagingRepository\n"
    )
    assert "secrets.GITHUB_TOKEN" not in yaml.safe_dump([jobs["test"], jobs["package"]])


def test_the_publish_job_pushes_as_mavens_does() -> None:
    gradle = yaml.safe_load(_text(0))["jobs"]["publish"]
    maven = yaml.safe_load(
        render(
            maven_release(
                parse("owner: Acme-Widgets\nrepositories: [{name: core, maven: {}}]").repositories[
                    0
                ],
                "publishing.yaml",
            )
        )
    )["jobs"]["publish"]
    assert [s["name"] for s in gradle["steps"]] == [
        "Download the release artifact",
        "Check the release artifact's digest",
        "Set up Java",
        "Deploy the staged files to GitHub Packages",
        "Check that GitHub Packages serves the version",
    ]
    for mine, theirs in zip(gradle["steps"], maven["steps"], strict=True):
        if mine["name"] == "Set up Java":  # the block's own Java
            assert mine["with"] == {**theirs["with"], "java-version": "21"}
        else:
            assert mine == theirs


def test_the_policy_pack_recognises_the_publish_command() -> None:
    # The write permission is justified by the push of the publish job.
    assert check_workflow(_text(0)) == []
    assert check_workflow(_text(1)) == []
    # Without the push, `packages: write` is unjustified.
    jobs = yaml.safe_load(_text(0))
    del jobs["jobs"]["publish"]["steps"][3]
    assert [f.rule for f in check_workflow(yaml.safe_dump(jobs))] == ["unjustified-write"]


def test_workflows_are_lint_clean(tmp_path: Path) -> None:
    texts = [_text(0), _text(1)]
    assert lint_texts(tmp_path, "release-gradle.yml", texts) == []


@pytest.mark.parametrize(
    ("tag", "prerelease", "code", "message"),
    [
        ("v1.2.0-rc.1", "true", 0, ""),
        (
            "widgets@1.2.0-rc.1",
            "true",
            1,
            "the release tag 'widgets@1.2.0-rc.1' does not match the release tag pattern 'v*'",
        ),
        (
            "v1.2.0",
            "true",
            1,
            "the release tag 'v1.2.0' is version '1.2.0' but the project's version is '1.2.0-rc.1'",
        ),
        ("v1.2.0-rc.1", "false", 1, "version '1.2.0-rc.1' is a prerelease, but the GitHub"),
        (None, "false", 3, ""),  # Gradle fails: the step fails with it
    ],
)
def test_the_release_tag_check_reads_the_version_gradle_prints(
    tmp_path: Path, tag: str | None, prerelease: str, code: int, message: str
) -> None:
    """The generated check under the runner's default shell (`bash -e`), with a stand-in
    `./gradlew` printing what the `properties` task prints (no Gradle on this machine)."""
    import os
    import subprocess

    gradlew = tmp_path / "gradlew"
    body = 'echo "group: com.acme"; echo "version: 1.2.0-rc.1"' if tag else "exit 3"
    gradlew.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    gradlew.chmod(0o755)
    check = yaml.safe_load(_text(0))["jobs"]["package"]["steps"][2]
    env = {
        **os.environ,
        **check["env"],
        "TAG": tag or "v1",
        "PRERELEASE": prerelease,
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", check["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == code
    assert message in done.stdout
    assert bool(done.stdout) is (code == 1)
