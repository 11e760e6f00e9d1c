"""Values as news writes them -> intervals in one canonical unit per dimension.

Pure Python: no Flask, no SQLAlchemy. Tolerances live in tolerance.py.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from service.domain import tolerance as tol

# Hedge names stored with every value (the API's value.hedge).
EXACT = "exact"
ABOUT = "about"
MORE_THAN = "more_than"  # open above, excludes the value
AT_LEAST = "at_least"  # closed above, includes the value
LESS_THAN = "less_than"
AT_MOST = "at_most"  # "up to", "hingga" with one number
NEARLY = "nearly"
JUST_OVER = "just_over"
RANGE = "range"
VAGUE = "vague"
LABEL = "label"

HEDGES = (EXACT, ABOUT, MORE_THAN, AT_LEAST, LESS_THAN, AT_MOST, NEARLY, JUST_OVER, RANGE, VAGUE, LABEL)


class UnparseableValue(ValueError):
    """The text cannot be read as a value; never guessed."""

    def __init__(self, text: str, reason: str, field: str = "value") -> None:
        super().__init__(f"cannot read {text!r}: {reason}")
        self.text = text
        self.reason = reason
        self.field = field


@dataclass(frozen=True, slots=True)
class Value:
    """A claim's value: the bounds the words give, in the canonical unit of its dimension."""

    text: str | None
    low: float | None
    high: float | None
    unit: str  # canonical unit: "troop", "person", "second", "percent", "IDR", "" for a bare number, "label"
    # "troops", "people", "duration", "percent", "money:IDR", "magnitude", "length", "number", "label"
    dimension: str
    hedge: str
    label: str | None = None  # categorical values only: the normalised label
    display_label: str | None = None  # categorical values only: the label as given


Unit = tuple[str, str, float]
Token = tuple[str, str]  # (kind, text)
Bound = float | None
BARE: Unit = ("number", "", 1.0)

# (dimension, canonical unit, factor to it) -> the words news uses for it
_UNIT_WORDS: dict[Unit, str] = {
    ("troops", "troop", 1): "tentara, pasukan, personel, prajurit, serdadu, troops, troop, soldiers, "
    "soldier, personnel, forces",
    ("people", "person", 1): "orang, jiwa, korban, warga, penduduk, penumpang, pengungsi, people, persons, "
    "person, residents, resident, victims, victim, passengers, passenger, refugees, refugee, individuals",
    ("duration", "second", 1): "detik, second, seconds, sec, secs",
    ("duration", "second", 60): "menit, minute, minutes, min, mins",
    ("duration", "second", 3600): "jam, hour, hours, hr, hrs",
    ("duration", "second", 86_400): "hari, day, days",
    ("duration", "second", 7 * 86_400): "pekan, minggu, week, weeks",
    ("duration", "second", 30 * 86_400): "bulan, month, months",
    ("duration", "second", 365 * 86_400): "tahun, year, years",
    ("percent", "percent", 1): "persen, %, percent, per cent, pct, persen poin, poin persentase, "
    "percentage point, percentage points",
    ("money:IDR", "IDR", 1): "rp, rupiah, idr",
    ("money:USD", "USD", 1): "$, us$, usd, dolar, dollar, dollars, dolar as, dolar amerika, us dollars",
    ("money:EUR", "EUR", 1): "€, euro, euros, eur",
    ("magnitude", "magnitude", 1): "magnitudo, bermagnitudo, magnitude, sr, skala richter, richter, "
    "richter scale",
    ("length", "meter", 1): "m, meter, meters, metre, metres",
    ("length", "meter", 1000): "km, kilometer, kilometers, kilometre, kilometres",
    ("length", "meter", 0.01): "cm, sentimeter, centimeter, centimeters",
    ("length", "meter", 1609.344): "mil, mile, miles",
    ("length", "meter", 0.3048): "kaki, feet, foot, ft",
}
# News writes these before the number ("Rp10.000", "$1.2 billion", "magnitudo 5,6").
_PREFIX_DIMENSIONS = ("money:", "magnitude")
_NON_NEGATIVE = ("troops", "people", "duration", "length", "count:")

_HEDGE_WORDS = {
    ABOUT: "sekitar, sekira, kira-kira, kurang lebih, lebih kurang, about, around, approximately, roughly, "
    "some",
    MORE_THAN: "lebih dari, lebih daripada, di atas, more than, over, above, upwards of",
    JUST_OVER: "just over, sedikit di atas, sedikit lebih dari, slightly more than, slightly over",
    AT_LEAST: "setidaknya, sedikitnya, paling sedikit, minimal, sekurang-kurangnya, at least, no fewer than, "
    "no less than",
    LESS_THAN: "kurang dari, di bawah, less than, under, below, fewer than",
    NEARLY: "hampir, nyaris, mendekati, nearly, almost, close to",
    AT_MOST: "up to, paling banyak, maksimal, at most, as many as, no more than",
}
# Hedges written after the number: "100.000 lebih tentara", "satu jam lebih", "500 or more".
_POST_HEDGE_WORDS = {MORE_THAN: "lebih", AT_LEAST: "or more, ke atas", ABOUT: "or so"}


def _words(text: str) -> list[str]:
    return text.split()


def _each(words: str, op: str, start: float = 0, step: float = 1) -> dict[str, tuple[tuple[str, float], ...]]:
    return {w: ((op, start + step * n),) for n, w in enumerate(_words(words))}


# Number words as operations on (total, group, small); see _compose.
_NUMBER_OPS: dict[str, tuple[tuple[str, float], ...]] = {
    **_each("nol satu dua tiga empat lima enam tujuh delapan sembilan", "val"),
    **_each(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen",
        "val",
    ),
    **_each("twenty thirty forty fifty sixty seventy eighty ninety", "tens", 20, 10),
    **_each("setengah half", "half", 0.5, 0),
    **_each("ribu rb thousand k", "scale", 1e3, 0),
    **_each("juta jt million mn", "scale", 1e6, 0),
    **_each("miliar milyar billion bn", "scale", 1e9, 0),
    **_each("triliun trillion", "scale", 1e12, 0),
    **_each("ratus hundred", "mul", 100, 0),
    "puluh": (("mul", 10),),
    "dozen": (("mul", 12),),
    "belas": (("teen", 10),),
    "half a": (("half", 0.5),),
    "half an": (("half", 0.5),),
    "and a half": (("half", 0.5),),
}
_STARTERS = {"val", "tens", "half"}
# Which operation may follow which inside one spoken number.
_NEXT = {
    "val": {"mul", "scale", "teen", "half"},
    "tens": {"val", "scale", "mul"},
    "teen": {"scale", "mul"},
    "mul": {"val", "tens", "scale"},
    "scale": {"val", "tens"},
    "half": {"scale"},
}
_SEPARATORS = {"hingga": AT_MOST, "sampai": AT_MOST, "sampai dengan": AT_MOST, "to": None}
_OPENERS = ("antara", "between", "from", "dari")

_ID_WORDS = frozenset(
    _words(
        "yang dan di ke dari untuk dengan tidak ini itu telah akan sekitar lebih kurang pada dalam oleh "
        "bahwa juga sudah ada atau karena kata menurut adalah tersebut para saat seperti namun masih bisa "
        "belum setelah kepada hingga sampai antara sebanyak sebagai mereka hampir sejak selama berlangsung "
        "juta ribu rb jt miliar milyar triliun persen menit jam detik hari pekan bulan tahun orang tentara "
        "pasukan rupiah rp puluhan ratusan ribuan setidaknya sedikitnya nyaris kira-kira"
    )
)
_EN_WORDS = frozenset(
    _words(
        "the and of to in that with was were is are for on by from about more than it as at said has have "
        "had this be an a his her their which who would will not but over after around nearly almost least "
        "between thousand million billion trillion hundred percent people troops soldiers hours minutes some"
    )
)

# Indonesian and English names of one country or body -> one key.
_LABEL_ALIASES = {
    "russia": "rusia, russian federation, federasi rusia",
    "united states": "amerika serikat, amerika, as, us, u s, usa, u s a, united states of america",
    "ukraine": "ukraina",
    "china": "tiongkok, cina, rrt, republik rakyat tiongkok, people s republic of china, prc",
    "united kingdom": "inggris, uk, u k, britain, great britain, britania raya",
    "germany": "jerman",
    "france": "perancis, prancis",
    "netherlands": "belanda, holland",
    "japan": "jepang",
    "south korea": "korea selatan, korsel, republic of korea",
    "north korea": "korea utara, korut",
    "indonesia": "ri, republik indonesia",
    "nato": "pakta pertahanan atlantik utara, north atlantic treaty organization",
    "united nations": "pbb, perserikatan bangsa bangsa, un, u n",
    "european union": "uni eropa, ue, eu",
    "white house": "gedung putih",
    "kremlin": "istana kremlin",
}
_LABEL_KEYS = {alias: key for key, aliases in _LABEL_ALIASES.items() for alias in aliases.split(", ")}

# hedge -> (low, high) as multiples of the value; None leaves that side open
_SPREAD: dict[str, tuple[float | None, float | None]] = {
    EXACT: (1, 1),
    ABOUT: (1 - tol.ABOUT_RELATIVE, 1 + tol.ABOUT_RELATIVE),
    MORE_THAN: (1, None),
    AT_LEAST: (1, None),
    LESS_THAN: (None, 1),
    AT_MOST: (None, 1),
    NEARLY: (1 - tol.NEARLY_RELATIVE, 1),
    JUST_OVER: (1, 1 + tol.JUST_OVER_RELATIVE),
}
# Hedges a {"low", "high"} pair may carry, and the bounds each needs.
_BOUNDS_SHAPE = {RANGE: "both", VAGUE: "both", EXACT: "both"} | dict.fromkeys((MORE_THAN, AT_LEAST), "low")
_BOUNDS_SHAPE |= dict.fromkeys((LESS_THAN, AT_MOST), "high")
_HEDGE_NAMES = {h.replace("_", " "): h for h in HEDGES} | {"up to": AT_MOST}

_TOKEN = re.compile(
    r"(?P<sci>\d+(?:\.\d+)?[eE][+-]?\d+)(?![^\W_])"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r"|(?P<neg>(?<![\w.,])[-−](?=\d))"
    r"|(?P<dash>[-–—])"
    r"|(?P<word>[^\W\d_]+(?:['’-][^\W\d_]+)*)"
    r"|(?P<sym>[%$€])"
)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass
class _Piece:
    kind: str  # num, amount, unit, hedge, post, sep, and, open, vague, neg, article, other
    data: Any = None
    ops: list[tuple[str, float]] = field(default_factory=list)


def _tokenize(text: str) -> list[Token]:
    # "a 50-minute call": the hyphen joins an adjective, it is no range.
    text = re.sub(r"(?<=\d)-(?=[^\W\d_])", " ", text)
    return [(m.lastgroup or "", m.group()) for m in _TOKEN.finditer(text)]


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(raw.lower() for _, raw in _tokenize(phrase))


def _phrases(table: dict[str, str]) -> dict[tuple[str, ...], str]:
    return {_key(p): name for name, words in table.items() for p in words.split(", ")}


_UNITS: dict[tuple[str, ...], Unit] = {
    _key(word): (dim, canonical, float(factor))
    for (dim, canonical, factor), words in _UNIT_WORDS.items()
    for word in words.split(", ")
}
_PHRASES: dict[tuple[str, ...], _Piece] = {
    **{k: _Piece("unit", u) for k, u in _UNITS.items()},
    **{_key(w): _Piece("num", ops=list(ops)) for w, ops in _NUMBER_OPS.items()},
    **{k: _Piece("hedge", h) for k, h in _phrases(_HEDGE_WORDS).items()},
    **{k: _Piece("post", h) for k, h in _phrases(_POST_HEDGE_WORDS).items()},
    **{_key(w): _Piece("sep", h) for w, h in _SEPARATORS.items()},
    **{(w,): _Piece("open") for w in _OPENERS},
    **dict.fromkeys([("dan",), ("and",)], _Piece("and")),
    **dict.fromkeys([("a",), ("an",)], _Piece("article")),
    **{_key(w): _Piece("vague", span) for w, span in tol.VAGUE_AMOUNTS.items()},
}
_LONGEST = max(len(k) for k in _PHRASES)
# Case decides these: "Rp 5 M" is 5 miliar, "M 5.6" a magnitude, "5 m" five metres.
_CASED_SCALES = {"M": 1e9, "T": 1e12}


def _grouped(parts: list[str]) -> bool:
    head, rest = parts[0], parts[1:]
    return 1 <= len(head) <= 3 and not head.startswith("0") and all(len(p) == 3 for p in rest)


def _read_digits(raw: str, language: str | None) -> float | None:
    """Digits with separators; None when no convention reads them."""
    marks = {c for c in raw if c in ".,"}
    if not marks:
        return float(raw)
    if len(marks) == 2:
        decimal = raw[max(raw.rfind("."), raw.rfind(","))]
        whole, frac = raw.rsplit(decimal, 1)
        thousands = "," if decimal == "." else "."
        if decimal in whole or not _grouped(whole.split(thousands)):
            return None
        return float(whole.replace(thousands, "") + "." + frac)
    (mark,) = marks
    parts = raw.split(mark)
    if not _grouped(parts):
        return float(raw.replace(",", ".")) if len(parts) == 2 else None
    # Only "1.500" / "1,500" is truly ambiguous: the language's decimal mark decides; unknown -> thousands.
    if len(parts) == 2 and mark == {"id": ",", "en": "."}.get(language or ""):
        return float(raw.replace(",", "."))
    return float("".join(parts))


def _word_pieces(word: str) -> list[_Piece]:
    if word.endswith("nya") and (word[:-3],) in _UNITS:
        return [_Piece("unit", _UNITS[(word[:-3],)])]
    # "se-" is "one": sepuluh, sebelas, seratus, sejuta; sejam, sehari, seorang.
    stem = word[2:] if word.startswith("se") and len(word) > 4 else ""
    if stem in _NUMBER_OPS and _NUMBER_OPS[stem][0][0] not in _STARTERS:
        return [_Piece("num", ops=[("val", 1), *_NUMBER_OPS[stem]])]
    if (stem,) in _UNITS:
        return [_Piece("num", ops=[("val", 1)]), _Piece("unit", _UNITS[(stem,)])]
    parts = word.split("-")
    if len(parts) > 1 and all(p in _NUMBER_OPS for p in parts):  # twenty-five
        return [_Piece("num", ops=[op for p in parts for op in _NUMBER_OPS[p]])]
    return [_Piece("other", word)]


def _match(tokens: list[Token], i: int, text: str, language: str | None) -> tuple[list[_Piece], int]:
    kind, raw = tokens[i]
    if kind in ("num", "sci"):
        value = float(raw) if kind == "sci" else _read_digits(raw, language)
        if value is None:
            raise UnparseableValue(text, f"{raw!r} is not a number in any convention")
        return [_Piece("num", ops=[("val", value)])], 1
    if kind in ("neg", "dash"):
        return [_Piece(kind if kind == "neg" else "sep")], 1
    if raw in _CASED_SCALES and i and tokens[i - 1][0] == "num":
        return [_Piece("num", ops=[("scale", _CASED_SCALES[raw])])], 1
    if raw == "M":
        return [_Piece("unit", _UNITS[("magnitude",)])], 1
    for n in range(min(_LONGEST, len(tokens) - i), 0, -1):
        window = tokens[i : i + n]
        key = tuple(r.lower() for _, r in window)
        if all(k in ("word", "sym") for k, _ in window) and key in _PHRASES:
            found = _PHRASES[key]
            return [_Piece(found.kind, found.data, list(found.ops))], n
    return _word_pieces(raw.lower()), 1


def _pieces(text: str, language: str | None) -> list[_Piece]:
    tokens = _tokenize(text)
    pieces: list[_Piece] = []
    i = 0
    while i < len(tokens):
        found, used = _match(tokens, i, text, language)
        pieces.extend(found)
        i += used
    if not pieces:  # punctuation only: nothing to read
        return pieces
    # "a million", "an hour" count one; "a 50-minute call" is only an article.
    for here, after in zip(pieces, [*pieces[1:], _Piece("other")], strict=True):
        if here.kind == "article":
            counts = after.kind == "unit" or (after.kind == "num" and after.ops[0][0] in ("mul", "scale"))
            here.kind, here.ops = ("num", [("val", 1)]) if counts else ("other", [])
    return pieces


def _joins(ops: list[tuple[str, float]], op: tuple[str, float]) -> bool:
    last = ops[-1][0]
    return op[0] in _NEXT[last] and not (last == "tens" and op[0] == "val" and op[1] >= 10)


def _extend(slots: list[_Piece], ops: list[tuple[str, float]]) -> bool:
    target = slots[-1] if slots and slots[-1].kind == "amount" else None
    crosses_unit = len(slots) > 1 and slots[-1].kind == "unit" and slots[-2].kind == "amount"
    if target is None and ops[0][0] == "half" and crosses_unit:  # "an hour and a half"
        target = slots[-2]
    if target is None or not _joins(target.ops, ops[0]):
        return False
    target.ops.extend(ops)
    return True


def _slots(pieces: list[_Piece]) -> list[_Piece]:
    slots: list[_Piece] = []
    for piece in pieces:
        if piece.kind == "num":
            if _extend(slots, piece.ops):
                continue
            starts = piece.ops[0][0] in _STARTERS
            piece = _Piece("amount", ops=piece.ops) if starts else _Piece("other")
        slots.append(piece)
    return slots


def _compose(ops: list[tuple[str, float]]) -> float:
    total = group = small = 0.0
    for op, n in ops:
        if op in ("val", "tens", "half"):
            small += n
        elif op == "teen":
            group, small = group + small + n, 0.0
        elif op == "mul":
            group, small = group + (small or 1) * n, 0.0
        else:
            total, group, small = total + ((group + small) or 1) * n, 0.0, 0.0
    return total + group + small


# (low, high) before hedging, the hedge, the unit the text names
Reading = tuple[tuple[float, float], str, Unit | None]


@dataclass
class _Around:
    units: list[Unit] = field(default_factory=list)
    hedge: str | None = None
    negative: bool = False
    opener: bool = False


def _before(slots: list[_Piece], i: int) -> _Around:
    seen = _Around()
    for slot in reversed(slots[:i]):
        if slot.kind == "unit" and slot.data[0].startswith(_PREFIX_DIMENSIONS):
            seen.units.append(slot.data)
        elif slot.kind == "neg" and not seen.negative:
            seen.negative = True
        elif slot.kind == "open" and not seen.opener:
            seen.opener = True
        else:
            if slot.kind in ("hedge", "post") or (slot.kind == "sep" and slot.data):
                seen.hedge = slot.data
            break
    return seen


def _after(slots: list[_Piece], i: int) -> _Around:
    seen, skipped = _Around(), 0
    for slot in slots[i + 1 :]:
        if slot.kind == "post" and not seen.hedge:
            seen.hedge = slot.data
        elif slot.kind == "unit" and not seen.units:
            seen.units.append(slot.data)
        elif slot.kind == "other" and skipped < 2 and not seen.units:  # "100,000 Russian troops"
            skipped += 1
        else:
            break
    return seen


def _one_unit(text: str, units: list[Unit]) -> Unit | None:
    if len({u[0] for u in units}) > 1:
        raise UnparseableValue(text, "the text names units of different kinds")
    return units[0] if units else None


def _amount(slot: _Piece, negative: bool) -> float:
    return -_compose(slot.ops) if negative else _compose(slot.ops)


def _read_single(text: str, slots: list[_Piece], i: int) -> Reading:
    before, after = _before(slots, i), _after(slots, i)
    if before.hedge and after.hedge:
        raise UnparseableValue(text, "two hedges on one number")
    hedge = before.hedge or after.hedge
    unit = _one_unit(text, before.units + after.units)
    if slots[i].kind == "vague":
        if hedge not in (None, ABOUT):
            raise UnparseableValue(text, "a hedge on a vague amount")
        low, high = slots[i].data
        return (low, high), VAGUE, unit
    value = _amount(slots[i], before.negative)
    return (value, value), hedge or EXACT, unit


def _read_range(text: str, slots: list[_Piece], a: int, b: int) -> Reading:
    between = slots[a + 1 : b]
    seps = [k for k, s in enumerate(between) if s.kind in ("sep", "and")]
    strays = [s for s in between if s.kind not in ("sep", "and", "unit", "neg")]
    if len(seps) != 1 or strays or "vague" in (slots[a].kind, slots[b].kind):
        raise UnparseableValue(text, "two numbers that do not form a range")
    before, after = _before(slots, a), _after(slots, b)
    if between[seps[0]].kind == "and" and not before.opener:
        raise UnparseableValue(text, "two numbers that do not form a range")
    # A range already says how unsure it is: "sekitar 60.000 hingga 90.000" stays a range.
    if before.hedge not in (None, ABOUT) or after.hedge:
        raise UnparseableValue(text, "a hedge that does not fit a range")
    low = _amount(slots[a], before.negative)
    high = _amount(slots[b], between[-1].kind == "neg")
    if slots[b].ops[-1][0] == "scale" and all(op != "scale" for op, _ in slots[a].ops):  # "1-2 juta"
        low *= slots[b].ops[-1][1]
    low_units = before.units + [s.data for s in between[: seps[0]] if s.kind == "unit"]
    high_units = [s.data for s in between[seps[0] :] if s.kind == "unit"] + after.units
    low_unit = _one_unit(text, low_units) or _one_unit(text, high_units)
    high_unit = _one_unit(text, high_units) or low_unit
    if low_unit is None or high_unit is None:
        return (low, high), RANGE, None
    if low_unit[0] != high_unit[0]:
        raise UnparseableValue(text, "the two ends have units of different kinds")
    return (low * low_unit[2], high * high_unit[2]), RANGE, (low_unit[0], low_unit[1], 1.0)


def _spread(hedge: str, value: float) -> tuple[Bound, Bound]:
    low, high = (None if f is None else value * f for f in _SPREAD[hedge])
    # A negative value turns the multiples around.
    return (high, low) if low is not None and high is not None and low > high else (low, high)


def _checked(text: str, low: Bound, high: Bound, dim: str, fields: tuple[str, ...]) -> tuple[Bound, Bound]:
    for bound, name in zip((low, high), fields, strict=True):
        if bound is None:
            continue
        if not math.isfinite(bound):
            raise UnparseableValue(text, "not a finite number", name)
        if abs(bound) > tol.MAX_ABS_VALUE:
            raise UnparseableValue(text, "too large to be a reported figure", name)
        if bound < 0 and dim.startswith(_NON_NEGATIVE):
            raise UnparseableValue(text, f"a negative {dim} value", name)
    if low is not None and high is not None and low > high:
        raise UnparseableValue(text, "the low end is above the high end", fields[0])
    # 12 significant digits drop float noise such as 2880.0000000000005.
    tidy = [None if b is None else float(f"{b:.12g}") for b in (low, high)]
    return tidy[0], tidy[1]


def _settle_unit(text: str, found: Unit | None, unit: str | None) -> Unit:
    given = resolve_unit(unit) if unit and unit.strip() else None
    if found and given and found[0] != given[0]:
        raise UnparseableValue(text, f"the text is in {found[0]} but the unit {unit!r} is {given[0]}", "unit")
    return found or given or BARE


def _votes(text: str) -> tuple[int, int]:
    words = _WORD.findall(text.lower())
    return sum(w in _ID_WORDS for w in words), sum(w in _EN_WORDS for w in words)


_DENOMINATOR = re.compile(r"\s*(?:\bper\b|/)\s*[^\W\d_]+(?:\s+[^\W\d_]+)?\s*$")


def parse_value(text: str, *, unit: str | None = None, language: str | None = None) -> Value:
    if language not in (None, "id", "en"):
        raise ValueError(f"language must be 'id', 'en' or None, not {language!r}")
    if not isinstance(text, str) or not text.strip():
        raise UnparseableValue(str(text or ""), "empty")
    # What a price is for ("per liter", "per dolar AS", "/kg") is its denominator, not its unit;
    # for anything else ("50 km per jam") the whole text is read, and a second unit is refused.
    priced = _DENOMINATOR.sub("", text)
    if priced != text and _is_money(priced, unit, language):
        return replace(_parse(priced, unit=unit, language=language), text=text)
    return _parse(text, unit=unit, language=language)


def _is_money(text: str, unit: str | None, language: str | None) -> bool:
    try:
        return _parse(text, unit=unit, language=language).dimension.startswith("money:")
    except UnparseableValue:
        return False


def _parse(text: str, *, unit: str | None, language: str | None) -> Value:
    id_votes, en_votes = _votes(text)
    # Without Indonesian words the shape of the number decides, not English words.
    slots = _slots(_pieces(text, language or ("id" if id_votes > en_votes else None)))
    spots = [i for i, s in enumerate(slots) if s.kind in ("amount", "vague")]
    if not spots:
        raise UnparseableValue(text, "no number")
    if len(spots) > 2:
        raise UnparseableValue(text, "more than two numbers")
    read = _read_single if len(spots) == 1 else _read_range
    (low, high), hedge, found = read(text, slots, *spots)
    dimension, canonical, factor = _settle_unit(text, found, unit)
    low, high = low * factor, high * factor
    spread = _spread(hedge, low) if hedge in _SPREAD else (low, high)
    bounds = _checked(text, *spread, dimension, ("value", "value"))
    return Value(text, *bounds, canonical, dimension, hedge)


def value_from_parts(
    *,
    low: float | None = None,
    high: float | None = None,
    amount: float | None = None,
    unit: str | None = None,
    hedge: str | None = None,
    label: str | None = None,
) -> Value:
    shown = ", ".join(f"{k}={v!r}" for k, v in locals().items() if v is not None)
    if label is not None:
        # The claim's unit field may ride along with a label; it says nothing about it.
        return _label_value(shown, label, low, high, amount, hedge)
    dimension, canonical, factor = resolve_unit(unit)
    name = _hedge_name(shown, hedge)
    if amount is not None:
        if low is not None or high is not None:
            raise UnparseableValue(shown, "give either amount or low/high, not both", "amount")
        name = name or EXACT
        if name not in _SPREAD:
            raise UnparseableValue(shown, f"hedge {name!r} needs low/high, not amount", "hedge")
        spread = _spread(name, _number(shown, amount, "amount") * factor)
        bounds = _checked(shown, *spread, dimension, ("amount", "amount"))
        return Value(None, *bounds, canonical, dimension, name)
    if low is None and high is None:
        raise UnparseableValue(shown, "no amount, low or high", "amount")
    lo = None if low is None else _number(shown, low, "low") * factor
    hi = None if high is None else _number(shown, high, "high") * factor
    given = "both" if lo is not None and hi is not None else ("low" if lo is not None else "high")
    name = name or {"low": AT_LEAST, "high": AT_MOST}.get(given) or (EXACT if lo == hi else RANGE)
    shape = _BOUNDS_SHAPE.get(name)
    if shape != given or (name == EXACT and lo != hi):
        raise UnparseableValue(shown, f"hedge {name!r} does not fit these bounds", "hedge")
    return Value(None, *_checked(shown, lo, hi, dimension, ("low", "high")), canonical, dimension, name)


def _label_value(shown: str, label: str, *rest: object) -> Value:
    if any(x not in (None, LABEL) for x in rest):
        raise UnparseableValue(shown, "a label carries no number or hedge", "label")
    key = normalise_label(label) if isinstance(label, str) else ""
    if not key:
        raise UnparseableValue(shown, "empty label", "label")
    return Value(None, None, None, LABEL, LABEL, LABEL, key, " ".join(label.split()))


def _number(shown: str, x: object, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise UnparseableValue(shown, f"{name} is not a number", name)
    try:
        number = float(x)
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if not math.isfinite(number):
        raise UnparseableValue(shown, f"{name} is not a finite number", name)
    return number


def _hedge_name(shown: str, hedge: str | None) -> str | None:
    if hedge is None:
        return None
    words = " ".join(str(hedge).lower().replace("_", " ").split())
    phrase = _PHRASES.get(_key(words))
    name = _HEDGE_NAMES.get(words) or (
        phrase.data if phrase and phrase.kind in ("hedge", "post", "sep") else None
    )
    if name is None or name == LABEL:
        raise UnparseableValue(shown, f"unknown hedge {hedge!r}", "hedge")
    return name


def resolve_unit(unit: str | None) -> tuple[str, str, float]:
    """A unit word -> (dimension, canonical unit, factor to the canonical unit)."""
    if unit is None or not unit.strip():
        return BARE
    key = _key(unit)
    stem = (*key[:-1], key[-1][:-3]) if key and key[-1].endswith("nya") else key
    found = _UNITS.get(key) or _UNITS.get(stem)
    if found:
        return found
    word = " ".join(unit.lower().split())
    if not re.fullmatch(r"[^\W\d_]+(?:[ '-][^\W\d_]+)*", word):
        raise UnparseableValue(unit, "not a unit", "unit")
    if word.isascii() and len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    return f"count:{word}", word, 1.0


def normalise_label(label: str) -> str:
    text = unicodedata.normalize("NFKD", label.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = " ".join(re.sub(r"[\W_]+", " ", text).split())
    text = text.removeprefix("the ")
    return _LABEL_KEYS.get(text, text)


def detect_language(text: str) -> str:
    # Malay-only words sit in neither list, so they cannot tip Indonesian text to English.
    id_votes, en_votes = _votes(text)
    return "en" if en_votes > id_votes else "id"


# hedge -> (words before the number, which bounds to show)
_SHOWN = {
    EXACT: ("", "low"),
    ABOUT: ("about ", "mid"),
    MORE_THAN: ("more than ", "low"),
    AT_LEAST: ("at least ", "low"),
    JUST_OVER: ("just over ", "low"),
    LESS_THAN: ("less than ", "high"),
    AT_MOST: ("up to ", "high"),
    NEARLY: ("nearly ", "high"),
}
# dimension -> (prefix, singular suffix, plural suffix)
_PLAIN_SHOWN = {
    "troops": ("", " troop", " troops"),
    "people": ("", " person", " people"),
    "percent": ("", "%", "%"),
    "magnitude": ("magnitude ", "", ""),
    "number": ("", "", ""),
}
# dimension -> display units, largest first: (size, whole multiple or at least this many, singular, plural)
_SCALED_SHOWN = {
    "duration": (
        (86_400, 2, " day", " days"),
        (3600, 2, " hour", " hours"),
        (60, 2, " minute", " minutes"),
        (1, 1, " second", " seconds"),
    ),
    "length": ((1000, 1, " km", " km"), (1, 1, " m", " m")),
}


def _points(value: Value) -> list[float]:
    shows = _SHOWN.get(value.hedge, ("", "both"))[1]
    if shows == "mid" and value.low is not None and value.high is not None:
        return [(value.low + value.high) / 2]
    chosen = {"low": [value.low], "high": [value.high]}.get(shows, [value.low, value.high])
    return [p for p in chosen if p is not None]


def _fits(point: float, size: float, at_least: float) -> bool:
    multiple = abs(point) / size
    return (multiple >= 1 and abs(multiple - round(multiple)) < 1e-9) or multiple >= at_least


def _display(value: Value, points: list[float]) -> tuple[float, str, str, str]:
    """(divisor, prefix, singular suffix, plural suffix) for showing the value."""
    if value.dimension in _SCALED_SHOWN:
        options = _SCALED_SHOWN[value.dimension]
        picks = [next((o for o in options if _fits(p, o[0], o[1])), options[-1]) for p in points]
        size, _, one, many = min(picks, default=options[-1])
        return size, "", one, many
    if value.dimension.startswith("money:"):
        return 1, f"{value.unit} ", "", ""
    if value.dimension in _PLAIN_SHOWN:
        return 1, *_PLAIN_SHOWN[value.dimension]
    return 1, "", f" {value.unit}", f" {value.unit}"


def _num(x: float, places: int) -> str:
    rounded = round(x, places)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    return f"{rounded:,.{places}f}".rstrip("0").rstrip(".")


def format_value(value: Value) -> str:
    if value.hedge == LABEL or value.dimension == LABEL:
        return value.display_label or value.label or ""
    points = _points(value)
    divisor, prefix, one, many = _display(value, points)
    places = 1 if value.dimension == "duration" else 2
    numbers = "–".join(_num(p / divisor, places) for p in points)
    suffix = one if numbers == "1" else many
    return f"{_SHOWN.get(value.hedge, ('', ''))[0]}{prefix}{numbers}{suffix}"


# The words this module reads, for finding values in running text (service/extract).
UNIT_WORDS = frozenset(w for words in _UNIT_WORDS.values() for w in words.split(", "))
# Units news writes before the number: "Rp10.000", "US$ 5 miliar", "magnitudo 5,6".
PREFIX_UNIT_WORDS = frozenset(
    w
    for (dim, _, _), words in _UNIT_WORDS.items()
    if dim.startswith(_PREFIX_DIMENSIONS)
    for w in words.split(", ")
)
HEDGE_PHRASES = frozenset(w for words in _HEDGE_WORDS.values() for w in words.split(", "))
NUMBER_WORDS = frozenset(word for word in _NUMBER_OPS if " " not in word)
VAGUE_WORDS = frozenset(tol.VAGUE_AMOUNTS)
