"""`make synth`: the stack's program, offline, under the recording mock engine.

Writes ``OUT/plan.json`` (every resource with its inputs and options, secrets
masked, sorted by URN) and ``OUT/files/<owner>/<repo>/<path>`` (every file the
stack would commit), lints each generated workflow and prints one line per
repository. Exit 0: clean; 1: a lint finding; 2: an invalid manifest or OUT (or one another
synth is writing); 70: a bug; 74: OUT could not be written (tools/cli.py). OUT is only ever
written where synth deletes nothing it did not write, and nothing outside it (tools/outdir.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pulumi

from components import GhpublishError, load_manifest
from components._manifest import manifest_name
from tools.adoption import adopted_repositories, first_up_lines, load_state, org_policy
from tools.budget import estimate, repository_of, requests_per_hour, verdict
from tools.cli import EXIT_BUG, EXIT_FINDINGS, EXIT_INVALID, EXIT_IO, plural
from tools.cli import run as run_cli
from tools.mock_engine import ProviderContractError, Registration, Run, run_program, shutdown
from tools.outdir import OutDir, OutError, OutIOError
from tools.progress import repository_progress

ROOT = Path(__file__).resolve().parent.parent
FILE_TYPE = "github:index/repositoryFile:RepositoryFile"
REPO_TYPE = "github:index/repository:Repository"
# Set to a token to check it never reaches an output (the tests' sentinel).
TOKEN_ENV = "GHPUBLISH_SYNTH_TOKEN"


# Said of an adopted repository whose own entry declares `visibility: public`.
EXPOSURE = (
    "EXPOSURE: visibility: public makes this existing repository public (code, history,"
    " issues) unless it already is"
)


def options(r: Registration) -> dict[str, Any]:
    """The resource options a plan shows."""
    return {
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        "importId": r.import_id,
        "dependsOn": list(r.depends_on),
        "ignoreChanges": list(r.ignore_changes),
    }


def exposes(r: Registration) -> bool:
    """An existing repository (adopted) that the program makes public."""
    return (
        r.type == REPO_TYPE and bool(r.import_id) and r.plain_inputs.get("visibility") == "public"
    )


def plan(run: Run) -> dict[str, Any]:
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "inputs": r.plain_inputs,
            "options": options(r),
        }
        for r in run.registrations
    ]
    return {
        "resources": sorted(resources, key=lambda r: r["urn"]),
        # Per registry host a Pulumi-time build pushes to: the config key of its password.
        "registryCredentials": registry_credentials(run),
    }


def registry_credentials(run: Run) -> dict[str, str]:
    """Registry host → the config key its credential comes from (never a value), sorted."""
    return dict(sorted((run.outputs.get("registryCredentials") or {}).items()))


def registry_lines(credentials: dict[str, str]) -> list[str]:
    """One line per registry host: which config key `pulumi up` sends it, and nothing else."""
    return [
        f"registry {host}: pushed to with {key} only (never the GitHub token)"
        for host, key in credentials.items()
    ]


def files(run: Run) -> dict[str, str]:
    """Every managed file, as ``<owner>/<repo>/<path>`` → content."""
    owner = run.outputs["owner"]
    out: dict[str, str] = {}
    for r in run.of_type(FILE_TYPE):
        inputs = r.plain_inputs
        out[f"{owner}/{inputs['repository']}/{inputs['file']}"] = inputs["content"]
    return dict(sorted(out.items()))


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def lint(workflows: list[Path]) -> list[str]:
    """Findings of zizmor (auditor persona, offline) and the workflow JSON schema.

    Each distinct workflow is linted once, as the first file that has it (the findings name
    that file and how many others are alike): at 1,000 repositories a few distinct
    workflows stand for thousands of files. See `lint_groups` for what counts as alike.
    """
    if not workflows:
        return []
    same = lint_groups(workflows)
    distinct = [paths[0] for paths in same]
    copies = {
        paths[0]: f"{paths[0]} (and {len(paths) - 1} alike)" for paths in same if len(paths) > 1
    }

    def named(text: str) -> str:
        for path, label in copies.items():
            text = text.replace(str(path), label)
        return text

    findings: list[str] = []
    zizmor = subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--persona",
            "auditor",
            "--format",
            "plain",
            "--no-progress",
            *map(str, distinct),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if zizmor.returncode != 0:
        findings.append(named(f"zizmor:\n{zizmor.stdout}{zizmor.stderr}").rstrip())
    schema = subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, distinct),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if schema.returncode != 0:
        findings.append(named(f"check-jsonschema:\n{schema.stdout}{schema.stderr}").rstrip())
    return findings


def lint_groups(workflows: list[Path]) -> list[list[Path]]:
    """Workflows grouped by their content with their repository's own name (the directory
    above `.github/workflows`, in any case: image names are lowercase) taken out, in first
    seen order. Files that differ only in that name (the header, the package, the image) are
    one workflow to the linters: the name is a manifest-validated scalar, quoted by the same
    renderer wherever it appears."""
    groups: dict[bytes, list[Path]] = {}
    for path in workflows:
        text = path.read_text(encoding="utf-8")
        name = path.parent.parent.parent.name
        if name:
            text = re.sub(re.escape(name), "\0", text, flags=re.IGNORECASE)
        groups.setdefault(hashlib.sha256(text.encode()).digest(), []).append(path)
    return list(groups.values())


def repository_members(run: Run) -> dict[str, list[Registration]]:
    """The custom resources of each PublishingRepository component, by component name."""
    owners = repository_of(run)
    members: dict[str, list[Registration]] = defaultdict(list)
    for r in run.registrations:
        if r.custom and owners[r.urn]:
            members[owners[r.urn]].append(r)
    return members


# Where a file without a branch goes: the provider commits it to the default branch.
GITHUB_BRANCH = "the default branch GitHub has"


def file_branch(inputs: dict[str, Any]) -> str:
    """The branch a managed file is committed to, as the provider reads its inputs."""
    return str(inputs.get("branch") or GITHUB_BRANCH)


def summary(run: Run) -> list[str]:
    repos = run.outputs["repositories"]
    exposed = {r.plain_inputs["name"] for r in run.of_type(REPO_TYPE) if exposes(r)}
    members = repository_members(run)
    lines = []
    owner = run.outputs["owner"]
    for name, repo in repos.items():
        mine = members.get(f"org-{name}", [])
        how = "adopt" if any(r.import_id for r in mine if r.type == REPO_TYPE) else "create"
        public = set(repo.get("public_packages") or [])
        packages = (
            ", ".join(
                f"{p} (PUBLIC: irreversible, GitHub cannot make it private again)"
                if p in public
                else p
                for p in repo["packages"]
            )
            or "none"
        )
        images = ", ".join(repo.get("images") or []) or "none"
        branches = sorted({file_branch(r.plain_inputs) for r in mine if r.type == FILE_TYPE})
        lines.append(
            f"{owner}/{name}: {how}, {plural(len(mine), 'resource')},"
            f" {plural(len(repo['files']), 'file')},"
            f" packages: {packages}, images: {images}{_files_way(branches, repo)}"
            + (f"; {EXPOSURE}" if name in exposed else "")
        )
    return lines


def plan_resources(run: Run) -> list[tuple[str | None, str, dict[str, Any], dict[str, Any]]]:
    """Each custom resource as the adoption report reads it: (the managed repository it
    belongs to, or None, its type, plain inputs, options)."""
    of: dict[str, str] = {}
    for members in repository_members(run).values():
        names = [r.plain_inputs["name"] for r in members if r.type == REPO_TYPE]
        for r in members:
            of[r.urn] = names[0] if names else ""
    return [
        (of.get(r.urn), r.type, r.plain_inputs, options(r)) for r in run.registrations if r.custom
    ]


def adoption_lines(run: Run, written: dict[str, str], seed: str | None) -> list[str]:
    """What the first `pulumi up` changes on each adopted repository (tools/adoption.py)."""
    resources = plan_resources(run)
    owner = run.outputs["owner"]
    generated = {rel.removeprefix("files/"): text for rel, text in written.items()}
    return first_up_lines(
        owner,
        adopted_repositories(resources, generated, owner),
        org_policy(resources),
        load_state(seed) if seed else None,
        seed or "",
    )


def _files_way(branches: list[str], repo: dict[str, Any]) -> str:
    """Which way the repository's managed files go: to which branch, directly or by PR."""
    if not branches:
        return ""
    if repo.get("rollout") == "pull_request":
        return f"; files by pull request from {', '.join(branches)}"
    return f"; files committed directly to {', '.join(branches)}"


def _count_repositories(manifest: str) -> int:
    """How many repositories the bar counts to (only asked for when it is shown)."""
    try:
        return len(load_manifest(manifest).repositories)
    except GhpublishError:
        return 0  # the program reports it


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=os.environ.get("MANIFEST") or "publishing.yaml")
    parser.add_argument("--out", default=os.environ.get("OUT") or "build/synth")
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument(
        "--seed",
        default=os.environ.get("SEED") or None,
        help="GitHub's state (the simulator's seed format) the adoption report compares with",
    )
    parser.add_argument(
        "--shard",
        default=os.environ.get("SHARD") or None,
        help="the shard of a sharded manifest to synthesize (as ghpublish:shard)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    # OUT is held (locked) from its check to the end of the lint: one synth at a time.
    with OutDir(Path(args.out), Path(args.manifest), ROOT) as target:
        try:
            target.check()
        except OutError as error:
            print(f"synth: OUT {str(target.out)!r} {error}", file=sys.stderr)
            return EXIT_INVALID
        except OutIOError as error:
            print(f"synth: OUT {str(target.out)!r} {error}", file=sys.stderr)
            return EXIT_IO
        return _synth(args, target, started)


def _synth(args: argparse.Namespace, target: OutDir, started: float) -> int:
    """Run the program, write OUT (checked and locked), print the summary, lint."""
    try:
        manifest_name(args.manifest)  # the name every generated file quotes: refused before writing
    except GhpublishError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    out = target.out
    config = {"ghpublish:manifest": args.manifest}
    if args.shard:
        config["ghpublish:shard"] = args.shard
    secret_keys = []
    token = os.environ.get(TOKEN_ENV)
    if token:
        config["github:token"] = token
        secret_keys.append("github:token")
    try:
        with repository_progress(lambda: _count_repositories(args.manifest)) as on_register:
            run = run_program(ROOT / "__main__.py", config, secret_keys, on_register=on_register)
    except pulumi.RunError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    except ProviderContractError as error:
        # A defect of ghpublish, not of the manifest: the whole violation, nothing written.
        print(
            f"synth: a provider would refuse what the program registers:\n{error}", file=sys.stderr
        )
        return EXIT_BUG

    output = {"plan.json": json.dumps(plan(run), indent=2, sort_keys=True, ensure_ascii=False)}
    output["plan.json"] += "\n"
    output.update({f"files/{rel}": content for rel, content in files(run).items()})
    try:
        target.replace(output)
    except OutError as error:  # changed while the program ran
        print(f"synth: OUT {str(out)!r} {error}", file=sys.stderr)
        return EXIT_INVALID
    except OutIOError as error:  # a full disk, a read-only OUT
        print(f"synth: OUT {str(out)!r} {error}", file=sys.stderr)
        return EXIT_IO
    written = [out / rel for rel in output if rel.startswith("files/")]
    elapsed = time.perf_counter() - started

    try:
        adoption = adoption_lines(run, output, args.seed)
    except (OSError, ValueError) as error:
        print(f"synth: SEED {args.seed!r}: {error}", file=sys.stderr)
        return EXIT_INVALID
    for line in [*summary(run), *adoption, *registry_lines(registry_credentials(run))]:
        print(line)
    print(
        f"synth: {plural(len(run.registrations), 'resource')}, {plural(len(written), 'file')}"
        f" in {out} ({elapsed:.2f}s)"
    )
    # The GitHub API requests of this stack against one token's hour (`make budget`).
    label = f"shard {args.shard}" if args.shard else "stack"
    print(verdict(estimate(run, label, requests_per_hour(args.shard, None))))
    if args.no_lint:
        return 0
    workflows = [p for p in written if "/.github/workflows/" in p.as_posix()]
    findings = lint(workflows)
    for finding in findings:
        print(finding, file=sys.stderr)
    distinct = len(lint_groups(workflows))
    print(
        f"lint: {plural(len(workflows), 'workflow')} ({distinct} distinct),"
        f" {'clean' if not findings else 'FINDINGS'}"
    )
    return EXIT_FINDINGS if findings else 0


def cli() -> None:
    """`python -m tools.synth`: exit with main's code, 70 on a crash (tools/cli.py)."""
    run_cli(main, "synth", cleanup=shutdown)


if __name__ == "__main__":
    cli()
