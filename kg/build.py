"""The end-to-end build: documents in, RDF graph (in memory or in a store), metrics and HTML out.

This is the Python API the CLI and the notebook both call.

>>> result = build_graph(["examples/muse_spark.txt"])  # doctest: +SKIP
>>> paths = write_outputs(result, "out")  # doctest: +SKIP
>>> report = build_store(["news/"], "store", workers=2)  # doctest: +SKIP
>>> paths = write_outputs(store_result("store"), "out")  # doctest: +SKIP
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from rdflib import Graph
from rdflib.namespace import DCTERMS
from spacy.language import Language

from kg.corpus import content_hash, load_source, open_store
from kg.extract import DEFAULT_EXTRACTOR, Extraction, SourceDocument, load_pipeline
from kg.extract.parallel import PipelineSpec, batched, extract_batches
from kg.extract.merge import merge_documents
from kg.errors import UsageError
from kg.files import write_atomic
from kg.rdf import DEFAULT_BASE_IRI, to_rdf
from kg.sources import read_documents
from kg.store import serialize

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["BuildProgress", "BuildResult", "StoreBuildReport", "build_graph", "build_store", "graph_report", "store_result",
           "write_outputs"]

#: Documents per batch: one ``nlp.pipe`` run on a worker and one store transaction.
DEFAULT_BATCH_SIZE = 64


@dataclass
class BuildResult:
    """What a build produced: the RDF graph, the extraction behind it and its analysis."""

    graph: Graph
    extraction: Extraction | None  # None when the graph was read from a store
    entities: nx.MultiDiGraph
    metrics: dict[str, dict[str, Any]]
    stats: dict[str, Any]


def graph_report(graph: Graph) -> tuple[nx.MultiDiGraph, dict[str, dict[str, Any]], dict[str, Any]]:
    """The entity graph of an RDF graph, its per-node metrics and its summary statistics."""
    from kg.analyze import compute_metrics, entity_graph, summarize  # networkx is not imported by store builds

    G = entity_graph(graph)
    metrics = compute_metrics(G)
    return G, metrics, summarize(G, metrics=metrics)


@dataclass(frozen=True)
class BuildProgress:
    """How far a build is: documents extracted and their words, documents skipped as unchanged, seconds so far."""

    documents: int
    words: int
    unchanged: int
    seconds: float


@dataclass(frozen=True)
class StoreBuildReport:
    """What :func:`build_store` did, how fast, and what the store holds afterwards."""

    store: Path
    added: int
    replaced: int
    unchanged: int
    words: int
    seconds: float
    documents: int
    entities: int
    triples: int

    @property
    def extracted(self) -> int:
        """Documents run through the pipeline: the new and the changed ones."""
        return self.added + self.replaced


def _documents(inputs: Iterable[str | SourceDocument], strict: bool, record_paths: bool) -> Iterator[SourceDocument]:
    """The documents given, streamed as they come, then those read from the paths given."""
    paths = []
    for item in inputs:
        if isinstance(item, SourceDocument):
            yield item
        else:
            paths.append(item)
    if paths:
        yield from read_documents(paths, strict=strict, record_paths=record_paths)


def _check(workers: int, batch_size: int) -> None:
    if workers < 1 or batch_size < 1:
        raise UsageError(f"--workers and --batch-size must be at least 1, got {workers} and {batch_size}")


def _words(batch: list[SourceDocument]) -> int:
    return sum(len(document.text.split()) for document in batch)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a graph and its analysis are built, or a batch is written to a store.

    They allocate some hundred thousand objects that all live on; the full collections these trigger (three per
    300 news articles) each walk the whole heap, the spaCy pipeline with it, for a tenth of a second and find no garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _result(graph: Graph, extraction: Extraction | None, **facts: Any) -> BuildResult:
    G, metrics, stats = graph_report(graph)
    return BuildResult(graph=graph, extraction=extraction, entities=G, metrics=metrics, stats={**facts, **stats})


def build_graph(inputs: Iterable[str | SourceDocument], *, model: str | None = None, nlp: Language | None = None,
                extractor: str = DEFAULT_EXTRACTOR, models_dir: str | os.PathLike[str] | None = None,
                base_iri: str = DEFAULT_BASE_IRI, strict: bool = False, workers: int = 1, batch_size: int = DEFAULT_BATCH_SIZE,
                dask: str | None = None, record_paths: bool = False,
                on_progress: Callable[[BuildProgress], None] | None = None) -> BuildResult:
    """Extract entities and relations from ``inputs`` and build the knowledge graph in memory.

    ``inputs`` are paths (files, folders, ``.jsonl``, ``-``) or
    :class:`~kg.extract.SourceDocument` objects. The spaCy pipeline is
    ``nlp`` when given, else loaded by :func:`kg.extract.load_pipeline` with ``model``,
    ``extractor`` ("rules" or "learned") and ``models_dir`` (the learned models' folder).
    ``strict`` makes any input that would be skipped or renamed an error
    (see :func:`kg.sources.read_documents`), and ``record_paths`` keeps each
    file's absolute path as ``prov:atLocation``. ``workers``, ``batch_size`` and
    ``dask`` are as in :func:`build_store`; ``on_progress`` is called after each batch.
    """
    _check(workers, batch_size)
    spec = PipelineSpec.of(nlp, model=model, extractor=extractor, models_dir=models_dir)
    if nlp is None and workers == 1 and dask is None:
        nlp = load_pipeline(model, extractor=extractor, models_dir=models_dir)
    start, words, parts = time.perf_counter(), 0, []
    for batch, found in extract_batches(batched(_documents(inputs, strict, record_paths), batch_size), spec=spec, nlp=nlp, workers=workers, dask=dask):
        parts += zip(batch, found)
        words += _words(batch)
        if on_progress is not None:
            on_progress(BuildProgress(len(parts), words, 0, time.perf_counter() - start))
    entities, relations = merge_documents(parts)
    extraction = Extraction(documents=[document for document, _ in parts], entities=entities, relations=relations)
    with _collector_paused():
        return _result(to_rdf(extraction, base_iri=base_iri), extraction, documents=len(parts), model=spec.model_name,
                       extractor=spec.extractor)


def build_store(inputs: Iterable[str | SourceDocument], store: str | os.PathLike[str], *, model: str | None = None,
                nlp: Language | None = None, extractor: str = DEFAULT_EXTRACTOR,
                models_dir: str | os.PathLike[str] | None = None, base_iri: str | None = None, strict: bool = False, workers: int = 1,
                batch_size: int = DEFAULT_BATCH_SIZE, dask: str | None = None, record_paths: bool = False,
                on_progress: Callable[[BuildProgress], None] | None = None) -> StoreBuildReport:
    """Build ``inputs`` into the store folder ``store`` (see :mod:`kg.corpus`), incrementally.

    A document whose content hash the store already has is skipped before
    spaCy sees it; a new one is added, a changed one replaces its old version.
    Documents stream through in batches of ``batch_size``: each is one
    ``nlp.pipe`` run and one store transaction, so memory is bounded by the
    batch size and an interrupted build resumes where it stopped when run
    again. ``workers`` > 1 extracts in that many processes; ``dask`` is a
    Dask scheduler address or ``"local"`` (see
    :func:`kg.extract.parallel.extract_batches`). ``on_progress`` is called
    after each batch and each skipped document. ``model``, ``extractor`` and ``models_dir`` are as
    in :func:`build_graph`.

    >>> report = build_store(["examples/"], "store")  # doctest: +SKIP
    >>> report.added, report.unchanged  # doctest: +SKIP
    (2, 0)
    """
    _check(workers, batch_size)
    start, words, extracted, unchanged = time.perf_counter(), 0, 0, 0
    added = replaced = 0

    def progress() -> None:
        if on_progress is not None:
            on_progress(BuildProgress(extracted, words, unchanged, time.perf_counter() - start))

    with open_store(store, base_iri=base_iri) as corpus:
        known = corpus.content_hashes()

        def changed() -> Iterator[SourceDocument]:
            nonlocal unchanged
            for document in _documents(inputs, strict, record_paths):
                if known.get(document.id) == content_hash(document):
                    unchanged += 1
                    progress()
                else:
                    yield document

        batches = batched(changed(), batch_size)
        first = next(batches, None)  # nothing new or changed: no pipeline to load
        spec = PipelineSpec.of(nlp, model=model, extractor=extractor, models_dir=models_dir)
        if first is not None and nlp is None and workers == 1 and dask is None:
            nlp = load_pipeline(model, extractor=extractor, models_dir=models_dir)
        for batch, found in extract_batches(itertools.chain([first] if first else [], batches), spec=spec, nlp=nlp,
                                            workers=workers, dask=dask):
            with _collector_paused():
                change = corpus.add(list(zip(batch, found)))
            added, replaced = added + change.added, replaced + change.replaced
            extracted, words = extracted + len(batch), words + _words(batch)
            progress()
        counts = corpus.counts()
    return StoreBuildReport(store=Path(store), added=added, replaced=replaced, unchanged=unchanged, words=words,
                            seconds=time.perf_counter() - start, **counts)


def store_result(store: str | os.PathLike[str]) -> BuildResult:
    """The graph of a store folder with its analysis, as :func:`write_outputs` takes it."""
    graph = load_source(store)
    documents = len(set(graph.subjects(DCTERMS.identifier, None)))
    return _result(graph, None, documents=documents, store=str(store))


def write_outputs(result: BuildResult, outdir: str | os.PathLike[str], *, title: str = "kg graph") -> dict[str, Path]:
    """Write ``graph.ttl``, ``graph.jsonld``, ``graph.html`` and ``stats.json`` into ``outdir``, each atomically.

    Every output is made before the first is written, so a failure leaves the old outputs as they were.
    """
    from kg.render import to_html  # pyvis is not imported by store builds

    out = Path(outdir)
    outputs = {
        "turtle": (out / "graph.ttl", serialize(result.graph, format="turtle")),
        "json-ld": (out / "graph.jsonld", serialize(result.graph, format="json-ld")),
        "html": (out / "graph.html", to_html(result.entities, metrics=result.metrics, title=title)),
        "stats": (out / "stats.json", json.dumps(result.stats, indent=2, ensure_ascii=False) + "\n"),
    }
    return {name: write_atomic(path, data) for name, (path, data) in outputs.items()}
