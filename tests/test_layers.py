"""The layers import one way: core, ecosystems, registry, manifest, components, tools.

Every module under components/, tools/ and policy/ is parsed with `ast`; every import in
it (at the top, inside a function, under `if TYPE_CHECKING:`) is mapped to its layer:

    0 core        components._core.*             imports nothing of ghpublish above it
    1 ecosystem   components._ecosystems.<name>  core and its own folder only (no other
                                                 ecosystem)
    2 registry    components._registry           the ecosystems, core
    3 manifest    components._manifest.*         the registry and below
    4 components  components, components.<mod>   the manifest and below (among them
                                                 components._registry_credentials, the
                                                 registry-credential reader: it reads the
                                                 manifest's registry host rule; not the
                                                 registry, whose name it shares a prefix with)
    5 tools       tools.*, policy.*              anything

A module may import its own layer or a lower one, never a higher one; the run-time import
graph (imports under `if TYPE_CHECKING:` aside, imports inside functions included) has no
cycle. Then each layer's modules are imported first, in a fresh interpreter whose
`components` package does not run its `__init__` (so no import order can hide a
partially initialized module).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import ROOT

LAYERS = ("core", "ecosystem", "registry", "manifest", "components", "tools")


def _modules() -> dict[str, Path]:
    out = {}
    for top in ("components", "tools", "policy"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def layer(module: str) -> tuple[int, str]:
    """The layer of a module, and its ecosystem's name (else '')."""
    parts = module.split(".")
    if parts[0] in ("tools", "policy"):
        return LAYERS.index("tools"), ""
    second = parts[1] if len(parts) > 1 else ""
    if second == "_core":
        return LAYERS.index("core"), ""
    if second == "_ecosystems":
        return LAYERS.index("ecosystem"), parts[2] if len(parts) > 2 else ""
    if second == "_registry":  # exactly: components._registry_credentials is a component
        return LAYERS.index("registry"), ""
    if second == "_manifest":
        return LAYERS.index("manifest"), ""
    return LAYERS.index("components"), ""


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(module: str) -> list[tuple[str, int, bool]]:
    """Every ghpublish module ``module`` imports: (target, line, only when type checking)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            typing_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # `from package import submodule` imports the submodule.
            targets = [
                f"{source}.{a.name}" if f"{source}.{a.name}" in MODULES else source
                for a in node.names
            ]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target:
                found.append((target, node.lineno, id(node) in typing_only))
    return found


def test_every_import_goes_down_or_sideways() -> None:
    upward = []
    for module in MODULES:
        rank, ecosystem = layer(module)
        for target, line, _ in imports(module):
            their_rank, their_ecosystem = layer(target)
            where = f"{MODULES[module].relative_to(ROOT)}:{line}: {module} -> {target}"
            if their_rank > rank:
                upward.append(f"{where} ({LAYERS[rank]} imports {LAYERS[their_rank]})")
            elif rank == their_rank == 1 and ecosystem and their_ecosystem != ecosystem:
                upward.append(f"{where} (an ecosystem imports another ecosystem)")
    assert upward == []


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module in MODULES:
        for target, _, typing_only in imports(module):
            if not typing_only and target != module:
                graph[module].add(target)
    # Tarjan's strongly connected components: a component of two or more is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                cycles.append(sorted(members))

    for module in sorted(MODULES):
        if module not in index:
            visit(module)
    assert cycles == []


# The lowest module of each layer, and every ecosystem: imported first, alone.
FIRST = sorted(
    m
    for m in MODULES
    if m.startswith("components.")
    and (
        m.count(".") == 1
        or (m.count(".") == 2 and m.startswith("components._ecosystems."))
        or m in ("components._core._spec", "components._core._component")
    )
)


def test_each_layer_imports_first_in_a_fresh_interpreter() -> None:
    code = (
        "import importlib, sys, types\n"
        "root = sys.argv[1]\n"
        "sys.path.insert(0, root)\n"
        # `components` without its __init__: no import order of the package decides.
        "pkg = types.ModuleType('components')\n"
        "pkg.__path__ = [root + '/components']\n"
        "sys.modules['components'] = pkg\n"
        "importlib.import_module(sys.argv[2])\n"
    )
    failed = {}
    for module in FIRST:
        result = subprocess.run(
            [sys.executable, "-c", code, str(ROOT), module],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            failed[module] = result.stderr.strip().splitlines()[-1]
    assert failed == {}


def test_the_registry_credential_reader_is_a_component_not_the_registry() -> None:
    assert layer("components._registry") == (LAYERS.index("registry"), "")
    assert layer("components._registry_credentials") == (LAYERS.index("components"), "")
    # It reads the manifest's registry host rule, so it sits above the manifest.
    targets = {target for target, _, _ in imports("components._registry_credentials")}
    assert "components._manifest" in targets


@pytest.mark.parametrize("module", ["components._ecosystems.npm", "components._registry"])
def test_the_package_imports_after_any_layer(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}; import components"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
