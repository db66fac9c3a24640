"""Shared fixtures: one spaCy pipeline and one example build per test session, and files that fight back."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from kg.build import BuildResult, build_graph
from kg.extract import load_pipeline
from kg.serve import SparqlServer, make_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def examples() -> Path:
    """The folder of example articles."""
    return EXAMPLES


@pytest.fixture(scope="session")
def nlp():
    """kg's spaCy pipeline (the English model plus kg's components), loaded once."""
    return load_pipeline()


@pytest.fixture(scope="session")
def example_build(nlp) -> BuildResult:
    """The graph of examples/muse_spark.txt."""
    return build_graph([str(EXAMPLES / "muse_spark.txt")], nlp=nlp)


@pytest.fixture(scope="session")
def example_ttl(example_build, tmp_path_factory) -> Path:
    """The example graph written as Turtle."""
    from kg.store import save_graph

    return save_graph(example_build.graph, tmp_path_factory.mktemp("graph") / "graph.ttl", format="turtle")


@pytest.fixture(scope="session")
def example_store(nlp, tmp_path_factory) -> Path:
    """The store ``kg build examples/muse_spark.txt --store`` writes (layout in :mod:`kg.corpus`): the document's
    mentions and statements in its named graph, the entity layer and the direct relation triples in the default graph."""
    from kg.build import build_store

    path = tmp_path_factory.mktemp("store") / "store"
    build_store([str(EXAMPLES / "muse_spark.txt")], path, nlp=nlp)
    return path


CLASSES = ("Organization", "Person", "Place", "Product", "AIModel", "Event")
PROPERTIES = ("worksFor", "leads", "competesWith", "partneredWith", "investedIn", "launched", "basedIn", "relatedTo")


def synthetic_entity_graph(n: int, *, seed: int = 7):
    """A news-shaped entity graph of ``n`` entities, as kg.analyze.entity_graph returns it.

    Preferential attachment gives a few hubs and a long tail (as a week of news does), plus
    ``n // 3`` random links across it; every relation has one evidence sentence.
    """
    import random

    import networkx as nx

    rng = random.Random(seed)
    base = nx.barabasi_albert_graph(n, 1, seed=seed)
    base.add_edges_from((a, b) for a, b in ((rng.randrange(n), rng.randrange(n)) for _ in range(n // 3)) if a != b)
    G = nx.MultiDiGraph()
    iri = "https://example.org/entity/e{}".format
    for i in base.nodes:
        G.add_node(iri(i), label=f"Entity {i}", cls=CLASSES[i % len(CLASSES)], aliases=[f"E{i}"], documents=[f"news/{i % 97}.txt"])
    for a, b in base.edges:
        prop = PROPERTIES[(a * 7 + b) % len(PROPERTIES)]
        G.add_edge(iri(a), iri(b), key=prop, property=prop, evidence=[{
            "text": f"Entity {a} {prop} Entity {b}.", "document": f"news/{a % 97}.txt", "start": 0, "end": 30,
            "confidence": 0.8, "rule": "verb"}])
    return G


@pytest.fixture(scope="session")
def make_entity_graph():
    """A factory of synthetic entity graphs: ``make_entity_graph(5000)``."""
    return synthetic_entity_graph


@pytest.fixture
def unreadable_file(tmp_path, monkeypatch) -> Path:
    """A text file nobody may read; as root (who reads anything) reading it fails the way it does for everyone else."""
    locked = tmp_path / "locked.txt"
    locked.write_text("Meta launched Muse Spark.")
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        real = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda p: (_ for _ in ()).throw(PermissionError(13, "Permission denied")) if p == locked else real(p))
    return locked


@contextmanager
def _serve_in_thread(store: Path, **options) -> Iterator[SparqlServer]:
    server = make_server(store, port=0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="session")
def running():
    """Serve a store from a thread for one ``with`` block: ``with running(store, workers=1) as server: ...``."""
    return _serve_in_thread
