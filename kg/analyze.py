"""Network analysis of the entity graph (documents and statements left out).

Plain functions over networkx graphs that return plain data, in the manner of
networkx itself: build the graph with :func:`entity_graph`, measure it with
:func:`compute_metrics`, then ask it questions (:func:`shortest_paths`,
:func:`neighbors`, :func:`top_entities` ...). Entities are named by any of their
labels (``rdfs:label`` or ``skos:altLabel``, any case) through :func:`find_entity`.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_edge("a", "b", key="partOf", property="partOf")
'partOf'
>>> sorted(compute_metrics(G)["a"])
['betweenness', 'community', 'degree', 'pagerank']
"""

from __future__ import annotations

import difflib
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.errors import UsageError
from kg.namespace import KG, RELATION_PROPERTIES, local_name
from kg.ontology import ontology_graph

__all__ = [
    "Link", "Hop", "entity_graph", "compute_metrics", "find_entity", "shortest_paths", "neighbors", "neighborhood",
    "degree_distribution", "top_entities", "top_by_class", "communities", "relation_counts", "summarize", "add_metrics",
]


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
    # nodes and edges in sorted order: Louvain's result depends on it, and set order changes with every process
    for entity in sorted(set(graph.subjects(KG.mentionedIn, None))):
        classes = [local_name(c) for c in graph.objects(entity, RDF.type) if str(c).startswith(str(KG._NS))]
        G.add_node(
            str(entity),
            label=str(graph.value(entity, RDFS.label) or entity),
            cls=classes[0] if classes else "Unknown",
            aliases=sorted(str(a) for a in graph.objects(entity, SKOS.altLabel)),
            documents=sorted(doc_ids.get(d, str(d)) for d in graph.objects(entity, KG.mentionedIn)),
        )
    properties = set(ontology_graph().transitive_subjects(RDFS.subPropertyOf, KG.relatedTo))
    for prop in sorted(properties):
        key = local_name(prop)
        for s, o in sorted(graph.subject_objects(prop)):
            if str(s) in G and str(o) in G and not G.has_edge(str(s), str(o), key):
                G.add_edge(str(s), str(o), key=key, property=key, evidence=[])
    for statement in graph.subjects(RDF.type, RDF.Statement):
        s, p, o = (graph.value(statement, term) for term in (RDF.subject, RDF.predicate, RDF.object))
        key = local_name(p)
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
    undirected simple projection. Betweenness is exact in each connected
    component of up to ``exact_betweenness_limit`` nodes and estimated from
    as many sampled sources in a larger one. ``seed`` fixes the sampling and the community detection.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph([("a", "b"), ("c", "b")])
    >>> m = compute_metrics(G)
    >>> m["b"]["pagerank"] > m["a"]["pagerank"], m["b"]["degree"]
    (True, 2)
    """
    if G.number_of_nodes() == 0:
        return {}
    # structure only: copying every edge's evidence (as nx.DiGraph(G) and to_undirected() do) costs more than the measures
    simple = nx.DiGraph()
    simple.add_nodes_from(G)
    simple.add_edges_from(G.edges())
    undirected = nx.Graph()
    undirected.add_nodes_from(simple)
    undirected.add_edges_from(simple.edges())
    pagerank = nx.pagerank(simple)
    # isolated entities (common in news) lie on no path and form communities of their own:
    # betweenness and Louvain run on the connected part, normalised as over the whole graph
    linked = undirected.subgraph([n for n, d in undirected.degree() if d > 0]).copy()  # a view is twice as slow to walk
    n = undirected.number_of_nodes()
    # no shortest path leaves its connected component: each is counted apart, exactly up to the limit, from sampled
    # sources above it (networkx scales a sample up to all sources)
    raw: dict[str, float] = {}
    for component in nx.connected_components(linked):
        part = linked.subgraph(component)
        sample = None if len(component) <= exact_betweenness_limit else exact_betweenness_limit
        raw.update(nx.betweenness_centrality(part, k=sample, normalized=False, seed=seed))
    scale = 2 / ((n - 1) * (n - 2)) if n > 2 else 1.0
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


def _example() -> nx.MultiDiGraph:
    """The small graph the examples below use: two people, three companies, one product."""
    G = nx.MultiDiGraph()
    for key, label, cls, aliases in [("wang", "Alexandr Wang", "Person", ["Wang"]), ("meta", "Meta", "Organization", []),
                                     ("openai", "OpenAI", "Organization", []), ("scale", "Scale AI", "Organization", []),
                                     ("altman", "Sam Altman", "Person", []), ("spark", "Muse Spark", "AIModel", [])]:
        G.add_node(key, label=label, cls=cls, aliases=aliases, documents=["d1"])
    for s, p, o in [("wang", "worksFor", "meta"), ("wang", "founded", "scale"), ("meta", "investedIn", "scale"),
                    ("meta", "competesWith", "openai"), ("altman", "leads", "openai"), ("meta", "launched", "spark")]:
        G.add_edge(s, o, key=p, property=p, evidence=[{"text": f"{s} {p} {o}.", "document": "d1", "start": 0, "end": 9,
                                                        "confidence": 0.9, "rule": "verb"}])
    return G


def find_entity(G: nx.MultiDiGraph, name: str) -> str:
    """The node that ``name`` names: its IRI, its label or one of its aliases, in any case.

    A label match wins over an alias match; a name shared by several entities is
    an error that lists them.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Entity graph from :func:`entity_graph`.
    name : str
        A label (``rdfs:label``), an alias (``skos:altLabel``) or a node IRI.

    Returns
    -------
    str
        The node key (the entity's IRI).

    Raises
    ------
    kg.errors.UsageError
        No entity or more than one entity has that name (exit code 2 on the command line).

    Examples
    --------
    >>> G = _example()
    >>> find_entity(G, "alexandr wang"), find_entity(G, "WANG")
    ('wang', 'wang')
    >>> find_entity(G, "Scale")
    Traceback (most recent call last):
    ...
    kg.errors.UsageError: no entity is called 'Scale' (did you mean Scale AI?)
    """
    if name in G:
        return name
    key = " ".join(name.split()).casefold()
    by_label = [n for n, d in G.nodes(data=True) if " ".join(str(d.get("label", "")).split()).casefold() == key]
    matches = by_label or [n for n, d in G.nodes(data=True)
                           if key in {" ".join(str(a).split()).casefold() for a in d.get("aliases") or ()}]
    if len(matches) == 1:
        return matches[0]
    if matches:
        named = ", ".join(f"{G.nodes[n].get('label', n)} ({G.nodes[n].get('cls', '?')}, {n})" for n in sorted(matches))
        raise UsageError(f"{name!r} names {len(matches)} entities: {named}; use a full label or the IRI")
    names = {str(d.get("label", n)).casefold(): str(d.get("label", n)) for n, d in G.nodes(data=True)}
    names.update({str(a).casefold(): f"{a} ({d.get('label', n)})" for n, d in G.nodes(data=True) for a in d.get("aliases") or ()
                  if str(a).casefold() not in names})
    close = [names[c] for c in difflib.get_close_matches(key, list(names), n=3, cutoff=0.75)]
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UsageError(f"no entity is called {name!r}{hint}")


@dataclass(frozen=True)
class Link:
    """One relation as stated in the graph (subject, property, object) with its evidence.

    ``evidence`` holds dicts with ``text``, ``document``, ``start``, ``end``,
    ``confidence`` and ``rule``, highest confidence first.
    """

    subject: str
    subject_label: str
    property: str
    object: str
    object_label: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Hop:
    """One step of a path, from ``source`` to ``target``, with every relation between the two."""

    source: str
    source_label: str
    target: str
    target_label: str
    links: list[Link]


def _link(G: nx.MultiDiGraph, s: str, o: str, prop: str, data: dict[str, Any]) -> Link:
    return Link(s, str(G.nodes[s].get("label", s)), prop, o, str(G.nodes[o].get("label", o)), list(data.get("evidence") or []))


def _links_between(G: nx.MultiDiGraph, a: str, b: str) -> list[Link]:
    pairs = [(a, b), (b, a)] if a != b else [(a, a)]
    found = [_link(G, s, o, key, data) for s, o in pairs if G.has_edge(s, o) for key, data in G[s][o].items()]
    return sorted(found, key=lambda link: (link.property, link.subject != a))


def shortest_paths(G: nx.MultiDiGraph, source: str, target: str, *, limit: int = 10) -> list[list[Hop]]:
    """The shortest paths between two entities, whatever the direction of each relation.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Entity graph from :func:`entity_graph`.
    source, target : str
        Entity names, as :func:`find_entity` takes them.
    limit : int
        At most this many paths (all have the same, shortest, length).

    Returns
    -------
    list of list of Hop
        Each path as its hops in order; each hop carries every relation between its two
        entities, as stated, with evidence. Empty when the entities are not connected.

    Examples
    --------
    >>> (path,) = shortest_paths(_example(), "Alexandr Wang", "OpenAI")
    >>> [(link.subject_label, link.property, link.object_label) for hop in path for link in hop.links]
    [('Alexandr Wang', 'worksFor', 'Meta'), ('Meta', 'competesWith', 'OpenAI')]
    >>> path[1].links[0].evidence[0]["text"]
    'meta competesWith openai.'
    >>> shortest_paths(_example(), "Muse Spark", "Sam Altman")[0][-1].target_label
    'Sam Altman'
    """
    if limit < 1:
        raise UsageError(f"limit must be at least 1, not {limit}")
    start, end = find_entity(G, source), find_entity(G, target)
    if start == end:
        raise UsageError(f"{source!r} and {target!r} name the same entity")
    undirected = nx.Graph(G.to_undirected(as_view=True))
    try:
        routes = list(itertools.islice(nx.all_shortest_paths(undirected, start, end), limit))
    except nx.NetworkXNoPath:
        return []
    label = {n: str(G.nodes[n].get("label", n)) for route in routes for n in route}
    return [[Hop(a, label[a], b, label[b], _links_between(G, a, b)) for a, b in itertools.pairwise(route)] for route in routes]


def _property_name(name: str) -> str:
    known = {p.casefold(): p for p in RELATION_PROPERTIES}
    try:
        return known[name.casefold()]
    except KeyError:
        raise UsageError(f"unknown property {name!r}; choose one of {', '.join(RELATION_PROPERTIES)}") from None


def neighbors(G: nx.MultiDiGraph, entity: str, *, property: str | None = None) -> list[Link]:
    """The relations of an entity in either direction, optionally only those of one property.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Entity graph from :func:`entity_graph`.
    entity : str
        Entity name, as :func:`find_entity` takes it.
    property : str, optional
        A relation property's local name (``competesWith``; any case). Unknown names are an error.

    Returns
    -------
    list of Link
        One per relation, as stated, sorted by property and then the other entity's label.

    Examples
    --------
    >>> [(link.subject_label, link.property, link.object_label) for link in neighbors(_example(), "meta")]
    [('Meta', 'competesWith', 'OpenAI'), ('Meta', 'investedIn', 'Scale AI'), ('Meta', 'launched', 'Muse Spark'), \
('Alexandr Wang', 'worksFor', 'Meta')]
    >>> [link.object_label for link in neighbors(_example(), "Meta", property="competeswith")]
    ['OpenAI']
    """
    node = find_entity(G, entity)
    wanted = _property_name(property) if property is not None else None
    found = [_link(G, node, o, key, data) for _, o, key, data in G.out_edges(node, keys=True, data=True)]
    found += [_link(G, s, node, key, data) for s, _, key, data in G.in_edges(node, keys=True, data=True) if s != node]
    found = [link for link in found if wanted is None or link.property == wanted]
    return sorted(found, key=lambda link: (link.property, (link.object_label if link.subject == node else link.subject_label).casefold()))


def neighborhood(G: nx.MultiDiGraph, entity: str, *, hops: int = 1) -> nx.MultiDiGraph:
    """The entities within ``hops`` relations of an entity (either direction), with the relations among them.

    Examples
    --------
    >>> sorted(neighborhood(_example(), "Sam Altman", hops=2).nodes)
    ['altman', 'meta', 'openai']
    """
    if hops < 0:
        raise UsageError(f"hops must be 0 or more, not {hops}")
    node = find_entity(G, entity)
    return G.subgraph(nx.ego_graph(G, node, radius=hops, undirected=True)).copy()


def degree_distribution(G: nx.MultiDiGraph) -> dict[int, int]:
    """How many entities have each degree (relations in and out, parallel relations counted).

    Examples
    --------
    >>> degree_distribution(_example())
    {1: 2, 2: 3, 4: 1}
    """
    return dict(sorted(Counter(d for _, d in G.degree()).items()))


def _row(G: nx.MultiDiGraph, metrics: dict[str, dict[str, Any]], node: str) -> dict[str, Any]:
    m = metrics[node]
    return {"iri": node, "label": G.nodes[node].get("label", node), "class": G.nodes[node].get("cls"),
            "pagerank": m["pagerank"], "betweenness": m["betweenness"], "degree": m["degree"], "community": m["community"]}


def top_entities(G: nx.MultiDiGraph, metrics: dict[str, dict[str, Any]], *, measure: str = "pagerank", top: int = 10,
                 cls: str | None = None) -> list[dict[str, Any]]:
    """The ``top`` entities by a metric, optionally of one class only; ties go by label.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Entity graph from :func:`entity_graph`.
    metrics : dict
        From :func:`compute_metrics`.
    measure : {"pagerank", "betweenness", "degree"}
    top : int
        How many entities.
    cls : str, optional
        Only entities whose ``cls`` is this class.

    Returns
    -------
    list of dict
        ``iri``, ``label``, ``class``, ``pagerank``, ``betweenness``, ``degree`` and ``community`` of each.

    Examples
    --------
    >>> G = _example()
    >>> [row["label"] for row in top_entities(G, compute_metrics(G), measure="betweenness", top=2)]
    ['Meta', 'OpenAI']
    >>> [row["label"] for row in top_entities(G, compute_metrics(G), cls="Person")]
    ['Alexandr Wang', 'Sam Altman']
    """
    if measure not in ("pagerank", "betweenness", "degree"):
        raise UsageError(f"unknown measure {measure!r}; choose pagerank, betweenness or degree")
    nodes = [n for n, d in G.nodes(data=True) if cls is None or d.get("cls") == cls]
    best = sorted(nodes, key=lambda n: (-metrics[n][measure], str(G.nodes[n].get("label", n))))[:top]
    return [_row(G, metrics, n) for n in best]


def top_by_class(G: nx.MultiDiGraph, metrics: dict[str, dict[str, Any]], *, top: int = 5) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The ``top`` entities of every class by PageRank and by betweenness.

    Examples
    --------
    >>> G = _example()
    >>> best = top_by_class(G, compute_metrics(G), top=1)
    >>> sorted(best), best["Organization"]["betweenness"][0]["label"]
    (['AIModel', 'Organization', 'Person'], 'Meta')
    """
    classes = sorted({str(d.get("cls")) for _, d in G.nodes(data=True)})
    return {cls: {measure: top_entities(G, metrics, measure=measure, top=top, cls=cls) for measure in ("pagerank", "betweenness")}
            for cls in classes}


def communities(G: nx.MultiDiGraph, metrics: dict[str, dict[str, Any]], *, top: int = 5) -> list[dict[str, Any]]:
    """Every community (from :func:`compute_metrics`) with its size and its ``top`` members by PageRank.

    Examples
    --------
    >>> G = _example()
    >>> found = communities(G, compute_metrics(G), top=2)
    >>> sum(c["size"] for c in found) == G.number_of_nodes(), sorted(found[0])
    (True, ['community', 'size', 'top'])
    """
    groups: dict[int, list[str]] = {}
    for node, values in metrics.items():
        groups.setdefault(values["community"], []).append(node)
    return [
        {"community": c, "size": len(members),
         "top": [G.nodes[n].get("label", n) for n in sorted(members, key=lambda n: (-metrics[n]["pagerank"], str(G.nodes[n].get("label", n))))[:top]]}
        for c, members in sorted(groups.items())
    ]


def relation_counts(G: nx.MultiDiGraph) -> dict[str, int]:
    """How many relations each property has, by property name.

    Examples
    --------
    >>> relation_counts(_example())["worksFor"]
    1
    """
    return dict(sorted(Counter(k for _, _, k in G.edges(keys=True)).items()))


def summarize(G: nx.MultiDiGraph, *, metrics: dict[str, dict[str, Any]] | None = None, top: int = 10) -> dict[str, Any]:
    """Counts by class and property, degree, top entities (overall and per class), components and communities.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("m", label="Meta", cls="Organization"); G.add_node("s", label="Muse Spark", cls="AIModel")
    >>> _ = G.add_edge("m", "s", key="launched", property="launched")
    >>> summarize(G)["properties"]
    {'launched': 1}
    """
    metrics = metrics if metrics is not None else compute_metrics(G)
    degrees = [d for _, d in G.degree()]
    return {
        "entities": G.number_of_nodes(),
        "relations": G.number_of_edges(),
        "classes": dict(sorted(Counter(d.get("cls") for _, d in G.nodes(data=True)).items())),
        "properties": relation_counts(G),
        "degree": {
            "mean": round(sum(degrees) / len(degrees), 3) if degrees else 0.0,
            "max": max(degrees, default=0),
            "distribution": degree_distribution(G),
        },
        "components": nx.number_weakly_connected_components(G) if G.number_of_nodes() else 0,
        "communities": communities(G, metrics),
        "top_pagerank": top_entities(G, metrics, measure="pagerank", top=top),
        "top_betweenness": top_entities(G, metrics, measure="betweenness", top=top),
        "top_by_class": top_by_class(G, metrics, top=min(top, 5)),
    }


_METRIC_TERMS = {"pagerank": (KG.pageRank, XSD.double), "betweenness": (KG.betweenness, XSD.double),
                 "community": (KG.community, XSD.integer)}


def add_metrics(graph: Graph, metrics: dict[str, dict[str, Any]]) -> Graph:
    """Write PageRank, betweenness and community onto the entity nodes of ``graph`` (in place).

    Each entity gets one ``kg:pageRank`` and ``kg:betweenness`` (``xsd:double``) and one
    ``kg:community`` (``xsd:integer``); values from an earlier run are replaced, so SPARQL can
    rank and group by them.

    Examples
    --------
    >>> from rdflib import URIRef
    >>> from kg.rdf import new_graph
    >>> g = new_graph()
    >>> _ = add_metrics(g, {"urn:x": {"pagerank": 0.5, "betweenness": 0.0, "community": 3, "degree": 1}})
    >>> g.value(URIRef("urn:x"), KG.community)
    rdflib.term.Literal('3', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
    """
    for node, values in metrics.items():
        subject = URIRef(node)
        for key, (prop, datatype) in _METRIC_TERMS.items():
            graph.remove((subject, prop, None))
            value = int(values[key]) if datatype == XSD.integer else float(values[key])
            graph.add((subject, prop, Literal(value, datatype=datatype)))
    return graph
