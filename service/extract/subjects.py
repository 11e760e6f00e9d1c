"""What a quantity measures, as a short phrase others would use for the same thing.

The phrase is assembled from parts of the sentence, not copied from it:
- the thing counted or measured: the noun after a count ("94.000 tentara Rusia dikerahkan"), or the
  noun phrase before a linking verb ("Korban meninggal ... mencapai 268 orang", "inflasi ... sebesar
  5,95 persen"), or, for a span of time, the event it is the length of ("durasi pembicaraan Biden
  dan Putin");
- the predicate's direction where it carries one (ditarik, tewas, luka, tumbuh);
- the place ("di dekat Ukraina", "di Cianjur"), completing a bare "perbatasan" with the country
  the sentence names;
- the period the sentence names (kuartal III 2022, Oktober 2022).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.extract.quantities import MONTHS, Quantity, Token

# Verbs and words that link a subject to its figure: "X mencapai 268", "X sebesar 5,95 persen".
_LINKS = frozenset(
    """mencapai menjadi sebanyak sebesar tercatat berjumlah adalah ialah yakni yaitu capai reached
    reach totalled totaled stood was were is are hit of at to""".split()
)
# Verbs whose figure is a change, not a level: kept in the subject ("tumbuh 5,72 persen").
_CHANGE_VERBS = frozenset(
    """tumbuh naik turun meningkat menurun melonjak anjlok merosot bertambah berkurang grew grow rose
    rise fell fall increased decreased climbed dropped jumped""".split()
)
# Spans of time are the length of an event: the verb or noun that names it.
_EVENT_VERBS = {
    "berbicara": "pembicaraan", "bicara": "pembicaraan", "bertelepon": "pembicaraan telepon",
    "bertemu": "pertemuan", "berunding": "perundingan", "talked": "talks", "spoke": "talks",
    "met": "meeting", "lasted": "", "berlangsung": "",
}  # fmt: skip
_EVENT_NOUNS = frozenset(
    """pembicaraan percakapan panggilan telepon sambungan pertemuan rapat sidang perundingan ktt dialog
    gempa banjir longsor kebakaran erupsi kecelakaan pemadaman mogok call talks conversation meeting
    summit earthquake quake flood landslide fire eruption crash outage strike""".split()
)
# Words that describe what happened to the counted people or things.
_STATES = frozenset(
    """meninggal tewas wafat luka luka-luka terluka hilang mengungsi rusak hancur terdampak dievakuasi
    ditarik dipulangkan ditangkap positif sembuh dirawat dead killed died injured wounded missing
    displaced evacuated damaged destroyed withdrawn arrested""".split()
)
_DROP = frozenset(
    """yang telah sudah akan masih juga itu ini tersebut para sang si sebuah seorang the a an its their
    this that these those berulangkali mengatakan menyebut melaporkan mencatat said""".split()
)
_STOP_NP = frozenset(
    """dan atau tetapi namun sementara sedangkan bahwa karena sehingga ketika saat setelah sebelum but
    while when because after before that and""".split()
)
_PLACE_PREPS = ("di dekat", "di sekitar", "di sepanjang", "di perbatasan", "di wilayah", "di", "near", "in",
                "along", "at", "dekat", "sepanjang")  # fmt: skip
# Verbs before a count that say what happens to it.
# Verbs before a count that change what is counted (neutral ones, "mengerahkan", add nothing).
_ACTIONS = frozenset(
    """menarik ditarik memulangkan dipulangkan mengevakuasi dievakuasi menambah menangkap withdraw
    withdrew withdrawing evacuated evacuate arrested""".split()
)
_NEUTRAL_ACTIONS = frozenset(
    ["mengerahkan", "dikerahkan", "mengirim", "dikirim", "deploy", "deployed", "send", "sent"]
)
_COUNTRY_WORDS = frozenset(
    """Rusia Russia Ukraina Ukraine AS Amerika China Tiongkok Indonesia Polandia Belarus Jepang Inggris
    Jerman Perancis Prancis Moskwa Moskow Moscow Washington Kyiv Kiev""".split()
)
NOT_NAMES = frozenset(
    """Presiden Menteri Kepala Juru Bicara Sekretaris Pers Gedung Putih Barat Timur Utara Selatan Tuan
    Senin Selasa Rabu Kamis Jumat Sabtu Minggu Januari Februari Maret April Mei Juni Juli Agustus
    September Oktober November Desember The President Minister Dalam Di Pada Namun Sementara Seorang
    Negeri Paman Sam Amerika Serikat Departemen Luar Negeri Penasihat Keamanan Nasional Dia Mereka
    Rusia Russia Ukraina Ukraine Biden-Putin Reuters Bloomberg Jazeera Kremlin NATO Eropa Europe
    Olimpiade Musim Dingin Hal Pembicaraan Percakapan Pertemuan Sabtu Pejabat Seperti Menurut""".split()
)
_COMPASS = frozenset(
    ["utara", "timur", "selatan", "barat", "north", "east", "south", "west", "eastern", "western"]
)
_PERIOD = re.compile(
    r"\b(kuartal|triwulan|semester|quarter)\s+(I{1,3}|IV|[1-4]|pertama|kedua|ketiga|keempat)\b|"
    r"\b(first|second|third|fourth)\s+quarter\b|\bQ[1-4]\b|"
    r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\s+(19|20)\d\d\b|(?<![/\d])\b(19|20)\d\d\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Context:
    """What the article as a whole says: the people it is about and the places it names."""

    participants: tuple[str, ...]
    countries: tuple[str, ...]


def subject_for(sentence: str, toks: list[Token], quantity: Quantity, context: Context) -> str:
    if quantity.value.dimension == "duration":
        parts = _duration_subject(toks, quantity, context)
    else:
        parts = _measured(toks, quantity) + _owner(toks, quantity)
    parts += _place(toks, quantity, parts, context)
    text = " ".join(parts)
    if not is_event(text):  # an event is pinned by its date; a statistic by its period
        for period in _periods(sentence):
            if period.lower() not in text.lower():
                text += " " + period
    return " ".join(text.split())


EVENT_WORDS = _EVENT_NOUNS | frozenset(_EVENT_VERBS)


def is_event(subject: str) -> bool:
    return any(word.lower() in _EVENT_NOUNS for word in subject.split()) or subject.startswith("durasi ")


def names_in(toks: list[Token]) -> list[str]:
    """People named in a stretch of text: the last word of each run of capitalised words."""
    names: list[str] = []
    run: list[str] = []
    for tok in [*toks, Token(0, 0, ".")]:
        if tok.text[:1].isupper() and tok.text.isalpha() and tok.text not in NOT_NAMES and len(tok.text) > 2:
            run.append(tok.text)
            continue
        if run:
            names.append(run[-1])
            run = []
    return names


def _measured(toks: list[Token], quantity: Quantity) -> list[str]:
    before = _phrase_before(toks, quantity.first)
    after = _noun_after(toks, quantity)
    if before and (after is None or _generic_head(after)):
        return before + (after or [])
    return (after or []) + [w for w in before if w.lower() in _STATES]


def _owner(toks: list[Token], quantity: Quantity) -> list[str]:
    """What the verb before a count does to it ("Rusia akan menarik kembali sekitar 10.000 tentara"),
    and whose the count is when the noun says only "-nya" ("Rusia mengerahkan 100.000 tentaranya")."""
    before = toks[max(0, quantity.first - 4) : quantity.first]
    words = [t.text for t in before if t.low in _ACTIONS or (t.low == "kembali" and t is not before[0])]
    head = toks[quantity.last]
    neutral = any(t.low in _NEUTRAL_ACTIONS for t in before)
    if words or neutral or head.low.endswith("nya"):
        clause = toks[max(0, quantity.first - 8) : quantity.first]
        country = next((t.text for t in reversed(clause) if t.text in _COUNTRY_WORDS), None)
        if country:
            words.insert(0, country)
    return words


def _without_nya(word: str) -> str:
    # "tentaranya": its soldiers; whose is said by the owner, not the suffix
    return word[:-3] if word.lower().endswith("nya") and len(word) > 5 else word


def _generic_head(words: list[str]) -> bool:
    return bool(words) and words[0].lower() in {"orang", "jiwa", "warga", "people", "persons", "unit", "buah"}


def _noun_after(toks: list[Token], quantity: Quantity) -> list[str] | None:
    """The counted noun and what follows it in its clause: "tentara Rusia dikerahkan"."""
    if quantity.value.dimension not in ("troops", "people") and not quantity.value.dimension.startswith(
        "count:"
    ):
        return None
    head = quantity.last + 1 if quantity.noun else quantity.last
    words = [_without_nya(toks[head].text)]
    for tok in toks[head + 1 : head + 6]:
        low = tok.low
        if not tok.text[0].isalpha() or low in _STOP_NP or low in ("di", "in", "near", "dalam", "pada", "on"):
            break
        if low in _DROP:
            continue
        if tok.text[0].isupper() or low in _STATES or low in _CHANGE_VERBS:
            words.append(tok.text)
        else:
            break
    return words


def _phrase_before(toks: list[Token], first: int) -> list[str]:
    """The noun phrase a linking verb joins to the figure: "Korban meninggal (akibat gempa) mencapai"."""
    j = first - 1
    link = None
    while j >= 0 and j >= first - 3:
        if toks[j].low in _LINKS or toks[j].low in _CHANGE_VERBS:
            link = j
            break
        if toks[j].low not in ("menjadi", "hingga", "sekitar", "selama"):
            break
        j -= 1
    if link is None:
        return []
    change = toks[link].low in _CHANGE_VERBS or (link > 0 and toks[link - 1].low in _CHANGE_VERBS)
    start = link
    while (
        start > 0
        and toks[start - 1].text not in (",", ";", ":", "(", '"', "“")
        and toks[start - 1].low not in _STOP_NP
    ):
        start -= 1
    words = [
        t.text for t in toks[start:link] if t.text[0].isalnum() and t.low not in _DROP and t.low not in _LINKS
    ]
    words = _without_attribution(words)
    if change:
        verb = toks[link].text if toks[link].low in _CHANGE_VERBS else toks[link - 1].text
        if toks[link].low in _LINKS and toks[link].low in ("menjadi", "to"):
            return [w for w in words if w != verb]  # "naik menjadi Rp10.000": a level, not a change
        if verb not in words:
            words.append(verb)
    return words


def _without_attribution(words: list[str]) -> list[str]:
    # "BNPB mencatat korban meninggal ..." -> "korban meninggal ..."
    for i, word in enumerate(words):
        if word.lower() in (
            "mencatat",
            "menyebut",
            "melaporkan",
            "mengatakan",
            "memperkirakan",
            "said",
            "reported",
        ):
            return words[i + 1 :]
    return words


def _duration_subject(toks: list[Token], quantity: Quantity, context: Context) -> list[str]:
    event: list[str] = []
    window = toks[max(0, quantity.first - 20) : quantity.first]
    for i in range(len(window) - 1, -1, -1):
        tok = window[i]
        if tok.low in _EVENT_NOUNS:
            event = [tok.text]
            # "sambungan telepon", "pertemuan virtual", "panggilan telepon"
            if i + 1 < len(window) and window[i + 1].low in ("telepon", "virtual", "daring", "phone"):
                event.append(window[i + 1].text)
            elif i > 0 and window[i - 1].low in _EVENT_NOUNS:
                event.insert(0, window[i - 1].text)
            break
        if _EVENT_VERBS.get(tok.low):
            event = _EVENT_VERBS[tok.low].split()
            break
    if not event:
        event = _first_event_noun(toks)
    named = [n for n in names_in(toks) if n not in context.countries]
    names = list(dict.fromkeys(n for n in named if not context.participants or n in context.participants))
    if len(names) < 2:
        names = list(dict.fromkeys([*names, *context.participants[:2]]))[:2]
    return ["durasi", *event, *names]


def _first_event_noun(toks: list[Token]) -> list[str]:
    return next(([t.text] for t in toks if t.low in _EVENT_NOUNS), [])


def _place(toks: list[Token], quantity: Quantity, parts: list[str], context: Context) -> list[str]:
    """Where: the first place phrase after the figure, else before it; a bare border gets its country."""
    if quantity.value.dimension == "duration":
        return []
    lowered = {p.lower() for p in parts}
    order = list(range(quantity.last + 1, len(toks))) + list(range(quantity.first - 1, -1, -1))
    for i in order:
        phrase = _place_at(toks, i)
        if phrase:
            named = [w for w in phrase if w[0].isupper()]
            if not named:
                country = next(
                    (c for c in context.countries if c.lower() not in lowered and c in _words(toks)), None
                )
                phrase += [country] if country else []
            return [w for w in phrase if w.lower() not in lowered]
    country = next((c for c in context.countries if c.lower() not in lowered and c in _words(toks)), None)
    return [country] if country and any(w.lower() in ("perbatasan", "border") for w in _words(toks)) else []


def _words(toks: list[Token]) -> list[str]:
    return [t.text for t in toks]


def _place_at(toks: list[Token], i: int) -> list[str]:
    for prep in _PLACE_PREPS:
        size = len(prep.split())
        if " ".join(t.low for t in toks[i : i + size]) != prep:
            continue
        words = [toks[k].text for k in range(i, i + size)]
        k = i + size
        while k < len(toks) and (
            toks[k].text[0].isupper()
            or toks[k].low in ("perbatasan", "border", "timur", "utara", "selatan", "barat")
        ):
            if toks[k].low not in _COMPASS or (
                toks[k].text[0].isupper()
                and k > i + size
                and toks[k - 1].text[0].isupper()
                and toks[k - 1].low not in _COMPASS
            ):
                words.append(toks[k].text)
            k += 1
        if len(words) > size and not all(w.lower() in _COMPASS for w in words[size:]):
            return words
        if any(w.lower() in ("perbatasan", "border") for w in words):
            return words
    return []


def _periods(sentence: str) -> list[str]:
    return [m.group(0) for m in _PERIOD.finditer(sentence)]
