"""Rate limits per key, CORS for the newsroom's origins only, and the security headers."""

from __future__ import annotations

import pytest

from service.app import create_app
from tests.api.helpers import claim_body
from tests.conftest import TestConfig


def _client(database_url: str, **settings):
    config = TestConfig(database_url)
    for name, value in settings.items():
        setattr(config, name, value)
    app = create_app(config)
    return app, app.test_client()


@pytest.fixture
def limited(database_url: str, app):
    limited_app, client = _client(
        database_url, RATE_LIMIT_READS="5 per minute", RATE_LIMIT_WRITES="2 per minute", API_KEYS=["a", "b"]
    )
    yield client
    limited_app.extensions["ceksilang"].db.dispose()


def test_writes_past_the_limit_get_429_with_retry_after_and_store_nothing(limited) -> None:
    key = {"Authorization": "Bearer a"}
    for value in ("1.000", "2.000"):
        assert limited.post("/claims", json=claim_body(value=value), headers=key).status_code == 201
    response = limited.post("/claims", json=claim_body(value="3.000"), headers=key)
    assert response.status_code == 429
    assert response.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "2 per 1 minute" in response.get_json()["detail"]
    assert limited.get("/claims").get_json()["total"] == 2


def test_each_key_has_its_own_budget_and_reads_are_counted_apart(limited) -> None:
    for value in ("1.000", "2.000"):
        limited.post("/claims", json=claim_body(value=value), headers={"Authorization": "Bearer a"})
    other = limited.post("/claims", json=claim_body(value="3.000"), headers={"Authorization": "Bearer b"})
    assert other.status_code == 201
    assert all(limited.get("/claims").status_code == 200 for _ in range(5))
    assert limited.get("/claims").status_code == 429


def test_probes_and_metrics_are_never_limited(limited) -> None:
    for _ in range(8):
        assert limited.get("/healthz").status_code == 200
        assert limited.get("/metrics").status_code == 200


def test_cors_answers_only_the_allowed_origin(database_url: str, app) -> None:
    cors_app, client = _client(database_url, CORS_ORIGINS=["https://desk.example.id"])
    allowed = client.get("/claims", headers={"Origin": "https://desk.example.id"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://desk.example.id"
    assert "X-Request-ID" in allowed.headers["Access-Control-Expose-Headers"]
    other = client.get("/claims", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        "/claims",
        headers={
            "Origin": "https://desk.example.id",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    cors_app.extensions["ceksilang"].db.dispose()


def test_no_cors_headers_without_an_allow_list(client) -> None:
    response = client.get("/claims", headers={"Origin": "https://desk.example.id"})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("path", ["/claims", "/claims/999", "/nowhere"])
def test_security_headers_on_every_response(client, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_the_docs_page_may_load_its_own_scripts(client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_behind_a_trusted_proxy_https_gets_hsts(database_url: str, app) -> None:
    proxied_app, client = _client(database_url, TRUSTED_PROXIES=1)
    response = client.get("/claims", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = client.get("/claims")
    assert "Strict-Transport-Security" not in plain.headers
    proxied_app.extensions["ceksilang"].db.dispose()
