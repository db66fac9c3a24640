"""The persistent store: a corpus kept in an embedded Oxigraph database and built incrementally.

A store is a folder. The folder is a pyoxigraph (RocksDB) store holding the
knowledge graph, read and written through oxrdflib, so the rdflib API works on
it (:attr:`CorpusStore.dataset`, :func:`load_source`):

- the **named graph of each document** (named by the document's IRI) holds its
  ``kg:Document`` node with its Dublin Core terms, one ``kg:mentionedIn``
  triple per entity it mentions, and the ``rdf:Statement`` of each of its
  relations with the provenance (evidence, offsets, confidence, rule);
- the **default graph** holds the merged entity layer: each entity's class,
  label and aliases (voted over every document that mentions it, see
  :class:`~kg.extract.merge.EntityTally`), and the direct relation triples,
  each one there while at least one document states it.

No triple is in two graphs, and the union of all graphs is exactly the graph
``kg build -o`` writes for the same documents. Beside the database,
``kg-manifest.sqlite3`` is the manifest: each document's content hash and what
extraction found in it, each entity's tally, who mentions whom, and the base IRI.
It lets a build skip unchanged documents and replace or remove one document
while touching only the entities it mentions.

A batch of changes is one SQLite transaction that also records how to write
the batch into the database: a SPARQL Update that drops the named graph of each
document it writes and deletes what leaves the default graph, and the N-Quads
it adds. Then a writer thread runs that update (one Oxigraph transaction),
bulk-loads the N-Quads (Oxigraph's bulk loader, no transaction: many times
faster than an ``INSERT DATA``) and the record is cleared, while the caller
extracts the next batch. Batches are written in order and their records cleared
oldest first, so the records left after an interruption are the newest batches:
they are replayed, in order, when the store is opened next (dropping, deleting
and loading again gives the same quads), and a build can be resumed by running
it again.

>>> with open_store("store") as store:  # doctest: +SKIP
...     change = store.add(extracted_documents)
>>> graph = load_source("store")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import queue
import sqlite3
import threading
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, URIRef

from kg.errors import InputError, KGError, UsageError, first_line
from kg.extract.model import Entity, Relation, SourceDocument
from kg.extract.merge import DocumentEntities, EntityTally, relation_fits
from kg.namespace import KG, PREFIXES
from kg.rdf.build import Triple, document_triples, entity_triples, relation_triple, statement_triples
from kg.rdf.iris import DEFAULT_BASE_IRI, ResourceIRIs
from kg.store import load_graph

__all__ = ["MANIFEST_NAME", "CorpusStore", "StoreChange", "content_hash", "is_store", "load_source", "open_database", "open_store"]

#: The manifest's file name inside a store folder.
MANIFEST_NAME = "kg-manifest.sqlite3"
_FORMAT = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, hash TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mentions (entity TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (entity, document)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mentions_by_document ON mentions (document);
CREATE TABLE IF NOT EXISTS relations (subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL, document TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS relations_by_triple ON relations (subject, predicate, object);
CREATE INDEX IF NOT EXISTS relations_by_document ON relations (document);
CREATE TABLE IF NOT EXISTS entities (key TEXT PRIMARY KEY, class TEXT NOT NULL, tally TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY, sparql TEXT NOT NULL, nquads TEXT NOT NULL DEFAULT '');
"""


def content_hash(document: SourceDocument) -> str:
    """The SHA-256 of what a document contributes: its text, source and metadata (not its id).

    >>> content_hash(SourceDocument("a", "Meta launched Muse Spark.", "a.txt"))[:12]
    '74252acff9df'
    """
    data = json.dumps([document.text, document.source, document.metadata], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def is_store(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder written by :func:`open_store` (it holds a manifest)."""
    return (Path(path) / MANIFEST_NAME).is_file()


@dataclass(frozen=True)
class StoreChange:
    """What one batch did to a store: documents added, replaced and removed; entities that came and went."""

    added: int = 0
    replaced: int = 0
    removed: int = 0
    entities_added: int = 0
    entities_removed: int = 0


@dataclass(frozen=True)
class _Record:
    """What the manifest keeps of a document: everything its graph and its share of the entity layer are made from."""

    document: SourceDocument
    part: DocumentEntities

    def to_json(self) -> str:
        return json.dumps({
            "document": {"id": self.document.id, "source": self.document.source, "metadata": self.document.metadata},
            "entities": {key: {"label": e.label, "cls": e.cls, "aliases": sorted(e.aliases), "votes": dict(self.part.votes[key])}
                         for key, e in self.part.entities.items()},
            "relations": [vars(r) for r in self.part.relations],  # flat fields: asdict's deep copy is most of the manifest's cost
        }, ensure_ascii=False, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str) -> _Record:
        data = json.loads(text)
        doc = data["document"]
        document = SourceDocument(id=doc["id"], text="", source=doc["source"], metadata=doc["metadata"])
        entities = {key: Entity(key, e["label"], e["cls"], set(e["aliases"]), {document.id}) for key, e in data["entities"].items()}
        votes = {key: Counter(e["votes"]) for key, e in data["entities"].items()}
        relations = [Relation(**r) for r in data["relations"]]
        return cls(document, DocumentEntities(entities=entities, votes=votes, relations=relations))


@functools.lru_cache(maxsize=65536)
def _iri_nt(iri: str) -> str:
    return str(ox.NamedNode(iri))


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _nt(term: URIRef | Literal) -> str:
    """A term in N-Triples syntax, which SPARQL's ``DATA`` blocks also read (IRIs checked and escaped by pyoxigraph).

    >>> _nt(Literal('say "hi"\\n', lang="en")), _nt(Literal(3))
    ('"say \\\\"hi\\\\"\\\\n"@en', '"3"^^<http://www.w3.org/2001/XMLSchema#integer>')
    """
    if type(term) is URIRef:
        return _iri_nt(str(term))
    text = f'"{str.translate(term, _ESCAPES)}"'
    language, datatype = term.language, term.datatype
    if language is not None:
        return f"{text}@{language}"
    return f"{text}^^{_iri_nt(str(datatype))}" if datatype is not None else text


class _CachedIRIs(ResourceIRIs):
    """:class:`ResourceIRIs` remembering the entity and document IRIs it minted: a batch names each many times."""

    @functools.lru_cache(maxsize=65536)  # noqa: B019 (one instance per open store)
    def entity(self, key: str) -> URIRef:
        return super().entity(key)

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def document(self, doc_id: str) -> URIRef:
        return super().document(doc_id)


def _triples_text(triples: Iterable[Triple]) -> str:
    return " ".join(f"{_nt(s)} {_nt(p)} {_nt(o)} ." for s, p, o in triples)


def _quads_text(triples: Iterable[Triple], graph: str = "") -> str:
    """The triples as N-Quads lines in the graph ``graph`` (N-Triples syntax; empty for the default graph).

    Triples come grouped by subject (a statement's, an entity's), so a subject's text is made once per run of it.
    """
    tail = f" {graph} .\n" if graph else " .\n"
    lines, last, subject = [], None, ""
    for s, p, o in triples:
        if s is not last:
            last, subject = s, _nt(s)
        lines.append(f"{subject} {_iri_nt(p)} {_nt(o)}{tail}")
    return "".join(lines)


class _UnionView(OxigraphStore):
    """oxrdflib's store seen as one graph, the union of the default graph and every named graph."""

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:
        return super().triples(triple_pattern, None)

    def __len__(self, context: Any = None) -> int:
        return super().__len__(None)

    def query(self, query: Any, initNs: Mapping[str, Any], initBindings: Mapping[str, Any], queryGraph: Any, **kwargs: Any) -> Any:  # noqa: N803
        return super().query(query, initNs, initBindings, "__UNION__", **kwargs)


def _union_graph(store: ox.Store) -> Graph:
    graph = Graph(store=_UnionView(store=store))
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def open_database(path: str | os.PathLike[str], *, read_only: bool) -> ox.Store:
    """The Oxigraph database in a store folder, with a clear error when it is locked or is not one."""
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as exc:
        message = first_line(exc)
        if "lock" in message.lower():
            raise KGError(f"{path}: the store is open in another process (a running kg build, kg remove or kg serve?)") from exc
        raise InputError(f"{path}: not an Oxigraph store ({message})") from exc


class _Writer:
    """One thread that writes recorded batches into the database, in order, while the caller prepares the next.

    Oxigraph lets Python run while it loads, so extraction (or the next batch's N-Quads) overlaps
    the write. At most one batch waits while another is written. ``done`` holds the ids of the
    records written, oldest first; an error in the thread is raised by the next :meth:`submit` or :meth:`drain`.
    """

    def __init__(self, write: Callable[[str, str], None]) -> None:
        self._write = write
        self._queue: queue.Queue[tuple[int | None, str, str] | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self.done: deque[int | None] = deque()
        self._thread = threading.Thread(target=self._run, name="kg-store-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            pending_id, sparql, nquads = item
            try:
                if self._error is None:  # after a failure nothing more is written: the records stay for the replay
                    self._write(sparql, nquads)
                    self.done.append(pending_id)
            except BaseException as exc:  # noqa: BLE001 (handed to the caller's thread)
                self._error = exc
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            raise KGError(f"writing to the store failed: {first_line(self._error)}") from self._error

    def submit(self, pending_id: int | None, sparql: str, nquads: str) -> None:
        self._raise()
        self._queue.put((pending_id, sparql, nquads))

    def drain(self) -> None:
        """Wait until every submitted batch is written."""
        self._queue.join()
        self._raise()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()


class CorpusStore:
    """A store opened for writing by :func:`open_store`: add, replace and remove documents.

    ``dataset`` is the rdflib :class:`~rdflib.Dataset` over the database
    (oxrdflib). To read the knowledge graph, close the store and use
    :func:`load_source`.
    """

    def __init__(self, path: Path, database: ox.Store, manifest: sqlite3.Connection, base_iri: str) -> None:
        self.path = path
        self.base_iri = base_iri
        self.dataset = Dataset(store=OxigraphStore(store=database))
        self._database = database
        self._manifest = manifest
        self._iris = _CachedIRIs(base_iri)
        self._changed = False
        self._writer = _Writer(self._write)

    def __enter__(self) -> CorpusStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        self.close(compact=exc_type is None)

    def close(self, *, compact: bool = True) -> None:
        """Close the manifest and the database; the folder can then be opened again.

        A store that changed is compacted first (``compact``): RocksDB merges its
        files, and queries on a large store then run about 1.5 times faster.
        """
        error: BaseException | None = None
        try:
            self._writer.drain()
        except BaseException as exc:  # noqa: BLE001 (raised below, once the database is released)
            error = exc
        self._writer.stop()
        self._forget_written()
        self._manifest.close()
        self._database.flush()
        if compact and self._changed and error is None:
            self._database.optimize()
        self.dataset.close()
        del self._database
        if error is not None:
            raise error

    # --- reading --------------------------------------------------------------------------------------------
    def content_hashes(self) -> dict[str, str]:
        """Each stored document's id and content hash (see :func:`content_hash`)."""
        return dict(self._manifest.execute("SELECT id, hash FROM documents"))

    def counts(self) -> dict[str, int]:
        """How many documents, entities and triples the store holds."""
        self._writer.drain()
        (documents,) = self._manifest.execute("SELECT COUNT(*) FROM documents").fetchone()
        (entities,) = self._manifest.execute("SELECT COUNT(*) FROM entities").fetchone()
        return {"documents": documents, "entities": entities, "triples": len(self._database)}

    def _records(self, doc_ids: Iterable[str]) -> dict[str, _Record]:
        rows = self._select("SELECT id, record FROM documents WHERE id IN ({})", doc_ids)
        return {doc_id: _Record.from_json(text) for doc_id, text in rows}

    def _tallies(self, keys: Iterable[str]) -> dict[str, EntityTally]:
        rows = self._select("SELECT key, tally FROM entities WHERE key IN ({})", keys)
        return {key: EntityTally.from_dict(json.loads(text)) for key, text in rows}

    def _classes(self, keys: Iterable[str]) -> dict[str, str]:
        return dict(self._select("SELECT key, class FROM entities WHERE key IN ({})", keys))

    def _mentioning(self, keys: Iterable[str]) -> set[str]:
        return {doc_id for (doc_id,) in self._select("SELECT DISTINCT document FROM mentions WHERE entity IN ({})", keys)}

    def _stated(self, triples: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        """Those of ``triples`` that some stored document states, each looked up in the triple index (not the table scanned)."""
        return set(self._select("WITH candidate(s, p, o) AS (VALUES {}) SELECT s, p, o FROM candidate "
                                "WHERE EXISTS (SELECT 1 FROM relations WHERE subject = s AND predicate = p AND object = o)", triples))

    def _select(self, sql: str, values: Iterable[str | tuple[str, ...]]) -> list[tuple[Any, ...]]:
        """Run ``sql`` with its ``({})`` list filled from ``values``, in chunks; the rows it gives (none for a DELETE).

        A value is one parameter, or a tuple of them that becomes a row ``(?, ?, ?)`` (for a ``VALUES`` list).
        """
        values = list(values)
        as_rows = bool(values) and isinstance(values[0], tuple)
        width = len(values[0]) if as_rows else 1
        marker = f"({', '.join('?' * width)})" if as_rows else "?"
        per_chunk = 500 // width  # SQLite's limit on host parameters
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(values), per_chunk):
            chunk = values[start:start + per_chunk]
            parameters = [part for value in chunk for part in value] if as_rows else chunk
            rows += self._manifest.execute(sql.format(",".join([marker] * len(chunk))), parameters).fetchall()
        return rows

    # --- writing --------------------------------------------------------------------------------------------
    def add(self, extracted: Sequence[tuple[SourceDocument, DocumentEntities]]) -> StoreChange:
        """Add documents with what extraction found in them, in one transaction; a stored document of the same id is replaced.

        >>> change = store.add([(document, part)])  # doctest: +SKIP
        """
        return self._change(extracted, [])

    def remove(self, doc_ids: Iterable[str]) -> StoreChange:
        """Take documents out, in one transaction; entities no other document mentions go with them.

        >>> store.remove(["examples/muse_spark.txt"])  # doctest: +SKIP
        StoreChange(added=0, replaced=0, removed=1, entities_added=0, entities_removed=41)
        """
        doc_ids = list(dict.fromkeys(doc_ids))
        missing = sorted(set(doc_ids) - set(self.content_hashes()))
        if missing:
            raise InputError(f"not in the store {self.path}: {', '.join(missing)}")
        return self._change([], doc_ids)

    def _change(self, extracted: Sequence[tuple[SourceDocument, DocumentEntities]], removed: list[str]) -> StoreChange:
        new = {document.id: (_Record(document, part), content_hash(document)) for document, part in extracted}
        old = self._records([*removed, *new])
        affected = {key for record in [*old.values(), *(r for r, _ in new.values())] for key in record.part.entities}
        tallies = self._tallies(affected)
        before = {key: tally.entity() for key, tally in tallies.items()}
        for sign, records in ((-1, old.values()), (1, (r for r, _ in new.values()))):
            for record in records:
                for key, local in record.part.entities.items():
                    tallies.setdefault(key, EntityTally(key)).add(local, record.part.votes[key], times=sign)
        entities = {key: tally.entity() for key, tally in tallies.items() if tally.documents > 0}
        reclassed = {key for key, entity in entities.items() if key in before and before[key].cls != entity.cls}
        rerendered = self._records(self._mentioning(reclassed) - set(old) - set(new))
        rendered = [*(r for r, _ in new.values()), *rerendered.values()]
        classes = {**self._classes({k for r in rendered for k in r.part.entities} - set(entities)),
                   **{key: entity.cls for key, entity in entities.items()}}
        candidates = {r.triple for record in [*old.values(), *rendered] for r in record.part.relations}

        db = self._manifest
        db.execute("BEGIN IMMEDIATE")
        try:
            for table, column in (("documents", "id"), ("mentions", "document"), ("relations", "document")):
                self._select(f"DELETE FROM {table} WHERE {column} IN ({{}})", [*old])
            for doc_id, (record, digest) in new.items():
                db.execute("INSERT INTO documents VALUES (?, ?, ?)", (doc_id, digest, record.to_json()))
                db.executemany("INSERT INTO mentions VALUES (?, ?)", [(key, doc_id) for key in record.part.entities])
                db.executemany("INSERT INTO relations VALUES (?, ?, ?, ?)",
                               [(r.subject, r.predicate, r.object, doc_id) for r in record.part.relations])
            self._select("DELETE FROM entities WHERE key IN ({})", [key for key in tallies if key not in entities])
            db.executemany("INSERT OR REPLACE INTO entities VALUES (?, ?, ?)",
                           [(key, entity.cls, json.dumps(tallies[key].as_dict(), ensure_ascii=False, sort_keys=True))
                            for key, entity in entities.items()])
            stated = self._stated(t for t in candidates if t[0] in classes and t[2] in classes and relation_fits(t, classes))
            sparql, nquads = self._update(old=set(old), rendered=rendered, classes=classes, before=before, entities=entities,
                                          stated=stated, unstated=candidates - stated)
            cursor = db.execute("INSERT INTO pending (sparql, nquads) VALUES (?, ?)", (sparql, nquads))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._apply(cursor.lastrowid, sparql, nquads)
        return StoreChange(added=len(set(new) - set(old)), replaced=len(set(new) & set(old)), removed=len(removed),
                           entities_added=len(set(entities) - set(before)),
                           entities_removed=len([key for key in tallies if key not in entities]))

    def _update(self, *, old: set[str], rendered: list[_Record], classes: dict[str, str], before: dict[str, Entity],
                entities: dict[str, Entity], stated: set[tuple[str, str, str]], unstated: set[tuple[str, str, str]]) -> tuple[str, str]:
        """What brings the database in line with the manifest: a SPARQL Update of what goes, and the N-Quads of what comes.

        The update drops the graph of every document written or removed and deletes explicit
        triples (``DELETE DATA``: Oxigraph touches what changes and nothing else, where a
        ``DELETE ... WHERE`` would scan the default graph). Applying both again gives the same quads.
        """
        iris = self._iris

        def layer(state: dict[str, Entity]) -> set[Triple]:
            return {t for key, entity in state.items() for t in entity_triples(iris.entity(key), entity)}

        was, now = layer(before), layer(entities)
        gone = (was - now) | {relation_triple(t, iris) for t in unstated}
        operations = [f"DROP SILENT GRAPH {_nt(iris.document(doc_id))}" for doc_id in sorted(old | {r.document.id for r in rendered})]
        if gone:
            operations.append(f"DELETE DATA {{ {_triples_text(sorted(gone))} }}")
        inserts = [_quads_text(sorted(now - was)), _quads_text(relation_triple(t, iris) for t in sorted(stated))]
        for record in rendered:
            inserts.append(_quads_text(self._document_triples(record, classes), _nt(iris.document(record.document.id))))
        return " ;\n".join(operations), "".join(inserts)

    def _document_triples(self, record: _Record, classes: Mapping[str, str]) -> Iterator[Triple]:
        iris, node = self._iris, self._iris.document(record.document.id)
        yield from document_triples(node, record.document)
        for key in record.part.entities:
            yield iris.entity(key), KG.mentionedIn, node
        for relation in record.part.relations:
            if relation_fits(relation.triple, classes):
                yield from statement_triples(relation, iris)

    def _apply(self, pending_id: int | None, sparql: str, nquads: str) -> None:
        """Hand a recorded batch to the writer thread, and clear the records of the batches it has written."""
        self._writer.submit(pending_id, sparql, nquads)
        self._changed = True
        self._forget_written()

    def _write(self, sparql: str, nquads: str) -> None:
        if sparql:
            self._database.update(sparql)  # one transaction
            self._database.flush()  # RocksDB's write buffers would otherwise grow with the store, not with the batch
        if nquads:
            self._database.bulk_load(nquads.encode("utf-8"), ox.RdfFormat.N_QUADS)

    def _forget_written(self) -> None:
        """Clear the records of written batches, oldest first: the records left are always the newest ones, replayed in order."""
        while self._writer.done:
            self._manifest.execute("DELETE FROM pending WHERE id = ?", (self._writer.done.popleft(),))

    def _replay(self) -> int:
        """Apply the updates an interrupted run recorded but may not have applied; how many there were."""
        rows = self._manifest.execute("SELECT id, sparql, nquads FROM pending ORDER BY id").fetchall()
        for pending_id, sparql, nquads in rows:
            self._apply(pending_id, sparql, nquads)
        self._writer.drain()
        self._forget_written()
        return len(rows)


def open_store(path: str | os.PathLike[str], *, base_iri: str | None = None) -> CorpusStore:
    """Open the store folder at ``path`` for writing, creating it when it does not exist.

    ``base_iri`` is the base of the IRIs the store mints (default
    :data:`~kg.rdf.iris.DEFAULT_BASE_IRI`); it is fixed when the store is
    created, and a different one later is a :class:`~kg.errors.UsageError`.

    >>> with open_store("store") as store:  # doctest: +SKIP
    ...     store.counts()
    {'documents': 0, 'entities': 0, 'triples': 0}
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{path}: a store is a folder, and this is a file")
    if folder.is_dir() and any(folder.iterdir()) and not is_store(folder):
        raise UsageError(f"{path}: this folder is not empty and is not a kg store (it has no {MANIFEST_NAME})")
    database = open_database(folder, read_only=False)
    manifest = sqlite3.connect(folder / MANIFEST_NAME, isolation_level=None)
    try:
        manifest.executescript(_SCHEMA)
        if "nquads" not in {column for _, column, *_ in manifest.execute("PRAGMA table_info(pending)")}:  # a store from before bulk loading
            manifest.execute("ALTER TABLE pending ADD COLUMN nquads TEXT NOT NULL DEFAULT ''")
        stored = dict(manifest.execute("SELECT name, value FROM meta"))
        if stored.get("format", _FORMAT) != _FORMAT:
            raise UsageError(f"{path}: store format {stored['format']}, this kg reads format {_FORMAT}")
        if "base_iri" in stored and base_iri is not None and base_iri != stored["base_iri"]:
            raise UsageError(f"{path}: the store's base IRI is {stored['base_iri']}, not {base_iri}")
        chosen = stored.get("base_iri", base_iri or DEFAULT_BASE_IRI)
        manifest.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", [("format", _FORMAT), ("base_iri", chosen)])
        store = CorpusStore(folder, database, manifest, chosen)
    except BaseException:
        manifest.close()
        raise
    try:
        store._replay()
    except BaseException:
        store.close(compact=False)
        raise
    return store


def load_source(path: str | os.PathLike[str]) -> Graph:
    """The graph in a graph file (any format :func:`kg.store.load_graph` reads) or a store folder.

    A store is opened read-only and not copied: the graph is a live view of the
    union of its graphs, and SPARQL runs in Oxigraph.

    >>> graph = load_source("store")  # doctest: +SKIP
    """
    source = Path(path)
    if source.is_dir():
        return _union_graph(open_database(source, read_only=True))
    return load_graph(source)
