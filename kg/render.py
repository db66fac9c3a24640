"""Interactive view of the entity graph: a pyvis ``Network`` and a self-contained offline HTML page.

The page inlines vis-network's script and styles from the installed pyvis package, so it opens
with no network; it loads nothing from a CDN (pyvis's own ``cdn_resources="in_line"`` still does).
It has a search box (any label or alias), class and property filters, a minimum degree or
PageRank, colouring by class or by community, and a side panel per entity with its relations
grouped by property and the evidence of each. Physics lays the graph out, then stops. Graphs
above ``max_nodes`` entities are cut down to the top entities by PageRank and their neighbours
(:func:`top_subgraph`), and the page says so.
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pyvis
from pyvis.network import Network

from kg.errors import RenderError, UsageError
from kg.namespace import local_name

__all__ = ["CLASS_COLOURS", "COMMUNITY_COLOURS", "DEFAULT_MAX_NODES", "MIN_NODE_SIZE", "MAX_NODE_SIZE",
           "to_network", "top_subgraph", "to_html"]

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
#: Colours of the largest communities, in order of size; the others, and lone entities, are drawn in ``CLASS_COLOURS["other"]``.
COMMUNITY_COLOURS: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#393b79", "#ad494a", "#637939",
)
DEFAULT_MAX_NODES = 500  #: above this many entities the page shows the top ones and their neighbours
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
_LARGE = 150  # above this many entities: straight edges and no edges while dragging, so the page stays fluid


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


def _community_colours(metrics: dict[str, dict] | None) -> dict[Any, str]:
    """Community -> colour: the largest communities of two or more entities get their own colour."""
    sizes = Counter(m.get("community") for m in (metrics or {}).values() if isinstance(m, dict))
    shared = sorted((c for c, size in sizes.items() if size > 1 and isinstance(c, int) and not isinstance(c, bool)),
                    key=lambda c: (-sizes[c], c))
    return dict(zip(shared, COMMUNITY_COLOURS))


def to_network(G: nx.Graph, *, metrics: dict[str, dict] | None = None, height: str = "800px") -> Network:
    """Build a pyvis ``Network`` of the entity graph: coloured by class, sized by PageRank.

    Each node and edge carries a plain-text ``title`` and a structured ``card`` that
    :func:`to_html` turns into a hover card. Nodes also carry the fields the page filters
    and searches on: ``cls``, ``names`` (label and aliases), ``pagerank``, ``degree``,
    ``community`` and ``communityColor``; edges carry ``property``.

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
    >>> G.add_node("http://example.org/e/OpenAI", label="OpenAI", cls="Organization", aliases=["Open AI"], documents=["d1"])
    >>> net = to_network(G)
    >>> net.nodes[0]["label"], net.nodes[0]["color"], net.nodes[0]["names"]
    ('OpenAI', '#4e79a7', ['OpenAI', 'Open AI'])
    """
    if not isinstance(height, str) or not _HEIGHT.match(height):
        raise UsageError(f"height must be a CSS length such as '800px' or '100vh', not {height!r}")
    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line")
    net.options = copy.deepcopy(_OPTIONS)
    if G.number_of_nodes() > _LARGE:
        net.options["edges"]["smooth"] = {"enabled": False}  # dynamic curves add a physics node per edge
        net.options["interaction"].update(hideEdgesOnDrag=True, hideEdgesOnZoom=True)
    ids = {n: str(n) for n in G.nodes}
    sizes = _sizes(list(G.nodes), metrics)
    community_colours = _community_colours(metrics)
    labels: dict[Any, str] = {}
    for n, data in G.nodes(data=True):
        labels[n] = str(data.get("label") or local_name(ids[n]))
        cls = str(data.get("cls") or "other")
        metric = dict((metrics or {}).get(n) or {})
        card = _node_card(ids[n], data, labels[n], metric)
        aliases = [str(a) for a in data.get("aliases") or [] if str(a) != labels[n]]
        net.add_node(ids[n], label=labels[n], color=CLASS_COLOURS.get(cls, CLASS_COLOURS["other"]),
                     size=round(sizes[n], 2), title=_plain(card), card=card, cls=cls, names=[labels[n], *aliases],
                     pagerank=_finite(metric.get("pagerank")) or 0.0, degree=int(metric.get("degree", G.degree(n))),
                     community=metric.get("community"),
                     communityColor=community_colours.get(metric.get("community"), CLASS_COLOURS["other"]))
    parallel: dict[frozenset, int] = {}
    for i, (u, v, data) in enumerate(G.edges(data=True)):
        prop = str(data.get("property") or "relatedTo")
        card = _edge_card(prop, labels[u], labels[v], list(data.get("evidence") or []))
        extra: dict[str, Any] = {}
        k = parallel[frozenset((u, v))] = parallel.get(frozenset((u, v)), -1) + 1
        if k and u != v:  # fan out parallel edges so their labels do not overlap
            extra["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": min(0.9, 0.25 * k)}
        net.add_edge(ids[u], ids[v], id=f"e{i}", label=prop, title=_plain(card), card=card, property=prop, **extra)
    return net


def _rank(G: nx.Graph, metrics: dict[str, dict] | None) -> tuple[str, dict[Any, float]]:
    ranks = {n: _finite(((metrics or {}).get(n) or {}).get("pagerank")) for n in G.nodes}
    if all(r is None for r in ranks.values()):
        return "degree", {n: float(d) for n, d in G.degree()}
    return "PageRank", {n: r or 0.0 for n, r in ranks.items()}


def top_subgraph(G: nx.Graph, *, metrics: dict[str, dict] | None = None, max_nodes: int = DEFAULT_MAX_NODES,
                 keep: tuple[str, ...] = ()) -> nx.Graph:
    """At most ``max_nodes`` entities: the top quarter by PageRank, then their neighbours by PageRank.

    A graph within the limit is returned as it is. Otherwise the result is a copy whose
    ``graph["selection"]`` says what was kept (``shown``, ``total``, ``top``, ``neighbours``,
    ``others``, ``ranked_by``); when the neighbours do not fill the limit, the next entities
    by rank do. Nodes in ``keep`` are always kept. Without metrics, degree ranks the nodes.

    Examples
    --------
    >>> G = nx.MultiDiGraph(nx.star_graph(9))
    >>> small = top_subgraph(G, max_nodes=4)
    >>> sorted(small.nodes), small.graph["selection"]["top"], small.graph["selection"]["neighbours"]
    ([0, 1, 2, 3], 1, 3)
    """
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise UsageError(f"max_nodes must be a positive whole number, not {max_nodes!r}")
    if G.number_of_nodes() <= max_nodes:
        return G
    ranked_by, rank = _rank(G, metrics)
    order = sorted(G.nodes, key=lambda n: (-rank[n], str(n)))
    chosen = dict.fromkeys(n for n in keep if n in G)
    for n in order[: max(1, max_nodes // 4)]:
        chosen.setdefault(n)
    top = len(chosen)
    neighbours = {m for n in list(chosen) for m in nx.all_neighbors(G, n)} - set(chosen)
    for n in sorted(neighbours, key=lambda n: (-rank[n], str(n)))[: max(0, max_nodes - len(chosen))]:
        chosen.setdefault(n)
    added = len(chosen) - top
    for n in order:
        if len(chosen) >= max_nodes:
            break
        chosen.setdefault(n)
    kept = G.subgraph(list(chosen)[:max_nodes]).copy()
    shown = kept.number_of_nodes()
    top, added = min(top, shown), min(added, shown - min(top, shown))  # more nodes to keep than the limit
    kept.graph["selection"] = {"shown": shown, "total": G.number_of_nodes(), "top": top, "neighbours": added,
                               "others": shown - top - added, "ranked_by": ranked_by}
    return kept


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
html, body { margin: 0; padding: 0; height: 100%; font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
  background: #fafafa; color: #222; overflow: hidden; }
#kg-network { position: absolute; inset: 0; height: @@height@@; background: #fafafa; }
.kg-box { position: absolute; background: rgba(255,255,255,.96); border: 1px solid #e2e2e2; border-radius: 10px;
  box-shadow: 0 2px 10px rgba(0,0,0,.08); font-size: 13px; }
#kg-controls { top: 12px; left: 12px; width: 270px; max-height: calc(100vh - 24px); overflow-y: auto; padding: 12px 14px;
  box-sizing: border-box; }
#kg-controls h1 { font-size: 15px; margin: 0 0 2px; overflow-wrap: anywhere; }
.kg-sub { color: #777; font-size: 12px; margin: 0 0 10px; }
#kg-note { background: #fff6dd; border: 1px solid #f0dca0; border-radius: 6px; padding: 6px 8px; margin: 0 0 10px;
  font-size: 12px; color: #5a4a12; }
#kg-search { width: 100%; box-sizing: border-box; padding: 7px 10px; font: inherit; border: 1px solid #ccc;
  border-radius: 6px; outline: none; }
#kg-search:focus { border-color: #4e79a7; box-shadow: 0 0 0 3px rgba(78,121,167,.18); }
#kg-search-status { min-height: 16px; margin: 4px 0 6px; font-size: 12px; color: #666; }
.kg-section { margin: 8px 0 0; border-top: 1px solid #eee; padding-top: 8px; }
.kg-section h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: #888; margin: 0 0 4px;
  font-weight: 600; display: flex; justify-content: space-between; align-items: baseline; }
.kg-section h2 button { font: inherit; text-transform: none; letter-spacing: 0; color: #4e79a7; background: none;
  border: 0; padding: 0; cursor: pointer; }
.kg-checks { list-style: none; margin: 0; padding: 0; }
.kg-checks li label { display: flex; align-items: center; gap: 6px; padding: 1px 0; cursor: pointer; }
.kg-checks .kg-count { margin-left: auto; color: #999; font-variant-numeric: tabular-nums; }
#kg-properties, #kg-communities { max-height: 170px; overflow-y: auto; }
#kg-communities { margin-top: 6px; }
.kg-swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%; flex: none; }
.kg-row { display: flex; align-items: center; gap: 6px; margin: 4px 0; }
.kg-row select { font: inherit; }
#kg-threshold { width: 100%; }
#kg-threshold-value { font-variant-numeric: tabular-nums; color: #444; margin-left: auto; }
.kg-toggle { display: inline-flex; border: 1px solid #ccc; border-radius: 6px; overflow: hidden; }
.kg-toggle button { font: inherit; font-size: 12px; border: 0; background: #fff; padding: 4px 10px; cursor: pointer; }
.kg-toggle button[aria-pressed="true"] { background: #4e79a7; color: #fff; }
.kg-toggle button:disabled { color: #bbb; cursor: not-allowed; }
#kg-shown { color: #666; font-size: 12px; margin: 8px 0 0; }
.kg-hint { color: #999; font-size: 11px; margin: 6px 0 0; }
#kg-panel { top: 12px; right: 12px; width: 380px; max-height: calc(100vh - 24px); overflow-y: auto; padding: 14px 16px;
  box-sizing: border-box; }
#kg-panel[hidden], #kg-loading[hidden], #kg-note[hidden] { display: none; }
#kg-panel-close { position: absolute; top: 8px; right: 10px; border: 0; background: none; font-size: 20px; line-height: 1;
  color: #888; cursor: pointer; }
#kg-panel h2 { font-size: 18px; margin: 0 24px 4px 0; overflow-wrap: anywhere; }
.kg-badge { display: inline-flex; align-items: center; gap: 5px; font-size: 12px; color: #444; background: #f1f1f1;
  border-radius: 10px; padding: 1px 8px 1px 6px; margin-right: 4px; }
.kg-iri { color: #999; font-size: 11px; margin: 6px 0; overflow-wrap: anywhere; }
#kg-panel dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 8px 0; }
#kg-panel dt { color: #777; } #kg-panel dd { margin: 0; overflow-wrap: anywhere; }
#kg-panel h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: #888; margin: 14px 0 4px; }
.kg-group { margin: 8px 0 0; }
.kg-group h4 { font-size: 13px; margin: 0 0 2px; color: #333; }
.kg-group ul { list-style: none; margin: 0; padding: 0; }
.kg-rel { margin: 0 0 8px; padding-left: 8px; border-left: 2px solid #e6e6e6; }
.kg-rel-head { display: flex; align-items: center; gap: 6px; }
.kg-dir { color: #999; width: 14px; text-align: center; }
.kg-link { font: inherit; color: #2f5d8c; background: none; border: 0; padding: 0; cursor: pointer; text-align: left;
  text-decoration: underline; text-decoration-color: rgba(47,93,140,.35); overflow-wrap: anywhere; }
.kg-link:hover { text-decoration-color: #2f5d8c; }
.kg-evidence { margin: 3px 0 0; padding-left: 20px; font-size: 12px; color: #333; list-style: none; }
.kg-evidence li { margin: 0 0 4px; }
.kg-meta { color: #888; font-size: 11px; }
#kg-loading { top: 50%; left: 50%; transform: translate(-50%, -50%); padding: 10px 16px; font-size: 13px; color: #555; }
div.vis-tooltip { max-width: 440px; white-space: normal; font-family: system-ui, sans-serif; font-size: 12px;
  padding: 8px 10px; background: #fff; border: 1px solid #ccc; border-radius: 6px; box-shadow: 0 2px 6px rgba(0,0,0,.18); }
.kg-card-title { font-weight: 600; font-size: 14px; overflow-wrap: anywhere; }
.kg-card-sub { color: #777; font-size: 11px; margin-bottom: 4px; overflow-wrap: anywhere; }
.kg-card dl { display: grid; grid-template-columns: auto 1fr; gap: 1px 8px; margin: 4px 0; }
.kg-card dt { color: #666; } .kg-card dd { margin: 0; overflow-wrap: anywhere; }
.kg-card ol { margin: 4px 0 0; padding-left: 18px; } .kg-card li { margin-bottom: 4px; }
</style>
</head>
<body>
<div id="kg-network"></div>
<div id="kg-loading" class="kg-box">Laying out the graph…</div>
<aside id="kg-controls" class="kg-box" aria-label="Search and filters">
  <h1>@@title@@</h1>
  <p class="kg-sub">@@counts@@</p>
  <p id="kg-note" hidden></p>
  <input id="kg-search" type="search" placeholder="Find an entity by any name…" list="kg-names" autocomplete="off"
    aria-label="Find an entity">
  <datalist id="kg-names"></datalist>
  <div id="kg-search-status" aria-live="polite"></div>
  <div class="kg-section"><h2>Classes <button type="button" id="kg-classes-all">all</button></h2>
    <ul id="kg-classes" class="kg-checks"></ul></div>
  <div class="kg-section"><h2>Relations <button type="button" id="kg-properties-all">all</button></h2>
    <ul id="kg-properties" class="kg-checks"></ul></div>
  <div class="kg-section"><h2>Minimum</h2>
    <div class="kg-row"><select id="kg-measure" aria-label="Measure"><option value="degree">degree</option>
      <option value="pagerank">PageRank</option></select><span id="kg-threshold-value">0</span></div>
    <input id="kg-threshold" type="range" min="0" max="0" step="1" value="0" aria-label="Minimum value"></div>
  <div class="kg-section"><h2>Colour by</h2>
    <div class="kg-toggle"><button type="button" id="kg-colour-class" aria-pressed="true">class</button><button
      type="button" id="kg-colour-community" aria-pressed="false">community</button></div>
    <ul id="kg-communities" class="kg-checks" hidden></ul></div>
  <p id="kg-shown"></p>
  <p class="kg-hint">Size shows PageRank. Click an entity for its relations and evidence; hover for a summary.</p>
</aside>
<aside id="kg-panel" class="kg-box" hidden aria-label="Entity details">
  <button type="button" id="kg-panel-close" aria-label="Close">×</button>
  <div id="kg-panel-body"></div>
</aside>
<script>@@vis_js@@</script>
<script id="kg-data" type="application/json">@@data@@</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var view = data.view;
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, cls, text) {  /* every piece of data reaches the page through textContent */
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function swatch(colour) { var s = el("span", "kg-swatch"); s.style.background = colour; return s; }
  function evidenceList(items, more) {
    var ol = el("ul", "kg-evidence");
    items.forEach(function (ev) {
      var li = el("li");
      li.appendChild(el("q", null, ev.text));
      li.appendChild(el("div", "kg-meta", ev.meta));
      ol.appendChild(li);
    });
    if (more) { ol.appendChild(el("li", "kg-meta", "+ " + more + " more")); }
    return ol;
  }
  function card(c) {  /* the hover card */
    var root = el("div", "kg-card"), dl = el("dl");
    root.appendChild(el("div", "kg-card-title", c.title));
    root.appendChild(el("div", "kg-card-sub", c.subtitle));
    c.fields.forEach(function (f) { dl.appendChild(el("dt", null, f[0])); dl.appendChild(el("dd", null, f[1])); });
    root.appendChild(dl);
    if (c.evidence.length) { root.appendChild(evidenceList(c.evidence, c.more)); }
    return root;
  }

  var byId = {}, incident = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; incident[n.id] = []; });
  data.edges.forEach(function (e) {
    incident[e.from].push(e);
    if (e.to !== e.from) { incident[e.to].push(e); }
  });
  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    return {id: n.id, label: n.label, color: n.color, size: n.size, shape: n.shape, title: card(n.card)};
  }));
  var edges = new vis.DataSet(data.edges.map(function (e) {
    var item = Object.assign({}, e, {title: card(e.card)});
    delete item.card;
    return item;
  }));
  var network = new vis.Network($("kg-network"), {nodes: nodes, edges: edges}, data.options);
  window.network = network; window.kgNodes = nodes; window.kgEdges = edges;

  function stabilized() {
    if (window.kgStabilized) { return; }
    network.setOptions({physics: {enabled: false}});  /* stop moving once laid out */
    $("kg-loading").hidden = true;
    if (view.focus && byId[view.focus]) { select(view.focus, false); }
    fitFree();
    window.kgStabilized = true;
    window.kgStabilizedAt = performance.now();
  }
  function fitFree() {  /* fit the graph into the space the controls and the panel leave free */
    var width = window.innerWidth, left = $("kg-controls").getBoundingClientRect().right + 8;
    var right = $("kg-panel").hidden ? width : $("kg-panel").getBoundingClientRect().left - 8;
    var positions = network.getPositions(), box = {x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity};
    Object.keys(positions).forEach(function (id) {
      var p = positions[id], r = byId[id].size + 40;  /* room for the label */
      box.x0 = Math.min(box.x0, p.x - r); box.x1 = Math.max(box.x1, p.x + r);
      box.y0 = Math.min(box.y0, p.y - r); box.y1 = Math.max(box.y1, p.y + r);
    });
    if (data.nodes.length < 2 || right - left < width / 3) { return; }
    var scale = Math.min(1.5, (right - left) / (box.x1 - box.x0), (window.innerHeight - 24) / (box.y1 - box.y0));
    network.moveTo({position: {x: (box.x0 + box.x1) / 2, y: (box.y0 + box.y1) / 2}, scale: scale,
                    offset: {x: (left + right - width) / 2, y: 0}});
  }
  network.on("stabilizationProgress", function (p) {
    $("kg-loading").textContent = "Laying out " + data.nodes.length + " entities… " + Math.round(100 * p.iterations / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", stabilized);
  if (!data.nodes.length) { stabilized(); }

  /* the note on a cut-down graph */
  if (view.note) { $("kg-note").textContent = view.note; $("kg-note").hidden = false; }

  /* filters: classes, properties, minimum degree or PageRank */
  var classOn = {}, propertyOn = {};
  function checkList(list, entries, state, colourOf) {
    entries.forEach(function (entry) {
      var li = el("li"), label = el("label"), box = el("input");
      box.type = "checkbox"; box.checked = true; box.value = entry[0];
      box.setAttribute("data-kg-filter", entry[0]);
      state[entry[0]] = true;
      box.addEventListener("change", function () { state[entry[0]] = box.checked; applyFilters(); });
      label.appendChild(box);
      if (colourOf) { label.appendChild(swatch(colourOf(entry[0]))); }
      label.appendChild(el("span", null, entry[0]));
      label.appendChild(el("span", "kg-count", entry[1]));
      li.appendChild(label); list.appendChild(li);
    });
  }
  function counted(key) {
    var counts = {};
    (key === "cls" ? data.nodes : data.edges).forEach(function (x) { counts[x[key]] = (counts[x[key]] || 0) + 1; });
    return Object.keys(counts).sort().map(function (k) { return [k, counts[k]]; });
  }
  checkList($("kg-classes"), counted("cls"), classOn, function (cls) { return view.classColours[cls] || view.classColours.other; });
  checkList($("kg-properties"), counted("property"), propertyOn, null);
  function allOn(listId, state) {
    $(listId).querySelectorAll("input").forEach(function (box) { box.checked = true; state[box.value] = true; });
    applyFilters();
  }
  $("kg-classes-all").addEventListener("click", function () { allOn("kg-classes", classOn); });
  $("kg-properties-all").addEventListener("click", function () { allOn("kg-properties", propertyOn); });

  var measure = $("kg-measure"), slider = $("kg-threshold"), ranks = data.nodes.map(function (n) { return n.pagerank; }).sort(function (a, b) { return a - b; });
  var maxDegree = data.nodes.reduce(function (m, n) { return Math.max(m, n.degree); }, 0);
  if (!view.hasMetrics) { measure.querySelector('option[value="pagerank"]').disabled = true; }
  function threshold() {
    var v = Number(slider.value);
    if (measure.value === "degree") { return v; }
    return ranks.length ? ranks[Math.min(ranks.length - 1, Math.floor(v / 100 * ranks.length))] : 0;
  }
  function resetSlider() {
    slider.max = measure.value === "degree" ? String(maxDegree) : "99";
    slider.value = "0";
    applyFilters();
  }
  measure.addEventListener("change", resetSlider);
  slider.addEventListener("input", applyFilters);

  function applyFilters() {
    var min = threshold(), shown = 0, hidden = {};
    $("kg-threshold-value").textContent = measure.value === "degree" ? "≥ " + min : "≥ " + min.toFixed(4);
    nodes.update(data.nodes.map(function (n) {
      var hide = !classOn[n.cls] || (measure.value === "degree" ? n.degree : n.pagerank) < min;
      if (hide) { hidden[n.id] = true; } else { shown += 1; }
      return {id: n.id, hidden: hide};
    }));
    edges.update(data.edges.map(function (e) {
      return {id: e.id, hidden: !propertyOn[e.property] || !!hidden[e.from] || !!hidden[e.to]};
    }));
    $("kg-shown").textContent = "Showing " + shown + " of " + data.nodes.length + " entities" + (view.note ? " drawn" : "");
  }
  resetSlider();

  /* colour by class or by community */
  function colourBy(mode) {
    $("kg-colour-class").setAttribute("aria-pressed", String(mode === "class"));
    $("kg-colour-community").setAttribute("aria-pressed", String(mode === "community"));
    $("kg-communities").hidden = mode !== "community";
    nodes.update(data.nodes.map(function (n) { return {id: n.id, color: mode === "class" ? n.color : n.communityColor}; }));
    window.kgColourMode = mode;
  }
  $("kg-colour-class").addEventListener("click", function () { colourBy("class"); });
  $("kg-colour-community").addEventListener("click", function () { colourBy("community"); });
  if (!view.hasMetrics) { $("kg-colour-community").disabled = true; }
  view.communities.forEach(function (c) {
    var li = el("li"), label = el("label");
    label.appendChild(swatch(c.colour));
    label.appendChild(el("span", null, c.top.join(", ")));
    label.appendChild(el("span", "kg-count", c.size));
    li.appendChild(label); $("kg-communities").appendChild(li);
  });

  /* search by any label or alias */
  var names = [];
  data.nodes.forEach(function (n) {
    n.names.forEach(function (name, i) {
      names.push({key: name.toLowerCase(), id: n.id, rank: n.pagerank});
      var option = el("option", null, i ? n.label : n.cls);
      option.value = name;
      $("kg-names").appendChild(option);
    });
  });
  function best(list) { return list.sort(function (a, b) { return b.rank - a.rank; })[0]; }
  function lookup(query) {
    var q = query.trim().toLowerCase();
    if (!q) { return null; }
    var hit = names.filter(function (x) { return x.key === q; });
    if (!hit.length) { hit = names.filter(function (x) { return x.key.indexOf(q) === 0; }); }
    if (!hit.length) { hit = names.filter(function (x) { return x.key.indexOf(q) >= 0; }); }
    return hit.length ? best(hit).id : null;
  }
  function search() {
    var query = $("kg-search").value, id = lookup(query), status = $("kg-search-status");
    if (!query.trim()) { status.textContent = ""; return; }
    if (!id) { status.textContent = "No entity is called “" + query.trim() + "”"; return; }
    var hiddenNow = nodes.get(id).hidden;
    status.textContent = byId[id].label + " · " + byId[id].cls + (hiddenNow ? " (hidden by the filters)" : "");
    select(id, true);
  }
  $("kg-search").addEventListener("keydown", function (event) { if (event.key === "Enter") { search(); } });
  $("kg-search").addEventListener("input", function (event) {
    if (!event.inputType || event.inputType === "insertReplacementText") { search(); }  /* picked from the list */
  });

  /* the side panel */
  function select(id, move) {
    network.selectNodes([id]);
    openPanel(id);
    if (move) {  /* centre the node in the space the two boxes leave free */
      var left = $("kg-controls").getBoundingClientRect().right, right = $("kg-panel").getBoundingClientRect().left;
      var offset = {x: (left + right - window.innerWidth) / 2, y: 0};
      network.focus(id, {scale: Math.max(network.getScale(), 1.1), offset: offset,
                         animation: {duration: 450, easingFunction: "easeInOutQuad"}});
    }
  }
  function openPanel(id) {
    var n = byId[id], body = $("kg-panel-body"), dl = el("dl");
    body.replaceChildren();
    body.appendChild(el("h2", null, n.label));
    var badges = el("div"), cls = el("span", "kg-badge");
    cls.appendChild(swatch(n.color)); cls.appendChild(el("span", null, n.cls));
    badges.appendChild(cls);
    if (n.community !== null && n.community !== undefined) {
      var community = el("span", "kg-badge");
      community.appendChild(swatch(n.communityColor)); community.appendChild(el("span", null, "community " + n.community));
      badges.appendChild(community);
    }
    body.appendChild(badges);
    body.appendChild(el("div", "kg-iri", id));
    n.card.fields.forEach(function (f) {
      if (f[0] === "Class") { return; }
      dl.appendChild(el("dt", null, f[0])); dl.appendChild(el("dd", null, f[1]));
    });
    body.appendChild(dl);
    var links = incident[id] || [];
    body.appendChild(el("h3", null, "Relations (" + links.length + ")"));
    if (!links.length) { body.appendChild(el("p", "kg-meta", "No relations.")); }
    var groups = {};
    links.forEach(function (e) { (groups[e.property] = groups[e.property] || []).push(e); });
    Object.keys(groups).sort().forEach(function (property) {
      var group = el("section", "kg-group"), list = el("ul");
      group.appendChild(el("h4", null, property + " (" + groups[property].length + ")"));
      groups[property].map(function (e) {
        var outgoing = e.from === id, other = outgoing ? e.to : e.from;
        return {e: e, other: other, outgoing: outgoing, label: byId[other].label};
      }).sort(function (a, b) { return a.label.localeCompare(b.label); }).forEach(function (r) {
        var li = el("li", "kg-rel"), head = el("div", "kg-rel-head"), link = el("button", "kg-link", r.label);
        var dir = el("span", "kg-dir", r.outgoing ? "→" : "←");
        dir.title = r.outgoing ? n.label + " " + property + " " + r.label : r.label + " " + property + " " + n.label;
        link.type = "button";
        link.addEventListener("click", function () { select(r.other, true); });
        head.appendChild(dir); head.appendChild(link); head.appendChild(el("span", "kg-meta", byId[r.other].cls));
        li.appendChild(head);
        if (r.e.card.evidence.length) { li.appendChild(evidenceList(r.e.card.evidence, r.e.card.more)); }
        list.appendChild(li);
      });
      group.appendChild(list); body.appendChild(group);
    });
    $("kg-panel").hidden = false;
    $("kg-panel").scrollTop = 0;
    window.kgPanelFor = id;
  }
  function closePanel() { $("kg-panel").hidden = true; window.kgPanelFor = null; network.unselectAll(); }
  $("kg-panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") { closePanel(); } });
  network.on("click", function (params) {
    if (params.nodes.length) { openPanel(params.nodes[0]); }
    else if (!params.edges.length) { closePanel(); }
  });
})();
</script>
</body>
</html>
"""


def _note(selection: dict[str, Any] | None) -> str:
    if not selection:
        return ""
    parts = [f"the {selection['top']:,} with the highest {selection['ranked_by']}"]
    if selection["neighbours"]:
        parts.append(f"{selection['neighbours']:,} of their neighbours")
    if selection["others"]:
        parts.append(f"the next {selection['others']:,} by {selection['ranked_by']}")
    kept = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    return (f"Showing {selection['shown']:,} of {selection['total']:,} entities: {kept}. "
            "Raise the limit (kg render --max-nodes) or look around one entity (kg render --focus) to see others.")


def _communities(net: Network) -> list[dict[str, Any]]:
    """The legend of the community colours: each coloured community's colour, size and top members, then the rest."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for node in net.nodes:
        if node["community"] is not None:
            groups.setdefault(node["communityColor"], []).append(node)
    legend = [{"colour": colour, "size": len(members), "top": [n["label"] for n in sorted(members, key=lambda n: -n["pagerank"])[:3]]}
              for colour, members in groups.items() if colour != CLASS_COLOURS["other"]]
    legend.sort(key=lambda item: COMMUNITY_COLOURS.index(item["colour"]))
    rest = groups.get(CLASS_COLOURS["other"], [])
    return legend + ([{"colour": CLASS_COLOURS["other"], "size": len(rest), "top": ["smaller communities and lone entities"]}] if rest else [])


def to_html(G: nx.Graph, *, metrics: dict[str, dict] | None = None, title: str = "kg graph",
            max_nodes: int = DEFAULT_MAX_NODES, focus: str | None = None) -> str:
    """Render the entity graph as one self-contained HTML page that works offline.

    vis-network's script and styles are inlined and the page's Content-Security-Policy forbids
    loading anything else; every label and sentence reaches the page as text. Above
    ``max_nodes`` entities the page shows :func:`top_subgraph` and says so. The vis ``Network``
    is exposed as ``window.network`` and its data sets as ``window.kgNodes``/``window.kgEdges``;
    ``window.kgStabilized`` turns true (and ``window.kgStabilizedAt`` holds the time) once the
    layout has stabilised and physics is switched off.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Entity graph, see :func:`to_network`.
    metrics : dict, optional
        Node IRI -> metrics dict, see :func:`to_network`; it enables community colours and the
        PageRank filter.
    title : str
        Page title, also shown above the controls.
    max_nodes : int
        The most entities the page draws.
    focus : str, optional
        A node selected, with its side panel open, once the layout is done (``kg render --focus``).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("http://example.org/e/OpenAI", label="OpenAI", cls="Organization", aliases=[], documents=["d1"])
    >>> page = to_html(G, title="demo")
    >>> page.startswith("<!DOCTYPE html>") and "OpenAI" in page
    True
    """
    shown = top_subgraph(G, metrics=metrics, max_nodes=max_nodes, keep=(focus,) if focus is not None else ())
    net = to_network(shown, metrics=metrics, height="100vh")
    nodes, edges, _heading, height, _width, options = net.get_network_data()
    for item in [*nodes, *edges]:
        item.pop("title", None)  # the page builds its cards from ``card``
    data = {
        "nodes": nodes, "edges": edges, "options": json.loads(options),
        "view": {"note": _note(shown.graph.get("selection")) if shown is not G else "",
                 "focus": focus if focus in shown else None, "hasMetrics": bool(metrics),
                 "classColours": CLASS_COLOURS, "communities": _communities(net)},
    }
    try:
        payload = _script_json(data)
    except (TypeError, ValueError) as exc:
        raise RenderError(f"graph attributes cannot be encoded as JSON: {exc}") from exc
    total = f"{G.number_of_nodes():,} entities · {G.number_of_edges():,} relations"
    parts = {
        "title": html.escape(title),
        "height": height,
        "counts": total if shown is G else f"{total} ({shown.number_of_nodes():,} shown)",
        # an inlined library must not close its own element early
        "vis_css": re.sub(r"</(style)", r"<\\/\1", _asset("vis-network.css"), flags=re.IGNORECASE),
        "vis_js": re.sub(r"</(script)", r"<\\/\1", _asset("vis-network.min.js"), flags=re.IGNORECASE)
        .replace("<!--", "<\\!--"),
        "data": payload,
    }
    return re.sub(r"@@(\w+)@@", lambda m: parts[m.group(1)], _PAGE)
