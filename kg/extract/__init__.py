"""Extraction: text to mentions to canonical entities and typed relations.

The dataclasses load at once; the spaCy pipeline (``load_pipeline``, ``extract`` ...)
when first used, so reading a graph or a store does not import spaCy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from kg.extract.model import Entity, Extraction, Relation, SourceDocument

__all__ = [
    "DEFAULT_EXTRACTOR", "DEFAULT_MODELS", "EXTRACTORS", "Entity", "Extraction", "Relation", "SourceDocument",
    "extract", "extract_documents", "load_pipeline",
]
#: How entities and relations are found: "rules" (the lexicon's rules on spaCy's own NER) or "learned" (a fine-tuned
#: NER and a trained relation classifier over the rules' proposals, shipped in ``kg/models``).
EXTRACTORS = ("rules", "learned")
DEFAULT_EXTRACTOR = "rules"
_PIPELINE_NAMES = {"DEFAULT_MODELS", "extract", "extract_documents", "load_pipeline"}


def __getattr__(name: str) -> Any:
    if name in _PIPELINE_NAMES:
        return getattr(import_module("kg.extract.pipeline"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
