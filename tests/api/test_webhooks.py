"""Webhooks: registering, events written with the claim, signed delivery with retries and back-off.

Deliveries go to a real HTTP server on loopback (tests/receiver.py), not to a mock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service import usecases, webhooks
from service.storage.models import Delivery, OutboxEvent, utcnow
from tests.api.helpers import claim_body, post
from tests.conftest import TestConfig
from tests.receiver import Receiver

TOPIC = "russia-ukraine-crisis"
FAST = webhooks.Settings(max_attempts=3, backoff_s=0, timeout_s=5)


def _register(client, url: str = "https://example.org/hook", **extra) -> dict:
    reply = client.post("/webhooks", json={"url": url, **extra})
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()


def _conflict(client) -> None:
    post(client)
    post(client, value="175.000", source={"name": "Reuters"})


# --- registering -------------------------------------------------------------------------------


def test_register_shows_the_secret_once_and_lists_without_it(client) -> None:
    made = _register(client, topic=TOPIC)
    assert made["topic"] == TOPIC and len(made["secret"]) == 64
    given = _register(client, url="http://127.0.0.1:9/x", secret="a-secret-of-newsroom")
    assert given["secret"] == "a-secret-of-newsroom" and given["topic"] is None
    listed = client.get("/webhooks").get_json()
    assert [w["id"] for w in listed] == [made["id"], given["id"]]
    assert all("secret" not in w for w in listed)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "https://example.org/" + "x" * 2000}, "url"),
        ({}, "url"),
        ({"url": 5}, "url"),
        ({"url": "https://example.org", "topic": "Russia Ukraine"}, "topic"),
        ({"url": "https://example.org", "topic": ""}, "topic"),
        ({"url": "https://example.org", "secret": "short"}, "secret"),
        ({"url": "https://example.org", "events": ["all"]}, "events"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(client, body, field) -> None:
    reply = client.post("/webhooks", json=body)
    assert reply.status_code == 422
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert field in reply.get_json()["errors"]


def test_check_url_refuses_what_the_schema_might_let_through() -> None:
    for url in ("gopher://x", "http://", "https:///path", "http://exa mple.org"):
        with pytest.raises(webhooks.InvalidClaim) as caught:
            webhooks.check_url(url)
        assert "url" in caught.value.errors
    webhooks.check_url("http://127.0.0.1:8080/hook")


def test_delete_removes_the_webhook_and_its_log(client) -> None:
    made = _register(client)
    assert client.delete(f"/webhooks/{made['id']}").status_code == 204
    assert client.get("/webhooks").get_json() == []
    gone = made["id"]
    missing = [("delete", f"/webhooks/{gone}"), ("get", f"/webhooks/{gone}/deliveries"),
               ("get", "/webhooks/abc/deliveries"), ("delete", "/webhooks/99999999999")]  # fmt: skip
    for method, path in missing:
        reply = getattr(client, method)(path)
        assert reply.status_code == 404 and reply.headers["Content-Type"] == "application/problem+json"


def test_webhook_writes_need_the_key_when_keys_are_set(database_url) -> None:
    from service.app import create_app

    config = TestConfig(database_url)
    config.API_KEYS = ["newsroom-key"]
    app = create_app(config)
    client = app.test_client()
    assert client.post("/webhooks", json={"url": "https://example.org"}).status_code == 401
    assert client.delete("/webhooks/1").status_code == 401
    auth = {"Authorization": "Bearer newsroom-key"}
    made = client.post("/webhooks", json={"url": "https://example.org"}, headers=auth)
    assert made.status_code == 201
    assert client.delete(f"/webhooks/{made.get_json()['id']}", headers=auth).status_code == 204
    app.extensions["ceksilang"].db.dispose()


# --- events ------------------------------------------------------------------------------------


def _deliveries(client, webhook_id: str) -> list[dict]:
    return client.get(f"/webhooks/{webhook_id}/deliveries").get_json()["items"]


def test_a_conflicting_claim_queues_both_events_for_the_topic_and_for_all(client) -> None:
    mine = _register(client, topic=TOPIC)
    every = _register(client)
    other = _register(client, topic="another-story")
    _conflict(client)
    for hook in (mine, every):
        kinds = sorted(d["type"] for d in _deliveries(client, hook["id"]))
        assert kinds == ["claim.conflicts", "group.conflict"]
        assert all(d["status"] == "pending" and d["attempts"] == 0 for d in _deliveries(client, hook["id"]))
    assert _deliveries(client, other["id"]) == []


def test_agreeing_claims_queue_nothing_and_a_group_turns_conflict_once(client) -> None:
    hook = _register(client)
    post(client)
    post(client, value="94 ribu", source={"name": "Detik"})
    assert _deliveries(client, hook["id"]) == []
    _conflict(client)
    post(client, value="200.000", source={"name": "AP"})  # conflicts again; the group already was
    kinds = [d["type"] for d in _deliveries(client, hook["id"])]
    assert sorted(kinds) == ["claim.conflicts", "claim.conflicts", "group.conflict"]


def test_no_webhook_no_event(client, ctx) -> None:
    _conflict(client)
    with ctx.db.reading() as session:
        assert session.scalar(select(func.count(OutboxEvent.id))) == 0


def test_an_event_is_never_kept_for_a_write_that_rolled_back(client, ctx) -> None:
    _register(client)
    post(client)
    reading = client.post("/claims", json=claim_body(value="175.000", source={"name": "Reuters"}))
    assert reading.status_code == 201
    with ctx.db.reading() as session:
        before = session.scalar(select(func.count(OutboxEvent.id)))
    assert before == 2

    class Refused(Exception):
        pass

    data = usecases.ClaimInput(subject=claim_body()["subject"], value="300.000", unit="tentara",
                               source_name="AP", as_of=utcnow().date().replace(2021, 12, 30),
                               topic="Russia-Ukraine crisis")  # fmt: skip
    with pytest.raises(Refused), ctx.db.writing() as session:
        usecases._store(ctx, session, usecases.prepare(ctx, data))
        session.flush()
        assert session.scalar(select(func.count(OutboxEvent.id))) == 3  # written inside the transaction
        raise Refused
    with ctx.db.reading() as session:
        assert session.scalar(select(func.count(OutboxEvent.id))) == before
        assert session.scalar(select(func.count(Delivery.id))) == before


def test_the_event_says_which_claims_it_meets_and_whether_it_breaks_the_consensus(client, ctx) -> None:
    _register(client)
    post(client)
    post(client, value="94 ribu", source={"name": "Detik"})
    post(client, value="175.000", source={"name": "Reuters", "url": "https://reuters.com/x"})
    with ctx.db.reading() as session:
        event = session.scalars(select(OutboxEvent).where(OutboxEvent.type == "claim.conflicts")).one()
    payload = event.payload
    assert payload["id"] == event.event_id and payload["type"] == "claim.conflicts"
    assert payload["claim"]["source"] == {"name": "Reuters", "url": "https://reuters.com/x"}
    assert payload["claim"]["low"] == 175000
    assert payload["against_consensus"] is True
    assert sorted(c["source"]["name"] for c in payload["conflicts_with"]) == ["Detik", "Liputan6.com"]
    assert payload["group"]["conflict"] is True and payload["group"]["topic"] == TOPIC


# --- delivery ----------------------------------------------------------------------------------


def test_delivery_is_signed_with_the_webhook_secret(client, ctx) -> None:
    with Receiver() as receiver:
        hook = _register(client, url=receiver.url, secret="newsroom-shared-secret")
        _conflict(client)
        report = webhooks.deliver_due(ctx.db, FAST)
        assert report.delivered == 2 and report.retrying == report.failed == 0
        assert len(receiver.received) == 2
        for got in receiver.received:
            expected = hmac.new(b"newsroom-shared-secret", got.body, hashlib.sha256).hexdigest()
            assert got.headers["X-CekSilang-Signature"] == f"sha256={expected}"
            assert webhooks.verify(got.body, "newsroom-shared-secret", got.headers["X-CekSilang-Signature"])
            assert not webhooks.verify(
                got.body, "another-secret-entirely", got.headers["X-CekSilang-Signature"]
            )
            assert not webhooks.verify(got.body + b" ", "newsroom-shared-secret",
                                       got.headers["X-CekSilang-Signature"])  # fmt: skip
            body = json.loads(got.body)
            assert got.headers["X-CekSilang-Event"] == body["id"]
            assert got.headers["X-CekSilang-Event-Type"] == body["type"]
            assert got.headers["X-CekSilang-Timestamp"].isdigit()
            assert got.headers["Content-Type"] == "application/json"
    log = _deliveries(client, hook["id"])
    assert {d["status"] for d in log} == {"delivered"} and {d["status_code"] for d in log} == {200}
    assert all(d["delivered_at"] and d["next_attempt_at"] is None for d in log)
    assert webhooks.deliver_due(ctx.db, FAST).attempted == 0  # delivered once, never again


def test_a_failing_receiver_is_retried_with_back_off_until_it_answers(client, ctx) -> None:
    settings = webhooks.Settings(max_attempts=5, backoff_s=60, backoff_max_s=150, timeout_s=5)
    with Receiver(answers=[500, 503, 200]) as receiver:
        hook = _register(client, url=receiver.url, topic=TOPIC)
        post(client)
        post(client, value="175.000", source={"name": "Reuters"})
        with ctx.db.writing() as session:  # keep one event, so the receiver's answers are its own
            session.query(Delivery).filter(Delivery.event.has(OutboxEvent.type == "claim.conflicts")).delete(
                synchronize_session=False
            )
        started = utcnow()
        assert webhooks.deliver_due(ctx.db, settings).retrying == 1
        (first,) = _deliveries(client, hook["id"])
        assert first["attempts"] == 1 and first["status"] == "pending" and first["status_code"] == 500
        assert "500" in first["last_error"]
        wait = _next(first) - started
        assert timedelta(seconds=59) <= wait <= timedelta(seconds=70)
        assert webhooks.deliver_due(ctx.db, settings).attempted == 0  # not due yet
        _make_due(ctx)
        assert webhooks.deliver_due(ctx.db, settings).retrying == 1
        (second,) = _deliveries(client, hook["id"])
        assert second["attempts"] == 2 and second["status_code"] == 503
        assert timedelta(seconds=119) <= _next(second) - started <= timedelta(seconds=130)  # doubled
        _make_due(ctx)
        assert webhooks.deliver_due(ctx.db, settings).delivered == 1
        (third,) = _deliveries(client, hook["id"])
        assert third["attempts"] == 3 and third["status"] == "delivered" and third["status_code"] == 200
        assert third["last_error"] is None
        assert len(receiver.received) == 3
        assert len({r.body for r in receiver.received}) == 1  # the same event, the same signed body


def test_back_off_doubles_and_is_capped() -> None:
    settings = webhooks.Settings(backoff_s=30, backoff_max_s=100)
    assert [settings.backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_a_receiver_that_never_answers_well_fails_after_the_last_attempt(client, ctx) -> None:
    with Receiver(answers=[500] * 10) as receiver:
        hook = _register(client, url=receiver.url)
        post(client)
        post(client, value="175.000", source={"name": "Reuters"})
        for _ in range(5):
            webhooks.deliver_due(ctx.db, FAST)
        log = _deliveries(client, hook["id"])
        assert {d["status"] for d in log} == {"failed"}
        assert {d["attempts"] for d in log} == {FAST.max_attempts}
        assert len(receiver.received) == 2 * FAST.max_attempts


def test_an_unreachable_or_redirecting_receiver_is_an_error_in_the_log(client, ctx) -> None:
    with Receiver(answers=[302]) as receiver:
        redirecting = _register(client, url=receiver.url)
        unreachable = _register(client, url="http://127.0.0.1:9/nothing-listens")
        post(client)
        post(client, value="175.000", source={"name": "Reuters"})
        webhooks.deliver_due(ctx.db, webhooks.Settings(max_attempts=5, backoff_s=60, timeout_s=2))
    codes = sorted(str(d["status_code"]) for d in _deliveries(client, redirecting["id"]))
    assert codes == ["200", "302"]
    for d in _deliveries(client, unreachable["id"]):
        assert d["status"] == "pending" and d["status_code"] is None and d["last_error"]


def _next(delivery: dict):
    from datetime import datetime

    return datetime.fromisoformat(delivery["next_attempt_at"])


def _make_due(ctx) -> None:
    with ctx.db.writing() as session:
        for delivery in session.scalars(select(Delivery).where(Delivery.status == "pending")):
            delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
