"""kg.evaluate: scoring arithmetic on hand-made data with known answers, and the CoNLL04 reader."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.evaluate import Score, evaluate_conll04, load_conll04, normalize, score_article
from kg.extract import Entity, Extraction, Relation, SourceDocument

DATA = Path(__file__).parent / "data"
SHARED_CONLL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "conll04"


def test_score_arithmetic_and_zero_division():
    assert (Score(2, 2, 0).precision, Score(2, 2, 0).recall) == (0.5, 1.0)
    assert Score().f1 == Score().precision == Score().recall == 0.0
    assert math.isclose(Score(1, 1, 3).f1, 2 * 0.5 * 0.25 / 0.75)


def test_normalize_ignores_case_space_possessive_and_edges():
    assert normalize("Scale AI's") == normalize("scale ai") == "scaleai"
    assert normalize("U.S.") == normalize("u.s")


def _relation(s: str, p: str, o: str) -> Relation:
    return Relation(s, p, o, "d", "sentence", 0, 8, 0.9, "test")


def test_score_article_counts_exactly():
    gold = {
        "document": "d",
        "entities": [
            {"name": "Meta", "class": "Organization", "aliases": ["Meta Platforms"]},
            {"name": "Muse Spark", "class": "AIModel", "aliases": []},
            {"name": "OpenAI", "class": "Organization", "aliases": []},
            {"name": "Menlo Park", "class": "Place", "aliases": []},
            {"name": "Sam Altman", "class": "Person", "aliases": []},
        ],
        "relations": [["Meta", "launched", "Muse Spark"], ["Meta", "competesWith", "OpenAI"], ["Meta", "basedIn", "Menlo Park"]],
        "optional_entities": ["Intelligence Index"],
        "optional_relations": [["Meta", "developed", "Muse Spark"]],
    }
    entities = {
        "meta platforms": Entity("meta platforms", "Meta Platforms", "Organization"),  # matched through an alias
        "muse spark": Entity("muse spark", "Muse Spark", "Product"),  # AIModel is scored as Product
        "openai": Entity("openai", "OpenAI", "Person"),  # wrong class
        "intelligence index": Entity("intelligence index", "Intelligence Index", "Organization"),  # optional
        "llama": Entity("llama", "Llama", "Product"),  # not in gold
    }
    relations = [
        _relation("meta platforms", "launched", "muse spark"),  # tp
        _relation("openai", "competesWith", "meta platforms"),  # tp: symmetric, reversed
        _relation("meta platforms", "developed", "muse spark"),  # optional: neither way
        _relation("meta platforms", "relatedTo", "llama"),  # open relations are not scored
        _relation("meta platforms", "acquired", "llama"),  # fp
    ]
    ev = score_article(Extraction([SourceDocument("d", "", "d")], entities, relations), gold)
    assert (ev.entity_total.tp, ev.entity_total.fp, ev.entity_total.fn) == (2, 2, 3)
    # a wrong class is a false hit of the predicted class and a miss of the gold one
    assert (ev.entities["Organization"].tp, ev.entities["Organization"].fp, ev.entities["Organization"].fn) == (1, 0, 1)
    assert ev.entities["Person"].fp == 1
    assert (ev.relation_total.tp, ev.relation_total.fp, ev.relation_total.fn) == (2, 1, 1)
    assert any("Menlo Park" in m for m in ev.misses)
    assert any("acquired" in f for f in ev.false_hits)


def _gold_entity_count(sentences) -> int:
    kinds = {"Peop", "Org", "Loc"}
    return sum(len({(" ".join(s["tokens"][e["start"]:e["end"]]).lower(), e["type"]) for e in s["entities"] if e["type"] in kinds}) for s in sentences)


def test_evaluate_conll04_sample_is_consistent(nlp):
    sentences = load_conll04(DATA / "conll04_sample.json")
    ev = evaluate_conll04(sentences, nlp)
    total = ev.entity_total
    assert total.tp + total.fn == _gold_entity_count(sentences)
    assert ev.relation_total.tp + ev.relation_total.fn == sum(len(s["relations"]) for s in sentences)
    for score in (total, ev.relation_total):
        assert 0.0 <= score.precision <= 1.0 and 0.0 <= score.recall <= 1.0


def test_evaluate_conll04_test_split_when_available(nlp):
    path = SHARED_CONLL / "conll04_test.json"
    if not path.is_file():
        pytest.skip(f"CoNLL04 not available at {path}")
    ev = evaluate_conll04(load_conll04(path)[:50], nlp)
    for score in (ev.entity_total, ev.relation_total):
        assert math.isfinite(score.f1) and 0.0 <= score.f1 <= 1.0


def test_cli_eval_json_and_errors(examples):
    runner = CliRunner()
    result = runner.invoke(app, ["eval", str(examples / "gold" / "muse_spark.gold.json"), "--json"])
    assert result.exit_code == 0, result.output
    (data,) = json.loads(result.output)
    assert 0.0 <= data["entities"]["micro"]["f1"] <= 1.0
    missing = runner.invoke(app, ["eval", "missing.json"])
    assert missing.exit_code == 2
    assert "missing.json" in missing.output and "Traceback" not in missing.output
