"""Fine-tune spaCy's entity recogniser on kg's gold data, with pseudo-rehearsal of what it already knows.

Each training text is run through the original pipeline first, and its entities become the target
with these changes:

* a gold mention of a class kg scores replaces them on its tokens: Person as PERSON, Organization as
  ORG, Place as GPE (or LOC or FAC when the model said so for that exact span), Product and AIModel
  as PRODUCT; a Place the model calls NORP for that exact span (DocRED's LOC "French") stays NORP,
  as kg's article gold has nationalities, and a Place the model reads as several places with only
  punctuation between ("Fort Worth , Texas", one Loc in CoNLL04) stays several;
* a gold mention of a class the data set does not score (CoNLL04 Other, DocRED MISC) keeps the
  model's entity when it has exactly that span and is otherwise marked missing: no loss either way;
* the model's entities that overlap no gold mention are kept, so DATE, MONEY, NORP ... are
  rehearsed, except persons, organisations and places, which every gold format annotates in full.

Training is spaCy's own (:func:`spacy.cli.train.train`) from ``kg/data/training/ner.cfg``, which
sources the ``ner`` of the base model (its tok2vec is its own, so nothing else changes); the result
is a pipeline of that one component. ``kg train`` (``make models``) rebuilds
the shipped weights.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

import spacy
from spacy.cli.train import train as spacy_train
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from kg.evaluate import CONLL04_ENTITY_CLASSES, DOCRED_ENTITY_CLASSES, SCORED_CLASSES, _coarse
from kg.extract.pipeline import load_pipeline
from kg.ontology import load_lexicon
from kg.train.corpus import GoldDocument

__all__ = ["MODEL_NAME", "MODEL_VERSION", "entity_labels", "rehearsal_doc", "train_ner"]

MODEL_NAME = "kg_ner"
MODEL_VERSION = "1.0.0"
#: Nationalities and other groups: a gold Place the model calls this stays a group.
_GROUP = "NORP"
#: kg classes that CoNLL04, DocRED and article gold all annotate in full.
_EXHAUSTIVE = set(CONLL04_ENTITY_CLASSES.values()) & set(DOCRED_ENTITY_CLASSES.values()) & set(SCORED_CLASSES)


def entity_labels(lexicon: dict[str, Any] | None = None) -> dict[str, tuple[str, ...]]:
    """The spaCy labels of each kg class, in the lexicon's order (the first is used when the model offers none).

    >>> entity_labels()["Place"]
    ('GPE', 'LOC', 'FAC')
    """
    labels: dict[str, tuple[str, ...]] = {}
    for label, cls in (lexicon or load_lexicon())["ner_classes"].items():
        labels[cls] = (*labels.get(cls, ()), label)
    return labels


def rehearsal_doc(doc: Doc, document: GoldDocument, labels: dict[str, tuple[str, ...]]) -> Doc:
    """Set ``doc.ents`` (the original model's entities on ``document.text``) to the training target described above."""
    predicted = {(ent.start, ent.end): ent.label_ for ent in doc.ents}
    spans: list[tuple[Span, str | None]] = []
    for entity in document.entities:
        cls = _coarse(entity.cls) if entity.cls and _coarse(entity.cls) in labels else None  # None: not scored
        for start, end in entity.mentions:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None and len(span):
                spans.append((span, cls))
    spans.sort(key=lambda s: (s[1] is None, -len(s[0]), s[0].start))  # scored first, then longest
    taken: set[int] = set()
    entities: list[Span] = []
    missing: list[Span] = []
    for span, cls in spans:
        tokens = set(range(span.start, span.end))
        if tokens & taken:
            continue
        taken |= tokens
        label = predicted.get((span.start, span.end))
        parts = [ent for ent in doc.ents if span.start <= ent.start and ent.end <= span.end]
        if cls == "Place" and _separate_places(span, parts, labels[cls]):
            entities += parts
            continue
        if cls is not None and not (cls == "Place" and label == _GROUP):
            label = label if label in labels[cls] else labels[cls][0]
        if label:
            entities.append(Span(doc, span.start, span.end, label))
        else:
            missing.append(span)
    dropped = {label for cls, options in labels.items() if cls in _EXHAUSTIVE for label in options}
    entities += [ent for ent in doc.ents if ent.label_ not in dropped and taken.isdisjoint(range(ent.start, ent.end))]
    doc.set_ents(entities, missing=missing, default="outside")
    return doc


def _separate_places(span: Span, parts: list[Span], place_labels: tuple[str, ...]) -> bool:
    """Whether the model read a gold place as several places with only punctuation between: "Fort Worth , Texas" is two
    places for kg (the second contains the first), though CoNLL04 writes one."""
    inside = {i for part in parts for i in range(part.start, part.end)}
    return len(parts) > 1 and all(part.label_ in place_labels for part in parts) and \
        all(token.is_punct for token in span if token.i not in inside)


def _split(documents: list[GoldDocument], dev_fraction: float, seed: int) -> dict[str, list[GoldDocument]]:
    """A seeded dev split of about ``dev_fraction`` of the distinct texts (at least one); copies of a text stay together.

    >>> docs = [GoldDocument(str(i), f"text {i}", []) for i in range(10)] + [GoldDocument("again", "text 3", [])]
    >>> parts = _split(docs, 0.2, seed=0)
    >>> len(parts["dev"]), len(parts["train"]), {d.text for d in parts["dev"]} & {d.text for d in parts["train"]}
    (2, 9, set())
    """
    texts = list(dict.fromkeys(d.text for d in documents))
    if len(texts) < 2:
        raise ValueError("training needs at least two distinct documents (one is held out for checkpointing)")
    random.Random(seed).shuffle(texts)
    dev = set(texts[: max(1, math.ceil(len(texts) * dev_fraction))])
    return {"dev": [d for d in documents if d.text in dev], "train": [d for d in documents if d.text not in dev]}


def _doc_bin(docs: Iterable[Doc]) -> DocBin:
    return DocBin(attrs=["ENT_IOB", "ENT_TYPE"], docs=docs)


def _config_path() -> Path:
    return Path(str(resources.files("kg") / "data" / "training" / "ner.cfg"))


def train_ner(documents: list[GoldDocument], output: Path, *, seed: int = 0, base_model: str | None = None,
              max_steps: int | None = None, dev_fraction: float = 0.1, sources: Sequence[str] = ()) -> dict[str, Any]:
    """Fine-tune the base model's ``ner`` on ``documents`` and save it at ``output`` as a pipeline of that one component.

    A seeded ``dev_fraction`` of the documents is held out as spaCy's dev set (it picks the best
    checkpoint); ``max_steps`` overrides the config's step budget; ``sources`` (the training data's
    names) are recorded in the output's ``meta.json``. Returns a summary of the run.
    """
    started = time.monotonic()
    rules = load_pipeline(base_model)
    labels = entity_labels()
    splits = _split(documents, dev_fraction, seed)
    upto_ner = rules.pipe_names[: rules.pipe_names.index("ner") + 1]
    with tempfile.TemporaryDirectory() as tmp, rules.select_pipes(enable=upto_ner):
        work = Path(tmp)
        for split, docs in splits.items():
            annotated = (rehearsal_doc(doc, gold, labels) for doc, gold in
                         zip(rules.pipe((d.text for d in docs), batch_size=32), docs))
            _doc_bin(annotated).to_disk(work / f"{split}.spacy")
        overrides: dict[str, Any] = {
            "paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy"),
            "paths.base": str(rules.path), "system.seed": seed, "training.seed": seed,
        }
        training = spacy.util.load_config(_config_path())["training"]
        if max_steps is not None:
            overrides |= {"training.max_steps": max_steps,
                          "training.eval_frequency": max(1, min(training["eval_frequency"], max_steps // 2))}
        spacy_train(_config_path(), work / "out", overrides=overrides)
        best = spacy.load(work / "out" / "model-best")
        summary = {
            "sources": list(sources), "train_documents": len(splits["train"]), "dev_documents": len(splits["dev"]),
            "seed": seed, "max_steps": overrides.get("training.max_steps", training["max_steps"]),
            "base_model": f"{rules.meta['lang']}_{rules.meta['name']}-{rules.meta['version']}",
            "dev_ents_f": best.meta.get("performance", {}).get("ents_f"), "seconds": round(time.monotonic() - started, 1),
        }
        _save(best, Path(output), summary)
    return summary


def _save(best: Language, output: Path, summary: dict[str, Any]) -> None:
    """Write only the trained ``ner`` (in a blank English pipeline) with kg's meta and the training summary."""
    shipped = spacy.blank("en")
    shipped.add_pipe("ner", source=best)
    shipped.meta.update(name=MODEL_NAME, version=MODEL_VERSION, description="kg's fine-tuned entity recogniser (kg.train.ner)",
                        training=summary, performance=best.meta.get("performance", {}))
    output.mkdir(parents=True, exist_ok=True)
    shipped.to_disk(output)
