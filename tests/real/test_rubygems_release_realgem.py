"""The generated RubyGems release workflow, run with the real `gem` client (Debian's ruby).

Each test renders the workflow from a manifest and runs its jobs with tests/workflow_runner.py
(checkout = a fixture gem in a git repository, the artifact actions as their pinned sources
do, every `run:` step in bash): the real `ruby`, `bundle install`, `gem build` and `gem push`
of this machine, against a loopback stand-in for GitHub's RubyGems registry
(tests/real/realrubygems.py: it checks tokens, refuses a second push of a version and serves
the gems the publish job reads back).

The runner's Ruby is this machine's. The workflow sets up no Ruby: it checks that the
runner image's Ruby is the manifest's `ruby_version` (ubuntu-24.04's 3.2 by default, the
only value the manifest accepts). Debian's Ruby here is another version, so each test sets
the resolved spec's `ruby_version` to this machine's Ruby (`RubyGemsSpec.ruby_version`, what
the manifest key resolves to), the expectation a runner of that image would meet;
`test_the_runners_ruby_is_checked_before_anything_runs` keeps the manifest's value and shows
the check failing, with its exact message.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from conftest import parse
from realrubygems import RubyGemsRegistry, machine_ruby, ruby_or_skip
from workflow_runner import Event, RunResult, WorkflowRunner, pull_request_event, release_event

from components._core._catalog import GITHUB_OWNED
from components._core._spec import RELEASE_ENVIRONMENT, RepositorySpec
from components._core._workflow import render, workflow_actions
from components._ecosystems.rubygems import IMAGE_RUBY, rubygems_release

pytestmark = pytest.mark.ruby

OWNER = "Acme-Widgets"
# The commit date every fixture gem carries (SOURCE_DATE_EPOCH of `gem build`).
COMMIT_DATE = "2026-11-30T12:00:00Z"
GIT = {
    "GIT_AUTHOR_NAME": "Release Engineer",
    "GIT_AUTHOR_EMAIL": "release@example.invalid",
    "GIT_COMMITTER_NAME": "Release Engineer",
    "GIT_COMMITTER_EMAIL": "release@example.invalid",
    "GIT_AUTHOR_DATE": COMMIT_DATE,
    "GIT_COMMITTER_DATE": COMMIT_DATE,
}
TEST_COMMAND = "bundle exec ruby test/check.rb"


@pytest.fixture
def registry() -> RubyGemsRegistry:
    ruby_or_skip()
    registry = RubyGemsRegistry(OWNER)
    yield registry
    registry.close()


class Gems:
    """Fixture gems of one repository of the owner, named uniquely, in `root`."""

    def __init__(self, registry: RubyGemsRegistry, root: Path) -> None:
        self.registry = registry
        self.root = root
        self.repo = f"widgets-{uuid.uuid4().hex[:8]}"
        self.name = f"acme-{self.repo}"
        self.runner: WorkflowRunner | None = None

    @property
    def link(self) -> str:
        return f"ssh://github.com/{OWNER}/{self.repo}"

    def write(
        self,
        version: str,
        *,
        link: str | None = None,
        check: str = "",
        marker: str = "",
        metadata: str = "",
    ) -> Path:
        """The repository at a commit: a gemspec, its library, a test, a Gemfile."""
        directory = self.root / f"{self.repo}-{version}-{uuid.uuid4().hex[:6]}"
        (directory / "lib").mkdir(parents=True)
        (directory / "test").mkdir()
        (directory / f"{self.repo}.gemspec").write_text(
            "Gem::Specification.new do |s|\n"
            f"  s.name = {self.name!r}\n"
            f"  s.version = {version!r}\n"
            '  s.summary = "Widgets"\n'
            '  s.authors = ["Acme Widgets"]\n'
            '  s.license = "MIT"\n'
            '  s.homepage = "https://example.invalid/widgets"\n'
            '  s.files = ["lib/widgets.rb"]\n'
            f"  s.metadata = {{ 'github_repo' => {link or self.link!r}{metadata} }}\n"
            "end\n"
        )
        (directory / "lib" / "widgets.rb").write_text(
            f'module Widgets\n  def self.ok = "ok"{marker}\nend\n'
        )
        (directory / "test" / "check.rb").write_text(
            f'require_relative "../lib/widgets"\n{check}'
            'raise "widgets broke" unless Widgets.ok == "ok"\nputs "widgets: ok"\n'
        )
        (directory / "Gemfile").write_text('source "https://rubygems.org"\ngemspec\n')
        env = {"PATH": os.environ["PATH"], "HOME": str(self.root), **GIT}
        for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "v"]):
            subprocess.run(["git", *args], cwd=directory, env=env, check=True)
        return directory

    def build(self, directory: Path) -> bytes:
        """The gem a developer would build from `directory` (another date: other bytes)."""
        out = self.root / f"built-{uuid.uuid4().hex[:6]}.gem"
        subprocess.run(
            ["gem", "build", f"{self.repo}.gemspec", "--output", str(out)],
            cwd=directory,
            env={"PATH": os.environ["PATH"], "HOME": str(self.root), "SOURCE_DATE_EPOCH": "1"},
            capture_output=True,
            check=True,
        )
        return out.read_bytes()

    def manifest(self, keys: str = "", owner_keys: str = "") -> str:
        return (
            f"owner: {OWNER}\n{owner_keys}repositories:\n"
            f"  - {{name: {self.repo}{keys},"
            f" rubygems: {{test_command: {TEST_COMMAND}, package: {self.name}}}}}\n"
        )

    def spec(
        self, keys: str = ", visibility: public", manifest: str | None = None
    ) -> RepositorySpec:
        """The resolved spec, its Ruby set to this machine's (see the module's docstring)."""
        (repository,) = parse(manifest or self.manifest(keys)).repositories
        gem = dataclasses.replace(repository.block("rubygems"), ruby_version=machine_ruby())
        return dataclasses.replace(repository, blocks={**repository.blocks, "rubygems": gem})

    def release(
        self,
        checkout: Path,
        event: Event,
        *,
        spec: RepositorySpec | None = None,
        github_token: str | None = None,
    ) -> RunResult:
        """Run the workflow ghpublish generates for the repository on `event`."""
        spec = spec or self.spec()
        self.runner = WorkflowRunner(
            render(rubygems_release(spec, "publishing.yaml")),
            repository=f"{OWNER}/{self.repo}",
            checkout=checkout,
            registry=self.registry.url,
            tokens=self.registry.tokens,
            workdir=self.root / f"run-{uuid.uuid4().hex[:6]}",
            github_token=github_token,
            # The environment's deployment policy RepositoryStandards creates.
            environments={RELEASE_ENVIRONMENT: spec.release_tag_pattern},
            hosts={"https://rubygems.pkg.github.com": self.registry.url},
        )
        return self.runner.run(event)

    def published(self) -> list[str]:
        return self.registry.versions().get(self.name, [])


@pytest.fixture
def gems(registry: RubyGemsRegistry, tmp_path: Path) -> Gems:
    return Gems(registry, tmp_path)


def _succeeded(result: RunResult) -> None:
    for job in ("test", "package", "publish"):
        assert result[job].status == "success", result[job].output


def test_the_registry_takes_a_push_with_the_write_token_once(
    registry: RubyGemsRegistry, gems: Gems, tmp_path: Path
) -> None:
    gem = tmp_path / "widgets.gem"
    gem.write_bytes(gems.build(gems.write("1.0.0")))

    def push(token: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["gem", "push", "--host", f"{registry.url}/acme-widgets", str(gem)],
            env={
                "PATH": os.environ["PATH"],
                "HOME": str(tmp_path),
                "GEM_HOST_API_KEY": f"Bearer {token}",
            },
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )

    for level, status in (("read", 403), ("none", 403)):
        assert push(registry.tokens[level]).returncode != 0
        assert registry.requests[-1].status == status
    assert push("ghs_unknown").returncode != 0
    assert registry.requests[-1].status == 401
    assert gems.published() == []
    first = push(registry.tokens["write"])
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"Successfully registered gem: {gems.name} (1.0.0)" in first.stdout
    second = push(registry.tokens["write"])
    assert second.returncode != 0
    assert f"{gems.name} 1.0.0 already exists" in second.stdout
    assert gems.published() == ["1.0.0"]
    # gem push read the key from GEM_HOST_API_KEY and wrote no credentials file.
    assert not (tmp_path / ".gem" / "credentials").exists()
    assert not (tmp_path / ".local" / "share" / "gem" / "credentials").exists()


def test_a_release_builds_without_write_and_pushes_the_gem_once(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    result = gems.release(gems.write("1.0.0"), release_event("v1.0.0"))
    _succeeded(result)
    assert gems.published() == ["1.0.0"]
    (stored,) = registry.gems.values()
    assert stored.repository == f"{OWNER}/{gems.repo}"
    # One push, with the publish job's write token; the jobs that ran the project's code only
    # held the read token, and the publish job checked out nothing.
    pushes = registry.pushes()
    assert [(p.path, p.access, p.status) for p in pushes] == [
        ("/acme-widgets/api/v1/gems", "write", 200)
    ]
    assert [r.access for r in registry.requests if r.method == "GET"] == ["write", "write"]
    publish = result["publish"]
    assert [s.name for s in publish.steps] == [
        "Download the release artifact",
        "Check the release artifact's digest",
        "Look the version up in the registry",
        "Push the gem",
        "Check the registry serves the gem",
    ]
    assert f"{gems.name}-1.0.0.gem is not in the registry: pushing it" in publish.steps[2].output
    assert f"Successfully registered gem: {gems.name} (1.0.0)" in publish.steps[3].output
    assert result["package"].outputs["gem-file"] == f"{gems.name}-1.0.0.gem"
    assert (result["package"].outputs["version"], result["package"].outputs["prerelease"]) == (
        "1.0.0",
        "false",
    )
    assert stored.data == (result.artifacts["release"] / f"{gems.name}-1.0.0.gem").read_bytes()
    # gem push took its key from GEM_HOST_API_KEY: no credentials file in the job's home.
    assert gems.runner is not None
    home = gems.runner.workdir / "publish" / "home"
    assert home.is_dir() and not [p for p in home.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("pattern", "tag", "other"),
    [
        ("release-*", "release-1.2.0", "v1.2.0"),
        ("widgets@*", "widgets@1.2.0", "gadgets@1.2.0"),
        ("v*-stable", "v1.2.0-stable", "v1.2.0"),
        ("release/*", "release/1.2.0", "release-1.2.0"),
    ],
)
def test_a_custom_tag_pattern_publishes_its_tag_once_and_refuses_the_others(
    registry: RubyGemsRegistry, gems: Gems, pattern: str, tag: str, other: str
) -> None:
    checkout = gems.write("1.2.0")
    spec = gems.spec(keys=f", visibility: public, release_tag_pattern: '{pattern}'")
    refused = gems.release(checkout, release_event(other), spec=spec)
    assert refused["package"].status == "failure"
    assert refused["package"].errors == [
        f"the release tag '{other}' does not match the release tag pattern '{pattern}';"
        " nothing is published"
    ]
    assert refused["publish"].status == "skipped"
    assert gems.published() == []
    _succeeded(gems.release(checkout, release_event(tag), spec=spec))
    assert gems.published() == ["1.2.0"]
    assert len(registry.pushes()) == 1


def test_a_release_flagged_prerelease_of_a_final_version_publishes_nothing(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    result = gems.release(gems.write("1.0.0"), release_event("v1.0.0", prerelease=True))
    assert result["package"].errors == [
        "version '1.0.0' is not a prerelease, but the GitHub release is marked as one; make"
        " them agree"
    ]
    assert result["publish"].status == "skipped"
    assert registry.requests == []


def test_a_prerelease_version_publishes_as_a_prerelease_and_only_when_flagged(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    checkout = gems.write("1.1.0.rc1")
    unflagged = gems.release(checkout, release_event("v1.1.0.rc1"))
    assert unflagged["package"].errors == [
        "version '1.1.0.rc1' is a prerelease, but the GitHub release is not marked as one; make"
        " them agree"
    ]
    assert gems.published() == []
    result = gems.release(checkout, release_event("v1.1.0.rc1", prerelease=True))
    _succeeded(result)
    assert result["package"].outputs["prerelease"] == "true"
    assert gems.published() == ["1.1.0.rc1"]


def test_a_tag_that_is_not_the_gem_version_publishes_nothing(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    result = gems.release(gems.write("1.0.0"), release_event("v1.0.1"))
    assert result["test"].status == "success"
    assert result["package"].errors == [
        "the release tag 'v1.0.1' is version '1.0.1' but the gemspec's version is '1.0.0';"
        " nothing is published: release the tag 'v1.0.0' or change the version"
    ]
    assert result["publish"].status == "skipped"
    assert registry.requests == []


def test_a_gem_linked_to_another_repository_publishes_nothing(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    # A longer name that contains this one: a substring match would let it through.
    other = f"{gems.link}-themes"
    result = gems.release(gems.write("1.0.0", link=other), release_event("v1.0.0"))
    assert result["package"].errors == [
        f"the gemspec's metadata['github_repo'] is '{other}'; set it to '{gems.link}' so that"
        " the gem is linked to its repository and inherits its access"
    ]
    assert result["publish"].status == "skipped"
    assert registry.requests == []


def test_a_gemspec_allowing_another_push_host_publishes_nothing(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    checkout = gems.write("1.0.0", metadata=", 'allowed_push_host' => 'https://rubygems.org'")
    result = gems.release(checkout, release_event("v1.0.0"))
    assert result["package"].errors == [
        "the gemspec's metadata['allowed_push_host'] is 'https://rubygems.org', so gem push"
        f" would refuse {registry.url}/acme-widgets; set it to '{registry.url}/acme-widgets'"
        " or remove it"
    ]
    assert result["publish"].status == "skipped"
    assert registry.requests == []


def test_a_token_without_write_publishes_nothing(registry: RubyGemsRegistry, gems: Gems) -> None:
    result = gems.release(
        gems.write("1.0.0"), release_event("v1.0.0"), github_token=registry.tokens["read"]
    )
    assert result["package"].status == "success"
    push = result["publish"].step("Push the gem")
    assert push.status == "failure"
    assert "permission denied" in push.output
    assert [(p.access, p.status) for p in registry.pushes()] == [("read", 403)]
    assert gems.published() == []


def test_a_backport_publishes_beside_the_later_version(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    _succeeded(gems.release(gems.write("1.5.0"), release_event("v1.5.0")))
    _succeeded(gems.release(gems.write("1.4.3"), release_event("v1.4.3")))
    assert gems.published() == ["1.4.3", "1.5.0"]
    assert len(registry.pushes()) == 2


def test_a_rerun_of_a_failed_publish_pushes_nothing_twice(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    # The registry stores the gem but the push's answer is lost: the publish job fails.
    registry.fail_after_store = 1
    event = release_event("v1.0.0")
    first = gems.release(gems.write("1.0.0"), event)
    assert first["package"].status == "success"
    assert first["publish"].step("Push the gem").status == "failure"
    assert gems.runner is not None
    again = gems.runner.rerun_failed(first, event)
    assert again.attempt == 2
    assert again["package"].status == "success"  # kept: the same artifact
    assert again["publish"].status == "success", again["publish"].output
    look_up = again["publish"].step("Look the version up in the registry")
    assert look_up.output.startswith(f"::notice::{gems.name}-1.0.0.gem is already published")
    assert again["publish"].step("Push the gem").status == "skipped"
    assert len(registry.pushes()) == 1
    assert gems.published() == ["1.0.0"]


def test_a_rerun_of_the_whole_workflow_builds_the_same_gem_and_pushes_nothing(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    # "Re-run all jobs": the package job builds again from the same commit, dated by it
    # (SOURCE_DATE_EPOCH), so the gem is byte for byte the one already published.
    checkout = gems.write("1.0.0")
    first = gems.release(checkout, release_event("v1.0.0"))
    _succeeded(first)
    again = gems.release(checkout, release_event("v1.0.0"))
    _succeeded(again)
    assert again["package"].outputs["digest"] == first["package"].outputs["digest"]
    look_up = again["publish"].step("Look the version up in the registry")
    assert look_up.output.startswith(f"::notice::{gems.name}-1.0.0.gem is already published")
    assert again["publish"].step("Push the gem").status == "skipped"
    assert len(registry.pushes()) == 1


def test_a_version_already_served_with_other_content_is_refused(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    checkout = gems.write("1.0.0")
    registry.store(gems.build(gems.write("1.0.0", marker=" # another build")))
    result = gems.release(checkout, release_event("v1.0.0"))
    (error,) = result["publish"].errors
    assert error.startswith(
        f"the registry already serves {gems.name}-1.0.0.gem with other content (sha256 "
    )
    assert error.endswith("a version is published once: release a new version")
    assert result["publish"].step("Push the gem").status == "skipped"
    assert registry.pushes() == []


def test_a_pull_request_runs_the_tests_and_publishes_nothing(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    result = gems.release(gems.write("1.0.0"), pull_request_event())
    assert result["test"].status == "success", result["test"].output
    assert "widgets: ok" in result["test"].step("Test").output
    assert "Bundle complete!" in result["test"].step("Install dependencies").output
    assert (result["package"].status, result["publish"].status) == ("skipped", "skipped")
    assert registry.requests == []


def test_a_failing_test_publishes_nothing(registry: RubyGemsRegistry, gems: Gems) -> None:
    checkout = gems.write("1.0.0", check='raise "the tests fail"\n')
    result = gems.release(checkout, release_event("v1.0.0"))
    assert result["test"].step("Test").status == "failure"
    assert (result["package"].status, result["publish"].status) == ("skipped", "skipped")
    assert registry.requests == []


def test_the_runners_ruby_is_checked_before_anything_runs(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    actual = machine_ruby()
    expected = IMAGE_RUBY if not actual.startswith(IMAGE_RUBY + ".") else "9.9"
    spec = gems.spec()
    gem = dataclasses.replace(spec.block("rubygems"), ruby_version=expected)
    spec = dataclasses.replace(spec, blocks={**spec.blocks, "rubygems": gem})
    result = gems.release(gems.write("1.0.0"), release_event("v1.0.0"), spec=spec)
    assert result["test"].errors == [
        f"the runner's Ruby is {actual}, not {expected} (rubygems.ruby_version of the"
        f" repository '{gems.repo}' in publishing.yaml): the workflow runs the Ruby of the"
        " runner image ubuntu-24.04 and sets up no other"
    ]
    assert [s.status for s in result["test"].steps[2:]] == ["skipped", "skipped"]
    assert registry.requests == []


def test_a_private_gem_on_plan_team_publishes_with_githubs_own_actions_only(
    registry: RubyGemsRegistry, gems: Gems
) -> None:
    manifest = gems.manifest(owner_keys="plan: team\n")  # private: the default visibility
    (private,) = parse(manifest).repositories  # accepted: parse raises on any problem
    assert (private.plan, private.known_visibility) == ("team", "private")
    owners = {uses.split("/")[0] for uses in workflow_actions([rubygems_release(private, "p")])}
    assert owners <= GITHUB_OWNED
    spec = gems.spec(manifest=manifest)
    _succeeded(gems.release(gems.write("2.0.0"), release_event("v2.0.0"), spec=spec))
    assert gems.published() == ["2.0.0"]
