"""`shards`: splitting the repositories between stacks, and selecting one stack's part."""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator

from .._core._errors import ConfigError
from .._core._fields import Loc, _full_match
from .._core._spec import OrgSpec, ShardSpec

if TYPE_CHECKING:
    from ._document import Manifest


_SHARD = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
_SHARD_PATTERN = re.compile(r"[A-Za-z0-9._*?\[\]!-]{1,100}")


_shard_name = _full_match(
    _SHARD,
    "a shard name; expected 1 to 40 lowercase letters, digits or hyphens, such as 'team-web'",
)


_shard_pattern = _full_match(
    _SHARD_PATTERN,
    "a repository name pattern; expected a name or a glob of repository-name"
    " characters with '*', '?' or '[...]', such as 'web-*'",
)


ShardName = Annotated[str, AfterValidator(_shard_name)]
ShardPattern = Annotated[str, AfterValidator(_shard_pattern)]

# Every repository is matched against every glob: 300 in all (three for each of the 100
# shards a manifest could hold) keep that to milliseconds at the largest manifest. A name
# without a wildcard costs nothing (a set holds them).
MAX_GLOBS = 300
_WILDCARD = re.compile(r"[*?\[]")


def _resolve_shards(manifest: Manifest, problems: list[tuple[Loc, str]]) -> tuple[ShardSpec, ...]:
    """Every repository in exactly one shard, so that no two stacks manage it."""
    if not manifest.shards:
        return ()
    globs = sum(1 for ps in manifest.shards.values() for p in ps if _WILDCARD.search(p))
    if globs > MAX_GLOBS:
        problems.append(
            (
                ("shards",),
                f"holds {globs:,} patterns with a wildcard (*, ? or [); at most {MAX_GLOBS}:"
                " list repositories by name, or match more of them with each pattern",
            )
        )
        return ()
    members: dict[str, list[str]] = {name: [] for name in manifest.shards}
    matches = shard_matcher(manifest.shards)
    for index, repo in enumerate(manifest.repositories):
        found = matches(repo.name)
        loc: Loc = ("repositories", index, "name")
        if not found:
            problems.append(
                (
                    loc,
                    f"{repo.name!r} matches no shard; add it, or a pattern that matches it, to"
                    f" one of the shards ({', '.join(manifest.shards)})",
                )
            )
        elif len(found) > 1:
            problems.append(
                (
                    loc,
                    f"{repo.name!r} matches the shards {' and '.join(map(repr, found))}; change"
                    " their patterns so that it matches exactly one (two stacks would manage it)",
                )
            )
        else:
            members[found[0]].append(repo.name)
    return tuple(
        ShardSpec(name, tuple(patterns), tuple(members[name]))
        for name, patterns in manifest.shards.items()
    )


def shard_matcher(shards: Mapping[str, Sequence[str]]) -> Callable[[str], list[str]]:
    """A function giving the shards whose patterns match a repository name (names compare
    case-insensitively): each shard's names in a set, its globs in one regular expression
    (``fnmatch``'s translation of each)."""
    compiled = []
    for shard, patterns in shards.items():
        lowered = [p.lower() for p in patterns]
        names = frozenset(p for p in lowered if not _WILDCARD.search(p))
        globs = [fnmatch.translate(p) for p in lowered if _WILDCARD.search(p)]
        compiled.append((shard, names, re.compile("|".join(globs)) if globs else None))

    def matches(repository: str) -> list[str]:
        name = repository.lower()
        return [
            shard
            for shard, names, glob in compiled
            if name in names or (glob is not None and glob.match(name) is not None)
        ]

    return matches


def matching_shards(shards: Mapping[str, Sequence[str]], repository: str) -> list[str]:
    """The shards whose patterns match ``repository`` (names compare case-insensitively)."""
    return shard_matcher(shards)(repository)


def staggered_schedule(shard: str) -> str:
    """A weekday drift-check cron for ``shard``: its minute and hour from a digest of its
    name, so that shards sharing a token do not spend the same hour."""
    digest = int(hashlib.sha256(shard.encode()).hexdigest(), 16)
    return f"{digest % 60} {(digest // 60) % 24} * * 1-5"


def select_shard(spec: OrgSpec, shard: str | None) -> OrgSpec:
    """The part of the org one stack manages: all of it, or the shard ``ghpublish:shard`` names.

    The first shard also manages the org-level standards and the custom property schema
    (every shard sets its repositories' values); the manifest repository's pipeline
    goes with the shard of its repository.
    """
    names = [s.name for s in spec.shards]
    if not shard:
        if spec.shards:
            raise ConfigError(
                f"ghpublish:shard: {spec.source} splits the repositories into shards"
                f" ({', '.join(names)}); select this stack's with `pulumi config set"
                " ghpublish:shard <name>` (SHARD=<name> for make)"
            )
        return spec
    if not spec.shards:
        raise ConfigError(
            f"ghpublish:shard: {shard!r} is set but {spec.source} declares no shards; remove"
            " the setting (`pulumi config rm ghpublish:shard`) or add `shards` to the manifest"
        )
    if shard not in names:
        raise ConfigError(
            f"ghpublish:shard: {shard!r} is not a shard of {spec.source}; expected one of:"
            f" {', '.join(names)}"
        )
    (chosen,) = (s for s in spec.shards if s.name == shard)
    keep = set(chosen.repositories)
    pipeline = spec.pipeline if spec.pipeline and spec.pipeline.repository in keep else None
    return dataclasses.replace(
        spec,
        repositories=tuple(r for r in spec.repositories if r.name in keep),
        pipeline=pipeline,
        standards=spec.standards if shard == names[0] else None,
        custom_properties=spec.custom_properties if shard == names[0] else (),
    )
