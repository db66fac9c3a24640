"""The command-line contract: outputs, formats and exit codes (0 ok, 1 failure, 2 usage)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app

runner = CliRunner()
LAUNCHED = 'SELECT ?name WHERE { ?m rdfs:label "Meta" ; kg:launched ?x . ?x rdfs:label ?name }'


@pytest.fixture(scope="module")
def built(tmp_path_factory, examples) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = runner.invoke(app, ["build", str(examples / "muse_spark.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Top entities by PageRank" in result.output and "graph.html" in result.output
    return out


def test_build_writes_all_outputs(built):
    for name in ("graph.ttl", "graph.jsonld", "graph.html", "stats.json"):
        assert (built / name).stat().st_size > 0
    stats = json.loads((built / "stats.json").read_text())
    assert stats["documents"] == 1 and stats["entities"] > 0 and stats["relations"] > 0


def test_query_json_returns_muse_spark(built):
    result = runner.invoke(app, ["query", str(built / "graph.ttl"), LAUNCHED, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["head"]["vars"] == ["name"]
    assert {b["name"]["value"] for b in data["results"]["bindings"]} == {"Muse Spark"}


def test_query_csv_and_table_and_rq_file(built, tmp_path):
    rq = tmp_path / "q.rq"
    rq.write_text(LAUNCHED)
    result = runner.invoke(app, ["query", str(built / "graph.jsonld"), str(rq), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.output))) == [["name"], ["Muse Spark"]]
    table = runner.invoke(app, ["query", str(built / "graph.ttl"), LAUNCHED])
    assert table.exit_code == 0 and "Muse Spark" in table.output


def test_validate_conforms(built):
    result = runner.invoke(app, ["validate", str(built / "graph.ttl")])
    assert result.exit_code == 0 and "Conforms: True" in result.output


def test_validate_non_conforming_exits_1(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix kg: <https://w3id.org/kg/ontology#> . <urn:x> a kg:Person .')
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1 and "Conforms: False" in result.output


def test_stats_render_export(built, tmp_path):
    stats = runner.invoke(app, ["stats", str(built / "graph.ttl"), "--json"])
    assert stats.exit_code == 0 and json.loads(stats.output)["entities"] > 0
    page = tmp_path / "view.html"
    assert runner.invoke(app, ["render", str(built / "graph.ttl"), "-o", str(page)]).exit_code == 0
    assert "<canvas" in page.read_text() or "vis-network" in page.read_text()
    nt = tmp_path / "g.nt"
    assert runner.invoke(app, ["export", str(built / "graph.ttl"), "-o", str(nt)]).exit_code == 0
    assert nt.read_text().count(" .\n") > 10


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["stats", "missing.ttl"], 2, "missing.ttl: no such graph file"),
        (["query", "{graph}", "SELEC ?x WHERE {{}}"], 2, "SPARQL syntax error"),
        (["query", "{graph}", "SELECT ?x WHERE { ?x ?p ?o }", "--format", "xml"], 2, "unknown --format"),
        (["export", "{graph}", "-o", "out.unknown"], 2, "cannot tell the format"),
        (["build", "no/such/file.txt", "-o", "{tmp}"], 2, "no such file or folder"),
        (["build", "-o", "x"], 2, ""),
    ],
)
def test_errors_are_one_line_with_exit_codes(built, tmp_path, args, code, message):
    args = [a.replace("{graph}", str(built / "graph.ttl")).replace("{tmp}", str(tmp_path)) if "{" in a and "}" in a and "WHERE" not in a else a for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_query_table_shows_prefixed_names_and_labels_unless_full_iris(built):
    query = 'SELECT ?m ?p WHERE { ?m rdfs:label "Meta" ; ?p ?x . ?x rdfs:label "Muse Spark" }'
    short = runner.invoke(app, ["query", str(built / "graph.ttl"), query])
    assert short.exit_code == 0 and "kg:launched" in short.output and "Meta" in short.output
    assert "https://" not in short.output
    full = runner.invoke(app, ["query", str(built / "graph.ttl"), query, "--full-iris"])
    assert full.exit_code == 0 and "https://w3id.org/kg/ontology#launched" in full.output and "kg:launched" not in full.output


def test_build_reads_stdin_and_jsonl(tmp_path):
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text(json.dumps({"id": "n1", "text": "Microsoft acquired GitHub in 2018.", "title": "Deal"}) + "\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(jsonl), "-", "-o", str(out)], input="Jensen Huang founded Nvidia.")
    assert result.exit_code == 0, result.output
    ids = runner.invoke(app, ["query", str(out / "graph.ttl"), "SELECT ?id WHERE { ?d a kg:Document ; dcterms:identifier ?id } ORDER BY ?id", "--format", "csv"])
    assert ids.output.split() == ["id", "n1", "stdin"]


def test_no_local_path_in_any_output_unless_recorded(tmp_path, examples, monkeypatch):
    """Absolute inputs from another folder: the graphs, page and stats name the files, never the machine's paths."""
    news = tmp_path / "news"
    news.mkdir()
    shutil.copy(examples / "muse_spark.txt", news)
    (news / "feed.jsonl").write_text(json.dumps({"text": "Microsoft acquired GitHub in 2018."}) + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    built = runner.invoke(app, ["build", str(news), "-o", str(tmp_path / "out"), "--store", str(tmp_path / "store")])
    assert built.exit_code == 0, built.output
    exported = runner.invoke(app, ["export", "--store", str(tmp_path / "store"), "-o", str(tmp_path / "out" / "store.trig")])
    assert exported.exit_code == 0, exported.output
    outputs = sorted((tmp_path / "out").iterdir())
    assert {path.name for path in outputs} >= {"graph.ttl", "graph.jsonld", "graph.html", "stats.json", "store.trig"}
    for path in outputs:  # stats.json says where the store is, as given: it is a report, not a graph
        assert path.name == "stats.json" or str(tmp_path) not in path.read_text(encoding="utf-8"), path.name
    ids = runner.invoke(app, ["query", str(tmp_path / "out" / "graph.ttl"), "SELECT ?id WHERE { ?d dcterms:identifier ?id } ORDER BY ?id", "--format", "csv"])
    assert ids.output.split() == ["id", "news/feed.jsonl#1", "news/muse_spark.txt"]

    recorded = runner.invoke(app, ["build", str(news / "muse_spark.txt"), "-o", str(tmp_path / "recorded"), "--record-paths"])
    assert recorded.exit_code == 0, recorded.output
    where = runner.invoke(app, ["query", str(tmp_path / "recorded" / "graph.ttl"), "SELECT ?at WHERE { ?d prov:atLocation ?at }", "--format", "csv"])
    assert where.output.split() == ["at", str(news / "muse_spark.txt")]
    assert runner.invoke(app, ["validate", str(tmp_path / "recorded" / "graph.ttl")]).exit_code == 0


def test_console_script_reports_model_errors_without_traceback(tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("Hello.")
    env_python = Path(sys.executable)
    proc = subprocess.run([str(env_python.parent / "kg"), "build", str(text), "-o", str(tmp_path / "o"), "--model", "no_such_model_xx"],
                          capture_output=True, text=True, timeout=300)
    # an unknown --model falls back to the default English pipelines, as the model order says
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- analysis commands and named queries

def test_path_prints_each_hop_with_property_and_evidence(built):
    result = runner.invoke(app, ["path", str(built / "graph.ttl"), "alexandr wang", "OpenAI"])
    assert result.exit_code == 0, result.output
    assert "Alexandr Wang → Meta → OpenAI" in result.output
    assert "Alexandr Wang —worksFor→ Meta" in result.output and "Meta —competesWith→ OpenAI" in result.output
    assert "compete head-on with OpenAI" in result.output and "muse_spark.txt" in result.output
    as_json = json.loads(runner.invoke(app, ["path", str(built / "graph.ttl"), "Alexandr Wang", "OpenAI", "--json"]).output)
    assert [[link["property"] for hop in as_json[0] for link in hop["links"]]] == [["worksFor", "competesWith"]]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["Gartner", "Meta"], 1, "no path between 'Gartner' and 'Meta'"),
    (["Nobody Atall", "Meta"], 2, "no entity is called 'Nobody Atall'"),
    (["Meta", "meta"], 2, "name the same entity"),
])
def test_path_failures_are_one_line(built, args, code, message):
    result = runner.invoke(app, ["path", str(built / "graph.ttl"), *args])
    assert result.exit_code == code and message in result.output and "Traceback" not in result.output


def test_neighbors_all_and_by_property(built):
    every = runner.invoke(app, ["neighbors", str(built / "graph.ttl"), "Meta"])
    assert every.exit_code == 0 and "Meta —launched→ Muse Spark" in every.output and "Alexandr Wang —worksFor→ Meta" in every.output
    rivals = runner.invoke(app, ["neighbors", str(built / "graph.ttl"), "Meta", "--property", "competesWith", "--json"])
    assert {(link["subject_label"], link["object_label"]) for link in json.loads(rivals.output)} == {("Meta", "OpenAI"), ("Meta", "Anthropic")}
    bad = runner.invoke(app, ["neighbors", str(built / "graph.ttl"), "Meta", "--property", "rivalOf"])
    assert bad.exit_code == 2 and "unknown property 'rivalOf'" in bad.output


@pytest.mark.parametrize("command", [["path", "Alexandr Wang", "OpenAI", "--json"], ["neighbors", "Meta", "--json"]])
def test_path_and_neighbors_read_a_store_as_they_read_its_file(built, example_store, command):
    name, *rest = command
    from_file = runner.invoke(app, [name, str(built / "graph.ttl"), *rest])
    from_store = runner.invoke(app, [name, "--store", str(example_store), *rest])
    assert from_store.exit_code == 0 == from_file.exit_code, from_store.output
    assert json.loads(from_store.output) == json.loads(from_file.output) != []


@pytest.mark.parametrize(("args", "message"), [
    (["path", "Meta", "OpenAI"], "expected SOURCE START END (3 arguments), got 2"),
    (["path", "--store", "{store}", "x.ttl", "Meta", "OpenAI"], "expected START END (2 arguments), got 3"),
    (["neighbors", "--store", "{store}"], "Missing argument"),
    (["neighbors", "--store", "{store}", "x.ttl", "Meta"], "expected ENTITY (1 argument), got 2"),
])
def test_path_and_neighbors_count_their_arguments(example_store, args, message):
    result = runner.invoke(app, [a.format(store=example_store) for a in args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_stats_prints_the_analysis_and_plots(built, tmp_path):
    result = runner.invoke(app, ["stats", str(built / "graph.ttl"), "--plot", str(tmp_path / "charts")])
    assert result.exit_code == 0, result.output
    for title in ("Degree distribution", "Top entities by betweenness", "Top entities per class", "Communities", "Relations by property"):
        assert title in result.output
    for name in ("degree_distribution.png", "top_pagerank.png", "top_betweenness.png"):
        assert (tmp_path / "charts" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "charts").glob(".*.tmp"))  # written atomically: no temporary file left


def test_stats_write_stores_metrics_the_graph_still_validates(built, tmp_path):
    copy = tmp_path / "graph.ttl"
    copy.write_bytes((built / "graph.ttl").read_bytes())
    assert runner.invoke(app, ["stats", str(copy), "--write", "--json"]).exit_code == 0
    top = json.loads(runner.invoke(app, ["stats", str(built / "graph.ttl"), "--json"]).output)["top_pagerank"][0]
    central = runner.invoke(app, ["query", str(copy), "--named", "central", "--format", "json"])
    rows = json.loads(central.output)["results"]["bindings"]
    assert rows[0]["entity"]["value"] == top["label"] and float(rows[0]["pagerank"]["value"]) == top["pagerank"]
    assert runner.invoke(app, ["validate", str(copy)]).exit_code == 0
    other = tmp_path / "with-metrics.jsonld"
    assert runner.invoke(app, ["stats", str(built / "graph.ttl"), "--write", "-o", str(other), "--json"]).exit_code == 0
    assert "pageRank" in other.read_text() and "pageRank" not in (built / "graph.ttl").read_text()
    misuse = runner.invoke(app, ["stats", str(built / "graph.ttl"), "-o", str(other)])
    assert misuse.exit_code == 2 and "--output goes with --write" in misuse.output


def test_query_named_with_parameters(built):
    result = runner.invoke(app, ["query", str(built / "graph.ttl"), "--named", "competitors", "--param", "entity=meta", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["competitor"] for r in rows} == {"OpenAI", "Anthropic"} and all(r["evidence"] for r in rows)
    investments = runner.invoke(app, ["query", str(built / "graph.ttl"), "-n", "investments", "--format", "csv"])
    assert ["Meta", "Scale AI", "$14.3 billion"] == list(csv.reader(io.StringIO(investments.output)))[1][:3]


def test_query_named_parameters_are_bound_not_pasted(built):
    hostile = 'Meta")) } } SELECT * WHERE { ?s ?p ?o } #'
    result = runner.invoke(app, ["query", str(built / "graph.ttl"), "--named", "competitors", "-p", f"entity={hostile}", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "competitor,class,evidence,document"  # no entity has that name: no rows, no injection


@pytest.mark.parametrize(("args", "message"), [
    (["--named", "competitors"], "needs --param entity=VALUE"),
    (["--named", "competitors", "-p", "entity=Meta", "-p", "colour=red"], "has no parameter 'colour'"),
    (["--named", "competitors", "-p", "entity"], "--param takes NAME=VALUE"),
    (["--named", "nope"], "no named query 'nope'"),
    (["SELECT ?x WHERE { ?x ?p ?o }", "--named", "competitors"], "a QUERY or --named NAME"),
    (["SELECT ?x WHERE { ?x ?p ?o }", "-p", "entity=Meta"], "--param goes with --named"),
])
def test_query_named_usage_errors(built, args, message):
    result = runner.invoke(app, ["query", str(built / "graph.ttl"), *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_query_list_shows_names_descriptions_and_parameters():
    from kg.query import named_queries

    result = runner.invoke(app, ["query", "--list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for query in named_queries().values():
        assert query.name in result.output and query.description[:40] in result.output
    assert "entity: label or alias of the entity" in result.output and "(optional)" in result.output


def test_render_focus_hops_and_max_nodes(built, tmp_path):
    page = tmp_path / "wang.html"
    result = runner.invoke(app, ["render", str(built / "graph.ttl"), "-o", str(page), "--focus", "Alexandr Wang", "--hops", "1"])
    assert result.exit_code == 0, result.output
    labels = {n["label"] for n in _page_data(page.read_text())["nodes"]}
    assert labels == {"Alexandr Wang", "Meta", "Scale AI", "Meta Superintelligence Labs"}
    small = tmp_path / "small.html"
    assert runner.invoke(app, ["render", str(built / "graph.ttl"), "-o", str(small), "--max-nodes", "5"]).exit_code == 0
    assert len(_page_data(small.read_text())["nodes"]) == 5 and "Showing 5 of" in small.read_text()
    unknown = runner.invoke(app, ["render", str(built / "graph.ttl"), "-o", str(page), "--focus", "Nobody Atall"])
    assert unknown.exit_code == 2 and "no entity is called 'Nobody Atall'" in unknown.output


def _page_data(page: str) -> dict:
    import re

    return json.loads(re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', page, re.DOTALL).group(1))


# --- stores: kg build --store, kg remove, --store on the reading commands ------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory, examples) -> Path:
    folder = tmp_path_factory.mktemp("store") / "store"
    result = runner.invoke(app, ["build", str(examples / "muse_spark.txt"), str(examples / "nordvik_gulfstone.txt"), "--store", str(folder)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 replaced, 0 unchanged" in result.output and "words/s" in result.output
    assert "documents extracted" not in result.output  # no progress bar when the output is not a terminal
    return folder


def test_build_store_again_skips_everything(store, examples):
    result = runner.invoke(app, ["build", str(examples / "muse_spark.txt"), str(examples / "nordvik_gulfstone.txt"), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 replaced, 2 unchanged; nothing to extract" in result.output


def test_reading_commands_take_a_store(store, tmp_path):
    query = runner.invoke(app, ["query", "--store", str(store), LAUNCHED, "--format", "csv"])
    assert query.exit_code == 0, query.output
    assert list(csv.reader(io.StringIO(query.output))) == [["name"], ["Muse Spark"]]
    named = runner.invoke(app, ["query", "--store", str(store), "--named", "acquisitions", "--param", "entity=nordvik energy", "--format", "csv"])
    assert named.exit_code == 0 and "Gulfstone Carbon" in named.output, named.output
    stats = runner.invoke(app, ["stats", "--store", str(store), "--json"])
    assert stats.exit_code == 0 and json.loads(stats.output)["entities"] > 20
    assert runner.invoke(app, ["validate", "--store", str(store)]).exit_code == 0
    exported = runner.invoke(app, ["export", "--store", str(store), "-o", str(tmp_path / "corpus.trig")])
    assert exported.exit_code == 0 and "Muse Spark" in (tmp_path / "corpus.trig").read_text(encoding="utf-8")
    rendered = runner.invoke(app, ["render", "--store", str(store), "-o", str(tmp_path / "corpus.html")])
    assert rendered.exit_code == 0 and (tmp_path / "corpus.html").stat().st_size > 0


def test_build_store_with_output_writes_the_whole_store(store, examples, tmp_path):
    copy = shutil.copytree(store, tmp_path / "store")
    result = runner.invoke(app, ["build", str(examples / "muse_spark.txt"), "--store", str(copy), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["documents"] == 2


def test_remove_takes_a_document_out(store, examples, tmp_path):
    copy = shutil.copytree(store, tmp_path / "store")
    result = runner.invoke(app, ["remove", str(examples / "muse_spark.txt"), "--store", str(copy)])
    assert result.exit_code == 0, result.output
    assert "removed 1 document(s)" in result.output and "holds 1 documents" in result.output
    query = runner.invoke(app, ["query", "--store", str(copy), LAUNCHED, "--format", "csv"])
    assert query.output.strip() == "name"
    missing = runner.invoke(app, ["remove", "nope.txt", "--store", str(copy)])
    assert missing.exit_code == 2 and "not in the store" in missing.output and "Traceback" not in missing.output


@pytest.mark.parametrize("args, message", [
    (["build", "x.txt"], "-o OUTDIR, --store DIR, or both"),
    (["stats"], "a graph file or --store DIR"),
    (["query", "--store", "{store}", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "does not change a store"),
    (["query", "--store", "{store}", "{store}", LAUNCHED], "give a QUERY or --named NAME"),
    (["stats", "{store}"], "pass --store"),
    (["stats", "--store", "{missing}"], "no such store folder"),
    (["remove", "a.txt", "--store", "{missing}"], "not a kg store"),
    (["build", "x.txt", "--store", "{store}", "--workers", "0"], "--workers and --batch-size must be at least 1"),
])
def test_store_usage_errors_are_one_line_exit_2(store, tmp_path, args, message):
    args = [a.replace("{store}", str(store)).replace("{missing}", str(tmp_path / "missing")) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
