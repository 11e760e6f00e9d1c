"""Which stored groups a new claim is matched against, through the real database.

Every form the hard rules let a subject join is scored, however many other forms share its words;
a range of forms too large to read whole is searched through the blocking keys instead; the very
same words in another period come back as a related group.
"""

from __future__ import annotations

import pytest

from schemas import ClaimIn
from service import usecases
from service.domain import verdicts
from service.storage import repository as repo


def _post(ctx, subject: str, value: str = "120 orang", source: str = "Kompas") -> usecases.PostedClaim:
    body = {"subject": subject, "value": value, "source": {"name": source}}
    return usecases.post_claim(ctx, ClaimIn().load(body))


def test_a_joinable_form_is_found_however_many_forms_share_more_of_its_keys(ctx, monkeypatch) -> None:
    # The typo shares only a few of the place name's keys; the decoys (other years) share them all
    # and outnumber what the blocking keys hand to the scorer.
    monkeypatch.setattr(repo, "CANDIDATE_LIMIT", 4)
    target = _post(ctx, "korban tewas gempa Cianjru 2023")
    for year in range(2010, 2020):
        _post(ctx, f"korban tewas gempa Cianjur {year}")
    posted = _post(ctx, "korban tewas gempa Cianjur 2023", "121 orang", "Tempo")
    assert posted.group.id == target.group.id
    assert posted.group.size == 2


def test_a_range_too_large_to_read_whole_is_searched_through_the_keys(ctx, monkeypatch) -> None:
    monkeypatch.setattr(repo, "RULES_SCAN_LIMIT", 3)
    groups = {
        place: _post(ctx, f"korban tewas gempa {place} 2023").group.id
        for place in ("Cianjur", "Garut", "Sumedang", "Tasikmalaya", "Bandung Barat")
    }
    posted = _post(ctx, "korban tewas gempa Sumedng 2023", "121 orang", "Tempo")
    assert posted.group.id == groups["Sumedang"]
    fresh = _post(ctx, "korban tewas gempa Majalengka 2023", "5 orang", "Tempo")
    assert fresh.group.id not in groups.values()


def test_the_same_words_in_another_period_are_a_related_group(ctx) -> None:
    earlier = _post(ctx, "jumlah tentara Rusia di perbatasan Ukraina 2021", "100.000 tentara")
    posted = _post(ctx, "jumlah tentara Rusia di perbatasan Ukraina 2022", "130.000 tentara", "Tempo")
    assert posted.group.id != earlier.group.id  # another year: never the same group
    related = [m for m in posted.matches if m.relation == verdicts.RELATED]
    assert [m.claim.id for m in related] == [earlier.claim.id]
    assert related[0].similarity == 1.0


def test_a_generic_subject_joins_nothing_but_still_sees_its_words(ctx) -> None:
    first = _post(ctx, "jumlah korban")
    second = _post(ctx, "jumlah korban", "300 orang", "Tempo")
    assert second.group.id != first.group.id
    assert [m.claim.id for m in second.matches if m.relation == verdicts.RELATED] == [first.claim.id]


@pytest.mark.parametrize("event_date", [None, "2023-11-21"])
def test_an_event_date_is_part_of_the_range(ctx, event_date: str | None) -> None:
    body = {"subject": "korban tewas gempa Cianjur", "value": "162 orang", "source": {"name": "Kompas"}}
    dated = usecases.post_claim(ctx, ClaimIn().load({**body, "event_date": "2023-11-21"}))
    other = {**body, "source": {"name": "Tempo"}, "value": "160 orang"}
    if event_date:
        other["event_date"] = event_date
    posted = usecases.post_claim(ctx, ClaimIn().load(other))
    assert (posted.group.id == dated.group.id) is (event_date is not None)
