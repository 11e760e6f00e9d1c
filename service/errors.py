"""Domain exceptions, and the one problem+json shape (RFC 9457) every error leaves in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, json
from werkzeug.exceptions import HTTPException

from service.domain.values import UnparseableValue

PROBLEM_JSON = "application/problem+json"
# What a 503 asks the client to wait before trying again, in seconds.
RETRY_AFTER_S = 5


class DomainError(Exception):
    status = 400
    title = "Bad Request"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class NotFound(DomainError):
    status = 404
    title = "Not Found"


class UnknownClaim(NotFound):
    def __init__(self, claim_id: str) -> None:
        super().__init__(f"no claim with id {claim_id!r}")


class UnknownGroup(NotFound):
    def __init__(self, group_id: str) -> None:
        super().__init__(f"no group with id {group_id!r}")


class UnknownDocument(NotFound):
    def __init__(self, document_id: str) -> None:
        super().__init__(f"no document with id {document_id!r}")


class UnknownSource(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no claims from a source named {name!r}")


class UnknownTopic(NotFound):
    def __init__(self, slug: str) -> None:
        super().__init__(f"no topic with slug {slug!r}")


class NotReady(DomainError):
    status = 503
    title = "Service Unavailable"


class InvalidClaim(DomainError):
    status = 422
    title = "Unprocessable Entity"


class AlreadyRetracted(DomainError):
    status = 409
    title = "Conflict"


class RetractedClaim(AlreadyRetracted):
    """The very same claim was stored and then retracted; posting it again does not revive it."""

    def __init__(self, claim_id: int, retracted_at: datetime) -> None:
        super().__init__(
            f"this claim is stored as claim {claim_id}, retracted at {retracted_at.isoformat()}; "
            "it is kept for audit and stays retracted"
        )
        self.claim_id = claim_id


def invalid_value(exc: UnparseableValue, prefix: str = "") -> InvalidClaim:
    field = f"{prefix}{exc.field}"
    return InvalidClaim(f"{field}: {exc}", {field: [str(exc)]})


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        # No problem-type documentation pages: RFC 9457 says "about:blank" then, titled by the status.
        "type": "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_webargs(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors under the request location ("json", "query"); the field is what matters."""
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            for name, msgs in fields.items():
                key = "body" if name == "_schema" else name
                flat[key] = msgs
        else:
            flat[location] = fields
    return flat


def from_http_exception(error: HTTPException) -> Response:
    if error.response is not None:  # built already, e.g. a 429 with its Retry-After
        return error.response  # type: ignore[return-value]
    data = getattr(error, "data", None) or {}
    errors = flatten_webargs(data["messages"]) if "messages" in data else data.get("errors")
    detail = data.get("message") or error.description
    if errors:
        names = ", ".join(sorted(errors))
        detail = f"invalid input: {names}"
    status = error.code or 500
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_headers():
        headers.update({k: v for k, v in error.get_headers() if k.lower() == "allow"})
    return problem(status, error.name, detail, errors, headers)


def from_domain_error(error: DomainError) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_S)} if error.status == 503 else None
    return problem(error.status, error.title, error.detail, error.errors, headers)
