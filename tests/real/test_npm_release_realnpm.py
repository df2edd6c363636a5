"""The generated npm release workflow, run with the real npm client against a real registry.

Each test renders the workflow from a manifest, runs its jobs with tests/workflow_runner.py
(checkout = a fixture package, setup-node as v7.0.0 does it, every `run:` step in bash) and
asserts what reached the registry (Verdaccio, tests/real/realnpm.py). Package names carry a
random suffix: the registry lives for the whole session (and across sessions locally).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import parse
from realnpm import NpmRegistry, registry_or_skip
from workflow_runner import Event, RunResult, WorkflowRunner, pull_request_event, release_event

from components._core._spec import RELEASE_ENVIRONMENT, RepositorySpec
from components._core._workflow import render
from components._ecosystems.npm import npm_release

pytestmark = pytest.mark.npm

OWNER = "Acme-Widgets"
SCOPE = "@acme-widgets"


@pytest.fixture(scope="session")
def registry() -> NpmRegistry:
    return registry_or_skip()


def repository_spec(repo: str, npm: str = "{}", keys: str = "") -> RepositorySpec:
    """The resolved spec of `repo` with its npm block and other keys (YAML flow text)."""
    spec = parse(
        f"""
        owner: {OWNER}
        repositories:
          - {{name: {repo}, npm: {npm}{keys}}}
        """
    )
    (repository,) = spec.repositories
    return repository


class Packages:
    """Fixture packages of the owner, each with a unique name, in `root`."""

    def __init__(self, registry: NpmRegistry, root: Path) -> None:
        self.registry = registry
        self.root = root
        self.suffix = uuid.uuid4().hex[:8]

    def repo(self, base: str) -> str:
        return f"{base}-{self.suffix}"

    def name(self, base: str) -> str:
        return f"{SCOPE}/{self.repo(base)}"

    def write(
        self,
        base: str,
        version: str,
        *,
        repository: Any = None,
        dependencies: Mapping[str, str] | None = None,
        test: str = "node test.js",
        index: str = "module.exports = () => 'ok';\n",
        test_js: str = "require('assert').strictEqual(require('./')(), 'ok');\n",
    ) -> Path:
        """A package directory as its repository holds it (with a lockfile when it has
        dependencies, made by `npm install --package-lock-only` as a developer would)."""
        directory = self.root / f"{base}-{version}"
        directory.mkdir(parents=True)
        package = {
            "name": self.name(base),
            "version": version,
            "repository": repository
            if repository is not None
            else f"github:{OWNER}/{self.repo(base)}",
            "main": "index.js",
            "scripts": {"test": test},
            "dependencies": dict(dependencies or {}),
        }
        (directory / "package.json").write_text(json.dumps(package, indent=2) + "\n")
        (directory / "index.js").write_text(index)
        (directory / "test.js").write_text(test_js)
        proc = self.registry.npm(
            "install",
            "--package-lock-only",
            "--ignore-scripts",
            cwd=directory,
            scope=SCOPE,
            token=self.registry.tokens["read"],
            home=self.root / "developer",
        )
        assert proc.returncode == 0, proc.stderr
        return directory

    def publish(self, directory: Path) -> None:
        """Publish as a release engineer would have (an earlier release of another repo)."""
        proc = self.registry.npm(
            "publish",
            cwd=directory,
            scope=SCOPE,
            token=self.registry.tokens["write"],
            home=self.root / "developer",
        )
        assert proc.returncode == 0, proc.stderr

    def release(
        self,
        base: str,
        checkout: Path,
        event: Event,
        *,
        npm: str = "{}",
        keys: str = "",
        github_token: str | None = None,
    ) -> RunResult:
        """Run the workflow ghpublish generates for the repository `base` on `event`."""
        repo = self.repo(base)
        spec = repository_spec(repo, npm, keys)
        runner = WorkflowRunner(
            render(npm_release(spec, "publishing.yaml")),
            repository=f"{OWNER}/{repo}",
            checkout=checkout,
            registry=self.registry.url,
            tokens=self.registry.tokens,
            workdir=self.root / f"run-{uuid.uuid4().hex[:6]}",
            github_token=github_token,
            # The environment's deployment policy RepositoryStandards creates.
            environments={RELEASE_ENVIRONMENT: spec.release_tag_pattern},
        )
        return runner.run(event)


@pytest.fixture
def packages(registry: NpmRegistry, tmp_path: Path) -> Packages:
    return Packages(registry, tmp_path / "packages")


def test_the_registry_has_no_uplink_and_grants_what_github_token_would(
    registry: NpmRegistry,
) -> None:
    # Nothing is ever proxied to the public registry: a public package is simply not there.
    assert registry.get("lodash", registry.tokens["read"])[0] == 404
    # No token, or a token without `packages`, reads nothing.
    assert registry.get("@acme-widgets%2fanything")[0] == 401
    assert registry.get("@acme-widgets%2fanything", registry.tokens["none"])[0] == 403
    assert registry.get("@acme-widgets%2fanything", "not-a-token")[0] in {401, 403}


def test_a_release_publishes_with_the_real_npm_client(
    registry: NpmRegistry, packages: Packages, tmp_path: Path
) -> None:
    checkout = packages.write("widgets", "1.0.0")
    result = packages.release("widgets", checkout, release_event("v1.0.0"))
    assert result["test"].status == "success", result["test"].output
    assert result["publish"].status == "success", result["publish"].output
    assert registry.dist_tags(packages.name("widgets")) == {"latest": "1.0.0"}


def test_a_package_depending_on_a_private_package_of_the_owner_installs_tests_and_publishes(
    registry: NpmRegistry, packages: Packages
) -> None:
    core = packages.write("core", "1.4.0", index="module.exports = () => 'core';\n")
    packages.publish(core)  # an earlier release of the owner's other repository
    dependency = packages.name("core")
    checkout = packages.write(
        "widgets",
        "2.0.0",
        dependencies={dependency: "^1.4.0"},
        index=f"module.exports = () => require('{dependency}')() + '+widgets';\n",
        test_js="require('assert').strictEqual(require('./')(), 'core+widgets');\n",
    )
    result = packages.release("widgets", checkout, release_event("v2.0.0"))
    for job in ("test", "publish"):
        assert result[job].status == "success", result[job].output
        assert "added 1 package" in result[job].step("Install dependencies").output
    assert result["test"].step("Test").status == "success"
    published = registry.packument(packages.name("widgets"))
    assert published is not None and published["dist-tags"] == {"latest": "2.0.0"}
    assert published["versions"]["2.0.0"]["dependencies"] == {dependency: "^1.4.0"}


def test_a_prerelease_publishes_under_its_dist_tag_and_latest_stays(
    registry: NpmRegistry, packages: Packages
) -> None:
    packages.publish(packages.write("widgets", "1.0.0"))  # the last release: latest
    candidate = packages.write("widgets", "1.1.0-rc.1")
    result = packages.release("widgets", candidate, release_event("v1.1.0-rc.1", prerelease=True))
    assert result["publish"].status == "success", result["publish"].output
    assert "with tag next" in result["publish"].step("Publish").output
    name = packages.name("widgets")
    assert registry.dist_tags(name) == {"latest": "1.0.0", "next": "1.1.0-rc.1"}
    # The manifest's own prerelease dist-tag.
    beta = packages.write("widgets", "1.1.0-rc.2")
    result = packages.release(
        "widgets",
        beta,
        release_event("v1.1.0-rc.2", prerelease=True),
        npm="{prerelease_tag: beta}",
    )
    assert result["publish"].status == "success", result["publish"].output
    assert registry.dist_tags(name) == {
        "latest": "1.0.0",
        "next": "1.1.0-rc.1",
        "beta": "1.1.0-rc.2",
    }


def test_a_tag_that_is_not_the_package_version_fails_before_anything_is_published(
    registry: NpmRegistry, packages: Packages
) -> None:
    checkout = packages.write("widgets", "1.0.0")
    result = packages.release("widgets", checkout, release_event("v1.0.1"))
    assert result["test"].status == "success"
    assert result["publish"].step("Check the release tag against the package version").status == (
        "failure"
    )
    assert [s.status for s in result["publish"].steps[-2:]] == ["skipped", "skipped"]
    assert result["publish"].errors == [
        "the release tag 'v1.0.1' is version '1.0.1' but package.json's version is '1.0.0';"
        " nothing is published: release the tag 'v1.0.0' or set the version in package.json"
    ]
    assert registry.packument(packages.name("widgets")) is None


def test_a_release_tag_pattern_names_the_version_after_its_start(
    registry: NpmRegistry, packages: Packages
) -> None:
    repo = packages.repo("widgets")
    checkout = packages.write("widgets", "3.1.0")
    result = packages.release(
        "widgets",
        checkout,
        release_event(f"{repo}@3.1.0"),
        keys=f", release_tag_pattern: '{repo}@*'",
    )
    assert result["publish"].status == "success", result["publish"].output
    assert registry.dist_tags(packages.name("widgets")) == {"latest": "3.1.0"}


def test_a_release_tag_outside_the_pattern_is_refused_by_the_environment(
    registry: NpmRegistry, packages: Packages
) -> None:
    checkout = packages.write("widgets", "1.0.0")
    result = packages.release("widgets", checkout, release_event("1.0.0"))  # pattern v*
    assert result["test"].status == "success"
    assert result["publish"].status == "failure"
    assert result["publish"].output.endswith(
        'Tag "1.0.0" is not allowed to deploy to release due to environment protection rules.'
    )
    assert registry.packument(packages.name("widgets")) is None
    # The same tag under the pattern `*` (no `v`) publishes.
    result = packages.release(
        "widgets", checkout, release_event("1.0.0"), keys=", release_tag_pattern: '*'"
    )
    assert result["publish"].status == "success", result["publish"].output
    assert registry.dist_tags(packages.name("widgets")) == {"latest": "1.0.0"}


def test_a_pull_request_runs_the_tests_and_publishes_nothing(
    registry: NpmRegistry, packages: Packages, tmp_path: Path
) -> None:
    checkout = packages.write("widgets", "1.0.0")
    result = packages.release("widgets", checkout, pull_request_event())
    assert result["test"].status == "success", result["test"].output
    assert result["test"].step("Test").status == "success"
    assert result["publish"].status == "skipped"
    assert registry.packument(packages.name("widgets")) is None


def test_a_failing_test_publishes_nothing(
    registry: NpmRegistry, packages: Packages, tmp_path: Path
) -> None:
    checkout = packages.write("widgets", "1.0.0", test_js="process.exit(3);\n")
    result = packages.release("widgets", checkout, release_event("v1.0.0"))
    assert result["test"].step("Test").status == "failure"
    assert result["publish"].status == "skipped"
    assert registry.packument(packages.name("widgets")) is None


def test_a_wrong_token_fails_and_publishes_nothing(
    registry: NpmRegistry, packages: Packages, tmp_path: Path
) -> None:
    checkout = packages.write("widgets", "1.0.0")
    result = packages.release(
        "widgets", checkout, release_event("v1.0.0"), github_token="ghs_" + "0" * 36
    )
    assert result["publish"].status == "failure"
    publish = result["publish"].step("Publish")
    assert publish.status == "failure"
    assert "E401" in publish.output or "401 Unauthorized" in publish.output, publish.output
    assert registry.packument(packages.name("widgets")) is None


def test_a_wrong_token_cannot_install_the_owners_private_dependency(
    registry: NpmRegistry, packages: Packages
) -> None:
    packages.publish(packages.write("core", "1.0.0"))
    checkout = packages.write("widgets", "1.0.0", dependencies={packages.name("core"): "1.0.0"})
    result = packages.release(
        "widgets", checkout, release_event("v1.0.0"), github_token="ghs_" + "0" * 36
    )
    install = result["test"].step("Install dependencies")
    assert install.status == "failure" and "E401" in install.output, install.output
    assert result["publish"].status == "skipped"
    assert registry.packument(packages.name("widgets")) is None


def test_a_package_json_naming_another_repository_fails_before_publishing(
    registry: NpmRegistry, packages: Packages, tmp_path: Path
) -> None:
    # A longer name that contains this one: a substring match would let it through.
    other = f"github:{OWNER}/{packages.repo('widgets')}-themes"
    checkout = packages.write("widgets", "1.0.0", repository=other)
    result = packages.release("widgets", checkout, release_event("v1.0.0"))
    check = result["publish"].step("Check the package name and repository")
    assert check.status == "failure"
    assert result["publish"].step("Publish").status == "skipped"
    full = f"{OWNER}/{packages.repo('widgets')}"
    assert result["publish"].errors == [
        f"package.json's repository field does not name {full}; set it to 'github:{full}' so"
        " that the package is linked to the repository and inherits its access"
    ]
    assert registry.packument(packages.name("widgets")) is None


def test_the_workflow_does_not_run_for_a_release_type_it_does_not_name(
    registry: NpmRegistry, packages: Packages, tmp_path: Path
) -> None:
    checkout = packages.write("widgets", "1.0.0")
    result = packages.release("widgets", checkout, release_event("v1.0.0", action="created"))
    assert not result.triggered
    assert registry.packument(packages.name("widgets")) is None
