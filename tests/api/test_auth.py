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


# --- named keys with scopes, from a key file --------------------------------------------------


@pytest.fixture
def scoped(database_url: str, app, tmp_path):
    key_file = tmp_path / "keys"
    key_file.write_text(
        "# name secret scope\n\n"
        "desk-tool s3cret-writer write\nwall-screen s3cret-reader read\nscript s3cret-other\n"
    )
    config = TestConfig(database_url)
    config.API_KEYS_FILE = str(key_file)
    scoped_app = create_app(config)
    yield scoped_app.test_client()
    scoped_app.extensions["ceksilang"].db.dispose()


def test_a_read_only_key_is_known_but_forbidden_to_write(scoped) -> None:
    response = scoped.post("/claims", json=claim_body(), headers={"Authorization": "Bearer s3cret-reader"})
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "wall-screen" in response.get_json()["detail"]
    assert scoped.get("/claims", headers={"Authorization": "Bearer s3cret-reader"}).status_code == 200
    assert scoped.get("/claims").get_json()["total"] == 0


@pytest.mark.parametrize("secret", ["s3cret-writer", "s3cret-other"])
def test_write_keys_from_the_file_may_write(scoped, secret: str) -> None:
    response = scoped.post("/claims", json=claim_body(), headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201


def test_an_unknown_key_is_refused_on_a_read_too(scoped) -> None:
    response = scoped.get("/claims", headers={"Authorization": "Bearer not-a-key"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "content", ["only-one-word\n", "name secret admin\n", "a b\na c\n"], ids=["short", "scope", "twice"]
)
def test_a_bad_key_file_stops_the_start_naming_the_problem(database_url: str, tmp_path, content: str) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(content)
    config = TestConfig(database_url)
    config.API_KEYS_FILE = str(key_file)
    with pytest.raises(ValueError, match=r"key names|NAME SECRET"):
        create_app(config)


def test_production_refuses_to_start_without_keys(database_url: str) -> None:
    config = TestConfig(database_url)
    config.ENV = "production"
    with pytest.raises(RuntimeError, match="without API keys"):
        create_app(config)
    config.OPEN_WRITES = True
    create_app(config).extensions["ceksilang"].db.dispose()
    config.OPEN_WRITES = False
    config.API_KEYS = ["k"]
    create_app(config).extensions["ceksilang"].db.dispose()


def test_key_repr_hides_the_secret() -> None:
    from service.http.guard import load_keys

    (key,) = load_keys(["very-secret"], None)
    assert "very-secret" not in repr(key)
