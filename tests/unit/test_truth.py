"""Truth discovery on small constructed cases: no database, no app, no benchmark data."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from service.domain.truth import (
    DEFAULT,
    Claim,
    discover,
    find_conventions,
    majority_vote,
    reliability_key,
    similarity,
)


def exact(item: str, source: str, value: float, **kw: object) -> Claim:
    return Claim(item, source, value, value, **kw)  # type: ignore[arg-type]


def reliable_and_unreliable(copies: int) -> list[Claim]:
    """'good' is right on 20 items; 'bad' is wrong on all of them, and ``copies`` sites repeat 'bad'.

    On the 12 easy items three independent witnesses back 'good', so 'bad' is shown to be unreliable;
    on the 8 hard items 'bad' and its copies outnumber 'good'.
    """
    claims = []
    for i in range(20):
        item = f"item{i}"
        claims.append(exact(item, "good", 100 + i))
        claims.append(exact(item, "bad", 500 + i))
        claims += [exact(item, f"copy{k}", 500 + i) for k in range(copies)]
        if i < 12:
            claims += [exact(item, f"witness{k}", 100 + i) for k in range(3)]
    return claims


def test_reliability_converges_and_the_consensus_follows_the_reliable_source() -> None:
    found = discover(reliable_and_unreliable(copies=3))
    assert found.converged
    assert found.iterations < DEFAULT.max_iterations
    assert found.reliability("good") > 0.8 > 0.3 > found.reliability("bad")
    for i in range(12, 20):  # outvoted four to one by 'bad' and its copies
        truth = found.truths[f"item{i}"]
        assert (truth.low, truth.high) == (100 + i, 100 + i)
        assert "good" in truth.sources
    # the vote follows the copies
    vote = majority_vote(reliable_and_unreliable(copies=3))
    assert vote.truths["item15"].low == 515


def test_near_identical_sources_are_found_to_copy() -> None:
    found = discover(reliable_and_unreliable(copies=3))
    assert found.dependence[("bad", "copy0")] == 1.0
    assert ("bad", "good") not in found.dependence
    without = discover(reliable_and_unreliable(copies=3), replace(DEFAULT, detect_copying=False))
    assert without.dependence == {}


def test_claims_sharing_a_declared_origin_count_once() -> None:
    # Three outlets relaying one wire against two independent outlets.
    claims = [
        exact("troops", "a", 94_000, origin="Reuters"),
        exact("troops", "b", 94_000, origin="Reuters"),
        exact("troops", "c", 94_000, origin="Reuters"),
        exact("troops", "d", 100_000),
        exact("troops", "e", 100_000),
    ]
    settings = replace(DEFAULT, detect_copying=False, similarity_weight=0.0)
    truth = discover(claims, settings).truths["troops"]
    assert truth.low == 100_000
    assert truth.independent_origins == 2
    assert majority_vote(claims).truths["troops"].low == 94_000
    one = discover([*claims[:3], exact("troops", "d", 100_000)], settings).truths["troops"]
    assert 0.3 < one.confidence < 0.5  # one origin against one: even, and neither is certain


def test_same_input_in_any_order_gives_the_same_output() -> None:
    claims = reliable_and_unreliable(copies=2)
    first = discover(claims)
    shuffled = list(claims)
    random.Random(7).shuffle(shuffled)
    assert discover(shuffled) == first
    assert discover(claims) == first


def test_a_near_value_supports_its_neighbour() -> None:
    # 100, 101 and 99 are each backed by two sources, 130 by three: the close three support each other.
    claims = [
        exact("x", "a", 100),
        exact("x", "b", 100),
        exact("x", "c", 101),
        exact("x", "c2", 101),
        exact("x", "d", 99),
        exact("x", "d2", 99),
        exact("x", "e", 130),
        exact("x", "f", 130),
        exact("x", "g", 130),
    ]
    settings = replace(DEFAULT, detect_copying=False)
    assert discover(claims, settings).truths["x"].low == 100
    assert majority_vote(claims).truths["x"].low == 130
    assert similarity((100, 100, None), (101, 101, None)) > 0.5
    assert similarity((100, 100, None), (130, 130, None)) < 0.01
    agreeing = discover(claims, settings).sources
    assert agreeing["c"].agreements == 1 and agreeing["e"].conflicts == 1


def test_open_ended_and_hedged_values() -> None:
    # "more than 100,000" fits 120,000; "about 60,000" (54,000–66,000) does not.
    claims = [
        Claim("t", "a", 100_000, None, hedge="more_than"),
        exact("t", "b", 120_000),
        exact("t", "c", 120_000),
        Claim("t", "d", 54_000, 66_000, hedge="about"),
    ]
    truth = discover(claims, replace(DEFAULT, detect_copying=False)).truths["t"]
    assert (truth.low, truth.high) == (120_000, 120_000)
    assert similarity((100_000, None, None), (120_000, 120_000, None)) == 1.0
    # alone, an open-ended value is the answer, and it stays open
    alone = discover([Claim("u", "a", None, 5.0, hedge="less_than")]).truths["u"]
    assert (alone.low, alone.high) == (None, 5.0)
    with pytest.raises(ValueError, match="low"):
        discover([Claim("v", "a", 5.0, 1.0)])


def test_labels_are_equal_or_not() -> None:
    claims = [
        Claim("gate", "a", label="D12"),
        Claim("gate", "b", label="D12"),
        Claim("gate", "c", label="D13"),
    ]
    truth = discover(claims).truths["gate"]
    assert truth.label == "D12" and truth.low is None
    assert similarity((None, None, "D12"), (None, None, "D13")) == 0.0


def test_empty_and_single_claim() -> None:
    empty = discover([])
    assert empty.truths == {} and empty.sources == {} and empty.converged
    assert empty.reliability("anyone") == DEFAULT.prior_reliability
    assert majority_vote([]).truths == {}
    one = discover([exact("x", "a", 7)])
    truth = one.truths["x"]
    assert (truth.low, truth.high, truth.sources, truth.candidates) == (7, 7, ("a",), 1)
    # a lone claim by a source of prior accuracy is as likely as that accuracy
    assert truth.confidence == pytest.approx(DEFAULT.prior_reliability, abs=0.01)
    assert one.sources["a"].reliability == pytest.approx(DEFAULT.prior_reliability, abs=0.01)


def test_a_source_repeating_itself_is_one_claim() -> None:
    claims = [
        exact("x", "a", 1),
        exact("x", "a", 1),
        exact("x", "a", 1),
        exact("x", "b", 2),
        exact("x", "c", 2),
    ]
    assert discover(claims, replace(DEFAULT, detect_copying=False)).truths["x"].low == 2
    assert majority_vote(claims).truths["x"].low == 2


def test_facets_get_their_own_reliability() -> None:
    claims = [Claim(f"s{i}", "a", i, i, facet="schedule") for i in range(5)]
    claims += [Claim(f"d{i}", "a", i, i, facet="delay") for i in range(5)]
    claims += [Claim(f"d{i}", f"w{k}", i + 50, i + 50, facet="delay") for i in range(5) for k in range(2)]
    found = discover(claims, replace(DEFAULT, detect_copying=False))
    schedule, delay = reliability_key("a", "schedule"), reliability_key("a", "delay")
    assert found.sources[schedule].reliability > found.sources[delay].reliability


def runway_and_gate(labelled_items: int) -> list[Claim]:
    """Departures: three sites give the gate time; four give the runway time (15 minutes later)
    without saying so; one site says "runway" of its time on the first ``labelled_items`` items."""
    claims = []
    for i in range(10):
        item, gate = f"flight{i}", 600.0 + 30 * i
        claims += [exact(item, f"gate{k}", gate, kind="departure") for k in range(3)]
        claims += [exact(item, f"wheels{k}", gate + 15 + k // 3, kind="departure") for k in range(4)]
        if i < labelled_items:
            claims.append(exact(item, "labeller", gate + 15, kind="departure", hedge="runway"))
        claims.append(exact(f"gate-of-{i}", "gate0", 1.0, kind="gate"))
    return claims


def test_sources_reporting_a_hedged_quantity_unlabelled_are_set_aside() -> None:
    settings = replace(
        DEFAULT,
        closeness_absolute=1.0,
        closeness_relative=0.0,
        detect_copying=False,
        other_measure_hedges=("runway",),
    )
    # without the hedge named, the four runway sites outvote the three gate sites
    plain = discover(runway_and_gate(6), replace(settings, other_measure_hedges=()))
    assert plain.truths["flight0"].low == 615 and plain.conventions == {}
    found = discover(runway_and_gate(6), settings)
    assert found.conventions == {(f"wheels{k}", "departure"): "runway" for k in range(4)}
    for i in range(10):
        assert found.truths[f"flight{i}"].low == 600 + 30 * i
    assert set(found.sources) == {"gate0", "gate1", "gate2"}
    # too few labelled items to judge a source by: nothing is set aside but the labelled claims
    few = discover(runway_and_gate(settings.convention_min_matches - 1), settings)
    assert few.conventions == {} and few.truths["flight9"].low == 885
    # an item with nothing but set-aside claims keeps them
    alone = discover([exact("x", "labeller", 5.0, hedge="runway")], settings)
    assert alone.truths["x"].low == 5.0


def test_conventions_learned_from_a_longer_record_can_be_passed_in() -> None:
    settings = replace(
        DEFAULT, closeness_absolute=1.0, closeness_relative=0.0, other_measure_hedges=("runway",)
    )
    learned = find_conventions(runway_and_gate(6), settings)
    assert learned == {(f"wheels{k}", "departure"): "runway" for k in range(4)}
    # a later record where nobody labels a runway time: on its own, the runway sites win
    later = runway_and_gate(0)
    assert discover(later, settings).truths["flight0"].low == 615
    found = discover(later, settings, learned)
    assert found.conventions == learned
    assert all(found.truths[f"flight{i}"].low == 600 + 30 * i for i in range(10))
    assert find_conventions(later, settings) == {} == find_conventions(later)
