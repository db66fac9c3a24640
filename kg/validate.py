"""SHACL validation of a graph against ``ontology/shapes.ttl`` (pySHACL).

>>> from kg.rdf import new_graph
>>> validate(new_graph()).conforms
True
"""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as shacl_validate
from rdflib import Graph

from kg.ontology import ontology_graph, shapes_graph

__all__ = ["ValidationReport", "validate"]


@dataclass(frozen=True)
class ValidationReport:
    """Whether the graph conforms, the report as text and as an RDF graph."""

    conforms: bool
    text: str
    graph: Graph


def validate(graph: Graph) -> ValidationReport:
    """Validate ``graph`` against kg's SHACL shapes, with the ontology's class hierarchy (an AIModel is a Product)."""
    conforms, report_graph, report_text = shacl_validate(graph, shacl_graph=shapes_graph(), ont_graph=ontology_graph(),
                                                         inference="none", advanced=True)
    return ValidationReport(bool(conforms), str(report_text), report_graph)
