"""Request ids, JSON logs, Prometheus metrics, liveness and readiness."""

from __future__ import annotations

import json
import logging

import pytest

from service.app import create_app
from service.http.observability import JsonFormatter, RequestIdFilter
from service.storage.migrate import downgrade, upgrade
from tests.api.helpers import claim_body
from tests.conftest import TestConfig


def test_a_sane_request_id_is_echoed(client) -> None:
    response = client.get("/claims", headers={"X-Request-ID": "desk-42.a:b"})
    assert response.headers["X-Request-ID"] == "desk-42.a:b"


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 129, 'quote"d', "ünï"])
def test_otherwise_a_new_one_is_made(client, given) -> None:
    headers = {"X-Request-ID": given} if given is not None else {}
    first = client.get("/claims", headers=headers).headers["X-Request-ID"]
    second = client.get("/claims", headers=headers).headers["X-Request-ID"]
    assert len(first) == 32 and first != second and first != given


def test_errors_carry_the_request_id_too(client) -> None:
    response = client.post("/claims", json={"subject": "x"}, headers={"X-Request-ID": "bad-input-1"})
    assert response.status_code == 422
    assert response.headers["X-Request-ID"] == "bad-input-1"


def test_log_lines_are_json_with_the_request_id(app, capsys) -> None:
    logger = logging.getLogger("ceksilang.test")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    try:
        with app.test_request_context("/claims", headers={"X-Request-ID": "r-7"}):
            app.preprocess_request()
            logger.warning("stored %d claims", 3, extra={"source": "Kompas"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "stored 3 claims"
    assert line["request_id"] == "r-7"
    assert line["level"] == "warning"
    assert line["source"] == "Kompas"
    assert line["time"].endswith("Z")


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in head for k, v in labels.items()) and (labels or head == name):
            return float(value)
    raise AssertionError(f"{name} {labels} not in metrics")


def test_metrics_count_requests_by_route_and_the_store(client) -> None:
    before = client.get("/metrics").get_data(as_text=True)
    created = client.post("/claims", json=claim_body()).get_json()
    client.post("/claims", json=claim_body(value="100.000", source={"name": "Kompas.com"}))
    client.get(f"/claims/{created['claim']['id']}")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.get_data(as_text=True)
    route = {"method": "GET", "route": "/claims/<claim_id>", "status": "200"}
    was = _metric(before, "ceksilang_http_requests_total", **route) if "/claims/<claim_id>" in before else 0
    assert _metric(text, "ceksilang_http_requests_total", **route) == was + 1
    assert _metric(text, "ceksilang_http_request_duration_seconds_count", method="POST", route="/claims") >= 2
    assert _metric(text, "ceksilang_claims") == 2
    assert _metric(text, "ceksilang_groups") == 1
    assert _metric(text, "ceksilang_conflicts_open") == 1


def test_unknown_paths_share_one_label(client) -> None:
    client.get("/no/such/path/1")
    client.get("/no/such/path/2")
    text = client.get("/metrics").get_data(as_text=True)
    assert "/no/such/path" not in text
    assert _metric(text, "ceksilang_http_requests_total", route="(unmatched)", status="404") >= 2


def test_ready_when_the_database_answers_and_is_migrated(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and body["revision"] == body["expected_revision"]
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_not_ready_on_an_old_schema_and_ready_after_the_upgrade(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0001")
    app = create_app(TestConfig(url))
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "0001" in response.get_json()["detail"]
    assert client.get("/healthz").status_code == 200  # alive: restarting would not help
    upgrade(url)
    assert client.get("/readyz").status_code == 200
    downgrade(url, "base")
    assert client.get("/readyz").status_code == 503
    app.extensions["ceksilang"].db.dispose()


def test_no_database_is_neither_ready_nor_alive_until_it_answers() -> None:
    # A PostgreSQL address where nothing listens: the connection is refused at once.
    app = create_app(TestConfig("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"))
    client = app.test_client()
    for path in ("/readyz", "/healthz", "/claims"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.headers["Retry-After"] == "5"
    app.extensions["ceksilang"].db.dispose()
