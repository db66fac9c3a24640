"""kg.train: the gold corpus readers give offsets into the scored text, and the entity recogniser trains and loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, Span

from kg.errors import InputError, ModelNotFoundError
from kg.evaluate import _docred_text, docred_gold_triples
from kg.extract import SourceDocument, extract, load_pipeline
from kg.extract.ner import trained_ner_path, use_trained_ner
from kg.train.corpus import GoldDocument, GoldEntity, read_article_gold, read_conll04, read_docred, read_gold
from kg.train.ner import MODEL_NAME, MODEL_VERSION, entity_labels, rehearsal_doc, train_ner

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


def test_trained_ner_replaces_only_the_ner(tmp_path):
    documents = read_gold(DATA / "conll04_sample.json") + read_gold(DATA / "redocred_sample.json")
    summary = train_ner(documents, tmp_path / "ner", max_steps=6, sources=["conll04_sample.json", "redocred_sample.json"])
    assert summary["train_documents"] + summary["dev_documents"] == len(documents) and summary["dev_documents"] >= 1
    meta = json.loads((tmp_path / "ner" / "meta.json").read_text(encoding="utf-8"))
    assert (meta["name"], meta["version"]) == (MODEL_NAME, MODEL_VERSION)
    assert meta["training"]["sources"] == ["conll04_sample.json", "redocred_sample.json"]
    nlp = load_pipeline()
    names, original, tagger, parser = nlp.pipe_names, nlp.get_pipe("ner"), nlp.get_pipe("tagger"), nlp.get_pipe("parser")
    use_trained_ner(nlp, tmp_path / "ner")
    assert nlp.pipe_names == names
    ner = nlp.get_pipe("ner")
    assert ner is not original and nlp.get_pipe("tagger") is tagger and nlp.get_pipe("parser") is parser
    assert ner.model.to_bytes() == spacy.load(tmp_path / "ner").get_pipe("ner").model.to_bytes()
    assert set(ner.labels) == set(original.labels)  # DATE, MONEY ... still there for kg's other rules
    result = extract([SourceDocument("d", "Meta hired Alexandr Wang in Menlo Park on Monday.", "d")], nlp)
    assert result.entities  # the pipeline still runs end to end


def test_missing_weights_are_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="no trained entity recogniser"):
        use_trained_ner(spacy.blank("en"), tmp_path / "nothing")


@pytest.mark.skipif(not (trained_ner_path() / "meta.json").is_file(), reason="kg/models/ner is not shipped in this checkout")
def test_shipped_ner_loads():
    meta = json.loads((trained_ner_path() / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == MODEL_NAME and meta["training"]["sources"]
    nlp = load_pipeline()
    original = set(nlp.get_pipe("ner").labels)
    use_trained_ner(nlp)
    assert set(nlp.get_pipe("ner").labels) == original
    doc = nlp("Alexandr Wang joined Meta in Menlo Park, California, in June 2025.")
    assert {e.label_ for e in doc.ents} >= {"PERSON", "ORG", "GPE", "DATE"}
