"""Stable, readable, valid IRIs for entities, documents and statements.

>>> slug("Gemini 3.1 Pro")
'gemini_3.1_pro'
>>> slug("AT&T") != slug("AT-T")
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace, URIRef

__all__ = ["DEFAULT_BASE_IRI", "slug", "ResourceIRIs"]

#: Base IRI of the resources kg mints, unless ``--base-iri`` says otherwise.
DEFAULT_BASE_IRI = "https://w3id.org/kg/resource/"

_LOSSLESS = re.compile(r"[^\W_]+(?:[ .\-][^\W_]+)*")
_UNSAFE = re.compile(r"[^\w.\-]+")


def _digest(text: str, size: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:size]


def slug(text: str) -> str:
    """A readable IRI path segment for ``text``: case-folded, spaces to ``_``.

    Text that this would change in a lossy way (punctuation, ``_``) gets a
    short hash of the original appended, so two different names never share
    a slug.
    """
    key = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()
    if _LOSSLESS.fullmatch(key):
        return key.replace(" ", "_")
    readable = _UNSAFE.sub("_", key).strip("_.-")[:60]
    return f"{readable}_{_digest(key)}" if readable else f"x_{_digest(key)}"


class ResourceIRIs:
    """Mints IRIs under one base: ``entity/``, ``document/`` and ``statement/``.

    >>> iris = ResourceIRIs("https://example.org/")
    >>> iris.entity("Scale AI")
    rdflib.term.URIRef('https://example.org/entity/scale_ai')
    """

    def __init__(self, base: str = DEFAULT_BASE_IRI) -> None:
        root = base if base.endswith(("/", "#")) else f"{base}/"
        self.entities = Namespace(f"{root}entity/")
        self.documents = Namespace(f"{root}document/")
        self.statements = Namespace(f"{root}statement/")

    def entity(self, key: str) -> URIRef:
        """The IRI of the entity whose identity key is ``key``."""
        return self.entities[slug(key)]

    def document(self, doc_id: str) -> URIRef:
        """The IRI of the document whose identifier is ``doc_id``."""
        return self.documents[slug(doc_id)]

    def statement(self, *parts: object) -> URIRef:
        """A content-addressed IRI for a reified statement."""
        return self.statements[_digest("\x1f".join(map(str, parts)), 16)]
