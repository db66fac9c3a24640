"""Rebuild the learned extractor's models, the entity recogniser then the relation classifier, from gold files."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any, Iterable

from kg.errors import UsageError
from kg.train.corpus import GoldDocument, read_gold

__all__ = ["is_test_split", "train_models"]

#: File names of measurement splits (CoNLL04 ``conll04_test.json``, Re-DocRED ``test_revised.json``): never trained on.
_TEST_SPLIT = re.compile(r"(^|[_.-])test([_.-]|$)", re.IGNORECASE)


def is_test_split(path: str | os.PathLike[str]) -> bool:
    """Whether a gold file is named as a test split, which kg measures on and never trains on.

    >>> is_test_split("eval/conll04/conll04_test.json"), is_test_split("redocred/dev_revised.json")
    (True, False)
    """
    return bool(_TEST_SPLIT.search(Path(path).stem))


#: How many times an article counts in training, beside the many CoNLL04 sentences and Re-DocRED documents:
#: for the entity recogniser and for the relation classifier's pairs.
NER_ARTICLE_WEIGHT = 20
ARTICLE_WEIGHT = 4


def train_models(gold: Iterable[str | os.PathLike[str]], output: str | os.PathLike[str], *, seed: int = 0, ner: bool = True,
                 relations: bool = True, model: str | None = None) -> dict[str, Any]:
    """Train ``output/ner`` (unless ``ner`` is false) and then ``output/relations`` on the gold files, with a fixed seed.

    The relation classifier learns on what the pipeline with the new entity recogniser finds,
    each article gold document counting :data:`NER_ARTICLE_WEIGHT` and :data:`ARTICLE_WEIGHT` times. A file named as a test
    split is refused.

    >>> train_models(["conll04_train.json", "dev_revised.json"], "kg/models")  # doctest: +SKIP
    {'ner': {...}, 'relations': {'labels': [...], ...}, 'seconds': 1234.5}
    """
    from kg.extract.ner import use_trained_ner
    from kg.extract.pipeline import load_pipeline

    paths = [Path(p) for p in gold]
    refused = [str(p) for p in paths if is_test_split(p)]
    if refused:
        raise UsageError(f"refusing to train on a test split, which is for measuring only: {', '.join(refused)}")
    documents: list[GoldDocument] = []
    weights: list[int] = []
    sources: list[str] = []
    for path in paths:
        read = read_gold(path)
        article = path.name.endswith(".gold.json")
        documents += read
        weights += [ARTICLE_WEIGHT if article else 1] * len(read)
        sources += ["articles" if article else path.parent.name or path.stem] * len(read)
    if not documents:
        raise UsageError("no gold documents to train on")
    output = Path(output)
    start = time.perf_counter()
    report: dict[str, Any] = {"documents": len(documents), "gold": [p.name for p in paths], "seed": seed}
    if ner:
        from kg.train.ner import train_ner

        repeated = [d for d, source in zip(documents, sources) for _ in range(NER_ARTICLE_WEIGHT if source == "articles" else 1)]
        names = [p.name if not p.name.endswith(".gold.json") else f"{p.name} x{NER_ARTICLE_WEIGHT}" for p in paths]
        report["ner"] = train_ner(repeated, output / "ner", seed=seed, base_model=model, sources=names)
    if relations:
        from kg.train.relations import train_relations

        nlp = load_pipeline(model)
        if (output / "ner").is_dir():
            use_trained_ner(nlp, output / "ner")
        report["relations"] = train_relations(documents, nlp, output / "relations", seed=seed, weights=weights,
                                              sources=sources)
    report["seconds"] = round(time.perf_counter() - start, 1)
    return report
