"""Keep SPARQL from reaching the network: ``SERVICE`` (federated query) and ``LOAD <url>`` are refused unless allowed.

Both rdflib and Oxigraph would open a connection to any address a query names,
so a query from a web page or a shared ``.rq`` file could make kg reach hosts
inside the user's network. The check is lexical and errs on the side of
refusing: after ``\\u`` escapes are expanded (as SPARQL does before parsing)
and string literals and comments are set aside, the words ``SERVICE`` and
``LOAD`` may not stand as keywords anywhere; a word ``service`` inside an IRI
or a name (``schema:Service``, ``?service``, ``<http://x/service>``) is fine.
This module imports no rdflib, so the ``kg serve`` request threads use it as it is.

>>> refuse_network("SELECT * WHERE { ?service schema:name 'SERVICE' } # SERVICE")
>>> refuse_network("SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
kg.errors.ServiceRefusedError: federated queries are disabled; start with --allow-service to enable
"""

from __future__ import annotations

import re

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


def refuse_network(text: str, *, update: bool = False) -> None:
    """Raise :class:`~kg.errors.ServiceRefusedError` if the query (or, with ``update``, the update) could open a connection."""
    code = _code(text)
    if _KEYWORDS["SERVICE"].search(code):
        raise ServiceRefusedError(SERVICE_REFUSED)
    if update and _KEYWORDS["LOAD"].search(code):
        raise ServiceRefusedError(LOAD_REFUSED)
