"""Every generated file of the example manifest is byte-identical to its golden file."""

from __future__ import annotations

import pytest
from conftest import ROOT

from tools.golden import GOLDEN, generate


@pytest.fixture(scope="module")
def generated(request: pytest.FixtureRequest) -> dict[str, str]:
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    try:
        return generate()
    finally:
        mp.undo()


def test_every_golden_file_is_generated(generated: dict[str, str]) -> None:
    golden = sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())
    assert golden == sorted(generated), "run `make golden` and review the diff"


@pytest.mark.parametrize(
    "rel",
    sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()),
)
def test_generated_file_matches_golden(generated: dict[str, str], rel: str) -> None:
    assert generated[rel] == (GOLDEN / rel).read_text(encoding="utf-8"), (
        f"{rel} changed: run `make golden` and review the diff"
    )
