"""The README's first-run instructions work as written."""

from __future__ import annotations

import re
import subprocess

from conftest import ROOT, parse

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_rehearsal_manifest_the_readme_writes_is_valid(tmp_path) -> None:
    (line,) = [x for x in README.splitlines() if x.startswith("printf 'owner: <your-org>")]
    subprocess.run(["sh", "-c", line.replace("<your-org>", "acme")], cwd=tmp_path, check=True)
    spec = parse((tmp_path / "rehearsal.yaml").read_text(encoding="utf-8"))
    assert [(r.name, r.adopt) for r in spec.repositories] == [("ghpublish-rehearsal", True)]


def test_the_make_variables_the_readme_names_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```", "", README, flags=re.S | re.M)
    spans = re.findall(r"`([^`]+)`", prose)  # code spans, across line breaks too
    named = {v for span in spans for v in re.findall(r"(?<![\w$])([A-Z][A-Z_]+)=", span)}
    assert {"MANIFEST", "OUT", "BASE", "VENV"} <= named
    for variable in named - {"CI", "GHPUBLISH_TRACEBACK"}:  # the environment's
        assert re.search(rf"^{variable} \??=", makefile, re.M), variable


def test_the_first_run_covers_what_a_newcomer_could_not_find() -> None:
    real_use = README[README.index("## Real use") : README.index("## The manifest\n")]
    for needed in (
        "fork it",  # where the manifest lives
        "PULUMI_CONFIG_PASSPHRASE",  # the passphrase prompts
        "Replace the example's owner",
        "Rehearse on one repository first",
        "The first `pulumi up`",
    ):
        assert needed in real_use, needed
    assert "owner: Acme-Widgets" in (ROOT / "publishing.yaml").read_text(encoding="utf-8")
