"""Load and save graphs: every RDF format rdflib reads, chosen by file extension.

Export formats are looked up by name in :data:`EXPORT_FORMATS`, so adding a
format is adding one entry.

>>> sorted(EXPORT_FORMATS)
['graphml', 'json-ld', 'nt', 'trig', 'turtle', 'xml']
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rdflib import Dataset, Graph
from rdflib.util import guess_format

from kg.errors import InputError, UsageError
from kg.files import write_atomic
from kg.namespace import PREFIXES

__all__ = ["EXPORT_FORMATS", "ExportFormat", "context_reference", "load_graph", "serialize", "save_graph", "format_for_path"]

_EXTRA_SUFFIXES = {".jsonld": "json-ld", ".json": "json-ld", ".ttl": "turtle", ".nq": "nquads", ".rdf": "xml", ".owl": "xml"}


def _graphml(graph: Graph) -> bytes:
    import networkx as nx  # only this export needs networkx: store builds and queries do without it

    from kg.analyze import entity_graph

    G = entity_graph(graph)
    flat = nx.MultiDiGraph()
    for node, data in G.nodes(data=True):
        flat.add_node(node, label=data["label"], cls=data["cls"], aliases="|".join(data["aliases"]), documents="|".join(data["documents"]))
    for s, o, key, data in G.edges(keys=True, data=True):
        best = data["evidence"][0] if data["evidence"] else {}
        flat.add_edge(s, o, key=key, property=key, evidence=best.get("text", ""), confidence=best.get("confidence", 0.0))
    buffer = io.BytesIO()
    nx.write_graphml(flat, buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ExportFormat:
    """A named output format: its usual file suffix and how to turn a graph into bytes."""

    name: str
    suffix: str
    serialize: Callable[[Graph], bytes]


def _rdflib(fmt: str) -> Callable[[Graph], bytes]:
    def serialize_rdf(graph: Graph) -> bytes:
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=True)
        data = graph.serialize(format=fmt, encoding="utf-8")
        return data if isinstance(data, bytes) else data.encode("utf-8")
    return serialize_rdf


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "turtle": ExportFormat("turtle", ".ttl", _rdflib("turtle")),
    "json-ld": ExportFormat("json-ld", ".jsonld", _rdflib("json-ld")),
    "nt": ExportFormat("nt", ".nt", _rdflib("nt")),
    "xml": ExportFormat("xml", ".rdf", _rdflib("xml")),
    "trig": ExportFormat("trig", ".trig", _rdflib("trig")),
    "graphml": ExportFormat("graphml", ".graphml", _graphml),
}


def format_for_path(path: str | os.PathLike[str]) -> str:
    """The rdflib parser name for a graph file, from its extension."""
    suffix = Path(path).suffix.lower()
    fmt = _EXTRA_SUFFIXES.get(suffix) or guess_format(str(path))
    if fmt is None:
        raise UsageError(f"{path}: unknown graph format {suffix or '(no extension)'}; use .ttl, .jsonld, .nt, .rdf, .trig or .nq")
    return fmt


def context_reference(node: object) -> str | None:
    """The first ``@context`` (or ``@import``) of a JSON-LD document that names a document instead of holding it."""
    if isinstance(node, list):
        return next((found for item in node if (found := context_reference(item)) is not None), None)
    if not isinstance(node, dict):
        return None
    for key, value in node.items():
        if key in ("@context", "@import"):
            for context in value if isinstance(value, list) else [value]:
                if isinstance(context, str):
                    return context
        found = context_reference(value)
        if found is not None:
            return found
    return None


def load_graph(source: str | os.PathLike[str]) -> Graph:
    """Parse a graph file in any format rdflib reads, chosen by its extension.

    A JSON-LD file whose ``@context`` names a document (``"@context": "https://…"``)
    is refused: rdflib would fetch it, and kg reads nothing from the network.
    """
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{source}: no such graph file")
    fmt = format_for_path(path)
    if fmt == "json-ld":
        try:
            reference = context_reference(json.loads(path.read_bytes()))
        except (ValueError, OSError):
            reference = None  # the parser below reports it
        if reference is not None:
            raise InputError(f"{source}: its @context {reference!r} is a document kg would have to fetch; "
                             "kg reads no remote contexts, so put the context in the file")
    try:
        if fmt in ("trig", "nquads"):
            merged = Graph()
            for s, p, o, _ in Dataset().parse(path, format=fmt).quads():
                merged.add((s, p, o))
            return merged
        return Graph().parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific exceptions
        raise InputError(f"{source}: not a valid {fmt} graph ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from exc


def serialize(graph: Graph, *, format: str = "turtle") -> bytes:
    """The graph in the named export format (see :data:`EXPORT_FORMATS`)."""
    try:
        exporter = EXPORT_FORMATS[format]
    except KeyError:
        raise UsageError(f"unknown export format {format!r}; choose one of {', '.join(EXPORT_FORMATS)}") from None
    return exporter.serialize(graph)


def save_graph(graph: Graph, path: str | os.PathLike[str], *, format: str = "turtle") -> Path:
    """Write the graph to ``path`` atomically in the named export format."""
    return write_atomic(path, serialize(graph, format=format))
