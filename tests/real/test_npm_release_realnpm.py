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
        variant: str = "",
    ) -> Path:
        """A package directory as its repository holds it (with a lockfile when it has
        dependencies, made by `npm install --package-lock-only` as a developer would)."""
        directory = self.root / f"{base}-{version}{variant}"
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
        return self.runner(base, checkout, npm=npm, keys=keys, github_token=github_token).run(event)

    def runner(
        self,
        base: str,
        checkout: Path,
        *,
        npm: str = "{}",
        keys: str = "",
        github_token: str | None = None,
    ) -> WorkflowRunner:
        """The harness running the workflow ghpublish generates for the repository `base`."""
        repo = self.repo(base)
        spec = repository_spec(repo, npm, keys)
        return WorkflowRunner(
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
    for job in ("test", "package"):
        assert result[job].status == "success", result[job].output
        assert "added 1 package" in result[job].step("Install dependencies").output
    assert result["publish"].status == "success", result["publish"].output
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
    assert result["package"].step("Check the release tag against the package version").status == (
        "failure"
    )
    assert result["package"].step("Pack").status == "skipped"
    assert result["publish"].status == "skipped"
    assert result["package"].errors == [
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


def test_a_release_tag_outside_the_pattern_is_refused_before_anything_is_built(
    registry: NpmRegistry, packages: Packages
) -> None:
    checkout = packages.write("widgets", "1.0.0")
    result = packages.release("widgets", checkout, release_event("1.0.0"))  # pattern v*
    assert result["test"].status == "success"
    assert result["package"].errors == [
        "the release tag '1.0.0' does not match the release tag pattern 'v*'; nothing is published"
    ]
    assert result["publish"].status == "skipped"
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
    check = result["package"].step("Check the package name and repository")
    assert check.status == "failure"
    assert result["publish"].status == "skipped"
    full = f"{OWNER}/{packages.repo('widgets')}"
    assert result["package"].errors == [
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


@pytest.mark.parametrize(
    ("pattern", "tag", "other"),
    [
        ("release-*", "release-2.1.0", "v2.1.0"),
        ("{repo}@*", "{repo}@2.1.0", "2.1.0"),
        ("v*-stable", "v2.1.0-stable", "v2.1.0"),
        ("release/*", "release/2.1.0", "release-2.1.0"),
    ],
)
def test_every_tag_pattern_form_publishes_its_release_once_and_refuses_the_others(
    registry: NpmRegistry, packages: Packages, pattern: str, tag: str, other: str
) -> None:
    repo = packages.repo("widgets")
    pattern, tag, other = (x.format(repo=repo) for x in (pattern, tag, other))
    checkout = packages.write("widgets", "2.1.0")
    keys = f", release_tag_pattern: '{pattern}'"
    refused = packages.release("widgets", checkout, release_event(other), keys=keys)
    assert refused["package"].errors == [
        f"the release tag '{other}' does not match the release tag pattern '{pattern}';"
        " nothing is published"
    ]
    assert refused["publish"].status == "skipped"
    assert registry.packument(packages.name("widgets")) is None
    result = packages.release("widgets", checkout, release_event(tag), keys=keys)
    assert result["publish"].status == "success", result["publish"].output
    published = registry.packument(packages.name("widgets"))
    assert published is not None and list(published["versions"]) == ["2.1.0"]
    assert published["dist-tags"] == {"latest": "2.1.0"}


def test_a_stable_version_released_as_a_prerelease_goes_under_the_prerelease_dist_tag(
    registry: NpmRegistry, packages: Packages
) -> None:
    packages.publish(packages.write("widgets", "1.0.0"))
    result = packages.release(
        "widgets", packages.write("widgets", "1.1.0"), release_event("v1.1.0", prerelease=True)
    )
    assert result["publish"].status == "success", result["publish"].output
    assert registry.dist_tags(packages.name("widgets")) == {"latest": "1.0.0", "next": "1.1.0"}


def test_a_backport_leaves_latest_on_the_highest_release(
    registry: NpmRegistry, packages: Packages
) -> None:
    packages.publish(packages.write("widgets", "1.5.0"))
    result = packages.release(
        "widgets", packages.write("widgets", "1.4.3"), release_event("v1.4.3")
    )
    assert result["publish"].status == "success", result["publish"].output
    assert "publishing 1.4.3 under the dist-tag latest-1.4" in result["package"].output
    assert registry.dist_tags(packages.name("widgets")) == {
        "latest": "1.5.0",
        "latest-1.4": "1.4.3",
    }


def test_a_token_without_write_publishes_nothing(registry: NpmRegistry, packages: Packages) -> None:
    checkout = packages.write("widgets", "1.0.0")
    result = packages.release(
        "widgets", checkout, release_event("v1.0.0"), github_token=registry.tokens["read"]
    )
    assert result["package"].status == "success", result["package"].output
    publish = result["publish"].step("Publish")
    assert publish.status == "failure" and "E403" in publish.output, publish.output
    assert registry.packument(packages.name("widgets")) is None


def test_a_rerun_of_a_failed_publish_publishes_once(
    registry: NpmRegistry, packages: Packages
) -> None:
    checkout = packages.write("widgets", "1.0.0")
    runner = packages.runner("widgets", checkout, github_token=registry.tokens["read"])
    event = release_event("v1.0.0")
    failed = runner.run(event)
    assert failed["publish"].status == "failure"
    assert registry.packument(packages.name("widgets")) is None
    # The token fixed (packages: write granted), "Re-run failed jobs": the package job's
    # artifact is pushed, nothing is rebuilt.
    runner.github_token = None
    rerun = runner.rerun_failed(failed, event)
    assert rerun.attempt == 2 and rerun["package"] is failed["package"]
    assert rerun["publish"].status == "success", rerun["publish"].output
    # A publish that failed after its push (say, the registry was slow to serve it): its
    # re-run finds the version served from the same artifact and pushes nothing.
    rerun["publish"].status = "failure"
    again = runner.rerun_failed(rerun, event)
    assert again["publish"].status == "success", again["publish"].output
    assert again["publish"].step("Publish").status == "skipped"
    name = packages.name("widgets")
    assert f"{name}@1.0.0 is already published from this artifact" in again["publish"].output
    published = registry.packument(name)
    assert published is not None and list(published["versions"]) == ["1.0.0"]


def test_a_version_published_from_other_content_is_an_error_not_a_skip(
    registry: NpmRegistry, packages: Packages
) -> None:
    packages.publish(
        packages.write("widgets", "1.0.0", index="module.exports = () => 1;\n", variant="-other")
    )
    result = packages.release(
        "widgets", packages.write("widgets", "1.0.0"), release_event("v1.0.0")
    )
    lookup = result["publish"].step("Look the version up in the registry")
    assert lookup.status == "failure"
    name = packages.name("widgets")
    (error,) = result["publish"].errors
    assert error.startswith(f"{name}@1.0.0 is already published with other content (sha512-")
    assert error.endswith("); nothing is published: release a new version")
    assert result["publish"].step("Publish").status == "skipped"
