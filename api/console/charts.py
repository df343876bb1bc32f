"""Bar charts as SVG drawn on the server: no chart library, nothing for the browser to run, and
each chart comes with the table of its figures for screen readers and for copying."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 600
HEIGHT = 160
GAP = 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


def bars(points: list[tuple[str, float, str]]) -> list[Bar]:
    """One bar per (label, value, value as text), scaled to the chart's box."""
    if not points:
        return []
    top = max(value for _, value, _ in points) or 1.0
    step = WIDTH / len(points)
    drawn = []
    for index, (label, value, text) in enumerate(points):
        height = max(value, 0) / top * (HEIGHT - 10)
        drawn.append(
            Bar(
                x=round(index * step + GAP / 2, 2),
                y=round(HEIGHT - height, 2),
                width=round(max(step - GAP, 1), 2),
                height=round(height, 2),
                label=label,
                value=text,
            )
        )
    return drawn
