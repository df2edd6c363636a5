"""Every generated file is the same wherever the manifest lies: it names the manifest by its
path in its git repository (or its file name), and `make diff` reads BASE from that
repository, wherever ghpublish is installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE, ROOT, synth

from components._manifest import manifest_name

ONE = "owner: acme\nrepositories:\n  - name: widgets\n    npm: {}\n  - name: gadgets\n    npm: {}\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def files_of(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out / "files").as_posix(): p.read_bytes()
        for p in sorted((out / "files").rglob("*"))
        if p.is_file()
    }


def test_the_name_is_the_path_in_the_git_repository_or_the_file_name(tmp_path: Path) -> None:
    loose = tmp_path / "somewhere" / "deep" / "org.yaml"
    loose.parent.mkdir(parents=True)
    loose.touch()
    assert manifest_name(loose) == "org.yaml"
    repo = tmp_path / "org-repo"
    (repo / "config").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "config" / "publishing.yaml").touch()
    assert manifest_name(repo / "config" / "publishing.yaml") == "config/publishing.yaml"
    assert manifest_name(EXAMPLE) == "publishing.yaml"


def test_the_same_manifest_at_two_paths_gives_byte_identical_files(tmp_path: Path) -> None:
    outs = []
    for where in ("first/checkout", "second"):
        repo = tmp_path / where
        (repo / "org").mkdir(parents=True)
        git(repo, "init", "-q")
        manifest = repo / "org" / "publishing.yaml"
        manifest.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        out = tmp_path / f"out-{len(outs)}"
        # Given by absolute path once, by a relative path from the repository the other time.
        given = str(manifest) if not outs else "org/publishing.yaml"
        result = synth("--manifest", given, "--out", str(out), "--no-lint", cwd=repo)
        assert result.returncode == 0, result.stderr
        outs.append(files_of(out))
    assert outs[0] == outs[1] and len(outs[0]) >= 3
    for path, content in outs[0].items():
        text = content.decode("utf-8")
        assert str(tmp_path) not in text, path
        if path.endswith(".yml"):
            assert "org/publishing.yaml" in text, path


def diff_from_the_project(manifest: Path) -> subprocess.CompletedProcess[str]:
    """`python -m tools.diff --base HEAD` on ``manifest``, run from the ghpublish checkout."""
    return subprocess.run(
        [sys.executable, "-m", "tools.diff", "--base", "HEAD", "--manifest", str(manifest)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_diff_reads_base_from_the_manifest_s_own_repository(tmp_path: Path) -> None:
    org = tmp_path / "org-manifests"
    (org / "config").mkdir(parents=True)
    git(org, "init", "-q")
    manifest = org / "config" / "publishing.yaml"
    manifest.write_text(ONE, encoding="utf-8")
    git(org, "add", ".")
    git(org, "commit", "-qm", "base")
    # Adopted on the branch it had (an adopted repository's is GitHub's unless named).
    adopted = "name: gadgets\n    adopt: true\n    default_branch: main\n"
    manifest.write_text(ONE.replace("name: gadgets\n", adopted))
    # Run from the ghpublish checkout, another repository whose HEAD has no such file.
    result = diff_from_the_project(manifest)
    assert result.returncode == 3, result.stderr
    assert "does not exist at HEAD" not in result.stdout
    assert "  acme/widgets: unchanged" in result.stdout
    assert "  acme/gadgets: changed: " in result.stdout
    assert "File " not in result.stdout  # the generated files name the manifest alike
    assert "first pulumi up on adopted repositories" in result.stdout

    loose = tmp_path / "loose.yaml"
    loose.write_text(ONE, encoding="utf-8")
    result = diff_from_the_project(loose)
    assert result.returncode == 2
    assert result.stderr == (
        f"make diff: {loose} is in no git repository; make diff compares the manifest with BASE"
        " of the repository that holds it: commit it to one\n"
    )
