"""kg push and kg query --endpoint against a real Oxigraph server, started on a free loopback port and stopped after."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rdflib.namespace import RDF
from typer.testing import CliRunner

from kg.cli import app
from kg.endpoint import push, query_endpoint
from kg.namespace import KG

runner = CliRunner()
OXIGRAPH = Path(sys.executable).parent / "oxigraph"
LAUNCHED = 'SELECT ?name WHERE { ?m rdfs:label "Meta" ; kg:launched ?x . ?x rdfs:label ?name }'
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
BY_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def oxigraph(tmp_path) -> str:
    """The base URL of a fresh, empty Oxigraph server (its /query, /update and /store services)."""
    if not OXIGRAPH.is_file():
        pytest.skip(f"no oxigraph server binary at {OXIGRAPH}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(tmp_path / "oxigraph"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=2) as response:
                    assert response.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"oxigraph serve did not start: {proc.stderr.read().decode() if proc.poll() is not None else 'timeout'}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def remote_rows(base: str, query: str) -> list[dict[str, str]]:
    result = runner.invoke(app, ["query", "--endpoint", f"{base}/query", query, "--format", "json"])
    assert result.exit_code == 0, result.output
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(result.output)["results"]["bindings"]]


def test_push_file_then_query_it_back(oxigraph, example_ttl, example_build):
    result = runner.invoke(app, ["push", str(example_ttl), "--endpoint", f"{oxigraph}/store", "--batch-size", "100"])
    assert result.exit_code == 0, result.output
    triples = len(example_build.graph)
    requests = -(-triples // 100)
    assert f"pushed {triples} triples into 1 graph(s)" in result.output and f"in {requests} request(s)" in result.output
    assert remote_rows(oxigraph, COUNT) == [{"n": str(triples)}]
    assert remote_rows(oxigraph, LAUNCHED) == [{"name": "Muse Spark"}]
    # the table and csv formats of kg query work on remote results too
    table = runner.invoke(app, ["query", "--endpoint", f"{oxigraph}/query", LAUNCHED])
    assert table.exit_code == 0 and "Muse Spark" in table.output
    csv_out = runner.invoke(app, ["query", "--endpoint", f"{oxigraph}/query", LAUNCHED, "--format", "csv"])
    assert csv_out.output.split() == ["name", "Muse", "Spark"]
    # a second push adds nothing: an RDF graph is a set of triples
    assert runner.invoke(app, ["push", str(example_ttl), "--endpoint", f"{oxigraph}/store"]).exit_code == 0
    assert remote_rows(oxigraph, COUNT) == [{"n": str(triples)}]


def test_push_store_keeps_named_graphs(oxigraph, example_store, example_build):
    report = push(example_store, endpoint=f"{oxigraph}/store", batch_size=50)
    document = str(next(example_build.graph.subjects(RDF.type, KG.Document)))
    assert report.triples == len(example_build.graph) and report.requests >= report.triples // 50
    assert None in report.graphs and len(report.graphs) == 2
    counts = {row.get("g"): int(row["n"]) for row in remote_rows(oxigraph, BY_GRAPH)}
    assert counts == report.graphs
    assert document in counts  # the document's statements are in the graph named by its IRI
    # the entity layer and the relations (default graph) join the statements with their provenance (document graph)
    union = ('SELECT ?name WHERE { ?m rdfs:label "Meta" ; kg:launched ?x . ?x rdfs:label ?name '
             'GRAPH ?d { ?s rdf:subject ?m ; rdf:predicate kg:launched ; rdf:object ?x } }')
    assert remote_rows(oxigraph, union) == [{"name": "Muse Spark"}]


def test_push_into_one_graph_and_by_sparql_update(oxigraph, example_store, example_ttl, example_build):
    result = runner.invoke(app, ["push", str(example_store), "--endpoint", f"{oxigraph}/store", "--graph", "https://example.org/news"])
    assert result.exit_code == 0, result.output
    assert {row.get("g"): int(row["n"]) for row in remote_rows(oxigraph, BY_GRAPH)} == {"https://example.org/news": len(example_build.graph)}
    report = push(example_ttl, endpoint=f"{oxigraph}/update", method="update", graph="https://example.org/update", batch_size=200)
    assert report.requests == -(-len(example_build.graph) // 200)
    counts = {row.get("g"): int(row["n"]) for row in remote_rows(oxigraph, BY_GRAPH)}
    assert counts == {"https://example.org/news": len(example_build.graph), "https://example.org/update": len(example_build.graph)}


def test_blank_nodes_keep_their_identity_across_batches(oxigraph, tmp_path):
    data = tmp_path / "blank.ttl"
    data.write_text('@prefix ex: <https://example.org/> .\n'
                    + "".join(f'ex:e{i} ex:p ex:o{i} .\n' for i in range(10))
                    + '_:b ex:name "first" ; ex:knows _:c .\n_:c ex:name "second" .\n')
    report = push(data, endpoint=f"{oxigraph}/store", batch_size=2)
    assert report.triples == 13
    rows = remote_rows(oxigraph, 'SELECT ?n WHERE { ?b <https://example.org/name> "first" ; <https://example.org/knows> ?c . ?c <https://example.org/name> ?n }')
    assert rows == [{"n": "second"}]


def test_remote_construct_ask_and_errors(oxigraph, example_ttl):
    push(example_ttl, endpoint=f"{oxigraph}/store")
    construct = runner.invoke(app, ["query", "--endpoint", f"{oxigraph}/query", "CONSTRUCT WHERE { ?s kg:launched ?o }"])
    assert construct.exit_code == 0 and "kg:launched" in construct.output
    ask = runner.invoke(app, ["query", "--endpoint", f"{oxigraph}/query", "ASK { ?s kg:launched ?o }", "--format", "csv"])
    assert ask.output.strip() == "true"
    result = query_endpoint("SELECT ?x WHERE { ?x a kg:Person . ?x rdfs:label ?l } LIMIT 1", endpoint=f"{oxigraph}/query")
    assert len(list(result)) == 1
    bad = runner.invoke(app, ["query", "--endpoint", f"{oxigraph}/query", "SELEC ?x WHERE { ?x ?p ?o }"])
    assert bad.exit_code == 2 and "HTTP 400" in bad.output and "Traceback" not in bad.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["push", "{ttl}", "--endpoint", "http://127.0.0.1:{closed}/store"], 1, "cannot reach http://127.0.0.1:{closed}/store"),
        (["query", "--endpoint", "http://127.0.0.1:{closed}/query", "ASK {}"], 1, "Connection refused"),
        (["push", "{ttl}", "--endpoint", "{server}/no/such/service"], 1, "HTTP 404"),
        (["push", "{ttl}", "--endpoint", "ftp://example.org/"], 2, "must be an http(s) URL"),
        (["push", "{ttl}", "--endpoint", "{server}/store", "--graph", "not an iri"], 2, "--graph must be an absolute IRI"),
        (["push", "{ttl}", "--endpoint", "{server}/store", "--method", "put"], 2, "unknown push method"),
        (["push", "no/such.ttl", "--endpoint", "{server}/store"], 2, "no such graph file or store"),
        (["query", "--endpoint", "{server}/query", "{ttl}", "ASK {}"], 2, "give the QUERY only"),
        (["query", "ASK {}"], 2, "give a graph file and a QUERY"),
    ],
)
def test_errors_are_one_line(oxigraph, example_ttl, args, code, message):
    closed = str(free_port())
    fill = {"{ttl}": str(example_ttl), "{closed}": closed, "{server}": oxigraph}
    for key, value in fill.items():
        args = [a.replace(key, value) for a in args]
        message = message.replace(key, value)
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
