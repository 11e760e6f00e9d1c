"""The pages under /ui/, through the Flask test client: status, content, language, escaping, 404s."""

from __future__ import annotations

import re

import pytest

from tests.api.helpers import CALL, post
from tests.conftest import ROOT

TOPIC = "/ui/topics/russia-ukraine-crisis"


@pytest.fixture
def seeded(client) -> dict[str, int]:
    """The troops conflict (two sources), an agreeing call group, and a ruling on one troops claim."""
    low = post(
        client, value="60.000 hingga 90.000", source={"name": "alinea.id", "url": "https://alinea.id/a"},
        quote="Para pemimpin khawatir tentang keberadaan 60.000 hingga 90.000 tentara Rusia.",
    ).get_json()  # fmt: skip
    high = post(
        client, value="lebih dari 100.000", source={"name": "Pos-Kupang.com"}, as_of="2021-12-31",
        quote="Pejabat Ukraina mengatakan lebih dari 100.000 tentara Rusia telah dikirim.",
    ).get_json()  # fmt: skip
    call = {"subject": CALL, "unit": None, "event_date": "2021-12-30"}
    first = post(client, value="50 menit", source={"name": "alinea.id"}, **call).get_json()
    post(client, value="sekitar 50 menit", source={"name": "Pos-Kupang.com"}, **call)
    ruled = client.patch(
        f"/claims/{low['claim']['id']}", json={"rank": "preferred", "reason": "Reuters, dari intelijen AS"}
    )
    assert ruled.status_code == 200, ruled.get_json()
    return {"troops": int(high["group"]["id"]), "call": int(first["group"]["id"])}


def _html(response) -> str:
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def test_the_root_sends_a_browser_to_the_pages(client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ui/")


def test_the_index_lists_topics_with_counts_and_a_search_box(client, seeded) -> None:
    page = _html(client.get("/ui/"))
    row = re.search(r'<tr data-topic="russia-ukraine-crisis">(.*?)</tr>', page, re.S)
    assert row and re.findall(r'<td class="n[^"]*">(\d+)</td>', row.group(1)) == ["2", "1"]
    assert '<label for="q">' in page and 'type="search"' in page
    assert 'href="/ui/sources/alinea.id"' in page


def test_the_topic_page_shows_conflicts_first_each_with_a_chart(client, seeded) -> None:
    page = _html(client.get(TOPIC))
    groups = re.findall(r'<article class="group (\w+)" data-group="(\d+)"', page)
    assert groups == [("conflict", str(seeded["troops"])), ("agrees", str(seeded["call"]))]
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart figures"') == 2
    assert page.index('id="h-conflicts"') < page.index('id="h-agreeing"')
    troops = page[
        page.index(f'data-group="{seeded["troops"]}"') : page.index(f'data-group="{seeded["call"]}"')
    ]
    assert troops.count('class="mark ') == 2
    assert 'class="mark open-above conflict"' in troops and 'class="consensus"' in troops


def test_the_group_page_has_the_chart_timeline_claims_and_rulings(client, seeded) -> None:
    page = _html(client.get(f"/ui/groups/{seeded['troops']}"))
    assert 'class="chart figures large"' in page and 'class="chart timeline"' in page
    assert page.count('<tr id="claim-') == 2
    assert "<mark>60.000 hingga 90.000</mark>" in page  # the figure in its quote
    assert "<mark>lebih dari 100.000</mark>" in page
    assert 'href="https://alinea.id/a"' in page
    assert "Reuters, dari intelijen AS" in page and "diutamakan" in page  # the ruling, in Indonesian
    assert "no overlap" in page  # the conflict's explanation


def test_a_figure_read_from_an_article_is_highlighted_at_its_offsets(client) -> None:
    text = (ROOT / "seeds" / "003_11bcd6a5151a72ac.txt").read_text(encoding="utf-8")
    body = {"text": text, "source": {"name": "Liputan6.com"}, "published_at": "2021-12-08", "language": "id"}
    response = client.post("/documents", json=body)
    assert response.status_code == 201, response.get_json()
    posted = response.get_json()
    troops = next(c for c in posted["claims"] if c["value"]["unit"] == "troop")
    page = _html(client.get(f"/ui/groups/{troops['group_id']}"))
    assert "Ukraina mengatakan <mark>94.000 tentara</mark> Rusia dikerahkan" in page


def test_the_source_page_shows_reliability_and_latest_claims(client, seeded) -> None:
    page = _html(client.get("/ui/sources/alinea.id"))
    assert "<h1>alinea.id</h1>" in page
    assert "belum diperkirakan" in page  # reliability not estimated yet
    assert page.count("<tr data-claim=") == 2


def test_search_finds_groups_in_indonesian_and_english(client, seeded) -> None:
    for q in ("tentara Rusia", "Russian troops"):
        page = _html(client.get("/ui/search", query_string={"q": q}))
        assert re.findall(r'<li data-group="(\d+)">', page)[0] == str(seeded["troops"])
    nothing = _html(client.get("/ui/search?q=zzzzqqq"))
    assert "Tidak ada kelompok yang cocok" in nothing


@pytest.mark.parametrize(
    "path", ["/ui/groups/999999", "/ui/groups/abc", "/ui/topics/nope", "/ui/sources/nobody", "/ui/nope"]
)
def test_unknown_pages_are_html_404s(client, path) -> None:
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    page = _html(response)
    assert "<h1>Not found</h1>" in page and 'href="/ui/"' in page


def test_the_api_keeps_its_json_404s(client) -> None:
    response = client.get("/groups/999999")
    assert response.status_code == 404 and response.content_type == "application/problem+json"


def test_language_follows_accept_language_then_the_switch_which_is_remembered(client, seeded) -> None:
    english = _html(client.get("/ui/", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert '<html lang="en">' in english and "<h1>Topics</h1>" in english
    indonesian = _html(client.get("/ui/", headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"}))
    assert '<html lang="id">' in indonesian and "<h1>Topik</h1>" in indonesian
    assert _html(client.get("/ui/", headers={"Accept-Language": "fr"})).startswith(
        '<!doctype html>\n<html lang="id">'
    )
    assert 'href="/ui/?lang=en"' in indonesian  # the switch
    switched = client.get("/ui/?lang=en", headers={"Accept-Language": "id"})
    assert "<h1>Topics</h1>" in _html(switched)
    assert "lang=en" in switched.headers["Set-Cookie"]
    later = _html(client.get(TOPIC, headers={"Accept-Language": "id"}))  # the cookie wins
    assert '<h2 id="h-conflicts">In conflict</h2>' in later
    assert "Accept-Language" in switched.headers["Vary"]


def test_odd_query_arguments_do_not_break_a_page(client, seeded) -> None:
    for query in ("slug=x&lang=en", "_external=1&endpoint=y&_anchor=%3Cb%3E", "lang=xx", "q=a&q=b"):
        response = client.get(f"{TOPIC}?{query}")
        assert response.status_code == 200, query
        assert "<b>" not in _html(response)
    switch = re.search(r'class="switch" href="([^"]*)"', _html(client.get("/ui/search?q=troops&page=2")))
    assert switch and switch.group(1) == "/ui/search?q=troops&amp;lang=id"  # English was remembered above


def test_hostile_text_is_escaped_everywhere(client) -> None:
    evil = '<script>alert("x")</script>'
    body = post(
        client, subject=f"tentara {evil}", source={"name": f"Evil{evil}", "url": 'https://example.org/"><script>'},
        quote=f"{evil} 94.000 tentara", attributed_to=evil, topic=f"Topik {evil}",
    ).get_json()  # fmt: skip
    assert "group" in body, body
    group_id = body["group"]["id"]
    slug = client.get("/topics").get_json()[0]["slug"]
    pages = [
        f"/ui/groups/{group_id}",
        "/ui/",
        "/ui/search?q=" + evil,
        f"/ui/sources/Evil{evil}",
        f"/ui/topics/{slug}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        page = _html(response)
        assert "<script" not in page, path
    assert "&lt;script&gt;" in _html(client.get(f"/ui/groups/{group_id}"))


def test_pages_have_a_policy_without_inline_script_or_eval(client, seeded) -> None:
    policy = client.get(TOPIC).headers["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe" not in policy and "script-src" not in policy
    css = client.get("/ui/static/ui.css")
    assert css.status_code == 200 and "@media print" in css.get_data(as_text=True)


def test_pages_stay_out_of_the_api_document(client) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    assert not any(p.startswith("/ui") or p == "/" for p in paths)
