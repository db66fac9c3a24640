"""Keep SPARQL from reaching the network: ``SERVICE`` (federated query) and ``LOAD <url>`` are refused unless allowed.

Both rdflib and Oxigraph would open a connection to any address a query names,
so a query from a web page or a shared ``.rq`` file could make kg reach hosts
inside the user's network. The check has two steps. A lexical scan errs on the
side of refusing: after ``\\u`` escapes are expanded (as SPARQL does before
parsing) and string literals and comments are set aside, the words ``SERVICE``
and ``LOAD`` may not stand as keywords anywhere, IRIs included (a ``<`` may be
less-than rather than the start of an IRI). A query that passes opens no
connection and is not parsed. A query the scan flags is parsed with SPARQL's
grammar (rdflib's parser), and refused only if it has a real ``SERVICE`` pattern
(or, in an update, a ``LOAD``): ``<http://api.service.com/x>`` or a prefix
``service:`` is fine. A query that does not parse, or is too long to parse
quickly, stays refused. rdflib's parser is imported only for that second step.

>>> refuse_network("SELECT * WHERE { ?service schema:name 'SERVICE' } # SERVICE")
>>> refuse_network("SELECT * WHERE { <http://api.service.com/x> ?p ?o }")
>>> refuse_network("SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
kg.errors.ServiceRefusedError: federated queries are disabled; start with --allow-service to enable
"""

from __future__ import annotations

import re
import threading

from kg.errors import ServiceRefusedError

__all__ = ["SERVICE_REFUSED", "LOAD_REFUSED", "refuse_network"]

SERVICE_REFUSED = "federated queries are disabled; start with --allow-service to enable"
LOAD_REFUSED = "LOAD fetches a graph from the network and is disabled; start with --allow-service to enable"

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
#: What the scanner sets aside: long and short string literals (with their escapes), comments; IRIs are kept whole
#: (so a ``#`` or ``'`` in an IRI starts nothing) but still searched.
_SKIPPED = re.compile(r"""'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|$)"""
                      r"""|'(?:[^'\\\n\r]|\\.)*(?:'|$)|"(?:[^"\\\n\r]|\\.)*(?:"|$)|\#[^\n\r]*"""
                      r"""|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)""", re.DOTALL)
#: A keyword, unless it is part of a name, variable, language tag, prefixed name or IRI path.
_KEYWORDS = {word: re.compile(rf"(?<![^\W\d]|[?$@:/#\-]){word}", re.IGNORECASE) for word in ("SERVICE", "LOAD")}


def _code(text: str) -> str:
    """``text`` with its \\u escapes expanded and its strings and comments blanked out."""
    expanded = _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)) if int(m[1] or m[2], 16) < 0x110000 else m[0], text)
    return _SKIPPED.sub(lambda m: m[0] if m["iri"] else " ", expanded)


#: The longest query the parser is asked about; a longer one the scan flags stays refused (the parser is slow on large texts).
_MAX_PARSED = 100_000
_PARSING = threading.Lock()  # one parse at a time: the grammar objects are shared by kg serve's request threads


def _parsed_refusal(text: str, *, update: bool, lexical: str) -> str | None:
    """The refusal the parsed ``text`` calls for (``SERVICE_REFUSED``, ``LOAD_REFUSED`` or ``None``).

    A text that does not parse as a query (or, with ``update``, as an update) keeps the scan's refusal, ``lexical``.
    """
    if len(text) > _MAX_PARSED:
        return lexical
    with _PARSING:
        from pyparsing import ParseResults
        from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
        from rdflib.plugins.sparql.parserutils import CompValue

        try:
            tree = parseUpdate(text) if update else parseQuery(text)
        except Exception:  # noqa: BLE001 - a syntax error or an escape rdflib rejects: keep the lexical verdict
            return lexical
    names, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            names.add(node.name)
            stack.extend(dict.values(node))
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
    if "ServiceGraphPattern" in names:
        return SERVICE_REFUSED
    if update and "Load" in names:
        return LOAD_REFUSED
    return None


def refuse_network(text: str, *, update: bool = False) -> None:
    """Raise :class:`~kg.errors.ServiceRefusedError` if the query (or, with ``update``, the update) could open a connection."""
    code = _code(text)
    if _KEYWORDS["SERVICE"].search(code):
        lexical = SERVICE_REFUSED
    elif update and _KEYWORDS["LOAD"].search(code):
        lexical = LOAD_REFUSED
    else:
        return
    refusal = _parsed_refusal(text, update=update, lexical=lexical)
    if refusal is not None:
        raise ServiceRefusedError(refusal)
