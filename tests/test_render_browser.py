"""Open the page from kg.render in headless Chromium with the network cut off."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import networkx as nx
import pytest

from kg.render import to_html

pytestmark = pytest.mark.browser

E = "http://example.org/kg/entity/"
HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must have chromium and playwright: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """A headless system Chromium; playwright never downloads a browser here."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        _unavailable("no chromium executable on PATH or at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def hostile_graph() -> nx.MultiDiGraph:
    """Entities whose labels, aliases and evidence try to run script in the page."""
    G = nx.MultiDiGraph()
    for name, cls in [("OpenAI", "Organization"), ("Sam_Altman", "Person"), ("GPT-5", "AIModel"),
                      ("Img", "Product"), ("Breakout", "Organization"), ("Paris", "Place")]:
        G.add_node(E + name, label=name.replace("_", " "), cls=cls, aliases=[], documents=["news/001.txt"])
    G.nodes[E + "Img"].update(label=HOSTILE[0], aliases=[HOSTILE[1]])
    G.nodes[E + "Breakout"].update(label=HOSTILE[1], aliases=[HOSTILE[0]])
    ev = {"document": "news/001.txt", "start": 0, "end": 10, "confidence": 0.8, "rule": "svo"}
    G.add_edge(E + "OpenAI", E + "GPT-5", key="launched", property="launched",
               evidence=[{**ev, "text": "OpenAI launched GPT-5."}])
    G.add_edge(E + "Sam_Altman", E + "OpenAI", key="relatedTo", property="relatedTo",
               evidence=[{**ev, "text": f"Altman wrote {HOSTILE[0]}."}])
    G.add_edge(E + "Breakout", E + "Img", key="competesWith", property="competesWith",
               evidence=[{**ev, "text": HOSTILE[1], "document": HOSTILE[0]}])
    G.add_edge(E + "Breakout", E + "Paris", key="relatedTo", property="relatedTo", evidence=[])
    return G


def test_to_html_draws_offline_without_script_injection(chromium, hostile_graph, tmp_path):
    page_file = tmp_path / "graph.html"
    page_file.write_text(to_html(hostile_graph, metrics=None, title=HOSTILE[0]), encoding="utf-8")
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    blocked: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(page_file.as_uri())
        page.wait_for_selector("#kg-network canvas", state="attached", timeout=15_000)
        page.wait_for_function("window.kgNodes && window.network && window.kgStabilized === true", timeout=30_000)
        assert page.evaluate("window.kgNodes.length") == hostile_graph.number_of_nodes()
        assert page.evaluate("window.kgEdges.length") == hostile_graph.number_of_edges()
        assert set(page.evaluate("window.kgNodes.getIds()")) == set(hostile_graph.nodes)

        # hover the breakout node: its card must show the label as text, with no injected elements
        target = E + "Breakout"
        x, y = page.evaluate(
            """(id) => { const p = window.network.canvasToDOM(window.network.getPositions([id])[id]);
                         const r = document.querySelector('#kg-network canvas').getBoundingClientRect();
                         return [r.left + p.x, r.top + p.y]; }""",
            target,
        )
        page.mouse.move(x - 5, y - 5)
        page.mouse.move(x, y)
        tooltip = page.wait_for_selector("div.vis-tooltip .kg-card", timeout=5_000)
        assert HOSTILE[1] in tooltip.text_content()
        assert page.evaluate("document.querySelectorAll('img, div.vis-tooltip script').length") == 0
        assert page.evaluate("document.scripts.length") == 3
        page.screenshot(path=str(tmp_path / "graph.png"))
    finally:
        context.close()
    assert blocked == [], f"page tried to reach the network: {blocked}"
    assert errors == []
    assert dialogs == []
    assert (tmp_path / "graph.png").stat().st_size > 0


def test_example_graph_page_draws_every_node_offline(chromium, example_build, tmp_path):
    """The page `kg build` writes for the example article, opened with the network cut off."""
    page_file = tmp_path / "graph.html"
    page_file.write_text(to_html(example_build.entities, metrics=example_build.metrics, title="Muse Spark"), encoding="utf-8")
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                  else (blocked.append(route.request.url), route.abort()))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(page_file.as_uri())
        page.wait_for_function("() => window.kgNodes && window.kgStabilized === true", timeout=30_000)
        assert page.evaluate("window.kgNodes.length") == example_build.entities.number_of_nodes() > 0
        labels = set(page.evaluate("window.kgNodes.get().map(n => n.label)"))
        assert {"Meta", "Muse Spark", "Scale AI"} <= labels
        page.screenshot(path=str(tmp_path / "example.png"))
    finally:
        context.close()
    assert blocked == [] and errors == []


def test_hostile_corpus_page_shows_every_name_as_text(chromium, nlp, tmp_path):
    """The page built from tests/data/hostile: quotes, emoji, right-to-left marks and markup in names stay text."""
    from kg.build import build_graph

    corpus = Path(__file__).parent / "data" / "hostile"
    result = build_graph([str(corpus)], nlp=nlp)
    labels = {data["label"] for _, data in result.entities.nodes(data=True)}
    assert any("🚀" in label for label in labels) and any("'" in label for label in labels)
    page_file = tmp_path / "graph.html"
    page_file.write_text(to_html(result.entities, metrics=result.metrics, title=HOSTILE[1]), encoding="utf-8")
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(page_file.as_uri())
        page.wait_for_function("() => window.kgNodes && window.kgStabilized === true", timeout=30_000)
        assert set(page.evaluate("window.kgNodes.get().map(n => n.label)")) == labels
        assert page.evaluate("document.title") == HOSTILE[1]
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.evaluate("document.scripts.length") == 3
    finally:
        context.close()
    assert errors == [] and dialogs == []
