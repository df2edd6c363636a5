"""The Gradle ecosystem: the `gradle` block, its resolved spec and its release workflow.

Facts from GitHub's docs ("Working with the Gradle registry", "Publishing Java packages
with Gradle"), in our words:
- Gradle publishes to the same registry as Maven: a repository's is
  `https://maven.pkg.github.com/<owner>/<repository>`, and a package published there is
  linked to that repository and inherits its access.
- The build declares that registry in its `maven-publish` publishing repositories (and
  in its dependency repositories to install the owner's packages), with a user and
  password the build reads from the environment: `GITHUB_ACTOR` (which every Actions job
  has) and `GITHUB_TOKEN` (which the workflow sets on the steps that run Gradle).
  `GITHUB_TOKEN` publishes the repository's own packages with `packages: write`, and
  installs the owner's packages the repository was granted read access to with
  `packages: read`.
- The publish command runs the `publish` task of `maven-publish`. Unlike Maven, Gradle has
  no command-line deploy target: the build file names the registry.
- No setup action is needed beyond setup-java: the Gradle wrapper (`./gradlew`, committed
  with the project) downloads the Gradle version the project pins. gradle/actions is not
  used (its owner is not a verified creator; see the README's "What the plan allows").
- A version with a qualifier (`1.2.0-rc.1`) is a prerelease, as with Maven; `./gradlew
  properties` prints the project's `version:`.
"""

from __future__ import annotations

__all__ = ["GRADLE", "GRADLE_PATH", "GradleSpec", "gradle_release"]

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from ..._core._ecosystem import Ecosystem, spec_settings
from ..._core._fields import Loc, _command, command_rule, excerpt
from ..._core._java import JAVA_LTS, JavaBlock, setup_java
from ..._core._release import release_keys, release_workflow, version_check
from ..._core._spec import RepositorySpec, Visibility
from ..._core._workflow import Step, Workflow, shell_join

if TYPE_CHECKING:
    from ..._core._ecosystem import Entry

GRADLE_PATH = ".github/workflows/release-gradle.yml"
GRADLE_TEST = (
    "./gradlew build",
    "make one task depend on the steps in the build file and name it, such as './gradlew check'",
)
GRADLE_PUBLISH = (
    "./gradlew publish",
    "name the publish task, such as './gradlew publishAllPublicationsToGitHubPackagesRepository'",
)
_GRADLE = ("./gradlew", "gradle")
# The project's version as `./gradlew properties` prints it (`version: 1.2.0`); a failing
# build fails the step (the runner's default bash has no pipefail).
_VERSION = "set -o pipefail; ./gradlew --quiet properties | sed -n 's/^version: //p'"


def _publish_command(value: str) -> str:
    """A publish command runs Gradle and a `publish*` task (the policy pack recognises it)."""
    argv = _command(value, GRADLE_PUBLISH)
    if argv[0] not in _GRADLE or not any(word.startswith("publish") for word in argv[1:]):
        raise ValueError(
            f"{excerpt(value)}"
            f" runs no Gradle publish task; expected './gradlew' (or 'gradle') with a"
            " 'publish' task of maven-publish, such as './gradlew publish'"
        )
    return value


# ---------------------------------------------------------------------------
# The resolved spec.


@dataclass(frozen=True)
class GradleSpec:
    """Publishing one Gradle build to the repository's GitHub Packages registry on release."""

    java_version: str
    distribution: str
    test_command: tuple[str, ...]
    publish_command: tuple[str, ...]
    release_types: tuple[str, ...]
    visibility: Visibility = "private"


# ---------------------------------------------------------------------------
# The manifest block.


class GradleDefaults(JavaBlock):
    """Gradle publishing settings every repository inherits."""

    test_command: command_rule(GRADLE_TEST) | None = Field(  # type: ignore[valid-type]
        None, description="Builds and tests (default './gradlew build'); one command, no shell."
    )
    publish_command: Annotated[str, AfterValidator(_publish_command)] | None = Field(
        None,
        description="Publishes to GitHub Packages (default './gradlew publish'); one command.",
    )


class Gradle(GradleDefaults):
    """Publish a Gradle build's packages to GitHub Packages when a release is made."""


def _resolve_gradle(
    owner: str, repo: Entry, defaults: Entry, index: int
) -> tuple[GradleSpec | None, list[tuple[Loc, str]]]:
    keys = release_keys("gradle", repo, defaults)
    if keys is None:
        return None, []
    spec = GradleSpec(
        java_version=keys.pick("java_version", JAVA_LTS),
        distribution=keys.pick("distribution", "temurin"),
        test_command=_command(keys.pick("test_command", GRADLE_TEST[0]), GRADLE_TEST),
        publish_command=_command(keys.pick("publish_command", GRADLE_PUBLISH[0]), GRADLE_PUBLISH),
        release_types=keys.release_types,
        visibility=keys.visibility(  # type: ignore[arg-type]
            "gradle", repo, defaults, index, f"the Gradle packages of {owner}/{repo.name}"
        ),
    )
    return spec, keys.problems


# ---------------------------------------------------------------------------
# The release workflow.


def gradle_release(repo: RepositorySpec, source: str) -> Workflow:
    """Test on pull requests; on a release, test, check the tag and publish with the
    build's own publishing repository (the repository's registry)."""
    gradle: GradleSpec | None = repo.block("gradle")
    if gradle is None:
        raise ValueError(f"{repo.name} publishes no Gradle package")
    # The build reads GITHUB_ACTOR (set in every job) and GITHUB_TOKEN from the environment.
    token = {"GITHUB_TOKEN": "${{ github.token }}"}
    return release_workflow(
        repo,
        source,
        title="Release Gradle packages",
        check="gradle test",
        release_types=gradle.release_types,
        setup=lambda publish: (setup_java(gradle.java_version, gradle.distribution, server=False),),
        test=(Step(name="Test", run=shell_join(gradle.test_command), env=token),),
        verify=(
            version_check(
                _VERSION,
                "*-*",
                what="project's",
                where="BUILD",
                env={"BUILD": "build.gradle", **token},
            ),
        ),
        publish=(
            Step(
                name="Publish",
                run=shell_join(gradle.publish_command),
                env={"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"},
            ),
        ),
        group="release-gradle",
    )


GRADLE = Ecosystem(
    key="gradle",
    defaults=GradleDefaults,
    block=Gradle,
    resolve=_resolve_gradle,
    # The build file names its packages (group and artifact): the manifest does not.
    identity="package",
    published=lambda spec: None,
    workflow_path=GRADLE_PATH,
    workflow=gradle_release,
    settings=spec_settings,
)
