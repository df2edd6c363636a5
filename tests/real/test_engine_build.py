"""The engine `make engine` builds works: a real `pulumi` runs Python programs with our plugins.

Everything stays on loopback: the GitHub provider's base URL is a stub HTTP server of the test.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from realengine import Engine, engine_or_skip

from tools import engine as engine_build
from tools import provider_contract

pytestmark = pytest.mark.engine

CONTRACT = json.loads((ROOT / "schema" / "provider-contract.json").read_text(encoding="utf-8"))
OWNER = "acme"
# The github resources ghpublish registers, and its provider.
USED = [
    "Repository",
    "RepositoryFile",
    "Branch",
    "BranchDefault",
    "RepositoryEnvironment",
    "RepositoryEnvironmentDeploymentPolicy",
    "RepositoryRuleset",
    "OrganizationRuleset",
    "ActionsRepositoryPermissions",
    "WorkflowRepositoryPermissions",
    "ActionsOrganizationPermissions",
    "ActionsOrganizationWorkflowPermissions",
    "RepositoryPullRequest",
]


def token(name: str) -> str:
    return f"github:index/{name[0].lower()}{name[1:]}:{name}"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return engine_or_skip()


@pytest.fixture(scope="module")
def mapping(engine: Engine) -> dict[str, Any]:
    return json.loads((engine.bin_dir.parent / "github-mapping.json").read_text(encoding="utf-8"))


class _GitHubStub(BaseHTTPRequestHandler):
    """GET /api/v3/orgs/<owner>: a minimal organization; everything else 404."""

    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(f"GET {self.path}")
        if self.path.split("?")[0] == f"/api/v3/orgs/{OWNER}":
            body = json.dumps(
                {"login": OWNER, "id": 1, "node_id": "O_1", "type": "Organization", "name": OWNER}
            ).encode()
            self.send_response(200)
        else:
            body = b'{"message": "Not Found"}'
            self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture()
def github_stub() -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []
    handler = type("Handler", (_GitHubStub,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        server.shutdown()
        server.server_close()


def project(tmp: Path, program: str) -> Path:
    """A Python project whose virtualenv is the one running the tests (pinned SDKs)."""
    directory = tmp / "project"
    directory.mkdir()
    (directory / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (directory / "Pulumi.yaml").write_text(
        "name: enginetest\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    (directory / "__main__.py").write_text(program)
    return directory


def ok(result: Any) -> str:
    assert result.returncode == 0, f"{result.args}:\n{result.stdout}\n{result.stderr}"
    return str(result.stdout)


def test_the_cli_is_v3_276_0(engine: Engine, tmp_path: Path) -> None:
    result = engine.run("version", cwd=tmp_path, env=engine.env(tmp_path))
    assert ok(result).strip() == f"v{engine_build.VERSIONS['pulumi']}"


@pytest.mark.parametrize("package", ["github", "docker-build"])
def test_the_providers_report_their_versions(engine: Engine, tmp_path: Path, package: str) -> None:
    binary = engine.bin_dir / f"pulumi-resource-{package}"
    env = engine.env(tmp_path)
    version = engine_build.VERSIONS[package]
    ok(
        engine.run(
            "plugin",
            "install",
            "resource",
            package,
            version,
            "--file",
            str(binary),
            cwd=tmp_path,
            env=env,
        )
    )
    plugins = json.loads(ok(engine.run("plugin", "ls", "--json", cwd=tmp_path, env=env)))
    assert [(p["name"], p["version"]) for p in plugins] == [(package, version)]
    schema = json.loads(ok(engine.run("package", "get-schema", str(binary), cwd=tmp_path, env=env)))
    assert (schema["name"], schema["version"]) == (package, version)


def test_the_github_mapping_matches_the_published_provider(mapping: dict[str, Any]) -> None:
    """Tokens, input names and flattened blocks as pulumi_github 6.15.0 sends them."""
    published = {k for k in CONTRACT["resources"] if k.startswith("github:")}
    ours = set(mapping["resources"]) | {"pulumi:providers:github"}
    assert sorted(published - ours) == []

    def compare(where: str, inputs: dict[str, Any], contract: dict[str, Any]) -> list[str]:
        problems = []
        if set(inputs) != set(contract):
            problems.append(
                f"{where}: ours only {sorted(set(inputs) - set(contract))}, "
                f"published only {sorted(set(contract) - set(inputs))}"
            )
        for name in sorted(set(inputs) & set(contract)):
            ours_p, theirs = inputs[name], contract[name]
            ref = theirs[1] if isinstance(theirs, list) else theirs
            if ref not in CONTRACT["types"] or "inputs" not in CONTRACT["types"][ref]:
                continue  # a primitive, a map or an enum
            flat = not isinstance(theirs, list)
            if ours_p.get("maxItemsOne", False) != flat:
                problems.append(f"{where}.{name} ({ours_p['tf']}): maxItemsOne should be {flat}")
            problems += compare(
                f"{where}.{name}", ours_p.get("inputs", {}), CONTRACT["types"][ref]["inputs"]
            )
        return problems

    problems = compare(
        "provider", mapping["config"], CONTRACT["resources"]["pulumi:providers:github"]["inputs"]
    )
    assert [token(name) for name in USED if token(name) not in mapping["resources"]] == []
    for tok in sorted(published - {"pulumi:providers:github"}):  # those ghpublish uses, and all
        problems += compare(
            tok.rsplit(":", 1)[-1],
            mapping["resources"][tok]["inputs"],
            CONTRACT["resources"][tok]["inputs"],
        )
    assert problems == [], "\n".join(problems)


def test_a_preview_registers_a_repository_with_the_real_provider(
    engine: Engine, tmp_path: Path, github_stub: tuple[str, list[str]]
) -> None:
    base_url, requests = github_stub
    directory = project(
        tmp_path,
        "import pulumi_github as github\n\n"
        'github.Repository("demo", name="demo", visibility="public", has_issues=True)\n',
    )
    env = engine.env(tmp_path, github_base_url=base_url)
    env.update(GITHUB_TOKEN="test-token", GITHUB_OWNER=OWNER)
    ok(engine.run("stack", "init", "test", cwd=directory, env=env))
    result = engine.run("preview", "--diff", cwd=directory, env=env)
    out = ok(result)
    assert "+ github:index/repository:Repository" in out, out
    assert "pulumi:providers:github" in out, out
    assert all(r.startswith("GET /api/v3/") for r in requests), requests


def test_up_runs_a_program_through_the_language_host(engine: Engine, tmp_path: Path) -> None:
    directory = project(tmp_path, 'import pulumi\n\npulumi.export("answer", 42)\n')
    env = engine.env(tmp_path)
    ok(engine.run("stack", "init", "test", cwd=directory, env=env))
    ok(engine.run("up", "--yes", cwd=directory, env=env))
    outputs = json.loads(ok(engine.run("stack", "output", "--json", cwd=directory, env=env)))
    assert outputs == {"answer": 42}


def test_a_policy_pack_runs_as_a_plugin_of_the_language_host(
    engine: Engine, tmp_path: Path
) -> None:
    directory = project(tmp_path, 'import pulumi\n\npulumi.export("answer", 42)\n')
    env = engine.env(tmp_path)
    ok(engine.run("stack", "init", "test", cwd=directory, env=env))
    out = ok(engine.run("preview", "--policy-pack", str(ROOT / "policy"), cwd=directory, env=env))
    assert "ghpublish@v0.1.0" in out, out


def test_the_component_package_schema_comes_from_components_main(
    engine: Engine, tmp_path: Path
) -> None:
    schema = json.loads(
        ok(engine.run("package", "get-schema", "./components", cwd=ROOT, env=engine.env(tmp_path)))
    )
    committed = json.loads((ROOT / "schema" / "package.schema.json").read_text(encoding="utf-8"))
    assert (schema["name"], schema["version"]) == (committed["name"], committed["version"])
    assert sorted(schema["resources"]) == sorted(committed["resources"])


def test_our_providers_schemas_derive_the_committed_contract(
    engine: Engine, tmp_path: Path
) -> None:
    """`make contract` over our providers' schemas gives schema/provider-contract.json exactly."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for package, version in provider_contract.PROVIDERS.items():
        binary = engine.bin_dir / f"pulumi-resource-{package}"
        out = ok(
            engine.run("package", "get-schema", str(binary), cwd=tmp_path, env=engine.env(tmp_path))
        )
        (schemas / f"{package}-{version}.schema.json").write_text(out, encoding="utf-8")
    assert provider_contract.derive(schemas) == CONTRACT
