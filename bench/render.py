"""Viewer speed: time from opening the page to a stable layout (physics off), against a 100-entity page.

Run: .venv/bin/python bench/render.py [--repeat 3] [--full]

Synthetic news-shaped entity graphs (the generator of tests/conftest.py) are rendered with
kg.render.to_html (default --max-nodes 500) and opened in headless Chromium (/usr/bin/chromium)
through playwright, interleaved, `--repeat` times; the medians are compared with the 100-entity
page's, timed in the same browser. `--full` also draws all 5,000 entities (--max-nodes 5000).
Target: a 5,000-entity graph usable within 10 s, i.e. a ratio under 10 s / the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from kg.analyze import compute_metrics
from kg.render import to_html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import synthetic_entity_graph  # noqa: E402 - the generator the browser tests use

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also draw all 5,000 entities")
    args = parser.parse_args()
    cases = [(100, 500), (1000, 500), (5000, 500)] + ([(5000, 5000)] if args.full else [])
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-render-"))
    pages, python_time = {}, {}
    for entities, max_nodes in cases:
        G = synthetic_entity_graph(entities)
        start = time.perf_counter()
        page = to_html(G, metrics=compute_metrics(G, exact_betweenness_limit=50), max_nodes=max_nodes)
        python_time[entities, max_nodes] = time.perf_counter() - start
        pages[entities, max_nodes] = folder / f"graph_{entities}_{max_nodes}.html"
        pages[entities, max_nodes].write_text(page, encoding="utf-8")
    times: dict[tuple[int, int], list[float]] = {case: [] for case in cases}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        for _ in range(args.repeat):
            for case, path in pages.items():
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(path.as_uri())
                page.wait_for_function("() => window.kgStabilized === true", timeout=600_000)
                times[case].append(page.evaluate("window.kgStabilizedAt") / 1000)
                page.close()
        browser.close()
    baseline = statistics.median(times[100, 500])
    print("| entities | drawn | metrics + HTML (Python) | open to stable layout (median) | ratio to 100 entities |")
    print("|---|---|---|---|---|")
    for (entities, max_nodes), values in times.items():
        drawn = min(entities, max_nodes)
        median = statistics.median(values)
        print(f"| {entities:,} | {drawn:,} | {python_time[entities, max_nodes]:.2f} s | {median:.2f} s | {median / baseline:.2f} |")


if __name__ == "__main__":
    main()
