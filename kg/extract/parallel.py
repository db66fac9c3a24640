"""Extraction over batches of documents: in this process, in worker processes, or on a Dask cluster.

Each batch goes through ``nlp.pipe`` and entity resolution as a whole and
comes back as plain dataclasses (:class:`~kg.extract.merge.DocumentEntities`),
in input order, with at most two batches in flight, each cut into one task per
worker: memory is bounded by the batch size, not by the corpus.

Workers run the whole per-document extraction rather than spaCy's
``n_process``: that sends every ``Doc`` back to the parent, and the candidate
relations kg keeps on a ``Doc`` (spaCy spans) cannot be serialised with it.
A worker process loads the pipeline once, on its first batch, and keeps it.

>>> batches = [[SourceDocument("d1", "Meta launched Muse Spark.", "d1")]]
>>> for batch, found in extract_batches(batches, workers=2):  # doctest: +SKIP
...     print(batch[0].id, sorted(found[0].entities))
d1 ['meta', 'muse spark']
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Callable, Iterable, Iterator, TypeVar

import spacy
from spacy.language import Language

from kg.errors import KGError, UsageError
from kg.extract.model import SourceDocument
from kg.extract import DEFAULT_EXTRACTOR
from kg.extract.pipeline import DEFAULT_MODELS, extract_documents, load_pipeline
from kg.extract.merge import DocumentEntities

__all__ = ["PipelineSpec", "batched", "extract_batch", "extract_batches"]

T = TypeVar("T")
Batch = list[SourceDocument]

_LOCK = threading.Lock()  # one batch at a time per process: a Dask worker may run tasks in several threads


@dataclass(frozen=True)
class PipelineSpec:
    """How to load kg's pipeline in a worker (the pipeline itself does not travel): model name, lexicon and extractor.

    >>> PipelineSpec.of(None)
    PipelineSpec(model=None, lexicon_path=None, extractor='rules', models_dir=None)
    """

    model: str | None = None
    lexicon_path: str | None = None
    extractor: str = DEFAULT_EXTRACTOR
    models_dir: str | None = None

    @property
    def model_name(self) -> str | None:
        """The model this spec loads: ``model``, else the first of :data:`~kg.extract.pipeline.DEFAULT_MODELS` installed."""
        return self.model or next((name for name in DEFAULT_MODELS if spacy.util.is_package(name)), None)

    @classmethod
    def of(cls, nlp: Language | None, *, model: str | None = None, extractor: str = DEFAULT_EXTRACTOR,
           models_dir: str | os.PathLike[str] | None = None) -> PipelineSpec:
        """The spec that loads the same pipeline as ``nlp`` (when given), else ``model`` with ``extractor`` and ``models_dir``."""
        models = str(models_dir) if models_dir is not None else None
        if nlp is not None and nlp.meta.get("name"):
            learned = "kg_relation_classifier" in nlp.pipe_names
            return cls(model=f"{nlp.lang}_{nlp.meta['name']}", extractor="learned" if learned else "rules", models_dir=models)
        return cls(model=model, extractor=extractor, models_dir=models)


@functools.lru_cache(maxsize=2)
def _pipeline(spec: PipelineSpec) -> Language:
    return load_pipeline(spec.model, lexicon_path=spec.lexicon_path, extractor=spec.extractor, models_dir=spec.models_dir)


def extract_batch(documents: Batch, spec: PipelineSpec, *, nlp: Language | None = None) -> list[DocumentEntities]:
    """What extraction finds in each document of a batch, in order; the pipeline is ``nlp`` or this process's copy.

    >>> [sorted(d.entities) for d in extract_batch([SourceDocument("d1", "Meta launched Muse Spark.", "d1")], PipelineSpec())]  # doctest: +SKIP
    [['meta', 'muse spark']]
    """
    with _LOCK:
        pipeline = nlp or _pipeline(spec)
        return [found for _, found in extract_documents(documents, pipeline, lexicon_path=spec.lexicon_path)]


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter).

    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    if size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _parts(batch: Batch, n: int) -> list[Batch]:
    """``batch`` cut into at most ``n`` consecutive parts of near-equal size.

    >>> [len(part) for part in _parts(list(range(7)), 2)]
    [4, 3]
    """
    size = max(1, -(-len(batch) // n))
    return [batch[i:i + size] for i in range(0, len(batch), size)]


def _in_order(batches: Iterable[Batch], submit: Callable[[Batch], Future], parts: int) -> Iterator[tuple[Batch, list[DocumentEntities]]]:
    """Each batch with its results, in order; a batch runs as ``parts`` tasks (one per worker, so that no worker idles
    while another ends a whole batch), and the next batch is submitted before this one is waited for."""
    pending: deque[tuple[Batch, list[Future]]] = deque()
    for batch in batches:
        pending.append((batch, [submit(part) for part in _parts(batch, parts)]))
        if len(pending) >= 2:
            done, futures = pending.popleft()
            yield done, [found for future in futures for found in future.result()]
    while pending:
        done, futures = pending.popleft()
        yield done, [found for future in futures for found in future.result()]


@contextmanager
def _dask_client(address: str, workers: int) -> Iterator[object]:
    from dask.distributed import Client, LocalCluster

    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
            client = Client(cluster)
        else:
            client = Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise KGError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def extract_batches(batches: Iterable[Batch], *, spec: PipelineSpec = PipelineSpec(), nlp: Language | None = None,
                    workers: int = 1, dask: str | None = None) -> Iterator[tuple[Batch, list[DocumentEntities]]]:
    """Each batch with what extraction found in its documents, in input order.

    ``workers`` > 1 runs batches in that many worker processes; ``dask`` is a
    scheduler address (``tcp://host:8786``) or ``"local"`` for a
    ``LocalCluster`` of ``workers`` processes. Otherwise batches run here, on
    ``nlp`` or the pipeline ``spec`` names. Workers load ``spec``'s pipeline.
    """
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if dask is not None:
        with _dask_client(dask, workers) as client:
            threads = max(1, sum(client.nthreads().values()))  # type: ignore[attr-defined]
            yield from _in_order(batches, lambda batch: client.submit(extract_batch, batch, spec, pure=False), threads)  # type: ignore[attr-defined]
    elif workers > 1:
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            yield from _in_order(batches, lambda batch: executor.submit(extract_batch, batch, spec), workers)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    else:
        for batch in batches:
            yield batch, extract_batch(batch, spec, nlp=nlp)
