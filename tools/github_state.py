"""What GitHub holds, as the github provider reads and writes it, for the mock engine.

A recorded response of GitHub's REST API (`GET /repos/{owner}/{repo}`, in the API's
documented shape) is turned into the provider's `Repository` state the way
terraform-provider-github v6.13.0 reads it (`resourceGithubRepositoryRead`), and an update
is computed the way the provider builds it (`resourceGithubRepositoryObject`): every
attribute is sent, one without a value as its schema default or false/empty. Pulumi fills
each `ignoreChanges` attribute from the imported state before the update.
"""

from __future__ import annotations

__all__ = [
    "RepositoryUpdate",
    "load_repository",
    "repository_state",
    "repository_update",
]

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# REST field → provider attribute, as the provider's read sets them.
_REST_TO_STATE = {
    "name": "name",
    "description": "description",
    "homepage": "homepageUrl",
    "private": "private",
    "visibility": "visibility",
    "has_issues": "hasIssues",
    "has_discussions": "hasDiscussions",
    "has_projects": "hasProjects",
    "has_wiki": "hasWiki",
    "is_template": "isTemplate",
    "default_branch": "defaultBranch",
    "archived": "archived",
    "topics": "topics",
    "allow_auto_merge": "allowAutoMerge",
    "allow_merge_commit": "allowMergeCommit",
    "allow_rebase_merge": "allowRebaseMerge",
    "allow_squash_merge": "allowSquashMerge",
    "allow_update_branch": "allowUpdateBranch",
    "allow_forking": "allowForking",
    "delete_branch_on_merge": "deleteBranchOnMerge",
    "web_commit_signoff_required": "webCommitSignoffRequired",
    "has_downloads": "hasDownloads",
    "merge_commit_message": "mergeCommitMessage",
    "merge_commit_title": "mergeCommitTitle",
    "squash_merge_commit_message": "squashMergeCommitMessage",
    "squash_merge_commit_title": "squashMergeCommitTitle",
}
# The provider's schema defaults (`Default:`) of the attributes that have one.
_SCHEMA_DEFAULTS: dict[str, Any] = {
    "allowMergeCommit": True,
    "allowSquashMerge": True,
    "allowRebaseMerge": True,
    "allowAutoMerge": False,
    "deleteBranchOnMerge": False,
    "archived": False,
    "squashMergeCommitTitle": "COMMIT_OR_PR_TITLE",
    "squashMergeCommitMessage": "COMMIT_MESSAGES",
    "mergeCommitTitle": "MERGE_MESSAGE",
    "mergeCommitMessage": "PR_TITLE",
}
# Attributes every update sends (`Edit` with the whole object), value or not.
_ALWAYS_SENT = (
    "description",
    "homepageUrl",
    "visibility",
    "hasIssues",
    "hasDiscussions",
    "hasProjects",
    "hasWiki",
    "isTemplate",
    "allowMergeCommit",
    "allowSquashMerge",
    "allowRebaseMerge",
    "allowAutoMerge",
    "deleteBranchOnMerge",
    "archived",
    "allowUpdateBranch",
    "topics",
)
# Sent only when set (allowForking and webCommitSignoffRequired: `GetOkExists`) or when
# their merge method is allowed (the commit titles and messages).
_SENT_WHEN_SET = ("allowForking", "webCommitSignoffRequired")
_MERGE_TEXTS = {
    "allowMergeCommit": ("mergeCommitTitle", "mergeCommitMessage"),
    "allowSquashMerge": ("squashMergeCommitTitle", "squashMergeCommitMessage"),
}


def load_repository(root: Path, owner: str, name: str) -> dict[str, Any] | None:
    """The recorded `GET /repos/{owner}/{name}` under ``root`` (`repos/<owner>/<name>.json`)."""
    path = root / "repos" / owner / f"{name}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def repository_state(rest: Mapping[str, Any]) -> dict[str, Any]:
    """The provider's `Repository` state read from a REST response."""
    state = {attr: rest[field] for field, attr in _REST_TO_STATE.items() if field in rest}
    state["description"] = state.get("description") or ""
    state["homepageUrl"] = state.get("homepageUrl") or ""
    state["topics"] = list(state.get("topics") or [])
    return state


def _unset(attr: str) -> Any:
    if attr in _SCHEMA_DEFAULTS:
        return _SCHEMA_DEFAULTS[attr]
    return [] if attr == "topics" else "" if attr in ("description", "homepageUrl") else False


@dataclass(frozen=True)
class RepositoryUpdate:
    """The attributes an update sends that differ from GitHub's: attribute → (now, sent)."""

    changes: dict[str, tuple[Any, Any]]

    @property
    def changed(self) -> list[str]:
        return sorted(self.changes)


def repository_update(
    inputs: Mapping[str, Any], state: Mapping[str, Any], ignore_changes: Iterable[str] = ()
) -> RepositoryUpdate:
    """What the provider's update after an import would change on GitHub."""
    desired = dict(inputs)
    for attr in ignore_changes:
        if attr in state:
            desired[attr] = state[attr]
    if "topics" in desired:  # a set: the order GitHub returns them in is no change
        desired["topics"] = sorted(desired["topics"])
    state = {**state, "topics": sorted(state.get("topics") or [])}
    sent: dict[str, Any] = {}
    for attr in _ALWAYS_SENT:
        sent[attr] = desired[attr] if attr in desired else _unset(attr)
    # `calculateVisibility`: the visibility, else from `private`, else public.
    if "visibility" not in desired:
        sent["visibility"] = "private" if desired.get("private") else "public"
    for attr in _SENT_WHEN_SET:
        if attr in desired:
            sent[attr] = desired[attr]
    for method, texts in _MERGE_TEXTS.items():
        if sent[method]:
            for attr in texts:
                sent[attr] = desired[attr] if attr in desired else _unset(attr)
    changes = {
        attr: (state.get(attr), value)
        for attr, value in sorted(sent.items())
        if state.get(attr) != value
    }
    return RepositoryUpdate(changes)
