"""Network analysis of the entity graph (documents and statements left out).

Plain functions over networkx graphs that return plain data, in the manner of
networkx itself.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_edge("a", "b", key="partOf", property="partOf")
'partOf'
>>> sorted(compute_metrics(G)["a"])
['betweenness', 'community', 'degree', 'pagerank']
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx
from rdflib import Graph
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kg.namespace import KG
from kg.ontology import ontology_graph

__all__ = ["entity_graph", "compute_metrics", "summarize"]

def _local(iri: Any) -> str:
    return str(iri).rsplit("#", 1)[-1]


def entity_graph(graph: Graph) -> nx.MultiDiGraph:
    """The entity graph of an RDF graph: one node per entity, one edge per relation.

    Nodes are keyed by IRI with ``label``, ``cls``, ``aliases`` and ``documents``;
    edges are keyed by property local name with ``property`` and ``evidence``
    (a list of dicts: ``text``, ``document``, ``start``, ``end``, ``confidence``, ``rule``).
    The subproperties of ``kg:relatedTo`` are read from the ontology, so the
    graph need not contain them.

    >>> from kg.rdf import new_graph
    >>> entity_graph(new_graph()).number_of_nodes()
    0
    """
    G = nx.MultiDiGraph()
    doc_ids = {doc: str(identifier) for doc, identifier in graph.subject_objects(DCTERMS.identifier)}
    for entity in set(graph.subjects(KG.mentionedIn, None)):
        classes = [_local(c) for c in graph.objects(entity, RDF.type) if str(c).startswith(str(KG._NS))]
        G.add_node(
            str(entity),
            label=str(graph.value(entity, RDFS.label) or entity),
            cls=classes[0] if classes else "Unknown",
            aliases=sorted(str(a) for a in graph.objects(entity, SKOS.altLabel)),
            documents=sorted(doc_ids.get(d, str(d)) for d in graph.objects(entity, KG.mentionedIn)),
        )
    properties = set(ontology_graph().transitive_subjects(RDFS.subPropertyOf, KG.relatedTo))
    for prop in properties:
        key = _local(prop)
        for s, o in graph.subject_objects(prop):
            if str(s) in G and str(o) in G and not G.has_edge(str(s), str(o), key):
                G.add_edge(str(s), str(o), key=key, property=key, evidence=[])
    for statement in graph.subjects(RDF.type, RDF.Statement):
        s, p, o = (graph.value(statement, term) for term in (RDF.subject, RDF.predicate, RDF.object))
        key = _local(p)
        if G.has_edge(str(s), str(o), key):
            doc = graph.value(statement, PROV.wasDerivedFrom)
            G.edges[str(s), str(o), key]["evidence"].append({
                "text": str(graph.value(statement, KG.evidence)), "document": doc_ids.get(doc, str(doc)),
                "start": int(graph.value(statement, KG.startChar)), "end": int(graph.value(statement, KG.endChar)),
                "confidence": float(graph.value(statement, KG.confidence)), "rule": str(graph.value(statement, KG.rule)),
            })
    for _, _, data in G.edges(data=True):
        data["evidence"].sort(key=lambda ev: (-ev["confidence"], ev["document"], ev["start"]))
    return G


def compute_metrics(G: nx.MultiDiGraph, *, seed: int = 42, exact_betweenness_limit: int = 500) -> dict[str, dict[str, Any]]:
    """PageRank, degree, betweenness and Louvain community of every node.

    PageRank runs on the directed graph; betweenness and communities on its
    undirected simple projection. Betweenness is exact up to
    ``exact_betweenness_limit`` nodes and estimated from as many sampled
    sources above it. ``seed`` fixes the sampling and the community detection.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph([("a", "b"), ("c", "b")])
    >>> m = compute_metrics(G)
    >>> m["b"]["pagerank"] > m["a"]["pagerank"], m["b"]["degree"]
    (True, 2)
    """
    if G.number_of_nodes() == 0:
        return {}
    simple = nx.DiGraph(G)
    undirected = simple.to_undirected()
    pagerank = nx.pagerank(simple)
    # isolated entities (common in news) lie on no path and form communities of their own:
    # betweenness and Louvain run on the connected part, normalised as over the whole graph
    linked = undirected.subgraph([n for n, d in undirected.degree() if d > 0])
    n = undirected.number_of_nodes()
    sample = None if linked.number_of_nodes() <= exact_betweenness_limit else exact_betweenness_limit
    raw = nx.betweenness_centrality(linked, k=sample, normalized=False, seed=seed) if linked else {}
    scale = 2 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    if sample:
        scale *= linked.number_of_nodes() / sample  # sampled sources: scale up to all sources
    betweenness = {node: raw.get(node, 0.0) * scale for node in undirected}
    communities = nx.community.louvain_communities(linked, seed=seed) if linked else []
    communities += [{node} for node in undirected if node not in linked]
    ordered = sorted(communities, key=lambda c: (-len(c), min(c)))
    community = {node: index for index, members in enumerate(ordered) for node in members}
    return {
        node: {
            "pagerank": round(pagerank[node], 6),
            "degree": G.degree(node),
            "betweenness": round(betweenness[node], 6),
            "community": community[node],
        }
        for node in G.nodes
    }


def summarize(G: nx.MultiDiGraph, *, metrics: dict[str, dict[str, Any]] | None = None, top: int = 10) -> dict[str, Any]:
    """Counts by class and property, degree, top entities, components and communities.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("m", label="Meta", cls="Organization"); G.add_node("s", label="Muse Spark", cls="AIModel")
    >>> _ = G.add_edge("m", "s", key="launched", property="launched")
    >>> summarize(G)["properties"]
    {'launched': 1}
    """
    metrics = metrics if metrics is not None else compute_metrics(G)
    label = {n: G.nodes[n].get("label", n) for n in G.nodes}
    degrees = [d for _, d in G.degree()]

    def ranking(measure: str) -> list[dict[str, Any]]:
        best = sorted(G.nodes, key=lambda n: (-metrics[n][measure], label[n]))[:top]
        return [{"iri": n, "label": label[n], "class": G.nodes[n].get("cls"), "pagerank": metrics[n]["pagerank"], "betweenness": metrics[n]["betweenness"], "degree": metrics[n]["degree"]} for n in best]

    groups: dict[int, list[str]] = {}
    for node, values in metrics.items():
        groups.setdefault(values["community"], []).append(node)
    communities = [
        {"community": c, "size": len(members), "top": [label[n] for n in sorted(members, key=lambda n: -metrics[n]["pagerank"])[:5]]}
        for c, members in sorted(groups.items())
    ]
    return {
        "entities": G.number_of_nodes(),
        "relations": G.number_of_edges(),
        "classes": dict(sorted(Counter(d.get("cls") for _, d in G.nodes(data=True)).items())),
        "properties": dict(sorted(Counter(k for _, _, k in G.edges(keys=True)).items())),
        "degree": {
            "mean": round(sum(degrees) / len(degrees), 3) if degrees else 0.0,
            "max": max(degrees, default=0),
            "distribution": dict(sorted(Counter(degrees).items())),
        },
        "components": nx.number_weakly_connected_components(G) if G.number_of_nodes() else 0,
        "communities": communities,
        "top_pagerank": ranking("pagerank"),
        "top_betweenness": ranking("betweenness"),
    }
