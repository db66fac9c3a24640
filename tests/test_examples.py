"""The example article gives the facts the foundation issue asks for, end to end."""

from __future__ import annotations

from kg.validate import validate

REQUIRED = [
    ("Meta", "launched", "Muse Spark"),
    ("Meta", "investedIn", "Scale AI"),
    ("Meta Superintelligence Labs", "partOf", "Meta"),
    ("Arun Chandrasekaran", "worksFor", "Gartner"),
    ("Muse Spark", "competesWith", "GPT Pro"),
    ("Muse Spark", "competesWith", "Gemini Deep Think"),
    ("OpenAI", "developed", "GPT Pro"),
]


def test_example_yields_the_required_relations(example_build):
    ex = example_build.extraction
    label = {k: e.label for k, e in ex.entities.items()}
    found = {(label[r.subject], r.predicate, label[r.object]) for r in ex.relations}
    missing = [t for t in REQUIRED if t not in found]
    assert not missing, f"missing {missing}"


def test_example_graph_conforms(example_build):
    report = validate(example_build.graph)
    assert report.conforms, report.text
