"""The documentation site: it builds strictly, its samples are the tools' output now, its
manifest reference is the schema's, and `make help` lists every target."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import yaml
from conftest import ROOT

from tools import docs_reference, docs_samples

DOCS = ROOT / "docs"


def test_samples_are_what_the_tools_print_now(tmp_path) -> None:
    written = docs_samples.generate(tmp_path)
    assert {p.name for p in written} == {p.name for p in (DOCS / "samples").iterdir()}
    for path in written:
        committed = (DOCS / "samples" / path.name).read_text(encoding="utf-8")
        assert path.read_text(encoding="utf-8") == committed, (
            f"docs/samples/{path.name} is stale: make docs-samples"
        )


def test_every_sample_is_shown_by_a_page() -> None:
    pages = "".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    included = set(re.findall(r'^--8<-- "([^"]+)"$', pages, re.M))
    assert included == {p.name for p in (DOCS / "samples").iterdir()}


def test_the_diff_sample_shows_each_kind_of_change() -> None:
    sample = (DOCS / "samples" / "diff.md").read_text(encoding="utf-8")
    assert "`Acme-Widgets/legacy-tools`: no longer managed (left on GitHub)" in sample
    assert '"Widgets: the core library (v2)"' in sample
    assert "+        run: npm run test:ci -- --runInBand" in sample


def test_the_manifest_reference_is_the_schema_now() -> None:
    page = (DOCS / "reference" / "manifest.md").read_text(encoding="utf-8")
    assert page == docs_reference.page_text(), (
        "docs/reference/manifest.md is stale: make docs-samples"
    )
    # Every key of every object of the schema has its row, under its object's heading.
    schema = json.loads((ROOT / "schema" / "publishing.schema.json").read_text(encoding="utf-8"))
    for name, obj in [("The manifest", schema), *schema["$defs"].items()]:
        section = page.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for key in obj["properties"]:
            assert re.search(rf"^\| `{key}`", section, re.M), (name, key)


def test_the_reference_renders_types_and_placeholders() -> None:
    assert docs_reference.type_text({"$ref": "#/$defs/Npm"}) == "[Npm](#npm)"
    node = {
        "anyOf": [{"$ref": "#/$defs/Npm"}, {"const": False, "type": "boolean"}, {"type": "null"}]
    }
    assert docs_reference.type_text(node) == "[Npm](#npm) or `false`"
    assert (
        docs_reference.type_text({"type": "array", "items": {"type": "string"}}) == "list of string"
    )
    # A description's <image> is text, not an HTML tag the page would swallow.
    assert (
        docs_reference._cell("cache <image>:x, `<kept>` | y")
        == "cache &lt;image&gt;:x, `<kept>` \\| y"
    )


def test_the_site_builds_strictly_and_lists_every_page(tmp_path) -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def pages(nav: list) -> list[str]:
        out = []
        for item in nav:
            for value in item.values():
                out += pages(value) if isinstance(value, list) else [value]
        return out

    listed = pages(config["nav"])
    present = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")]
    assert sorted(listed) == sorted(p for p in present if not p.startswith("samples/"))
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    budget = (tmp_path / "site" / "budget.html").read_text(encoding="utf-8")
    assert "drift check: " in budget  # the snippet was included, not its directive
    assert "--8&lt;--" not in budget and "--8<--" not in budget


def test_make_help_lists_every_target_with_a_description() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    described = dict(re.findall(r"^([a-z][a-z-]*):.*?## (.+)$", makefile, re.M))
    assert {"synth", "test", "docs", "docs-samples", "help", "rehearse"} <= set(described)
    done = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    shown = {line.split()[1]: line.split(None, 2)[2] for line in done.stdout.splitlines()}
    assert shown == described
