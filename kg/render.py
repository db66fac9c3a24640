"""Interactive view of the entity graph: a pyvis ``Network`` and a self-contained offline HTML page.

The page inlines vis-network's script and styles from the installed pyvis package, so it opens
with no network; it loads nothing from a CDN (pyvis's own ``cdn_resources="in_line"`` still does).
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pyvis
from pyvis.network import Network

from kg.errors import RenderError, UsageError

__all__ = ["CLASS_COLOURS", "MIN_NODE_SIZE", "MAX_NODE_SIZE", "to_network", "to_html"]

#: Fixed colour per entity class; any other class is drawn in ``CLASS_COLOURS["other"]``.
CLASS_COLOURS: dict[str, str] = {
    "Organization": "#4e79a7",
    "Person": "#f28e2b",
    "Place": "#59a14f",
    "Product": "#e15759",
    "AIModel": "#b07aa1",
    "Event": "#c9a800",
    "other": "#9c9c9c",
}
MIN_NODE_SIZE = 10.0  #: radius of the node with the lowest PageRank
MAX_NODE_SIZE = 42.0  #: radius of the node with the highest PageRank
_MAX_EVIDENCE = 5  # evidence sentences shown on an edge card, highest confidence first
_VIS_DIR = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
_HEIGHT = re.compile(r"^\d+(\.\d+)?(px|%|vh|em|rem)$")

_OPTIONS: dict[str, Any] = {
    "nodes": {
        "shape": "dot",
        "borderWidth": 1,
        "font": {"size": 15, "face": "sans-serif", "strokeWidth": 4, "strokeColor": "#ffffff"},
    },
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
        "color": {"color": "#9a9a9a", "highlight": "#333333", "hover": "#333333"},
        "font": {"size": 11, "face": "sans-serif", "color": "#555555", "align": "middle"},
        "smooth": {"enabled": True, "type": "dynamic"},
    },
    "physics": {
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -80, "springLength": 140, "avoidOverlap": 0.4},
        "stabilization": {"enabled": True, "iterations": 400, "fit": True},
    },
    "interaction": {"hover": True, "tooltipDelay": 150},
}


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _sizes(nodes: list[str], metrics: dict[str, dict] | None) -> dict[str, float]:
    ranks = {n: _finite(((metrics or {}).get(n) or {}).get("pagerank")) for n in nodes}
    known = [r for r in ranks.values() if r is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
    if hi <= lo:  # no metrics, or all equal: one size for all
        return {n: (MIN_NODE_SIZE + MAX_NODE_SIZE) / 2 for n in nodes}
    span = MAX_NODE_SIZE - MIN_NODE_SIZE  # area grows linearly with PageRank
    share = {n: ((lo if r is None else r) - lo) / (hi - lo) for n, r in ranks.items()}
    return {n: MIN_NODE_SIZE + span * math.sqrt(s) for n, s in share.items()}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if math.isfinite(value) else "—"
    return str(value)


def _plain(card: dict[str, Any]) -> str:
    """The card as plain text: vis-network shows a string ``title`` with ``innerText``."""
    lines = [card["title"], card["subtitle"], *(f"{k}: {v}" for k, v in card["fields"])]
    lines += [f"“{ev['text']}” ({ev['meta']})" for ev in card["evidence"]]
    return "\n".join(lines + ([f"+ {card['more']} more"] if card["more"] else []))


def _node_card(iri: str, data: dict[str, Any], label: str, metric: dict[str, Any]) -> dict[str, Any]:
    fields = [
        ["Class", str(data.get("cls") or "other")],
        ["Aliases", ", ".join(map(str, data.get("aliases") or [])) or "—"],
        ["Documents", ", ".join(map(str, data.get("documents") or [])) or "—"],
    ]
    names = {"pagerank": "PageRank", "degree": "Degree", "betweenness": "Betweenness", "community": "Community"}
    fields += [[title, _fmt(metric[key])] for key, title in names.items() if key in metric]
    return {"title": label, "subtitle": iri, "fields": fields, "evidence": [], "more": 0}


def _edge_card(prop: str, source: str, target: str, evidence: list[dict[str, Any]]) -> dict[str, Any]:
    ranked = sorted(evidence, key=lambda ev: -(_finite(ev.get("confidence")) or 0.0))
    shown = [
        {
            "text": str(ev.get("text", "")),
            "meta": " · ".join(
                [str(ev.get("document", "?")), f"confidence {_finite(ev.get('confidence')) or 0.0:.2f}"]
                + ([f"rule {ev['rule']}"] if ev.get("rule") else [])
            ),
        }
        for ev in ranked[:_MAX_EVIDENCE]
    ]
    fields = [["Evidence", f"{len(evidence)} sentence{'s' if len(evidence) != 1 else ''}"]]
    return {"title": prop, "subtitle": f"{source} → {target}", "fields": fields, "evidence": shown,
            "more": max(0, len(evidence) - _MAX_EVIDENCE)}


def to_network(G: nx.Graph, *, metrics: dict[str, dict] | None = None, height: str = "800px") -> Network:
    """Build a pyvis ``Network`` of the entity graph: coloured by class, sized by PageRank.

    Each node and edge carries a plain-text ``title`` and a structured ``card`` that
    :func:`to_html` turns into a hover card.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Entity graph from ``kg.analyze.entity_graph``: nodes keyed by IRI with ``label``,
        ``cls``, ``aliases``, ``documents``; edges with ``property`` and ``evidence``.
    metrics : dict, optional
        Node IRI -> ``{"pagerank", "degree", "betweenness", "community"}`` (``kg.analyze.compute_metrics``).
        Without it every node has the same size and the cards show no metrics.
    height : str
        CSS height of the canvas, e.g. ``"800px"`` or ``"100vh"``.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("http://example.org/e/OpenAI", label="OpenAI", cls="Organization", aliases=[], documents=["d1"])
    >>> net = to_network(G)
    >>> net.nodes[0]["label"], net.nodes[0]["color"]
    ('OpenAI', '#4e79a7')
    """
    if not isinstance(height, str) or not _HEIGHT.match(height):
        raise UsageError(f"height must be a CSS length such as '800px' or '100vh', not {height!r}")
    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line")
    net.options = copy.deepcopy(_OPTIONS)
    ids = {n: str(n) for n in G.nodes}
    sizes = _sizes(list(G.nodes), metrics)
    labels: dict[Any, str] = {}
    for n, data in G.nodes(data=True):
        labels[n] = str(data.get("label") or _local_name(ids[n]))
        cls = str(data.get("cls") or "other")
        card = _node_card(ids[n], data, labels[n], dict((metrics or {}).get(n) or {}))
        net.add_node(ids[n], label=labels[n], color=CLASS_COLOURS.get(cls, CLASS_COLOURS["other"]),
                     size=round(sizes[n], 2), title=_plain(card), card=card)
    parallel: dict[frozenset, int] = {}
    for i, (u, v, data) in enumerate(G.edges(data=True)):
        prop = str(data.get("property") or "relatedTo")
        card = _edge_card(prop, labels[u], labels[v], list(data.get("evidence") or []))
        extra: dict[str, Any] = {}
        k = parallel[frozenset((u, v))] = parallel.get(frozenset((u, v)), -1) + 1
        if k and u != v:  # fan out parallel edges so their labels do not overlap
            extra["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": min(0.9, 0.25 * k)}
        net.add_edge(ids[u], ids[v], id=f"e{i}", label=prop, title=_plain(card), card=card, **extra)
    return net


def _script_json(value: Any) -> str:
    """JSON that is safe inside ``<script>``: no ``<``, ``>``, ``&`` or line separators left raw."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _asset(name: str) -> str:
    try:
        return (_VIS_DIR / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"vis-network asset {name} not found in pyvis ({_VIS_DIR}): {exc}") from exc


def _legend(G: nx.Graph) -> str:
    present = {str(d.get("cls") or "other") for _, d in G.nodes(data=True)}
    present = {c if c in CLASS_COLOURS else "other" for c in present}
    return "".join(
        f'<li><span class="kg-swatch" style="background:{colour}"></span>{html.escape(cls)}</li>'
        for cls, colour in CLASS_COLOURS.items() if cls in present
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data: blob:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@@title@@</title>
<style>@@vis_css@@</style>
<style>
html, body { margin: 0; padding: 0; font-family: system-ui, sans-serif; background: #fff; }
#kg-network { width: 100%; height: @@height@@; }
#kg-legend { position: absolute; top: 12px; left: 12px; background: rgba(255,255,255,.92); border: 1px solid #ddd;
  border-radius: 6px; padding: 8px 12px; font-size: 13px; box-shadow: 0 1px 4px rgba(0,0,0,.12); max-width: 260px; }
#kg-legend h1 { font-size: 14px; margin: 0 0 6px; overflow-wrap: anywhere; }
#kg-legend ul { list-style: none; margin: 0; padding: 0; }
#kg-legend li { margin: 2px 0; display: flex; align-items: center; }
#kg-legend p { margin: 6px 0 0; color: #666; font-size: 12px; }
.kg-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%; margin-right: 8px; }
div.vis-tooltip { max-width: 440px; white-space: normal; font-family: system-ui, sans-serif; font-size: 12px;
  padding: 8px 10px; background: #fff; border: 1px solid #ccc; box-shadow: 0 2px 6px rgba(0,0,0,.18); }
.kg-card-title { font-weight: 600; font-size: 14px; overflow-wrap: anywhere; }
.kg-card-sub { color: #777; font-size: 11px; margin-bottom: 4px; overflow-wrap: anywhere; }
.kg-card dl { display: grid; grid-template-columns: auto 1fr; gap: 1px 8px; margin: 4px 0; }
.kg-card dt { color: #666; } .kg-card dd { margin: 0; overflow-wrap: anywhere; }
.kg-card ol { margin: 4px 0 0; padding-left: 18px; } .kg-card li { margin-bottom: 4px; }
.kg-meta { color: #777; font-size: 11px; }
</style>
</head>
<body>
<div id="kg-network"></div>
<div id="kg-legend"><h1>@@title@@</h1><ul>@@legend@@</ul>
<p>@@counts@@ · size = PageRank · hover for details</p></div>
<script>@@vis_js@@</script>
<script id="kg-data" type="application/json">@@data@@</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function card(c) {  /* DOM built with textContent only: labels and sentences stay text */
    var root = el("div", "kg-card"), dl = el("dl");
    root.appendChild(el("div", "kg-card-title", c.title));
    root.appendChild(el("div", "kg-card-sub", c.subtitle));
    c.fields.forEach(function (f) { dl.appendChild(el("dt", null, f[0])); dl.appendChild(el("dd", null, f[1])); });
    root.appendChild(dl);
    if (c.evidence.length) {
      var ol = el("ol");
      c.evidence.forEach(function (ev) {
        var li = el("li");
        li.appendChild(el("q", null, ev.text));
        li.appendChild(el("div", "kg-meta", ev.meta));
        ol.appendChild(li);
      });
      root.appendChild(ol);
    }
    if (c.more) { root.appendChild(el("div", "kg-meta", "+ " + c.more + " more")); }
    return root;
  }
  function withCards(items) {
    return items.map(function (item) {
      var copy = Object.assign({}, item);
      if (copy.card) { copy.title = card(copy.card); delete copy.card; }
      return copy;
    });
  }
  var nodes = new vis.DataSet(withCards(data.nodes));
  var edges = new vis.DataSet(withCards(data.edges));
  var network = new vis.Network(document.getElementById("kg-network"), {nodes: nodes, edges: edges}, data.options);
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({physics: {enabled: false}});  /* stop moving once laid out */
    window.kgStabilized = true;
  });
  window.network = network;
  window.kgNodes = nodes;
  window.kgEdges = edges;
})();
</script>
</body>
</html>
"""


def to_html(G: nx.Graph, *, metrics: dict[str, dict] | None = None, title: str = "kg graph") -> str:
    """Render the entity graph as one self-contained HTML page that works offline.

    vis-network's script and styles are inlined and the page's Content-Security-Policy forbids
    loading anything else. The vis ``Network`` is exposed as ``window.network`` and its data
    sets as ``window.kgNodes``/``window.kgEdges``; ``window.kgStabilized`` turns true once the
    layout has stabilised and physics is switched off.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Entity graph, see :func:`to_network`.
    metrics : dict, optional
        Node IRI -> metrics dict, see :func:`to_network`.
    title : str
        Page title, also shown above the legend.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("http://example.org/e/OpenAI", label="OpenAI", cls="Organization", aliases=[], documents=["d1"])
    >>> page = to_html(G, title="demo")
    >>> page.startswith("<!DOCTYPE html>") and "OpenAI" in page
    True
    """
    net = to_network(G, metrics=metrics, height="100vh")
    nodes, edges, _heading, height, _width, options = net.get_network_data()
    data = {"nodes": nodes, "edges": edges, "options": json.loads(options)}
    try:
        payload = _script_json(data)
    except (TypeError, ValueError) as exc:
        raise RenderError(f"graph attributes cannot be encoded as JSON: {exc}") from exc
    parts = {
        "title": html.escape(title),
        "height": height,
        "legend": _legend(G),
        "counts": f"{G.number_of_nodes()} entities · {G.number_of_edges()} relations",
        # an inlined library must not close its own element early
        "vis_css": re.sub(r"</(style)", r"<\\/\1", _asset("vis-network.css"), flags=re.IGNORECASE),
        "vis_js": re.sub(r"</(script)", r"<\\/\1", _asset("vis-network.min.js"), flags=re.IGNORECASE)
        .replace("<!--", "<\\!--"),
        "data": payload,
    }
    return re.sub(r"@@(\w+)@@", lambda m: parts[m.group(1)], _PAGE)
