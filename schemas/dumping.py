"""A response schema's dump, planned once per schema instead of worked out field by field.

marshmallow's `Schema.dump` asks each field to serialise itself: the field looks its attribute up
through the schema's accessor, checks for a default, then formats the value — four or five calls
for every field of every object. A POST answers with its claim, its group and some thirty claims
it meets, each of two dozen fields, so those calls were a tenth of the request. `PlannedDump`
reads the same fields in the same order with the same accessor and calls each field's own
formatting (`Field._serialize`) directly: the output is marshmallow's, only the steps between are
gone. Schemas with dump hooks are dumped by marshmallow itself.

The plan is then written out as one Python function per schema (`_compiled`), its fields in
sequence: no loop over the plan, no tuple unpacked a field, and an attribute read through
`attribute_reader` read in place. A POST's answer is about a thousand fields (its claim, its group,
and each claim it meets with its value and source): `bench/dump.py` times its dump alone.
"""

from __future__ import annotations

import keyword
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


def attribute_reader(attribute: str) -> Reader:
    """`getattr(obj, attribute, default)`, which a compiled dump reads in place."""

    def read(obj: Any, default: Any) -> Any:
        return getattr(obj, attribute, default)

    read.attribute = attribute  # type: ignore[attr-defined]
    return read


def _in_place(attribute: object) -> bool:
    """Whether `obj.<attribute>` in source reads what getattr reads: a name Python allows there,
    and ASCII (Python folds other letters of a name in source to their NFKC form, getattr does not)."""
    return (
        isinstance(attribute, str)
        and attribute.isascii()
        and attribute.isidentifier()
        and not keyword.iskeyword(attribute)
    )


def _compiled(plan: list[_Step]) -> Callable[[Any], dict[str, Any]]:
    """One object's dump by `plan`, as a function of its own: what the loop over the plan did, a
    field after the other (the module's docstring). Each field's reader, default and formatting
    are the plan's, passed in by name; only string literals of the schema's own keys and
    attribute names are written into the source."""
    names: dict[str, Any] = {"MISSING": missing, "text": _text}
    lines = ["def dump_one(obj):", "    out = {}"]
    for i, (key, name, reader, field, formatting) in enumerate(plan):
        names[f"read{i}"], names[f"field{i}"], names[f"format{i}"] = reader, field, formatting
        attribute = getattr(reader, "attribute", None)
        if reader is None:
            lines.append("    v = None")
        elif _in_place(attribute):
            # getattr(obj, attribute, MISSING), without the call: the same AttributeError caught
            lines += ["    try:", f"        v = obj.{attribute}", "    except AttributeError:"]
            lines.append("        v = MISSING")
        else:
            lines.append(f"    v = read{i}(obj, MISSING)")
        if reader is not None:
            lines += [
                "    if v is MISSING:",
                f"        v = field{i}.dump_default",
                "        if callable(v):",
                "            v = v()",
            ]
        lines.append("    if v is not MISSING:")
        if formatting is _text:  # None and str as they are
            lines += [
                "        if v is not None and type(v) is not str:",
                f"            v = text(v, {name!r}, obj)",
                f"        out[{key!r}] = v",
            ]
        else:  # a field may say it has nothing to show (a Method without one)
            lines += [
                f"        v = format{i}(v, {name!r}, obj)",
                "        if v is not MISSING:",
                f"            out[{key!r}] = v",
            ]
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<planned dump of {len(plan)} fields>", "exec"), names)
    dump_one: Callable[[Any], dict[str, Any]] = names["dump_one"]
    return dump_one


class PlannedDump(Schema):
    """A schema whose `dump` follows a plan of its fields made on its first dump (see the module)."""

    _dump_one: Callable[[Any], dict[str, Any]] | None = None

    def _planned(self) -> list[_Step]:
        plan: list[_Step] = []
        for name, field in self.dump_fields.items():
            key = field.data_key if field.data_key is not None else name
            reader = self.reader(field.attribute or name) if field._CHECK_ATTRIBUTE else None
            plan.append((key, name, reader, field, _formatting(field)))
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
        dump_one = self._dump_one
        if dump_one is None:
            dump_one = self._dump_one = _compiled(self._planned())
        if many and obj is not None:
            return [dump_one(item) for item in obj]
        return dump_one(obj)
