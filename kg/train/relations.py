"""Train the relation classifier of :mod:`kg.extract.classifier` on gold documents.

Each gold document runs through the pipeline up to the rules (``kg_relations``), so the
model learns on the mentions and rule proposals it will see at run time. A mention is
aligned to the gold entity one of whose mentions covers at least half of both; a pair of
aligned mentions takes the gold property of its two entities (the rules' more specific
``leads`` or ``founded`` where the gold says only ``worksFor``), every other pair is
``none``. A tenth of each data set's documents, chosen by the seed, is held out to pick the
epoch and the thresholds of :func:`~kg.extract.classifier.decide`.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span
from thinc.api import Adam, CategoricalCrossentropy, fix_random_seed

from kg.extract.classifier import (
    NO_RELATION, PairFeaturizer, RelationModel, build_relation_model, decide, pair_key, proposals_by_pair, save_relation_model,
    sentence_pairs, token_vectors,
)
from kg.extract.mentions import MENTIONS_KEY
from kg.extract.ner import EncoderNER
from kg.extract.relations import CandidateRelation
from kg.ontology import property_signatures
from kg.train.corpus import GoldDocument

__all__ = ["align_mentions", "pair_labels", "train_relations"]

#: Where the gold says only "works for", a rule's more specific reading of the same pair is kept.
_MORE_SPECIFIC = {"worksFor": ("leads", "founded")}


def align_mentions(mentions: list[Span], gold: GoldDocument) -> list[int | None]:
    """The gold entity each mention stands for (``None``: no gold entity covers it)."""
    spans = [(start, end, index) for index, entity in enumerate(gold.entities) for start, end in entity.mentions]
    aligned: list[int | None] = []
    for mention in mentions:
        best, best_overlap = None, 0
        for start, end, index in spans:
            overlap = min(end, mention.end_char) - max(start, mention.start_char)
            if overlap > best_overlap and 2 * overlap >= max(end - start, mention.end_char - mention.start_char):
                best, best_overlap = index, overlap
        aligned.append(best)
    return aligned


def pair_labels(doc: Doc, gold: GoldDocument, featurizer: PairFeaturizer
                ) -> tuple[list[tuple[Span, Span]], list[str], list[frozenset[str]]]:
    """The mention pairs of ``doc`` the classifier sees, each with its gold label and the properties the rules proposed."""
    mentions = list(doc.spans[MENTIONS_KEY])
    entity_of = {(m.start, m.end): e for m, e in zip(mentions, align_mentions(mentions, gold))}
    signatures = property_signatures()
    gold_props: dict[tuple[int, int], set[str]] = {}
    for head, prop, tail in gold.relations:
        if prop not in signatures:
            continue
        gold_props.setdefault((head, tail), set()).add(prop)
        if signatures[prop].symmetric:
            gold_props.setdefault((tail, head), set()).add(prop)
    proposed = proposals_by_pair(doc._.kg_relations or [])
    pairs, labels, proposals = [], [], []
    for a, b in sentence_pairs(doc, mentions, featurizer.max_gap):
        ea, eb = entity_of[(a.start, a.end)], entity_of[(b.start, b.end)]
        props = gold_props.get((ea, eb), set()) if ea is not None and eb is not None and ea != eb else set()
        rules = frozenset(proposed.get(pair_key(a, b), ()))
        label = NO_RELATION
        if props:
            specific = [p for prop in sorted(props) for p in _MORE_SPECIFIC.get(prop, ()) if p in rules]
            agreed = [p for p in sorted(props) if p in rules]
            label = (specific or agreed or sorted(props))[0]
        pairs.append((a, b))
        labels.append(label)
        proposals.append(rules)
    return pairs, labels, proposals


@dataclass
class _Pairs:
    """Feature rows, gold labels and rule proposals of many mention pairs."""

    X: numpy.ndarray
    labels: list[str]
    proposals: list[frozenset[str]]
    documents: list[int]  # the index of each pair's document


def _featurize(docs: list[tuple[int, Doc, GoldDocument]], featurizer: PairFeaturizer) -> _Pairs:
    rows, labels, proposals, documents = [], [], [], []
    for index, doc, gold in docs:
        pairs, doc_labels, doc_proposals = pair_labels(doc, gold, featurizer)
        rows.append(featurizer(doc, pairs, doc._.kg_relations or []))
        labels += doc_labels
        proposals += doc_proposals
        documents += [index] * len(pairs)
    X = numpy.concatenate(rows) if rows else numpy.zeros((0, featurizer.size), dtype="float32")
    return _Pairs(X, labels, proposals, documents)


def _f1(decided: numpy.ndarray, gold: numpy.ndarray) -> float:
    tp = int(((decided == gold) & (gold > 0)).sum())
    fp = int(((decided > 0) & (decided != gold)).sum())
    fn = int(((gold > 0) & (decided != gold)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _repeated_rows(documents: list[int], weights: list[int]) -> numpy.ndarray:
    """Row indices in which each document's block of rows (``documents``: each row's document, in blocks) is
    repeated as many times as its weight says, block after block.

    >>> _repeated_rows([0, 0, 1], [2, 1]).tolist()
    [0, 1, 0, 1, 2]
    """
    rows: list[int] = []
    for document, block in groupby(range(len(documents)), key=documents.__getitem__):
        rows += list(block) * weights[document]
    return numpy.array(rows, dtype="int64")


def _held_out(sources: list[str], seed: int) -> set[int]:
    """A tenth of each data set's documents (at least one of each with more than one), chosen by ``seed``."""
    rng = random.Random(seed)
    held: set[int] = set()
    for source in sorted(set(sources)):
        members = [i for i, s in enumerate(sources) if s == source]
        rng.shuffle(members)
        held.update(members[:max(1, len(members) // 10)] if len(members) > 1 else [])
    return held


def _best_thresholds(scores: numpy.ndarray, proposed: list[list[int]], gold: numpy.ndarray,
                     sources: list[str]) -> tuple[float, float, float]:
    """The ``keep`` and ``add`` thresholds (see :func:`~kg.extract.classifier.decide`) that maximise the mean over
    data sets of the micro F1 over their pairs, and that mean."""
    groups = [numpy.array([s == source for s in sources]) for source in sorted(set(sources))]
    result = (0.5, 0.5, -1.0)
    for keep in (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.01):
        for add in numpy.arange(0.1, 1.0, 0.05):
            decided = decide(scores, proposed, keep, float(add))
            f1 = sum(_f1(decided[g], gold[g]) for g in groups) / len(groups)
            if f1 > result[2]:
                result = (keep, round(float(add), 2), f1)
    return result


def train_relations(documents: list[GoldDocument], nlp: Language, output: Path, *, seed: int = 0, epochs: int = 12,
                    min_examples: int = 20, hidden: int = 256, name: str = "kg-relations", version: str = "1.0.0",
                    batch_size: int = 64, weights: list[int] | None = None, sources: list[str] | None = None,
                    vectors: str | None = None) -> dict[str, Any]:
    """Train the pair classifier on ``documents`` with ``nlp`` (a pipeline up to ``kg_relations``) and save it in ``output``.

    ``weights`` gives how many times each document's pairs count in training (default once);
    ``vectors`` says which token vectors the featurizer pools (see
    :data:`~kg.extract.classifier.TOKEN_VECTORS`; default: the states of kg's trained entity recogniser
    when ``nlp`` has it (``bench/encoders.py`` compares the options), else ``doc.tensor``).
    ``sources`` names each document's data set: a tenth of each is held out, and the thresholds maximise the
    mean of the data sets' F1, so no one data set's style decides them.
    Returns the held-out scores and what was trained on.

    >>> train_relations(read_gold("conll04_train.json"), load_pipeline(), Path("relations"))  # doctest: +SKIP
    {'labels': [...], 'keep': 0.05, 'add': 0.55, 'dev_f1': 0.61, ...}
    """
    fix_random_seed(seed)
    sources = sources or ["all"] * len(documents)
    dev_ids = _held_out(sources, seed)
    parsed = list(zip(nlp.pipe((d.text for d in documents), batch_size=16), documents))
    if vectors is None:
        vectors = "encoder" if any(isinstance(pipe, EncoderNER) for _, pipe in nlp.pipeline) else "tensor"
    first = token_vectors(parsed[0][0], vectors) if parsed else None
    width = first.shape[1] if first is not None and first.ndim == 2 and first.shape[1] else 96
    featurizer = PairFeaturizer(properties=tuple(sorted(property_signatures())), width=width, vectors=vectors)
    train = _featurize([(i, *p) for i, p in enumerate(parsed) if i not in dev_ids], featurizer)
    dev = _featurize([(i, *p) for i, p in enumerate(parsed) if i in dev_ids], featurizer)
    dev_sources = [sources[i] for i in dev.documents]
    rows = _repeated_rows(train.documents, weights or [1] * len(documents))  # each document's rows, its weight times
    counts = Counter(train.labels[r] for r in rows)
    labels = (NO_RELATION, *sorted(p for p, n in counts.items() if p != NO_RELATION and n >= min_examples))
    index = {label: n for n, label in enumerate(labels)}
    gold_train = numpy.array([index.get(y, 0) for y in train.labels], dtype="int64")[rows]
    gold_dev = numpy.array([index.get(y, 0) for y in dev.labels], dtype="int64")
    proposed_dev = [[index[p] for p in proposal if p in index and p != NO_RELATION] for proposal in dev.proposals]
    model = build_relation_model(featurizer.size, len(labels), hidden=hidden)
    eye = numpy.eye(len(labels), dtype="float32")
    model.initialize(X=train.X[rows[:8]], Y=eye[gold_train[:8]])
    optimizer, loss = Adam(0.001), CategoricalCrossentropy(normalize=True)
    rng = numpy.random.default_rng(seed)
    best: tuple[float, float, float, bytes, int] = (-1.0, 0.5, 0.5, model.to_bytes(), 0)
    for epoch in range(1, epochs + 1):
        permutation = rng.permutation(len(rows))
        for start in range(0, len(permutation), batch_size):
            batch = permutation[start:start + batch_size]
            guesses, backprop = model.begin_update(train.X[rows[batch]])
            gradient, _ = loss(guesses, eye[gold_train[batch]])
            backprop(gradient)
            model.finish_update(optimizer)
        if len(dev.X):
            keep, add, f1 = _best_thresholds(model.predict(dev.X), proposed_dev, gold_dev, dev_sources)
            if f1 > best[0]:
                best = (f1, keep, add, model.to_bytes(), epoch)
    if len(dev.X):
        model.from_bytes(best[3])
    relation_model = RelationModel(model, featurizer, labels, best[1], best[2], name, version, hidden)
    meta = {"seed": seed, "epoch": best[4], "dev_f1": round(best[0], 4), "train_pairs": len(rows),
            "dev_pairs": len(dev.labels), "examples": {label: counts[label] for label in labels}}
    save_relation_model(relation_model, output, meta={"training": meta})
    return {"labels": list(labels), "keep": best[1], "add": best[2], **meta}
