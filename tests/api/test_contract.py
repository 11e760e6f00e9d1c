"""The committed contract is what the schemas generate, and what the server serves."""

from __future__ import annotations

import json
from pathlib import Path

from service.contract import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"


def test_committed_openapi_matches_the_schemas() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == openapi_document(), (
        "schemas changed: run `make contract` and commit schemas/openapi.json"
    )


def test_served_openapi_is_the_committed_one(client) -> None:
    served = client.get("/openapi.json").get_json()
    assert served == json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_every_path_of_the_core_contract_is_documented() -> None:
    paths = json.loads(COMMITTED.read_text(encoding="utf-8"))["paths"]
    assert {"/claims", "/claims/{claim_id}", "/groups", "/groups/{group_id}", "/topics",
            "/topics/{slug}/conflicts", "/healthz"} <= set(paths)  # fmt: skip
    assert {"get", "delete"} <= set(paths["/claims/{claim_id}"])
    assert {"get", "post"} <= set(paths["/claims"])


def test_browsable_docs_work_without_network(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert b"/docs/static/swagger-ui-bundle.js" in page.data
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_health(client) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
