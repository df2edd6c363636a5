"""GitHub API requests per resource type, measured: the real engine against the simulator.

``measure(n, out)`` rehearses a manifest of ``n`` repositories cut from the example's shapes
(``mixed_manifest``) with the Pulumi CLI `make engine` builds (tools/rehearse.py) and
counts, from the simulator's request log:

* **create**: a first `pulumi up` applied one resource type at a time (``--target`` the
  URNs of that type, plus every component: they send nothing), in dependency order, so each
  stage's requests belong to its type; reads and writes apart;
* **refresh**: `pulumi refresh --target` the URNs of one type, with the provider's ETag
  cache (``githubCachePath``) emptied first (cold) and then again (warm: unchanged
  resources answer 304, which GitHub does not count against the hour; the simulator marks
  ``counted``).

Configuring the provider reads the owner (``orgs/get``) once per command; those requests are
counted as the provider's, never a type's. ``python -m tools.api_measure 1 10 30`` prints
the table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.rehearse import Rehearsal

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = "pulumi:providers:github"
PROVIDER_OPERATION = "orgs/get"
# The order a first rollout creates types in: each after those it depends on.
CREATE_ORDER = (
    "github:index/organizationCustomProperties:OrganizationCustomProperties",
    "github:index/repository:Repository",
    "github:index/repositoryCustomProperty:RepositoryCustomProperty",
    "github:index/branchDefault:BranchDefault",
    "github:index/branch:Branch",
    "github:index/repositoryEnvironment:RepositoryEnvironment",
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    "github:index/repositoryFile:RepositoryFile",
    "github:index/repositoryPullRequest:RepositoryPullRequest",
    "github:index/repositoryRuleset:RepositoryRuleset",
    "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions",
    "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions",
    "github:index/organizationRuleset:OrganizationRuleset",
    "github:index/actionsOrganizationPermissions:ActionsOrganizationPermissions",
    "github:index/actionsOrganizationWorkflowPermissions:ActionsOrganizationWorkflowPermissions",
)
# The example's repository shapes (publishing.yaml) that need nothing seeded or built:
# npm, none, a container built by Actions, Maven, RubyGems public, a pull-request rollout.
SHAPES = ("widgets", "handbook", "API-Server", "widgets-java", "widgets-rb", "widgets-themes")


def mixed_manifest(repos: int, example: Path = ROOT / "publishing.yaml") -> str:
    """``repos`` repositories of the example's shapes in turn (SHAPES), its defaults and
    org standards; no adopted repository, no image built by Pulumi."""
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in data["repositories"]}
    repositories = []
    for i in range(repos):
        shape = dict(by_name[SHAPES[i % len(SHAPES)]])
        shape["name"] = f"{shape['name'].lower()}-{i:04d}"
        for ecosystem, block in list(shape.items()):
            if isinstance(block, dict) and isinstance(block.get("package"), str):
                shape[ecosystem] = {**block, "package": f"{block['package']}-{i:04d}"}
        repositories.append(shape)
    data["repositories"] = repositories
    data.pop("manifest_repository", None)
    return yaml.safe_dump(data, sort_keys=False)


@dataclass
class TypeCounts:
    count: int = 0
    create_reads: int = 0
    create_writes: int = 0
    refresh_cold: int = 0  # every request of a refresh with an empty ETag cache
    refresh_cold_counted: int = 0  # ... of which count against the hour
    refresh_warm: int = 0  # every request of a refresh right after (cache filled)
    refresh_warm_counted: int = 0

    def per(self, name: str) -> float:
        return getattr(self, name) / self.count if self.count else 0.0


@dataclass
class Measurement:
    repositories: int
    by_type: dict[str, TypeCounts] = field(default_factory=dict)
    provider_requests: list[int] = field(default_factory=list)  # orgs/get per command
    violations: int = 0
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "repositories": self.repositories,
            "by_type": {t: vars(c) for t, c in self.by_type.items()},
            "provider_requests": self.provider_requests,
            "violations": self.violations,
            "failures": self.failures,
        }


def _split(entries: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """A command's requests less the provider's owner reads; how many of those there were."""
    mine, provider = [], 0
    for e in entries:
        if e.get("operation") == PROVIDER_OPERATION:
            provider += 1
        else:
            mine.append(e)
    return mine, provider


def _stack_resources(r: Rehearsal) -> list[dict[str, Any]]:
    exported = r.cli("export", "stack", "export", config=False)
    deployment = json.loads(exported.stdout).get("deployment") or {}
    return list(deployment.get("resources") or [])


def _planned(r: Rehearsal) -> list[tuple[str, str, bool, set[str]]]:
    """(urn, type, custom, dependencies and parent) of every resource a first preview
    proposes."""
    preview = r.preview("--json")
    steps = json.loads(preview.stdout).get("steps") or []
    found = []
    for step in steps:
        state = step.get("newState") or {}
        needs = set(state.get("dependencies") or [])
        for deps in (state.get("propertyDependencies") or {}).values():
            needs.update(deps)
        if state.get("parent"):
            needs.add(state["parent"])
        found.append((step["urn"], state.get("type", ""), bool(state.get("custom")), needs))
    return found


def _ready_components(
    components: dict[str, set[str]], created: set[str], stack: set[str]
) -> list[str]:
    """The components whose dependencies are all created (or are ready components)."""
    ready: set[str] = set()
    while True:
        more = {
            urn
            for urn, needs in components.items()
            if urn not in ready and needs <= created | ready | stack
        }
        if not more:
            return sorted(ready)
        ready |= more


def _targets(urns: Iterable[str]) -> list[str]:
    return [arg for urn in urns for arg in ("--target", urn)]


def measure(repos: int, out: Path, pulumi: str | None = None) -> Measurement:
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "publishing.yaml"
    manifest.write_text(mixed_manifest(repos), encoding="utf-8")
    result = Measurement(repositories=repos)
    with Rehearsal(str(manifest), out / "run", pulumi=pulumi) as r:
        planned = _planned(r)
        stack = {urn for urn, t, _, _ in planned if t.startswith("pulumi:")}
        components = {
            urn: needs for urn, t, custom, needs in planned if not custom and t not in stack
        }
        created: set[str] = set()
        types: dict[str, list[str]] = {}
        for urn, t, custom, _ in planned:
            if custom and not t.startswith("pulumi:providers:") and t.startswith("github:"):
                types.setdefault(t, []).append(urn)
        unknown = sorted(set(types) - set(CREATE_ORDER))
        if unknown:
            raise ValueError(f"no place in CREATE_ORDER for {', '.join(unknown)}")
        # A first `pulumi up`, one type at a time (with what it created before, unchanged,
        # and the components that depend on nothing left to create).
        for t in (t for t in CREATE_ORDER if t in types):
            r.sim.set_phase(f"up {t}")
            before = len(r.sim.requests)
            created |= set(types[t])
            ready = _ready_components(components, created, stack)
            targets = sorted(created) + ready
            done = r.cli("up", "up", "--yes", "--skip-preview", *_targets(targets))
            if done.returncode != 0:
                result.failures.append(f"up {t}: {(done.stdout + done.stderr)[-2000:]}")
            mine, provider = _split(r.sim.requests[before:])
            result.provider_requests.append(provider)
            counts = result.by_type.setdefault(t, TypeCounts(count=len(types[t])))
            counts.create_reads += sum(1 for e in mine if e["method"] == "GET")
            counts.create_writes += sum(1 for e in mine if e["method"] != "GET")
        # Refresh, one type at a time: cold (empty ETag cache), then warm.
        cache = r.out / "github-api-cache"
        for t, urns in types.items():
            counts = result.by_type[t]
            for warm in (False, True):
                if not warm:
                    shutil.rmtree(cache, ignore_errors=True)
                r.sim.set_phase(f"refresh {'warm' if warm else 'cold'} {t}")
                before = len(r.sim.requests)
                done = r.cli("refresh", "refresh", "--yes", "--skip-preview", *_targets(urns))
                if done.returncode != 0:
                    result.failures.append(f"refresh {t}: {(done.stdout + done.stderr)[-2000:]}")
                mine, provider = _split(r.sim.requests[before:])
                result.provider_requests.append(provider)
                total, counted = len(mine), sum(1 for e in mine if e.get("counted", True))
                if warm:
                    counts.refresh_warm, counts.refresh_warm_counted = total, counted
                else:
                    counts.refresh_cold, counts.refresh_cold_counted = total, counted
        result.violations = len(r.sim.violations)
    return result


def table(measurements: list[Measurement]) -> list[str]:
    from tools.budget import COSTS, short

    lines = [
        "| type | repos | count | create reads | create writes | refresh cold | cold counted"
        " | refresh warm | warm counted | COSTS (refresh, create_reads, create_writes) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for m in measurements:
        for t, c in sorted(m.by_type.items(), key=lambda kv: short(kv[0])):
            cost = COSTS.get(t)
            lines.append(
                f"| {short(t)} | {m.repositories} | {c.count} | {c.per('create_reads'):.2f}"
                f" | {c.per('create_writes'):.2f} | {c.per('refresh_cold'):.2f}"
                f" | {c.per('refresh_cold_counted'):.2f} | {c.per('refresh_warm'):.2f}"
                f" | {c.per('refresh_warm_counted'):.2f}"
                f" | {(cost.refresh, cost.create_reads, cost.create_writes) if cost else '-'} |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1, 10, 30])
    parser.add_argument("--out", default=None, help="keep the runs here (default: a temp dir)")
    parser.add_argument("--json", default=None, help="write the measurements here")
    args = parser.parse_args(argv)
    base = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="api-measure-"))
    found = [measure(n, base / f"repos-{n}") for n in args.sizes]
    for line in table(found):
        print(line)
    for m in found:
        for failure in m.failures:
            print(f"{m.repositories} repositories: FAILED {failure}", file=sys.stderr)
        print(
            f"{m.repositories} repositories: provider owner reads per command"
            f" {sorted(set(m.provider_requests))}, {m.violations} API contract violations"
        )
    if args.json:
        Path(args.json).write_text(json.dumps([m.as_dict() for m in found], indent=1) + "\n")
    return 1 if any(m.failures or m.violations for m in found) else 0


if __name__ == "__main__":
    sys.exit(main())
