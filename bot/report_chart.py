"""The completion chart of a report, drawn as a PNG by matplotlib.

matplotlib draws on its Agg canvas directly (no display, no GUI toolkit), and
drawing is CPU work that takes tens of milliseconds, so :func:`completion_png`
runs in a worker thread: Slack's acks and other requests keep flowing while a
chart is drawn. Figures are made with ``Figure`` directly rather than
``pyplot``, whose global state is not safe to share between threads.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

_TITLE_CHARS = 40
_BAR = "#2eb67d"


def _label(title: str) -> str:
    return title if len(title) <= _TITLE_CHARS else title[: _TITLE_CHARS - 1] + "…"


def draw_completion(series: Sequence[tuple[str, float]], title: str) -> bytes:
    """A horizontal bar per course, its completion in percent, as PNG bytes."""
    height = 1.2 + 0.45 * max(len(series), 1)
    figure = Figure(figsize=(7, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [_label(name) for name, _ in series][::-1]
    values = [value for _, value in series][::-1]
    bars = axes.barh(labels, values, color=_BAR)
    axes.bar_label(bars, labels=[f"{v:g}%" for v in values], padding=3)
    axes.set_xlim(0, 110)
    axes.set_xlabel("completed (% of enrolled)")
    axes.set_title(_label(title))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


async def completion_png(series: Sequence[tuple[str, float]], title: str) -> bytes:
    """:func:`draw_completion`, off the event loop."""
    return await asyncio.to_thread(draw_completion, list(series), title)
