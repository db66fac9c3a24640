"""Extraction: text to mentions to canonical entities and typed relations."""

from kg.extract.model import Entity, Extraction, Relation, SourceDocument
from kg.extract.pipeline import DEFAULT_MODELS, extract, extract_documents, load_pipeline

__all__ = [
    "DEFAULT_MODELS", "Entity", "Extraction", "Relation", "SourceDocument",
    "extract", "extract_documents", "load_pipeline",
]
