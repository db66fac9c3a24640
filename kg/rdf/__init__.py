"""The RDF model: vocabulary, IRIs and the graph built from an extraction."""

from kg.rdf.build import new_graph, to_rdf
from kg.rdf.iris import DEFAULT_BASE_IRI, ResourceIRIs, slug
from kg.namespace import KG, PREFIXES

__all__ = ["DEFAULT_BASE_IRI", "KG", "PREFIXES", "ResourceIRIs", "new_graph", "slug", "to_rdf"]
