"""Small builders for request bodies, so each test shows only what it is about."""

from __future__ import annotations

from typing import Any

TROOPS = "jumlah tentara Rusia di dekat perbatasan Ukraina"
CALL = "durasi pembicaraan telepon Biden dan Putin"


def claim_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": TROOPS,
        "value": "94.000",
        "unit": "tentara",
        "source": {"name": "Liputan6.com"},
        "as_of": "2021-12-30",
        "topic": "Russia-Ukraine crisis",
        "language": "id",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def post(client: Any, headers: dict[str, str] | None = None, **overrides: Any) -> Any:
    return client.post("/claims", json=claim_body(**overrides), headers=headers or {})
