"""Write access: with CEKSILANG_API_KEYS set, every write needs `Authorization: Bearer <key>`."""

from __future__ import annotations

import hmac

from flask import Flask, Response, request

from service.errors import problem

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY = [{"bearerAuth": []}]


def require_keys_for_writes(app: Flask, keys: list[str]) -> None:
    encoded = [key.encode() for key in keys]

    @app.before_request
    def _check_key() -> Response | None:
        if not encoded or request.method not in WRITE_METHODS:
            return None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        # Compare against every key, in constant time, so timing tells nothing about any of them.
        given = token.strip().encode()
        matched = False
        for key in encoded:
            matched |= hmac.compare_digest(given, key)
        if scheme.lower() == "bearer" and matched:
            return None
        detail = "this write needs an API key: Authorization: Bearer <key>"
        return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="ceksilang"'})
