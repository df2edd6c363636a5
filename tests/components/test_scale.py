"""Org scale: no provider function calls during evaluation, and the benchmark runs end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pulumi_github as github
from conftest import ROOT, Run, RunManifest

from tools import bench
from tools.mock_engine import run_program


def test_the_example_stack_makes_no_provider_function_call(example_run: Run) -> None:
    # Each invoke (get_repository, get_team, ...) is a GitHub API call on every preview.
    assert example_run.mocks.invocations == []
    assert len(example_run.registrations) > 50


def test_a_fully_featured_org_makes_no_provider_function_call(run_manifest: RunManifest) -> None:
    run = run_manifest(bench.manifest(5))
    assert run.mocks.invocations == []
    assert len(run.of_type("github:index/repositoryFile:RepositoryFile")) == 10


def test_the_invoke_counter_counts() -> None:
    # The check above can fail: a program that calls a provider function is counted.
    def program() -> None:
        github.get_repository(full_name="acme/widgets")

    run = run_program(program, {})
    assert [i.token for i in run.mocks.invocations] == ["github:index/getRepository:getRepository"]


def test_bench_manifest_is_fully_featured_and_valid() -> None:
    from components import parse_manifest

    spec = parse_manifest(bench.manifest(3), "bench.yaml")
    assert [r.name for r in spec.repositories] == ["service-0000", "service-0001", "service-0002"]
    assert all(r.npm is not None and r.container is not None for r in spec.repositories)
    assert spec.standards is not None  # an organization with standards


def test_bench_runs_ours_and_the_floor_and_writes_results(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench", "--sizes", "2,4", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [r["repositories"] for r in results] == [2, 4]
    for row in results:
        # The floor registers as many resources of the same types as ours.
        assert row["floor"]["resources"] == row["ours"]["resources"]
        assert row["floor"]["types"] == row["ours"]["types"]
        assert row["floor_gc"]["types"] == row["ours"]["types"]
        assert row["ours"]["invokes"] == 0
        assert row["ratio"] > 0 and row["ratio_same_gc"] > 0
        # The whole synth ran (lint included) and is timed against the evaluation.
        assert row["synth_seconds"] > row["ours"]["seconds"] > 0
    assert (tmp_path / "time.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The Org scale page's table (docs/scale.md), one row per size, in its columns.
    table = (tmp_path / "table.md").read_text(encoding="utf-8").splitlines()
    assert table[0] == bench.TABLE_HEADER
    assert [line.split(" | ")[0] for line in table[2:]] == ["| 2", "| 4"]
    assert all(line.count("|") == table[0].count("|") for line in table)


def test_the_scale_page_table_has_the_bench_columns() -> None:
    # Regenerated from build/bench/table.md: docs/scale.md keeps the columns bench writes.
    page = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    assert bench.TABLE_HEADER in page.splitlines()
