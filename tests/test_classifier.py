"""The trained relation classifier: features, training on a tiny sample, saving, loading and use in the pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import ModelNotFoundError
from kg.extract.classifier import NO_RELATION, PairFeaturizer, decide, load_relation_model, sentence_pairs
from kg.extract.mentions import MENTIONS_KEY
from kg.extract.pipeline import load_pipeline
from kg.train.corpus import read_gold
from kg.train.relations import align_mentions, pair_labels, train_relations

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sample() -> list:
    return read_gold(DATA / "conll04_sample.json") + read_gold(DATA / "redocred_sample.json")


@pytest.fixture(scope="module")
def trained(nlp, sample, tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("relations")
    info = train_relations(sample, nlp, path, epochs=3, min_examples=1, hidden=32)
    return path, info


def test_pairs_are_ordered_distinct_and_in_one_sentence(nlp) -> None:
    doc = nlp("Meta hired Alexandr Wang from Scale AI. OpenAI is based in San Francisco.")
    pairs = list(sentence_pairs(doc, list(doc.spans[MENTIONS_KEY]), max_gap=30))
    assert pairs
    assert all(a is not b and a[0].sent == b[0].sent for a, b in pairs)
    assert {(b.start, a.start) for a, b in pairs} == {(a.start, b.start) for a, b in pairs}  # both directions


def test_features_carry_the_rules_proposal(nlp) -> None:
    doc = nlp("Meta launched Muse Spark.")
    mentions = list(doc.spans[MENTIONS_KEY])
    pairs = list(sentence_pairs(doc, mentions, max_gap=30))
    featurizer = PairFeaturizer(properties=("launched", "worksFor"))
    with_rules = featurizer(doc, pairs, doc._.kg_relations)
    without = featurizer(doc, pairs, [])
    assert with_rules.shape == (len(pairs), featurizer.size)
    assert not numpy.array_equal(with_rules, without)  # the rule "Meta launched Muse Spark" is a feature


def test_mentions_align_to_the_gold_entities_that_cover_them(nlp, sample) -> None:
    gold = sample[0]
    doc = nlp(gold.text)
    mentions = list(doc.spans[MENTIONS_KEY])
    for mention, entity in zip(mentions, align_mentions(mentions, gold)):
        if entity is not None:
            assert any(min(e, mention.end_char) > max(s, mention.start_char) for s, e in gold.entities[entity].mentions)


def test_gold_pairs_get_gold_labels(nlp, sample) -> None:
    featurizer = PairFeaturizer(properties=("worksFor",))
    labelled = 0
    for gold in sample:
        pairs, labels, proposals = pair_labels(nlp(gold.text), gold, featurizer)
        assert len(pairs) == len(labels) == len(proposals)
        labelled += sum(label != NO_RELATION for label in labels)
        assert sum(label != NO_RELATION for label in labels) <= 2 * sum(len(gold.entities[h].mentions) * len(gold.entities[t].mentions)
                                                                          for h, _, t in gold.relations)
    assert labelled > 0


def test_training_saves_a_model_that_loads_and_predicts_the_same(trained, nlp) -> None:
    path, info = trained
    model = load_relation_model(path)
    assert model.labels[0] == NO_RELATION and list(model.labels) == info["labels"]
    assert model.rule == "model:kg-relations@1.0.0"
    doc = nlp("Alexandr Wang works for Meta in Menlo Park.")
    pairs = list(sentence_pairs(doc, list(doc.spans[MENTIONS_KEY]), model.featurizer.max_gap))
    X = model.featurizer(doc, pairs, doc._.kg_relations)
    again = load_relation_model(path)
    assert numpy.allclose(model.model.predict(X), again.model.predict(X))


def _judged(doc, model) -> set:
    return {(a.start, a.end, b.start, b.end) for a, b in sentence_pairs(doc, list(doc.spans[MENTIONS_KEY]), model.featurizer.max_gap)}


def test_the_classifier_decides_pairs_it_knows(trained, nlp) -> None:
    path, _ = trained
    model = load_relation_model(path)
    known = set(model.labels[1:])
    text = "Alexandr Wang works for Meta. Meta is based in Menlo Park. Wang lives in Palo Alto."
    silent = load_pipeline()
    silent.add_pipe("kg_relation_classifier", config={"model_path": str(path), "keep": 1.01, "add": 1.01})
    doc = silent(text)
    judged = _judged(doc, model)
    assert not [c for c in doc._.kg_relations if c.rule == model.rule]  # it states nothing below its thresholds
    for cand in doc._.kg_relations:  # and the rules' proposals it judged only vote
        if (cand.subject.start, cand.subject.end, cand.object.start, cand.object.end) in judged:
            assert known & set(cand.predicates) <= cand.vote_only
    eager = load_pipeline()
    eager.add_pipe("kg_relation_classifier", config={"model_path": str(path), "keep": 0.0, "add": 0.0})
    doc = eager(text)
    stated = [c for c in doc._.kg_relations if c.rule == model.rule]
    assert all(set(c.predicates) <= known and 0 <= c.confidence <= 1 for c in stated)
    as_made = {(c.subject.start, c.object.start, c.rule, c.predicates): c.vote_only for c in nlp(text)._.kg_relations}
    for cand in doc._.kg_relations:  # keep 0: every proposal of a known property stands as the rule made it
        if cand.rule != model.rule:
            assert cand.vote_only == as_made[(cand.subject.start, cand.object.start, cand.rule, cand.predicates)]


def test_decide_prefers_a_kept_proposal_then_the_models_best() -> None:
    scores = numpy.array([[0.90, 0.08, 0.02], [0.30, 0.10, 0.60], [0.50, 0.01, 0.49]])
    assert decide(scores, [[1], [], [1]], keep=0.05, add=0.5).tolist() == [1, 2, 0]
    assert decide(scores, [[1], [], [1]], keep=0.5, add=0.45).tolist() == [0, 2, 2]


def test_a_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ModelNotFoundError, match="kg train"):
        load_relation_model(tmp_path)


def test_an_unknown_extractor_is_a_usage_error(tmp_path) -> None:
    text = tmp_path / "a.txt"
    text.write_text("Meta launched Muse Spark.", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(text), "-o", str(tmp_path / "out"), "--extractor", "magic"])
    assert result.exit_code == 2
    assert "rules, learned" in result.output


def test_training_refuses_a_test_split(tmp_path) -> None:
    from kg.errors import UsageError
    from kg.train.models import train_models

    with pytest.raises(UsageError, match="test split"):
        train_models([DATA / "conll04_sample.json", tmp_path / "conll04_test.json"], tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_kg_train_builds_models_the_learned_extractor_loads(tmp_path) -> None:
    models = tmp_path / "models"
    result = CliRunner().invoke(app, ["train", str(DATA / "conll04_sample.json"), "-o", str(models), "--no-ner"])
    assert result.exit_code == 0, result.output
    assert (models / "relations" / "config.json").is_file() and not (models / "ner").exists()
    nlp = load_pipeline()
    nlp.add_pipe("kg_relation_classifier", config={"model_path": str(models / "relations")})
    assert nlp("Alexandr Wang works for Meta.")._.kg_relations is not None


def test_the_shipped_learned_extractor_builds_a_valid_graph_that_names_its_model() -> None:
    from kg.build import build_graph
    from kg.extract.classifier import MODEL_DIR
    from kg.validate import validate

    if not (MODEL_DIR / "config.json").is_file():
        pytest.skip("no shipped relation model in kg/models/relations")
    nlp = load_pipeline(extractor="learned")
    assert "kg_relation_classifier" in nlp.pipe_names and nlp.get_pipe("ner") is not load_pipeline().get_pipe("ner")
    result = build_graph([str(Path(__file__).parents[1] / "examples" / "nordvik_gulfstone.txt")], nlp=nlp)
    assert validate(result.graph).conforms
    model = load_relation_model()
    assert any(r.rule == model.rule for r in result.extraction.relations)  # the model's relations name it
    assert all(r.rule.startswith(model.rule) or not r.rule.startswith("model:") for r in result.extraction.relations)
    assert result.extraction.relations and result.stats["extractor"] == "learned"
