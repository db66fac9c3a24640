"""Merging: the results of a document's chunks into one, and the results of documents into one graph's entities.

Plain data in, plain data out (no spaCy): a store merges documents with the same
code when it adds or removes one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from kg.extract.model import UNKNOWN, Entity, Relation, SourceDocument
from kg.ontology import property_signatures

__all__ = ["DocumentEntities", "EntityTally", "choose_class", "join_chunks", "merge_documents", "relation_fits"]

_CLASS_PRIORITY = ["Person", "Organization", "AIModel", "Product", "Place", "Event"]


@dataclass
class DocumentEntities:
    """What one document contributes: entities with their class votes, and relations."""

    entities: dict[str, Entity] = field(default_factory=dict)
    votes: dict[str, Counter[str]] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)


def choose_class(votes: Counter[str]) -> str:
    """The class the votes give; on a tie, the first in a fixed order (Person before Organization ...).

    >>> choose_class(Counter(Product=2, AIModel=1, Organization=2))
    'AIModel'
    """
    known = {c: v for c, v in votes.items() if c != UNKNOWN}
    if not known:
        return UNKNOWN
    if "AIModel" in known:
        # AIModel refines Product: the family's weight decides, AIModel wins within it
        known["AIModel"] += known.pop("Product", 0)
    best = max(known.values())
    return next(c for c in _CLASS_PRIORITY if known.get(c) == best)


def join_chunks(chunks: list[tuple[int, DocumentEntities]]) -> DocumentEntities:
    """One document's result from the results of its chunks, given with their offsets in its text.

    Entities with the same key become one (class voted over the chunks);
    relation offsets shift by their chunk's offset, so they index the whole text.

    >>> one = DocumentEntities(relations=[Relation("a", "acquired", "b", "d", "A bought B.", 0, 11, 0.9, "svo")])
    >>> [(r.start_char, r.end_char) for r in join_chunks([(0, one), (100, one)]).relations]
    [(0, 11), (100, 111)]
    """
    if len(chunks) == 1 and chunks[0][0] == 0:
        return chunks[0][1]
    joined = DocumentEntities()
    for offset, part in chunks:
        for key, local in part.entities.items():
            entity = joined.entities.setdefault(key, Entity(key=key, label=local.label, cls=local.cls))
            entity.aliases |= local.aliases
            entity.documents |= local.documents
            joined.votes.setdefault(key, Counter()).update(part.votes.get(key, {}))
        joined.relations += [replace(r, start_char=r.start_char + offset, end_char=r.end_char + offset) for r in part.relations]
    for key, entity in joined.entities.items():
        entity.cls = choose_class(joined.votes[key])
        entity.aliases.discard(entity.label)
    return joined


@dataclass
class EntityTally:
    """What the documents say about one entity, counted: labels, surface forms and class votes.

    Counts make the merge independent of document order and let a document be
    taken out again (``add(..., times=-1)``), which a persistent store needs.

    >>> tally = EntityTally("meta")
    >>> tally.add(Entity("meta", "Meta", "Organization", {"Meta Platforms"}), Counter(Organization=2))
    >>> tally.add(Entity("meta", "META", "Product"), Counter(Product=1))
    >>> entity = tally.entity({"d1", "d2"}); (entity.label, entity.cls, sorted(entity.aliases))
    ('Meta', 'Organization', ['Meta Platforms'])
    """

    key: str
    labels: Counter[str] = field(default_factory=Counter)
    aliases: Counter[str] = field(default_factory=Counter)
    votes: Counter[str] = field(default_factory=Counter)
    documents: int = 0

    def add(self, local: Entity, votes: Counter[str], *, times: int = 1) -> None:
        """Count one document's view of the entity (its label, aliases and votes) ``times`` times; -1 takes it out."""
        self.labels[local.label] += times
        for alias in local.aliases:
            self.aliases[alias] += times
        for cls, count in votes.items():
            self.votes[cls] += count * times
        self.documents += times
        for counter in (self.labels, self.aliases, self.votes):
            for name in [name for name, count in counter.items() if count <= 0]:
                del counter[name]

    def label(self) -> str:
        """The label most documents use; on a tie, mixed case before all capitals or all lower case."""
        return max(self.labels, key=lambda text: (self.labels[text], text != text.upper(), text != text.lower(), text))

    def entity(self, documents: Iterable[str] = ()) -> Entity:
        """The merged entity: voted class, chosen label, every other surface form as an alias."""
        label = self.label()
        return Entity(key=self.key, label=label, cls=choose_class(self.votes), aliases=set(self.aliases) - {label},
                      documents=set(documents))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (see :meth:`from_dict`)."""
        return {"key": self.key, "labels": dict(self.labels), "aliases": dict(self.aliases), "votes": dict(self.votes),
                "documents": self.documents}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityTally:
        """The tally :meth:`as_dict` gave."""
        return cls(key=data["key"], labels=Counter(data["labels"]), aliases=Counter(data["aliases"]),
                   votes=Counter(data["votes"]), documents=data["documents"])


def relation_fits(triple: tuple[str, str, str], classes: Mapping[str, str]) -> bool:
    """Whether the property of ``(subject key, property, object key)`` admits its arguments' classes (keyed by entity key).

    >>> relation_fits(("meta", "launched", "muse spark"), {"meta": "Organization", "muse spark": "AIModel"})
    True
    """
    subject, predicate, obj = triple
    return property_signatures()[predicate].accepts(classes[subject], classes[obj])


def merge_documents(parts: Iterable[tuple[SourceDocument, DocumentEntities]]) -> tuple[dict[str, Entity], list[Relation]]:
    """Merge per-document results: one entity per key, its class voted over all documents.

    Each entity is the :class:`EntityTally` of the documents that mention it,
    so the result does not depend on their order. Relations whose arguments
    no longer fit the property once the classes are merged are dropped, so
    every relation kept respects domain and range.
    """
    tallies: dict[str, EntityTally] = {}
    documents: dict[str, set[str]] = {}
    relations: list[Relation] = []
    for _, part in parts:
        for key, local in part.entities.items():
            tallies.setdefault(key, EntityTally(key)).add(local, part.votes[key])
            documents.setdefault(key, set()).update(local.documents)
        relations += part.relations
    entities = {key: tally.entity(documents[key]) for key, tally in tallies.items()}
    classes = {key: entity.cls for key, entity in entities.items()}
    return entities, [r for r in relations if relation_fits(r.triple, classes)]
