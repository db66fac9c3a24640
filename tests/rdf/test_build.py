"""The RDF model: typed entities, reified statements with provenance, SHACL, IRIs."""

from __future__ import annotations

import pyoxigraph
from hypothesis import given, settings
from hypothesis import strategies as st
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
    assert slug("scale ai") == "scale_ai"
    assert slug("gpt-5.4") == "gpt-5.4"
    assert slug("Scale AI") == slug("Scale AI") != slug("scale  ai") != slug("scale ai")
    names = ["AT&T", "AT-T", "AT T", "at_t", "C++", "C#", "", "北京", "O'Brien", "Scale AI", "scale ai", "scale  ai", "News/A.txt", "news/a.txt"]
    slugs = [slug(n) for n in names]
    assert len(set(slugs)) == len(names)
    for s in slugs:
        URIRef("https://example.org/entity/" + s)  # valid IRI characters only
        assert s and not any(ch in s for ch in '<>"{}|\\^` ')


NASTY = ['say "hi"', "back\\slash \\n \\u0041", "new\nline\r\nand\rreturn", '"""', 'ends with "', "'''", "\u200fRTL\u202e mark",
         "emoji 😀👩‍👩‍👧", "\x00nul \x01\x07\x0b\x0c\x1b esc", "\x7f\x80\x9f", "\ufffe\uffff", "lone \ud800 surrogate", "\u2028\u2029",
         "<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "]]> & <![CDATA[", "tab\there", " ", ""]
FORMATS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "json-ld": pyoxigraph.RdfFormat.JSON_LD,
           "nt": pyoxigraph.RdfFormat.N_TRIPLES, "xml": pyoxigraph.RdfFormat.RDF_XML}


def _nasty_extraction(texts: list[str]) -> Extraction:
    docs, entities, relations = [], {}, []
    for i, text in enumerate(texts):
        doc_id = f"{text}#{i}"
        docs.append(SourceDocument(doc_id, text, text, {"title": text, "tags": [text], "nested": {"k": text}}))
        subject, obj = f"{text} {i} s", f"{text} {i} o"
        entities[subject] = Entity(subject, text or "x", "Organization", {text, text + "'s"}, {doc_id})
        entities[obj] = Entity(obj, text + "!", "Organization", set(), {doc_id})
        relations.append(Relation(subject, "acquired", obj, doc_id, text, 0, len(text), 0.5, "svo", text, text, text))
    return Extraction(docs, entities, relations)


def _round_trips(graph: Graph) -> None:
    for name, ox_format in FORMATS.items():
        data = serialize(graph, format=name)
        assert len(list(pyoxigraph.parse(data, ox_format, base_iri="https://example.org/"))) == len(graph), name  # a strict parser
        assert isomorphic(Graph().parse(data=data, format=name), graph), name


def test_any_text_serialises_to_rdf_that_parses_back():
    extraction = _nasty_extraction(NASTY)
    graph = to_rdf(extraction, base_iri="https://example.org/")
    _round_trips(graph)
    evidence = {str(o) for o in graph.objects(None, KG.evidence)}
    assert 'say "hi"' in evidence and '"""' in evidence and "emoji 😀👩‍👩‍👧" in evidence and "\u200fRTL\u202e mark" in evidence
    assert "\ufffdnul \ufffd\ufffd\ufffd\ufffd\ufffd esc" in evidence  # forbidden in XML 1.0: replaced one for one
    assert "lone \ufffd surrogate" in evidence
    assert len(set(graph.subjects(RDF.type, KG.Document))) == len(NASTY)
    assert len(set(graph.subjects(RDF.type, KG.Organization))) == 2 * len(NASTY)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30), min_size=1, max_size=4))
def test_any_text_round_trips_through_every_format(texts):
    _round_trips(to_rdf(_nasty_extraction(texts), base_iri="https://example.org/kg#"))
