"""The recording mock engine, as fixtures: run the real program on a manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The fuzzed-manifest generator (tests/manifest/test_fuzz.py) is shared with tests of other
# folders (the editor schema, the provider contract): importable whatever is collected first.
sys.path.insert(1, str(ROOT / "tests" / "manifest"))
# So are the real-engine helpers of tests/real/ (realengine.py: tests/tools/test_rehearse.py).
sys.path.insert(2, str(ROOT / "tests" / "real"))

from components import ManifestError, parse_manifest  # noqa: E402
from components._core._spec import OrgSpec  # noqa: E402
from tools.mock_engine import Registration, Run, run_program, shutdown  # noqa: E402

PROGRAM = ROOT / "__main__.py"
# The shared reference data (action pins, provider schemas): beside the project, in CI too.
SHARED = ROOT.parent / "shared" / "data"
EXAMPLE = ROOT / "publishing.yaml"
SENTINEL = "ghp_SENTINEL0do0not0leak0000000000000000"

RunManifest = Callable[..., Run]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutdown()


@pytest.fixture(autouse=True)
def _no_ambient_github_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program reads GITHUB_TOKEN as the provider does: none leaks in from the host (CI)."""
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)


@pytest.fixture
def run_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunManifest:
    """Run `__main__.py` under the recording mocks on manifest text (dedented)."""

    def run(
        text: str,
        *,
        token: str | None = None,
        preview: bool = False,
        config: dict[str, str] | None = None,
        **kw: object,
    ) -> Run:
        (tmp_path / "publishing.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        config = {"ghpublish:manifest": "publishing.yaml", **(config or {})}
        secret_keys = []
        if token is not None:
            config["github:token"] = token
            secret_keys.append("github:token")
        return run_program(PROGRAM, config, secret_keys, preview=preview, **kw)  # type: ignore[arg-type]

    return run


@pytest.fixture
def example_run(monkeypatch: pytest.MonkeyPatch) -> Run:
    """The example manifest, as the stack would run it."""
    monkeypatch.chdir(ROOT)
    return run_program(
        PROGRAM,
        {"ghpublish:manifest": "publishing.yaml", "github:token": SENTINEL},
        ["github:token"],
    )


def parse(text: str) -> OrgSpec:
    """The manifest text (dedented) as the spec, named `publishing.yaml` in messages."""
    return parse_manifest(textwrap.dedent(text), "publishing.yaml")


def errors(text: str) -> list[str]:
    """Every problem an invalid manifest text is refused with, as printed."""
    with pytest.raises(ManifestError) as info:
        parse(text)
    return [str(issue) for issue in info.value.issues]


def registration(type_: str, *, custom: bool = False) -> Registration:
    """A bare registration of ``type_`` (no inputs, no options), as the engine records one."""
    return Registration(
        urn=f"urn:{type_}",
        type=type_,
        name="n",
        parent="",
        custom=custom,
        inputs={},
        protect=False,
        retain_on_delete=False,
        import_id="",
        depends_on=(),
        provider="",
        request=b"",
    )


def one(run: Run, type_: str, name: str) -> Registration:
    """The one registration of ``type_`` named ``name``."""
    found = [r for r in run.registrations if r.type == type_ and r.name == name]
    names = [r.name for r in run.registrations]
    assert len(found) == 1, f"{len(found)} {type_} named {name}: {names}"
    return found[0]


def synth(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """`python -m tools.synth` in a separate process, as `make synth` runs it."""
    return subprocess.run(
        [sys.executable, "-m", "tools.synth", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def load_plan(out: Path) -> dict[str, object]:
    return json.loads((out / "plan.json").read_text(encoding="utf-8"))


def shared_or_skip() -> Path:
    """``../shared/data``; a test that reads it skips without it, and fails under CI=true."""
    if not SHARED.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is missing: CI runs with shared/ beside the project")
        pytest.skip(f"{SHARED} is not beside the project")
    return SHARED


def lint_texts(tmp_path: Path, filename: str, texts: list[str]) -> list[str]:
    """zizmor and the workflow schema over workflow texts, each in a repository of its own."""
    from tools.synth import lint

    paths = []
    for index, text in enumerate(texts):
        path = tmp_path / f"r{index}/.github/workflows/{filename}"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return lint(paths)
