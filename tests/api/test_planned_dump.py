"""Every answer dumped by a planned schema (schemas/dumping.py) is, byte for byte, marshmallow's own."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from marshmallow import Schema, fields, post_dump

from schemas.dumping import PlannedDump, Reader, attribute_reader
from tests.api.helpers import CALL, post

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _wire(data: Any) -> str:
    """As the client reads it: 1 and 1.0 and True are not the same answer."""
    return json.dumps(data, sort_keys=True, default=str)


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Each planned dump made while the test runs is checked against marshmallow's dump of the
    same object; the names of the schemas checked are counted."""
    planned = PlannedDump.dump
    seen: Counter[str] = Counter()

    def checked(self: PlannedDump, obj: Any, *, many: bool | None = None) -> Any:
        mine = planned(self, obj, many=many)
        assert _wire(mine) == _wire(Schema.dump(self, obj, many=many)), type(self).__name__
        seen[type(self).__name__] += 1
        return mine

    monkeypatch.setattr(PlannedDump, "dump", checked)
    yield seen


def test_every_answer_of_a_working_newsroom_is_marshmallows_own(client, compared) -> None:
    for seed in sorted(SEEDS.glob("*.txt")):
        answer = client.post("/documents", json={"text": seed.read_text(encoding="utf-8"),
                                                 "source": {"name": seed.stem}})  # fmt: skip
        assert answer.status_code == 201, answer.json
    document_id = answer.json["document"]["id"]
    first = post(
        client, value="60.000 hingga 90.000", source={"name": "Kompas.com", "url": "https://kompas.com/a"}
    )
    post(
        client, value="lebih dari 100.000", source={"name": "Tempo"}, quote="lebih dari 100.000 tentara Rusia"
    )
    post(client, value="175.000", source={"name": "Detik"}, published_at="2021-12-31T08:00:00+07:00")
    post(client, subject=CALL, value="50 menit", unit=None, source={"name": "CNN Indonesia"})
    again = post(
        client, value="60.000 hingga 90.000", source={"name": "Kompas.com", "url": "https://kompas.com/a"}
    )
    assert again.status_code == 200
    claim_id, group_id = first.json["claim"]["id"], first.json["claim"]["group_id"]
    ruled = client.patch(f"/claims/{claim_id}", json={"rank": "preferred", "reason": "official figures"})
    assert ruled.status_code == 200, ruled.json
    for path in ("/claims", f"/claims/{claim_id}", "/groups", f"/groups/{group_id}",
                 f"/groups/{group_id}/timeline", "/topics", "/topics/russia-ukraine-crisis/conflicts",
                 "/sources", "/sources/Tempo", f"/documents/{document_id}", "/healthz"):  # fmt: skip
        assert client.get(path).status_code == 200, path
    assert client.delete(f"/claims/{claim_id}").status_code == 200
    assert client.get("/claims/999999").status_code == 404
    answered = ("PostedClaimOut PostedDocumentOut ClaimOut GroupOut GroupSummaryOut ConsensusOut ConflictOut "
                "MatchOut ClaimPageOut GroupPageOut TimelineOut TopicOut TopicConflictsOut OutletPageOut "
                "OutletDetailOut HealthOut")  # fmt: skip
    for schema in answered.split():
        assert compared[schema], f"{schema} was never dumped"


class _Shapes(PlannedDump):
    """The kinds of field a dump meets, each with what marshmallow does at its edges."""

    plain = fields.String()
    renamed = fields.String(data_key="shown")
    read_elsewhere = fields.Integer(attribute="other")
    defaulted = fields.String(dump_default="none given")
    made = fields.Float(dump_default=lambda: 1.5)
    absent = fields.String()
    when = fields.DateTime()
    number_text = fields.Integer(as_string=True)
    computed = fields.Function(lambda obj: obj.plain.upper())
    method = fields.Method("_twice")
    nothing = fields.Method()  # formats to `missing`: left out
    items = fields.List(fields.String())
    inner = fields.Nested(lambda: _Inner(), allow_none=True)
    inners = fields.List(fields.Nested(lambda: _Inner()))

    def _twice(self, obj: Any) -> str:
        return obj.plain * 2


class _Inner(PlannedDump):
    word = fields.String()


class _Hooked(PlannedDump):
    word = fields.String()

    @post_dump
    def _shout(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**data, "word": data["word"].upper()}


def _thing(**overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "plain": "kata", "renamed": 7, "other": "12", "when": datetime(2021, 12, 30, 8, tzinfo=UTC),
        "number_text": 3, "items": ["a", 2, b"c"], "inner": SimpleNamespace(word="dalam"),
        "inners": [SimpleNamespace(word="x"), {"word": "y"}],
    }  # fmt: skip
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    "thing",
    [_thing(), _thing(plain=b"bytes", inner=None, inners=[]), _thing(defaulted=None, made=0, absent="ada")],
)
def test_each_kind_of_field_dumps_as_marshmallow_dumps_it(thing: SimpleNamespace) -> None:
    for schema in (_Shapes(), _Shapes(only=("plain", "renamed", "inner")), _Shapes(exclude=("computed",))):
        assert _wire(schema.dump(thing)) == _wire(Schema.dump(schema, thing))
        assert _wire(schema.dump([thing, thing], many=True)) == _wire(
            Schema.dump(schema, [thing, thing], many=True)
        )
    dumped = _Shapes().dump(thing)
    assert ("absent" in dumped) == hasattr(thing, "absent")  # a missing attribute is left out
    assert dumped["shown"] == str(thing.renamed)
    assert "nothing" not in dumped


def test_a_schema_with_a_dump_hook_is_dumped_by_marshmallow() -> None:
    assert _Hooked().dump(SimpleNamespace(word="keras")) == {"word": "KERAS"}
    assert _Hooked(many=True).dump([SimpleNamespace(word="a")]) == [{"word": "A"}]


class _ReadInPlace(_Shapes):
    """The same fields, their attributes read as the claim schemas read them (`attribute_reader`):
    written into the compiled dump as `obj.name`, but for a name Python does not allow there."""

    keyword = fields.String(attribute="class", dump_default="kelas")
    ligature = fields.String(attribute="\ufb01")  # "ﬁ": Python reads `obj.ﬁ` in source as `obj.fi`

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return getattr(obj, attr, default)

    def reader(self, attribute: str) -> Reader:
        return attribute_reader(attribute)


class _Refusing(SimpleNamespace):
    @property
    def absent(self) -> str:
        raise AttributeError("not loaded")  # as getattr with a default: missing


@pytest.mark.parametrize(
    "thing",
    [
        _thing(),
        _thing(defaulted=None, made=0, absent="ada", fi="bukan", **{"class": "IX", "\ufb01": "ini"}),
        _Refusing(**vars(_thing(plain="tolak"))),
    ],
)
def test_attributes_read_in_place_dump_as_marshmallow_dumps_them(thing: SimpleNamespace) -> None:
    schema = _ReadInPlace()
    assert _wire(schema.dump(thing)) == _wire(Schema.dump(schema, thing))
    assert _wire(schema.dump([thing, thing], many=True)) == _wire(
        Schema.dump(schema, [thing, thing], many=True)
    )
    dumped = schema.dump(thing)
    assert dumped["keyword"] == getattr(thing, "class", "kelas")
    assert dumped.get("ligature") == getattr(thing, "\ufb01", None)
    assert ("absent" in dumped) is (type(thing) is not _Refusing and hasattr(thing, "absent"))
