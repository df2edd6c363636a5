"""The Gradle ecosystem: the `gradle` block, its resolved spec and its release workflow.

Facts from GitHub's docs ("Working with the Gradle registry", "Publishing Java packages
with Gradle"), in our words:
- Gradle publishes to the same registry as Maven: a repository's is
  `https://maven.pkg.github.com/<owner>/<repository>`, and a package published there is
  linked to that repository and inherits its access.
- To install the owner's packages, the build lists that registry in its dependency
  repositories with a user and password read from the environment: GitHub's page reads
  `USERNAME` and `TOKEN`, older builds `GITHUB_ACTOR` and `GITHUB_TOKEN`; the steps that run
  Gradle set them all, the token being the job's (`packages: read`).
- Gradle publishes with `maven-publish`. The package job, without write access, adds a
  repository `staging` (a directory, `$RELEASE_DIR`) to every project applying it with an
  init script and runs `publishAllPublicationsToStagingRepository`: the publications land
  there as a Maven repository layout, whatever repositories the build file names (none is
  needed). A build publishing nothing fails there. The publish job pushes that layout as
  Maven's does (components/_core/_java.py), running no Gradle.
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
from ..._core._java import (
    JAVA_LTS,
    JavaBlock,
    push_staged,
    read_token,
    setup_java,
    staged_check,
)
from ..._core._release import RELEASE_DIR, release_keys, release_workflow, version_check
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
    "./gradlew publishAllPublicationsToStagingRepository",
    "name the task publishing to the repository 'staging', such as"
    " './gradlew publishAllPublicationsToStagingRepository'",
)
# The repository every project applying maven-publish gains in the package job: a directory
# holding the publications as a Maven repository layout (an init script, Groovy whatever the
# build's language).
_STAGING_INIT = """\
// ghpublish: publish every publication to $RELEASE_DIR (a Maven repository layout)
allprojects {
    plugins.withId('maven-publish') {
        publishing.repositories.maven {
            name = 'staging'
            url = uri(System.getenv('RELEASE_DIR'))
        }
    }
}
"""
_GRADLE = ("./gradlew", "gradle")
# The project's version as `./gradlew properties` prints it (`version: 1.2.0`); a failing
# build fails the step (the runner's default bash has no pipefail).
_VERSION = "set -o pipefail; ./gradlew --quiet properties | sed -n 's/^version: //p'"


def _publish_command(value: str) -> str:
    """A publish command runs Gradle and `publish*` tasks, each publishing to the repository
    `staging` (the package job has no write access: nothing else is reached)."""
    argv = _command(value, GRADLE_PUBLISH)
    tasks = [w.rsplit(":", 1)[-1] for w in argv[1:] if not w.startswith("-")]
    publishes = [t for t in tasks if t.startswith("publish")]
    if (
        argv[0] not in _GRADLE
        or not publishes
        or not all(t.endswith("ToStagingRepository") for t in publishes)
    ):
        raise ValueError(
            f"{excerpt(value)}"
            " is not a Gradle command publishing to the repository 'staging' only; the"
            " package job stages the publications there and the publish job pushes them:"
            " expected './gradlew' (or 'gradle') with maven-publish tasks such as"
            " './gradlew publishAllPublicationsToStagingRepository'"
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
        description="Stages the publications in the repository 'staging' (default"
        " './gradlew publishAllPublicationsToStagingRepository'); one command.",
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


# The owner's packages, read with the job's token under every name a build reads.
_READ = {"USERNAME": "${{ github.actor }}", **read_token("TOKEN", "GITHUB_TOKEN")}


def _stage(gradle: GradleSpec) -> Step:
    argv = gradle.publish_command
    return Step(
        name="Stage the publications in a Maven repository layout",
        env={"RELEASE_DIR": RELEASE_DIR, **_READ},
        run="\n".join(
            [
                'init="$RUNNER_TEMP/ghpublish-staging.gradle"',
                "cat > \"$init\" <<'GRADLE'",
                _STAGING_INIT + "GRADLE",
                f'{shell_join(argv[:1])} --init-script "$init" {shell_join(argv[1:])}',
                "",
            ]
        ),
    )


def gradle_release(repo: RepositorySpec, source: str) -> Workflow:
    """Test on pull requests; on a release, test, check the tag, stage the publications
    without write access, then push them to the repository's own Maven registry."""
    gradle: GradleSpec | None = repo.block("gradle")
    if gradle is None:
        raise ValueError(f"{repo.name} publishes no Gradle package")
    return release_workflow(
        repo,
        source,
        title="Release Gradle packages",
        check="gradle test",
        release_types=gradle.release_types,
        setup=(setup_java(gradle.java_version, gradle.distribution, server=False),),
        test=(Step(name="Test", run=shell_join(gradle.test_command), env=_READ),),
        package=(
            version_check(
                _VERSION,
                "*-*",
                pattern=repo.release_tag_pattern,
                what="project's",
                where="BUILD",
                env={"BUILD": "build.gradle", **_READ},
            ),
            _stage(gradle),
            staged_check(
                "the build staged no publication: a build file without a"
                " maven-publish publication publishes nothing; declare one (publishing"
                " { publications { ... } }) in the build file",
                "build.gradle",
            ),
        ),
        publish=push_staged(repo, gradle.java_version, gradle.distribution),
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
