"""No query makes kg call out: SERVICE, LOAD and FROM <url> open no connection unless allowed (issue 18).

Each test points the query at a local listening socket and then checks, without
blocking, that nobody connected to it; the allowed cases show the same socket does see
the connection, so the check can fail.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from typer.testing import CliRunner

from kg.build import build_graph
from kg.cli import app
from kg.corpus import load_source
from kg.errors import InputError, KGError, ServiceRefusedError
from kg.offline import LOAD_REFUSED, SERVICE_REFUSED, refuse_network
from kg.query import run_named_query, run_query, run_update, update_file
from kg.store import context_reference, load_graph, save_graph

runner = CliRunner()


class Listener:
    """A socket listening on a free loopback port, never answering."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.setblocking(False)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/sparql"

    def connected(self, wait: float = 0.3) -> bool:
        """Whether a connection arrived (waiting up to ``wait`` seconds for one); it is closed at once."""
        deadline = time.monotonic() + wait
        while True:
            try:
                connection, _ = self.socket.accept()
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)
                continue
            connection.close()
            return True


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.socket.close()


def http(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def service_query(url: str) -> str:
    return f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * { service silent <http://x/> {} }",
    "SELECT * { ?s ?p ?o .SERVICE<http://x/>{} }",
    "SELECT * { ?s ?p 1SERVICE <http://x/> {} }",
    "SELECT * { \\u0053ERVICE <http://x/> {} }",  # SPARQL expands \\u escapes before parsing
    "SELECT * { FILTER(?a<1)SERVICE?x#>\n{} }",  # '<' here is less-than, not the start of an IRI
    "SELECT * { ?s ?p 'a' SERVICE <http://x/> {} }",
    'SELECT * { ?s ?p """x""" . SERVICE ?e {} VALUES ?e { <http://x/> } }',
])
def test_service_is_refused_however_it_is_written(query):
    with pytest.raises(ServiceRefusedError, match="federated queries are disabled; start with --allow-service to enable"):
        refuse_network(query)


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service a schema:Service ; rdfs:label 'SERVICE' }  # SERVICE <http://x/> {}",
    "SELECT * WHERE { <http://x/service> <http://x/a#service> \"\"\"a\nSERVICE <http://x/> {}\"\"\"@service }",
    "SELECT * WHERE { ?s ?p 'it''s \\' SERVICE <http://x/> {}' }",
])
def test_the_word_service_in_names_strings_and_comments_is_fine(query):
    refuse_network(query)


def test_load_is_refused_in_updates():
    with pytest.raises(ServiceRefusedError, match="LOAD fetches a graph from the network"):
        refuse_network("LOAD <http://x/g.ttl> INTO GRAPH <urn:g>", update=True)
    refuse_network("INSERT DATA { <urn:a> <urn:load> 'LOAD <http://x/>' }", update=True)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { <http://api.service.com/x> ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o != <http://x.org/service>) }",
    "PREFIX service: <http://api.service.com/> SELECT * WHERE { ?s service:name ?o }",
])
def test_the_word_service_in_an_iri_or_prefix_is_fine(query):
    refuse_network(query)
    with pytest.raises(ServiceRefusedError, match="federated queries are disabled"):  # the same query calling out
        refuse_network(query.replace("WHERE {", "WHERE { SERVICE <http://api.service.com/sparql> { ?a ?b ?c }"))


def test_the_word_load_in_an_iri_of_an_update_is_fine():
    refuse_network("DELETE WHERE { <http://load.example.org/a> ?p ?o }", update=True)
    refuse_network("INSERT DATA { <http://x/a> <http://x/p> <http://download.example.org/b> }", update=True)
    with pytest.raises(ServiceRefusedError, match="LOAD fetches a graph"):
        refuse_network("DELETE WHERE { <http://load.example.org/a> ?p ?o } ; LOAD <http://load.example.org/g.ttl>", update=True)


def test_a_query_that_does_not_parse_stays_refused():
    """Only a parsed query can show that a 'service' the scan found is no SERVICE clause."""
    with pytest.raises(ServiceRefusedError):
        refuse_network("SELECT * WHERE { <http://api.service.com/x> ?p ?o")


def test_an_iri_naming_a_service_queries_a_store_and_kg_serve(example_store, running):
    query = "SELECT (COUNT(*) AS ?n) WHERE { <http://api.service.com/x> ?p ?o }"
    assert [int(row[0]) for row in run_query(load_source(example_store), query)] == [0]
    with running(example_store, workers=1) as server:
        status, body = http(f"{server.url}?{urllib.parse.urlencode({'query': query})}", headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"


def test_run_query_on_a_file_graph_and_a_store_connects_nowhere(example_build, example_store, listener):
    for graph in (example_build.graph, load_source(example_store)):
        with pytest.raises(ServiceRefusedError):
            run_query(graph, service_query(listener.url))
        assert not listener.connected()


def test_from_a_url_is_not_downloaded(example_build, listener):
    rows = list(run_query(example_build.graph, f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }} LIMIT 1"))
    assert len(rows) <= 1 and not listener.connected()


def test_allow_service_does_connect(example_build, listener):
    """The control: allowed, the same query reaches the listener (so the tests above can fail)."""
    def query() -> None:
        try:
            list(run_query(example_build.graph, service_query(listener.url), allow_service=True))
        except Exception:  # the listener closes the connection without an answer
            pass

    thread = threading.Thread(target=query, daemon=True)
    thread.start()
    assert listener.connected(wait=20)
    thread.join(20)


def test_named_queries_are_checked_too(example_build, listener, tmp_path, monkeypatch):
    (tmp_path / "remote.rq").write_text(f"# A query that calls out.\n{service_query(listener.url)}\n", encoding="utf-8")
    monkeypatch.setattr("kg.query.NAMED_QUERY_DIR", tmp_path)
    with pytest.raises(ServiceRefusedError):
        run_named_query(example_build.graph, "remote")
    assert not listener.connected()


def test_updates_refuse_load_and_service(example_build, example_ttl, tmp_path, listener):
    graph_file = shutil.copy(example_ttl, tmp_path / "graph.ttl")
    before = graph_file.read_bytes()
    for update in (f"LOAD <{listener.url}>", f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"):
        with pytest.raises(ServiceRefusedError):
            run_update(example_build.graph, update)
        with pytest.raises(ServiceRefusedError):
            update_file(graph_file, update)
    assert graph_file.read_bytes() == before and not listener.connected()


def test_kg_query_refuses_with_one_line_and_exit_2(example_ttl, example_store, tmp_path, listener):
    query = service_query(listener.url)
    (tmp_path / "remote.rq").write_text(query, encoding="utf-8")
    for args in (["query", str(example_ttl), query], ["query", "--store", str(example_store), query],
                 ["query", str(example_ttl), str(tmp_path / "remote.rq")],
                 ["query", str(save_graph(load_source(example_ttl), tmp_path / "g.ttl")), f"LOAD <{listener.url}>", "--update"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert result.output.strip() in (f"error: {SERVICE_REFUSED}", f"error: {LOAD_REFUSED}"), result.output
    assert not listener.connected()


def test_kg_serve_answers_400_and_connects_nowhere(example_store, tmp_path, listener, running):
    query = urllib.parse.urlencode({"query": service_query(listener.url)})
    store = shutil.copytree(example_store, tmp_path / "store")
    with running(store, workers=1, allow_updates=True) as server:
        status, body = http(f"{server.url}?{query}")
        assert status == 400 and body.decode() == SERVICE_REFUSED + "\n"
        status, body = http(server.url, data=f"LOAD <{listener.url}>".encode(), headers={"Content-Type": "application/sparql-update"})
        assert status == 400 and body.decode() == LOAD_REFUSED + "\n"
        assert not listener.connected()
    with running(store, workers=1, timeout=20, allow_service=True) as server:  # the control
        thread = threading.Thread(target=http, args=(f"{server.url}?{query}",), daemon=True)
        thread.start()
        assert listener.connected(wait=20)
        thread.join(20)


@pytest.mark.parametrize("context", ['"{url}"', '["{url}", {{"ex": "http://example.org/"}}]', '{{"@import": "{url}"}}'])
def test_json_ld_with_a_remote_context_is_refused(tmp_path, listener, context):
    document = tmp_path / "remote.jsonld"
    document.write_text('{"@context": %s, "@id": "http://example.org/a", "name": "A"}' % context.format(url=listener.url))
    with pytest.raises(InputError, match="kg reads no remote contexts"):
        load_graph(document)
    result = runner.invoke(app, ["query", str(document), "SELECT * WHERE { ?s ?p ?o }"])
    assert result.exit_code == 2 and result.output.startswith("error: ") and len(result.output.splitlines()) == 1
    assert not listener.connected()


def test_json_ld_export_names_no_remote_context(example_build, tmp_path):
    exported = save_graph(example_build.graph, tmp_path / "graph.jsonld", format="json-ld")
    assert context_reference(json.loads(exported.read_bytes())) is None
    assert len(load_graph(exported)) == len(example_build.graph)


def test_html_inputs_external_references_are_never_fetched(nlp, tmp_path, listener):
    url = listener.url
    page = tmp_path / "page.html"
    page.write_text(f"""<!doctype html><html><head><base href="{url}/"><link rel="stylesheet" href="{url}/s.css">
        <script src="{url}/x.js"></script><meta http-equiv="refresh" content="0; url={url}/r">
        <!DOCTYPE x SYSTEM "{url}/dtd"></head><body><img src="{url}/i.png"><iframe src="{url}/f"></iframe>
        <object data="{url}/o"></object><p>Meta launched Muse Spark in London.</p></body></html>""", encoding="utf-8")
    result = build_graph([str(page)], nlp=nlp)
    assert len(result.graph) > 0 and not listener.connected()


def test_a_json_ld_answer_of_a_remote_endpoint_is_not_resolved(listener):
    from kg.endpoint import _parse_answer

    body = json.dumps({"@context": listener.url, "@id": "http://example.org/a", "name": "A"}).encode()
    with pytest.raises(KGError, match="kg reads no remote contexts"):
        _parse_answer("application/ld+json", body, endpoint="http://127.0.0.1:1/sparql")
    assert not listener.connected()


def test_kg_serve_cors_takes_origins_only(example_store):
    result = runner.invoke(app, ["serve", "--store", str(example_store), "--port", "0", "--cors", "localhost:8000"])
    assert result.exit_code == 2 and result.output.strip().startswith("error: --cors takes an origin"), result.output
