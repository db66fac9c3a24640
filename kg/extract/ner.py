"""Put kg's fine-tuned entity recogniser (``kg/models/ner``, trained by :mod:`kg.train.ner`) into a pipeline."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import spacy
from spacy.language import Language

from kg.errors import ModelNotFoundError

__all__ = ["trained_ner_path", "use_trained_ner"]


def trained_ner_path() -> Path:
    """Where the shipped weights live inside the kg package (they may be absent)."""
    return Path(str(resources.files("kg") / "models" / "ner"))


def use_trained_ner(nlp: Language, path: Path | None = None) -> None:
    """Replace ``nlp``'s ``ner`` by the trained one at ``path`` (default: the shipped weights), at the same position.

    Raises :class:`~kg.errors.ModelNotFoundError` when there are no weights at ``path``.
    """
    path = Path(path) if path is not None else trained_ner_path()
    if not (path / "config.cfg").is_file() or not (path / "ner").is_dir():
        raise ModelNotFoundError(f"no trained entity recogniser at {path}; build one with `kg train`")
    names = nlp.component_names  # disabled components too (the model's senter), so positions hold
    if "ner" not in names:
        raise ValueError(f"the pipeline has no ner to replace: {nlp.pipe_names}")
    trained = spacy.load(path)
    following = names[names.index("ner") + 1:]
    nlp.remove_pipe("ner")
    if following:
        nlp.add_pipe("ner", source=trained, before=following[0])
    else:
        nlp.add_pipe("ner", source=trained)
