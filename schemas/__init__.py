"""The wire contract: marshmallow schemas, from which /openapi.json is generated.

Inputs load into the use cases' dataclasses; outputs dump the storage models as the API shows them.
"""

from __future__ import annotations

import contextlib
import math
import re
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate

from schemas.dumping import PlannedDump, Reader, attribute_reader
from service.usecases import ClaimInput, DocumentInput

LANGUAGES = ("id", "en")
VALUE_KEYS = ("low", "high", "amount", "unit", "hedge", "label")


# Dates outside these are typos, not news; they also keep date arithmetic away from its limits.
EARLIEST = date(1800, 1, 1)
LATEST = date(2200, 12, 31)
# Ids are 32-bit in PostgreSQL.
MAX_ID = 2**31 - 1


# A UTF-16 surrogate left alone: JSON can escape one (`"\ud800"`), but it is not a character, and
# neither database's UTF-8 can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any, path: str = "") -> None:
    """Text either database can store, in every string of a body, its keys too: no NUL (PostgreSQL
    cannot store one; no news text needs it) and no lone surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError("must not contain NUL characters", path or "body")
        if not value.isascii() and _LONE_SURROGATE.search(value):
            raise ValidationError("must not contain a lone UTF-16 surrogate", path or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key, path or "body")
            _storable(item, path or str(key))
    elif isinstance(value, list):
        for item in value:
            _storable(item, path)


class _Strict(Schema):
    class Meta:
        unknown = RAISE

    @pre_load
    def _refuse_unstorable_text(self, data: Any, **kwargs: Any) -> Any:
        _storable(data)
        return data


# --- fields ------------------------------------------------------------------------------------


class Text(fields.String):
    """A string with its surrounding white space removed before it is validated."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _in_range(day: date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(f"must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}")


class FlexibleDate(fields.Date):
    """A calendar date; a full timestamp is accepted and read as its own local date."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day: date | None = None
        if isinstance(value, str) and len(value) > 10:
            with contextlib.suppress(ValueError):
                day = datetime.fromisoformat(value).date()
        if day is None:
            day = super()._deserialize(value, attr, data, **kwargs)
        _in_range(day)
        return day


class FlexibleDateTime(fields.DateTime):
    """A timestamp; a bare date means midnight UTC of that day."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed: datetime | None = None
        if isinstance(value, str) and len(value) == 10:
            with contextlib.suppress(ValueError):
                parsed = datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        if parsed is None:
            parsed = super()._deserialize(value, attr, data, **kwargs)
        _in_range(parsed.date())
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ValueField(fields.Field):
    """The value as written ("lebih dari 100.000") or as parts ({"low": .., "high": .., "unit": ..})."""

    default_error_messages = {  # noqa: RUF012
        "invalid": "must be the value as written (a string) or an object with low/high, amount, or label",
        "empty": "must not be empty",
        "too_long": "must be at most 500 characters",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | dict[str, Any]:
        if isinstance(value, str):
            if not value.strip():
                raise self.make_error("empty")
            if len(value) > 500:
                raise self.make_error("too_long")
            return value.strip()
        if isinstance(value, dict):
            return _value_parts(value)
        raise self.make_error("invalid")


_PART_LENGTHS = {"unit": 60, "hedge": 40, "label": 200}


def _value_parts(parts: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, item in parts.items():
        if key not in VALUE_KEYS:
            errors[key] = [f"unknown key; allowed: {', '.join(VALUE_KEYS)}"]
        elif item is None:
            continue
        elif key in ("low", "high", "amount"):
            number = _finite(item)
            if number is None:
                errors[key] = ["must be a finite number"]
            cleaned[key] = number
        elif not isinstance(item, str):
            errors[key] = ["must be a string"]
        elif len(item) > _PART_LENGTHS[key]:
            errors[key] = [f"must be at most {_PART_LENGTHS[key]} characters"]
        else:
            cleaned[key] = item
    if errors:
        raise ValidationError(errors)
    if not any(k in cleaned for k in ("low", "high", "amount", "label")):
        raise ValidationError("needs low and/or high, amount, or label")
    return cleaned


def _finite(item: Any) -> float | None:
    if isinstance(item, bool) or not isinstance(item, int | float):
        return None
    try:
        number = float(item)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None


class Amount(fields.Float):
    """A number as JSON shows it best: 94000, not 94000.0."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> float | int | None:
        if value is None:
            return None
        return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


class Id(fields.String):
    """Ids are opaque strings on the wire."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


# --- requests ----------------------------------------------------------------------------------


class SourceIn(_Strict):
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ClaimIn(_Strict):
    subject = Text(required=True, validate=validate.Length(min=3, max=300))
    value = ValueField(
        required=True,
        metadata={"oneOf": [{"type": "string", "minLength": 1, "maxLength": 500}, {"type": "object"}]},
    )
    unit = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=60))
    source = fields.Nested(SourceIn, required=True)
    published_at = FlexibleDateTime(load_default=None, allow_none=True)
    as_of = FlexibleDate(load_default=None, allow_none=True)
    event_date = FlexibleDate(load_default=None, allow_none=True)
    topic = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    quote = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    attributed_to = Text(load_default=None, allow_none=True, validate=validate.Length(max=300))
    origin = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))

    @post_load
    def _to_input(self, data: dict[str, Any], **kwargs: Any) -> ClaimInput:
        source = data.pop("source")
        return ClaimInput(
            subject=data.pop("subject"),
            source_name=source["name"],
            source_url=source.get("url"),
            **data,
        )


class RulingIn(_Strict):
    rank = fields.String(required=True, validate=validate.OneOf(["preferred", "normal", "deprecated"]))
    reason = Text(
        required=True,
        validate=validate.Length(min=1, max=300),
        metadata={"example": "confirmed by official data"},
    )


class DocumentIn(_Strict):
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1_000_000),
        metadata={"description": "the whole article, as plain text or as the page's HTML"},
    )
    source = fields.Nested(SourceIn, required=True)
    published_at = FlexibleDateTime(load_default=None, allow_none=True)
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))
    topic = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))

    @post_load
    def _to_input(self, data: dict[str, Any], **kwargs: Any) -> DocumentInput:
        source = data.pop("source")
        return DocumentInput(source_name=source["name"], source_url=source.get("url"), **data)


class PageArgs(_Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ClaimQuery(PageArgs):
    source = Text(
        load_default=None, validate=validate.Length(max=200), metadata={"description": "outlet name"}
    )
    q = Text(load_default=None, validate=validate.Length(max=200))
    topic = Text(load_default=None, validate=validate.Length(max=120), metadata={"description": "topic slug"})
    group = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    include_retracted = fields.Boolean(load_default=False)


class GroupQuery(PageArgs):
    q = Text(load_default=None, validate=validate.Length(max=200))
    topic = Text(load_default=None, validate=validate.Length(max=120), metadata={"description": "topic slug"})
    conflict = fields.Boolean(load_default=None, allow_none=True)


# --- responses ---------------------------------------------------------------------------------


class _ClaimParts(PlannedDump):
    """Dumps a stored claim (or a use case's dataclass around one): each field is one attribute,
    read straight off the object instead of through marshmallow's lookup for any kind of object
    (keys, dotted paths), which was most of the time a POST's response took to dump its claims."""

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return getattr(obj, attr, default)

    def reader(self, attribute: str) -> Reader:
        return attribute_reader(attribute)


class ValueOut(_ClaimParts):
    text = fields.String(attribute="value_text", allow_none=True)
    low = Amount(attribute="value_low", allow_none=True)
    high = Amount(attribute="value_high", allow_none=True)
    unit = fields.String(attribute="value_unit")
    dimension = fields.String(attribute="value_dimension")
    hedge = fields.String(attribute="value_hedge")
    label = fields.String(attribute="value_display_label", allow_none=True)


class SourceOut(_ClaimParts):
    name = fields.String(attribute="source_name")
    url = fields.String(attribute="source_url", allow_none=True)


class ClaimOut(_ClaimParts):
    id = Id()
    subject = fields.String()
    value = fields.Nested(ValueOut)
    unit = fields.String(attribute="unit_given", allow_none=True)
    source = fields.Nested(SourceOut)
    published_at = fields.DateTime(allow_none=True)
    as_of = fields.Date(allow_none=True)
    event_date = fields.Date(allow_none=True)
    topic = fields.String(attribute="topic_slug", allow_none=True)
    quote = fields.String(allow_none=True)
    attributed_to = fields.String(allow_none=True)
    origin = fields.String(allow_none=True)
    language = fields.String()
    group_id = Id()
    document = fields.Function(
        lambda c: (
            {"id": str(c.document_id), "start": c.value_start, "end": c.value_end} if c.document_id else None
        ),
        metadata={
            "description": "for a claim read from an article: the article and the value's offsets in it"
        },
    )
    status = fields.Function(lambda c: "retracted" if c.retracted_at else "active")
    rank = fields.String(
        metadata={"description": "an editor's ruling: preferred (sets the consensus), normal, deprecated"}
    )
    ruling = fields.Function(
        lambda c: (
            {"rank": c.rank, "reason": c.rank_reason, "by": c.ranked_by, "at": c.ranked_at.isoformat()}
            if c.ranked_at
            else None
        ),
        metadata={"description": "the latest editor's ruling on this claim: rank, reason, who and when"},
    )
    copy_of = fields.Function(
        lambda c: str(c.copy_of) if c.copy_of else None,
        metadata={
            "description": "the claim whose quote this one nearly repeats: the two count as one origin"
        },
    )
    created_at = fields.DateTime()
    retracted_at = fields.DateTime(allow_none=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr in _OWN_COLUMNS:
            return obj
        return super().get_attribute(obj, attr, default)

    def reader(self, attribute: str) -> Reader:
        if attribute in _OWN_COLUMNS:
            return lambda obj, default: obj
        return super().reader(attribute)


_OWN_COLUMNS = ("value", "source")  # ClaimOut's nested schemas read the claim's own columns


class ConflictOut(PlannedDump):
    claims = fields.List(fields.String())
    explanation = fields.String()


class StoredConflicts(fields.List):
    """A group's conflicts as stored (`usecases.conflicts_json`): documented as a list of
    ConflictOut, copied as ConflictOut would dump them without a schema's dump for each. A
    much-reported group lists a hundred, each in every answer that shows the group."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.Nested(ConflictOut), **kwargs)

    def _serialize(
        self, value: Any, attr: str | None, obj: Any, **kwargs: Any
    ) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        dumped = []
        for conflict in value:
            item: dict[str, Any] = {}
            if "claims" in conflict:
                item["claims"] = [str(c) for c in conflict["claims"]]
            if "explanation" in conflict:
                item["explanation"] = str(conflict["explanation"])
            dumped.append(item)
        return dumped


class ConsensusOut(PlannedDump):
    low = Amount(allow_none=True)
    high = Amount(allow_none=True)
    unit = fields.String()
    label = fields.String(allow_none=True)
    support = fields.Integer(metadata={"description": "claims that back the value"})
    sources = fields.List(fields.String(), metadata={"description": "outlets that back the value"})
    independent_origins = fields.Integer(metadata={"description": "backers, counting a shared origin once"})
    confidence = fields.Float(
        metadata={"description": "share of the group's origins backing it, with one dissenter assumed"}
    )
    explanation = fields.String()
    ruled = fields.Boolean(metadata={"description": "set by an editor's ruling rather than counted"})


class GroupSummaryOut(PlannedDump):
    id = Id()
    label = fields.String()
    topic = fields.String(attribute="topic_slug", allow_none=True)
    unit = fields.String()
    dimension = fields.String()
    event_date = fields.Date(allow_none=True)
    size = fields.Integer()
    sources = fields.Integer()
    independent_origins = fields.Integer(
        attribute="origins",
        metadata={"description": "distinct origins: a shared declared origin or a copied quote counts once"},
    )
    conflict = fields.Boolean()
    conflicts = StoredConflicts()
    consensus = fields.Nested(ConsensusOut, allow_none=True)
    consensus_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "when the consensus, sources and origins were counted; a group of a hundred "
            "claims or more has them counted in the background some twenty seconds after a change, "
            "and by its next claim once a claim has waited a minute; its size and conflicts always"
        },
    )
    behind_since = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "when the oldest claim that `consensus_at`'s count has not taken in arrived; "
            "null when the consensus counts every claim"
        },
    )


class GroupOut(GroupSummaryOut):
    """A group with its claims; dumps a use case's GroupView."""

    claims = fields.List(fields.Nested(ClaimOut))

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "claims":
            return obj.claims
        return super().get_attribute(obj.group, attr, default)


class MatchOut(_ClaimParts):
    claim = fields.Nested(ClaimOut)
    similarity = fields.Float()
    relation = fields.String(metadata={"enum": ["agrees", "conflicts", "other_time", "related"]})


class PostedClaimOut(PlannedDump):
    claim = fields.Nested(ClaimOut)
    group = fields.Nested(GroupSummaryOut)
    matches = fields.List(fields.Nested(MatchOut))


class _PageOut(PlannedDump):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ClaimPageOut(_PageOut):
    items = fields.List(fields.Nested(ClaimOut))


class SourceQuery(PageArgs):
    q = Text(
        load_default=None, validate=validate.Length(max=200), metadata={"description": "part of the name"}
    )


class OutletOut(PlannedDump):
    name = fields.String()
    claims = fields.Integer(metadata={"description": "claims stored, retracted ones left out"})
    groups = fields.Integer(metadata={"description": "groups its claims are in"})
    reliability = fields.Float(
        allow_none=True,
        metadata={
            "description": "estimated from all claims by `ceksilang reliability`; null before the first run"
        },
    )
    agreements = fields.Integer(allow_none=True, metadata={"description": "claims near the estimated truth"})
    conflicts = fields.Integer(allow_none=True, metadata={"description": "claims away from it"})
    estimated_at = fields.DateTime(allow_none=True)


class OutletDetailOut(OutletOut):
    latest_claims = fields.List(fields.Nested(ClaimOut))


class OutletPageOut(_PageOut):
    items = fields.List(fields.Nested(OutletOut))


class GroupPageOut(_PageOut):
    items = fields.List(fields.Nested(GroupSummaryOut))


class TopicOut(PlannedDump):
    slug = fields.String()
    label = fields.String()
    groups = fields.Integer()
    conflicting_groups = fields.Integer()


class AsOfArgs(_Strict):
    as_of = fields.Date(
        load_default=None,
        metadata={"description": "the picture as it stood that day: claims dated on or before it"},
    )


class MomentOut(PlannedDump):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    claims = fields.List(fields.Nested(ClaimOut))
    conflicts = fields.List(fields.Nested(ConflictOut))
    consensus = fields.Nested(ConsensusOut, allow_none=True)


class TimelineOut(PlannedDump):
    group = fields.Nested(GroupSummaryOut)
    moments = fields.List(
        fields.Nested(MomentOut),
        metadata={"description": "the group's claims in stretches of the conflict window, oldest first"},
    )


class TopicConflictsOut(PlannedDump):
    topic = fields.Nested(TopicOut)
    groups = fields.List(fields.Nested(GroupOut))


class DocumentOut(PlannedDump):
    id = Id()
    source = fields.Function(lambda d: {"name": d.source_name, "url": d.source_url})
    published_at = fields.DateTime(allow_none=True)
    language = fields.String()
    topic = fields.String(attribute="topic_slug", allow_none=True)
    origin = fields.String(allow_none=True, metadata={"description": "the wire the article relies on"})
    created_at = fields.DateTime()


class PostedDocumentOut(PlannedDump):
    document = fields.Nested(DocumentOut)
    claims = fields.List(fields.Nested(ClaimOut))
    groups = fields.List(fields.Nested(GroupSummaryOut))


class HealthOut(PlannedDump):
    status = fields.String()


class ReadyOut(PlannedDump):
    status = fields.String(metadata={"example": "ready"})
    database = fields.String(metadata={"example": "ok"})
    revision = fields.String(allow_none=True, metadata={"description": "the schema revision of the database"})
    expected_revision = fields.String(metadata={"description": "the revision this code expects"})


class ProblemOut(PlannedDump):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(), values=fields.Raw(), metadata={"description": "messages by field name"}
    )


# --- webhooks ----------------------------------------------------------------------------------


class WebhookIn(_Strict):
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
        metadata={
            "description": "where events are POSTed: http or https",
            "example": "https://example.org/hook",
        },
    )
    topic = Text(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=120), validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$")],
        metadata={"description": "a topic slug: events of that topic only; none for every topic"},
    )
    secret = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=16, max=200),
        metadata={"description": "the HMAC key of the signatures; generated when not given"},
    )


class WebhookOut(PlannedDump):
    id = Id()
    url = fields.String()
    topic = fields.String(attribute="topic_slug", allow_none=True)
    created_at = fields.DateTime()


class WebhookCreatedOut(WebhookOut):
    secret = fields.String(
        metadata={"description": "the HMAC key of X-CekSilang-Signature: shown this once, never listed"}
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "secret":
            return obj.secret
        return super().get_attribute(obj.webhook, attr, default)


class DeliveryOut(PlannedDump):
    event_id = fields.Function(lambda d: d.event.event_id)
    type = fields.Function(lambda d: d.event.type, metadata={"enum": ["claim.conflicts", "group.conflict"]})
    status = fields.String(metadata={"enum": ["pending", "delivered", "failed"]})
    status_code = fields.Integer(allow_none=True, metadata={"description": "the receiver's last answer"})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class DeliveryPageOut(_PageOut):
    items = fields.List(fields.Nested(DeliveryOut))
