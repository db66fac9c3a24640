"""Reading inputs: files, folders, JSONL with metadata, HTML and standard input."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.sources import LOCATION_KEY, binary_kind, decode_text, html_to_text, read_documents


def test_read_documents_folder_is_recursive_and_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("First.")
    (tmp_path / "b" / "c.md").write_text("Second.")
    (tmp_path / "b" / "skip.bin").write_bytes(b"\x00")
    docs = list(read_documents([str(tmp_path)]))
    assert [d.text for d in docs] == ["First.", "Second."]
    assert [d.id for d in docs] == [f"{tmp_path.name}/a.txt", f"{tmp_path.name}/b/c.md"]  # no absolute path


def test_read_documents_jsonl_keeps_metadata(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [{"id": "n1", "text": "One.", "title": "T", "tags": ["x"]}, {"id": "n2", "text": "Two."}]))
    docs = list(read_documents([str(path)]))
    assert [d.id for d in docs] == ["n1", "n2"]
    assert docs[0].metadata == {"title": "T", "tags": ["x"]}


def test_read_documents_jsonl_bad_lines_are_reported_and_skipped(tmp_path, caplog):
    path = tmp_path / "news.jsonl"
    path.write_text('{"id": "n1", "text": "One."}\n{broken\n{"id": "n3"}\n[1, 2]\n' + "[" * 100_000 + '\n{"id": "n6", "text": "Six."}\n')
    docs = list(read_documents([str(path)]))
    assert [d.id for d in docs] == ["n1", "n6"]
    assert f"{path}:2: skipped, not valid JSON" in caplog.text
    assert f"{path}:3: skipped, a JSONL record needs a string 'text'" in caplog.text
    assert f"{path}:4: skipped" in caplog.text and f"{path}:5: skipped" in caplog.text


def test_read_documents_jsonl_strict_makes_a_bad_line_an_error(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text('{"id": "n1", "text": "One."}\n{broken\n')
    with pytest.raises(InputError, match=r"news.jsonl:2: skipped, not valid JSON .*--strict"):
        list(read_documents([str(path)], strict=True))


def test_read_documents_duplicate_ids_are_reported_and_kept(tmp_path, caplog):
    path = tmp_path / "news.jsonl"
    records = [{"id": "a", "text": "One."}, {"id": "a", "text": "Two."}, {"id": "a#2", "text": "Three."}, {"text": "Four."}, {"id": 7, "text": "Five."}]
    path.write_text("\n".join(json.dumps(r) for r in records))
    docs = list(read_documents([str(path), str(path)]))
    ids = [d.id for d in docs]
    assert ids[:5] == ["a", "a#2", "a#2#2", "news.jsonl#4", "7"]
    assert len(set(ids)) == len(ids) == 10  # the file given twice: every document kept, none shares an id
    assert [d.text for d in docs[:2]] == ["One.", "Two."]
    assert f"{path}:2: duplicate id 'a'; this document is kept as 'a#2'" in caplog.text
    with pytest.raises(InputError, match="duplicate id"):
        list(read_documents([str(path)], strict=True))


def test_read_documents_jsonl_keeps_line_separators_inside_records(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text(json.dumps({"id": "u", "text": "A\u2028B\u2029C\x0bD\x85E"}, ensure_ascii=False) + "\n", encoding="utf-8")
    (doc,) = read_documents([str(path)])
    assert doc.text == "A\u2028B\u2029C\x0bD\x85E"


def test_read_documents_jsonl_gz_and_utf16_jsonl(tmp_path):
    records = [{"id": "g1", "text": "Zürich."}, {"id": "g2", "text": "Two."}]
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8")
    (tmp_path / "news.jsonl.gz").write_bytes(gzip.compress(data))
    (tmp_path / "wide.jsonl").write_bytes(data.decode("utf-8").replace("g", "w").encode("utf-16"))
    docs = list(read_documents([str(tmp_path)]))
    assert [(d.id, d.text) for d in docs] == [("g1", "Zürich."), ("g2", "Two."), ("w1", "Zürich."), ("w2", "Two.")]
    assert docs[2].metadata == {"encoding": "utf-16"}


def test_read_documents_broken_gzip_keeps_the_lines_before(tmp_path, caplog):
    whole = gzip.compress(b"".join(json.dumps({"id": f"n{i}", "text": f"Text {i}."}).encode() + b"\n" for i in range(2000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    docs = list(read_documents([str(path)]))
    assert 0 < len(docs) < 2000 and docs[0].id == "n0"
    assert f"{path}: broken gzip data after line {len(docs)}" in caplog.text
    (tmp_path / "fake.jsonl.gz").write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="fake.jsonl.gz: broken gzip data at its start"):
        list(read_documents([str(tmp_path / "fake.jsonl.gz")], strict=True))


def test_read_documents_stdin():
    (doc,) = read_documents(["-"], stdin=io.StringIO("Hello from a pipe."))
    assert (doc.id, doc.text) == ("stdin", "Hello from a pipe.")


def test_read_documents_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_documents([str(tmp_path / "nope.txt")]))


def test_html_to_text_drops_scripts_and_styles():
    text = html_to_text("<html><head><style>p{}</style></head><body><h1>Title</h1><p>Body <i>text</i></p><script>alert(1)</script></body></html>")
    assert text == "Title\nBody text"


def test_html_to_text_survives_an_unclosed_head():
    assert html_to_text("<html><head><title>T</title><script>x</script><body><p>Kept &amp; shown</p>") == "Kept & shown"


@pytest.mark.parametrize(("data", "kind"), [
    (b"%PDF-1.4\n...", "a PDF document"), (b"PK\x03\x04rest", "a ZIP archive"), (b"\x89PNG\r\n\x1a\n..", "a PNG image"),
    (b"\xff\xd8\xff\xe0..", "a JPEG image"), (b"GIF89a..", "a GIF image"), (b"\x1f\x8b\x08..", "gzip"),
    (b"text\x00with a NUL", "NUL bytes"), ("UTF-16 text".encode("utf-16"), None), (b"plain text", None), (b"", None),
])
def test_binary_kind(data, kind):
    found = binary_kind(data)
    assert (found is None) if kind is None else (kind in found)


@pytest.mark.parametrize(("data", "text", "encoding"), [
    ("Ünïcödé ✓".encode("utf-8"), "Ünïcödé ✓", "utf-8"),
    ("\ufeffBOM first".encode("utf-8"), "BOM first", "utf-8-sig"),
    ("Zoë".encode("utf-16-le").join([b"\xff\xfe", b""]), "Zoë", "utf-16"),
    ("Zoë".encode("utf-16"), "Zoë", "utf-16"),
    ("“Société Générale” said Zürich’s mayor, €5.".encode("cp1252"), "“Société Générale” said Zürich’s mayor, €5.", "cp1252"),
    ("Москва сообщила сегодня о новых санкциях против компаний.".encode("cp1251"), "Москва сообщила сегодня о новых санкциях против компаний.", "cp1251"),
    (b"", "", "utf-8"),
])
def test_decode_text_detects_the_encoding(data, text, encoding):
    assert decode_text(data) == (text, encoding)


def test_read_documents_skips_binary_files_and_reports_encodings(tmp_path, caplog):
    (tmp_path / "a.txt").write_bytes("Café Zürich “quoted”.".encode("cp1252"))
    (tmp_path / "b.txt").write_bytes(b"%PDF-1.7 renamed")
    (tmp_path / "c.html").write_bytes(b"<p>\x00</p>")
    (tmp_path / "d.md").write_text("Plain.")
    docs = list(read_documents([str(tmp_path)]))
    assert [(Path(d.id).name, d.text, d.metadata) for d in docs] == [("a.txt", "Café Zürich “quoted”.", {"encoding": "cp1252"}), ("d.md", "Plain.", {})]
    assert f"{tmp_path / 'a.txt'}: not UTF-8; decoded as cp1252" in caplog.text
    assert f"{tmp_path / 'b.txt'}: skipped, looks like a PDF document, not text" in caplog.text
    assert f"{tmp_path / 'c.html'}: skipped, looks like binary data (NUL bytes)" in caplog.text
    with pytest.raises(InputError, match="b.txt: skipped, looks like a PDF"):
        list(read_documents([str(tmp_path)], strict=True))


def test_read_documents_all_skipped_is_an_error(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x00\x01")
    with pytest.raises(InputError, match="no documents to read: every input was skipped"):
        list(read_documents([str(tmp_path)]))


def test_read_documents_empty_inputs_are_documents(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\t\n")
    assert sorted(d.text for d in read_documents([str(tmp_path)])) == ["", " \n\t\n"]


def test_read_documents_glob_patterns(tmp_path, monkeypatch):
    for name in ("news/a.txt", "news/b.md", "news/deep/c.txt", "news/deep/d.csv", "news/.hidden.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"Text of {name}.")
    monkeypatch.chdir(tmp_path)
    assert [d.id for d in read_documents(["news/*.txt"])] == ["news/a.txt"]
    assert [d.id for d in read_documents(["news/**"])] == ["news/a.txt", "news/b.md", "news/deep/c.txt"]
    assert [d.id for d in read_documents(["news/**/*.txt"])] == ["news/a.txt", "news/deep/c.txt"]
    with pytest.raises(InputError, match=r"news/\*.pdf: no .* files match this pattern"):
        list(read_documents(["news/*.pdf"]))


def test_read_documents_folder_without_text_and_unreadable_file(tmp_path, unreadable_file):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "picture.png").write_bytes(b"\x89PNG")
    with pytest.raises(InputError, match=r"empty: no .txt, .md, .html, .htm, .jsonl, .jsonl.gz files in this folder"):
        list(read_documents([str(tmp_path / "empty")]))
    with pytest.raises(InputError, match=f"cannot read {unreadable_file}: Permission denied"):
        list(read_documents([str(unreadable_file)]))


def test_read_documents_stdin_bytes_are_decoded_and_binary_skipped():
    stdin = io.TextIOWrapper(io.BytesIO("Café “Zürich”.".encode("cp1252")))
    (doc,) = read_documents(["-"], stdin=stdin)
    assert (doc.text, doc.metadata) == ("Café “Zürich”.", {"encoding": "cp1252"})
    with pytest.raises(InputError, match="stdin: skipped, looks like a PDF"):
        list(read_documents(["-"], stdin=io.TextIOWrapper(io.BytesIO(b"%PDF-1.4")), strict=True))


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
       suffix=st.sampled_from([".txt", ".html", ".jsonl", ".jsonl.gz", ".md"]), strict=st.booleans())
def test_any_bytes_in_any_file_read_or_fail_cleanly(tmp_path_factory, data, suffix, strict):
    path = tmp_path_factory.mktemp("any") / f"input{suffix}"
    compress = suffix == ".jsonl.gz" and not data.startswith(b"x")  # and a few .jsonl.gz files that are not gzip
    path.write_bytes(gzip.compress(data) if compress else data)
    try:
        documents = list(read_documents([str(path)], strict=strict))
    except InputError as exc:
        assert str(path) in str(exc) or "every input was skipped" in str(exc)
        return
    for document in documents:
        assert isinstance(document.text, str) and document.id


def test_document_ids_are_the_same_wherever_the_input_lies(tmp_path, monkeypatch):
    """Relative paths stay as typed; an absolute one is relative to the current folder, or to the folder holding the input."""
    news = tmp_path / "news"
    (news / "tech").mkdir(parents=True)
    (news / "tech" / "a.txt").write_text("Meta launched Muse Spark.")
    (news / "feed.jsonl").write_text('{"text": "No id."}\n{"id": "x1", "text": "An id."}\n')
    monkeypatch.chdir(tmp_path)
    relative = [d.id for d in read_documents(["news"])]
    assert relative == ["news/feed.jsonl#1", "x1", "news/tech/a.txt"]
    assert [d.id for d in read_documents([str(news)])] == relative
    assert [d.id for d in read_documents([str(news / "tech" / "a.txt")])] == ["news/tech/a.txt"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert [d.id for d in read_documents([str(news)])] == relative
    assert [d.id for d in read_documents([str(news / "tech" / "*.txt")])] == ["tech/a.txt"]
    assert [d.id for d in read_documents([str(news / "tech" / "a.txt")])] == ["a.txt"]
    assert [d.id for d in read_documents(["../news/tech/a.txt"])] == ["../news/tech/a.txt"]
    documents = list(read_documents([str(news)]))
    assert all(str(tmp_path) not in f"{d.id} {d.source} {d.metadata}" for d in documents)


def test_record_paths_keeps_the_absolute_path_in_the_metadata_only(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("Meta.")
    (tmp_path / "b.jsonl").write_text('{"id": "b1", "text": "OpenAI."}\n')
    monkeypatch.chdir(tmp_path)
    recorded = list(read_documents(["a.txt", "b.jsonl"], record_paths=True))
    assert [(d.id, d.source, d.metadata[LOCATION_KEY]) for d in recorded] == [
        ("a.txt", "a.txt", str(tmp_path / "a.txt")), ("b1", "b.jsonl#1", str(tmp_path / "b.jsonl"))]
    assert all(LOCATION_KEY not in d.metadata for d in read_documents(["a.txt", "b.jsonl"]))
