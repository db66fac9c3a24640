"""Extraction speed: `kg build` words per second against plain `nlp.pipe`, same model, same corpus, one run.

Run: .venv/bin/python bench/speed.py [--docs 300] [--repeat 5]

Both are timed interleaved, `--repeat` times, in this process, and the medians
compared: machines here are noisy, so only the ratio means anything. Target:
kg build >= 0.8 of plain nlp.pipe.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import time
from pathlib import Path

import spacy

from kg.build import build_graph
from kg.extract import SourceDocument, load_pipeline
from kg.store import serialize

ROOT = Path(__file__).resolve().parents[1]
REDOCRED = ROOT.parent / "shared" / "eval" / "redocred" / "dev_revised.json"
TARGET = 0.8


def detokenize(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = re.sub(r" ([,.;:!?%)\\]'])", r"\1", text)
    return re.sub(r"([(\[$]) ", r"\1", text).replace(" 's", "'s").replace(" n't", "n't")


def corpus(n: int) -> tuple[list[str], str]:
    """``n`` news-like documents: Re-DocRED dev when present, else the example articles' paragraphs."""
    if REDOCRED.is_file():
        docs = json.loads(REDOCRED.read_text(encoding="utf-8"))
        texts = [" ".join(detokenize(s) for s in doc["sents"]) for doc in docs]
        source = f"Re-DocRED dev ({REDOCRED})"
    else:
        texts = [p for f in sorted((ROOT / "examples").glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        source = "paragraphs of examples/*.txt (Re-DocRED not found)"
    return [texts[i % len(texts)] for i in range(n)], source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    texts, source = corpus(args.docs)
    words = sum(len(t.split()) for t in texts)
    kg_nlp = load_pipeline()
    model = f"{kg_nlp.lang}_{kg_nlp.meta['name']}"
    plain = spacy.load(model)
    documents = [SourceDocument(f"doc{i}", t, f"doc{i}") for i, t in enumerate(texts)]

    def run_plain() -> float:
        start = time.perf_counter()
        for _ in plain.pipe(texts, batch_size=args.batch_size):
            pass
        return time.perf_counter() - start

    def run_kg() -> tuple[float, object]:
        start = time.perf_counter()
        result = build_graph(documents, nlp=kg_nlp)
        return time.perf_counter() - start, result

    list(plain.pipe(texts[:5]))  # warm-up of both pipelines
    build_graph(documents[:5], nlp=kg_nlp)
    plain_times, kg_times, result = [], [], None
    for _ in range(args.repeat):
        plain_times.append(run_plain())
        elapsed, result = run_kg()
        kg_times.append(elapsed)
    start = time.perf_counter()
    serialize(result.graph, format="turtle")
    turtle = time.perf_counter() - start

    plain_wps = words / statistics.median(plain_times)
    kg_wps = words / statistics.median(kg_times)
    ratio = kg_wps / plain_wps
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "corpus": source, "documents": len(texts), "words": words, "model": model, "repeat": args.repeat,
        "plain_words_per_s": round(plain_wps), "kg_words_per_s": round(kg_wps), "ratio": round(ratio, 3),
        "target": TARGET, "pass": ratio >= TARGET, "turtle_s": round(turtle, 3),
        "triples": len(result.graph), "peak_rss_mb": round(peak_mb),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"corpus: {source}; {len(texts)} documents, {words} words; model {model}; median of {args.repeat}")
    print("| | words/s |\n|---|---|")
    print(f"| plain nlp.pipe | {plain_wps:,.0f} |\n| kg build (extract, RDF, metrics) | {kg_wps:,.0f} |")
    print(f"ratio kg/plain: {ratio:.3f} (target >= {TARGET}: {'PASS' if ratio >= TARGET else 'below target'})")
    print(f"Turtle serialisation of {len(result.graph)} triples: {turtle:.2f} s "
          f"({turtle / statistics.median(kg_times):.0%} of a build); peak RSS {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
