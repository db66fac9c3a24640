"""Tests for kg.render: the offline HTML page and the pyvis Network behind it."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from kg.errors import KGError, UsageError
from kg.render import CLASS_COLOURS, COMMUNITY_COLOURS, MAX_NODE_SIZE, MIN_NODE_SIZE, to_html, to_network, top_subgraph

E = "http://example.org/kg/entity/"
SCRIPT_BREAKOUT = "</script><script>alert(1)</script>"
IMG_ONERROR = "<img src=x onerror=alert(1)>"
EXTERNAL = [
    re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE),
    re.compile(r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""", re.IGNORECASE),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.IGNORECASE),
]


def _evidence(text: str, document: str, confidence: float = 0.9, rule: str = "svo") -> dict:
    return {"text": text, "document": document, "start": 0, "end": len(text), "confidence": confidence, "rule": rule}


@pytest.fixture
def entity_graph() -> nx.MultiDiGraph:
    """A hand-built graph with exactly the attributes kg.analyze.entity_graph provides."""
    G = nx.MultiDiGraph()
    nodes = [
        ("OpenAI", "Organization", ["Open AI"]),
        ("Sam Altman", "Person", []),
        ("Zürich", "Place", ["Zurich"]),
        ("ChatGPT", "Product", []),
        ("GPT-5", "AIModel", ["GPT5"]),
        ("DevDay 2025", "Event", []),
        ("Anthropic", "Organization", []),
        (SCRIPT_BREAKOUT, "Organization", [IMG_ONERROR]),
        ("Widget & Co", "Thing", []),
    ]
    for label, cls, aliases in nodes:
        G.add_node(E + label.replace(" ", "_"), label=label, cls=cls, aliases=aliases, documents=["news/001.txt"])
    triples = [
        ("OpenAI", "launched", "GPT-5", [_evidence("OpenAI launched GPT-5 on Monday.", "news/001.txt")]),
        ("OpenAI", "competesWith", "Anthropic", [_evidence("OpenAI competes with Anthropic.", "news/002.txt", 0.7)]),
        ("OpenAI", "relatedTo", "Anthropic", []),
        ("Sam Altman", "relatedTo", "OpenAI", [_evidence(f"Altman said {SCRIPT_BREAKOUT}.", "news/003.txt")]),
        ("ChatGPT", "relatedTo", "DevDay 2025", [_evidence("ChatGPT at DevDay.", "news/004.txt", 0.5, "cooc")]),
        (SCRIPT_BREAKOUT, "relatedTo", "Zürich", [_evidence(IMG_ONERROR, "news/005.txt")]),
    ]
    for s, prop, o, evidence in triples:
        G.add_edge(E + s.replace(" ", "_"), E + o.replace(" ", "_"), key=prop, property=prop, evidence=evidence)
    return G


@pytest.fixture
def metrics(entity_graph: nx.MultiDiGraph) -> dict[str, dict]:
    """Metrics shaped like kg.analyze.compute_metrics: PageRank rises with the node's position."""
    return {
        n: {"pagerank": 0.01 * (i + 1), "degree": entity_graph.degree(n), "betweenness": 0.0, "community": i % 2}
        for i, n in enumerate(entity_graph.nodes)
    }


def _page_data(page: str) -> dict:
    match = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert match, "data script missing"
    return json.loads(match.group(1))


def test_to_html_has_no_external_resources(entity_graph, metrics):
    page = to_html(entity_graph, metrics=metrics)
    for pattern in EXTERNAL:
        assert not pattern.search(page), pattern.search(page).group(0)
    assert "<link" not in page.lower()
    assert "vis.Network" in page and "vis-network" in page  # the library itself is inlined


def test_to_html_contains_every_label(entity_graph, metrics):
    page = to_html(entity_graph, metrics=metrics)
    labels = [d["label"] for _, d in entity_graph.nodes(data=True) if "<" not in d["label"]]
    assert "Zürich" in labels
    for label in labels:
        assert json.dumps(label, ensure_ascii=False)[1:-1].replace("&", "\\u0026") in page
    assert {n["label"] for n in _page_data(page)["nodes"]} == {d["label"] for _, d in entity_graph.nodes(data=True)}


def test_to_html_escapes_malicious_labels(entity_graph, metrics):
    page = to_html(entity_graph, metrics=metrics, title=IMG_ONERROR)
    assert SCRIPT_BREAKOUT not in page
    assert IMG_ONERROR not in page
    assert page.lower().count("</script>") == 3  # vis, data, app: nothing closed early
    assert SCRIPT_BREAKOUT in {n["label"] for n in _page_data(page)["nodes"]}  # still shown, as text


def test_to_html_escapes_line_separators():
    G = nx.MultiDiGraph()
    G.add_node(E + "x", label="a\u2028b\u2029c", cls="Person", aliases=[], documents=[])
    page = to_html(G)
    assert "\u2028" not in page and "\u2029" not in page
    assert _page_data(page)["nodes"][0]["label"] == "a\u2028b\u2029c"


def test_to_network_colours_differ_per_class(entity_graph):
    net = to_network(entity_graph)
    colour = {n["label"]: n["color"] for n in net.nodes}
    assert colour["OpenAI"] == colour["Anthropic"] == CLASS_COLOURS["Organization"]
    by_class = [colour[label] for label in ("OpenAI", "Sam Altman", "Zürich", "ChatGPT", "GPT-5", "DevDay 2025")]
    assert len(set(by_class)) == 6
    assert colour["Widget & Co"] == CLASS_COLOURS["other"]
    assert len(set(CLASS_COLOURS.values())) == len(CLASS_COLOURS)


def test_to_network_sizes_grow_with_pagerank(entity_graph, metrics):
    net = to_network(entity_graph, metrics=metrics)
    sizes = [n["size"] for n in sorted(net.nodes, key=lambda n: metrics[n["id"]]["pagerank"])]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert sizes[0] == pytest.approx(MIN_NODE_SIZE) and sizes[-1] == pytest.approx(MAX_NODE_SIZE)


def test_to_network_sizes_equal_without_metrics(entity_graph):
    assert len({n["size"] for n in to_network(entity_graph).nodes}) == 1


def test_to_network_uses_iris_as_ids_and_labels_edges(entity_graph):
    net = to_network(entity_graph)
    assert {n["id"] for n in net.nodes} == set(entity_graph.nodes)
    assert len(net.edges) == entity_graph.number_of_edges()
    assert {e["label"] for e in net.edges} == {"launched", "competesWith", "relatedTo"}
    assert all(e["arrows"] == "to" for e in net.edges)
    assert len({e["id"] for e in net.edges}) == len(net.edges)


def test_to_network_cards_carry_provenance(entity_graph, metrics):
    net = to_network(entity_graph, metrics=metrics)
    openai = next(n for n in net.nodes if n["label"] == "OpenAI")
    fields = dict(openai["card"]["fields"])
    assert fields["Class"] == "Organization" and fields["Aliases"] == "Open AI"
    assert fields["Documents"] == "news/001.txt" and "PageRank" in fields and "Community" in fields
    launched = next(e for e in net.edges if e["label"] == "launched")
    assert launched["card"]["evidence"][0]["text"] == "OpenAI launched GPT-5 on Monday."
    assert "news/001.txt" in launched["card"]["evidence"][0]["meta"] and "0.90" in launched["title"]


def test_to_network_rejects_bad_height(entity_graph):
    with pytest.raises(UsageError):
        to_network(entity_graph, height="1px;}</style><script>alert(1)</script>")
    assert issubclass(UsageError, KGError)


def test_to_html_renders_empty_graph():
    page = to_html(nx.MultiDiGraph())
    assert _page_data(page)["nodes"] == [] and "0 entities" in page


def test_to_network_carries_what_the_page_filters_and_searches_on(entity_graph, metrics):
    net = to_network(entity_graph, metrics=metrics)
    openai = next(n for n in net.nodes if n["label"] == "OpenAI")
    assert openai["names"] == ["OpenAI", "Open AI"] and openai["cls"] == "Organization"
    assert openai["pagerank"] == metrics[openai["id"]]["pagerank"] and openai["degree"] == metrics[openai["id"]]["degree"]
    assert {e["property"] for e in net.edges} == {"launched", "competesWith", "relatedTo"}


def test_community_colours_go_to_shared_communities_only():
    G = nx.MultiDiGraph()
    for n in "abcde":
        G.add_node(E + n, label=n, cls="Person", aliases=[], documents=[])
    communities = {"a": 0, "b": 0, "c": 1, "d": 1, "e": 2}  # e stands alone
    metrics = {E + n: {"pagerank": 0.2, "degree": 1, "betweenness": 0.0, "community": c} for n, c in communities.items()}
    colour = {n["label"]: n["communityColor"] for n in to_network(G, metrics=metrics).nodes}
    assert colour["a"] == colour["b"] == COMMUNITY_COLOURS[0] and colour["c"] == colour["d"] == COMMUNITY_COLOURS[1]
    assert colour["e"] == CLASS_COLOURS["other"]


def _star_of_stars(hubs: int = 10, leaves: int = 20) -> tuple[nx.MultiDiGraph, dict[str, dict]]:
    """``hubs`` hubs, each with ``leaves`` leaves pointing at it; hub i ranks above hub i + 1."""
    G = nx.MultiDiGraph()
    metrics = {}
    for h in range(hubs):
        hub = f"{E}hub{h}"
        G.add_node(hub, label=f"Hub {h}", cls="Organization", aliases=[], documents=[])
        metrics[hub] = {"pagerank": 1.0 - h / 100, "degree": leaves, "betweenness": 0.0, "community": h}
        for leaf in range(leaves):
            node = f"{E}leaf{h}_{leaf}"
            G.add_node(node, label=f"Leaf {h}.{leaf}", cls="Person", aliases=[], documents=[])
            G.add_edge(node, hub, key="worksFor", property="worksFor", evidence=[])
            metrics[node] = {"pagerank": 0.01 - (h * leaves + leaf) / 1e6, "degree": 1, "betweenness": 0.0, "community": h}
    return G, metrics


def test_top_subgraph_keeps_the_top_entities_and_their_neighbours_within_the_limit():
    G, metrics = _star_of_stars()
    kept = top_subgraph(G, metrics=metrics, max_nodes=40)
    assert kept.number_of_nodes() == 40
    hubs = {n for n in kept if "hub" in n}
    assert hubs == {f"{E}hub{h}" for h in range(10)}  # the top quarter by PageRank: all ten hubs
    assert all(any(kept.has_edge(n, hub) for hub in hubs) for n in kept if n not in hubs)  # the rest are their neighbours
    assert kept.number_of_edges() == 30
    assert kept.graph["selection"] == {"shown": 40, "total": 210, "top": 10, "neighbours": 30, "others": 0, "ranked_by": "PageRank"}
    assert top_subgraph(G, metrics=metrics, max_nodes=210) is G


def test_top_subgraph_keeps_the_focus_ranks_by_degree_without_metrics_and_fills_up():
    G, metrics = _star_of_stars()
    focus = f"{E}leaf9_19"  # the lowest-ranked entity of all
    assert focus in top_subgraph(G, metrics=metrics, max_nodes=8, keep=(focus,))
    by_degree = top_subgraph(G, max_nodes=8)
    assert by_degree.graph["selection"]["ranked_by"] == "degree"
    assert {n for n in by_degree if "hub" in n} == {f"{E}hub0", f"{E}hub1"}
    lonely = nx.MultiDiGraph()
    lonely.add_nodes_from((f"{E}{i}", {"label": str(i), "cls": "Place"}) for i in range(10))
    filled = top_subgraph(lonely, max_nodes=4)  # no neighbours to add: the next entities by rank fill the page
    assert filled.graph["selection"] == {"shown": 4, "total": 10, "top": 1, "neighbours": 0, "others": 3, "ranked_by": "degree"}


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_top_subgraph_rejects_bad_limits(bad):
    with pytest.raises(UsageError, match="max_nodes"):
        top_subgraph(nx.MultiDiGraph(), max_nodes=bad)


def test_to_html_says_when_it_shows_part_of_the_graph():
    G, metrics = _star_of_stars()
    page = to_html(G, metrics=metrics, max_nodes=40)
    data = _page_data(page)
    assert len(data["nodes"]) == 40
    assert data["view"]["note"].startswith("Showing 40 of 210 entities: the 10 with the highest PageRank and 30 of their neighbours.")
    assert "210 entities · 200 relations (40 shown)" in page
    assert _page_data(to_html(G, metrics=metrics))["view"]["note"] == ""


def test_to_html_focus_and_community_legend():
    G, metrics = _star_of_stars(hubs=2, leaves=3)
    focus = f"{E}leaf1_2"
    data = _page_data(to_html(G, metrics=metrics, focus=focus))
    assert data["view"]["focus"] == focus and data["view"]["hasMetrics"] is True
    legend = data["view"]["communities"]
    assert [(c["colour"], c["size"], c["top"][0]) for c in legend] == [(COMMUNITY_COLOURS[0], 4, "Hub 0"), (COMMUNITY_COLOURS[1], 4, "Hub 1")]
    assert _page_data(to_html(G))["view"]["hasMetrics"] is False
