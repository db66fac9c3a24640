"""Tests for kg.render: the offline HTML page and the pyvis Network behind it."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from kg.errors import KGError, UsageError
from kg.render import CLASS_COLOURS, MAX_NODE_SIZE, MIN_NODE_SIZE, to_html, to_network

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
