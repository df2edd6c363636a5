"""tools/engine.py's keys and cache without Go: a fake `go` on PATH over a fake engine/.

Each piece (the CLI, github, docker-build, the language host) has a key of its own, and an
edit rebuilds its piece only; a build (--force too) is published by an atomic rename, so
``locate()`` keeps giving the complete build while another is made; a build from before
per-piece keys is adopted piece by piece when its inputs match.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from components._core._spec import PULUMI_CLI
from tools import engine

# `go`: version and env answer fixed values; `build -o OUT` writes OUT (a script that writes
# a schema, or prints a mapping) and logs the module it built in; `list -m` names a module
# directory under $FAKE_GO_MODS.
FAKE_GO = r"""#!/bin/sh
case "$1" in
version) echo "go version go0.0 fake/amd64" ;;
env) printf 'linux\namd64\n' ;;
mod) ;;
list)
  case "$*" in
  *-json*) printf '{"Dir": "%s/sdk"}\n' "$FAKE_GO_MODS" ;;
  *) echo "$FAKE_GO_MODS/provider" ;;
  esac ;;
build)
  while [ "$1" != "-o" ]; do shift; done
  printf '#!/bin/sh\n[ "$1" = -schema ] && mkdir -p "${2%%/*}" && echo {} > "$2"\necho {}\n' > "$2"
  chmod +x "$2"
  echo "$(basename "$PWD")" >> "$FAKE_GO_LOG" ;;
esac
"""


@pytest.fixture()
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake engine/ tree, a fake `go` first on PATH, the cache under tmp_path."""
    tree = tmp_path / "engine"
    for name, text in {
        "cli/go.mod": "module cli\n",
        "cli/go.sum": "",
        "cli/tools.go": "package tools\n",
        "github/go.mod": "module github\n",
        "github/provider/provider.go": "package provider\n",
        "docker-build/go.mod": "module docker\n",
        "language-python/language_host.py": "print('host')\n",
        "README.md": "notes\n",
    }.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)
    mods = tmp_path / "mods"
    (mods / "sdk" / "python" / "cmd").mkdir(parents=True)
    (mods / "sdk" / "python" / "cmd" / "pulumi-language-python-exec").write_text("exec\n")
    (mods / "provider" / "internal" / "ghclient").mkdir(parents=True)
    (mods / "provider" / "internal" / "ghclient" / "throttle.go").write_text("upstream\n")
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(go.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GO_MODS", str(mods))
    monkeypatch.setenv("FAKE_GO_LOG", str(tmp_path / "go.log"))
    monkeypatch.setenv(engine.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(engine, "ENGINE", tree)
    return tmp_path


def builds(tmp: Path) -> list[str]:
    """The modules `go build` ran in since the last call."""
    log = tmp / "go.log"
    built = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return built


def test_each_piece_has_its_own_key(fake: Path) -> None:
    before = engine.piece_keys()
    assert before is not None and set(before) == set(engine.PIECES)
    combined = engine.key()
    (fake / "engine" / "language-python" / "language_host.py").write_text("print('new')\n")
    after = engine.piece_keys()
    assert after is not None
    assert [p for p in engine.PIECES if before[p] != after[p]] == ["language-python"]
    assert engine.key() != combined
    # The executor script comes from the sdk module engine/cli requires.
    (fake / "engine" / "cli" / "go.sum").write_text("sdk v3\n")
    again = engine.piece_keys()
    assert again is not None
    assert [p for p in engine.PIECES if after[p] != again[p]] == ["cli", "language-python"]
    (fake / "engine" / "README.md").write_text("other notes\n")  # notes are no input
    assert engine.piece_keys() == again


def test_no_go_no_key(fake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(fake / "nothing"))
    assert engine.key() is None and engine.locate() is None


def test_an_edit_rebuilds_its_piece_only(fake: Path) -> None:
    assert engine.locate() is None
    first = engine.build()
    assert engine.locate() == first
    assert sorted(builds(fake)) == ["cli", "docker-build", "github", "github"]  # gen, provider
    assert sorted(p.name for p in first.iterdir()) == sorted([engine.MARKER, *engine.BINARIES])
    assert (first.parent / "github-mapping.json").is_file()
    launcher = (first / "pulumi-language-python").read_text()
    assert sys.executable in launcher and str(first.parent / "lib" / "language_host.py") in launcher

    (fake / "engine" / "language-python" / "language_host.py").write_text("print('new')\n")
    assert engine.locate() is None
    second = engine.build()
    assert builds(fake) == []  # no Go piece rebuilt
    assert engine.locate() == second != first
    assert (second.parent / "lib" / "language_host.py").read_text() == "print('new')\n"
    assert (second / "pulumi").samefile(first / "pulumi")  # the same piece, linked

    assert engine.build() == second and builds(fake) == []  # up to date


def test_a_forced_build_never_takes_the_engine_away(
    fake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = engine.build()
    builds(fake)
    seen: list[Path | None] = []
    real = engine._link_tree

    def watching(*args: object, **kwargs: object) -> None:
        seen.append(engine.locate())
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_link_tree", watching)
    label, builder = engine._BUILDERS["cli"]

    def cli_watching(src: Path, out: Path) -> None:
        seen.append(engine.locate())
        builder(src, out)

    monkeypatch.setitem(engine._BUILDERS, "cli", (label, cli_watching))
    assert engine.build(force=True) == bin_dir
    assert seen and all(found == bin_dir for found in seen)
    assert sorted(builds(fake)) == ["cli", "docker-build", "github", "github"]
    assert engine.locate() == bin_dir and (bin_dir / engine.MARKER).is_file()
    # The replaced builds are gone: one published build per key.
    published = {p.resolve() for p in engine.cache_root().glob("**/*") if p.is_symlink()}
    assert sorted(p.name for p in (engine.cache_root() / ".builds").iterdir()) == sorted(
        p.name for p in published
    )


def test_a_failed_piece_leaves_nothing_behind(fake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(src: Path, out: Path) -> None:
        raise engine.EngineError("go build failed")

    monkeypatch.setitem(engine._BUILDERS, "docker-build", ("docker-build", failing))
    with pytest.raises(engine.EngineError):
        engine.build()
    assert engine.locate() is None
    leftovers = [p.name for p in (engine.cache_root() / ".builds").iterdir()]
    assert not any(name.startswith("docker-build-") for name in leftovers)


def test_a_build_from_before_piece_keys_is_adopted(fake: Path) -> None:
    """A complete <legacy key>/ (bin/, src/ the copy of engine/) gives its Go pieces."""
    keys = engine.piece_keys()
    assert keys is not None
    legacy = engine.cache_root() / "legacy"
    src = legacy / "src"
    for entry in ("cli", "github", "docker-build", "language-python"):
        engine.shutil.copytree(fake / "engine" / entry, src / entry)
    (legacy / "bin").mkdir(parents=True)
    for name in ("pulumi", "pulumi-resource-github", "pulumi-resource-docker-build"):
        (legacy / "bin" / name).write_text(f"old {name}\n")
    (legacy / "github-schema.json").write_text("{}\n")
    (legacy / "github-mapping.json").write_text("{}\n")
    (legacy / "bin" / engine.MARKER).write_text("legacy\n")
    name = engine._legacy_key(src, engine._toolchain())
    legacy = legacy.rename(legacy.with_name(name))

    # The github module changed since: that piece only is built.
    (fake / "engine" / "github" / "provider" / "provider.go").write_text("package changed\n")
    bin_dir = engine.build()
    assert sorted(builds(fake)) == ["github", "github"]
    assert (bin_dir / "pulumi").read_text() == "old pulumi\n"
    assert (bin_dir / "pulumi-resource-docker-build").samefile(
        legacy / "bin" / "pulumi-resource-docker-build"
    )
    assert (bin_dir / "pulumi-resource-github").read_text() != "old pulumi-resource-github\n"


def test_the_pipeline_pins_the_cli_the_engine_tests_run() -> None:
    """The generated pipeline installs the CLI version the engine tests build and run."""
    assert engine.VERSIONS["pulumi"] == PULUMI_CLI
