"""A SPARQL 1.1 Protocol endpoint over a kg store: ``kg serve``.

Queries arrive as ``GET /sparql?query=…``, ``POST`` with ``application/sparql-query``
or ``POST`` of a form (``query=…``); the answer's format follows the Accept
header (SPARQL results in JSON, XML, CSV or TSV; graphs in Turtle, N-Triples,
RDF/XML, JSON-LD …), serialised by pyoxigraph itself. kg's prefixes (``kg:``,
``rdfs:`` …) are predeclared, and the default graph is the union of all graphs
(the entity layer and every document's graph) unless the request names
``default-graph-uri``.

Safe defaults: bound to 127.0.0.1; read-only (SPARQL Update answers 403 unless
``allow_updates``); a request larger than ``max_request_bytes`` answers 413; a
malformed query answers 400 with the parser's message and position; a
federated query (``SERVICE``) or a ``LOAD`` answers 400 before it reaches a
worker unless ``allow_service`` (see :mod:`kg.offline`), so the endpoint never
opens a connection a request asks for; CORS is off: a web page may read the
answers only when its origin is in ``cors_origins`` (``"*"``: any page).

**Timeouts stop the query.** pyoxigraph has no way to cancel a running query
from Python, and one call can spend all its time inside Rust (a ``COUNT`` or
``ORDER BY`` over a huge join), so checking a deadline between solutions would
not stop it. Every query therefore runs in one of ``workers`` worker processes
(each with the store open read-only); the request thread waits for the answer
until the deadline, then kills the worker (SIGKILL: the query, its CPU time and
its memory are gone), starts a fresh one, and answers **503** with a message.
A request that finds every worker busy until its deadline also gets 503.
With ``allow_updates`` a single worker opens the store read-write (RocksDB has
one writer, and a read-only opener beside a writer is undefined behaviour), so
queries and updates run one at a time; an update killed at its deadline is
rolled back, since pyoxigraph commits an update in one transaction.

**Why the standard library's ThreadingHTTPServer:** the HTTP side only parses
small requests and copies bytes while the work happens in the worker processes,
so an asynchronous framework or a WSGI server would add a dependency and buy
nothing; a thread per connection, capped at ``max_connections`` (more get an
immediate 503), with a socket timeout so a silent client cannot hold a thread.

The store is read as it is when a worker opens it: restart the server to see
a later ``kg build --store``, and don't build into a store while it is served
read-only (pyoxigraph calls that undefined behaviour).

>>> server = make_server("store", port=0)  # doctest: +SKIP
>>> threading.Thread(target=server.serve_forever).start(); print(server.url)  # doctest: +SKIP
http://127.0.0.1:40123/sparql
"""

from __future__ import annotations

import ipaddress
import logging
import multiprocessing
import queue
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kg.errors import InputError, KGError, ServiceRefusedError, UsageError, first_line
from kg.offline import refuse_network

__all__ = ["Answer", "Job", "WorkerPool", "SparqlServer", "negotiate", "make_server", "serve"]

log = logging.getLogger("kg.serve")

#: Paths the endpoint answers on.
ENDPOINT_PATHS = ("/sparql", "/")
#: Media types for SELECT and ASK results, the default first.
SOLUTION_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values", "application/json", "application/xml", "text/xml")
#: Media types for CONSTRUCT and DESCRIBE results, the default first.
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
               "application/n-quads", "application/trig")
_TEXT = "text/plain; charset=utf-8"
#: A request body over the limit is read and dropped up to this size (so the client reads the 413), else the connection is cut.
_DRAIN_LIMIT = 16 * 1024 * 1024
_ORIGIN = re.compile(r"https?://[^/\s?#]+")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, media type and body."""

    status: int
    content_type: str
    body: bytes

    @classmethod
    def text(cls, status: int, message: str) -> Answer:
        """A plain-text answer of one line (a multi-line parser message is joined)."""
        return cls(status, _TEXT, (" ".join(line.strip() for line in message.splitlines()) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class Job:
    """What a worker runs: a query (with the media types to answer in) or, with ``update``, a SPARQL Update."""

    text: str
    update: bool = False
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    solutions_type: str | None = SOLUTION_TYPES[0]
    graph_type: str | None = GRAPH_TYPES[0]


def negotiate(accept: str | None) -> tuple[str | None, str | None]:
    """The media types to answer SELECT/ASK and CONSTRUCT/DESCRIBE queries in, from an Accept header (``None``: not acceptable).

    >>> negotiate(None)
    ('application/sparql-results+json', 'text/turtle')
    >>> negotiate("text/csv")
    ('text/csv', None)
    >>> negotiate("application/n-triples, application/sparql-results+xml;q=0.5, text/*;q=0.1")
    ('application/sparql-results+xml', 'application/n-triples')
    >>> negotiate("text/html,application/xhtml+xml,*/*;q=0.8")
    ('application/sparql-results+json', 'text/turtle')
    """
    if not accept or not accept.strip():
        return SOLUTION_TYPES[0], GRAPH_TYPES[0]
    ranges: list[tuple[float, str]] = []
    for item in accept.split(","):
        media_type, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type and quality > 0:
            ranges.append((quality, media_type.lower()))
    ranges.sort(key=lambda r: -r[0])  # stable: equal qualities keep the client's order

    def pick(supported: tuple[str, ...]) -> str | None:
        for _, media_type in ranges:
            main, _, sub = media_type.partition("/")
            for candidate in supported:
                if media_type == candidate or (sub == "*" and (main == "*" or candidate.startswith(main + "/"))):
                    return candidate
        return None

    return pick(SOLUTION_TYPES), pick(GRAPH_TYPES)


def _execute(store: ox.Store, job: Job, prefixes: dict[str, str]) -> Answer:
    """Run one job on the store; every failure becomes an :class:`Answer` with the right status."""
    kind = "update" if job.update else "query"
    try:
        if job.update:
            store.update(job.text, prefixes=prefixes)
            return Answer(204, _TEXT, b"")
        options: dict[str, object] = {"prefixes": prefixes}
        if job.default_graphs:
            options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
        else:
            options["use_default_graph_as_union"] = True
        if job.named_graphs:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
        result = store.query(job.text, **options)
        if isinstance(result, ox.QueryTriples):
            if job.graph_type is None:
                return Answer.text(406, f"a graph result cannot be sent as any type in Accept; use one of {', '.join(GRAPH_TYPES)}")
            graph_format = ox.RdfFormat.from_media_type(job.graph_type)
            return Answer(200, _with_charset(graph_format.media_type), result.serialize(format=graph_format))
        if job.solutions_type is None:
            return Answer.text(406, f"query results cannot be sent as any type in Accept; use one of {', '.join(SOLUTION_TYPES)}")
        results_format = ox.QueryResultsFormat.from_media_type(job.solutions_type)
        return Answer(200, _with_charset(results_format.media_type), result.serialize(format=results_format))
    except SyntaxError as exc:
        return Answer.text(400, f"malformed SPARQL {kind}: {exc}")
    except ValueError as exc:  # an invalid graph IRI
        return Answer.text(400, f"bad {kind} parameter: {exc}")
    except Exception as exc:  # the store failed: report it, keep the worker
        return Answer.text(500, f"the {kind} failed: {type(exc).__name__}: {exc}")


def _with_charset(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") and "charset" not in media_type else media_type


def _worker_main(connection: Connection, store_path: str, read_write: bool, prefixes: dict[str, str]) -> None:
    """A worker process: open the store, then run jobs from ``connection`` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it stops the workers
    try:
        store = ox.Store(store_path) if read_write else ox.Store.read_only(store_path)
    except OSError as exc:
        connection.send(f"{store_path}: cannot open the store ({first_line(exc)})")
        return
    connection.send(None)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(_execute(store, job, prefixes))


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    connection: Connection


class WorkerPool:
    """``size`` worker processes with the store open; each runs one job at a time and is killed if it overruns.

    Processes come from the ``forkserver`` start method: quick to replace, and
    never forked from this (threaded) process.
    """

    def __init__(self, store_path: str | Path, *, size: int, read_write: bool, prefixes: dict[str, str]) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._arguments = (str(store_path), read_write, prefixes)
        self.size = size
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        try:
            for _ in range(size):
                self._idle.put(self._start())
        except BaseException:
            self.close()
            raise

    @property
    def pids(self) -> set[int]:
        """Process ids of the live workers."""
        with self._lock:
            return {w.process.pid for w in self._workers if w.process.pid is not None}

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child, *self._arguments), name="kg-serve-worker", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        try:
            ready = parent.recv() if parent.poll(60) else "the worker process did not start within 60 s"
        except EOFError:
            process.join(5)
            ready = f"the worker process exited at start (exit code {process.exitcode})"
        if ready is not None:
            self._stop(worker)
            raise InputError(ready)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _stop(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.process.close()
        worker.connection.close()
        with self._lock:
            self._workers.discard(worker)

    def _replace(self, worker: _Worker) -> None:
        self._stop(worker)
        if self._closed:
            return
        try:
            self._idle.put(self._start())
        except KGError as exc:
            log.error("cannot restart a worker: %s", exc)

    def run(self, job: Job, *, timeout: float) -> Answer:
        """Run ``job`` on an idle worker; 503 if none is free or the job is not done within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        if not self._workers:
            return Answer.text(500, "no worker process is running (see the server log)")
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            return Answer.text(503, f"all {self.size} query workers stayed busy for {timeout:g} s; try again later")
        healthy = False
        try:
            worker.connection.send(job)
            if worker.connection.poll(max(0.0, deadline - time.monotonic())):
                answer = worker.connection.recv()
                healthy = True
                return answer
            kind = "update" if job.update else "query"
            return Answer.text(503, f"the {kind} ran longer than the {timeout:g} s timeout and was stopped")
        except (EOFError, OSError) as exc:
            return Answer.text(500, f"the worker process failed ({type(exc).__name__}) and was restarted")
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                self._replace(worker)

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            self._stop(worker)


class SparqlRequestHandler(BaseHTTPRequestHandler):
    """One HTTP request: the SPARQL 1.1 Protocol's query and update operations, and CORS preflight."""

    server: SparqlServer
    server_version = "kg-serve"
    protocol_version = "HTTP/1.0"

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # a silent or slow client cannot hold the thread
        super().setup()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        log.info("%s %s", self.address_string(), format % args)

    def _reply(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self._cors()
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Vary", "Accept")
        self.end_headers()
        self.wfile.write(answer.body)

    def _cors(self) -> bool:
        """Send the CORS header if the request's Origin may read the answer; whether it was sent."""
        origins = self.server.cors_origins
        origin = self.headers.get("Origin")
        if "*" in origins:
            self.send_header("Access-Control-Allow-Origin", "*")
            return True
        if origin is not None and origin in origins:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
            return True
        return False

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(204)
        if not self._cors():  # no CORS: the browser does not send the request
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path not in ENDPOINT_PATHS:
            return self._reply(Answer.text(404, f"no service at {url.path}; the SPARQL endpoint is /sparql"))
        if len(url.query) > self.server.max_request_bytes:
            return self._reply(Answer.text(413, f"the request is larger than the {self.server.max_request_bytes} bytes allowed"))
        params = self._form(url.query)
        if params is not None:
            if "update" in params:
                return self._reply(self._refuse_update() or Answer.text(405, "send SPARQL Update with POST"))
            self._dispatch(params)

    def do_POST(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path not in ENDPOINT_PATHS:
            return self._reply(Answer.text(404, f"no service at {url.path}; the SPARQL endpoint is /sparql"))
        body = self._body()
        if body is None:
            return
        params = self._form(url.query)
        if params is None:
            return
        content_type = self.headers.get_content_type()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self._reply(Answer.text(400, "the request body is not UTF-8"))
        if content_type == "application/sparql-query":
            params["query"] = [text]
        elif content_type == "application/sparql-update":
            params["update"] = [text]
        elif content_type == "application/x-www-form-urlencoded":
            form = self._form(text)
            if form is None:
                return
            for name, values in form.items():
                params.setdefault(name, []).extend(values)
        else:
            return self._reply(Answer.text(415, f"unsupported Content-Type {content_type}; send application/sparql-query, "
                                                "application/sparql-update or a form"))
        self._dispatch(params)

    def _body(self) -> bytes | None:
        """The request body, or ``None`` after answering 411/413/400."""
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self._reply(Answer.text(411, "a POST needs a Content-Length"))
            return None
        try:
            length = int(length_header)
        except ValueError:
            self._reply(Answer.text(400, f"bad Content-Length {length_header!r}"))
            return None
        limit = self.server.max_request_bytes
        if length > limit:
            if length <= _DRAIN_LIMIT:  # read and drop it, so the client is still listening for the answer
                remaining = length
                while remaining > 0 and (chunk := self.rfile.read(min(remaining, 65536))):
                    remaining -= len(chunk)
            self._reply(Answer.text(413, f"the request is larger than the {limit} bytes allowed"))
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self._reply(Answer.text(400, "the request body ended early"))
            return None
        return body

    def _form(self, text: str) -> dict[str, list[str]] | None:
        """Parsed form or query-string parameters, or ``None`` after answering 400."""
        try:
            return urllib.parse.parse_qs(text, keep_blank_values=True, max_num_fields=1000, encoding="utf-8", errors="strict")
        except (ValueError, UnicodeDecodeError) as exc:
            self._reply(Answer.text(400, f"bad parameters: {exc}"))
            return None

    def _refuse_update(self) -> Answer | None:
        if self.server.allow_updates:
            return None
        return Answer.text(403, "this endpoint is read-only: SPARQL Update is refused (start kg serve with --allow-updates)")

    def _refuse_network(self, texts: list[str], *, update: bool) -> Answer | None:
        if self.server.allow_service:
            return None
        try:
            for text in texts:
                refuse_network(text, update=update)
        except ServiceRefusedError as exc:
            return Answer.text(400, str(exc))
        return None

    def _dispatch(self, params: dict[str, list[str]]) -> None:
        queries, updates = params.get("query", []), params.get("update", [])
        if queries and updates:
            return self._reply(Answer.text(400, "send either a query or an update, not both"))
        refusal = self._refuse_network(updates, update=True) or self._refuse_network(queries, update=False)
        if refusal is not None:
            return self._reply(refusal)
        if updates:
            refusal = self._refuse_update()
            if refusal is not None:
                return self._reply(refusal)
            if len(updates) > 1 or "using-graph-uri" in params or "using-named-graph-uri" in params:
                return self._reply(Answer.text(400, "send one update; using-graph-uri and using-named-graph-uri are not supported"))
            return self._reply(self.server.pool.run(Job(updates[0], update=True), timeout=self.server.query_timeout))
        if len(queries) != 1:
            return self._reply(Answer.text(400, "send one query: GET /sparql?query=..., or POST application/sparql-query or a form"))
        solutions_type, graph_type = negotiate(self.headers.get("Accept"))
        if solutions_type is None and graph_type is None:
            return self._reply(Answer.text(406, f"no supported type in Accept; use one of {', '.join(SOLUTION_TYPES + GRAPH_TYPES)}"))
        job = Job(queries[0], default_graphs=tuple(params.get("default-graph-uri", [])), named_graphs=tuple(params.get("named-graph-uri", [])),
                  solutions_type=solutions_type, graph_type=graph_type)
        self._reply(self.server.pool.run(job, timeout=self.server.query_timeout))


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server: a thread per connection (at most ``max_connections``), queries run by a :class:`WorkerPool`."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], pool: WorkerPool, *, query_timeout: float, max_request_bytes: int,
                 allow_updates: bool, max_connections: int, allow_service: bool = False,
                 cors_origins: tuple[str, ...] = ()) -> None:
        self.pool = pool
        self.allow_service = allow_service
        self.cors_origins = cors_origins
        self.query_timeout = query_timeout
        self.read_timeout = max(10.0, query_timeout)
        self.max_request_bytes = max_request_bytes
        self.allow_updates = allow_updates
        self._slots = threading.BoundedSemaphore(max_connections)
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, SparqlRequestHandler)

    @property
    def url(self) -> str:
        """The endpoint's URL."""
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/sparql"

    @property
    def is_loopback(self) -> bool:
        """Whether only this machine can connect."""
        return ipaddress.ip_address(self.server_address[0]).is_loopback

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        if not self._slots.acquire(blocking=False):
            message = b"too many requests at once; try again later\n"
            try:
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Content-Length: %d\r\n\r\n%s" % (len(message), message))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        log.warning("request from %s failed: %s", client_address[0], sys.exc_info()[1])

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()


def make_server(store_path: str | Path, *, host: str = "127.0.0.1", port: int = 7879, timeout: float = 30.0,
                max_request_bytes: int = 1 << 20, allow_updates: bool = False, workers: int = 2,
                max_connections: int = 64, allow_service: bool = False, cors_origins: tuple[str, ...] = ()) -> SparqlServer:
    """A SPARQL endpoint over the store at ``store_path``, bound and ready: call ``serve_forever()`` on it.

    ``allow_service`` lets queries use ``SERVICE`` and updates ``LOAD`` (the server then
    connects where they say); ``cors_origins`` are the web origins whose pages may read
    the answers (``("*",)``: every page).

    ``port=0`` picks a free port (see ``server.url``). ``server_close()``
    stops the workers. See the module docstring for what each option guards.

    >>> server = make_server("store", port=0, timeout=5)  # doctest: +SKIP
    """
    path = Path(store_path)
    if not path.is_dir():
        raise InputError(f"{store_path}: no such store folder")
    if timeout <= 0 or max_request_bytes <= 0 or workers < 1 or max_connections < 1:
        raise UsageError("--timeout, --max-request-bytes and --workers must be positive")
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {port}")
    for origin in cors_origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise UsageError(f"--cors takes an origin such as http://localhost:8000 (scheme, host, port) or *, got {origin!r}")
    from kg.namespace import PREFIXES  # here, not at the top: worker processes import this module and need no rdflib

    prefixes = {name: str(namespace) for name, namespace in PREFIXES.items()}
    pool = WorkerPool(path, size=1 if allow_updates else workers, read_write=allow_updates, prefixes=prefixes)
    try:
        return SparqlServer((host, port), pool, query_timeout=timeout, max_request_bytes=max_request_bytes,
                            allow_updates=allow_updates, max_connections=max_connections, allow_service=allow_service,
                            cors_origins=tuple(cors_origins))
    except OSError as exc:
        pool.close()
        raise KGError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def serve(store_path: str | Path, *, host: str = "127.0.0.1", port: int = 7879, timeout: float = 30.0,
          max_request_bytes: int = 1 << 20, allow_updates: bool = False, workers: int = 2,
          allow_service: bool = False, cors_origins: tuple[str, ...] = (),
          on_ready: Callable[[SparqlServer], None] | None = None) -> None:
    """Serve the store until Ctrl-C or SIGTERM (options as in :func:`make_server`); ``on_ready`` is called once listening.

    Call it under ``if __name__ == "__main__":`` in a script: the worker
    processes import the main module, as with any ``multiprocessing`` code.

    >>> serve("store", port=7879, on_ready=lambda server: print(server.url))  # doctest: +SKIP
    http://127.0.0.1:7879/sparql
    """
    server = make_server(store_path, host=host, port=port, timeout=timeout, max_request_bytes=max_request_bytes,
                         allow_updates=allow_updates, workers=workers, allow_service=allow_service, cors_origins=cors_origins)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop as cleanly as on Ctrl-C
    try:
        if on_ready is not None:
            on_ready(server)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
