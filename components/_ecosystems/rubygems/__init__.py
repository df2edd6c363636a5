"""The RubyGems ecosystem: the `rubygems` block, its resolved spec and its release workflow.

Facts from GitHub's docs ("Working with the RubyGems registry"), in our words:
- The owner's registry is `https://rubygems.pkg.github.com/<owner>`; `gem push --host` to it
  with `GITHUB_TOKEN` as a Bearer key publishes the repository's gems (`packages: write`).
- A gem is linked to the repository its gemspec names in `metadata["github_repo"]`
  (`ssh://github.com/<owner>/<repository>`); the publish job checks it before pushing.
- Bundler installs the owner's gems from that registry with credentials given per host;
  `BUNDLE_RUBYGEMS__PKG__GITHUB__COM` (`<user>:<token>`) is that setting for the host.
- RubyGems treats a version containing a letter (`1.2.0.rc1`, `1.2.0.pre`) as a prerelease.
"""

from __future__ import annotations

__all__ = ["RUBYGEMS", "RUBY_STABLE", "RubyGemsSpec", "rubygems_release"]

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from ..._core._catalog import pin
from ..._core._ecosystem import Ecosystem, spec_settings
from ..._core._fields import Loc, RepoPath, _command, _full_match, command_rule, excerpt
from ..._core._release import (
    NO_TRUSTED_PUBLISHING,
    PackageBlock,
    release_keys,
    release_workflow,
    version_check,
)
from ..._core._spec import RepositorySpec, Visibility
from ..._core._workflow import Step, Workflow, shell_join

if TYPE_CHECKING:
    from ..._core._ecosystem import Entry

# The current stable Ruby release line (4.0.0 released 2025-12-25, as Ruby's NEWS for 4.0 says), the
# default `ruby_version`.
RUBY_STABLE = "4.0"
RUBYGEMS_REGISTRY = "https://rubygems.pkg.github.com"
RUBYGEMS_PATH = ".github/workflows/release-gem.yml"
RUBYGEMS_STEPS = (
    "bundle exec rake",
    "group the steps in a Rake task and name it, such as 'bundle exec rake ci'",
)
# The credential Bundler reads for rubygems.pkg.github.com (dots as double underscores).
BUNDLE_CREDENTIAL = "BUNDLE_RUBYGEMS__PKG__GITHUB__COM"
_RUBY = re.compile(r"\d\.\d{1,2}(?:\.\d{1,2})?")
_GEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def _ruby_version(value: object) -> object:
    if isinstance(value, float):
        raise ValueError(
            f"{excerpt(value)}"
            f" is a number in YAML (3.10 reads as 3.1); quote the Ruby version, such"
            f" as '{RUBY_STABLE}'"
        )
    if isinstance(value, str) and not _RUBY.fullmatch(value):
        raise ValueError(
            f"{excerpt(value)}"
            f" is not a Ruby version; expected one such as '{RUBY_STABLE}' or '3.3.6'"
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
        None, description=f"Ruby for setup-ruby (default {RUBY_STABLE}, the stable release)."
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
        ruby_version=keys.pick("ruby_version", RUBY_STABLE),
        gemspec=(own.gemspec if own is not None else None) or f"{repo.name}.gemspec",
        test_command=_command(keys.pick("test_command", "bundle exec rake"), RUBYGEMS_STEPS),
        release_types=keys.release_types,
        visibility=keys.visibility("rubygems", repo, defaults, index, name),  # type: ignore[arg-type]
    )
    return spec, keys.problems


# ---------------------------------------------------------------------------
# The release workflow.


def _gemspec(expression: str) -> str:
    # The gemspec's path comes from the manifest: through the environment, never as code.
    return f"ruby -e 'print Gem::Specification.load(ARGV[0]).{expression}' \"$GEMSPEC\""


def rubygems_release(repo: RepositorySpec, source: str) -> Workflow:
    """Test on pull requests; on a release, test, check the gemspec's repository link and
    the tag, build and push to the owner's RubyGems registry."""
    gem: RubyGemsSpec | None = repo.block("rubygems")
    if gem is None:
        raise ValueError(f"{repo.name} publishes no gem")
    host = f"{RUBYGEMS_REGISTRY}/{repo.owner.lower()}"
    gemspec = {"GEMSPEC": gem.gemspec}

    def setup(publish: bool) -> tuple[Step, ...]:
        token = "${{ secrets.GITHUB_TOKEN }}" if publish else "${{ github.token }}"
        return (
            Step(
                name="Set up Ruby",
                uses=pin("ruby/setup-ruby"),
                # No bundler cache: dependencies are installed fresh in every job.
                with_={"ruby-version": gem.ruby_version, "bundler-cache": False},
            ),
            Step(
                name="Install dependencies",
                run="bundle install",
                env={BUNDLE_CREDENTIAL: f"${{{{ github.actor }}}}:{token}"},
            ),
        )

    checks = [
        f'repo="$({_gemspec("metadata[%q(github_repo)]")})"',
        'if [ "$(printf %s "$repo" | tr A-Z a-z)" != "$(printf %s "$LINK" | tr A-Z a-z)" ]; then',
        "  echo \"::error file=$GEMSPEC::the gemspec's metadata['github_repo'] is '$repo'; set it"
        " to '$LINK' so that the gem is linked to its repository and inherits its access\"",
        "  exit 1",
        "fi",
    ]
    if gem.package is not None:
        checks += [
            f'name="$({_gemspec("name")})"',
            'if [ "$name" != "$PACKAGE" ]; then',
            "  echo \"::error file=$GEMSPEC::the gemspec names '$name' but the manifest"
            " publishes '$PACKAGE'; change one of them ($MANIFEST_KEY)\"",
            "  exit 1",
            "fi",
        ]
    link = Step(
        name="Check the gem's repository link",
        env={
            **gemspec,
            "LINK": f"ssh://github.com/{repo.full_name}",
            **(
                {
                    "PACKAGE": gem.package,
                    "MANIFEST_KEY": f"rubygems.package of the repository '{repo.name}' in {source}",
                }
                if gem.package is not None
                else {}
            ),
        },
        run="\n".join([*checks, ""]),
    )
    push = shell_join(["gem", "push", "--host", host])
    return release_workflow(
        repo,
        source,
        title="Release gem",
        check="rubygems test",
        release_types=gem.release_types,
        setup=setup,
        test=(Step(name="Test", run=shell_join(gem.test_command)),),
        verify=(
            link,
            version_check(
                _gemspec("version"), "*[a-zA-Z]*", what="gemspec's", where="GEMSPEC", env=gemspec
            ),
        ),
        publish=(
            Step(name="Build", env=gemspec, run='gem build "$GEMSPEC" --output release.gem'),
            Step(
                name="Push",
                env={"GEM_HOST_API_KEY": "Bearer ${{ secrets.GITHUB_TOKEN }}"},
                run=f"{push} release.gem",
                ignore=NO_TRUSTED_PUBLISHING,
            ),
        ),
        group="release-gem",
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
