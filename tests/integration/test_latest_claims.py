"""The latest claims of a few groups, read at once: what a POST shows of its own group and the
related ones."""

from __future__ import annotations

from schemas import ClaimIn
from service import usecases
from service.storage import repository as repo
from tests.support import statements_run

# Subjects far enough apart, in words and in measure, that each starts a group of its own.
SUBJECTS = [
    ("jumlah penduduk Kota Bekasi 2020", "orang"),
    ("harga beras medium di Cianjur", "rupiah"),
    ("panjang jalan tol Cikampek Palimanan", "km"),
    ("produksi padi Jawa Barat 2022", "ton"),
    ("luas hutan terbakar di Riau", "hektare"),
    ("durasi pemadaman listrik Jawa Bali", "jam"),
]
OUTLETS = ["Kompas", "Tempo", "Antara", "Detik", "Republika", "Okezone", "Liputan6"]


def _fill(ctx) -> dict[int, list[int]]:
    """Groups of 1 to 6 claims, one of each retracted where there are three or more: claim ids by group."""
    groups: dict[int, list[int]] = {}
    for n, (subject, unit) in enumerate(SUBJECTS, start=1):
        for i in range(n):
            body = {"subject": subject, "value": f"{100 + 7 * i} {unit}", "source": {"name": OUTLETS[i]},
                    "as_of": "2023-06-01"}  # fmt: skip
            posted = usecases.post_claim(ctx, ClaimIn().load(body))
            groups.setdefault(posted.group.id, []).append(posted.claim.id)
    assert len(groups) == len(SUBJECTS)
    for ids in groups.values():
        if len(ids) >= 3:
            usecases.retract_claim(ctx, str(ids[1]))
            ids.remove(ids[1])
    return groups


def test_each_group_gives_its_latest_listed_claims_oldest_first(ctx) -> None:
    groups = _fill(ctx)
    ids = sorted(groups)
    excluded = groups[ids[-1]][-1]
    cases = [
        {ids[0]: 20},
        {ids[3]: 2, ids[1]: 3},
        {gid: limit for gid, limit in zip(ids, [3, 1, 20, 2, 3, 3], strict=True)},
        {ids[-1]: 20, 999_999: 3},  # a group that does not exist gives nothing
        {ids[2]: 0, ids[4]: 2},  # nor does a limit of none
    ]
    with ctx.db.reading() as session:
        for limits in cases:
            found = repo.latest_claims_of_groups(session, limits, exclude=excluded)
            listed = {gid: [i for i in groups.get(gid, []) if i != excluded] for gid in limits}
            expected = {gid: listed[gid][max(len(listed[gid]) - limit, 0) :] for gid, limit in limits.items()}
            assert {gid: [row.id for row in rows] for gid, rows in found.items()} == expected
            for gid, rows in found.items():
                assert all(row.group_id == gid and row.retracted_at is None for row in rows)


def test_one_statement_whatever_the_number_of_groups_on_postgresql(ctx) -> None:
    groups = sorted(_fill(ctx))
    with statements_run(ctx.db.engine) as run, ctx.db.reading() as session:
        for count in (1, 2, 4, 6):
            repo.latest_claims_of_groups(session, {gid: 3 for gid in groups[:count]}, exclude=0)
    statements = [sql for sql in run if sql.lstrip().upper().startswith("SELECT")]  # not BEGIN, COMMIT
    assert len(statements) == 4
    # PostgreSQL is given one statement to prepare; SQLite's is a union as long as the groups.
    assert len(set(statements)) == (4 if ctx.db.is_sqlite else 1)
