"""What the release workflows of Maven, Gradle, NuGet and RubyGems share: the keys every
package block has, their resolution, the release-tag check and the two jobs.

A test job on pull requests and before publishing, reading the owner's packages with
`packages: read`; a publish job on releases, in the `release` environment, the only one
with `packages: write`. No dependency cache anywhere in these workflows: the test job
runs before every publish, and a poisoned cache would reach the package.
"""

from __future__ import annotations

__all__ = [
    "NO_TRUSTED_PUBLISHING",
    "READ_PACKAGES",
    "WRITE_PACKAGES",
    "PackageBlock",
    "ReleaseKeys",
    "release_keys",
    "release_workflow",
    "version_check",
]

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ._ecosystem import package_visibility
from ._fields import RELEASE_TYPES, Loc, ReleaseType, _Block, _pick
from ._spec import RELEASE_ENVIRONMENT, RepositorySpec
from ._steps import READ_CODE, checkout, header
from ._workflow import Concurrency, Job, Permission, Step, Workflow, pull_requests_to

if TYPE_CHECKING:
    from ._ecosystem import Entry

READ_PACKAGES = Permission("packages", "read", "install the owner's packages from GitHub Packages")
WRITE_PACKAGES = Permission("packages", "write", "publish the package to GitHub Packages")
# zizmor's audit, on a publish step: GitHub Packages has no trusted publishing.
NO_TRUSTED_PUBLISHING = {
    "use-trusted-publishing": "GitHub Packages has no trusted publishing; GITHUB_TOKEN is its"
    " short-lived credential"
}
# The release event's values reach scripts through the environment only, never as code.
RELEASE_ENV = {
    "TAG": "${{ github.event.release.tag_name }}",
    "PRERELEASE": "${{ github.event.release.prerelease }}",
}


class PackageBlock(_Block):
    """The keys every package block has (an ecosystem's block adds its own)."""

    enabled: bool | None = Field(None, description="false turns off what defaults turn on.")
    release_types: list[ReleaseType] | None = Field(
        None, min_length=1, description="Release events that publish (default [published])."
    )
    visibility: Literal["public", "private", "internal"] | None = Field(
        None,
        description="The package's intended visibility: the repository's, whose access it"
        " inherits (default the repository's visibility).",
    )


@dataclass(frozen=True)
class ReleaseKeys:
    """A block's own and inherited models, and the keys every package block resolves alike."""

    own: Any
    inherited: Any
    release_types: tuple[str, ...]
    problems: list[tuple[Loc, str]]

    def pick(self, key: str, default: Any = None) -> Any:
        """The repository's value, else the defaults', else ``default``."""
        value = _pick(key, self.own, self.inherited)
        return default if value is None else value

    def visibility(self, key: str, repo: Entry, defaults: Entry, index: int, name: str) -> str:
        wanted, problems = package_visibility(key, repo, defaults, index, name)
        self.problems.extend(problems)
        return wanted


def release_keys(key: str, repo: Entry, defaults: Entry) -> ReleaseKeys | None:
    """The block's keys, or None when the repository does not publish with it."""
    own, inherited = getattr(repo, key), getattr(defaults, key)
    if (own is None and inherited is None) or _pick("enabled", own, inherited) is False:
        return None
    types = _pick("release_types", own, inherited) or ["published"]
    return ReleaseKeys(own, inherited, tuple(sorted(set(types), key=RELEASE_TYPES.index)), [])


def version_check(
    version: str, prerelease: str, *, what: str, where: str, env: Mapping[str, str]
) -> Step:
    """Fail before publishing when the release tag is not the package's version (with or
    without a `v`, after the release tag pattern's prefix) or when the GitHub release's
    prerelease flag disagrees with the version. ``version`` prints the version; a version
    matching the shell pattern ``prerelease`` is a prerelease in the ecosystem. Manifest
    values reach the script through ``env`` only (``where`` names a variable of it)."""
    return Step(
        name="Check the release tag against the version",
        env={**env, **RELEASE_ENV},
        run="\n".join(
            [
                f'version="$({version})"',
                'tag="${TAG##*[@/]}"',
                'if [ "${tag#v}" != "$version" ]; then',
                f"  echo \"::error file=${where}::the release tag '$TAG' is not the {what}"
                " version '$version'; tag the release with the version (or change the version)\"",
                "  exit 1",
                "fi",
                f'case "$version" in {prerelease}) pre=true ;; *) pre=false ;; esac',
                'if [ "$pre" != "$PRERELEASE" ]; then',
                f"  echo \"::error file=${where}::version '$version' is"
                " $([ \"$pre\" = true ] || echo 'not ')a prerelease, but the GitHub release is"
                ' $([ "$PRERELEASE" = true ] || echo \'not \')marked as one; make them agree"',
                "  exit 1",
                "fi",
                "",
            ]
        ),
    )


def release_workflow(
    repo: RepositorySpec,
    source: str,
    *,
    title: str,
    check: str,
    release_types: Sequence[str],
    setup: Callable[[bool], Sequence[Step]],
    test: Sequence[Step],
    verify: Sequence[Step],
    publish: Sequence[Step],
    group: str,
) -> Workflow:
    """On a pull request to the default branch: test. On a release: test, then check and
    publish from the `release` environment. ``setup(publish)`` sets up the toolchain."""
    test_job = Job(
        id="test",
        name=check,
        permissions=(READ_CODE, READ_PACKAGES),
        steps=(checkout(), *setup(False), *test),
    )
    publish_job = Job(
        id="publish",
        name="Publish to GitHub Packages",
        needs=("test",),
        # Pull requests run the tests only; releases publish, in the protected environment.
        if_="github.event_name == 'release'",
        environment=RELEASE_ENVIRONMENT,
        permissions=(READ_CODE, WRITE_PACKAGES),
        steps=(checkout(), *setup(True), *verify, *publish),
    )
    return Workflow(
        name=title,
        on={
            "pull_request": pull_requests_to(repo.default_branch),
            "release": {"types": list(release_types)},
        },
        concurrency=Concurrency(f"{group}-${{{{ github.ref }}}}", cancel_in_progress=False),
        jobs=(test_job, publish_job),
        header=header(repo, source),
    )
