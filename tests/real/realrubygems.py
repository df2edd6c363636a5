"""A loopback stand-in for GitHub's RubyGems registry, for the real `gem` client.

It answers what GitHub documents for `https://rubygems.pkg.github.com/<owner>` ("Working with
the RubyGems registry"), on `http://127.0.0.1:PORT/<owner>` (the harness maps GitHub's
address to it):

- `gem push --host <registry>/<owner> <file>.gem` sends `POST /<owner>/api/v1/gems` with the
  gem as the body and its key as the `Authorization` header verbatim (rubygems/rubygems,
  lib/rubygems/gemcutter_utilities.rb at 004eadb0c55c64a6ce901977efba49f7c0a3e920: `api_key`
  reads GEM_HOST_API_KEY first and `sign_in`, which writes credentials, returns when there is
  a key; Debian's 3.3.15 does the same); GitHub's key is `Bearer <token>`. A token with `packages: write` pushes; a token with `packages: read` or
  without `packages` is refused (403), an unknown one too (401). A version already stored is
  refused (409): a version is published once.
- The gem's `metadata["github_repo"]`, `ssh://github.com/<owner>/<repository>`, links it to
  that repository; a repository of another owner is refused (400).
- Installing reads `GET /<owner>/gems/<name>-<version>.gem` (where gem and Bundler download a
  gem) with the `<user>:<token>` basic credentials GitHub documents for installing: a token
  that may read (`read` or `write`) reads; the others are refused as above.

Everything it was asked is recorded (`requests`), and every gem it stores (`gems`), so a test
asserts what was published, how often and with which token. `fail_after_store` makes the next
pushes store the gem and still answer 502, as a push whose answer was lost does.
"""

from __future__ import annotations

import base64
import gzip
import io
import shutil
import subprocess
import tarfile
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import yaml
from requirement import unavailable

__all__ = ["GemFacts", "RubyGemsRegistry", "gem_facts", "machine_ruby", "ruby_or_skip"]

# What the real tests run: Debian's ruby (gem), bundler, git (the commit dates the gem), curl.
TOOLS = ("ruby", "gem", "bundle", "git", "curl")


def ruby_or_skip() -> None:
    """Skip the calling test without the real tools (fail under CI=true)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        unavailable(
            f"real RubyGems client unavailable: {', '.join(missing)} not on PATH (install"
            " them with scripts/ruby-env.sh install)"
        )


def machine_ruby() -> str:
    """This machine's Ruby version (RUBY_VERSION), the runner's Ruby in these tests."""
    return subprocess.run(
        ["ruby", "-e", "print RUBY_VERSION"], capture_output=True, text=True, check=True
    ).stdout


class _RubyLoader(yaml.SafeLoader):
    """A gem's metadata.gz: YAML with Ruby object tags, read as plain mappings and scalars."""


def _ruby_object(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_RubyLoader.add_multi_constructor("!ruby/", _ruby_object)


@dataclass(frozen=True)
class GemFacts:
    """What a .gem says of itself (its metadata.gz)."""

    name: str
    version: str
    platform: str
    github_repo: str | None

    @property
    def file_name(self) -> str:
        platform = "" if self.platform == "ruby" else f"-{self.platform}"
        return f"{self.name}-{self.version}{platform}.gem"


def gem_facts(data: bytes) -> GemFacts:
    """Read a .gem (a tar holding metadata.gz); ValueError when it is none."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            member = tar.extractfile("metadata.gz")
            if member is None:
                raise ValueError("the gem has no metadata.gz")
            spec = yaml.load(gzip.decompress(member.read()), Loader=_RubyLoader)
    except (tarfile.TarError, KeyError, OSError, yaml.YAMLError) as exc:
        raise ValueError(f"not a gem: {exc}") from exc
    metadata = spec.get("metadata") or {}
    return GemFacts(
        name=str(spec["name"]),
        version=str(spec["version"]["version"]),
        platform=str(spec.get("platform") or "ruby"),
        github_repo=metadata.get("github_repo"),
    )


@dataclass
class Request:
    """One request the registry answered: method, path, the token's access, the status."""

    method: str
    path: str
    access: str  # write | read | none | unknown | missing
    status: int


@dataclass
class StoredGem:
    facts: GemFacts
    data: bytes
    # The repository the gem is linked to (`<owner>/<repository>`), None without github_repo.
    repository: str | None


@dataclass
class RubyGemsRegistry:
    """The owner's registry on 127.0.0.1; `url` stands for https://rubygems.pkg.github.com."""

    owner: str
    tokens: Mapping[str, str] = field(
        default_factory=lambda: {
            level: f"ghs_{level}_{uuid.uuid4().hex}" for level in ("write", "read", "none")
        }
    )
    gems: dict[str, StoredGem] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    fail_after_store: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                registry._answer(self, registry._push)

            def do_GET(self) -> None:
                registry._answer(self, registry._download)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The address standing for https://rubygems.pkg.github.com (no owner)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # -- what the tests read ---------------------------------------------------------------
    def versions(self) -> dict[str, list[str]]:
        """The stored versions by gem name."""
        out: dict[str, list[str]] = {}
        for stored in self.gems.values():
            out.setdefault(stored.facts.name, []).append(stored.facts.version)
        return {name: sorted(versions) for name, versions in sorted(out.items())}

    def pushes(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    def store(self, data: bytes) -> None:
        """Store a gem as if an earlier release had pushed it."""
        facts = gem_facts(data)
        self.gems[facts.file_name] = StoredGem(facts, data, None)

    # -- answering ----------------------------------------------------------------------------
    def _access(self, header: str | None, scheme: str) -> str:
        if not header:
            return "missing"
        token = ""
        if scheme == "Bearer" and header.startswith("Bearer "):
            token = header.removeprefix("Bearer ")
        elif scheme == "Basic" and header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header.removeprefix("Basic "), validate=True)
            except ValueError:
                return "unknown"
            token = decoded.decode("utf-8", "replace").partition(":")[2]
        for level, known in self.tokens.items():
            if token == known:
                return level
        return "unknown"

    def _answer(self, handler: BaseHTTPRequestHandler, answer: Any) -> None:
        prefix = f"/{self.owner.lower()}/"
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            if not handler.path.startswith(prefix):
                status, access, text = 404, "-", b"no such registry\n"
            else:
                status, access, text = answer(handler, handler.path[len(prefix) :], body)
            self.requests.append(Request(handler.command, handler.path, access, status))
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(text)))
        handler.send_header("Content-Type", "application/octet-stream")
        handler.end_headers()
        handler.wfile.write(text)

    def _refused(self, access: str, needed: set[str]) -> tuple[int, bytes] | None:
        if access in needed:
            return None
        if access in {"missing", "unknown"}:
            return 401, b"Bad credentials\n"
        return 403, b"permission denied: the token may not do this with the owner's packages\n"

    def _push(
        self, handler: BaseHTTPRequestHandler, path: str, body: bytes
    ) -> tuple[int, str, bytes]:
        access = self._access(handler.headers.get("Authorization"), "Bearer")
        if path != "api/v1/gems":
            return 404, access, b"not found\n"
        refused = self._refused(access, {"write"})
        if refused is not None:
            return refused[0], access, refused[1]
        try:
            facts = gem_facts(body)
        except ValueError as exc:
            return 400, access, f"{exc}\n".encode()
        repository = None
        if facts.github_repo is not None:
            link = facts.github_repo.removeprefix("ssh://github.com/")
            owner, _, name = link.partition("/")
            if link == facts.github_repo or owner.lower() != self.owner.lower() or not name:
                return 400, access, f"github_repo {facts.github_repo} is not a repository of"\
                    f" {self.owner}\n".encode()  # fmt: skip
            repository = link
        if facts.file_name in self.gems:
            return 409, access, f"{facts.name} {facts.version} already exists\n".encode()
        self.gems[facts.file_name] = StoredGem(facts, body, repository)
        if self.fail_after_store:
            self.fail_after_store -= 1
            return 502, access, b"Bad Gateway\n"
        return (
            200,
            access,
            f"Successfully registered gem: {facts.name} ({facts.version})\n".encode(),
        )

    def _download(
        self, handler: BaseHTTPRequestHandler, path: str, body: bytes
    ) -> tuple[int, str, bytes]:
        access = self._access(handler.headers.get("Authorization"), "Basic")
        refused = self._refused(access, {"write", "read"})
        if refused is not None:
            return refused[0], access, refused[1]
        stored = self.gems.get(path.removeprefix("gems/")) if path.startswith("gems/") else None
        if stored is None:
            return 404, access, b"not found\n"
        return 200, access, stored.data
