"""Long texts in pieces: every piece fits, the pieces put together are the text, cuts fall on boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.chunks import chunk_text


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab .!?\n\t\u2028é😀"), max_size=400) | st.text(max_size=200),
       max_chars=st.integers(min_value=1, max_value=120))
def test_pieces_fit_and_rebuild_the_text(text, max_chars):
    pieces = list(chunk_text(text, max_chars=max_chars))
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= max_chars for _, piece in pieces)
    assert all(text[offset:offset + len(piece)] == piece for offset, piece in pieces)
    assert all(piece for _, piece in pieces) or pieces == [(0, "")]


def test_cuts_prefer_paragraphs_then_lines_then_sentences_then_spaces():
    paragraphs = "First sentence here. Second one.\n\nNext paragraph starts."
    assert [p for _, p in chunk_text(paragraphs, max_chars=45)] == ["First sentence here. Second one.\n\n", "Next paragraph starts."]
    lines = "Headline of the day\nBody line one. Body line two."
    assert [p for _, p in chunk_text(lines, max_chars=30)] == ["Headline of the day\n", "Body line one. Body line two."]
    sentences = "One sentence. Another sentence here."
    assert [p for _, p in chunk_text(sentences, max_chars=25)] == ["One sentence. ", "Another sentence here."]
    words = "alpha beta gamma delta"
    assert [p for _, p in chunk_text(words, max_chars=13)] == ["alpha beta ", "gamma delta"]


def test_rejects_a_size_below_one():
    with pytest.raises(ValueError):
        list(chunk_text("x", max_chars=0))
