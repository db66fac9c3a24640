"""kg.evaluate: scoring arithmetic on hand-made data with known answers, and the CoNLL04 reader."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.evaluate import (Evaluation, Score, _score_sentence, docred_gold_triples, evaluate_conll04, load_conll04, normalize,
                         score_article, score_docred_document)
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


def test_score_article_a_triple_both_required_and_optional_is_required():
    gold = {"document": "d",
            "entities": [{"name": "Stellantis", "class": "Organization", "aliases": []},
                         {"name": "Samsung SDI", "class": "Organization", "aliases": []}],
            "relations": [["Stellantis", "partneredWith", "Samsung SDI"]],
            "optional_relations": [["Samsung SDI", "partneredWith", "Stellantis"]]}  # the same triple, a symmetric property
    entities = {"stellantis": Entity("stellantis", "Stellantis", "Organization"), "samsung sdi": Entity("samsung sdi", "Samsung SDI", "Organization")}
    found = score_article(Extraction([SourceDocument("d", "", "d")], entities, [_relation("stellantis", "partneredWith", "samsung sdi")]), gold)
    assert (found.relation_total.tp, found.relation_total.fp, found.relation_total.fn) == (1, 0, 0)
    missed = score_article(Extraction([SourceDocument("d", "", "d")], entities, []), gold)
    assert (missed.relation_total.tp, missed.relation_total.fn) == (0, 1)


def test_score_sentence_counts_exactly():
    tokens = "John Smith of Acme Corp in Boston won the Nobel Prize with Mary .".split()
    sentence = {
        "tokens": tokens,
        "entities": [{"type": "Peop", "start": 0, "end": 2}, {"type": "Org", "start": 3, "end": 5},
                     {"type": "Loc", "start": 6, "end": 7}, {"type": "Other", "start": 9, "end": 11},
                     {"type": "Peop", "start": 12, "end": 13}],
        "relations": [{"type": "Work_For", "head": 0, "tail": 1}, {"type": "OrgBased_In", "head": 1, "tail": 2}],
    }
    entities = {
        "john smith": Entity("john smith", "John Smith", "Person", aliases={"John Smith's"}),  # tp; the alias normalizes the same
        "acme corp": Entity("acme corp", "Acme Corp", "Organization", aliases={"Acme Corp of Boston"}),  # tp: a longer alias is no fp
        "zeta": Entity("zeta", "Zeta Labs", "Organization", aliases={"Zeta", "Zeta Labs Inc"}),  # one fp, not one per name
        "boston": Entity("boston", "Boston", "Person"),  # wrong class: fp Person, fn Place
        "nobel prize": Entity("nobel prize", "Nobel Prize", "Organization"),  # gold says Other: not scored
    }  # Mary is missed: fn Person
    relations = [
        _relation("john smith", "worksFor", "acme corp"),  # tp Work_For
        _relation("acme corp", "basedIn", "boston"),  # tp OrgBased_In: strict on text, not on class
        _relation("john smith", "livesIn", "acme corp"),  # fp Live_In
        _relation("acme corp", "launched", "nobel prize"),  # no CoNLL04 type: ignored
        _relation("john smith", "relatedTo", "boston"),  # ignored
    ]
    ev = Evaluation("one sentence")
    _score_sentence(sentence, Extraction([SourceDocument("d", " ".join(tokens), "d")], entities, relations), ev)
    counts = {cls: (s.tp, s.fp, s.fn) for cls, s in ev.entities.items()}
    assert counts == {"Person": (1, 1, 1), "Organization": (1, 1, 0), "Place": (0, 0, 1)}
    assert {t: (s.tp, s.fp, s.fn) for t, s in ev.relations.items()} == {"Work_For": (1, 0, 0), "OrgBased_In": (1, 0, 0), "Live_In": (0, 1, 0)}
    assert len(ev.misses) == 2 and len(ev.false_hits) == 3


def _gold_entity_count(sentences) -> int:
    """Gold Peop/Org/Loc entities, unique by (text, type) in each sentence."""
    kinds = {"Peop", "Org", "Loc"}
    return sum(len({(normalize(" ".join(s["tokens"][e["start"]:e["end"]])), e["type"]) for e in s["entities"] if e["type"] in kinds})
               for s in sentences)


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
    assert missing.output.count("\n") == 1
    assert "missing.json" in missing.output and "Traceback" not in missing.output


def test_cli_eval_tables_combined_total_and_verbose(examples, tmp_path):
    # a gold with no relations turns every predicted relation into a false hit, printed with its [rule]
    gold = json.loads((examples / "gold" / "muse_spark.gold.json").read_text(encoding="utf-8"))
    gold.update(document=str(examples / "muse_spark.txt"), relations=[], optional_relations=[])
    no_relations = tmp_path / "no_relations.gold.json"
    no_relations.write_text(json.dumps(gold), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(examples / "gold" / "nordvik_gulfstone.gold.json"), str(no_relations), "--verbose"])
    assert result.exit_code == 0, result.output
    assert "all articles: entities" in result.output and "all articles: relations" in result.output
    assert "micro" in result.output
    assert "false  relation" in result.output
    assert re.search(r"\[[\w:-]+\]", result.output)  # markup=False: the rule in brackets is not eaten by rich


def _vertex(name: str, sent_id: int, kind: str) -> list[dict]:
    return [{"name": name, "sent_id": sent_id, "pos": [0, 1], "type": kind}]


_DOCRED_DOC = {
    "title": "t",
    "sents": [["Acme", "is", "in", "Ohio", "."], ["Ann", "Lee", "founded", "Acme", "."], ["Bob", "Ray", "."]],
    "vertexSet": [_vertex("Acme", 0, "ORG") + [{"name": "Acme Corp", "sent_id": 1, "pos": [3, 4], "type": "ORG"}],
                  _vertex("Ohio", 0, "LOC"), _vertex("Ann Lee", 1, "PER"), _vertex("Bob Ray", 2, "PER"),
                  _vertex("1999", 1, "TIME")],
    "labels": [{"h": 0, "t": 1, "r": "P17"},  # basedIn: the head is an organisation
               {"h": 0, "t": 2, "r": "P112"},  # founded, reversed
               {"h": 3, "t": 0, "r": "P108"},  # worksFor, never in one sentence
               {"h": 0, "t": 4, "r": "P571"}],  # inception: not a kg property
}


def test_docred_gold_maps_properties_and_directions():
    assert docred_gold_triples(_DOCRED_DOC) == {(0, "basedIn", 1), (2, "founded", 0), (3, "worksFor", 0)}
    assert docred_gold_triples(_DOCRED_DOC, same_sentence=True) == {(0, "basedIn", 1), (2, "founded", 0)}
    place = {**_DOCRED_DOC, "vertexSet": [_vertex("Ohio", 0, "LOC"), _vertex("US", 0, "LOC")], "labels": [{"h": 0, "t": 1, "r": "P131"}]}
    assert docred_gold_triples(place) == {(0, "locatedIn", 1)}


def test_score_docred_document_counts_exactly():
    entities = {
        "acme corp": Entity("acme corp", "Acme Corp", "Organization"),  # matched through a second mention's name
        "ohio": Entity("ohio", "Ohio", "Person"),  # wrong class
        "ann lee": Entity("ann lee", "Ann Lee", "Person"),
        "1999": Entity("1999", "1999", "Organization"),  # a TIME entity: not scored
        "zed": Entity("zed", "Zed", "Place"),  # not in gold
    }
    relations = [
        _relation("ann lee", "founded", "acme corp"),  # tp
        _relation("acme corp", "basedIn", "ohio"),  # tp
        _relation("ann lee", "worksFor", "acme corp"),  # fp: both ends gold, not a gold relation
        _relation("acme corp", "basedIn", "zed"),  # not counted: Zed is no gold entity
        _relation("ann lee", "launched", "acme corp"),  # not counted: no Wikidata property maps to it
    ]
    for same_sentence, fn in ((False, 1), (True, 0)):
        evaluation = Evaluation("docred")
        score_docred_document(_DOCRED_DOC, Extraction([], entities, relations), evaluation, same_sentence=same_sentence)
        e, r = evaluation.entity_total, evaluation.relation_total
        assert (e.tp, e.fp, e.fn) == (2, 2, 2)  # Acme, Ann Lee / Ohio as Person, Zed / Ohio, Bob Ray
        assert (r.tp, r.fp, r.fn) == (2, 1, fn)  # worksFor of Bob Ray is only in gold when pairs may span sentences
        assert evaluation.relations["worksFor"].fp == 1


def test_cli_eval_docred_sample(tmp_path):
    sample = DATA / "redocred_sample.json"
    runner = CliRunner()
    result = runner.invoke(app, ["eval", str(sample), "--json", "--same-sentence", "--limit", "1"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["name"] == "docred:redocred_sample:same-sentence"
    gold = docred_gold_triples(json.loads(sample.read_text())[0], same_sentence=True)
    relations = report["relations"]["micro"]
    assert relations["tp"] + relations["fn"] == len(gold)
    assert report["entities"]["micro"]["tp"] > 0
    bad = tmp_path / "bad.json"
    bad.write_text('[{"x": 1}]')
    assert runner.invoke(app, ["eval", str(bad)]).exit_code == 2
