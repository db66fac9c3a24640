"""The RDF model: an :class:`~kg.extract.Extraction` becomes an rdflib graph.

Each relation is stated twice: the direct triple, and an ``rdf:Statement`` that
carries its provenance (document, evidence sentence and offsets, confidence,
rule). The vocabulary comes from :class:`kg.namespace.KG`.

Any text makes valid RDF in every format: characters XML 1.0 forbids (C0
controls other than tab, line feed and carriage return, U+FFFE, U+FFFF and
lone surrogates) become U+REPLACEMENT CHARACTER in literals, one for one, so
lengths and offsets still agree.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.extract.model import Extraction, SourceDocument
from kg.rdf.iris import DEFAULT_BASE_IRI, ResourceIRIs
from kg.namespace import KG, PREFIXES

__all__ = ["new_graph", "to_rdf"]

#: Input metadata keys written as Dublin Core terms; the rest go to ``kg:metadata`` as JSON.
_DCTERMS_KEYS = {
    "title": DCTERMS.title, "date": DCTERMS.date, "created": DCTERMS.created, "issued": DCTERMS.issued,
    "author": DCTERMS.creator, "creator": DCTERMS.creator, "publisher": DCTERMS.publisher,
    "language": DCTERMS.language, "description": DCTERMS.description, "url": DCTERMS.references,
}


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str, datatype: URIRef | None = None) -> Literal:
    """A string literal every RDF syntax can carry."""
    return Literal(_NOT_XML.sub("\ufffd", value), datatype=datatype)


def new_graph() -> Graph:
    """An empty graph with kg's prefixes bound."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def _add_document(graph: Graph, iri: URIRef, document: SourceDocument) -> None:
    graph.add((iri, RDF.type, KG.Document))
    graph.add((iri, DCTERMS.identifier, _text(document.id)))
    graph.add((iri, DCTERMS.source, _text(document.source)))
    extra: dict[str, Any] = {}
    for key, value in document.metadata.items():
        term = _DCTERMS_KEYS.get(key)
        if term is not None and isinstance(value, (str, int, float)):
            graph.add((iri, term, _text(str(value))))
        else:
            extra[key] = value
    if extra:
        graph.add((iri, KG.metadata, _text(json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str), RDF.JSON)))


def to_rdf(extraction: Extraction, *, base_iri: str = DEFAULT_BASE_IRI) -> Graph:
    """Build the RDF graph of an extraction.

    >>> from kg.extract.model import Entity, Extraction, SourceDocument
    >>> ex = Extraction([SourceDocument("d1", "Meta.", "d1.txt")], {"meta": Entity("meta", "Meta", "Organization", documents={"d1"})})
    >>> len(to_rdf(ex, base_iri="https://example.org/"))
    6
    """
    iris = ResourceIRIs(base_iri)
    graph = new_graph()
    documents = {d.id: iris.document(d.id) for d in extraction.documents}
    for document in extraction.documents:
        _add_document(graph, documents[document.id], document)
    entities = {key: iris.entity(key) for key in extraction.entities}
    for key, entity in extraction.entities.items():
        node = entities[key]
        graph.add((node, RDF.type, KG[entity.cls]))
        graph.add((node, RDFS.label, _text(entity.label)))
        for alias in sorted(entity.aliases):
            graph.add((node, SKOS.altLabel, _text(alias)))
        for doc_id in sorted(entity.documents):
            graph.add((node, KG.mentionedIn, documents[doc_id]))
    for rel in extraction.relations:
        subject, predicate, obj = entities[rel.subject], KG[rel.predicate], entities[rel.object]
        graph.add((subject, predicate, obj))
        stmt = iris.statement(subject, predicate, obj, rel.doc_id, rel.start_char, rel.rule)
        graph.add((stmt, RDF.type, RDF.Statement))
        graph.add((stmt, RDF.subject, subject))
        graph.add((stmt, RDF.predicate, predicate))
        graph.add((stmt, RDF.object, obj))
        graph.add((stmt, PROV.wasDerivedFrom, documents[rel.doc_id]))
        graph.add((stmt, KG.evidence, _text(rel.evidence)))
        graph.add((stmt, KG.startChar, Literal(rel.start_char, datatype=XSD.integer)))
        graph.add((stmt, KG.endChar, Literal(rel.end_char, datatype=XSD.integer)))
        graph.add((stmt, KG.confidence, Literal(Decimal(str(rel.confidence)), datatype=XSD.decimal)))
        graph.add((stmt, KG.rule, _text(rel.rule)))
        for prop, value in ((KG.trigger, rel.trigger), (KG.amount, rel.amount), (KG.date, rel.date)):
            if value:
                graph.add((stmt, prop, _text(value)))
    return graph
