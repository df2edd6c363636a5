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
    """The first lines of every managed file: who manages it and where to change it."""
    return (
        f"Managed by ghpublish (publishing standard v{STANDARD_VERSION}). Do not edit by hand:",
        "the next `pulumi up` overwrites changes made here. To change this file, edit",
        # By name, not by position: removing another repository changes no other file.
        f"the repository '{repo.name}' under repositories in {source} and run `pulumi up`.",
    )


def checkout() -> Step:
    """Check out without leaving the token in .git/config for later steps."""
    return Step(
        name="Check out",
        uses=pin("actions/checkout"),
        with_={"persist-credentials": False},
    )
