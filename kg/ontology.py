"""Access to kg's data files, ``kg/data/`` in the package (``ontology/`` in the checkout): ``kg.ttl``, ``shapes.ttl``, ``lexicon.json``.

>>> sig = property_signatures()["launched"]
>>> sig.accepts("Organization", "AIModel")
True
>>> sig.accepts("Person", "Place")
False
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDFS

from kg.namespace import KG, local_name

__all__ = [
    "ONTOLOGY_DIR",
    "ontology_graph",
    "shapes_graph",
    "load_lexicon",
    "PropertySignature",
    "property_signatures",
    "superclasses",
    "class_fits",
]

#: Folder of kg.ttl, shapes.ttl, lexicon.json and the named queries, read from the installed package.
ONTOLOGY_DIR: Traversable = files("kg") / "data"


@cache
def ontology_graph() -> Graph:
    """The OWL ontology as an rdflib graph (parsed once)."""
    return Graph().parse(data=(ONTOLOGY_DIR / "kg.ttl").read_text(encoding="utf-8"), format="turtle")


@cache
def shapes_graph() -> Graph:
    """The SHACL shapes as an rdflib graph (parsed once)."""
    return Graph().parse(data=(ONTOLOGY_DIR / "shapes.ttl").read_text(encoding="utf-8"), format="turtle")


def _without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; a key given twice is an error (JSON would silently keep the last)."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"lexicon: {key!r} is given twice in one object (give a list of entries instead)")
        seen[key] = value
    return seen


def load_lexicon(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The extraction lexicon (trigger words, titles, class hints) as a dict.

    A trigger with more than one sense is a list of entries: ``"work": [{... "preps": ["for"]}, {... "preps": ["with"]}]``.
    """
    source = Path(path) if path is not None else ONTOLOGY_DIR / "lexicon.json"
    return json.loads(source.read_text(encoding="utf-8"), object_pairs_hook=_without_duplicate_keys)


@cache
def superclasses(cls: str) -> frozenset[str]:
    """``cls`` and every kg class above it (``AIModel`` gives ``AIModel`` and ``Product``); a name kg does not
    define (``Unknown``) has none above it, so it fits no slot that asks for a class.

    >>> sorted(superclasses("AIModel")), sorted(superclasses("Unknown"))
    (['AIModel', 'Product'], ['Unknown'])
    """
    graph = ontology_graph()
    found = {cls}
    if cls not in KG.__annotations__:
        return frozenset(found)
    for parent in graph.transitive_objects(KG[cls], RDFS.subClassOf):
        if str(parent).startswith(str(KG._NS)):
            found.add(local_name(parent))
    return frozenset(found)


@dataclass(frozen=True)
class PropertySignature:
    """Domain and range of a relation property, as sets of class local names (empty: any)."""

    name: str
    domain: frozenset[str]
    range: frozenset[str]
    symmetric: bool

    def accepts(self, subject_cls: str, object_cls: str) -> bool:
        """Whether a subject and object of these classes fit the domain and range."""
        return class_fits(subject_cls, self.domain) and class_fits(object_cls, self.range)


def class_fits(cls: str, allowed: frozenset[str] | set[str]) -> bool:
    """Whether ``cls`` is one of the ``allowed`` classes or below one (empty: any class fits).

    >>> class_fits("AIModel", frozenset({"Product"})), class_fits("Person", frozenset({"Organization"}))
    (True, False)
    """
    return not allowed or bool(superclasses(cls) & allowed)


def _classes(graph: Graph, node: Any) -> frozenset[str]:
    if node is None:
        return frozenset()
    union = graph.value(node, OWL.unionOf)
    members = Collection(graph, union) if union is not None else [node]
    return frozenset(local_name(m) for m in members)


@cache
def property_signatures() -> dict[str, PropertySignature]:
    """Every object property of the ontology with its domain, range and symmetry."""
    graph = ontology_graph()
    signatures = {}
    for prop in graph.subjects(RDFS.subPropertyOf, KG.relatedTo):
        name = local_name(prop)
        signatures[name] = PropertySignature(
            name=name,
            domain=_classes(graph, graph.value(prop, RDFS.domain)),
            range=_classes(graph, graph.value(prop, RDFS.range)),
            symmetric=(prop, None, OWL.SymmetricProperty) in graph,
        )
    signatures["relatedTo"] = PropertySignature("relatedTo", frozenset(), frozenset(), False)
    return signatures
