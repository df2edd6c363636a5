"""RubyGems: the `rubygems` block and its release workflow."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import errors, parse

from components._core._catalog import pin
from components._core._workflow import render
from components._ecosystems.rubygems import rubygems_release
from tools.synth import lint

MANIFEST = """
owner: Acme-Widgets
defaults:
  visibility: public
  rubygems: {ruby_version: "3.3", release_types: [published, prereleased]}
repositories:
  - name: widgets-rb
    rubygems: {}
  - name: tools
    rubygems: {package: acme-tools, gemspec: gem/acme-tools.gemspec, test_command: bundle exec rspec}
  - name: docs
    rubygems: false
"""


def _workflow(index: int) -> dict:
    repo = parse(MANIFEST).repositories[index]
    return yaml.safe_load(render(rubygems_release(repo, "publishing.yaml")))


def test_every_default_and_key_by_key_merge() -> None:
    rb, tools, docs = parse(MANIFEST).repositories
    assert rb.block("rubygems") is not None and tools.block("rubygems") is not None
    assert (rb.block("rubygems").ruby_version, rb.block("rubygems").gemspec) == (
        "3.3",
        "widgets-rb.gemspec",
    )
    assert rb.block("rubygems").test_command == ("bundle", "exec", "rake")
    assert rb.block("rubygems").release_types == ("published", "prereleased")
    assert (tools.block("rubygems").package, tools.block("rubygems").gemspec) == (
        "acme-tools",
        "gem/acme-tools.gemspec",
    )
    assert tools.block("rubygems").test_command == ("bundle", "exec", "rspec")
    assert docs.block("rubygems") is None
    bare = (
        parse("owner: a\nplan: enterprise\nrepositories: [{name: b, rubygems: {}}]")
        .repositories[0]
        .block("rubygems")
    )
    assert bare is not None and bare.ruby_version == "4.0"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "{ruby_version: 3.10}",
            "repositories[0].rubygems.ruby_version: 3.1 is a number in YAML (3.10 reads as"
            " 3.1); quote the Ruby version, such as '4.0'",
        ),
        (
            "{ruby_version: jruby}",
            "repositories[0].rubygems.ruby_version: 'jruby' is not a Ruby version; expected one"
            " such as '4.0' or '3.3.6'",
        ),
        (
            "{package: 'acme tools'}",
            "repositories[0].rubygems.package: 'acme tools' is not a gem name; expected"
            " letters, digits, '.', '-' or '_', such as 'acme-widgets'",
        ),
        (
            "{test_command: 'bundle exec rake | tee log'}",
            "repositories[0].rubygems.test_command: 'bundle exec rake | tee log' is not a"
            " single command (shell syntax is not run, every word is quoted); group the steps"
            " in a Rake task and name it, such as 'bundle exec rake ci'",
        ),
        (
            "{gemspec: ../x.gemspec}",
            "repositories[0].rubygems.gemspec: '../x.gemspec' is not a path inside the"
            " repository; expected a relative path with '/' separators and no '..', such as"
            " '.' or 'docker/app'",
        ),
    ],
)
def test_bad_rubygems_block_is_refused_with_an_exact_message(block: str, expected: str) -> None:
    text = f"owner: a\nplan: enterprise\nrepositories:\n  - name: b\n    rubygems: {block}\n"
    assert errors(text) == [f"publishing.yaml:5: {expected}"]


def test_gemspec_is_a_repository_key_only() -> None:
    text = "owner: a\ndefaults:\n  rubygems: {gemspec: x.gemspec}\nrepositories: []\n"
    assert errors(text) == [
        "publishing.yaml:3: defaults.rubygems.gemspec: unknown key 'gemspec'; expected one of:"
        " enabled, release_types, ruby_version, test_command, visibility"
    ]


def test_jobs_permissions_and_no_cache() -> None:
    workflow = _workflow(1)
    test, publish = workflow["jobs"]["test"], workflow["jobs"]["publish"]
    assert test["permissions"] == {"contents": "read", "packages": "read"}
    assert publish["permissions"] == {"contents": "read", "packages": "write"}
    assert (publish["environment"], publish["if"]) == (
        "release",
        "github.event_name == 'release'",
    )
    for job in (test, publish):
        setup, install = job["steps"][1:3]
        assert setup["uses"] == pin("ruby/setup-ruby").uses
        assert setup["with"] == {"ruby-version": "3.3", "bundler-cache": False}
        # The owner's private gems install with the job's token.
        assert set(install["env"]) == {"BUNDLE_RUBYGEMS__PKG__GITHUB__COM"}
    assert workflow[True]["release"] == {"types": ["published", "prereleased"]}


def test_gem_is_checked_linked_built_and_pushed_to_the_owners_registry() -> None:
    steps = _workflow(1)["jobs"]["publish"]["steps"]
    assert [s["name"] for s in steps] == [
        "Check out",
        "Set up Ruby",
        "Install dependencies",
        "Check the gem's repository link",
        "Check the release tag against the version",
        "Build",
        "Push",
    ]
    link = steps[3]
    assert link["env"]["LINK"] == "ssh://github.com/Acme-Widgets/tools"
    assert link["env"]["GEMSPEC"] == "gem/acme-tools.gemspec"
    assert "acme-tools" not in link["run"]  # manifest values through env only
    assert "*[a-zA-Z]*) pre=true" in steps[4]["run"]  # a letter makes a gem prerelease
    assert (
        steps[-1]["run"]
        == "gem push --host https://rubygems.pkg.github.com/acme-widgets release.gem"
    )
    assert steps[-1]["env"] == {"GEM_HOST_API_KEY": "Bearer ${{ secrets.GITHUB_TOKEN }}"}


def test_workflows_are_lint_clean(tmp_path: Path) -> None:
    paths = []
    for index in (0, 1):
        repo = parse(MANIFEST).repositories[index]
        path = tmp_path / f"r{index}/.github/workflows/release-gem.yml"
        path.parent.mkdir(parents=True)
        path.write_text(render(rubygems_release(repo, "publishing.yaml")), encoding="utf-8")
        paths.append(path)
    assert lint(paths) == []


RUBY_REFUSED = (
    "publishing.yaml:{line}: repositories[0].rubygems: the rubygems workflow runs"
    " ruby/setup-ruby, whose owner is not a GitHub Marketplace verified creator: GitHub"
    " allows it by pattern, and applies patterns to public repositories only on plan {plan},"
    " and this repository's visibility is {seen}; make the repository public (visibility:"
    " public), or set plan: enterprise if the owner is on GitHub Enterprise Cloud"
)


# On free, a private repository that publishes is refused for its environment too
# (tests/manifest/test_gates.py).
@pytest.mark.parametrize("plan", ["pro", "team"])
@pytest.mark.parametrize(
    ("entry", "seen"),
    [
        ("{name: b, rubygems: {}}", "private"),
        ("{name: b, visibility: private, rubygems: {}}", "private"),
        ("{name: b, adopt: true, rubygems: {}}", "kept as GitHub has it (adopted)"),
    ],
)
def test_a_gem_of_a_repository_patterns_do_not_reach_is_refused(
    plan: str, entry: str, seen: str
) -> None:
    # ruby/setup-ruby is allowed by pattern only (its owner is not a verified creator), and
    # outside Enterprise Cloud GitHub applies patterns to public repositories only.
    text = f"owner: a\nplan: {plan}\nrepositories:\n  - {entry}\n"
    assert errors(text) == [RUBY_REFUSED.format(line=4, plan=repr(plan), seen=seen)]
    parse(
        text.replace("{name: b,", "{name: b, visibility: public,").replace(
            ", visibility: private", ""
        )
    )
    parse(text.replace(f"plan: {plan}", "plan: enterprise"))
