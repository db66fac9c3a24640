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


def test_build_reads_stdin_and_jsonl(tmp_path):
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text(json.dumps({"id": "n1", "text": "Microsoft acquired GitHub in 2018.", "title": "Deal"}) + "\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(jsonl), "-", "-o", str(out)], input="Jensen Huang founded Nvidia.")
    assert result.exit_code == 0, result.output
    ids = runner.invoke(app, ["query", str(out / "graph.ttl"), "SELECT ?id WHERE { ?d a kg:Document ; dcterms:identifier ?id } ORDER BY ?id", "--format", "csv"])
    assert ids.output.split() == ["id", "n1", "stdin"]


def test_console_script_reports_model_errors_without_traceback(tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("Hello.")
    env_python = Path(sys.executable)
    proc = subprocess.run([str(env_python.parent / "kg"), "build", str(text), "-o", str(tmp_path / "o"), "--model", "no_such_model_xx"],
                          capture_output=True, text=True, timeout=300)
    # an unknown --model falls back to the default English pipelines, as the model order says
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


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
    (["query", "--store", "{store}", "{store}", LAUNCHED], "QUERY only"),
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
