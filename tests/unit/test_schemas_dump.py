"""Answers dumped by a shortcut say exactly what the schema they stand for would."""

from __future__ import annotations

from types import SimpleNamespace

from marshmallow import Schema, fields

from schemas import ConflictOut, GroupSummaryOut, StoredConflicts


class _PlainConflicts(Schema):
    conflicts = fields.List(fields.Nested(ConflictOut))


class _Shortcut(Schema):
    conflicts = StoredConflicts()


STORED = [
    {"claims": ["12", "40"], "explanation": "60.000–90.000 vs 175.000: no overlap"},
    {"claims": [7, 9], "explanation": "50 menit vs 2 jam"},  # ids kept as numbers by an older writer
    {"claims": ["3", "4"]},  # no explanation
    {"explanation": "only an explanation"},
    {"claims": [], "explanation": "", "kept_aside": "a key the answer does not show"},
]


def test_stored_conflicts_dump_as_the_list_of_conflict_schemas_would() -> None:
    for stored in (STORED, [], None):
        group = SimpleNamespace(conflicts=stored)
        assert _Shortcut().dump(group) == _PlainConflicts().dump(group)


def test_a_group_summary_shows_its_conflicts_with_ids_as_text() -> None:
    group = SimpleNamespace(
        id=5, label="tentara Rusia", topic_slug=None, unit="troop", dimension="count", event_date=None,
        size=3, sources=3, origins=3, conflict=True, conflicts=STORED[:2], consensus=None,
        consensus_at=None, behind_since=None,
    )  # fmt: skip
    dumped = GroupSummaryOut().dump(group)
    assert dumped["conflicts"][1] == {"claims": ["7", "9"], "explanation": "50 menit vs 2 jam"}
    assert dumped["id"] == "5"
