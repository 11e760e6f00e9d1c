"""PATCH /claims/{id}: editors' rulings bind the verdicts, and are kept with who, when and why."""

from __future__ import annotations

import pytest

from service.app import create_app
from service.storage import repository as repo
from tests.api.helpers import post
from tests.conftest import TestConfig


def _troops(client) -> dict[str, str]:
    ids = {}
    for value, source in (("60.000 hingga 90.000", "alinea.id"), ("lebih dari 100.000", "Pos-Kupang.com"),
                          ("lebih dari 100.000", "Tempo")):  # fmt: skip
        ids[source] = post(client, value=value, source={"name": source}).get_json()["claim"]["id"]
    return ids


def _rule(client, claim_id: str, rank: str, reason: str = "checked against the ministry's release", **kw):
    return client.patch(f"/claims/{claim_id}", json={"rank": rank, "reason": reason}, **kw)


def test_deprecating_a_claim_takes_it_out_of_the_verdicts_but_not_out_of_the_group(client) -> None:
    ids = _troops(client)
    response = _rule(client, ids["alinea.id"], "deprecated", "misquote")
    assert response.status_code == 200
    group = response.get_json()
    assert group["conflict"] is False and group["conflicts"] == []
    assert group["size"] == 2
    listed = {c["id"]: c for c in group["claims"]}
    assert listed[ids["alinea.id"]]["rank"] == "deprecated"
    ruling = listed[ids["alinea.id"]]["ruling"]
    assert ruling["rank"] == "deprecated" and ruling["reason"] == "misquote" and ruling["by"] and ruling["at"]
    assert group["consensus"]["low"] == 100000 and group["consensus"]["ruled"] is False
    # Back to the machine: the conflict returns.
    again = _rule(client, ids["alinea.id"], "normal", "misquote was ours").get_json()
    assert again["conflict"] is True and again["size"] == 3


def test_a_preferred_claim_sets_the_consensus_whatever_the_count(client) -> None:
    ids = _troops(client)
    group = _rule(client, ids["alinea.id"], "preferred", "confirmed by official data").get_json()
    consensus = group["consensus"]
    assert (consensus["low"], consensus["high"]) == (60000, 90000)
    assert consensus["ruled"] is True and consensus["confidence"] == 1.0
    assert (
        "alinea.id" in consensus["explanation"] and "confirmed by official data" in consensus["explanation"]
    )
    assert group["conflict"] is True  # a ruling settles the consensus; the outlets still disagree
    claim = client.get(f"/claims/{ids['alinea.id']}").get_json()
    assert claim["rank"] == "preferred" and claim["ruling"]["reason"] == "confirmed by official data"


def test_retracting_the_preferred_claim_gives_the_consensus_back_to_the_count(client) -> None:
    ids = _troops(client)
    _rule(client, ids["alinea.id"], "preferred")
    group = client.delete(f"/claims/{ids['alinea.id']}").get_json()
    assert group["consensus"]["ruled"] is False and group["consensus"]["low"] == 100000
    assert _rule(client, ids["alinea.id"], "normal").status_code == 409


def test_retracting_a_deprecated_claim_counts_it_out_once(client) -> None:
    ids = _troops(client)
    _rule(client, ids["Tempo"], "deprecated")
    group = client.delete(f"/claims/{ids['Tempo']}").get_json()
    assert group["size"] == 2 and group["conflict"] is True


def test_every_ruling_is_kept_for_audit(client, ctx) -> None:
    ids = _troops(client)
    _rule(client, ids["Tempo"], "deprecated", "superseded")
    _rule(client, ids["Tempo"], "normal", "superseded by nothing after all")
    with ctx.db.reading() as session:
        rulings = repo.rulings_of(session, int(ids["Tempo"]))
    assert [(r.rank, r.reason) for r in rulings] == [
        ("deprecated", "superseded"),
        ("normal", "superseded by nothing after all"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"rank": "preferred"}, "reason"), ({"rank": "best", "reason": "x"}, "rank"),
     ({"rank": "preferred", "reason": "  "}, "reason"),
     ({"rank": "preferred", "reason": "x" * 301}, "reason")],
)  # fmt: skip
def test_a_ruling_needs_a_known_rank_and_a_reason(client, body, field) -> None:
    ids = _troops(client)
    response = client.patch(f"/claims/{ids['Tempo']}", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert client.get(f"/claims/{ids['Tempo']}").get_json()["rank"] == "normal"


def test_ruling_an_unknown_claim_is_404(client) -> None:
    assert _rule(client, "424242", "preferred").status_code == 404


def test_the_ruling_names_the_key_and_read_keys_may_not_rule(database_url: str, app, tmp_path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("desk s3cret-desk write\nwall s3cret-wall read\n")
    config = TestConfig(database_url)
    config.API_KEYS_FILE = str(keys)
    keyed_app = create_app(config)
    client = keyed_app.test_client()
    desk = {"Authorization": "Bearer s3cret-desk"}
    claim_id = post(client, headers=desk).get_json()["claim"]["id"]
    assert (
        _rule(client, claim_id, "preferred", headers={"Authorization": "Bearer s3cret-wall"}).status_code
        == 403
    )
    assert _rule(client, claim_id, "preferred").status_code == 401
    group = _rule(client, claim_id, "preferred", headers=desk).get_json()
    assert group["claims"][0]["ruling"]["by"] == "desk"
    keyed_app.extensions["ceksilang"].db.dispose()
