"""Memory of a corpus build: peak RSS of `kg build --store` for 1,000, 5,000 and 10,000 documents.

Run: .venv/bin/python bench/memory.py [--corpus-dir ../shared/eval/redocred] [--sizes 1000 5000 10000] [--json]

Each size is built into a fresh store in its own subprocess (one process, no
workers: the model, the batches in flight and the store are all in it), from
the Re-DocRED dev and test documents repeated under distinct ids (or the
examples' paragraphs when Re-DocRED is absent), streamed to `build_store`.
The subprocess reports its peak RSS (`ru_maxrss`). Targets: under 1.5 GB at
10,000 documents, and growth well below proportional to the corpus
(the ratio of peaks against the ratio of sizes).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg.extract import SourceDocument
from throughput import REDOCRED, corpus

TARGET_MB = 1536


def child(size: int, corpus_dir: Path, store: Path, batch_size: int) -> dict:
    from kg.build import build_store

    texts = [d.text for d in corpus(1000, corpus_dir)[0]]  # 1,000 distinct texts at most; the documents only refer to them
    documents = (SourceDocument(f"doc{i:06d}", texts[i % len(texts)], f"doc{i:06d}") for i in range(size))
    start = time.perf_counter()
    report = build_store(documents, store, batch_size=batch_size)
    return {"documents": size, "seconds": round(time.perf_counter() - start, 1), "words": report.words,
            "triples": report.triples, "entities": report.entities,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=REDOCRED)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.corpus_dir, args.store, args.batch_size)))
        return 0

    runs = []
    for size in args.sizes:
        store = Path(tempfile.mkdtemp(prefix="kg-memory-")) / "store"
        command = [sys.executable, __file__, "--child", str(size), "--store", str(store), "--corpus-dir", str(args.corpus_dir),
                   "--batch-size", str(args.batch_size)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    first, last = runs[0], runs[-1]
    growth = last["peak_rss_mb"] / first["peak_rss_mb"]
    scale = last["documents"] / first["documents"]
    verdict = last["peak_rss_mb"] < TARGET_MB and growth < scale ** 0.5
    if args.json:
        print(json.dumps({"runs": runs, "peak_growth": round(growth, 2), "size_growth": scale, "pass": verdict}, indent=2))
        return 0
    print(f"corpus: {corpus(1, args.corpus_dir)[1]}, repeated under distinct ids; batch size {args.batch_size}; one process")
    print("| documents | words | seconds | triples | peak RSS |\n|---|---|---|---|---|")
    for run in runs:
        print(f"| {run['documents']:,} | {run['words']:,} | {run['seconds']} | {run['triples']:,} | {run['peak_rss_mb']:,} MB |")
    print(f"{scale:g}x the documents, {growth:.2f}x the peak RSS; at {last['documents']:,} documents {last['peak_rss_mb']:,} MB "
          f"(target < {TARGET_MB} MB and growth < sqrt of the size ratio: {'PASS' if verdict else 'below target'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
