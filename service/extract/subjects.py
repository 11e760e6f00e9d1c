"""What a quantity measures, as a short phrase others would use for the same thing.

The phrase is the content of the figure's clause — the words before it back to a reporting verb
or a clause boundary ("BNPB mencatat | 162 orang meninggal dunia akibat gempa Cianjur", "harga
Pertalite naik menjadi | Rp10.000"), and the words after it up to the next boundary — without
function words, dates, clock times and who said it. What the clause leaves out, the article says:
the event it is about and where ("gempa Cianjur"), and the period of a statistic ("kuartal III
2022"). A span of time is the length of an event: "durasi pembicaraan Biden Putin".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from itertools import pairwise, takewhile

from service.domain.values import NUMBER_WORDS
from service.extract.quantities import MONTHS, Quantity, Token

_EVENT_VERBS = {
    "berbicara": "pembicaraan", "bicara": "pembicaraan", "bertelepon": "pembicaraan telepon",
    "bertemu": "pertemuan", "berunding": "perundingan", "talked": "talks", "spoke": "talks", "met": "meeting",
}  # fmt: skip
_EVENT_NOUNS = frozenset(
    """pembicaraan percakapan panggilan telepon sambungan pertemuan rapat sidang perundingan ktt dialog
    gempa banjir longsor kebakaran erupsi kecelakaan pemadaman mogok call talks conversation meeting
    summit earthquake quake flood landslide fire eruption crash outage strike letusan tsunami
    tenggelamnya karamnya tabrakan ledakan floods landslides sinking collision explosion blast wildfire
    derailment""".split()
)
EVENT_WORDS = _EVENT_NOUNS | frozenset(_EVENT_VERBS)
# Verbs of saying and counting: what stands before them is who said it, not what was measured.
_REPORTING = frozenset(
    """mengatakan menyatakan menyebut menyebutkan melaporkan mencatat memperkirakan menjelaskan merinci
    mengungkapkan menuturkan menegaskan said says told reported estimated recorded noted""".split()
)
_SAID_AFTER = frozenset(
    "kata ujar ucap tutur jelas tegas imbuh tambahnya menurut said told according".split()
)
# Function words, time words and fillers: never part of what is measured.
_DROP = (
    frozenset(
        """yang telah sudah akan masih juga itu ini tersebut para sang si sebuah seorang adalah ialah yakni
    yaitu di ke dari pada untuk dengan dalam oleh bahwa sebagai atas bagi terhadap hingga sampai adapun s
    lebih hanya justru bisa terus jadi kita kami mereka dia sepanjang kisaran dibanding dibandingkan
    seiring likely will now normally still only just even also there takes tinggi rendah ditambah tipis
    utama penopang menyumbang terdiri comes warns
    akibat karena sejak setelah terpaksa diduga sebagian besar kedua due after since caused
    sekitar sebanyak sebesar mencapai menjadi tercatat berjumlah kini lagi pun lah update kali
    senin selasa rabu kamis jumat sabtu minggu pukul wib wita wit pagi siang sore malam hari
    the a an of in on at to for by from with as its their this that these those was were is are be
    been has have had which who whose about around more than some over under up per
    monday tuesday wednesday thursday friday saturday sunday""".split()
    )
    | MONTHS
)
_BOUNDARY_PUNCT = frozenset(",;:()\"“”'")
_BOUNDARY_WORDS = frozenset(
    """sementara sedangkan namun tetapi tapi sehingga karena ketika while whereas but because when
    although meski meskipun""".split()
)
_MODALS = frozenset("bisa dapat akan harus masih sudah telah bakal could would will may might can".split())
_COMPASS = frozenset("utara timur selatan barat north east south west eastern western".split())
# Month names long enough not to be other words ("mar", "may" are left out).
_LONG_MONTHS = frozenset(m for m in MONTHS if len(m) > 4 and m not in ("march",))
_PERIOD = re.compile(
    r"\b(kuartal|triwulan|semester|quarter)\s*-?\s*(I{1,3}|IV|[1-4]|pertama|kedua|ketiga|keempat)\b(\s*-?\s*(19|20)\d\d)?|"
    r"\b(first|second|third|fourth)\s+quarter(\s+of)?(\s+(19|20)\d\d)?\b|\bQ[1-4](\s+(19|20)\d\d)?\b|"
    r"(?<![\d/]\s)(?<!\d)\b("
    + "|".join(sorted(_LONG_MONTHS, key=len, reverse=True))
    + r")(\s+(19|20)\d\d)?\b|"
    r"(?<![/\d-])\b((tahun|year)\s+)?(19|20)\d\d\b(?![/-])",
    re.IGNORECASE,
)
NOT_NAMES = frozenset(
    """Presiden Menteri Kepala Juru Bicara Sekretaris Pers Gedung Putih Barat Timur Utara Selatan Tuan
    Senin Selasa Rabu Kamis Jumat Sabtu Minggu Januari Februari Maret April Mei Juni Juli Agustus
    September Oktober November Desember The President Minister Dalam Di Pada Namun Sementara Seorang
    Negeri Paman Sam Amerika Serikat Departemen Luar Penasihat Keamanan Nasional Dia Mereka Rusia
    Russia Ukraina Ukraine Reuters Bloomberg Jazeera Kremlin NATO Eropa Europe Olimpiade Musim Dingin
    Hal Pembicaraan Percakapan Pertemuan Pejabat Seperti Menurut WIB Hingga Update Kabupaten Kota
    Provinsi Jawa""".split()
)
MAX_WORDS = 8
_VALUE_WORDS = frozenset(
    {"rp", "us", "usd", "idr", "persen", "percent", "pct", "poin", "points", "basis", "lipat", "fold"}
)
# Units a price is given per: what is bought, not a span of time or a person.
_GOODS_UNITS = frozenset("liter kg kilogram gram ton karung unit buah lembar porsi barel barrel".split())
# How far from its figure a clause, a place or a measure is looked for, in tokens.
WINDOW = 40
MAX_AFTER = 5
_PREPOSITIONS = frozenset("di ke dari pada dalam untuk kepada in to from at into for on".split())
# "dengan magnitudo terbesar 4,2", "with 40 people missing": what follows is another thing.
_ADDING = _PREPOSITIONS | {"dengan", "with"}
_GENERIC_HEADS = frozenset("orang jiwa warga unit buah kali people persons units times".split())
# Words that join what is measured to its figure: "korban meninggal mencapai 268 orang".
_LINKS = frozenset(
    """mencapai menjadi sebanyak sebesar tercatat berjumlah capai adalah yakni yaitu sekitar hingga
    reached totalled totaled stood at of to was were""".split()
)
# Verbs before a count that change what is counted.
_ACTIONS = frozenset(
    """menarik ditarik kembali memulangkan dipulangkan mengevakuasi dievakuasi menambah menangkap
    withdraw withdrew withdrawing evacuated evacuate arrested""".split()
)
_COUNTRY_WORDS = frozenset(
    """Rusia Russia Ukraina Ukraine AS Amerika China Tiongkok Indonesia Polandia Belarus Jepang Inggris
    Jerman Perancis Prancis Moskwa Moskow Moscow Washington Kyiv Kiev""".split()
)
# Words saying what happened to the people or things counted: they call for the event's name.
_STATES = frozenset(
    """kerusakan pencarian meninggal tewas wafat luka luka-luka terluka hilang mengungsi pengungsi rusak
    hancur terdampak dievakuasi tertimbun dirawat dead killed died injured wounded missing displaced
    evacuated damaged destroyed buried""".split()
)


@dataclass(frozen=True)
class Context:
    """What the article as a whole says: its people, its event and place, its period."""

    participants: tuple[str, ...]
    countries: tuple[str, ...]
    event: tuple[str, ...] = ()  # ("gempa", "Cianjur")
    period: str | None = None  # "kuartal III 2022"
    published: date | None = None
    country: str | None = None  # the country the article names most
    # The disaster or accident the article is about, with its name, in the article's word order:
    # ("erupsi", "Gunung", "Semeru"), ("Bali", "Strait", "ferry", "sinking").
    incident: tuple[str, ...] = ()


def article_context(
    sentences: list[tuple[str, list[Token]]],
    countries: tuple[str, ...],
    published: date | None = None,
    headline: list[Token] | None = None,
) -> Context:
    names: Counter[str] = Counter()
    events: Counter[tuple[str, ...]] = Counter()
    periods: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for text, toks in sentences:
        names.update(set(names_in(toks)))
        for i, tok in enumerate(toks):
            if tok.low in _EVENT_NOUNS - {"telepon", "sambungan", "panggilan", "call"}:
                place = _place_after(toks, i + 1)
                events[(tok.low, *place)] += 1
        periods.update(_normal_period(p, published) for p in _periods(text))
        places.update(_places(toks))
    participants = tuple(name for name, n in names.most_common() if n >= 2)
    event: tuple[str, ...] = ()
    if events:
        nouns: Counter[str] = Counter()
        for key, n in events.items():
            nouns[key[0]] += n
            places.update({key[1]: n} if len(key) > 1 else {})
        noun = nouns.most_common(1)[0][0]
        place = places.most_common(1)[0][0] if places else None
        event = (noun, place) if place else (noun,)
    # An article's frame is its coarsest period: the quarter a GDP story is about, not a month it cites.
    quarters = Counter({p: n for p, n in periods.items() if _first_month(p) and not _is_month(p)})
    period = (quarters or periods).most_common(1)[0][0] if periods else None
    named = Counter(t.text for _, toks in sentences for t in toks if t.text in countries)
    country = named.most_common(1)[0][0] if named else None
    incident = _incident([toks for _, toks in sentences], headline or [])
    if incident and not any(w[:1].isupper() for w in incident) and places:
        # "gempa" where the article is: "gempa Cianjur"; a village or a district inside it is not the
        # incident's name
        inside = {t.text for _, toks in sentences for p, t in pairwise(toks) if p.low in _INSIDE}
        areas = Counter({p: n for p, n in places.items() if p not in inside}) or places
        incident = (*incident, areas.most_common(1)[0][0])
    return Context(participants, countries, event, period, published, country, incident)


def subject_for(sentence: str, toks: list[Token], quantity: Quantity, context: Context) -> str:
    if quantity.value.dimension == "duration":
        words = _duration_subject(toks, quantity, context)
        return " ".join(words)
    if quantity.value.dimension == "people" and (casualty := _casualty_subject(toks, quantity, context)):
        return casualty
    if quantity.value.dimension in ("magnitude", "length") and (measure := _measure_noun(toks, quantity)):
        words = measure  # "kedalaman 10 km", "magnitudo 5,6": a property of the event
    else:
        words = _clause_words(toks, quantity)
    lowered = {w.lower() for w in words}
    if quantity.value.dimension.startswith("count:") and not lowered & _STATES:
        # "Kerusakan juga terjadi pada 31 gedung sekolah, 124 tempat ibadah, ...": the state leads the list
        state = next(
            (
                t.text
                for t in reversed(toks[max(0, quantity.first - 15) : quantity.first])
                if t.low in _STATES
            ),
            None,
        )
        if state:
            words.append(state)
            lowered.add(state.lower())
    about_event = lowered & _STATES or quantity.value.dimension in ("magnitude", "length")
    if about_event and not lowered & EVENT_WORDS:
        words += [w for w in _event_of(toks, context) if w.lower() not in lowered]
    elif context.event and lowered & EVENT_WORDS and not any(w[:1].isupper() for w in words[1:]):
        words += [w for w in context.event[1:] if w.lower() not in lowered]
    periods = [_normal_period(p, context.published) for p in _periods(sentence)]
    if not periods and context.period and _is_statistic(quantity.value.dimension):
        periods = [context.period]
    words = _economy_if_bare_growth(words, quantity.value.dimension)
    named = set(words) & set(context.countries)
    if context.country and _is_statistic(quantity.value.dimension) and not named:
        words.append(context.country)  # "ekonomi tumbuh 5,72 persen": the economy the article is about
    if quantity.value.dimension.startswith("money:") and (per := _PER_UNIT.search(quantity.text)):
        # "Rp14.500 per liter" is a price, whether or not the clause says "harga"
        priced = per.group(1).lower() in _GOODS_UNITS and not lowered & _PRICE_WORDS
        words = (["harga"] if priced else []) + words + ["per", per.group(1)]
    text = " ".join(words)
    # An event is pinned by its date; a statistic by its period, written once and in full.
    if not is_event(text) and periods:
        text = _PERIOD.sub(" ", text) + " " + periods[0]
    return " ".join(text.split())


# What happened to people an incident counts, and how an editor names each count.
_CASUALTY_WORDS = {
    **dict.fromkeys(("meninggal", "tewas", "wafat", "korban jiwa"), ("dead", "id")),
    **dict.fromkeys(("luka", "luka-luka", "terluka", "cedera"), ("injured", "id")),
    **dict.fromkeys(("hilang", "belum ditemukan", "masih dicari", "dalam pencarian"), ("missing", "id")),
    **dict.fromkeys(("mengungsi", "pengungsi"), ("displaced", "id")),
    **dict.fromkeys(("selamat", "diselamatkan"), ("rescued", "id")),
    "dievakuasi": ("evacuated", "id"),
    **dict.fromkeys(("died", "dead", "killed", "deaths", "death", "toll"), ("dead", "en")),
    **dict.fromkeys(("injured", "wounded", "hurt"), ("injured", "en")),
    **dict.fromkeys(("missing", "unaccounted"), ("missing", "en")),
    **dict.fromkeys(("displaced", "evacuees", "homeless"), ("displaced", "en")),
    **dict.fromkeys(("rescued", "survived", "saved"), ("rescued", "en")),
    "evacuated": ("evacuated", "en"),
}  # fmt: skip
_CASUALTY_HEADS = {
    "id": {"dead": "korban meninggal", "injured": "korban luka", "missing": "korban hilang",
           "displaced": "pengungsi", "rescued": "korban selamat", "evacuated": "warga dievakuasi"},
    "en": {"dead": "people killed", "injured": "people injured", "missing": "people missing",
           "displaced": "people displaced", "rescued": "people rescued", "evacuated": "people evacuated"},
}  # fmt: skip
# A verb right before a count that says what happened to it: "killing 160 people", "menewaskan 5 orang".
_CASUALTY_VERBS = {"killing": ("dead", "en"), "menewaskan": ("dead", "id"), "injuring": ("injured", "en"),
                   "melukai": ("injured", "id")}  # fmt: skip
# Words that may stand between a count and what happened to it: "56 orang lainnya mengalami luka-luka",
# "9 orang yang belum ditemukan", "39 people had been rescued".
_CASUALTY_GAP = frozenset(
    """yang lainnya lain mengalami dilaporkan dinyatakan masih sudah telah belum other others were was had
    have has been are still reported confirmed feared believed""".split()
)
# Words that link a count to what was counted before it: "korban meninggal ... bertambah menjadi 14 orang".
_YEAR_WORD = re.compile(r"(?<![/\d-])\b(19|20)\d\d\b(?![/-])")
_COUNT_LINKS = _LINKS | frozenset("sudah bertambah rose climbed risen jumped".split())


def _casualty_at(toks: list[Token], i: int) -> tuple[str, str] | None:
    pair = f"{toks[i].low} {toks[i + 1].low}" if i + 1 < len(toks) else ""
    return _CASUALTY_WORDS.get(pair) or _CASUALTY_WORDS.get(toks[i].low)


def _casualty(toks: list[Token], quantity: Quantity) -> tuple[str, str] | None:
    """What happened to the people a figure counts, when the sentence says it of them: right after
    the count ("14 orang meninggal dunia", "11 were still missing"), as the verb right before it
    ("killing 160 people"), or as the head the count is linked to ("korban meninggal ... bertambah
    menjadi 14 orang", "the death toll rose to 29")."""
    j = quantity.last + 1
    for _ in range(5):
        if j >= len(toks) or _boundary_at(toks, j):
            break
        if found := _casualty_at(toks, j):
            return found
        if toks[j].low not in _CASUALTY_GAP:
            break
        j += 1
    if quantity.first > 0 and (verb := _CASUALTY_VERBS.get(toks[quantity.first - 1].low)):
        return verb
    if not any(t.low in _COUNT_LINKS for t in toks[max(0, quantity.first - 3) : quantity.first]):
        return None
    start = _clause_start(toks, quantity.first)
    return next(
        (found for i in range(start, quantity.first) if (found := _casualty_at(toks, i))),
        None,
    )


def _casualty_subject(toks: list[Token], quantity: Quantity, context: Context) -> str | None:
    """A toll, a count of missing or displaced people is named the way editors name it: what
    happened to them and the incident it happened in ("jumlah korban meninggal erupsi Gunung
    Semeru", "number of people injured in the Lombok landslide")."""
    found = _casualty(toks, quantity)
    if found is None:
        return None
    event = _event_of(toks, context)
    if not event:
        return None
    state, language = found
    head = _CASUALTY_HEADS[language][state]
    if event != list(context.incident) and (year := _YEAR_WORD.search(" ".join(t.text for t in toks))):
        event = [year.group(0), *event]  # another incident than the article's: "the 2018 ... sinking"
    if language == "en":
        return f"number of {head} in the {' '.join(event)}"
    return f"jumlah {head} {' '.join(event)}"


_GROWTH_WORDS = {"pertumbuhan": "ekonomi", "tumbuh": "ekonomi", "growth": "economy", "grew": "economy"}
_BARE = frozenset("angka laju tingkat capaian figure rate pace annual tahunan".split())
_ECONOMY = frozenset("ekonomi perekonomian economy pdb gdp".split())


def _economy_if_bare_growth(words: list[str], dimension: str) -> list[str]:
    """A growth rate that names nothing that grows ("pertumbuhan kuartal II yang sebesar 5,44
    persen", "growth of 5.44 percent") is the economy's: news names a sector when it is another."""
    growth = next((w for w in words if w.lower() in _GROWTH_WORDS), None)
    if dimension != "percent" or growth is None:
        return words
    rest = _PERIOD.sub(" ", " ".join(words)).split()
    others = [w for w in rest if w.lower() not in _GROWTH_WORDS and w.lower() not in _BARE and w.isalpha()]
    return (
        words
        if any(w[:1].islower() or w.lower() in _ECONOMY for w in others)
        else [*words, _GROWTH_WORDS[growth.lower()]]
    )


_LENGTH_NOUNS = frozenset("kedalaman depth jarak distance panjang length lebar width tinggi height".split())


def _measure_noun(toks: list[Token], quantity: Quantity) -> list[str]:
    """What a magnitude or a length is of, when the sentence names it near the figure."""
    if quantity.value.dimension == "magnitude":
        return ["magnitudo"]
    near = sorted(
        range(max(0, quantity.first - 6), min(len(toks), quantity.first + 6)),
        key=lambda i: abs(i - quantity.first),
    )
    return next(([toks[i].low] for i in near if toks[i].low in _LENGTH_NOUNS), [])


def _event_of(toks: list[Token], context: Context) -> list[str]:
    """The event the sentence names (and where), else the one the article is about."""
    for i, tok in enumerate(toks):
        if tok.low in _INCIDENT_NOUNS | _INCIDENT_VERBS.keys() and (hit := _incident_at(toks, i)):
            concept, phrase = hit
            named = {w for w in phrase if w[:1].isupper()}
            same_name = not named or named & set(context.incident)
            if concept == _concept(_incident_noun(context)) and same_name:
                return list(context.incident)  # the article's incident, named in full
            if named:
                return list(phrase)
        if tok.low in _EVENT_NOUNS:
            place = _place_after(toks, i + 1) or ([context.event[1]] if len(context.event) > 1 else [])
            return [tok.text, *place]
    return list(context.incident or context.event)


# Disasters and accidents: what a toll, a count of damage or an evacuation is the result of.
_INCIDENT_NOUNS = frozenset(
    """gempa banjir longsor erupsi letusan kebakaran kecelakaan tabrakan tenggelamnya karamnya tsunami
    ledakan earthquake quake flood floods landslide landslides eruption fire wildfire crash collision
    sinking explosion blast derailment""".split()
)
# English names its incident before it: "the Cianjur earthquake".
_ENGLISH_INCIDENTS = frozenset(
    """earthquake quake flood floods landslide landslides eruption fire wildfire crash collision sinking
    explosion blast derailment""".split()
)
# One incident written in different words: the most written one names the article's incident.
_INCIDENT_CONCEPTS = {
    "letusan": "erupsi", "quake": "earthquake", "floods": "flood", "landslides": "landslide",
    "karamnya": "tenggelamnya", "blast": "explosion",
}  # fmt: skip
# "gempa bumi", "banjir bandang", "kebakaran hutan"; "flash flood".
_INCIDENT_AFTER = frozenset("bumi bandang lahar hutan lahan beruntun maut".split())
_INCIDENT_BEFORE = frozenset("flash forest".split())
# What sank, crashed or burned: "kecelakaan bus", "ferry sinking".
_VEHICLES = frozenset(
    "kapal feri bus kereta pesawat perahu truk minibus ferry boat ship train plane bus truck".split()
)
# Words before a name that are part of it: "Gunung Semeru", "KMP Yunicee", "Danau Toba".
_DESIGNATORS = frozenset("gunung mount mt kmp km kri mv danau lake selat strait sungai pulau".split())
_ADMIN = frozenset(
    "kabupaten kota provinsi kecamatan desa kelurahan regency district village province city".split()
)
_INSIDE = frozenset("kecamatan desa kelurahan dusun village district".split())
_OF_PLACE = frozenset("di in at of off near".split())
# Nouns that follow an event noun as another event: "gempa susulan" (aftershock).
_OTHER_EVENT = frozenset({"susulan"})


def _concept(noun: str) -> str:
    return _INCIDENT_CONCEPTS.get(noun, noun)


def _incident_noun(context: Context) -> str:
    return next((w.lower() for w in context.incident if w.lower() in _INCIDENT_NOUNS), "")


def _name_run(toks: list[Token], j: int, step: int) -> list[str]:
    """Up to three capitalised words from j, going forward (step 1) or back (step -1)."""
    words: list[str] = []
    while 0 <= j < len(toks) and len(words) < 3:
        tok = toks[j]
        if not (tok.text[:1].isupper() and tok.text.isalpha()) or tok.low in _ADMIN:
            break
        if tok.text in NOT_NAMES and not (words and tok.low in _COMPASS) and tok.low not in _DESIGNATORS:
            break
        words.append(tok.text)
        j += step
    return words if step > 0 else words[::-1]


def _incident_at(toks: list[Token], i: int) -> tuple[str, tuple[str, ...]] | None:
    """The incident an incident noun (or verb) at i names: its concept and its phrase with its
    name, in the order the language writes it ("banjir bandang di Luwu Utara" -> "banjir bandang
    Luwu Utara", "the Bali Strait ferry sinking", "a ferry sank in Lake Toba" -> "Lake Toba ferry
    sinking")."""
    if toks[i].low in _INCIDENT_VERBS:
        return _incident_of_verb(toks, i)
    noun = toks[i]
    if i + 1 < len(toks) and toks[i + 1].low in _OTHER_EVENT:
        return None
    after: list[str] = []
    j = i + 1
    if j < len(toks) and toks[j].low in _INCIDENT_AFTER:
        after.append(toks[j].text)
        j += 1
    if j < len(toks) and toks[j].low in _VEHICLES:
        after.append(toks[j].text)
        j += 1
    if j < len(toks) and toks[j].low in _OF_PLACE:
        j += 1
    inside = False
    while j < len(toks) and toks[j].low in _ADMIN:
        inside = inside or toks[j].low in _INSIDE
        j += 1
    # "longsor di Kecamatan Baraka": a place inside the area the incident is named by, not its name
    name = [] if inside else _name_run(toks, j, 1)
    if name or noun.low not in _ENGLISH_INCIDENTS:
        return _concept(noun.low), (noun.text.lower(), *after, *name)
    before: list[str] = []
    k = i - 1
    if k >= 0 and toks[k].low in _INCIDENT_BEFORE:
        before.insert(0, toks[k].text)
        k -= 1
    if k >= 0 and toks[k].low in _VEHICLES:
        before.insert(0, toks[k].text)
        k -= 1
    name = _name_run(toks, k, -1)
    return _concept(noun.low), (*name, *before, noun.text.lower(), *after)


# Verbs that report an incident, and its noun: "a ferry sank in Lake Toba".
_INCIDENT_VERBS = {"sank": "sinking", "capsized": "sinking", "crashed": "crash", "erupted": "eruption",
                   "tenggelam": "tenggelamnya", "karam": "tenggelamnya", "meletus": "letusan"}  # fmt: skip


def _incident_of_verb(toks: list[Token], i: int) -> tuple[str, tuple[str, ...]] | None:
    noun = _INCIDENT_VERBS[toks[i].low]
    vehicle = [toks[i - 1].text] if i > 0 and toks[i - 1].low in _VEHICLES else []
    j = i + 1
    if j < len(toks) and toks[j].low in _OF_PLACE:
        j += 1
    name = _name_run(toks, j, 1)
    if not name:
        return None
    if noun in _ENGLISH_INCIDENTS:
        return _concept(noun), (*name, *vehicle, noun)
    return _concept(noun), (noun, *vehicle, *name)


def _incident(sentences: list[list[Token]], headline: list[Token]) -> tuple[str, ...]:
    """The incident the article is about: the incident noun written most (a headline counts
    twice), with the name written with it most often, in full ("Semeru" -> "Gunung Semeru")."""
    found: Counter[tuple[str, tuple[str, ...]]] = Counter()
    # A headline capitalises every word: a name in it is one the body writes as a name too.
    titled = any(t.low in _INCIDENT_NOUNS for t in headline)
    names = {t.text for toks in sentences for t in toks[1:] if t.text[:1].isupper()} if titled else set()
    for weight, toks in [(2, headline), *((1, t) for t in sentences)]:
        for i, tok in enumerate(toks):
            if tok.low in _INCIDENT_NOUNS and (hit := _incident_at(toks, i)):
                concept, phrase = hit
                if toks is headline:
                    phrase = tuple(w for w in phrase if not w[:1].isupper() or w in names)
                found[(concept, phrase)] += weight
    if not found:
        return ()
    concepts: Counter[str] = Counter()
    for (concept, _), n in found.items():
        concepts[concept] += n
    concept = concepts.most_common(1)[0][0]
    phrases = Counter({p: n for (c, p), n in found.items() if c == concept})
    named = Counter({p: n for p, n in phrases.items() if any(w[:1].isupper() for w in p)})
    phrase = (named or phrases).most_common(1)[0][0]
    return _in_full(phrase, sentences)


def _in_full(phrase: tuple[str, ...], sentences: list[list[Token]]) -> tuple[str, ...]:
    """A one-word name as the article writes it with its designator: "erupsi Semeru" is "erupsi
    Gunung Semeru" when the article says "Gunung Semeru"."""
    names = [i for i, w in enumerate(phrase) if w[:1].isupper()]
    if len(names) != 1 or phrase[names[0]].lower() in _DESIGNATORS:
        return phrase
    at = names[0]
    designators: Counter[str] = Counter()
    for toks in sentences:
        for k in range(1, len(toks)):
            before = toks[k - 1]
            if toks[k].text == phrase[at] and before.low in _DESIGNATORS and before.text[:1].isupper():
                designators[before.text] += 1
    if not designators:
        return phrase
    return (*phrase[:at], designators.most_common(1)[0][0], *phrase[at:])


def _is_statistic(dimension: str) -> bool:
    # A price is pinned by when it held (as_of), not by a period in its subject.
    return dimension in ("percent", "number")


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


def _clause_words(toks: list[Token], quantity: Quantity) -> list[str]:
    """The content words of the figure's clause, the figure and who said it left out."""
    start = _clause_start(toks, quantity.first)
    for i in range(quantity.first - 1, start - 1, -1):
        if toks[i].low in _REPORTING:
            start = i + 1
            break
    end = quantity.last + 1
    while end < min(len(toks), quantity.last + WINDOW) and not _boundary_at(toks, end):
        end += 1
    # After the figure, a place or a destination starts what the clause adds, not what it measures.
    stop = next((k for k in range(quantity.last + 1, end) if toks[k].low in _ADDING), end)
    linked = start < quantity.first and toks[quantity.first - 1].low in _LINKS
    before = [toks[i].text for i in range(start, quantity.first) if _content_at(toks, i)]
    if _to_a_level(toks, quantity.first):
        # "harga Pertalite naik menjadi Rp10.000": the price it came to, not how it changed
        before = [w for w in before if w.lower() not in _CHANGE_VERBS]
    counted = [toks[quantity.last + 1].text] if quantity.noun else []
    after_from = quantity.last + (2 if quantity.noun else 1)
    after = [toks[i].text for i in range(after_from, stop) if _content_at(toks, i)][:MAX_AFTER]
    noun = counted[0].lower() if counted else ""
    if (noun in _CLASSIFIERS and after_from < stop and _content_at(toks, after_from)) or noun in _MEASURES:
        # "62 kali gempa susulan": the noun after a classifier is what is counted; "8.000 ton",
        # "12 tonnes of aid": a measure says how much, the clause says of what
        counted = []
    if quantity.noun is None and quantity.value.dimension in ("troops", "people"):
        counted = [_unit_word(toks, quantity)]
    generic = counted and counted[0].lower() in _GENERIC_HEADS
    if counted and not linked and not generic:
        # "Rusia mengerahkan 100.000 tentaranya di dekat Ukraina": the count says what it is, what
        # follows it says which; of the words before it only whose it is and what is done to it.
        owner = [w for w in before if w in _COUNTRY_WORDS]
        actions = [w for w in before if w.lower() in _ACTIONS]
        described = (
            counted + owner + [w for w in _describing(toks, after_from, end) if w not in owner] + actions
        )
        return described + _place(toks[:end], quantity, described)
    before = [w for w in _object_of(toks, start, quantity.first) if w in before]
    words = before + counted + after
    rest = set(words[1:])
    if not any(_is_name(t) for t in toks[start:end] if t.text in rest):
        words += _place(toks[start:end], _shifted(quantity, start), words)
    return _nearest(words, len(before), MAX_WORDS)


def _clause_start(toks: list[Token], first: int) -> int:
    """Where the figure's clause starts. A clause that opens a change's ends (", dari Rp152,5
    triliun menjadi ...") or follows a place in apposition (", Jawa Timur, bertambah menjadi")
    goes on with the one before the comma: that one says what the figure is."""
    start = first
    while True:
        while start > max(0, first - WINDOW) and not _boundary_before(toks, start):
            start -= 1
        if start < 2 or toks[start - 1].text != "," or first - start >= WINDOW:
            return start
        if toks[start].low in _FROM_TO and start + 1 < len(toks) and toks[start + 1].low in _CURRENCY_WORDS:
            start -= 1  # ", dari Rp152,5 triliun menjadi Rp502,4 triliun": what changed is before
            continue
        # A province is named like a place, its side of the island included ("Jawa Timur").
        names = list(takewhile(_is_place_word, toks[max(0, start - 4) : start - 1][::-1]))
        comma = start - 2 - len(names)
        if names and comma > 0 and toks[comma].text == "," and _is_place_word(toks[comma - 1]):
            start = comma  # "di Kabupaten Lumajang, Jawa Timur, bertambah": a place and its province
            continue
        return start


_FROM_TO = frozenset("dari menjadi from to".split())
_CURRENCY_WORDS = frozenset("rp us$ $ €".split())


def _object_of(toks: list[Token], start: int, first: int) -> list[str]:
    """The content words before the figure, from after the clause's last active verb that has an
    object: "DPR menyepakati | asumsi pertumbuhan ekonomi 5,3 persen" measures the object, not the
    one who acted."""
    words = [toks[i] for i in range(start, first) if _content_at(toks, i)]
    verbs = [i for i in range(start, first) if _active_verb(toks[i])]
    verb = next((i for i in reversed(verbs) if any(t.start > toks[i].start for t in words)), None)
    if verb is not None:
        # Where the one who acted is ("Organda Kota Bandung", "pedagang di Pasar Bogor") stays.
        where = {t.start for t in _where(toks[start:verb])}
        words = [t for t in words if t.start > toks[verb].start or t.start in where]
    return [t.text for t in words]


_REGION_WORDS = frozenset("kota kabupaten provinsi kecamatan desa pasar".split())


def _where(toks: list[Token]) -> list[Token]:
    """Place phrases in a stretch of text: "di" or a region word, then capitalised names."""
    found: list[Token] = []
    for i, tok in enumerate(toks):
        if tok.low not in _REGION_WORDS and tok.low != "di":
            continue
        names = list(takewhile(lambda t: _is_name(t) and t.text not in NOT_NAMES, toks[i + 1 :]))
        if names:
            found += ([tok] if tok.low in _REGION_WORDS else []) + names
    return found


_CLASSIFIERS = frozenset("kali unit buah ekor lembar batang pucuk times".split())
_MEASURES = frozenset("ton tonnes tons liter liters litres barel barrels hektare hectares kuintal".split())
_PRICE_WORDS = frozenset({"harga", "price", "prices", "tarif", "biaya", "cost"})
_PER_UNIT = re.compile(r"(?:\bper\s+|/\s*)([^\W\d_]+)\s*$")
_TO = frozenset("menjadi jadi ke dari to from at".split())
_CHANGE_VERBS = frozenset(
    """naik turun meningkat menurun melonjak bertambah berkurang menguat melemah rose fell rise fall
    increased decreased climbed dropped jumped raised cut eased grew expanded shrank""".split()
)


def _to_a_level(toks: list[Token], first: int) -> bool:
    """A change verb, then "dari"/"menjadi"/"from"/"to", then the figure: the figure is a level the
    change went from or to ("naik dari Rp5.150 menjadi Rp6.800")."""
    window = [t.low for t in toks[max(0, first - 10) : first]]
    return any(w in _TO for w in window) and any(w in _CHANGE_VERBS for w in window)


def _shifted(quantity: Quantity, by: int) -> Quantity:
    return replace(quantity, first=quantity.first - by, last=quantity.last - by)


def _describing(toks: list[Token], start: int, end: int) -> list[str]:
    """Names and states right after a counted noun: "tentara Rusia", "orang meninggal dunia", and
    the second word of a two-word noun ("gedung sekolah", "tempat ibadah")."""
    words = []
    for k, tok in enumerate(toks[start:end]):
        if tok.low in _DROP:
            continue
        if (
            k == 0
            and tok.text.isalpha()
            and tok.text.islower()
            and not _verb_like(tok)
            and tok.low not in _STATES
        ):
            words.append(tok.text)
            continue
        if not (tok.text[:1].isupper() and tok.text.isalpha()) and tok.low not in _STATES:
            break
        words.append(tok.text)
    return words


def _place(toks: list[Token], quantity: Quantity, words: list[str]) -> list[str]:
    """Where: the first place phrase after the figure, else before it; a bare border gets the
    country the sentence names."""
    taken = {w.lower() for w in words}
    after = range(quantity.last + 1, min(len(toks), quantity.last + WINDOW))
    order = [*after, *range(quantity.first - 1, max(-1, quantity.first - WINDOW), -1)]
    for i in order:
        phrase = _place_at(toks, i)
        if not phrase:
            continue
        if not any(w[:1].isupper() for w in phrase):
            country = next((t.text for t in toks if t.text in _COUNTRY_WORDS and t.low not in taken), None)
            phrase += [country] if country else []
        return [w for w in phrase if w.lower() not in taken]
    return []


_PLACE_PREPS = ("di dekat", "di sekitar", "di sepanjang", "di perbatasan", "di wilayah", "di", "near", "in",
                "along", "at")  # fmt: skip
_PLACE_OPENERS = frozenset(p.split()[0] for p in _PLACE_PREPS)
_BORDER = frozenset({"perbatasan", "border"})


def _place_at(toks: list[Token], i: int) -> list[str]:
    """A place phrase starting at token i: a preposition, then names (or a border)."""
    if i >= len(toks) or toks[i].low not in _PLACE_OPENERS:
        return []  # most words open no place: skip the phrase comparisons
    for prep in _PLACE_PREPS:
        size = len(prep.split())
        if " ".join(t.low for t in toks[i : i + size]) != prep:
            continue
        words = [t.text for t in toks[i : i + size]]
        k = i + size
        while k < len(toks) and (_is_name(toks[k]) or toks[k].low in _BORDER or toks[k].low in _COMPASS):
            if toks[k].low not in _COMPASS:  # "perbatasan timur Ukraina": the side adds nothing
                words.append(toks[k].text)
            k += 1
        if len(words) > size:
            return words
    return []


def _is_name(tok: Token) -> bool:
    return tok.text[:1].isupper() and tok.text.isalpha() and tok.low not in _COMPASS


def _is_place_word(tok: Token) -> bool:
    return tok.text[:1].isupper() and tok.text.isalpha()


def _unit_word(toks: list[Token], quantity: Quantity) -> str:
    word = toks[quantity.last].text
    return word[:-3] if word.lower().endswith("nya") and len(word) > 5 else word


def _nearest(words: list[str], at: int, limit: int) -> list[str]:
    """Keep the `limit` words nearest the figure (which stands before words[at])."""
    if len(words) <= limit:
        return words
    order = sorted(range(len(words)), key=lambda i: abs(i - at + 0.5))[:limit]
    return [words[i] for i in sorted(order)]


def _content_at(toks: list[Token], i: int) -> bool:
    """A content word, where "tahun" before a year belongs to the period ("tahun 2022")."""
    if (
        toks[i].low in ("tahun", "year")
        and i + 1 < len(toks)
        and re.fullmatch(r"(19|20)\d\d", toks[i + 1].text)
    ):
        return False
    return _content(toks[i])


def _content(tok: Token) -> bool:
    if not tok.text[:1].isalpha() or tok.low in _DROP or tok.low in _SAID_AFTER or _active_verb(tok):
        return False
    if tok.low in NUMBER_WORDS or tok.low in _VALUE_WORDS:
        return False  # the figure's own words ("persen", "triliun", "Rp"): they are its value
    return not (tok.low in _COMPASS and not tok.text[:1].isupper())


def _boundary_before(toks: list[Token], i: int) -> bool:
    """Whether a clause starts at token i (looking at what precedes it)."""
    prev = toks[i - 1]
    return prev.text in _BOUNDARY_PUNCT or prev.low in _BOUNDARY_WORDS or _coordinating(toks, i - 1)


def _boundary_at(toks: list[Token], i: int) -> bool:
    tok = toks[i]
    if tok.text in _BOUNDARY_PUNCT or tok.text in ".!?" or tok.low in _BOUNDARY_WORDS:
        return True
    return tok.low in _SAID_AFTER or _coordinating(toks, i)


def _coordinating(toks: list[Token], i: int) -> bool:
    """'dan'/'and' that joins two clauses or two figures, not two nouns."""
    if toks[i].low not in ("dan", "and", "serta"):
        return False
    following = toks[i + 1 : i + 3]
    return any(t.low in _MODALS or t.text[:1].isdigit() or _verb_like(t) for t in following)


# meN- verbs: "mem-", "men-", "meng-", "meny-", or "me-" before l, r, w, y, m, n.
_ACTIVE_VERB = re.compile(r"^(mem[bpf]|men[cdjtz]|meng[aeiougkh]|meny[aeiou]|me[lrwymn])[a-z-]{3,}$")
_NOT_VERBS = frozenset("menteri mentega menara menantu merdeka meriam mengkudu".split())
# Active verbs that say what the figure is: a change, a state, a deed done to what is counted, a forecast.
_KEPT_VERBS = frozenset("menaikkan menurunkan memproyeksikan menargetkan".split())


def _active_verb(tok: Token) -> bool:
    """An Indonesian active verb ("mengaku", "menyalurkan", "mengusulkan") says what someone did
    with the figure, not what it measures; a verb of change or state does say it."""
    return tok.text[:2].lower() == "me" and _is_active_verb(tok.low)


@lru_cache(maxsize=4096)
def _is_active_verb(low: str) -> bool:
    if low in _NOT_VERBS or low in _KEPT_VERBS or low in _CHANGE_VERBS or low in _STATES or low in _ACTIONS:
        return False
    if low in _DROP or low in _LINKS or low in _REPORTING:
        return False  # "menjadi", "mencapai": the link to the figure, handled as such
    return low not in EVENT_WORDS and bool(_ACTIVE_VERB.match(low))


def _verb_like(tok: Token) -> bool:
    low = tok.low
    return len(low) > 5 and low.startswith(("me", "ber", "di", "ter")) and low not in ("dirawat", "direktur")


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
        if tok.low in _EVENT_VERBS:
            event = _EVENT_VERBS[tok.low].split()
            break
    if not event:
        event = next(([t.text] for t in toks if t.low in _EVENT_NOUNS), [])
    if not event:  # a span that is no event's length: what the clause says it is
        return ["durasi", *_clause_words(toks, quantity)]
    named = [n for n in names_in(toks) if n not in context.countries]
    names = list(dict.fromkeys(n for n in named if not context.participants or n in context.participants))
    if len(names) < 2:
        names = list(dict.fromkeys([*names, *context.participants[:2]]))[:2]
    return ["durasi", *event, *names]


_PLACE_CUES = frozenset(
    """di kabupaten kota provinsi kecamatan desa mengguncang melanda menimpa in hit struck near""".split()
)


def _places(toks: list[Token]) -> list[str]:
    """Capitalised names written where a place is: "di Cianjur", "Kabupaten Cianjur", "struck Cianjur"."""
    found = []
    for i, tok in enumerate(toks[:-1]):
        if tok.low in _PLACE_CUES:
            following = toks[i + 1]
            if following.low in ("kabupaten", "kota", "provinsi", "kecamatan", "desa") and i + 2 < len(toks):
                following = toks[i + 2]
            if following.text[:1].isupper() and following.text.isalpha() and following.text not in NOT_NAMES:
                found.append(following.text)
    return found


def _place_after(toks: list[Token], i: int) -> list[str]:
    """The proper noun naming where an event happened: "gempa Cianjur", "gempa di Cianjur",
    "earthquake and tsunami in Palu"."""
    if i + 2 < len(toks) and toks[i].low in ("dan", "and") and toks[i + 1].low in _EVENT_NOUNS | {"tsunami"}:
        i += 2
    if i < len(toks) and toks[i].low in ("di", "in", "at"):
        i += 1
    if (
        i < len(toks)
        and toks[i].text[:1].isupper()
        and toks[i].text.isalpha()
        and toks[i].text not in NOT_NAMES
    ):
        return [toks[i].text]
    return []


def _periods(sentence: str) -> list[str]:
    return list(_periods_in(sentence))


@lru_cache(maxsize=512)
def _periods_in(sentence: str) -> tuple[str, ...]:
    # Read once per sentence: the article's frame and each of the sentence's figures ask for it.
    return tuple(m.group(0) for m in _PERIOD.finditer(sentence))


def _normal_period(period: str, published: date | None = None) -> str:
    """One spelling of a period, with its year: a statistic's quarter or month without one is the
    latest such period on or before publication."""
    period = re.sub(r"\s*-\s*", " ", period).strip()
    period = re.sub(r"^(tahun|year)\s+", "", period, flags=re.IGNORECASE)  # "tahun 2022" is 2022
    if published is None or re.search(r"\b(19|20)\d\d\b", period):
        return period
    month = _first_month(period)
    if month is None:
        return period
    year = published.year if month <= published.month else published.year - 1
    return f"{period} {year}"


_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [("januari", "january"), ("februari", "february"), ("maret", "march"), ("april",), ("mei", "may"),
         ("juni", "june"), ("juli", "july"), ("agustus", "august"), ("september",), ("oktober", "october"),
         ("november",), ("desember", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_ROMAN_QUARTER = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4, "pertama": 1, "kedua": 2,
    "ketiga": 3, "keempat": 4, "first": 1, "second": 2, "third": 3, "fourth": 4,
}  # fmt: skip


def _is_month(period: str) -> bool:
    return any(word in _MONTH_NUMBERS for word in period.lower().split())


def _first_month(period: str) -> int | None:
    """The first month of a quarter, a half or a month named in a period."""
    words = period.lower().split()
    for word in words:
        if word in _MONTH_NUMBERS:
            return _MONTH_NUMBERS[word]
        if word.startswith("q") and word[1:].isdigit():
            return 3 * int(word[1:]) - 2
    rank = next((_ROMAN_QUARTER[w] for w in words if w in _ROMAN_QUARTER), None)
    if rank is None:
        return None
    return 6 * rank - 5 if words[0] == "semester" else 3 * rank - 2
