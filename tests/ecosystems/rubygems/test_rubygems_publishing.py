"""RubyGems: the `rubygems` block and its release workflow."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import errors, parse

from components._core._workflow import Job, render
from components._ecosystems.rubygems import IMAGE_RUBY, RUNNER_IMAGE, rubygems_release
from tools.synth import lint

MANIFEST = """
owner: Acme-Widgets
defaults:
  visibility: public
  rubygems: {ruby_version: "3.2.3", release_types: [published, prereleased]}
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
        "3.2.3",
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
    assert bare is not None and bare.ruby_version == "3.2"


def test_the_default_ruby_is_the_runner_images() -> None:
    # The jobs' image (the release core's pin) and the Ruby it ships (actions/runner-images,
    # images/ubuntu/Ubuntu2404-Readme.md: "Ruby 3.2.3"): a new image needs a new IMAGE_RUBY.
    assert Job("j", "j", ()).runs_on == RUNNER_IMAGE == "ubuntu-24.04"
    assert IMAGE_RUBY == "3.2"
    for job in _workflow(0)["jobs"].values():
        assert job["runs-on"] == RUNNER_IMAGE


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "{ruby_version: 3.10}",
            "repositories[0].rubygems.ruby_version: 3.1 is a number in YAML (3.10 reads as"
            " 3.1); quote the Ruby version, such as '3.2'",
        ),
        (
            "{ruby_version: jruby}",
            "repositories[0].rubygems.ruby_version: 'jruby' is not a Ruby version; expected one"
            " such as '3.2' or '3.2.3'",
        ),
        (
            "{ruby_version: '3.3'}",
            "repositories[0].rubygems.ruby_version: '3.3' is not the Ruby of the runner image"
            " ubuntu-24.04 (3.2): the workflow runs the image's own Ruby and sets up no other"
            " (ruby/setup-ruby is a third-party action a private repository below plan"
            " enterprise cannot allow); remove ruby_version, or set it to '3.2'",
        ),
        (
            "{ruby_version: '3.20'}",
            "repositories[0].rubygems.ruby_version: '3.20' is not the Ruby of the runner image"
            " ubuntu-24.04 (3.2): the workflow runs the image's own Ruby and sets up no other"
            " (ruby/setup-ruby is a third-party action a private repository below plan"
            " enterprise cannot allow); remove ruby_version, or set it to '3.2'",
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


def test_jobs_and_who_holds_the_write_token() -> None:
    workflow = _workflow(1)
    jobs = workflow["jobs"]
    assert list(jobs) == ["test", "package", "publish"]
    for job in ("test", "package"):
        assert jobs[job]["permissions"] == {"contents": "read", "packages": "read"}
        check, install = jobs[job]["steps"][1:3]
        assert check["name"] == "Check the runner's Ruby"
        assert check["env"] == {
            "RUBY_EXPECTED": "3.2.3",
            "MANIFEST_KEY": "rubygems.ruby_version of the repository 'tools' in publishing.yaml",
        }
        # The owner's private gems install with the job's read token, outside the workspace.
        assert install == {
            "name": "Install dependencies",
            "env": {
                "BUNDLE_RUBYGEMS__PKG__GITHUB__COM": "${{ github.actor }}:${{ secrets.GITHUB_TOKEN }}",
                "BUNDLE_PATH": "${{ runner.temp }}/bundle",
            },
            "run": "bundle install",
        }
    publish = jobs["publish"]
    assert publish["permissions"] == {"packages": "write"}
    assert (publish["environment"], publish["needs"]) == ("release", ["package"])
    assert workflow[True]["release"] == {"types": ["published", "prereleased"]}
    # Only GitHub's own actions: nothing the plan of a private repository cannot allow.
    actions = {s["uses"].split("@")[0] for j in jobs.values() for s in j["steps"] if "uses" in s}
    assert actions == {
        "actions/checkout",
        "actions/upload-artifact",
        "actions/download-artifact",
    }


def test_the_package_job_checks_the_link_and_tag_and_builds_into_the_release_dir() -> None:
    steps = _workflow(1)["jobs"]["package"]["steps"]
    assert [s["name"] for s in steps] == [
        "Check out",
        "Check the runner's Ruby",
        "Install dependencies",
        "Check the gemspec's metadata",
        "Check the release tag against the version",
        "Build the gem",
        "Record the release artifact's digest",
        "Upload the release artifact",
    ]
    link = steps[3]
    assert link["env"]["LINK"] == "ssh://github.com/Acme-Widgets/tools"
    assert link["env"]["GEMSPEC"] == "gem/acme-tools.gemspec"
    assert link["env"]["REGISTRY"] == "https://rubygems.pkg.github.com/acme-widgets"
    assert "acme-tools" not in link["run"]  # manifest values through env only
    assert "*[a-zA-Z]*) pre=true" in steps[4]["run"]  # a letter makes a gem prerelease
    assert steps[4]["env"]["TAG_PREFIX"] == "v" and "TAG_SUFFIX" not in steps[4]["env"]
    build = steps[5]
    assert build["env"] == {
        "GEMSPEC": "gem/acme-tools.gemspec",
        "RELEASE_DIR": "${{ runner.temp }}/release",
    }
    assert 'gem build "$GEMSPEC" --output "$RELEASE_DIR/$file"' in build["run"]
    assert 'export SOURCE_DATE_EPOCH="$epoch"' in build["run"]


@pytest.mark.parametrize(
    ("pattern", "prefix", "suffix"),
    [
        ("release-*", "release-", ""),
        ("widgets@*", "widgets@", ""),
        ("v*-stable", "v", "-stable"),
        ("release/*", "release/", ""),
    ],
)
def test_the_tag_check_strips_the_patterns_prefix_and_suffix(
    pattern: str, prefix: str, suffix: str
) -> None:
    text = MANIFEST.replace("name: tools\n", f"name: tools\n    release_tag_pattern: '{pattern}'\n")
    repo = parse(text).repositories[1]
    steps = yaml.safe_load(render(rubygems_release(repo, "publishing.yaml")))["jobs"]["package"][
        "steps"
    ]
    env = steps[4]["env"]
    assert (env["TAG_PREFIX"], env.get("TAG_SUFFIX", "")) == (prefix, suffix)


def test_the_publish_job_pushes_the_built_gem_once_without_the_project() -> None:
    steps = _workflow(1)["jobs"]["publish"]["steps"]
    assert [s["name"] for s in steps] == [
        "Download the release artifact",
        "Check the release artifact's digest",
        "Look the version up in the registry",
        "Push the gem",
        "Check the registry serves the gem",
    ]
    assert not any(s["name"] == "Check out" or "bundle" in s.get("run", "") for s in steps)
    look_up, push, served = steps[2:]
    host = "https://rubygems.pkg.github.com/acme-widgets"
    registry = {
        "HOST": host,
        "GEM_FILE": "${{ needs.package.outputs.gem-file }}",
        "RELEASE_DIR": "${{ runner.temp }}/release",
        "TOKEN": "${{ secrets.GITHUB_TOKEN }}",
    }
    assert look_up["env"] == served["env"] == registry
    assert look_up["id"] == "registry"
    assert push["if"] == "steps.registry.outputs.published == 'false'"
    assert push["run"] == f'gem push --host {host} "$RELEASE_DIR/$GEM_FILE"'
    # The key gem push reads (GEM_HOST_API_KEY), in the push step's environment only.
    assert push["env"] == {
        "GEM_HOST_API_KEY": "Bearer ${{ secrets.GITHUB_TOKEN }}",
        "GEM_FILE": "${{ needs.package.outputs.gem-file }}",
        "RELEASE_DIR": "${{ runner.temp }}/release",
    }
    # The token reaches curl on its standard input only.
    assert "--config -" in look_up["run"] and "$TOKEN" not in look_up["run"].split("|")[1]


def test_workflows_are_lint_clean(tmp_path: Path) -> None:
    paths = []
    for index in (0, 1):
        repo = parse(MANIFEST).repositories[index]
        path = tmp_path / f"r{index}/.github/workflows/release-gem.yml"
        path.parent.mkdir(parents=True)
        path.write_text(render(rubygems_release(repo, "publishing.yaml")), encoding="utf-8")
        paths.append(path)
    assert lint(paths) == []


# On free, a private repository that publishes is refused for its environment
# (tests/manifest/test_gates.py); on pro and team nothing in the workflow needs a pattern.
@pytest.mark.parametrize("plan", ["pro", "team"])
@pytest.mark.parametrize(
    "entry",
    [
        "{name: b, rubygems: {}}",
        "{name: b, visibility: private, rubygems: {}}",
        "{name: b, adopt: true, rubygems: {}}",
    ],
)
def test_a_private_gem_is_accepted_below_enterprise(plan: str, entry: str) -> None:
    (repo,) = parse(f"owner: a\nplan: {plan}\nrepositories:\n  - {entry}\n").repositories
    assert repo.block("rubygems") is not None
    assert repo.known_visibility in {"private", None}
