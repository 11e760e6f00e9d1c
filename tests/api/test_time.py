"""A group through time: GET /groups/{id}/timeline, and ?as_of= on groups and topics."""

from __future__ import annotations

from tests.api.helpers import post

SUBJECT = "jumlah pengungsi banjir Kalimantan Selatan"


def _story(client) -> str:
    """Three moments: 1,200 (Jan 3); 4,000 vs 6,500 (Jan 15-16); 21,000 (Feb 2)."""
    said = [("1.200 orang", "2022-01-03", "Antara"), ("4.000 orang", "2022-01-15", "Kompas"),
            ("6.500 orang", "2022-01-16", "Tempo"), ("21.000 orang", "2022-02-02", "Detik")]  # fmt: skip
    for value, day, source in said:
        body = post(client, subject=SUBJECT, value=value, unit=None, as_of=day, source={"name": source},
                    topic="Banjir Kalsel").get_json()  # fmt: skip
    return str(body["group"]["id"])


def test_the_timeline_shows_each_moment_with_its_conflicts_and_consensus(client) -> None:
    group_id = _story(client)
    response = client.get(f"/groups/{group_id}/timeline")
    assert response.status_code == 200
    body = response.get_json()
    assert body["group"]["id"] == group_id
    moments = body["moments"]
    assert [(m["from"], m["to"]) for m in moments] == [
        ("2022-01-03", "2022-01-03"),
        ("2022-01-15", "2022-01-16"),
        ("2022-02-02", "2022-02-02"),
    ]
    assert [[c["source"]["name"] for c in m["claims"]] for m in moments] == [
        ["Antara"],
        ["Kompas", "Tempo"],
        ["Detik"],
    ]
    assert [bool(m["conflicts"]) for m in moments] == [False, True, False]
    assert moments[0]["consensus"]["low"] == 1200 and moments[2]["consensus"]["low"] == 21000
    assert moments[1]["consensus"] is None


def test_a_deprecated_claim_leaves_its_moment(client) -> None:
    group_id = _story(client)
    tempo = next(
        c for c in client.get(f"/groups/{group_id}").get_json()["claims"] if c["source"]["name"] == "Tempo"
    )
    client.patch(f"/claims/{tempo['id']}", json={"rank": "deprecated", "reason": "misquote"})
    moments = client.get(f"/groups/{group_id}/timeline").get_json()["moments"]
    assert [c["source"]["name"] for c in moments[1]["claims"]] == ["Kompas"]
    assert moments[1]["consensus"]["low"] == 4000


def test_a_group_as_it_stood_on_a_past_day(client) -> None:
    group_id = _story(client)
    mid_january = client.get(f"/groups/{group_id}?as_of=2022-01-20").get_json()
    assert mid_january["conflict"] is True and mid_january["size"] == 3
    assert {c["source"]["name"] for c in mid_january["claims"]} == {"Antara", "Kompas", "Tempo"}
    now = client.get(f"/groups/{group_id}").get_json()
    assert now["size"] == 4
    before = client.get(f"/groups/{group_id}?as_of=2021-12-31").get_json()
    assert before["size"] == 0 and before["claims"] == [] and before["consensus"] is None


def test_a_topic_as_it_stood_on_a_past_day(client) -> None:
    _story(client)
    january = client.get("/topics/banjir-kalsel/conflicts?as_of=2022-01-20").get_json()
    assert january["topic"]["conflicting_groups"] == 1 and len(january["groups"]) == 1
    early = client.get("/topics/banjir-kalsel/conflicts?as_of=2022-01-05").get_json()
    assert early["groups"] == [] and early["topic"]["groups"] == 1


def test_bad_dates_and_unknown_groups(client) -> None:
    group_id = _story(client)
    response = client.get(f"/groups/{group_id}?as_of=yesterday")
    assert response.status_code == 422 and "as_of" in response.get_json()["errors"]
    assert client.get("/groups/987654/timeline").status_code == 404
    assert client.get("/groups/abc/timeline").status_code == 404
