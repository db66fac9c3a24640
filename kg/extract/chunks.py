"""Long texts in pieces spaCy can take: split at paragraph, line, sentence or word boundaries.

spaCy refuses a text longer than ``nlp.max_length`` and needs memory in
proportion to a text's length, so a long document runs as consecutive chunks;
each chunk's offset shifts its evidence offsets back onto the whole text.

>>> [(offset, piece) for offset, piece in chunk_text("One. Two.\\n\\nThree.", max_chars=12)]
[(0, 'One. Two.\\n\\n'), (11, 'Three.')]
"""

from __future__ import annotations

import re
from typing import Iterator

__all__ = ["CHUNK_CHARS", "chunk_text"]

#: The longest piece of text the pipeline runs in one go (spaCy's own ``max_length`` may lower it).
CHUNK_CHARS = 100_000

# Preferred cut points, best first: a blank line, a line break, the end of a sentence, any space.
_BOUNDARIES = (re.compile(r"\n[^\S\n]*\n\s*"), re.compile(r"\n\s*"), re.compile(r"[.!?…][\"'”’)\]]*\s+"), re.compile(r"\s+"))


def _last_boundary(text: str, lo: int, hi: int) -> int | None:
    for pattern in _BOUNDARIES:
        last = None
        for last in pattern.finditer(text, lo, hi):
            pass
        if last is not None:
            return last.end()
    return None


def chunk_text(text: str, *, max_chars: int) -> Iterator[tuple[int, str]]:
    """Consecutive pieces of ``text``, each at most ``max_chars`` long, with their offsets.

    Each piece ends at the last blank line, line break, sentence end or space
    in the second half of its allowance (whitespace stays with the piece before
    the cut), or is cut hard when there is none. The pieces put together are
    ``text``; a text that fits (empty text too) is one piece.

    >>> list(chunk_text("", max_chars=10))
    [(0, '')]
    >>> list(chunk_text("abcdefgh", max_chars=3))
    [(0, 'abc'), (3, 'def'), (6, 'gh')]
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    start = 0
    while len(text) - start > max_chars:
        end = start + max_chars
        cut = _last_boundary(text, start + max_chars // 2, end) or end
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]
