"""The NuGet ecosystem: the `nuget` block, its resolved spec and its release workflow.

Facts from GitHub's docs ("Working with the NuGet registry"), in our words:
- The owner's registry is `https://nuget.pkg.github.com/<owner>/index.json`; `GITHUB_TOKEN`
  publishes the repository's packages (`packages: write`) and restores the owner's packages
  it may read (`packages: read`), as the password of the source (any user name) or, to push,
  as the API key.
- A package is linked to the repository its project's `RepositoryUrl` names; the package
  job packs with `-p:RepositoryUrl=https://github.com/<owner>/<repository>` and checks the
  packed nuspec names it, so every package lands linked to the repository it is built from.
- A SemVer version with a suffix (`1.2.0-beta.1`) is a prerelease package for NuGet.

From the sources:
- `actions/setup-dotnet` v6.0.0 with `source-url` writes `nuget.config` beside the workspace
  with `ClearTextPassword` set to the value of `NUGET_AUTH_TOKEN` in the step's environment
  (src/authutil.ts). The workflow gives it the text `%NUGET_AUTH_TOKEN%`: NuGet reads
  `%VAR%` in a config value from the environment when it runs (NuGet's docs, "nuget.config
  reference", "Using environment variables"), so the file holds no token; each step that
  restores has the read token in its own environment. The publish job does not set up .NET
  (the runner image's SDK pushes) and writes no token anywhere.
- NuGet's push is a `PUT` of the .nupkg as multipart/form-data to the service index's
  `PackagePublish/2.0.0` address with the key in `X-NuGet-ApiKey` (NuGet's docs, "Push and
  Delete"); a version the registry has already answers 409. The flat container
  (`PackageBaseAddress/3.0.0`) lists a package's versions and serves each .nupkg.
"""

from __future__ import annotations

__all__ = ["DOTNET_LTS", "NUGET", "NuGetSpec", "nuget_release"]

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from ..._core._catalog import pin
from ..._core._ecosystem import Ecosystem, spec_settings
from ..._core._fields import (
    Loc,
    RepoPath,
    _command,
    _full_match,
    command_rule,
    version_rule,
)
from ..._core._release import (
    NO_TRUSTED_PUBLISHING,
    RELEASE_DIR,
    RELEASE_STEP,
    VERSION,
    PackageBlock,
    release_keys,
    release_workflow,
    version_check,
)
from ..._core._spec import RepositorySpec, Visibility
from ..._core._workflow import Step, Workflow, shell_join

if TYPE_CHECKING:
    from ..._core._ecosystem import Entry

# The current .NET LTS release line, the default `dotnet_version`.
DOTNET_LTS = "10.0.x"
NUGET_REGISTRY = "https://nuget.pkg.github.com"
NUGET_PATH = ".github/workflows/release-nuget.yml"
NUGET_STEPS = (
    "dotnet test",
    "group the steps in an MSBuild target or a test project and name it, such as"
    " 'dotnet test tests/Widgets.Tests'",
)
_DOTNET = re.compile(r"\d{1,2}\.\d{1,2}(?:\.(?:x|\d{1,3}(?:x|\d{0,2})))?")
_PACKAGE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


_dotnet_version = version_rule(
    _DOTNET, ".NET SDK", f"one such as '{DOTNET_LTS}', '9.0' or '8.0.404'", DOTNET_LTS
)
_package_id = _full_match(
    _PACKAGE_ID,
    "a NuGet package ID; expected up to 100 letters, digits, '.', '-' or '_', such as"
    " 'AcmeWidgets.Core'",
)


# ---------------------------------------------------------------------------
# The resolved spec.


@dataclass(frozen=True)
class NuGetSpec:
    """Pushing one .NET project's package to the owner's NuGet registry on release."""

    # The PackageId the project must declare, or None (not checked).
    package: str | None
    dotnet_version: str
    # The project (or its directory) packed, relative to the repository root.
    project: str
    test_command: tuple[str, ...]
    release_types: tuple[str, ...]
    visibility: Visibility = "private"


# ---------------------------------------------------------------------------
# The manifest block.


class NuGetDefaults(PackageBlock):
    """NuGet publishing settings every repository inherits."""

    dotnet_version: Annotated[str, BeforeValidator(_dotnet_version)] | None = Field(
        None, description=f".NET SDK for setup-dotnet (default {DOTNET_LTS}, the LTS)."
    )
    project: RepoPath | None = Field(
        None, description="The project packed, or its directory (default '.')."
    )
    test_command: command_rule(NUGET_STEPS) | None = Field(  # type: ignore[valid-type]
        None, description="Builds and tests (default 'dotnet test'); one command, no shell."
    )


class NuGet(NuGetDefaults):
    """Push a NuGet package to GitHub Packages when a release is made."""

    package: Annotated[str, AfterValidator(_package_id)] | None = Field(
        None, description="The PackageId the project must declare (default: not checked)."
    )


def _resolve_nuget(
    owner: str, repo: Entry, defaults: Entry, index: int
) -> tuple[NuGetSpec | None, list[tuple[Loc, str]]]:
    keys = release_keys("nuget", repo, defaults)
    if keys is None:
        return None, []
    package = keys.own.package if keys.own is not None else None
    name = package or f"the NuGet package of {owner}/{repo.name}"
    spec = NuGetSpec(
        package=package,
        dotnet_version=keys.pick("dotnet_version", DOTNET_LTS),
        project=keys.pick("project", "."),
        test_command=_command(keys.pick("test_command", "dotnet test"), NUGET_STEPS),
        release_types=keys.release_types,
        visibility=keys.visibility("nuget", repo, defaults, index, name),  # type: ignore[arg-type]
    )
    return spec, keys.problems


# ---------------------------------------------------------------------------
# The release workflow.


# The job's token: `packages: read` in the test and package jobs, for the steps that restore
# the owner's packages (NuGet puts it where the nuget.config setup-dotnet wrote says
# `%NUGET_AUTH_TOKEN%`); `packages: write` in the publish job, for its three registry steps.
_TOKEN = {"NUGET_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
_PACKAGE = "${{ needs.package.outputs.package }}"
_ABSENT = "steps.lookup.outputs.state == 'absent'"


def _property(name: str) -> str:
    # The project's path comes from the manifest: through the environment, never as code.
    return f'dotnet msbuild "$PROJECT" -getProperty:{name}'


def _setup(nuget: NuGetSpec, feed: str) -> tuple[Step, ...]:
    """The SDK, and the owner's registry as a source whose password is a reference to the
    environment: setup-dotnet writes the value it is given, here no token."""
    return (
        Step(
            name="Set up .NET",
            uses=pin("actions/setup-dotnet"),
            with_={"dotnet-version": nuget.dotnet_version, "source-url": feed},
            env={"NUGET_AUTH_TOKEN": "%NUGET_AUTH_TOKEN%"},
        ),
    )


def _check_package_id(repo: RepositorySpec, source: str, project: dict[str, str]) -> Step:
    return Step(
        name="Check the package ID",
        env={
            **project,
            "PACKAGE": repo.block("nuget").package,
            "MANIFEST_KEY": f"nuget.package of the repository '{repo.name}' in {source}",
        },
        run="\n".join(
            [
                f'id="$({_property("PackageId")})"',
                'if [ "$id" != "$PACKAGE" ]; then',
                "  echo \"::error file=$PROJECT::the project's PackageId is '$id' but"
                " the manifest publishes '$PACKAGE'; change one of them ($MANIFEST_KEY)\"",
                "  exit 1",
                "fi",
                "",
            ]
        ),
    )


def _check_repository(project: dict[str, str]) -> Step:
    """A project naming another repository is another repository's package: refused before
    packing (pack sets RepositoryUrl when the project leaves it out)."""
    return Step(
        name="Check the repository the project names",
        env=project,
        run="\n".join(
            [
                f'declared="$({_property("RepositoryUrl")})"',
                'named="${declared%/}"',
                'named="${named%.git}"',
                'if [ -n "$declared" ] && [ "${named,,}" != "${REPOSITORY_URL,,}" ]; then',
                "  echo \"::error file=$PROJECT::the project's RepositoryUrl is '$declared'"
                " but the package is published from $REPOSITORY_URL; GitHub links a NuGet"
                " package to the repository its RepositoryUrl names: set it to"
                " '$REPOSITORY_URL' or leave it out\"",
                "  exit 1",
                "fi",
                "",
            ]
        ),
    )


def _pack(project: dict[str, str]) -> Step:
    return Step(
        name="Pack",
        env={**project, "RELEASE_DIR": RELEASE_DIR, **_TOKEN},
        run='dotnet pack "$PROJECT" --configuration Release --output "$RELEASE_DIR"'
        ' "-p:RepositoryUrl=$REPOSITORY_URL" -p:RepositoryType=git',
    )


def _check_nupkg(project: dict[str, str], package: str | None) -> Step:
    """What was packed is what the release names: one package, its version the tag's, its
    ID the manifest's, linked to this repository (a project packing its own NuspecFile
    ignores RepositoryUrl)."""
    return Step(
        name="Check the package",
        id="nupkg",
        env={
            **project,
            "RELEASE_DIR": RELEASE_DIR,
            "VERSION": f"${{{{ steps.{RELEASE_STEP}.outputs.version }}}}",
            "PACKAGE": package or "",
        },
        run="\n".join(
            [
                "shopt -s nullglob",
                'packages=("$RELEASE_DIR"/*.nupkg)',
                'if [ "${#packages[@]}" -ne 1 ]; then',
                '  echo "::error file=$PROJECT::dotnet pack left ${#packages[@]} .nupkg files'
                " (${packages[*]##*/}); a release publishes one package: set nuget.project to"
                ' the project to pack"',
                "  exit 1",
                "fi",
                'nuspec="$(unzip -p "${packages[0]}" \'*.nuspec\')"',
                "field() {",
                '  printf \'%s\\n\' "$nuspec" | sed -n "s:.*<$1>\\(.*\\)</$1>.*:\\1:p" | head -n 1',
                "}",
                'id="$(field id)"',
                'version="$(field version)"',
                'url="$(printf \'%s\\n\' "$nuspec"'
                ' | sed -n \'s:.*<repository [^>]*url="\\([^"]*\\)".*:\\1:p\' | head -n 1)"',
                'echo "packed $id $version, linked to ${url:-no repository}"',
                'if [ -n "$PACKAGE" ] && [ "$id" != "$PACKAGE" ]; then',
                "  echo \"::error file=$PROJECT::the package's ID is '$id' but the manifest"
                " publishes '$PACKAGE'; nothing is published\"",
                "  exit 1",
                "fi",
                'if [ "$version" != "$VERSION" ]; then',
                "  echo \"::error file=$PROJECT::the package's version is '$version' but the"
                " project's version is '$VERSION'; nothing is published: write the version as"
                " NuGet does ('$version')\"",
                "  exit 1",
                "fi",
                'if [ "$url" != "$REPOSITORY_URL" ]; then',
                '  echo "::error file=$PROJECT::the package names the repository'
                " '${url:-none}' but is published from $REPOSITORY_URL; nothing is published:"
                ' GitHub links a NuGet package to the repository its nuspec names"',
                "  exit 1",
                "fi",
                'echo "id=$id" >> "$GITHUB_OUTPUT"',
                "",
            ]
        ),
    )


# Looks the release's version up in the owner's registry as NuGet's v3 protocol does (the
# service index names the flat container, which lists the package's versions and serves each
# .nupkg), with the job's token as the source's password through curl's standard input:
# nothing on disk, nothing on a command line. Leaves `state`: absent, same (the registry
# serves this very .nupkg) or other (it serves another .nupkg under this version).
_LOOKUP = [
    "get() {",
    '  printf \'user = "%s:%s"\\n\' "$GITHUB_REPOSITORY_OWNER" "$NUGET_AUTH_TOKEN" |',
    '    curl --silent --show-error --config - --output "$2" --write-out \'%{http_code}\' "$1"',
    "}",
    "answered() {",
    '  echo "::error::GitHub Packages answered HTTP $1 for $2$OUTCOME"',
    "  exit 1",
    "}",
    'status="$(get "$FEED" "$RUNNER_TEMP/nuget-index.json")"',
    '[ "$status" = 200 ] || answered "$status" "$FEED"',
    'base="$(jq -r \'[.resources[] | select(."@type" == "PackageBaseAddress/3.0.0")][0]'
    '["@id"] // empty\' "$RUNNER_TEMP/nuget-index.json")"',
    'if [ -z "$base" ]; then',
    '  echo "::error::the service index $FEED names no PackageBaseAddress/3.0.0$OUTCOME"',
    "  exit 1",
    "fi",
    'id="${PACKAGE,,}"',
    'version="${VERSION,,}"',
    'versions="${base%/}/$id/index.json"',
    'status="$(get "$versions" "$RUNNER_TEMP/nuget-versions.json")"',
    'case "$status" in',
    "  404) listed=false ;;",
    '  200) listed="$(jq --arg v "$version" \'.versions | index($v) != null\''
    ' "$RUNNER_TEMP/nuget-versions.json")" ;;',
    '  *) answered "$status" "$versions" ;;',
    "esac",
    'set -- "$RELEASE_DIR"/*.nupkg',
    'built="$(sha256sum < "$1" | cut -d\' \' -f1)"',
    "state=absent",
    'if [ "$listed" = true ]; then',
    '  nupkg="${base%/}/$id/$version/$id.$version.nupkg"',
    '  status="$(get "$nupkg" "$RUNNER_TEMP/nuget-served.nupkg")"',
    '  [ "$status" = 200 ] || answered "$status" "$nupkg"',
    '  served="$(sha256sum < "$RUNNER_TEMP/nuget-served.nupkg" | cut -d\' \' -f1)"',
    '  if [ "$served" = "$built" ]; then state=same; else state=other; fi',
    "fi",
]
_OTHER = [
    'if [ "$state" = other ]; then',
    '  echo "::error::$PACKAGE $VERSION is already published with other content (GitHub'
    " Packages serves sha256 $served, this release built sha256 $built); nothing is"
    " published: a version is published once, release a new one (re-running only the failed"
    ' jobs re-uses the package built first)"',
    "  exit 1",
    "fi",
]


def _lookup(feed: str) -> Step:
    return Step(
        name="Look the version up in GitHub Packages",
        id="lookup",
        env={
            "FEED": feed,
            "PACKAGE": _PACKAGE,
            "VERSION": VERSION,
            "RELEASE_DIR": RELEASE_DIR,
            **_TOKEN,
        },
        run="\n".join(
            [
                'OUTCOME="; nothing is published"',
                *_LOOKUP,
                *_OTHER,
                'if [ "$state" = same ]; then',
                '  echo "::notice::$PACKAGE $VERSION is already published with this very'
                ' package (sha256 $built); nothing is pushed again"',
                "fi",
                'echo "state=$state" >> "$GITHUB_OUTPUT"',
                "",
            ]
        ),
    )


def _push_config(feed: str) -> Step:
    """The source's credentials for NuGet's requests to the service index, as a config that
    names the token only as `%NUGET_AUTH_TOKEN%` (outside the artifact; this step holds no
    token)."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<configuration>",
        "  <packageSources>",
        "    <clear />",
        '    <add key="github" value="$FEED" />',
        "  </packageSources>",
        "  <packageSourceCredentials>",
        "    <github>",
        '      <add key="Username" value="%GITHUB_REPOSITORY_OWNER%" />',
        '      <add key="ClearTextPassword" value="%NUGET_AUTH_TOKEN%" />',
        "    </github>",
        "  </packageSourceCredentials>",
        "</configuration>",
    ]
    return Step(
        name="Name the registry's credentials for NuGet",
        if_=_ABSENT,
        env={"FEED": feed},
        run="\n".join(
            [
                'mkdir -p "$RUNNER_TEMP/nuget-push"',
                'cat > "$RUNNER_TEMP/nuget-push/nuget.config" <<EOF',
                *lines,
                "EOF",
                "",
            ]
        ),
    )


def _push(feed: str) -> Step:
    """The only push: without --skip-duplicate, so a version pushed meanwhile fails it
    (409) instead of passing unseen; the lookup before it skips a version already served
    with this package (a re-run)."""
    push = shell_join(["--source", feed, "--api-key"])
    return Step(
        name="Push to GitHub Packages",
        if_=_ABSENT,
        env={"RELEASE_DIR": RELEASE_DIR, **_TOKEN},
        run=f'cd "$RUNNER_TEMP/nuget-push" && dotnet nuget push "$RELEASE_DIR"/*.nupkg {push}'
        ' "$NUGET_AUTH_TOKEN"',
        ignore=NO_TRUSTED_PUBLISHING,
    )


def _check_served(feed: str) -> Step:
    return Step(
        name="Check that GitHub Packages serves the version",
        env={
            "FEED": feed,
            "PACKAGE": _PACKAGE,
            "VERSION": VERSION,
            "RELEASE_DIR": RELEASE_DIR,
            **_TOKEN,
        },
        run="\n".join(
            [
                'OUTCOME=""',
                *_LOOKUP,
                'if [ "$state" != same ]; then',
                '  echo "::error::GitHub Packages does not serve $PACKAGE $VERSION as this'
                ' release built it (served: sha256 ${served:-none}, built: sha256 $built)"',
                "  exit 1",
                "fi",
                'echo "GitHub Packages serves $PACKAGE $VERSION (sha256 $built)"',
                "",
            ]
        ),
    )


def nuget_release(repo: RepositorySpec, source: str) -> Workflow:
    """Test on pull requests; on a release, test, then (read access) check the tag, pack
    linked to the repository and check the package, then (write, no checkout) push it to the
    owner's NuGet registry once and check the registry serves it."""
    nuget: NuGetSpec | None = repo.block("nuget")
    if nuget is None:
        raise ValueError(f"{repo.name} publishes no NuGet package")
    feed = f"{NUGET_REGISTRY}/{repo.owner.lower()}/index.json"
    project = {"PROJECT": nuget.project, "REPOSITORY_URL": repo.url}
    package = [
        *([_check_package_id(repo, source, project)] if nuget.package is not None else []),
        _check_repository(project),
        version_check(
            _property("Version"),
            "*-*",
            pattern=repo.release_tag_pattern,
            what="project's",
            where="PROJECT",
            env=project,
        ),
        _pack(project),
        _check_nupkg(project, nuget.package),
    ]
    return release_workflow(
        repo,
        source,
        title="Release NuGet package",
        check="nuget test",
        release_types=nuget.release_types,
        setup=_setup(nuget, feed),
        test=(Step(name="Test", run=shell_join(nuget.test_command), env=_TOKEN),),
        package=package,
        publish=(_lookup(feed), _push_config(feed), _push(feed), _check_served(feed)),
        group="release-nuget",
        outputs={"package": "${{ steps.nupkg.outputs.id }}"},
    )


NUGET = Ecosystem(
    key="nuget",
    defaults=NuGetDefaults,
    block=NuGet,
    resolve=_resolve_nuget,
    identity="package",
    published=lambda spec: spec.package,
    workflow_path=NUGET_PATH,
    workflow=nuget_release,
    settings=spec_settings,
)
