"""`make diff BASE=<git ref>`: what the manifest's change does, offline, for review.

Synthesizes the manifest as it is at BASE (read with `git show`, no checkout) and as it is
in the working tree, both with the program as it is now, under the recording mock engine,
and reports: resources added, changed (with the changed inputs, secrets masked) and
removed, by URN; a unified diff of every generated file; and one line per repository.
A repository removed from the manifest is "no longer managed (left on GitHub)": it is
retained and archived, never deleted.

FORMAT=markdown writes the same as a job summary for a pull request (OUTPUT=file appends
it to a file, such as "$GITHUB_STEP_SUMMARY"). Exit 0: nothing changes; 3: something
changes (0 with --exit-zero); 2: an invalid manifest in the working tree or a bad BASE;
70: a bug (tools/cli.py).
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from components import ManifestError, load_manifest, parse_manifest
from components._manifest import matching_shards
from tools.adoption import adopted_repositories, first_up_lines, load_state, org_policy
from tools.cli import plural
from tools.cli import run as run_cli
from tools.mock_engine import SECRET, Registration, mask, run_program, shutdown
from tools.synth import (
    EXPOSURE,
    FILE_TYPE,
    REPO_TYPE,
    ROOT,
    TOKEN_ENV,
    exposes,
    files,
    options,
    registry_credentials,
)

MEMBER_TYPE = "ghpublish:index:PublishingRepository"
# GitHub refuses a job summary over 1 MiB: file diffs past this budget are left out.
MARKDOWN_BUDGET = 900_000
# Longest rendering of one input value in the resource list.
VALUE_WIDTH = 120
EXIT_CHANGES = 3
EXIT_INVALID = 2


# ---------------------------------------------------------------------------
# One synthesized state.


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    custom: bool
    inputs: dict[str, Any]  # raw: secrets still wrapped, to see a secret change
    options: dict[str, Any]
    repository: str | None  # the managed repository it belongs to, if any

    @property
    def shown_inputs(self) -> dict[str, Any]:
        return mask(self.inputs)


@dataclass(frozen=True)
class Repo:
    name: str
    adopt: bool
    # Adopted and made public by its own entry's `visibility: public`.
    exposed: bool = False


@dataclass
class Snapshot:
    """Resources by URN, files by `<owner>/<repo>/<path>`, repositories by name."""

    resources: dict[str, Resource] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    repos: dict[str, Repo] = field(default_factory=dict)
    owner: str = ""
    # Registry host → the config key its credential comes from (images built by pulumi up).
    credentials: dict[str, str] = field(default_factory=dict)


def snapshot_of(
    registrations: list[Registration],
    file_map: dict[str, str],
    owner: str,
    credentials: dict[str, str] | None = None,
) -> Snapshot:
    """Group registrations by the managed repository (the PublishingRepository) above them."""
    by_urn = {r.urn: r for r in registrations}
    member_name: dict[str, str] = {}
    repos: dict[str, Repo] = {}
    for r in registrations:
        if r.type == REPO_TYPE and by_urn.get(r.parent, r).type == MEMBER_TYPE:
            name = str(mask(r.inputs).get("name", r.name))
            member_name[r.parent] = name
            repos[name] = Repo(name, bool(r.import_id), exposes(r))

    def repository(urn: str) -> str | None:
        seen = set()
        while urn and urn not in seen:
            seen.add(urn)
            if urn in member_name:
                return member_name[urn]
            parent = by_urn.get(urn)
            urn = parent.parent if parent is not None else ""
        return None

    resources = {
        r.urn: Resource(r.urn, r.type, r.custom, r.inputs, options(r), repository(r.urn))
        for r in registrations
    }
    return Snapshot(dict(sorted(resources.items())), file_map, repos, owner, credentials or {})


def synthesize(source: str, cwd: Path, config: dict[str, str], secret_keys: list[str]) -> Snapshot:
    """Run the program on the manifest `source` (relative to `cwd`) under the mock engine."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        run = run_program(
            ROOT / "__main__.py", {**config, "ghpublish:manifest": source}, secret_keys
        )
    finally:
        os.chdir(here)
    return snapshot_of(
        run.registrations,
        files(run),
        str(run.outputs.get("owner", "")),
        registry_credentials(run),
    )


# ---------------------------------------------------------------------------
# The manifest at BASE.


class UsageError(Exception):
    """A bad BASE or manifest path: exit 2 with the message."""


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, check=False, encoding="utf-8"
    )


def repository_of(manifest: str) -> tuple[Path, str]:
    """The root of the git repository holding `manifest` and the manifest's path in it: BASE
    is read there (the org's own repository, wherever ghpublish is installed)."""
    full = Path(manifest).resolve()
    top = _git("-C", str(full.parent), "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(
            f"{manifest} is in no git repository; make diff compares the manifest with BASE of"
            " the repository that holds it: commit it to one"
        )
    root = Path(top.stdout.strip()).resolve()
    return root, full.relative_to(root).as_posix()


def manifest_at(base: str, root: Path, path: str) -> str | None:
    """The text of `path` at `base` in the repository at `root`; None when it did not exist."""
    if not base:
        raise UsageError("BASE is required: make diff BASE=<git ref>, such as BASE=origin/main")
    verify = ("--verify", "--quiet", "--end-of-options", f"{base}^{{commit}}")
    commit = _git("-C", str(root), "rev-parse", *verify)
    if commit.returncode != 0:
        raise UsageError(
            f"BASE {base!r} is not a commit of the manifest's repository ({root}); pass a"
            " branch, tag or commit (fetch it first in a shallow clone: git fetch origin <ref>)"
        )
    sha = commit.stdout.strip()
    shown = _git("-C", str(root), "show", f"{sha}:{path}")
    if shown.returncode != 0:
        return None
    return shown.stdout


# ---------------------------------------------------------------------------
# Comparing two states.


@dataclass(frozen=True)
class Change:
    key: str
    old: Any
    new: Any
    option: bool = False


@dataclass(frozen=True)
class ResourceDiff:
    kind: str  # "add", "change", "retain" (no longer managed, left on GitHub), "delete"
    resource: Resource
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class FileDiff:
    path: str  # `<owner>/<repo>/<path>`
    kind: str  # "add", "change", "delete"
    lines: tuple[str, ...]
    added: int
    removed: int


@dataclass
class Report:
    base: str
    owner: str
    notes: list[str]
    resources: list[ResourceDiff]
    files: list[FileDiff]
    repositories: list[tuple[str, str]]  # (`<owner>/<name>`, one-line summary)
    # (registry host, config key of its credential, what changed: "", "new", "was <key>",
    # "no longer used"), by host.
    credentials: list[tuple[str, str, str]] = field(default_factory=list)
    # What the first `pulumi up` changes on each repository this change adopts
    # (tools/adoption.py): a title, then its lines.
    adoption: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.resources or self.files)

    def count(self, kind: str) -> int:
        return sum(1 for d in self.resources if d.kind == kind)


_MISSING = object()


def _input_changes(old: Resource, new: Resource) -> tuple[Change, ...]:
    changes = []
    for key in sorted(set(old.inputs) | set(new.inputs)):
        a, b = old.inputs.get(key, _MISSING), new.inputs.get(key, _MISSING)
        if a != b:
            show = old.shown_inputs.get(key, _MISSING), new.shown_inputs.get(key, _MISSING)
            changes.append(Change(key, *show))
    for key in sorted(old.options):
        if old.options[key] != new.options.get(key):
            changes.append(Change(key, old.options[key], new.options.get(key), option=True))
    return tuple(changes)


def _file_diff(path: str, old: str | None, new: str | None) -> FileDiff:
    a = (old or "").splitlines(keepends=True)
    b = (new or "").splitlines(keepends=True)
    lines = tuple(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in difflib.unified_diff(
            a,
            b,
            fromfile=f"a/{path}" if old is not None else "/dev/null",
            tofile=f"b/{path}" if new is not None else "/dev/null",
        )
    )
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    kind = "add" if old is None else "delete" if new is None else "change"
    return FileDiff(path, kind, lines, added, removed)


def _repo_lines(base: Snapshot, head: Snapshot, report: Report) -> list[tuple[str, str]]:
    owner = head.owner or base.owner
    lines = []
    names = sorted(set(base.repos) | set(head.repos), key=str.lower)
    for name in names:
        mine = [d for d in report.resources if d.resource.repository == name]
        prefix = f"{owner}/{name}/"
        changed_files = [f for f in report.files if f.path.startswith(prefix)]
        if name not in base.repos:
            how = "adopt" if head.repos[name].adopt else "create"
            count = sum(1 for r in head.resources.values() if r.repository == name and r.custom)
            nfiles = sum(1 for p in head.files if p.startswith(prefix))
            line = f"added ({how}): {plural(count, 'resource')}, {plural(nfiles, 'file')}"
        elif name not in head.repos:
            line = "no longer managed (left on GitHub)"
            # A file is deleted from GitHub only where its resource is not retained.
            deleted = sorted(
                d.resource.inputs["file"]
                for d in mine
                if d.kind == "delete" and d.resource.type == FILE_TYPE
            )
            if deleted:
                line += f"; ghpublish deletes its managed files: {', '.join(deleted)}"
        elif not mine and not changed_files:
            line = "unchanged"
        else:
            parts = [
                f"{plural(n, 'resource')} {word}"
                for word, n in (
                    ("added", sum(1 for d in mine if d.kind == "add")),
                    ("changed", sum(1 for d in mine if d.kind == "change")),
                    ("no longer managed", sum(1 for d in mine if d.kind == "retain")),
                    ("deleted", sum(1 for d in mine if d.kind == "delete")),
                )
                if n
            ]
            if changed_files:
                plus = sum(f.added for f in changed_files)
                minus = sum(f.removed for f in changed_files)
                parts.append(f"{plural(len(changed_files), 'file')} changed (+{plus} -{minus})")
            line = "changed: " + ", ".join(parts)
        newly_public = name not in base.repos or not base.repos[name].exposed
        if name in head.repos and head.repos[name].exposed and newly_public:
            line += f"; {EXPOSURE}"
        lines.append((f"{owner}/{name}", line))
    outside = [d for d in report.resources if d.resource.repository is None and d.resource.custom]
    if outside:
        lines.append((f"{owner} (owner-wide)", f"{plural(len(outside), 'resource')} changed"))
    return lines


def adoption_lines(
    base: Snapshot, head: Snapshot, state: dict[str, Any] | None, label: str
) -> list[str]:
    """What the first `pulumi up` changes on each repository adopted in the working tree and
    not at BASE (tools/adoption.py), against GitHub's ``state`` when given."""
    newly = {
        n
        for n, r in head.repos.items()
        if r.adopt and not (n in base.repos and base.repos[n].adopt)
    }
    resources = [
        (r.repository, r.type, r.shown_inputs, r.options)
        for r in head.resources.values()
        if r.custom
    ]
    adopted = [
        a for a in adopted_repositories(resources, head.files, head.owner) if a.name in newly
    ]
    return first_up_lines(head.owner, adopted, org_policy(resources), state, label)


def compare(
    base: Snapshot,
    head: Snapshot,
    base_label: str,
    notes: list[str],
    state: dict[str, Any] | None = None,
    state_label: str = "",
) -> Report:
    diffs: list[ResourceDiff] = []
    for urn in sorted(set(base.resources) | set(head.resources)):
        old, new = base.resources.get(urn), head.resources.get(urn)
        if old is None and new is not None:
            diffs.append(ResourceDiff("add", new))
        elif new is None and old is not None:
            kind = "retain" if old.options["retainOnDelete"] else "delete"
            diffs.append(ResourceDiff(kind, old))
        elif old is not None and new is not None:
            changes = _input_changes(old, new)
            if changes:
                diffs.append(ResourceDiff("change", new, changes))
    # Components are bookkeeping: report the resources GitHub sees.
    diffs = [d for d in diffs if d.resource.custom]
    file_diffs = [
        _file_diff(path, base.files.get(path), head.files.get(path))
        for path in sorted(set(base.files) | set(head.files))
        if base.files.get(path) != head.files.get(path)
    ]
    report = Report(base_label, head.owner or base.owner, notes, diffs, file_diffs, [])
    report.repositories = _repo_lines(base, head, report)
    report.credentials = credential_lines(base.credentials, head.credentials)
    report.adoption = adoption_lines(base, head, state, state_label)
    return report


def credential_lines(base: dict[str, str], head: dict[str, str]) -> list[tuple[str, str, str]]:
    """Which config key each registry host gets from `pulumi up`, and what changed."""
    lines = []
    for host in sorted(set(base) | set(head)):
        old, new = base.get(host), head.get(host)
        if new is None:
            lines.append((host, str(old), "no longer used"))
        elif old is None:
            lines.append((host, new, "new"))
        else:
            lines.append((host, new, "" if old == new else f"was {old}"))
    return lines


CREDENTIALS_TITLE = (
    "Registry credentials (pulumi up sends each host only its own key, never the GitHub token)"
)


# ---------------------------------------------------------------------------
# Rendering.

_VERB = {"add": "add", "change": "change", "retain": "no longer managed", "delete": "delete"}
_MARK = {"add": "+", "change": "~", "retain": "-", "delete": "-"}


def _value(value: Any) -> str:
    if value is _MISSING:
        return "(unset)"
    if value == SECRET:
        return SECRET
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _change_text(resource: Resource, change: Change) -> tuple[str, str, str]:
    key = f"[option] {change.key}" if change.option else change.key
    if resource.type == FILE_TYPE and change.key == "content":
        return key, "", "changed (see the file diff)"
    old, new = _value(change.old), _value(change.new)
    if old == new == SECRET:
        new = f"{SECRET} (changed)"
    return key, old, new


def _headline(report: Report) -> str:
    counts = [
        plural(report.count("add"), "resource") + " to add",
        f"{report.count('change')} to change",
        f"{report.count('retain')} no longer managed (left on GitHub)",
        f"{report.count('delete')} to delete",
    ]
    return ", ".join(counts) + f"; {plural(len(report.files), 'generated file')} changed"


def render_text(report: Report) -> str:
    out = [f"ghpublish diff: {report.base} -> working tree", *report.notes, ""]
    out.append(_headline(report))
    out += ["", "Repositories:", *(f"  {name}: {line}" for name, line in report.repositories)]
    if report.adoption:
        out += ["", *report.adoption]
    if report.credentials:
        out += ["", f"{CREDENTIALS_TITLE}:"]
        out += [
            f"  {host} <- {key}" + (f" ({note})" if note else "")
            for host, key, note in report.credentials
        ]
    if report.resources:
        out += ["", "Resources:"]
        for d in report.resources:
            out.append(f"  {_MARK[d.kind]} {_VERB[d.kind]}: {d.resource.urn}")
            for change in d.changes:
                key, old, new = _change_text(d.resource, change)
                out.append(f"      {key}: {f'{old} -> ' if old else ''}{new}")
    for f in report.files:
        out += ["", f"File {f.path} ({f.kind}, +{f.added} -{f.removed}):"]
        out.append("".join(f.lines).rstrip("\n"))
    return "\n".join(out) + "\n"


def _code(text: str) -> str:
    """Inline code that holds any text, backticks included."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(lines: tuple[str, ...], lang: str) -> Iterator[str]:
    body = "".join(lines)
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=0)
    fence = "`" * max(3, longest + 1)
    yield f"{fence}{lang}"
    yield body.rstrip("\n")
    yield fence


def render_markdown(report: Report) -> str:
    out = [f"## ghpublish diff: {_code(report.base)} → working tree", ""]
    out += [f"> {note}" for note in report.notes]
    if report.notes:
        out.append("")
    out += [f"**{_headline(report)}**", "", "### Repositories", ""]
    out += [f"- {_code(name)}: {line}" for name, line in report.repositories] or ["- (none)"]
    if report.adoption:
        title, *body = report.adoption
        out += ["", f"### {title[:1].upper()}{title[1:].rstrip(':')}", ""]
        out += list(_fenced(tuple(f"{line[2:]}\n" for line in body), "text"))
    if report.credentials:
        out += ["", f"### {CREDENTIALS_TITLE}", ""]
        out += [
            f"- {_code(host)} ← {_code(key)}"
            + (
                f" (was {_code(note[4:])})"
                if note.startswith("was ")
                else f" ({note})"
                if note
                else ""
            )
            for host, key, note in report.credentials
        ]
    if report.resources:
        out += ["", "### Resources", ""]
        for d in report.resources:
            out.append(f"- **{_VERB[d.kind]}** {_code(d.resource.urn)}")
            for change in d.changes:
                key, old, new = _change_text(d.resource, change)
                shown = f"{_code(old)} → {_code(new)}" if old else new
                out.append(f"  - {_code(key)}: {shown}")
    if report.files:
        out += ["", "### Generated files", ""]
    used = sum(len(line) + 1 for line in out)
    for f in report.files:
        title = f"<code>{html.escape(f.path)}</code> ({f.kind}, +{f.added} -{f.removed})"
        body = list(_fenced(f.lines, "diff"))
        size = sum(len(line) + 1 for line in body)
        if used + size > MARKDOWN_BUDGET:
            out += [f"- {title}: diff left out (a job summary holds 1 MiB); run `make diff`"]
            continue
        used += size
        out += ["<details>", f"<summary>{title}</summary>", "", *body, "", "</details>", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------


def _unsharded(text: str) -> bool:
    """Whether a manifest text declares no shards (an invalid one counts as sharded: its
    run reports why it is invalid)."""
    try:
        return not parse_manifest(text, "publishing.yaml").shards
    except ManifestError:
        return False


def _shard_patterns(manifest: str, shard: str) -> dict[str, tuple[str, ...]]:
    spec = load_manifest(manifest)
    return {s.name: s.patterns for s in spec.shards if s.name == shard}


def _within(whole: Snapshot, head: Snapshot, patterns: dict[str, tuple[str, ...]]) -> Snapshot:
    """The part of an unsharded org's snapshot that one shard manages: the repositories its
    patterns match (a removed one too: no longer managed), and the stack-wide resources the
    shard's stack has as well."""
    repos = {name for name in whole.repos if matching_shards(patterns, name)}
    return Snapshot(
        resources={
            urn: r
            for urn, r in whole.resources.items()
            if (r.repository in repos if r.repository else urn in head.resources)
        },
        files={p: text for p, text in whole.files.items() if p.split("/")[1] in repos},
        repos={name: repo for name, repo in whole.repos.items() if name in repos},
        owner=whole.owner,
        # The whole org's hosts that the shard's stack pushes to as well.
        credentials={h: k for h, k in whole.credentials.items() if h in head.credentials},
    )


def diff(base: str, manifest: str, shard: str | None = None, seed: str | None = None) -> Report:
    """The report for `manifest` (a path from the current directory) against `base`: of one
    shard's stack, both sides, when `shard` is set (a sharded manifest runs per shard)."""
    relative = os.path.relpath(manifest)
    unsharded: dict[str, str] = {}
    config: dict[str, str] = {"ghpublish:shard": shard} if shard else {}
    secret_keys: list[str] = []
    token = os.environ.get(TOKEN_ENV)
    if token:
        config["github:token"] = unsharded["github:token"] = token
        secret_keys.append("github:token")

    root, path = repository_of(manifest)
    text = manifest_at(base, root, path)
    notes: list[str] = [f"Shard {shard}: what its stack manages."] if shard else []
    head = synthesize(relative, Path.cwd(), config, secret_keys)
    if text is None:
        notes.append(f"{relative} does not exist at {base}: everything is new.")
        old = Snapshot()
    else:
        # The manifest at BASE, at the same path in a repository of its own: generated files
        # name it the same way (components/_manifest/_read.py, manifest_name).
        with tempfile.TemporaryDirectory(prefix="ghpublish-diff-") as tmp:
            (Path(tmp) / ".git").mkdir()
            target = Path(tmp, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            try:
                if shard and _unsharded(text):
                    # Sharded by this change: the shard against its part of the whole org.
                    notes.append(
                        f"{relative} declares no shards at {base}: shard {shard} is compared"
                        " with the repositories its patterns match there."
                    )
                    whole = synthesize(str(target), Path.cwd(), unsharded, secret_keys)
                    old = _within(whole, head, _shard_patterns(manifest, shard))
                else:
                    old = synthesize(str(target), Path.cwd(), config, secret_keys)
            except pulumi.RunError as error:
                first = str(error).replace(str(target), relative).splitlines()
                notes.append(
                    f"{relative} is invalid at {base} ({first[0] if first else error}):"
                    " everything is shown as new."
                )
                old = Snapshot()
    return compare(old, head, base, notes, load_state(seed) if seed else None, seed or "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("BASE", ""))
    parser.add_argument("--manifest", default=os.environ.get("MANIFEST") or "publishing.yaml")
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    parser.add_argument("--output", default="", help="append the report to this file")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 when things change")
    parser.add_argument(
        "--shard",
        default=os.environ.get("SHARD") or None,
        help="the shard of a sharded manifest to compare (as ghpublish:shard)",
    )
    parser.add_argument(
        "--seed",
        default=os.environ.get("SEED") or None,
        help="GitHub's state (the simulator's seed format) the adoption report compares with",
    )
    args = parser.parse_args(argv)
    try:
        report = diff(args.base, args.manifest, args.shard, args.seed)
    except (OSError, ValueError) as error:
        print(f"make diff: SEED {args.seed!r}: {error}", file=sys.stderr)
        return EXIT_INVALID
    except UsageError as error:
        print(f"make diff: {error}", file=sys.stderr)
        return EXIT_INVALID
    except pulumi.RunError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    text = render_markdown(report) if args.format == "markdown" else render_text(report)
    if args.output:
        with open(args.output, "a", encoding="utf-8") as out:
            out.write(text)
        for name, line in report.repositories:
            print(f"{name}: {line}")
    else:
        sys.stdout.write(text)
    return EXIT_CHANGES if report.changed and not args.exit_zero else 0


def cli() -> None:
    """`python -m tools.diff`: exit with main's code, 70 on a crash (tools/cli.py)."""
    run_cli(main, "make diff", cleanup=shutdown)


if __name__ == "__main__":
    cli()
