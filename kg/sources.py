"""Read input documents: text, Markdown and HTML files, folders, glob patterns, JSONL (also gzipped) and standard input.

Whatever the input holds, reading it never crashes: binary files are skipped
with a warning, text in any common encoding is decoded (the encoding is
reported when it is not UTF-8), a broken JSONL line is reported with its number
and skipped, and duplicate identifiers are made unique. With ``strict=True``
every input that would be skipped or renamed is an :class:`~kg.errors.InputError`.
Warnings go to the ``kg.sources`` logger.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.txt").write_text("Meta launched Muse Spark.")
>>> [d.id for d in read_documents([str(folder / "a.txt")])]  # an absolute path outside the current folder: its name
['a.txt']
"""

from __future__ import annotations

import codecs
import glob
import gzip
import json
import logging
import os
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, BinaryIO, Iterable, Iterator

from charset_normalizer import from_bytes

from kg.errors import InputError
from kg.extract.model import SourceDocument

__all__ = ["document_id", "LOCATION_KEY", "TEXT_SUFFIXES", "read_documents", "html_to_text", "decode_text", "binary_kind"]

log = logging.getLogger(__name__)

#: File name endings read as documents when a folder or a glob pattern is given.
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl", ".jsonl.gz")
_JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
_HTML_SUFFIXES = (".html", ".htm")
#: Metadata key of a file's absolute path, kept only with ``record_paths`` (written as ``prov:atLocation``).
LOCATION_KEY = "prov:atLocation"

#: Leading bytes of the binary formats most often renamed or mistaken for text.
_MAGIC = {
    b"%PDF-": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or .docx, .xlsx, .epub)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an old Microsoft Office document",
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"\x1f\x8b": "gzip-compressed (only .jsonl.gz is read compressed)",
    b"\x7fELF": "an executable",
}
# UTF-32 before UTF-16: the UTF-32 little-endian mark starts with the UTF-16 one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_WIDE_BOMS = tuple(bom for bom, encoding in _BOMS if encoding != "utf-8-sig")
_UTF8 = ("utf-8", "utf-8-sig")
_SNIFF_BYTES = 8192


def binary_kind(data: bytes) -> str | None:
    """What binary format ``data`` looks like, or ``None`` when it may be text.

    Text with a UTF-16 or UTF-32 byte-order mark is text, NUL bytes and all.

    >>> binary_kind(b"%PDF-1.7 ...")
    'a PDF document'
    >>> binary_kind(b"Meta launched Muse Spark.") is None
    True
    """
    if data.startswith(_WIDE_BOMS):
        return None
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    return "binary data (NUL bytes)" if b"\x00" in data else None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; return the text and the encoding chosen.

    The order: a byte-order mark (UTF-8, UTF-16, UTF-32), then strict UTF-8,
    then charset-normalizer's guess (Windows-1252 wins a tie, being the usual
    encoding of Western text), then Windows-1252, then Latin-1 (which never fails).

    >>> decode_text("Café".encode("utf-8"))
    ('Café', 'utf-8')
    >>> decode_text("Nestlé’s “deal”".encode("cp1252"))
    ('Nestlé’s “deal”', 'cp1252')
    >>> decode_text("Zürich".encode("utf-16"))
    ('Zürich', 'utf-16')
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break  # a mark followed by something else: guess like any other bytes
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data))
    if matches:
        best = [m for m in matches if m.chaos == matches[0].chaos]
        western = next((m for m in best if "cp1252" in m.could_be_from_charset), None)
        encoding = "cp1252" if western else matches[0].encoding
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "head"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "header", "footer", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skipping = 0  # an unclosed <head> ends where the body starts
        elif tag in self._SKIP:
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
    >>> html_to_text("<head><title>T</title><body><p>Body &lt;b&gt;</p>")
    'Body <b>'
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


class _Reader:
    """One call of :func:`read_documents`: its strictness and the identifiers seen so far."""

    def __init__(self, strict: bool, record_paths: bool) -> None:
        self.strict = strict
        self.record_paths = record_paths
        self.anchor = Path.cwd()
        self.ids: set[str] = set()
        self.read = 0
        self.skipped = 0

    def start(self, given: str) -> None:
        """Name the files of the input ``given`` from here on: relative to the folder that holds its first non-pattern part."""
        parts = Path(given).parts
        fixed = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
        self.anchor = Path(os.path.abspath(Path(*parts[:fixed]) if fixed else ".")).parent

    def name(self, path: str) -> str:
        """A file's name in the graph: the path as given when relative, else relative to the current folder or the input's folder.

        No absolute local path becomes part of a document's identifier, IRI or ``dcterms:source``.
        """
        if not os.path.isabs(path):
            return path
        absolute = Path(os.path.abspath(path))
        for base in (Path.cwd(), self.anchor):
            if absolute.is_relative_to(base) and absolute != base:
                return absolute.relative_to(base).as_posix()
        return absolute.name

    def located(self, path: Path) -> dict[str, str]:
        """The metadata that records ``path`` itself, when asked for."""
        return {LOCATION_KEY: os.path.abspath(path)} if self.record_paths else {}

    def problem(self, message: str) -> None:
        """An input kg can work around: a warning, or an error when strict."""
        if self.strict:
            raise InputError(f"{message} (--strict)")
        log.warning(message)

    def document(self, doc_id: str, text: str, source: str, metadata: dict | None = None, *, where: str = "") -> SourceDocument:
        """A document with an identifier no earlier document has."""
        unique, n = doc_id, 1
        while unique in self.ids:
            n += 1
            unique = f"{doc_id}#{n}"
        if unique != doc_id:
            self.problem(f"{where or source}: duplicate id {doc_id!r}; this document is kept as {unique!r}")
        self.ids.add(unique)
        self.read += 1
        return SourceDocument(id=unique, text=text, source=source, metadata=metadata or {})

    def skip(self, message: str) -> None:
        self.skipped += 1
        self.problem(message)

    def decoded(self, data: bytes, where: str) -> tuple[str, dict]:
        text, encoding = decode_text(data)
        if encoding in _UTF8:
            return text, {}
        log.warning("%s: not UTF-8; decoded as %s", where, encoding)
        return text, {"encoding": encoding}

    def file(self, path: Path, given: str) -> Iterator[SourceDocument]:
        name = path.name.lower()
        if name.endswith(_JSONL_SUFFIXES):
            yield from self.jsonl(path, given)
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {given}: {exc.strerror or exc}") from exc
        kind = binary_kind(data)
        if kind is not None:
            self.skip(f"{given}: skipped, looks like {kind}, not text")
            return
        text, metadata = self.decoded(data, given)
        if name.endswith(_HTML_SUFFIXES):
            text = html_to_text(text)
        name = self.name(given)
        yield self.document(name, text, name, {**metadata, **self.located(path)})

    def jsonl(self, path: Path, given: str) -> Iterator[SourceDocument]:
        """Stream a JSON Lines file (gzipped when it ends in ``.gz``): one document a line with a string ``text``."""
        try:
            handle: BinaryIO = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise InputError(f"cannot read {given}: {exc.strerror or exc}") from exc
        number = 0
        with handle:
            try:
                head = handle.read(_SNIFF_BYTES)
                handle.seek(0)
                kind = binary_kind(head)
                if kind is not None:
                    self.skip(f"{given}: skipped, looks like {kind}, not JSON Lines")
                    return
                name = self.name(given)
                for number, line, extra in self._lines(handle, head, given):
                    yield from self.record(line, f"{given}:{number}", f"{name}#{number}", {**extra, **self.located(path)})
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                where = f"after line {number}" if number else "at its start"
                self.skip(f"{given}: broken gzip data {where} ({exc}); the rest of the file is skipped")
            except OSError as exc:
                raise InputError(f"cannot read {given}: {exc.strerror or exc}") from exc

    def _lines(self, handle: BinaryIO, head: bytes, given: str) -> Iterator[tuple[int, str, dict]]:
        """Numbered lines of text, each with the metadata its decoding adds (the encoding when not UTF-8)."""
        if head.startswith(_WIDE_BOMS):  # UTF-16/32 (PowerShell's `>`): decode the whole file
            text, extra = self.decoded(handle.read(), given)
            for number, line in enumerate(text.split("\n"), start=1):
                yield number, line.rstrip("\r"), extra
            return
        for number, raw in enumerate(handle, start=1):
            raw = raw.rstrip(b"\r\n")
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield number, raw.decode("utf-8"), {}
            except UnicodeDecodeError:
                yield number, *self.decoded(raw, f"{given}:{number}")

    def record(self, line: str, where: str, default_id: str, extra: dict) -> Iterator[SourceDocument]:
        if not line.strip():
            return
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            self.skip(f"{where}: skipped, not valid JSON ({reason})")
            return
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            self.skip(f"{where}: skipped, a JSONL record needs a string 'text'")
            return
        raw_id = record.get("id")
        doc_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
        metadata = {**extra, **{k: v for k, v in record.items() if k not in ("id", "text")}}
        yield self.document(doc_id, record["text"], default_id, metadata, where=where)

    def folder(self, path: Path, given: str) -> Iterator[SourceDocument]:
        files: list[Path] = []
        for root, dirs, names in os.walk(path, onerror=lambda exc: self.skip(f"{exc.filename}: skipped, cannot read this folder ({exc.strerror})")):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            files += (Path(root) / n for n in names if not n.startswith(".") and n.lower().endswith(TEXT_SUFFIXES))
        if not files:
            raise InputError(f"{given}: no {', '.join(TEXT_SUFFIXES)} files in this folder")
        for file in sorted(files):
            yield from self.file(file, str(file))

    def pattern(self, given: str) -> Iterator[SourceDocument]:
        files = sorted(m for m in glob.glob(given, recursive=True) if m.lower().endswith(TEXT_SUFFIXES) and Path(m).is_file())
        if not files:
            raise InputError(f"{given}: no {', '.join(TEXT_SUFFIXES)} files match this pattern")
        for file in files:
            yield from self.file(Path(file), file)

    def stdin(self, stream: IO[str]) -> SourceDocument | None:
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            return self.document("stdin", stream.read(), "stdin")
        data = buffer.read()
        kind = binary_kind(data)
        if kind is not None:
            self.skip(f"stdin: skipped, looks like {kind}, not text")
            return None
        text, metadata = self.decoded(data, "stdin")
        return self.document("stdin", text, "stdin", metadata)


def document_id(given: str) -> str:
    """The identifier of the file ``given`` as :func:`read_documents` names it (``kg remove`` takes what ``kg build`` took).

    >>> document_id("news/a.txt"), document_id("/nowhere/news/a.txt")
    ('news/a.txt', 'a.txt')
    """
    reader = _Reader(strict=False, record_paths=False)
    reader.start(given)
    return reader.name(given)


def read_documents(inputs: Iterable[str], *, stdin: IO[str] | None = None, strict: bool = False,
                   record_paths: bool = False) -> Iterator[SourceDocument]:
    """Stream the documents named by ``inputs``: files, folders (recursive), glob patterns, ``.jsonl``, ``.jsonl.gz`` or ``-``.

    A document's identifier is its path as given (or the JSONL ``id``; a
    record without one is ``FILE#LINE``), an absolute path made relative to
    the current folder, or else to the folder holding the input, so the same
    input gives the same identifiers on any machine; ``record_paths`` keeps
    each file's absolute path in the metadata (:data:`LOCATION_KEY`). An identifier seen before gets
    ``#2``, ``#3`` ... appended. ``-`` reads standard input as one document
    called ``stdin``. A folder or pattern yields the files whose names end in
    one of :data:`TEXT_SUFFIXES`, sorted, hidden files and folders left out.
    Missing paths, unreadable files and folders with no text are an
    :class:`~kg.errors.InputError`, and so is every input being skipped.
    """
    reader = _Reader(strict, record_paths)
    for given in inputs:
        if given == "-":
            document = reader.stdin(stdin or sys.stdin)
            if document is not None:
                yield document
            continue
        path = Path(given)
        reader.start(given)
        if path.is_dir():
            yield from reader.folder(path, given)
        elif path.is_file():
            yield from reader.file(path, given)
        elif glob.has_magic(given):
            yield from reader.pattern(given)
        elif path.is_symlink():
            raise InputError(f"{given}: broken symbolic link")
        elif path.exists():
            raise InputError(f"{given}: not a regular file or folder")
        else:
            raise InputError(f"{given}: no such file or folder")
    if reader.skipped and not reader.read:
        raise InputError(f"no documents to read: every input was skipped ({reader.skipped} warning(s) above)")
