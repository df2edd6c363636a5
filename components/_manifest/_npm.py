"""The `npm` block: its model and its resolution into an :class:`NpmSpec`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from .._spec import NODE_LTS, NpmSpec
from ._fields import RELEASE_TYPES, Command, Loc, ReleaseType, _Block, _command, _pick

if TYPE_CHECKING:
    from ._repository import Repository, RepositoryDefaults


_NPM_NAME = re.compile(r"@[a-z0-9-~][a-z0-9-._~]*/[a-z0-9-~][a-z0-9-._~]*")
_NODE = re.compile(r"\d+(?:\.\d+){0,2}|lts/\*|lts/[a-z]+")


def _npm_package(value: str) -> str:
    if len(value) > 214 or not _NPM_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a scoped npm package name; expected '@<owner>/<name>' in"
            " lowercase letters, digits, '-', '.', '_' or '~'"
        )
    return value


def _node_version(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _NODE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Node.js version; expected a version such as '24' or '24.11'"
            " or an alias such as 'lts/*'"
        )
    return value


NpmPackage = Annotated[str, AfterValidator(_npm_package)]
NodeVersion = Annotated[str, BeforeValidator(_node_version)]


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
    owner: str, repo: Repository, defaults: RepositoryDefaults, index: int
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
    spec = NpmSpec(
        package=package,
        node_version=_pick("node_version", own, inherited) or NODE_LTS,
        install_command=_command(_pick("install_command", own, inherited) or "npm ci"),
        test_command=_command(_pick("test_command", own, inherited) or "npm test"),
        release_types=tuple(sorted(set(release_types), key=RELEASE_TYPES.index)),
    )
    return spec, problems
