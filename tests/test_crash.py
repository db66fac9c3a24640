"""Crash safety: a store survives SIGKILL of ``kg build --store`` and of ``kg serve --allow-updates`` (issue 18).

A killed build, run again, leaves exactly the store a clean build makes (quad for quad);
a server killed in the middle of an update leaves a store that opens and answers, without
the half-done update (pyoxigraph commits an update in one transaction).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from kg.build import build_store

SUBJECTS = ["Meta", "Microsoft", "Nvidia", "Oracle", "Mistral AI", "Google", "Amazon", "Apple", "IBM", "Intel"]
PEOPLE = ["Alexandr Wang", "Satya Nadella", "Jensen Huang", "Larry Ellison", "Arthur Mensch"]
CITIES = ["Paris", "London", "Berlin", "Santa Clara", "Seattle"]
#: Builds through the API with one document a batch, printing a line each time a batch is committed.
BUILD = ("import sys\nfrom kg.build import build_store\n"
         "build_store([sys.argv[1]], sys.argv[2], batch_size=1, on_progress=lambda p: print(p.documents, flush=True))\n")


def corpus(folder: Path, n: int = 40) -> Path:
    folder.mkdir()
    for i in range(n):
        org, other, person, city = SUBJECTS[i % 10], SUBJECTS[(i + 3) % 10], PEOPLE[i % 5], CITIES[(i + 2) % 5]
        (folder / f"{i:03}.txt").write_text(f"{person} leads {org}. {org} acquired {other} in {2000 + i}. "
                                            f"{org} is based in {city}. {org} launched Product {i} on Tuesday.", encoding="utf-8")
    return folder


def quads(store: Path) -> list[str]:
    return sorted(str(q) for q in ox.Store.read_only(str(store)))


def test_a_build_killed_mid_way_then_rerun_equals_a_clean_build(nlp, tmp_path):
    articles = corpus(tmp_path / "news")
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", BUILD, str(articles), str(store)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        committed = 0
        while committed < 3:  # three documents are in the store, thirty-seven are not
            line = proc.stdout.readline()
            assert line, f"the build ended before it was killed: {proc.stderr.read()}"
            committed = int(line)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    resumed = build_store([str(articles)], store, nlp=nlp)
    assert 0 < resumed.unchanged < 40 and resumed.added == 40 - resumed.unchanged
    clean = tmp_path / "clean"
    build_store([str(articles)], clean, nlp=nlp)
    assert quads(store) == quads(clean)


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SLOW_UPDATE = "INSERT { ?a kg:relatedTo ?f } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def count(store: ox.Store) -> int:
    return int(next(iter(store.query(COUNT, use_default_graph_as_union=True)))["n"].value)


def test_kg_serve_killed_during_an_update_leaves_a_store_that_opens(example_store, tmp_path):
    store = shutil.copytree(example_store, tmp_path / "store")
    before = count(ox.Store.read_only(str(store)))
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", "0", "--allow-updates",
                             "--timeout", "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = proc.stdout.readline()
        assert "read-write" in line, proc.stderr.read() if proc.poll() is not None else line
        url = line.split()[2]
        request = urllib.request.Request(url, data=SLOW_UPDATE.encode(), headers={"Content-Type": "application/sparql-update"})
        outcome: list[object] = []

        def send() -> None:
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    outcome.append(response.status)
            except OSError as exc:  # the server died before it answered
                outcome.append(exc)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        time.sleep(2)  # the worker is inside the update
        assert proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)  # the server, its worker and the forkserver
        proc.communicate(timeout=30)
        sender.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], OSError), outcome  # killed mid-update, not after it
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    for _ in range(100):  # the worker may outlive its parent by a moment; its lock goes with it
        try:
            reopened = ox.Store(str(store))
            break
        except OSError:
            time.sleep(0.1)
    else:
        reopened = ox.Store(str(store))
    assert count(reopened) == before
    reopened.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
    assert count(reopened) == before + 1
