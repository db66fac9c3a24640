"""Gold training documents read from CoNLL04, DocRED and kg's article gold, with character offsets.

Every reader gives :class:`GoldDocument` objects: the text exactly as :mod:`kg.evaluate` builds it
for scoring, the gold entities with kg classes and the character offsets of their mentions, and the
relations as (head entity index, kg property, tail entity index).

>>> doc = GoldDocument("d", "Ann Lee works for Acme .", [GoldEntity("Person", [(0, 7)]), GoldEntity("Organization", [(18, 22)])],
...                    {(0, "worksFor", 1)})
>>> [doc.text[s:e] for entity in doc.entities for s, e in entity.mentions]
['Ann Lee', 'Acme']
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.evaluate import (CONLL04_ENTITY_CLASSES, CONLL04_RELATIONS, DOCRED_ENTITY_CLASSES, _article_gold,
                         _conll04_sentences, _docred_text, _is_docred, _read_json, docred_gold_triples)

__all__ = ["GoldEntity", "GoldDocument", "read_conll04", "read_docred", "read_article_gold", "read_gold"]


@dataclass
class GoldEntity:
    """One gold entity: its kg class (``None`` when the data set does not score it) and its mentions."""

    cls: str | None
    mentions: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class GoldDocument:
    """One gold text with its entities and its relations between them (by entity index)."""

    id: str
    text: str
    entities: list[GoldEntity]
    relations: set[tuple[int, str, int]] = field(default_factory=set)


def _token_offsets(tokens: list[str], start: int = 0) -> list[tuple[int, int]]:
    """Character offsets of tokens joined by single spaces, the first at ``start``."""
    offsets = []
    for token in tokens:
        offsets.append((start, start + len(token)))
        start += len(token) + 1
    return offsets


# ---------------------------------------------------------------------------- CoNLL04


def _conll04_documents(sentences: list[dict[str, Any]]) -> list[GoldDocument]:
    documents = []
    for i, sentence in enumerate(sentences):
        offsets = _token_offsets(sentence["tokens"])
        entities = [GoldEntity(CONLL04_ENTITY_CLASSES.get(e["type"]), [(offsets[e["start"]][0], offsets[e["end"] - 1][1])])
                    for e in sentence["entities"]]
        relations = {(r["head"], CONLL04_RELATIONS[r["type"]][0], r["tail"]) for r in sentence["relations"]
                     if r["type"] in CONLL04_RELATIONS}
        documents.append(GoldDocument(str(sentence.get("orig_id", i)), " ".join(sentence["tokens"]), entities, relations))
    return documents


def read_conll04(path: str | os.PathLike[str]) -> list[GoldDocument]:
    """The sentences of a CoNLL04 split (SpERT JSON); Other entities have class ``None``."""
    return _conll04_documents(_conll04_sentences(_read_json(path), path))


# ---------------------------------------------------------------------------- DocRED


def _docred_documents(data: list[dict[str, Any]]) -> list[GoldDocument]:
    documents = []
    for i, document in enumerate(data):
        sentence_offsets = []
        start = 0
        for tokens in document["sents"]:
            sentence_offsets.append(_token_offsets(tokens, start))
            start += sum(len(t) + 1 for t in tokens)
        entities = []
        for vertex in document["vertexSet"]:
            mentions = sorted({(sentence_offsets[m["sent_id"]][m["pos"][0]][0], sentence_offsets[m["sent_id"]][m["pos"][1] - 1][1])
                               for m in vertex})
            entities.append(GoldEntity(DOCRED_ENTITY_CLASSES.get(vertex[0]["type"]), mentions))
        documents.append(GoldDocument(str(i), _docred_text(document), entities, docred_gold_triples(document)))
    return documents


def read_docred(path: str | os.PathLike[str]) -> list[GoldDocument]:
    """The documents of a DocRED JSON file; MISC, TIME and NUM entities have class ``None``."""
    data = _read_json(path)
    if not _is_docred(data):
        raise InputError(f"{path}: not DocRED JSON (a list of documents with vertexSet and sents)")
    return _docred_documents(data)


# ---------------------------------------------------------------------------- article gold


def _find_mentions(text: str, forms_by_entity: list[list[str]]) -> list[list[tuple[int, int]]]:
    """Whole-word, case-sensitive occurrences of each entity's forms; a hit inside a longer hit is dropped."""
    hits = []
    for index, forms in enumerate(forms_by_entity):
        for form in {f for f in forms if f.strip()}:
            for match in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", text):
                hits.append((match.start(), match.end(), index))
    hits.sort(key=lambda h: (h[0] - h[1], h[0]))  # longest first
    taken: list[tuple[int, int]] = []
    mentions: list[set[tuple[int, int]]] = [set() for _ in forms_by_entity]
    for start, end, index in hits:
        if not any(start < e and s < end for s, e in taken):
            taken.append((start, end))
            mentions[index].add((start, end))
    return [sorted(m) for m in mentions]


def _article_document(gold: dict[str, Any]) -> GoldDocument:
    text = Path(gold["document_path"]).read_text(encoding="utf-8")
    names = [e["name"] for e in gold["entities"]]
    optional = [n for n in gold.get("optional_entities", []) if n not in names]
    forms = [[e["name"], *e.get("aliases", [])] for e in gold["entities"]] + [[n] for n in optional]
    mentions = _find_mentions(text, forms)
    entities = [GoldEntity(e["class"], m) for e, m in zip(gold["entities"], mentions)]
    entities += [GoldEntity(None, m) for m in mentions[len(names):]]
    index = {name: i for i, name in enumerate(names)}
    relations = {(index[s], p, index[o]) for s, p, o in gold["relations"] if s in index and o in index}
    return GoldDocument(gold["document"], text, entities, relations)


def read_article_gold(path: str | os.PathLike[str]) -> list[GoldDocument]:
    """An article gold file (``*.gold.json``) as one document; optional entities have class ``None``.

    Mentions are the whole-word occurrences of each entity's name and aliases in the text.
    """
    return [_article_document(_article_gold(_read_json(path), path))]


# ---------------------------------------------------------------------------- either


def read_gold(path: str | os.PathLike[str]) -> list[GoldDocument]:
    """Read article gold, a CoNLL04 split or DocRED JSON, told apart by content as :func:`kg.evaluate.evaluate_gold_file` does."""
    data = _read_json(path)
    if isinstance(data, dict) and {"document", "entities", "relations"} <= data.keys():
        return [_article_document(_article_gold(data, path))]
    if _is_docred(data):
        return _docred_documents(data)
    if isinstance(data, list):
        return _conll04_documents(_conll04_sentences(data, path))
    raise InputError(f"{path}: neither article gold (document, entities, relations), a CoNLL04 split nor DocRED JSON")
