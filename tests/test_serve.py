"""kg serve: the SPARQL 1.1 Protocol endpoint, run in a thread on a free loopback port over a small store."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from rdflib import Graph
from rdflib.namespace import RDF
from typer.testing import CliRunner

from kg.cli import app
from kg.endpoint import push
from kg.errors import InputError, UsageError
from kg.namespace import KG
from kg.serve import SparqlServer, make_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
LAUNCHED = 'SELECT ?name WHERE { ?m rdfs:label "Meta" ; kg:launched ?x . ?x rdfs:label ?name }'
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~5e7 rows on the example: many seconds


@pytest.fixture(scope="module")
def endpoint(example_store, running) -> Iterator[SparqlServer]:
    with running(example_store, timeout=30, max_request_bytes=4096, workers=2) as server:
        yield server


def http(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def get(server: SparqlServer, query: str, **params: str) -> tuple[int, dict[str, str], bytes]:
    accept = params.pop("accept", None)
    return http(f"{server.url}?{urllib.parse.urlencode({'query': query, **params})}", headers={"Accept": accept} if accept else {})


def count_of(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_query_by_get_post_and_form(endpoint, example_build):
    triples = len(example_build.graph)
    status, headers, body = get(endpoint, COUNT)
    assert status == 200 and headers["Content-Type"] == "application/sparql-results+json"
    assert count_of(body) == triples
    status, _, body = http(endpoint.url, data=COUNT.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 200 and count_of(body) == triples
    form = urllib.parse.urlencode({"query": COUNT}).encode()
    status, _, body = http(endpoint.url, data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and count_of(body) == triples
    # the default graph is the union: labels (entity layer) join the relations (the document's graph)
    status, _, body = get(endpoint, LAUNCHED)
    assert [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["Muse Spark"]
    # default-graph-uri narrows the default graph to the document's graph, where labels are not
    document = str(next(example_build.graph.subjects(RDF.type, KG.Document)))
    status, _, body = get(endpoint, COUNT, **{"default-graph-uri": document})
    assert status == 200 and 0 < count_of(body) < triples
    assert json.loads(get(endpoint, LAUNCHED, **{"default-graph-uri": document})[2])["results"]["bindings"] == []


def test_answer_format_follows_accept(endpoint, example_build):
    status, headers, body = get(endpoint, LAUNCHED, accept="text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(body.decode()))) == [["name"], ["Muse Spark"]]
    status, headers, body = get(endpoint, LAUNCHED, accept="application/sparql-results+xml")
    assert status == 200 and "Muse Spark" in "".join(ET.fromstring(body).itertext())
    status, headers, body = get(endpoint, "CONSTRUCT WHERE { ?s kg:launched ?o }", accept="application/n-triples, */*;q=0.1")
    assert status == 200 and headers["Content-Type"] == "application/n-triples"
    graph = Graph().parse(data=body, format="nt")
    assert set(graph) == set(example_build.graph.triples((None, KG.launched, None)))
    status, headers, _ = get(endpoint, "CONSTRUCT WHERE { ?s kg:launched ?o }")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert get(endpoint, "ASK { ?s kg:launched ?o }")[2] == b'{"head":{},"boolean":true}'
    status, _, body = get(endpoint, LAUNCHED, accept="image/png")
    assert status == 406 and b"application/sparql-results+json" in body
    assert get(endpoint, "CONSTRUCT WHERE { ?s ?p ?o }", accept="text/csv")[0] == 406


def test_updates_are_refused_with_403(endpoint, example_build):
    insert = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    attempts = [
        http(endpoint.url, data=insert.encode(), headers={"Content-Type": "application/sparql-update"}),
        http(endpoint.url, data=urllib.parse.urlencode({"update": insert}).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}),
        http(f"{endpoint.url}?{urllib.parse.urlencode({'update': insert})}"),
    ]
    for status, headers, body in attempts:
        assert status == 403 and b"read-only" in body
    # an update sent as a query is not run either: the query parser rejects it
    assert get(endpoint, insert)[0] == 400
    assert count_of(get(endpoint, COUNT)[2]) == len(example_build.graph)


def test_updates_run_with_allow_updates(example_store, example_build, example_ttl, tmp_path, running):
    store = shutil.copytree(example_store, tmp_path / "store")
    with running(store, allow_updates=True) as server:
        assert server.pool.size == 1
        status, _, _ = http(server.url, data=b"INSERT DATA { <urn:x:a> kg:relatedTo <urn:x:c> }", headers={"Content-Type": "application/sparql-update"})
        assert status == 204
        assert count_of(get(server, COUNT)[2]) == len(example_build.graph) + 1
        status, _, body = http(server.url, data=b"INSERT DATA { oops", headers={"Content-Type": "application/sparql-update"})
        assert status == 400 and body.startswith(b"malformed SPARQL update")
        # kg push speaks SPARQL Update to it: the example graph again, into a graph of its own
        report = push(example_ttl, endpoint=server.url, method="update", graph="https://example.org/copy", batch_size=100)
        assert report.requests == -(-len(example_build.graph) // 100)
        copy = get(server, COUNT, **{"default-graph-uri": "https://example.org/copy"})
        assert count_of(copy[2]) == len(example_build.graph)


def test_oversized_requests_get_413(endpoint):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000
    status, _, body = http(endpoint.url, data=big.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"4096 bytes" in body
    assert get(endpoint, big)[0] == 413
    assert get(endpoint, big[:3000])[0] == 200  # under the limit, the same query runs


@pytest.mark.parametrize(
    ("query", "params", "message"),
    [
        ("SELEC ?x WHERE { ?x ?p ?o }", {}, b"malformed SPARQL query: error at 1:"),
        ("SELECT ?x WHERE { ?x ?p ?o", {}, b"malformed SPARQL query"),
        ("SELECT ?x WHERE { ?x nope:p ?o }", {}, b"Prefix not found"),
        (COUNT, {"default-graph-uri": "not an iri"}, b"bad query parameter"),
    ],
)
def test_malformed_queries_get_400_with_the_parser_message(endpoint, query, params, message):
    status, headers, body = get(endpoint, query, **params)
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert message in body and len(body.decode().strip().splitlines()) == 1


def test_bad_requests(endpoint):
    assert http(endpoint.url, data=b"x", headers={"Content-Type": "application/json"})[0] == 415
    assert http(endpoint.url.replace("/sparql", "/admin"))[0] == 404
    assert http(endpoint.url)[0] == 400  # no query at all
    both = urllib.parse.urlencode({"query": COUNT, "update": "CLEAR ALL"}).encode()
    assert http(endpoint.url, data=both, headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 400
    assert http(endpoint.url, data=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"})[0] == 400


def test_cors_is_off_by_default(endpoint):
    status, headers, _ = get(endpoint, COUNT)
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    status, headers, body = http(endpoint.url, method="OPTIONS", headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and body == b""
    assert not any(name.startswith("Access-Control-") for name in headers)


PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}


def test_cors_for_the_origins_given(example_store, running):
    with running(example_store, workers=1, cors_origins=("http://localhost:8000",)) as server:
        status, headers, _ = http(f"{server.url}?{urllib.parse.urlencode({'query': COUNT})}", headers={"Origin": "http://localhost:8000"})
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
        status, headers, _ = http(server.url, method="OPTIONS", headers={"Origin": "http://localhost:8000", **PREFLIGHT})
        assert status == 204 and headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
        assert "POST" in headers["Access-Control-Allow-Methods"] and "Content-Type" in headers["Access-Control-Allow-Headers"]
        _, headers, _ = http(f"{server.url}?{urllib.parse.urlencode({'query': COUNT})}", headers={"Origin": "http://evil.example"})
        assert "Access-Control-Allow-Origin" not in headers
    with running(example_store, workers=1, cors_origins=("*",)) as server:
        assert get(server, COUNT)[1]["Access-Control-Allow-Origin"] == "*"
        assert get(server, "SELEC")[1]["Access-Control-Allow-Origin"] == "*"
    with pytest.raises(UsageError, match="--cors takes an origin"):
        make_server(example_store, port=0, cors_origins=("localhost",))


def test_slow_query_is_stopped_and_the_server_keeps_answering(example_store, example_build, running):
    with running(example_store, timeout=1, workers=1) as server:
        (worker,) = server.pool.pids
        status, _, body = get(server, SLOW)
        assert status == 503 and b"longer than the 1 s timeout and was stopped" in body
        assert not Path(f"/proc/{worker}").exists()  # the process running the query is gone, not left computing
        assert len(server.pool.pids) == 1 and server.pool.pids != {worker}
        status, _, body = get(server, COUNT)
        assert status == 200 and count_of(body) == len(example_build.graph)


def test_connections_over_the_cap_get_503(example_store, running):
    with running(example_store, max_connections=1) as server:
        host, port = server.server_address[:2]
        with socket.create_connection((host, port)) as idle:  # holds the only slot: it sends nothing
            time.sleep(0.2)
            status, headers, body = get(server, COUNT)
            assert status == 503 and b"too many requests" in body
            idle.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\n\r\n")
            assert b"".join(iter(lambda: idle.recv(65536), b"")).startswith(b"HTTP/1.0 200")
        deadline = time.monotonic() + 10
        while (status := get(server, COUNT)[0]) == 503 and time.monotonic() < deadline:
            time.sleep(0.05)  # the slot is free once the handler thread has closed the connection
        assert status == 200


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count file descriptors")
def test_a_thousand_concurrent_requests_without_failure_or_leak(endpoint, example_build):
    triples = len(example_build.graph)
    workers_before = endpoint.pool.pids
    for _ in range(20):  # warm up: the forkserver, urllib's lazy imports
        get(endpoint, COUNT)
    threads, fds = threading.active_count(), open_fds()

    def one(i: int) -> int:
        if i % 2:
            status, _, body = get(endpoint, COUNT)
        else:
            status, _, body = http(endpoint.url, data=COUNT.encode(), headers={"Content-Type": "application/sparql-query"})
        return count_of(body) if status == 200 else -status

    with ThreadPoolExecutor(max_workers=20) as clients:
        answers = list(clients.map(one, range(1000)))
    assert answers == [triples] * 1000
    assert endpoint.pool.pids == workers_before  # no worker died or was replaced
    deadline = time.monotonic() + 10
    while (threading.active_count() > threads + 2 or open_fds() > fds + 5) and time.monotonic() < deadline:
        time.sleep(0.05)  # handler threads finish closing their sockets
    assert threading.active_count() <= threads + 2
    assert open_fds() <= fds + 5


def test_make_server_errors(tmp_path):
    with pytest.raises(InputError, match="no such store folder"):
        make_server(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="cannot open the store"):
        make_server(tmp_path / "empty", port=0)
    result = CliRunner().invoke(app, ["serve", "--store", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no such store folder" in result.output and "Traceback" not in result.output


def test_kg_serve_command_stops_cleanly_on_ctrl_c(example_store):
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(example_store), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = proc.stdout.readline()
        assert "read-only" in line, proc.stderr.read() if proc.poll() is not None else line
        url = line.split()[2]
        status, _, body = http(f"{url}?{urllib.parse.urlencode({'query': LAUNCHED})}")
        assert status == 200 and b"Muse Spark" in body
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and "stopped" in out
    assert "Traceback" not in err and '"GET /sparql?query=' in err  # one log line per request on stderr
