"""With API keys set, writes need a key; reads never do."""

from __future__ import annotations

import pytest

from service.app import create_app
from tests.api.helpers import claim_body
from tests.conftest import TestConfig


@pytest.fixture
def keyed(database_url: str, app):  # `app` empties the database first
    config = TestConfig(database_url)
    config.API_KEYS = ["first-key", "second-key"]
    keyed_app = create_app(config)
    yield keyed_app.test_client()
    keyed_app.extensions["ceksilang"].db.dispose()


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-key", "Basic first-key", "Bearer", "first-key", "Bearer first-key-and-more"],
)
def test_a_write_without_a_valid_key_is_401_and_stores_nothing(keyed, header) -> None:
    headers = {"Authorization": header} if header else {}
    response = keyed.post("/claims", json=claim_body(), headers=headers)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert keyed.get("/claims").get_json()["total"] == 0


@pytest.mark.parametrize("key", ["first-key", "second-key"])
def test_any_configured_key_may_write(keyed, key: str) -> None:
    response = keyed.post("/claims", json=claim_body(), headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201
    claim_id = response.get_json()["claim"]["id"]
    assert keyed.delete(f"/claims/{claim_id}").status_code == 401
    assert keyed.delete(f"/claims/{claim_id}", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_reads_need_no_key(keyed) -> None:
    assert keyed.get("/claims").status_code == 200
    assert keyed.get("/healthz").status_code == 200


def test_the_key_is_never_logged(keyed, caplog) -> None:
    keyed.post("/claims", json=claim_body(), headers={"Authorization": "Bearer first-key"})
    keyed.post("/claims", json=claim_body(), headers={"Authorization": "Bearer guessed-key"})
    assert "first-key" not in caplog.text and "guessed-key" not in caplog.text
