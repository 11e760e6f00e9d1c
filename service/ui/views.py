"""The newsroom's pages under /ui/: plain Flask and Jinja, reading through the use cases only.

Kept out of the OpenAPI document (a plain Blueprint, not flask-smorest's). Unknown topics, groups
and sources give an HTML 404 page here, not the API's problem+json.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import NotFound as HttpNotFound

from service import errors, usecases
from service.storage.models import Claim
from service.ui import charts, text
from service.usecases import Context, GroupView

ui = Blueprint("ui", __name__, url_prefix="/ui", template_folder="templates", static_folder="static")

LANG_COOKIE = "lang"
SEARCH_RESULTS = 30
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def ctx() -> Context:
    context: Context = current_app.extensions["ceksilang"]
    return context


def register(app: Flask) -> None:
    app.register_blueprint(ui)
    app.add_url_rule("/", "home", lambda: redirect(url_for("ui.index")))

    # Routing 404s never reach a blueprint's handlers: the app's decides by path.
    @app.errorhandler(HttpNotFound)
    def _not_found(error: HttpNotFound) -> Any:
        if _is_page():
            _pick_language()
            return _not_found_page()
        return errors.from_http_exception(error)


def _is_page() -> bool:
    return request.path == "/ui" or request.path.startswith("/ui/")


@ui.before_request
def _pick_language() -> None:
    g.lang = text.choose(
        request.args.get("lang"),
        request.cookies.get(LANG_COOKIE),
        [tag for tag, _q in request.accept_languages],
    )


@ui.after_request
def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in text.LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=LANG_COOKIE_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@ui.errorhandler(errors.NotFound)
def _unknown(error: errors.NotFound) -> Any:
    return _not_found_page()


def _not_found_page() -> Any:
    return render_template("not_found.html"), 404


@ui.app_context_processor
def _helpers() -> dict[str, Any]:
    if not _is_page():
        return {}
    lang = g.get("lang", text.DEFAULT)
    other = "en" if lang == "id" else "id"
    # The same page in the other language: only the search's own argument is carried over.
    kept = {"q": request.args["q"]} if request.args.get("q") else {}
    switch = url_for(request.endpoint or "ui.index", **{**kept, **(request.view_args or {}), "lang": other})
    return {
        "lang": lang,
        "t": text.words(lang),
        "switch_url": switch,
        "num": lambda v: text.number(v, lang),
        "day": lambda v: text.day(v, lang),
        "interval": lambda c: text.interval(c.value_low, c.value_high, c.value_hedge, c.value_unit, lang),
        "rank_word": lambda r: text.RANKS[lang].get(r, r),
    }


# --- pages -------------------------------------------------------------------------------------


@ui.get("/")
def index() -> str:
    topics = usecases.list_topics(ctx())
    sources = usecases.list_sources(ctx(), q=None, page=1, per_page=20).items
    return render_template("index.html", topics=topics, sources=sources)


@ui.get("/search")
def search() -> str:
    q = request.args.get("q", "").strip()[:200]
    found = (
        usecases.list_groups(ctx(), q=q, topic=None, conflict=None, page=1, per_page=SEARCH_RESULTS).items
        if q
        else []
    )
    return render_template("search.html", q=q, groups=found)


@ui.get("/topics/<slug>")
def topic(slug: str) -> str:
    found = usecases.topic_groups(ctx(), slug)
    cards = [_card(view, large=False) for view in found.groups]
    return render_template(
        "topic.html",
        topic=found.topic,
        conflicting=[c for c in cards if c["group"].conflict],
        agreeing=[c for c in cards if not c["group"].conflict],
    )


@ui.get("/groups/<group_id>")
def group(group_id: str) -> str:
    view = usecases.get_group(ctx(), group_id)
    timeline = usecases.group_timeline(ctx(), group_id)
    rulings = usecases.group_rulings(ctx(), group_id)
    figures = usecases.quote_figures(ctx(), view.claims)
    lang = g.lang
    words = text.words(lang)
    card = _card(view, large=True)
    marks = [_mark(c, card["conflicting"]) for c in view.claims]
    bands = [
        charts.Band(m.consensus["low"], m.consensus["high"], m.start, m.end)
        for m in timeline.moments
        if m.consensus
    ]
    timeline_svg = charts.timeline_chart(
        marks, bands, title=words["timeline_title"].format(label=view.group.label),
        number=lambda v: text.number(v, lang), day=lambda d: text.day(d, lang),
    )  # fmt: skip
    quotes = {c.id: _highlight(c.quote, figures.get(c.id), c.value_text) for c in view.claims}
    return render_template(
        "group.html", card=card, group=view.group, claims=view.claims, quotes=quotes,
        conflicting=card["conflicting"], timeline=timeline, timeline_svg=timeline_svg, rulings=rulings,
    )  # fmt: skip


@ui.get("/sources/<path:name>")
def source(name: str) -> str:
    found = usecases.get_source(ctx(), name)
    return render_template("source.html", source=found)


# --- helpers -----------------------------------------------------------------------------------


def _conflicting_ids(view: GroupView) -> set[int]:
    conflicts = view.group.conflicts or []
    return {int(i) for c in conflicts for i in c.get("claims", []) if str(i).isdigit()}


def _mark(claim: Claim, conflicting: set[int]) -> charts.Mark:
    return charts.Mark(
        source=claim.source_name,
        low=claim.value_low,
        high=claim.value_high,
        text=claim.value_text or claim.value_display_label or claim.value_label or "",
        day=claim.as_of,
        conflicting=claim.id in conflicting,
    )


def _card(view: GroupView, *, large: bool) -> dict[str, Any]:
    """A group with its chart, as the topic and group pages show it."""
    lang = g.lang
    words = text.words(lang)
    conflicting = _conflicting_ids(view)
    consensus = view.group.consensus
    band = charts.Band(consensus["low"], consensus["high"]) if consensus else None
    chart = charts.figure_chart(
        [_mark(c, conflicting) for c in view.claims], band,
        title=words["chart_title"].format(label=view.group.label), number=lambda v: text.number(v, lang),
        large=large, conflict_word=words["conflict_word"], consensus_word=words["consensus"],
    )  # fmt: skip
    if view.group.conflict:
        status = "conflict"
    elif view.group.sources > 1:
        status = "agrees"
    else:
        status = "single"
    consensus_text = (
        text.interval(consensus["low"], consensus["high"], "", consensus["unit"], lang) if consensus else None
    )
    return {
        "group": view.group,
        "claims": view.claims,
        "chart": chart,
        "status": status,
        "conflicting": conflicting,
        "consensus": consensus_text,
    }


def _highlight(quote: str | None, span: tuple[int, int] | None, written: str | None) -> Markup:
    """The quote with its figure in <mark>: at the claim's offsets when known, else at the value's text."""
    if not quote:
        return Markup("")
    if span is None and written:
        at = quote.lower().find(written.lower())
        if at < 0:
            at, written = _first_number(quote, written)
        if at >= 0 and written:
            span = (at, at + len(written))
    if span is None:
        return escape(quote)
    start, end = span
    return Markup("{}<mark>{}</mark>{}").format(quote[:start], quote[start:end], quote[end:])


def _first_number(quote: str, written: str) -> tuple[int, str | None]:
    """Where the first number of the written value stands in the quote (-1 when it does not)."""
    digits = "".join(ch if ch.isdigit() or ch in ".," else " " for ch in written).split()
    for piece in digits:
        piece = piece.strip(".,")
        if piece and (at := quote.find(piece)) >= 0:
            return at, piece
    return -1, None
