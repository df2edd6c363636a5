"""`make synth`: the stack's program, offline, under the recording mock engine.

Writes ``OUT/plan.json`` (every resource with its inputs and options, secrets
masked, sorted by URN) and ``OUT/files/<owner>/<repo>/<path>`` (every file the
stack would commit), lints each generated workflow and prints one line per
repository. Exit 0: clean; 1: a lint finding; 2: an invalid manifest or OUT; 70: a bug
(tools/cli.py). OUT is only ever written where synth deletes nothing it did not write
(tools/outdir.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pulumi

from tools.cli import EXIT_FINDINGS, EXIT_INVALID, plural
from tools.cli import run as run_cli
from tools.mock_engine import Registration, Run, run_program, shutdown
from tools.outdir import OutError, check, replace
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
    return {"resources": sorted(resources, key=lambda r: r["urn"])}


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
    """Findings of zizmor (auditor persona, offline) and the workflow JSON schema."""
    if not workflows:
        return []
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
            *map(str, workflows),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if zizmor.returncode != 0:
        findings.append(f"zizmor:\n{zizmor.stdout}{zizmor.stderr}".rstrip())
    schema = subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, workflows),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if schema.returncode != 0:
        findings.append(f"check-jsonschema:\n{schema.stdout}{schema.stderr}".rstrip())
    return findings


def summary(run: Run) -> list[str]:
    repos = run.outputs["repositories"]
    adopted = {r.plain_inputs["name"] for r in run.of_type(REPO_TYPE) if r.import_id}
    exposed = {r.plain_inputs["name"] for r in run.of_type(REPO_TYPE) if exposes(r)}
    # Custom resources per PublishingRepository component, found by walking up the parents
    # (a name prefix would count `org-widgets-cli-…` under `widgets` too).
    parents = {r.urn: r.parent for r in run.registrations}
    components = {
        r.urn: r.name for r in run.registrations if r.type == "ghpublish:index:PublishingRepository"
    }
    per_component: dict[str, int] = defaultdict(int)
    for r in run.registrations:
        if not r.custom:
            continue
        urn = r.parent
        while urn and urn not in components:
            urn = parents.get(urn, "")
        if urn:
            per_component[components[urn]] += 1
    lines = []
    owner = run.outputs["owner"]
    for name, repo in repos.items():
        count = per_component[f"org-{name}"]
        how = "adopt" if name in adopted else "create"
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
        lines.append(
            f"{owner}/{name}: {how}, {plural(count, 'resource')},"
            f" {plural(len(repo['files']), 'file')},"
            f" packages: {packages}, images: {images}{_files_way(run, name, repo)}"
            + (f"; {EXPOSURE}" if name in exposed else "")
        )
    return lines


def _files_way(run: Run, name: str, repo: dict[str, Any]) -> str:
    """Which way the repository's managed files go: to which branch, directly or by PR."""
    branches = sorted(
        {
            r.plain_inputs["branch"]
            for r in run.of_type(FILE_TYPE)
            if r.plain_inputs.get("repository") == name
        }
    )
    if not branches:
        return ""
    if repo.get("rollout") == "pull_request":
        return f"; files by pull request from {', '.join(branches)}"
    return f"; files committed directly to {', '.join(branches)}"


def _count_repositories(manifest: str) -> int:
    """How many repositories the bar counts to (only asked for when it is shown)."""
    from components import GhpublishError, load_manifest

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
        "--shard",
        default=os.environ.get("SHARD") or None,
        help="the shard of a sharded manifest to synthesize (as ghpublish:shard)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    out, manifest = Path(args.out), Path(args.manifest)
    try:
        check(out, manifest, ROOT)
    except OutError as error:
        print(f"synth: OUT {str(out)!r} {error}", file=sys.stderr)
        return EXIT_INVALID
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

    output = {"plan.json": json.dumps(plan(run), indent=2, sort_keys=True, ensure_ascii=False)}
    output["plan.json"] += "\n"
    output.update({f"files/{rel}": content for rel, content in files(run).items()})
    try:
        replace(out, manifest, ROOT, output)
    except OutError as error:  # changed while the program ran
        print(f"synth: OUT {str(out)!r} {error}", file=sys.stderr)
        return EXIT_INVALID
    written = [out / rel for rel in output if rel.startswith("files/")]
    elapsed = time.perf_counter() - started

    for line in summary(run):
        print(line)
    print(
        f"synth: {plural(len(run.registrations), 'resource')}, {plural(len(written), 'file')}"
        f" in {out} ({elapsed:.2f}s)"
    )
    if args.no_lint:
        return 0
    workflows = [p for p in written if "/.github/workflows/" in p.as_posix()]
    findings = lint(workflows)
    for finding in findings:
        print(finding, file=sys.stderr)
    print(f"lint: {plural(len(workflows), 'workflow')}, {'clean' if not findings else 'FINDINGS'}")
    return EXIT_FINDINGS if findings else 0


def cli() -> None:
    """`python -m tools.synth`: exit with main's code, 70 on a crash (tools/cli.py)."""
    run_cli(main, "synth", cleanup=shutdown)


if __name__ == "__main__":
    cli()
