"""Agreement, conflict and consensus on plain values: no database, no app."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain import tolerance
from service.domain.values import ABOUT, AT_LEAST, EXACT, LABEL, MORE_THAN, NEARLY, RANGE, Value
from service.domain.verdicts import (
    AGREES,
    CONFLICTS,
    OTHER_TIME,
    ClaimView,
    backings,
    compatible,
    consensus,
    evaluate,
    relation,
    ruled_consensus,
)

D = date(2021, 12, 30)


def troops(low: float | None, high: float | None, hedge: str = EXACT) -> Value:
    return Value(None, low, high, "troop", "troops", hedge)


def minutes(low: float | None, high: float | None, hedge: str = EXACT) -> Value:
    return Value(
        None,
        None if low is None else low * 60,
        None if high is None else high * 60,
        "second",
        "duration",
        hedge,
    )


def claim(i: int, value: Value, source: str, origin: str | None = None, as_of: date | None = D) -> ClaimView:
    return ClaimView(i, value, source, (origin or source).casefold(), as_of)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (troops(94_000, 94_000), troops(100_000, 100_000), False),
        (troops(100_000, 100_000), troops(101_000, 101_000), True),
        (troops(60_000, 90_000, RANGE), troops(94_000, 94_000), False),
        (troops(60_000, 90_000, RANGE), troops(100_000, None, MORE_THAN), False),
        (troops(100_000, 100_000), troops(100_000, None, MORE_THAN), True),
        (troops(94_000, 94_000), troops(100_000, None, AT_LEAST), False),
        (minutes(50, 50), minutes(48, 60, NEARLY), True),
        (minutes(54, 66, ABOUT), minutes(60, None, MORE_THAN), True),
        (minutes(120, None, MORE_THAN), minutes(50, 50), False),
    ],
)
def test_compatible_applies_the_exact_tolerance_only_when_comparing(
    a: Value, b: Value, expected: bool
) -> None:
    assert compatible(a, b) is expected
    assert compatible(b, a) is expected


def test_labels_compare_after_normalisation() -> None:
    russia = Value(None, None, None, "label", "label", LABEL, label="russia", display_label="Rusia")
    russia_en = Value(None, None, None, "label", "label", LABEL, label="russia", display_label="Russia")
    us = Value(None, None, None, "label", "label", LABEL, label="united states", display_label="AS")
    assert compatible(russia, russia_en)
    assert not compatible(russia, us)


def test_more_than_100k_conflicts_with_60k_to_90k_on_the_same_day() -> None:
    a = claim(1, troops(60_000, 90_000, RANGE), "alinea.id", "Reuters")
    b = claim(2, troops(100_000, None, MORE_THAN), "Pos-Kupang.com")
    assert relation(a, b, 7) == CONFLICTS
    verdict = evaluate([a, b], 7)
    assert verdict.conflict
    assert verdict.conflicts[0].claims == (1, 2)
    assert "60,000" in verdict.conflicts[0].explanation and "alinea.id" in verdict.conflicts[0].explanation


def test_values_weeks_apart_are_change_over_time_not_conflict() -> None:
    december = claim(1, troops(94_000, 94_000), "Liputan6.com", as_of=date(2021, 12, 8))
    february = claim(2, troops(100_000, 100_000), "Kompas.com", as_of=date(2022, 2, 12))
    assert relation(december, february, tolerance.CONFLICT_WINDOW_DAYS) == OTHER_TIME
    assert not evaluate([december, february]).conflict


def test_unknown_dates_are_compared_as_the_same_time() -> None:
    a = claim(1, troops(94_000, 94_000), "a", as_of=None)
    b = claim(2, troops(100_000, 100_000), "b", as_of=date(2022, 2, 12))
    assert relation(a, b, 7) == CONFLICTS


def test_agreeing_call_durations_have_a_consensus_backed_by_both() -> None:
    fifty = claim(1, minutes(50, 50), "alinea.id", "Reuters")
    nearly_hour = claim(2, minutes(48, 60, NEARLY), "Pos-Kupang.com")
    verdict = evaluate([fifty, nearly_hour])
    assert not verdict.conflict
    assert verdict.consensus is not None
    assert verdict.consensus.low == verdict.consensus.high == 3000
    assert verdict.consensus.independent_origins == 2
    assert relation(fifty, nearly_hour, 7) == AGREES


def test_claims_sharing_an_origin_count_once() -> None:
    reuters_a = claim(1, troops(100_000, 100_000), "Kompas.com", "Reuters")
    reuters_b = claim(2, troops(100_000, 100_000), "Antara", "Reuters")
    other = claim(3, troops(94_000, 94_000), "Liputan6.com", "Al Jazeera")
    other_2 = claim(4, troops(94_000, 94_000), "Bisnis.com", "Bloomberg")
    result = consensus(backings([reuters_a, reuters_b, other, other_2]))
    assert result is not None
    assert result.low == result.high == 94_000
    assert result.independent_origins == 2
    assert result.support == 2


def test_an_even_split_has_no_consensus() -> None:
    a = claim(1, troops(94_000, 94_000), "a")
    b = claim(2, troops(100_000, 100_000), "b")
    assert consensus(backings([a, b])) is None


def test_seeded_troop_figures_have_100k_as_consensus() -> None:
    claims = [
        claim(1, troops(60_000, 90_000, RANGE), "alinea.id", "Reuters", date(2021, 12, 30)),
        claim(2, troops(94_000, 94_000), "Liputan6.com", "Al Jazeera", date(2021, 12, 8)),
        claim(3, troops(100_000, None, MORE_THAN), "Pos-Kupang.com", None, date(2021, 12, 30)),
        claim(4, troops(100_000, 100_000), "Kompas.com", "Reuters", date(2022, 2, 12)),
    ]
    result = consensus(backings(claims))
    assert result is not None
    assert (result.low, result.high) == (100_000, 100_000)
    assert set(result.sources) == {"Pos-Kupang.com", "Kompas.com"}
    assert result.independent_origins == 2
    assert 0 < result.confidence < 1


def test_a_lone_claim_is_a_consensus_but_never_a_certain_one() -> None:
    result = consensus(backings([claim(1, troops(10_000, 10_000), "alinea.id")]))
    assert result is not None and result.confidence == 0.5


def test_no_claims_no_consensus() -> None:
    assert consensus(backings([])) is None


def test_a_consensus_keeps_the_words_of_the_value_it_repeats() -> None:
    result = consensus(backings([claim(1, minutes(120, None, MORE_THAN), "Liputan6.com")]))
    assert result is not None
    assert result.explanation.startswith("more than 2 hours")


def test_repeated_claims_add_support_but_not_origins() -> None:
    same = [claim(i, troops(94_000, 94_000), "Liputan6.com") for i in range(3)]
    rival = [claim(9, troops(60_000, 90_000, RANGE), "alinea.id")]
    assert len(backings(same + rival)) == 2
    assert consensus(backings(same + rival)) is None  # one origin each: a tie, however often repeated
    result = consensus(backings([*same, claim(5, troops(94_000, 94_000), "Kompas.com"), *rival]))
    assert result is not None
    assert (result.support, result.independent_origins) == (4, 2)


def test_one_preferred_claim_sets_the_consensus_with_its_own_hedge() -> None:
    ruled = ruled_consensus(
        backings([claim(1, troops(100_000, None, MORE_THAN), "Tempo")]), ["official data"]
    )
    assert (ruled.low, ruled.high) == (100_000, None)
    assert ruled.ruled and ruled.confidence == 1.0 and ruled.sources == ("Tempo",)
    assert "official data" in ruled.explanation and "Tempo" in ruled.explanation


def test_several_preferred_claims_give_the_span_that_holds_them() -> None:
    preferred = backings(
        [claim(1, troops(60_000, 90_000, RANGE), "alinea.id"), claim(2, troops(94_000, 94_000), "X")]
    )
    ruled = ruled_consensus(preferred, ["confirmed", "confirmed"])
    assert (ruled.low, ruled.high) == (60_000, 94_000)
    assert ruled.support == 2 and ruled.explanation.count("confirmed") == 1


def test_a_counted_consensus_is_not_ruled() -> None:
    counted = consensus(
        backings([claim(1, troops(94_000, 94_000), "A"), claim(2, troops(94_000, 94_000), "B")])
    )
    assert counted is not None and counted.ruled is False


def test_the_timeline_cuts_the_claims_into_stretches_of_the_conflict_window() -> None:
    from service.domain.verdicts import picture_at, timeline

    claims = [
        claim(1, troops(94_000, 94_000), "Liputan6.com", as_of=date(2021, 12, 7)),
        claim(2, troops(60_000, 90_000, RANGE), "alinea.id", "Reuters", as_of=date(2021, 12, 30)),
        claim(3, troops(100_000, None, MORE_THAN), "Pos-Kupang.com", as_of=date(2021, 12, 31)),
        claim(4, troops(100_000, 100_000), "Kompas.com", "Reuters", as_of=date(2022, 2, 12)),
        claim(5, troops(1, 1), "undated", as_of=None),
    ]
    moments = timeline(claims, window_days=7)
    assert [(m.start, m.end) for m in moments] == [
        (date(2021, 12, 7), date(2021, 12, 7)),
        (date(2021, 12, 30), date(2021, 12, 31)),
        (date(2022, 2, 12), date(2022, 2, 12)),
    ]
    assert [[c.id for c in m.claims] for m in moments] == [[1], [2, 3], [4]]
    assert [len(m.conflicts) for m in moments] == [0, 1, 0]
    assert moments[0].consensus is not None and moments[0].consensus.low == 94_000
    assert moments[1].consensus is None  # two origins, two values: nobody leads
    assert picture_at(claims, date(2022, 1, 15), 7) == moments[1]
    assert picture_at(claims, date(2021, 12, 1), 7) is None
    late = picture_at(claims, date(2021, 12, 30), 7)
    assert late is not None and [c.id for c in late.claims] == [2]


def test_a_stretch_is_measured_from_its_first_claim() -> None:
    from service.domain.verdicts import timeline

    days = [date(2022, 1, d) for d in (1, 5, 8, 9, 20)]
    claims = [claim(i, troops(10, 10), f"s{i}", as_of=d) for i, d in enumerate(days)]
    assert [[c.id for c in m.claims] for m in timeline(claims, window_days=7)] == [[0, 1, 2], [3], [4]]
