"""Extraction speed: `kg build` words per second against plain `nlp.pipe`, same model, same corpus, one run.

Run: .venv/bin/python bench/speed.py [--docs 150] [--repeat 11] [--extractor rules|learned]

Both are timed interleaved, `--repeat` rounds of one plain run then one kg run,
in this process. Machines here are noisy, and slow down and speed up for a while
at a time, so the ratio is taken in each round (its two runs saw the same
machine) and the median of the rounds' ratios is the result; the CPU-time ratio
is printed beside it. Targets: kg build >= 0.9 of plain nlp.pipe with the rules
extractor, >= 0.4 with the learned one (fine-tuned NER and relation classifier).
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
TARGETS = {"rules": 0.9, "learned": 0.4}


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
    parser.add_argument("--docs", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--extractor", choices=sorted(TARGETS), default="rules")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    target = TARGETS[args.extractor]

    texts, source = corpus(args.docs)
    words = sum(len(t.split()) for t in texts)
    kg_nlp = load_pipeline(extractor=args.extractor)
    model = f"{kg_nlp.lang}_{kg_nlp.meta['name']}"
    plain = spacy.load(model)
    documents = [SourceDocument(f"doc{i}", t, f"doc{i}") for i, t in enumerate(texts)]

    def run_plain() -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        for _ in plain.pipe(texts, batch_size=args.batch_size):
            pass
        return time.perf_counter() - start, time.process_time() - cpu

    def run_kg() -> tuple[float, float, object]:
        start, cpu = time.perf_counter(), time.process_time()
        result = build_graph(documents, nlp=kg_nlp)
        return time.perf_counter() - start, time.process_time() - cpu, result

    list(plain.pipe(texts[:5]))  # warm-up of both pipelines
    build_graph(documents[:5], nlp=kg_nlp)
    plain_times, kg_times, plain_cpu, kg_cpu, result = [], [], [], [], None
    for _ in range(args.repeat):
        elapsed, cpu = run_plain()
        plain_times.append(elapsed)
        plain_cpu.append(cpu)
        elapsed, cpu, result = run_kg()
        kg_times.append(elapsed)
        kg_cpu.append(cpu)
    start = time.perf_counter()
    serialize(result.graph, format="turtle")
    turtle = time.perf_counter() - start

    plain_wps = words / statistics.median(plain_times)
    kg_wps = words / statistics.median(kg_times)
    rounds = [p / k for p, k in zip(plain_times, kg_times)]
    ratio = statistics.median(rounds)
    cpu_rounds = [p / k for p, k in zip(plain_cpu, kg_cpu)]
    cpu_ratio = statistics.median(cpu_rounds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "corpus": source, "documents": len(texts), "words": words, "model": model, "extractor": args.extractor, "repeat": args.repeat,
        "plain_words_per_s": round(plain_wps), "kg_words_per_s": round(kg_wps), "ratio": round(ratio, 3),
        "round_ratios": [round(r, 3) for r in rounds], "cpu_ratio": round(cpu_ratio, 3),
        "target": target, "pass": ratio >= target, "turtle_s": round(turtle, 3),
        "triples": len(result.graph), "peak_rss_mb": round(peak_mb),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"corpus: {source}; {len(texts)} documents, {words} words; model {model}, {args.extractor} extractor; median of {args.repeat}")
    print("| | words/s |\n|---|---|")
    print(f"| plain nlp.pipe | {plain_wps:,.0f} |\n| kg build (extract, RDF, metrics) | {kg_wps:,.0f} |")
    print(f"ratio kg/plain: {ratio:.3f}, median of the rounds' {', '.join(f'{r:.3f}' for r in rounds)}; CPU time {cpu_ratio:.3f} (rounds {', '.join(f'{r:.3f}' for r in cpu_rounds)}) "
          f"(target >= {target}: {'PASS' if ratio >= target else 'below target'})")
    print(f"Turtle serialisation of {len(result.graph)} triples: {turtle:.2f} s "
          f"({turtle / statistics.median(kg_times):.0%} of a build); peak RSS {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
