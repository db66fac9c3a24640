"""Whole-process store build: `kg build --store` against a plain `nlp.pipe` script, each its own process, one run.

Run: .venv/bin/python bench/store_process.py [--corpus-dir ../shared/eval/redocred] [--docs 200] [--repeat 1]

The documents (as in bench/throughput.py: Re-DocRED dev + test, else the
example articles' paragraphs) are written to one JSONL file. Then, as separate
processes, each timed from start to exit (interpreter, imports and model
loading included): a script that runs the bare model's `nlp.pipe` over the
texts; `kg build FILE --store DIR` into a fresh store; and the same with
`--workers 2`. Medians over `--repeat` rounds; the words are the same for all,
so a ratio of wall times is a ratio of words/s. Only the ratios mean anything.
Targets: kg build --store >= 0.9 of plain nlp.pipe; 2 workers >= 1.7 x 1 worker.
Beside them it prints how much of two cores the machine gives at that moment (two busy
processes against one, before and after the runs): on a shared machine that is often well
under 2, and no program can scale beyond it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from kg.extract import load_pipeline
from throughput import REDOCRED, corpus

TARGET_RATIO, TARGET_WORKERS = 0.9, 1.7
KG = Path(sys.executable).with_name("kg")
PLAIN = """
import json, sys, spacy
nlp = spacy.load(sys.argv[1])
texts = [json.loads(line)["text"] for line in open(sys.argv[2], encoding="utf-8")]
for _ in nlp.pipe(texts, batch_size=16):
    pass
"""


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def parallel_capacity(n: int = 10_000_000) -> float:
    """How many times one busy process's work two processes get done in the same time (2.0 on two idle cores)."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_spin, [1, 1]))  # both processes started
        start = time.perf_counter()
        pool.submit(_spin, n).result()
        one = time.perf_counter() - start
        start = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        return 2 * one / (time.perf_counter() - start)


def wall_s(command: list[str]) -> float:
    """Seconds ``command`` runs, start to exit; its failure stops the benchmark."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=REDOCRED)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    documents, source = corpus(args.docs, args.corpus_dir)
    words = sum(len(d.text.split()) for d in documents)
    nlp = load_pipeline()
    model = f"{nlp.lang}_{nlp.meta['name']}"
    runs: dict[str, list[float]] = {"plain": [], "one": [], "two": []}
    with tempfile.TemporaryDirectory(prefix="kg-store-process-") as folder:
        work = Path(folder)
        inputs = work / "documents.jsonl"
        inputs.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in documents), encoding="utf-8")
        capacity = [parallel_capacity()]
        for round_ in range(args.repeat):
            runs["plain"].append(wall_s([sys.executable, "-c", PLAIN, model, str(inputs)]))
            runs["one"].append(wall_s([str(KG), "build", str(inputs), "--store", str(work / f"one-{round_}")]))
            runs["two"].append(wall_s([str(KG), "build", str(inputs), "--store", str(work / f"two-{round_}"), "--workers", "2"]))
        capacity.append(parallel_capacity())
    plain, one, two = (statistics.median(runs[k]) for k in ("plain", "one", "two"))
    print(f"corpus: {len(documents):,} documents, {words:,} words ({source}); model {model}; {args.repeat} round(s), whole processes")
    print(f"plain nlp.pipe        {plain:6.1f} s  {words / plain:8,.0f} words/s")
    print(f"kg build --store      {one:6.1f} s  {words / one:8,.0f} words/s  ratio {plain / one:.2f} (target >= {TARGET_RATIO})")
    print(f"  --workers 2         {two:6.1f} s  {words / two:8,.0f} words/s  {one / two:.2f} x 1 worker (target >= {TARGET_WORKERS}); the machine gave {capacity[0]:.2f} and {capacity[1]:.2f} x one core before and after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
