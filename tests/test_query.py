"""The named-query library (ontology/queries/*.rq): headers, parameters and safe binding."""

from __future__ import annotations

import io
import re

import pytest
from rdflib import RDFS, Literal
from rich.console import Console

from kg.errors import UsageError
from kg.query import (NamedQuery, QueryParameter, format_result, named_queries, named_query, result_table, run_named_query,
                      run_query, with_values)
from kg.corpus import load_source

LIBRARY = named_queries()
REQUIRED = {"competitors": {"entity": "Meta"}, "people": {"organization": "Scale AI"}, "mentions": {"entity": "Meta"},
            "based-in": {"place": "California"}}


def test_library_has_the_questions_analysts_ask():
    assert {"competitors", "leaders", "investments", "products", "evidence"} <= set(LIBRARY)


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_named_query_is_described_and_uses_its_parameters(name):
    query = LIBRARY[name]
    assert len(query.description) > 30 and query.description.endswith(".")
    variables = set(re.findall(r"[?$](\w+)", query.text))
    for parameter in query.parameters:
        assert parameter.name in variables and parameter.description
    assert set(REQUIRED.get(name, {})) == {p.name for p in query.parameters if not p.optional}


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_named_query_runs_on_the_example_graph(name, example_build):
    result = run_named_query(example_build.graph, name, REQUIRED.get(name, {}))
    assert result.type == "SELECT"
    # central needs `kg stats --write` first; the Muse Spark article reports no acquisition
    assert (len(list(result)) > 0) == (name not in {"central", "acquisitions"}), name


def test_optional_parameters_narrow_the_answer(example_build):
    every = {(str(r.investor), str(r.target)) for r in run_named_query(example_build.graph, "investments")}
    assert ("Meta", "Scale AI") in every
    assert {str(r.relation) for r in run_named_query(example_build.graph, "evidence", {"entity": "scale ai", "property": "FOUNDED"})} == {"founded"}
    assert list(run_named_query(example_build.graph, "investments", {"entity": "Nobody"})) == []


def test_labels_match_any_case_and_aliases(example_build):
    by_alias = {str(r.person) for r in run_named_query(example_build.graph, "leaders", {"entity": "WANG"})}
    assert by_alias == {"Alexandr Wang"}


@pytest.mark.parametrize("hostile", ['Meta" } UNION { ?e ?p ?competitor } #', "Meta') || true || ('", "?entity", "\\u0022"])
def test_parameters_are_literals_never_query_text(example_build, hostile):
    assert list(run_named_query(example_build.graph, "competitors", {"entity": hostile})) == []


ALL_PARAMETERS = {"competitors": {"entity": "Meta"}, "people": {"organization": "Scale AI"}, "mentions": {"entity": "Meta"},
                  "based-in": {"place": "California"}, "evidence": {"entity": "scale ai", "property": "founded"},
                  "investments": {"entity": "meta"}, "leaders": {"entity": "WANG"}, "products": {"developer": "Meta"},
                  "acquisitions": {"entity": "Meta"}, "central": {"class": "Organization"}}


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_named_queries_with_parameters_answer_the_same_on_a_store(name, example_store, example_build):
    """On a store the parameters travel to Oxigraph as VALUES; the rows are those rdflib's engine finds in memory."""
    parameters = ALL_PARAMETERS[name]
    store = load_source(example_store)
    try:
        def rows(graph):
            return sorted(tuple(map(str, row)) for row in run_named_query(graph, name, parameters))
        assert rows(store) == rows(example_build.graph)
    finally:
        store.close()


@pytest.mark.parametrize("hostile", ['Meta" } UNION { ?e ?p ?competitor } #', "Meta\n} #", "?entity"])
def test_parameters_stay_literals_on_a_store(example_store, hostile):
    store = load_source(example_store)
    try:
        assert list(run_named_query(store, "competitors", {"entity": hostile})) == []
        assert len(list(run_named_query(store, "competitors", {"entity": "meta"}))) > 0
    finally:
        store.close()


def test_with_values_finds_the_where_group_past_comments_strings_and_iris():
    query = '# WHERE { in a comment\nSELECT ?x WHERE { ?x <urn:a{> "WHERE {" }'
    assert with_values(query, {"x": Literal("a")}) == '# WHERE { in a comment\nSELECT ?x WHERE { VALUES ?x { "a" } ?x <urn:a{> "WHERE {" }'
    assert with_values("SELECT * { ?s ?p ?o }", {"s": Literal("a")}) is None  # no WHERE keyword: rdflib's engine binds it
    assert with_values("SELECT * WHERE { ?s ?p ?o }", {}) == "SELECT * WHERE { ?s ?p ?o }"


def test_bindings_reject_unknown_and_missing_parameters():
    query = NamedQuery("q", "A query.", (QueryParameter("entity", "x"), QueryParameter("cls", "y", optional=True)), "SELECT * {}")
    assert query.bindings({"entity": "Meta", "cls": "Person"}) == {"entity": Literal("Meta"), "cls": Literal("Person")}
    with pytest.raises(UsageError, match="no parameter 'colour'"):
        query.bindings({"entity": "Meta", "colour": "red"})
    with pytest.raises(UsageError, match="needs --param entity=VALUE"):
        query.bindings({"cls": "Person"})
    with pytest.raises(UsageError, match="no named query 'nope'"):
        named_query("nope")


def test_header_parsing(tmp_path):
    (tmp_path / "rivals.rq").write_text(
        "# Rivals of an entity,\n# over two lines.\n#\n# @param entity: its label\n# @param since (optional): a year\n"
        "SELECT ?x WHERE { ?x ?p ?entity . FILTER(!BOUND(?since)) }\n", encoding="utf-8")
    (rivals,) = named_queries(tmp_path).values()
    assert rivals.name == "rivals" and rivals.description == "Rivals of an entity, over two lines."
    assert rivals.parameters == (QueryParameter("entity", "its label"), QueryParameter("since", "a year", optional=True))


def test_run_query_bindings(example_build):
    rows = run_query(example_build.graph, "SELECT ?x WHERE { ?x rdfs:label ?name }", bindings={"name": Literal("Meta")})
    assert len(list(rows)) == 1


def _shown(table) -> str:
    console = Console(width=400, file=io.StringIO(), color_system=None)
    console.print(table)
    return console.file.getvalue()


def test_tables_show_prefixed_names_and_entity_labels_and_full_iris_on_request():
    from rdflib import URIRef

    from kg.namespace import KG
    from kg.rdf import new_graph

    graph = new_graph()
    meta, openai = URIRef("https://w3id.org/kg/resource/entity/meta"), URIRef("https://w3id.org/kg/resource/entity/openai")
    graph.add((meta, RDFS.label, Literal("Meta")))
    graph.add((meta, KG.competesWith, openai))  # openai has no label here: shown as its IRI
    query = "SELECT ?s ?p ?o ?class WHERE { ?s ?p ?o FILTER(?p = kg:competesWith) BIND(kg:Organization AS ?class) }"
    shown = _shown(result_table(run_query(graph, query), graph=graph))
    assert "Meta" in shown and "kg:competesWith" in shown and "kg:Organization" in shown and str(openai) in shown
    assert str(meta) not in shown and str(KG.competesWith) not in shown
    full = _shown(result_table(run_query(graph, query), graph=graph, full_iris=True))
    assert str(meta) in full and str(KG.competesWith) in full and "kg:" not in full
    csv = format_result(run_query(graph, query), format="csv")  # standard SPARQL results keep full IRIs
    assert str(meta) in csv and str(KG.competesWith) in csv and "kg:" not in csv
