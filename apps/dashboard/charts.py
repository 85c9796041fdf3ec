"""Bar charts drawn on the server as SVG: no JavaScript, no CDN, readable without styles.

``bar_chart`` turns (day, value) points into coordinates; ``admin/dashboard/includes/_chart.html``
draws them. Every bar carries a <title>, so hovering shows the day and the value.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH = 640
HEIGHT = 200
LEFT = 56  # room for the value axis labels
RIGHT = 8
TOP = 10
BOTTOM = 24  # room for the date labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class DayLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    left: int
    bottom_y: float
    right_x: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[DayLabel]
    total_label: str
    empty: bool


def _nice_ceiling(value: Decimal) -> Decimal:
    """A round axis maximum at or above ``value``: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    base = Decimal(10) ** exponent
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= base * step:
            return base * step
    return base * 10


def _format(value: Decimal, money: bool) -> str:
    if money:
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,.1f}"


def bar_chart(
    points: list[tuple[date, Decimal | int]], *, title: str, money: bool, unit: str = ""
) -> Chart:
    values = [Decimal(v) for _, v in points]
    top = _nice_ceiling(max(values, default=Decimal(0)))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    bars = []
    for i, ((day, _), value) in enumerate(zip(points, values, strict=True)):
        height = float(value / top) * plot_h if top else 0.0
        suffix = f" {unit}" if unit else ""
        bars.append(
            Bar(
                x=round(LEFT + i * slot + (slot - bar_w) / 2, 2),
                y=round(TOP + plot_h - height, 2),
                width=round(bar_w, 2),
                height=round(height, 2),
                title=f"{day:%a %b} {day.day}: {_format(value, money)}{suffix}",
            )
        )
    ticks = [
        Tick(y=round(TOP + plot_h * (1 - float(fraction)), 2), label=_format(top * fraction, money))
        for fraction in (Decimal(0), Decimal("0.5"), Decimal(1))
    ]
    every = max(len(points) // 6, 1)
    labels = [
        DayLabel(x=round(LEFT + i * slot + slot / 2, 2), label=f"{day:%b} {day.day}")
        for i, (day, _) in enumerate(points)
        if i % every == 0 or i == len(points) - 1
    ]
    total = sum(values, Decimal(0))
    return Chart(
        title=title,
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        bottom_y=TOP + plot_h,
        right_x=WIDTH - RIGHT,
        bars=bars,
        ticks=ticks,
        labels=labels,
        total_label=_format(total, money) + (f" {unit}" if unit else ""),
        empty=not any(values),
    )
