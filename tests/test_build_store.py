"""Corpus builds into a store: incremental (new, changed, unchanged), idempotent, the same with workers or Dask."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg.extract.parallel as parallel
from kg.build import BuildProgress, build_graph, build_store, store_result, write_outputs
from kg.store import serialize

ARTICLES = {
    "meta.txt": "Meta launched Muse Spark on Tuesday. Alexandr Wang leads Meta Superintelligence Labs.",
    "msft.txt": "Microsoft acquired GitHub in 2018. Satya Nadella leads Microsoft.",
    "nvidia.txt": "Jensen Huang founded Nvidia. Nvidia is based in Santa Clara.",
    "oracle.txt": "Oracle acquired Cerner for $28 billion. Larry Ellison founded Oracle.",
    "mistral.jsonl": "\n".join(json.dumps(r) for r in [
        {"id": "mistral-1", "text": "Mistral AI launched Le Chat. Mistral AI is based in Paris.", "title": "Le Chat"},
        {"id": "mistral-2", "text": "Arthur Mensch founded Mistral AI with Guillaume Lample."},
    ]),
}


def write_corpus(folder: Path, articles: dict[str, str] = ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def quads(store: Path) -> list[str]:
    return sorted(str(q) for q in ox.Store.read_only(str(store)))


def canonical(graph) -> list[str]:
    store = ox.Store()
    store.load(serialize(graph, format="nt"), format=ox.RdfFormat.N_TRIPLES)
    return sorted(str(q.triple) for q in store)


def triples(store: Path) -> list[str]:
    return sorted(str(q.triple) for q in ox.Store.read_only(str(store)))


@pytest.fixture
def extraction_calls(monkeypatch):
    """How many documents went through spaCy."""
    seen: list[str] = []
    original = parallel.extract_documents

    def counting(documents, nlp, **options):
        documents = list(documents)
        seen.extend(d.id for d in documents)
        return original(documents, nlp, **options)

    monkeypatch.setattr(parallel, "extract_documents", counting)
    return seen


def test_store_build_equals_the_in_memory_build(nlp, tmp_path):
    corpus = write_corpus(tmp_path / "news")
    report = build_store([str(corpus)], tmp_path / "store", nlp=nlp, batch_size=2)
    assert (report.added, report.replaced, report.unchanged, report.documents) == (6, 0, 0, 6)
    assert report.words == sum(len(json.loads(line)["text"].split()) if name.endswith(".jsonl") else 0
                               for name, text in ARTICLES.items() for line in text.splitlines()) + \
        sum(len(text.split()) for name, text in ARTICLES.items() if not name.endswith(".jsonl"))
    in_memory = build_graph([str(corpus)], nlp=nlp)
    assert triples(tmp_path / "store") == canonical(in_memory.graph)
    assert report.triples == len(in_memory.graph) and report.entities == len(in_memory.extraction.entities)


def test_incremental_build_adds_new_replaces_changed_and_skips_unchanged(nlp, tmp_path, extraction_calls):
    corpus = write_corpus(tmp_path / "news")
    store = tmp_path / "store"
    build_store([str(corpus)], store, nlp=nlp)
    first = quads(store)
    extraction_calls.clear()

    again = build_store([str(corpus)], store, nlp=nlp)  # the same build again: nothing is parsed, nothing changes
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 6) and extraction_calls == []
    assert quads(store) == first

    (corpus / "msft.txt").write_text("Microsoft acquired Activision Blizzard. Satya Nadella leads Microsoft.", encoding="utf-8")
    (corpus / "anthropic.txt").write_text("Dario Amodei founded Anthropic. Anthropic launched Claude.", encoding="utf-8")
    report = build_store([str(corpus)], store, nlp=nlp)
    assert (report.added, report.replaced, report.unchanged) == (1, 1, 5)
    assert sorted(extraction_calls) == ["news/anthropic.txt", "news/msft.txt"]  # ids: the folder given and the file
    text = "\n".join(triples(store))
    assert "activision" in text and "entity/github" not in text  # GitHub was only in the old msft.txt
    assert triples(store) == canonical(build_graph([str(corpus)], nlp=nlp).graph)


def test_progress_is_reported_per_batch_and_per_skipped_document(nlp, tmp_path):
    corpus = write_corpus(tmp_path / "news")
    seen: list[BuildProgress] = []
    build_store([str(corpus)], tmp_path / "store", nlp=nlp, batch_size=4, on_progress=seen.append)
    assert [p.documents for p in seen] == [4, 6] and seen[-1].words > seen[0].words > 0
    seen.clear()
    build_store([str(corpus)], tmp_path / "store", nlp=nlp, on_progress=seen.append)
    assert [p.unchanged for p in seen] == [1, 2, 3, 4, 5, 6] and all(p.documents == 0 for p in seen)


def test_outputs_of_a_store(nlp, tmp_path):
    build_store([str(write_corpus(tmp_path / "news"))], tmp_path / "store", nlp=nlp)
    result = store_result(tmp_path / "store")
    paths = write_outputs(result, tmp_path / "out")
    assert result.stats["documents"] == 6 and result.stats["entities"] > 10
    assert result.extraction is None and paths["html"].stat().st_size > 0
    assert "Muse Spark" in paths["turtle"].read_text(encoding="utf-8")


def test_two_workers_build_the_same_store(nlp, tmp_path):
    corpus = write_corpus(tmp_path / "news")
    build_store([str(corpus)], tmp_path / "one", nlp=nlp, batch_size=2)
    report = build_store([str(corpus)], tmp_path / "two", workers=2, batch_size=2)
    assert report.added == 6
    assert quads(tmp_path / "two") == quads(tmp_path / "one")


def test_dask_local_cluster_builds_the_same_store(nlp, tmp_path):
    """A LocalCluster of two worker processes (processes=True), one thread each."""
    pytest.importorskip("dask.distributed")
    corpus = write_corpus(tmp_path / "news")
    build_store([str(corpus)], tmp_path / "one", nlp=nlp, batch_size=2)
    report = build_store([str(corpus)], tmp_path / "dask", workers=2, batch_size=2, dask="local")
    assert report.added == 6
    assert quads(tmp_path / "dask") == quads(tmp_path / "one")


def test_workers_give_the_same_in_memory_graph(nlp, tmp_path):
    corpus = write_corpus(tmp_path / "news")
    assert canonical(build_graph([str(corpus)], workers=2, batch_size=3).graph) == canonical(build_graph([str(corpus)], nlp=nlp).graph)
