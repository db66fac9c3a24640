"""Reading inputs: files, folders, JSONL with metadata, HTML and standard input."""

from __future__ import annotations

import io
import json

import pytest

from kg.errors import InputError
from kg.sources import html_to_text, read_documents


def test_read_documents_folder_is_recursive_and_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("First.")
    (tmp_path / "b" / "c.md").write_text("Second.")
    (tmp_path / "b" / "skip.bin").write_bytes(b"\x00")
    docs = list(read_documents([str(tmp_path)]))
    assert [d.text for d in docs] == ["First.", "Second."]
    assert docs[0].id == str(tmp_path / "a.txt")


def test_read_documents_jsonl_keeps_metadata(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [{"id": "n1", "text": "One.", "title": "T", "tags": ["x"]}, {"id": "n2", "text": "Two."}]))
    docs = list(read_documents([str(path)]))
    assert [d.id for d in docs] == ["n1", "n2"]
    assert docs[0].metadata == {"title": "T", "tags": ["x"]}


def test_read_documents_jsonl_bad_line_names_the_line(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text('{"id": "n1", "text": "One."}\n{broken\n')
    with pytest.raises(InputError, match=r"news.jsonl:2"):
        list(read_documents([str(path)]))


def test_read_documents_stdin():
    (doc,) = read_documents(["-"], stdin=io.StringIO("Hello from a pipe."))
    assert (doc.id, doc.text) == ("stdin", "Hello from a pipe.")


def test_read_documents_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_documents([str(tmp_path / "nope.txt")]))


def test_html_to_text_drops_scripts_and_styles():
    text = html_to_text("<html><head><style>p{}</style></head><body><h1>Title</h1><p>Body <i>text</i></p><script>alert(1)</script></body></html>")
    assert text == "Title\nBody text"
