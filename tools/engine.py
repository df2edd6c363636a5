"""`make engine`: build the real Pulumi engine pieces from Go modules, cached outside the checkout.

Into ``${GHPUBLISH_ENGINE_CACHE:-~/.cache/ghpublish/engine}/<key>/bin``:

* ``pulumi``: the Pulumi CLI v3.276.0 (engine/cli, a wrapper module over pkg/v3);
* ``pulumi-resource-github``: ghpublish's own bridge of terraform-provider-github v6.13.0,
  answering as the Pulumi package github 6.15.0 (engine/github), with the schema generated
  from its own ProviderInfo embedded;
* ``pulumi-resource-docker-build``: pulumi-docker-build v0.0.22 (engine/docker-build);
* ``pulumi-language-python``: a small stand-in for Pulumi's Python language host
  (engine/language-python/language_host.py, run by this interpreter);
* ``pulumi-language-python-exec``: the real executor script, from the sdk/v3 Go module.

``<key>`` is a digest of engine/ (less its notes, *.md), ``go version``, GOOS/GOARCH and this
interpreter, so an edit of engine/ builds anew and an unchanged tree is not built twice
(``bin/.complete`` is written last). ``locate()`` gives the bin directory of a complete
build, or None.
"""

from __future__ import annotations

__all__ = ["BINARIES", "VERSIONS", "EngineError", "build", "cache_root", "key", "locate", "main"]

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
CACHE_ENV = "GHPUBLISH_ENGINE_CACHE"
MARKER = ".complete"
VERSIONS = {"pulumi": "3.276.0", "github": "6.15.0", "docker-build": "0.0.22"}
BINARIES = (
    "pulumi",
    "pulumi-language-python",
    "pulumi-language-python-exec",
    "pulumi-resource-github",
    "pulumi-resource-docker-build",
)
# Small, static, no cgo: the release builds' flags less debug information.
_GO_ENV = {"CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
_LDFLAGS = "-s -w"


class EngineError(Exception):
    """A build step failed."""


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "ghpublish" / "engine"


def _go(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        ["go", *args],
        cwd=cwd,
        env={**os.environ, **_GO_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise EngineError(f"go {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout


def _inputs() -> list[Path]:
    return sorted(
        p
        for p in ENGINE.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.name != "schema.json"
        and p.suffix != ".md"  # notes, not build inputs
    )


def key() -> str | None:
    """The cache key of this checkout's engine/, or None without a Go toolchain."""
    if shutil.which("go") is None:
        return None
    digest = hashlib.sha256()
    for path in _inputs():
        digest.update(path.relative_to(ENGINE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(_go("version").encode())
    digest.update(_go("env", "GOOS", "GOARCH").encode())
    digest.update(sys.executable.encode())
    return digest.hexdigest()[:24]


def locate() -> Path | None:
    """The bin directory of a complete build for this checkout, or None."""
    k = key()
    if k is None:
        return None
    bin_dir = cache_root() / k / "bin"
    return bin_dir if (bin_dir / MARKER).is_file() else None


def _step(label: str, timings: dict[str, float], fn: object, *args: object) -> None:
    start = time.monotonic()
    print(f"engine: {label} ...", flush=True)
    fn(*args)  # type: ignore[operator]
    timings[label] = time.monotonic() - start
    print(f"engine: {label}: {timings[label]:.1f}s", flush=True)


def _go_build(module: Path, out: Path, package: str, ldflags: str = "", tags: str = "") -> None:
    args = ["build", "-trimpath", "-o", str(out), f"-ldflags={_LDFLAGS} {ldflags}".strip()]
    if tags:
        args.append(f"-tags={tags}")
    _go(*args, package, cwd=module)


def _build_github(src: Path, tools: Path, bin_dir: Path, out_dir: Path) -> None:
    module = src / "github"
    version = f"-X ghpublish.local/engine/github/provider.Version={VERSIONS['github']}"
    gen = tools / "ghpublish-github-gen"
    _go_build(module, gen, "./cmd/ghpublish-github-gen", version)
    schema = module / "cmd" / "pulumi-resource-github" / "schema.json"
    # Run in the module: the bridge finds the upstream docs (descriptions) with `go mod download`
    # in ./provider, a package of this module.
    run = subprocess.run(
        [str(gen), "-schema", str(schema)], cwd=module, capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        raise EngineError(f"generating the github schema failed:\n{run.stderr[-4000:]}")
    shutil.copyfile(schema, out_dir / "github-schema.json")
    dump = subprocess.run([str(gen), "-dump-mapping"], capture_output=True, text=True, check=True)
    (out_dir / "github-mapping.json").write_text(dump.stdout)
    _go_build(module, bin_dir / "pulumi-resource-github", "./cmd/pulumi-resource-github", version)


def _install_python_host(src: Path, bin_dir: Path, lib: Path) -> None:
    sdk = json.loads(_go("list", "-m", "-json", "github.com/pulumi/pulumi/sdk/v3", cwd=src / "cli"))
    exec_script = Path(sdk["Dir"]) / "python" / "cmd" / "pulumi-language-python-exec"
    target = bin_dir / "pulumi-language-python-exec"
    shutil.copyfile(exec_script, target)
    target.chmod(0o755)
    host = lib / "language_host.py"
    shutil.copyfile(src / "language-python" / "language_host.py", host)
    launcher = bin_dir / "pulumi-language-python"
    launcher.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{host}' \"$@\"\n")
    launcher.chmod(0o755)


def build(force: bool = False) -> Path:
    """Build (or find) the engine; the bin directory."""
    k = key()
    if k is None:
        raise EngineError("make engine needs a Go toolchain (go on PATH)")
    out_dir = cache_root() / k
    bin_dir = out_dir / "bin"
    if not force and (bin_dir / MARKER).is_file():
        print(f"engine: up to date: {bin_dir}")
        return bin_dir
    start = time.monotonic()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    src, tools, lib = out_dir / "src", out_dir / "tools", out_dir / "lib"
    shutil.copytree(
        ENGINE, src, ignore=shutil.ignore_patterns("__pycache__", "schema.json", "*.md")
    )
    for d in (bin_dir, tools, lib):
        d.mkdir(parents=True)
    timings: dict[str, float] = {}
    pulumi_version = (
        f"-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v{VERSIONS['pulumi']}"
    )
    _step(
        f"pulumi CLI v{VERSIONS['pulumi']}",
        timings,
        _go_build,
        src / "cli",
        bin_dir / "pulumi",
        "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
        pulumi_version,
        "osusergo,grpcnotrace",
    )
    _step(
        f"github provider {VERSIONS['github']}",
        timings,
        _build_github,
        src,
        tools,
        bin_dir,
        out_dir,
    )
    _step(
        f"docker-build provider {VERSIONS['docker-build']}",
        timings,
        _go_build,
        src / "docker-build",
        bin_dir / "pulumi-resource-docker-build",
        "github.com/pulumi/pulumi-docker-build/provider/cmd/pulumi-resource-docker-build",
        f"-X github.com/pulumi/pulumi-docker-build/provider.Version={VERSIONS['docker-build']}",
    )
    _step("python language host (stand-in)", timings, _install_python_host, src, bin_dir, lib)
    missing = [name for name in BINARIES if not (bin_dir / name).is_file()]
    if missing:
        raise EngineError(f"build finished without {', '.join(missing)}")
    total = time.monotonic() - start
    (out_dir / "timings.json").write_text(json.dumps({**timings, "total": total}, indent=1) + "\n")
    (bin_dir / MARKER).write_text(k + "\n")
    print(f"engine: built in {total:.1f}s: {bin_dir}")
    return bin_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.engine", description=__doc__)
    parser.add_argument("command", choices=["build", "locate"], nargs="?", default="build")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    try:
        if args.command == "locate":
            found = locate()
            if found is None:
                print("engine: not built (make engine)", file=sys.stderr)
                return 1
            print(found)
            return 0
        build(force=args.force)
    except EngineError as exc:
        print(f"engine: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
