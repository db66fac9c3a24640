"""The ``kg_encoder_ner`` spaCy component: kg's fine-tuned sentence encoder finds the entities.

The model (``kg/models/ner``, trained by :mod:`kg.train.ner`) is all-MiniLM-L6-v2 fine-tuned for
token classification with spaCy's entity labels in BIO tags, exported to ONNX and quantised to
8-bit integers. It runs with ``onnxruntime`` and ``tokenizers`` only: each sentence's words go
through the encoder as one sequence, the first word piece of a word gives the word's tag scores,
the best valid BIO sequence (:func:`best_tags`) gives the tags, and they become ``doc.ents``; that piece's last hidden state becomes the word's row of
``doc._.kg_vectors`` (zeros for whitespace), which the relation classifier reads.
:func:`use_trained_ner` puts it in place of spaCy's ``ner``, under the same name, so the
components after it see entities exactly as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.errors import ModelNotFoundError

__all__ = ["EncoderNER", "VECTORS", "best_tags", "decode_tags", "trained_ner_path", "use_trained_ner"]

#: The Doc extension holding the encoder's vector of each token.
VECTORS = "kg_vectors"
if not Doc.has_extension(VECTORS):
    Doc.set_extension(VECTORS, default=None)

#: The files of a saved model: the ONNX graph, the word-piece tokenizer and the settings with the tag list.
MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE = "model.onnx", "tokenizer.json", "config.json"


def trained_ner_path() -> Path:
    """Where the shipped weights live inside the kg package (they may be absent)."""
    return Path(str(resources.files("kg") / "models" / "ner"))


def decode_tags(tags: list[str]) -> list[tuple[int, int, str]]:
    """The ``(start, end, label)`` word spans of a BIO tag sequence; an ``I-`` that continues nothing starts a span.

    >>> decode_tags(["B-ORG", "I-ORG", "O", "I-GPE", "B-PERSON", "I-DATE"])
    [(0, 2, 'ORG'), (3, 4, 'GPE'), (4, 5, 'PERSON'), (5, 6, 'DATE')]
    """
    spans: list[tuple[int, int, str]] = []
    for i, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        if prefix == "I" and spans and spans[-1][1] == i and spans[-1][2] == label:
            spans[-1] = (spans[-1][0], i + 1, label)
        elif prefix in ("B", "I"):
            spans.append((i, i + 1, label))
    return spans


def best_tags(scores: numpy.ndarray, tags: list[str]) -> list[int]:
    """The most likely valid BIO sequence for per-word tag ``scores`` (words x tags, logits): an ``I-X`` only
    continues a ``B-X`` or ``I-X``. Where the best tag of each word already forms a valid sequence, that is it;
    otherwise a Viterbi search over the words' log-probabilities finds it.

    >>> best_tags(numpy.log(numpy.array([[.1, .6, .3, .0], [.1, .2, .3, .4]])), ["O", "B-ORG", "I-ORG", "I-PER"])
    [1, 2]
    """
    greedy = scores.argmax(axis=1).tolist()
    if all(not tags[t].startswith("I-") or (i and tags[greedy[i - 1]][2:] == tags[t][2:])
           for i, t in enumerate(greedy)):
        return greedy
    log_p = scores - numpy.logaddexp.reduce(scores, axis=1, keepdims=True)
    inside = numpy.array([t.startswith("I-") for t in tags])
    entity = numpy.array([t[2:] for t in tags])
    allowed = ~inside[None, :] | ((entity[:, None] == entity[None, :]) & (entity[:, None] != ""))  # previous x next
    penalty = numpy.where(allowed, 0.0, -numpy.inf)
    total = numpy.where(inside, -numpy.inf, log_p[0])
    back = numpy.zeros(scores.shape, dtype="int64")
    for word in range(1, len(scores)):
        step = total[:, None] + penalty
        back[word] = step.argmax(axis=0)
        total = step.max(axis=0) + log_p[word]
    path = [int(total.argmax())]
    for word in range(len(scores) - 1, 0, -1):
        path.append(int(back[word, path[-1]]))
    return path[::-1]


@dataclass(frozen=True)
class _Sequence:
    """One encoder input: a run of a sentence's words (whitespace tokens left out) and their token indices in the doc."""

    doc: int
    tokens: list[int]
    words: list[str]


class EncoderNER:
    """Tag each sentence's words with the encoder and set ``doc.ents``; see the module docstring."""

    def __init__(self, name: str, path: Path, threads: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if not all((path / f).is_file() for f in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)):
            raise ModelNotFoundError(f"no trained entity recogniser at {path}; build one with `kg train`")
        self.name = name
        self.config: dict[str, Any] = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        self.tags: list[str] = self.config["tags"]
        self.max_words: int = self.config["max_words"]
        self.tokenizer = Tokenizer.from_file(str(path / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=self.config["max_pieces"])  # a word past it is tagged O
        self.tokenizer.no_padding()  # the encoder's own file pads every input to 128 pieces: four times the work
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    @property
    def labels(self) -> tuple[str, ...]:
        """The entity labels the model tags, as spaCy's ``ner`` lists them."""
        return tuple(sorted({t[2:] for t in self.tags if t != "O"}))

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Tag ``docs`` in groups of ``batch_size``, the sentences of a group word-pieced together."""
        group: list[Doc] = []
        for doc in docs:
            group.append(doc)
            if len(group) >= batch_size:
                yield from self._tag(group)
                group = []
        yield from self._tag(group)

    def _sequences(self, docs: list[Doc]) -> list[_Sequence]:
        sequences = []
        for n, doc in enumerate(docs):
            for sent in (doc.sents if doc.has_annotation("SENT_START") else [doc[:]]):
                tokens = [t.i for t in sent if not t.is_space]
                for start in range(0, len(tokens), self.max_words):
                    part = tokens[start:start + self.max_words]
                    sequences.append(_Sequence(n, part, [doc[i].text for i in part]))
        return sequences

    def tag_words(self, sentences: list[list[str]]) -> list[list[str]]:
        """The BIO tag of each word of each sentence (a list of words, at most ``max_words`` of them).

        >>> ner = EncoderNER("ner", trained_ner_path(), threads=1)  # doctest: +SKIP
        >>> ner.tag_words([["Ann", "Lee", "joined", "Acme", "."]])  # doctest: +SKIP
        [['B-PERSON', 'I-PERSON', 'O', 'B-ORG', 'O']]
        """
        return [tags for tags, _ in self._encode(sentences)]

    def _encode(self, sentences: list[list[str]]) -> list[tuple[list[str], numpy.ndarray]]:
        """Each sentence's word tags and word vectors (from each word's first piece; zeros for a word cut off).

        The encoder runs on one sentence at a time: the 8-bit model scales each run's activations by their largest
        value, so in a batch a sentence's tags would depend on the other sentences (and padding brings no speed here).
        """
        results = []
        for words, encoding in zip(sentences, self.tokenizer.encode_batch(sentences, is_pretokenized=True)):
            feed = {"input_ids": numpy.array([encoding.ids], dtype="int64"),
                    "attention_mask": numpy.array([encoding.attention_mask], dtype="int64"),
                    "token_type_ids": numpy.array([encoding.type_ids], dtype="int64")}
            logits, hidden = self.session.run(["logits", "hidden"], {k: v for k, v in feed.items() if k in self.inputs})
            firsts: dict[int, int] = {}
            for piece, word in enumerate(encoding.word_ids):
                if word is not None and word not in firsts:  # a word's first piece stands for it
                    firsts[word] = piece
            indices, pieces = list(firsts), list(firsts.values())
            tags = ["O"] * len(words)
            for word, best in zip(indices, best_tags(logits[0][pieces], self.tags) if pieces else []):
                tags[word] = self.tags[best]
            vectors = numpy.zeros((len(words), hidden.shape[2]), dtype="float32")
            vectors[indices] = hidden[0][pieces]
            results.append((tags, vectors))
        return results

    def _tag(self, docs: list[Doc]) -> Iterator[Doc]:
        sequences = self._sequences(docs)
        entities: list[list[Span]] = [[] for _ in docs]
        vectors: list[numpy.ndarray | None] = [None] * len(docs)
        for sequence, (tags, states) in zip(sequences, self._encode([s.words for s in sequences])):
            doc = docs[sequence.doc]
            if vectors[sequence.doc] is None:
                vectors[sequence.doc] = numpy.zeros((len(doc), states.shape[1]), dtype="float32")
            vectors[sequence.doc][sequence.tokens] = states  # type: ignore[index]
            for first, last, label in decode_tags(tags):
                begin, end = sequence.tokens[first], sequence.tokens[last - 1] + 1
                if end - begin == last - first:  # a whitespace token inside ends the entity: spaCy never spans one
                    entities[sequence.doc].append(Span(doc, begin, end, label))
        for doc, spans, doc_vectors in zip(docs, entities, vectors):
            doc.set_ents(sorted(spans, key=lambda s: s.start), default="outside")
            doc._.set(VECTORS, doc_vectors)
            yield doc


@Language.factory("kg_encoder_ner", default_config={"model_path": None, "threads": 1})
def make_encoder_ner(nlp: Language, name: str, model_path: str | None, threads: int) -> EncoderNER:
    """Load the encoder entity recogniser (``kg/models/ner`` by default) with ``threads`` onnxruntime threads."""
    return EncoderNER(name, Path(model_path) if model_path else trained_ner_path(), threads)


def use_trained_ner(nlp: Language, path: Path | None = None) -> None:
    """Replace ``nlp``'s ``ner`` by ``kg_encoder_ner`` with the model at ``path`` (default: the shipped one), under the
    same name and at the same position.

    Raises :class:`~kg.errors.ModelNotFoundError` when there is no model at ``path`` (``nlp`` is then unchanged).
    """
    folder = Path(path) if path is not None else trained_ner_path()
    if not all((folder / f).is_file() for f in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)):
        raise ModelNotFoundError(f"no trained entity recogniser at {folder}; build one with `kg train`")
    if "ner" not in nlp.component_names:
        raise ValueError(f"the pipeline has no ner to replace: {nlp.pipe_names}")
    nlp.replace_pipe("ner", "kg_encoder_ner", config={"model_path": str(path) if path is not None else None})
