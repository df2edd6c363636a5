"""`make budget`: request costs per resource type, the token's hour, shard sizes and waves."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, Run, RunManifest, registration

from tools import bench, budget
from tools.budget import (
    COSTS,
    BudgetError,
    Cost,
    estimate,
    fitting_shard_size,
    glob_matches,
    report,
    requests_per_hour,
    staggered_schedule,
    waves,
)

ORG_FULL = """
owner: acme
defaults: {npm: {}, container: {}}
repositories:
  - name: full
org_standards: {}
"""


def test_every_resource_the_program_registers_has_a_cost(
    example_run: Run, run_manifest: RunManifest
) -> None:
    for run in (example_run, run_manifest(bench.manifest(2))):
        for r in run.registrations:
            budget.cost(r)  # raises for a type the table lacks
    assert COSTS["github:index/repositoryFile:RepositoryFile"] == Cost(2, 5, 1, refresh_warm=0)


def test_a_type_without_a_cost_is_refused() -> None:
    r = registration("github:index/teamMembers:TeamMembers", custom=True)
    with pytest.raises(BudgetError, match="TeamMembers: no request cost"):
        budget.cost(r)


def test_a_repository_in_an_org_with_standards_refreshes_in_at_most_8_requests(
    run_manifest: RunManifest,
) -> None:
    est = estimate(run_manifest(ORG_FULL), "stack", 5000)
    full = est.repositories["full"]
    assert full.count == 5
    assert full.refresh == 8  # repository 2, two files 2 each, environment 1, its policy 1
    assert full.create == 21 and full.writes == 7
    # The stack shares the provider and the org standards.
    assert est.shared.count == 4
    assert est.total.refresh == full.refresh + est.shared.refresh


def test_fitting_shard_size_counts_the_costliest_repositories() -> None:
    assert fitting_shard_size([8, 8, 10, 8], 26) == 3  # 10 + 8 + 8
    assert fitting_shard_size([8] * 1000, 4999) == 624
    assert fitting_shard_size([], 10) == 0


def test_a_stack_over_the_hour_is_told_the_shard_size_that_fits(
    run_manifest: RunManifest,
) -> None:
    run = run_manifest(bench.manifest(20))  # an organization with standards
    fits = report(estimate(run, "stack", 5000))
    assert "drift check: 165 requests, 3% of the token's hour: fits" in fits
    over = report(estimate(run, "stack", 100))
    (warning,) = [line for line in over if line.startswith("WARNING")]
    # 100 requests, 5 shared (provider 1, org standards 4): 11 repositories of 8 requests.
    assert "165 requests, 165% of the token's hour" in warning
    assert "shards of at most 11 repositories" in warning


def test_the_synth_summary_has_a_budget_line(run_manifest: RunManifest) -> None:
    line = budget.verdict(estimate(run_manifest(ORG_FULL), "stack", 5000))
    assert line == (
        "budget (stack): drift check 13 requests, first pulumi up 28 (11 writes); token"
        " 5,000/hour: drift check fits"
    )


def test_pulumi_target_globs_as_the_engine_reads_them() -> None:
    urn = "urn:pulumi:org::ghpublish::ghpublish:index:OrgPublishing$github:index/repository:Repository::org-web-repository"
    assert glob_matches("**::org-web*", urn)
    assert glob_matches("**::org-web-repository", urn)
    assert not glob_matches("**::org-api*", urn)
    # `*` does not cross a `:`: only `**` reaches over the type.
    assert not glob_matches("urn:pulumi:org::ghpublish::*::org-web*", urn)


WAVES = """
owner: acme
defaults: {npm: {}}
repositories:
  - name: web
  - name: web-api
  - name: webx
  - name: api
  - name: api-gateway
  - name: docs
  - name: tools
org_standards: {}
"""


def test_waves_fit_the_hour_and_select_every_resource_once(run_manifest: RunManifest) -> None:
    run = run_manifest(WAVES)
    est = estimate(run, "stack", 40)
    planned = waves(est)
    assert len(planned) >= 3
    shared = {r.urn for r in run.registrations if not est.owners[r.name]}
    seen: dict[str, int] = {}
    for wave in planned:
        assert wave.totals.create <= 40 and wave.totals.writes <= budget.CONTENT_PER_HOUR
        selected = {
            r.urn for r in run.registrations if any(glob_matches(t, r.urn) for t in wave.targets)
        }
        # Every wave applies the shared resources; a repository's resources are in its wave.
        assert shared <= selected
        for r in run.registrations:
            if r.urn in selected and r.urn not in shared:
                assert est.owners[r.name] in wave.repositories, (r.name, wave.targets)
                seen[r.urn] = seen.get(r.urn, 0) + 1
    assert set(seen) == {r.urn for r in run.registrations} - shared
    assert set(seen.values()) == {1}
    # `web` shares its prefix with `web-api` and `webx`: no glob may reach theirs.
    assert sum(len(w.repositories) for w in planned) == 7


def test_a_large_first_rollout_prints_wave_commands(run_manifest: RunManifest) -> None:
    lines = report(estimate(run_manifest(WAVES), "stack", 40), " --stack org")
    commands = [line.strip() for line in lines if line.strip().startswith("pulumi up")]
    assert commands and all(
        c.startswith("pulumi up --stack org --target '**::org'") for c in commands
    )
    assert any(line.startswith("first pulumi up:") and "waves" in line for line in lines)


def test_drift_schedules_are_staggered_deterministically_from_the_shard_name() -> None:
    first = staggered_schedule("web")
    assert first == staggered_schedule("web")
    assert re.fullmatch(r"([0-9]|[1-5][0-9]) ([0-9]|1[0-9]|2[0-3]) \* \* 1-5", first)
    schedules = {staggered_schedule(name) for name in ("web", "tools", "data", "mobile")}
    assert len(schedules) == 4


def test_requests_per_hour_comes_from_the_stack_config(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(budget, "ROOT", tmp_path)
    (tmp_path / "Pulumi.big.yaml").write_text("config:\n  ghpublish:apiRequestsPerHour: 15000\n")
    assert requests_per_hour("big", None) == 15000
    assert requests_per_hour("other", None) == 5000
    assert requests_per_hour("big", 1234) == 1234


def test_the_default_matches_the_project_declaration() -> None:
    import yaml

    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["config"]["apiRequestsPerHour"]["default"] == budget.DEFAULT_REQUESTS_PER_HOUR


def test_make_budget_prices_each_shard(capsys) -> None:  # type: ignore[no-untyped-def]
    assert budget.main(["--manifest", str(ROOT / "examples/sharded/publishing.yaml")]) == 0
    out = capsys.readouterr().out
    shards = re.findall(r"^budget: shard (\S+):", out, flags=re.M)
    assert len(shards) >= 2
    # The example's pipeline names each shard's stack (manifest_repository.stacks).
    for shard in shards:
        assert (
            f"drift schedule for shard {shard}: '{staggered_schedule(shard)}' (its stack"
            f" org-{shard}; the manifest pipeline's drift job for it)"
        ) in out


def test_shard_schedules_are_the_pipelines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # One declared drift_schedule for every shard; a shard without a declared stack is
    # its own name.
    text = (ROOT / "examples/sharded/publishing.yaml").read_text(encoding="utf-8")
    text = text.replace("    tools: org-tools\n", "").replace(
        "  name: infra\n", "  name: infra\n  drift_schedule: '5 4 * * 1'\n"
    )
    path = tmp_path / "publishing.yaml"
    path.write_text(text, encoding="utf-8")
    from components import load_manifest

    assert budget.shard_schedules(load_manifest(str(path))) == {
        "web": ("org-web", "5 4 * * 1"),
        "tools": ("tools", "5 4 * * 1"),
    }


def test_without_org_standards_the_repository_carries_its_own_settings(
    run_manifest: RunManifest,
) -> None:
    # The same repository, no org standard: its Actions and workflow permissions and its
    # release-tag ruleset are its own resources (docs/shards.md).
    est = estimate(run_manifest(ORG_FULL.replace("org_standards: {}\n", "")), "stack", 5000)
    full = est.repositories["full"]
    assert (full.count, full.refresh, full.create, full.writes) == (8, 12, 29, 11)
    assert est.shared.count == 1  # the provider


def test_an_update_of_the_standard_is_priced_by_its_file_rewrites(
    run_manifest: RunManifest,
) -> None:
    est = estimate(run_manifest(WAVES), "s", 5_000)
    assert sum(t.count for t in est.files.values()) == 7  # one release workflow a repository
    assert report(est)[-1] == (
        f"standard update (to publishing standard v{budget.STANDARD_VERSION}): every managed"
        " file rewritten once, 7 files (a commit each), 42 requests, 7 writes: fits one hour"
    )
    # Past the content-creation limit, it is applied in waves of at most 500 rewrites.
    big = run_manifest(
        "owner: acme\nrepositories:\n"
        + "".join(f"  - {{name: r{i:03}, npm: {{}}, nuget: {{}}}}\n" for i in range(300))
    )
    lines = report(estimate(big, "s", 50_000))
    start = next(i for i, line in enumerate(lines) if line.startswith("standard update"))
    assert lines[start] == (
        f"standard update (to publishing standard v{budget.STANDARD_VERSION}): every managed"
        " file rewritten once, 600 files (a commit each), 3,600 requests, 600 writes: more than"
        " one hour allows (about 1.2 hours); apply it in 2 waves, one an hour, each within the"
        " token's requests and the content-creation limit:"
    )
    assert (
        lines[start + 1]
        == "  wave 1/2: 250 repositories (r000 .. r249), 3,000 requests, 500 writes"
    )
    assert lines[-1] == "  then a plain `pulumi up` (nothing left to rewrite) and the drift checks."
