"""Maven: the `maven` block, its workflow, and the generated commands run with real Maven."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import errors, lint_texts, parse

from components._core._catalog import pin
from components._core._workflow import render
from components._ecosystems.maven import maven_release

MANIFEST = """
owner: Acme-Widgets
defaults:
  maven: {java_version: 21, release_types: [published, prereleased]}
repositories:
  - name: core
    maven: {}
  - name: tools
    maven: {package: "com.acme:tools", directory: java, distribution: corretto}
  - name: docs
    maven: false
"""


def test_every_default_and_key_by_key_merge() -> None:
    core, tools, docs = parse(MANIFEST).repositories
    assert core.block("maven") is not None and tools.block("maven") is not None
    assert (core.block("maven").java_version, core.block("maven").distribution) == ("21", "temurin")
    assert core.block("maven").test_command == (
        "mvn",
        "--batch-mode",
        "--file",
        "pom.xml",
        "verify",
    )
    assert core.block("maven").release_types == ("published", "prereleased")
    assert core.block("maven").package is None
    assert (tools.block("maven").package, tools.block("maven").pom) == (
        "com.acme:tools",
        "java/pom.xml",
    )
    assert tools.block("maven").test_command[3] == "java/pom.xml"
    assert tools.block("maven").distribution == "corretto"
    assert docs.block("maven") is None
    assert (
        parse("owner: a\nrepositories: [{name: b, maven: {}}]")
        .repositories[0]
        .block("maven")
        .java_version
        == "25"
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "owner: a\nrepositories:\n  - name: b\n    maven: {java_version: latest}\n",
            "publishing.yaml:4: repositories[0].maven.java_version: 'latest' is not a Java"
            " version; expected a major version such as '25' or a full one such as '21.0.5'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    maven: {java_version: 21.0}\n",
            "publishing.yaml:4: repositories[0].maven.java_version: 21.0 is a number in YAML;"
            " quote the Java version, such as '25'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    maven: {distribution: adopt}\n",
            "publishing.yaml:4: repositories[0].maven.distribution: 'adopt' is not allowed;"
            " expected 'corretto', 'dragonwell', 'graalvm', 'jetbrains', 'liberica',"
            " 'microsoft', 'oracle', 'sapmachine', 'semeru', 'temurin' or 'zulu'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    maven: {package: widgets}\n",
            "publishing.yaml:4: repositories[0].maven.package: 'widgets' is not Maven"
            " coordinates; expected '<groupId>:<artifactId>', such as 'com.acme-widgets:widgets'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    maven: {test_command: mvn verify && mvn site}\n",
            "publishing.yaml:4: repositories[0].maven.test_command: 'mvn verify && mvn site' is"
            " not a single command (shell syntax is not run, every word is quoted); bind the"
            " steps to Maven's lifecycle in pom.xml (a profile) and name the phase, such as"
            " 'mvn --batch-mode -P ci verify'",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    maven: {directory: ../x}\n",
            "publishing.yaml:4: repositories[0].maven.directory: '../x' is not a path inside the"
            " repository; expected a relative path with '/' separators and no '..', such as '.'"
            " or 'docker/app'",
        ),
        (
            "owner: a\ndefaults:\n  maven: {package: 'a:b'}\nrepositories: [{name: b}]\n",
            "publishing.yaml:3: defaults.maven.package: unknown key 'package'; expected one of:"
            " directory, distribution, enabled, java_version, release_types, test_command,"
            " visibility",
        ),
        (
            "owner: a\nrepositories:\n  - {name: b, maven: {package: 'a:b'}}\n"
            "  - {name: c, maven: {package: 'a:b'}}\n",
            "publishing.yaml:4: repositories[1].maven.package: 'a:b' is already published by"
            " repositories[0]; give each repository its own maven.package",
        ),
        (
            "owner: a\nrepositories:\n  - name: b\n    maven: {visibility: public}\n",
            "publishing.yaml:4: repositories[0].maven.visibility: 'public' for 'the Maven"
            " package of a/b' differs from the repository's visibility 'private': a package"
            " linked to its repository inherits the repository's access and GitHub has no API"
            " to set a package's visibility; set maven.visibility to 'private' or change the"
            " repository's visibility, or make the change by hand after the first publish in"
            " the package's settings on GitHub (Package settings, Danger Zone, Change"
            " visibility; making a package public cannot be undone)",
        ),
    ],
)
def test_bad_maven_block_is_refused_with_an_exact_message(text: str, expected: str) -> None:
    assert errors(text) == [expected]


def _workflow(manifest: str = MANIFEST, index: int = 1) -> dict:
    repo = parse(manifest).repositories[index]
    return yaml.safe_load(render(maven_release(repo, "publishing.yaml")))


def test_test_job_reads_packages_and_publish_job_alone_writes_them() -> None:
    workflow = _workflow()
    test, package, publish = (workflow["jobs"][j] for j in ("test", "package", "publish"))
    assert workflow["permissions"] == {}
    assert test["permissions"] == {"contents": "read", "packages": "read"}
    assert "environment" not in test and "if" not in test
    # The package job builds without write access; the publish job writes and reads no code.
    assert package["permissions"] == {"contents": "read", "packages": "read"}
    assert (package["needs"], package["if"]) == (["test"], "github.event_name == 'release'")
    assert publish["permissions"] == {"packages": "write"}
    assert (publish["environment"], publish["needs"]) == ("release", ["package"])
    assert workflow[True] == {
        "pull_request": {"branches": ["main"]},
        "release": {"types": ["published", "prereleased"]},
    }


def test_every_step_running_maven_before_the_publish_job_reads_with_the_job_token() -> None:
    jobs = _workflow()["jobs"]
    maven_steps = [
        step for job in ("test", "package") for step in jobs[job]["steps"]
        if "mvn " in step.get("run", "")
    ]  # fmt: skip
    assert [s["name"] for s in maven_steps] == [
        "Test",
        "Check the package coordinates",
        "Check the release tag against the version",
        "Stage the release in a Maven repository layout",
    ]
    for step in maven_steps:  # a parent pom or a BOM of the owner's packages resolves
        assert step["env"]["GITHUB_TOKEN"] == "${{ github.token }}", step["name"]
    assert "secrets.GITHUB_TOKEN" not in yaml.safe_dump(jobs["test"]) + yaml.safe_dump(
        jobs["package"]
    )


def test_the_package_job_stages_the_build_in_the_release_directory() -> None:
    steps = _workflow()["jobs"]["package"]["steps"]
    assert [s["name"] for s in steps] == [
        "Check out",
        "Set up Java",
        "Check the package coordinates",
        "Check the release tag against the version",
        "Stage the release in a Maven repository layout",
        "Check the staged files",
        "Record the release artifact's digest",
        "Upload the release artifact",
    ]
    stage = steps[4]
    assert stage["env"] == {
        "POM": "java/pom.xml",
        "RELEASE_DIR": "${{ runner.temp }}/release",
        "VERSION": "${{ steps.release.outputs.version }}",
        "GITHUB_TOKEN": "${{ github.token }}",
    }
    assert stage["run"].splitlines()[:2] == [
        'staging="staging::default::file://$RELEASE_DIR"',
        'mvn --batch-mode --file "$POM" deploy -DskipTests "-DaltDeploymentRepository=$staging"'
        ' "-DaltReleaseDeploymentRepository=$staging"',
    ]
    # Manifest values reach the checks through the environment only.
    assert steps[2]["env"]["PACKAGE"] == "com.acme:tools"
    assert "com.acme" not in steps[2]["run"]


def test_the_publish_job_pushes_the_staged_files_with_the_write_token_only() -> None:
    steps = _workflow()["jobs"]["publish"]["steps"]
    assert [s["name"] for s in steps] == [
        "Download the release artifact",
        "Check the release artifact's digest",
        "Set up Java",
        "Deploy the staged files to GitHub Packages",
        "Check that GitHub Packages serves the version",
    ]
    setup = steps[2]
    assert setup["uses"] == pin("actions/setup-java").uses
    # setup-java writes the variables' names into settings.xml, never the token.
    assert setup["with"] == {
        "distribution": "corretto",
        "java-version": "21",
        "server-id": "github",
        "server-username": "GITHUB_ACTOR",
        "server-password": "GITHUB_TOKEN",
    }
    assert "cache" not in setup["with"]  # no dependency cache in a release job
    for step in steps[3:]:
        assert step["env"] == {
            "RELEASE_DIR": "${{ runner.temp }}/release",
            "VERSION": "${{ needs.package.outputs.version }}",
            "TARGET": "https://maven.pkg.github.com/acme-widgets/tools",
            "GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}",
        }
    deploy = steps[3]["run"]
    assert (
        'mvn --batch-mode "org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy-file"'
        ' -DrepositoryId=github "-Durl=$TARGET"'
    ) in deploy
    assert "$GITHUB_TOKEN" not in deploy.replace('"$GITHUB_TOKEN" |', "")  # curl's stdin only
    assert "secrets.GITHUB_TOKEN" not in yaml.safe_dump(steps[:3])


def test_without_a_package_only_the_version_is_checked() -> None:
    names = [s["name"] for s in _workflow(index=0)["jobs"]["package"]["steps"]]
    assert "Check the package coordinates" not in names


def test_workflows_are_lint_clean(tmp_path: Path) -> None:
    repos = parse(MANIFEST).repositories[:2]
    texts = [render(maven_release(repo, "publishing.yaml")) for repo in repos]
    assert lint_texts(tmp_path, "release-maven.yml", texts) == []
