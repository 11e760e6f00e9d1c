"""Claims as the verdicts see them, made in bulk: `usecases.claim_views` reads rows by position and
`usecases.claim_view_of_fields` reads the columns a claim is written with; both must make the very
views `usecases.claim_view` makes of the same claims.

The claims are posted as a newsroom would: a figure, a range, a hedged one, a label, with and
without an origin, dated and undated.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schemas import ClaimIn
from service import usecases
from service.storage import repository as repo
from service.storage.models import Claim

SUBJECT = "jumlah pengungsi banjir Demak uji pandangan"


def _post(ctx, body: dict) -> usecases.PostedClaim:
    return usecases.post_claim(ctx, ClaimIn().load({"subject": SUBJECT, **body}))


def _posted(ctx) -> int:
    first = _post(ctx, {"value": "21.000 orang", "source": {"name": "Kompas"}, "as_of": "2024-03-20"})
    _post(ctx, {"value": "sekitar 20.000 hingga 25.000 orang", "source": {"name": "Tempo"},
                "origin": "BNPB", "as_of": "2024-03-21"})  # fmt: skip
    _post(ctx, {"value": "lebih dari 24.000 orang", "source": {"name": "Detik.com"}, "origin": "BPBD Demak"})
    _post(ctx, {"value": {"low": 19000, "high": 19000, "unit": "orang"}, "source": {"name": "Antara"}})
    return first.group.id


def _labelled(ctx) -> int:
    """A categorical figure: its label and the label as given are both read."""
    body = {"subject": "status tanggap darurat banjir Demak uji pandangan", "source": {"name": "Kompas"}}
    first = usecases.post_claim(ctx, ClaimIn().load({**body, "value": {"label": "Siaga Darurat"}}))
    other = {**body, "value": {"label": "awas"}, "source": {"name": "Tempo"}}
    usecases.post_claim(ctx, ClaimIn().load(other))
    return first.group.id


def test_views_of_rows_read_by_position_are_the_views_read_by_name(ctx) -> None:
    group_id = _posted(ctx)
    with ctx.db.reading() as session:
        rows = repo.active_claim_rows(session, group_id)
        narrow = list(session.execute(  # no value as written, columns in another order
            select(Claim.as_of, Claim.origin, Claim.source_name, *(getattr(Claim, c) for c in (
                "value_display_label", "value_label", "value_hedge", "value_dimension", "value_unit",
                "value_high", "value_low", "id")))
            .where(Claim.group_id == group_id).order_by(Claim.id)
        ))  # fmt: skip
        claims = list(session.scalars(select(Claim).where(Claim.group_id == group_id).order_by(Claim.id)))
        assert len(rows) == 4
        assert usecases.claim_views(rows) == [usecases.claim_view(row) for row in rows]
        assert usecases.claim_views(narrow) == [usecases.claim_view(row) for row in narrow]
        assert usecases.claim_views(claims) == [usecases.claim_view(claim) for claim in claims]
    views = usecases.claim_views(rows)
    written = ["21.000 orang", "sekitar 20.000 hingga 25.000 orang", "lebih dari 24.000 orang", None]
    assert [v.value.text for v in views] == written  # the value as written, where read
    assert [v.value.text for v in usecases.claim_views(narrow)] == [None] * 4
    assert [v.origin_key for v in views] == ["kompas", "bnpb", "bpbd demak", "antara"]
    assert usecases.claim_views([]) == []


def test_labelled_views_read_by_position_are_the_views_read_by_name(ctx) -> None:
    group_id = _labelled(ctx)
    with ctx.db.reading() as session:
        rows = repo.active_claim_rows(session, group_id)
    views = usecases.claim_views(rows)
    assert views == [usecases.claim_view(row) for row in rows]
    assert [(v.value.label, v.value.display_label) for v in views] == [
        (row.value_label, row.value_display_label) for row in rows
    ]
    assert views[0].value.label != views[0].value.display_label  # a swap of the two would show


def test_rows_of_two_queries_are_not_read_as_one(ctx) -> None:
    group_id = _posted(ctx)
    with ctx.db.reading() as session:
        rows = repo.active_claim_rows(session, group_id)
        other = list(session.execute(select(Claim.as_of, Claim.id, *(getattr(Claim, c) for c in (
            "value_low", "value_high", "value_unit", "value_dimension", "value_hedge", "value_label",
            "value_display_label", "source_name", "origin"))).where(Claim.group_id == group_id)))  # fmt: skip
    with pytest.raises(AssertionError, match="one query"):
        usecases.claim_views(rows + other)


def test_the_view_of_a_claims_written_columns_is_the_view_of_the_claim(ctx) -> None:
    group_id = _posted(ctx)
    with ctx.db.reading() as session:
        claims = list(session.scalars(select(Claim).where(Claim.group_id == group_id).order_by(Claim.id)))
        for claim in claims:
            fields = {column.key: getattr(claim, column.key) for column in Claim.__table__.c}
            assert usecases.claim_view_of_fields(fields) == usecases.claim_view(claim)
