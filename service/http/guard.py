"""What stands between the network and the views: API keys, rate limits, CORS, security headers.

Keys come from CEKSILANG_API_KEYS (write keys) and CEKSILANG_API_KEYS_FILE (named keys with a
scope). A request that presents no key may read; writing needs a key with the write scope.
Presenting a key that is not known is refused (401) whatever the method, and a known read-only
key that tries to write is forbidden (403). Keys are compared in constant time and never logged:
logs and rate limits know a key by its name.
"""

from __future__ import annotations

import hmac
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, g, request
from flask_cors import CORS
from flask_limiter import ApplicationLimit, Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from service.errors import problem

log = logging.getLogger("ceksilang.guard")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY = [{"bearerAuth": []}]
SCOPES = ("write", "read")
# Probes and metrics are scraped often and by machines: never rate limited.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass(frozen=True)
class ApiKey:
    name: str
    secret: bytes
    scope: str  # "write" (read and write) or "read"

    def __repr__(self) -> str:  # the secret stays out of every log line and traceback
        return f"ApiKey(name={self.name!r}, scope={self.scope!r})"


class KeyFileError(ValueError):
    pass


def load_keys(plain: list[str], key_file: str | None) -> list[ApiKey]:
    """Write keys from the environment list, then the named keys of the key file.

    The file has one key a line: `NAME SECRET [SCOPE]`, scope `write` (the default) or `read`;
    blank lines and lines starting with `#` are skipped.
    """
    keys = [ApiKey(f"key-{i}", secret.encode(), "write") for i, secret in enumerate(plain, start=1)]
    if key_file:
        path = Path(key_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise KeyFileError(f"CEKSILANG_API_KEYS_FILE: cannot read {path}: {exc.strerror}") from exc
        for number, line in enumerate(lines, start=1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if len(words) not in (2, 3) or (len(words) == 3 and words[2] not in SCOPES):
                raise KeyFileError(f"{path}:{number}: expected `NAME SECRET [write|read]`")
            keys.append(ApiKey(words[0], words[1].encode(), words[2] if len(words) == 3 else "write"))
    names = [k.name for k in keys]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise KeyFileError(f"API key names must be distinct: {', '.join(dupes)} given twice")
    return keys


def _find(keys: list[ApiKey], given: bytes) -> ApiKey | None:
    """The key with this secret, comparing against every key so timing tells nothing."""
    found = None
    for key in keys:
        if hmac.compare_digest(given, key.secret):
            found = key
    return found


def require_keys(app: Flask, keys: list[ApiKey]) -> None:
    @app.before_request
    def _check_key() -> Response | None:
        g.api_key_name = None
        if not keys:
            return None  # open mode: the server said so at start
        header = request.headers.get("Authorization")
        if header is None:
            if request.method in WRITE_METHODS:
                return _unauthorized("this write needs an API key: Authorization: Bearer <key>")
            return None
        scheme, _, token = header.partition(" ")
        key = _find(keys, token.strip().encode()) if scheme.lower() == "bearer" else None
        if key is None:
            return _unauthorized("the API key is not valid: Authorization: Bearer <key>")
        g.api_key_name = key.name
        if request.method in WRITE_METHODS and key.scope != "write":
            log.warning("key %s (read-only) refused a %s %s", key.name, request.method, request.path)
            return problem(403, "Forbidden", f"the API key {key.name!r} may read but not write")
        return None


def _unauthorized(detail: str) -> Response:
    return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="ceksilang"'})


def rate_limit_identity() -> str:
    """Whom a limit counts: the key's name when one was given, else the client's address."""
    name = getattr(g, "api_key_name", None)
    return f"key:{name}" if name else f"addr:{get_remote_address()}"


def limit_rates(app: Flask, *, reads: str, writes: str, storage_uri: str) -> Limiter | None:
    """Per-key (or per-address) limits, reads and writes counted apart; empty limits switch off."""
    if not reads and not writes:
        return None

    def _breached(limit: RequestLimit) -> Response:
        wait = max(1, math.ceil(limit.window.reset_time - time.time()))
        return problem(
            429, "Too Many Requests", f"rate limit of {limit.limit} reached; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )  # fmt: skip

    limits = []
    if reads:
        limits.append(ApplicationLimit(reads, scope="reads", methods=["GET", "HEAD"]))
    if writes:
        limits.append(ApplicationLimit(writes, scope="writes", methods=sorted(WRITE_METHODS)))
    limiter = Limiter(
        rate_limit_identity,
        app=app,
        application_limits=limits,
        storage_uri=storage_uri,
        strategy="moving-window",
        on_breach=_breached,
        headers_enabled=False,
    )
    limiter.request_filter(lambda: request.path in UNLIMITED_PATHS)
    return limiter


def allow_origins(app: Flask, origins: list[str]) -> None:
    """CORS for the newsroom tool's origins only; without an allow-list, no CORS headers at all."""
    if not origins:
        return
    CORS(
        app,
        origins=origins,
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After", "Location"],
        methods=["GET", "POST", "DELETE", "OPTIONS"],
        max_age=600,
    )


# JSON never needs to run, frame or load anything; the Swagger UI page at /docs loads its own files.
_API_POLICY = "default-src 'none'; frame-ancestors 'none'"
_DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
)

# The pages at /ui/: their own stylesheet, inline SVG charts (styled by attributes), no script at all.
_UI_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def add_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        docs = request.path == "/docs" or request.path.startswith("/docs/")
        pages = request.path == "/ui" or request.path.startswith("/ui/")
        policy = _DOCS_POLICY if docs else _UI_POLICY if pages else _API_POLICY
        headers.setdefault("Content-Security-Policy", policy)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
