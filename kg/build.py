"""The end-to-end build: documents in, RDF graph, metrics and HTML out.

This is the Python API the CLI and the notebook both call.

>>> result = build_graph(["examples/muse_spark.txt"])  # doctest: +SKIP
>>> paths = write_outputs(result, "out")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import networkx as nx
from rdflib import Graph
from spacy.language import Language

from kg.analyze import compute_metrics, entity_graph, summarize
from kg.extract import Extraction, SourceDocument, extract, load_pipeline
from kg.files import write_atomic
from kg.rdf import DEFAULT_BASE_IRI, to_rdf
from kg.render import to_html
from kg.sources import read_documents
from kg.store import serialize

__all__ = ["BuildResult", "build_graph", "graph_report", "write_outputs"]


@dataclass
class BuildResult:
    """What a build produced: the RDF graph, the extraction behind it and its analysis."""

    graph: Graph
    extraction: Extraction
    entities: nx.MultiDiGraph
    metrics: dict[str, dict[str, Any]]
    stats: dict[str, Any]


def graph_report(graph: Graph) -> tuple[nx.MultiDiGraph, dict[str, dict[str, Any]], dict[str, Any]]:
    """The entity graph of an RDF graph, its per-node metrics and its summary statistics."""
    G = entity_graph(graph)
    metrics = compute_metrics(G)
    return G, metrics, summarize(G, metrics=metrics)


def build_graph(inputs: Iterable[str | SourceDocument], *, model: str | None = None, nlp: Language | None = None,
                base_iri: str = DEFAULT_BASE_IRI, strict: bool = False) -> BuildResult:
    """Extract entities and relations from ``inputs`` and build the knowledge graph.

    ``inputs`` are paths (files, folders, ``.jsonl``, ``-``) or
    :class:`~kg.extract.SourceDocument` objects. The spaCy pipeline is
    ``nlp`` when given, else loaded by :func:`kg.extract.load_pipeline`.
    ``strict`` makes any input that would be skipped or renamed an error
    (see :func:`kg.sources.read_documents`).
    """
    items = list(inputs)
    paths = [i for i in items if isinstance(i, str)]
    documents = [i for i in items if isinstance(i, SourceDocument)] + list(read_documents(paths, strict=strict))
    nlp = nlp or load_pipeline(model)
    extraction = extract(documents, nlp)
    graph = to_rdf(extraction, base_iri=base_iri)
    G, metrics, stats = graph_report(graph)
    stats = {"documents": len(extraction.documents), "model": f"{nlp.lang}_{nlp.meta.get('name', '')}", **stats}
    return BuildResult(graph=graph, extraction=extraction, entities=G, metrics=metrics, stats=stats)


def write_outputs(result: BuildResult, outdir: str | os.PathLike[str], *, title: str = "kg graph") -> dict[str, Path]:
    """Write ``graph.ttl``, ``graph.jsonld``, ``graph.html`` and ``stats.json`` into ``outdir``, each atomically.

    Every output is made before the first is written, so a failure leaves the old outputs as they were.
    """
    out = Path(outdir)
    outputs = {
        "turtle": (out / "graph.ttl", serialize(result.graph, format="turtle")),
        "json-ld": (out / "graph.jsonld", serialize(result.graph, format="json-ld")),
        "html": (out / "graph.html", to_html(result.entities, metrics=result.metrics, title=title)),
        "stats": (out / "stats.json", json.dumps(result.stats, indent=2, ensure_ascii=False) + "\n"),
    }
    return {name: write_atomic(path, data) for name, (path, data) in outputs.items()}
