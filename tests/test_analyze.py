"""Analysis functions on small hand-made graphs with known answers."""

from __future__ import annotations

import networkx as nx
from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from kg.analyze import compute_metrics, entity_graph, summarize
from kg.namespace import KG
from kg.rdf import ResourceIRIs, new_graph


def _star() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node("hub", label="Hub", cls="Organization")
    for leaf in ("a", "b", "c"):
        G.add_node(leaf, label=leaf.upper(), cls="Person")
        G.add_edge(leaf, "hub", key="worksFor", property="worksFor")
    G.add_node("x", label="X", cls="Place")
    G.add_node("y", label="Y", cls="Place")
    G.add_edge("x", "y", key="locatedIn", property="locatedIn")
    return G


def test_compute_metrics_hub_has_top_pagerank_and_betweenness():
    metrics = compute_metrics(_star())
    assert max(metrics, key=lambda n: metrics[n]["pagerank"]) == "hub"
    # the 3 leaf-to-leaf paths run through the hub: 3 of the 10 pairs among the other 5 nodes
    assert metrics["hub"]["betweenness"] == 0.3
    assert metrics["a"]["betweenness"] == 0.0
    assert metrics["hub"]["degree"] == 3


def test_compute_metrics_communities_follow_components():
    metrics = compute_metrics(_star())
    assert metrics["a"]["community"] == metrics["hub"]["community"]
    assert metrics["x"]["community"] == metrics["y"]["community"] != metrics["hub"]["community"]


def test_summarize_counts_and_components():
    summary = summarize(_star())
    assert summary["entities"] == 6 and summary["relations"] == 4
    assert summary["classes"] == {"Organization": 1, "Person": 3, "Place": 2}
    assert summary["properties"] == {"locatedIn": 1, "worksFor": 3}
    assert summary["components"] == 2
    assert summary["top_pagerank"][0]["label"] == "Hub"
    assert summary["degree"]["distribution"] == {1: 5, 3: 1}


def test_compute_metrics_empty_graph():
    assert compute_metrics(nx.MultiDiGraph()) == {}


def test_entity_graph_leaves_out_documents_and_statements():
    iris = ResourceIRIs("https://example.org/")
    g = new_graph()
    doc, meta, spark = iris.document("d1"), iris.entity("meta"), iris.entity("muse spark")
    g.add((doc, RDF.type, KG.Document))
    g.add((doc, DCTERMS.identifier, Literal("d1")))
    for node, label, cls in ((meta, "Meta", KG.Organization), (spark, "Muse Spark", KG.AIModel)):
        g.add((node, RDF.type, cls))
        g.add((node, RDFS.label, Literal(label)))
        g.add((node, KG.mentionedIn, doc))
    g.add((meta, KG.launched, spark))
    stmt = iris.statement("x")
    for p, o in ((RDF.type, RDF.Statement), (RDF.subject, meta), (RDF.predicate, KG.launched), (RDF.object, spark),
                 (KG.evidence, Literal("Meta launched Muse Spark.")), (KG.startChar, Literal(0)), (KG.endChar, Literal(25)),
                 (KG.confidence, Literal(0.9)), (KG.rule, Literal("verb")), (PROV.wasDerivedFrom, doc)):
        g.add((stmt, p, o))
    G = entity_graph(g)
    assert set(G.nodes) == {str(meta), str(spark)}
    assert G.nodes[str(spark)]["cls"] == "AIModel"
    assert G.nodes[str(meta)]["documents"] == ["d1"]
    (edge,) = G.edges(keys=True, data=True)
    assert edge[2] == "launched"
    assert edge[3]["evidence"][0]["text"] == "Meta launched Muse Spark."


def test_compute_metrics_betweenness_matches_networkx_with_isolated_nodes():
    G = _star()
    G.add_node("lonely", label="Lonely", cls="Person")
    expected = nx.betweenness_centrality(nx.Graph(G.to_undirected()))
    metrics = compute_metrics(G)
    assert all(abs(metrics[n]["betweenness"] - round(expected[n], 6)) < 1e-6 for n in G)
    assert metrics["lonely"]["community"] not in {metrics[n]["community"] for n in G if n != "lonely"}


def test_compute_metrics_samples_betweenness_on_large_graphs():
    G = nx.MultiDiGraph(nx.path_graph(60, create_using=nx.DiGraph))
    exact = nx.betweenness_centrality(nx.Graph(G.to_undirected()))
    sampled = compute_metrics(G, exact_betweenness_limit=30)
    middle = max(exact, key=exact.get)
    assert sampled[middle]["betweenness"] > sampled[0]["betweenness"] == 0.0
