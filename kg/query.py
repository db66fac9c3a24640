"""SPARQL over a graph, with kg's prefixes predeclared, and result formatting.

>>> from kg.rdf import new_graph
>>> from rdflib import Literal, URIRef
>>> g = new_graph(); _ = g.add((URIRef("urn:x"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Meta")))
>>> [str(r.l) for r in run_query(g, "SELECT ?l WHERE { ?x rdfs:label ?l }")]
['Meta']
"""

from __future__ import annotations

from pathlib import Path

from pyparsing import ParseException
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result
from rich.table import Table

from kg.errors import QueryError, UsageError
from kg.namespace import PREFIXES

__all__ = ["RESULT_FORMATS", "read_query", "run_query", "format_result", "result_table"]

RESULT_FORMATS = ("table", "json", "csv")


def read_query(text_or_path: str) -> str:
    """The query text: ``text_or_path`` itself, or the content of the ``.rq`` file it names."""
    if text_or_path.endswith((".rq", ".sparql")):
        path = Path(text_or_path)
        if not path.is_file():
            raise UsageError(f"{text_or_path}: no such query file")
        return path.read_text(encoding="utf-8")
    return text_or_path


def run_query(graph: Graph, query: str) -> Result:
    """Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query; updates are refused."""
    try:
        prepared = prepareQuery(query, initNs=PREFIXES)
    except ParseException as exc:
        raise QueryError(f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}") from exc
    except Exception as exc:
        raise QueryError(f"invalid SPARQL query: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    try:
        return graph.query(prepared)
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
