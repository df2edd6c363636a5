"""`make diff BASE=<ref>`: the manifest at a git ref vs the working tree, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SENTINEL

from tools import diff as tool
from tools.mock_engine import _SECRET_SIG, _SECRET_VALUE, SECRET

BASE_MANIFEST = """\
owner: Acme-Corp
repositories:
  - name: widgets
    description: "Widgets: the core"
    npm: {}
  - name: gadgets
    npm: {test_command: npm test}
  - name: handbook
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose HEAD holds BASE_MANIFEST; the working directory is its root."""
    root = tmp_path / "manifests"
    root.mkdir()
    _git(root, "init", "-q")
    (root / "publishing.yaml").write_text(BASE_MANIFEST, encoding="utf-8")
    _git(root, "add", "publishing.yaml")
    _git(root, "commit", "-qm", "base")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GHPUBLISH_SYNTH_TOKEN", raising=False)
    return root


def edit(repo: Path, old: str, new: str) -> None:
    path = repo / "publishing.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def run(*args: str) -> tuple[int, str]:
    from io import StringIO
    from unittest import mock

    out = StringIO()
    with mock.patch("sys.stdout", out):
        code = tool.main(["--base", "HEAD", *args])
    return code, out.getvalue()


def test_no_change_exits_0(repo: Path) -> None:
    code, out = run()
    assert code == 0
    assert "0 resources to add, 0 to change, 0 no longer managed" in out
    assert "  Acme-Corp/widgets: unchanged" in out
    assert "Resources:" not in out


def test_changed_inputs_and_file_diffs_exit_3(repo: Path) -> None:
    edit(repo, '"Widgets: the core"', '"Widgets: the core, v2"')
    edit(repo, "test_command: npm test", "test_command: npm run test:ci")
    code, out = run()
    assert code == tool.EXIT_CHANGES
    assert "  Acme-Corp/widgets: changed: 1 resource changed\n" in out
    assert "  Acme-Corp/gadgets: changed: 1 resource changed, 1 file changed (+1 -1)" in out
    assert "  Acme-Corp/handbook: unchanged" in out
    assert (
        "  ~ change: urn:pulumi:synth::ghpublish::ghpublish:index:PublishingRepository"
        "$github:index/repository:Repository::org-widgets-repository\n"
        '      description: "Widgets: the core" -> "Widgets: the core, v2"\n'
    ) in out
    assert "      content: changed (see the file diff)" in out
    assert "--- a/Acme-Corp/gadgets/.github/workflows/release-package.yml" in out
    assert "-        run: npm test\n+        run: npm run test:ci\n" in out


def test_removed_repository_is_no_longer_managed_never_deleted(repo: Path) -> None:
    edit(repo, "  - name: handbook\n", "")
    edit(repo, "  - name: gadgets\n    npm: {test_command: npm test}\n", "")
    code, out = run()
    assert code == tool.EXIT_CHANGES
    assert "  Acme-Corp/handbook: no longer managed (left on GitHub)\n" in out
    # Its managed files are retained too: the report names no deletion.
    assert "  Acme-Corp/gadgets: no longer managed (left on GitHub)\n" in out
    assert "deletes" not in out
    # The repositories are retained: never listed as deleted.
    assert "delete: urn:pulumi:synth::ghpublish::ghpublish:index:PublishingRepository" not in out
    assert (
        "  - no longer managed: urn:pulumi:synth::ghpublish::ghpublish:index:PublishingRepository"
        "$github:index/repository:Repository::org-handbook-repository"
    ) in out


def test_added_repository_and_markdown_summary(repo: Path) -> None:
    edit(repo, "  - name: handbook\n", "  - name: handbook\n  - name: api\n    adopt: true\n")
    edit(repo, '"Widgets: the core"', '"Widgets: `core` | <b>html</b>"')
    code, out = run("--format", "markdown")
    assert code == tool.EXIT_CHANGES
    assert out.startswith("## ghpublish diff: `HEAD` → working tree\n")
    assert "- `Acme-Corp/api`: added (adopt): " in out
    assert "### Resources" in out
    # Manifest text is always code: backticks and HTML cannot escape it.
    assert '``"Widgets: `core` | <b>html</b>"``' in out


def test_markdown_file_diffs_are_fenced_and_collapsible(repo: Path) -> None:
    edit(repo, "test_command: npm test", "test_command: npm run test:ci")
    code, out = run("--format", "markdown")
    assert code == tool.EXIT_CHANGES
    assert (
        "<details>\n<summary><code>Acme-Corp/gadgets/.github/workflows/release-package.yml"
        "</code> (change, +1 -1)</summary>\n\n```diff\n"
    ) in out
    assert "```\n\n</details>" in out


def test_output_appends_and_exit_zero(repo: Path, tmp_path: Path) -> None:
    edit(repo, "test_command: npm test", "test_command: npm run test:ci")
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    code, out = run("--format", "markdown", "--output", str(summary), "--exit-zero")
    assert code == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n## ghpublish diff:")
    assert out.splitlines()[0].startswith("Acme-Corp/gadgets: changed")


def test_invalid_working_tree_manifest_exits_2(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "  - name: handbook\n", "  - name: handbook\n    visibilty: public\n")
    assert tool.main(["--base", "HEAD"]) == tool.EXIT_INVALID
    err = capsys.readouterr().err
    assert "publishing.yaml:9: repositories[2].visibilty: unknown key 'visibilty'" in err
    assert "Traceback" not in err


def test_invalid_or_missing_base_manifest_shows_everything_new(repo: Path) -> None:
    (repo / "publishing.yaml").write_text("owner: Acme-Corp\nrepositories: 3\n")
    _git(repo, "commit", "-qam", "broken")
    (repo / "publishing.yaml").write_text(BASE_MANIFEST, encoding="utf-8")
    code, out = run()
    assert code == tool.EXIT_CHANGES
    assert "publishing.yaml is invalid at HEAD (publishing.yaml: 1 error in the manifest)" in out
    assert "  Acme-Corp/widgets: added (create): " in out

    _git(repo, "rm", "-q", "--cached", "publishing.yaml")
    _git(repo, "commit", "-qm", "gone")
    code, out = run()
    assert "publishing.yaml does not exist at HEAD: everything is new." in out


def test_bad_base_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tool.main(["--base", "no-such-ref"]) == tool.EXIT_INVALID
    assert (
        "BASE 'no-such-ref' is not a commit of the manifest's repository ("
        in capsys.readouterr().err
    )
    assert tool.main(["--base", ""]) == tool.EXIT_INVALID
    assert "BASE is required" in capsys.readouterr().err


def test_manifest_outside_the_working_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run from a subdirectory: the manifest is ../publishing.yaml, at BASE as now.
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    code, out = run("--manifest", "../publishing.yaml")
    assert code == 0, out
    edit(repo, "test_command: npm test", "test_command: npm run test:ci")
    code, out = run("--manifest", "../publishing.yaml")
    assert code == tool.EXIT_CHANGES
    # Only the command changed: headers quote the same manifest path on both sides.
    assert "(+1 -1)" in out


def test_secret_changes_are_masked() -> None:
    def snap(token: str) -> tool.Snapshot:
        wrapped = {_SECRET_SIG: _SECRET_VALUE}  # how the engine wraps a secret input
        resource = tool.Resource(
            urn="urn:pulumi:s::p::pulumi:providers:github::org-github",
            type="pulumi:providers:github",
            custom=True,
            inputs={"owner": "acme", "token": {**wrapped, "value": token}},
            options={"protect": False, "retainOnDelete": False, "importId": "", "dependsOn": []},
            repository=None,
        )
        return tool.Snapshot(resources={resource.urn: resource}, owner="acme")

    report = tool.compare(snap("old-" + SENTINEL), snap("new-" + SENTINEL), "HEAD", [])
    text = tool.render_text(report) + tool.render_markdown(report)
    assert SENTINEL not in text
    assert f"      token: {SECRET} -> {SECRET} (changed)" in text
    assert "acme (owner-wide): 1 resource changed" in text


def test_a_file_whose_resource_is_not_retained_is_named_as_deleted() -> None:
    # Only where a stack (not ghpublish's) leaves a file resource unretained is it deleted.
    def file(retained: bool) -> tool.Resource:
        return tool.Resource(
            urn=f"urn:pulumi:s::p::github:index/repositoryFile:RepositoryFile::f{retained}",
            type="github:index/repositoryFile:RepositoryFile",
            custom=True,
            inputs={"repository": "gone", "file": f".github/workflows/{retained}.yml"},
            options={"protect": False, "retainOnDelete": retained, "importId": "", "dependsOn": []},
            repository="gone",
        )

    kept, dropped = file(True), file(False)
    base = tool.Snapshot(
        resources={kept.urn: kept, dropped.urn: dropped},
        repos={"gone": tool.Repo("gone", adopt=False)},
        owner="acme",
    )
    report = tool.compare(base, tool.Snapshot(owner="acme"), "HEAD", [])
    assert report.repositories == [
        (
            "acme/gone",
            "no longer managed (left on GitHub); ghpublish deletes its managed files:"
            " .github/workflows/False.yml",
        )
    ]


def test_sentinel_token_never_reaches_the_report(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHPUBLISH_SYNTH_TOKEN", SENTINEL)
    edit(repo, "  - name: handbook\n", "")
    code, out = run("--format", "markdown")
    assert code == tool.EXIT_CHANGES
    assert SENTINEL not in out


def test_make_diff_runs_the_tool(repo: Path) -> None:
    # As `make diff` runs it: a separate process, the exit code for CI.
    edit(repo, "test_command: npm test", "test_command: npm run test:ci")
    result = subprocess.run(
        [sys.executable, "-m", "tools.diff", "--base", "HEAD"],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "Acme-Corp/gadgets: changed" in result.stdout
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\ndiff: $(STAMP)" in makefile
    assert "-m tools.diff --base" in makefile


def test_making_an_adopted_repository_public_is_flagged_as_an_exposure(repo: Path) -> None:
    edit(repo, "  - name: handbook\n", "  - name: handbook\n    adopt: true\n")
    code, out = run()
    assert "EXPOSURE" not in out  # adopted, visibility kept as GitHub has it
    _git(repo, "commit", "-qam", "adopt")
    edit(repo, "    adopt: true\n", "    adopt: true\n    visibility: public\n")
    code, out = run()
    assert code == tool.EXIT_CHANGES
    assert (
        "  Acme-Corp/handbook: changed: 1 resource changed; EXPOSURE: visibility: public makes"
        " this existing repository public (code, history, issues) unless it already is\n"
    ) in out
    # A defaults value never does: the adopted repository keeps its visibility.
    _git(repo, "checkout", "-q", "publishing.yaml")
    edit(repo, "owner: Acme-Corp\n", "owner: Acme-Corp\ndefaults: {visibility: public}\n")
    code, out = run()
    assert "EXPOSURE" not in out
    assert "Acme-Corp/handbook: unchanged" in out


def _docs_shard_unchanged() -> None:
    code, out = run("--shard", "docs")
    assert code == 0
    assert "  Acme-Corp/handbook: unchanged" in out and "widgets" not in out


def test_a_sharded_manifest_is_compared_shard_by_shard(repo: Path) -> None:
    edit(
        repo, "repositories:", "shards: {core: [widgets, gadgets], docs: [handbook]}\nrepositories:"
    )
    _git(repo, "commit", "-qam", "sharded")
    # Without a shard the program refuses to run, as each shard's stack would.
    assert run()[0] == 2
    edit(repo, 'description: "Widgets: the core"', "description: Widgets")
    code, out = run("--shard", "core")
    assert code == 3
    assert "Shard core: what its stack manages." in out
    assert "  Acme-Corp/widgets: changed: 1 resource changed\n" in out
    assert "handbook" not in out
    _docs_shard_unchanged()


def test_sharding_a_manifest_compares_each_shard_with_its_part_of_the_base(repo: Path) -> None:
    # BASE has no shards: a shard is compared with the repositories its patterns match
    # there, not shown as all new; a removed one it matches is no longer managed.
    edit(repo, "repositories:", "shards: {core: ['*gets'], docs: [handbook]}\nrepositories:")
    edit(repo, "  - name: gadgets\n    npm: {test_command: npm test}\n", "")
    code, out = run("--shard", "core")
    assert code == 3  # gadgets is no longer managed
    assert "publishing.yaml declares no shards at HEAD: shard core is compared with the" in out
    assert "  Acme-Corp/widgets: unchanged" in out
    assert "  Acme-Corp/gadgets: no longer managed" in out
    assert "handbook" not in out
    _docs_shard_unchanged()
