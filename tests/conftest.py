"""Shared fixtures: one spaCy pipeline and one example build per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import BuildResult, build_graph
from kg.extract import load_pipeline

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
