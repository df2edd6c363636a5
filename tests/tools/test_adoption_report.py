"""What the first `pulumi up` changes on each adopted repository, as `make synth` and `make
diff` print it (tools/adoption.py): offline, and against a recorded GitHub state."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from conftest import RunManifest

from components._core._catalog import CATALOG
from tools.diff import Report, render_markdown, render_text, snapshot_of
from tools.diff import adoption_lines as diff_adoption_lines
from tools.mock_engine import Run
from tools.synth import adoption_lines, files

MANIFEST = """
owner: acme
plan: enterprise
repositories:
  - name: portal
    adopt: true
    npm: {}
  - name: billing
    adopt: true
    description: Billing
    default_branch: trunk
    actions: {default_token: read}
    npm: {}
  - name: fresh
    npm: {}
"""
CHECKOUT = CATALOG["actions/checkout"].uses
SETUP_NODE = CATALOG["actions/setup-node"].uses
DOWNLOAD = CATALOG["actions/download-artifact"].uses
UPLOAD = CATALOG["actions/upload-artifact"].uses
CI = "on: push\njobs:\n  t:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./local\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _state(**extra: Any) -> dict[str, Any]:
    return {
        "/repos/acme/portal": {"name": "portal", "default_branch": "master"},
        "/repos/acme/portal/contents/.github/workflows/release-package.yml": {"content": ""},
        "/repos/acme/portal/contents/.github/workflows/ci.yml": {"content": _b64(CI)},
        "/repos/acme/portal/actions/permissions": {
            "enabled": True,
            "allowed_actions": "selected",
        },
        "/repos/acme/portal/actions/permissions/selected-actions": {
            "github_owned_allowed": False,
            "patterns_allowed": ["actions/setup-node@*"],
        },
        "/repos/acme/portal/actions/permissions/workflow": {
            "default_workflow_permissions": "write",
            "can_approve_pull_request_reviews": True,
        },
        "/repos/acme/billing": {
            "name": "billing",
            "default_branch": "trunk",
            "description": "Old billing",
            "visibility": "private",
        },
        **extra,
    }


def _report(run: Run, tmp_path: Path, state: dict[str, Any] | None) -> list[str]:
    written = {f"files/{path}": text for path, text in files(run).items()}
    if state is None:
        return adoption_lines(run, written, None)
    seed = tmp_path / "github-state.json"
    seed.write_text(json.dumps(state), encoding="utf-8")
    return [line.replace(str(seed), "SEED") for line in adoption_lines(run, written, str(seed))]


def _policy_line(lines: list[str]) -> str:
    """portal's Actions policy line."""
    portal = lines.index("  acme/portal:")
    return next(line for line in lines[portal:] if line.startswith("    Actions policy"))


def test_offline_it_says_what_is_sent_and_what_is_kept(
    run_manifest: RunManifest, tmp_path: Path
) -> None:
    assert _report(run_manifest(MANIFEST), tmp_path, None) == [
        "first pulumi up on adopted repositories (GitHub's state unknown offline:"
        " SEED=<state.json> compares with a recorded one):",
        "  acme/billing:",
        "    settings: sets description as its entry says; keeps every other one",
        "    files: writes .github/workflows/release-package.yml to trunk (overwrites it if it"
        " exists)",
        "    Actions policy: its own, kept (unknown offline: one that does not allow its"
        " workflows' pinned actions blocks them)",
        "    token: set to read, workflows cannot approve pull requests",
        "  acme/portal:",
        "    settings: none changed (its entry sets none)",
        "    files: writes .github/workflows/release-package.yml to the default branch GitHub"
        " has (overwrites it if it exists)",
        "    Actions policy: its own, kept (unknown offline: one that does not allow its"
        " workflows' pinned actions blocks them)",
        "    token: its own default, kept (unknown offline)",
    ]


def test_against_githubs_state_it_names_each_change_and_a_policy_that_blocks(
    run_manifest: RunManifest, tmp_path: Path
) -> None:
    run = run_manifest(MANIFEST)
    assert _report(run, tmp_path, _state()) == [
        "first pulumi up on adopted repositories (GitHub's state from SEED):",
        "  acme/billing:",
        '    settings: description "Old billing" -> "Billing"',
        "    files: adds .github/workflows/release-package.yml on trunk",
        "    Actions policy: its own, kept: all actions allowed, SHA pinning not required",
        "    token: set to read, workflows cannot approve pull requests (was: read, workflows"
        " cannot approve pull requests)",
        "  acme/portal:",
        "    settings: none changed",
        "    files: overwrites .github/workflows/release-package.yml on master",
        "    Actions policy: its own, kept: selected actions (not GitHub's own and 1 more), SHA"
        " pinning not required; BLOCKS ghpublish's workflows: its selected actions do not"
        f" allow {CHECKOUT}, {DOWNLOAD}, {UPLOAD} (allow them in the"
        " repository's Actions settings, or set actions.allow in its entry)",
        "    token: its own default, kept: write, workflows may approve pull requests",
    ]


def test_only_local_actions_or_actions_disabled_block_every_workflow(
    run_manifest: RunManifest, tmp_path: Path
) -> None:
    run = run_manifest(MANIFEST)
    policy = "/repos/acme/portal/actions/permissions"
    local = _report(run, tmp_path, _state(**{policy: {"allowed_actions": "local_only"}}))
    assert _policy_line(local).endswith(
        f"BLOCKS ghpublish's workflows: only local actions may run, not {CHECKOUT},"
        f" {DOWNLOAD}, {SETUP_NODE}, {UPLOAD} (allow them in the"
        " repository's Actions settings, or set actions.allow in its entry)"
    )
    off = _report(run, tmp_path, _state(**{policy: {"enabled": False}}))
    assert _policy_line(off) == (
        "    Actions policy: its own, kept: Actions disabled; BLOCKS ghpublish's workflows:"
        " Actions are disabled (allow them in the repository's Actions settings, or set"
        " actions.allow in its entry)"
    )
    missing = _state()
    del missing["/repos/acme/portal"]
    assert _report(run, tmp_path, missing)[-2:] == [
        "  acme/portal:",
        "    not in GitHub's state: importing acme/portal fails",
    ]


def test_org_standards_apply_over_its_own_and_stop_its_workflows_pinned_by_tag(
    run_manifest: RunManifest, tmp_path: Path
) -> None:
    run = run_manifest(MANIFEST + "org_standards: {allow: ['acme/*']}\n")
    lines = _report(run, tmp_path, _state())
    assert lines[-3:] == [
        "    token: its own default, kept: write, workflows may approve pull requests",
        "    org_standards: the organization's policy applies to it: selected actions"
        " (GitHub's own and 7 more), SHA pinning required; token read, workflows cannot"
        " approve pull requests",
        "    its own workflows: SHA pinning required from then on stops .github/workflows/ci.yml"
        " (actions/checkout@v4)",
    ]


def test_make_diff_reports_the_repositories_a_change_adopts(
    run_manifest: RunManifest, tmp_path: Path
) -> None:
    def snapshot(text: str) -> Any:
        run = run_manifest(text)
        return snapshot_of(run.registrations, files(run), "acme")

    base = snapshot(MANIFEST.replace("  - name: portal\n    adopt: true\n", "  - name: portal\n"))
    head = snapshot(MANIFEST)
    lines = diff_adoption_lines(base, head, None, "")
    # billing was adopted already: only portal, which this change adopts.
    assert [line for line in lines if not line.startswith("    ")] == [
        "first pulumi up on adopted repositories (GitHub's state unknown offline:"
        " SEED=<state.json> compares with a recorded one):",
        "  acme/portal:",
    ]
    assert diff_adoption_lines(head, head, None, "") == []


def test_the_markdown_summary_shows_the_report_as_text() -> None:
    report = Report("HEAD", "acme", [], [], [], [("acme/portal", "added (adopt)")])
    report.adoption = [
        "first pulumi up on adopted repositories (GitHub's state from s.json):",
        "  acme/portal:",
        "    settings: none changed",
    ]
    text = render_markdown(report)
    assert (
        "### First pulumi up on adopted repositories (GitHub's state from s.json)\n\n"
        "```text\nacme/portal:\n  settings: none changed\n```\n"
    ) in text
    assert render_text(report).endswith(
        "\nfirst pulumi up on adopted repositories (GitHub's state from s.json):\n"
        "  acme/portal:\n    settings: none changed\n"
    )
