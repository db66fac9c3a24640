"""Corpus throughput: `kg build --store` words/s against plain `nlp.pipe`, then 2 workers against 1, in one run.

Run: .venv/bin/python bench/throughput.py [--corpus-dir ../shared/eval/redocred] [--docs 1000] [--batch-size 64] [--json]

The corpus is the Re-DocRED dev and test documents (1,000) in --corpus-dir or,
when that folder is absent, the example articles' paragraphs repeated under
distinct ids. Timed in this process, each on a fresh store: plain `nlp.pipe`
of the bare model; `build_store` (extraction, resolution, RDF and store writes,
the Python API behind `kg build --store`) in this process; and `build_store`
with 2 worker processes (their start-up and model loading included). Only the
ratios mean anything. Targets: kg build --store >= 0.8 of plain nlp.pipe;
2 workers >= 1.6 x 1 worker.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import spacy

from kg.build import build_store
from kg.extract import SourceDocument, load_pipeline
from speed import detokenize

ROOT = Path(__file__).resolve().parents[1]
REDOCRED = ROOT.parent / "shared" / "eval" / "redocred"
TARGET_RATIO, TARGET_WORKERS = 0.8, 1.6


def corpus(n: int, corpus_dir: Path) -> tuple[list[SourceDocument], str]:
    """``n`` documents with distinct ids: Re-DocRED dev + test when present, else the examples' paragraphs; repeated to reach ``n``."""
    files = [corpus_dir / "dev_revised.json", corpus_dir / "test_revised.json"]
    if all(f.is_file() for f in files):
        texts = [" ".join(detokenize(s) for s in doc["sents"]) for f in files for doc in json.loads(f.read_text(encoding="utf-8"))]
        source = f"Re-DocRED dev + test ({corpus_dir})"
    else:
        articles = sorted(ROOT.glob("examples/**/*.txt"))
        texts = [p for f in articles for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.split()) > 20]
        source = f"paragraphs of examples/**/*.txt (no Re-DocRED in {corpus_dir})"
    documents = [SourceDocument(f"doc{i:05d}", texts[i % len(texts)], f"doc{i:05d}") for i in range(n)]
    return documents, (source if n <= len(texts) else f"{source}, repeated to {n} documents")


def timed_build(documents: list[SourceDocument], folder: Path, **options) -> tuple[float, object]:
    start = time.perf_counter()
    report = build_store(documents, folder, **options)
    return time.perf_counter() - start, report


def _spin(_: object) -> int:
    total = 0
    for i in range(15_000_000):
        total += i * i
    return total


def machine_scaling() -> float:
    """How much faster two processes do two pure-Python tasks than one process does one each: 2.0 on two idle cores."""
    start = time.perf_counter()
    _spin(None)
    one = time.perf_counter() - start
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [None])  # start-up
        start = time.perf_counter()
        pool.map(_spin, [None, None])
        two = time.perf_counter() - start
    return 2 * one / two


def quads(folder: Path) -> list[str]:
    return sorted(str(q) for q in ox.Store.read_only(str(folder)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=REDOCRED)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    documents, source = corpus(args.docs, args.corpus_dir)
    texts = [d.text for d in documents]
    words = sum(len(t.split()) for t in texts)
    kg_nlp = load_pipeline()
    model = f"{kg_nlp.lang}_{kg_nlp.meta['name']}"
    plain = spacy.load(model)
    work = Path(tempfile.mkdtemp(prefix="kg-throughput-"))

    list(plain.pipe(texts[:5]))  # warm-up of both pipelines
    build_store(documents[:5], work / "warm-up", nlp=kg_nlp)

    start = time.perf_counter()
    for _ in plain.pipe(texts, batch_size=16):
        pass
    plain_s = time.perf_counter() - start
    one_s, report = timed_build(documents, work / "one", nlp=kg_nlp, batch_size=args.batch_size)
    rerun_s, rerun = timed_build(documents, work / "one", nlp=kg_nlp, batch_size=args.batch_size)
    scaling_before = machine_scaling()
    two_s, _ = timed_build(documents, work / "two", workers=2, batch_size=args.batch_size)
    scaling = min(scaling_before, machine_scaling())
    same = quads(work / "one") == quads(work / "two")

    plain_wps, one_wps, two_wps = words / plain_s, words / one_s, words / two_s
    ratio, speedup = one_wps / plain_wps, two_wps / one_wps
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "corpus": source, "documents": len(documents), "words": words, "model": model, "batch_size": args.batch_size,
        "plain_words_per_s": round(plain_wps), "store_words_per_s": round(one_wps), "ratio": round(ratio, 3),
        "workers2_words_per_s": round(two_wps), "workers_speedup": round(speedup, 3), "workers_same_quads": same,
        "machine_two_process_scaling": round(scaling, 2), "rerun_unchanged_s": round(rerun_s, 2), "rerun_unchanged": rerun.unchanged, "triples": report.triples,
        "entities": report.entities, "peak_rss_mb_driver": round(peak_mb),
        "pass": ratio >= TARGET_RATIO and speedup >= TARGET_WORKERS,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"corpus: {source}; {len(documents)} documents, {words:,} words; model {model}; batch size {args.batch_size}")
    print("| run | words/s | ratio | target |\n|---|---|---|---|")
    print(f"| plain `nlp.pipe` (bare model) | {plain_wps:,.0f} | 1 | |")
    print(f"| `kg build --store`, 1 process | {one_wps:,.0f} | **{ratio:.2f}** of plain | ≥ {TARGET_RATIO} "
          f"{'PASS' if ratio >= TARGET_RATIO else 'below target'} |")
    print(f"| `kg build --store --workers 2` | {two_wps:,.0f} | **{speedup:.2f}** × 1 process | ≥ {TARGET_WORKERS} "
          f"{'PASS' if speedup >= TARGET_WORKERS else 'below target'} |")
    print(f"the machine itself, around the 2-worker run: two pure-Python processes ran {scaling:.2f}x as fast as one "
          "(2.0 on two idle cores; other work on the machine lowers it)")
    print(f"store: {report.triples:,} triples, {report.entities:,} entities; 2-worker store has the same quads: {same}; "
          f"re-run with every document unchanged: {rerun_s:.2f} s ({rerun.unchanged} skipped); driver peak RSS {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
