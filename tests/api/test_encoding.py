"""Answers' JSON as orjson writes it (service/http/encoding.py): the same JSON Flask's provider
writes, in UTF-8; what orjson refuses, as Flask writes it."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from service.http.encoding import JSONProvider
from tests.api.helpers import post

_app = Flask(__name__)
ORJSON = JSONProvider(_app)
FLASK = DefaultJSONProvider(_app)
FLASK.sort_keys = False
COMPACT = {"separators": (",", ":")}

scalars = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)  # fmt: skip
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_orjson_writes_the_json_flask_writes(document) -> None:
    written = ORJSON.dumps(document, **COMPACT)
    assert json.loads(written) == json.loads(FLASK.dumps(document, **COMPACT, ensure_ascii=False))
    if isinstance(document, dict):
        assert list(json.loads(written)) == list(document)  # the schemas' order, not sorted


@dataclasses.dataclass
class _Pair:
    when: date
    amount: Decimal


def test_what_orjson_would_write_otherwise_is_written_as_flask_writes_it() -> None:
    document = {
        "at": datetime(2022, 2, 12, 8, 30, tzinfo=UTC),
        "on": date(2021, 12, 30),
        "pair": _Pair(date(2022, 1, 1), Decimal("94000.5")),
        "id": UUID("12345678123456781234567812345678"),
        1: "a key that is a number",
        "name": "Kompas — Jakarta",  # raw only if orjson wrote it: Flask's provider escapes it
    }
    written = ORJSON.dumps(document, **COMPACT)
    assert written == FLASK.dumps(document, **COMPACT, ensure_ascii=False)
    assert '"name":"Kompas — Jakarta"' in written


def test_what_orjson_refuses_is_written_by_flask_escaping_what_is_not_ascii() -> None:
    for document in ({"big": 2**80, "name": "Kompas — Jakarta"}, {"key": "\udc80"}):
        assert ORJSON.dumps(document, **COMPACT) == FLASK.dumps(document, **COMPACT)
    assert ORJSON.dumps({"key": "\udc80"}, **COMPACT) == '{"key":"\\udc80"}'


def test_an_answer_goes_through_orjson(app) -> None:
    with app.app_context():
        answer = app.json.response({"claims": [{"low": math.nan}], "name": "Kompas — Jakarta"})
    assert answer.get_data() == '{"claims":[{"low":null}],"name":"Kompas — Jakarta"}\n'.encode()


def test_a_lone_surrogate_in_a_request_is_refused_not_failed(client) -> None:
    body = '{"subject": "harga cabai", "value": "Rp 80.000", "source": {"name": "Tempo"}, "\\udc80": 1}'
    response = client.post("/claims", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.get_json()["errors"] == {"body": ["must not contain a lone UTF-16 surrogate"]}


def test_nan_and_infinities_come_out_as_null() -> None:
    assert json.loads(ORJSON.dumps([math.nan, math.inf, -math.inf], **COMPACT)) == [None, None, None]


def test_other_calls_are_flasks_own() -> None:
    document = {"b": 1, "a": [1, 2]}
    assert ORJSON.dumps(document) == FLASK.dumps(document) == '{"b": 1, "a": [1, 2]}'
    assert ORJSON.dumps(document, indent=2) == FLASK.dumps(document, indent=2)


def test_an_answer_is_utf8_without_escapes(client) -> None:
    response = post(client, subject="harga cabai di Pasar Beringharjo — per kilogram", value="Rp 80.000",
                    unit=None, source={"name": "Kedaulatan Rakyat"})  # fmt: skip
    assert response.status_code == 201
    assert "—".encode() in response.data and b"\\u2014" not in response.data
    assert response.get_json()["claim"]["subject"] == "harga cabai di Pasar Beringharjo — per kilogram"
