"""POST /claims and friends through the test client, on a real migrated database."""

from __future__ import annotations

from tests.api.helpers import CALL, TROOPS, post


def test_posting_a_claim_stores_it_with_its_normalised_value(client) -> None:
    response = post(
        client, value="60.000 hingga 90.000", source={"name": "alinea.id", "url": "https://alinea.id/x"}
    )
    assert response.status_code == 201
    body = response.get_json()
    value = body["claim"]["value"]
    assert (value["low"], value["high"], value["unit"], value["hedge"]) == (60000, 90000, "troop", "range")
    assert body["claim"]["source"] == {"name": "alinea.id", "url": "https://alinea.id/x"}
    assert body["claim"]["topic"] == "russia-ukraine-crisis"
    assert body["group"]["size"] == 1 and body["group"]["conflict"] is False
    assert body["matches"] == []
    assert response.headers["Content-Type"] == "application/json"


def test_posting_the_same_claim_twice_stores_it_once(client) -> None:
    first = post(client, value="lebih dari 100.000")
    again = post(client, value="lebih dari  100.000")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["claim"]["id"] == first.get_json()["claim"]["id"]
    assert client.get("/claims").get_json()["total"] == 1


def test_claims_from_four_outlets_about_the_troops_form_one_conflicting_group(client) -> None:
    post(client, value="60.000 hingga 90.000", source={"name": "alinea.id"}, origin="Reuters")
    post(client, subject="Russian troops near the Ukrainian border", value="more than 100,000 troops",
         unit=None, language="en", source={"name": "Pos-Kupang.com"})  # fmt: skip
    post(client, value="94.000", source={"name": "Liputan6.com"}, origin="Al Jazeera", as_of="2021-12-08")
    last = post(client, value="100.000", source={"name": "Kompas.com"}, origin="Reuters", as_of="2022-02-12")
    body = last.get_json()
    assert body["group"]["size"] == 4
    assert body["group"]["conflict"] is True
    relations = {m["claim"]["source"]["name"]: m["relation"] for m in body["matches"]}
    assert relations == {
        "alinea.id": "other_time",
        "Pos-Kupang.com": "other_time",
        "Liputan6.com": "other_time",
    }
    group = client.get(f"/groups/{body['group']['id']}").get_json()
    assert len(group["claims"]) == 4
    explanations = " | ".join(c["explanation"] for c in group["conflicts"])
    assert "60,000–90,000" in explanations and "more than 100,000" in explanations


def test_a_match_on_the_same_day_says_whether_it_agrees_or_conflicts(client) -> None:
    post(client, value="60.000 hingga 90.000", source={"name": "alinea.id"})
    post(client, value="sekitar 80.000", source={"name": "Tempo"})
    body = post(client, value="lebih dari 100.000", source={"name": "Pos-Kupang.com"}).get_json()
    relations = sorted((m["claim"]["source"]["name"], m["relation"]) for m in body["matches"])
    assert relations == [("Tempo", "conflicts"), ("alinea.id", "conflicts")]
    assert all(0 < m["similarity"] <= 1 for m in body["matches"])


def test_three_calls_on_three_dates_are_three_agreeing_groups(client) -> None:
    calls = [
        ("2021-12-07", "lebih dari dua jam", "Liputan6.com"),
        ("2021-12-30", "50 menit", "alinea.id"),
        ("2021-12-30", "hampir satu jam", "Pos-Kupang.com"),
        ("2022-02-12", "sekitar satu jam", "Kompas.com"),
        ("2022-02-12", "lebih dari satu jam", "Bisnis.com"),
    ]
    groups = {}
    for day, value, source in calls:
        body = post(client, subject=CALL, value=value, unit=None, event_date=day, as_of=day,
                    source={"name": source}).get_json()  # fmt: skip
        groups.setdefault(day, set()).add(body["group"]["id"])
    assert all(len(ids) == 1 for ids in groups.values())
    assert len({next(iter(ids)) for ids in groups.values()}) == 3
    for ids in groups.values():
        group = client.get(f"/groups/{next(iter(ids))}").get_json()
        assert group["conflict"] is False
        assert group["consensus"] is not None


def test_a_call_on_another_date_is_offered_as_related_not_joined(client) -> None:
    post(
        client,
        subject=CALL,
        value="50 menit",
        unit=None,
        event_date="2021-12-30",
        source={"name": "alinea.id"},
    )
    body = post(client, subject=CALL, value="sekitar satu jam", unit=None, event_date="2022-02-12",
                source={"name": "Kompas.com"}).get_json()  # fmt: skip
    assert body["group"]["size"] == 1
    assert [m["relation"] for m in body["matches"]] == ["related"]


def test_hard_negatives_never_share_a_group(client) -> None:
    bodies = [
        post(
            client, subject="pertumbuhan ekonomi Indonesia kuartal III 2022", value="5,72 persen", unit=None
        ),
        post(client, subject="pertumbuhan ekonomi Indonesia kuartal II 2022", value="5,44 persen", unit=None),
        post(client, subject="inflasi Indonesia kuartal III 2022", value="5,95 persen", unit=None),
        post(client, subject=TROOPS, value="94.000", unit="tentara"),
        post(client, subject=TROOPS, value="94.000 jam", unit=None, source={"name": "Typo Daily"}),
        post(
            client,
            subject="jumlah tentara Rusia yang ditarik kembali",
            value="sekitar 10.000",
            unit="tentara",
        ),
    ]
    group_ids = [b.get_json()["group"]["id"] for b in bodies]
    assert len(set(group_ids)) == len(group_ids)


def test_get_claim_and_page_of_claims(client) -> None:
    created = post(client).get_json()["claim"]
    assert client.get(f"/claims/{created['id']}").get_json()["subject"] == TROOPS
    post(client, value="100.000", source={"name": "Kompas.com"})
    page = client.get("/claims?source=kompas.com&per_page=1").get_json()
    assert page["total"] == 1 and page["items"][0]["source"]["name"] == "Kompas.com"
    assert client.get("/claims?q=perbatasan&topic=russia-ukraine-crisis").get_json()["total"] == 2
    assert client.get("/claims?page=2&per_page=1").get_json()["items"][0]["source"]["name"] == "Kompas.com"


def test_retraction_keeps_the_claim_and_re_evaluates_its_group(client) -> None:
    post(client, value="60.000 hingga 90.000", source={"name": "alinea.id"})
    wrong = post(client, value="lebih dari 100.000", source={"name": "Pos-Kupang.com"}).get_json()
    assert wrong["group"]["conflict"] is True
    response = client.delete(f"/claims/{wrong['claim']['id']}")
    assert response.status_code == 200
    group = response.get_json()
    assert group["conflict"] is False and group["size"] == 1
    kept = client.get(f"/claims/{wrong['claim']['id']}").get_json()
    assert kept["status"] == "retracted" and kept["retracted_at"]
    assert client.get("/claims").get_json()["total"] == 1
    assert client.get("/claims?include_retracted=true").get_json()["total"] == 2
    again = client.delete(f"/claims/{wrong['claim']['id']}")
    assert again.status_code == 409


def test_english_and_structured_values_share_the_canonical_unit(client) -> None:
    post(client, value={"low": 60000, "high": 90000, "unit": "troops"}, unit=None, source={"name": "A"})
    body = post(client, subject="Russian troops near Ukraine", value="between 60,000 and 90,000 troops",
                unit=None, language="en", source={"name": "B"}).get_json()  # fmt: skip
    assert body["group"]["size"] == 2
    assert body["claim"]["value"]["unit"] == "troop"
    assert [m["relation"] for m in body["matches"]] == ["agrees"]


def test_categorical_claims_agree_across_languages(client) -> None:
    subject = "pihak yang meminta panggilan telepon Biden dan Putin"
    post(client, subject=subject, value={"label": "Rusia"}, unit=None, event_date="2021-12-30")
    body = post(client, subject=subject, value={"label": "Russia"}, unit=None, event_date="2021-12-30",
                source={"name": "Reuters"}).get_json()  # fmt: skip
    assert body["claim"]["value"]["label"] == "Russia"
    assert [m["relation"] for m in body["matches"]] == ["agrees"]
    assert body["group"]["consensus"]["independent_origins"] == 2


def test_the_same_value_written_differently_is_the_same_claim(client) -> None:
    first = post(client, value={"amount": 5}, unit="orang", subject="jumlah korban longsor di Garut")
    assert first.status_code == 201
    for value, unit in [
        ({"amount": 5.0}, "orang"),
        ({"amount": 5, "unit": "orang"}, None),
        ("5 orang", None),
    ]:
        again = post(client, value=value, unit=unit, subject="jumlah korban longsor di Garut")
        assert again.status_code == 200, value
        assert again.get_json()["claim"]["id"] == first.get_json()["claim"]["id"]


def test_timestamps_come_back_in_utc_the_same_every_time(client) -> None:
    created = post(client, published_at="2021-12-31T13:15:00+07:00", as_of=None).get_json()["claim"]
    assert created["published_at"] == "2021-12-31T06:15:00+00:00"
    assert created["as_of"] == "2021-12-31"  # the date where it was published
    assert client.get(f"/claims/{created['id']}").get_json()["published_at"] == created["published_at"]


def test_reposting_a_retracted_claim_is_409_and_does_not_revive_it(client) -> None:
    created = post(client).get_json()
    client.delete(f"/claims/{created['claim']['id']}")
    again = post(client)
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    assert client.get(f"/groups/{created['group']['id']}").get_json()["size"] == 0


def test_figures_just_outside_the_tolerance_conflict_in_the_stored_group_too(client) -> None:
    post(client, value="100", unit="troops", language="en", source={"name": "A"})
    body = post(client, value="104.084", unit="troops", language="en", source={"name": "B"}).get_json()
    assert [m["relation"] for m in body["matches"]] == ["conflicts"]
    assert body["group"]["conflict"] is True
    assert len(body["group"]["conflicts"]) == 1


def test_a_number_never_joins_a_group_of_labels(client) -> None:
    subject = "pihak yang meminta panggilan telepon Biden dan Putin"
    labelled = post(client, subject=subject, value={"label": "Rusia"}, unit=None).get_json()
    numeric = post(client, subject=subject, value="5", unit="labels", source={"name": "B"}).get_json()
    assert numeric["group"]["id"] != labelled["group"]["id"]


def test_text_search_takes_wildcards_literally(client) -> None:
    post(client)
    assert client.get("/claims?q=%25").get_json()["total"] == 0
    assert client.get("/claims?q=_").get_json()["total"] == 0
    assert client.get("/claims?q=tentara").get_json()["total"] == 1


def test_request_schemas_are_made_once_not_for_each_request(client, monkeypatch) -> None:
    import schemas

    assert post(client, value="94.000").status_code == 201  # a nested schema is made on first use
    made: list[type] = []
    for schema in (schemas.ClaimIn, schemas.SourceIn):
        made_before = schema.__init__

        def counting(self, *args, _init=made_before, **kwargs) -> None:  # type: ignore[no-untyped-def]
            made.append(type(self))
            _init(self, *args, **kwargs)

        monkeypatch.setattr(schema, "__init__", counting)
    first = post(client, value="100.000", source={"name": "Kompas.com"})
    again = post(client, value="lebih dari 100.000", source={"name": "Pos-Kupang.com"})
    bad = post(client, value="")
    assert (first.status_code, again.status_code, bad.status_code) == (201, 201, 422)
    assert made == []
    sources = [r.get_json()["claim"]["source"]["name"] for r in (first, again)]
    assert sources == ["Kompas.com", "Pos-Kupang.com"]  # nothing of one request kept for the next
