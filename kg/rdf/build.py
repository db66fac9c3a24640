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

import functools
import json
import re
from decimal import Decimal
from typing import Any, Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.extract.model import Entity, Extraction, Relation, SourceDocument
from kg.rdf.iris import DEFAULT_BASE_IRI, ResourceIRIs
from kg.sources import LOCATION_KEY
from kg.namespace import KG, PREFIXES

__all__ = ["Triple", "document_triples", "entity_triples", "new_graph", "relation_triple", "statement_triples", "to_rdf"]

#: An RDF triple of rdflib terms.
Triple = tuple[URIRef, URIRef, URIRef | Literal]

#: Input metadata keys written as Dublin Core terms; the rest go to ``kg:metadata`` as JSON.
_DCTERMS_KEYS = {
    "title": DCTERMS.title, "date": DCTERMS.date, "created": DCTERMS.created, "issued": DCTERMS.issued,
    "author": DCTERMS.creator, "creator": DCTERMS.creator, "publisher": DCTERMS.publisher,
    "language": DCTERMS.language, "description": DCTERMS.description, "url": DCTERMS.references,
    LOCATION_KEY: PROV.atLocation,
}


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str, datatype: URIRef | None = None) -> Literal:
    """A string literal every RDF syntax can carry."""
    return Literal(_NOT_XML.sub("\ufffd", value), datatype=datatype)


#: :func:`_text` remembered, for the strings that recur from batch to batch (labels, ids, rules, triggers, dates, amounts).
_recurring_text = functools.lru_cache(maxsize=65536)(_text)


@functools.lru_cache(maxsize=65536, typed=True)
def _integer(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


@functools.lru_cache(maxsize=4096, typed=True)
def _decimal(value: float) -> Literal:
    return Literal(Decimal(str(value)), datatype=XSD.decimal)


def new_graph() -> Graph:
    """An empty graph with kg's prefixes bound."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def document_triples(iri: URIRef, document: SourceDocument) -> Iterator[Triple]:
    """The triples that describe a document: its class, identifier, source and metadata (its local path only when recorded)."""
    yield iri, RDF.type, KG.Document
    yield iri, DCTERMS.identifier, _recurring_text(document.id)
    yield iri, DCTERMS.source, _recurring_text(document.source)
    extra: dict[str, Any] = {}
    for key, value in document.metadata.items():
        term = _DCTERMS_KEYS.get(key)
        if term is not None and isinstance(value, (str, int, float)):
            yield iri, term, _text(str(value))
        else:
            extra[key] = value
    if extra:
        yield iri, KG.metadata, _text(json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str), RDF.JSON)


def entity_triples(iri: URIRef, entity: Entity) -> Iterator[Triple]:
    """The triples that describe an entity: its class, label and aliases (its mentions are not among them)."""
    yield iri, RDF.type, KG[entity.cls]
    yield iri, RDFS.label, _recurring_text(entity.label)
    for alias in sorted(entity.aliases):
        yield iri, SKOS.altLabel, _recurring_text(alias)


# the statement's terms, looked up once (a namespace attribute is a method call; a store build makes millions)
_TYPE, _STATEMENT, _SUBJECT, _PREDICATE, _OBJECT = RDF.type, RDF.Statement, RDF.subject, RDF.predicate, RDF.object
_DERIVED_FROM, _EVIDENCE, _START, _END, _CONFIDENCE = PROV.wasDerivedFrom, KG.evidence, KG.startChar, KG.endChar, KG.confidence
_RULE, _TRIGGER, _AMOUNT, _DATE = KG.rule, KG.trigger, KG.amount, KG.date


def statement_triples(relation: Relation, iris: ResourceIRIs) -> Iterator[Triple]:
    """The ``rdf:Statement`` of a relation with its provenance (the direct triple is not among them)."""
    subject, predicate, obj = iris.entity(relation.subject), KG[relation.predicate], iris.entity(relation.object)
    stmt = iris.statement(subject, predicate, obj, relation.doc_id, relation.start_char, relation.rule)
    yield stmt, _TYPE, _STATEMENT
    yield stmt, _SUBJECT, subject
    yield stmt, _PREDICATE, predicate
    yield stmt, _OBJECT, obj
    yield stmt, _DERIVED_FROM, iris.document(relation.doc_id)
    yield stmt, _EVIDENCE, _text(relation.evidence)
    yield stmt, _START, _integer(relation.start_char)
    yield stmt, _END, _integer(relation.end_char)
    yield stmt, _CONFIDENCE, _decimal(relation.confidence)
    yield stmt, _RULE, _recurring_text(relation.rule)
    for prop, value in ((_TRIGGER, relation.trigger), (_AMOUNT, relation.amount), (_DATE, relation.date)):
        if value:
            yield stmt, prop, _recurring_text(value)


def relation_triple(triple: tuple[str, str, str], iris: ResourceIRIs) -> Triple:
    """The direct triple of a relation given as ``(subject key, property, object key)`` (see :attr:`Relation.triple`)."""
    subject, predicate, obj = triple
    return iris.entity(subject), KG[predicate], iris.entity(obj)


def to_rdf(extraction: Extraction, *, base_iri: str = DEFAULT_BASE_IRI) -> Graph:
    """Build the RDF graph of an extraction.

    >>> from kg.extract.model import Entity, Extraction, SourceDocument
    >>> ex = Extraction([SourceDocument("d1", "Meta.", "d1.txt")], {"meta": Entity("meta", "Meta", "Organization", documents={"d1"})})
    >>> len(to_rdf(ex, base_iri="https://example.org/"))
    6
    """
    iris = ResourceIRIs(base_iri)
    graph = new_graph()
    for document in extraction.documents:
        graph += document_triples(iris.document(document.id), document)
    for key, entity in extraction.entities.items():
        node = iris.entity(key)
        graph += entity_triples(node, entity)
        graph += ((node, KG.mentionedIn, iris.document(doc_id)) for doc_id in sorted(entity.documents))
    for relation in extraction.relations:
        graph.add(relation_triple(relation.triple, iris))
        graph += statement_triples(relation, iris)
    return graph
