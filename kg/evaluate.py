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
  by killed, strict on both arguments' text. An entity is one prediction,
  matched by any of its names (a title or the place that holds it may be part of
  an alias: "Gov. Cecil Andrus", "Boise, Idaho"), as in the other formats.
* **DocRED** JSON (Re-DocRED: a list of documents with ``title``, ``sents``,
  ``vertexSet`` and ``labels``): PER, ORG and LOC entities become Person,
  Organization and Place (MISC, TIME and NUM are not scored); Wikidata
  properties map to kg's by :data:`DOCRED_PROPERTIES`. Counted DocRED-style: a
  predicted relation is scored only when both of its ends are gold entities of
  the document; ``same_sentence`` keeps only gold pairs mentioned together in one
  sentence (and scores predictions on such pairs only).

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
from typing import Any, Callable, Iterable

from spacy.language import Language

from kg.errors import InputError
from kg.extract import Extraction, SourceDocument, extract, extract_documents
from kg.extract.merge import merge_documents
from kg.ontology import property_signatures

__all__ = [
    "Score", "Evaluation", "CONLL04_ENTITY_CLASSES", "CONLL04_RELATIONS", "DOCRED_ENTITY_CLASSES", "DOCRED_PROPERTIES",
    "SCORED_CLASSES", "docred_gold_triples", "normalize", "evaluate_article", "evaluate_conll04", "evaluate_docred",
    "evaluate_gold_file", "load_conll04", "load_gold", "score_article", "score_docred_document", "total_over",
]

CONLL04_ENTITY_CLASSES = {"Peop": "Person", "Org": "Organization", "Loc": "Place"}
CONLL04_RELATIONS = {
    "Work_For": ("worksFor", "leads", "founded"),
    "OrgBased_In": ("basedIn",),
    "Live_In": ("livesIn",),
    "Located_In": ("locatedIn",),
    "Kill": ("killed",),
}
DOCRED_ENTITY_CLASSES = {"PER": "Person", "ORG": "Organization", "LOC": "Place"}
#: Wikidata property -> (kg property, reversed); ``None`` for P17 / P131, whose kg property depends on the head
#: (locatedIn for a place, basedIn for an organisation).
DOCRED_PROPERTIES: dict[str, tuple[str | None, bool]] = {
    "P112": ("founded", True),
    "P108": ("worksFor", False),
    "P169": ("leads", True),
    "P488": ("leads", True),
    "P159": ("basedIn", False),
    "P749": ("partOf", False),
    "P355": ("partOf", True),
    "P178": ("developed", True),
    "P176": ("developed", True),
    "P551": ("livesIn", False),
    "P150": ("locatedIn", True),
    "P17": (None, False),
    "P131": (None, False),
}
_TERRITORY_PROPERTY = {"LOC": "locatedIn", "ORG": "basedIn"}
#: The kg properties a DocRED gold can hold; predictions of any other property are not scored.
_DOCRED_SCORED = {prop for prop, _ in DOCRED_PROPERTIES.values() if prop} | set(_TERRITORY_PROPERTY.values())
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


def _count_entity(evaluation: Evaluation, label: str, cls: str, target: Any, gold_cls: str | None, found: set[Any], *,
                  where: str = "") -> None:
    """Count one predicted entity of a scored class against the gold entity its names matched (``target``, or ``None``).

    A second predicted entity for a gold entity already found counts neither way.
    """
    if target is None:
        evaluation.entities[cls].fp += 1
        evaluation.false_hits.append(f"entity {label} ({cls}){where}")
    elif target in found:
        return
    elif gold_cls == cls:
        evaluation.entities[cls].tp += 1
        found.add(target)
    else:
        evaluation.entities[cls].fp += 1
        evaluation.false_hits.append(f"entity {label} ({cls}, gold {gold_cls}){where}")


def _count_gold_relations(evaluation: Evaluation, gold: set[tuple[Any, str, Any]], found: set[tuple[Any, str, Any]],
                          describe: Callable[[tuple[Any, str, Any]], str]) -> None:
    """Count each gold (subject, property, object) as found or missed, under its property."""
    for triple in gold:
        if triple in found:
            evaluation.relations[triple[1]].tp += 1
        else:
            evaluation.relations[triple[1]].fn += 1
            evaluation.misses.append(f"relation {describe(triple)}")


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
        if cls not in SCORED_CLASSES or target is None and any(f in optional for f in forms):
            continue
        _count_entity(evaluation, entity.label, cls, target, gold_class.get(target), found)
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
    _count_gold_relations(evaluation, gold_relations, predicted, lambda triple: " ".join(triple))
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
    other = {t for t, c in gold_entities if c is None}
    predicted = set()
    forms: dict[str, set[str]] = {}
    for key, entity in extraction.entities.items():
        forms[key] = {normalize(f) for f in [entity.label, *entity.aliases]}
        if entity.cls not in CONLL04_ENTITY_CLASSES.values():
            continue
        # one entity is one prediction, matched by any of its names, as in article and DocRED gold
        matched = {(f, entity.cls) for f in forms[key]} & gold_set
        predicted |= matched
        if not matched and not forms[key] & other:  # a span gold calls Other is not scored
            evaluation.entities[entity.cls].fp += 1
            evaluation.false_hits.append(f"entity {entity.label} ({entity.cls})")
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
    _count_gold_relations(evaluation, gold_relations, hits, lambda triple: f"{' '.join(triple)}  | {' '.join(tokens)}")


# ---------------------------------------------------------------------------- DocRED


def _is_docred(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and {"vertexSet", "sents"} <= data[0].keys()


def _docred_text(document: dict[str, Any]) -> str:
    return " ".join(" ".join(tokens) for tokens in document["sents"])


def _co_mentioned(vertices: list[list[dict[str, Any]]], a: int, b: int) -> bool:
    return bool({m["sent_id"] for m in vertices[a]} & {m["sent_id"] for m in vertices[b]})


def docred_gold_triples(document: dict[str, Any], *, same_sentence: bool = False) -> set[tuple[int, str, int]]:
    """The document's gold relations as (head entity index, kg property, tail entity index).

    Only Wikidata properties in :data:`DOCRED_PROPERTIES` are kept; with ``same_sentence``,
    only pairs that one sentence mentions together.

    >>> doc = {"vertexSet": [[{"name": "Acme", "sent_id": 0, "type": "ORG"}],
    ...                      [{"name": "Ohio", "sent_id": 0, "type": "LOC"}],
    ...                      [{"name": "Ann Lee", "sent_id": 1, "type": "PER"}]],
    ...        "labels": [{"h": 0, "t": 1, "r": "P17"}, {"h": 0, "t": 2, "r": "P112"}, {"h": 0, "t": 1, "r": "P571"}]}
    >>> sorted(docred_gold_triples(doc))
    [(0, 'basedIn', 1), (2, 'founded', 0)]
    >>> sorted(docred_gold_triples(doc, same_sentence=True))
    [(0, 'basedIn', 1)]
    """
    vertices = document["vertexSet"]
    triples = set()
    for label in document.get("labels", []):
        mapped = DOCRED_PROPERTIES.get(label["r"])
        if mapped is None:
            continue
        prop, reverse = mapped
        head, tail = label["h"], label["t"]
        if prop is None:
            prop = _TERRITORY_PROPERTY.get(vertices[head][0]["type"])
            if prop is None:
                continue
        if same_sentence and not _co_mentioned(vertices, head, tail):
            continue
        triples.add((tail, prop, head) if reverse else (head, prop, tail))
    return triples


def score_docred_document(document: dict[str, Any], extraction: Extraction, evaluation: Evaluation, *,
                          same_sentence: bool = False) -> None:
    """Add one document's entity and relation counts to ``evaluation`` (see the module docstring)."""
    vertices = document["vertexSet"]
    title = document.get("title", "")
    cluster_of: dict[str, int] = {}
    for index, mentions in enumerate(vertices):
        for mention in mentions:
            cluster_of.setdefault(normalize(mention["name"]), index)
    gold_class = {i: DOCRED_ENTITY_CLASSES.get(mentions[0]["type"]) for i, mentions in enumerate(vertices)}
    matched: dict[str, int] = {}
    found: set[int] = set()
    for key, entity in extraction.entities.items():
        target = next((cluster_of[f] for f in (normalize(x) for x in [entity.label, *entity.aliases]) if f in cluster_of), None)
        if target is not None:
            matched[key] = target
        cls = _coarse(entity.cls)
        if cls not in DOCRED_ENTITY_CLASSES.values() or target is not None and gold_class[target] is None:
            continue  # a MISC, TIME or NUM entity is not scored
        _count_entity(evaluation, entity.label, cls, target, gold_class.get(target), found, where=f"  | {title}")
    for index, cls in gold_class.items():
        if cls is not None and index not in found:
            evaluation.entities[cls].fn += 1
            evaluation.misses.append(f"entity {vertices[index][0]['name']} ({cls})  | {title}")
    gold = docred_gold_triples(document, same_sentence=same_sentence)
    predicted: set[tuple[int, str, int]] = set()
    for rel in extraction.relations:
        head, tail = matched.get(rel.subject), matched.get(rel.object)
        if rel.predicate not in _DOCRED_SCORED or head is None or tail is None or head == tail:
            continue  # DocRED-style: only relations between two gold entities count
        if same_sentence and not _co_mentioned(vertices, head, tail):
            continue
        triple = (head, rel.predicate, tail)
        if triple in predicted:
            continue
        predicted.add(triple)
        if triple not in gold:
            evaluation.relations[rel.predicate].fp += 1
            evaluation.false_hits.append(f"relation {vertices[head][0]['name']} {rel.predicate} {vertices[tail][0]['name']}  | {rel.evidence}")
    _count_gold_relations(evaluation, gold, predicted,
                          lambda t: f"{vertices[t[0]][0]['name']} {t[1]} {vertices[t[2]][0]['name']}  | {title}")


def evaluate_docred(documents: Iterable[dict[str, Any]], nlp: Language, *, name: str = "docred",
                    same_sentence: bool = False) -> Evaluation:
    """Run the builder on each DocRED document (sentences joined by spaces) and score it."""
    documents = list(documents)
    sources = [SourceDocument(str(i), _docred_text(d), name) for i, d in enumerate(documents)]
    evaluation = Evaluation(name)
    for document, (source, part) in zip(documents, extract_documents(sources, nlp, batch_size=16)):
        entities, relations = merge_documents([(source, part)])
        score_docred_document(document, Extraction([source], entities, relations), evaluation, same_sentence=same_sentence)
    return evaluation


# ---------------------------------------------------------------------------- either


def evaluate_gold_file(path: str | os.PathLike[str], nlp: Language, *, limit: int | None = None,
                       same_sentence: bool = False) -> Evaluation:
    """Score against one gold file, article gold, a CoNLL04 split or DocRED JSON, told apart by content.

    ``limit`` scores only the first documents (or sentences) of a data set; ``same_sentence``
    applies to DocRED (see :func:`docred_gold_triples`).
    """
    data = _read_json(path)
    if isinstance(data, dict) and {"document", "entities", "relations"} <= data.keys():
        return evaluate_article(_article_gold(data, path), nlp)
    if isinstance(data, list) and limit is not None:
        data = data[:limit]
    if _is_docred(data):
        suffix = ":same-sentence" if same_sentence else ""
        return evaluate_docred(data, nlp, name=f"docred:{Path(path).stem}{suffix}", same_sentence=same_sentence)
    if isinstance(data, list):
        return evaluate_conll04(_conll04_sentences(data, path), nlp, name=f"conll04:{Path(path).stem}")
    raise InputError(f"{path}: neither article gold (document, entities, relations), a CoNLL04 split nor DocRED JSON")


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
