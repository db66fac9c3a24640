"""Running the pipeline: long documents in chunks keep their evidence offsets; empty documents give nothing."""

from __future__ import annotations

from kg.extract import SourceDocument, extract

SENTENCES = [
    "Microsoft acquired GitHub in 2018.", "Jensen Huang founded Nvidia.", "Anthropic launched Claude in March.",
    "Mistral AI launched Le Chat.", "Oracle acquired Cerner for $28 billion.", "Meta launched Muse Spark on Tuesday.",
]


def _relations(result):
    return {(r.subject, r.predicate, r.object, r.start_char, r.end_char, r.evidence) for r in result.relations}


def test_long_document_runs_in_chunks_with_offsets_into_the_whole_text(nlp, monkeypatch):
    text = "\n\n".join(SENTENCES * 4)
    document = SourceDocument("long", text, "long")
    whole = extract([document], nlp)
    monkeypatch.setattr(nlp, "max_length", 120)  # a text longer than this makes spaCy raise unless chunked
    chunked = extract([document], nlp)
    assert len(text) > 5 * nlp.max_length
    assert {r.evidence.strip() for r in chunked.relations} == set(SENTENCES)
    assert max(r.start_char for r in chunked.relations) > len(text) - 60
    for relation in chunked.relations:
        assert text[relation.start_char:relation.end_char] == relation.evidence
    assert _relations(chunked) == _relations(whole)  # independent paragraphs: chunking changes nothing
    assert set(chunked.entities) == set(whole.entities)
    assert [d.id for d in chunked.documents] == ["long"]


def test_a_long_line_without_boundaries_is_cut_and_keeps_offsets(nlp, monkeypatch):
    text = "Microsoft acquired GitHub in 2018. " + "x" * 5000 + " Anthropic launched Claude in March."
    monkeypatch.setattr(nlp, "max_length", 1000)
    result = extract([SourceDocument("line", text, "line")], nlp)
    found = {(r.subject, r.predicate, r.object) for r in result.relations}
    assert {("microsoft", "acquired", "github"), ("anthropic", "launched", "claude")} <= found
    for relation in result.relations:
        assert text[relation.start_char:relation.end_char] == relation.evidence


def test_empty_and_blank_documents_give_no_entities(nlp):
    documents = [SourceDocument("empty", "", "empty"), SourceDocument("blank", " \n\t\r\n\x0c ", "blank")]
    result = extract(documents, nlp)
    assert [d.id for d in result.documents] == ["empty", "blank"]
    assert result.entities == {} and result.relations == []


def test_the_lemmatizer_gives_the_model_s_own_lemmas(nlp):
    """kg makes the rule lemmatizer's word lookups set lookups (for speed): every lemma must stay spaCy's."""
    from pathlib import Path

    import spacy

    plain = spacy.load(f"{nlp.lang}_{nlp.meta['name']}")
    texts = [p for f in sorted(Path("examples").rglob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()][:80]
    with plain.select_pipes(disable=["lemmatizer"]):
        docs = list(plain.pipe(texts))
    ours, theirs = nlp.get_pipe("lemmatizer"), plain.get_pipe("lemmatizer")
    words = [[t.lemma_ for t in ours(d.copy())] for d in docs]
    assert sum(map(len, words)) > 2000
    assert words == [[t.lemma_ for t in theirs(d.copy())] for d in docs]
