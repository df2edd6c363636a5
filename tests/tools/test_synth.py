"""`make synth`: plan.json, files, lint, summary and exit codes, offline."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import EXAMPLE, ROOT, SENTINEL, load_plan, synth


def test_example_synth_is_clean(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = synth("--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "lint: " in result.stdout and ", clean" in result.stdout
    assert "Acme-Widgets/widgets: create," in result.stdout
    assert "Acme-Widgets/gadgets-js: adopt," in result.stdout
    workflow = out / "files/Acme-Widgets/widgets/.github/workflows/release-package.yml"
    assert workflow.read_text(encoding="utf-8").startswith("# Managed by ghpublish")


def test_plan_shape_is_sorted_with_options(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert synth("--out", str(out), "--no-lint").returncode == 0
    plan = load_plan(out)
    resources = plan["resources"]
    assert [r["urn"] for r in resources] == sorted(r["urn"] for r in resources)
    for resource in resources:
        assert set(resource) == {"urn", "type", "name", "parent", "inputs", "options"}
        assert set(resource["options"]) == {
            "protect",
            "retainOnDelete",
            "importId",
            "dependsOn",
            "ignoreChanges",
        }


def test_invalid_manifest_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("owner: acme\nrepositories:\n  - name: a\n    visibilty: public\n")
    result = synth("--manifest", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{bad}:4: repositories[0].visibilty: unknown key 'visibilty'" in result.stderr
    assert not (tmp_path / "out").exists(), "nothing is written for an invalid manifest"


def test_lint_finding_exits_1(tmp_path: Path) -> None:
    # A workflow the schema refuses: the lint step reports it and synth exits 1.
    from tools.synth import lint

    broken = tmp_path / ".github/workflows/broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: 3\n    steps: []\n")
    findings = lint([broken])
    assert any(f.startswith("check-jsonschema") for f in findings)
    assert any(f.startswith("zizmor") for f in findings)


def test_lint_runs_once_per_distinct_workflow(tmp_path: Path) -> None:
    from tools.synth import lint, lint_groups

    text = "# {name}\nname: x\non: push\njobs:\n  a:\n    runs-on: 3\n    steps: []\n"
    names = ["lib", "app", "App"]
    paths = [tmp_path / f"files/acme/{name}/.github/workflows/broken.yml" for name in names]
    for path, name in zip(paths, names, strict=True):
        path.parent.mkdir(parents=True)
        path.write_text(text.format(name=name.lower()))
    # Files alike but for their repository's own name are one workflow to the linters.
    assert lint_groups(paths) == [paths]
    findings = "\n".join(lint(paths))
    assert f"{paths[0]} (and 2 alike)" in findings
    assert str(paths[1]) not in findings and str(paths[2]) not in findings
    # A difference elsewhere is linted on its own.
    paths[2].write_text(text.format(name="app").replace("runs-on: 3", "runs-on: 4"))
    assert lint_groups(paths) == [paths[:2], paths[2:]]
    paths[2].write_text(text.format(name="lib"))  # another repository's name is a difference
    assert lint_groups(paths) == [paths[:2], paths[2:]]


def test_same_manifest_gives_byte_identical_output(tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"out-{seed}"
        result = synth("--out", str(out), "--no-lint", env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        outs.append(out)
    first = {p.relative_to(outs[0]): p.read_bytes() for p in outs[0].rglob("*") if p.is_file()}
    second = {p.relative_to(outs[1]): p.read_bytes() for p in outs[1].rglob("*") if p.is_file()}
    assert first == second
    assert len(first) >= 3


def test_key_order_in_the_manifest_does_not_change_output(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))

    def reverse(node: object) -> object:
        if isinstance(node, dict):
            return {k: reverse(node[k]) for k in reversed(list(node))}
        if isinstance(node, list):
            return [reverse(v) for v in node]
        return node

    shuffled = tmp_path / "publishing.yaml"
    shuffled.write_text(yaml.safe_dump(reverse(data), sort_keys=False), encoding="utf-8")
    a = synth("--out", str(tmp_path / "a"), "--no-lint")
    b = synth(
        "--manifest", "publishing.yaml", "--out", str(tmp_path / "b"), "--no-lint", cwd=tmp_path
    )
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert (tmp_path / "a/plan.json").read_bytes() == (tmp_path / "b/plan.json").read_bytes()


def test_sentinel_token_never_reaches_plan_or_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = synth("--out", str(out), env={"GHPUBLISH_SYNTH_TOKEN": SENTINEL})
    assert result.returncode == 0, result.stderr
    assert SENTINEL not in result.stdout + result.stderr
    for path in out.rglob("*"):
        if path.is_file():
            assert SENTINEL not in path.read_text(encoding="utf-8"), path
    plan = load_plan(out)
    providers = [r for r in plan["resources"] if r["type"] == "pulumi:providers:github"]
    assert providers and all(p["inputs"]["token"] == "[secret]" for p in providers)
    assert json.dumps(plan).count("[secret]") >= 1
    assert os.environ.get("GHPUBLISH_SYNTH_TOKEN") is None
    assert ROOT.exists()


def test_summary_flags_an_adopted_repository_made_public(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "owner: acme\ndefaults: {visibility: public}\nrepositories:\n"
        "  - {name: kept, adopt: true}\n  - {name: shown, adopt: true, visibility: public}\n"
        "  - {name: fresh}\n"
    )
    result = synth("--manifest", str(manifest), "--out", str(tmp_path / "out"), "--no-lint")
    assert result.returncode == 0, result.stderr
    lines = {line.split(":")[0]: line for line in result.stdout.splitlines()}
    assert lines["acme/shown"].endswith(
        "; EXPOSURE: visibility: public makes this existing repository public (code, history,"
        " issues) unless it already is"
    )
    assert "EXPOSURE" not in lines["acme/kept"] + lines["acme/fresh"]
    plan = load_plan(tmp_path / "out")
    kept = next(r for r in plan["resources"] if r["name"] == "org-kept-repository")
    assert "visibility" in kept["options"]["ignoreChanges"]
    assert "visibility" not in kept["inputs"]
