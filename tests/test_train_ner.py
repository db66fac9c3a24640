"""kg.train: the gold corpus readers give offsets into the scored text, and the entity recogniser trains and loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.evaluate import _docred_text, docred_gold_triples
from kg.train.corpus import read_article_gold, read_conll04, read_docred, read_gold

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
