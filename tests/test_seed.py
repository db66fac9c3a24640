"""The user's seed article (``/work/shared/seed/muse_spark.txt``, where present): the statements it makes come out right."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract import SourceDocument, extract

SEED = Path("/work/shared/seed/muse_spark.txt")

pytestmark = pytest.mark.skipif(not SEED.is_file(), reason="the seed article is not on this machine")


@pytest.fixture(scope="module")
def seed(nlp):
    """The seed's entities (label to class) and relations (label triples)."""
    result = extract([SourceDocument("seed", SEED.read_text(encoding="utf-8"), str(SEED))], nlp)
    label = {k: e.label for k, e in result.entities.items()}
    classes = {e.label: e.cls for e in result.entities.values()}
    return classes, {(label[r.subject], r.predicate, label[r.object]) for r in result.relations}


def test_seed_the_model_that_rolls_out_is_muse_spark(seed):
    _, triples = seed
    platforms = {"WhatsApp", "Instagram", "Facebook", "Messenger"}
    assert {o for s, p, o in triples if p == "availableOn" and s == "Muse Spark"} == platforms
    assert not any(p == "availableOn" and s != "Muse Spark" for s, p, _ in triples)  # not "GPT", of "OpenAI's GPT models"


def test_seed_meta_competes_with_openai_and_anthropic(seed):
    _, triples = seed
    rivals = {frozenset((s, o)) for s, p, o in triples if p == "competesWith"}
    assert {frozenset(("Meta", "OpenAI")), frozenset(("Meta", "Anthropic"))} <= rivals  # "Meta's intention to compete directly with ..."


def test_seed_meta_developed_llama(seed):
    assert ("Meta", "developed", "Llama") in seed[1]  # "the Company Behind Llama"


def test_seed_headings_name_nothing_and_ai_cc_is_no_place(seed):
    classes, _ = seed
    assert not any(word in label for label in classes for word in ("Approach", "Capabilities", "Strategy", "Commitment", "Investment"))
    assert classes.get("AI.cc") not in (None, "Place")
