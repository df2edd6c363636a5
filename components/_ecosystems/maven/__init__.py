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
- The pom's `distributionManagement` names the deploy target; the package job stages the
  build in `$RELEASE_DIR` instead (`-DaltDeploymentRepository=staging::default::file://...`,
  and `altReleaseDeploymentRepository` alike: the legacy `id::layout::url` form, which the
  2.x deploy plugins require and the 3.x ones read with a warning), checks the pom of the
  project's own coordinates is there, and the publish job pushes it to the repository's own
  registry, where the package is linked to the repository it is built from.
- The steps that run Maven in the test and package jobs read the owner's packages (a parent
  pom, a BOM) with `GITHUB_TOKEN` (`packages: read`) through setup-java's server `github`.
- groupId and artifactId identify the package; a version with a qualifier
  (`1.2.0-rc.1`) is how Maven marks a prerelease: it must come from a GitHub prerelease.
"""

from __future__ import annotations

__all__ = [
    "JAVA_DISTRIBUTIONS",
    "JAVA_LTS",
    "MAVEN",
    "MAVEN_REGISTRY",
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
from ..._core._java import (
    JAVA_DISTRIBUTIONS,
    JAVA_LTS,
    MAVEN_REGISTRY,
    STAGED_VERSION,
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


# The pom's coordinates in one Maven run: `project.id` is `<group>:<artifact>:<packaging>:
# <version>`, written to a file (Maven's console may carry more than the answer). The help
# plugin is pinned: the project does not choose what reads its pom.
HELP_PLUGIN = "org.apache.maven.plugins:maven-help-plugin:3.5.2"
_POM_STEP = "pom"
# Maven reads the owner's packages (a parent pom, a BOM) with the job's token, through the
# server `github` of setup-java's settings.xml.
_READ = read_token("GITHUB_TOKEN")
# The legacy `id::layout::url` form: the 2.x deploy plugins (Maven 3.8's default binding)
# read no other, the 3.x ones read it with a warning.
_STAGING = "staging::default::file://$RELEASE_DIR"


def _pom(name: str) -> str:
    return f"${{{{ steps.{_POM_STEP}.outputs.{name} }}}}"


def _read_pom(maven: MavenSpec) -> Step:
    # The pom's path comes from the manifest: through the environment, never as code.
    return Step(
        name="Read the pom's coordinates",
        id=_POM_STEP,
        env={"POM": maven.pom, **_READ},
        run="\n".join(
            [
                'answer="$RUNNER_TEMP/project-id"',
                f'mvn --batch-mode --quiet --file "$POM" "{HELP_PLUGIN}:evaluate"'
                ' -Dexpression=project.id "-Doutput=$answer"',
                'id="$(cat "$answer")"',
                'echo "$id"',
                'IFS=: read -r group artifact packaging version <<< "$id"',
                'echo "group=$group" >> "$GITHUB_OUTPUT"',
                'echo "artifact=$artifact" >> "$GITHUB_OUTPUT"',
                'echo "version=$version" >> "$GITHUB_OUTPUT"',
                "",
            ]
        ),
    )


def _check_package(maven: MavenSpec, repo: RepositorySpec, source: str) -> Step:
    return Step(
        name="Check the package coordinates",
        env={
            "POM": maven.pom,
            "DECLARED": f"{_pom('group')}:{_pom('artifact')}",
            "PACKAGE": maven.package or "",
            "MANIFEST_KEY": f"maven.package of the repository '{repo.name}' in {source}",
        },
        run="\n".join(
            [
                'if [ "$DECLARED" != "$PACKAGE" ]; then',
                "  echo \"::error file=$POM::the pom declares '$DECLARED' but the"
                " manifest publishes '$PACKAGE'; change one of them ($MANIFEST_KEY)\"",
                "  exit 1",
                "fi",
                "",
            ]
        ),
    )


def _stage(maven: MavenSpec) -> Step:
    """Build and deploy into `$RELEASE_DIR` (a file repository), then make sure the project's
    own pom is there: a deploy target the pom's plugin configuration sets would win over the
    command line."""
    return Step(
        name="Stage the release in a Maven repository layout",
        env={
            "POM": maven.pom,
            "RELEASE_DIR": RELEASE_DIR,
            "GROUP": _pom("group"),
            "ARTIFACT": _pom("artifact"),
            "VERSION": STAGED_VERSION,
            **_READ,
        },
        run="\n".join(
            [
                f'staging="{_STAGING}"',
                'mvn --batch-mode --file "$POM" deploy -DskipTests'
                ' "-DaltDeploymentRepository=$staging" "-DaltReleaseDeploymentRepository=$staging"',
                'own="$RELEASE_DIR/${GROUP//.//}/$ARTIFACT/$VERSION/$ARTIFACT-$VERSION.pom"',
                'if [ ! -f "$own" ]; then',
                "  echo  # a line of its own, whatever Maven's console left on the last one",
                '  echo "::error file=$POM::the build staged no pom of'
                " $GROUP:$ARTIFACT:$VERSION: a deploy target or skip in the"
                " pom's maven-deploy-plugin configuration overrides the staging repository;"
                ' remove it (the publish job deploys to GitHub Packages)"',
                "  exit 1",
                "fi",
                "",
            ]
        ),
    )


def maven_release(repo: RepositorySpec, source: str) -> Workflow:
    """Test on pull requests; on a release, test, check the tag, stage the build without
    write access, then push the staged files to the repository's own Maven registry."""
    maven: MavenSpec | None = repo.block("maven")
    if maven is None:
        raise ValueError(f"{repo.name} publishes no Maven package")
    package = [
        _read_pom(maven),
        version_check(
            'printf %s "$POM_VERSION"',
            "*-*",
            pattern=repo.release_tag_pattern,
            what="pom's",
            where="POM",
            env={"POM": maven.pom, "POM_VERSION": _pom("version")},
        ),
        _stage(maven),
        staged_check("the build staged no pom; nothing is published", maven.pom),
    ]
    if maven.package is not None:
        package.insert(1, _check_package(maven, repo, source))
    return release_workflow(
        repo,
        source,
        title="Release Maven package",
        check="maven test",
        release_types=maven.release_types,
        setup=(setup_java(maven.java_version, maven.distribution, server=True),),
        test=(Step(name="Test", run=shell_join(maven.test_command), env=_READ),),
        package=package,
        publish=push_staged(repo, maven.java_version, maven.distribution),
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
