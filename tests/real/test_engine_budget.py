"""`make budget`'s COSTS against the real provider: requests measured per resource type.

tools/api_measure.py drives the CLI `make engine` builds against the simulated GitHub for
manifests of 1, 10 and 30 repositories of the example's shapes: a first `pulumi up` one
resource type at a time, then `pulumi refresh --target` one type at a time with the ETag
cache cold and warm. For every type, the requests per resource (and the stack's totals) must
be within 10 % of tools/budget.py COSTS: a refresh's counted requests cold (`refresh`, what
`make budget` prices) and warm (`refresh_warm`), a create's reads and writes. The provider
reads the owner once per command. Needs the engine and the simulator's description (skipped
locally without them, failed under CI=true).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from realengine import Engine, engine_or_skip
from requirement import described_or_skip

from tools.api_measure import PROVIDER, Measurement, measure, mixed_manifest
from tools.budget import COSTS, estimate
from tools.mock_engine import run_program
from tools.rehearse import ROOT

pytestmark = pytest.mark.engine
TOLERANCE = 0.10


@pytest.fixture(scope="module")
def engine() -> Engine:
    found = engine_or_skip()
    described_or_skip()
    return found


def within(measured: float, modelled: float) -> bool:
    return abs(measured - modelled) <= TOLERANCE * max(modelled, 1e-9) or measured == modelled


@pytest.fixture(scope="module", params=[1, 10, 30], ids=lambda n: f"{n}-repos")
def measured(
    request: pytest.FixtureRequest, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Measurement:
    out = tmp_path_factory.mktemp(f"measure-{request.param}")
    return measure(request.param, out, pulumi=str(engine.pulumi))


def test_every_step_succeeds_within_the_api_contract(measured: Measurement) -> None:
    assert measured.failures == []
    assert measured.violations == 0
    # Configuring the provider reads the owner once per command.
    assert set(measured.provider_requests) == {COSTS[PROVIDER].refresh}


def test_each_type_costs_what_the_budget_says(measured: Measurement) -> None:
    wrong = []
    for type_, c in sorted(measured.by_type.items()):
        cost = COSTS[type_]
        for label, got, model in (
            ("refresh (cold, counted)", c.per("refresh_cold_counted"), cost.refresh),
            ("refresh (warm, counted)", c.per("refresh_warm_counted"), cost.warm),
            ("create reads", c.per("create_reads"), cost.create_reads),
            ("create writes", c.per("create_writes"), cost.create_writes),
        ):
            if not within(got, model):
                wrong.append(f"{type_}: {label} measured {got:.2f} per resource, COSTS {model}")
        # Cold, every request counts.
        assert c.refresh_cold == c.refresh_cold_counted, type_
    assert wrong == []


def test_the_stack_total_is_what_make_budget_estimates(
    measured: Measurement, tmp_path: Path
) -> None:
    manifest = tmp_path / "publishing.yaml"
    manifest.write_text(mixed_manifest(measured.repositories), encoding="utf-8")
    est = estimate(run_program(ROOT / "__main__.py", {"ghpublish:manifest": str(manifest)}), "s", 0)
    github = {t: n for t, n in est.by_type.items() if t.startswith("github:")}
    assert set(github) == set(measured.by_type)
    provider = COSTS[PROVIDER]
    refresh = sum(c.refresh_cold_counted for c in measured.by_type.values()) + provider.refresh
    warm = sum(c.refresh_warm_counted for c in measured.by_type.values()) + provider.warm
    create = sum(c.create_reads + c.create_writes for c in measured.by_type.values())
    assert within(refresh, est.total.refresh), (refresh, est.total.refresh)
    assert within(warm, est.total.warm), (warm, est.total.warm)
    assert within(create + provider.create, est.total.create), (create, est.total.create)
