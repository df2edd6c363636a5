"""`make import`: a manifest (publishing.yaml) from an existing GitHub organization.

Reads the organization through GitHub's REST API with a read-only token (``GITHUB_TOKEN``,
at ``GITHUB_API_URL``, default https://api.github.com), or the simulated GitHub seeded with
``--seed`` (started here, on 127.0.0.1), and writes into OUT:

- ``publishing.yaml``: every repository that is not archived nor a fork, adopted, with its
  visibility, default branch and description as GitHub has them, and the ecosystems its files
  show (package.json, pom.xml, build.gradle(.kts), a .csproj, a .gemspec, a Dockerfile); the
  org's plan; comments for what it found in the way (workflows that publish already, files at
  the paths ghpublish writes, what it could not infer); archived repositories and forks
  listed in a comment. Sorted and without a clock: the same org gives the same bytes.
- ``github-state.json``: what it read, in the simulator's seed format (tools/ghsim/_state.py),
  so that ``make rehearse MANIFEST=OUT/publishing.yaml SEED=OUT/github-state.json`` rehearses
  the first ``pulumi up`` against a copy of the org.
- ``.ghpublish-import/``: every answer with its ETag (a later import sends If-None-Match;
  GitHub does not count a 304 against the hourly budget), and the progress of an import the
  budget stopped: the next run replays what it read and continues from there.

The client talks to the API host only: no redirect off it is followed, a pagination link
elsewhere is refused, and no proxy is used for a loopback address. Exit codes: 0 written,
2 a bad argument or an answer that stops the import (a missing org, a token refused),
75 the hourly budget ran out (run it again after the reset: it continues), 70 a bug.
"""

from __future__ import annotations

__all__ = ["BudgetSpentError", "ImportFailedError", "Importer", "main"]

import argparse
import base64
import binascii
import hashlib
import ipaddress
import json
import os
import re
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components import ManifestError, parse_manifest
from components._registry import CONTAINER, ECOSYSTEMS, MAVEN, NPM, NUGET, RUBYGEMS
from tools.cli import EXIT_INVALID, plural
from tools.cli import run as run_cli
from tools.ghsim import DescriptionMissingError, Simulator

PROG = "import"
EXIT_BUDGET = 75  # EX_TEMPFAIL of sysexits.h: run it again later, it continues
DEFAULT_API = "https://api.github.com"
WORK_DIR = ".ghpublish-import"
JOURNAL = "responses.jsonl"
PROGRESS = "progress.json"
MANIFEST_FILE = "publishing.yaml"
STATE_FILE = "github-state.json"
PLACEHOLDER_TOKEN = "ghp_" + "0" * 36  # the simulator's, never sent elsewhere
MAX_FILE = 1_000_000  # bytes of a file read to infer from (pom.xml, package.json, ...)
MAX_CSPROJ = 10  # .csproj files read per repository
USER_AGENT = "ghpublish-import"
WIDTH = 92

# GitHub's org plan names -> the manifest's `plan`.
PLANS = {
    "free": "free",
    "pro": "pro",
    "team": "team",
    "enterprise": "enterprise",
    "business": "enterprise",
    "enterprise_cloud": "enterprise",
}

# A workflow step that publishes a package or an image, by the ecosystem it publishes to.
PUBLISHERS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("npm", "npm publish", re.compile(r"\b(?:npm|yarn|pnpm)\s+(?:[\w-]+\s+)*publish\b")),
    ("maven", "mvn deploy", re.compile(r"\bmvnw?\b[^\n]*\bdeploy\b")),
    ("gradle", "gradle publish", re.compile(r"\bgradlew?\b[^\n]*\bpublish\w*\b")),
    ("nuget", "dotnet nuget push", re.compile(r"\bdotnet\s+nuget\s+push\b|\bnuget\s+push\b")),
    ("rubygems", "gem push", re.compile(r"\bgem\s+push\b")),
    ("container", "docker push", re.compile(r"\bdocker\s+(?:image\s+)?push\b")),
    ("container", "docker/build-push-action", re.compile(r"\bdocker/build-push-action\b")),
)
# The workflow files ghpublish writes, whichever ecosystem is on.
MANAGED_PATHS = {eco.workflow_path: eco.key for eco in ECOSYSTEMS}


class ImportFailedError(Exception):
    """A bad argument, or an answer that stops the import (exit 2)."""


class BudgetSpentError(Exception):
    """The hourly API budget ran out: progress is saved, a second run continues (exit 75)."""


# ---------------------------------------------------------------------------------------------
# The HTTP client: the API host only, ETags, the budget, a journal to resume from.


def _origin(url: str) -> tuple[str, str, int | None]:
    split = urllib.parse.urlsplit(url)
    port = split.port or {"https": 443, "http": 80}.get(split.scheme)
    return split.scheme, (split.hostname or "").lower(), port


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect on the API host (a renamed repository), refuses any other."""

    def __init__(self, origin: tuple[str, str, int | None]) -> None:
        self.origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if _origin(newurl) != self.origin:
            raise ImportFailedError(
                f"GitHub answered {req.full_url} with a redirect to {newurl}, off the API host;"
                " not followed"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class Answer:
    status: int
    body: Any
    next: str | None = None  # the next page's path, relative to the API


@dataclass
class Counters:
    sent: int = 0
    not_modified: int = 0
    replayed: int = 0
    remaining: int | None = None
    reset: int | None = None


class Client:
    """GET under one API base URL, with If-None-Match from the journal in OUT."""

    def __init__(self, api: str, token: str, work: Path, identity: str, owner: str) -> None:
        self.api = api.rstrip("/")
        split = urllib.parse.urlsplit(self.api)
        self.base_path = split.path
        self.origin = _origin(self.api)
        proxies = urllib.request.ProxyHandler({} if _loopback(self.origin[1]) else None)
        self.opener = urllib.request.build_opener(proxies, _SameHostRedirects(self.origin))
        self.token = token
        self.counters = Counters()
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        self.journal_path = work / JOURNAL
        self.progress_path = work / PROGRESS
        progress = _read_json(self.progress_path) or {}
        same = progress.get("api") == identity and progress.get("owner") == owner
        if not same:
            self.journal_path.unlink(missing_ok=True)
            progress = {}
        self.resuming = bool(progress) and not progress.get("complete", False)
        self.session = int(progress.get("session", 0)) + (0 if self.resuming else 1)
        self.entries: dict[str, dict[str, Any]] = {}
        for entry in _read_journal(self.journal_path):
            self.entries[entry["path"]] = entry
        self.progress = {"api": identity, "owner": owner, "session": self.session}
        self._save_progress(complete=False)

    def _save_progress(self, complete: bool) -> None:
        _write_atomic(
            self.progress_path,
            json.dumps({**self.progress, "complete": complete}, indent=2, sort_keys=True) + "\n",
        )

    def finish(self) -> None:
        """The import completed: compact the journal; the next run revalidates everything."""
        lines = [json.dumps(self.entries[k], sort_keys=True) + "\n" for k in sorted(self.entries)]
        _write_atomic(self.journal_path, "".join(lines))
        self._save_progress(complete=True)

    def _record(self, entry: dict[str, Any]) -> None:
        self.entries[entry["path"]] = entry
        with self.journal_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")

    def get(self, path: str) -> Answer:
        known = self.entries.get(path)
        if known is not None and known.get("session") == self.session:
            self.counters.replayed += 1  # read by this import before it stopped
            return Answer(known["status"], known.get("body"), known.get("next"))
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": USER_AGENT,
            "Authorization": f"Bearer {self.token}",
        }
        if known is not None and known.get("etag") and known.get("status") == 200:
            headers["If-None-Match"] = known["etag"]
        status, out_headers, data = self._send(path, headers)
        if status == 304 and known is not None:
            self.counters.not_modified += 1
            entry = {**known, "session": self.session}
        else:
            body = None
            if data:
                try:
                    body = json.loads(data)
                except ValueError as error:
                    raise ImportFailedError(
                        f"GET {path}: the answer is not JSON ({error})"
                    ) from None
            if status not in {200, 404, 409}:
                message = body.get("message") if isinstance(body, dict) else ""
                raise ImportFailedError(
                    f"GET {path} answered {status}{f': {message}' if message else ''}"
                    + (
                        "; GITHUB_TOKEN is missing or refused"
                        if status == 401
                        else "; the token may not read it"
                        if status == 403
                        else ""
                    )
                )
            entry = {
                "path": path,
                "session": self.session,
                "status": status,
                "etag": out_headers.get("etag"),
                "next": self._next(out_headers.get("link", "")),
                "body": body,
            }
        self._record(entry)
        return Answer(entry["status"], entry.get("body"), entry.get("next"))

    def _send(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        url = self.api + path
        attempts = 0
        while True:
            attempts += 1
            if self.counters.remaining == 0 and (self.counters.reset or 0) > time.time():
                raise BudgetSpentError(self._spent())
            request = urllib.request.Request(url, headers=headers, method="GET")
            try:
                with self.opener.open(request, timeout=60) as response:
                    status, raw_headers, data = response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                status, raw_headers, data = error.code, error.headers, error.read()
            except (urllib.error.URLError, OSError) as error:
                if attempts < 3:
                    time.sleep(attempts)
                    continue
                raise ImportFailedError(f"GET {url}: {getattr(error, 'reason', error)}") from None
            out = {k.lower(): v for k, v in raw_headers.items()}
            self.counters.sent += 1
            if "x-ratelimit-remaining" in out:
                self.counters.remaining = int(out["x-ratelimit-remaining"])
                self.counters.reset = int(out.get("x-ratelimit-reset", "0") or 0)
            if status in {403, 429}:
                if "retry-after" in out:  # a secondary rate limit: wait a little, once or twice
                    wait = int(out["retry-after"]) if out["retry-after"].isdigit() else 60
                    if wait <= 60 and attempts < 3:
                        time.sleep(wait)
                        continue
                    raise BudgetSpentError(
                        f"GitHub's secondary rate limit answered GET {path} (retry after"
                        f" {wait}s); progress is saved: run the same command again later and it"
                        " continues"
                    )
                if self.counters.remaining == 0:
                    raise BudgetSpentError(self._spent())
            if status in {500, 502, 503, 504} and attempts < 3:
                time.sleep(attempts)
                continue
            return status, out, data

    def _spent(self) -> str:
        reset = self.counters.reset
        when = (
            time.strftime("%H:%M:%S UTC", time.gmtime(reset))
            if reset
            else "the hour's end (X-RateLimit-Reset)"
        )
        return (
            f"the token's hourly API budget is spent (X-RateLimit-Remaining: 0, resets at"
            f" {when}) after {plural(self.counters.sent, 'request')}; progress is saved:"
            " run the same command again after the reset and it continues where it stopped"
        )

    def _next(self, link: str) -> str | None:
        for part in link.split(","):
            found = re.match(r'\s*<([^>]+)>\s*;\s*rel="next"', part)
            if found is None:
                continue
            url = found.group(1)
            if _origin(url) != self.origin or not urllib.parse.urlsplit(url).path.startswith(
                self.base_path
            ):
                raise ImportFailedError(f"a pagination link leads off the API host: {url}; refused")
            split = urllib.parse.urlsplit(url)
            rest = split.path[len(self.base_path) :]
            return rest + (f"?{split.query}" if split.query else "")
        return None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_journal(path: Path) -> list[dict[str, Any]]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by an interrupted run
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            out.append(entry)
    return out


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------------
# What a repository's files show.


@dataclass
class Entry:
    """One repository of the manifest: its keys in order, and the comments above them."""

    name: str
    keys: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # A block to turn on by hand (its key -> its value and why it is off).
    held: dict[str, tuple[Any, str]] = field(default_factory=dict)
    # Per ecosystem key, a remark written above it.
    remarks: dict[str, list[str]] = field(default_factory=dict)


def _text(body: Any) -> str | None:
    if not isinstance(body, dict) or body.get("type") != "file":
        return None
    if body.get("encoding") != "base64" or not body.get("content"):
        return None if body.get("size", 0) else ""
    try:
        raw = base64.b64decode(body["content"])
    except (binascii.Error, ValueError):
        return None
    if len(raw) > MAX_FILE:
        return None
    return raw.decode("utf-8", errors="replace")


def _xml(text: str) -> ElementTree.Element | None:
    if "<!ENTITY" in text or "<!DOCTYPE" in text:
        return None  # no entity expansion: such a file is not read
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    for element in root.iter():  # drop XML namespaces (Maven's POM 4.0.0)
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def _child(element: ElementTree.Element | None, *path: str) -> str | None:
    for name in path:
        if element is None:
            return None
        element = element.find(name)
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _valid(model: Any, key: str, value: Any) -> bool:
    try:
        model.model_validate({key: value})
    except ValueError:
        return False
    return True


def _depth(path: str) -> tuple[int, str]:
    return path.count("/"), path


# ---------------------------------------------------------------------------------------------
# The import.


class Importer:
    """Reads one organization and builds the manifest, the state and the notes."""

    def __init__(self, client: Client, owner: str) -> None:
        self.client = client
        self.owner = owner
        self.state: dict[str, Any] = {}
        self.entries: list[Entry] = []
        self.skipped: list[str] = []
        self.plan: str = "team"
        self.plan_note: str | None = None
        self.login = owner

    def run(self) -> None:
        org = self.client.get(f"/orgs/{urllib.parse.quote(self.owner, safe='')}")
        if org.status != 200 or not isinstance(org.body, dict):
            raise ImportFailedError(
                f"no organization {self.owner!r} on GitHub (GET /orgs/{self.owner} answered"
                f" {org.status}); OWNER is an organization's login (a user's repositories are"
                " not imported)"
            )
        self.login = org.body.get("login") or self.owner
        self.state[f"/orgs/{self.login}"] = org.body
        plan_name = (org.body.get("plan") or {}).get("name")
        if plan_name is None:
            self.plan_note = (
                "GitHub did not show the organization's plan to this token (only owners see"
                " it): `team` is assumed; set the plan the organization has"
            )
        elif plan_name.lower() in PLANS:
            self.plan = PLANS[plan_name.lower()]
        else:
            self.plan_note = (
                f"GitHub names the organization's plan {plan_name!r}, which ghpublish does not"
                " know: `team` is assumed; set free, pro, team or enterprise"
            )
        listing: list[dict[str, Any]] = []
        page: str | None = f"/orgs/{self.login}/repos?type=all&sort=full_name&per_page=100"
        while page is not None:
            answer = self.client.get(page)
            if answer.status != 200 or not isinstance(answer.body, list):
                raise ImportFailedError(f"GET {page} answered {answer.status}")
            listing.extend(r for r in answer.body if isinstance(r, dict))
            page = answer.next
        for repo in sorted(listing, key=lambda r: str(r.get("name", "")).casefold()):
            name = str(repo.get("name"))
            if repo.get("archived"):
                self.skipped.append(f"archived: {name} (read-only on GitHub)")
                self.state[f"/repos/{self.login}/{name}"] = repo
            elif repo.get("fork"):
                self.skipped.append(f"fork: {name}")
                self.state[f"/repos/{self.login}/{name}"] = repo
            else:
                self.entries.append(self.repository(name))

    # -- one repository ---------------------------------------------------------------------

    def _repo_path(self, name: str) -> str:
        return f"/repos/{self.login}/{urllib.parse.quote(name, safe='')}"

    def _file(self, name: str, path: str) -> tuple[str | None, Any]:
        api_path = f"{self._repo_path(name)}/contents/{urllib.parse.quote(path, safe='/')}"
        answer = self.client.get(api_path)
        if answer.status != 200:
            return None, None
        self.state[f"/repos/{self.login}/{name}/contents/{path}"] = answer.body
        return _text(answer.body), answer.body

    def repository(self, name: str) -> Entry:
        entry = Entry(name)
        answer = self.client.get(self._repo_path(name))
        repo = answer.body if answer.status == 200 and isinstance(answer.body, dict) else None
        if repo is None:
            entry.keys["adopt"] = True
            entry.notes.append(f"GitHub did not answer GET /repos/{self.login}/{name}: not read")
            return entry
        self.state[f"/repos/{self.login}/{name}"] = repo
        entry.keys["adopt"] = True
        visibility = repo.get("visibility") or ("private" if repo.get("private") else "public")
        entry.keys["visibility"] = visibility
        branch = repo.get("default_branch") or "main"
        entry.keys["default_branch"] = branch
        description = repo.get("description")
        if description:
            entry.keys["description"] = description
        tree = self.client.get(
            f"{self._repo_path(name)}/git/trees/{urllib.parse.quote(branch, safe='')}?recursive=1"
        )
        if tree.status != 200 or not isinstance(tree.body, dict):
            entry.notes.append(
                f"its default branch {branch!r} holds no files (an empty repository): no"
                " ecosystem inferred"
            )
            entry.keys["npm"] = False
            return entry
        files = sorted(
            str(item["path"])
            for item in tree.body.get("tree", [])
            if isinstance(item, dict) and item.get("type") == "blob" and "path" in item
        )
        if tree.body.get("truncated"):
            entry.notes.append(
                "GitHub truncated its file list (over 100,000 entries): files deeper in it"
                " were not looked at"
            )
        self.infer(entry, name, files, visibility)
        return entry

    def infer(self, entry: Entry, name: str, files: list[str], visibility: str) -> None:
        present = set(files)
        blocks: dict[str, Any] = {}
        # npm: package.json at the root.
        if "package.json" in present:
            blocks["npm"] = self._npm(entry, name)
        # Maven: the shallowest pom.xml.
        poms = sorted((f for f in files if f.rsplit("/", 1)[-1] == "pom.xml"), key=_depth)
        if poms:
            blocks["maven"] = self._maven(entry, name, poms[0])
        # Gradle: a build file at the root (the wrapper is what the workflow runs).
        gradle = [f for f in ("build.gradle.kts", "build.gradle") if f in present]
        if gradle:
            self._file(name, gradle[0])
            block: dict[str, Any] = {}
            if "gradlew" in present:
                self._file(name, "gradlew")
            else:
                entry.remarks.setdefault("gradle", []).append(
                    "no Gradle wrapper (gradlew) is committed, and the workflow runs ./gradlew:"
                    " commit it (gradle wrapper) before the first release"
                )
            blocks["gradle"] = block
        # NuGet: a packable .csproj.
        projects = sorted((f for f in files if f.endswith(".csproj")), key=_depth)
        if projects:
            found = self._nuget(entry, name, projects)
            if found is not None:
                blocks["nuget"] = found
        # RubyGems: a .gemspec at the root.
        gemspecs = sorted(f for f in files if f.endswith(".gemspec") and "/" not in f)
        if gemspecs:
            found = self._gem(entry, name, gemspecs)
            if found is not None:
                blocks["rubygems"] = found
        # A container image: the root Dockerfile, else the shallowest.
        dockerfiles = sorted(
            (f for f in files if re.fullmatch(r"(?:.*/)?Dockerfile", f)), key=_depth
        )
        if dockerfiles:
            self._file(name, dockerfiles[0])
            container: dict[str, Any] = {}
            if dockerfiles[0] != "Dockerfile":
                container["dockerfile"] = dockerfiles[0]
            if not _valid(CONTAINER.block, "image", name.lower()):
                image = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"
                container["image"] = image
                entry.remarks.setdefault("container", []).append(
                    f"the repository's name is not an image name: image {image!r} chosen"
                )
            if len(dockerfiles) > 1:
                entry.remarks.setdefault("container", []).append(
                    "other Dockerfiles, not published: " + ", ".join(dockerfiles[1:])
                )
            blocks["container"] = container
        # Workflows: those that publish already, and those at the paths ghpublish writes.
        workflows = [f for f in files if re.fullmatch(r"\.github/workflows/[^/]+\.ya?ml", f)]
        publishers: dict[str, list[str]] = {}
        for path in workflows:
            text, _ = self._file(name, path)
            managed = MANAGED_PATHS.get(path)
            if managed is not None:
                if managed in blocks and blocks[managed] is not None:
                    entry.notes.append(
                        f"{path} exists: it is the {managed} workflow ghpublish writes, and the"
                        " first `pulumi up` replaces it (keep what you need of it elsewhere)"
                    )
                else:
                    entry.notes.append(
                        f"{path} exists at the path ghpublish writes for {managed}, which is"
                        " off here: turning it on replaces that file"
                    )
            if text is None:
                continue
            for key, what, pattern in PUBLISHERS:
                if pattern.search(text) and not (managed == key and blocks.get(key) is not None):
                    publishers.setdefault(key, [])
                    if (path, what) not in [tuple(p.split(" ", 1)) for p in publishers[key]]:
                        publishers[key].append(f"{path} {what}")
        for key, found in sorted(publishers.items()):
            where = ", ".join(f"{p.split(' ', 1)[0]} (`{p.split(' ', 1)[1]}`)" for p in found)
            if blocks.get(key) is not None:
                entry.held[key] = (
                    blocks.pop(key),
                    f"{where} publishes already: a second publisher would publish every release"
                    " twice; remove its publishing step, then turn this on",
                )
            else:
                entry.notes.append(
                    f"{where} publishes ({key}), and ghpublish found no {key} project to manage:"
                    " it is left as it is"
                )
        for eco in ECOSYSTEMS:
            if blocks.get(eco.key) is not None:
                entry.keys[eco.key] = blocks[eco.key]
            elif eco.key in entry.held or eco.key == "npm":
                # npm explicitly: `defaults: {npm: ...}` would turn it on.
                entry.keys[eco.key] = False
        projects = ("package.json", "pom.xml", "build.gradle", ".csproj", ".gemspec", "Dockerfile")
        if not any(f.endswith(projects) for f in files):
            entry.notes.append(
                "no package.json, pom.xml, build.gradle(.kts), .csproj, .gemspec or Dockerfile"
                " found: nothing to publish inferred"
            )

    def _npm(self, entry: Entry, name: str) -> dict[str, Any] | None:
        text, _ = self._file(name, "package.json")
        try:
            data = json.loads(text) if text is not None else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            entry.notes.append("package.json is not a JSON object: npm not inferred")
            return None
        package = data.get("name")
        scope = f"@{self.login.lower()}/"
        if data.get("private") is True:
            entry.notes.append(
                f"package.json ({package!r}) is marked private: true, which npm never"
                " publishes: npm left off"
            )
            return None
        if not isinstance(package, str):
            entry.notes.append("package.json names no package: npm not inferred")
            return None
        if not package.startswith(scope) or not _valid(NPM.block, "package", package):
            entry.notes.append(
                f"package.json names {package!r}, outside the owner's scope {scope[:-1]}:"
                f" GitHub Packages publishes npm packages under it only; rename it"
                f" ({scope}<name>) and turn npm on"
            )
            return None
        block: dict[str, Any] = {"package": package}
        scripts = data.get("scripts")
        if not isinstance(scripts, dict) or "test" not in scripts:
            entry.remarks.setdefault("npm", []).append(
                "package.json has no test script, so `npm test` fails: add one or set"
                " npm.test_command"
            )
        return block

    def _maven(self, entry: Entry, name: str, pom: str) -> dict[str, Any]:
        text, _ = self._file(name, pom)
        block: dict[str, Any] = {}
        directory = pom.rsplit("/", 1)[0] if "/" in pom else "."
        if directory != ".":
            block["directory"] = directory
        root = _xml(text) if text is not None else None
        if root is None:
            entry.remarks.setdefault("maven", []).append(
                f"{pom} could not be read as XML: its coordinates are not checked"
            )
            return block
        group = _child(root, "groupId") or _child(root, "parent", "groupId")
        artifact = _child(root, "artifactId")
        coordinates = f"{group}:{artifact}"
        if group and artifact and _valid(MAVEN.block, "package", coordinates):
            block = {"package": coordinates, **block}
        else:
            entry.remarks.setdefault("maven", []).append(
                f"{pom}'s groupId and artifactId ({coordinates}) are not plain coordinates"
                " (a property?): maven.package not set, so not checked before deploying"
            )
        if _child(root, "packaging") == "pom" and root.find("modules") is not None:
            entry.remarks.setdefault("maven", []).append(
                f"{pom} is a multi-module build: every module is deployed, the coordinates"
                " checked are the parent's"
            )
        return block

    def _nuget(self, entry: Entry, name: str, projects: list[str]) -> dict[str, Any] | None:
        candidates: list[tuple[str, str | None]] = []
        skipped: list[str] = []
        for path in projects[:MAX_CSPROJ]:
            stem = path.rsplit("/", 1)[-1][: -len(".csproj")]
            if re.search(r"(?i)tests?$|\.tests?\.|benchmark", stem):
                skipped.append(path)
                continue
            text, _ = self._file(name, path)
            root = _xml(text) if text is not None else None
            props = {}
            if root is not None:
                for group in root.iter("PropertyGroup"):
                    for child in group:
                        if isinstance(child.tag, str) and child.text and child.text.strip():
                            props.setdefault(child.tag, child.text.strip())
            if (
                props.get("IsPackable", "").lower() == "false"
                or props.get("IsTestProject", "").lower() == "true"
            ):
                skipped.append(path)
                continue
            candidates.append((path, props.get("PackageId")))
        if len(projects) > MAX_CSPROJ:
            entry.remarks.setdefault("nuget", []).append(
                f"{len(projects)} .csproj files: the first {MAX_CSPROJ} were looked at"
            )
        if not candidates:
            entry.notes.append(
                "its .csproj files are tests or not packable ("
                + ", ".join(skipped)
                + "): NuGet not inferred"
            )
            return None
        with_id = [c for c in candidates if c[1] is not None]
        path, package = (with_id or candidates)[0]
        block: dict[str, Any] = {}
        if package is not None and _valid(NUGET.block, "package", package):
            block["package"] = package
        else:
            entry.remarks.setdefault("nuget", []).append(
                f"{path} declares no PackageId: nuget.package not set, so not checked"
            )
        block["project"] = path
        others = [c[0] for c in candidates if c[0] != path]
        if others:
            entry.remarks.setdefault("nuget", []).append(
                "one project is published per repository; not published: " + ", ".join(others)
            )
        return block

    def _gem(self, entry: Entry, name: str, gemspecs: list[str]) -> dict[str, Any] | None:
        path = f"{name}.gemspec" if f"{name}.gemspec" in gemspecs else gemspecs[0]
        text, _ = self._file(name, path)
        block: dict[str, Any] = {}
        found = re.search(r"\.name\s*=\s*[\"']([^\"'\n]+)[\"']", text or "")
        if found and _valid(RUBYGEMS.block, "package", found.group(1)):
            block["package"] = found.group(1)
        else:
            entry.remarks.setdefault("rubygems", []).append(
                f"{path}'s gem name is not a plain string: rubygems.package not set, so not checked"
            )
        if path != f"{name}.gemspec":
            block["gemspec"] = path
        if len(gemspecs) > 1:
            entry.remarks.setdefault("rubygems", []).append(
                "one gem is published per repository; not published: "
                + ", ".join(g for g in gemspecs if g != path)
            )
        return block


# ---------------------------------------------------------------------------------------------
# The manifest's text.

_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./ :@+-]*")


def _scalar(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if (
        _PLAIN.fullmatch(text)
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
    ):
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str, indent: str) -> list[str]:
    return [
        f"{indent}# {line}"
        for line in textwrap.wrap(text, WIDTH - len(indent) - 2, break_on_hyphens=False)
    ]


def _block(key: str, value: Any, indent: str) -> list[str]:
    if isinstance(value, dict):
        if not value:
            return [f"{indent}{key}: {{}}"]
        lines = [f"{indent}{key}:"]
        for k, v in value.items():
            lines.extend(_block(k, v, indent + "  "))
        return lines
    return [f"{indent}{key}: {_scalar(value)}"]


def manifest_text(importer: Importer) -> str:
    lines = [
        f"# The ghpublish manifest of {importer.login}, imported from GitHub by `make import`.",
        "# Every repository is adopted (imported, never recreated); review each comment",
        "# before the first `pulumi up`. Not read from GitHub, so ghpublish's defaults apply:",
        "# Actions settings, the `release` environment and its reviewers, rulesets, features.",
        f"owner: {_scalar(importer.login)}",
    ]
    if importer.plan_note:
        lines.extend(_comment(importer.plan_note, ""))
    lines.append(f"plan: {importer.plan}")
    lines.append("")
    lines.append("repositories:")
    if importer.skipped:
        lines.append("  # Not managed (archived repositories and forks):")
        lines.extend(f"  #   {line}" for line in importer.skipped)
    if not importer.entries:
        lines[-1 if not importer.skipped else lines.index("repositories:")] = "repositories: []"
    for entry in importer.entries:
        lines.append("")
        for note in entry.notes:
            lines.extend(_comment(note, "  "))
        lines.append(f"  - name: {_scalar(entry.name)}")
        for key, value in entry.keys.items():
            for remark in entry.remarks.get(key, []):
                lines.extend(_comment(remark, "    "))
            if key in entry.held:
                block, why = entry.held[key]
                lines.extend(_comment(why, "    "))
                lines.extend(f"    #   {line}" for line in _block(key, block, ""))
            lines.extend(_block(key, value, "    "))
    return "\n".join(lines) + "\n"


_ISSUE_PATH = re.compile(r"repositories\[(\d+)\]\.(\w+)")


def validated(importer: Importer) -> str:
    """The manifest's text, checked by ghpublish's own rules: a block they refuse is left
    out, with the reason as a comment (a safety net: the inference should not need it)."""
    for _ in range(len(ECOSYSTEMS) + 2):
        text = manifest_text(importer)
        try:
            parse_manifest(text, MANIFEST_FILE)
            return text
        except ManifestError as error:
            changed = False
            for issue in error.issues:
                found = _ISSUE_PATH.match(issue.path)
                if found is None:
                    continue
                entry = importer.entries[int(found.group(1))]
                key = found.group(2)
                if key in entry.keys and key not in {"name", "adopt"}:
                    del entry.keys[key]
                    if key == "npm":
                        entry.keys["npm"] = False
                    entry.notes.append(f"{key} left out: {issue.message}")
                    changed = True
            if not changed:
                raise
    raise RuntimeError("the imported manifest does not validate")


# ---------------------------------------------------------------------------------------------
# The command line.


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ImportFailedError(f"OUT {str(out)!r} is a file; give a directory")
    if out.resolve() == Path(__file__).resolve().parent.parent:
        raise ImportFailedError(
            f"OUT {str(out)!r} is the ghpublish project; give another directory"
        )
    if out.is_dir() and (out / MANIFEST_FILE).exists() and not (out / WORK_DIR).is_dir():
        raise ImportFailedError(
            f"OUT {str(out)!r} holds a {MANIFEST_FILE} import did not write; give another"
            " directory (such as OUT=build/import)"
        )


def import_org(owner: str, out: Path, api: str, token: str, identity: str) -> tuple[str, str]:
    """Reads ``owner`` at ``api`` and writes OUT; the summary line and the manifest's text."""
    client = Client(api, token, out / WORK_DIR, identity, owner)
    resumed = client.resuming
    importer = Importer(client, owner)
    importer.run()
    text = validated(importer)
    out.mkdir(parents=True, exist_ok=True)
    _write_atomic(out / MANIFEST_FILE, text)
    _write_atomic(
        out / STATE_FILE, json.dumps(dict(sorted(importer.state.items())), indent=2) + "\n"
    )
    client.finish()
    counts: dict[str, int] = {}
    notes = 0
    for entry in importer.entries:
        for eco in ECOSYSTEMS:
            if isinstance(entry.keys.get(eco.key), dict) and eco.key not in entry.held:
                counts[eco.key] = counts.get(eco.key, 0) + 1
        notes += len(entry.notes) + sum(len(r) for r in entry.remarks.values()) + len(entry.held)
    found = ", ".join(f"{e.key} {counts[e.key]}" for e in ECOSYSTEMS if e.key in counts)
    repos = len(importer.entries)
    adopted = f"{repos} {'repository' if repos == 1 else 'repositories'} adopted"
    c = client.counters
    line = (
        f"import: {importer.login} (plan {importer.plan}): "
        f"{adopted} ({found or 'nothing to publish'}),"
        f" {len(importer.skipped)} archived or forks listed, {plural(notes, 'note')} to review;"
        f" {plural(c.sent, 'request')} ({c.not_modified} answered 304, not counted"
        + (f"; {c.replayed} replayed from the stopped run" if resumed else "")
        + ")"
        + (f", X-RateLimit-Remaining {c.remaining}" if c.remaining is not None else "")
        + f"; wrote {out / MANIFEST_FILE} and {out / STATE_FILE}"
    )
    return line, text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make import", description="publishing.yaml from an existing GitHub organization"
    )
    parser.add_argument("--owner", default="", help="the organization's login")
    parser.add_argument("--out", default="", help="the directory written")
    parser.add_argument("--seed", default="", help="a simulator state to import from instead")
    args = parser.parse_args(argv)
    try:
        if not args.owner.strip():
            raise ImportFailedError("OWNER is required: make import OWNER=<org> OUT=<dir>")
        if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}", args.owner):
            raise ImportFailedError(f"OWNER {args.owner!r} is not a GitHub login")
        if not args.out.strip():
            raise ImportFailedError("OUT is required: make import OWNER=<org> OUT=<dir>")
        out = Path(args.out)
        _check_out(out)
        if args.seed:
            return _from_seed(args.owner, out, Path(args.seed))
        api = os.environ.get("GITHUB_API_URL") or DEFAULT_API
        scheme, host, _ = _origin(api)
        if scheme not in {"https", "http"} or not host:
            raise ImportFailedError(f"GITHUB_API_URL {api!r} is not an http(s) URL")
        if scheme == "http" and not _loopback(host):
            raise ImportFailedError(
                f"GITHUB_API_URL {api!r}: plain http only to a loopback address (the token"
                " would travel in the clear)"
            )
        token = os.environ.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise ImportFailedError(
                "GITHUB_TOKEN is not set: a read-only token of the organization (repository"
                " contents and metadata: read)"
            )
        line, _ = import_org(args.owner, out, api, token, api.rstrip("/"))
    except ImportFailedError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_INVALID
    except BudgetSpentError as error:
        print(f"{PROG}: stopped: {error}", file=sys.stderr)
        return EXIT_BUDGET
    print(line, file=sys.stderr)
    return 0


def _from_seed(owner: str, out: Path, seed: Path) -> int:
    try:
        data = seed.read_bytes()
        state = json.loads(data)
    except (OSError, ValueError) as error:
        raise ImportFailedError(
            f"SEED {str(seed)!r}: not a simulator state (JSON): {error}"
        ) from None
    if not isinstance(state, dict):
        raise ImportFailedError(f"SEED {str(seed)!r}: expected a JSON object of REST paths")
    try:
        sim = Simulator(seed=state)
    except DescriptionMissingError as error:
        raise ImportFailedError(str(error)) from None
    except ValueError as error:
        raise ImportFailedError(f"SEED {str(seed)!r}: {error}") from None
    identity = "seed:" + hashlib.sha256(data).hexdigest()
    with sim:
        line, _ = import_org(owner, out, sim.api_url, PLACEHOLDER_TOKEN, identity)
    print(line, file=sys.stderr)
    return 0


def cli() -> None:
    run_cli(main, PROG)


if __name__ == "__main__":
    cli()
