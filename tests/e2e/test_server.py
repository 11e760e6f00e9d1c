"""The real thing: `ceksilang serve --seed` under gunicorn on a free port, driven over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import seeded_server

pytestmark = pytest.mark.e2e


def _call(base: str, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ceksilang serve --seed`, as `make run` starts it, on a free port."""
    with seeded_server(tmp_path_factory.mktemp("e2e")) as base:
        yield base


def test_the_seeded_troops_group_is_a_conflict_with_every_figure(server: str) -> None:
    status, _, body = _call(server, "GET", "/topics/russia-ukraine-crisis/conflicts")
    assert status == 200
    troops = [g for g in body["groups"] if g["unit"] == "troop"]
    assert len(troops) == 1
    claims = troops[0]["claims"]
    figures = {(c["value"]["low"], c["value"]["high"]) for c in claims}
    assert figures == {(60000, 90000), (94000, 94000), (100000, 100000), (100000, None)}
    assert all(c["source"]["name"] and c["as_of"] and c["quote"] for c in claims)


def test_the_three_calls_are_three_agreeing_groups(server: str) -> None:
    _, _, page = _call(server, "GET", "/groups?q=durasi&per_page=100")
    durations = [g for g in page["items"] if g["unit"] == "second" and g["event_date"]]
    by_date = {g["event_date"]: g for g in durations}
    assert {"2021-12-07", "2021-12-30", "2022-02-12"} <= set(by_date)
    assert not any(g["conflict"] for g in by_date.values())
    assert by_date["2021-12-30"]["size"] == 2 and by_date["2022-02-12"]["size"] == 2


def test_posting_over_http_returns_the_matching_evidence_and_is_idempotent(server: str) -> None:
    claim = {
        "subject": "Russian troops near Ukraine",
        "value": "more than 100,000",
        "unit": "troops",
        "source": {"name": "The Guardian"},
        "as_of": "2021-12-30",
        "language": "en",
    }
    status, headers, body = _call(server, "POST", "/claims", claim)
    assert status == 201, body
    assert headers["Content-Type"] == "application/json"
    joined = {
        m["claim"]["source"]["name"]: m["relation"] for m in body["matches"] if m["relation"] != "related"
    }
    assert joined == {"alinea.id": "conflicts", "Pos-Kupang.com": "agrees",
                      "Liputan6.com": "other_time", "Kompas.com": "other_time"}  # fmt: skip
    related = [m["claim"] for m in body["matches"] if m["relation"] == "related"]
    assert all(claim["group_id"] != body["group"]["id"] for claim in related)
    status, _, again = _call(server, "POST", "/claims", claim)
    assert status == 200 and again["claim"]["id"] == body["claim"]["id"]


def test_errors_over_http_are_problem_json(server: str) -> None:
    status, headers, body = _call(server, "POST", "/claims", {"subject": "x"})
    assert status == 422
    assert headers["Content-Type"] == "application/problem+json"
    assert {"value", "source", "subject"} <= set(body["errors"])


def test_the_contract_and_the_docs_are_served(server: str) -> None:
    status, _, spec = _call(server, "GET", "/openapi.json")
    assert status == 200 and "/claims" in spec["paths"]
    with urllib.request.urlopen(server + "/docs", timeout=10) as response:
        assert b"swagger" in response.read().lower()


def test_concurrent_posts_about_a_new_subject_make_one_group(server: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def post(i: int) -> tuple[int, Any]:
        claim = {
            "subject": "jumlah pengungsi erupsi Gunung Semeru",
            "value": f"{2000 + i * 10} orang",
            "source": {"name": f"outlet {i}"},
            "as_of": "2021-12-05",
        }
        status, _, body = _call(server, "POST", "/claims", claim)
        return status, body

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, range(40)))
    assert {status for status, _ in results} == {201}
    groups = {body["group"]["id"] for _, body in results}
    assert len(groups) == 1
    _, _, group = _call(server, "GET", f"/groups/{groups.pop()}")
    assert group["size"] == 40 and group["sources"] == 40


def _troops_group(server: str) -> str:
    _, _, body = _call(server, "GET", "/topics/russia-ukraine-crisis/conflicts")
    return next(g["id"] for g in body["groups"] if g["unit"] == "troop")


def test_the_troops_consensus_counts_the_reuters_reports_as_one_origin(server: str) -> None:
    _, _, group = _call(server, "GET", f"/groups/{_troops_group(server)}")
    reuters = [c for c in group["claims"] if c["origin"] == "Reuters"]
    assert len(reuters) == 2 and len({c["source"]["name"] for c in reuters}) == 2
    origins = {c["origin"] or c["source"]["name"] for c in group["claims"]}
    assert f"of {len(origins)} independent origins" in group["consensus"]["explanation"]
    assert len(origins) == len(group["claims"]) - 1


def test_the_troops_timeline_reads_as_the_story_went(server: str) -> None:
    status, _, timeline = _call(server, "GET", f"/groups/{_troops_group(server)}/timeline")
    assert status == 200
    # (Another test of this module adds The Guardian's "more than 100,000" of December 30.)
    figures = [
        sorted({(c["value"]["low"], c["value"]["high"]) for c in m["claims"]}) for m in timeline["moments"]
    ]
    assert figures == [[(94000, 94000)], [(60000, 90000), (100000, None)], [(100000, 100000)]]
    assert [bool(m["conflicts"]) for m in timeline["moments"]] == [False, True, False]
    assert [m["from"][:7] for m in timeline["moments"]] == ["2021-12", "2021-12", "2022-02"]
    # In early January the picture was the December disagreement; in mid-December there was none.
    _, _, january = _call(server, "GET", f"/groups/{_troops_group(server)}?as_of=2022-01-05")
    assert january["conflict"] is True and len(january["claims"]) >= 3
    _, _, december = _call(server, "GET", "/topics/russia-ukraine-crisis/conflicts?as_of=2021-12-10")
    assert december["groups"] == [] and december["topic"]["conflicting_groups"] == 0
