"""SPARQL speed: five typical queries on a pyoxigraph store against plain in-memory rdflib, same graph, one run.

Run: PYTHONPATH=. .venv/bin/python bench/sparql.py [--triples 1000000] [--repeat 5] [--rdflib-repeat 3] [--rdflib-budget 60] [--no-rdflib]

The graph is generated in kg's shape by kg's own RDF builder (:func:`kg.rdf.to_rdf`
over a synthetic :class:`~kg.extract.Extraction`): typed, labelled entities
with alternative labels and mentions, direct relation triples, and one
``rdf:Statement`` per relation with its evidence, offsets, confidence, rule,
trigger, date, amount and ``prov:wasDerivedFrom``. Entity popularity follows a
Zipf law, as in news. The rdflib side is that graph in memory, queried through
:func:`kg.query.run_query` (what ``kg query FILE`` does); the store side is an
on-disk pyoxigraph store written by :mod:`kg.corpus` in batches, as
``kg build --store`` writes it (each document's statements in its named graph,
the entity layer and the direct relation triples in the default graph,
compacted at the end), queried with the union of all graphs as default graph (what
``kg serve`` does). The load rate of that store is printed beside loading the
same N-Quads (dumped from it) into a fresh store with pyoxigraph's bulk loader
directly, in this process; the target is at least 0.7 of that rate. Every result is read to the end, and both sides must return
the same number of rows (hence DISTINCT where a UNION can yield a row twice:
rdflib drops such duplicates, Oxigraph keeps them as SPARQL's bag semantics says). Then every query of kg's
named-query library runs on the store as ``kg query --store --named`` runs it (through
:func:`kg.query.run_named_query`, rows read to the end as rdflib terms), without its optional
parameters and with them naming the busiest entity. Only the ratio is meaningful across machines; the
target is a store median <= 100 ms for every query.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import pyoxigraph as ox

from kg.build import _collector_paused
from kg.corpus import CorpusStore, load_source, open_database, open_store
from kg.extract.model import Entity, Extraction, Relation, SourceDocument
from kg.extract.merge import DocumentEntities
from kg.namespace import PREFIXES, RELATION_PROPERTIES
from kg.ontology import property_signatures
from kg.query import named_queries, run_named_query, run_query
from kg.rdf import ResourceIRIs, to_rdf

TARGET_MS = 100.0
TARGET_LOAD_RATIO = 0.7
SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "tu", "ve", "zo", "bri", "dan", "fel", "gor", "hal", "jin", "kor", "lum", "mar", "nox", "per", "qui",
             "sal", "tor", "ul", "vin", "wen", "xa", "yor", "zen"]
ORG_SUFFIXES = ["Labs", "AI", "Systems", "Capital", "Robotics", "Quantum", "Energy", "Bio", "Networks", "Holdings", "Motors", "Media"]
CLASSES = [("Organization", 40), ("Person", 30), ("Place", 10), ("Product", 10), ("AIModel", 8), ("Event", 2)]
PREDICATES = [("relatedTo", 25), ("launched", 10), ("developed", 8), ("investedIn", 10), ("acquired", 5), ("founded", 5), ("leads", 6),
              ("worksFor", 8), ("partneredWith", 6), ("competesWith", 5), ("basedIn", 7), ("availableOn", 5)]
TRIGGERS = {"relatedTo": "mention", "launched": "unveil", "developed": "build", "investedIn": "invest", "acquired": "buy",
            "founded": "found", "leads": "lead", "worksFor": "join", "partneredWith": "partner", "competesWith": "rival",
            "basedIn": "headquarter", "availableOn": "offer"}
TRIPLES_PER_DOCUMENT = 95  # measured on the generator's output; used to size the corpus


def name(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def make_entity(rng: random.Random, index: int) -> Entity:
    cls = rng.choices([c for c, _ in CLASSES], weights=[w for _, w in CLASSES])[0]
    if cls == "Organization":
        label = f"{name(rng, 2)} {rng.choice(ORG_SUFFIXES)}"
    elif cls == "Person":
        label = f"{name(rng, 2)} {name(rng, 3)}"
    elif cls in ("Product", "AIModel"):
        label = f"{name(rng, 2)} {rng.randint(1, 9)}.{rng.randint(0, 9)}"
    else:
        label = name(rng, 3)
    label = f"{label} {index}"  # unique, like kg's canonical names
    aliases = {label.split()[0]} if rng.random() < 0.3 else set()
    if rng.random() < 0.1:
        aliases.add(label.upper())
    return Entity(key=label.casefold(), label=label, cls=cls, aliases=aliases)


def generate(triples: int, *, seed: int = 7) -> tuple[Extraction, tuple[str, str]]:
    """An extraction whose graph has about ``triples`` triples, and the keys of its two busiest entities.

    Each relation's arguments fit its property's domain and range, as kg's extraction guarantees.
    """
    rng = random.Random(seed)
    documents = max(1, triples // TRIPLES_PER_DOCUMENT)
    entities = [make_entity(rng, i) for i in range(documents * 3)]
    popularity = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(entities))))
    predicates, weights = [p for p, _ in PREDICATES], [w for _, w in PREDICATES]
    extraction = Extraction(entities={e.key: e for e in entities})
    signatures = property_signatures()
    for d in range(documents):
        doc_id = f"news-{d:07d}"
        extraction.documents.append(SourceDocument(doc_id, "", f"archive/{doc_id}.txt",
                                                   {"title": f"{name(rng, 3)} news {d}", "date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}))
        offset = 0
        for _ in range(6):
            predicate = rng.choices(predicates, weights=weights)[0]
            signature = signatures[predicate]
            pairs = zip(rng.choices(entities, cum_weights=popularity, k=50), rng.choices(entities, cum_weights=popularity, k=50))
            subject, obj = next(((s, o) for s, o in pairs if s is not o and signature.accepts(s.cls, o.cls)), (None, None))
            if subject is None or obj is None:
                continue
            evidence = f"{subject.label} said it would {TRIGGERS[predicate]} {obj.label}, according to people familiar with the matter."
            amount = f"${rng.randint(1, 900)} million" if predicate == "investedIn" else None
            date = f"April {rng.randint(1, 30)}" if rng.random() < 0.3 else None
            extraction.relations.append(Relation(subject.key, predicate, obj.key, doc_id, evidence, offset, offset + len(evidence),
                                                 round(rng.uniform(0.5, 0.95), 3), f"verb:{TRIGGERS[predicate]}", TRIGGERS[predicate], amount, date))
            offset += len(evidence) + 1
            subject.documents.add(doc_id)
            obj.documents.add(doc_id)
    extraction.entities = {e.key: e for e in entities if e.documents}
    busiest = sorted(extraction.entities, key=lambda k: -len(extraction.entities[k].documents))[:2]
    return extraction, (busiest[0], busiest[1])


def fill_store(store: CorpusStore, extraction: Extraction, *, batch: int = 500) -> None:
    """Add the extraction to a kg store document by document, in batches, as ``kg build --store`` does."""
    by_document: dict[str, DocumentEntities] = {d.id: DocumentEntities() for d in extraction.documents}
    for relation in extraction.relations:
        by_document[relation.doc_id].relations.append(relation)
    for entity in extraction.entities.values():
        for doc_id in entity.documents:
            part = by_document[doc_id]
            part.entities[entity.key] = Entity(entity.key, entity.label, entity.cls, set(entity.aliases), {doc_id})
            part.votes[entity.key] = Counter({entity.cls: 1})
    pairs = [(document, by_document[document.id]) for document in extraction.documents]
    for start in range(0, len(pairs), batch):
        with _collector_paused():  # as build_store writes a batch
            store.add(pairs[start:start + batch])


def busiest_label(extraction: Extraction, cls: str | None = None) -> str:
    """The label of the entity of class ``cls`` (any class if ``None``) that the most documents mention."""
    entities = [e for e in extraction.entities.values() if cls is None or e.cls == cls]
    return max(entities, key=lambda e: (len(e.documents), e.key)).label


def named_query_runs(extraction: Extraction) -> dict[str, tuple[str, dict[str, str]]]:
    """Every named query of kg's library, as ``kg query --named`` runs it: with no optional parameter, and with each
    parameter naming the busiest entity of the class it asks for (``property`` left out, ``class`` Organization)."""
    values = {"entity": busiest_label(extraction), "organization": busiest_label(extraction, "Organization"),
              "developer": busiest_label(extraction, "Organization"), "place": busiest_label(extraction, "Place"), "class": "Organization"}
    runs: dict[str, tuple[str, dict[str, str]]] = {}
    for name, query in named_queries().items():
        required = {p.name: values[p.name] for p in query.parameters if not p.optional}
        given = {p.name: values[p.name] for p in query.parameters if p.name in values}
        for parameters in (required, given):
            runs[" ".join([name, *(f"{k}={v!r}" for k, v in parameters.items())])] = (name, parameters)
    return runs


def queries(entity: str, other: str) -> dict[str, str]:
    """The five queries; ``entity`` and ``other`` are the IRIs of the two busiest entities.

    Neighbours and paths go through kg's relation properties, as ``kg neighbors`` and ``kg path`` do.
    """
    relations = " ".join(f"kg:{p}" for p in RELATION_PROPERTIES)
    return {
        # labels joined by hash from one scan of all labels, not looked up row by row
        "neighbours of the busiest entity": f"""SELECT DISTINCT ?p ?neighbour ?label WHERE {{
            {{ SELECT DISTINCT ?p ?neighbour WHERE {{ VALUES ?p {{ {relations} }} {{ <{entity}> ?p ?neighbour }} UNION {{ ?neighbour ?p <{entity}> }} }} }}
            {{ SELECT ?neighbour ?label WHERE {{ ?neighbour rdfs:label ?label }} }} }}""",
        # degrees first, labels for the top ten only (ordering by a second key, an IRI, costs Oxigraph a string lookup per comparison)
        "top entities by degree": f"""SELECT ?e ?label ?degree WHERE {{
            {{ SELECT ?e (COUNT(*) AS ?degree) WHERE {{ VALUES ?p {{ {relations} }} {{ ?e ?p ?x }} UNION {{ ?x ?p ?e }} }}
              GROUP BY ?e ORDER BY DESC(?degree) LIMIT 10 }}
            ?e rdfs:label ?label }}""",
        # every part of the statements joined by hash from one scan each, not looked up statement by statement
        # (6,000 statements: six look-ups each, and one look-up in an on-disk store costs what a scan of 30 rows does)
        "all investments with amounts": """SELECT ?investor ?target ?amount ?evidence WHERE {
            ?st rdf:predicate kg:investedIn .
            { SELECT ?st ?amount WHERE { ?st kg:amount ?amount } }
            { SELECT ?st ?i WHERE { ?st rdf:subject ?i } }
            { SELECT ?st ?t WHERE { ?st rdf:object ?t } }
            { SELECT ?st ?evidence WHERE { ?st kg:evidence ?evidence } }
            { SELECT ?i ?investor WHERE { ?i rdfs:label ?investor } }
            { SELECT ?t ?target WHERE { ?t rdfs:label ?target } } }""",
        # the two neighbourhoods found apart and joined by hash, not the second looked up from each of the first's rows
        "paths of length two between the two busiest entities": f"""SELECT DISTINCT ?p1 ?middle ?label ?p2 WHERE {{
            {{ SELECT ?p1 ?middle WHERE {{ VALUES ?p1 {{ {relations} }} {{ <{entity}> ?p1 ?middle }} UNION {{ ?middle ?p1 <{entity}> }} }} }}
            {{ SELECT ?p2 ?middle WHERE {{ VALUES ?p2 {{ {relations} }} {{ ?middle ?p2 <{other}> }} UNION {{ <{other}> ?p2 ?middle }} }} }}
            ?middle rdfs:label ?label }}""",
        "label match (CONTAINS)": """SELECT ?e ?label WHERE {
            { ?e rdfs:label ?label } UNION { ?e skos:altLabel ?label }
            FILTER(CONTAINS(LCASE(?label), "quantum")) }""",
    }


@dataclass
class Timing:
    rows: int
    runs_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs_ms)


def timed(run: Callable[[], int], *, repeat: int, budget_s: float = float("inf")) -> Timing:
    """Run ``run`` up to ``repeat`` times, fewer once ``budget_s`` seconds are spent."""
    runs, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = run()
        runs.append((time.perf_counter() - start) * 1000)
        if sum(runs) / 1000 > budget_s:
            break
    return Timing(rows, runs)


def timed_in_child(run: Callable[[], int], *, repeat: int, budget_s: float, timeout_s: float) -> Timing | None:
    """:func:`timed` in a forked child, killed after ``timeout_s`` seconds (``None``): rdflib cannot be interrupted otherwise."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=lambda: sender.send(timed(run, repeat=repeat, budget_s=budget_s)), daemon=True)
    process.start()
    sender.close()
    try:
        return receiver.recv() if receiver.poll(timeout_s) else None
    finally:
        process.kill()
        process.join()
        receiver.close()


def direct_load_s(nquads: bytes) -> float:
    """Seconds pyoxigraph takes to bulk-load ``nquads`` into a fresh on-disk store, compacted at the end as kg.corpus does."""
    with tempfile.TemporaryDirectory(prefix="kg-bench-direct-") as folder:
        start = time.perf_counter()
        store = ox.Store(folder)
        store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
        store.optimize()
        elapsed = time.perf_counter() - start
        del store
    return elapsed


def machine_speed_s(steps: int = 10_000_000) -> float:
    """Seconds for a plain Python loop of ``steps`` additions: how fast this machine is today, to compare runs across days."""
    start, total = time.perf_counter(), 0
    for step in range(steps):
        total += step
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="size of the generated graph (about)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query on the store (after one warm-up)")
    parser.add_argument("--rdflib-repeat", type=int, default=3, help="timed runs per query on rdflib, at most")
    parser.add_argument("--rdflib-budget", type=float, default=60.0, help="no further rdflib run of a query after this many seconds")
    parser.add_argument("--rdflib-timeout", type=float, default=600.0, help="stop an rdflib query after this many seconds")
    parser.add_argument("--no-rdflib", action="store_true", help="time the store only (rdflib takes about 30 minutes at 1,000,000 triples)")
    args = parser.parse_args()

    start = time.perf_counter()
    extraction, (busiest, runner_up) = generate(args.triples)
    graph = to_rdf(extraction)
    build_s = time.perf_counter() - start
    iris = ResourceIRIs()
    texts = queries(str(iris.entity(busiest)), str(iris.entity(runner_up)))
    print(f"machine: a 10,000,000-step Python loop takes {machine_speed_s():.2f} s (the absolute times below scale with it)")
    print(f"graph: {len(graph):,} triples ({len(extraction.documents):,} documents, {len(extraction.entities):,} entities, "
          f"{len(extraction.relations):,} relations), built by kg.rdf.to_rdf in {build_s:.1f} s; busiest entities "
          f"{extraction.entities[busiest].label!r}, {extraction.entities[runner_up].label!r}", flush=True)

    # rdflib first, in forked children, while this process has no threads (the store starts RocksDB's)
    baseline: dict[str, Timing | None] = {title: None for title in texts}
    for title, text in texts.items() if not args.no_rdflib else ():
        baseline[title] = timed_in_child(lambda text=text: sum(1 for _ in run_query(graph, text)), repeat=args.rdflib_repeat,
                                         budget_s=args.rdflib_budget, timeout_s=args.rdflib_timeout)
        done = baseline[title]
        print(f"  rdflib: {title}: " + (f"{done.median:,.0f} ms" if done else f"stopped after {args.rdflib_timeout:g} s"), file=sys.stderr, flush=True)

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kg-bench-store-") as folder:
        with open_store(folder) as corpus:
            fill_store(corpus, extraction)
        load_s = time.perf_counter() - start
        store = open_database(folder, read_only=True)
        print(f"store: {len(store):,} quads in {sum(1 for _ in store.named_graphs()):,} named graphs and the default graph, "
              f"written by kg.corpus in {load_s:.1f} s")
        direct_s = direct_load_s(store.dump(format=ox.RdfFormat.N_QUADS))
        ratio = direct_s / load_s
        print(f"load: kg.corpus {len(store) / load_s:,.0f} triples/s, pyoxigraph bulk_load of the same N-Quads {len(store) / direct_s:,.0f} "
              f"triples/s: ratio {ratio:.2f} (target >= {TARGET_LOAD_RATIO}: {'met' if ratio >= TARGET_LOAD_RATIO else 'NOT met'})\n",
              flush=True)
        prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
        print(f"machine now: the same loop takes {machine_speed_s():.2f} s\n")
        print("| query | rows | store median ms | rdflib median ms (runs) | speed-up |")
        print("|---|---:|---:|---:|---:|")
        worst = 0.0
        for title, text in texts.items():
            def on_store(text: str = text, store: ox.Store = store) -> int:
                return sum(1 for _ in store.query(text, prefixes=prefixes, use_default_graph_as_union=True))

            on_store()  # warm-up
            fast, slow = timed(on_store, repeat=args.repeat), baseline[title]
            if slow is not None and fast.rows != slow.rows:
                print(f"error: {title}: the store returned {fast.rows} rows, rdflib {slow.rows}", file=sys.stderr)
                return 1
            worst = max(worst, fast.median)
            if args.no_rdflib:
                rdflib_ms, speed_up = "not run", "-"
            else:
                rdflib_ms = f"{slow.median:,.0f} ({len(slow.runs_ms)})" if slow else f"> {args.rdflib_timeout * 1000:,.0f} (stopped)"
                speed_up = f"{slow.median / fast.median:,.0f}x" if slow else f"> {args.rdflib_timeout * 1000 / fast.median:,.0f}x"
            print(f"| {title} | {fast.rows:,} | {fast.median:.1f} | {rdflib_ms} | {speed_up} |", flush=True)
        del store, on_store  # closes RocksDB before the folder goes
        print("\n| named query (`kg query --store --named`) | rows | median ms |")
        print("|---|---:|---:|")
        graph = load_source(folder)
        for title, (name, parameters) in named_query_runs(extraction).items():
            def named(name: str = name, parameters: dict[str, str] = parameters) -> int:
                return sum(1 for _ in run_named_query(graph, name, parameters))

            named()  # warm-up
            fast = timed(named, repeat=args.repeat)
            worst = max(worst, fast.median)
            print(f"| {title} | {fast.rows:,} | {fast.median:.1f} |", flush=True)
        graph.close()
    print(f"\nslowest store median {worst:.1f} ms: target <= {TARGET_MS:.0f} ms {'met' if worst <= TARGET_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
