"""Maven: the `maven` block, its workflow, and the generated commands run with real Maven."""

from __future__ import annotations

import os
import subprocess
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
        "Read the pom's coordinates",
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
        "Read the pom's coordinates",
        "Check the package coordinates",
        "Check the release tag against the version",
        "Stage the release in a Maven repository layout",
        "Check the staged files",
        "Record the release artifact's digest",
        "Upload the release artifact",
    ]
    read = steps[2]
    assert read["env"] == {"POM": "java/pom.xml", "GITHUB_TOKEN": "${{ github.token }}"}
    # The help plugin pinned; the answer read from a file, not from Maven's console.
    assert read["run"].splitlines()[:2] == [
        'answer="$RUNNER_TEMP/project-id"',
        'mvn --batch-mode --quiet --file "$POM"'
        ' "org.apache.maven.plugins:maven-help-plugin:3.5.2:evaluate"'
        ' -Dexpression=project.id "-Doutput=$answer"',
    ]
    assert steps[4]["env"]["POM_VERSION"] == "${{ steps.pom.outputs.version }}"
    stage = steps[5]
    assert stage["env"] == {
        "POM": "java/pom.xml",
        "RELEASE_DIR": "${{ runner.temp }}/release",
        "GROUP": "${{ steps.pom.outputs.group }}",
        "ARTIFACT": "${{ steps.pom.outputs.artifact }}",
        "VERSION": "${{ steps.release.outputs.version }}",
        "GITHUB_TOKEN": "${{ github.token }}",
    }
    assert stage["run"].splitlines()[:2] == [
        'staging="staging::default::file://$RELEASE_DIR"',
        'mvn --batch-mode --file "$POM" deploy -DskipTests "-DaltDeploymentRepository=$staging"'
        ' "-DaltReleaseDeploymentRepository=$staging"',
    ]
    # Manifest values reach the checks through the environment only.
    assert steps[3]["env"]["PACKAGE"] == "com.acme:tools"
    assert "com.acme" not in steps[3]["run"]


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


def _script(job: str, name: str) -> dict:
    (step,) = [s for s in _workflow()["jobs"][job]["steps"] if s["name"] == name]
    return step


def _bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _layout(root: Path, *paths: str) -> Path:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(path)
    return root


@pytest.mark.parametrize(
    ("version", "paths", "errors"),
    [
        (
            "1.2.3",
            (
                "com/acme/tools/maven-metadata.xml",
                "com/acme/tools/1.2.3/tools-1.2.3.pom",
                "com/acme/tools/1.2.3/tools-1.2.3-sources.jar.sha1",
            ),
            [],
        ),
        ("1.2.3", (), ["the build staged no pom; nothing is published"]),
        (
            "1.2.3",
            ("com/acme/tools/1.2.3/tools-1.2.3.pom", "com/acme/tools/1.2.2/tools-1.2.2.jar"),
            [
                "the build staged 'com/acme/tools/1.2.2/tools-1.2.2.jar', which is no file of a"
                " version 1.2.3 module; only version 1.2.3 is published"
            ],
        ),
        (
            "1.2.3",
            ("com/acme/tools/1.2.3/tools-1.2.3.pom", "com/acme/tools/1.2.3/other-1.2.3.jar"),
            [
                "the build staged 'com/acme/tools/1.2.3/other-1.2.3.jar', which is no file of a"
                " version 1.2.3 module; only version 1.2.3 is published"
            ],
        ),
        (
            "1.3.0-SNAPSHOT",
            ("com/acme/tools/1.3.0-SNAPSHOT/tools-1.3.0-SNAPSHOT.pom",),
            [
                "version '1.3.0-SNAPSHOT' is a SNAPSHOT: a release publishes a fixed version;"
                " nothing is published"
            ],
        ),
    ],
)
def test_the_staged_files_are_the_versions_modules_only(
    tmp_path: Path, version: str, paths: tuple[str, ...], errors: list[str]
) -> None:
    staged = _layout(tmp_path / "release", *paths)
    step = _script("package", "Check the staged files")
    done = _bash(
        step["run"], tmp_path, RELEASE_DIR=str(staged), VERSION=version, BUILD_FILE="java/pom.xml"
    )
    assert done.returncode == (1 if errors else 0), done.stdout + done.stderr
    found = [line.split("::", 2)[2] for line in done.stdout.splitlines() if "::error" in line]
    assert found == errors


def test_the_push_deploys_each_missing_file_with_its_classifier_and_extension(
    tmp_path: Path,
) -> None:
    """The deploy step against a registry serving nothing, with stand-ins for curl (every
    GET answers 404) and mvn (records its arguments)."""
    module = "com/acme/tools/1.2.3"
    staged = _layout(
        tmp_path / "release",
        *(
            f"{module}/tools-1.2.3{name}"
            for name in (
                ".pom",
                ".pom.sha1",
                ".jar",
                ".jar.md5",
                "-sources.jar",
                "-javadoc.jar",
                ".module",
                ".jar.asc",
                "-linux-x86_64.tar.gz",
            )
        ),
        "com/acme/tools/maven-metadata.xml",
        "com/acme/tools-api/1.2.3/tools-api-1.2.3.pom",
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text("#!/bin/sh\ncat > /dev/null\nprintf 404\n")
    (bin_dir / "mvn").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" >> {tmp_path}/mvn.log\necho --- >> {tmp_path}/mvn.log\n'
    )
    for tool in ("curl", "mvn"):
        (bin_dir / tool).chmod(0o755)
    step = _script("publish", "Deploy the staged files to GitHub Packages")
    done = _bash(
        step["run"],
        tmp_path,
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        RELEASE_DIR=str(staged),
        VERSION="1.2.3",
        TARGET="https://maven.pkg.github.com/acme-widgets/tools",
        GITHUB_ACTOR="octocat",
        GITHUB_TOKEN="ghs_write",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    runs = (tmp_path / "mvn.log").read_text().split("---\n")[:-1]
    common = [
        "--batch-mode",
        "org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy-file",
        "-DrepositoryId=github",
        "-Durl=https://maven.pkg.github.com/acme-widgets/tools",
    ]
    # Module by module (`tools-api` sorts first); a module's pom first when it is missing.
    assert [run.splitlines() for run in runs] == [
        [
            *common,
            "-DgroupId=com.acme",
            "-DartifactId=tools-api",
            "-Dversion=1.2.3",
            "-DgeneratePom=false",
            f"-Dfile={staged}/com/acme/tools-api/1.2.3/tools-api-1.2.3.pom",
            "-Dpackaging=pom",
            f"-DpomFile={staged}/com/acme/tools-api/1.2.3/tools-api-1.2.3.pom",
        ],
        [
            *common,
            "-DgroupId=com.acme",
            "-DartifactId=tools",
            "-Dversion=1.2.3",
            "-DgeneratePom=false",
            f"-Dfile={staged}/{module}/tools-1.2.3.pom",
            "-Dpackaging=pom",
            f"-DpomFile={staged}/{module}/tools-1.2.3.pom",
            "-Dfiles="
            + ",".join(
                f"{staged}/{module}/tools-1.2.3{name}"
                for name in (
                    "-javadoc.jar",
                    "-linux-x86_64.tar.gz",
                    "-sources.jar",
                    ".jar",
                    ".module",
                )
            ),
            "-Dclassifiers=javadoc,linux-x86_64,sources,,",
            "-Dtypes=jar,tar.gz,jar,jar,module",
        ],
    ]
    # The token reaches curl on its standard input, never its command line.
    assert "ghs_write" not in (tmp_path / "mvn.log").read_text()
