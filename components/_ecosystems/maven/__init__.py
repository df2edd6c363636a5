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
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from ..._core._ecosystem import Ecosystem, spec_settings
from ..._core._fields import (
    Loc,
    RepoPath,
    _command,
    _full_match,
    command_rule,
)
from ..._core._java import JAVA_DISTRIBUTIONS, JAVA_LTS, MAVEN_SERVER, JavaBlock, setup_java
from ..._core._release import (
    release_keys,
    release_workflow,
    version_check,
)
from ..._core._spec import RepositorySpec, Visibility
from ..._core._workflow import Step, Workflow, shell_join

if TYPE_CHECKING:
    from ..._core._ecosystem import Entry

MAVEN_REGISTRY = "https://maven.pkg.github.com"
MAVEN_PATH = ".github/workflows/release-maven.yml"
MAVEN_STEPS = (
    "mvn --batch-mode verify",
    "bind the steps to Maven's lifecycle in pom.xml (a profile) and name the phase, such as"
    " 'mvn --batch-mode -P ci verify'",
)
_COORDINATES = re.compile(r"[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+")


_coordinates = _full_match(
    _COORDINATES,
    "Maven coordinates; expected '<groupId>:<artifactId>', such as 'com.acme-widgets:widgets'",
)


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
    owner: str, repo: Entry, defaults: Entry, index: int
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
        # The default names the pom as one word, whatever characters its directory holds.
        test_command=(
            _command(keys.pick("test_command"), MAVEN_STEPS)
            if keys.pick("test_command") is not None
            else ("mvn", "--batch-mode", "--file", pom, "verify")
        ),
        release_types=keys.release_types,
        visibility=keys.visibility("maven", repo, defaults, index, name),  # type: ignore[arg-type]
    )
    return spec, keys.problems


# ---------------------------------------------------------------------------
# The release workflow.


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
    maven: MavenSpec | None = repo.block("maven")
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
