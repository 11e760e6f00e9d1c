"""Answers' JSON, written by orjson.

A POST's answer is tens of kilobytes of JSON (its claim, its group and the thirty-odd claims it
meets): the standard library's encoder took a fifth of a millisecond to write one of 27 KB, orjson
a fiftieth. Flask's `response` (compact JSON, outside debug mode) goes to orjson; the JSON is the
same, keys in the order the schemas give, but for its text: orjson writes UTF-8 (no `\\u` escapes),
and NaN and the infinities, which the standard library writes as invalid JSON, come out as null.
Dates and dataclasses still go to Flask's `default`, which writes them its own way. Whatever orjson
refuses (an integer beyond 64 bits, a lone surrogate that came in escaped in a request's JSON and is
echoed in an error) is written by Flask's own provider, escaping what is not ASCII, as is every
other use of `app.json` (problem details, indented JSON in debug mode).
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_COMPACT = (",", ":")
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


class JSONProvider(DefaultJSONProvider):
    """Flask's provider, but for compact answers (`response` outside debug mode), which orjson writes."""

    sort_keys = False  # the order the schemas give

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.keys() == {"separators"} and kwargs["separators"] == _COMPACT:
            option = _OPTIONS | (orjson.OPT_SORT_KEYS if self.sort_keys else 0)
            try:
                return orjson.dumps(obj, default=self.default, option=option).decode()
            except orjson.JSONEncodeError:
                pass
        return super().dumps(obj, **kwargs)
