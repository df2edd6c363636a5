"""The simulator's state: REST paths mapped to the objects GitHub returns there.

The seed and the dump have one format: a JSON object whose keys are REST paths (without
``/api/v3``) and whose values are what a GET of that path returns, e.g. ``/orgs/Octo-Org``,
``/repos/Octo-Org/legacy``, ``/repos/Octo-Org/legacy/contents/README.md`` (the default branch;
``...?ref=BRANCH`` for another), ``/repos/O/R/branches/main`` (``commit.sha`` is what counts),
``/repos/O/R/commits/SHA``, ``/repos/O/R/environments/NAME``,
``/repos/O/R/environments/NAME/deployment-branch-policies/ID``, ``/repos/O/R/rulesets/ID``,
``/orgs/O/rulesets/ID``, ``/orgs/O/properties/schema/NAME`` (a custom property's definition),
``/repos/O/R/properties/values`` (a list of ``{property_name, value}``),
``/repos/O/R/actions/permissions`` (and ``/selected-actions``,
``/workflow``), ``/orgs/O/actions/permissions`` (and ``/selected-actions``, ``/workflow``,
``/repositories``), ``/repos/O/R/pulls/N``, ``/repos/O/R/pages``. Vulnerability alerts, whose
GET has no body, are on when ``/repos/O/R/vulnerability-alerts`` is present (value ``{}``).

Loading fills what GitHub fills (``_fill``): ids from a counter that starts past the largest id
seeded, the fixed clock, URLs under the simulator's address; a seeded repository without
branches gets its default branch with one commit holding the files seeded for it. Listings
(an org's repositories, a folder, branches, environments, rulesets, workflows) are derived.
Dumping writes the objects as held, so dump -> seed -> dump is the identity.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from typing import Any

from ._fill import fill_required, node_id
from ._openapi import template_regex

DEFAULT_CLOCK = "2024-01-01T00:00:00Z"

# State path templates -> (kind, the GET operation whose 200 schema completes the object).
KINDS: list[tuple[str, str, str | None]] = [
    ("/user", "user", "/user"),
    ("/orgs/{org}", "org", "/orgs/{org}"),
    ("/orgs/{org}/rulesets/{ruleset_id}", "org_ruleset", "/orgs/{org}/rulesets/{ruleset_id}"),
    (
        "/orgs/{org}/properties/schema/{custom_property_name}",
        "org_property",
        "/orgs/{org}/properties/schema/{custom_property_name}",
    ),
    ("/orgs/{org}/actions/permissions", "setting", "/orgs/{org}/actions/permissions"),
    ("/orgs/{org}/actions/permissions/selected-actions", "setting", None),
    ("/orgs/{org}/actions/permissions/workflow", "setting", None),
    ("/orgs/{org}/actions/permissions/repositories", "setting", None),
    ("/repos/{owner}/{repo}", "repo", "/repos/{owner}/{repo}"),
    ("/repos/{owner}/{repo}/contents/{path}", "content", None),
    ("/repos/{owner}/{repo}/branches/{branch}", "branch", None),
    ("/repos/{owner}/{repo}/commits/{ref}", "commit", "/repos/{owner}/{repo}/commits/{ref}"),
    (
        "/repos/{owner}/{repo}/environments/{environment_name}",
        "environment",
        "/repos/{owner}/{repo}/environments/{environment_name}",
    ),
    (
        "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies/"
        "{branch_policy_id}",
        "policy",
        None,
    ),
    ("/repos/{owner}/{repo}/rulesets/{ruleset_id}", "repo_ruleset", None),
    ("/repos/{owner}/{repo}/actions/permissions", "setting", None),
    ("/repos/{owner}/{repo}/actions/permissions/selected-actions", "setting", None),
    ("/repos/{owner}/{repo}/actions/permissions/workflow", "setting", None),
    ("/repos/{owner}/{repo}/vulnerability-alerts", "flag", None),
    ("/repos/{owner}/{repo}/properties/values", "setting", None),
    ("/repos/{owner}/{repo}/pages", "setting", None),
    (
        "/repos/{owner}/{repo}/pulls/{pull_number}",
        "pull",
        "/repos/{owner}/{repo}/pulls/{pull_number}",
    ),
]


# GitHub's settings of a new repository (POST /orgs/{org}/repos, its body's defaults), but
# `allow_forking` (GitHub's default: not private): what a seeded repository that does not
# set one has.
NEW_REPOSITORY: dict[str, Any] = {
    "default_branch": "main",
    "has_issues": True,
    "has_projects": True,
    "has_wiki": True,
    "has_pages": False,
    "has_downloads": True,
    "has_discussions": False,
    "archived": False,
    "disabled": False,
    "is_template": False,
    "allow_squash_merge": True,
    "allow_merge_commit": True,
    "allow_rebase_merge": True,
    "allow_auto_merge": False,
    "delete_branch_on_merge": False,
    "allow_update_branch": False,
    "web_commit_signoff_required": False,
    "use_squash_pr_title_as_default": False,
    "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
    "squash_merge_commit_message": "COMMIT_MESSAGES",
    "merge_commit_title": "MERGE_MESSAGE",
    "merge_commit_message": "PR_TITLE",
    "topics": [],
}


def _key_regex(template: str) -> re.Pattern[str]:
    """A state key's pattern: as the template's, but a branch name may hold slashes
    (`ghpublish/standardize`), which a key writes as they are."""
    if template.endswith("/branches/{branch}"):
        return re.compile(
            template_regex(template).pattern.replace("(?P<branch>[^/]+)", "(?P<branch>.+)")
        )
    return template_regex(template)


def kind_of(path: str) -> tuple[str, dict[str, str], str | None] | None:
    bare = path.split("?", 1)[0]
    for template, kind, schema_template in KINDS:
        match = _key_regex(template).fullmatch(bare)
        if match:
            return kind, match.groupdict(), schema_template
    return None


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def b64(data: bytes) -> str:
    """Base64 as the contents API gives it: lines of 60 characters, each ending in \\n."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


class Store:
    """The objects, the id counter, the clock, and the fillers that need them."""

    def __init__(self, origin: str, clock: str, schema_of: Any, user_login: str = "ghsim-bot"):
        self.origin = origin.rstrip("/")  # http://127.0.0.1:PORT
        self.api = self.origin + "/api/v3"
        self.clock = clock
        self.schema_of = schema_of  # (template) -> the 200 JSON schema of its GET, or None
        self.objects: dict[str, Any] = {}
        self._index: dict[str, str] = {}
        self.counter = 1000
        self.user_login = user_login

    # -- ids and paths ------------------------------------------------------------------------

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    def sha(self, *parts: Any) -> str:
        return hashlib.sha1(repr((self.next_id(), parts)).encode()).hexdigest()

    def canonical(self, path: str) -> str | None:
        return self._index.get(path.casefold())

    def get(self, path: str) -> Any:
        key = self.canonical(path)
        return None if key is None else self.objects[key]

    def put(self, path: str, value: Any) -> Any:
        old = self.canonical(path)
        if old is not None and old != path:
            del self.objects[old]
        self.objects[path] = value
        self._index[path.casefold()] = path
        return value

    def delete(self, path: str) -> None:
        key = self.canonical(path)
        if key is not None:
            del self.objects[key]
            del self._index[path.casefold()]

    def under(self, prefix: str) -> list[str]:
        """The held paths directly or deeply under ``prefix`` (a folder-like path), sorted."""
        folded = prefix.casefold().rstrip("/") + "/"
        return sorted(k for f, k in self._index.items() if f.startswith(folded))

    def html(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    # -- seed and dump ------------------------------------------------------------------------

    def load(self, seed: dict[str, Any]) -> None:
        seed = copy.deepcopy(seed)
        ids = [v.get("id") for v in seed.values() if isinstance(v, dict)]
        numbers = [i for i in ids if isinstance(i, int)]
        for value in seed.values():
            if isinstance(value, dict) and isinstance(value.get("number"), int):
                numbers.append(value["number"])
        self.counter = max([self.counter, *numbers])
        for path, value in seed.items():
            if kind_of(path) is None:
                raise ValueError(f"the seed holds a path the simulator keeps nothing at: {path}")
            self.put(path, value)
        # Orgs and repositories first: the objects under them take their ids and URLs.
        order = {"org": 0, "user": 0, "repo": 1, "commit": 2, "content": 3, "branch": 4}
        for path in sorted(seed, key=lambda p: (order.get(kind_of(p)[0], 5), p)):  # type: ignore[index]
            self.fill(path)
        for path in [p for p in seed if kind_of(p)[0] == "repo"]:  # type: ignore[index]
            self.ensure_default_branch(path)

    def dump(self) -> dict[str, Any]:
        return copy.deepcopy(dict(sorted(self.objects.items())))

    # -- fillers ------------------------------------------------------------------------------

    def fill(self, path: str) -> Any:
        found = kind_of(path)
        value = self.objects[self.canonical(path)]  # type: ignore[index]
        if found is None or not isinstance(value, dict):
            return value
        kind, params, schema_template = found
        filler = getattr(self, f"_fill_{kind}", None)
        if filler is not None:
            filler(value, params, path)
        if schema_template is not None:
            fill_required(self.schema_of(schema_template), value, self.api + path, self.clock)
        return value

    def _common(self, value: dict[str, Any], kind: str, url: str) -> None:
        value.setdefault("id", self.next_id())
        value.setdefault("node_id", node_id(kind, value["id"]))
        value.setdefault("url", url)

    def _fill_user(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        value.setdefault("login", self.user_login)
        value.update(self.simple_user(value["login"], value.get("id"), value.get("type", "User")))

    def simple_user(
        self, login: str, ident: int | None = None, kind: str = "User"
    ) -> dict[str, Any]:
        ident = (
            ident if ident is not None else int(hashlib.sha1(login.encode()).hexdigest()[:6], 16)
        )
        url = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": ident,
            "node_id": node_id(kind, ident),
            "avatar_url": f"{self.origin}/avatars/{login}",
            "gravatar_id": "",
            "url": url,
            "html_url": self.html(login),
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": kind,
            "site_admin": False,
            "user_view_type": "public",
        }

    def _fill_org(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        login = value.setdefault("login", params["org"])
        url = f"{self.api}/orgs/{login}"
        self._common(value, "Organization", url)
        for name in ("repos", "events", "hooks", "issues"):
            value.setdefault(f"{name}_url", f"{url}/{name}")
        value.setdefault("members_url", f"{url}/members{{/member}}")
        value.setdefault("public_members_url", f"{url}/public_members{{/member}}")
        value.setdefault("avatar_url", f"{self.origin}/avatars/{login}")
        value.setdefault("html_url", self.html(login))
        value.setdefault("type", "Organization")
        value.setdefault("created_at", self.clock)
        value.setdefault("updated_at", self.clock)
        value.setdefault("has_organization_projects", True)
        value.setdefault("has_repository_projects", True)
        plan = value.setdefault("plan", {"name": "free"})
        plan.setdefault("space", 976562499)
        plan.setdefault("private_repos", 999999)
        plan.setdefault("filled_seats", 1)
        plan.setdefault("seats", 1 if plan["name"] == "free" else 5)
        value.setdefault("archived_at", None)

    def plan(self, org: str) -> str:
        found = self.get(f"/orgs/{org}")
        return (found or {}).get("plan", {}).get("name", "free")

    def owner_object(self, owner: str) -> dict[str, Any]:
        org = self.get(f"/orgs/{owner}")
        if org is not None:
            return self.simple_user(org["login"], org["id"], "Organization")
        return self.simple_user(owner)

    def _fill_repo(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        owner = self.owner_object(params["owner"])
        name = value.setdefault("name", params["repo"])
        full = f"{owner['login']}/{name}"
        url = f"{self.api}/repos/{full}"
        self._common(value, "Repository", url)
        value.setdefault("full_name", full)
        value.setdefault("owner", owner)
        if "visibility" in value:
            value.setdefault("private", value["visibility"] != "public")
        value.setdefault("private", False)
        value.setdefault("visibility", "private" if value["private"] else "public")
        value.setdefault("html_url", self.html(full))
        value.setdefault("description", None)
        value.setdefault("fork", False)
        templates = {
            "archive_url": "/{archive_format}{/ref}",
            "assignees_url": "/assignees{/user}",
            "blobs_url": "/git/blobs{/sha}",
            "branches_url": "/branches{/branch}",
            "collaborators_url": "/collaborators{/collaborator}",
            "comments_url": "/comments{/number}",
            "commits_url": "/commits{/sha}",
            "compare_url": "/compare/{base}...{head}",
            "contents_url": "/contents/{+path}",
            "contributors_url": "/contributors",
            "deployments_url": "/deployments",
            "downloads_url": "/downloads",
            "events_url": "/events",
            "forks_url": "/forks",
            "git_commits_url": "/git/commits{/sha}",
            "git_refs_url": "/git/refs{/sha}",
            "git_tags_url": "/git/tags{/sha}",
            "hooks_url": "/hooks",
            "issue_comment_url": "/issues/comments{/number}",
            "issue_events_url": "/issues/events{/number}",
            "issues_url": "/issues{/number}",
            "keys_url": "/keys{/key_id}",
            "labels_url": "/labels{/name}",
            "languages_url": "/languages",
            "merges_url": "/merges",
            "milestones_url": "/milestones{/number}",
            "notifications_url": "/notifications{?since,all,participating}",
            "pulls_url": "/pulls{/number}",
            "releases_url": "/releases{/id}",
            "stargazers_url": "/stargazers",
            "statuses_url": "/statuses/{sha}",
            "subscribers_url": "/subscribers",
            "subscription_url": "/subscription",
            "tags_url": "/tags",
            "teams_url": "/teams",
            "trees_url": "/git/trees{/sha}",
        }
        for key, suffix in templates.items():
            value.setdefault(key, url + suffix)
        host = self.origin.split("://", 1)[1]
        value.setdefault("clone_url", f"{self.origin}/{full}.git")
        value.setdefault("git_url", f"git://{host}/{full}.git")
        value.setdefault("ssh_url", f"git@{host.split(':')[0]}:{full}.git")
        value.setdefault("svn_url", self.html(full))
        value.setdefault("mirror_url", None)
        value.setdefault("homepage", None)
        value.setdefault("language", None)
        value.setdefault("license", None)
        # GitHub's defaults for a new repository (POST /orgs/{org}/repos, its body's defaults).
        defaults = {
            **NEW_REPOSITORY,
            "allow_forking": not value["private"],
            "forks": 0,
            "forks_count": 0,
            "open_issues": 0,
            "open_issues_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "network_count": 0,
            "subscribers_count": 0,
            "size": 0,
            "pushed_at": self.clock,
            "created_at": self.clock,
            "updated_at": self.clock,
            "permissions": {
                "admin": True,
                "maintain": True,
                "push": True,
                "triage": True,
                "pull": True,
            },
        }
        for key, default in defaults.items():
            value.setdefault(key, copy.deepcopy(default))
        # Returned to admins; its presence makes the provider read vulnerability-alerts.
        value.setdefault(
            "security_and_analysis",
            {
                "secret_scanning": {"status": "disabled"},
                "secret_scanning_push_protection": {"status": "disabled"},
                "dependabot_security_updates": {"status": "disabled"},
            },
        )

    def repo_short(self, repo: dict[str, Any]) -> dict[str, Any]:
        """A repository as listings embed it (the description's "minimal"/"repository")."""
        return copy.deepcopy(repo)

    def _fill_content(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        owner, repo, file_path = params["owner"], params["repo"], params["path"]
        ref = path.split("?ref=", 1)[1] if "?ref=" in path else None
        if ref is None:
            repo_obj = self.get(f"/repos/{owner}/{repo}") or {}
            ref = repo_obj.get("default_branch", "main")
        self.content_fields(value, owner, repo, file_path, ref)

    def content_fields(
        self, value: dict[str, Any], owner: str, repo: str, file_path: str, ref: str
    ) -> dict[str, Any]:
        raw = base64.b64decode(value.get("content", ""))
        value.setdefault("type", "file")
        value.setdefault("encoding", "base64")
        value.setdefault("content", b64(raw))
        value.setdefault("size", len(raw))
        value.setdefault("name", file_path.rsplit("/", 1)[-1])
        value.setdefault("path", file_path)
        value.setdefault("sha", blob_sha(raw))
        api = f"{self.api}/repos/{owner}/{repo}"
        value.setdefault("url", f"{api}/contents/{file_path}?ref={ref}")
        value.setdefault("git_url", f"{api}/git/blobs/{value['sha']}")
        value.setdefault("html_url", self.html(f"{owner}/{repo}/blob/{ref}/{file_path}"))
        value.setdefault("download_url", self.html(f"raw/{owner}/{repo}/{ref}/{file_path}"))
        value.setdefault(
            "_links", {"self": value["url"], "git": value["git_url"], "html": value["html_url"]}
        )
        return value

    def _fill_branch(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        value.setdefault("name", params["branch"])
        value.setdefault("protected", False)
        value.setdefault("commit", {})

    def _fill_commit(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        api = f"{self.api}/repos/{params['owner']}/{params['repo']}"
        sha = value.setdefault("sha", params["ref"])
        value.setdefault("node_id", node_id("Commit", int(sha[:7], 16)))
        value.setdefault("url", f"{api}/commits/{sha}")
        value.setdefault("html_url", self.html(f"{params['owner']}/{params['repo']}/commit/{sha}"))
        value.setdefault("comments_url", f"{api}/commits/{sha}/comments")
        person = {"name": "GitHub", "email": "noreply@github.com", "date": self.clock}
        commit = value.setdefault("commit", {})
        commit.setdefault("author", dict(person))
        commit.setdefault("committer", dict(person))
        commit.setdefault("message", "Initial commit")
        commit.setdefault("comment_count", 0)
        commit.setdefault("url", f"{api}/git/commits/{sha}")
        commit.setdefault(
            "tree", {"sha": hashlib.sha1(sha.encode()).hexdigest(), "url": f"{api}/git/trees/{sha}"}
        )
        commit.setdefault(
            "verification",
            {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        )
        value.setdefault("author", None)
        value.setdefault("committer", None)
        value.setdefault("parents", [])
        value.setdefault("files", [])
        value.setdefault("stats", {"total": 0, "additions": 0, "deletions": 0})

    def _fill_environment(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        owner, repo, name = params["owner"], params["repo"], params["environment_name"]
        value.setdefault("name", name)
        self._common(value, "Environment", f"{self.api}/repos/{owner}/{repo}/environments/{name}")
        value.setdefault(
            "html_url",
            self.html(f"{owner}/{repo}/deployments/activity_log?environments_filter={name}"),
        )
        value.setdefault("created_at", self.clock)
        value.setdefault("updated_at", self.clock)
        value.setdefault("protection_rules", [])
        value.setdefault("deployment_branch_policy", None)

    def _fill_policy(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        value.setdefault("id", int(params["branch_policy_id"]))
        value.setdefault("node_id", node_id("DeploymentBranchPolicy", value["id"]))
        value.setdefault("type", "branch")

    def _fill_repo_ruleset(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        owner, repo = params["owner"], params["repo"]
        self._ruleset(
            value,
            int(params["ruleset_id"]),
            "Repository",
            f"{owner}/{repo}",
            f"/repos/{owner}/{repo}",
        )

    def _fill_org_property(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        value.setdefault("property_name", params["custom_property_name"])
        value.setdefault("url", self.api + path)
        value.setdefault("source_type", "organization")
        value.setdefault("value_type", "string")

    def _fill_org_ruleset(self, value: dict[str, Any], params: dict[str, str], path: str) -> None:
        self._ruleset(
            value,
            int(params["ruleset_id"]),
            "Organization",
            params["org"],
            f"/orgs/{params['org']}",
        )

    def _ruleset(
        self, value: dict[str, Any], ident: int, source_type: str, source: str, base: str
    ) -> None:
        value.setdefault("id", ident)
        value.setdefault("node_id", node_id("RepositoryRuleset", ident))
        value.setdefault("source_type", source_type)
        value.setdefault("source", source)
        value.setdefault("target", "branch")
        value.setdefault("enforcement", "disabled")
        value.setdefault("bypass_actors", [])
        value.setdefault("rules", [])
        value.setdefault("current_user_can_bypass", "always")
        html_base = (
            f"{source}/rules"
            if source_type == "Repository"
            else f"organizations/{source}/settings/rules"
        )
        value.setdefault(
            "_links",
            {
                "self": {"href": f"{self.api}{base}/rulesets/{ident}"},
                "html": {"href": self.html(f"{html_base}/{ident}")},
            },
        )
        value.setdefault("created_at", self.clock)
        value.setdefault("updated_at", self.clock)

    # -- git: branches and commits -----------------------------------------------------------

    def branch_head(self, owner: str, repo: str, branch: str) -> str | None:
        found = self.get(f"/repos/{owner}/{repo}/branches/{branch}")
        return None if found is None else found.get("commit", {}).get("sha")

    def files_of(self, owner: str, repo: str, branch: str) -> dict[str, str]:
        """The paths held on ``branch`` -> their state paths."""
        repo_obj = self.get(f"/repos/{owner}/{repo}")
        default = (repo_obj or {}).get("default_branch")
        prefix = f"/repos/{owner}/{repo}/contents/"
        out = {}
        for key in self.under(prefix):
            rest = key[len(prefix) :]
            file_path, _, ref = rest.partition("?ref=")
            if (ref or default) == branch:
                out[file_path] = key
        return out

    def content_key(self, owner: str, repo: str, file_path: str, branch: str) -> str:
        repo_obj = self.get(f"/repos/{owner}/{repo}") or {}
        base = f"{repo_obj.get('full_name', f'{owner}/{repo}')}"
        suffix = "" if branch == repo_obj.get("default_branch") else f"?ref={branch}"
        return f"/repos/{base}/contents/{file_path}{suffix}"

    def commit(
        self,
        owner: str,
        repo: str,
        branch: str,
        message: str,
        files: list[dict[str, Any]],
        person: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new commit on ``branch`` (created if absent), its files' status/filename given."""
        repo_obj = self.get(f"/repos/{owner}/{repo}")
        full = repo_obj["full_name"]
        parent = self.branch_head(owner, repo, branch)
        sha = self.sha(full, branch, message, parent)
        who = {
            "name": "ghsim-bot",
            "email": "ghsim-bot@users.noreply.github.com",
            "date": self.clock,
        }
        if person:
            who = {**who, **{k: v for k, v in person.items() if k in {"name", "email", "date"}}}
        api = f"{self.api}/repos/{full}"
        commit_path = f"/repos/{full}/commits/{sha}"
        value: dict[str, Any] = {
            "sha": sha,
            "commit": {"author": dict(who), "committer": dict(who), "message": message},
            "parents": []
            if parent is None
            else [
                {
                    "sha": parent,
                    "url": f"{api}/commits/{parent}",
                    "html_url": self.html(f"{full}/commit/{parent}"),
                }
            ],
            "files": [
                {
                    "sha": f.get("sha"),
                    "filename": f["filename"],
                    "status": f["status"],
                    "additions": 0,
                    "deletions": 0,
                    "changes": 0,
                    "blob_url": self.html(f"{full}/blob/{sha}/{f['filename']}"),
                    "raw_url": self.html(f"{full}/raw/{sha}/{f['filename']}"),
                    "contents_url": f"{api}/contents/{f['filename']}?ref={sha}",
                }
                for f in files
            ],
        }
        self.put(commit_path, value)
        self.fill(commit_path)
        branch_path = f"/repos/{full}/branches/{branch}"
        self.put(branch_path, {"name": branch, "commit": {"sha": sha}, "protected": False})
        repo_obj["pushed_at"] = self.clock
        return value

    def ensure_default_branch(self, repo_path: str) -> None:
        repo_obj = self.get(repo_path)
        owner, name = repo_obj["full_name"].split("/", 1)
        branch = repo_obj["default_branch"]
        if self.get(f"/repos/{owner}/{name}/branches/{branch}") is not None:
            return
        files = self.files_of(owner, name, branch)
        changes = [
            {"filename": p, "status": "added", "sha": self.objects[k].get("sha")}
            for p, k in sorted(files.items())
        ]
        self.commit(owner, name, branch, "Initial commit", changes)

    def history(self, owner: str, repo: str, sha: str) -> list[dict[str, Any]]:
        """The commits from ``sha`` back along first parents."""
        out = []
        seen = set()
        while sha and sha not in seen:
            seen.add(sha)
            found = self.get(f"/repos/{owner}/{repo}/commits/{sha}")
            if found is None:
                break
            out.append(found)
            sha = found["parents"][0]["sha"] if found.get("parents") else ""
        return out


def split_repo_path(path: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"/repos/([^/]+)/([^/]+)", path)
    return None if match is None else (match.group(1), match.group(2))
