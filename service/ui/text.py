"""Every word the pages say, in Indonesian and English, and how numbers and dates are written."""

from __future__ import annotations

from datetime import date, datetime

LANGUAGES = ("id", "en")
DEFAULT = "id"

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "site": "Cek Silang",
        "tagline": "Where news outlets disagree on a figure",
        "skip": "Skip to content",
        "switch": "Bahasa Indonesia",
        "switch_label": "Baca dalam Bahasa Indonesia",
        "topics": "Topics",
        "topic": "Topic",
        "groups": "Groups",
        "open_conflicts": "Open conflicts",
        "no_topics": "No topics yet.",
        "search": "Search",
        "search_label": "Search figures (Indonesian or English)",
        "search_placeholder": "e.g. Russian troops",
        "search_results": "Search results",
        "no_results": "No group matches this search.",
        "conflicts": "In conflict",
        "agreeing": "No conflict: the sources agree",
        "status_conflict": "Conflict",
        "status_agrees": "Sources agree",
        "status_single": "One source",
        "claims": "Claims",
        "sources": "Sources",
        "source": "Source",
        "consensus": "Consensus",
        "no_consensus": "No consensus",
        "event_date": "Event date",
        "unit": "Unit",
        "chart_title": "{label}: each source's figure on one number line",
        "timeline": "Figures over time",
        "timeline_title": "{label}: figures by date",
        "moments": "Moments",
        "from_to": "From – to",
        "value_written": "As written",
        "value_normalised": "Normalised",
        "date": "Date",
        "attribution": "Attributed to",
        "origin": "Origin",
        "quote": "Quote",
        "link": "Link",
        "open_article": "article",
        "conflict_list": "Conflicts",
        "rulings": "Editors' rulings",
        "no_rulings": "No editor has ruled on these claims.",
        "rank": "Rank",
        "reason": "Reason",
        "by": "By",
        "at": "At",
        "claim": "Claim",
        "reliability": "Reliability",
        "not_estimated": "not estimated yet",
        "estimated_at": "estimated",
        "agreements": "Agreements",
        "groups_count": "Groups",
        "latest_claims": "Latest claims",
        "subject": "Subject",
        "group": "Group",
        "not_found": "Not found",
        "not_found_text": "There is nothing here. It may have been removed, or the address is mistyped.",
        "back_home": "Back to the topics",
        "conflict_word": "conflicts",
        "legend": "Bar or dot: a source's figure. Dashed bar with arrow: open-ended (more or less than). "
        "Green band: consensus. ✕ red: in conflict.",
        "api": "JSON API",
        "print": "Printed from Cek Silang",
        "ruled": "ruled by an editor",
        "copy_of": "copy of claim",
    },
    "id": {
        "site": "Cek Silang",
        "tagline": "Di mana media berbeda soal angka",
        "skip": "Langsung ke isi",
        "switch": "English",
        "switch_label": "Read in English",
        "topics": "Topik",
        "topic": "Topik",
        "groups": "Kelompok",
        "open_conflicts": "Konflik terbuka",
        "no_topics": "Belum ada topik.",
        "search": "Cari",
        "search_label": "Cari angka (bahasa Indonesia atau Inggris)",
        "search_placeholder": "mis. tentara Rusia",
        "search_results": "Hasil pencarian",
        "no_results": "Tidak ada kelompok yang cocok.",
        "conflicts": "Bertentangan",
        "agreeing": "Tanpa konflik: sumber sepakat",
        "status_conflict": "Konflik",
        "status_agrees": "Sumber sepakat",
        "status_single": "Satu sumber",
        "claims": "Klaim",
        "sources": "Sumber",
        "source": "Sumber",
        "consensus": "Konsensus",
        "no_consensus": "Tidak ada konsensus",
        "event_date": "Tanggal peristiwa",
        "unit": "Satuan",
        "chart_title": "{label}: angka tiap sumber pada satu garis bilangan",
        "timeline": "Angka dari waktu ke waktu",
        "timeline_title": "{label}: angka menurut tanggal",
        "moments": "Periode",
        "from_to": "Dari – sampai",
        "value_written": "Seperti ditulis",
        "value_normalised": "Dinormalkan",
        "date": "Tanggal",
        "attribution": "Menurut",
        "origin": "Asal",
        "quote": "Kutipan",
        "link": "Tautan",
        "open_article": "artikel",
        "conflict_list": "Konflik",
        "rulings": "Keputusan redaktur",
        "no_rulings": "Belum ada keputusan redaktur atas klaim ini.",
        "rank": "Peringkat",
        "reason": "Alasan",
        "by": "Oleh",
        "at": "Pada",
        "claim": "Klaim",
        "reliability": "Keandalan",
        "not_estimated": "belum diperkirakan",
        "estimated_at": "diperkirakan",
        "agreements": "Kesepakatan",
        "groups_count": "Kelompok",
        "latest_claims": "Klaim terbaru",
        "subject": "Subjek",
        "group": "Kelompok",
        "not_found": "Tidak ditemukan",
        "not_found_text": "Tidak ada apa-apa di sini. Mungkin sudah dihapus, atau alamatnya salah ketik.",
        "back_home": "Kembali ke daftar topik",
        "conflict_word": "bertentangan",
        "legend": "Batang atau titik: angka satu sumber. Batang putus-putus berpanah: terbuka (lebih atau "
        "kurang dari). Pita hijau: konsensus. ✕ merah: bertentangan.",
        "api": "API JSON",
        "print": "Dicetak dari Cek Silang",
        "ruled": "diputuskan redaktur",
        "copy_of": "salinan klaim",
    },
}

HEDGES = {
    "en": {"more_than": "more than", "at_least": "at least", "less_than": "less than", "at_most": "up to"},
    "id": {
        "more_than": "lebih dari",
        "at_least": "setidaknya",
        "less_than": "kurang dari",
        "at_most": "hingga",
    },
}
RANKS = {
    "en": {"preferred": "preferred", "normal": "normal", "deprecated": "set aside"},
    "id": {"preferred": "diutamakan", "normal": "biasa", "deprecated": "dikesampingkan"},
}
MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
    "id": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split(),
}


def choose(asked: str | None, remembered: str | None, accept_language: list[str]) -> str:
    """The page's language: asked for in the URL, else remembered, else the browser's first we have."""
    for candidate in (asked, remembered):
        if candidate in LANGUAGES:
            return candidate
    for tag in accept_language:
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
        if primary == "ms":  # Malay readers read Indonesian
            return "id"
    return DEFAULT


def words(lang: str) -> dict[str, str]:
    return WORDS[lang]


def number(value: float, lang: str) -> str:
    """100,000 in English, 100.000 in Indonesian; decimals only where the figure has them."""
    text = (
        f"{value:,.0f}"
        if value == int(value) or abs(value) >= 1000
        else f"{value:,.2f}".rstrip("0").rstrip(".")
    )
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def day(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"
    if isinstance(value, datetime):
        text += f" {value:%H:%M} UTC"
    return text


def interval(low: float | None, high: float | None, hedge: str, unit: str, lang: str) -> str:
    """A normalised value in words: "more than 100,000 troop", "60,000–90,000 troop"."""
    hedged = HEDGES[lang]
    if low is None and high is None:
        return "—"
    if high is None:
        return f"{hedged.get(hedge, hedged['more_than'])} {number(low or 0, lang)} {unit}"
    if low is None:
        return f"{hedged.get(hedge, hedged['less_than'])} {number(high, lang)} {unit}"
    if low == high:
        return f"{number(low, lang)} {unit}"
    return f"{number(low, lang)}–{number(high, lang)} {unit}"
