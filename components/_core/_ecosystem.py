"""What an ecosystem module declares: the one descriptor the rest of ghpublish reads.

The manifest's repository models, the resolution of a repository, the org component's
mapping of a resolved spec to component settings and the pull-request checks all loop
over the registered descriptors (``ECOSYSTEMS``); none names an ecosystem.
"""

from __future__ import annotations

__all__ = ["Ecosystem", "Entry", "Problems", "Resolve", "package_visibility", "spec_settings"]

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ._fields import _BUILTIN, _pick
from ._workflow import Workflow, shell_join

if TYPE_CHECKING:
    from ._fields import Loc
    from ._spec import RepositorySpec

# A repository's entry of the manifest, or its `defaults`, as an ecosystem reads it: a
# model holding the ecosystem's block under its key, beside `name` and `visibility` (the
# manifest builds these models from the registered ecosystems, above this floor).
Entry = BaseModel
Problems = list[tuple["Loc", str]]
# (owner, the repository's entry, the defaults, its index) → its spec or None.
Resolve = Callable[[str, Entry, Entry, int], tuple[Any, Problems]]


@dataclass(frozen=True)
class Ecosystem:
    """One ecosystem: its manifest key and block models, its resolution, its workflow."""

    # The manifest key (`npm`), the field of `RepositorySpec` and of `PublishingRepositoryArgs`
    # holding it, and the role of its component (`<repository>-npm`).
    key: str
    # The block under `defaults` (every key optional) and under a repository (the same keys
    # and the ones only a repository may set, such as its package name).
    defaults: type[BaseModel]
    block: type[BaseModel]
    # A repository's resolved spec (None when off), with every problem found.
    resolve: Resolve
    # The key naming what each repository publishes alone (`package`, `image`) and that
    # value of a resolved spec (None where the manifest leaves it to the project's own
    # files): two repositories publishing one name are refused.
    identity: str
    published: Callable[[Any], str | None]
    # The managed workflow: its path and the model built from the repository's spec.
    workflow_path: str
    workflow: Callable[[RepositorySpec, str], Workflow]
    # The component settings of a resolved spec (`PublishingRepositoryArgs[key]`).
    settings: Callable[[Any], Mapping[str, Any]]


def spec_settings(spec: object) -> dict[str, Any]:
    """A resolved spec as component settings, field by field: commands (argv tuples under a
    `*_command` name) as one command line, tuples as lists, unset values left out."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(spec):  # type: ignore[arg-type]
        value = getattr(spec, field.name)
        if value is None:
            continue
        if field.name.endswith("_command"):
            value = shell_join(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[field.name] = value
    return out


def package_visibility(
    key: str, repo: Entry, defaults: Entry, index: int, package: str
) -> tuple[str, Problems]:
    """The package's intended visibility (`<key>.visibility`), which must be the repository's:
    a package linked to its repository inherits its access."""
    visibility = _pick("visibility", repo, defaults) or _BUILTIN["visibility"]
    wanted = _pick("visibility", getattr(repo, key), getattr(defaults, key)) or visibility
    if wanted == visibility:
        return wanted, []
    undo = "; making a package public cannot be undone" if wanted == "public" else ""
    return wanted, [
        (
            ("repositories", index, key, "visibility"),
            f"{wanted!r} for {package!r} differs from the repository's visibility"
            f" {visibility!r}: a package linked to its repository inherits the"
            " repository's access and GitHub has no API to set a package's visibility;"
            f" set {key}.visibility to {visibility!r} or change the repository's"
            " visibility, or make the change by hand after the first publish in the"
            " package's settings on GitHub (Package settings, Danger Zone, Change"
            f" visibility{undo})",
        )
    ]
