"""The wire contract: marshmallow schemas, from which /openapi.json is generated.

Inputs load into the use cases' dataclasses; outputs dump the storage models as the API shows them.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from service.usecases import ClaimInput

LANGUAGES = ("id", "en")
VALUE_KEYS = ("low", "high", "amount", "unit", "hedge", "label")


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


# --- fields ------------------------------------------------------------------------------------


class FlexibleDate(fields.Date):
    """A calendar date; a full timestamp is accepted and read as its own local date."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if isinstance(value, str) and len(value) > 10:
            try:
                return datetime.fromisoformat(value).date()
            except ValueError:
                pass
        return super()._deserialize(value, attr, data, **kwargs)


class FlexibleDateTime(fields.DateTime):
    """A timestamp; a bare date means midnight UTC of that day."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and len(value) == 10:
            try:
                return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
            except ValueError:
                pass
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
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


def _value_parts(parts: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for key, item in parts.items():
        if key not in VALUE_KEYS:
            errors[key] = [f"unknown key; allowed: {', '.join(VALUE_KEYS)}"]
        elif key in ("low", "high", "amount"):
            if item is not None and (isinstance(item, bool) or not isinstance(item, int | float)):
                errors[key] = ["must be a number"]
            elif isinstance(item, float) and not math.isfinite(item):
                errors[key] = ["must be a finite number"]
        elif item is not None and not isinstance(item, str):
            errors[key] = ["must be a string"]
    if errors:
        raise ValidationError(errors)
    if not any(parts.get(k) is not None for k in ("low", "high", "amount", "label")):
        raise ValidationError("needs low and/or high, amount, or label")
    return {k: v for k, v in parts.items() if v is not None}


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
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ClaimIn(_Strict):
    subject = fields.String(required=True, validate=validate.Length(min=3, max=300))
    value = ValueField(required=True, metadata={"oneOf": [{"type": "string"}, {"type": "object"}]})
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    source = fields.Nested(SourceIn, required=True)
    published_at = FlexibleDateTime(load_default=None, allow_none=True)
    as_of = FlexibleDate(load_default=None, allow_none=True)
    event_date = FlexibleDate(load_default=None, allow_none=True)
    topic = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    quote = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    attributed_to = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    origin = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))

    @validates_schema
    def _subject_has_words(self, data: dict[str, Any], **kwargs: Any) -> None:
        if len(data.get("subject", "").strip()) < 3:
            raise ValidationError("must have at least 3 characters besides spaces", "subject")

    @post_load
    def _to_input(self, data: dict[str, Any], **kwargs: Any) -> ClaimInput:
        source = data.pop("source")
        return ClaimInput(
            subject=data.pop("subject").strip(),
            source_name=source["name"].strip(),
            source_url=source.get("url"),
            **data,
        )


class PageArgs(_Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ClaimQuery(PageArgs):
    source = fields.String(load_default=None, metadata={"description": "outlet name, any case"})
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    topic = fields.String(load_default=None, metadata={"description": "topic slug"})
    group = fields.Integer(load_default=None, data_key="group", validate=validate.Range(min=1))
    include_retracted = fields.Boolean(load_default=False)


class GroupQuery(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    topic = fields.String(load_default=None, metadata={"description": "topic slug"})
    conflict = fields.Boolean(load_default=None, allow_none=True)


# --- responses ---------------------------------------------------------------------------------


class ValueOut(Schema):
    text = fields.String(attribute="value_text", allow_none=True)
    low = Amount(attribute="value_low", allow_none=True)
    high = Amount(attribute="value_high", allow_none=True)
    unit = fields.String(attribute="value_unit")
    dimension = fields.String(attribute="value_dimension")
    hedge = fields.String(attribute="value_hedge")
    label = fields.String(attribute="value_display_label", allow_none=True)


class SourceOut(Schema):
    name = fields.String(attribute="source_name")
    url = fields.String(attribute="source_url", allow_none=True)


class ClaimOut(Schema):
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
    status = fields.Function(lambda c: "retracted" if c.retracted_at else "active")
    created_at = fields.DateTime()
    retracted_at = fields.DateTime(allow_none=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr in ("value", "source"):
            return obj  # the nested schemas read the claim's own columns
        return super().get_attribute(obj, attr, default)


class ConflictOut(Schema):
    claims = fields.List(fields.String())
    explanation = fields.String()


class ConsensusOut(Schema):
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


class GroupSummaryOut(Schema):
    id = Id()
    label = fields.String()
    topic = fields.String(attribute="topic_slug", allow_none=True)
    unit = fields.String()
    dimension = fields.String()
    event_date = fields.Date(allow_none=True)
    size = fields.Integer()
    sources = fields.Integer()
    conflict = fields.Boolean()
    conflicts = fields.List(fields.Nested(ConflictOut))
    consensus = fields.Nested(ConsensusOut, allow_none=True)


class GroupOut(GroupSummaryOut):
    """A group with its claims; dumps a use case's GroupView."""

    claims = fields.List(fields.Nested(ClaimOut))

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "claims":
            return obj.claims
        return super().get_attribute(obj.group, attr, default)


class MatchOut(Schema):
    claim = fields.Nested(ClaimOut)
    similarity = fields.Float()
    relation = fields.String(metadata={"enum": ["agrees", "conflicts", "other_time", "related"]})


class PostedClaimOut(Schema):
    claim = fields.Nested(ClaimOut)
    group = fields.Nested(GroupSummaryOut)
    matches = fields.List(fields.Nested(MatchOut))


class _PageOut(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ClaimPageOut(_PageOut):
    items = fields.List(fields.Nested(ClaimOut))


class GroupPageOut(_PageOut):
    items = fields.List(fields.Nested(GroupSummaryOut))


class TopicOut(Schema):
    slug = fields.String()
    label = fields.String()
    groups = fields.Integer()
    conflicting_groups = fields.Integer()


class TopicConflictsOut(Schema):
    topic = fields.Nested(TopicOut)
    groups = fields.List(fields.Nested(GroupOut))


class HealthOut(Schema):
    status = fields.String()


class ProblemOut(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(), values=fields.Raw(), metadata={"description": "messages by field name"}
    )
