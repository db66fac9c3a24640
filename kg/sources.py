"""Read input documents: text, Markdown and HTML files, folders, JSONL and standard input.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.txt").write_text("Meta launched Muse Spark.")
>>> [d.id for d in read_documents([str(folder / "a.txt")])]  # doctest: +ELLIPSIS
['.../a.txt']
"""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Iterable, Iterator

from kg.errors import InputError
from kg.extract.model import SourceDocument

__all__ = ["TEXT_SUFFIXES", "read_documents", "html_to_text"]

#: File suffixes read as documents when a folder is given.
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "head"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "header", "footer", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The readable text of an HTML page, scripts and styles dropped, one block a line.

    >>> html_to_text("<p>Hello <b>world</b></p><script>x()</script>")
    'Hello world'
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _decode(data: bytes, path: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_file(path: Path, given: str) -> Iterator[SourceDocument]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {given}: {exc.strerror or exc}") from exc
    text = _decode(raw, given)
    if path.suffix.lower() == ".jsonl":
        yield from _read_jsonl(text.splitlines(), given)
    elif path.suffix.lower() in (".html", ".htm"):
        yield SourceDocument(id=given, text=html_to_text(text), source=given)
    else:
        yield SourceDocument(id=given, text=text, source=given)


def _read_jsonl(lines: Iterable[str], given: str) -> Iterator[SourceDocument]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{given}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise InputError(f"{given}:{number}: a JSONL record needs a string 'text'")
        doc_id = str(record.get("id", f"{given}#{number}"))
        metadata = {k: v for k, v in record.items() if k not in ("id", "text")}
        yield SourceDocument(id=doc_id, text=record["text"], source=f"{given}#{number}", metadata=metadata)


def read_documents(inputs: Iterable[str], *, stdin: IO[str] | None = None) -> Iterator[SourceDocument]:
    """Stream the documents named by ``inputs``: files, folders (recursive), ``.jsonl`` or ``-``.

    A document's identifier is its path as given (or the JSONL ``id``);
    ``-`` reads standard input as one document called ``stdin``.
    """
    for given in inputs:
        if given == "-":
            yield SourceDocument(id="stdin", text=(stdin or sys.stdin).read(), source="stdin")
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
            if not files:
                raise InputError(f"{given}: no {', '.join(TEXT_SUFFIXES)} files in this folder")
            for file in files:
                yield from _read_file(file, str(file))
        elif path.is_file():
            yield from _read_file(path, given)
        else:
            raise InputError(f"{given}: no such file or folder")
