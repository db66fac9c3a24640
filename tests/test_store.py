"""Every export format round-trips; graph files load by extension."""

from __future__ import annotations

import networkx as nx
import pytest
from rdflib.compare import isomorphic

from kg.errors import InputError, UsageError
from kg.store import EXPORT_FORMATS, load_graph, save_graph

RDF_FORMATS = [name for name in EXPORT_FORMATS if name != "graphml"]


@pytest.mark.parametrize("name", RDF_FORMATS)
def test_export_round_trips_every_rdf_format(example_build, tmp_path, name):
    path = save_graph(example_build.graph, tmp_path / f"graph{EXPORT_FORMATS[name].suffix}", format=name)
    back = load_graph(path)
    assert isomorphic(back, example_build.graph)


def test_export_graphml_keeps_entities_and_relations(example_build, tmp_path):
    path = save_graph(example_build.graph, tmp_path / "graph.graphml", format="graphml")
    G = nx.read_graphml(path, force_multigraph=True)
    assert G.number_of_nodes() == example_build.entities.number_of_nodes()
    assert G.number_of_edges() == example_build.entities.number_of_edges()


def test_load_graph_errors_are_clear(tmp_path):
    with pytest.raises(InputError, match="no such graph file"):
        load_graph(tmp_path / "missing.ttl")
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle <")
    with pytest.raises(InputError, match="not a valid turtle graph"):
        load_graph(bad)
    odd = tmp_path / "graph.xyz"
    odd.write_text("")
    with pytest.raises(UsageError, match="unknown graph format"):
        load_graph(odd)


def test_save_graph_is_atomic_on_failure(example_build, tmp_path):
    target = tmp_path / "graph.ttl"
    target.write_text("old")
    with pytest.raises(UsageError):
        save_graph(example_build.graph, target, format="nope")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]
