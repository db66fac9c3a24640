"""Stable, readable, valid IRIs for entities, documents and statements.

Every IRI is the base, a fixed folder (``entity/``, ``document/``,
``statement/``) and one path segment made of letters, digits, ``.``, ``-``
and ``_`` only, so no name can leave the base (``../x``, ``//host``,
``?q``, ``#f``) or make an invalid IRI.

>>> slug("gemini 3.1 pro")
'gemini_3.1_pro'
>>> slug("AT&T")
'at_t__b13ca932da4b3e5e'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pyoxigraph import NamedNode
from rdflib import Namespace, URIRef

from kg.errors import UsageError

__all__ = ["DEFAULT_BASE_IRI", "slug", "ResourceIRIs"]

#: Base IRI of the resources kg mints, unless ``--base-iri`` says otherwise.
DEFAULT_BASE_IRI = "https://w3id.org/kg/resource/"

_LOSSLESS = re.compile(r"[^\W_]+(?:[ .\-][^\W_]+)*")
_UNSAFE = re.compile(r"[^\w.\-]+")
_HASH_MARK = "__"  # never in a lossless slug, whose "_" are single spaces between letters or digits


def _digest(text: str, size: int) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def slug(text: str) -> str:
    """A readable IRI path segment that stands for ``text`` and no other text.

    Case-folded text of letters and digits joined by single spaces, dots or
    hyphens is its own slug, spaces as ``_``. Any other text (capitals,
    punctuation, ``_``, odd spacing) gets a readable form, ``__`` and a hash
    of the exact text: the two kinds never meet, and two texts share a slug
    only if their 64-bit hashes do.

    >>> slug("scale ai"), slug("Scale AI") != slug("scale ai")
    ('scale_ai', True)
    >>> slug("../../etc/passwd")
    'etc_passwd__936d7c04cd83ef94'
    """
    key = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()
    if key == text and _LOSSLESS.fullmatch(key):
        return key.replace(" ", "_")
    readable = _UNSAFE.sub("_", key).strip("_.-")[:60].rstrip("_.-")
    return f"{readable or 'x'}{_HASH_MARK}{_digest(text, 16)}"


class ResourceIRIs:
    """Mints IRIs under one base: ``entity/``, ``document/`` and ``statement/``.

    >>> iris = ResourceIRIs("https://example.org/")
    >>> iris.entity("scale ai")
    rdflib.term.URIRef('https://example.org/entity/scale_ai')
    """

    def __init__(self, base: str = DEFAULT_BASE_IRI) -> None:
        try:
            NamedNode(base)  # Oxigraph checks RFC 3987
        except ValueError as exc:
            raise UsageError(f"base IRI {base!r} is not a valid absolute IRI ({exc})") from None
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
