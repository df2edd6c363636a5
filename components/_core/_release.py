"""What the release workflows of every package ecosystem share: the keys every package
block has, their resolution, the release-tag check and the three jobs.

A test job on pull requests and before publishing, reading the owner's packages with
`packages: read`; on a release, a package job with the same read access that checks the tag
and builds the artifact, and a publish job in the `release` environment, the only one with
`packages: write`, which checks out nothing and runs none of the project's code: it pushes
the artifact the package job uploaded. No dependency cache anywhere in these workflows: a
poisoned cache would reach the package.
"""

from __future__ import annotations

__all__ = [
    "NO_TRUSTED_PUBLISHING",
    "PRERELEASE",
    "READ_PACKAGES",
    "RELEASE_DIR",
    "RELEASE_STEP",
    "TAG_VERSION",
    "VERSION",
    "WRITE_PACKAGES",
    "PackageBlock",
    "ReleaseKeys",
    "download_release",
    "release_keys",
    "release_tag_env",
    "release_workflow",
    "tag_parts",
    "upload_release",
    "version_check",
]

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ._catalog import pin
from ._ecosystem import package_visibility
from ._fields import RELEASE_TYPES, Loc, ReleaseType, _Block, _pick
from ._spec import RELEASE_ENVIRONMENT, RepositorySpec
from ._steps import READ_CODE, checkout, header, per_ref_concurrency
from ._workflow import Job, Permission, Step, Workflow, pull_requests_to

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


RELEASE_STEP = "release"
# Where the package job leaves the release artifact and the publish job finds it: outside the
# workspace, so no file of the project is taken for one.
RELEASE_DIR = "${{ runner.temp }}/release"
RELEASE_ARTIFACT = "release"
# The package job's outputs the publish job reads (it checks out nothing of the project).
VERSION = "${{ needs.package.outputs.version }}"
PRERELEASE = "${{ needs.package.outputs.prerelease }}"


def tag_parts(pattern: str) -> tuple[str, str]:
    """What precedes and what follows the version in a release tag pattern (`v`, `` of `v*`;
    `widgets@`, `` of `widgets@*`; `v`, `-stable` of `v*-stable`)."""
    prefix, suffix = pattern.split("*")
    return prefix, suffix


def release_tag_env(pattern: str) -> dict[str, str]:
    """The release's values for a script, through the environment only, never as code."""
    prefix, suffix = tag_parts(pattern)
    return {"TAG_PREFIX": prefix, "TAG_SUFFIX": suffix, **RELEASE_ENV}


# The version a release tag names: the tag without the pattern's prefix and suffix and
# without a leading `v` (`release-1.2.3`, `widgets@v1.2.3`, `v1.2.3-stable`); a tag the
# pattern does not match names none.
TAG_VERSION = [
    'case "$TAG" in',
    '  "$TAG_PREFIX"*"$TAG_SUFFIX") ;;',
    "  *)",
    "    echo \"::error::the release tag '$TAG' does not match the release tag pattern"
    " '$TAG_PREFIX*$TAG_SUFFIX'; nothing is published\"",
    "    exit 1",
    "    ;;",
    "esac",
    'tag_version="${TAG#"$TAG_PREFIX"}"',
    'tag_version="${tag_version%"$TAG_SUFFIX"}"',
    'tag_version="${tag_version#v}"',
]


def version_check(
    version: str,
    prerelease: str,
    *,
    pattern: str,
    what: str,
    where: str,
    env: Mapping[str, str],
) -> Step:
    """Fail before building the release when the release tag is not the package's version
    (:data:`TAG_VERSION`) or when the GitHub release's prerelease flag disagrees with the
    version; on success the step's outputs are the `version` and whether it is a
    `prerelease`. ``version`` prints the version; a version matching the shell pattern
    ``prerelease`` is a prerelease in the ecosystem. Manifest values reach the script through
    ``env`` only (``where`` names a variable of it)."""
    return Step(
        name="Check the release tag against the version",
        id=RELEASE_STEP,
        env={**env, **release_tag_env(pattern)},
        run="\n".join(
            [
                f'version="$({version})"',
                *TAG_VERSION,
                'if [ "$tag_version" != "$version" ]; then',
                f"  echo \"::error file=${where}::the release tag '$TAG' is version"
                f" '$tag_version' but the {what} version is '$version'; nothing is published:"
                " release the tag '$TAG_PREFIX$version$TAG_SUFFIX' or change the version\"",
                "  exit 1",
                "fi",
                f'case "$version" in {prerelease}) pre=true ;; *) pre=false ;; esac',
                'if [ "$pre" != "$PRERELEASE" ]; then',
                f"  echo \"::error file=${where}::version '$version' is"
                " $([ \"$pre\" = true ] || echo 'not ')a prerelease, but the GitHub release is"
                ' $([ "$PRERELEASE" = true ] || echo \'not \')marked as one; make them agree"',
                "  exit 1",
                "fi",
                'echo "version=$version" >> "$GITHUB_OUTPUT"',
                'echo "prerelease=$pre" >> "$GITHUB_OUTPUT"',
                "",
            ]
        ),
    )


# The artifact's files and their SHA-256, one line each, in one order: the package job's
# output `digest` is the hash of that list, which the publish job recomputes from what it
# downloaded before pushing anything.
_LISTING = (
    'listing="$(cd "$RELEASE_DIR" && find . -type f -print0 | LC_ALL=C sort -z'
    ' | xargs -0 -r sha256sum)"'
)


def _record_digest() -> Step:
    return Step(
        name="Record the release artifact's digest",
        id="artifact",
        env={"RELEASE_DIR": RELEASE_DIR},
        run="\n".join(
            [
                _LISTING,
                'if [ -z "$listing" ]; then',
                '  echo "::error::the build left no release artifact in $RELEASE_DIR"',
                "  exit 1",
                "fi",
                'echo "$listing"',
                "echo \"digest=$(printf '%s\\n' \"$listing\" | sha256sum | cut -d' ' -f1)\""
                ' >> "$GITHUB_OUTPUT"',
                "",
            ]
        ),
    )


def _check_digest() -> Step:
    return Step(
        name="Check the release artifact's digest",
        env={"RELEASE_DIR": RELEASE_DIR, "DIGEST": "${{ needs.package.outputs.digest }}"},
        run="\n".join(
            [
                _LISTING,
                'echo "$listing"',
                "actual=\"$(printf '%s\\n' \"$listing\" | sha256sum | cut -d' ' -f1)\"",
                'if [ "$actual" != "$DIGEST" ]; then',
                '  echo "::error::the downloaded release artifact is not the one the package'
                ' job built (digest $actual, expected $DIGEST); nothing is published"',
                "  exit 1",
                "fi",
                "",
            ]
        ),
    )


def upload_release() -> Sequence[Step]:
    """The package job's last steps: record the artifact's digest, upload it."""
    return (
        _record_digest(),
        Step(
            name="Upload the release artifact",
            uses=pin("actions/upload-artifact"),
            with_={
                "name": RELEASE_ARTIFACT,
                "path": RELEASE_DIR,
                "if-no-files-found": "error",
            },
        ),
    )


def download_release() -> Sequence[Step]:
    """The publish job's first steps: download the package job's artifact and check it."""
    return (
        Step(
            name="Download the release artifact",
            uses=pin("actions/download-artifact"),
            with_={"name": RELEASE_ARTIFACT, "path": RELEASE_DIR},
        ),
        _check_digest(),
    )


def release_workflow(
    repo: RepositorySpec,
    source: str,
    *,
    title: str,
    check: str,
    release_types: Sequence[str],
    setup: Sequence[Step],
    test: Sequence[Step],
    package: Sequence[Step],
    publish: Sequence[Step],
    group: str,
    outputs: Mapping[str, str] | None = None,
) -> Workflow:
    """On a pull request to the default branch: test. On a release: test; then, without
    write access, check the tag and build the release artifact (``package``, leaving its files
    in ``$RELEASE_DIR``); then, in the `release` environment, a job that checks out nothing
    and runs no code of the project pushes that artifact (``publish``: the only steps that
    hold the write token). ``setup`` sets up the toolchain of the jobs that build;
    ``outputs`` are the package job's outputs beside `version`, `prerelease` and `digest`."""
    test_job = Job(
        id="test",
        name=check,
        permissions=(READ_CODE, READ_PACKAGES),
        steps=(checkout(), *setup, *test),
    )
    package_job = Job(
        id="package",
        name="Build the release artifact",
        needs=("test",),
        # Pull requests run the tests only.
        if_="github.event_name == 'release'",
        permissions=(READ_CODE, READ_PACKAGES),
        outputs={
            "version": f"${{{{ steps.{RELEASE_STEP}.outputs.version }}}}",
            "prerelease": f"${{{{ steps.{RELEASE_STEP}.outputs.prerelease }}}}",
            "digest": "${{ steps.artifact.outputs.digest }}",
            **(outputs or {}),
        },
        steps=(checkout(), *setup, *package, *upload_release()),
    )
    publish_job = Job(
        id="publish",
        name="Publish to GitHub Packages",
        needs=("package",),
        environment=RELEASE_ENVIRONMENT,
        permissions=(WRITE_PACKAGES,),
        steps=(*download_release(), *publish),
    )
    return Workflow(
        name=title,
        on={
            "pull_request": pull_requests_to(repo.default_branch),
            "release": {"types": list(release_types)},
        },
        concurrency=per_ref_concurrency(group),
        jobs=(test_job, package_job, publish_job),
        header=header(repo, source),
    )
