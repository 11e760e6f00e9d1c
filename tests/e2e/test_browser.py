"""The pages in a real browser: Debian's Chromium, driven by Playwright, against the seeded gunicorn server.

Screenshots go to test-artifacts/; the troops group page is also saved as docs/troops-group.png for the
README. Skipped only when /usr/bin/chromium is not installed (make test installs it as root:
.ci/debian-packages).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT, call, seeded_server

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]
if CHROMIUM.exists():
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

ARTIFACTS = ROOT / "test-artifacts"
# No network beyond loopback, nothing in the background: the pages must render on their own.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TOPIC = "Russia-Ukraine crisis"
TROOPS = "tentara Rusia di dekat Ukraina"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ceksilang serve --seed`, as `make run` starts it, on a free port."""
    with seeded_server(tmp_path_factory.mktemp("browser")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(locale="id-ID", viewport={"width": 1100, "height": 900})
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test on any console error (a CSP violation, a missing file)."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    assert errors == []


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _troops_claims(server: str) -> list[dict]:
    body = call(server, "GET", "/topics/russia-ukraine-crisis/conflicts").body
    return next(g for g in body["groups"] if g["unit"] == "troop")["claims"]


def test_every_page_loads(server: str, page: Page, context: BrowserContext) -> None:
    troops = _troops_claims(server)
    group_id = call(server, "GET", f"/claims/{troops[0]['id']}").body["group_id"]
    for name, path in [
        ("index", "/ui/"),
        ("topic", "/ui/topics/russia-ukraine-crisis"),
        ("group", f"/ui/groups/{group_id}"),
        ("source", "/ui/sources/Kompas.com"),
    ]:
        response = page.goto(server + path)
        assert response is not None and response.status == 200, path
        expect(page.locator("h1")).to_be_visible()
        _shot(page, f"page-{name}")
    missing = context.new_page()  # a 404 is logged by the browser's console: not this test's business
    response = missing.goto(server + "/ui/groups/999999")
    assert response is not None and response.status == 404
    assert "text/html" in response.headers["content-type"]
    expect(missing.locator("h1")).to_have_text("Tidak ditemukan")
    _shot(missing, "page-not-found")


def test_the_troops_conflict_is_two_clicks_away_with_one_bar_per_claim(server: str, page: Page) -> None:
    claims = _troops_claims(server)
    assert len(claims) == 4
    page.goto(server + "/")  # redirected to /ui/
    assert page.url.endswith("/ui/")
    page.get_by_role("link", name=TOPIC).click()  # click 1: the topic, its conflicts first
    first = page.locator("section.conflicts article.group").first
    expect(first.get_by_role("link", name=TROOPS)).to_be_visible()
    expect(first.locator("svg.chart .mark")).to_have_count(len(claims))
    expect(first.get_by_role("img")).to_be_visible()
    first.get_by_role("link", name=TROOPS).click()  # click 2: the group
    expect(page.locator("h1")).to_have_text(TROOPS)
    chart = page.locator("svg.chart.figures")
    expect(chart.locator(".mark")).to_have_count(len(claims))
    expect(chart.locator(".mark.conflict")).to_have_count(2)
    expect(chart.locator(".mark.open-above")).to_have_count(1)  # "lebih dari 100.000"
    expect(chart.locator(".consensus")).to_have_count(1)
    expect(page.locator("table.claims tbody tr")).to_have_count(len(claims))
    expect(page.locator("table.claims mark").first).to_be_visible()
    _shot(page, "troops-group")
    page.goto(page.url.split("?")[0] + "?lang=en")  # the README's picture, in the README's language
    page.set_viewport_size({"width": 1000, "height": 900})
    page.screenshot(path=str(ROOT / "docs" / "troops-group.png"), full_page=False)


@pytest.mark.parametrize("query", ["tentara Rusia", "Russian troops"])
def test_search_finds_the_troops_in_either_language(server: str, page: Page, query: str) -> None:
    page.goto(server + "/ui/")
    page.get_by_role("searchbox").fill(query)
    page.keyboard.press("Enter")
    results = page.locator("ol.results li")
    expect(results.first.get_by_role("link", name=TROOPS)).to_be_visible()
    _shot(page, f"search-{query.replace(' ', '-').lower()}")


def test_the_language_switch_changes_the_interface_and_is_remembered(server: str, page: Page) -> None:
    page.goto(server + "/ui/")
    expect(page.locator("html")).to_have_attribute("lang", "id")  # the browser asks for Indonesian
    expect(page.locator("h1")).to_have_text("Topik")
    page.get_by_role("link", name="Read in English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Topics")
    expect(page.get_by_role("button", name="Search")).to_be_visible()
    page.get_by_role("link", name=TOPIC).click()  # remembered on the next page
    expect(page.locator("#h-conflicts")).to_have_text("In conflict")
    _shot(page, "topic-english")
    page.get_by_role("link", name="Baca dalam Bahasa Indonesia").click()
    expect(page.locator("#h-conflicts")).to_have_text("Bertentangan")


def test_the_three_biden_putin_calls_are_agreeing_groups(server: str, page: Page) -> None:
    groups = call(server, "GET", "/groups?topic=russia-ukraine-crisis&per_page=100").body["items"]
    calls = {g["event_date"]: g["id"] for g in groups if g["unit"] == "second" and g["event_date"]}
    assert set(calls) == {"2021-12-07", "2021-12-30", "2022-02-12"}
    page.goto(server + "/ui/topics/russia-ukraine-crisis")
    agreeing = page.locator("section.agreeing")
    for group_id in calls.values():
        card = agreeing.locator(f'article.group[data-group="{group_id}"]')
        expect(card).to_be_visible()
        expect(card).to_contain_text("Biden")
        expect(card.locator(".badge.conflict")).to_have_count(0)
        expect(card.locator("svg.chart .mark.conflict")).to_have_count(0)
        expect(page.locator(f'section.conflicts article[data-group="{group_id}"]')).to_have_count(0)


def test_keyboard_phone_and_print(server: str, page: Page) -> None:
    page.goto(server + "/ui/")
    page.keyboard.press("Tab")  # the first stop skips to the content
    expect(page.locator(".skip")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Cek Silang")).to_be_focused()
    page.set_viewport_size({"width": 375, "height": 740})
    page.get_by_role("link", name=TOPIC).click()
    page.get_by_role("link", name=TROOPS).click()
    page.wait_for_url("**/ui/groups/*")  # measured mid-navigation, the half-built page is wider
    page.wait_for_load_state("load")
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"the page is {wide}px wider than a phone"
    _shot(page, "troops-group-phone")
    page.emulate_media(media="print")
    expect(page.locator("form.search")).to_be_hidden()
    expect(page.locator(".print-only")).to_be_visible()
    _shot(page, "troops-group-print")
