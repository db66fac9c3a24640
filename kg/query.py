"""SPARQL over a graph, with kg's prefixes predeclared, result formatting, and the named-query library.

Named queries are the ``ontology/queries/*.rq`` files: a comment header describes each
query and its parameters (``@param`` lines), and parameters are bound as RDF literals (``initBindings``),
never pasted into the query text.

>>> from kg.rdf import new_graph
>>> from rdflib import Literal, URIRef
>>> g = new_graph(); _ = g.add((URIRef("urn:x"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Meta")))
>>> [str(r.l) for r in run_query(g, "SELECT ?l WHERE { ?x rdfs:label ?l }")]
['Meta']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pyparsing import ParseException
from rdflib import Graph, Literal
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result
from rich.table import Table

from kg.errors import QueryError, UsageError
from kg.namespace import PREFIXES
from kg.ontology import ONTOLOGY_DIR

__all__ = [
    "RESULT_FORMATS", "read_query", "run_query", "format_result", "result_table",
    "QueryParameter", "NamedQuery", "named_queries", "named_query", "run_named_query",
]

RESULT_FORMATS = ("table", "json", "csv")


def read_query(text_or_path: str) -> str:
    """The query text: ``text_or_path`` itself, or the content of the ``.rq`` file it names."""
    if text_or_path.endswith((".rq", ".sparql")):
        path = Path(text_or_path)
        if not path.is_file():
            raise UsageError(f"{text_or_path}: no such query file")
        return path.read_text(encoding="utf-8")
    return text_or_path


def run_query(graph: Graph, query: str, *, bindings: Mapping[str, Literal] | None = None) -> Result:
    """Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query; updates are refused.

    ``bindings`` maps variable names to RDF terms the query starts with (``initBindings``).
    """
    try:
        prepared = prepareQuery(query, initNs=PREFIXES)
    except ParseException as exc:
        raise QueryError(f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}") from exc
    except Exception as exc:
        raise QueryError(f"invalid SPARQL query: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    try:
        return graph.query(prepared, initBindings=dict(bindings or {}))
    except Exception as exc:
        raise QueryError(f"query failed: {exc}") from exc


def format_result(result: Result, *, format: str) -> str:
    """Serialise a result: ``json`` (SPARQL 1.1 Results JSON), ``csv`` (SPARQL 1.1 CSV) or Turtle for graphs."""
    if format not in ("json", "csv"):
        raise UsageError(f"unknown result format {format!r}; choose one of {', '.join(RESULT_FORMATS)}")
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return result.serialize(format="turtle").decode("utf-8")
    if result.type == "ASK" and format == "csv":
        return f"{'true' if result.askAnswer else 'false'}\r\n"
    return result.serialize(format=format).decode("utf-8")


def result_table(result: Result) -> Table:
    """A rich table of a SELECT result (one column per variable)."""
    table = Table(show_lines=False)
    if result.type == "ASK":
        table.add_column("ask")
        table.add_row(str(bool(result.askAnswer)).lower())
        return table
    variables = [str(v) for v in result.vars or []]
    for name in variables:
        table.add_column(name, overflow="fold")
    for row in result:
        table.add_row(*("" if value is None else str(value) for value in row))
    return table


#: Folder of the named queries, ``ontology/queries``.
NAMED_QUERY_DIR = ONTOLOGY_DIR / "queries"
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


def _parse_named_query(path: Path) -> NamedQuery:
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
    return NamedQuery(path.stem, " ".join(description), tuple(parameters), text)


def named_queries(folder: str | Path | None = None) -> dict[str, NamedQuery]:
    """Every named query in ``folder`` (default ``ontology/queries``), by name.

    >>> queries = named_queries()
    >>> [p.name for p in queries["competitors"].parameters]
    ['entity']
    """
    root = Path(folder) if folder is not None else NAMED_QUERY_DIR
    return {path.stem: _parse_named_query(path) for path in sorted(root.glob("*.rq"))}


def named_query(name: str) -> NamedQuery:
    """The named query called ``name``; an unknown name is a usage error that lists the known ones."""
    queries = named_queries()
    if name not in queries:
        raise UsageError(f"no named query {name!r}; choose one of {', '.join(queries)} (kg query --list)")
    return queries[name]


def run_named_query(graph: Graph, name: str, parameters: Mapping[str, str] | None = None) -> Result:
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
    return run_query(graph, query.text, bindings=query.bindings(dict(parameters or {})))
