"""GET /groups, /topics and /topics/{slug}/conflicts."""

from __future__ import annotations

from tests.api.helpers import CALL, post


def _seed_small(client) -> None:
    post(client, value="60.000 hingga 90.000", source={"name": "alinea.id"})
    post(client, value="lebih dari 100.000", source={"name": "Pos-Kupang.com"})
    post(
        client,
        subject=CALL,
        value="50 menit",
        unit=None,
        event_date="2021-12-30",
        source={"name": "alinea.id"},
    )
    post(client, subject="harga BBM di Jakarta", value="Rp10.000 per liter", unit=None, topic="Harga BBM")


def test_topics_count_groups_and_conflicting_groups(client) -> None:
    _seed_small(client)
    topics = {t["slug"]: t for t in client.get("/topics").get_json()}
    assert topics["russia-ukraine-crisis"]["groups"] == 2
    assert topics["russia-ukraine-crisis"]["conflicting_groups"] == 1
    assert topics["harga-bbm"] == {
        "slug": "harga-bbm",
        "label": "Harga BBM",
        "groups": 1,
        "conflicting_groups": 0,
    }


def test_topic_conflicts_list_the_conflicting_groups_with_their_claims(client) -> None:
    _seed_small(client)
    body = client.get("/topics/russia-ukraine-crisis/conflicts").get_json()
    assert body["topic"]["slug"] == "russia-ukraine-crisis"
    assert len(body["groups"]) == 1
    group = body["groups"][0]
    assert group["conflict"] is True
    assert {c["source"]["name"] for c in group["claims"]} == {"alinea.id", "Pos-Kupang.com"}


def test_unknown_topic_is_a_404_problem(client) -> None:
    response = client.get("/topics/nope/conflicts")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_groups_filter_by_conflict_topic_and_fuzzy_label(client) -> None:
    _seed_small(client)
    assert client.get("/groups?conflict=true").get_json()["total"] == 1
    assert client.get("/groups?conflict=false").get_json()["total"] == 2
    assert client.get("/groups?topic=harga-bbm").get_json()["total"] == 1
    found = client.get("/groups?q=tentara rusia").get_json()
    assert found["items"][0]["label"].startswith("jumlah tentara Rusia")
    assert client.get("/groups?q=durasi telepon").get_json()["items"][0]["unit"] == "second"


def test_group_search_meets_the_subject_in_another_language(client) -> None:
    _seed_small(client)
    found = client.get("/groups?q=Russian troops").get_json()
    assert found["items"][0]["label"].startswith("jumlah tentara Rusia")
    assert all(g["unit"] == "troop" for g in found["items"])
    assert client.get("/groups?q=Biden Putin phone call").get_json()["items"][0]["unit"] == "second"


def test_unknown_group_is_a_404_problem(client) -> None:
    for path in ("/groups/999999", "/groups/abc"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["status"] == 404
