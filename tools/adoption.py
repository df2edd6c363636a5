"""What the first `pulumi up` changes on each adopted repository, for `make synth` and
`make diff`: offline, from the registrations of the program and, where one is given, a
recorded or simulated GitHub state (the simulator's seed format, `tools/ghsim`; a
rehearsal's `OUT/github-state.json`).

Per adopted repository: the settings the update changes (the provider's update computed the
way `tools/github_state.py` does), the managed files it adds or overwrites, its Actions
policy and default token (set by the stack, or kept: then whether the kept policy blocks
ghpublish's own workflows) and, under `org_standards`, the organization's policy that
applies to it over its own.
"""

from __future__ import annotations

__all__ = [
    "Adopted",
    "OrgPolicy",
    "adopted_repositories",
    "first_up_lines",
    "load_state",
    "org_policy",
]

import base64
import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components._core._catalog import GITHUB_OWNED, VERIFIED_CREATORS
from tools.ghsim._state import NEW_REPOSITORY
from tools.github_state import repository_state, repository_update

REPO_TYPE = "github:index/repository:Repository"
FILE_TYPE = "github:index/repositoryFile:RepositoryFile"
REPO_ACTIONS = "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions"
REPO_TOKEN = "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions"
ORG_ACTIONS = "github:index/actionsOrganizationPermissions:ActionsOrganizationPermissions"
ORG_TOKEN = (
    "github:index/actionsOrganizationWorkflowPermissions:ActionsOrganizationWorkflowPermissions"
)
# What GitHub gives a repository that never set them (and the simulator answers).
GITHUB_ACTIONS_DEFAULT = {"enabled": True, "allowed_actions": "all"}
GITHUB_SELECTED_DEFAULT = {"github_owned_allowed": True, "verified_allowed": False}
GITHUB_TOKEN_DEFAULT = {"default_workflow_permissions": "read"}
GITHUB_BRANCH = "the default branch GitHub has"
_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*([^\s#]+)", re.MULTILINE)


@dataclass(frozen=True)
class Adopted:
    """One adopted repository, as the program registers it."""

    name: str
    inputs: dict[str, Any]  # the Repository's plain inputs
    ignore_changes: tuple[str, ...]
    files: tuple[tuple[str, str], ...]  # (path, branch: "" for the default branch)
    uses: tuple[str, ...]  # the actions its managed workflows run, `owner/repo@sha`
    actions: dict[str, Any] | None  # ActionsRepositoryPermissions inputs, None: kept
    token: dict[str, Any] | None  # WorkflowRepositoryPermissions inputs, None: kept


@dataclass(frozen=True)
class OrgPolicy:
    """The organization's Actions policy and token default the stack sets (org_standards)."""

    actions: dict[str, Any]
    token: dict[str, Any]


def adopted_repositories(
    resources: Iterable[tuple[str | None, str, Mapping[str, Any], Mapping[str, Any]]],
    files: Mapping[str, str],
    owner: str,
) -> list[Adopted]:
    """The adopted repositories among ``resources``: (repository, type, plain inputs,
    options as the plan shows them), with the generated ``files`` by `<owner>/<repo>/<path>`."""
    by_repo: dict[str, list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]] = {}
    for repo, type_, inputs, opts in resources:
        if repo is not None:
            by_repo.setdefault(repo, []).append((type_, inputs, opts))
    found = []
    for name, mine in sorted(by_repo.items(), key=lambda item: item[0].lower()):
        repos = [(i, o) for t, i, o in mine if t == REPO_TYPE and o.get("importId")]
        if not repos:
            continue
        inputs, opts = repos[0]
        paths = tuple(
            sorted(
                (str(i["file"]), str(i.get("branch") or "")) for t, i, _ in mine if t == FILE_TYPE
            )
        )
        uses = sorted(
            {
                action
                for path, _ in paths
                for action in _USES.findall(files.get(f"{owner}/{name}/{path}", ""))
                if not action.startswith(("./", "docker://"))
            }
        )
        found.append(
            Adopted(
                name=name,
                inputs=dict(inputs),
                ignore_changes=tuple(opts.get("ignoreChanges") or ()),
                files=paths,
                uses=tuple(uses),
                actions=next((dict(i) for t, i, _ in mine if t == REPO_ACTIONS), None),
                token=next((dict(i) for t, i, _ in mine if t == REPO_TOKEN), None),
            )
        )
    return found


def org_policy(
    resources: Iterable[tuple[str | None, str, Mapping[str, Any], Mapping[str, Any]]],
) -> OrgPolicy | None:
    """The organization's policy the stack registers (org_standards), or None."""
    actions = token = None
    for repo, type_, inputs, _ in resources:
        if repo is None and type_ == ORG_ACTIONS:
            actions = dict(inputs)
        elif repo is None and type_ == ORG_TOKEN:
            token = dict(inputs)
    return OrgPolicy(actions, token or {}) if actions is not None else None


def load_state(path: str) -> dict[str, Any]:
    """A GitHub state in the simulator's seed format: API path → what GitHub returns."""
    state = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(state, dict):
        raise ValueError(f"{path}: not a GitHub state (a JSON object of API paths)")
    return state


# -- wording ---------------------------------------------------------------------------------


def _policy(actions: Mapping[str, Any], selected: Mapping[str, Any] | None = None) -> str:
    """An Actions policy in the REST API's or the provider's shape, in words."""
    if actions.get("enabled") is False:
        return "Actions disabled"
    allowed = actions.get("allowed_actions") or actions.get("allowedActions") or "all"
    if allowed == "all":
        text = "all actions allowed"
    elif allowed == "local_only":
        text = "only local actions allowed"
    else:
        config = selected or _config(actions)
        patterns = config.get("patterns_allowed") or config.get("patternsAlloweds") or []
        more = f" and {len(patterns)} more" if patterns else ""
        own = config.get("github_owned_allowed", config.get("githubOwnedAllowed"))
        text = f"selected actions ({'GitHub' if own else 'not GitHub'}'s own{more})"
    pinning = actions.get("sha_pinning_required", actions.get("shaPinningRequired"))
    return text + (", SHA pinning required" if pinning else ", SHA pinning not required")


def _config(inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    config = inputs.get("allowedActionsConfig") or {}
    return config[0] if isinstance(config, list) and config else config  # type: ignore[no-any-return]


def _token(token: Mapping[str, Any]) -> str:
    value = token.get("default_workflow_permissions") or token.get("defaultWorkflowPermissions")
    approve = token.get(
        "can_approve_pull_request_reviews", token.get("canApprovePullRequestReviews")
    )
    return f"{value or 'read'}, workflows {'may' if approve else 'cannot'} approve pull requests"


def _blocked(uses: tuple[str, ...], actions: Mapping[str, Any], selected: Mapping[str, Any]) -> str:
    """Why a policy stops ghpublish's workflows from running, or ""."""
    if actions.get("enabled") is False:
        return "Actions are disabled"
    allowed = actions.get("allowed_actions") or "all"
    if allowed == "all":
        return ""
    if allowed == "local_only":
        return f"only local actions may run, not {', '.join(uses)}" if uses else ""
    patterns = list(selected.get("patterns_allowed") or [])
    refused = [
        uses_
        for uses_ in uses
        if not (
            (uses_.split("/")[0] in GITHUB_OWNED and selected.get("github_owned_allowed"))
            or (uses_.split("/")[0] in VERIFIED_CREATORS and selected.get("verified_allowed"))
            or any(
                fnmatch.fnmatchcase(uses_, p) or fnmatch.fnmatchcase(uses_.split("@")[0], p)
                for p in patterns
            )
        )
    ]
    return f"its selected actions do not allow {', '.join(refused)}" if refused else ""


# -- the report ------------------------------------------------------------------------------


def first_up_lines(
    owner: str,
    adopted: list[Adopted],
    org: OrgPolicy | None,
    state: Mapping[str, Any] | None,
    label: str,
) -> list[str]:
    """The report's lines: a title, then per adopted repository its name and one indented
    line per kind of change. ``state`` is GitHub's (seed format), ``label`` where it is from."""
    if not adopted:
        return []
    source = (
        f"GitHub's state from {label}"
        if state is not None
        else "GitHub's state unknown offline: SEED=<state.json> compares with a recorded one"
    )
    lines = [f"first pulumi up on adopted repositories ({source}):"]
    for repo in adopted:
        lines.append(f"  {owner}/{repo.name}:")
        lines.extend(f"    {line}" for line in _repository_lines(owner, repo, org, state))
    return lines


def _repository_lines(
    owner: str, repo: Adopted, org: OrgPolicy | None, state: Mapping[str, Any] | None
) -> list[str]:
    base = f"/repos/{owner}/{repo.name}"
    rest = state.get(base) if state is not None else None
    if state is not None and rest is None:
        return [f"not in GitHub's state: importing {owner}/{repo.name} fails"]
    lines = [_settings(repo, rest), _files(repo, base, rest, state)]
    kept_actions = kept_token = None
    if state is not None:
        kept_actions = state.get(f"{base}/actions/permissions") or GITHUB_ACTIONS_DEFAULT
        selected = {
            **GITHUB_SELECTED_DEFAULT,
            **(state.get(f"{base}/actions/permissions/selected-actions") or {}),
        }
        kept_token = state.get(f"{base}/actions/permissions/workflow") or GITHUB_TOKEN_DEFAULT
    if repo.actions is not None:
        was = f" (was: {_policy(kept_actions, selected)})" if kept_actions is not None else ""
        lines.append(f"Actions policy: set to {_policy(repo.actions)}{was}")
    elif kept_actions is None:
        lines.append(
            "Actions policy: its own, kept (unknown offline: one that does not allow its"
            " workflows' pinned actions blocks them)"
        )
    else:
        blocked = _blocked(repo.uses, kept_actions, selected)
        lines.append(
            f"Actions policy: its own, kept: {_policy(kept_actions, selected)}"
            + (
                f"; BLOCKS ghpublish's workflows: {blocked} (allow them in the repository's"
                " Actions settings, or set actions.allow in its entry)"
                if blocked
                else ""
            )
        )
    if repo.token is not None:
        was = f" (was: {_token(kept_token)})" if kept_token is not None else ""
        lines.append(f"token: set to {_token(repo.token)}{was}")
    elif kept_token is None:
        lines.append("token: its own default, kept (unknown offline)")
    else:
        lines.append(f"token: its own default, kept: {_token(kept_token)}")
    if org is not None:
        lines.append(
            f"org_standards: the organization's policy applies to it: {_policy(org.actions)};"
            f" token {_token(org.token)}"
        )
    if state is not None:
        pinning = [p for p in (repo.actions, org.actions if org else None) if p is not None]
        if any(p.get("shaPinningRequired") for p in pinning):
            unpinned = _unpinned(state, base, repo)
            if unpinned:
                lines.append(
                    "its own workflows: SHA pinning required from then on stops"
                    f" {', '.join(unpinned)}"
                )
    return lines


_SHA = re.compile(r"@[0-9a-f]{40}$")


def _unpinned(state: Mapping[str, Any], base: str, repo: Adopted) -> list[str]:
    """The repository's own workflows (on its default branch, not managed by ghpublish) that
    use an action by tag or branch: `<file> (<uses>, …)`."""
    managed = {path for path, _ in repo.files}
    found = []
    prefix = f"{base}/contents/.github/workflows/"
    for key in sorted(state):
        path = key.removeprefix(f"{base}/contents/")
        if not key.startswith(prefix) or "?" in key or path in managed:
            continue
        try:
            text = base64.b64decode(state[key].get("content", "")).decode("utf-8")
        except (ValueError, AttributeError):
            continue
        by_tag = sorted(
            {
                u
                for u in _USES.findall(text)
                if not u.startswith(("./", "docker://")) and not _SHA.search(u)
            }
        )
        if by_tag:
            found.append(f"{path} ({', '.join(by_tag)})")
    return found


def _settings(repo: Adopted, rest: Mapping[str, Any] | None) -> str:
    sent = sorted(set(repo.inputs) - {"name", "archiveOnDestroy"})
    if rest is None:
        if not sent:
            return "settings: none changed (its entry sets none)"
        return f"settings: sets {', '.join(sent)} as its entry says; keeps every other one"
    update = repository_update(repo.inputs, repository_state(_filled(rest)), repo.ignore_changes)
    if not update.changes:
        return "settings: none changed"
    return "settings: " + ", ".join(
        f"{attr} {json.dumps(old)} -> {json.dumps(new)}"
        for attr, (old, new) in sorted(update.changes.items())
    )


def _filled(rest: Mapping[str, Any]) -> dict[str, Any]:
    """A seeded repository as GitHub answers it: the settings a seed leaves out are GitHub's
    for a new repository (as the simulator fills them)."""
    private = rest.get("private", rest.get("visibility", "public") != "public")
    return {
        **NEW_REPOSITORY,
        "private": private,
        "visibility": "private" if private else "public",
        "allow_forking": not private,
        **rest,
    }


def _files(
    repo: Adopted,
    base: str,
    rest: Mapping[str, Any] | None,
    state: Mapping[str, Any] | None,
) -> str:
    if not repo.files:
        return "files: none"
    if state is None or rest is None:
        return "files: " + "; ".join(
            f"writes {path} to {branch or GITHUB_BRANCH} (overwrites it if it exists)"
            for path, branch in repo.files
        )
    default = str(rest.get("default_branch") or "main")
    parts = []
    for path, branch in repo.files:
        on = branch or default
        key = f"{base}/contents/{path}" + ("" if on == default else f"?ref={on}")
        verb = "overwrites" if key in state else "adds"
        parts.append(f"{verb} {path} on {on}")
    return "files: " + "; ".join(parts)
