"""PNG charts of the graph statistics (matplotlib, drawn off screen with the Agg canvas).

The charts take the plain data of :func:`kg.analyze.summarize` and return PNG bytes;
:func:`write_charts` writes them into a folder, each file atomically.

>>> png = degree_chart({0: 3, 1: 5, 4: 1})
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from kg.files import write_atomic
from kg.render import CLASS_COLOURS

__all__ = ["CHART_FILES", "degree_chart", "ranking_chart", "write_charts"]

#: The files :func:`write_charts` writes, by chart.
CHART_FILES = {"degree": "degree_distribution.png", "pagerank": "top_pagerank.png", "betweenness": "top_betweenness.png"}
_TITLES = {"pagerank": "PageRank", "betweenness": "Betweenness"}


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)  # attach the off-screen canvas: no display and no pyplot state
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return buffer.getvalue()


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x" if ax.get_ylabel() == "" else "y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


def degree_chart(distribution: dict[int, int], *, title: str = "Degree distribution") -> bytes:
    """A bar chart of how many entities have each degree, as PNG bytes.

    Parameters
    ----------
    distribution : dict
        Degree -> number of entities (``kg.analyze.degree_distribution``).
    title : str
        Chart title.

    Examples
    --------
    >>> len(degree_chart({1: 2, 2: 3, 4: 1})) > 1000
    True
    """
    figure = Figure(figsize=(7, 4))
    ax = figure.add_subplot()
    degrees = sorted(int(d) for d in distribution)
    counts = [distribution[d] for d in degrees]
    ax.bar(degrees, counts, color=CLASS_COLOURS["Organization"], width=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("degree (relations per entity)")
    ax.set_ylabel("entities")
    if counts and max(counts) > 50 * max(1, min(counts)):
        ax.set_yscale("log")  # news graphs are long-tailed: keep the rare hubs visible
    ax.set_title(title)
    _style(ax)
    return _png(figure)


def ranking_chart(rows: list[dict[str, Any]], *, measure: str = "pagerank", title: str | None = None) -> bytes:
    """A horizontal bar chart of the top entities by ``measure``, coloured by class, as PNG bytes.

    Parameters
    ----------
    rows : list of dict
        Rows with ``label``, ``class`` and ``measure`` (``kg.analyze.top_entities``), best first.
    measure : str
        The key to chart, ``pagerank`` or ``betweenness``.
    title : str, optional
        Chart title (default: "Top entities by <measure>").

    Examples
    --------
    >>> rows = [{"label": "Meta", "class": "Organization", "pagerank": 0.3}, {"label": "Wang", "class": "Person", "pagerank": 0.1}]
    >>> ranking_chart(rows)[:4]
    b'\\x89PNG'
    """
    figure = Figure(figsize=(7, 0.9 + 0.38 * max(1, len(rows))))
    ax = figure.add_subplot()
    shown = list(reversed(rows))  # best on top
    colours = [CLASS_COLOURS.get(str(r.get("class")), CLASS_COLOURS["other"]) for r in shown]
    ax.barh([str(r["label"]) for r in shown], [float(r[measure]) for r in shown], color=colours)
    ax.set_xlabel(_TITLES.get(measure, measure))
    ax.set_title(title or f"Top entities by {_TITLES.get(measure, measure)}")
    classes = sorted({str(r.get("class")) for r in rows})
    if classes:
        ax.legend(handles=[Patch(color=CLASS_COLOURS.get(c, CLASS_COLOURS["other"]), label=c) for c in classes],
                  loc="lower right", frameon=False, fontsize=8)
    _style(ax)
    return _png(figure)


def write_charts(summary: dict[str, Any], outdir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the degree distribution and the top entities by PageRank and by betweenness as PNG files.

    ``summary`` is what :func:`kg.analyze.summarize` returns. Returns the paths by chart
    (see :data:`CHART_FILES`).

    >>> write_charts(summary, "charts")  # doctest: +SKIP
    {'degree': PosixPath('charts/degree_distribution.png'), ...}
    """
    out = Path(outdir)
    charts = {
        "degree": degree_chart(summary["degree"]["distribution"]),
        "pagerank": ranking_chart(summary["top_pagerank"], measure="pagerank"),
        "betweenness": ranking_chart(summary["top_betweenness"], measure="betweenness"),
    }
    return {name: write_atomic(out / CHART_FILES[name], png) for name, png in charts.items()}
