"""Alerts: webhooks a newsroom registers, events written to an outbox with the claims, signed delivery.

An event is written in the very transaction that stores the claim or changes the verdict, one
delivery row per webhook that wants it: a write that rolls back leaves no event, a committed one
always has its event. Delivery runs apart from requests (`ceksilang webhooks deliver`, or a
background thread in each gunicorn worker when CEKSILANG_WEBHOOK_DELIVER_EVERY is set): due
deliveries are leased in a short write transaction, sent with no lock held, and their outcome
recorded; a failure is retried with exponential back-off until the last attempt.

Each body is signed: `X-CekSilang-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from service import background
from service.domain.values import LABEL, Value, format_value
from service.domain.verdicts import compatible
from service.errors import InvalidClaim, NotFound
from service.storage.driver import Query
from service.storage.models import Claim, Delivery, Group, OutboxEvent, Webhook, stored_value, utcnow

if TYPE_CHECKING:
    from service.storage.db import Database

log = logging.getLogger("ceksilang.webhooks")

CLAIM_CONFLICTS = "claim.conflicts"
GROUP_CONFLICT = "group.conflict"
EVENT_TYPES = (CLAIM_CONFLICTS, GROUP_CONFLICT)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
SIGNATURE_HEADER = "X-CekSilang-Signature"
EVENT_HEADER = "X-CekSilang-Event"
EVENT_TYPE_HEADER = "X-CekSilang-Event-Type"
TIMESTAMP_HEADER = "X-CekSilang-Timestamp"
USER_AGENT = "CekSilang-Webhooks/0.1"
# Conflicting claims named in one event.
MAX_CONFLICTS_IN_EVENT = 20
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class UnknownWebhook(NotFound):
    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"no webhook with id {webhook_id!r}")


# --- signing -----------------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return header is not None and hmac.compare_digest(sign(body, secret), header)


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# --- events, written in the caller's transaction -----------------------------------------------


def any_registered(session: Session) -> bool:
    """Whether any webhook is registered: a writer of many claims asks once, not per event."""
    return session.scalar(select(Webhook.id).limit(1)) is not None


# Run for every claim that conflicts: built once.
_WANTED = Query(
    select(Webhook.id).where(or_(Webhook.topic_slug.is_(None), Webhook.topic_slug == bindparam("topic_slug")))
)


def _emit(session: Session, kind: str, topic_slug: str | None, payload: Callable[[], dict[str, Any]]) -> None:
    """Store the event and one delivery per webhook that wants it; nothing when none does, and
    then its payload is not even built."""
    wanted = _WANTED.scalars(session.connection(), {"topic_slug": topic_slug})
    if not wanted:
        return
    now = utcnow()
    event_id = str(uuid.uuid4())
    full = {"id": event_id, "type": kind, "created_at": now.isoformat(), **payload()}
    event = OutboxEvent(event_id=event_id, type=kind, topic_slug=topic_slug, payload=full, created_at=now)
    session.add(event)
    session.flush()
    session.add_all(
        Delivery(webhook_id=w, event_id=event.id, status=PENDING, attempts=0, next_attempt_at=now)
        for w in wanted
    )


def _group_json(group: Group) -> dict[str, Any]:
    return {
        "id": str(group.id),
        "label": group.label,
        "topic": group.topic_slug,
        "unit": group.unit,
        "size": group.size,
        "sources": group.sources,
        "conflict": bool(group.conflict),
        "conflicts": list(group.conflicts or [])[:MAX_CONFLICTS_IN_EVENT],
        "consensus": group.consensus,
    }


def _claim_json(claim: Claim) -> dict[str, Any]:
    return {
        "id": str(claim.id),
        "subject": claim.subject,
        "value": claim.value_text or format_value(stored_value(claim)),
        "low": claim.value_low,
        "high": claim.value_high,
        "unit": claim.value_unit,
        "source": {"name": claim.source_name, "url": claim.source_url},
        "as_of": claim.as_of.isoformat() if claim.as_of else None,
        "quote": claim.quote,
    }


def against_consensus(claim: Claim, consensus: dict[str, Any] | None) -> bool:
    """Whether the claim's value cannot hold together with the group's consensus."""
    if not consensus:
        return False
    label = consensus.get("label")
    agreed = Value(
        None, consensus.get("low"), consensus.get("high"), claim.value_unit, claim.value_dimension,
        LABEL if label is not None else "range", label,
    )  # fmt: skip
    return not compatible(stored_value(claim), agreed)


def claim_conflicts(session: Session, claim: Claim, group: Group, conflicting: list[Any]) -> None:
    """A new claim conflicts with claims of its group (and perhaps its consensus); those are claims
    or rows of their columns."""
    _emit(
        session,
        CLAIM_CONFLICTS,
        group.topic_slug,
        lambda: {
            "claim": _claim_json(claim),
            "group": _group_json(group),
            "against_consensus": against_consensus(claim, group.consensus),
            "conflicts_with": [_claim_json(c) for c in conflicting[:MAX_CONFLICTS_IN_EVENT]],
        },
    )


def group_conflict(session: Session, group: Group) -> None:
    """A group that was not in conflict now is."""
    _emit(session, GROUP_CONFLICT, group.topic_slug, lambda: {"group": _group_json(group)})


# --- registering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    webhook: Webhook
    secret: str


def _invalid(field: str, message: str) -> InvalidClaim:
    return InvalidClaim(f"{field}: {message}", {field: [message]})


def check_url(url: str) -> None:
    """http or https, with a host: anything else is refused before it is stored."""
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
    if not sep or scheme.lower() not in ("http", "https"):
        raise _invalid("url", "must be an http or https URL")
    if not host or any(c.isspace() for c in url):
        raise _invalid("url", "must name a host and contain no spaces")


def register(db: Database, url: str, topic: str | None, secret: str | None) -> Registered:
    check_url(url)
    if topic is not None and not SLUG.fullmatch(topic):
        raise _invalid("topic", "must be a topic slug: lower-case letters, digits and hyphens")
    secret = secret or secrets.token_hex(32)
    with db.writing() as session:
        webhook = Webhook(url=url, topic_slug=topic, secret=secret, created_at=utcnow())
        session.add(webhook)
        session.flush()
        return Registered(webhook, secret)


def list_webhooks(db: Database) -> list[Webhook]:
    with db.reading() as session:
        return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def _webhook(session: Session, webhook_id: str) -> Webhook:
    key = int(webhook_id) if webhook_id.isascii() and webhook_id.isdigit() and len(webhook_id) < 10 else 0
    webhook = session.get(Webhook, key) if key else None
    if webhook is None:
        raise UnknownWebhook(webhook_id)
    return webhook


def remove(db: Database, webhook_id: str) -> None:
    """The webhook and its delivery log go; nothing more is sent to it."""
    with db.writing() as session:
        webhook = _webhook(session, webhook_id)
        session.execute(delete(Delivery).where(Delivery.webhook_id == webhook.id))
        session.delete(webhook)


@dataclass(frozen=True)
class DeliveryPage:
    items: list[Delivery]
    total: int
    page: int
    per_page: int


def deliveries(db: Database, webhook_id: str, page: int, per_page: int) -> DeliveryPage:
    """A webhook's delivery log, newest first."""
    with db.reading() as session:
        webhook = _webhook(session, webhook_id)
        where = Delivery.webhook_id == webhook.id
        total = session.scalar(select(func.count(Delivery.id)).where(where)) or 0
        query = select(Delivery).where(where).order_by(Delivery.id.desc())
        rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page))
        items = list(rows)
        for item in items:
            _ = item.event  # loaded while the session is open
        return DeliveryPage(items, total, page, per_page)


# --- delivering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    max_attempts: int = 5
    backoff_s: float = 30.0  # after the first failure; doubled after each next one
    backoff_max_s: float = 3600.0
    timeout_s: float = 10.0
    batch: int = 50

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """From the app's config (or `vars(Config())`)."""
        return cls(
            max_attempts=max(int(config["WEBHOOK_MAX_ATTEMPTS"]), 1),
            backoff_s=max(float(config["WEBHOOK_BACKOFF_SECONDS"]), 0.0),
            backoff_max_s=max(float(config["WEBHOOK_BACKOFF_MAX_SECONDS"]), 0.0),
            timeout_s=max(float(config["WEBHOOK_TIMEOUT_SECONDS"]), 0.1),
        )

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        return min(self.backoff_s * 2 ** max(attempts - 1, 0), self.backoff_max_s)


@dataclass(frozen=True)
class _Leased:
    delivery_id: int
    url: str
    secret: str
    event_id: str
    type: str
    body: bytes
    attempt: int


@dataclass
class Report:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer, not a delivery


_OPENER = urllib.request.build_opener(_NoRedirects)


def _lease(db: Database, settings: Settings, now: datetime) -> list[_Leased]:
    """Take the due deliveries: each counts an attempt and is not due again until the lease ends,
    so that several deliverers (workers, commands) never send the same one at once."""
    lease = timedelta(seconds=settings.timeout_s + 30)
    with db.writing() as session:
        rows = session.execute(
            select(Delivery, Webhook.url, Webhook.secret)
            .join(Webhook, Webhook.id == Delivery.webhook_id)
            .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(settings.batch)
        ).all()
        leased = []
        for delivery, url, secret in rows:
            delivery.attempts += 1
            delivery.next_attempt_at = now + lease
            event = delivery.event
            leased.append(
                _Leased(
                    delivery.id,
                    url,
                    secret,
                    event.event_id,
                    event.type,
                    body_of(event.payload),
                    delivery.attempts,
                )
            )
        return leased


def _send(item: _Leased, timeout: float) -> tuple[int | None, str | None]:
    """POST the signed body: (status code, error), the error None on a 2xx."""
    request = urllib.request.Request(
        item.url,
        data=item.body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(item.body, item.secret),
            EVENT_HEADER: item.event_id,
            EVENT_TYPE_HEADER: item.type,
            TIMESTAMP_HEADER: str(int(time.time())),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"[:500]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:500]


def deliver_due(db: Database, settings: Settings | None = None) -> Report:
    """Send every delivery that is due now, once each; record what happened."""
    settings = settings or Settings()
    report = Report()
    while True:
        leased = _lease(db, settings, utcnow())
        for item in leased:
            _attempt(db, settings, item, report)
        if len(leased) < settings.batch:
            return report


def _attempt(db: Database, settings: Settings, item: _Leased, report: Report) -> None:
    """One attempt at one leased delivery, and its outcome recorded."""
    code, error = _send(item, settings.timeout_s)
    now = utcnow()
    with db.writing() as session:
        delivery = session.get(Delivery, item.delivery_id)
        if delivery is None:  # its webhook was removed meanwhile
            return
        delivery.status_code = code
        delivery.last_error = error
        if error is None:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DELIVERED, now, None
            report.delivered += 1
        elif delivery.attempts >= settings.max_attempts:
            delivery.status, delivery.next_attempt_at = FAILED, None
            report.failed += 1
            log.warning("event %s to webhook %s failed for good: %s", item.event_id, delivery.webhook_id,
                        error)  # fmt: skip
        else:
            delivery.next_attempt_at = now + timedelta(seconds=settings.backoff(delivery.attempts))
            report.retrying += 1


def start_background(db: Database, settings: Settings, every_s: float) -> threading.Thread:
    """Deliver in a daemon thread of this process every `every_s` seconds: requests never wait for it."""
    return background.every("webhooks", every_s, lambda: deliver_due(db, settings))
