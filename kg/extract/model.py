"""The extraction result: plain dataclasses that flow from spaCy to RDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SourceDocument", "Entity", "Relation", "Extraction", "UNKNOWN"]

#: The class of an entity no evidence has typed yet.
UNKNOWN = "Unknown"


@dataclass(frozen=True)
class SourceDocument:
    """One input text with its identifier, where it came from and its metadata.

    >>> SourceDocument(id="a1", text="Meta launched Muse Spark.", source="a1.txt").id
    'a1'
    """

    id: str
    text: str
    source: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Entity:
    """A canonical entity: one name, one class, every surface form and document seen."""

    key: str
    label: str
    cls: str
    aliases: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Relation:
    """A typed relation between two canonical entities, with its evidence sentence."""

    subject: str
    predicate: str
    object: str
    doc_id: str
    evidence: str
    start_char: int
    end_char: int
    confidence: float
    rule: str
    trigger: str | None = None
    amount: str | None = None
    date: str | None = None

    @property
    def triple(self) -> tuple[str, str, str]:
        """Subject key, property name, object key: what the relation says, without where it was said."""
        return self.subject, self.predicate, self.object


@dataclass
class Extraction:
    """Everything extracted from a set of documents, ready to become RDF.

    ``entities`` is keyed by :attr:`Entity.key`; relations refer to those keys.
    """

    documents: list[SourceDocument] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
