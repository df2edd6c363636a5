"""The pull-request rollout: managed files go to a branch and one pull request.

`rollout: pull_request` reaches repositories whose default branch is protected (direct
commits refused): the files are committed to ``ghpublish/standardize``, branched from the
default branch, and one pull request asks to merge it. `rollout: direct` (the default)
commits to the default branch.
"""

from __future__ import annotations

__all__ = ["ROLLOUT_BRANCH", "Rollout", "open_pull_request", "rollout_branch"]

from collections.abc import Sequence

import pulumi
import pulumi_github as github

from ._core._component import Component
from ._core._spec import ROLLOUT_BRANCH, STANDARD_VERSION, Rollout


def rollout_branch(
    owner: Component,
    name: str,
    *,
    repository: str,
    base: pulumi.Input[str],
    depends_on: Sequence[pulumi.Resource],
) -> github.Branch:
    """The branch the managed files are committed to, from the default branch."""
    return github.Branch(
        f"{name}-rollout-branch",
        repository=repository,
        branch=ROLLOUT_BRANCH,
        source_branch=base,
        opts=owner._child(depends_on=list(depends_on)),
    )


def open_pull_request(
    owner: Component,
    name: str,
    *,
    repository: str,
    base: pulumi.Input[str],
    paths: Sequence[str],
    source: str,
    files: Sequence[pulumi.Resource],
) -> github.RepositoryPullRequest:
    """One pull request from the rollout branch, opened once its files are committed."""
    listing = "\n".join(f"- `{path}`" for path in sorted(paths))
    return github.RepositoryPullRequest(
        f"{name}-rollout-pull-request",
        base_repository=repository,
        base_ref=base,
        head_ref=ROLLOUT_BRANCH,
        title=f"ghpublish: apply the publishing standard v{STANDARD_VERSION}",
        body=(
            "ghpublish manages these files (`rollout: pull_request` in"
            f" {source}):\n\n{listing}\n\nMerge this pull request to adopt them. Do not edit"
            f" them here: change {source} and run `pulumi up`, which updates this branch.\n"
        ),
        maintainer_can_modify=False,
        opts=owner._child(depends_on=list(files)),
    )
