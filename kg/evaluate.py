"""Score the builder against gold data: precision, recall and F1 per class and per property.

Two gold formats are read:

* **Article gold** (``*.gold.json``): ``document`` (path of the text), ``entities``
  (``name``, ``class``, ``aliases``), ``relations`` (``[subject, property, object]``
  by entity name) and optional ``optional_entities`` / ``optional_relations``
  that count neither way.
* **CoNLL04** in SpERT JSON (a list of sentences with ``tokens``, ``entities``
  and ``relations``): Peop, Org and Loc become Person, Organization and Place
  (Other is not scored); Work_For is matched by worksFor, leads or founded,
  OrgBased_In by basedIn, Live_In by livesIn, Located_In by locatedIn and Kill
  by killed, strict on both arguments' text.

>>> s = Score(tp=3, fp=1, fn=1)
>>> (s.precision, s.recall, round(s.f1, 2))
(0.75, 0.75, 0.75)
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from spacy.language import Language

from kg.errors import InputError
from kg.extract import Extraction, SourceDocument, extract, extract_documents
from kg.extract.merge import merge_documents
from kg.ontology import property_signatures

__all__ = [
    "Score", "Evaluation", "CONLL04_ENTITY_CLASSES", "CONLL04_RELATIONS", "SCORED_CLASSES",
    "normalize", "evaluate_article", "evaluate_conll04", "evaluate_gold_file", "load_conll04", "load_gold",
    "score_article", "total_over",
]

CONLL04_ENTITY_CLASSES = {"Peop": "Person", "Org": "Organization", "Loc": "Place"}
CONLL04_RELATIONS = {
    "Work_For": ("worksFor", "leads", "founded"),
    "OrgBased_In": ("basedIn",),
    "Live_In": ("livesIn",),
    "Located_In": ("locatedIn",),
    "Kill": ("killed",),
}
#: Classes scored on articles; AIModel is scored as Product (it is one).
SCORED_CLASSES = ("Organization", "Person", "Place", "Product")


def normalize(text: str) -> str:
    """Text for matching: NFKC, case-folded, without spaces, possessive 's or edge punctuation.

    >>> normalize("  Alexandr Wang's ") == normalize("alexandr wang")
    True
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    text = re.sub(r"'s$|'$", "", text.strip())
    return re.sub(r"[\s`'\"]+", "", text).strip(".,;:!?()[]")


def _coarse(cls: str) -> str:
    return "Product" if cls == "AIModel" else cls


@dataclass
class Score:
    """True positives, false positives and false negatives, with P, R and F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass
class Evaluation:
    """Scores per entity class and per property, micro totals, and the errors behind them."""

    name: str
    entities: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    relations: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    misses: list[str] = field(default_factory=list)
    false_hits: list[str] = field(default_factory=list)

    @staticmethod
    def _total(scores: dict[str, Score]) -> Score:
        return Score(sum(s.tp for s in scores.values()), sum(s.fp for s in scores.values()), sum(s.fn for s in scores.values()))

    @property
    def entity_total(self) -> Score:
        return self._total(self.entities)

    @property
    def relation_total(self) -> Score:
        return self._total(self.relations)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "entities": {"micro": self.entity_total.as_dict(), **{k: v.as_dict() for k, v in sorted(self.entities.items())}},
            "relations": {"micro": self.relation_total.as_dict(), **{k: v.as_dict() for k, v in sorted(self.relations.items())}},
        }


# ---------------------------------------------------------------------------- article gold


def _read_json(path: str | os.PathLike[str]) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read gold file ({exc})") from exc


def _article_gold(gold: dict[str, Any], path: str | os.PathLike[str]) -> dict[str, Any]:
    """Article gold with its ``document`` path resolved (from the current folder or beside the gold)."""
    gold_path = Path(path)
    for base in (Path.cwd(), gold_path.parent, *gold_path.resolve().parents):
        candidate = base / gold["document"]
        if candidate.is_file():
            return {**gold, "document_path": str(candidate)}
    raise InputError(f"{path}: its document {gold['document']} was not found")


def load_gold(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an article gold file and resolve its ``document`` path (from the current folder or beside the gold)."""
    return _article_gold(_read_json(path), path)


def evaluate_article(gold: dict[str, Any], nlp: Language) -> Evaluation:
    """Build the gold file's document and score its entities and relations against the gold."""
    text = Path(gold["document_path"]).read_text(encoding="utf-8")
    extraction = extract([SourceDocument(gold["document"], text, gold["document"])], nlp)
    return score_article(extraction, gold)


def score_article(extraction: Extraction, gold: dict[str, Any]) -> Evaluation:
    """Score an extraction against article gold (entities matched by any name or alias)."""
    evaluation = Evaluation(gold["document"])
    names: dict[str, str] = {}
    for entity in gold["entities"]:
        for form in [entity["name"], *entity.get("aliases", [])]:
            names[normalize(form)] = entity["name"]
    optional = {normalize(n) for n in gold.get("optional_entities", [])}
    gold_class = {e["name"]: _coarse(e["class"]) for e in gold["entities"]}
    matched: dict[str, str] = {}  # predicted key -> gold name
    found: set[str] = set()
    for key, entity in extraction.entities.items():
        cls = _coarse(entity.cls)
        forms = [normalize(f) for f in [entity.label, *entity.aliases]]
        target = next((names[f] for f in forms if f in names), None)
        if target is not None:
            matched[key] = target
        if cls not in SCORED_CLASSES:
            continue
        if target is None:
            if not any(f in optional for f in forms):
                evaluation.entities[cls].fp += 1
                evaluation.false_hits.append(f"entity {entity.label} ({cls})")
        elif target in found:
            continue  # two predicted entities for one gold entity: the first counts
        elif gold_class[target] == cls:
            evaluation.entities[cls].tp += 1
            found.add(target)
        else:
            evaluation.entities[cls].fp += 1
            evaluation.false_hits.append(f"entity {entity.label} ({cls}, gold {gold_class[target]})")
    for name, cls in gold_class.items():
        if cls in SCORED_CLASSES and name not in found:
            evaluation.entities[cls].fn += 1
            evaluation.misses.append(f"entity {name} ({cls})")
    symmetric = {n for n, s in property_signatures().items() if s.symmetric}

    def keyed(s: str, p: str, o: str) -> tuple[str, str, str]:
        return (min(s, o), p, max(s, o)) if p in symmetric else (s, p, o)

    gold_relations = {keyed(*r) for r in gold["relations"]}
    # a triple gold gives both ways, once required and once optional, is required
    optional_relations = {keyed(*r) for r in gold.get("optional_relations", [])} - gold_relations
    predicted: set[tuple[str, str, str]] = set()
    wrong: set[tuple[str, str, str]] = set()
    for rel in extraction.relations:
        if rel.predicate == "relatedTo":
            continue  # open relations are not scored
        s, o = matched.get(rel.subject), matched.get(rel.object)
        triple = keyed(s or extraction.entities[rel.subject].label, rel.predicate, o or extraction.entities[rel.object].label)
        if triple in optional_relations:
            continue
        if triple in gold_relations:
            predicted.add(triple)
        elif triple not in wrong:
            wrong.add(triple)
            evaluation.relations[rel.predicate].fp += 1
            evaluation.false_hits.append(f"relation {' '.join(triple)}  [{rel.rule}]")
    for triple in gold_relations:
        if triple in predicted:
            evaluation.relations[triple[1]].tp += 1
        else:
            evaluation.relations[triple[1]].fn += 1
            evaluation.misses.append(f"relation {' '.join(triple)}")
    return evaluation


# ---------------------------------------------------------------------------- CoNLL04


def _conll04_sentences(data: Any, path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not data or "tokens" not in data[0]:
        raise InputError(f"{path}: not a SpERT JSON list of sentences")
    return data


def load_conll04(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The sentences of a CoNLL04 split in SpERT JSON."""
    return _conll04_sentences(_read_json(path), path)


def evaluate_conll04(sentences: Iterable[dict[str, Any]], nlp: Language, *, name: str = "conll04") -> Evaluation:
    """Run the builder on each sentence and score entities and relations, strict on text and class."""
    sentences = list(sentences)
    documents = [SourceDocument(str(s.get("orig_id", i)), " ".join(s["tokens"]), name) for i, s in enumerate(sentences)]
    evaluation = Evaluation(name)
    for sentence, (document, part) in zip(sentences, extract_documents(documents, nlp, batch_size=64)):
        entities, relations = merge_documents([(document, part)])
        _score_sentence(sentence, Extraction([document], entities, relations), evaluation)
    return evaluation


def _score_sentence(sentence: dict[str, Any], extraction: Extraction, evaluation: Evaluation) -> None:
    tokens = sentence["tokens"]
    gold_entities = [(normalize(" ".join(tokens[e["start"]:e["end"]])), CONLL04_ENTITY_CLASSES.get(e["type"])) for e in sentence["entities"]]
    gold_set = {(t, c) for t, c in gold_entities if c}
    predicted = set()
    forms: dict[str, set[str]] = {}
    for key, entity in extraction.entities.items():
        forms[key] = {normalize(f) for f in [entity.label, *entity.aliases]}
        if entity.cls in CONLL04_ENTITY_CLASSES.values():
            predicted |= {(f, entity.cls) for f in forms[key]}
    for text, cls in predicted - gold_set:
        if not any(text == t for t, c in gold_entities if c is None):  # a span gold calls Other is not scored
            evaluation.entities[cls].fp += 1
            evaluation.false_hits.append(f"entity {text} ({cls})")
    for text, cls in gold_set:
        if (text, cls) in predicted:
            evaluation.entities[cls].tp += 1
        else:
            evaluation.entities[cls].fn += 1
            evaluation.misses.append(f"entity {text} ({cls})  | {' '.join(tokens)}")
    gold_relations = {(gold_entities[r["head"]][0], r["type"], gold_entities[r["tail"]][0]) for r in sentence["relations"]}
    to_type = {p: t for t, props in CONLL04_RELATIONS.items() for p in props}
    hits = set()
    for rel in extraction.relations:
        rtype = to_type.get(rel.predicate)
        if rtype is None:
            continue
        match = {(h, t, x) for h, t, x in gold_relations if t == rtype and h in forms[rel.subject] and x in forms[rel.object]}
        if match:
            hits |= match
        else:
            evaluation.relations[rtype].fp += 1
            evaluation.false_hits.append(f"relation {extraction.entities[rel.subject].label} {rel.predicate} {extraction.entities[rel.object].label}  | {rel.evidence}")
    for head, rtype, tail in gold_relations:
        if (head, rtype, tail) in hits:
            evaluation.relations[rtype].tp += 1
        else:
            evaluation.relations[rtype].fn += 1
            evaluation.misses.append(f"relation {head} {rtype} {tail}  | {' '.join(tokens)}")


# ---------------------------------------------------------------------------- either


def evaluate_gold_file(path: str | os.PathLike[str], nlp: Language) -> Evaluation:
    """Score against one gold file, article gold or a CoNLL04 split, told apart by content."""
    data = _read_json(path)
    if isinstance(data, dict) and {"document", "entities", "relations"} <= data.keys():
        return evaluate_article(_article_gold(data, path), nlp)
    if isinstance(data, list):
        return evaluate_conll04(_conll04_sentences(data, path), nlp, name=f"conll04:{Path(path).stem}")
    raise InputError(f"{path}: neither article gold (document, entities, relations) nor a CoNLL04 split")


def total_over(evaluations: Iterable[Evaluation], *, name: str = "all") -> Evaluation:
    """One evaluation whose counts are the sums of several (micro-averaging over documents)."""
    combined = Evaluation(name)
    for evaluation in evaluations:
        for target, source in ((combined.entities, evaluation.entities), (combined.relations, evaluation.relations)):
            for key, score in source.items():
                target[key].tp += score.tp
                target[key].fp += score.fp
                target[key].fn += score.fn
        combined.misses += evaluation.misses
        combined.false_hits += evaluation.false_hits
    return combined
