"""Sources: claim counts, reliability estimated from all claims, near-copies counted once."""

from __future__ import annotations

from service.usecases import estimate_reliability
from tests.api.helpers import post

QUOTE = "Badan Nasional Penanggulangan Bencana mencatat 120 orang meninggal dunia akibat banjir bandang itu."


def _history(client) -> None:
    """Six earlier stories: Antara and Kompas agree; Warta Kilat reports something else each time."""
    places = ["Cibeber", "Sukaresmi", "Pacet", "Cugenang", "Warungkondang", "Gekbrong"]
    for i, place in enumerate(places):
        subject = f"jumlah rumah rusak akibat banjir di kecamatan {place}"
        for source, value in (("Antara", 100 + i), ("Kompas", 100 + i), ("Warta Kilat", 900 + i)):
            post(
                client,
                subject=subject,
                value=f"{value} unit",
                unit=None,
                source={"name": source},
                as_of="2022-03-01",
            )


def _disputed(client) -> str:
    """A new story where only Antara and Warta Kilat report, and disagree."""
    subject = "jumlah pengungsi longsor Cimanggung"
    post(
        client, subject=subject, value="1.200 orang", unit=None, source={"name": "Antara"}, as_of="2022-03-05"
    )
    body = post(client, subject=subject, value="5.000 orang", unit=None, source={"name": "Warta Kilat"},
                as_of="2022-03-05").get_json()  # fmt: skip
    return body["group"]["id"]


def test_sources_are_listed_with_their_counts_before_any_estimate(client) -> None:
    _history(client)
    page = client.get("/sources").get_json()
    assert page["total"] == 3
    by_name = {s["name"]: s for s in page["items"]}
    assert by_name["Antara"]["claims"] == 6 and by_name["Antara"]["groups"] == 6
    assert by_name["Antara"]["reliability"] is None and by_name["Antara"]["estimated_at"] is None
    assert client.get("/sources?q=kilat").get_json()["total"] == 1


def test_reliability_is_learned_from_all_claims_and_weighs_the_consensus(client, ctx) -> None:
    _history(client)
    group_id = _disputed(client)
    assert client.get(f"/groups/{group_id}").get_json()["consensus"] is None  # one against one
    estimate = estimate_reliability(ctx)
    assert estimate.sources == 3 and estimate.claims == 20 and estimate.groups_refreshed >= 1
    antara = client.get("/sources/Antara").get_json()
    kilat = client.get("/sources/warta%20kilat").get_json()
    assert antara["reliability"] > 0.8 > kilat["reliability"]
    assert antara["agreements"] >= 6 and kilat["conflicts"] >= 6
    assert len(antara["latest_claims"]) == 7 and antara["estimated_at"]
    consensus = client.get(f"/groups/{group_id}").get_json()["consensus"]
    assert consensus["low"] == 1200 and "weighed by reliability" in consensus["explanation"]
    assert f"Antara {antara['reliability']:.2f}" in consensus["explanation"]
    # The same data, the same estimate.
    again = estimate_reliability(ctx)
    assert again.groups_refreshed == 0
    assert client.get("/sources/Antara").get_json()["reliability"] == antara["reliability"]


def test_a_claim_whose_quote_copies_another_counts_with_its_origin(client) -> None:
    subject = "jumlah korban meninggal banjir bandang Luwu Utara"
    first = post(client, subject=subject, value="120 orang", unit=None, source={"name": "Antara"},
                 quote=QUOTE, as_of="2020-07-16").get_json()  # fmt: skip
    copy = post(client, subject=subject, value="120 orang", unit=None, source={"name": "Portal Daerah"},
                quote=QUOTE.replace("itu.", "tersebut."), as_of="2020-07-16").get_json()  # fmt: skip
    assert copy["claim"]["copy_of"] == first["claim"]["id"] and copy["claim"]["origin"] == "Antara"
    for source, own in (
        ("Tempo", "Hingga Kamis malam, data posko mencatat 98 korban jiwa di Masamba dan sekitarnya."),
        (
            "Detik",
            "Korban meninggal bertambah menjadi 98 orang, kata Kepala BPBD Luwu Utara kepada wartawan.",
        ),
    ):
        post(client, subject=subject, value="98 orang", unit=None, source={"name": source}, quote=own,
             as_of="2020-07-16")  # fmt: skip
    group = client.get(f"/groups/{first['group']['id']}").get_json()
    # 120 from one origin (Antara, printed twice) against 98 from two: 98 leads.
    assert group["consensus"]["low"] == 98
    assert "2 of 3 independent origins" in group["consensus"]["explanation"]
    assert (group["sources"], group["independent_origins"]) == (4, 3)


def test_an_unknown_source_is_404(client) -> None:
    response = client.get("/sources/Nobody%20Here")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
