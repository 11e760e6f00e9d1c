"""The OpenAPI document says what the service does on error: problem+json, and every status it uses.

Views document their own errors (404, 409, 422...); this apispec plugin adds the ones every
operation can meet at the edge (a malformed request, a refused key, a rate limit, the database
away) and files all error bodies under application/problem+json, the type they are sent with.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin

from service.errors import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}
}
_WRITES = {"post", "put", "patch", "delete"}

EDGE_ERRORS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "400": ("the request cannot be read (malformed JSON, a NUL in the URL)", None),
    "401": ("the API key given is not valid, or a write came without one", None),
    "414": ("the URL is longer than the server reads (8,190 bytes)", None),
    "431": ("the request's headers are too many or too large", None),
    "429": ("this key's (or address's) rate limit is reached", _RETRY_AFTER),
    "503": ("the database does not answer; try again after Retry-After", _RETRY_AFTER),
}
WRITE_ERRORS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "403": ("the API key may read but not write", None),
    "413": ("the request body is larger than CEKSILANG_MAX_BODY_BYTES", None),
}


def problem_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }
    if headers:
        response["headers"] = headers
    return response


def as_problem(response: dict[str, Any]) -> None:
    """An error response documented as application/json is sent as problem+json."""
    content = response.get("content") or {}
    if "application/json" in content:
        content[PROBLEM_JSON] = content.pop("application/json")


class ProblemResponses(BasePlugin):
    def operation_helper(self, path: str | None = None, operations: dict | None = None, **_: Any) -> None:  # type: ignore[type-arg]
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if isinstance(response, dict) and (code == "default" or str(code)[0] in "45"):
                    as_problem(response)
            extra = {**EDGE_ERRORS, **(WRITE_ERRORS if method in _WRITES else {})}
            for code, (description, headers) in extra.items():
                responses.setdefault(code, problem_response(description, headers))
