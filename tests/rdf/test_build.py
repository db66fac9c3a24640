"""The RDF model: typed entities, reified statements with provenance, SHACL, IRIs."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kg.extract import Entity, Extraction, Relation, SourceDocument
from kg.namespace import KG
from kg.rdf import ResourceIRIs, slug, to_rdf
from kg.store import serialize
from kg.validate import validate


def _extraction() -> Extraction:
    doc = SourceDocument("news/1.txt", "Acme bought Initech. Acme's deal closed.", "news/1.txt", {"title": "Deal", "section": "tech"})
    entities = {
        "acme": Entity("acme", "Acme", "Organization", {"Acme's"}, {"news/1.txt"}),
        "initech": Entity("initech", "Initech", "Organization", set(), {"news/1.txt"}),
    }
    relation = Relation("acme", "acquired", "initech", "news/1.txt", "Acme bought Initech.", 0, 20, 0.85, "verb:buy", "buy", "$5 million", "2024")
    return Extraction([doc], entities, [relation])


def test_to_rdf_states_each_relation_twice():
    g = to_rdf(_extraction(), base_iri="https://example.org/")
    iris = ResourceIRIs("https://example.org/")
    acme, initech = iris.entity("acme"), iris.entity("initech")
    assert (acme, KG.acquired, initech) in g
    (stmt,) = g.subjects(RDF.type, RDF.Statement)
    assert g.value(stmt, RDF.subject) == acme and g.value(stmt, RDF.predicate) == KG.acquired and g.value(stmt, RDF.object) == initech
    assert g.value(stmt, PROV.wasDerivedFrom) == iris.document("news/1.txt")
    assert str(g.value(stmt, KG.evidence)) == "Acme bought Initech."
    assert (g.value(stmt, KG.startChar).toPython(), g.value(stmt, KG.endChar).toPython()) == (0, 20)
    assert float(g.value(stmt, KG.confidence)) == 0.85
    assert str(g.value(stmt, KG.amount)) == "$5 million" and str(g.value(stmt, KG.date)) == "2024"


def test_to_rdf_entities_have_label_aliases_and_documents():
    g = to_rdf(_extraction(), base_iri="https://example.org/")
    acme = ResourceIRIs("https://example.org/").entity("acme")
    assert (acme, RDF.type, KG.Organization) in g
    assert str(g.value(acme, RDFS.label)) == "Acme"
    assert {str(a) for a in g.objects(acme, SKOS.altLabel)} == {"Acme's"}
    doc = g.value(acme, KG.mentionedIn)
    assert str(g.value(doc, DCTERMS.identifier)) == "news/1.txt" and str(g.value(doc, DCTERMS.title)) == "Deal"
    assert '"section": "tech"' in str(g.value(doc, KG.metadata))


def test_to_rdf_conforms_to_shapes():
    assert validate(to_rdf(_extraction())).conforms


def test_validate_reports_a_broken_graph():
    g = to_rdf(_extraction())
    stmt = next(g.subjects(RDF.type, RDF.Statement))
    g.remove((stmt, KG.evidence, None))
    acme = ResourceIRIs().entity("acme")
    g.add((acme, KG.livesIn, acme))  # an Organization cannot live in an Organization
    report = validate(g)
    assert not report.conforms
    assert "evidence" in report.text and "livesIn" in report.text


def test_jsonld_parses_back_isomorphic_to_turtle():
    g = to_rdf(_extraction())
    from_ttl = Graph().parse(data=serialize(g, format="turtle"), format="turtle")
    from_jsonld = Graph().parse(data=serialize(g, format="json-ld"), format="json-ld")
    assert isomorphic(from_ttl, from_jsonld)


def test_slug_is_readable_stable_and_collision_free():
    assert slug("Scale AI") == "scale_ai" == slug("scale  ai")
    assert slug("GPT-5.4") == "gpt-5.4"
    names = ["AT&T", "AT-T", "AT T", "at_t", "C++", "C#", "", "北京", "O'Brien"]
    slugs = [slug(n) for n in names]
    assert len(set(slugs)) == len(names)
    for s in slugs:
        URIRef("https://example.org/entity/" + s)  # valid IRI characters only
        assert s and not any(ch in s for ch in '<>"{}|\\^` ')
