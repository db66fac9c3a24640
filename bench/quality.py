"""Extraction quality on gold data: the example articles and CoNLL04 test, against the targets.

Run: .venv/bin/python bench/quality.py [--conll-split test] [--json]

The CoNLL04 patterns and weights were tuned on its train and dev splits only;
the test split is reported, never tuned on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kg.evaluate import Evaluation, evaluate_article, evaluate_conll04, load_conll04, load_gold, total_over
from kg.extract import load_pipeline

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"articles": (0.85, 0.60), "conll04": (0.72, 0.40)}


def row(name: str, evaluation: Evaluation, targets: tuple[float, float]) -> str:
    e, r = evaluation.entity_total, evaluation.relation_total
    verdict = "PASS" if e.f1 >= targets[0] and r.f1 >= targets[1] else "below target"
    return (f"| {name} | {e.precision:.3f} | {e.recall:.3f} | **{e.f1:.3f}** (≥ {targets[0]}) "
            f"| {r.precision:.3f} | {r.recall:.3f} | **{r.f1:.3f}** (≥ {targets[1]}) | {verdict} |")


def details(evaluation: Evaluation) -> str:
    classes = ", ".join(f"{k} {v.f1:.2f}" for k, v in sorted(evaluation.entities.items()))
    props = ", ".join(f"{k} {v.f1:.2f}" for k, v in sorted(evaluation.relations.items()))
    return f"  - {evaluation.name}: entities {classes}; relations {props}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conll-split", default="test", choices=["train", "dev", "test"])
    parser.add_argument("--conll-dir", type=Path, default=ROOT.parent / "shared" / "eval" / "conll04")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args()

    started = time.perf_counter()
    nlp = load_pipeline()
    articles = [evaluate_article(load_gold(path), nlp) for path in sorted((ROOT / "examples" / "gold").glob("*.gold.json"))]
    combined = total_over(articles, name="example articles")
    batches = json.loads((ROOT / "examples" / "heldout" / "batches.json").read_text())["batches"]
    heldout_batches = [(batch, [evaluate_article(load_gold(ROOT / "examples" / "heldout" / "gold" / f"{name}.gold.json"), nlp)
                                for name in batch["articles"]]) for batch in batches]
    heldout = [article for _, articles_ in heldout_batches for article in articles_]
    heldout_total = total_over(heldout, name="held-out articles")
    conll_path = args.conll_dir / f"conll04_{args.conll_split}.json"
    conll = evaluate_conll04(load_conll04(conll_path), nlp, name=f"conll04 {args.conll_split}") if conll_path.is_file() else None

    if args.json:
        data = {"articles": combined.as_dict(), "heldout": heldout_total.as_dict(), "each": [a.as_dict() for a in articles + heldout],
                "conll04": conll.as_dict() if conll else None}
        print(json.dumps(data, indent=2))
        return 0
    print("| data set | entity P | entity R | entity F1 | relation P | relation R | relation F1 | |")
    print("|---|---|---|---|---|---|---|---|")
    print(row(f"example articles ({len(articles)})", combined, TARGETS["articles"]))
    for article in articles:
        print(row(f"  {Path(article.name).name}", article, TARGETS["articles"]))
    print(row(f"held-out articles ({len(heldout)})", heldout_total, TARGETS["articles"]))
    for batch, evaluations in heldout_batches:
        first = batch["first_blind"]
        print(row(f"  {batch['name']} ({len(evaluations)}; first blind score {first['entity_f1']:.3f} / {first['relation_f1']:.3f})",
                  total_over(evaluations, name=batch["name"]), TARGETS["articles"]))
        for article in evaluations:
            print(row(f"    {Path(article.name).name}", article, TARGETS["articles"]))
    if conll is not None:
        print(row(conll.name, conll, TARGETS["conll04"]))
    else:
        print(f"(CoNLL04 not found at {conll_path}: skipped)")
    print()
    for evaluation in [combined, *articles, heldout_total, *([conll] if conll else [])]:
        print(details(evaluation))
    print(f"\n({time.perf_counter() - started:.1f} s, model {nlp.lang}_{nlp.meta.get('name')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
