"""Extraction quality on the project's article gold stays at the issue's targets (a regression floor)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.evaluate import evaluate_article, load_gold, total_over

HELDOUT_BATCHES = Path(__file__).resolve().parents[1] / "examples" / "heldout" / "batches.json"


def test_example_articles_meet_the_news_targets(nlp, examples):
    evaluations = [evaluate_article(load_gold(path), nlp) for path in sorted((examples / "gold").glob("*.gold.json"))]
    total = total_over(evaluations)
    assert len(evaluations) == 2
    assert total.entity_total.f1 >= 0.85, total.misses + total.false_hits
    assert total.relation_total.f1 >= 0.60, total.misses + total.false_hits


@pytest.mark.parametrize("batch", json.loads(HELDOUT_BATCHES.read_text())["batches"], ids=lambda b: b["name"])
def test_heldout_articles_do_not_fall_below_their_first_blind_scores(nlp, examples, batch):
    gold = examples / "heldout" / "gold"
    total = total_over([evaluate_article(load_gold(gold / f"{name}.gold.json"), nlp) for name in batch["articles"]])
    floor = batch["first_blind"]
    assert total.entity_total.f1 >= floor["entity_f1"], total.misses + total.false_hits
    assert total.relation_total.f1 >= floor["relation_f1"], total.misses + total.false_hits


def test_every_heldout_article_is_in_a_batch(examples):
    batched = {name for batch in json.loads(HELDOUT_BATCHES.read_text())["batches"] for name in batch["articles"]}
    assert batched == {path.name.removesuffix(".gold.json") for path in (examples / "heldout" / "gold").glob("*.gold.json")}
