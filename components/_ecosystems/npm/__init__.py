"""The npm ecosystem: the `npm` manifest block, its resolved spec and its release workflow
(test, then publish to GitHub Packages on release)."""

from __future__ import annotations

__all__ = [
    "NODE_LTS",
    "NPM",
    "NPM_REGISTRY",
    "NPM_TEST_CHECK",
    "PRERELEASE_TAG",
    "RELEASE_PACKAGE_PATH",
    "RELEASE_STEP",
    "Npm",
    "NpmDefaults",
    "NpmSpec",
    "dist_tag",
    "npm_release",
    "tag_prefix",
]

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from ..._core._catalog import pin
from ..._core._ecosystem import Ecosystem, package_visibility, spec_settings
from ..._core._fields import (
    RELEASE_TYPES,
    Command,
    Loc,
    ReleaseType,
    _Block,
    _command,
    _full_match,
    _number_version,
    _pick,
    excerpt,
)
from ..._core._spec import RELEASE_ENVIRONMENT, RepositorySpec, Visibility
from ..._core._steps import READ_CODE, checkout, header, per_ref_concurrency
from ..._core._workflow import Job, Permission, Step, Workflow, pull_requests_to, shell_join

if TYPE_CHECKING:
    from ..._core._ecosystem import Entry

# The current Node.js LTS major, the default `npm.node_version`.
NODE_LTS = "24"
# The dist-tag prereleases are published under (`latest` is for releases only).
PRERELEASE_TAG = "next"


# ---------------------------------------------------------------------------
# The resolved spec.


@dataclass(frozen=True)
class NpmSpec:
    """Publishing one npm package to GitHub Packages on release."""

    package: str
    node_version: str
    install_command: tuple[str, ...]
    test_command: tuple[str, ...]
    release_types: tuple[str, ...]
    # The package's intended visibility: always the repository's, whose access it inherits.
    visibility: Visibility = "private"
    # The dist-tag of prereleases (a release marked prerelease, or a version with a `-`).
    prerelease_tag: str = PRERELEASE_TAG

    @property
    def scope(self) -> str:
        return self.package.split("/", 1)[0]


# ---------------------------------------------------------------------------
# The manifest block.


_NPM_NAME = re.compile(r"@[a-z0-9-~][a-z0-9-._~]*/[a-z0-9-~][a-z0-9-._~]*")
_NODE = re.compile(r"\d+(?:\.\d+){0,2}|lts/\*|lts/[a-z]+")


_npm_package = _full_match(
    _NPM_NAME,
    "a scoped npm package name; expected '@<owner>/<name>' in lowercase letters, digits, '-',"
    " '.', '_' or '~'",
    max_length=214,
)


def _node_version(value: object) -> object:
    _number_version(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _NODE.fullmatch(value):
        raise ValueError(
            f"{excerpt(value)} is not a Node.js version; expected a version such as '24' or '24.11'"
            " or an alias such as 'lts/*'"
        )
    return value


_DIST_TAG = re.compile(r"[a-z][a-z0-9._-]{0,49}")


def dist_tag(value: str) -> str:
    """A dist-tag npm accepts for prereleases: not `latest`, not a version range."""
    if not _DIST_TAG.fullmatch(value) or value == "latest" or re.match(r"v\d", value):
        raise ValueError(
            f"{excerpt(value)}"
            f" is not a prerelease dist-tag; expected a lowercase name starting with a"
            " letter (letters, digits, '.', '-', '_'), not 'latest' and not a version range"
            " such as 'v1', such as 'next' or 'beta'"
        )
    return value


NpmPackage = Annotated[str, AfterValidator(_npm_package)]
DistTag = Annotated[str, AfterValidator(dist_tag)]
# A whole number is a major version (node_version: 22).
NodeVersion = Annotated[str, BeforeValidator(_node_version, json_schema_input_type=str | int)]


class NpmDefaults(_Block):
    """npm publishing settings every repository inherits."""

    enabled: bool | None = Field(
        None, description="false turns off npm publishing that defaults turn on."
    )
    node_version: NodeVersion | None = Field(
        None, description=f"Node.js version for setup-node (default {NODE_LTS}, the LTS)."
    )
    install_command: Command | None = Field(
        None, description="Installs dependencies (default 'npm ci'); one command, no shell."
    )
    test_command: Command | None = Field(
        None, description="Runs the tests (default 'npm test'); one command, no shell."
    )
    release_types: list[ReleaseType] | None = Field(
        None, min_length=1, description="Release events that publish (default [published])."
    )
    prerelease_tag: DistTag | None = Field(
        None,
        description=f"The dist-tag prereleases are published under (default {PRERELEASE_TAG!r});"
        " `latest` stays on the last release.",
    )
    visibility: Literal["public", "private", "internal"] | None = Field(
        None,
        description="The package's intended visibility: the repository's, whose access it"
        " inherits (default the repository's visibility).",
    )


class Npm(NpmDefaults):
    """Publish an npm package to GitHub Packages when a release is made."""

    package: NpmPackage | None = Field(
        None, description="Package name, '@<owner>/<name>' (default from the repository name)."
    )


def _resolve_npm(
    owner: str, repo: Entry, defaults: Entry, index: int
) -> tuple[NpmSpec | None, list[tuple[Loc, str]]]:
    own, inherited = repo.npm, defaults.npm
    if own is None and inherited is None:
        return None, []
    if _pick("enabled", own, inherited) is False:
        return None, []
    scope = f"@{owner.lower()}"
    package = own.package if own is not None else None
    loc: Loc = ("repositories", index, "npm", "package")
    problems: list[tuple[Loc, str]] = []
    if package is None:
        package = f"{scope}/{repo.name.lower()}"
        try:
            _npm_package(package)
        except ValueError:
            problems.append(
                (
                    ("repositories", index, "npm"),
                    f"the default package name {package!r} is not a valid npm name; set"
                    " npm.package to a name such as"
                    f" '{scope}/{re.sub(r'^[._]+', '', repo.name.lower()) or 'package'}'",
                )
            )
    elif package.split("/", 1)[0] != scope:
        problems.append(
            (
                loc,
                f"{package!r} is outside the owner's scope; expected '{scope}/<name>' (GitHub"
                " Packages publishes npm packages only under the owner's scope)",
            )
        )
    release_types = _pick("release_types", own, inherited) or ["published"]
    visibility, more = package_visibility("npm", repo, defaults, index, package)
    problems.extend(more)
    spec = NpmSpec(
        package=package,
        node_version=_pick("node_version", own, inherited) or NODE_LTS,
        install_command=_command(_pick("install_command", own, inherited) or "npm ci"),
        test_command=_command(_pick("test_command", own, inherited) or "npm test"),
        release_types=tuple(sorted(set(release_types), key=RELEASE_TYPES.index)),
        visibility=visibility,
        prerelease_tag=_pick("prerelease_tag", own, inherited) or PRERELEASE_TAG,
    )
    return spec, problems


# ---------------------------------------------------------------------------
# The release workflow.

RELEASE_PACKAGE_PATH = ".github/workflows/release-package.yml"
NPM_REGISTRY = "https://npm.pkg.github.com"
# The test job's name: the check a pull request reports (and org rulesets may require).
NPM_TEST_CHECK = "npm test"


def _setup_node(npm: NpmSpec) -> Step:
    # Both jobs resolve the `@<owner>` scope to GitHub Packages through setup-node: it writes
    # a user .npmrc in the runner's temporary directory with the scope's registry and
    # `//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN}`, for this job only, and (v7)
    # exports no token: each step that talks to the registry gets NODE_AUTH_TOKEN itself.
    # No managed .npmrc in the repository: it would overwrite the repository's own settings.
    return Step(
        name="Set up Node.js",
        uses=pin("actions/setup-node"),
        # No dependency cache in release jobs: a poisoned cache would reach the package.
        with_={
            "node-version": npm.node_version,
            "registry-url": NPM_REGISTRY,
            "scope": npm.scope,
            "package-manager-cache": False,
        },
    )


# The job's GITHUB_TOKEN, for the steps that read or publish the owner's packages only.
_NODE_AUTH_TOKEN = {"NODE_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
READ_PACKAGES = Permission("packages", "read", "install the owner's packages from GitHub Packages")


# package.json's `repository`, in every form npm accepts (`github:o/r`, `o/r`, an https,
# git, ssh or `git+…` URL, `git@github.com:o/r`, the object form's `url`), must name this
# very repository: host github.com, owner and name compared whole, ignoring case as GitHub
# does; a `.git` suffix, a trailing slash and a `#committish` are npm's own decorations.
_REPOSITORY_CHECK = (
    "node - <<'JS'",
    'const { repository } = require("./package.json");',
    'const url = repository && typeof repository === "object" ? repository.url : repository;',
    'const spec = String(url || "").trim().replace(/#.*$/, "");',
    'const path = "([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\\\\.git)?/?$";',
    "const forms = [",
    '  "^(?:github:)?",',
    '  "^(?:git\\\\+)?(?:https?|git|ssh)://(?:[^@/]+@)?github\\\\.com(?::[0-9]+)?/",',
    '  "^(?:git\\\\+ssh://)?git@github\\\\.com:",',
    "];",
    'const found = forms.map((start) => new RegExp(start + path, "i").exec(spec)).find(Boolean);',
    'const named = found ? `${found[1]}/${found[2]}` : "";',
    "const expected = process.env.REPOSITORY;",
    "if (named.toLowerCase() !== expected.toLowerCase()) {",
    "  console.log(",
    "    `::error file=package.json::package.json's repository field does not name ${expected};` +",
    "      ` set it to 'github:${expected}' so that the package is linked to the repository` +",
    '      " and inherits its access"',
    "  );",
    "  process.exit(1);",
    "}",
    "JS",
    "",
)


def _check_package_name(npm: NpmSpec, repo: RepositorySpec, source: str) -> Step:
    # Manifest values reach the script through the environment only, never as code.
    # The `repository` field links the package to its repository before its first publish,
    # so that the package inherits the repository's access (GitHub has no API to set it).
    return Step(
        name="Check the package name and repository",
        env={
            "PACKAGE": npm.package,
            "MANIFEST_KEY": f"npm.package of the repository '{repo.name}' in {source}",
            "REPOSITORY": repo.full_name,
        },
        run="\n".join(
            [
                'name="$(node -p \'require("./package.json").name\')"',
                'if [ "$name" != "$PACKAGE" ]; then',
                "  echo \"::error file=package.json::package.json names '$name' but the manifest"
                " publishes '$PACKAGE'; change one of them ($MANIFEST_KEY)\"",
                "  exit 1",
                "fi",
                *_REPOSITORY_CHECK,
            ]
        ),
    )


# The id of the step that compares the release tag with package.json's version.
RELEASE_STEP = "release"


def tag_prefix(pattern: str) -> str:
    """The literal start of a release tag pattern: what precedes the version (`v` of `v*`,
    `widgets@` of `widgets@*`)."""
    return re.split(r"[*?]", pattern, maxsplit=1)[0]


def _check_release(npm: NpmSpec, repo: RepositorySpec) -> Step:
    # The version is the tag without the pattern's literal start and without a leading `v`
    # (`v1.2.3`, `1.2.3`, `widgets@1.2.3` for `widgets@*`). A prerelease, by the release's
    # flag or by the version's `-`, gets the prerelease dist-tag: `latest` never moves to it
    # (npm 11 refuses a prerelease without --tag; older npm would make it `latest`).
    return Step(
        name="Check the release tag against the package version",
        id=RELEASE_STEP,
        env={
            "TAG_PREFIX": tag_prefix(repo.release_tag_pattern),
            "PRERELEASE": "${{ github.event.release.prerelease }}",
            "PRERELEASE_TAG": npm.prerelease_tag,
        },
        run="\n".join(
            [
                'tag="$GITHUB_REF_NAME"',
                'version="${tag#"$TAG_PREFIX"}"',
                'version="${version#v}"',
                'package_version="$(node -p \'require("./package.json").version\')"',
                'if [ "$version" != "$package_version" ]; then',
                "  echo \"::error file=package.json::the release tag '$tag' is version '$version'"
                " but package.json's version is '$package_version'; nothing is published:"
                " release the tag '$TAG_PREFIX$package_version' or set the version in"
                ' package.json"',
                "  exit 1",
                "fi",
                "dist_tag=latest",
                'case "${package_version%%+*}" in *-*) dist_tag="$PRERELEASE_TAG" ;; esac',
                'if [ "$PRERELEASE" = true ]; then dist_tag="$PRERELEASE_TAG"; fi',
                'echo "::notice::publishing $package_version under the dist-tag $dist_tag"',
                'echo "dist_tag=$dist_tag" >> "$GITHUB_OUTPUT"',
                "",
            ]
        ),
    )


def npm_release(repo: RepositorySpec, source: str) -> Workflow:
    """On a pull request to the default branch: test. On a release: test, then publish
    the npm package to GitHub Packages from the `release` environment."""
    npm = repo.npm
    if npm is None:
        raise ValueError(f"{repo.name} publishes no npm package")
    # Dependencies may be the owner's own packages on GitHub Packages: installing reads them
    # with the job's token (dependencies' install scripts see it too: `npm ci
    # --ignore-scripts` as install_command keeps it from them).
    install = Step(
        name="Install dependencies", run=shell_join(npm.install_command), env=_NODE_AUTH_TOKEN
    )
    test = Job(
        id="test",
        name=NPM_TEST_CHECK,
        permissions=(READ_CODE, READ_PACKAGES),
        steps=(
            checkout(),
            _setup_node(npm),
            install,
            Step(name="Test", run=shell_join(npm.test_command)),
        ),
    )
    publish = Job(
        id="publish",
        name="Publish to GitHub Packages",
        needs=("test",),
        # Pull requests run the tests only; releases publish, in the protected environment.
        if_="github.event_name == 'release'",
        environment=RELEASE_ENVIRONMENT,
        permissions=(
            READ_CODE,
            Permission("packages", "write", "publish the package to GitHub Packages"),
        ),
        steps=(
            checkout(),
            _setup_node(npm),
            _check_package_name(npm, repo, source),
            _check_release(npm, repo),
            install,
            Step(
                name="Publish",
                run='npm publish --tag "$DIST_TAG"',
                env={
                    **_NODE_AUTH_TOKEN,
                    "DIST_TAG": f"${{{{ steps.{RELEASE_STEP}.outputs.dist_tag }}}}",
                },
                ignore={
                    "use-trusted-publishing": "GitHub Packages has no trusted publishing;"
                    " GITHUB_TOKEN is its short-lived credential"
                },
            ),
        ),
    )
    return Workflow(
        name="Release package",
        on={
            "pull_request": pull_requests_to(repo.default_branch),
            "release": {"types": list(npm.release_types)},
        },
        concurrency=per_ref_concurrency("release-package"),
        jobs=(test, publish),
        header=header(repo, source),
    )


NPM = Ecosystem(
    key="npm",
    defaults=NpmDefaults,
    block=Npm,
    resolve=_resolve_npm,
    identity="package",
    published=lambda spec: spec.package,
    workflow_path=RELEASE_PACKAGE_PATH,
    workflow=npm_release,
    settings=spec_settings,
)
