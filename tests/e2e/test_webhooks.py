"""Alerts end to end: gunicorn as the container runs it, conflicting claims posted over HTTP, and a
real receiver on loopback getting correctly signed events, from the command and from the worker thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.api.helpers import claim_body
from tests.receiver import Receiver
from tests.support import BIN, Server, call, fresh_database

pytestmark = pytest.mark.e2e
KEY = "newsroom-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
SECRET = "shared-with-the-newsroom"


def _post_conflict(server: Server) -> None:
    for value, source in (("94.000", "Liputan6.com"), ("175.000", "Reuters")):
        body = claim_body(value=value, source={"name": source})
        assert call(server.base, "POST", "/claims", body, AUTH).status == 201


def _check_signed(receiver: Receiver) -> set[str]:
    kinds = set()
    for got in receiver.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(got.headers["X-CekSilang-Signature"], expected)
        event = json.loads(got.body)
        assert got.headers["X-CekSilang-Event"] == event["id"]
        kinds.add(event["type"])
    return kinds


def test_the_deliver_command_sends_signed_events_of_conflicting_claims(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url, Receiver() as receiver:
        server = Server(url, tmp_path, env={"CEKSILANG_API_KEYS": KEY}).start()
        try:
            wanted = {"url": receiver.url, "topic": "russia-ukraine-crisis", "secret": SECRET}
            hook = call(server.base, "POST", "/webhooks", wanted, AUTH)
            assert hook.status == 201
            refused = call(server.base, "POST", "/webhooks", {"url": "ftp://example.org"}, AUTH)
            assert refused.status == 422 and "url" in refused.body["errors"]
            _post_conflict(server)
            assert receiver.received == []  # nothing is sent while the POST is answered
            env = {**server.environment(), "CEKSILANG_WEBHOOK_TIMEOUT_SECONDS": "5"}
            run = subprocess.run([str(BIN / "ceksilang"), "webhooks", "deliver"], env=env,
                                 capture_output=True, text=True, timeout=60)  # fmt: skip
            assert run.returncode == 0, run.stderr
            assert "2 delivered" in run.stdout
            assert _check_signed(receiver) == {"claim.conflicts", "group.conflict"}
            log = call(server.base, "GET", f"/webhooks/{hook.body['id']}/deliveries").body
            assert [d["status"] for d in log["items"]] == ["delivered", "delivered"]
        finally:
            server.stop()
        assert "Traceback" not in server.log()


def test_the_worker_thread_delivers_without_the_command_when_switched_on(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url, Receiver() as receiver:
        env = {"CEKSILANG_API_KEYS": KEY, "CEKSILANG_WEBHOOK_DELIVER_EVERY": "0.5"}
        server = Server(url, tmp_path, env=env).start()
        try:
            hook = call(server.base, "POST", "/webhooks", {"url": receiver.url, "secret": SECRET}, AUTH)
            assert hook.status == 201
            _post_conflict(server)
            deadline = time.monotonic() + 20
            while len(receiver.received) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # two workers deliver: the leases keep either from sending an event twice
            assert _check_signed(receiver) == {"claim.conflicts", "group.conflict"}
            assert len(receiver.received) == 2
        finally:
            server.stop()
        assert "Traceback" not in server.log()
