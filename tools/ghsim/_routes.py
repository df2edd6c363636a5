"""The operations the simulator serves, and the provider code that calls each.

terraform-provider-github v6.13.0 (go-github v88), ``github/`` files; ``make import`` is the
later issue that reads an existing org. Every other operation answers 501 naming its
operationId (or "unknown path").

METHOD PATH (under /api/v3)  (operationId)
    the provider functions that call it

GET /orgs/{org}  (orgs/get)
    provider.go configureProviderMeta (404 = a user)
GET /user  (users/get-authenticated)
    provider.go configureProviderMeta (no owner)
GET /meta  (meta/get)
    (clients' connectivity check)
GET /orgs/{org}/repos  (repos/list-for-org)
    make import
POST /orgs/{org}/repos  (repos/create-in-org)
    resourceGithubRepositoryCreate
GET /repos/{owner}/{repo}  (repos/get)
    resourceGithubRepositoryRead, ...BranchDefault*, ...RepositoryFileCreate/Import,
    ...Environment*Create/Import, ...RulesetCreate/Update/Import
PATCH /repos/{owner}/{repo}  (repos/update)
    resourceGithubRepositoryUpdate/Delete (archive_on_destroy),
    resourceGithubBranchDefaultCreate/Update
DELETE /repos/{owner}/{repo}  (repos/delete)
    resourceGithubRepositoryDelete
GET /repos/{owner}/{repo}/topics  (repos/get-all-topics)
    make import
PUT /repos/{owner}/{repo}/topics  (repos/replace-all-topics)
    resourceGithubRepositoryCreate/Update
GET /repos/{owner}/{repo}/vulnerability-alerts  (repos/check-vulnerability-alerts)
    resourceGithubRepositoryRead
PUT /repos/{owner}/{repo}/vulnerability-alerts  (repos/enable-vulnerability-alerts)
    updateVulnerabilityAlerts
DELETE /repos/{owner}/{repo}/vulnerability-alerts  (repos/disable-vulnerability-alerts)
    updateVulnerabilityAlerts
GET /repos/{owner}/{repo}/pages  (repos/get-pages)
    resourceGithubRepositoryRead/Update (pages)
GET /repos/{owner}/{repo}/contents/{path}  (repos/get-content)
    resourceGithubRepositoryFileCreate/Read/Import, make import
PUT /repos/{owner}/{repo}/contents/{path}  (repos/create-or-update-file-contents)
    resourceGithubRepositoryFileCreate/Update
DELETE /repos/{owner}/{repo}/contents/{path}  (repos/delete-file)
    resourceGithubRepositoryFileDelete
GET /repos/{owner}/{repo}/commits  (repos/list-commits)
    getFileCommit (util_repo.go)
GET /repos/{owner}/{repo}/commits/{ref}  (repos/get-commit)
    resourceGithubRepositoryFileRead, getFileCommit
GET /repos/{owner}/{repo}/branches  (repos/list-branches)
    make import
GET /repos/{owner}/{repo}/branches/{branch}  (repos/get-branch)
    checkRepositoryBranchExists
POST /repos/{owner}/{repo}/branches/{branch}/rename  (repos/rename-branch)
    resourceGithubBranchUpdate, resourceGithubBranchDefaultCreate/Update (rename)
GET /repos/{owner}/{repo}/git/ref/{ref}  (git/get-ref)
    resourceGithubBranchCreate/Read, resourceGithubRepositoryFileCreateBranch
GET /repos/{owner}/{repo}/git/trees/{tree_sha}  (git/get-tree)
    make import (a branch's files, recursive)
POST /repos/{owner}/{repo}/git/refs  (git/create-ref)
    resourceGithubBranchCreate, resourceGithubRepositoryFileCreateBranch
DELETE /repos/{owner}/{repo}/git/refs/{ref}  (git/delete-ref)
    resourceGithubBranchDelete
GET /repos/{owner}/{repo}/environments  (repos/get-all-environments)
    make import
GET /repos/{owner}/{repo}/environments/{environment_name}  (repos/get-environment)
    resourceGithubRepositoryEnvironmentRead
PUT /repos/{owner}/{repo}/environments/{environment_name}  (repos/create-or-update-environment)
    resourceGithubRepositoryEnvironmentCreate/Update
DELETE /repos/{owner}/{repo}/environments/{environment_name}  (repos/delete-an-environment)
    resourceGithubRepositoryEnvironmentDelete
GET .../environments/{environment_name}/deployment-branch-policies
    (repos/list-deployment-branch-policies)
    make import
POST .../environments/{environment_name}/deployment-branch-policies
    (repos/create-deployment-branch-policy)
    resourceGithubRepositoryEnvironmentDeploymentPolicyCreate
GET .../deployment-branch-policies/{branch_policy_id}  (repos/get-deployment-branch-policy)
    ...DeploymentPolicyRead
PUT .../deployment-branch-policies/{branch_policy_id}  (repos/update-deployment-branch-policy)
    ...DeploymentPolicyUpdate
DELETE .../deployment-branch-policies/{branch_policy_id}  (repos/delete-deployment-branch-policy)
    ...DeploymentPolicyDelete
GET /repos/{owner}/{repo}/rulesets  (repos/get-repo-rulesets)
    make import
POST /repos/{owner}/{repo}/rulesets  (repos/create-repo-ruleset)
    resourceGithubRepositoryRulesetCreate
GET /repos/{owner}/{repo}/rulesets/{ruleset_id}  (repos/get-repo-ruleset)
    resourceGithubRepositoryRulesetRead/Import
PUT /repos/{owner}/{repo}/rulesets/{ruleset_id}  (repos/update-repo-ruleset)
    resourceGithubRepositoryRulesetUpdate
DELETE /repos/{owner}/{repo}/rulesets/{ruleset_id}  (repos/delete-repo-ruleset)
    resourceGithubRepositoryRulesetDelete
GET /orgs/{org}/rulesets  (repos/get-org-rulesets)
    make import
POST /orgs/{org}/rulesets  (repos/create-org-ruleset)
    resourceGithubOrganizationRulesetCreate
GET /orgs/{org}/rulesets/{ruleset_id}  (repos/get-org-ruleset)
    resourceGithubOrganizationRulesetRead/Import
PUT /orgs/{org}/rulesets/{ruleset_id}  (repos/update-org-ruleset)
    resourceGithubOrganizationRulesetUpdate
DELETE /orgs/{org}/rulesets/{ruleset_id}  (repos/delete-org-ruleset)
    resourceGithubOrganizationRulesetDelete
GET /orgs/{org}/properties/schema  (orgs/custom-properties-for-repos-get-organization-definitions)
    (listing the org's custom property schema)
GET /orgs/{org}/properties/schema/{custom_property_name}
    (orgs/custom-properties-for-repos-get-organization-definition)
    resourceGithubCustomPropertiesRead, resourceGithubRepositoryCustomPropertyImport
PUT /orgs/{org}/properties/schema/{custom_property_name}
    (orgs/custom-properties-for-repos-create-or-update-organization-definition)
    resourceGithubCustomPropertiesCreate/Update (the whole definition, every time)
DELETE /orgs/{org}/properties/schema/{custom_property_name}
    (orgs/custom-properties-for-repos-delete-organization-definition)
    resourceGithubCustomPropertiesDelete
GET /repos/{owner}/{repo}/properties/values
    (repos/custom-properties-for-repos-get-repository-values)
    resourceGithubRepositoryCustomPropertyRead
PATCH /repos/{owner}/{repo}/properties/values
    (repos/custom-properties-for-repos-create-or-update-repository-values)
    resourceGithubRepositoryCustomPropertyCreate/Update/Delete (one value; null removes it)
GET/PUT /repos/{owner}/{repo}/actions/permissions
    (actions/get-/set-github-actions-permissions-repository)
    resourceGithubActionsRepositoryPermissionsRead / CreateOrUpdate, Delete
GET/PUT /repos/{owner}/{repo}/actions/permissions/selected-actions
    (actions/get-/set-allowed-actions-repository)
    resourceGithubActionsRepositoryPermissionsRead / CreateOrUpdate
GET/PUT /repos/{owner}/{repo}/actions/permissions/workflow
    (actions/get-/set-github-actions-default-workflow-permissions-repository)
    resourceGithubWorkflowRepositoryPermissions*
GET/PUT /orgs/{org}/actions/permissions  (actions/get-/set-github-actions-permissions-organization)
    resourceGithubActionsOrganizationPermissions*
GET/PUT /orgs/{org}/actions/permissions/selected-actions
    (actions/get-/set-allowed-actions-organization)
    resourceGithubActionsOrganizationPermissions*
GET/PUT /orgs/{org}/actions/permissions/repositories
    (actions/list-/set-selected-repositories-enabled-github-actions-organization)
    resourceGithubActionsOrganizationPermissions*
GET/PUT /orgs/{org}/actions/permissions/workflow
    (actions/get-/set-github-actions-default-workflow-permissions-organization)
    resourceGithubActionsOrganizationWorkflowPermissions*
GET /repos/{owner}/{repo}/actions/workflows  (actions/list-repo-workflows)
    make import
POST /repos/{owner}/{repo}/pulls  (pulls/create)
    resourceGithubRepositoryPullRequestCreate
GET /repos/{owner}/{repo}/pulls/{pull_number}  (pulls/get)
    resourceGithubRepositoryPullRequestRead
PATCH /repos/{owner}/{repo}/pulls/{pull_number}  (pulls/update)
    resourceGithubRepositoryPullRequestUpdate/Delete (closes)
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._fill import node_id
from ._state import Store, blob_sha

Json = Any


class ApiError(Exception):
    """An error answer as GitHub gives it: message, optional errors, documentation_url."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def invalid(
    message: str, resource: str = "", field_name: str = "", code: str = "custom"
) -> ApiError:
    error = {"resource": resource, "code": code, "field": field_name, "message": message}
    return ApiError(422, "Validation Failed", [{k: v for k, v in error.items() if v}])


@dataclass
class Call:
    method: str
    template: str
    params: dict[str, str]
    query: dict[str, str]
    body: Json
    store: Store


@dataclass
class Answer:
    status: int
    body: Json = None
    headers: dict[str, str] = field(default_factory=dict)
    items: list[Any] | None = None  # a listing to paginate: body is built from the page
    wrap: Callable[[list[Any], int], Json] | None = None  # (page items, total) -> body


Handler = Callable[[Call], Answer]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES[(method, template)] = handler
        return handler

    return register


def served() -> list[tuple[str, str]]:
    return sorted(ROUTES)


# -- helpers ---------------------------------------------------------------------------------


def _org(call: Call, org: str | None = None) -> dict[str, Any]:
    found = call.store.get(f"/orgs/{org or call.params['org']}")
    if found is None:
        raise not_found()
    return found


def _repo(call: Call) -> dict[str, Any]:
    found = call.store.get(f"/repos/{call.params['owner']}/{call.params['repo']}")
    if found is None:
        raise not_found()
    return found


def _full(call: Call) -> str:
    return _repo(call)["full_name"]


def _writable(repo: dict[str, Any]) -> None:
    if repo.get("archived"):
        raise ApiError(403, "Repository was archived so is read-only.")


def _plan_of_repo(call: Call, repo: dict[str, Any]) -> str:
    return call.store.plan(repo["owner"]["login"])


def _created(value: dict[str, Any], status: int = 201) -> Answer:
    return Answer(status, value, {"Location": value["url"]} if "url" in value else {})


# -- meta, user, org -------------------------------------------------------------------------


@route("GET", "/meta")
def get_meta(call: Call) -> Answer:
    return Answer(200, {"verifiable_password_authentication": False})


@route("GET", "/user")
def get_user(call: Call) -> Answer:
    user = call.store.get("/user")
    if user is None:
        user = call.store.put("/user", {})
        call.store.fill("/user")
    return Answer(200, user)


@route("GET", "/orgs/{org}")
def get_org(call: Call) -> Answer:
    return Answer(200, _org(call))


# -- repositories ----------------------------------------------------------------------------

REPO_FIELDS = {
    "name",
    "description",
    "homepage",
    "private",
    "visibility",
    "has_issues",
    "has_projects",
    "has_wiki",
    "has_downloads",
    "has_discussions",
    "is_template",
    "default_branch",
    "allow_squash_merge",
    "allow_merge_commit",
    "allow_rebase_merge",
    "allow_auto_merge",
    "delete_branch_on_merge",
    "allow_update_branch",
    "use_squash_pr_title_as_default",
    "squash_merge_commit_title",
    "squash_merge_commit_message",
    "merge_commit_title",
    "merge_commit_message",
    "archived",
    "allow_forking",
    "web_commit_signoff_required",
}


def _visibility(call: Call, org: str, repo: dict[str, Any], body: dict[str, Any]) -> None:
    """private and visibility kept consistent; internal only on Enterprise."""
    if "visibility" in body:
        if body["visibility"] == "internal" and call.store.plan(org) != "enterprise":
            # docs.github.com "About repositories" > internal repositories: "Internal
            # repositories are only available to organizations owned by an enterprise
            # account" (GitHub Enterprise Cloud / Server).
            raise invalid(
                "Visibility can only be set to internal for repositories owned by an organization "
                "that is part of an enterprise account.",
                "Repository",
                "visibility",
            )
        repo["visibility"] = body["visibility"]
        repo["private"] = body["visibility"] != "public"
    elif "private" in body and body["private"] is not None:
        repo["private"] = bool(body["private"])
        repo["visibility"] = "private" if body["private"] else "public"


@route("GET", "/orgs/{org}/repos")
def list_org_repos(call: Call) -> Answer:
    org = _org(call)
    prefix = f"/repos/{org['login']}/"
    repos = [
        call.store.objects[k]
        for k in call.store.under(prefix)
        if k.count("/") == 3 and "?" not in k
    ]
    kind = call.query.get("type", "all")
    if kind in {"public", "private"}:
        repos = [r for r in repos if r["visibility"] == kind]
    key = call.query.get("sort", "created")
    if key == "full_name":
        repos.sort(key=lambda r: r["full_name"].casefold())
    else:
        repos.sort(key=lambda r: (r.get(f"{key}_at", ""), r["id"]))
    if (
        call.query.get("direction", "asc" if key == "full_name" else "desc") == "desc"
        and key != "full_name"
    ):
        repos.reverse()
    return Answer(200, items=repos)


@route("POST", "/orgs/{org}/repos")
def create_org_repo(call: Call) -> Answer:
    org = _org(call)
    body = call.body
    name = body["name"]
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise invalid("name is invalid", "Repository", "name")
    path = f"/repos/{org['login']}/{name}"
    if call.store.get(path) is not None:
        raise ApiError(
            422,
            "Repository creation failed.",
            [
                {
                    "resource": "Repository",
                    "code": "custom",
                    "field": "name",
                    "message": "name already exists on this account",
                }
            ],
        )
    repo: dict[str, Any] = {"name": name}
    for key in REPO_FIELDS - {"default_branch", "archived", "visibility", "private"}:
        if key in body and body[key] is not None:
            repo[key] = body[key]
    _visibility(call, org["login"], repo, body)
    call.store.put(path, repo)
    call.store.fill(path)
    if body.get("auto_init"):
        readme = f"# {name}\n" + (f"\n{body['description']}\n" if body.get("description") else "")
        raw = readme.encode()
        key = f"{path}/contents/README.md"
        call.store.put(key, {"content": base64.b64encode(raw).decode()})
        call.store.fill(key)
        call.store.commit(
            org["login"],
            name,
            repo["default_branch"],
            "Initial commit",
            [{"filename": "README.md", "status": "added", "sha": blob_sha(raw)}],
        )
    return _created(repo)


@route("GET", "/repos/{owner}/{repo}")
def get_repo(call: Call) -> Answer:
    return Answer(200, _repo(call))


@route("PATCH", "/repos/{owner}/{repo}")
def update_repo(call: Call) -> Answer:
    repo = _repo(call)
    body = call.body or {}
    if repo.get("archived") and body.get("archived") is not False and set(body) - {"archived"}:
        raise ApiError(403, "Repository was archived so is read-only.")
    if body.get("archived") is False and repo.get("archived"):
        raise invalid(
            "Repository is archived and cannot be unarchived via the API", "Repository", "archived"
        )
    owner, name = repo["full_name"].split("/", 1)
    if "default_branch" in body and body["default_branch"] != repo["default_branch"]:
        if call.store.get(f"/repos/{owner}/{name}/branches/{body['default_branch']}") is None:
            raise invalid(
                "Cannot update default branch for this repository to a branch that does not exist.",
                "Repository",
                "default_branch",
            )
        _move_default_contents(
            call.store, owner, name, repo["default_branch"], body["default_branch"]
        )
    _visibility(call, owner, repo, body)
    for key in REPO_FIELDS - {"name", "visibility", "private"}:
        if key in body and body[key] is not None:
            repo[key] = body[key]
    if "security_and_analysis" in body and isinstance(body["security_and_analysis"], dict):
        for key, setting in body["security_and_analysis"].items():
            if isinstance(setting, dict) and "status" in setting:
                repo["security_and_analysis"][key] = {"status": setting["status"]}
    if "name" in body and body["name"] != name:
        _rename_repo(call.store, owner, name, body["name"])
        repo = call.store.get(f"/repos/{owner}/{body['name']}")
    repo["updated_at"] = call.store.clock
    return Answer(200, repo)


def _rename_repo(store: Store, owner: str, old: str, new: str) -> None:
    if store.get(f"/repos/{owner}/{new}") is not None:
        raise invalid("name already exists on this account", "Repository", "name")
    base = f"/repos/{owner}/{old}"
    canonical = store.canonical(base)
    for key in [canonical, *store.under(base)]:
        value = store.objects[key]
        store.delete(key)
        store.put(f"/repos/{owner}/{new}" + key[len(canonical) :], value)
    repo = store.get(f"/repos/{owner}/{new}")
    old_full = repo["full_name"]
    repo["name"] = new
    repo["full_name"] = f"{owner}/{new}"
    for key, value in list(repo.items()):
        if isinstance(value, str) and old_full in value:
            repo[key] = value.replace(old_full, repo["full_name"])


def _move_default_contents(store: Store, owner: str, repo: str, old: str, new: str) -> None:
    """Contents keys carry ?ref= except on the default branch: re-key them for a new one."""
    old_files = store.files_of(owner, repo, old)
    new_files = store.files_of(owner, repo, new)
    for _path, key in old_files.items():
        value = store.objects[key]
        store.delete(key)
        store.put(f"{key}?ref={old}", value)
    for _path, key in new_files.items():
        value = store.objects[key]
        store.delete(key)
        store.put(key.split("?ref=", 1)[0], value)


@route("DELETE", "/repos/{owner}/{repo}")
def delete_repo(call: Call) -> Answer:
    repo = _repo(call)
    base = f"/repos/{repo['full_name']}"
    for key in [*call.store.under(base), base]:
        call.store.delete(key)
    return Answer(204)


TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


@route("GET", "/repos/{owner}/{repo}/topics")
def get_topics(call: Call) -> Answer:
    return Answer(200, {"names": list(_repo(call).get("topics", []))})


@route("PUT", "/repos/{owner}/{repo}/topics")
def replace_topics(call: Call) -> Answer:
    repo = _repo(call)
    names = [n.lower() for n in call.body["names"]]
    bad = [n for n in names if not TOPIC.fullmatch(n)]
    if bad:
        raise ApiError(
            422,
            "Invalid topics",
            [
                {
                    "resource": "Repository",
                    "code": "invalid",
                    "field": "topics",
                    "message": f"{bad[0]} is not a valid topic",
                }
            ],
        )
    repo["topics"] = names
    return Answer(200, {"names": names})


@route("GET", "/repos/{owner}/{repo}/vulnerability-alerts")
def check_vulnerability_alerts(call: Call) -> Answer:
    repo = _repo(call)
    if call.store.get(f"/repos/{repo['full_name']}/vulnerability-alerts") is None:
        raise not_found()
    return Answer(204)


@route("PUT", "/repos/{owner}/{repo}/vulnerability-alerts")
def enable_vulnerability_alerts(call: Call) -> Answer:
    repo = _repo(call)
    call.store.put(f"/repos/{repo['full_name']}/vulnerability-alerts", {})
    return Answer(204)


@route("DELETE", "/repos/{owner}/{repo}/vulnerability-alerts")
def disable_vulnerability_alerts(call: Call) -> Answer:
    repo = _repo(call)
    call.store.delete(f"/repos/{repo['full_name']}/vulnerability-alerts")
    return Answer(204)


@route("GET", "/repos/{owner}/{repo}/pages")
def get_pages(call: Call) -> Answer:
    found = call.store.get(f"/repos/{_full(call)}/pages")
    if found is None:
        raise not_found()
    return Answer(200, found)


# -- contents, commits, branches, refs ---------------------------------------------------------


def _branch_or_404(call: Call, repo: dict[str, Any], ref: str | None) -> str:
    branch = ref or repo["default_branch"]
    if call.store.get(f"/repos/{repo['full_name']}/branches/{branch}") is None:
        raise ApiError(404, f"No commit found for the ref {branch}")
    return branch


@route("GET", "/repos/{owner}/{repo}/contents/{path}")
def get_content(call: Call) -> Answer:
    repo = _repo(call)
    owner, name = repo["full_name"].split("/", 1)
    branch = _branch_or_404(call, repo, call.query.get("ref"))
    wanted = call.params["path"].strip("/")
    files = call.store.files_of(owner, name, branch)
    for file_path, key in files.items():
        if file_path.casefold() == wanted.casefold():
            value = call.store.objects[key]
            if "?ref=" not in key or call.query.get("ref"):
                return Answer(200, value)
            return Answer(200, value)
    entries: dict[str, dict[str, Any]] = {}
    prefix = wanted + "/"
    for file_path, key in sorted(files.items()):
        if not file_path.startswith(prefix):
            continue
        rest = file_path[len(prefix) :]
        child, _, deeper = rest.partition("/")
        if deeper:
            api = f"{call.store.api}/repos/{repo['full_name']}"
            url = f"{api}/contents/{prefix}{child}?ref={branch}"
            html = call.store.html(f"{repo['full_name']}/tree/{branch}/{prefix}{child}")
            sha = blob_sha(f"tree:{prefix}{child}".encode())
            entries.setdefault(
                child,
                {
                    "type": "dir",
                    "size": 0,
                    "name": child,
                    "path": prefix + child,
                    "sha": sha,
                    "url": url,
                    "git_url": f"{api}/git/trees/{sha}",
                    "html_url": html,
                    "download_url": None,
                    "_links": {"self": url, "git": f"{api}/git/trees/{sha}", "html": html},
                },
            )
        else:
            item = {
                k: v for k, v in call.store.objects[key].items() if k not in {"content", "encoding"}
            }
            entries[child] = item
    if not entries:
        raise not_found()
    return Answer(200, [entries[k] for k in sorted(entries)])


def _decode(content: str) -> bytes:
    try:
        return base64.b64decode(content, validate=False) if content else b""
    except (binascii.Error, ValueError) as error:
        raise invalid("content is not valid Base64", "Content", "content") from error


def _commit_summary(commit: dict[str, Any]) -> dict[str, Any]:
    """A commit as the contents API returns it (the description's file-commit.commit)."""
    inner = commit["commit"]
    return {
        "sha": commit["sha"],
        "node_id": commit["node_id"],
        "url": inner["url"],
        "html_url": commit["html_url"],
        "author": inner["author"],
        "committer": inner["committer"],
        "message": inner["message"],
        "tree": inner["tree"],
        "parents": commit["parents"],
        "verification": inner["verification"],
    }


@route("PUT", "/repos/{owner}/{repo}/contents/{path}")
def put_content(call: Call) -> Answer:
    repo = _repo(call)
    _writable(repo)
    owner, name = repo["full_name"].split("/", 1)
    body = call.body
    file_path = call.params["path"].strip("/")
    if re.search(r"[^A-Za-z0-9+/=\s]", body["content"]):
        raise invalid("content is not valid Base64", "Content", "content")
    raw = _decode(body["content"])
    branch = body.get("branch") or repo["default_branch"]
    has_branch = call.store.get(f"/repos/{repo['full_name']}/branches/{branch}") is not None
    any_branch = bool(call.store.under(f"/repos/{repo['full_name']}/branches"))
    if not has_branch and (any_branch or branch != repo["default_branch"]):
        raise ApiError(404, f"Branch {branch} not found")
    existing_key = call.store.files_of(owner, name, branch).get(file_path)
    existing = None if existing_key is None else call.store.objects[existing_key]
    if existing is not None:
        if "sha" not in body:
            raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if body["sha"] != existing["sha"]:
            raise ApiError(409, f"{file_path} does not match {body['sha']}")
    key = existing_key or call.store.content_key(owner, name, file_path, branch)
    value = call.store.put(key, {"content": base64.b64encode(raw).decode()})
    call.store.content_fields(value, owner, name, file_path, branch)
    person = body.get("committer") or body.get("author")
    commit = call.store.commit(
        owner,
        name,
        branch,
        body["message"],
        [
            {
                "filename": file_path,
                "status": "modified" if existing else "added",
                "sha": value["sha"],
            }
        ],
        person,
    )
    content = {k: v for k, v in value.items() if k not in {"content", "encoding"}}
    answer = {"content": content, "commit": _commit_summary(commit)}
    return Answer(200 if existing else 201, answer, {} if existing else {"Location": value["url"]})


@route("DELETE", "/repos/{owner}/{repo}/contents/{path}")
def delete_content(call: Call) -> Answer:
    repo = _repo(call)
    _writable(repo)
    owner, name = repo["full_name"].split("/", 1)
    body = call.body
    file_path = call.params["path"].strip("/")
    branch = _branch_or_404(call, repo, body.get("branch"))
    key = call.store.files_of(owner, name, branch).get(file_path)
    if key is None:
        raise not_found()
    if body["sha"] != call.store.objects[key]["sha"]:
        raise ApiError(409, f"{file_path} does not match {body['sha']}")
    call.store.delete(key)
    person = body.get("committer") or body.get("author")
    commit = call.store.commit(
        owner, name, branch, body["message"], [{"filename": file_path, "status": "removed"}], person
    )
    return Answer(200, {"content": None, "commit": _commit_summary(commit)})


def _resolve(call: Call, repo: dict[str, Any], ref: str) -> str:
    head = call.store.branch_head(*repo["full_name"].split("/", 1), ref)
    if head is not None:
        return head
    if call.store.get(f"/repos/{repo['full_name']}/commits/{ref}") is not None:
        return ref
    raise ApiError(422, f"No commit found for SHA: {ref}")


@route("GET", "/repos/{owner}/{repo}/commits")
def list_commits(call: Call) -> Answer:
    repo = _repo(call)
    start = call.query.get("sha") or repo["default_branch"]
    head = call.store.branch_head(*repo["full_name"].split("/", 1), start)
    if head is None and call.store.get(f"/repos/{repo['full_name']}/commits/{start}") is None:
        if not call.store.under(f"/repos/{repo['full_name']}/branches"):
            raise ApiError(409, "Git Repository is empty.")
        raise not_found()
    commits = call.store.history(*repo["full_name"].split("/", 1), head or start)
    wanted = call.query.get("path")
    if wanted:
        commits = [
            c
            for c in commits
            if any(f["filename"] == wanted.strip("/") for f in c.get("files", []))
        ]
    items = [{k: v for k, v in c.items() if k not in {"files", "stats"}} for c in commits]
    return Answer(200, items=items)


@route("GET", "/repos/{owner}/{repo}/commits/{ref}")
def get_commit(call: Call) -> Answer:
    repo = _repo(call)
    sha = _resolve(call, repo, call.params["ref"])
    return Answer(200, call.store.get(f"/repos/{repo['full_name']}/commits/{sha}"))


def _branch_answer(call: Call, repo: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    full = repo["full_name"]
    url = f"{call.store.api}/repos/{full}/branches/{branch['name']}"
    commit = call.store.get(f"/repos/{full}/commits/{branch['commit']['sha']}")
    return {
        "name": branch["name"],
        "commit": {k: v for k, v in commit.items() if k not in {"files", "stats"}},
        "_links": {"self": url, "html": call.store.html(f"{full}/tree/{branch['name']}")},
        "protected": branch.get("protected", False),
        "protection": {
            "enabled": False,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": f"{url}/protection",
    }


@route("GET", "/repos/{owner}/{repo}/branches")
def list_branches(call: Call) -> Answer:
    repo = _repo(call)
    prefix = f"/repos/{repo['full_name']}/branches"
    items = []
    for key in call.store.under(prefix):
        branch = call.store.objects[key]
        sha = branch["commit"]["sha"]
        url = f"{call.store.api}/repos/{repo['full_name']}/commits/{sha}"
        items.append(
            {
                "name": branch["name"],
                "commit": {"sha": sha, "url": url},
                "protected": branch.get("protected", False),
            }
        )
    return Answer(200, items=items)


@route("GET", "/repos/{owner}/{repo}/branches/{branch}")
def get_branch(call: Call) -> Answer:
    repo = _repo(call)
    branch = call.store.get(f"/repos/{repo['full_name']}/branches/{call.params['branch']}")
    if branch is None:
        raise ApiError(404, "Branch not found")
    return Answer(200, _branch_answer(call, repo, branch))


@route("POST", "/repos/{owner}/{repo}/branches/{branch}/rename")
def rename_branch(call: Call) -> Answer:
    repo = _repo(call)
    _writable(repo)
    full = repo["full_name"]
    old = call.store.get(f"/repos/{full}/branches/{call.params['branch']}")
    if old is None:
        raise ApiError(404, "Branch not found")
    new = call.body["new_name"]
    if call.store.get(f"/repos/{full}/branches/{new}") is not None:
        raise invalid(f"Branch {new} already exists", "Branch", "new_name")
    owner, name = full.split("/", 1)
    old_name = old["name"]
    files = call.store.files_of(owner, name, old_name)
    call.store.delete(f"/repos/{full}/branches/{old_name}")
    branch = call.store.put(f"/repos/{full}/branches/{new}", {**old, "name": new})
    if repo["default_branch"] == old_name:
        repo["default_branch"] = new
    else:
        for file_path, key in files.items():
            value = call.store.objects[key]
            call.store.delete(key)
            value["url"] = value["url"].split("?ref=", 1)[0] + f"?ref={new}"
            call.store.put(call.store.content_key(owner, name, file_path, new), value)
    return Answer(201, _branch_answer(call, repo, branch))


def _ref_answer(call: Call, full: str, branch: dict[str, Any]) -> dict[str, Any]:
    sha = branch["commit"]["sha"]
    api = f"{call.store.api}/repos/{full}"
    return {
        "ref": f"refs/heads/{branch['name']}",
        "node_id": node_id("Ref", zlib.crc32(f"{full}:{branch['name']}".encode())),
        "url": f"{api}/git/refs/heads/{branch['name']}",
        "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"},
    }


@route("GET", "/repos/{owner}/{repo}/git/ref/{ref}")
def get_ref(call: Call) -> Answer:
    repo = _repo(call)
    ref = call.params["ref"]
    if not ref.startswith("heads/"):
        raise not_found()  # tags: none are held
    branch = call.store.get(f"/repos/{repo['full_name']}/branches/{ref[len('heads/') :]}")
    if branch is None:
        raise not_found()
    return Answer(200, _ref_answer(call, repo["full_name"], branch))


@route("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}")
def get_tree(call: Call) -> Answer:
    """A branch's tree (the branch name, or its head commit's sha, as GitHub accepts both):
    its files and folders, every level with ``recursive``; modes are 100644 and 040000 (the
    simulator keeps no executable bit)."""
    repo = _repo(call)
    full = repo["full_name"]
    owner, name = full.split("/", 1)
    wanted = call.params["tree_sha"]
    branch = None
    if call.store.get(f"/repos/{full}/branches/{wanted}") is not None:
        branch = wanted
    else:
        for key in call.store.under(f"/repos/{full}/branches"):
            found = call.store.objects[key]
            if found.get("commit", {}).get("sha") == wanted:
                branch = found["name"]
                break
    if branch is None:
        raise not_found()
    files = call.store.files_of(owner, name, branch)
    recursive = call.query.get("recursive", "") not in {"", "0", "false"}
    api = f"{call.store.api}/repos/{full}/git"
    entries: dict[str, dict[str, Any]] = {}
    for file_path, key in sorted(files.items()):
        parts = file_path.split("/")
        if not recursive and len(parts) > 1:
            folder = parts[0]
            sha = blob_sha(f"tree:{folder}".encode())
            entries.setdefault(
                folder,
                {
                    "path": folder,
                    "mode": "040000",
                    "type": "tree",
                    "sha": sha,
                    "url": f"{api}/trees/{sha}",
                },
            )
            continue
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            sha = blob_sha(f"tree:{folder}".encode())
            entries.setdefault(
                folder,
                {
                    "path": folder,
                    "mode": "040000",
                    "type": "tree",
                    "sha": sha,
                    "url": f"{api}/trees/{sha}",
                },
            )
        value = call.store.objects[key]
        entries[file_path] = {
            "path": file_path,
            "mode": "100644",
            "type": "blob",
            "sha": value["sha"],
            "size": value.get("size", 0),
            "url": f"{api}/blobs/{value['sha']}",
        }
    root = blob_sha(f"tree:{full}:{branch}:{sorted(files)}".encode())
    return Answer(
        200,
        {
            "sha": root,
            "url": f"{api}/trees/{root}",
            "tree": [entries[k] for k in sorted(entries)],
            "truncated": False,
        },
    )


@route("POST", "/repos/{owner}/{repo}/git/refs")
def create_ref(call: Call) -> Answer:
    repo = _repo(call)
    _writable(repo)
    full = repo["full_name"]
    ref, sha = call.body["ref"], call.body["sha"]
    if not ref.startswith("refs/") or ref.count("/") < 2:
        raise ApiError(422, "Reference name must start with 'refs/' and have at least two slashes.")
    if not ref.startswith("refs/heads/"):
        raise ApiError(422, "The simulator holds branches only (refs/heads/...).")
    name = ref[len("refs/heads/") :]
    if call.store.get(f"/repos/{full}/branches/{name}") is not None:
        raise ApiError(422, "Reference already exists")
    if call.store.get(f"/repos/{full}/commits/{sha}") is None:
        raise ApiError(422, "Object does not exist")
    branch = call.store.put(
        f"/repos/{full}/branches/{name}", {"name": name, "commit": {"sha": sha}, "protected": False}
    )
    owner, repo_name = full.split("/", 1)
    _copy_files(call.store, owner, repo_name, repo["default_branch"], name, sha)
    return _created(_ref_answer(call, full, branch))


def _copy_files(store: Store, owner: str, repo: str, source: str, target: str, sha: str) -> None:
    """A new branch holds the files of the branch whose head it starts from."""
    for candidate in {
        source,
        *[k.rsplit("/", 1)[1] for k in store.under(f"/repos/{owner}/{repo}/branches")],
    }:
        if store.branch_head(owner, repo, candidate) == sha and candidate != target:
            for file_path, key in store.files_of(owner, repo, candidate).items():
                value = copy.deepcopy(store.objects[key])
                value["url"] = value["url"].split("?ref=", 1)[0] + f"?ref={target}"
                store.put(store.content_key(owner, repo, file_path, target), value)
            return


@route("DELETE", "/repos/{owner}/{repo}/git/refs/{ref}")
def delete_ref(call: Call) -> Answer:
    repo = _repo(call)
    _writable(repo)
    full = repo["full_name"]
    ref = call.params["ref"]
    name = ref[len("heads/") :] if ref.startswith("heads/") else None
    if name is None or call.store.get(f"/repos/{full}/branches/{name}") is None:
        raise ApiError(422, "Reference does not exist")
    if name == repo["default_branch"]:
        raise ApiError(422, "Cannot delete the default branch")
    owner, repo_name = full.split("/", 1)
    for key in call.store.files_of(owner, repo_name, name).values():
        call.store.delete(key)
    call.store.delete(f"/repos/{full}/branches/{name}")
    return Answer(204)


# -- environments ------------------------------------------------------------------------------


def _env(call: Call, repo: dict[str, Any]) -> dict[str, Any]:
    found = call.store.get(
        f"/repos/{repo['full_name']}/environments/{call.params['environment_name']}"
    )
    if found is None:
        raise not_found()
    return found


@route("GET", "/repos/{owner}/{repo}/environments")
def list_environments(call: Call) -> Answer:
    repo = _repo(call)
    prefix = f"/repos/{repo['full_name']}/environments/"
    items = [call.store.objects[k] for k in call.store.under(prefix) if "/" not in k[len(prefix) :]]
    return Answer(
        200, items=items, wrap=lambda page, total: {"total_count": total, "environments": page}
    )


@route("GET", "/repos/{owner}/{repo}/environments/{environment_name}")
def get_environment(call: Call) -> Answer:
    return Answer(200, _env(call, _repo(call)))


@route("PUT", "/repos/{owner}/{repo}/environments/{environment_name}")
def put_environment(call: Call) -> Answer:
    repo = _repo(call)
    body = call.body or {}
    plan = _plan_of_repo(call, repo)
    if repo["private"]:
        # docs.github.com "Managing environments for deployment": environments in private or
        # internal repositories need GitHub Pro, Team or Enterprise; wait timers and required
        # reviewers there need GitHub Enterprise ("For access to other deployment protection
        # rules, such as wait timers or required reviewers, in private or internal
        # repositories, you must use GitHub Enterprise").
        if plan == "free":
            raise ApiError(404, "Not Found")
        if plan != "enterprise" and (body.get("wait_timer") or body.get("reviewers")):
            raise invalid(
                "Failed to create the environment protection rule. Please ensure the billing plan "
                "include the required reviewers and wait timer protection rules.",
                "Environment",
                "protection_rules",
            )
    wait = body.get("wait_timer")
    if wait is not None and not 0 <= wait <= 43200:
        raise invalid("wait_timer must be between 0 and 43200 minutes", "Environment", "wait_timer")
    reviewers = body.get("reviewers") or []
    if len(reviewers) > 6:
        raise invalid(
            "You can list up to six users or teams as reviewers.", "Environment", "reviewers"
        )
    policy = body.get("deployment_branch_policy")
    if policy and policy.get("protected_branches") == policy.get("custom_branch_policies"):
        raise invalid(
            "Only one of `protected_branches` and `custom_branch_policies` may be true",
            "Environment",
            "deployment_branch_policy",
        )
    path = f"/repos/{repo['full_name']}/environments/{call.params['environment_name']}"
    env = call.store.get(path)
    if env is None:
        env = call.store.put(path, {})
        call.store.fill(path)
    rules: list[dict[str, Any]] = []
    old = {r["type"]: r for r in env.get("protection_rules", [])}

    def rule(kind: str, **fields: Any) -> dict[str, Any]:
        ident = old[kind]["id"] if kind in old else call.store.next_id()
        return {"id": ident, "node_id": node_id("ProtectionRule", ident), "type": kind, **fields}

    if wait:
        rules.append(rule("wait_timer", wait_timer=wait))
    if reviewers:
        entries = []
        for reviewer in reviewers:
            kind, ident = reviewer.get("type", "User"), reviewer.get("id", 0)
            if kind == "User":
                obj = call.store.simple_user(f"user-{ident}", ident)
            else:
                obj = _team(call, repo, ident)
            entries.append({"type": kind, "reviewer": obj})
        rules.append(
            rule(
                "required_reviewers",
                prevent_self_review=bool(body.get("prevent_self_review")),
                reviewers=entries,
            )
        )
    if policy:
        rules.append(rule("branch_policy"))
    env["protection_rules"] = rules
    env["deployment_branch_policy"] = (
        {
            "protected_branches": policy["protected_branches"],
            "custom_branch_policies": policy["custom_branch_policies"],
        }
        if policy
        else None
    )
    env["can_admins_bypass"] = body.get("can_admins_bypass", env.get("can_admins_bypass", True))
    env["updated_at"] = call.store.clock
    return Answer(200, env)


def _team(call: Call, repo: dict[str, Any], ident: int) -> dict[str, Any]:
    org = repo["owner"]["login"]
    url = f"{call.store.api}/organizations/{repo['owner']['id']}/team/{ident}"
    return {
        "id": ident,
        "node_id": node_id("Team", ident),
        "url": url,
        "members_url": f"{url}/members{{/member}}",
        "name": f"team-{ident}",
        "slug": f"team-{ident}",
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "html_url": call.store.html(f"orgs/{org}/teams/team-{ident}"),
        "repositories_url": f"{url}/repos",
        "parent": None,
        "type": "organization",
    }


@route("DELETE", "/repos/{owner}/{repo}/environments/{environment_name}")
def delete_environment(call: Call) -> Answer:
    repo = _repo(call)
    path = f"/repos/{repo['full_name']}/environments/{call.params['environment_name']}"
    for key in [*call.store.under(path), path]:
        call.store.delete(key)
    return Answer(204)


def _policies_prefix(call: Call, repo: dict[str, Any], env: dict[str, Any]) -> str:
    return f"/repos/{repo['full_name']}/environments/{env['name']}/deployment-branch-policies/"


@route("GET", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies")
def list_policies(call: Call) -> Answer:
    repo = _repo(call)
    env = _env(call, repo)
    items = [call.store.objects[k] for k in call.store.under(_policies_prefix(call, repo, env))]
    return Answer(
        200, items=items, wrap=lambda page, total: {"total_count": total, "branch_policies": page}
    )


@route("POST", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies")
def create_policy(call: Call) -> Answer:
    repo = _repo(call)
    env = _env(call, repo)
    if not (env.get("deployment_branch_policy") or {}).get("custom_branch_policies"):
        # GitHub: custom policies need the environment's custom_branch_policies set first.
        raise not_found()
    prefix = _policies_prefix(call, repo, env)
    kind = call.body.get("type", "branch")
    for key in call.store.under(prefix):
        other = call.store.objects[key]
        if other["name"] == call.body["name"] and other.get("type", "branch") == kind:
            raise ApiError(303, "A deployment branch policy with this name already exists.")
    ident = call.store.next_id()
    path = f"{prefix}{ident}"
    value = call.store.put(path, {"id": ident, "name": call.body["name"], "type": kind})
    call.store.fill(path)
    return Answer(200, value)


def _policy(call: Call) -> tuple[str, dict[str, Any]]:
    repo = _repo(call)
    env = _env(call, repo)
    path = f"{_policies_prefix(call, repo, env)}{call.params['branch_policy_id']}"
    found = call.store.get(path)
    if found is None:
        raise not_found()
    return path, found


@route(
    "GET",
    "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}",
)
def get_policy(call: Call) -> Answer:
    return Answer(200, _policy(call)[1])


@route(
    "PUT",
    "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}",
)
def update_policy(call: Call) -> Answer:
    _, found = _policy(call)
    found["name"] = call.body["name"]
    return Answer(200, found)


@route(
    "DELETE",
    "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/{branch_policy_id}",
)
def delete_policy(call: Call) -> Answer:
    path, _ = _policy(call)
    call.store.delete(path)
    return Answer(204)


# -- rulesets ----------------------------------------------------------------------------------

RULESET_FIELDS = ("name", "target", "enforcement", "bypass_actors", "conditions", "rules")


def _ruleset_gate(
    call: Call, plan: str, private: bool, org_level: bool, body: dict[str, Any]
) -> None:
    # docs.github.com "About rulesets": "Rulesets are available in public repositories with
    # GitHub Free and GitHub Free for organizations, and in public and private repositories
    # with GitHub Pro, GitHub Team, GitHub Enterprise Cloud, and GitHub Enterprise Server."
    if private and plan == "free":
        raise ApiError(
            403, "Upgrade to GitHub Pro or make this repository public to enable this feature."
        )
    # Organization-wide rulesets: GitHub Team and Enterprise (changelog 2025-06, "Organization
    # rulesets now available for GitHub Team"); push rulesets and `evaluate` need Enterprise.
    if org_level and plan == "free":
        raise ApiError(403, "Upgrade to GitHub Team to enable this feature.")
    if plan != "enterprise" and (
        body.get("enforcement") == "evaluate" or body.get("target") == "push"
    ):
        raise invalid(
            "This feature is only available with GitHub Enterprise.", "Ruleset", "enforcement"
        )


def _ruleset_summary(value: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in value.items()
        if k not in {"rules", "conditions", "bypass_actors", "current_user_can_bypass"}
    }


def _unique_name(call: Call, prefix: str, name: str, own: str | None = None) -> None:
    for key in call.store.under(prefix):
        if key != own and call.store.objects[key]["name"] == name:
            raise invalid("Name must be unique", "Ruleset", "name")


@route("GET", "/repos/{owner}/{repo}/rulesets")
def list_repo_rulesets(call: Call) -> Answer:
    repo = _repo(call)
    items = [
        _ruleset_summary(call.store.objects[k])
        for k in call.store.under(f"/repos/{repo['full_name']}/rulesets")
    ]
    if call.query.get("includes_parents", "true") != "false":
        org = repo["owner"]["login"]
        items += [
            _ruleset_summary(call.store.objects[k])
            for k in call.store.under(f"/orgs/{org}/rulesets")
        ]
    return Answer(200, items=items)


@route("POST", "/repos/{owner}/{repo}/rulesets")
def create_repo_ruleset(call: Call) -> Answer:
    repo = _repo(call)
    _ruleset_gate(call, _plan_of_repo(call, repo), repo["private"], False, call.body)
    return _create_ruleset(call, f"/repos/{repo['full_name']}/rulesets")


def _create_ruleset(call: Call, prefix: str) -> Answer:
    """A new ruleset under ``prefix`` (a repository's or an org's), its name unique there."""
    _unique_name(call, prefix, call.body["name"])
    path = f"{prefix}/{call.store.next_id()}"
    value = call.store.put(path, {k: call.body[k] for k in RULESET_FIELDS if k in call.body})
    call.store.fill(path)
    return Answer(201, value, {"Location": value["_links"]["self"]["href"]})


def _held_ruleset(call: Call, prefix: str) -> tuple[str, dict[str, Any]]:
    """The ruleset ``ruleset_id`` under ``prefix``: its path and object (404 without one)."""
    path = f"{prefix}/{call.params['ruleset_id']}"
    found = call.store.get(path)
    if found is None:
        raise not_found()
    return path, found


def _update_ruleset(call: Call, prefix: str, path: str, found: dict[str, Any]) -> Answer:
    """The ruleset at ``path`` with the request's fields, its name still unique."""
    if "name" in call.body:
        _unique_name(call, prefix, call.body["name"], call.store.canonical(path))
    found.update({k: call.body[k] for k in RULESET_FIELDS if k in call.body})
    found["updated_at"] = call.store.clock
    return Answer(200, found)


def _repo_ruleset(call: Call) -> tuple[dict[str, Any], str, dict[str, Any]]:
    repo = _repo(call)
    return repo, *_held_ruleset(call, f"/repos/{repo['full_name']}/rulesets")


@route("GET", "/repos/{owner}/{repo}/rulesets/{ruleset_id}")
def get_repo_ruleset(call: Call) -> Answer:
    repo = _repo(call)
    found = call.store.get(f"/repos/{repo['full_name']}/rulesets/{call.params['ruleset_id']}")
    if found is None and call.query.get("includes_parents", "true") != "false":
        found = call.store.get(
            f"/orgs/{repo['owner']['login']}/rulesets/{call.params['ruleset_id']}"
        )
    if found is None:
        raise not_found()
    return Answer(200, found)


@route("PUT", "/repos/{owner}/{repo}/rulesets/{ruleset_id}")
def update_repo_ruleset(call: Call) -> Answer:
    repo, path, found = _repo_ruleset(call)
    _ruleset_gate(call, _plan_of_repo(call, repo), repo["private"], False, {**found, **call.body})
    return _update_ruleset(call, f"/repos/{repo['full_name']}/rulesets", path, found)


@route("DELETE", "/repos/{owner}/{repo}/rulesets/{ruleset_id}")
def delete_repo_ruleset(call: Call) -> Answer:
    _, path, _ = _repo_ruleset(call)
    call.store.delete(path)
    return Answer(204)


@route("GET", "/orgs/{org}/rulesets")
def list_org_rulesets(call: Call) -> Answer:
    org = _org(call)
    items = [
        _ruleset_summary(call.store.objects[k])
        for k in call.store.under(f"/orgs/{org['login']}/rulesets")
    ]
    return Answer(200, items=items)


@route("POST", "/orgs/{org}/rulesets")
def create_org_ruleset(call: Call) -> Answer:
    org = _org(call)
    _ruleset_gate(call, org["plan"]["name"], False, True, call.body)
    return _create_ruleset(call, f"/orgs/{org['login']}/rulesets")


def _org_ruleset(call: Call) -> tuple[dict[str, Any], str, dict[str, Any]]:
    org = _org(call)
    return org, *_held_ruleset(call, f"/orgs/{org['login']}/rulesets")


@route("GET", "/orgs/{org}/rulesets/{ruleset_id}")
def get_org_ruleset(call: Call) -> Answer:
    return Answer(200, _org_ruleset(call)[2])


@route("PUT", "/orgs/{org}/rulesets/{ruleset_id}")
def update_org_ruleset(call: Call) -> Answer:
    org, path, found = _org_ruleset(call)
    _ruleset_gate(call, org["plan"]["name"], False, True, {**found, **call.body})
    return _update_ruleset(call, f"/orgs/{org['login']}/rulesets", path, found)


@route("DELETE", "/orgs/{org}/rulesets/{ruleset_id}")
def delete_org_ruleset(call: Call) -> Answer:
    _, path, _ = _org_ruleset(call)
    call.store.delete(path)
    return Answer(204)


# -- custom properties -------------------------------------------------------------------------

# What a PUT of a definition replaces (a field it leaves out is reset: GitHub replaces the
# definition whole), and the value each takes then.
PROPERTY_DEFAULTS: dict[str, Any] = {
    "required": False,
    "default_value": None,
    "description": None,
    "allowed_values": None,
    "values_editable_by": "org_actors",
}
_SELECT_TYPES = ("single_select", "multi_select")


def _schema_prefix(call: Call) -> str:
    return f"/orgs/{_org(call)['login']}/properties/schema"


def _definitions(store: Store, org: str) -> dict[str, dict[str, Any]]:
    """The org's property definitions by name."""
    return {
        store.objects[k]["property_name"]: store.objects[k]
        for k in store.under(f"/orgs/{org}/properties/schema")
    }


def _value_problem(definition: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` is not a value of ``definition`` (GitHub's 422), or None."""
    kind = definition["value_type"]
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and kind != "multi_select":
        return f"Property {definition['property_name']} takes a single value"
    if not values or any(not isinstance(v, str) or not v for v in values):
        return f"Property {definition['property_name']} needs a non-empty value"
    if kind == "true_false" and values[0] not in ("true", "false"):
        return f"Value {values[0]} is not true or false"
    if kind in _SELECT_TYPES:
        outside = [v for v in values if v not in (definition.get("allowed_values") or [])]
        if outside:
            return f"Value {outside[0]} is not in the allowed values of the property"
    return None


@route("GET", "/orgs/{org}/properties/schema")
def list_org_properties(call: Call) -> Answer:
    prefix = _schema_prefix(call)
    return Answer(200, [call.store.objects[k] for k in call.store.under(prefix)])


@route("GET", "/orgs/{org}/properties/schema/{custom_property_name}")
def get_org_property(call: Call) -> Answer:
    found = call.store.get(f"{_schema_prefix(call)}/{call.params['custom_property_name']}")
    if found is None:
        raise not_found()
    return Answer(200, found)


@route("PUT", "/orgs/{org}/properties/schema/{custom_property_name}")
def put_org_property(call: Call) -> Answer:
    """Creates or replaces a definition whole. terraform-provider-github v6.13.0 sends an
    unset default_value and description as "" (read here as none)."""
    name = call.params["custom_property_name"]
    body = call.body
    definition: dict[str, Any] = {"property_name": name, "value_type": body["value_type"]}
    for key, default in PROPERTY_DEFAULTS.items():
        value = body.get(key)
        definition[key] = copy.deepcopy(default) if value in (None, "") else value
    kind, allowed = definition["value_type"], definition["allowed_values"]
    if kind in _SELECT_TYPES and not allowed:
        raise invalid(f"A {kind} property needs allowed values", "CustomProperty", "allowed_values")
    if kind not in _SELECT_TYPES and allowed:
        # GitHub's answer, as otterdog reported it (eclipse-csi/otterdog#648).
        raise ApiError(
            422, f"Validation failed: Allowed values must be nil if value_type is {kind}"
        )
    if kind == "multi_select" and isinstance(definition["default_value"], str):
        # A multi_select default is a list (integrations/terraform-provider-github#2806).
        raise invalid("Default value must be a list", "CustomProperty", "default_value")
    if definition["default_value"] is not None:
        problem = _value_problem({**definition}, definition["default_value"])
        if problem is not None:
            raise invalid(problem, "CustomProperty", "default_value")
    if definition["required"] and definition["default_value"] is None:
        raise invalid(
            "A required property needs a default value", "CustomProperty", "default_value"
        )
    path = f"{_schema_prefix(call)}/{name}"
    held = call.store.get(path)
    if held is not None:
        definition["property_name"] = held["property_name"]
    value = call.store.put(path, definition)
    call.store.fill(path)
    return Answer(200, value)


@route("DELETE", "/orgs/{org}/properties/schema/{custom_property_name}")
def delete_org_property(call: Call) -> Answer:
    org = _org(call)
    path = f"/orgs/{org['login']}/properties/schema/{call.params['custom_property_name']}"
    found = call.store.get(path)
    if found is None:
        raise not_found()
    call.store.delete(path)
    # Every repository's value of it goes with it.
    name = found["property_name"]
    for key in call.store.under(f"/repos/{org['login']}"):
        if key.endswith("/properties/values"):
            held = call.store.objects[key]
            call.store.put(key, [v for v in held if v["property_name"] != name])
    return Answer(204)


def _values_path(repo: dict[str, Any]) -> str:
    return f"/repos/{repo['full_name']}/properties/values"


@route("GET", "/repos/{owner}/{repo}/properties/values")
def get_property_values(call: Call) -> Answer:
    """The repository's values: its own, and the default of every property it sets none of."""
    repo = _repo(call)
    own = {v["property_name"]: v for v in call.store.get(_values_path(repo)) or []}
    definitions = _definitions(call.store, repo["owner"]["login"])
    values = [
        own.get(name) or {"property_name": name, "value": d["default_value"]}
        for name, d in sorted(definitions.items())
        if name in own or d["default_value"] is not None
    ]
    return Answer(200, values)


@route("PATCH", "/repos/{owner}/{repo}/properties/values")
def patch_property_values(call: Call) -> Answer:
    """Sets the values given (null removes one); the repository's others stay."""
    repo = _repo(call)
    _writable(repo)
    definitions = _definitions(call.store, repo["owner"]["login"])
    own = {v["property_name"]: v for v in call.store.get(_values_path(repo)) or []}
    for item in call.body["properties"]:
        name, value = item["property_name"], item["value"]
        definition = definitions.get(name)
        if definition is None:
            # GitHub's answer, as otterdog reported it (eclipse-csi/otterdog#648).
            raise ApiError(422, f"Unexpected property '{name}'")
        if value is None:
            own.pop(name, None)
            continue
        problem = _value_problem(definition, value)
        if problem is not None:
            raise invalid(problem, "", "properties")
        own[name] = {"property_name": name, "value": value}
    call.store.put(_values_path(repo), [own[k] for k in sorted(own)])
    return Answer(204)


# -- actions settings --------------------------------------------------------------------------


def _setting(call: Call, path: str, default: dict[str, Any]) -> dict[str, Any]:
    found = call.store.get(path)
    return copy.deepcopy(default) if found is None else found


def _base(call: Call) -> str:
    if "org" in call.params:
        return f"/orgs/{_org(call)['login']}"
    return f"/repos/{_full(call)}"


def _actions_default(call: Call, base: str) -> dict[str, Any]:
    if base.startswith("/orgs/"):
        return {"enabled_repositories": "all", "allowed_actions": "all"}
    return {"enabled": True, "allowed_actions": "all"}


def _with_selected_url(call: Call, base: str, value: dict[str, Any]) -> dict[str, Any]:
    out = dict(value)
    if out.get("allowed_actions") == "selected":
        out["selected_actions_url"] = f"{call.store.api}{base}/actions/permissions/selected-actions"
    else:
        out.pop("selected_actions_url", None)
    if out.get("enabled_repositories") == "selected":
        out["selected_repositories_url"] = (
            f"{call.store.api}{base}/actions/permissions/repositories"
        )
    else:
        out.pop("selected_repositories_url", None)
    return out


def get_actions_permissions(call: Call) -> Answer:
    base = _base(call)
    value = _setting(call, f"{base}/actions/permissions", _actions_default(call, base))
    return Answer(200, _with_selected_url(call, base, value))


def set_actions_permissions(call: Call) -> Answer:
    base = _base(call)
    path = f"{base}/actions/permissions"
    value = _setting(call, path, _actions_default(call, base))
    for key in ("enabled", "enabled_repositories", "allowed_actions", "sha_pinning_required"):
        if key in call.body:
            value[key] = call.body[key]
    if value.get("enabled") is False:
        value.pop("allowed_actions", None)
    elif "allowed_actions" not in value:
        value["allowed_actions"] = "all"
    call.store.put(path, value)
    return Answer(204)


SELECTED_DEFAULT = {"github_owned_allowed": True, "verified_allowed": False, "patterns_allowed": []}


def get_selected_actions(call: Call) -> Answer:
    base = _base(call)
    return Answer(
        200, _setting(call, f"{base}/actions/permissions/selected-actions", SELECTED_DEFAULT)
    )


def set_selected_actions(call: Call) -> Answer:
    base = _base(call)
    permissions = _setting(call, f"{base}/actions/permissions", _actions_default(call, base))
    if permissions.get("allowed_actions") != "selected":
        # GitHub answers 409 Conflict unless allowed_actions is "selected".
        raise ApiError(409, "Conflict: allowed_actions is not set to selected")
    path = f"{base}/actions/permissions/selected-actions"
    value = _setting(call, path, SELECTED_DEFAULT)
    value.update({k: v for k, v in call.body.items() if k in SELECTED_DEFAULT})
    call.store.put(path, value)
    return Answer(204)


WORKFLOW_DEFAULT = {
    "default_workflow_permissions": "read",
    "can_approve_pull_request_reviews": False,
}


def get_workflow_permissions(call: Call) -> Answer:
    return Answer(
        200, _setting(call, f"{_base(call)}/actions/permissions/workflow", WORKFLOW_DEFAULT)
    )


def set_workflow_permissions(call: Call) -> Answer:
    path = f"{_base(call)}/actions/permissions/workflow"
    value = _setting(call, path, WORKFLOW_DEFAULT)
    value.update({k: v for k, v in call.body.items() if k in WORKFLOW_DEFAULT})
    call.store.put(path, value)
    return Answer(204)


for _base_template in ("/repos/{owner}/{repo}", "/orgs/{org}"):
    route("GET", f"{_base_template}/actions/permissions")(get_actions_permissions)
    route("PUT", f"{_base_template}/actions/permissions")(set_actions_permissions)
    route("GET", f"{_base_template}/actions/permissions/selected-actions")(get_selected_actions)
    route("PUT", f"{_base_template}/actions/permissions/selected-actions")(set_selected_actions)
    route("GET", f"{_base_template}/actions/permissions/workflow")(get_workflow_permissions)
    route("PUT", f"{_base_template}/actions/permissions/workflow")(set_workflow_permissions)


@route("GET", "/orgs/{org}/actions/permissions/repositories")
def list_enabled_repos(call: Call) -> Answer:
    org = _org(call)
    found = _setting(
        call,
        f"/orgs/{org['login']}/actions/permissions/repositories",
        {"selected_repository_ids": []},
    )
    ids = set(found.get("selected_repository_ids", []))
    repos = [
        call.store.objects[k]
        for k in call.store.under(f"/repos/{org['login']}/")
        if k.count("/") == 3 and call.store.objects[k]["id"] in ids
    ]
    return Answer(
        200, items=repos, wrap=lambda page, total: {"total_count": total, "repositories": page}
    )


@route("PUT", "/orgs/{org}/actions/permissions/repositories")
def set_enabled_repos(call: Call) -> Answer:
    org = _org(call)
    permissions = _setting(
        call, f"/orgs/{org['login']}/actions/permissions", {"enabled_repositories": "all"}
    )
    if permissions.get("enabled_repositories") != "selected":
        raise ApiError(409, "Conflict: enabled_repositories is not set to selected")
    call.store.put(
        f"/orgs/{org['login']}/actions/permissions/repositories",
        {"selected_repository_ids": list(call.body["selected_repository_ids"])},
    )
    return Answer(204)


@route("GET", "/repos/{owner}/{repo}/actions/workflows")
def list_workflows(call: Call) -> Answer:
    repo = _repo(call)
    full = repo["full_name"]
    owner, name = full.split("/", 1)
    items = []
    for file_path, key in sorted(call.store.files_of(owner, name, repo["default_branch"]).items()):
        if not re.fullmatch(r"\.github/workflows/[^/]+\.ya?ml", file_path):
            continue
        raw = base64.b64decode(call.store.objects[key]["content"]).decode(errors="replace")
        match = re.search(r"^name:\s*['\"]?(.*?)['\"]?\s*$", raw, re.MULTILINE)
        ident = zlib.crc32(f"{full}:{file_path}".encode())
        items.append(
            {
                "id": ident,
                "node_id": node_id("Workflow", ident),
                "name": match.group(1) if match else file_path,
                "path": file_path,
                "state": "active",
                "created_at": call.store.clock,
                "updated_at": call.store.clock,
                "url": f"{call.store.api}/repos/{full}/actions/workflows/{ident}",
                "html_url": call.store.html(f"{full}/blob/{repo['default_branch']}/{file_path}"),
                "badge_url": call.store.html(
                    f"{full}/workflows/{file_path.rsplit('/', 1)[1]}/badge.svg"
                ),
            }
        )
    return Answer(
        200, items=items, wrap=lambda page, total: {"total_count": total, "workflows": page}
    )


# -- pull requests -----------------------------------------------------------------------------


def _pr_side(call: Call, repo: dict[str, Any], ref: str) -> dict[str, Any]:
    owner = repo["owner"]["login"]
    if ":" in ref:
        owner, ref = ref.split(":", 1)
    sha = call.store.branch_head(*repo["full_name"].split("/", 1), ref)
    if sha is None:
        raise invalid(f"{ref} does not exist", "PullRequest", "head", "invalid")
    return {"label": f"{owner}:{ref}", "ref": ref, "sha": sha, "user": repo["owner"], "repo": repo}


@route("POST", "/repos/{owner}/{repo}/pulls")
def create_pull(call: Call) -> Answer:
    repo = _repo(call)
    _writable(repo)
    body = call.body
    head = _pr_side(call, repo, body["head"])
    base = _pr_side(call, repo, body["base"])
    if head["sha"] == base["sha"]:
        raise invalid(
            f"No commits between {base['ref']} and {head['ref']}", "PullRequest", code="custom"
        )
    full = repo["full_name"]
    number = call.store.next_id()
    api = f"{call.store.api}/repos/{full}"
    url = f"{api}/pulls/{number}"
    user = call.store.simple_user(call.store.user_login)
    value = {
        "number": number,
        "state": "open",
        "title": body.get("title", ""),
        "body": body.get("body"),
        "head": head,
        "base": base,
        "user": user,
        "draft": bool(body.get("draft")),
        "maintainer_can_modify": bool(body.get("maintainer_can_modify")),
        "url": url,
        "html_url": call.store.html(f"{full}/pull/{number}"),
        "issue_url": f"{api}/issues/{number}",
        "commits_url": f"{url}/commits",
        "comments_url": f"{api}/issues/{number}/comments",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "statuses_url": f"{api}/statuses/{head['sha']}",
        "diff_url": call.store.html(f"{full}/pull/{number}.diff"),
        "patch_url": call.store.html(f"{full}/pull/{number}.patch"),
        "created_at": call.store.clock,
        "updated_at": call.store.clock,
        "labels": [],
        "locked": False,
        "author_association": "MEMBER",
        "merged": False,
        "mergeable": None,
        "mergeable_state": "unknown",
        "commits": 1,
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
        "comments": 0,
        "review_comments": 0,
    }
    links = {
        "self": url,
        "html": value["html_url"],
        "issue": value["issue_url"],
        "comments": value["comments_url"],
        "review_comments": value["review_comments_url"],
        "review_comment": value["review_comment_url"],
        "commits": value["commits_url"],
        "statuses": value["statuses_url"],
    }
    value["_links"] = {k: {"href": v} for k, v in links.items()}
    value["id"] = number
    value["node_id"] = node_id("PullRequest", number)
    path = f"/repos/{full}/pulls/{number}"
    call.store.put(path, value)
    call.store.fill(path)
    return _created(value)


def _pull(call: Call) -> dict[str, Any]:
    repo = _repo(call)
    found = call.store.get(f"/repos/{repo['full_name']}/pulls/{call.params['pull_number']}")
    if found is None:
        raise not_found()
    for side in ("head", "base"):  # the branch heads and repository as they are now
        found[side]["repo"] = repo
        sha = call.store.branch_head(*repo["full_name"].split("/", 1), found[side]["ref"])
        if sha is not None:
            found[side]["sha"] = sha
    return found


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}")
def get_pull(call: Call) -> Answer:
    return Answer(200, _pull(call))


@route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}")
def update_pull(call: Call) -> Answer:
    found = _pull(call)
    body = call.body or {}
    for key in ("title", "body", "maintainer_can_modify"):
        if key in body:
            found[key] = body[key]
    if "state" in body:
        found["state"] = body["state"]
        found["closed_at"] = call.store.clock if body["state"] == "closed" else None
    if "base" in body:
        found["base"] = _pr_side(call, _repo(call), body["base"])
    found["updated_at"] = call.store.clock
    return Answer(200, found)
