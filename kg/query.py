"""SPARQL over a graph, with kg's prefixes predeclared, result formatting, and the named-query library.

Named queries are the ``kg/data/queries/*.rq`` files (``ontology/queries`` in the checkout): a comment header describes each
query and its parameters (``@param`` lines), and parameters are bound as RDF literals (``initBindings``),
never pasted into the query text.

>>> from kg.rdf import new_graph
>>> from rdflib import Literal, URIRef
>>> g = new_graph(); _ = g.add((URIRef("urn:x"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Meta")))
>>> [str(r.l) for r in run_query(g, "SELECT ?l WHERE { ?x rdfs:label ?l }")]
['Meta']
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Mapping

import rdflib.plugins.sparql
from pyparsing import ParseException
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery, prepareUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.query import Result
from rdflib.store import Store
from rich.table import Table
from rich.text import Text

from kg.errors import QueryError, UsageError, first_line
from kg.namespace import PREFIXES
from kg.offline import refuse_network
from kg.ontology import ONTOLOGY_DIR
from kg.store import format_for_path, load_graph, save_graph

__all__ = [
    "RESULT_FORMATS", "UpdateResult", "read_query", "sparql_kind", "with_values", "run_query", "run_update", "update_file",
    "format_result", "short_iri", "result_table", "QueryParameter", "NamedQuery", "named_queries", "named_query", "run_named_query",
]

RESULT_FORMATS = ("table", "json", "csv")
#: Graph file formats ``kg query --update`` writes back in place (a TriG or N-Quads file would lose its named graphs).
UPDATABLE_FORMATS = ("turtle", "nt", "json-ld", "xml")
_UPDATE_START = re.compile(r"(?:\s|#[^\n]*|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*"
                           r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
# what can hold a "WHERE {" that is not one: comments, strings and IRIs; the first match that is the keyword opens the outer group
_WHERE_GROUP = re.compile(r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                          r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|(?P<where>\bWHERE\s*\{)', re.IGNORECASE)
_POSITION = re.compile(r"\s*\(at char \d+\), \(line:\d+, col:\d+\)$")
# rdflib would download the graph a query's FROM or FROM NAMED names; kg reads only the graph it was given
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


@dataclass(frozen=True)
class UpdateResult:
    """The size of a graph before and after a SPARQL Update."""

    before: int
    after: int


def read_query(text_or_path: str) -> str:
    """The query text: ``text_or_path`` itself, or the content of the ``.rq`` file it names."""
    if text_or_path.endswith((".rq", ".sparql")):
        path = Path(text_or_path)
        if not path.is_file():
            raise UsageError(f"{text_or_path}: no such query file")
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{text_or_path}: a query file must be UTF-8 text") from exc
        except OSError as exc:
            raise UsageError(f"cannot read {text_or_path}: {exc.strerror or exc}") from exc
    return text_or_path


def _syntax_error(exc: ParseException) -> QueryError:
    detail = " ".join(_POSITION.sub("", str(exc)).split())
    return QueryError(f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {detail}")


def sparql_kind(text: str) -> str:
    """``"query"`` or ``"update"``; a :class:`~kg.errors.QueryError` with the line and column of the problem if neither.

    >>> sparql_kind("SELECT * WHERE { ?s ?p ?o }"), sparql_kind("PREFIX x: <urn:x#> INSERT DATA { x:a x:b x:c }")
    ('query', 'update')
    >>> sparql_kind("SELECT ?x WHERE { ?x ?p ?o . FILTER(?x = ) }")
    Traceback (most recent call last):
    kg.errors.QueryError: SPARQL syntax error at line 1, column 30: Expected SelectQuery, found 'FILTER'
    """
    kinds = [("update", parseUpdate), ("query", parseQuery)]
    if not _UPDATE_START.match(text):
        kinds.reverse()  # the error worth showing is the one of the kind the text starts like
    first_error = None
    for kind, parse in kinds:
        try:
            parse(text)
            return kind
        except ParseException as exc:
            first_error = first_error or exc
    raise _syntax_error(first_error)


def with_values(query: str, bindings: Mapping[str, Literal | URIRef]) -> str | None:
    r"""The query with ``bindings`` as an inline ``VALUES`` block opening its ``WHERE`` group; ``None`` if it has no ``WHERE`` keyword.

    Every pattern and filter of the query then sees the values, as with rdflib's ``initBindings``.

    >>> with_values('# where { x }\nSELECT ?e WHERE { ?e ?p "{" }', {"entity": Literal('Meta" }')})
    '# where { x }\nSELECT ?e WHERE { VALUES ?entity { "Meta\\" }" } ?e ?p "{" }'
    """
    if not bindings:
        return query
    found = next((m for m in _WHERE_GROUP.finditer(query) if m["where"]), None)
    if found is None:
        return None
    names, values = " ".join(f"?{name}" for name in bindings), " ".join(term.n3() for term in bindings.values())
    block = f" VALUES ?{next(iter(bindings))} {{ {values} }}" if len(bindings) == 1 else f" VALUES ({names}) {{ ({values}) }}"
    return f"{query[:found.end()]}{block}{query[found.end():]}"


def run_query(graph: Graph, query: str, *, bindings: Mapping[str, Literal] | None = None, allow_service: bool = False) -> Result:
    """Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query; updates are refused (see :func:`run_update`).

    ``bindings`` maps variable names to RDF terms the query starts with (``initBindings``).
    A federated query (``SERVICE``) raises :class:`~kg.errors.ServiceRefusedError` before
    anything runs, unless ``allow_service`` (see :mod:`kg.offline`).
    A store that runs SPARQL itself (a kg store: Oxigraph) gets the text alone, the bindings in it
    as ``VALUES`` (see :func:`with_values`), and rdflib's parser (tens of milliseconds a query) is
    used only to explain a query it rejects.
    """
    if not allow_service:
        refuse_network(query)
    native = with_values(query, bindings or {}) if type(graph.store).query is not Store.query else None
    if native is not None:
        # the store's own substitutions bind only projected variables, so bindings travel in the text as VALUES
        try:
            return graph.query(native, initNs=PREFIXES)
        except Exception as exc:
            _refuse_update(query)  # or the syntax error, with its line and column
            raise QueryError(f"query failed: {first_line(exc)}") from exc
    _refuse_update(query)
    try:
        prepared = prepareQuery(query, initNs=PREFIXES)
    except ParseException as exc:
        raise _syntax_error(exc) from exc
    except Exception as exc:
        raise QueryError(f"invalid SPARQL query: {first_line(exc)}") from exc
    try:
        return graph.query(prepared, initBindings=dict(bindings or {}))
    except Exception as exc:
        raise QueryError(f"query failed: {first_line(exc)}") from exc


def _refuse_update(text: str) -> None:
    if sparql_kind(text) == "update":
        raise QueryError("this is a SPARQL Update, and kg query only reads; pass --update to apply it to the file")


def run_update(graph: Graph, update: str, *, allow_service: bool = False) -> UpdateResult:
    """Apply a SPARQL Update (INSERT, DELETE, CLEAR ...) to ``graph`` in memory.

    ``SERVICE`` and ``LOAD`` (which fetch from the network) are refused unless ``allow_service``.

    >>> from kg.rdf import new_graph
    >>> g = new_graph()
    >>> run_update(g, "INSERT DATA { <urn:a> rdfs:label 'A' }")
    UpdateResult(before=0, after=1)
    """
    if sparql_kind(update) != "update":
        raise QueryError("this is a SPARQL query, not an update")
    if not allow_service:
        refuse_network(update, update=True)
    before = len(graph)
    try:
        graph.update(prepareUpdate(update, initNs=PREFIXES))
    except ParseException as exc:
        raise _syntax_error(exc) from exc
    except Exception as exc:
        raise QueryError(f"update failed: {first_line(exc)}") from exc
    return UpdateResult(before=before, after=len(graph))


def update_file(path: str | os.PathLike[str], update: str, *, allow_service: bool = False) -> UpdateResult:
    """Apply a SPARQL Update to a graph file and save it in place, in its own format.

    The file is written atomically: if parsing, the update or writing fails,
    the old file stays as it was. rdflib writes it afresh, so comments and
    layout of a hand-written file are not kept.

    >>> update_file("out/graph.ttl", "DELETE { ?st ?p ?o } WHERE { ?st kg:confidence ?c ; ?p ?o . FILTER(?c < 0.7) }")  # doctest: +SKIP
    UpdateResult(before=381, after=317)
    """
    fmt = format_for_path(path)
    if fmt not in UPDATABLE_FORMATS:
        raise UsageError(f"{path}: kg updates only .ttl, .nt, .jsonld and .rdf files in place; export it to one of those first")
    graph = load_graph(path)
    result = run_update(graph, update, allow_service=allow_service)
    save_graph(graph, path, format=fmt)
    return result


def format_result(result: Result, *, format: str) -> str:
    """Serialise a result: ``json`` (SPARQL 1.1 Results JSON), ``csv`` (SPARQL 1.1 CSV) or Turtle for graphs."""
    if format not in ("json", "csv"):
        raise UsageError(f"unknown result format {format!r}; choose one of {', '.join(RESULT_FORMATS)}")
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return result.serialize(format="turtle").decode("utf-8")
    if result.type == "ASK" and format == "csv":
        return f"{'true' if result.askAnswer else 'false'}\r\n"
    return result.serialize(format=format).decode("utf-8")


_LOCAL_NAME = re.compile(r"[A-Za-z_](?:[\w.\-]*[\w\-])?")


def short_iri(iri: str) -> str:
    """``iri`` as a prefixed name with kg's predeclared prefixes, or unchanged when none fits.

    >>> short_iri("https://w3id.org/kg/ontology#competesWith"), short_iri("http://www.w3.org/2000/01/rdf-schema#label")
    ('kg:competesWith', 'rdfs:label')
    >>> short_iri("https://example.org/entity/meta")
    'https://example.org/entity/meta'
    """
    matches = [(prefix, str(namespace)) for prefix, namespace in PREFIXES.items() if iri.startswith(str(namespace))]
    for prefix, namespace in sorted(matches, key=lambda match: -len(match[1])):
        if _LOCAL_NAME.fullmatch(iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def result_table(result: Result, *, full_iris: bool = False, graph: Graph | None = None) -> Table:
    """A rich table of a SELECT result (one column per variable).

    IRIs are shown as prefixed names (``kg:competesWith``), and an IRI with an ``rdfs:label`` in ``graph``
    (an entity) as its label; ``full_iris`` shows every IRI in full.
    """
    table = Table(show_lines=False)
    if result.type == "ASK":
        table.add_column("ask")
        table.add_row(str(bool(result.askAnswer)).lower())
        return table
    variables = [str(v) for v in result.vars or []]
    for name in variables:
        table.add_column(name, overflow="fold")
    labels: dict[URIRef, str] = {}

    def cell(value: object) -> str:
        if value is None:
            return ""
        if full_iris or not isinstance(value, URIRef):
            return str(value)
        if value not in labels:
            label = graph.value(value, RDFS.label) if graph is not None else None
            labels[value] = str(label) if label is not None else short_iri(str(value))
        return labels[value]

    for row in result:
        table.add_row(*(Text(cell(value)) for value in row))  # values are data, not markup
    return table


#: Folder of the named queries, ``kg/data/queries`` in the installed package.
NAMED_QUERY_DIR: Traversable = ONTOLOGY_DIR / "queries"
_PARAM = re.compile(r"^@param\s+(?P<name>[A-Za-z_]\w*)\s*(?P<optional>\(optional\))?\s*:\s*(?P<text>.*)$")


@dataclass(frozen=True)
class QueryParameter:
    """A parameter of a named query: the SPARQL variable it binds, what it means, whether it may be left out."""

    name: str
    description: str
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    """A query of the library: its name (the file stem), description, parameters and SPARQL text."""

    name: str
    description: str
    parameters: tuple[QueryParameter, ...]
    text: str

    def bindings(self, values: Mapping[str, str]) -> dict[str, Literal]:
        """The ``initBindings`` for parameter values given as strings; unknown or missing ones are errors.

        >>> query = NamedQuery("q", "", (QueryParameter("entity", ""), QueryParameter("cls", "", optional=True)), "")
        >>> query.bindings({"entity": 'Meta" } #'})
        {'entity': rdflib.term.Literal('Meta" } #')}
        >>> query.bindings({})
        Traceback (most recent call last):
        ...
        kg.errors.UsageError: named query 'q' needs --param entity=VALUE
        """
        known = {p.name for p in self.parameters}
        unknown = sorted(set(values) - known)
        if unknown:
            accepted = ", ".join(sorted(known)) or "none"
            raise UsageError(f"named query {self.name!r} has no parameter {unknown[0]!r} (parameters: {accepted})")
        missing = [p.name for p in self.parameters if not p.optional and p.name not in values]
        if missing:
            raise UsageError(f"named query {self.name!r} needs {' '.join(f'--param {m}=VALUE' for m in missing)}")
        return {name: Literal(value) for name, value in values.items()}


def _parse_named_query(path: Path | Traversable) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    description: list[str] = []
    parameters: list[QueryParameter] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comment = line[1:].strip()
        match = _PARAM.match(comment)
        if match:
            parameters.append(QueryParameter(match["name"], match["text"].strip(), bool(match["optional"])))
        elif comment and not parameters:
            description.append(comment)
    return NamedQuery(path.name.removesuffix(".rq"), " ".join(description), tuple(parameters), text)


def named_queries(folder: str | Path | None = None) -> dict[str, NamedQuery]:
    """Every named query in ``folder`` (default: the library shipped in the package), by name.

    >>> queries = named_queries()
    >>> [p.name for p in queries["competitors"].parameters]
    ['entity']
    """
    root = Path(folder) if folder is not None else NAMED_QUERY_DIR
    paths = sorted((path for path in root.iterdir() if path.name.endswith(".rq")), key=lambda path: path.name)
    return {query.name: query for query in map(_parse_named_query, paths)}


def named_query(name: str) -> NamedQuery:
    """The named query called ``name``; an unknown name is a usage error that lists the known ones."""
    queries = named_queries()
    if name not in queries:
        raise UsageError(f"no named query {name!r}; choose one of {', '.join(queries)} (kg query --list)")
    return queries[name]


def run_named_query(graph: Graph, name: str, parameters: Mapping[str, str] | None = None, *,
                    allow_service: bool = False) -> Result:
    """Run a named query with its parameters bound as literals.

    >>> from kg.rdf import new_graph
    >>> from rdflib import URIRef
    >>> from kg.namespace import KG
    >>> g = new_graph()
    >>> for s, o in (("meta", "Meta"), ("openai", "OpenAI")):
    ...     _ = g.add((URIRef(f"urn:{s}"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(o)))
    >>> _ = g.add((URIRef("urn:meta"), KG.competesWith, URIRef("urn:openai")))
    >>> [str(row.competitor) for row in run_named_query(g, "competitors", {"entity": "openai"})]
    ['Meta']
    """
    query = named_query(name)
    return run_query(graph, query.text, bindings=query.bindings(dict(parameters or {})), allow_service=allow_service)
