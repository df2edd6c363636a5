"""The RubyGems ecosystem: the `rubygems` block, its resolved spec and its release workflow.

Facts from GitHub's docs ("Working with the RubyGems registry"), in our words:
- The owner's registry is `https://rubygems.pkg.github.com/<owner>`; `gem push --host` to it
  with `GITHUB_TOKEN` as a Bearer key publishes the repository's gems (`packages: write`).
- A gem is linked to the repository its gemspec names in `metadata["github_repo"]`
  (`ssh://github.com/<owner>/<repository>`); the package job checks it before building.
- Bundler and gem install the owner's gems from that registry with `<user>:<token>`
  credentials; `BUNDLE_RUBYGEMS__PKG__GITHUB__COM` is Bundler's setting for that host.
- RubyGems treats a version containing a letter (`1.2.0.rc1`, `1.2.0.pre`) as a prerelease.

The workflow runs the runner image's own Ruby (ubuntu-24.04 ships Ruby 3.2.3 and RubyGems
3.4.20: actions/runner-images, images/ubuntu/Ubuntu2404-Readme.md; Ubuntu's `ruby-full`, and
Bundler as a dependency of the image's fastlane gem: images/ubuntu/scripts/build/
install-ruby.sh, toolsets/toolset-2404.json) and no setup action:
ruby/setup-ruby's owner is not a GitHub Marketplace verified creator, and a private
repository of an owner below Enterprise Cloud cannot allow it (GitHub applies
allowed-actions patterns to public repositories only there). Every action the workflow runs
is GitHub's own, so a private gem publishes on every plan that offers the environment.
"""

from __future__ import annotations

__all__ = ["IMAGE_RUBY", "RUBYGEMS", "RUNNER_IMAGE", "RubyGemsSpec", "rubygems_release"]

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from ..._core._ecosystem import Ecosystem, spec_settings
from ..._core._fields import Loc, RepoPath, _command, _full_match, command_rule, excerpt
from ..._core._release import (
    NO_TRUSTED_PUBLISHING,
    RELEASE_DIR,
    PackageBlock,
    release_keys,
    release_workflow,
    version_check,
)
from ..._core._spec import RepositorySpec, Visibility
from ..._core._workflow import Step, Workflow, shell_join

if TYPE_CHECKING:
    from ..._core._ecosystem import Entry

# The runner image every job runs on (the release core's `runs_on`) and the Ruby it ships
# (actions/runner-images, images/ubuntu/Ubuntu2404-Readme.md: "Ruby 3.2.3"): the default and
# only `ruby_version`. A test keeps RUNNER_IMAGE equal to the jobs' image.
RUNNER_IMAGE = "ubuntu-24.04"
IMAGE_RUBY = "3.2"
RUBYGEMS_REGISTRY = "https://rubygems.pkg.github.com"
RUBYGEMS_PATH = ".github/workflows/release-gem.yml"
RUBYGEMS_STEPS = (
    "bundle exec rake",
    "group the steps in a Rake task and name it, such as 'bundle exec rake ci'",
)
# The credential Bundler reads for rubygems.pkg.github.com (dots as double underscores).
BUNDLE_CREDENTIAL = "BUNDLE_RUBYGEMS__PKG__GITHUB__COM"
# Bundler installs outside the workspace and the image's system gems (no sudo, nothing of the
# install can end up in the gem).
BUNDLE_PATH = "${{ runner.temp }}/bundle"
GEM_STEP = "gem"
GEM_OUTPUT = "gem-file"
REGISTRY_STEP = "registry"
_RUBY = re.compile(r"\d\.\d{1,2}(?:\.\d{1,2})?")
_GEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def _ruby_version(value: object) -> object:
    if isinstance(value, float):
        raise ValueError(
            f"{excerpt(value)}"
            f" is a number in YAML (3.10 reads as 3.1); quote the Ruby version, such"
            f" as '{IMAGE_RUBY}'"
        )
    if isinstance(value, str) and not _RUBY.fullmatch(value):
        raise ValueError(
            f"{excerpt(value)}"
            f" is not a Ruby version; expected one such as '{IMAGE_RUBY}' or '{IMAGE_RUBY}.3'"
        )
    if isinstance(value, str) and value != IMAGE_RUBY and not value.startswith(IMAGE_RUBY + "."):
        raise ValueError(
            f"{excerpt(value)} is not the Ruby of the runner image {RUNNER_IMAGE}"
            f" ({IMAGE_RUBY}): the workflow runs the image's own Ruby and sets up no other"
            " (ruby/setup-ruby is a third-party action a private repository below plan"
            f" enterprise cannot allow); remove ruby_version, or set it to '{IMAGE_RUBY}'"
        )
    return value


_gem_name = _full_match(
    _GEM, "a gem name; expected letters, digits, '.', '-' or '_', such as 'acme-widgets'"
)


# ---------------------------------------------------------------------------
# The resolved spec.


@dataclass(frozen=True)
class RubyGemsSpec:
    """Pushing one gem to the owner's RubyGems registry on release."""

    # The gem's name the gemspec must declare, or None (not checked).
    package: str | None
    ruby_version: str
    # The gemspec built, relative to the repository root.
    gemspec: str
    test_command: tuple[str, ...]
    release_types: tuple[str, ...]
    visibility: Visibility = "private"


# ---------------------------------------------------------------------------
# The manifest block.


class RubyGemsDefaults(PackageBlock):
    """RubyGems publishing settings every repository inherits."""

    ruby_version: Annotated[str, BeforeValidator(_ruby_version)] | None = Field(
        None,
        description=f"The Ruby of the runner image {RUNNER_IMAGE}, checked before anything"
        f" runs: '{IMAGE_RUBY}' (the default) or '{IMAGE_RUBY}.<patch>'; no other Ruby is set up.",
    )
    test_command: command_rule(RUBYGEMS_STEPS) | None = Field(  # type: ignore[valid-type]
        None,
        description="Runs the tests (default 'bundle exec rake'); one command, no shell.",
    )


class RubyGems(RubyGemsDefaults):
    """Push a gem to GitHub Packages when a release is made."""

    package: Annotated[str, AfterValidator(_gem_name)] | None = Field(
        None, description="The gem's name the gemspec must declare (default: not checked)."
    )
    gemspec: RepoPath | None = Field(
        None, description="The gemspec built (default '<repository name>.gemspec')."
    )


def _resolve_rubygems(
    owner: str, repo: Entry, defaults: Entry, index: int
) -> tuple[RubyGemsSpec | None, list[tuple[Loc, str]]]:
    keys = release_keys("rubygems", repo, defaults)
    if keys is None:
        return None, []
    own = keys.own
    package = own.package if own is not None else None
    name = package or f"the gem of {owner}/{repo.name}"
    spec = RubyGemsSpec(
        package=package,
        ruby_version=keys.pick("ruby_version", IMAGE_RUBY),
        gemspec=(own.gemspec if own is not None else None) or f"{repo.name}.gemspec",
        test_command=_command(keys.pick("test_command", "bundle exec rake"), RUBYGEMS_STEPS),
        release_types=keys.release_types,
        visibility=keys.visibility("rubygems", repo, defaults, index, name),  # type: ignore[arg-type]
    )
    return spec, keys.problems


# ---------------------------------------------------------------------------
# The release workflow.

_MANIFEST_KEY = "rubygems.{key} of the repository '{name}' in {source}"


def _gemspec(expression: str) -> str:
    # The gemspec's path comes from the manifest: through the environment, never as code.
    return f"ruby -e 'print Gem::Specification.load(ARGV[0]).{expression}' \"$GEMSPEC\""


def _check_ruby(gem: RubyGemsSpec, key: str) -> Step:
    """Fail before anything runs when the runner's Ruby is not the one the manifest expects:
    the workflow sets up no Ruby, it runs the runner image's."""
    return Step(
        name="Check the runner's Ruby",
        env={"RUBY_EXPECTED": gem.ruby_version, "MANIFEST_KEY": key},
        run="\n".join(
            [
                "if ! actual=\"$(ruby -e 'print RUBY_VERSION' 2>&1)\"; then",
                f'  echo "::error::the runner has no Ruby ($actual); the workflow runs the Ruby'
                f' of the runner image {RUNNER_IMAGE}"',
                "  exit 1",
                "fi",
                'case "$actual" in',
                '  "$RUBY_EXPECTED" | "$RUBY_EXPECTED".*) ;;',
                "  *)",
                "    echo \"::error::the runner's Ruby is $actual, not $RUBY_EXPECTED"
                f" ($MANIFEST_KEY): the workflow runs the Ruby of the runner image {RUNNER_IMAGE}"
                ' and sets up no other"',
                "    exit 1",
                "    ;;",
                "esac",
                "ruby --version",
                "gem --version",
                "bundle --version",
                "",
            ]
        ),
    )


def _host(repo: RepositorySpec) -> str:
    return f"{RUBYGEMS_REGISTRY}/{repo.owner.lower()}"


def _link_check(repo: RepositorySpec, gem: RubyGemsSpec, source: str) -> Step:
    """The gemspec's `github_repo` link, `allowed_push_host` and (where the manifest names
    it) its name, before anything is built."""
    checks = [
        f'repo="$({_gemspec("metadata[%q(github_repo)]")})"',
        'if [ "$(printf %s "$repo" | tr A-Z a-z)" != "$(printf %s "$LINK" | tr A-Z a-z)" ]; then',
        "  echo \"::error file=$GEMSPEC::the gemspec's metadata['github_repo'] is '$repo'; set it"
        " to '$LINK' so that the gem is linked to its repository and inherits its access\"",
        "  exit 1",
        "fi",
        # gem push refuses a host other than the one allowed_push_host names (scheme and host).
        f'allowed="$({_gemspec("metadata[%q(allowed_push_host)].to_s")})"',
        'origin() { printf %s "$1" | cut -d/ -f1-3 | tr A-Z a-z; }',
        'if [ -n "$allowed" ] && [ "$(origin "$allowed")" != "$(origin "$REGISTRY")" ]; then',
        "  echo \"::error file=$GEMSPEC::the gemspec's metadata['allowed_push_host'] is"
        " '$allowed', so gem push would refuse $REGISTRY; set it to '$REGISTRY' or remove it\"",
        "  exit 1",
        "fi",
    ]
    named: dict[str, str] = {}
    if gem.package is not None:
        checks += [
            f'name="$({_gemspec("name")})"',
            'if [ "$name" != "$PACKAGE" ]; then',
            "  echo \"::error file=$GEMSPEC::the gemspec names '$name' but the manifest"
            " publishes '$PACKAGE'; change one of them ($MANIFEST_KEY)\"",
            "  exit 1",
            "fi",
        ]
        named = {
            "PACKAGE": gem.package,
            "MANIFEST_KEY": _MANIFEST_KEY.format(key="package", name=repo.name, source=source),
        }
    return Step(
        name="Check the gemspec's metadata",
        env={
            "GEMSPEC": gem.gemspec,
            "LINK": f"ssh://github.com/{repo.full_name}",
            "REGISTRY": _host(repo),
            **named,
        },
        run="\n".join([*checks, ""]),
    )


def _build(gem: RubyGemsSpec) -> Step:
    """`gem build` into $RELEASE_DIR, dated by the release commit (SOURCE_DATE_EPOCH): the
    same commit builds the same bytes, which a re-run compares with what the registry serves."""
    return Step(
        name="Build the gem",
        id=GEM_STEP,
        env={"GEMSPEC": gem.gemspec, "RELEASE_DIR": RELEASE_DIR},
        run="\n".join(
            [
                'epoch="$(git log -1 --format=%ct)"',
                'export SOURCE_DATE_EPOCH="$epoch"',
                f'file="$({_gemspec("file_name")})"',
                'mkdir -p "$RELEASE_DIR"',
                'gem build "$GEMSPEC" --output "$RELEASE_DIR/$file"',
                'echo "file=$file" >> "$GITHUB_OUTPUT"',
                "",
            ]
        ),
    )


# The gem file as the registry serves it (`<host>/<owner>/gems/<file>`, where gem and Bundler
# download gems), read with the job's token as GitHub documents for installing: basic
# authentication as the actor; the token reaches curl on its standard input, never a file or
# the command line.
_FETCH = [
    'served="$RUNNER_TEMP/served.gem"',
    'rm -f "$served"',
    'status="$(printf \'user = "%s:%s"\\n\' "$GITHUB_ACTOR" "$TOKEN" | curl --silent'
    " --show-error --config - --output \"$served\" --write-out '%{http_code}'"
    ' "$HOST/gems/$GEM_FILE")"',
    'built="$(sha256sum "$RELEASE_DIR/$GEM_FILE" | cut -d\' \' -f1)"',
    'if [ "$status" = 200 ]; then served_sha="$(sha256sum "$served" | cut -d\' \' -f1)"; fi',
]


def _look_up(env: dict[str, str]) -> Step:
    """Before pushing: a version the registry already serves is not pushed again (the same
    gem: a re-run, skipped; another gem: refused)."""
    return Step(
        name="Look the version up in the registry",
        id=REGISTRY_STEP,
        env=env,
        run="\n".join(
            [
                *_FETCH,
                'case "$status" in',
                "  404)",
                '    echo "$GEM_FILE is not in the registry: pushing it"',
                '    echo "published=false" >> "$GITHUB_OUTPUT"',
                "    ;;",
                "  200)",
                '    if [ "$served_sha" != "$built" ]; then',
                '      echo "::error::the registry already serves $GEM_FILE with other content'
                " (sha256 $served_sha), not the gem this release built (sha256 $built); a"
                ' version is published once: release a new version"',
                "      exit 1",
                "    fi",
                '    echo "::notice::$GEM_FILE is already published with the same content'
                ' (sha256 $built): not pushed again"',
                '    echo "published=true" >> "$GITHUB_OUTPUT"',
                "    ;;",
                "  *)",
                '    echo "::error::looking $GEM_FILE up in the registry answered HTTP $status;'
                ' nothing is published"',
                "    exit 1",
                "    ;;",
                "esac",
                "",
            ]
        ),
    )


def _served(env: dict[str, str]) -> Step:
    """After pushing: the registry serves the gem this release built."""
    return Step(
        name="Check the registry serves the gem",
        env=env,
        run="\n".join(
            [
                *_FETCH,
                'if [ "$status" != 200 ]; then',
                '  echo "::error::the registry does not serve $GEM_FILE after the push'
                ' (HTTP $status)"',
                "  exit 1",
                "fi",
                'if [ "$served_sha" != "$built" ]; then',
                '  echo "::error::the registry serves $GEM_FILE with other content (sha256'
                ' $served_sha) than the gem this release built (sha256 $built)"',
                "  exit 1",
                "fi",
                'echo "the registry serves $GEM_FILE (sha256 $built)"',
                "",
            ]
        ),
    )


def rubygems_release(repo: RepositorySpec, source: str) -> Workflow:
    """Test on pull requests; on a release, test, then (read access only) check the gemspec's
    repository link and the tag and build the gem, then (write access, no checkout, no code of
    the project) push it to the owner's RubyGems registry once."""
    gem: RubyGemsSpec | None = repo.block("rubygems")
    if gem is None:
        raise ValueError(f"{repo.name} publishes no gem")
    host = _host(repo)
    bundle = {"BUNDLE_PATH": BUNDLE_PATH}
    setup = (
        _check_ruby(gem, _MANIFEST_KEY.format(key="ruby_version", name=repo.name, source=source)),
        Step(
            name="Install dependencies",
            run="bundle install",
            # The owner's gems install with the job's token (`packages: read`).
            env={BUNDLE_CREDENTIAL: "${{ github.actor }}:${{ secrets.GITHUB_TOKEN }}", **bundle},
        ),
    )
    gem_file = {
        "HOST": host,
        "GEM_FILE": f"${{{{ needs.package.outputs.{GEM_OUTPUT} }}}}",
        "RELEASE_DIR": RELEASE_DIR,
    }
    registry = {**gem_file, "TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
    push = shell_join(["gem", "push", "--host", host])
    return release_workflow(
        repo,
        source,
        title="Release gem",
        check="rubygems test",
        release_types=gem.release_types,
        setup=setup,
        test=(Step(name="Test", run=shell_join(gem.test_command), env=bundle),),
        package=(
            _link_check(repo, gem, source),
            version_check(
                _gemspec("version"),
                "*[a-zA-Z]*",
                pattern=repo.release_tag_pattern,
                what="gemspec's",
                where="GEMSPEC",
                env={"GEMSPEC": gem.gemspec},
            ),
            _build(gem),
        ),
        publish=(
            _look_up(registry),
            Step(
                name="Push the gem",
                if_=f"steps.{REGISTRY_STEP}.outputs.published == 'false'",
                # The key `gem push` reads first (RubyGems' gemcutter_utilities.rb, `api_key`),
                # sent as the Authorization header; nothing is written to ~/.gem/credentials.
                env={
                    "GEM_HOST_API_KEY": "Bearer ${{ secrets.GITHUB_TOKEN }}",
                    "GEM_FILE": gem_file["GEM_FILE"],
                    "RELEASE_DIR": RELEASE_DIR,
                },
                run=f'{push} "$RELEASE_DIR/$GEM_FILE"',
                ignore=NO_TRUSTED_PUBLISHING,
            ),
            _served(registry),
        ),
        group="release-gem",
        outputs={GEM_OUTPUT: f"${{{{ steps.{GEM_STEP}.outputs.file }}}}"},
    )


RUBYGEMS = Ecosystem(
    key="rubygems",
    defaults=RubyGemsDefaults,
    block=RubyGems,
    resolve=_resolve_rubygems,
    identity="package",
    published=lambda spec: spec.package,
    workflow_path=RUBYGEMS_PATH,
    workflow=rubygems_release,
    settings=spec_settings,
)
