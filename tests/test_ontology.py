"""The ontology, the SHACL shapes and the Python vocabulary agree."""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.namespace import KG, RELATION_PROPERTIES
from kg.ontology import ontology_graph, property_signatures, shapes_graph

FIXED_CLASSES = ["Organization", "Person", "Place", "Product", "AIModel", "Document"]
FIXED_PROPERTIES = [
    "launched", "developed", "investedIn", "acquired", "founded", "leads", "worksFor", "partOf",
    "partneredWith", "competesWith", "basedIn", "locatedIn", "livesIn", "availableOn", "killed", "relatedTo",
]


def test_ontology_declares_every_python_term():
    graph = ontology_graph()
    declared = {s for s in graph.subjects(RDF.type, None) if str(s).startswith(str(KG._NS))}
    python_terms = {KG[name] for name in KG.__annotations__}
    assert declared == python_terms


def test_vocabulary_rejects_unknown_terms():
    with pytest.raises(AttributeError):
        KG.lauched  # noqa: B018 - a typo must fail


@pytest.mark.parametrize("name", FIXED_CLASSES)
def test_ontology_fixed_classes_are_aligned_with_schema_org_or_prov(name):
    graph = ontology_graph()
    assert (KG[name], RDF.type, OWL.Class) in graph
    parents = {str(p) for p in graph.objects(KG[name], RDFS.subClassOf)}
    assert any(p.startswith(("https://schema.org/", "http://www.w3.org/ns/prov#", str(KG._NS))) for p in parents)


def test_ontology_aimodel_is_a_product():
    assert (KG.AIModel, RDFS.subClassOf, KG.Product) in ontology_graph()


@pytest.mark.parametrize("name", FIXED_PROPERTIES)
def test_ontology_properties_have_label_comment_domain_range(name):
    graph = ontology_graph()
    prop = KG[name]
    assert (prop, RDF.type, OWL.ObjectProperty) in graph
    assert graph.value(prop, RDFS.label) is not None
    assert graph.value(prop, RDFS.comment) is not None
    if name != "relatedTo":
        assert graph.value(prop, RDFS.domain) is not None and graph.value(prop, RDFS.range) is not None
        assert (prop, RDFS.subPropertyOf, KG.relatedTo) in graph


def test_ontology_symmetric_properties():
    symmetric = {name for name, sig in property_signatures().items() if sig.symmetric}
    assert symmetric == {"partneredWith", "competesWith"}


def test_property_signature_reads_unions_and_subclasses():
    developed = property_signatures()["developed"]
    assert developed.domain == {"Organization", "Person"}
    assert developed.accepts("Person", "AIModel")
    assert not developed.accepts("Place", "Product")


def test_shapes_cover_every_relation_property():
    shapes = shapes_graph()
    sh = "http://www.w3.org/ns/shacl#"
    targeted = set(shapes.objects(None, URIRef(sh + "targetSubjectsOf")))
    assert targeted == {p for n, p in RELATION_PROPERTIES.items() if n != "relatedTo"}


def test_validate_knows_an_ai_model_is_a_product():
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, RDFS

    from kg.namespace import KG
    from kg.rdf import new_graph
    from kg.validate import validate

    g = new_graph()
    org, model = URIRef("urn:x:org"), URIRef("urn:x:model")
    g.add((org, RDF.type, KG.Organization))
    g.add((org, RDFS.label, Literal("Acme")))
    g.add((model, RDF.type, KG.AIModel))
    g.add((model, RDFS.label, Literal("Acme-1")))
    g.add((org, KG.launched, model))
    report = validate(g).text
    assert "Conforms: False" in report and "mentionedIn" in report  # the shapes ran
    assert "launched" not in report, report


def test_lexicon_refuses_a_trigger_given_twice(tmp_path):
    from kg.ontology import load_lexicon

    load_lexicon()  # the shipped lexicon has no key twice
    lexicon = tmp_path / "lexicon.json"
    lexicon.write_text('{"verbs": {"work": {"property": "worksFor", "preps": ["for"]}, "work": {"property": "partneredWith", "preps": ["with"]}}}')
    with pytest.raises(ValueError, match="'work' is given twice"):
        load_lexicon(lexicon)


def test_an_entity_of_no_kg_class_fits_no_restricted_slot():
    from kg.extract.merge import relation_fits

    assert not relation_fits(("a", "launched", "b"), {"a": "Unknown", "b": "AIModel"})
    assert relation_fits(("a", "relatedTo", "b"), {"a": "Unknown", "b": "Unknown"}) == (not property_signatures()["relatedTo"].domain)
