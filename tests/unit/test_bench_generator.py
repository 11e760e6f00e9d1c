"""The benchmark's claim generator: deterministic, valid claims, near-duplicates the matcher groups."""

from __future__ import annotations

from collections import Counter

from bench.generator import Corpus
from schemas import ClaimIn
from service.domain import matching
from service.usecases import read_value


def test_the_same_seed_gives_the_same_claims_and_another_seed_others() -> None:
    first = [c.body() for c in Corpus(3, 500).claims()]
    assert first == [c.body() for c in Corpus(3, 500).claims()]
    assert first != [c.body() for c in Corpus(4, 500).claims()]
    assert [c.body() for c in Corpus(3, 500).queries(20)] == [c.body() for c in Corpus(3, 500).queries(20)]


def test_every_claim_is_a_valid_post_body_whose_value_reads() -> None:
    schema = ClaimIn()
    for claim in Corpus(5, 2000).claims():
        read_value(schema.load(claim.body()))


def test_a_few_subjects_get_most_claims() -> None:
    counts = Counter(c.subject.id for c in Corpus(7, 20_000).claims())
    top = sum(n for _, n in counts.most_common(len(counts) // 100))
    assert top > 0.2 * 20_000  # the head of a Zipf curve: 1% of subjects, over a fifth of the claims


def test_phrasings_of_one_subject_mostly_normalise_alike_and_vary_otherwise() -> None:
    lexicon = matching.load_lexicon()
    by_subject: dict[int, list[str]] = {}
    for claim in Corpus(7, 20_000).claims():
        by_subject.setdefault(claim.subject.id, []).append(claim.text)
    texts = by_subject[max(by_subject, key=lambda s: len(by_subject[s]))]
    forms = Counter(matching.normalise_subject(t, lexicon).form for t in texts)
    assert len(set(texts)) > 20  # said many ways
    assert forms.most_common(1)[0][1] > 0.4 * len(texts)  # many of them the same form
    assert len(forms) > 3  # and typos or fillers that the scorer must forgive
