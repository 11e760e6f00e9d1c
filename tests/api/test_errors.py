"""Bad input: a 4xx problem+json naming the field, never a 500, and nothing stored changes."""

from __future__ import annotations

import json

import pytest

from tests.api.helpers import claim_body, post


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"]
    return body


@pytest.fixture
def stored(client):
    """One claim already stored; every test checks that it is untouched afterwards."""
    created = post(client, value="60.000 hingga 90.000").get_json()
    yield created
    after = client.get(f"/claims/{created['claim']['id']}").get_json()
    assert after == created["claim"]
    assert client.get("/claims").get_json()["total"] == 1
    assert client.get("/groups").get_json()["total"] == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": None}, "subject"),
        ({"value": None}, "value"),
        ({"source": None}, "source"),
        ({"source": {}}, "source"),
        ({"source": {"name": ""}}, "source"),
        ({"source": {"name": "x", "url": "not a url"}}, "source"),
        ({"subject": 42}, "subject"),
        ({"subject": "ab"}, "subject"),
        ({"subject": "x" * 301}, "subject"),
        ({"value": 94000}, "value"),
        ({"value": ["94.000"]}, "value"),
        ({"value": ""}, "value"),
        ({"value": {"low": "many"}}, "value"),
        ({"value": {"colour": "red"}}, "value"),
        ({"value": {}}, "value"),
        ({"value": {"low": True, "high": 3}}, "value"),
        ({"published_at": "yesterday"}, "published_at"),
        ({"as_of": "2021-13-45"}, "as_of"),
        ({"event_date": "30/12/2021"}, "event_date"),
        ({"language": "fr"}, "language"),
        ({"subjct": "typo"}, "subjct"),
    ],
)
def test_schema_errors_name_the_field(client, stored, overrides: dict, field: str) -> None:
    body = _problem(post(client, **overrides), 422)
    assert field in body["errors"], body


@pytest.mark.parametrize(
    ("value", "unit", "field"),
    [
        ("banyak sekali", "tentara", "value"),
        ("-5 orang", None, "value"),
        ("1e400", "tentara", "value"),
        ("90.000 hingga 60.000", "tentara", "value"),
        ("50 menit", "tentara", "unit"),
        ({"low": 9, "high": 1, "unit": "troops"}, None, "value.low"),
        ({"amount": -3, "unit": "orang"}, None, "value.amount"),
        ({"amount": 1e300 * 1e300, "unit": "orang"}, None, "value"),
    ],
)
def test_values_that_cannot_be_read_are_422_quoting_the_text(client, stored, value, unit, field) -> None:
    body = _problem(post(client, value=value, unit=unit), 422)
    assert any(name == field or name.startswith(field) for name in body["errors"]), body
    if isinstance(value, str):
        assert value in json.dumps(body["errors"], ensure_ascii=False)


def test_nan_and_infinity_in_json_are_rejected(client, stored) -> None:
    raw = json.dumps(claim_body(value={"amount": 1, "unit": "orang"})).replace('"amount": 1', '"amount": NaN')
    body = _problem(client.post("/claims", data=raw, content_type="application/json"), 422)
    assert "value" in body["errors"]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ("{not json", 400),
        ("", 422),
        ("[1, 2]", 422),
        ('"just a string"', 422),
        ("null", 422),
    ],
)
def test_malformed_bodies_are_problems_not_500s(client, stored, data: str, status: int) -> None:
    _problem(client.post("/claims", data=data, content_type="application/json"), status)


def test_a_body_over_the_limit_is_413(client, stored) -> None:
    huge = json.dumps(claim_body(quote="x" * 10_000_000))
    _problem(client.post("/claims", data=huge, content_type="application/json"), 413)


def test_wrong_content_type_is_a_problem(client, stored) -> None:
    response = client.post("/claims", data="subject=x", content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "query",
    ["page=0", "per_page=1000", "per_page=abc", "conflict=maybe", "page=-1"],
)
def test_bad_query_arguments_are_422(client, stored, query: str) -> None:
    path = "/groups" if "conflict" in query else "/claims"
    body = _problem(client.get(f"{path}?{query}"), 422)
    assert query.split("=")[0] in body["errors"]


@pytest.mark.parametrize(
    "path", ["/claims/999999", "/claims/abc", "/claims/-1", "/claims/99999999999999999999999"]
)
def test_unknown_claims_are_404(client, stored, path: str) -> None:
    _problem(client.get(path), 404)
    _problem(client.delete(path), 404)


def test_unknown_routes_and_methods_are_problems(client, stored) -> None:
    _problem(client.get("/nowhere"), 404)
    _problem(client.put("/claims"), 405)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"as_of": "0001-01-01"}, "as_of"),
        ({"event_date": "9999-12-31"}, "event_date"),
        ({"published_at": "0001-01-01T00:00:00+05:00"}, "published_at"),
        ({"published_at": "9999-12-31T23:00:00-05:00"}, "published_at"),
        ({"value": {"low": 10**400, "unit": "orang"}}, "value"),
        ({"subject": "\x00abc def"}, "subject"),
        ({"subject": "jumlah tentara \ud800 Rusia"}, "subject"),  # JSON's "\ud800": no character
        ({"source": {"name": "Kompas\udfff"}}, "source"),
        ({"value": {"label": "siaga \udc00"}}, "value"),
        ({"source": {"name": "   "}}, "source"),
        ({"unit": "x" * 61}, "unit"),
        ({"value": {"amount": 5, "unit": "x" * 61}}, "value"),
        ({"value": {"label": "x" * 201}}, "value"),
        ({"value": {"amount": 5000, "unit": "orang"}, "unit": "menit"}, "unit"),
    ],
)
def test_values_beyond_what_news_or_the_database_hold_are_422(client, stored, overrides, field) -> None:
    body = _problem(post(client, **overrides), 422)
    assert field in body["errors"], body


@pytest.mark.parametrize("path", ["/claims/¹", "/groups/²", "/groups/١", "/groups/2147483648", "/claims/0"])
def test_ids_are_plain_ascii_digits_within_range(client, stored, path: str) -> None:
    _problem(client.get(path), 404)


def test_a_group_filter_beyond_any_id_is_422(client, stored) -> None:
    body = _problem(client.get("/claims?group=9223372036854775808"), 422)
    assert "group" in body["errors"]


def test_a_deeply_nested_body_is_400(client, stored) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    _problem(client.post("/claims", data=deep, content_type="application/json"), 400)


@pytest.mark.parametrize("path", ["/claims?source=%00", "/topics/%00/conflicts", "/groups?q=a%00b"])
def test_nul_characters_in_the_url_are_400(client, stored, path: str) -> None:
    _problem(client.get(path), 400)


def test_a_surrogate_pair_is_the_character_it_escapes_and_is_stored(client) -> None:
    body = json.dumps(claim_body(source={"name": "Warta \U0001f4f0"}))
    assert "\\ud83d\\udcf0" in body  # how JSON escapes 📰
    created = client.post("/claims", data=body, content_type="application/json")
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["claim"]["source"]["name"] == "Warta 📰"
