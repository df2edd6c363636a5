"""The README is a front page: short, its manifest valid, its samples and commands real, its
first-run instructions working as written, its links leading to the documentation."""

from __future__ import annotations

import re
import subprocess

from conftest import ROOT, parse

from tools.rehearse import Outcome

README = (ROOT / "README.md").read_text(encoding="utf-8")
GETTING_STARTED = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^ *```{lang}\n(.*?)^ *```", text, flags=re.S | re.M)


def _prose(text: str) -> str:
    return re.sub(r"^ *```.*?^ *```", "", text, flags=re.S | re.M)


def test_the_readme_is_a_front_page() -> None:
    assert len(README.splitlines()) <= 250
    # What moved to the documentation did not stay behind.
    for moved in ("| key | default | meaning |", "## Org scale", "## Layout", "ghpublish diff:"):
        assert moved not in README, moved


def test_the_readme_manifest_is_ten_lines_and_valid() -> None:
    (manifest,) = _blocks(README, "yaml")
    assert len(manifest.splitlines()) <= 10
    spec = parse(manifest)
    assert [r.name for r in spec.repositories] == ["widgets", "widgets-java", "gadgets-js"]
    assert [r.adopt for r in spec.repositories] == [False, False, True]


def test_the_readme_synth_output_is_what_synth_prints() -> None:
    # docs/samples/synth.txt is make synth's output (tests/test_docs.py keeps it current).
    sample = (ROOT / "docs" / "samples" / "synth.txt").read_text(encoding="utf-8").splitlines()
    (shown, *_) = _blocks(README, "text")
    lines = [x for x in shown.splitlines() if x != "…"]
    assert len(lines) >= 6
    for line in lines:
        assert re.sub(r"\(\d+\.\d+s\)", "(…s)", line) in sample, line


def test_the_readme_rehearse_line_is_the_tools_format() -> None:
    quoted = re.search(r"`(rehearse: \d+ resources, up ok,.*?)`", _prose(README), re.S)
    assert quoted is not None
    said = " ".join(quoted.group(1).split())
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", said)]
    resources, changes, refresh, per_repo, estimate, violations = numbers
    repositories = round(refresh / per_repo)
    outcome = Outcome(
        int(resources),
        True,
        int(changes),
        int(refresh),
        repositories,
        int(estimate),
        int(violations),
        0,
    )
    assert outcome.line == said
    # The same line, as the rehearsal page shows it, and the command both give.
    assert said in (ROOT / "docs" / "rehearsal.md").read_text(encoding="utf-8")
    command = "make rehearse MANIFEST=publishing.yaml SEED=examples/rehearse/github-state.json"
    assert command in README and (ROOT / "examples/rehearse/github-state.json").is_file()


def test_the_readme_links_resolve() -> None:
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    local = [x for x in links if "://" not in x]
    assert len(local) >= 20
    for link in local:
        assert (ROOT / link).is_file(), link
    # Every page of the site is reachable from the front page.
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md")}
    pages = {p for p in pages if not p.startswith("docs/samples/")}
    assert pages <= set(local), sorted(pages - set(local))


def test_the_rehearsal_manifest_the_docs_write_is_valid(tmp_path) -> None:
    for text in (README, GETTING_STARTED):
        (line,) = [x.strip() for x in text.splitlines() if x.strip().startswith("printf 'owner:")]
        subprocess.run(["sh", "-c", line.replace("<your-org>", "acme")], cwd=tmp_path, check=True)
        spec = parse((tmp_path / "rehearsal.yaml").read_text(encoding="utf-8"))
        assert [(r.name, r.adopt) for r in spec.repositories] == [("ghpublish-rehearsal", True)]


def test_the_make_variables_and_targets_the_readme_and_getting_started_name_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    spans = re.findall(r"`([^`]+)`", _prose(README) + _prose(GETTING_STARTED))
    spans += _blocks(README, "sh") + _blocks(GETTING_STARTED, "sh")
    named = {v for span in spans for v in re.findall(r"(?<![\w$])([A-Z][A-Z_]+)=", span)}
    assert {"MANIFEST", "OUT", "BASE", "VENV", "SEED"} <= named
    for variable in named - {"CI", "GHPUBLISH_TRACEBACK"}:  # the environment's
        assert re.search(rf"^{variable} \??=", makefile, re.M), variable
    targets = {t for span in spans for t in re.findall(r"\bmake ([a-z][a-z-]*)", span)}
    assert {"synth", "test", "rehearse", "engine", "docs", "help", "diff"} <= targets
    for target in targets:
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_the_first_run_covers_what_a_newcomer_could_not_find() -> None:
    real_use = GETTING_STARTED[GETTING_STARTED.index("## Real use") :]
    for needed in (
        "fork it",  # where the manifest lives
        "PULUMI_CONFIG_PASSPHRASE",  # the passphrase prompts
        "Replace the example's owner",
        "make rehearse",
        "Rehearse on one repository first",
        "The first `pulumi up`",
    ):
        assert needed in real_use, needed
    short = README[README.index("## The first real run") : README.index("## Documentation")]
    for needed in (
        "fork",
        "PULUMI_CONFIG_PASSPHRASE",
        "Replace the example's owner",
        "make rehearse",
    ):
        assert needed in short, needed
    assert "owner: Acme-Widgets" in (ROOT / "publishing.yaml").read_text(encoding="utf-8")
