"""Analysis functions on small hand-made graphs with known answers."""

from __future__ import annotations

import os
import subprocess
import sys

import networkx as nx
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from kg.analyze import (
    add_metrics, communities, compute_metrics, degree_distribution, entity_graph, find_entity, neighborhood, neighbors,
    relation_counts, shortest_paths, summarize, top_by_class, top_entities,
)
from kg.errors import UsageError
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


def _rdf_graph() -> Graph:
    """Meta launched Muse Spark, with its statement and document."""
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
    return g


def test_entity_graph_leaves_out_documents_and_statements():
    g = _rdf_graph()
    iris = ResourceIRIs("https://example.org/")
    meta, spark = iris.entity("meta"), iris.entity("muse spark")
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



def test_compute_metrics_betweenness_is_exact_in_each_small_component():
    G = nx.MultiDiGraph()
    for i in range(20):  # 60 linked entities in all, but no component larger than the limit
        nx.add_path(G, [f"{i}a", f"{i}b", f"{i}c"])
    G.add_node("alone")
    exact = nx.betweenness_centrality(nx.Graph(G.to_undirected()))
    metrics = compute_metrics(G, exact_betweenness_limit=30)
    assert all(abs(metrics[n]["betweenness"] - round(exact[n], 6)) < 1e-6 for n in G)
    assert metrics["0b"]["betweenness"] > 0 == metrics["0a"]["betweenness"]

# ---------------------------------------------------------------- questions an analyst asks

def _evidence(text: str) -> list[dict]:
    return [{"text": text, "document": "news/1.txt", "start": 0, "end": len(text), "confidence": 0.9, "rule": "verb"}]


def _diamond() -> nx.MultiDiGraph:
    """wang -> meta -> openai and wang -> scale <- openai: two shortest paths of 2 hops; lonely is unconnected."""
    G = nx.MultiDiGraph()
    for key, label, cls, aliases in [("wang", "Alexandr Wang", "Person", ["Wang"]), ("meta", "Meta", "Organization", ["Meta Platforms"]),
                                     ("openai", "OpenAI", "Organization", []), ("scale", "Scale AI", "Organization", ["Scale"]),
                                     ("lonely", "Lonely Corp", "Organization", ["Wang Holdings"]),
                                     ("yang", "Wang Yang", "Person", ["Wang"])]:
        G.add_node(key, label=label, cls=cls, aliases=aliases, documents=["news/1.txt"])
    for s, p, o in [("wang", "worksFor", "meta"), ("wang", "founded", "scale"), ("wang", "worksFor", "scale"),
                    ("meta", "competesWith", "openai"), ("openai", "investedIn", "scale")]:
        G.add_edge(s, o, key=p, property=p, evidence=_evidence(f"{s} {p} {o}"))
    return G


def test_find_entity_by_label_alias_or_iri_in_any_case():
    G = _diamond()
    assert find_entity(G, "alexandr WANG") == "wang"
    assert find_entity(G, "meta platforms") == "meta"
    assert find_entity(G, "  Scale   AI ") == "scale"
    assert find_entity(G, "openai") == "openai"  # the IRI itself is also accepted


def test_find_entity_label_beats_alias_and_reports_ambiguity_and_typos():
    G = _diamond()
    G.add_node("scale2", label="Scale", cls="Product", aliases=[], documents=[])
    assert find_entity(G, "SCALE") == "scale2"  # someone's label wins over another's alias
    with pytest.raises(UsageError, match="names 2 entities: Alexandr Wang .*Wang Yang"):
        find_entity(G, "Wang")
    with pytest.raises(UsageError, match=r"no entity is called 'OpenAl' \(did you mean OpenAI\?\)"):
        find_entity(G, "OpenAl")


def test_shortest_paths_returns_every_shortest_path_with_properties_and_evidence():
    paths = shortest_paths(_diamond(), "Alexandr Wang", "OpenAI")
    routes = sorted([hop.source_label for hop in path] + [path[-1].target_label] for path in paths)
    assert routes == [["Alexandr Wang", "Meta", "OpenAI"], ["Alexandr Wang", "Scale AI", "OpenAI"]]
    via_scale = next(path for path in paths if path[0].target == "scale")
    assert [(link.property, link.subject, link.object) for link in via_scale[0].links] == [
        ("founded", "wang", "scale"), ("worksFor", "wang", "scale")]
    # the second hop runs against the stated direction: the link keeps subject and object as stated
    (investment,) = via_scale[1].links
    assert (investment.subject_label, investment.property, investment.object_label) == ("OpenAI", "investedIn", "Scale AI")
    assert investment.evidence[0]["text"] == "openai investedIn scale"
    assert len(shortest_paths(_diamond(), "Alexandr Wang", "OpenAI", limit=1)) == 1


def test_shortest_paths_no_path_same_entity_and_unknown_label():
    assert shortest_paths(_diamond(), "Meta", "Lonely Corp") == []
    with pytest.raises(UsageError, match="same entity"):
        shortest_paths(_diamond(), "Alexandr Wang", "alexandr wang")
    with pytest.raises(UsageError, match="no entity is called 'Nobody'"):
        shortest_paths(_diamond(), "Nobody", "Meta")


def test_neighbors_in_both_directions_and_by_property():
    G = _diamond()
    assert [(link.subject, link.property, link.object) for link in neighbors(G, "Scale AI")] == [
        ("wang", "founded", "scale"), ("openai", "investedIn", "scale"), ("wang", "worksFor", "scale")]
    assert [link.subject for link in neighbors(G, "scale", property="WORKSFOR")] == ["wang"]
    assert neighbors(G, "scale", property="competesWith") == []
    assert neighbors(G, "Lonely Corp") == []
    with pytest.raises(UsageError, match="unknown property 'rivalOf'"):
        neighbors(G, "Meta", property="rivalOf")


def test_neighborhood_grows_with_hops():
    G = _diamond()
    assert set(neighborhood(G, "Meta", hops=0)) == {"meta"}
    assert set(neighborhood(G, "Meta", hops=1)) == {"meta", "wang", "openai"}
    two = neighborhood(G, "Meta", hops=2)
    assert set(two) == {"meta", "wang", "openai", "scale"}
    assert two.number_of_edges() == G.number_of_edges()  # every relation among them is kept


def test_degree_distribution_and_relation_counts():
    assert degree_distribution(_star()) == {1: 5, 3: 1}
    assert relation_counts(_diamond()) == {"competesWith": 1, "founded": 1, "investedIn": 1, "worksFor": 2}


def _two_cliques() -> nx.MultiDiGraph:
    """Two 4-cliques joined by one bridge b0 -- c0: two communities, the bridge ends on top by betweenness."""
    G = nx.MultiDiGraph()
    for group, cls in (("b", "Organization"), ("c", "Person")):
        for i in range(4):
            G.add_node(f"{group}{i}", label=f"{group.upper()}{i}", cls=cls)
        for i in range(4):
            for j in range(i + 1, 4):
                G.add_edge(f"{group}{i}", f"{group}{j}", key="partneredWith", property="partneredWith")
    G.add_edge("b0", "c0", key="relatedTo", property="relatedTo")
    return G


def test_communities_top_members_and_top_by_class():
    G = _two_cliques()
    metrics = compute_metrics(G)
    found = communities(G, metrics, top=1)
    assert sorted((c["size"], c["top"][0][0]) for c in found) == [(4, "B"), (4, "C")]
    # PageRank runs on the directed graph: inside a clique every edge points from i to j > i, so node 3 collects most
    assert {c["top"][0] for c in found} == {"B3", "C3"}
    best = top_by_class(G, metrics, top=1)
    assert best["Organization"]["betweenness"][0]["label"] == "B0"
    assert best["Person"]["betweenness"][0]["label"] == "C0"
    assert [row["label"] for row in top_entities(G, metrics, measure="betweenness", top=2)] == ["B0", "C0"]
    assert all(row["class"] == "Person" for row in top_entities(G, metrics, cls="Person"))
    with pytest.raises(UsageError):
        top_entities(G, metrics, measure="closeness")


def test_summarize_has_top_by_class():
    summary = summarize(_star())
    assert summary["top_by_class"]["Organization"]["pagerank"][0]["label"] == "Hub"
    assert set(summary["top_by_class"]) == {"Organization", "Person", "Place"}


def _built_graph() -> Graph:
    """A graph as kg builds it (so it conforms): Meta launched Muse Spark; Alexandr Wang works for Meta."""
    from kg.extract.model import Entity, Extraction, Relation, SourceDocument
    from kg.rdf import to_rdf

    text = "Meta launched Muse Spark. Alexandr Wang works for Meta."
    extraction = Extraction(
        [SourceDocument("d1", text, "d1.txt")],
        {key: Entity(key, label, cls, documents={"d1"}) for key, label, cls in
         [("meta", "Meta", "Organization"), ("spark", "Muse Spark", "Product"), ("wang", "Alexandr Wang", "Person")]},
        [Relation("meta", "launched", "spark", "d1", text[:25], 0, 25, 0.9, "verb"),
         Relation("wang", "worksFor", "meta", "d1", text[26:], 26, len(text), 0.8, "verb")],
    )
    return to_rdf(extraction, base_iri="https://example.org/")


def test_add_metrics_writes_literals_that_validate_and_query():
    from kg.query import run_query
    from kg.validate import validate

    g = _built_graph()
    assert validate(g).conforms
    metrics = compute_metrics(entity_graph(g))
    add_metrics(g, metrics)
    add_metrics(g, metrics)  # a second run replaces, it does not add
    for prop in (KG.pageRank, KG.betweenness, KG.community):
        assert len(list(g.subject_objects(prop))) == len(metrics)
    assert validate(g).conforms
    rows = run_query(g, "SELECT ?l WHERE { ?e rdfs:label ?l ; kg:pageRank ?r } ORDER BY DESC(?r)")
    # a chain wang -> meta -> spark: rank flows to the end of it
    assert [str(r.l) for r in rows] == ["Muse Spark", "Meta", "Alexandr Wang"]


def test_shapes_reject_bad_metric_literals():
    from kg.validate import validate

    g = _built_graph()
    meta = next(iter(g.subjects(RDFS.label, Literal("Meta"))))
    g.add((meta, KG.pageRank, Literal("high")))
    assert not validate(g).conforms


def test_communities_do_not_change_with_the_process(example_ttl):
    """Louvain depends on node order; the entity graph's order must not follow set order, which Python salts per process."""
    script = ("import json, sys; from kg.analyze import compute_metrics, entity_graph; from kg.store import load_graph; "
              "m = compute_metrics(entity_graph(load_graph(sys.argv[1]))); "
              "print(json.dumps(sorted((v['community'], k) for k, v in m.items())))")
    found = {subprocess.run([sys.executable, "-c", script, str(example_ttl)], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3, 4, 5, 6)}
    assert len(found) == 1
