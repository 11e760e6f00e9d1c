"""Charts as SVG text, drawn on the server: pure functions of the figures, no I/O, no JavaScript.

`figure_chart` draws one row per claim on a shared number line: an exact figure as a point, an
interval as a bar, an open-ended hedge ("more than 100,000") as an open bar running to the edge
with an arrow; the consensus band lies behind the rows, and conflicting claims are marked.
`timeline_chart` draws the same claims by date, with each moment's consensus as a band.

Colours are presentation attributes, so the SVG needs no inline styles (the pages' CSP allows
none); the stylesheet may override them by class. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

Number = Callable[[float], str]

COLOUR = "#1f5fa8"
CONFLICT = "#b3261e"
BAND = "#cfe8d2"
BAND_EDGE = "#3c8d4a"
AXIS = "#6b6b6b"
INK = "#1b1b1b"


@dataclass(frozen=True)
class Mark:
    """One claim as drawn: who, which figure (None for an open side), when, and whether it conflicts."""

    source: str
    low: float | None
    high: float | None
    text: str  # the value as written (or as normalised), shown in the row's tooltip
    day: date | None = None
    conflicting: bool = False

    @property
    def numeric(self) -> bool:
        return self.low is not None or self.high is not None

    @property
    def shape(self) -> str:
        """point, bar, open-above, open-below or none (a label, no number)."""
        if self.low is None and self.high is None:
            return "none"
        if self.high is None:
            return "open-above"
        if self.low is None:
            return "open-below"
        return "point" if self.low == self.high else "bar"


@dataclass(frozen=True)
class Band:
    """A consensus: its interval (an open side as None), and for a timeline the days it covers."""

    low: float | None
    high: float | None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Scale:
    lo: float
    hi: float
    left: float
    right: float

    def x(self, value: float) -> float:
        return self.left + (value - self.lo) / (self.hi - self.lo) * (self.right - self.left)


def plain_number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}".rstrip("0")


def domain(marks: Sequence[Mark], bands: Sequence[Band] = ()) -> tuple[float, float]:
    """The number line's ends: every figure and band inside, with room for open-ended arrows."""
    values = [v for m in marks for v in (m.low, m.high) if v is not None]
    values += [v for b in bands for v in (b.low, b.high) if v is not None]
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    span = hi - lo or max(abs(hi) * 0.2, 1.0)
    pad = span * 0.08
    lo, hi = lo - pad, hi + pad
    if any(m.shape == "open-above" for m in marks):
        hi += span * 0.15
    if any(m.shape == "open-below" for m in marks):
        lo -= span * 0.15
    if min(values) >= 0 > lo:
        lo = 0.0  # counts and amounts: the line starts at zero rather than below it
    return lo, hi


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round numbers between lo and hi, about `count` of them."""
    raw = (hi - lo) / max(count, 1)
    step = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= step * factor:
            step *= factor
            break
    first = math.ceil(lo / step) * step
    found, value = [], first
    while value <= hi + step * 1e-9:
        found.append(round(value, 10))
        value += step
    return found


def _attrs(**values: object) -> str:
    return " ".join(f'{k.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for k, v in values.items())


def _el(tag: str, body: str | None = None, **attrs: object) -> str:
    """One SVG element: attributes from keywords (x1, stroke_width → stroke-width, class_ → class), escaped.

    Floats are written with one decimal; `body` is markup already (escape text before passing it).
    """
    shown = {k: _f(v) if isinstance(v, float) else v for k, v in attrs.items()}
    opening = f"<{tag} {_attrs(**shown)}" if shown else f"<{tag}"
    return f"{opening}/>" if body is None else f"{opening}>{body}</{tag}>"


def _tip(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _f(value: float) -> str:
    return f"{value:.1f}"


def figure_chart(
    marks: Sequence[Mark],
    consensus: Band | None,
    *,
    title: str,
    number: Number = plain_number,
    large: bool = False,
    conflict_word: str = "conflict",
    consensus_word: str = "consensus",
) -> Markup:
    """One row per claim on a shared number line, the consensus band behind, conflicts marked."""
    width = 760 if large else 520
    label_w = 190 if large else 150
    date_w = 86 if large else 78
    row_h = 30 if large else 22
    top, axis_h = 8, 26
    plot_bottom = top + row_h * max(len(marks), 1)
    lo, hi = domain(marks, [consensus] if consensus else [])
    scale = Scale(lo, hi, label_w + 8, width - date_w - 8)
    parts = [_tip(title)]
    for i in range(1, len(marks), 2):  # stripes under every other row
        parts.append(
            _el("rect", class_="stripe", x=0, y=top + i * row_h, width=width, height=row_h, fill="#f4f4f4")
        )
    if consensus is not None and (consensus.low is not None or consensus.high is not None):
        x0 = scale.x(consensus.low) if consensus.low is not None else scale.left
        x1 = scale.x(consensus.high) if consensus.high is not None else scale.right
        if x1 - x0 < 4:
            x0, x1 = (x0 + x1) / 2 - 2, (x0 + x1) / 2 + 2
        parts.append(
            _el(
                "rect", _tip(f"{consensus_word}: {_interval(consensus.low, consensus.high, number)}"),
                class_="consensus", x=x0, y=top - 4, width=x1 - x0, height=plot_bottom - top + 8,
                fill=BAND, stroke=BAND_EDGE, stroke_dasharray="3 2",
            )
        )  # fmt: skip
    for i, mark in enumerate(marks):
        parts.append(
            _row(mark, top + i * row_h + row_h / 2, row_h * 0.42, scale, width, label_w, conflict_word)
        )
    parts.append(_axis(scale, plot_bottom, number))
    return Markup(
        _el(
            "svg", "".join(parts), xmlns="http://www.w3.org/2000/svg",
            class_="chart figures large" if large else "chart figures",
            viewBox=f"0 0 {width} {plot_bottom + axis_h}", role="img", aria_label=title,
            data_rows=len(marks), font_family="system-ui, sans-serif", font_size=13 if large else 11,
        )
    )  # fmt: skip


def _interval(low: float | None, high: float | None, number: Number) -> str:
    if low is not None and high is not None:
        return number(low) if low == high else f"{number(low)}–{number(high)}"
    if low is not None:
        return f"> {number(low)}"
    if high is not None:
        return f"< {number(high)}"
    return "—"


def _row(mark: Mark, y: float, h: float, scale: Scale, width: int, label_w: int, conflict_word: str) -> str:
    colour = CONFLICT if mark.conflicting else COLOUR
    day = mark.day.isoformat() if mark.day else "—"
    tip = f"{mark.source}: {mark.text} ({day})" + (f" — {conflict_word}" if mark.conflicting else "")
    flag = "✕ " if mark.conflicting else ""
    out = [
        _tip(tip),
        _el(
            "text", escape(flag + _clip(mark.source, 26)), class_="source", x=label_w, y=y + 4,
            text_anchor="end", fill=colour if mark.conflicting else INK,
        ),
    ]  # fmt: skip
    shape = mark.shape
    css = f"mark {shape}" + (" conflict" if mark.conflicting else "")
    if shape == "point":
        out.append(_el("circle", class_=css, cx=scale.x(mark.low or 0), cy=y, r=h / 1.5, fill=colour))
    elif shape == "bar":
        x0, x1 = scale.x(mark.low or 0), scale.x(mark.high or 0)
        out.append(
            _el("rect", class_=css, x=x0, y=y - h / 2, width=max(x1 - x0, 3), height=h, rx=2, fill=colour)
        )
    elif shape in ("open-above", "open-below"):
        above = shape == "open-above"
        bound = scale.x((mark.low if above else mark.high) or 0)
        edge = scale.right if above else scale.left
        x0, x1 = min(bound, edge), max(bound, edge)
        out.append(
            _el(
                "rect", class_=css, x=x0, y=y - h / 2, width=max(x1 - x0, 3), height=h, fill="none",
                stroke=colour, stroke_width=1.5, stroke_dasharray="4 2",
            )
        )  # fmt: skip
        tip_x, back = (x1 + 6, x1 - 2) if above else (x0 - 6, x0 + 2)
        arrow = f"M{_f(back)} {_f(y - h / 1.2)} L{_f(tip_x)} {_f(y)} L{_f(back)} {_f(y + h / 1.2)} Z"
        out.append(_el("path", class_="arrow", d=arrow, fill=colour))
        out.append(
            _el(
                "line",
                class_="bound",
                x1=bound,
                x2=bound,
                y1=y - h / 1.2,
                y2=y + h / 1.2,
                stroke=colour,
                stroke_width=2.5,
            )
        )
    else:
        out.append(_el("text", escape(_clip(mark.text, 40)), class_=css, x=scale.left, y=y + 4, fill=colour))
    out.append(_el("text", escape(day), class_="day", x=width - 4, y=y + 4, text_anchor="end", fill=AXIS))
    row_css = "row conflicting" if mark.conflicting else "row"
    return _el("g", "".join(out), class_=row_css, data_source=mark.source, data_shape=shape)


def _axis(scale: Scale, y: float, number: Number) -> str:
    out = [_el("line", x1=scale.left, x2=scale.right, y1=y + 4, y2=y + 4, stroke=AXIS)]
    for value in ticks(scale.lo, scale.hi):
        x = scale.x(value)
        out.append(_el("line", x1=x, x2=x, y1=y + 4, y2=y + 8, stroke=AXIS))
        out.append(_el("text", escape(number(value)), x=x, y=y + 20, text_anchor="middle", fill=AXIS))
    return _el("g", "".join(out), class_="axis")


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def timeline_chart(
    marks: Sequence[Mark],
    bands: Sequence[Band],
    *,
    title: str,
    number: Number = plain_number,
    day: Callable[[date], str] = date.isoformat,
) -> Markup:
    """The claims by date (x) and value (y); each moment's consensus as a band over its days."""
    dated = [m for m in marks if m.day is not None and m.numeric]
    width, height = 760, 260
    left, right, top, bottom = 80, width - 16, 12, height - 28
    parts = [_tip(title)]
    if dated:
        parts += _timeline_parts(dated, bands, Box(left, right, top, bottom, height), number, day)
    return Markup(
        _el(
            "svg", "".join(parts), xmlns="http://www.w3.org/2000/svg", class_="chart timeline",
            viewBox=f"0 0 {width} {height}", role="img", aria_label=title, data_points=len(dated),
            font_family="system-ui, sans-serif", font_size=11,
        )
    )  # fmt: skip


@dataclass(frozen=True)
class Box:
    left: float
    right: float
    top: float
    bottom: float
    height: float


def _timeline_parts(
    dated: Sequence[Mark], bands: Sequence[Band], box: Box, number: Number, day: Callable[[date], str]
) -> list[str]:
    days = [m.day for m in dated if m.day] + [d for b in bands for d in (b.start, b.end) if d]
    first, last = min(days).toordinal(), max(days).toordinal()
    if first == last:
        first, last = first - 1, last + 1
    lo, hi = domain(dated, bands)
    pad = (last - first) * 0.05
    xs = Scale(first - pad, last + pad, box.left, box.right)
    ys = Scale(lo, hi, box.bottom, box.top)  # upwards
    parts = []
    for band in bands:
        if band.start is None or band.end is None:
            continue
        x0, x1 = xs.x(band.start.toordinal()) - 4, xs.x(band.end.toordinal()) + 4
        y0 = ys.x(band.high) if band.high is not None else box.top
        y1 = ys.x(band.low) if band.low is not None else box.bottom
        if y1 - y0 < 4:
            y0, y1 = (y0 + y1) / 2 - 2, (y0 + y1) / 2 + 2
        parts.append(
            _el(
                "rect", class_="consensus", x=x0, y=y0, width=x1 - x0, height=y1 - y0, fill=BAND,
                stroke=BAND_EDGE, stroke_dasharray="3 2",
            )
        )  # fmt: skip
    for value in ticks(lo, hi, 4):
        y = ys.x(value)
        parts.append(_el("line", class_="grid", x1=box.left, x2=box.right, y1=y, y2=y, stroke="#e2e2e2"))
        parts.append(
            _el("text", escape(number(value)), x=box.left - 6, y=y + 4, text_anchor="end", fill=AXIS)
        )
    for d in sorted({m.day for m in dated if m.day}):
        parts.append(
            _el(
                "text", escape(day(d)), class_="day", x=xs.x(d.toordinal()), y=box.height - 8,
                text_anchor="middle", fill=AXIS,
            )
        )  # fmt: skip
    for m in dated:
        x = xs.x(m.day.toordinal()) if m.day else box.left
        parts.append(_el("g", "".join(_timeline_mark(m, x, ys, box)), data_source=m.source))
    parts.append(
        _el("line", class_="axis", x1=box.left, x2=box.right, y1=box.bottom, y2=box.bottom, stroke=AXIS)
    )
    return parts


def _timeline_mark(m: Mark, x: float, ys: Scale, box: Box) -> list[str]:
    colour = CONFLICT if m.conflicting else COLOUR
    css = f"mark {m.shape}" + (" conflict" if m.conflicting else "")
    out = [_tip(f"{m.source}: {m.text} ({m.day.isoformat() if m.day else '—'})")]
    if m.shape == "point":
        out.append(_el("circle", class_=css, cx=x, cy=ys.x(m.low or 0), r=5, fill=colour))
        return out
    y_low = ys.x(m.low) if m.low is not None else box.bottom
    y_high = ys.x(m.high) if m.high is not None else box.top
    open_ended = m.shape.startswith("open")
    line = (
        {"stroke_dasharray": "6 3", "stroke_width": 3}
        if open_ended
        else {"stroke_width": 5, "stroke_linecap": "round"}
    )
    out.append(_el("line", class_=css, x1=x, x2=x, y1=y_low, y2=y_high, stroke=colour, **line))
    if m.shape == "open-above":
        arrow = f"M{_f(x - 6)} {_f(box.top + 8)} L{_f(x)} {_f(box.top - 2)} L{_f(x + 6)} {_f(box.top + 8)} Z"
        out.append(_el("path", class_="arrow", d=arrow, fill=colour))
    elif m.shape == "open-below":
        b = box.bottom
        arrow = f"M{_f(x - 6)} {_f(b - 8)} L{_f(x)} {_f(b + 2)} L{_f(x + 6)} {_f(b - 8)} Z"
        out.append(_el("path", class_="arrow", d=arrow, fill=colour))
    return out
