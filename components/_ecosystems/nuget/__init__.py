"""The NuGet ecosystem: the `nuget` block, its resolved spec and its release workflow.

Facts from GitHub's docs ("Working with the NuGet registry"), in our words:
- The owner's registry is `https://nuget.pkg.github.com/<owner>/index.json`; `dotnet nuget
  push --api-key` authenticates with `GITHUB_TOKEN`, which publishes the repository's
  packages (`packages: write`) and restores the owner's packages it may read.
- A package is linked to the repository its project's `RepositoryUrl` names; the publish job
  sets it on the command line (`-p:RepositoryUrl=https://github.com/<owner>/<repository>`),
  so every package lands linked to the repository it is built from.
- `actions/setup-dotnet` with `source-url` writes a NuGet.config for that source whose
  password is `NUGET_AUTH_TOKEN`, read from the environment when restoring.
- A SemVer version with a suffix (`1.2.0-beta.1`) is a prerelease package for NuGet.
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


def _property(name: str) -> str:
    # The project's path comes from the manifest: through the environment, never as code.
    return f'dotnet msbuild "$PROJECT" -getProperty:{name}'


def nuget_release(repo: RepositorySpec, source: str) -> Workflow:
    """Test on pull requests; on a release, test, check the tag, pack with the repository's
    URL and push to the owner's NuGet registry."""
    nuget: NuGetSpec | None = repo.block("nuget")
    if nuget is None:
        raise ValueError(f"{repo.name} publishes no NuGet package")
    feed = f"{NUGET_REGISTRY}/{repo.owner.lower()}/index.json"
    project = {"PROJECT": nuget.project}

    def setup(publish: bool) -> tuple[Step, ...]:
        # The token restores the owner's packages (read) or pushes (write, publish job).
        token = "${{ secrets.GITHUB_TOKEN }}" if publish else "${{ github.token }}"
        return (
            Step(
                name="Set up .NET",
                uses=pin("actions/setup-dotnet"),
                with_={"dotnet-version": nuget.dotnet_version, "source-url": feed},
                env={"NUGET_AUTH_TOKEN": token},
            ),
        )

    verify = [
        version_check(_property("Version"), "*-*", what="project's", where="PROJECT", env=project)
    ]
    if nuget.package is not None:
        verify.insert(
            0,
            Step(
                name="Check the package ID",
                env={
                    **project,
                    "PACKAGE": nuget.package,
                    "MANIFEST_KEY": f"nuget.package of the repository '{repo.name}' in {source}",
                },
                run="\n".join(
                    [
                        f'id="$({_property("PackageId")})"',
                        'if [ "$id" != "$PACKAGE" ]; then',
                        "  echo \"::error file=$PROJECT::the project's PackageId is '$id' but"
                        " the manifest publishes '$PACKAGE'; change one of them"
                        ' ($MANIFEST_KEY)"',
                        "  exit 1",
                        "fi",
                        "",
                    ]
                ),
            ),
        )
    pack = shell_join(
        [
            "dotnet",
            "pack",
            "--configuration",
            "Release",
            "--output",
            "nupkg",
            f"-p:RepositoryUrl={repo.url}",
            "-p:RepositoryType=git",
        ]
    )
    push = shell_join(["dotnet", "nuget", "push", "--source", feed, "--api-key"])
    return release_workflow(
        repo,
        source,
        title="Release NuGet package",
        check="nuget test",
        release_types=nuget.release_types,
        setup=setup,
        test=(
            Step(
                name="Test",
                run=shell_join(nuget.test_command),
                env={"NUGET_AUTH_TOKEN": "${{ github.token }}"},
            ),
        ),
        verify=verify,
        publish=(
            Step(name="Pack", env=project, run=f'{pack} "$PROJECT"'),
            Step(
                name="Push",
                env={"NUGET_AUTH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"},
                run=f'{push} "$NUGET_AUTH_TOKEN" nupkg/*.nupkg',
                ignore=NO_TRUSTED_PUBLISHING,
            ),
        ),
        group="release-nuget",
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
