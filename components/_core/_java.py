"""What Java builds share (Maven's and Gradle's blocks and workflows): the JDK setup-java
installs, its versions and distributions, and how a release reaches GitHub's Maven registry.

Maven and Gradle release alike: the package job, without write access, stages the build's
publications as a Maven repository layout in `$RELEASE_DIR` (`<group>/<artifact>/<version>/`
with the pom, the jars, checksums); :func:`staged_check` refuses a layout holding anything
but that version's modules. The publish job, which checks out nothing and runs no build,
pushes those files with `maven-deploy-plugin`'s `deploy-file` goal, run outside any project
(:func:`push_staged`): it uploads each file with its checksums and merges the version into
the registry's `maven-metadata.xml`, as a deploy from the build would.

Before pushing, every staged file is looked up in the registry with the write token: a
version served with the same files is already published (a re-run pushes nothing); a file
served with other content fails the job; the files a failed attempt left missing are pushed
(GitHub refuses a second upload of a file with 409 Conflict). After pushing, the registry
must serve every staged file as staged."""

from __future__ import annotations

__all__ = [
    "DEPLOY_PLUGIN",
    "JAVA_DISTRIBUTIONS",
    "JAVA_LTS",
    "MAVEN_REGISTRY",
    "MAVEN_SERVER",
    "STAGED_VERSION",
    "Distribution",
    "JavaBlock",
    "JavaVersion",
    "maven_target",
    "push_staged",
    "read_token",
    "setup_java",
    "staged_check",
]

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from ._catalog import pin
from ._fields import version_rule
from ._release import RELEASE_DIR, RELEASE_STEP, VERSION, PackageBlock
from ._spec import RepositorySpec
from ._workflow import Step

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
# The settings.xml server setup-java writes for GitHub Packages.
MAVEN_SERVER = "github"
MAVEN_REGISTRY = "https://maven.pkg.github.com"
# The plugin that pushes, pinned here rather than left to the project or to Maven's default:
# from 3.1.3 on, deploy-file takes `-Dpackaging` as the main file's extension.
DEPLOY_PLUGIN = "org.apache.maven.plugins:maven-deploy-plugin:3.1.4"
# The version the package job's tag check found, for its later steps.
STAGED_VERSION = f"${{{{ steps.{RELEASE_STEP}.outputs.version }}}}"
_JAVA = re.compile(r"\d{1,3}(?:\.\d+){0,2}")


java_version = version_rule(
    _JAVA, "Java", f"a major version such as '{JAVA_LTS}' or a full one such as '21.0.5'", JAVA_LTS
)
JavaVersion = Annotated[str, BeforeValidator(java_version)]
Distribution = Literal[JAVA_DISTRIBUTIONS]  # type: ignore[valid-type]


class JavaBlock(PackageBlock):
    """The keys of a Java build's block (Maven's and Gradle's): the JDK setup-java installs."""

    java_version: JavaVersion | None = Field(
        None, description=f"Java version for setup-java (default {JAVA_LTS}, the LTS)."
    )
    distribution: Distribution | None = Field(
        None, description="Java distribution for setup-java (default temurin)."
    )


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


def read_token(*names: str) -> dict[str, str]:
    """A build step's environment: the job's token (`packages: read`) under each name the
    build may read it from, to install the owner's packages (a parent pom, a BOM)."""
    return {name: "${{ github.token }}" for name in names}


def maven_target(repo: RepositorySpec) -> str:
    """The repository's own Maven registry: a package pushed there is linked to it."""
    return f"{MAVEN_REGISTRY}/{repo.owner}/{repo.name}".lower()


# Every staged file of the release: `<group path>/<artifact>/<version>/<artifact>-<version>*`
# under $RELEASE_DIR (and `maven-metadata.xml` beside the version directories, not pushed:
# deploy-file merges the version into the registry's own).
_STAGED_FILES = [
    'staged="$(cd "$RELEASE_DIR" && find . -type f -path "*/$VERSION/*"'
    " ! -name '*.md5' ! -name '*.sha1' ! -name '*.sha256' ! -name '*.sha512' ! -name '*.asc'"
    " | sed 's|^\\./||' | LC_ALL=C sort)\"",
]


def staged_check(nothing: str, where: str) -> Step:
    """The package job's check of what the build staged: at least one module of the release's
    version (``nothing`` says why there is none), and nothing else but the modules'
    `maven-metadata.xml`; signatures (`.asc`) are not pushed. ``where`` names the
    build file in the annotations."""
    return Step(
        name="Check the staged files",
        env={"RELEASE_DIR": RELEASE_DIR, "VERSION": STAGED_VERSION, "BUILD_FILE": where},
        run="\n".join(
            [
                'case "$VERSION" in',
                "  *-SNAPSHOT)",
                "    echo \"::error file=$BUILD_FILE::version '$VERSION' is a SNAPSHOT:"
                ' a release publishes a fixed version; nothing is published"',
                "    exit 1",
                "    ;;",
                "esac",
                'poms="$(find "$RELEASE_DIR" -type f -path "*/$VERSION/*" -name "*-$VERSION.pom"'
                ' 2>/dev/null || true)"',
                'if [ -z "$poms" ]; then',
                f'  echo "::error file=$BUILD_FILE::{nothing}"',
                "  exit 1",
                "fi",
                "strays=0",
                "while IFS= read -r -d '' file; do",
                '  file="${file#"$RELEASE_DIR"/}"',
                '  name="${file##*/}"',
                '  dir="${file%/*}"',
                '  artifact="${dir%/*}"',
                '  case "$name" in',
                "    maven-metadata.xml | maven-metadata.xml.*) continue ;;",
                "  esac",
                '  case "${dir##*/}/$name" in',
                '    "$VERSION/${artifact##*/}-$VERSION."* | "$VERSION/${artifact##*/}-$VERSION-"*)'
                " ;;",
                "    *)",
                "      echo \"::error file=$BUILD_FILE::the build staged '$file', which is no file"
                ' of a version $VERSION module; only version $VERSION is published"',
                "      strays=1",
                "      ;;",
                "  esac",
                'done < <(find "$RELEASE_DIR" -type f -print0)',
                '[ "$strays" = 0 ]',
                'echo "staged for $VERSION:"',
                'echo "$poms"',
                "",
            ]
        ),
    )


# GET one file of the registry into a file (the token through curl's standard input, never
# on its command line); prints the HTTP status.
_GET = [
    "get() {",
    '  printf \'user = "%s:%s"\\n\' "$GITHUB_ACTOR" "$GITHUB_TOKEN" |',
    '    curl --config - --silent --show-error --location --output "$2"'
    " --write-out '%{http_code}' \"$TARGET/$1\"",
    "}",
]


def _registry_env(repo: RepositorySpec) -> dict[str, str]:
    return {
        "RELEASE_DIR": RELEASE_DIR,
        "VERSION": VERSION,
        "TARGET": maven_target(repo),
        # The write token, in this step only: setup-java's settings.xml names the variable.
        "GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}",
    }


_LOOKUP = [
    *_STAGED_FILES,
    'remote="$(mktemp)"',
    'missing=""',
    'served=""',
    "while IFS= read -r file; do",
    '  code="$(get "$file" "$remote")"',
    '  case "$code" in',
    "    200)",
    '      if ! cmp -s "$RELEASE_DIR/$file" "$remote"; then',
    '        echo "::error::version $VERSION is already published and $TARGET/$file is not'
    ' the file staged: a version is published once; release a new version"',
    "        exit 1",
    "      fi",
    "      served+=\"$file\"$'\\n'",
    "      ;;",
    "    404) missing+=\"$file\"$'\\n' ;;",
    "    *)",
    '      echo "::error::GitHub Packages answered HTTP $code for $TARGET/$file;'
    ' nothing is published"',
    "      exit 1",
    "      ;;",
    "  esac",
    'done <<< "$staged"',
    'if [ -z "$missing" ]; then',
    '  echo "::notice::version $VERSION is already published with the files staged:'
    ' nothing is pushed"',
    "  exit 0",
    "fi",
    'if [ -n "$served" ]; then',
    '  echo "::notice::version $VERSION is partly published (an earlier attempt): pushing only'
    ' the files missing"',
    "fi",
]

# deploy-file per module (a directory of missing files), run outside any project: the main
# file is the pom when it is missing, else the first missing file; the others go with
# -Dfiles, -Dclassifiers and -Dtypes (classifier and extension read from the file's name).
# `-Dpackaging=pom` with the staged pom as `-DpomFile` keeps deploy-file from adding a pom
# of its own (the one a jar embeds, or a generated one): after a partial push the pom may
# be served already, and a second upload is refused; `-Dextension` then names the main
# file's extension.
_PUSH = [
    "module_files() {",
    '  grep -Fx "$1/$2" <<< "$missing" || true',
    "  while IFS= read -r file; do",
    '    if [ "${file%/*}" = "$1" ] && [ "$file" != "$1/$2" ]; then echo "$file"; fi',
    '  done <<< "$missing"',
    "}",
    'cd "$(mktemp -d)"',
    'dirs="$(sed -n \'s|/[^/]*$||p\' <<< "$missing" | LC_ALL=C sort -u)"',
    "while IFS= read -r dir; do",
    '  artifact="${dir%/*}"',
    '  group="${artifact%/*}"',
    '  artifact="${artifact##*/}"',
    '  pom="$dir/$artifact-$VERSION.pom"',
    "  args=()",
    "  files=()",
    "  classifiers=()",
    "  types=()",
    "  while IFS= read -r file; do",
    '    rest="${file##*/}"',
    '    rest="${rest#"$artifact-$VERSION"}"',
    '    classifier=""',
    '    case "$rest" in -*) classifier="${rest#-}" && classifier="${classifier%%.*}" ;; esac',
    '    extension="${rest#"${classifier:+-$classifier}".}"',
    '    if [ "${#args[@]}" = 0 ]; then',
    '      args=("-Dfile=$RELEASE_DIR/$file" -Dpackaging=pom "-DpomFile=$RELEASE_DIR/$pom")',
    '      if [ "$extension" != pom ]; then args+=("-Dextension=$extension"); fi',
    '      if [ -n "$classifier" ]; then args+=("-Dclassifier=$classifier"); fi',
    "    else",
    '      files+=("$RELEASE_DIR/$file")',
    '      classifiers+=("$classifier")',
    '      types+=("$extension")',
    "    fi",
    '  done <<< "$(module_files "$dir" "${pom##*/}")"',
    '  if [ "${#files[@]}" -gt 0 ]; then',
    '    args+=("-Dfiles=$(IFS=,; echo "${files[*]}")")',
    '    args+=("-Dclassifiers=$(IFS=,; echo "${classifiers[*]}")")',
    '    args+=("-Dtypes=$(IFS=,; echo "${types[*]}")")',
    "  fi",
    f'  mvn --batch-mode "{DEPLOY_PLUGIN}:deploy-file" -DrepositoryId={MAVEN_SERVER}'
    ' "-Durl=$TARGET" "-DgroupId=${group//\\//.}" "-DartifactId=$artifact"'
    ' "-Dversion=$VERSION" -DgeneratePom=false "${args[@]}"',
    'done <<< "$dirs"',
]

_SERVED = [
    *_STAGED_FILES,
    'remote="$(mktemp)"',
    "while IFS= read -r file; do",
    '  code="$(get "$file" "$remote")"',
    '  if [ "$code" != 200 ] || ! cmp -s "$RELEASE_DIR/$file" "$remote"; then',
    '    echo "::error::GitHub Packages does not serve $TARGET/$file as staged (HTTP $code)"',
    "    exit 1",
    "  fi",
    '  echo "served: $file"',
    'done <<< "$staged"',
]


def push_staged(repo: RepositorySpec, java: str, distribution: str) -> tuple[Step, ...]:
    """The publish job's steps after the artifact's download: set up Java and Maven's
    `settings.xml` (server `github`, its user and password read from `GITHUB_ACTOR` and
    `GITHUB_TOKEN` when Maven runs, not written there), push what is missing, check the
    registry serves every staged file."""
    env = _registry_env(repo)
    return (
        setup_java(java, distribution, server=True),
        Step(
            name="Deploy the staged files to GitHub Packages",
            env=env,
            run="\n".join([*_GET, *_LOOKUP, *_PUSH, ""]),
        ),
        Step(
            name="Check that GitHub Packages serves the version",
            env=env,
            run="\n".join([*_GET, *_SERVED, ""]),
        ),
    )
