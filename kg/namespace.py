"""The project's vocabulary as an rdflib ``DefinedNamespace``.

``KG`` mirrors ``ontology/kg.ttl``; ``_fail = True`` makes a mistyped term an
error instead of a new IRI (a test checks both files agree).

>>> from kg.namespace import KG
>>> KG.launched
rdflib.term.URIRef('https://w3id.org/kg/ontology#launched')
"""

import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

__all__ = ["KG", "SCHEMA", "PREFIXES", "ENTITY_CLASSES", "RELATION_PROPERTIES", "local_name"]


class KG(DefinedNamespace):
    """Terms of the kg ontology (``ontology/kg.ttl``)."""

    _NS = Namespace("https://w3id.org/kg/ontology#")
    _fail = True

    # classes
    Organization: URIRef
    Person: URIRef
    Place: URIRef
    Product: URIRef
    AIModel: URIRef
    Event: URIRef
    MonetaryAmount: URIRef
    Document: URIRef
    # relations between entities
    relatedTo: URIRef
    launched: URIRef
    developed: URIRef
    investedIn: URIRef
    acquired: URIRef
    founded: URIRef
    leads: URIRef
    worksFor: URIRef
    partOf: URIRef
    partneredWith: URIRef
    competesWith: URIRef
    basedIn: URIRef
    locatedIn: URIRef
    livesIn: URIRef
    availableOn: URIRef
    killed: URIRef
    # provenance and annotations
    mentionedIn: URIRef
    evidence: URIRef
    startChar: URIRef
    endChar: URIRef
    confidence: URIRef
    rule: URIRef
    trigger: URIRef
    amount: URIRef
    date: URIRef
    metadata: URIRef
    # analysis results written back by `kg stats --write`
    pageRank: URIRef
    betweenness: URIRef
    community: URIRef


SCHEMA = Namespace("https://schema.org/")

#: Prefixes bound on every graph kg writes and predeclared in every query.
PREFIXES: dict[str, Namespace] = {
    "kg": KG._NS,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "prov": Namespace(str(PROV)),
    "dcterms": Namespace(str(DCTERMS)),
    "schema": SCHEMA,
}

#: Entity classes by local name, most specific last within a family.
ENTITY_CLASSES: dict[str, URIRef] = {
    name: KG[name] for name in ("Organization", "Person", "Place", "Product", "AIModel", "Event")
}

#: Every relation property between entities, ``relatedTo`` included.
RELATION_PROPERTIES: dict[str, URIRef] = {
    name: KG[name]
    for name in (
        "relatedTo", "launched", "developed", "investedIn", "acquired", "founded", "leads",
        "worksFor", "partOf", "partneredWith", "competesWith", "basedIn", "locatedIn",
        "livesIn", "availableOn", "killed",
    )
}


def local_name(iri: object) -> str:
    """The last part of an IRI, after its last ``#`` or ``/`` (the whole IRI when nothing follows them).

    >>> local_name(KG.investedIn), local_name("https://example.org/entity/meta")
    ('investedIn', 'meta')
    """
    text = str(iri)
    return re.split(r"[#/]", text.rstrip("/#"))[-1] or text
