"""Exports: CSV for spreadsheets (BOM, one row per claim, no formulas) and ClaimReview JSON-LD."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tests.api.helpers import claim_body, post

TOPIC = "russia-ukraine-crisis"


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _conflicting_group(client: Any) -> str:
    first = post(client, source={"name": "Liputan6.com", "url": "https://liputan6.com/a"},
                 quote="Sekitar 94.000 tentara Rusia", published_at="2021-12-30T08:00:00+07:00")  # fmt: skip
    post(client, value="175.000", source={"name": "Reuters", "url": "https://reuters.com/b"})
    post(client, value="94.000", source={"name": "Kompas"})
    return str(first.get_json()["group"]["id"])


def test_group_csv_has_a_bom_a_header_and_one_row_per_claim(client) -> None:
    group = _conflicting_group(client)
    reply = client.get(f"/groups/{group}/export.csv")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.headers["Content-Disposition"] == f'attachment; filename="ceksilang-group-{group}.csv"'
    rows = _rows(reply.data)
    assert [r["source"] for r in rows] == ["Liputan6.com", "Reuters", "Kompas"]
    first = rows[0]
    assert first["group_id"] == group and first["topic"] == TOPIC
    assert first["value_as_written"] == "94.000" and first["low"] == first["high"] == "94000"
    assert first["unit"] == "troop" and first["hedge"] == "exact"
    assert first["as_of"] == "2021-12-30" and first["published_at"].startswith("2021-12-30T01:00:00")
    assert (
        first["source_url"] == "https://liputan6.com/a" and first["quote"] == "Sekitar 94.000 tentara Rusia"
    )
    assert first["rank"] == "normal"
    assert {r["group_conflict"] for r in rows} == {"true"}
    assert [r["claim_conflicts"] for r in rows] == ["true", "true", "true"]
    assert rows[0]["consensus_low"] == "94000" and "Kompas" in rows[0]["consensus_sources"]


def test_topic_csv_holds_every_group_of_the_topic(client) -> None:
    _conflicting_group(client)
    post(client, subject="durasi pembicaraan telepon Biden dan Putin", value="50 menit", unit=None)
    reply = client.get(f"/topics/{TOPIC}/export.csv")
    assert reply.status_code == 200
    assert reply.headers["Content-Disposition"] == f'attachment; filename="ceksilang-topic-{TOPIC}.csv"'
    rows = _rows(reply.data)
    assert len(rows) == 4 and len({r["group_id"] for r in rows}) == 2


def test_cells_that_would_run_as_formulas_are_quoted_but_negative_numbers_stay_numbers(client) -> None:
    body = claim_body(
        subject="pertumbuhan ekonomi Indonesia kuartal III", value={"amount": -3.49, "unit": "persen"},
        unit=None, source={"name": "=HYPERLINK(\"http://evil\")"}, quote="-2+3 kata @sumber",
        attributed_to="+62 juru bicara",
    )  # fmt: skip
    reply = client.post("/claims", json=body)
    assert reply.status_code == 201, reply.get_json()
    rows = _rows(client.get(f"/groups/{reply.get_json()['group']['id']}/export.csv").data)
    row = rows[0]
    assert row["source"] == '\'=HYPERLINK("http://evil")'
    assert row["quote"] == "'-2+3 kata @sumber"
    assert row["attributed_to"] == "'+62 juru bicara"
    assert row["low"] == row["high"] == "-3.49"


def test_indonesian_text_survives_the_round_trip(client) -> None:
    reply = post(client, quote="“Kami memperkirakan 94.000 personel” — ujar pejabat")
    rows = _rows(client.get(f"/groups/{reply.get_json()['group']['id']}/export.csv").data)
    assert rows[0]["quote"] == "“Kami memperkirakan 94.000 personel” — ujar pejabat"


def test_unknown_topic_or_group_is_a_problem(client) -> None:
    for path in ("/topics/nothing/export.csv", "/groups/999/export.csv", "/groups/abc/export.csv",
                 "/groups/999/claimreview", "/groups/-1/claimreview"):  # fmt: skip
        reply = client.get(path)
        assert reply.status_code == 404, path
        assert reply.headers["Content-Type"] == "application/problem+json"


# --- ClaimReview -------------------------------------------------------------------------------

# From schema.org's definitions (https://schema.org/ClaimReview, /Claim, /CreativeWork, /Rating,
# /Organization): each type's properties, its own and inherited (Review and Claim are CreativeWorks,
# Rating and Organization Things), and the types each property's value may take.
THING = {"name", "url", "alternateName", "description", "identifier", "sameAs"}
CREATIVE_WORK = THING | {"author", "datePublished", "headline", "inLanguage", "publisher", "text"}
VOCABULARY: dict[str, set[str]] = {
    "ClaimReview": CREATIVE_WORK | {"claimReviewed", "itemReviewed", "reviewRating", "reviewBody"},
    "Claim": CREATIVE_WORK | {"appearance", "firstAppearance", "claimInterpreter"},
    "CreativeWork": CREATIVE_WORK,
    "Rating": THING | {"ratingValue", "bestRating", "worstRating", "ratingExplanation", "reviewAspect"},
    "Organization": THING | {"legalName", "logo"},
}
SUBTYPES = {"Thing": set(VOCABULARY), "CreativeWork": {"CreativeWork", "Claim", "ClaimReview"}}
RANGES: dict[str, set[str]] = {
    "itemReviewed": SUBTYPES["Thing"],
    "appearance": SUBTYPES["CreativeWork"],
    "firstAppearance": SUBTYPES["CreativeWork"],
    "author": {"Organization", "Person"},
    "publisher": {"Organization", "Person"},
    "reviewRating": {"Rating"},
}
TEXT_PROPERTIES = {"claimReviewed", "name", "alternateName", "ratingExplanation", "url", "datePublished"}


def _check_node(node: dict[str, Any], path: str = "$") -> None:
    kind = node.get("@type")
    assert kind in VOCABULARY, f"{path}: @type {kind!r} is not one the test knows from schema.org"
    for prop, value in node.items():
        if prop in ("@type", "@context"):
            continue
        assert prop in VOCABULARY[kind], f"{path}: {prop!r} is not a property of {kind}"
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                assert prop in RANGES, f"{path}.{prop}: schema.org expects text here"
                assert item.get("@type") in RANGES[prop], f"{path}.{prop}: {item.get('@type')} not allowed"
                _check_node(item, f"{path}.{prop}")
            elif prop in TEXT_PROPERTIES:
                assert isinstance(item, str) and item, f"{path}.{prop}: expected text"


def test_claimreview_uses_only_schema_org_terms_and_one_appearance_per_source(client) -> None:
    group = _conflicting_group(client)
    post(client, value="94.000", source={"name": "Kompas"}, as_of="2021-12-31")  # a second claim of Kompas
    reply = client.get(f"/groups/{group}/claimreview")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/ld+json")
    review = json.loads(reply.data)
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    _check_node(review)
    appearances = review["itemReviewed"]["appearance"]
    assert sorted(a["author"]["name"] for a in appearances) == ["Kompas", "Liputan6.com", "Reuters"]
    liputan = next(a for a in appearances if a["author"]["name"] == "Liputan6.com")
    assert liputan == {"@type": "CreativeWork", "author": {"@type": "Organization", "name": "Liputan6.com"},
                       "url": "https://liputan6.com/a", "datePublished": "2021-12-30"}  # fmt: skip
    assert review["author"]["name"] == "Cek Silang"
    assert "jumlah tentara Rusia" in review["claimReviewed"]
    rating = review["reviewRating"]
    assert rating["ratingValue"] == 1 and rating["worstRating"] == 1 and rating["bestRating"] == 5
    assert rating["ratingExplanation"].startswith(rating["alternateName"])
    assert "no overlap" in rating["ratingExplanation"]
    assert len(review["datePublished"]) == 10


def test_claimreview_of_agreeing_sources_rates_them_consistent(client) -> None:
    first = post(client)
    post(client, value="94 ribu", source={"name": "Detik"})
    review = json.loads(client.get(f"/groups/{first.get_json()['group']['id']}/claimreview").data)
    _check_node(review)
    assert review["reviewRating"]["ratingValue"] == 5
    assert review["reviewRating"]["alternateName"] == "Consistent: sources agree"
    assert review["claimReviewed"].endswith(": 94,000 troop")


def test_the_vocabulary_check_catches_a_made_up_term() -> None:
    bad = {"@type": "ClaimReview", "reviewRating": {"@type": "Rating", "verdict": "false"}}
    try:
        _check_node(bad)
    except AssertionError as exc:
        assert "verdict" in str(exc)
    else:
        raise AssertionError("a property schema.org does not define passed")
