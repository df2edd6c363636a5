"""What every workflow of the standard shares: the file header and common steps."""

from __future__ import annotations

__all__ = ["READ_CODE", "checkout", "header", "per_ref_concurrency"]

from ._catalog import pin
from ._spec import STANDARD_VERSION, RepositorySpec
from ._workflow import Concurrency, Permission, Step

READ_CODE = Permission("contents", "read", "check out the repository")


def per_ref_concurrency(name: str) -> Concurrency:
    """One group per ref (a pull request's, a release tag's): a newer push to a pull request
    cancels its superseded run; a release run is never cancelled."""
    return Concurrency(
        f"{name}-${{{{ github.ref }}}}",
        cancel_in_progress="${{ github.event_name == 'pull_request' }}",
    )


def header(repo: RepositorySpec, source: str) -> tuple[str, ...]:
    """The first lines of every managed file: who manages it and where to change it (by pull
    request on the manifest repository: a repository's maintainer cannot run `pulumi up`).
    The renderer writes every line inertly (:func:`inert`)."""
    # By name, not by position: removing another repository changes no other file.
    entry = f"the repository '{repo.name}' under repositories in {source}"
    if repo.manifest_repository is not None:
        home = f"{repo.owner}/{repo.manifest_repository}"
        return (
            f"Managed by ghpublish (publishing standard v{STANDARD_VERSION}) from the manifest"
            f" {source}",
            f"in {home}. Do not edit by hand: changes made here are overwritten.",
            f"To change this file, open a pull request on {home} that edits",
            f"{entry}.",
        )
    return (
        f"Managed by ghpublish (publishing standard v{STANDARD_VERSION}) from the manifest"
        f" {source}",
        f"of {repo.owner}. Do not edit by hand: changes made here are overwritten.",
        "To change this file, open a pull request on the repository holding that manifest",
        f"that edits {entry}.",
    )


def checkout() -> Step:
    """Check out without leaving the token in .git/config for later steps."""
    return Step(
        name="Check out",
        uses=pin("actions/checkout"),
        with_={"persist-credentials": False},
    )
