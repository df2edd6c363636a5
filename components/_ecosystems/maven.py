"""The Maven ecosystem: the `maven` block, its resolved spec and its release workflow.

Facts from GitHub's docs ("Working with the Apache Maven registry", "Publishing Java
packages with Maven"), in our words:
- The registry of a repository is `https://maven.pkg.github.com/<owner>/<repository>`; a
  package deployed there is linked to that repository and inherits its access.
- `actions/setup-java` writes a `settings.xml` whose server (`server-id`, `github` by
  default) takes its user and password from the variables named by `server-username` and
  `server-password` (`GITHUB_ACTOR` and `GITHUB_TOKEN` by default). `GITHUB_TOKEN`
  publishes the repository's packages with `packages: write`, and installs the owner's
  packages the repository may read with `packages: read`.
- The pom's `distributionManagement` names the deploy target; the publish job gives it on
  the command line instead (`-DaltDeploymentRepository=github::default::<url>`, a form both
  the 2.x and 3.x deploy plugins read), so the package always lands in, and is linked to,
  the repository it is built from.
- groupId and artifactId identify the package; a version with a qualifier
  (`1.2.0-rc.1`) is how Maven marks a prerelease: it must come from a GitHub prerelease.
"""

from __future__ import annotations

__all__ = [
    "JAVA_DISTRIBUTIONS",
    "JAVA_LTS",
    "MAVEN",
    "JavaBlock",
    "MavenSpec",
    "maven_release",
    "setup_java",
]

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from .._catalog import pin
from .._manifest._fields import (
    Loc,
    RepoPath,
    _command,
    _full_match,
    command_rule,
    version_rule,
)
from .._spec import RepositorySpec, Visibility
from .._workflow import Step, Workflow, shell_join
from ._ecosystem import Ecosystem, spec_settings
from ._release import (
    PackageBlock,
    release_keys,
    release_workflow,
    version_check,
)

if TYPE_CHECKING:
    from .._manifest._repository import Repository, RepositoryDefaults

# The current Java LTS release, the default `java_version` of Maven and Gradle.
JAVA_LTS = "25"
# The distributions actions/setup-java installs (its README), `temurin` by default.
JAVA_DISTRIBUTIONS = (
    "corretto",
    "dragonwell",
    "graalvm",
    "jetbrains",
    "liberica",
    "microsoft",
    "oracle",
    "sapmachine",
    "semeru",
    "temurin",
    "zulu",
)
MAVEN_REGISTRY = "https://maven.pkg.github.com"
MAVEN_SERVER = "github"
MAVEN_PATH = ".github/workflows/release-maven.yml"
MAVEN_STEPS = (
    "mvn --batch-mode verify",
    "bind the steps to Maven's lifecycle in pom.xml (a profile) and name the phase, such as"
    " 'mvn --batch-mode -P ci verify'",
)
_JAVA = re.compile(r"\d{1,3}(?:\.\d+){0,2}")
_COORDINATES = re.compile(r"[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+")


java_version = version_rule(
    _JAVA, "Java", f"a major version such as '{JAVA_LTS}' or a full one such as '21.0.5'", JAVA_LTS
)
_coordinates = _full_match(
    _COORDINATES,
    "Maven coordinates; expected '<groupId>:<artifactId>', such as 'com.acme-widgets:widgets'",
)


JavaVersion = Annotated[str, BeforeValidator(java_version)]
Distribution = Literal[JAVA_DISTRIBUTIONS]  # type: ignore[valid-type]


# ---------------------------------------------------------------------------
# The resolved spec.


@dataclass(frozen=True)
class MavenSpec:
    """Deploying one Maven project to the repository's GitHub Packages registry on release."""

    # `<groupId>:<artifactId>` the pom must declare, or None (not checked).
    package: str | None
    java_version: str
    distribution: str
    # The directory of the pom.xml, relative to the repository root.
    directory: str
    test_command: tuple[str, ...]
    release_types: tuple[str, ...]
    visibility: Visibility = "private"

    @property
    def pom(self) -> str:
        return "pom.xml" if self.directory == "." else f"{self.directory}/pom.xml"


# ---------------------------------------------------------------------------
# The manifest block.


class JavaBlock(PackageBlock):
    """The keys of a Java build's block (Maven's and Gradle's): the JDK setup-java installs."""

    java_version: JavaVersion | None = Field(
        None, description=f"Java version for setup-java (default {JAVA_LTS}, the LTS)."
    )
    distribution: Distribution | None = Field(
        None, description="Java distribution for setup-java (default temurin)."
    )


class MavenDefaults(JavaBlock):
    """Maven publishing settings every repository inherits."""

    directory: RepoPath | None = Field(
        None, description="Directory of the pom.xml, in the repository (default '.')."
    )
    test_command: command_rule(MAVEN_STEPS) | None = Field(  # type: ignore[valid-type]
        None,
        description="Builds and tests (default 'mvn --batch-mode verify'); one command, no shell.",
    )


class Maven(MavenDefaults):
    """Deploy a Maven package to GitHub Packages when a release is made."""

    package: Annotated[str, AfterValidator(_coordinates)] | None = Field(
        None,
        description="'<groupId>:<artifactId>' the pom must declare (default: not checked).",
    )


def _resolve_maven(
    owner: str, repo: Repository, defaults: RepositoryDefaults, index: int
) -> tuple[MavenSpec | None, list[tuple[Loc, str]]]:
    keys = release_keys("maven", repo, defaults)
    if keys is None:
        return None, []
    directory = keys.pick("directory", ".")
    pom = "pom.xml" if directory == "." else f"{directory}/pom.xml"
    package = keys.own.package if keys.own is not None else None
    name = package or f"the Maven package of {owner}/{repo.name}"
    spec = MavenSpec(
        package=package,
        java_version=keys.pick("java_version", JAVA_LTS),
        distribution=keys.pick("distribution", "temurin"),
        directory=directory,
        test_command=_command(
            keys.pick("test_command", f"mvn --batch-mode --file {pom} verify"), MAVEN_STEPS
        ),
        release_types=keys.release_types,
        visibility=keys.visibility("maven", repo, defaults, index, name),  # type: ignore[arg-type]
    )
    return spec, keys.problems


# ---------------------------------------------------------------------------
# The release workflow.


def setup_java(java: str, distribution: str, *, server: bool) -> Step:
    """setup-java without a dependency cache; with ``server``, a `settings.xml` server
    `github` authenticated by `GITHUB_ACTOR` and `GITHUB_TOKEN` from the environment."""
    credentials = (
        {
            "server-id": MAVEN_SERVER,
            "server-username": "GITHUB_ACTOR",
            "server-password": "GITHUB_TOKEN",
        }
        if server
        else {}
    )
    return Step(
        name="Set up Java",
        uses=pin("actions/setup-java"),
        with_={"distribution": distribution, "java-version": java, **credentials},
    )


def _evaluate(expression: str) -> str:
    # The pom's path comes from the manifest: through the environment, never as code.
    return (
        f'mvn --batch-mode --quiet --file "$POM" help:evaluate -Dexpression={expression}'
        " -DforceStdout"
    )


def _check_package(maven: MavenSpec, repo: RepositorySpec, source: str) -> Step:
    return Step(
        name="Check the package coordinates",
        env={
            "POM": maven.pom,
            "PACKAGE": maven.package or "",
            "MANIFEST_KEY": f"maven.package of the repository '{repo.name}' in {source}",
        },
        run="\n".join(
            [
                f'group="$({_evaluate("project.groupId")})"',
                f'artifact="$({_evaluate("project.artifactId")})"',
                'if [ "$group:$artifact" != "$PACKAGE" ]; then',
                "  echo \"::error file=$POM::the pom declares '$group:$artifact' but the"
                " manifest publishes '$PACKAGE'; change one of them ($MANIFEST_KEY)\"",
                "  exit 1",
                "fi",
                "",
            ]
        ),
    )


def maven_release(repo: RepositorySpec, source: str) -> Workflow:
    """Test on pull requests; on a release, test, check the tag and deploy to the
    repository's own Maven registry."""
    maven: MavenSpec | None = getattr(repo, "maven", None)
    if maven is None:
        raise ValueError(f"{repo.name} publishes no Maven package")
    target = f"{MAVEN_REGISTRY}/{repo.owner}/{repo.name}".lower()
    token = {"GITHUB_TOKEN": "${{ github.token }}"}
    verify = [
        version_check(
            _evaluate("project.version"), "*-*", what="pom's", where="POM", env={"POM": maven.pom}
        )
    ]
    if maven.package is not None:
        verify.insert(0, _check_package(maven, repo, source))
    deploy = shell_join(
        [
            "mvn",
            "--batch-mode",
            "--file",
            maven.pom,
            "deploy",
            "-DskipTests",
            f"-DaltDeploymentRepository={MAVEN_SERVER}::default::{target}",
        ]
    )
    return release_workflow(
        repo,
        source,
        title="Release Maven package",
        check="maven test",
        release_types=maven.release_types,
        setup=lambda publish: (setup_java(maven.java_version, maven.distribution, server=True),),
        test=(Step(name="Test", run=shell_join(maven.test_command), env=token),),
        verify=verify,
        publish=(
            Step(
                name="Deploy",
                run=deploy,
                env={"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"},
            ),
        ),
        group="release-maven",
    )


MAVEN = Ecosystem(
    key="maven",
    defaults=MavenDefaults,
    block=Maven,
    resolve=_resolve_maven,
    identity="package",
    published=lambda spec: spec.package,
    workflow_path=MAVEN_PATH,
    workflow=maven_release,
    settings=spec_settings,
)
