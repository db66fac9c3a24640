"""The ``kg_relation_classifier`` spaCy component: a trained model decides the relation of each mention pair.

For every ordered pair of mentions in one sentence (from ``doc.spans["kg_mentions"]``),
:class:`PairFeaturizer` builds one vector: token vectors (the pipeline's ``doc.tensor``, or the
fine-tuned encoder's ``doc._.kg_vectors`` when the model was trained with them) pooled over both mentions and the words between them, hashed bags of the words between
and around them and of the dependency path that joins them, the mentions' classes, and
the properties the rules of ``kg_relations`` proposed for the pair. A small thinc
network (:func:`build_relation_model`) gives a probability for each property it was
trained on and for "no relation".

The model decides every pair it judges (:func:`decide`): a property the rules proposed
stands if the model gives it at least the ``keep`` probability; otherwise the model's
own best property if it reaches ``add``; otherwise nothing, and the rule only votes on
its arguments' classes. Both thresholds are tuned on held-out training documents. A rule
candidate the model cannot judge (an anaphor, a property it was not trained on) passes
unchanged. Results replace ``doc._.kg_relations``.
"""

from __future__ import annotations

import json
import math
import os
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Iterator

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from thinc.api import Model, Relu, Softmax, chain

from kg.errors import ModelNotFoundError
from kg.files import write_atomic
from kg.extract.mentions import MENTIONS_KEY
from kg.extract.ner import VECTORS, EncoderNER
from kg.extract.relations import CandidateRelation
from kg.ontology import property_signatures

__all__ = ["MODEL_DIR", "NO_RELATION", "PairFeaturizer", "RelationClassifier", "build_relation_model", "decide",
           "load_relation_model", "pair_key", "proposals_by_pair", "save_relation_model", "sentence_pairs",
           "token_vectors"]

#: Where the shipped relation model lives in the package.
MODEL_DIR: Traversable = files("kg") / "models" / "relations"
#: The label of a pair with no relation.
NO_RELATION = "none"
#: The mention classes the featurizer knows; any other label counts as the last ("other").
MENTION_CLASSES = ("Person", "Organization", "Place", "Product", "AIModel", "Event", "Money", "Date", "Unknown", "other")
#: Where the featurizer reads token vectors: spaCy's shared ``doc.tensor``, the entity encoder's ``doc._.kg_vectors``,
#: or both side by side.
TOKEN_VECTORS = ("tensor", "encoder", "both")


def token_vectors(doc: Doc, source: str) -> numpy.ndarray | None:
    """One row per token from ``source`` (one of :data:`TOKEN_VECTORS`), or ``None`` when the doc lacks them."""
    parts = [doc.tensor if source in ("tensor", "both") else None, doc._.get(VECTORS) if source != "tensor" else None]
    present = [p for p in parts if p is not None and p.ndim == 2 and p.shape[0] == len(doc)]
    if not present or len(present) < (2 if source == "both" else 1):
        return None
    return present[0] if len(present) == 1 else numpy.hstack(present)


def sentence_pairs(doc: Doc, mentions: list[Span], max_gap: int) -> Iterator[tuple[Span, Span]]:
    """Every ordered pair of distinct mentions of one sentence with at most ``max_gap`` tokens between them."""
    by_sentence: dict[int, list[Span]] = {}
    for span in mentions:
        by_sentence.setdefault(span[0].sent.start, []).append(span)
    for group in by_sentence.values():
        for a in group:
            for b in group:
                if a is not b and (a.start >= b.end or b.start >= a.end) and max(a.start, b.start) - min(a.end, b.end) <= max_gap:
                    yield a, b


PairKey = tuple[int, int, int, int]


def pair_key(subject: Span, obj: Span) -> PairKey:
    """The token bounds of an ordered mention pair, as the featurizer and the rules' candidates are matched by."""
    return subject.start, subject.end, obj.start, obj.end


def proposals_by_pair(candidates: list[CandidateRelation]) -> dict[PairKey, tuple[str, ...]]:
    """The properties the rules proposed for each ordered pair, in the rules' order of preference."""
    proposed: dict[PairKey, tuple[str, ...]] = {}
    for cand in candidates:
        key = pair_key(cand.subject, cand.object)
        proposed[key] = proposed.get(key, ()) + cand.predicates
    return proposed


def _path(a: Token, b: Token) -> list[Token]:
    """The tokens on the dependency path from ``a`` to ``b``, both ends left out."""
    up_a = [a, *a.ancestors]
    depth = {t.i: n for n, t in enumerate(up_a)}
    up_b = [b, *b.ancestors]
    for n, token in enumerate(up_b):
        if token.i in depth:
            path = up_a[:depth[token.i] + 1] + up_b[:n][::-1]
            return [t for t in path if t.i not in (a.i, b.i)]
    return []


@dataclass(frozen=True)
class PairFeaturizer:
    """Turn mention pairs into feature vectors; the settings are saved with the model."""

    properties: tuple[str, ...]
    width: int = 96
    vectors: str = "tensor"  # one of TOKEN_VECTORS
    buckets: int = 1024
    window: int = 2
    max_gap: int = 30

    @property
    def size(self) -> int:
        """The length of one feature vector."""
        return 3 * self.width + 2 * len(MENTION_CLASSES) + 2 * len(self.properties) + 5 * self.buckets + 6

    def __call__(self, doc: Doc, pairs: list[tuple[Span, Span]], candidates: list[CandidateRelation]) -> numpy.ndarray:
        """One row per pair (see the module docstring)."""
        X = numpy.zeros((len(pairs), self.size), dtype="float32")
        if not pairs:
            return X
        tensor = token_vectors(doc, self.vectors)
        if tensor is None:
            tensor = numpy.zeros((len(doc), self.width), dtype="float32")
        width = min(self.width, tensor.shape[1]) if tensor.ndim == 2 else 0
        proposed = proposals_by_pair(candidates)
        prop_index = {p: n for n, p in enumerate(self.properties)}
        class_index = {c: n for n, c in enumerate(MENTION_CLASSES)}
        W, C, P, B = self.width, len(MENTION_CLASSES), len(self.properties), self.buckets
        o_class, o_rule, o_bag = 3 * W, 3 * W + 2 * C, 3 * W + 2 * C + 2 * P
        o_scalar = o_bag + 5 * B
        mention_starts = sorted(m.start for m in {c for pair in pairs for c in pair})
        for row, (a, b) in enumerate(pairs):
            x = X[row]
            first, second = (a, b) if a.start < b.start else (b, a)
            if width:
                x[0:width] = tensor[a.start:a.end, :width].mean(axis=0)
                x[W:W + width] = tensor[b.start:b.end, :width].mean(axis=0)
                if second.start > first.end:
                    x[2 * W:2 * W + width] = tensor[first.end:second.start, :width].mean(axis=0)
            x[o_class + class_index.get(a.label_, C - 1)] = 1
            x[o_class + C + class_index.get(b.label_, C - 1)] = 1
            for offset, key in ((o_rule, pair_key(a, b)), (o_rule + P, pair_key(b, a))):  # proposed forwards, backwards
                for n, p in enumerate(proposed.get(key, ())):
                    if p in prop_index:
                        x[offset + prop_index[p]] = max(x[offset + prop_index[p]], 1.0 / (n + 1))
            between = doc[first.end:second.start]
            for token in between:
                x[o_bag + token.lemma % B] = 1
            sentence = a[0].sent
            outside = [*doc[max(sentence.start, first.start - self.window):first.start],
                       *doc[second.end:min(sentence.end, second.end + self.window)]]
            for token in outside:
                x[o_bag + B + token.lemma % B] = 1
            for n, span in enumerate((a, b)):
                for token in span:
                    x[o_bag + (3 + n) * B + token.lower % B] = 1
            path = _path(a.root, b.root)
            for token in path:
                x[o_bag + 2 * B + (token.lemma * 31 + token.dep) % B] = 1
            x[o_scalar] = 1.0 if a.start < b.start else 0.0
            x[o_scalar + 1] = math.log1p(len(between)) / 4
            x[o_scalar + 2] = len(path) / 10
            x[o_scalar + 3] = 1.0 if any(t.text == "," for t in between) else 0.0
            x[o_scalar + 4] = 1.0 if any(t.pos_ in ("VERB", "AUX") for t in between) else 0.0
            x[o_scalar + 5] = (bisect_left(mention_starts, second.start) - bisect_right(mention_starts, first.start)) / 3
        return X


def build_relation_model(n_features: int, labels: int, hidden: int = 256, dropout: float = 0.2) -> Model:
    """The pair classifier: one hidden ReLU layer and a softmax over the labels (``none`` first)."""
    return chain(Relu(nO=hidden, nI=n_features, dropout=dropout), Softmax(nO=labels, nI=hidden))


@dataclass
class RelationModel:
    """A trained relation classifier with its featurizer, labels, thresholds and name."""

    model: Model
    featurizer: PairFeaturizer
    labels: tuple[str, ...]  # labels[0] is NO_RELATION
    keep: float  # a rule's proposal stands when the model gives it at least this probability
    add: float  # the model states a relation no rule proposed when its probability reaches this
    name: str
    version: str
    hidden: int

    @property
    def rule(self) -> str:
        """What a relation it finds names as its origin (``kg:rule``): the model and its version."""
        return f"model:{self.name}@{self.version}"


def save_relation_model(relation_model: RelationModel, path: Path, *, meta: dict[str, Any] | None = None) -> None:
    """Write the weights (``model.bin``) and settings (``config.json``) into folder ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    f = relation_model.featurizer
    config = {"name": relation_model.name, "version": relation_model.version, "labels": list(relation_model.labels),
              "keep": relation_model.keep, "add": relation_model.add, "hidden": relation_model.hidden,
              "featurizer": {"properties": list(f.properties), "width": f.width, "vectors": f.vectors,
                             "buckets": f.buckets, "window": f.window, "max_gap": f.max_gap}, **(meta or {})}
    write_atomic(path / "model.bin", relation_model.model.to_bytes())
    write_atomic(path / "config.json", json.dumps(config, indent=2) + "\n")


def load_relation_model(path: str | os.PathLike[str] | Traversable | None = None) -> RelationModel:
    """Read a relation model saved by :func:`save_relation_model` (the shipped one by default)."""
    path = MODEL_DIR if path is None else path if isinstance(path, Traversable) else Path(path)
    if not (path / "config.json").is_file() or not (path / "model.bin").is_file():
        raise ModelNotFoundError(f"no trained relation model in {path}; build one with `kg train`")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    settings = config["featurizer"]
    featurizer = PairFeaturizer(properties=tuple(settings["properties"]), width=settings["width"],
                                vectors=settings.get("vectors", "tensor"), buckets=settings["buckets"], window=settings["window"], max_gap=settings["max_gap"])
    model = build_relation_model(featurizer.size, len(config["labels"]), hidden=config["hidden"])
    model.initialize()
    model.from_bytes((path / "model.bin").read_bytes())
    return RelationModel(model, featurizer, tuple(config["labels"]), float(config["keep"]), float(config["add"]),
                         config["name"], config["version"], config["hidden"])


@Language.factory("kg_relation_classifier", default_config={"model_path": None, "keep": None, "add": None})
def make_relation_classifier(nlp: Language, name: str, model_path: str | None, keep: float | None,
                             add: float | None) -> "RelationClassifier":
    """Load the relation model (``kg/models/relations`` by default); ``keep`` and ``add`` override its tuned thresholds."""
    relation_model = load_relation_model(model_path)
    if relation_model.featurizer.vectors != "tensor" and not any(isinstance(pipe, EncoderNER) for _, pipe in nlp.pipeline):
        raise ModelNotFoundError(f"the relation model {relation_model.name} reads the vectors of kg's trained entity "
                                 "recogniser, which this pipeline lacks: load it with extractor='learned'")
    relation_model.keep = relation_model.keep if keep is None else keep
    relation_model.add = relation_model.add if add is None else add
    return RelationClassifier(name, relation_model)


def decide(scores: numpy.ndarray, proposed: list[list[int]], keep: float, add: float) -> numpy.ndarray:
    """The label index of each pair: the rules' proposed label with the highest probability if that reaches
    ``keep``, else the model's best label if it reaches ``add``, else 0 (``none``).

    >>> decide(numpy.array([[0.9, 0.08, 0.02], [0.3, 0.1, 0.6]]), [[1], []], keep=0.05, add=0.5).tolist()
    [1, 2]
    """
    if scores.shape[1] < 2:
        return numpy.zeros(len(scores), dtype="int64")  # a model that knows no property
    best = scores[:, 1:].argmax(axis=1) + 1
    decided = numpy.where(scores[numpy.arange(len(scores)), best] >= add, best, 0)
    for i, labels in enumerate(proposed):
        if labels:
            top = max(labels, key=lambda label: scores[i, label])
            if scores[i, top] >= keep:
                decided[i] = top
    return decided


class RelationClassifier:
    """Decide the relation of each mention pair with a trained model; see the module docstring."""

    def __init__(self, name: str, relation_model: RelationModel) -> None:
        self.name = name
        self.relation_model = relation_model
        self.index = {label: n for n, label in enumerate(relation_model.labels) if n}
        self.signatures = property_signatures()

    def __call__(self, doc: Doc) -> Doc:
        rules: list[CandidateRelation] = doc._.kg_relations or []
        model = self.relation_model
        pairs = list(sentence_pairs(doc, list(doc.spans[MENTIONS_KEY]), model.featurizer.max_gap))
        if not pairs:
            return doc
        row_of = {pair_key(a, b): n for n, (a, b) in enumerate(pairs)}
        rows = [row_of.get(pair_key(cand.subject, cand.object)) for cand in rules]
        proposed: list[list[int]] = [[] for _ in pairs]
        for cand, n in zip(rules, rows):
            if n is not None:
                proposed[n] += [self.index[p] for p in cand.predicates if p in self.index]
        scores = model.model.predict(model.featurizer(doc, pairs, rules))
        decided = decide(scores, proposed, model.keep, model.add)
        kept: list[CandidateRelation] = []
        for cand, n in zip(rules, rows):
            known = {p for p in cand.predicates if p in self.index}
            if n is not None and known and model.labels[decided[n]] not in cand.predicates:
                cand = replace(cand, vote_only=cand.vote_only | known)  # the model rejected it: it only votes on classes
            kept.append(cand)
        found: dict[tuple[Span, Span, str], float] = {}
        for n, (a, b) in enumerate(pairs):
            label = int(decided[n])
            if not label or label in proposed[n]:
                continue  # no relation, or a rule's proposal the model kept: the rule states it
            prop = model.labels[label]
            if self.signatures[prop].symmetric and a.start > b.start:
                a, b = b, a  # a symmetric relation is stated once per pair
            found[(a, b, prop)] = max(found.get((a, b, prop), 0.0), float(scores[n, label]))
        for (a, b, prop), probability in found.items():
            kept.append(CandidateRelation(subject=a, predicates=(prop,), object=b, sentence=a[0].sent, rule=model.rule,
                                          confidence=round(probability, 3), class_votes=False))
        doc._.kg_relations = kept
        return doc
