"""The owner's GitHub plan: what GitHub refuses on it is a manifest error."""

from __future__ import annotations

import pytest
from conftest import errors, parse

BASE = """
owner: acme
{plan}
repositories:
  - name: tools
    visibility: {visibility}
"""


def test_plan_defaults_to_team_and_reaches_every_repository() -> None:
    spec = parse(BASE.format(plan="", visibility="private"))
    assert spec.plan == "team"
    assert [r.plan for r in spec.repositories] == ["team"]
    spec = parse(BASE.format(plan="plan: enterprise", visibility="private"))
    assert spec.plan == "enterprise"
    assert [r.plan for r in spec.repositories] == ["enterprise"]


def test_an_unknown_plan_is_refused() -> None:
    assert errors(BASE.format(plan="plan: business", visibility="private")) == [
        "publishing.yaml:3: plan: 'business' is not allowed; expected 'free', 'pro', 'team'"
        " or 'enterprise'"
    ]


@pytest.mark.parametrize("plan", ["free", "pro", "team"])
def test_internal_visibility_needs_enterprise(plan: str) -> None:
    assert errors(BASE.format(plan=f"plan: {plan}", visibility="internal")) == [
        f"publishing.yaml:6: repositories[0].visibility: 'internal' needs GitHub Enterprise"
        f" Cloud (plan: enterprise); on plan {plan!r} GitHub refuses internal repositories:"
        " use 'private', or set plan: enterprise if the owner belongs to an enterprise account"
    ]
    parse(BASE.format(plan="plan: enterprise", visibility="internal"))
