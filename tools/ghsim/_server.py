"""The HTTP side: GitHub Enterprise Server paths on 127.0.0.1, validation, limits, faults.

Each request, under one lock: /api/graphql -> 501; outside /api/v3 -> 404; an injected fault
(502, or a secondary rate limit: 403 with Retry-After) -> that, uncounted; the hourly budget
spent -> 403 (or 429) "API rate limit exceeded" with X-RateLimit-Remaining: 0; an operation not
served -> 501 naming its operationId; bad JSON -> 400; a body the description refuses -> 422;
then the handler. A GET 200 carries an ETag (W/"sha256 of the body"), and a matching
If-None-Match answers 304, which GitHub does not count against the rate limit. Every answer
the description does not allow (status or body) is recorded in ``violations``; a client error
(4xx) the operation does not describe must still be GitHub's error object.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema

from . import _routes
from ._openapi import (
    UNDESCRIBED_FIELDS,
    Description,
    description_for,
    load_description,
    template_regex,
)
from ._routes import Answer, ApiError, Call
from ._state import DEFAULT_CLOCK, Store

PREFIX = "/api/v3"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
BASIC_ERROR = jsonschema.Draft4Validator(
    {
        "type": "object",
        "required": ["message", "documentation_url"],
        "properties": {
            "message": {"type": "string"},
            "documentation_url": {"type": "string"},
            "status": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["code"]}},
        },
    }
)
SECONDARY_DOCS = f"{RATE_DOCS}#about-secondary-rate-limits"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {}."
)


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    secondary: bool
    retry_after: int


class Simulator:
    """A simulated GitHub REST API on 127.0.0.1 (a context manager; see the package doc)."""

    def __init__(
        self,
        seed: dict[str, Any] | str | Path | None = None,
        *,
        port: int = 0,
        hourly_budget: int = 5000,
        rate_limit_status: int = 403,
        clock: str = DEFAULT_CLOCK,
        log: str | Path | None = None,
        phase: str = "",
    ) -> None:
        if isinstance(seed, str | Path):
            seed = json.loads(Path(seed).read_text(encoding="utf-8"))
        # An org on GitHub Enterprise Cloud is served by that product's description.
        self.description: Description = load_description(
            _routes.served(), description_for(_seeded_plan(seed or {}))
        )
        self.hourly_budget = hourly_budget
        self.rate_limit_status = rate_limit_status
        self.phase = phase
        self.requests: list[dict[str, Any]] = []
        self.violations: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []  # the simulator's own failures (500s)
        self.faults: list[Fault] = []
        self.used = 0
        self.reset_at = int(time.time()) + 3600
        self.response_hooks: list[tuple[str, re.Pattern[str], Callable[[Any], Any]]] = []
        self._lock = threading.RLock()
        self._log = None if log is None else open(log, "a", encoding="utf-8")  # noqa: SIM115
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = self.origin + "/"
        self.api_url = self.origin + PREFIX
        self.store = Store(self.origin, clock, self._schema_of)
        self.store.load(seed or {})
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Simulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="ghsim", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def serve_forever(self) -> None:
        self._server.serve_forever(0.05)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the test API -------------------------------------------------------------------------

    def set_phase(self, phase: str) -> None:
        with self._lock:
            self.phase = phase

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int = 502,
        times: int = 1,
        *,
        secondary: bool = False,
        retry_after: int = 1,
    ) -> None:
        """The next ``times`` requests of ``method`` whose path (after /api/v3, without the
        query) matches ``path_regex`` answer ``status``; ``secondary=True`` answers GitHub's
        secondary rate limit (403, Retry-After)."""
        with self._lock:
            self.faults.append(
                Fault(
                    method.upper(),
                    re.compile(path_regex),
                    403 if secondary else status,
                    times,
                    secondary,
                    retry_after,
                )
            )

    def break_responses(self, method: str, path_regex: str, mutate: Callable[[Any], Any]) -> None:
        """Alter the answers of matching requests after the simulator built them (to prove the
        response validator catches a bad fill): ``mutate(body)`` returns the body to send."""
        with self._lock:
            self.response_hooks.append((method.upper(), re.compile(path_regex), mutate))

    def state(self) -> dict[str, Any]:
        with self._lock:
            return self.store.dump()

    def dump(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.state(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )

    # -- handling -----------------------------------------------------------------------------

    def _schema_of(self, template: str) -> Any:
        op = self.description.operation("GET", template)
        return None if op is None else op.responses.get("200")

    def _rate_headers(self) -> dict[str, str]:
        now = int(time.time())
        if now >= self.reset_at:
            self.used, self.reset_at = 0, now + 3600
        return {
            "X-RateLimit-Limit": str(self.hourly_budget),
            "X-RateLimit-Remaining": str(max(self.hourly_budget - self.used, 0)),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Reset": str(self.reset_at),
            "X-RateLimit-Resource": "core",
        }

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            seq = len(self.requests) + 1
            entry: dict[str, Any] = {
                "seq": seq,
                "phase": self.phase,
                "method": method,
                "path": raw_path,
            }
            try:
                status, out_headers, out_body = self._handle(method, raw_path, headers, body, entry)
            except Exception as error:  # a simulator bug: answer 500, and record it
                entry["error"] = f"{type(error).__name__}: {error}"
                self.errors.append({**entry, "traceback": traceback.format_exc()})
                status, out_headers, out_body = self._json(
                    500, {"message": f"ghsim: {entry['error']}"}, {}
                )
            entry["status"] = status
            self.requests.append(entry)
            if self._log is not None:
                self._log.write(json.dumps(entry, sort_keys=True) + "\n")
                self._log.flush()
            out_headers.setdefault("X-GitHub-Request-Id", f"GHSIM:{seq:08d}")
            return status, out_headers, out_body

    def _handle(
        self,
        method: str,
        raw_path: str,
        headers: dict[str, str],
        body: bytes,
        entry: dict[str, Any],
    ) -> tuple[int, dict[str, str], bytes]:
        split = urllib.parse.urlsplit(raw_path)
        # Routes match the path as sent (a branch `a/b` arrives as `a%2Fb`, one segment);
        # parameters are decoded after matching.
        encoded = split.path
        path = urllib.parse.unquote(encoded)
        query = dict(urllib.parse.parse_qsl(split.query))
        if path.rstrip("/") == "/api/graphql":
            entry["operation"] = "graphql"
            return self._json(501, {"message": "ghsim: the GraphQL API is not simulated"}, {})
        if not path.startswith(PREFIX + "/"):
            return self._json(404, {"message": "Not Found"}, {})
        path = path[len(PREFIX) :].rstrip("/") or "/"
        encoded = encoded[len(PREFIX) :].rstrip("/") or "/"
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                fault.times -= 1
                entry["fault"] = "secondary" if fault.secondary else fault.status
                return self._fault(fault, entry)
        rate = self._rate_headers()
        if self.used >= self.hourly_budget:
            entry["rate_limited"] = True
            message = (
                "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for "
                "help, "
                f"please include the request ID GHSIM:{entry['seq']:08d}."
            )
            return self._json(
                self.rate_limit_status, {"message": message, "documentation_url": RATE_DOCS}, rate
            )
        self.used += 1
        entry["counted"] = True
        matched = self._match(method, encoded)
        if matched is None:
            found = self.description.find_route(method, path)
            name = found[1] if found else "unknown path"
            entry["operation"] = name
            return self._json(
                501,
                {
                    "message": f"ghsim does not implement {name} ({method} {path})",
                    "documentation_url": "",
                },
                self._rate_headers(),
            )
        template, params, handler = matched
        op = self.description.operation(method, template)
        assert op is not None, (method, template)
        entry["operation"] = op.operation_id
        docs = op.documentation_url
        try:
            parsed = self._body(body, op)
            call = Call(method, template, params, query, parsed, self.store)
            answer = handler(call)
        except ApiError as error:
            payload: dict[str, Any] = {
                "message": error.message,
                "documentation_url": docs,
                "status": str(error.status),
            }
            if error.errors is not None:
                payload["errors"] = error.errors
            # Why it was refused, in the request log (a request body is never logged).
            entry["error"] = error.message
            described = op.responses.get(str(error.status), {})
            # GitHub's description gives some errors no body (e.g. vulnerability-alerts' 404).
            answer = Answer(error.status, None if described is None else payload)
        return self._answer(method, path, query, headers, op, answer, entry)

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str], Any] | None:
        best = None
        for (route_method, template), handler in _routes.ROUTES.items():
            if route_method != method:
                continue
            match = template_regex(template).fullmatch(path)
            if match:
                rank = (template.count("{"), -len(template))
                if best is None or rank < best[0]:
                    params = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
                    best = (rank, template, params, handler)
        return None if best is None else best[1:]

    def _body(self, body: bytes, op: Any) -> Any:
        if not body.strip():
            parsed = None
        else:
            try:
                parsed = json.loads(body)
            except ValueError as error:
                raise ApiError(400, "Problems parsing JSON") from error
        if op.request_schema is None:
            return parsed
        if parsed is None:
            if not op.request_required:
                return {}
            raise (
                ApiError(400, "Problems parsing JSON")
                if body.strip()
                else _schema_error(["Body is required."], [])
            )
        undescribed = UNDESCRIBED_FIELDS.get((op.method, op.path), frozenset())
        checked = (
            {k: v for k, v in parsed.items() if k not in undescribed}
            if isinstance(parsed, dict)
            else parsed
        )
        errors = sorted(
            op.validator("request").iter_errors(checked), key=lambda e: list(e.absolute_path)
        )
        if errors:
            messages, details = [], []
            for error in errors[:5]:
                where = "/".join(str(p) for p in error.absolute_path)
                if error.validator == "required":
                    missing = error.message.split("'")[1] if "'" in error.message else error.message
                    messages.append(f'"{missing}" wasn\'t supplied.')
                    details.append(
                        {
                            "resource": op.operation_id.split("/")[0].title(),
                            "code": "missing_field",
                            "field": missing,
                        }
                    )
                else:
                    value = json.dumps(error.instance)
                    what = f"For 'properties/{where}', {value}" if where else f"{value}"
                    rule = error.validator
                    if rule == "enum":
                        messages.append(
                            f"{what} is not a member of {json.dumps(error.validator_value)}."
                        )
                    elif rule == "type":
                        messages.append(f"{what} is not {_article(error.validator_value)}.")
                    else:
                        messages.append(f"{what} is not valid ({rule}).")
                    details.append(
                        {
                            "resource": op.operation_id.split("/")[0].title(),
                            "code": "invalid",
                            "field": where or None,
                        }
                    )
            raise _schema_error(messages, details)
        return parsed

    def _fault(self, fault: Fault, entry: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        headers = self._rate_headers()
        if fault.secondary:
            headers["Retry-After"] = str(fault.retry_after)
            body = {
                "message": SECONDARY_MESSAGE.format(f"GHSIM:{entry['seq']:08d}"),
                "documentation_url": SECONDARY_DOCS,
            }
            return self._json(403, body, headers)
        return self._json(fault.status, {"message": "Server Error"}, headers)

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        op: Any,
        answer: Answer,
        entry: dict[str, Any],
    ) -> tuple[int, dict[str, str], bytes]:
        out_headers = dict(answer.headers)
        body = answer.body
        if answer.items is not None:
            body, link = self._page(path, query, answer)
            if link:
                out_headers["Link"] = link
        body = copy.deepcopy(body)
        for hook_method, pattern, mutate in self.response_hooks:
            if hook_method == method and pattern.search(path):
                body = mutate(body)
        self._check(op, answer.status, body, entry)
        if answer.status == 204 or body is None:
            return answer.status, {**out_headers, **self._rate_headers()}, b""
        data = json.dumps(body).encode()
        if method == "GET" and answer.status == 200:
            etag = 'W/"' + hashlib.sha256(data).hexdigest() + '"'
            out_headers["ETag"] = etag
            wanted = [t.strip() for t in headers.get("if-none-match", "").split(",") if t.strip()]
            if etag in wanted or etag[2:] in wanted or "*" in wanted:
                self.used -= 1  # GitHub: a 304 does not count against the primary rate limit
                entry["counted"] = False
                entry["not_modified"] = True
                return 304, {**out_headers, **self._rate_headers()}, b""
        return self._json(answer.status, body, {**out_headers, **self._rate_headers()}, data)

    def _page(self, path: str, query: dict[str, str], answer: Answer) -> tuple[Any, str]:
        items = answer.items or []
        try:
            per_page = min(max(int(query.get("per_page", 30)), 1), 100)
            page = max(int(query.get("page", 1)), 1)
        except ValueError:
            per_page, page = 30, 1
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max((len(items) + per_page - 1) // per_page, 1)
        links = []

        def url(number: int) -> str:
            params = {**query, "per_page": str(per_page), "page": str(number)}
            return f"{self.api_url}{path}?{urllib.parse.urlencode(params)}"

        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links = [f'<{url(page - 1)}>; rel="prev"', *links, f'<{url(1)}>; rel="first"']
        body = answer.wrap(chunk, len(items)) if answer.wrap else chunk
        return body, ", ".join(links)

    def _check(self, op: Any, status: int, body: Any, entry: dict[str, Any]) -> None:
        key = str(status)
        if key not in op.responses and "default" not in op.responses:
            if 400 <= status < 500:
                # The description lists few of the client errors every operation can answer
                # (docs.github.com "Troubleshooting the REST API": 400, 401, 403, 404, 409,
                # 422): an undescribed one must still be GitHub's error object.
                for error in list(BASIC_ERROR.iter_errors(body))[:3]:
                    self._violation(op, status, entry, f"(error body): {error.message[:300]}")
                return
            self._violation(op, status, entry, f"status {status} is not described")
            return
        key = key if key in op.responses else "default"
        if op.responses[key] is None:
            if body is not None:
                self._violation(op, status, entry, "a body where the description has none")
            return
        validator = op.validator(key)
        for error in list(validator.iter_errors(body))[:3]:
            where = "/".join(str(p) for p in error.absolute_path)
            self._violation(op, status, entry, f"{where or '(body)'}: {error.message[:300]}")

    def _violation(self, op: Any, status: int, entry: dict[str, Any], message: str) -> None:
        violation = {
            "seq": entry["seq"],
            "method": entry["method"],
            "path": entry["path"],
            "status": status,
            "operation": op.operation_id,
            "message": message,
        }
        self.violations.append(violation)
        entry.setdefault("violations", []).append(message)

    @staticmethod
    def _json(
        status: int, body: Any, headers: dict[str, str], data: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        data = json.dumps(body).encode() if data is None else data
        return status, {**headers, "Content-Type": "application/json; charset=utf-8"}, data


def _seeded_plan(seed: dict[str, Any]) -> str:
    """The plan of the seed's orgs: enterprise when one is (the simulator serves one product)."""
    plans = {
        (value.get("plan") or {}).get("name", "free")
        for path, value in seed.items()
        if path.count("/") == 2 and path.startswith("/orgs/") and isinstance(value, dict)
    }
    return "enterprise" if "enterprise" in plans else "free"


def _article(kind: Any) -> str:
    kinds = kind if isinstance(kind, list) else [kind]
    return " or ".join(("an " if k[0] in "aeiou" else "a ") + k for k in kinds)


def _schema_error(messages: list[str], details: list[dict[str, Any]]) -> ApiError:
    error = ApiError(422, "Invalid request.\n\n" + "\n".join(messages), details or None)
    return error


def _handler_class(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ghsim"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out_headers, data = sim.handle(self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
