"""The persistent store: layout, incremental changes, removal, equivalence with the in-memory build, and reading it back.

Most tests feed the store synthetic extractions (no spaCy), so any sequence of
additions, replacements and removals can be checked against ``to_rdf`` of the
documents left.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import Counter

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.namespace import RDF, RDFS, SKOS

from kg.corpus import MANIFEST_NAME, content_hash, is_store, load_source, open_store
from kg.errors import InputError, KGError, QueryError, UsageError
from kg.extract.model import Entity, Extraction, Relation, SourceDocument
from kg.extract.merge import DocumentEntities, merge_documents
from kg.namespace import KG
from kg.rdf import to_rdf
from kg.rdf.iris import ResourceIRIs
from kg.store import serialize

NAMES = {"meta": ("Meta", "META"), "muse spark": ("Muse Spark",), "alexandr wang": ("Alexandr Wang", "Alexandr wang"),
         "menlo park": ("Menlo Park",), "scale ai": ("Scale AI", "Scale Ai")}
CLASSES = ("Organization", "Person", "Place", "AIModel", "Product")
PREDICATES = ("launched", "worksFor", "basedIn", "acquired", "leads")


def part(doc_id: str, entities: dict[str, tuple[str, str, int]], relations: list[tuple[str, str, str]] = (),
         metadata: dict | None = None) -> tuple[SourceDocument, DocumentEntities]:
    """A document and what extraction 'found' in it: entities as key -> (label, class, votes), relations as triples."""
    document = SourceDocument(doc_id, f"text of {doc_id} " + " ".join(sorted(entities)), f"{doc_id}.txt", metadata or {})
    found = DocumentEntities(
        entities={k: Entity(k, label, cls, {f"{label} ({doc_id})"}, {doc_id}) for k, (label, cls, _) in entities.items()},
        votes={k: Counter({cls: votes}) for k, (_, cls, votes) in entities.items()},
        relations=[Relation(s, p, o, doc_id, f"{s} {p} {o}.", 10 * i, 10 * i + 9, 0.9, "svo", trigger=p)
                   for i, (s, p, o) in enumerate(relations)],
    )
    return document, found


META_LAUNCHES = part("d1", {"meta": ("Meta", "Organization", 3), "muse spark": ("Muse Spark", "AIModel", 2)},
                     [("meta", "launched", "muse spark")], {"title": "Meta's model", "tags": ["ai"]})
WANG_AT_META = part("d2", {"alexandr wang": ("Alexandr Wang", "Person", 2), "meta": ("META", "Organization", 1)},
                    [("alexandr wang", "worksFor", "meta"), ("alexandr wang", "leads", "meta")])
META_IS_A_PRODUCT = part("d3", {"meta": ("Meta", "Product", 9), "menlo park": ("Menlo Park", "Place", 1)},
                         [("meta", "basedIn", "menlo park")])


def triples_of(path) -> list[str]:
    store = ox.Store.read_only(str(path))
    return sorted(str(q.triple) for q in store)


def quads_of(path) -> list[str]:
    return sorted(str(q) for q in ox.Store.read_only(str(path)))


def expected_triples(parts) -> list[str]:
    """What kg build -o gives for these documents, in Oxigraph's canonical N-Triples."""
    entities, relations = merge_documents(parts)
    graph = to_rdf(Extraction([d for d, _ in parts], entities, relations))
    store = ox.Store()
    store.load(serialize(graph, format="nt"), format=ox.RdfFormat.N_TRIPLES)
    return sorted(str(q.triple) for q in store)


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "store"


def test_store_union_is_the_in_memory_graph(store_path):
    with open_store(store_path) as store:
        change = store.add([META_LAUNCHES, WANG_AT_META])
        assert change.added == 2 and change.entities_added == 3
        assert store.counts()["documents"] == 2 and store.counts()["entities"] == 3
    assert is_store(store_path) and (store_path / MANIFEST_NAME).is_file()
    assert triples_of(store_path) == expected_triples([META_LAUNCHES, WANG_AT_META])
    quads = list(ox.Store.read_only(str(store_path)))
    assert len({q.triple for q in quads}) == len(quads)  # no triple in two graphs


def test_layout_documents_in_named_graphs_entity_layer_in_the_default_graph(store_path):
    with open_store(store_path) as store:
        store.add([META_LAUNCHES, WANG_AT_META])
        iris = ResourceIRIs(store.base_iri)
    database = ox.Store.read_only(str(store_path))
    assert {g.value for g in database.named_graphs()} == {str(iris.document("d1")), str(iris.document("d2"))}
    default = {(q.subject.value, q.predicate.value) for q in database.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    predicates = {p for _, p in default}
    assert predicates == {str(RDF.type), str(RDFS.label), str(SKOS.altLabel), str(KG.launched), str(KG.worksFor), str(KG.leads)}
    d1 = list(database.quads_for_pattern(None, None, None, ox.NamedNode(str(iris.document("d1")))))
    d1_predicates = {q.predicate.value for q in d1}
    assert {str(KG.mentionedIn), str(RDF.subject), str(KG.evidence)} <= d1_predicates
    assert str(RDFS.label) not in d1_predicates
    assert all(q.object.value == str(iris.document("d1")) for q in d1 if q.predicate.value == str(KG.mentionedIn))


def test_a_new_document_that_changes_a_class_drops_relations_elsewhere_and_removal_restores_them(store_path):
    with open_store(store_path) as store:
        store.add([META_LAUNCHES, WANG_AT_META])
    before = quads_of(store_path)
    with open_store(store_path) as store:
        store.add([META_IS_A_PRODUCT])  # Meta outvoted into a Product: nobody works for or leads a product
    assert triples_of(store_path) == expected_triples([META_LAUNCHES, WANG_AT_META, META_IS_A_PRODUCT])
    after = "\n".join(triples_of(store_path))
    assert str(KG.worksFor) not in after and str(KG.Product) in after
    with open_store(store_path) as store:
        change = store.remove(["d3"])
        assert change.removed == 1 and change.entities_removed == 1  # Menlo Park: no one else mentions it
    assert quads_of(store_path) == before


def test_removal_takes_entities_no_document_mentions_and_keeps_shared_ones(store_path):
    with open_store(store_path) as store:
        store.add([META_LAUNCHES, WANG_AT_META])
        change = store.remove(["d1"])
        assert change.entities_removed == 1  # Muse Spark; Meta stays, d2 mentions it
        assert store.counts()["entities"] == 2
        with pytest.raises(InputError, match="not in the store.*nope"):
            store.remove(["nope"])
    text = "\n".join(triples_of(store_path))
    assert "muse_spark" not in text and "Meta's model" not in text
    assert triples_of(store_path) == expected_triples([WANG_AT_META])
    with open_store(store_path) as store:
        store.remove(["d2"])
        assert store.counts() == {"documents": 0, "entities": 0, "triples": 0}


def test_replacing_a_document_with_itself_or_rerunning_changes_nothing(store_path):
    with open_store(store_path) as store:
        store.add([META_LAUNCHES, WANG_AT_META])
    first = quads_of(store_path)
    with open_store(store_path) as store:
        change = store.add([META_LAUNCHES])
        assert (change.added, change.replaced) == (0, 1)
        hashes = store.content_hashes()
    assert quads_of(store_path) == first
    assert hashes == {"d1": content_hash(META_LAUNCHES[0]), "d2": content_hash(WANG_AT_META[0])}


def test_content_hash_follows_text_source_and_metadata():
    document = META_LAUNCHES[0]
    same = SourceDocument("other id", document.text, document.source, dict(document.metadata))
    assert content_hash(same) == content_hash(document)
    for changed in (SourceDocument("d1", document.text + "!", document.source, document.metadata),
                    SourceDocument("d1", document.text, "elsewhere.txt", document.metadata),
                    SourceDocument("d1", document.text, document.source, {"title": "another"})):
        assert content_hash(changed) != content_hash(document)


def test_an_interrupted_batch_is_replayed_on_open(store_path):
    with open_store(store_path) as store:
        store.add([META_LAUNCHES])
        store._apply = lambda pending_id, sparql, nquads: None  # the process dies after the manifest commit
        store.add([WANG_AT_META])
    assert triples_of(store_path) == expected_triples([META_LAUNCHES])  # the database lags behind
    with sqlite3.connect(store_path / MANIFEST_NAME) as manifest:
        assert manifest.execute("SELECT COUNT(*) FROM pending").fetchone() == (1,)
    with open_store(store_path) as store:
        assert store.counts()["documents"] == 2
    assert triples_of(store_path) == expected_triples([META_LAUNCHES, WANG_AT_META])
    with sqlite3.connect(store_path / MANIFEST_NAME) as manifest:
        assert manifest.execute("SELECT COUNT(*) FROM pending").fetchone() == (0,)


def test_a_failed_write_is_reported_and_replayed_on_open(store_path, monkeypatch):
    """The writer thread's error reaches the caller as a clear error; the batch's record stays, and the next open writes it."""
    store = open_store(store_path)
    store.add([META_LAUNCHES])
    assert store.counts()["documents"] == 1  # waits for the writer
    monkeypatch.setattr(store._writer, "_write", lambda sparql, nquads: 1 / 0)  # say, the disk is full
    store.add([WANG_AT_META])
    with pytest.raises(KGError, match="writing to the store failed"):
        store.close()
    with sqlite3.connect(store_path / MANIFEST_NAME) as manifest:
        assert manifest.execute("SELECT COUNT(*) FROM pending").fetchone() == (1,)
    with open_store(store_path) as store:
        assert store.counts()["documents"] == 2
    assert triples_of(store_path) == expected_triples([META_LAUNCHES, WANG_AT_META])


def test_a_failing_batch_leaves_the_manifest_as_it_was(store_path, monkeypatch):
    with open_store(store_path) as store:
        store.add([META_LAUNCHES])
        monkeypatch.setattr(store, "_update", lambda **kwargs: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            store.add([WANG_AT_META])
        assert store.counts()["documents"] == 1
    assert triples_of(store_path) == expected_triples([META_LAUNCHES])


def test_base_iri_is_fixed_when_the_store_is_made(store_path):
    with open_store(store_path, base_iri="https://example.org/news/") as store:
        store.add([META_LAUNCHES])
    with open_store(store_path) as store:
        assert store.base_iri == "https://example.org/news/"
    with pytest.raises(UsageError, match="base IRI is https://example.org/news/"):
        open_store(store_path, base_iri="https://example.org/other/")
    assert any("example.org/news/entity/meta" in t for t in triples_of(store_path))


def test_open_store_refuses_what_is_not_a_store(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        open_store(tmp_path / "file")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("x")
    with pytest.raises(UsageError, match="not a kg store"):
        open_store(tmp_path / "folder")
    with pytest.raises(InputError, match="not an Oxigraph store"):
        load_source(tmp_path / "folder")


def test_a_store_open_for_writing_cannot_be_opened_twice(store_path):
    with open_store(store_path):
        with pytest.raises(KGError, match="open in another process"):
            open_store(store_path)


def test_load_source_reads_a_store_or_a_file_through_rdflib(store_path, tmp_path):
    with open_store(store_path) as store:
        store.add([META_LAUNCHES, WANG_AT_META])
    graph = load_source(store_path)
    path = tmp_path / "graph.ttl"
    path.write_bytes(serialize(graph, format="turtle"))
    from_file = load_source(path)
    assert len(graph) == len(from_file) == len(expected_triples([META_LAUNCHES, WANG_AT_META]))
    query = "SELECT ?who ?org WHERE { ?p a kg:Person ; rdfs:label ?who ; kg:worksFor/rdfs:label ?org }"
    assert [tuple(map(str, row)) for row in graph.query(query)] == [("Alexandr Wang", "Meta")]
    assert [tuple(map(str, row)) for row in from_file.query(query)] == [("Alexandr Wang", "Meta")]
    assert set(graph.objects(None, KG.mentionedIn)) == set(from_file.objects(None, KG.mentionedIn))


def test_a_query_on_a_store_is_parsed_by_oxigraph_alone_and_errors_still_say_where(store_path, monkeypatch):
    import kg.query
    from kg.query import run_query

    with open_store(store_path) as store:
        store.add([META_LAUNCHES, WANG_AT_META])
    graph = load_source(store_path)
    parses = []
    for name in ("parseQuery", "parseUpdate", "prepareQuery"):
        original = getattr(kg.query, name)
        monkeypatch.setattr(kg.query, name, lambda *a, original=original, name=name, **k: parses.append(name) or original(*a, **k))
    rows = run_query(graph, "SELECT ?who WHERE { ?p a kg:Person ; rdfs:label ?who }")
    assert [str(row.who) for row in rows] == ["Alexandr Wang"] and parses == []
    with pytest.raises(QueryError, match="SPARQL syntax error at line 1"):
        run_query(graph, "SELECT ?who WHERE { ?p a kg:Person . FILTER(?p = ) }")
    with pytest.raises(QueryError, match="SPARQL Update"):
        run_query(graph, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_reading_a_store_does_not_import_spacy(store_path):
    with open_store(store_path) as store:
        store.add([META_LAUNCHES])
    code = ("import sys; from kg.corpus import load_source; from kg.query import run_query; "
            f"rows = list(run_query(load_source({str(store_path)!r}), 'SELECT ?s WHERE {{ ?s a kg:Organization }}')); "
            "print(len(rows), 'spacy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "False"]


# --- any sequence of additions, replacements and removals ----------------------------------------------------

@st.composite
def documents(draw, doc_id: str):
    keys = draw(st.lists(st.sampled_from(sorted(NAMES)), min_size=1, max_size=4, unique=True))
    entities = {k: (draw(st.sampled_from(NAMES[k])), draw(st.sampled_from(CLASSES)), draw(st.integers(1, 3))) for k in keys}
    relations = draw(st.lists(st.tuples(st.sampled_from(keys), st.sampled_from(PREDICATES), st.sampled_from(keys))
                              .filter(lambda t: t[0] != t[2]), max_size=4))
    return part(doc_id, entities, relations)


@st.composite
def histories(draw):
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=3, unique=True))
            steps.append(("add", [draw(documents(doc_id)) for doc_id in ids]))
        else:
            steps.append(("remove", draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=2, unique=True))))
    return steps


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories())
def test_any_history_leaves_the_store_equal_to_a_fresh_build_of_what_is_left(tmp_path_factory, history):
    path = tmp_path_factory.mktemp("history") / "store"
    current: dict[str, tuple] = {}
    with open_store(path) as store:
        for action, payload in history:
            if action == "add":
                store.add(payload)
                current.update({d.id: (d, p) for d, p in payload})
            else:
                present = [doc_id for doc_id in payload if doc_id in current]
                if present:
                    store.remove(present)
                for doc_id in present:
                    del current[doc_id]
    assert triples_of(path) == expected_triples(list(current.values()))
    fresh = tmp_path_factory.mktemp("fresh") / "store"
    with open_store(fresh) as store:
        if current:
            store.add(list(current.values()))
    assert quads_of(path) == quads_of(fresh)
