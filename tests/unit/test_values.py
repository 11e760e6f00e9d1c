"""Reading values as Indonesian and English news write them: plain functions, no app."""

from __future__ import annotations

import pytest

from service.domain import tolerance
from service.domain.values import (
    ABOUT,
    AT_LEAST,
    AT_MOST,
    EXACT,
    JUST_OVER,
    LABEL,
    LESS_THAN,
    MORE_THAN,
    NEARLY,
    RANGE,
    VAGUE,
    UnparseableValue,
    Value,
    detect_language,
    format_value,
    normalise_label,
    parse_value,
    resolve_unit,
    value_from_parts,
)

HOUR = 3600
ABOUT_LOW, ABOUT_HIGH = 1 - tolerance.ABOUT_RELATIVE, 1 + tolerance.ABOUT_RELATIVE
NEARLY_LOW = 1 - tolerance.NEARLY_RELATIVE


def case(text, low, high, unit, dimension, hedge, *, given=None, lang=None):
    """One row: the text (with the claim's unit field and language) and the Value it must give."""
    return pytest.param(text, given, lang, (low, high, unit, dimension, hedge), id=f"{text}|{given}|{lang}")


TROOPS = ("troop", "troops")
PEOPLE = ("person", "people")
SECONDS = ("second", "duration")
NUMBER = ("", "number")

PARSED = [
    # The seed articles, Indonesian.
    case("60.000 hingga 90.000", 60_000, 90_000, *TROOPS, RANGE, given="troops"),
    case("94.000", 94_000, 94_000, *TROOPS, EXACT, given="tentara"),
    case("100.000 tentaranya", 100_000, 100_000, *TROOPS, EXACT),
    case("lebih dari 100.000 tentara Rusia", 100_000, None, *TROOPS, MORE_THAN),
    case("lebih dari 100.000", 100_000, None, *TROOPS, MORE_THAN, given="tentara"),
    case("sekitar 10.000 tentara", 9_000, 11_000, *TROOPS, ABOUT),
    case("50 menit", 3000, 3000, *SECONDS, EXACT),
    case("hampir satu jam", 2880, HOUR, *SECONDS, NEARLY),
    case("sekitar satu jam", 3240, 3960, *SECONDS, ABOUT),
    case("lebih dari satu jam", HOUR, None, *SECONDS, MORE_THAN),
    case("lebih dari dua jam", 2 * HOUR, None, *SECONDS, MORE_THAN),
    case("dua bulan", 60 * 86_400, 60 * 86_400, *SECONDS, EXACT),
    case("3.000 Pasukan", 3000, 3000, *TROOPS, EXACT),
    case("1 Skuadron", 1, 1, "skuadron", "count:skuadron", EXACT, given="skuadron"),
    case("antara 60.000 dan 90.000 tentara", 60_000, 90_000, *TROOPS, RANGE),
    case("60.000–90.000", 60_000, 90_000, *NUMBER, RANGE),
    case("60.000 - 90.000 tentara", 60_000, 90_000, *TROOPS, RANGE),
    # The seed articles, English.
    case("more than 100,000 troops", 100_000, None, *TROOPS, MORE_THAN),
    case("between 60,000 and 90,000", 60_000, 90_000, *NUMBER, RANGE),
    case("between 60,000 and 90,000 troops", 60_000, 90_000, *TROOPS, RANGE),
    case("about an hour", 3240, 3960, *SECONDS, ABOUT),
    case("a 50-minute call", 3000, 3000, *SECONDS, EXACT),
    case("94,300", 94_300, 94_300, *NUMBER, EXACT, lang="en"),
    case("1.5 million people", 1_500_000, 1_500_000, *PEOPLE, EXACT),
    case("5.72%", 5.72, 5.72, "percent", "percent", EXACT),
    case("$1.2 billion", 1.2e9, 1.2e9, "USD", "money:USD", EXACT),
    case("Rp10.000 per liter", 10_000, 10_000, "IDR", "money:IDR", EXACT),
    case("magnitudo 5,6", 5.6, 5.6, "magnitude", "magnitude", EXACT),
    case("10 km", 10_000, 10_000, "meter", "length", EXACT),
    case("puluhan ribu orang", 20_000, 99_999, *PEOPLE, VAGUE),
    case("puluhan ribu tentara", 20_000, 99_999, *TROOPS, VAGUE),
    case("ratusan ribu orang", 200_000, 999_999, *PEOPLE, VAGUE),
    case("puluhan", 20, 99, *NUMBER, VAGUE),
    case("thousands of people", 2_000, 9_999, *PEOPLE, VAGUE),
    case("tens of thousands of troops", 20_000, 99_999, *TROOPS, VAGUE),
    # Digits: the separator convention follows language and shape.
    case("100.000", 100_000, 100_000, *NUMBER, EXACT, lang="id"),
    case("100,000", 100_000, 100_000, *NUMBER, EXACT, lang="en"),
    case("1,5 juta", 1_500_000, 1_500_000, *NUMBER, EXACT),
    case("5,72 persen", 5.72, 5.72, "percent", "percent", EXACT),
    case("1.500", 1500, 1500, *NUMBER, EXACT, lang="id"),
    case("1.500", 1.5, 1.5, *NUMBER, EXACT, lang="en"),
    case("1.500", 1500, 1500, *NUMBER, EXACT),
    case("more than 1.500 troops", 1500, None, *TROOPS, MORE_THAN),
    case("more than 1.500 troops", 1.5, None, *TROOPS, MORE_THAN, lang="en"),
    case("sekitar 1,500 orang", 1.35, 1.65, *PEOPLE, ABOUT),
    case("2.5", 2.5, 2.5, *NUMBER, EXACT, lang="id"),
    case("1.234.567", 1_234_567, 1_234_567, *NUMBER, EXACT, lang="en"),
    case("1,234,567", 1_234_567, 1_234_567, *NUMBER, EXACT, lang="id"),
    case("1.234,5", 1234.5, 1234.5, *NUMBER, EXACT, lang="en"),
    case("0.500", 0.5, 0.5, *NUMBER, EXACT, lang="id"),
    case("Rp 1,2 triliun", 1.2e12, 1.2e12, "IDR", "money:IDR", EXACT),
    case("Rp 5 M", 5e9, 5e9, "IDR", "money:IDR", EXACT),
    case("Rp 2 T", 2e12, 2e12, "IDR", "money:IDR", EXACT),
    case("US$ 5 miliar", 5e9, 5e9, "USD", "money:USD", EXACT),
    case("5 miliar dolar AS", 5e9, 5e9, "USD", "money:USD", EXACT),
    case("€3 million", 3e6, 3e6, "EUR", "money:EUR", EXACT),
    case("2,5 jt", 2_500_000, 2_500_000, *NUMBER, EXACT),
    case("300 rb", 300_000, 300_000, *NUMBER, EXACT),
    case("2 juta 500 ribu", 2_500_000, 2_500_000, *NUMBER, EXACT),
    # Number words.
    case("dua puluh lima ribu", 25_000, 25_000, *NUMBER, EXACT),
    case("seratus lima puluh orang", 150, 150, *PEOPLE, EXACT),
    case("dua belas", 12, 12, *NUMBER, EXACT),
    case("sebelas", 11, 11, *NUMBER, EXACT),
    case("sepuluh ribu", 10_000, 10_000, *NUMBER, EXACT),
    case("seribu lima ratus", 1_500, 1_500, *NUMBER, EXACT),
    case("sejuta", 1_000_000, 1_000_000, *NUMBER, EXACT),
    case("nol", 0, 0, *NUMBER, EXACT),
    case("setengah jam", 1800, 1800, *SECONDS, EXACT),
    case("satu setengah jam", 5400, 5400, *SECONDS, EXACT),
    case("sejam", HOUR, HOUR, *SECONDS, EXACT),
    case("seorang", 1, 1, *PEOPLE, EXACT),
    case("twenty-five thousand", 25_000, 25_000, *NUMBER, EXACT),
    case("one hundred twenty", 120, 120, *NUMBER, EXACT),
    case("a million", 1_000_000, 1_000_000, *NUMBER, EXACT),
    case("half an hour", 1800, 1800, *SECONDS, EXACT),
    case("one and a half hours", 5400, 5400, *SECONDS, EXACT),
    case("an hour and a half", 5400, 5400, *SECONDS, EXACT),
    case("three weeks", 21 * 86_400, 21 * 86_400, *SECONDS, EXACT),
    # Hedges.
    case("kira-kira 500 orang", 450, 550, *PEOPLE, ABOUT),
    case("kurang lebih 20 menit", 1080, 1320, *SECONDS, ABOUT),
    case("approximately 200 people", 180, 220, *PEOPLE, ABOUT),
    case("some 10,000 troops", 9_000, 11_000, *TROOPS, ABOUT),
    case("over 100 people", 100, None, *PEOPLE, MORE_THAN),
    case("di atas 100 orang", 100, None, *PEOPLE, MORE_THAN),
    case("100.000 lebih tentara", 100_000, None, *TROOPS, MORE_THAN),
    case("satu jam lebih", HOUR, None, *SECONDS, MORE_THAN),
    case("just over 100 people", 100, 110, *PEOPLE, JUST_OVER),
    case("sedikit di atas 5 persen", 5, 5.5, "percent", "percent", JUST_OVER),
    case("setidaknya 10 orang", 10, None, *PEOPLE, AT_LEAST),
    case("at least 10 people", 10, None, *PEOPLE, AT_LEAST),
    case("kurang dari 10 orang", None, 10, *PEOPLE, LESS_THAN),
    case("fewer than 10 people", None, 10, *PEOPLE, LESS_THAN),
    case("nyaris 2 jam", 5760, 7200, *SECONDS, NEARLY),
    case("almost 50 minutes", 2400, 3000, *SECONDS, NEARLY),
    case("hingga 5 km", None, 5000, "meter", "length", AT_MOST),
    case("up to 5 km", None, 5000, "meter", "length", AT_MOST),
    case("paling banyak 300 penumpang", None, 300, *PEOPLE, AT_MOST),
    # Ranges: a scale or unit at the end applies to both ends.
    case("1-2 juta", 1_000_000, 2_000_000, *NUMBER, RANGE),
    case("50-60 menit", 3000, 3600, *SECONDS, RANGE),
    case("from 5 to 10 million dollars", 5e6, 1e7, "USD", "money:USD", RANGE),
    case("5 to 10 km", 5000, 10_000, "meter", "length", RANGE),
    case("1 jam sampai 90 menit", HOUR, 5400, *SECONDS, RANGE),
    case("sekitar 60.000 hingga 90.000", 60_000, 90_000, *NUMBER, RANGE),
    # Units.
    case("M 5.6", 5.6, 5.6, "magnitude", "magnitude", EXACT),
    case("5,6 SR", 5.6, 5.6, "magnitude", "magnitude", EXACT),
    case("magnitude 5.6", 5.6, 5.6, "magnitude", "magnitude", EXACT),
    case("3 mil", 4828.032, 4828.032, "meter", "length", EXACT),
    case("100 kaki", 30.48, 30.48, "meter", "length", EXACT),
    case("2 percentage points", 2, 2, "percent", "percent", EXACT),
    case("100,000 Russian troops", 100_000, 100_000, *TROOPS, EXACT),
    case("94.000 di perbatasan", 94_000, 94_000, *NUMBER, EXACT),
    case("500 kendaraan", 500, 500, "kendaraan", "count:kendaraan", EXACT, given="kendaraan"),
    case("12 vehicles", 12, 12, "vehicle", "count:vehicle", EXACT, given="vehicles"),
    case("1 jam", HOUR, HOUR, *SECONDS, EXACT, given="menit"),
    case("-5", -5, -5, *NUMBER, EXACT),
    case("-2,5 persen", -2.5, -2.5, "percent", "percent", EXACT),
]


@pytest.mark.parametrize(("text", "unit", "language", "expected"), PARSED)
def test_parse_value(text, unit, language, expected):
    value = parse_value(text, unit=unit, language=language)
    assert (value.low, value.high, value.unit, value.dimension, value.hedge) == pytest.approx(expected)
    assert value.text == text


def parse(text, **kwargs):
    return lambda: parse_value(text, **kwargs)


def parts(**kwargs):
    return lambda: value_from_parts(**kwargs)


@pytest.mark.parametrize(
    ("read", "field"),
    [
        pytest.param(parse(""), "value", id="empty"),
        pytest.param(parse("   "), "value", id="blank"),
        pytest.param(parse("banyak sekali"), "value", id="no number"),
        pytest.param(parse("abc"), "value", id="garbage"),
        pytest.param(parse("nan"), "value", id="nan"),
        pytest.param(parse("-5 orang"), "value", id="negative people"),
        pytest.param(parse("-3 jam"), "value", id="negative duration"),
        pytest.param(parse("-10 km"), "value", id="negative length"),
        pytest.param(parse("-5", unit="tentara"), "value", id="negative troops by unit field"),
        pytest.param(parse("1e400"), "value", id="infinite"),
        pytest.param(parse("2e15"), "value", id="absurd"),
        pytest.param(parse("90.000 hingga 60.000"), "value", id="low above high"),
        pytest.param(parse("pada 2022, 100.000 tentara"), "value", id="two unrelated numbers"),
        pytest.param(parse("60.000 dan 90.000"), "value", id="dan without antara"),
        pytest.param(parse("1, 2, 3"), "value", id="three numbers"),
        pytest.param(parse("1.2.3"), "value", id="unreadable digits"),
        pytest.param(parse("12.34.567"), "value", id="bad grouping"),
        pytest.param(parse("Rp 10.000 dolar"), "value", id="two currencies"),
        pytest.param(parse("lebih dari 100 lebih"), "value", id="two hedges"),
        pytest.param(parse("lebih dari ribuan orang"), "value", id="hedge on vague"),
        pytest.param(parse("lebih dari 60-90"), "value", id="hedge on range"),
        pytest.param(parse("1 jam hingga 5 km"), "value", id="range ends in different units"),
        pytest.param(parse("50 menit", unit="troops"), "unit", id="unit conflict"),
        pytest.param(parse("5 orang", unit="123"), "unit", id="unit is no word"),
        pytest.param(parts(low=5, high=1), "low", id="parts low above high"),
        pytest.param(parts(amount=float("nan")), "amount", id="parts nan"),
        pytest.param(parts(amount=float("inf")), "amount", id="parts inf"),
        pytest.param(parts(amount=1, low=1), "amount", id="parts amount and low"),
        pytest.param(parts(amount=-3, unit="orang"), "amount", id="parts negative people"),
        pytest.param(parts(amount=2e15), "amount", id="parts absurd"),
        pytest.param(parts(amount="100"), "amount", id="parts string amount"),
        pytest.param(parts(amount=True), "amount", id="parts bool amount"),
        pytest.param(parts(), "amount", id="parts nothing"),
        pytest.param(parts(low=-1, high=5, unit="km"), "low", id="parts negative low length"),
        pytest.param(parts(low=float("nan"), high=5), "low", id="parts nan low"),
        pytest.param(parts(low=1, high=float("inf")), "high", id="parts inf high"),
        pytest.param(parts(amount=5, unit="!!"), "unit", id="parts garbage unit"),
        pytest.param(parts(amount=5, hedge="perhaps"), "hedge", id="parts unknown hedge"),
        pytest.param(parts(amount=5, hedge="range"), "hedge", id="parts range on amount"),
        pytest.param(parts(low=5, hedge="at most"), "hedge", id="parts at most on low"),
        pytest.param(parts(low=1, high=5, hedge="about"), "hedge", id="parts about on bounds"),
        pytest.param(parts(label="Rusia", amount=1), "label", id="parts label and amount"),
        pytest.param(parts(label="  "), "label", id="parts empty label"),
        pytest.param(parts(label="Rusia", hedge="about"), "label", id="parts label and hedge"),
    ],
)
def test_unreadable_values_raise_with_the_offending_field(read, field):
    with pytest.raises(UnparseableValue) as raised:
        read()
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"low": 60_000, "high": 90_000, "unit": "troops"}, (60_000, 90_000, "troop", "troops", RANGE)),
        ({"low": 5, "high": 5}, (5, 5, "", "number", EXACT)),
        ({"low": 100, "unit": "orang"}, (100, None, "person", "people", AT_LEAST)),
        ({"high": 2, "unit": "jam"}, (None, 7200, "second", "duration", AT_MOST)),
        ({"low": 100, "hedge": "more than"}, (100, None, "", "number", MORE_THAN)),
        ({"amount": 100_000, "unit": "tentara"}, (100_000, 100_000, "troop", "troops", EXACT)),
        ({"amount": 1, "unit": "jam", "hedge": "about"}, (3240, 3960, "second", "duration", ABOUT)),
        ({"amount": 1, "unit": "hour", "hedge": "nearly"}, (2880, 3600, "second", "duration", NEARLY)),
        ({"amount": 100, "hedge": "more_than"}, (100, None, "", "number", MORE_THAN)),
        ({"amount": 10, "unit": "people", "hedge": "at least"}, (10, None, "person", "people", AT_LEAST)),
        ({"amount": 10, "hedge": "less than"}, (None, 10, "", "number", LESS_THAN)),
        ({"amount": 5, "unit": "km", "hedge": "up to"}, (None, 5000, "meter", "length", AT_MOST)),
        ({"amount": 5, "hedge": "exact"}, (5, 5, "", "number", EXACT)),
        ({"amount": 10, "hedge": "sekitar"}, (9, 11, "", "number", ABOUT)),
        ({"amount": 10, "hedge": "just_over"}, (10, 11, "", "number", JUST_OVER)),
        ({"amount": -2.5, "unit": "%"}, (-2.5, -2.5, "percent", "percent", EXACT)),
        ({"amount": 3, "unit": "Vehicles"}, (3, 3, "vehicle", "count:vehicle", EXACT)),
    ],
)
def test_value_from_parts(kwargs, expected):
    value = value_from_parts(**kwargs)
    assert (value.low, value.high, value.unit, value.dimension, value.hedge) == pytest.approx(expected)
    assert value.text is None


@pytest.mark.parametrize("kwargs", [{"label": "Rusia"}, {"label": " Rusia ", "unit": "negara"}])
def test_value_from_parts_label(kwargs):
    assert value_from_parts(**kwargs) == Value(
        text=None,
        low=None,
        high=None,
        unit="label",
        dimension="label",
        hedge=LABEL,
        label="russia",
        display_label="Rusia",
    )


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("tentara", ("troops", "troop", 1)),
        ("tentaranya", ("troops", "troop", 1)),
        ("forces", ("troops", "troop", 1)),
        ("jiwa", ("people", "person", 1)),
        ("refugees", ("people", "person", 1)),
        ("Menit", ("duration", "second", 60)),
        ("pekan", ("duration", "second", 604_800)),
        ("tahun", ("duration", "second", 31_536_000)),
        ("%", ("percent", "percent", 1)),
        ("per cent", ("percent", "percent", 1)),
        ("persen poin", ("percent", "percent", 1)),
        ("Rp", ("money:IDR", "IDR", 1)),
        ("US$", ("money:USD", "USD", 1)),
        ("dolar AS", ("money:USD", "USD", 1)),
        ("€", ("money:EUR", "EUR", 1)),
        ("SR", ("magnitude", "magnitude", 1)),
        ("miles", ("length", "meter", 1609.344)),
        ("feet", ("length", "meter", 0.3048)),
        ("cm", ("length", "meter", 0.01)),
        (None, ("number", "", 1)),
        ("", ("number", "", 1)),
        ("kendaraan", ("count:kendaraan", "kendaraan", 1)),
        ("vehicles", ("count:vehicle", "vehicle", 1)),
        ("bus", ("count:bus", "bus", 1)),
        ("tank tempur", ("count:tank tempur", "tank tempur", 1)),
    ],
)
def test_resolve_unit(word, expected):
    assert resolve_unit(word) == expected


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (("Rusia", "Russia", "russian federation", "Federasi Rusia", " RUSIA "), "russia"),
        (
            ("Amerika Serikat", "AS", "United States", "USA", "US", "U.S.", "the United States"),
            "united states",
        ),
        (("Ukraina", "Ukraine"), "ukraine"),
        (("Tiongkok", "China", "Cina"), "china"),
        (("Inggris", "United Kingdom", "UK", "Britain"), "united kingdom"),
        (("Jerman", "Germany"), "germany"),
        (("Perancis", "Prancis", "France"), "france"),
        (("Belanda", "Netherlands", "the Netherlands"), "netherlands"),
        (("Jepang", "Japan"), "japan"),
        (("Korea Selatan", "South Korea"), "south korea"),
        (("NATO", "Pakta Pertahanan Atlantik Utara"), "nato"),
        (("PBB", "Perserikatan Bangsa-Bangsa", "United Nations", "UN"), "united nations"),
        (("Uni Eropa", "European Union", "EU"), "european union"),
        (("Gedung Putih", "White House"), "white house"),
        (("Kremlin",), "kremlin"),
        (("Kyiv", "KYIV!"), "kyiv"),
        (("Zelenskyy  ", "zelenskyy"), "zelenskyy"),
        (("Türkiye", "turkiye"), "turkiye"),
    ],
)
def test_normalise_label(names, key):
    assert {normalise_label(name) for name in names} == {key}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Reuters melaporkan, pembicaraan antara Biden dan Putin berlangsung selama sekitar satu jam.", "id"),
        ("Ukraina mengatakan 94.000 tentara Rusia dikerahkan di sepanjang perbatasan.", "id"),
        (
            "Presiden AS Joe Biden dan Presiden Rusia Vladimir Putin berbicara selama lebih dari satu jam.",
            "id",
        ),
        ("Kerajaan Malaysia berkata ia akan membantu rakyat kerana harga minyak naik di negara ini.", "id"),
        ("Russia has massed more than 100,000 troops near the border with Ukraine.", "en"),
        ("The call between the two leaders lasted about an hour, the White House said.", "en"),
        ("Biden and Putin spoke for 50 minutes.", "en"),
        ("Putin Biden", "id"),
        ("", "id"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (parse_value("60.000 hingga 90.000", unit="tentara"), "60,000–90,000 troops"),
        (parse_value("94.000", unit="tentara"), "94,000 troops"),
        (parse_value("lebih dari 100.000 tentara"), "more than 100,000 troops"),
        (parse_value("sekitar satu jam"), "about 1 hour"),
        (parse_value("hampir satu jam"), "nearly 1 hour"),
        (parse_value("lebih dari dua jam"), "more than 2 hours"),
        (parse_value("50 menit"), "50 minutes"),
        (parse_value("50-60 menit"), "50–60 minutes"),
        (parse_value("45 detik"), "45 seconds"),
        (parse_value("150 menit"), "2.5 hours"),
        (parse_value("3 hari"), "3 days"),
        (parse_value("5.72%"), "5.72%"),
        (parse_value("Rp10.000"), "IDR 10,000"),
        (parse_value("magnitudo 5,6"), "magnitude 5.6"),
        (parse_value("at least 10 people"), "at least 10 people"),
        (parse_value("up to 5 km"), "up to 5 km"),
        (parse_value("500 m"), "500 m"),
        (parse_value("1 orang"), "1 person"),
        (parse_value("kurang dari 10 orang"), "less than 10 people"),
        (parse_value("just over 100 people"), "just over 100 people"),
        (parse_value("thousands of people"), "2,000–9,999 people"),
        (parse_value("1.5"), "1.5"),
        (parse_value("500 kendaraan", unit="kendaraan"), "500 kendaraan"),
        (value_from_parts(label="Russia"), "Russia"),
        (value_from_parts(label="Rusia"), "Rusia"),
        (value_from_parts(label="Gedung Putih"), "Gedung Putih"),
        (Value(None, 94_000, None, "troop", "troops", AT_LEAST), "at least 94,000 troops"),
        (Value(None, None, 3600, "second", "duration", AT_MOST), "up to 1 hour"),
    ],
)
def test_format_value(value, shown):
    assert format_value(value) == shown


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("Rp4.000 per penumpang", 4000, "IDR"),
        ("Rp150.000 per bulan", 150_000, "IDR"),
        ("Rp15.645 per dolar AS", 15_645, "IDR"),
        ("Rp 13.500/kg", 13_500, "IDR"),
        ("US$ 5 per barel", 5, "USD"),
    ],
)
def test_what_a_price_is_for_is_not_its_unit(text: str, amount: float, unit: str) -> None:
    value = parse_value(text, language="id")
    assert (value.low, value.unit, value.text) == (amount, unit, text)
