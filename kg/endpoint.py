"""Talk to any SPARQL 1.1 triplestore over HTTP: push a graph into it, query it.

:func:`push` sends a graph file or a kg store to a store's Graph Store HTTP
Protocol endpoint (``POST`` of N-Triples, one graph per request, in batches) or,
with ``method="update"``, to its SPARQL Update endpoint (``INSERT DATA``).
:func:`query_endpoint` runs a query through the SPARQL 1.1 Protocol and returns
an rdflib :class:`~rdflib.query.Result`, so :mod:`kg.query`'s formatting applies
unchanged. Only the standard library's ``urllib`` is used on the wire.

Graphs are read with pyoxigraph's streaming parser (and a store directory is
opened with ``pyoxigraph.Store.read_only``) rather than loaded into an rdflib
graph: a push of a large archive then needs memory for one batch, not for the
whole graph, and named graphs in TriG, N-Quads or a store keep their names.

>>> report = push("out/graph.ttl", endpoint="http://127.0.0.1:7878/store")  # doctest: +SKIP
>>> report.triples  # doctest: +SKIP
381
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib.query import Result

from kg.corpus import open_database
from kg.errors import InputError, KGError, QueryError, UsageError, first_line
from kg.namespace import PREFIXES
from kg.rdf import new_graph
from kg.store import context_reference, format_for_path

__all__ = ["PUSH_METHODS", "PushReport", "push", "query_endpoint"]

#: ``gsp``: Graph Store HTTP Protocol (POST N-Triples to ``URL?graph=IRI``); ``update``: SPARQL Update ``INSERT DATA``.
PUSH_METHODS = ("gsp", "update")

#: rdflib parser names (from :func:`kg.store.format_for_path`) to pyoxigraph's formats.
_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nt11": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML, "n3": ox.RdfFormat.N3,
}

#: Response media types of a remote query: SPARQL results (rdflib result parser) or an RDF graph (rdflib graph parser).
_RESULT_PARSERS = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
_GRAPH_PARSERS = {
    "text/turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt",
    "application/rdf+xml": "xml", "application/ld+json": "json-ld",
}
_QUERY_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9, text/turtle;q=0.8, application/n-triples;q=0.7"


@dataclass
class PushReport:
    """What :func:`push` sent: triples and requests in all, and triples per target graph (``None``: the default graph)."""

    endpoint: str
    method: str
    triples: int = 0
    requests: int = 0
    graphs: dict[str | None, int] = field(default_factory=dict)


def _check_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--endpoint must be an http(s) URL, got {url!r}")
    return url


def _send(request: urllib.request.Request, *, timeout: float) -> tuple[str, bytes]:
    """Send ``request``; its response's media type and body, or a one-line :class:`KGError`."""
    url = request.full_url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        detail = next((line.strip() for line in exc.read(4000).decode("utf-8", "replace").splitlines() if line.strip()), "")
        message = f"{url.split('?')[0]} answered HTTP {exc.code} {exc.reason}" + (f": {detail[:300]}" if detail else "")
        raise (QueryError(message) if exc.code == 400 else KGError(message)) from exc
    except urllib.error.URLError as exc:
        raise KGError(f"cannot reach {url.split('?')[0]}: {exc.reason}") from exc
    except (TimeoutError, socket.timeout) as exc:
        raise KGError(f"{url.split('?')[0]}: no answer within {timeout:g} s") from exc
    except (ConnectionError, http.client.HTTPException) as exc:  # e.g. the server closed the connection mid-answer
        raise KGError(f"{url.split('?')[0]}: connection failed ({type(exc).__name__}: {exc})") from exc


def _read_quads(source: Path) -> Iterator[ox.Quad]:
    """Every quad of a graph file (any format kg reads) or of a kg store directory, streamed."""
    if source.is_dir():
        yield from open_database(source, read_only=True)
        return
    if not source.is_file():
        raise InputError(f"{source}: no such graph file or store")
    fmt = _OX_FORMATS.get(format_for_path(source))
    if fmt is None:
        raise UsageError(f"{source}: kg push reads Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML and N3")
    try:
        yield from ox.parse(path=source, format=fmt)
    except SyntaxError as exc:
        raise InputError(f"{source}: not a valid {fmt.name} graph ({first_line(exc)})") from exc


def _has_blank_node(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _gsp_request(endpoint: str, graph: str | None, triples: list[ox.Triple]) -> urllib.request.Request:
    target = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
    url = f"{endpoint}{'&' if '?' in endpoint else '?'}{target}"
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/n-triples"})


def _update_request(endpoint: str, graph: str | None, triples: list[ox.Triple]) -> urllib.request.Request:
    # N-Triples lines are valid SPARQL triples, so the batch is inserted as serialised
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if graph is None:
        body = b"INSERT DATA {\n" + data + b"}\n"
    else:
        body = f"INSERT DATA {{ GRAPH {ox.NamedNode(graph)} {{\n".encode("utf-8") + data + b"} }\n"
    return urllib.request.Request(endpoint, data=body, method="POST", headers={"Content-Type": "application/sparql-update"})


def _batches(quads: Iterable[ox.Quad], *, graph: str | None, batch_size: int) -> Iterator[tuple[str | None, list[ox.Triple]]]:
    """(target graph, triples) batches; at most ``batch_size`` triples are held at a time.

    Triples with a blank node come last, one batch per graph, because a blank
    node's label only means the same node within one request.
    """
    pending: dict[str | None, list[ox.Triple]] = defaultdict(list)
    with_blank_nodes: dict[str | None, list[ox.Triple]] = defaultdict(list)
    held = 0
    for quad in quads:
        if graph is not None:
            target = graph
        elif isinstance(quad.graph_name, ox.NamedNode):
            target = quad.graph_name.value
        elif isinstance(quad.graph_name, ox.DefaultGraph):
            target = None
        else:
            raise InputError(f"graph named by a blank node ({quad.graph_name}) cannot be pushed by name; use --graph IRI")
        if _has_blank_node(quad.triple):
            with_blank_nodes[target].append(quad.triple)
            continue
        pending[target].append(quad.triple)
        held += 1
        if held >= batch_size:
            for name in sorted(pending, key=lambda g: -len(pending[g])):
                yield name, pending[name]
            pending.clear()
            held = 0
    for name, triples in pending.items():
        yield name, triples
    for name, triples in with_blank_nodes.items():
        yield name, triples


def push(source: str | os.PathLike[str], *, endpoint: str, graph: str | None = None, batch_size: int = 10_000,
         method: str = "gsp", timeout: float = 120.0) -> PushReport:
    """Send every triple of ``source`` (a graph file or a kg store directory) to a SPARQL 1.1 triplestore.

    ``endpoint`` is the store's Graph Store Protocol URL (``method="gsp"``, for
    Oxigraph ``http://HOST:7878/store``, for Fuseki ``http://HOST:3030/DATASET/data``)
    or its SPARQL Update URL (``method="update"``: ``/update``). Triples are
    added to what the target already holds. Each named graph of ``source`` goes
    to the graph of the same name and the default graph to the default graph,
    unless ``graph`` names one graph that receives everything.

    >>> push("out/graph.ttl", endpoint="http://127.0.0.1:7878/store", graph="https://example.org/news")  # doctest: +SKIP
    PushReport(endpoint='http://127.0.0.1:7878/store', method='gsp', triples=381, requests=1, ...)
    """
    _check_url(endpoint)
    if method not in PUSH_METHODS:
        raise UsageError(f"unknown push method {method!r}; choose one of {', '.join(PUSH_METHODS)}")
    if batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {batch_size}")
    if graph is not None:
        try:
            ox.NamedNode(graph)
        except ValueError as exc:
            raise UsageError(f"--graph must be an absolute IRI, got {graph!r} ({exc})") from None
    make_request = _gsp_request if method == "gsp" else _update_request
    report = PushReport(endpoint=endpoint, method=method)
    for target, triples in _batches(_read_quads(Path(source)), graph=graph, batch_size=batch_size):
        _send(make_request(endpoint, target, triples), timeout=timeout)
        report.requests += 1
        report.triples += len(triples)
        report.graphs[target] = report.graphs.get(target, 0) + len(triples)
    return report


def _with_prefixes(query: str) -> str:
    """``query`` with a PREFIX declaration, on its first line, for each of kg's prefixes it uses without declaring.

    >>> _with_prefixes("SELECT ?x WHERE { ?x a kg:Person }")
    'PREFIX kg: <https://w3id.org/kg/ontology#> SELECT ?x WHERE { ?x a kg:Person }'
    """
    missing = [f"PREFIX {name}: <{namespace}>" for name, namespace in PREFIXES.items()
               if re.search(rf"(?<![\w<#/.-]){re.escape(name)}:", query)
               and not re.search(rf"\bPREFIX\s+{re.escape(name)}\s*:", query, flags=re.IGNORECASE)]
    return " ".join([*missing, query])


def _parse_answer(media_type: str, body: bytes, *, endpoint: str) -> Result:
    if media_type in _RESULT_PARSERS:
        return Result.parse(io.BytesIO(body), format=_RESULT_PARSERS[media_type])
    if media_type in _GRAPH_PARSERS:
        if media_type == "application/ld+json" and (reference := context_reference(json.loads(body))) is not None:
            raise KGError(f"{endpoint} answered JSON-LD whose @context {reference!r} kg would have to fetch; kg reads no remote contexts")
        result = Result("CONSTRUCT")
        result.graph = new_graph().parse(data=body, format=_GRAPH_PARSERS[media_type])
        return result
    raise KGError(f"{endpoint} answered with {media_type}, which is neither SPARQL results nor an RDF graph")


def query_endpoint(query: str, *, endpoint: str, timeout: float = 300.0) -> Result:
    """Run a SPARQL query on a remote endpoint (SPARQL 1.1 Protocol, form-encoded POST).

    kg's prefixes (``kg:``, ``rdfs:``, ``prov:`` …) are predeclared as in
    :func:`kg.query.run_query`. A query the server rejects as malformed (HTTP
    400) raises :class:`~kg.errors.QueryError` with the server's message.

    >>> result = query_endpoint("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", endpoint="http://127.0.0.1:7878/query")  # doctest: +SKIP
    >>> int(next(iter(result)).n)  # doctest: +SKIP
    381
    """
    _check_url(endpoint)
    sent = _with_prefixes(query)
    body = urllib.parse.urlencode({"query": sent}).encode("utf-8")
    request = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": _QUERY_ACCEPT})
    try:
        media_type, answer = _send(request, timeout=timeout)
    except QueryError as exc:
        if len(sent) == len(query):
            raise
        added = len(sent) - len(query)
        raise QueryError(f"{exc} (kg put {added} characters of PREFIX declarations before line 1 of the query)") from exc
    try:
        return _parse_answer(media_type, answer, endpoint=endpoint)
    except KGError:
        raise
    except Exception as exc:  # rdflib's parsers raise many kinds
        raise KGError(f"{endpoint}: cannot read its {media_type} answer ({type(exc).__name__}: {exc})") from exc
