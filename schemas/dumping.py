"""A response schema's dump, planned once per schema instead of worked out field by field.

marshmallow's `Schema.dump` asks each field to serialise itself: the field looks its attribute up
through the schema's accessor, checks for a default, then formats the value — four or five calls
for every field of every object. A POST answers with its claim, its group and some thirty claims
it meets, each of two dozen fields, so those calls were a tenth of the request. `PlannedDump`
reads the same fields in the same order with the same accessor and calls each field's own
formatting (`Field._serialize`) directly: the output is marshmallow's, only the steps between are
gone. Schemas with dump hooks are dumped by marshmallow itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP

Reader = Callable[[Any, Any], Any]  # (object, default) -> the attribute's value, or the default
# (key in the output, field name, how its attribute is read or None for a field that reads none,
# the field, how the value is formatted)
_Step = tuple[str, str, Reader | None, fields.Field, Callable[[Any, str, Any], Any]]


def _text(value: Any, attr: str, obj: Any) -> Any:
    """`fields.String`'s formatting without its call to `ensure_text_type` for a str."""
    if value is None or type(value) is str:
        return value
    return str(value, "utf-8") if isinstance(value, bytes) else str(value)


def _formatting(field: fields.Field) -> Callable[[Any, str, Any], Any]:
    if type(field) is fields.String:  # a subclass may format otherwise
        return _text
    return field._serialize


class PlannedDump(Schema):
    """A schema whose `dump` follows a plan of its fields made on its first dump (see the module)."""

    _plan: list[_Step] | None = None

    def _planned(self) -> list[_Step]:
        plan: list[_Step] = []
        for name, field in self.dump_fields.items():
            key = field.data_key if field.data_key is not None else name
            reader = self.reader(field.attribute or name) if field._CHECK_ATTRIBUTE else None
            plan.append((key, name, reader, field, _formatting(field)))
        self._plan = plan
        return plan

    def reader(self, attribute: str) -> Reader:
        """How an attribute is read: through `get_attribute`, unless a schema knows a shorter way
        that reads the same (it must, for every object it dumps)."""
        get = self.get_attribute
        return lambda obj, default: get(obj, attribute, default)

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        if self._hooks[PRE_DUMP] or self._hooks[POST_DUMP]:
            return super().dump(obj, many=many)
        many = self.many if many is None else bool(many)
        plan = self._plan if self._plan is not None else self._planned()
        if many and obj is not None:
            return [self._dump_one(plan, item) for item in obj]
        return self._dump_one(plan, obj)

    def _dump_one(self, plan: list[_Step], obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, name, reader, field, formatting in plan:
            if reader is None:
                value = None
            else:
                value = reader(obj, missing)
                if value is missing:
                    default = field.dump_default
                    value = default() if callable(default) else default
                    if value is missing:
                        continue
            value = formatting(value, name, obj)
            if value is not missing:  # a field may say it has nothing to show (a Method without one)
                out[key] = value
        return out
