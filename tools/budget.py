"""`make budget`: the GitHub API requests a stack spends, against one token's hour.

Runs the program offline under the mock engine (each shard of a sharded manifest on its
own, as its stack would) and prices every resource it registers with `COSTS`: the
requests of a drift check (`pulumi preview --refresh`) and of a first `pulumi up`, per
resource type. Compares them with the token's hourly limit (stack config
`ghpublish:apiRequestsPerHour`, default 5,000) and GitHub's content-creation limit; names
the shard size that fits when a stack does not, and prints the `pulumi up --target` waves
that apply a first rollout one hour's budget at a time.
"""

from __future__ import annotations

import argparse
import bisect
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from components._core._spec import STANDARD_VERSION, OrgSpec
from components._manifest import staggered_schedule
from tools.cli import EXIT_INVALID
from tools.cli import run as run_cli
from tools.mock_engine import Registration, Run, run_program, shutdown

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY_COMPONENT = "ghpublish:index:PublishingRepository"
PROPERTY_VALUE = "github:index/repositoryCustomProperty:RepositoryCustomProperty"
PROPERTY_DEFINITION = "github:index/organizationCustomProperties:OrganizationCustomProperties"
DEFAULT_REQUESTS_PER_HOUR = 5_000
# GitHub's secondary limit on requests that create content. GitHub does not list which
# endpoints count: every write is counted here, an upper bound.
CONTENT_PER_MINUTE = 80
CONTENT_PER_HOUR = 500
CONFIG_KEY = "ghpublish:apiRequestsPerHour"
FILE_TYPE = "github:index/repositoryFile:RepositoryFile"


@dataclass(frozen=True)
class Cost:
    """GitHub REST requests of one resource: in a drift check, and when it is created.

    ``refresh`` is what a drift check's Read costs against the hour with a cold ETag cache
    (every answer a 200, all counted); ``refresh_warm`` with the provider's cache warm and
    nothing changed (304s are not counted; None: the same as ``refresh``)."""

    refresh: int
    create_reads: int = 0
    create_writes: int = 0
    refresh_warm: int | None = None

    @property
    def create(self) -> int:
        return self.create_reads + self.create_writes

    @property
    def warm(self) -> int:
        return self.refresh if self.refresh_warm is None else self.refresh_warm


# Measured 2026-12-01 with the real provider (terraform-provider-github v6.13.0 in our
# github 6.15.0 build, `make engine`) against the simulated GitHub (tools/ghsim), by
# tools/api_measure.py: `pulumi up` one type at a time and `pulumi refresh --target` one type
# at a time, cold and warm, at 1, 10 and 30 repositories of the example's shapes
# (tests/real/test_engine_budget.py checks them within 10 %). Types the example does not declare
# (marked "modelled") keep the counts read from the provider's Read and Create functions.
# A drift check refreshes every resource (one Read each); a first `pulumi up` creates them.
COSTS: dict[str, Cost] = {
    # Read: GET the repository, GET its vulnerability alerts (204/404: no ETag, so counted
    # even with a warm cache); create: POST, PATCH, PATCH; then GET both. Measured.
    "github:index/repository:Repository": Cost(2, 2, 3, refresh_warm=1),
    # Read: the file's contents and the commit behind it; create: one PUT, then the reads
    # that check the branch and fill the commit fields (5). Measured.
    "github:index/repositoryFile:RepositoryFile": Cost(2, 5, 1, refresh_warm=0),
    "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions": Cost(1, 1, 1),
    # Read: the permissions, then the selected-actions list; create: both PUTs. Modelled.
    "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions": Cost(2, 2, 2),
    # Measured.
    "github:index/repositoryEnvironment:RepositoryEnvironment": Cost(1, 1, 1, refresh_warm=0),
    # Measured.
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": (
        Cost(1, 1, 1, refresh_warm=0)
    ),
    "github:index/repositoryRuleset:RepositoryRuleset": Cost(1, 1, 1),  # modelled
    # Read: the default branch; create: the rename and its read. Modelled.
    "github:index/branchDefault:BranchDefault": Cost(1, 1, 1),
    # Read: the ref; create: the source ref, the new ref, its read. Measured.
    "github:index/branch:Branch": Cost(1, 2, 1, refresh_warm=0),
    # Measured.
    "github:index/repositoryPullRequest:RepositoryPullRequest": Cost(1, 1, 1, refresh_warm=0),
    # Org level: one GET per ruleset; its create is the POST alone (the answer fills the
    # state: measured, where reading the provider had counted a GET after it).
    "github:index/organizationRuleset:OrganizationRuleset": Cost(1, 0, 1, refresh_warm=0),
    # Read: permissions and selected actions; create: both PUTs and both GETs. Measured.
    "github:index/actionsOrganizationPermissions:ActionsOrganizationPermissions": Cost(
        2, 2, 2, refresh_warm=0
    ),
    # Create: the PUT alone (measured; the model had a GET after it).
    "github:index/actionsOrganizationWorkflowPermissions:ActionsOrganizationWorkflowPermissions": (
        Cost(1, 0, 1, refresh_warm=0)
    ),
    # Custom properties, one definition and one repository value per resource. Read: GET
    # /orgs/{org}/properties/schema/{name}; create: the PUT, then that GET. Measured.
    "github:index/organizationCustomProperties:OrganizationCustomProperties": Cost(
        1, 1, 1, refresh_warm=0
    ),
    # Read: GET /repos/{owner}/{repo}/properties/values (all of the repository's values);
    # create: the PATCH of the one value, then GET the repository (its ID). Measured.
    "github:index/repositoryCustomProperty:RepositoryCustomProperty": Cost(1, 1, 1, refresh_warm=0),
    # Configuring the provider reads the owner (GET /orgs/{owner}), once per command; with a
    # warm cache a 304. Measured.
    "pulumi:providers:github": Cost(1, 1, 0, refresh_warm=0),
    # Images talk to the registry, not to the GitHub API.
    "docker-build:index:Image": Cost(0),
    "pulumi:providers:docker-build": Cost(0),
}


class BudgetError(Exception):
    """A resource type without a cost: the table must be completed first."""


def cost(registration: Registration) -> Cost:
    if not registration.custom:
        return Cost(0)  # a component: no API call of its own
    found = COSTS.get(registration.type)
    if found is None:
        raise BudgetError(
            f"{registration.type}: no request cost in tools/budget.py COSTS; read the"
            " provider's Read and Create for it and add a row"
        )
    return found


@dataclass
class Totals:
    refresh: int = 0
    create: int = 0
    writes: int = 0
    count: int = 0
    warm: int = 0  # the drift check with a warm ETag cache

    def add(self, c: Cost, n: int = 1) -> None:
        self.refresh += c.refresh * n
        self.warm += c.warm * n
        self.create += c.create * n
        self.writes += c.create_writes * n
        self.count += n


@dataclass
class Estimate:
    """One stack's prices: per resource type, per repository, and what the stack shares."""

    stack: str
    per_hour: int
    by_type: dict[str, Totals] = field(default_factory=dict)
    repositories: dict[str, Totals] = field(default_factory=dict)
    shared: Totals = field(default_factory=Totals)
    # Per repository, its managed files alone: what an update of the standard rewrites.
    files: dict[str, Totals] = field(default_factory=dict)
    # Resource name → the repository it belongs to ("" for what the stack shares).
    owners: dict[str, str] = field(default_factory=dict)
    top: str = "org"

    @property
    def total(self) -> Totals:
        total = Totals()
        for t in self.by_type.values():
            total.refresh += t.refresh
            total.warm += t.warm
            total.create += t.create
            total.writes += t.writes
            total.count += t.count
        return total


def repository_of(run: Run) -> dict[str, str]:
    """Per URN, the name of the PublishingRepository component it is or belongs to ("" for
    what the stack shares), in one pass: each walk up the parents is remembered for every
    URN on its way (a name prefix would count `org-widgets-cli-…` under `widgets` too)."""
    by_urn = {r.urn: r for r in run.registrations}
    found: dict[str, str] = {}
    for r in run.registrations:
        path = []
        urn = r.urn
        while urn and urn not in found:
            here = by_urn.get(urn)
            if here is None:
                break
            if here.type == REPOSITORY_COMPONENT:
                found[urn] = here.name
                break
            path.append(urn)
            urn = here.parent
        owner = found.get(urn, "") if urn else ""
        for seen in path:
            found[seen] = owner
    return found


def estimate(run: Run, stack: str, per_hour: int) -> Estimate:
    """Price every registration of ``run`` and attribute it to its repository."""
    owners = repository_of(run)
    top = next((r.name for r in run.registrations if not r.parent), "org")
    result = Estimate(stack=stack, per_hour=per_hour, top=top)
    prefix = f"{top}-"
    for r in run.registrations:
        c = cost(r)
        repository = owners[r.urn].removeprefix(prefix)
        result.owners[r.name] = repository
        if r.custom:
            result.by_type.setdefault(r.type, Totals()).add(c)
            mine = result.repositories.setdefault(repository, Totals()) if repository else None
            (mine or result.shared).add(c)
            if r.type == FILE_TYPE:
                result.files.setdefault(repository, Totals()).add(c)
        elif repository:
            result.repositories.setdefault(repository, Totals())
    return result


def fitting_shard_size(costs: Iterable[int], room: int) -> int:
    """How many repositories any shard may hold and stay within ``room``: the most the
    costliest ones can number (so any such shard of this org fits)."""
    used = fitted = 0
    for c in sorted(costs, reverse=True):
        if used + c > room:
            break
        used += c
        fitted += 1
    return fitted


# --- Waves: `pulumi up --target` globs over repository names -------------------------------
# Pulumi's targets (pkg/resource/deploy): a target containing `*` is a glob over the whole
# URN, `**` matching anything and `*` anything but `:`. A URN ends with `::<name>`, and
# names hold no `:`, so `**::org-web*` selects the resources whose names start `org-web`.


def glob_matches(glob: str, urn: str) -> bool:
    """Whether Pulumi's `--target` ``glob`` selects ``urn`` (its own translation to a regex)."""
    parts = ["[^:]*".join(map(re.escape, part.split("*"))) for part in glob.split("**")]
    return re.fullmatch(".*".join(parts), urn) is not None


@dataclass
class Wave:
    repositories: list[str]
    totals: Totals
    targets: list[str]


def _cover(names: list[str], owners: dict[str, str], wave: set[str], top: str) -> list[str]:
    """The fewest name prefixes selecting exactly the resources of ``wave``'s repositories:
    a prefix is taken when every resource name starting with it belongs to the wave."""
    ordered = sorted(wave)
    targets: list[str] = []

    def pure(prefix: str) -> bool:
        start = bisect.bisect_left(names, prefix)
        end = bisect.bisect_left(names, prefix + "\U0010ffff")
        return start < end and all(owners[n] in wave for n in names[start:end])

    i = 0
    while i < len(ordered):
        repo = ordered[i]
        # The shortest prefix of this name that is pure, then every wave repository it covers.
        chosen = None
        for length in range(1, len(repo) + 1):
            prefix = f"{top}-{repo[:length]}"
            if pure(prefix):
                chosen = prefix
                break
        if chosen is None:  # a name another repository's resources start with: list them
            targets.extend(f"**::{n}" for n in names if owners[n] == repo)
            i += 1
            continue
        targets.append(f"**::{chosen}*")
        while i < len(ordered) and f"{top}-{ordered[i]}".startswith(chosen):
            i += 1
    return targets


def _cover_shared(names: list[str], owners: dict[str, str]) -> list[str]:
    """Targets for what the stack shares (the org component, the provider, org standards):
    a name with `*` where every name it starts belongs to no repository, else exactly."""
    targets: list[str] = []
    covered = ""
    for name in names:
        if owners[name] or (covered and name.startswith(covered)):
            continue
        start = bisect.bisect_left(names, name)
        end = bisect.bisect_left(names, name + "\U0010ffff")
        if all(not owners[n] for n in names[start:end]):
            targets.append(f"**::{name}*")
            covered = name
        else:
            targets.append(f"**::{name}")
    return targets


def waves(est: Estimate, files_only: bool = False) -> list[Wave]:
    """Repositories in name order, packed into waves that each fit one hour: the token's
    requests and the content-creation limit. The first wave also creates what the stack
    shares (the org standards); every wave configures the provider again. ``files_only``:
    the waves of an update of the standard, which rewrites the managed files alone."""
    provider = COSTS["pulumi:providers:github"]
    names = sorted(est.owners)
    always = _cover_shared(names, est.owners)
    result: list[Wave] = []
    current: list[str] = []
    totals = Totals()
    if not files_only:
        totals.create, totals.writes = est.shared.create, est.shared.writes
    per_repository = est.files if files_only else est.repositories
    for repo in sorted(per_repository):
        t = per_repository[repo]
        over = (
            totals.create + t.create > est.per_hour or totals.writes + t.writes > CONTENT_PER_HOUR
        )
        if current and over:
            result.append(Wave(current, totals, []))
            current, totals = [], Totals()
            totals.create = provider.create
        current.append(repo)
        totals.create += t.create
        totals.writes += t.writes
    if current or not result:
        result.append(Wave(current, totals, []))
    for wave in result:
        wave.targets = always + _cover(names, est.owners, set(wave.repositories), est.top)
    return result


# --- Report -----------------------------------------------------------------------------


def short(type_: str) -> str:
    """`github RepositoryFile`, `provider github`: a type token as the table shows it."""
    parts = type_.split(":")
    if parts[:2] == ["pulumi", "providers"]:
        return f"provider {parts[2]}"
    return f"{parts[0]} {parts[-1]}"


def _n(value: int) -> str:
    return f"{value:,}"


def verdict(est: Estimate) -> str:
    """One line for the synth summary."""
    total = est.total
    drift = "fits" if total.refresh <= est.per_hour else "OVER"
    return (
        f"budget ({est.stack}): drift check {_n(total.refresh)} requests, first pulumi up"
        f" {_n(total.create)} ({_n(total.writes)} writes); token {_n(est.per_hour)}/hour:"
        f" drift check {drift}{'' if drift == 'fits' else ' (make budget names a shard size)'}"
    )


def property_lines(est: Estimate) -> list[str]:
    """What custom properties add: their values per repository, and the schema."""
    values, schema = est.by_type.get(PROPERTY_VALUE), est.by_type.get(PROPERTY_DEFINITION)
    lines = []
    if values is not None and est.repositories:
        per = values.refresh / len(est.repositories)
        lines.append(
            f"  custom property values: {_n(values.count)} ({per:.1f} per repository): drift"
            f" check {_n(values.refresh)} requests, first up {_n(values.create)}"
        )
    if schema is not None:
        lines.append(
            f"  custom property schema: {_n(schema.count)} definitions: drift check"
            f" {_n(schema.refresh)} requests, first up {_n(schema.create)}"
        )
    return lines


def report(est: Estimate, stack_flag: str = "") -> list[str]:
    total = est.total
    lines = [
        f"budget: {est.stack}: {len(est.repositories)} repositories, {_n(total.count)} resources;"
        f" token: {_n(est.per_hour)} requests/hour ({CONFIG_KEY}); content creation:"
        f" {CONTENT_PER_MINUTE}/minute, {CONTENT_PER_HOUR}/hour",
        f"  {'resource type':<45} {'count':>6} {'drift check':>11} {'first up':>9} {'writes':>7}",
    ]
    for type_, t in sorted(est.by_type.items(), key=lambda item: short(item[0])):
        lines.append(
            f"  {short(type_):<45} {_n(t.count):>6} {_n(t.refresh):>11} {_n(t.create):>9}"
            f" {_n(t.writes):>7}"
        )
    lines.append(
        f"  {'total':<45} {_n(total.count):>6} {_n(total.refresh):>11} {_n(total.create):>9}"
        f" {_n(total.writes):>7}"
    )
    per_repo = [t.refresh for t in est.repositories.values()]
    if per_repo:
        lines.append(
            f"  per repository: drift check {min(per_repo)}-{max(per_repo)} requests,"
            f" first up {min(t.create for t in est.repositories.values())}-"
            f"{max(t.create for t in est.repositories.values())}"
        )
    lines.extend(property_lines(est))
    share = 100 * total.refresh / est.per_hour
    lines.append(
        f"  drift check with the ETag cache warm (githubCachePath) and nothing changed:"
        f" {_n(total.warm)} requests counted (304s are not); the figures are cold-cache"
    )
    if total.refresh <= est.per_hour:
        lines.append(
            f"drift check: {_n(total.refresh)} requests, {share:.0f}% of the token's hour: fits"
        )
    else:
        room = est.per_hour - est.shared.refresh
        size = fitting_shard_size(per_repo, room)
        lines.append(
            f"WARNING: drift check: {_n(total.refresh)} requests, {share:.0f}% of the token's"
            f" hour: it does not fit. Split this stack into shards of at most {_n(size)}"
            f" repositories (each with its own token), or raise {CONFIG_KEY} for a token with"
            " a larger limit (a GitHub App on Enterprise Cloud has 15,000)."
        )
    what = f"first pulumi up: {_n(total.create)} requests, {_n(total.writes)} writes"
    lines.extend(_schedule(est, what, total, False, stack_flag))
    files = Totals()
    for t in est.files.values():
        files.add(COSTS[FILE_TYPE], t.count)
    if files.count:
        what = (
            f"standard update (to publishing standard v{STANDARD_VERSION}): every managed file"
            f" rewritten once, {_n(files.count)} files (a commit each), {_n(files.create)}"
            f" requests, {_n(files.writes)} writes"
        )
        lines.extend(_schedule(est, what, files, True, stack_flag))
    return lines


def _schedule(
    est: Estimate, what: str, total: Totals, files_only: bool, stack_flag: str
) -> list[str]:
    """``what`` fits one hour, or the waves that apply it an hour at a time."""
    hours = max(total.create / est.per_hour, total.writes / CONTENT_PER_HOUR)
    if total.create <= est.per_hour and total.writes <= CONTENT_PER_HOUR:
        return [f"{what}: fits one hour"]
    planned = waves(est, files_only)
    lines = [
        f"{what}: more than one hour allows (about {hours:.1f} hours); apply it in"
        f" {len(planned)} waves, one an hour, each within the token's requests and the"
        " content-creation limit:"
    ]
    for index, wave in enumerate(planned, 1):
        first, last = (
            (wave.repositories[0], wave.repositories[-1]) if wave.repositories else ("", "")
        )
        lines.append(
            f"  wave {index}/{len(planned)}: {len(wave.repositories)} repositories"
            f" ({first} .. {last}), {_n(wave.totals.create)} requests, {_n(wave.totals.writes)}"
            " writes"
        )
        targets = " ".join(f"--target '{t}'" for t in wave.targets)
        lines.append(f"    pulumi up{stack_flag} {targets}")
    last = "nothing left to create" if not files_only else "nothing left to rewrite"
    lines.append(f"  then a plain `pulumi up` ({last}) and the drift checks.")
    return lines


def requests_per_hour(stack: str | None, override: int | None) -> int:
    """The token's hourly limit: ``override``, else the stack's config, else the default."""
    if override is not None:
        return override
    if stack:
        # A stack's settings file is named after its short name (`org/project/<name>`).
        path = ROOT / f"Pulumi.{stack.rsplit('/', 1)[-1]}.yaml"
        if path.exists():
            config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("config") or {}
            value = config.get(CONFIG_KEY)
            if value is not None:
                return int(value)
    return DEFAULT_REQUESTS_PER_HOUR


def stack_estimates(
    manifest: str, spec: OrgSpec, shard: str | None, stack: str | None, override: int | None
) -> list[Estimate]:
    """One estimate per stack of ``manifest`` (``spec`` as loaded): its one stack, its named
    shard, or every shard (each with its stack's `ghpublish:apiRequestsPerHour`)."""
    shards = [shard] if shard else [s.name for s in spec.shards] or [None]
    stacks = shard_schedules(spec)
    found = []
    for name in shards:
        config = {"ghpublish:manifest": manifest}
        if name:
            config["ghpublish:shard"] = name
        run = run_program(ROOT / "__main__.py", config)
        label = f"shard {name}" if name else (stack or "stack")
        own = stacks[name][0] if name in stacks else name
        found.append(estimate(run, label, requests_per_hour(stack or own, override)))
    return found


def shard_schedules(spec: OrgSpec) -> dict[str, tuple[str, str]]:
    """Per shard, its stack and drift schedule: the manifest pipeline's (`stacks`,
    `drift_schedule`), else the shard's name and its staggered schedule."""
    ran = (
        {s.name: (s.stack, s.drift_schedule) for s in spec.pipeline.shards} if spec.pipeline else {}
    )
    return {s.name: ran.get(s.name, (s.name, staggered_schedule(s.name))) for s in spec.shards}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=os.environ.get("MANIFEST") or "publishing.yaml")
    parser.add_argument("--shard", default=os.environ.get("SHARD") or None)
    parser.add_argument(
        "--stack",
        default=os.environ.get("STACK") or None,
        help=f"read {CONFIG_KEY} from Pulumi.<stack>.yaml (default: each shard's stack, as"
        " manifest_repository.stacks names it, else the shard's name)",
    )
    parser.add_argument("--requests-per-hour", type=int, default=None)
    args = parser.parse_args(argv)
    from components import GhpublishError, load_manifest

    try:
        spec = load_manifest(args.manifest)
        estimates = stack_estimates(
            args.manifest, spec, args.shard, args.stack, args.requests_per_hour
        )
    except GhpublishError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    schedules = shard_schedules(spec)
    for est in estimates:
        name = est.stack.removeprefix("shard ")
        stack = args.stack or (schedules[name][0] if name in schedules else "")
        for line in report(est, f" --stack {stack}" if stack else ""):
            print(line)
        if est.stack.startswith("shard "):
            print(
                f"drift schedule for {est.stack}: '{schedules[name][1]}' (its stack"
                f" {schedules[name][0]}; the manifest pipeline's drift job for it)"
            )
    return 0


def cli() -> None:
    run_cli(main, "budget", cleanup=shutdown)


if __name__ == "__main__":
    cli()
