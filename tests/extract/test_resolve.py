"""Merging documents: one entity per key, independent of document order; tallies take a document out again."""

from __future__ import annotations

import itertools
from collections import Counter

from kg.extract.model import Entity, Relation, SourceDocument
from kg.extract.merge import DocumentEntities, EntityTally, merge_documents


def _part(doc_id: str, label: str, cls: str, votes: int, aliases: set[str] = frozenset(), relations=()) -> tuple[SourceDocument, DocumentEntities]:
    key = label.casefold()
    part = DocumentEntities(
        entities={key: Entity(key, label, cls, set(aliases), {doc_id}),
                  "openai": Entity("openai", "OpenAI", "Organization", set(), {doc_id})},
        votes={key: Counter({cls: votes}), "openai": Counter(Organization=1)},
        relations=list(relations),
    )
    return SourceDocument(doc_id, "", doc_id), part


def _relation(doc_id: str) -> Relation:
    return Relation("openai", "launched", "gpt-5", doc_id, "OpenAI launched GPT-5.", 0, 22, 0.9, "svo")


PARTS = [
    _part("d1", "GPT-5", "AIModel", 2, {"GPT5"}, [_relation("d1")]),
    _part("d2", "Gpt-5", "Person", 1),
    _part("d3", "GPT-5", "Product", 1, {"gpt-5 model"}),
]


def _summary(entities, relations):
    return ({k: (e.label, e.cls, sorted(e.aliases), sorted(e.documents)) for k, e in entities.items()},
            sorted((r.subject, r.predicate, r.object, r.doc_id) for r in relations))


def test_merge_does_not_depend_on_document_order():
    results = {repr(_summary(*merge_documents(order))) for order in itertools.permutations(PARTS)}
    assert len(results) == 1
    entities, relations = merge_documents(PARTS)
    gpt = entities["gpt-5"]
    assert (gpt.label, gpt.cls) == ("GPT-5", "AIModel")  # two documents say "GPT-5"; AIModel and Product outvote Person
    assert gpt.aliases == {"GPT5", "gpt-5 model"} and gpt.documents == {"d1", "d2", "d3"}
    assert [(r.subject, r.object) for r in relations] == [("openai", "gpt-5")]


def test_merge_drops_relations_the_merged_class_no_longer_admits():
    person_heavy = _part("d4", "GPT-5", "Person", 10)
    _, relations = merge_documents([*PARTS, person_heavy])
    assert relations == []  # a Person cannot be launched


def test_tally_takes_a_document_out_again():
    tally = EntityTally("gpt-5")
    for _, part in PARTS[:2]:
        tally.add(part.entities["gpt-5"], part.votes["gpt-5"])
    before = tally.as_dict()
    _, third = PARTS[2]
    tally.add(third.entities["gpt-5"], third.votes["gpt-5"])
    assert tally.as_dict() != before
    tally.add(third.entities["gpt-5"], third.votes["gpt-5"], times=-1)
    assert tally.as_dict() == before
    assert EntityTally.from_dict(before) == tally


def test_tally_label_tie_prefers_mixed_case():
    tally = EntityTally("meta")
    for label in ("META", "meta", "Meta"):
        tally.add(Entity("meta", label, "Organization"), Counter(Organization=1))
    assert tally.label() == "Meta"


def test_resolution_place_named_with_the_place_that_holds_it_keeps_that_name(nlp):
    from kg.extract import extract

    result = extract([SourceDocument("t", "The company opened a plant in Staunton, Va., on Monday.", "t")], nlp)
    staunton = next(e for e in result.entities.values() if e.label == "Staunton")
    assert "Staunton, Va." in staunton.aliases
    assert any(e.label.startswith("Va") for e in result.entities.values())  # still two places


def test_resolution_person_named_with_a_title_keeps_the_titled_name(nlp):
    from kg.extract import extract

    result = extract([SourceDocument("t", "Sen. Maria Lopez met President Tom Baker in Denver.", "t")], nlp)
    people = {e.label: e.aliases for e in result.entities.values() if e.cls == "Person"}
    assert "Sen. Maria Lopez" in people["Maria Lopez"] and "President Tom Baker" in people["Tom Baker"]


def test_resolution_miss_before_a_name_is_a_title(nlp):
    from kg.extract import extract

    result = extract([SourceDocument("t", "The court ordered Miss Ada Bloom to pay $500 to the family.", "t")], nlp)
    assert any("Miss Ada Bloom" in e.aliases for e in result.entities.values() if e.cls == "Person")
