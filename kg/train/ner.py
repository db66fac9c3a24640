"""Fine-tune kg's entity recogniser, a sentence encoder tagging words, on kg's gold data with pseudo-rehearsal.

Each training text is run through the base spaCy pipeline first, and its entities become the target
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

The targets become BIO tags over each sentence's words, and the encoder named in
``kg/data/training/ner.cfg`` (all-MiniLM-L6-v2) is fine-tuned with a token-classification head on
them (torch and transformers, the ``train`` extra), then exported to ONNX and quantised to 8-bit
integers, which :mod:`kg.extract.ner` runs with onnxruntime. ``kg train`` (``make models``) rebuilds
the shipped weights.
"""

from __future__ import annotations

import importlib
import json
import math
import random
import shutil
import tempfile
import time
import warnings
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import spacy
from spacy.tokens import Doc, Span

from kg.errors import UsageError
from kg.evaluate import CONLL04_ENTITY_CLASSES, DOCRED_ENTITY_CLASSES, SCORED_CLASSES, _coarse
from kg.extract.pipeline import load_pipeline
from kg.files import write_atomic
from kg.ontology import load_lexicon
from kg.train.corpus import GoldDocument

__all__ = ["MODEL_NAME", "MODEL_VERSION", "entity_labels", "rehearsal_doc", "sentence_tags", "train_ner"]

MODEL_NAME = "kg_ner"
MODEL_VERSION = "2.0.0"
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


def _config() -> dict[str, Any]:
    return spacy.util.load_config(Path(str(resources.files("kg") / "data" / "training" / "ner.cfg"))).interpolate()


def sentence_tags(doc: Doc, max_words: int) -> list[tuple[list[str], list[str | None]]]:
    """The words of each sentence (whitespace left out, at most ``max_words`` a part) and their BIO tags from
    ``doc.ents``; a word the target leaves missing is tagged ``None`` (no loss).

    >>> doc = Doc(spacy.blank("en").vocab, words=["Ann", "Lee", "left", "Acme", "."], sent_starts=[True, False, False, False, False])
    >>> doc.set_ents([Span(doc, 0, 2, "PERSON")], missing=[doc[3:4]], default="outside")
    >>> sentence_tags(doc, max_words=3)
    [(['Ann', 'Lee', 'left'], ['B-PERSON', 'I-PERSON', 'O']), (['Acme', '.'], [None, 'O'])]
    """
    parts = []
    for sent in doc.sents:
        tokens = [t for t in sent if not t.is_space]
        for start in range(0, len(tokens), max_words):
            part = tokens[start:start + max_words]
            parts.append(([t.text for t in part], [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else
                                                   "O" if t.ent_iob_ == "O" else None for t in part]))
    return parts


def _f1(gold: list[list[str | None]], predicted: list[list[str]]) -> float:
    """Exact-span F1 of predicted BIO sequences against gold (missing words count as outside)."""
    from kg.extract.ner import decode_tags

    found = correct = expected = 0
    for g, p in zip(gold, predicted):
        g_spans = set(decode_tags([t or "O" for t in g]))
        p_spans = set(decode_tags(p))
        found, expected, correct = found + len(p_spans), expected + len(g_spans), correct + len(g_spans & p_spans)
    return round(2 * correct / (found + expected), 4) if found + expected else 0.0


def train_ner(documents: list[GoldDocument], output: Path, *, seed: int = 0, base_model: str | None = None,
              epochs: int | None = None, max_sentences: int | None = None, sources: Sequence[str] = ()) -> dict[str, Any]:
    """Fine-tune the encoder on ``documents`` and save it at ``output`` (ONNX, tokenizer and settings).

    A seeded share of the texts (``ner.cfg``'s ``dev_fraction``) is held out and its F1 reported;
    ``epochs`` and ``max_sentences`` (a cap on the training sentences) override the config for quick
    runs; ``sources`` (the training data's names) are recorded in the output's ``config.json``.
    Returns a summary of the run. Needs the ``train`` extra (torch, transformers, the encoder).
    """
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise UsageError(f"training the entity recogniser needs the train extra (pip install 'kg[train]'): {exc}") from exc
    started = time.monotonic()
    config = _config()
    settings, limits = config["training"], config["inference"]
    encoder = getattr(importlib.import_module(config["encoder"]["package"]), config["encoder"]["path_function"])()
    rules = load_pipeline(base_model)
    labels = entity_labels()
    splits = _split(documents, settings["dev_fraction"], seed)
    upto_ner = rules.pipe_names[: rules.pipe_names.index("ner") + 1]
    tags = ["O"] + [f"{p}-{label}" for label in rules.get_pipe("ner").labels for p in "BI"]
    data: dict[str, list[tuple[list[str], list[str | None]]]] = {}
    with rules.select_pipes(enable=upto_ner):
        for split, docs in splits.items():
            data[split] = [part for doc, gold in zip(rules.pipe((d.text for d in docs), batch_size=32), docs)
                           for part in sentence_tags(rehearsal_doc(doc, gold, labels), limits["max_words"])]
    rng = random.Random(seed)
    if max_sentences is not None and len(data["train"]) > max_sentences:
        data["train"] = rng.sample(data["train"], max_sentences)
    torch.manual_seed(seed)
    torch.set_num_threads(settings["threads"])
    transformers.logging.set_verbosity_error()  # not the head's "newly initialized" notice: it is the one trained here
    transformers.utils.logging.disable_progress_bar()
    tokenizer = transformers.AutoTokenizer.from_pretrained(encoder)
    model = transformers.AutoModelForTokenClassification.from_pretrained(
        encoder, num_labels=len(tags), id2label=dict(enumerate(tags)), label2id={t: n for n, t in enumerate(tags)})
    tag_id = {t: n for n, t in enumerate(tags)}

    def encode(batch: list[tuple[list[str], list[str | None]]]) -> dict[str, Any]:
        inputs = tokenizer([words for words, _ in batch], is_split_into_words=True, truncation=True,
                           max_length=limits["max_pieces"], padding=True, return_tensors="pt")
        targets = torch.full(inputs["input_ids"].shape, -100, dtype=torch.long)
        for row, (_, word_tags) in enumerate(batch):
            seen: set[int] = set()
            for piece, word in enumerate(inputs.word_ids(row)):
                if word is not None and word not in seen:
                    seen.add(word)
                    if word_tags[word] is not None:
                        targets[row, piece] = tag_id[word_tags[word]]
        return {**inputs, "labels": targets}

    size = settings["batch_size"]
    steps = settings["epochs"] if epochs is None else epochs
    total = steps * math.ceil(len(data["train"]) / size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings["learning_rate"], weight_decay=settings["weight_decay"])
    schedule = transformers.get_linear_schedule_with_warmup(optimizer, int(total * settings["warmup"]), total)
    model.train()
    for _ in range(steps):
        order = list(range(len(data["train"])))
        rng.shuffle(order)
        batches = []
        for start in range(0, len(order), size * 50):  # similar lengths in a batch: less padding
            chunk = sorted(order[start:start + size * 50], key=lambda i: len(data["train"][i][0]))
            batches += [chunk[i:i + size] for i in range(0, len(chunk), size)]
        rng.shuffle(batches)
        for batch in batches:
            loss = model(**encode([data["train"][i] for i in batch])).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
    model.eval()
    summary = {"sources": list(sources), "encoder": Path(encoder).parent.name, "train_documents": len(splits["train"]),
               "dev_documents": len(splits["dev"]), "train_sentences": len(data["train"]), "seed": seed, "epochs": steps,
               "torch": torch.__version__, "transformers": transformers.__version__}
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))  # renamed into place when complete
    try:
        _export(model, tokenizer, work, torch)
        shutil.copyfile(Path(encoder) / "tokenizer.json", work / "tokenizer.json")
        saved = {"name": MODEL_NAME, "version": MODEL_VERSION, "tags": tags, "max_words": limits["max_words"],
                 "max_pieces": limits["max_pieces"], "training": summary}
        write_atomic(work / "config.json", json.dumps(saved, indent=2) + "\n")
        from kg.extract.ner import EncoderNER

        tagger = EncoderNER("ner", work, threads=settings["threads"])
        summary["dev_ents_f"] = _f1([t for _, t in data["dev"]], tagger.tag_words([words for words, _ in data["dev"]]))
        summary["seconds"] = round(time.monotonic() - started, 1)
        write_atomic(work / "config.json", json.dumps(saved, indent=2) + "\n")
        if output.exists():
            shutil.rmtree(output)
        work.rename(output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary


def _export(model: Any, tokenizer: Any, folder: Path, torch: Any) -> None:
    """Write ``folder/model.onnx``: the fine-tuned model in ONNX, its weights quantised to 8-bit integers, with two
    outputs: the tag scores of each word piece (``logits``) and the encoder's last hidden states (``hidden``)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Tagger(torch.nn.Module):  # the model's two outputs as a tuple, which the exporter names
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> tuple[Any, Any]:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                             output_hidden_states=True)
            return out.logits, out.hidden_states[-1]

    sample = tokenizer(["Ann", "Lee", "joined", "Acme", "."], is_split_into_words=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "pieces"} for name in [*names, "logits", "hidden"]}
    full = folder / "model-fp32.onnx"
    with warnings.catch_warnings():  # the tracer's notes on shapes it fixes: the axes above stay dynamic
        warnings.simplefilter("ignore")
        torch.onnx.export(Tagger(), tuple(sample[name] for name in names), str(full), input_names=names,
                          output_names=["logits", "hidden"], dynamic_axes=axes, opset_version=17, dynamo=False)
    quantize_dynamic(str(full), str(folder / "model.onnx"), weight_type=QuantType.QInt8)
    full.unlink()
