"""Hostile and broken input through ``kg build`` and ``kg query``: clear messages, exit codes, valid output.

The corpus is ``tests/data/hostile/``; the one-megabyte line and the gzipped JSONL are made at run time.
The CLI builds use the session's spaCy pipeline instead of loading it again.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from kg.build import build_graph, write_outputs
from kg.cli import app
from kg.extract import SourceDocument
from kg.namespace import KG
from kg.rdf import DEFAULT_BASE_IRI
from kg.sources import document_id
from kg.store import load_graph, serialize

HOSTILE = Path(__file__).parent / "data" / "hostile"
SCRIPT_NAMES = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>"]
OX_FORMATS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "json-ld": pyoxigraph.RdfFormat.JSON_LD,
              "nt": pyoxigraph.RdfFormat.N_TRIPLES, "xml": pyoxigraph.RdfFormat.RDF_XML}
FOLDERS = ("entity/", "document/", "statement/")
VOCABULARIES = ("http://www.w3.org/", "http://purl.org/dc/terms/", str(KG))
runner = CliRunner()


@pytest.fixture
def kg(nlp, monkeypatch):
    """Run the kg command line in-process, with the pipeline already loaded."""
    monkeypatch.setattr("kg.build.load_pipeline", lambda model=None, **options: nlp)

    def invoke(*args: str, **kwargs):
        return runner.invoke(app, [str(a) for a in args], **kwargs)
    return invoke


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def _check_graph(graph: Graph, base: str = DEFAULT_BASE_IRI) -> None:
    """Every format parses back (Oxigraph's strict parsers, then rdflib isomorphic); every IRI is ours or a vocabulary's."""
    for name, ox_format in OX_FORMATS.items():
        data = serialize(graph, format=name)
        assert len(list(pyoxigraph.parse(data, ox_format))) == len(graph), name
        assert isomorphic(Graph().parse(data=data, format=name), graph), name
    for term in {t for triple in graph for t in triple if isinstance(t, URIRef)}:
        pyoxigraph.NamedNode(str(term))
        assert str(term).startswith(VOCABULARIES) or str(term).startswith(tuple(base + f for f in FOLDERS)), term


def _check_evidence(graph: Graph, texts: dict[str, str]) -> int:
    """Every statement's evidence is its document's text between its offsets; returns how many were checked."""
    rows = graph.query("""SELECT ?id ?e ?s ?t WHERE { ?st kg:evidence ?e ; kg:startChar ?s ; kg:endChar ?t ;
                          prov:wasDerivedFrom/dcterms:identifier ?id }""")
    for doc_id, evidence, start, end in rows:
        assert texts[str(doc_id)][start.toPython():end.toPython()] == str(evidence)
    return len(rows)


# -- the corpus through kg build ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_build(nlp, tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kg.build.load_pipeline", lambda model=None, **options: nlp)
        result = runner.invoke(app, ["build", str(HOSTILE), "-o", str(out)])
    return result, out


def test_hostile_corpus_builds_and_reports_every_problem(hostile_build):
    result, out = hostile_build
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and _errors(result.output) == []
    for expected in [
        f"warning: {HOSTILE / 'binary_nul.txt'}: skipped, looks like binary data (NUL bytes), not text",
        f"warning: {HOSTILE / 'fake_pdf.txt'}: skipped, looks like a PDF document, not text",
        f"warning: {HOSTILE / 'cp1252.txt'}: not UTF-8; decoded as cp1252",
        f"warning: {HOSTILE / 'utf16_bom.txt'}: not UTF-8; decoded as utf-16",
        f"warning: {HOSTILE / 'broken.jsonl'}:2: skipped, not valid JSON (Unterminated string",
        f"warning: {HOSTILE / 'broken.jsonl'}:3: skipped, a JSONL record needs a string 'text'",
        f"warning: {HOSTILE / 'broken.jsonl'}:4: duplicate id 'a1'; this document is kept as 'a1#2'",
        f"warning: {HOSTILE / 'broken.jsonl'}:6: not UTF-8; decoded as cp1252",
    ]:
        assert expected in result.output
    for quiet in ("empty.txt", "whitespace.txt", "utf8_bom.txt", "names.txt", "hostile.html"):
        assert quiet not in result.output  # nothing to say about these
    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents"] == 11 and stats["entities"] > 5 and stats["relations"] > 3


def test_hostile_corpus_output_is_valid_rdf_with_exact_evidence(hostile_build):
    _, out = hostile_build
    graph = load_graph(out / "graph.ttl")
    assert isomorphic(graph, load_graph(out / "graph.jsonld"))
    _check_graph(graph)
    ids = {str(i) for i in graph.objects(None, URIRef("http://purl.org/dc/terms/identifier"))}
    assert {"a1", "a1#2", "a5", "a6", document_id(str(HOSTILE / "empty.txt")), document_id(str(HOSTILE / "cp1252.txt"))} <= ids
    assert not {document_id(str(HOSTILE / "binary_nul.txt")), document_id(str(HOSTILE / "fake_pdf.txt")), "a2", "a3"} & ids
    texts = {document_id(str(HOSTILE / n)): (HOSTILE / n).read_bytes().decode(e) for n, e in
             [("cp1252.txt", "cp1252"), ("utf16_bom.txt", "utf-16"), ("utf8_bom.txt", "utf-8-sig"), ("names.txt", "utf-8")]}
    texts.update({"a1": "Nvidia acquired Run:ai in 2024.", "a1#2": "Anthropic launched Claude, said Dario Amodei.",
                  "a6": "Nestlé’s board met in Zürich.", "a5": "", document_id(str(HOSTILE / "hostile.html")): ""})
    from kg.sources import html_to_text
    texts[document_id(str(HOSTILE / "hostile.html"))] = html_to_text((HOSTILE / "hostile.html").read_text())
    assert _check_evidence(graph, texts) >= 4
    metadata = graph.query("SELECT ?m WHERE { ?d dcterms:identifier ?id ; kg:metadata ?m } VALUES ?id { 'a6' }")
    assert [json.loads(str(m)) for (m,) in metadata] == [{"encoding": "cp1252"}]
    evidence = {str(e) for e in graph.objects(None, KG.evidence)}
    assert any(SCRIPT_NAMES[1] in e for e in evidence)  # the HTML page's escaped markup is text, and kept as such
    labels = {str(label) for label in graph.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))}
    assert "Nestlé" in labels and "Zürich" in labels and any("🚀" in label for label in labels)


def test_hostile_corpus_page_shows_script_as_text(hostile_build):
    _, out = hostile_build
    page = (out / "graph.html").read_text(encoding="utf-8")
    assert "alert(1)" in page  # the evidence that carries the markup is on the page ...
    for name in SCRIPT_NAMES:
        assert name not in page  # ... but never as markup


def test_strict_stops_at_the_first_problem_and_writes_nothing(kg, tmp_path):
    result = kg("build", HOSTILE, "--strict", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert _errors(result.output) == [f"error: {HOSTILE / 'binary_nul.txt'}: skipped, looks like binary data (NUL bytes), not text (--strict)"]
    assert not (tmp_path / "out").exists()
    jsonl = kg("build", HOSTILE / "broken.jsonl", "--strict", "-o", tmp_path / "out")
    assert jsonl.exit_code == 2 and "broken.jsonl:2: skipped, not valid JSON" in jsonl.output


def test_one_megabyte_line_is_built_in_chunks_with_exact_offsets(kg, nlp, tmp_path):
    text = "Microsoft acquired GitHub in 2018. " + "x" * (1 << 20) + ". Anthropic launched Claude in March."
    assert len(text) > nlp.max_length  # spaCy alone refuses this text
    (tmp_path / "line.txt").write_text(text)
    result = kg("build", tmp_path / "line.txt", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    graph = load_graph(tmp_path / "out" / "graph.ttl")
    assert _check_evidence(graph, {"line.txt": text}) == 2  # an absolute path outside the current folder: its name
    assert {str(label) for label in graph.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))} == \
        {"Microsoft", "GitHub", "Anthropic", "Claude"}


def test_glob_patterns_and_gzipped_jsonl(kg, tmp_path):
    (tmp_path / "news" / "more").mkdir(parents=True)
    records = [{"id": "g1", "text": "Microsoft acquired GitHub in 2018."}, {"id": "g2", "text": "Jensen Huang founded Nvidia."}]
    (tmp_path / "news" / "feed.jsonl.gz").write_bytes(gzip.compress("\n".join(map(json.dumps, records)).encode()))
    (tmp_path / "news" / "more" / "a.txt").write_text("Anthropic launched Claude.")
    (tmp_path / "news" / "more" / "b.csv").write_text("not,read")
    result = kg("build", f"{tmp_path}/news/**", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    graph = load_graph(tmp_path / "out" / "graph.ttl")
    ids = {str(i) for i in graph.objects(None, URIRef("http://purl.org/dc/terms/identifier"))}
    assert ids == {"g1", "g2", "news/more/a.txt"}  # relative to the folder above the pattern's fixed part


def test_empty_documents_build_an_empty_graph(kg, tmp_path):
    result = kg("build", HOSTILE / "empty.txt", HOSTILE / "whitespace.txt", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert (stats["documents"], stats["entities"], stats["relations"]) == (2, 0, 0)


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing.txt", "missing.txt: no such file or folder"),
    (lambda d: (d / "pictures").mkdir() or (d / "pictures" / "a.png").write_bytes(b"\x89PNG") and d / "pictures",
     "pictures: no .txt, .md, .html, .htm, .jsonl, .jsonl.gz files in this folder"),
    (lambda d: (d / "only").mkdir() or (d / "only" / "a.txt").write_bytes(b"%PDF-1.4") and d / "only",
     "no documents to read: every input was skipped"),
    (lambda d: f"{d}/*.md", "*.md: no .txt, .md, .html, .htm, .jsonl, .jsonl.gz files match this pattern"),
    (lambda d: (d / "dangling").symlink_to(d / "nowhere") or d / "dangling", "dangling: broken symbolic link"),
])
def test_bad_inputs_exit_2_with_one_line(kg, tmp_path, make, message):
    result = kg("build", make(tmp_path), "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert len(_errors(result.output)) == 1 and message in _errors(result.output)[0]
    assert "Traceback" not in result.output


def test_unreadable_file_exits_2_naming_it(kg, tmp_path, unreadable_file):
    locked = unreadable_file
    result = kg("build", locked, "-o", tmp_path / "out")
    assert result.exit_code == 2 and _errors(result.output) == [f"error: cannot read {locked}: Permission denied"]


def test_markup_in_names_and_paths_is_printed_as_it_is(kg, tmp_path):
    """Rich would read '[/]' or '[red]' as markup: kg prints names and paths as they are."""
    missing = kg("build", tmp_path / "[red]x[/red].txt", "-o", tmp_path / "out")
    assert missing.exit_code == 2 and "[red]x[/red].txt: no" in missing.output and "Traceback" not in missing.output
    (tmp_path / "news.jsonl").write_text(json.dumps({"id": "[/]", "text": "Microsoft acquired GitHub in 2018."}))
    built = kg("build", tmp_path / "news.jsonl", "-o", tmp_path / "[/]out")
    assert built.exit_code == 0, built.output
    assert f"HTML: {tmp_path / '[/]out' / 'graph.html'}" in built.output
    graph = tmp_path / "[/]out" / "graph.ttl"
    relabel = "DELETE { ?e rdfs:label 'Microsoft' } INSERT { ?e rdfs:label '[/] [bold]Odd[/bold]' } WHERE { ?e rdfs:label 'Microsoft' }"
    labelled = runner.invoke(app, ["query", str(graph), relabel, "--update"])
    assert labelled.exit_code == 0, labelled.output
    table = runner.invoke(app, ["query", str(graph), "SELECT ?l WHERE { ?e rdfs:label ?l }"])
    assert table.exit_code == 0 and "[/] [bold]Odd[/bold]" in table.output
    stats = runner.invoke(app, ["stats", str(graph)])
    assert stats.exit_code == 0 and "[/] [bold]Odd[/bold]" in stats.output, stats.output


def test_ctrl_c_is_one_line_and_leaves_the_old_outputs(kg, tmp_path, monkeypatch):
    source = tmp_path / "a.txt"
    source.write_text("Microsoft acquired GitHub in 2018.")
    assert kg("build", source, "-o", tmp_path / "out").exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    source.write_text("Jensen Huang founded Nvidia.")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("kg.render.to_html", interrupted)
    result = kg("build", source, "-o", tmp_path / "out")
    assert result.exit_code == 130
    assert _errors(result.output) == ["error: interrupted; files being written were left as they were"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before


# -- queries -------------------------------------------------------------------------------------------------------

@pytest.fixture
def graph_file(example_ttl, tmp_path) -> Path:
    copy = tmp_path / "graph.ttl"
    copy.write_bytes(example_ttl.read_bytes())
    return copy


def test_malformed_query_names_line_and_column(graph_file):
    result = runner.invoke(app, ["query", str(graph_file), "SELECT ?x WHERE {\n  ?x ?p ?o .\n  FILTER(?x = )\n}"])
    assert result.exit_code == 2
    assert _errors(result.output) == ["error: SPARQL syntax error at line 3, column 3: Expected SelectQuery, found 'FILTER'"]
    update = runner.invoke(app, ["query", str(graph_file), "PREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p }", "--update"])
    assert update.exit_code == 2 and "SPARQL syntax error at line 2" in update.output


@pytest.mark.parametrize("sparql", ["SELECT * WHERE { ?s ?p ?o } LIMIT 3", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                    "ASK { ?s a kg:Person }", "INSERT DATA { <urn:a> rdfs:label 'A' }", "CLEAR ALL",
                                    "DELETE WHERE { ?s ?p ?o }", "SELECT nonsense"])
def test_query_never_writes_to_the_file(graph_file, sparql):
    before = (graph_file.read_bytes(), graph_file.stat().st_mtime_ns)
    result = runner.invoke(app, ["query", str(graph_file), sparql])
    assert (graph_file.read_bytes(), graph_file.stat().st_mtime_ns) == before
    assert os.listdir(graph_file.parent) == ["graph.ttl"]
    if sparql.startswith(("INSERT", "CLEAR", "DELETE")):
        assert result.exit_code == 2
        assert _errors(result.output) == ["error: this is a SPARQL Update, and kg query only reads; pass --update to apply it to the file"]


def test_update_applies_and_saves_atomically(graph_file):
    size = len(load_graph(graph_file))
    result = runner.invoke(app, ["query", str(graph_file), "INSERT DATA { <urn:x> rdfs:label 'Added \"x\"' }", "--update"])
    assert result.exit_code == 0, result.output
    assert f"updated {graph_file}: {size} triples before, {size + 1} after; saved" in result.output
    assert (URIRef("urn:x"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal('Added "x"')) in load_graph(graph_file)
    removed = runner.invoke(app, ["query", str(graph_file), "DELETE WHERE { ?s kg:confidence ?c }", "--update"])
    assert removed.exit_code == 0 and len(load_graph(graph_file)) < size
    assert os.listdir(graph_file.parent) == ["graph.ttl"]
    query = runner.invoke(app, ["query", str(graph_file), "ASK { <urn:x> ?p ?o }", "--update"])  # --update allows, not requires
    assert query.exit_code == 0 and "true" in query.output


def test_update_refuses_formats_it_cannot_write_back(example_build, tmp_path):
    trig = tmp_path / "graph.trig"
    trig.write_bytes(serialize(example_build.graph, format="trig"))
    before = trig.read_bytes()
    result = runner.invoke(app, ["query", str(trig), "CLEAR ALL", "--update"])
    assert result.exit_code == 2 and "kg updates only .ttl, .nt, .jsonld and .rdf files in place" in result.output
    assert trig.read_bytes() == before


# -- property-based: any text in, valid RDF out ---------------------------------------------------------------------

ANY_CHAR = st.characters(codec=None, exclude_categories=())  # every code point, lone surrogates included
WORD = st.from_regex(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]{2,8}", fullmatch=True)
ODD = st.text(alphabet=ANY_CHAR, min_size=1, max_size=6) | st.sampled_from(SCRIPT_NAMES + ['"""', "\\", "\u200f", "😀", "'s"])
NAME = st.lists(WORD | ODD, min_size=1, max_size=3).map(" ".join)
SENTENCE = st.builds("{} {} {}.".format, NAME, st.sampled_from(["acquired", "launched", "founded", "invested in", "leads", "met"]), NAME)
TEXT = st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join) | st.text(alphabet=ANY_CHAR, max_size=300)
BASE = "https://example.org/kg/"
NOT_XML = {c: "\ufffd" for c in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0xfffe, 0xffff, *range(0xd800, 0xe000)]}


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=3))
def test_any_text_builds_a_graph_that_round_trips(nlp, tmp_path_factory, texts):
    documents = [SourceDocument(f"doc {i} {text[:10]}", text, f"source {i}", {"title": text[:20]}) for i, text in enumerate(texts)]
    result = build_graph(documents, nlp=nlp, base_iri=BASE)
    _check_graph(result.graph, BASE)
    _check_evidence(result.graph, {d.id.translate(NOT_XML): d.text.translate(NOT_XML) for d in documents})
    out = tmp_path_factory.mktemp("build")
    write_outputs(result, out)
    assert isomorphic(load_graph(out / "graph.ttl"), load_graph(out / "graph.jsonld"))
    page = (out / "graph.html").read_text(encoding="utf-8")
    assert not any(name in page for name in SCRIPT_NAMES)
