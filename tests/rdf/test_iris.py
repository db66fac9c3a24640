"""IRIs minted from any text: valid (checked by Oxigraph's RFC 3987 parser), under the base, never shared."""

from __future__ import annotations

from urllib.parse import urljoin

import pyoxigraph
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kg.errors import UsageError
from kg.rdf import ResourceIRIs, slug

BASE = "https://example.org/kg/"
HOSTILE = ["../../x", "..", ".", "/", "//evil.com", "http://evil", "https://evil.example/", "#frag", "?q=1", "a/b", "%2e%2e",
           "<script>", 'x"y', "{a}|b\\c^d`e", "a b", "\u202eevil", "\u200f", "\x00", "\ud800", "😀", "", " ", "__", "x__0123456789abcdef"]
# any code point, lone surrogates included
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80)


def _check(iri: str, folder: str) -> None:
    pyoxigraph.NamedNode(iri)  # raises on anything RFC 3987 does not allow
    assert iri.startswith(BASE + folder)
    segment = iri[len(BASE + folder):]
    assert segment and segment not in (".", "..") and not any(c in segment for c in "/?#%")
    assert urljoin(BASE, iri) == iri  # resolving it against the base changes nothing


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_stay_under_the_base(text):
    iris = ResourceIRIs(BASE)
    _check(str(iris.entity(text)), "entity/")
    _check(str(iris.document(text)), "document/")


@settings(max_examples=1000, deadline=None)
@given(text=ANY_TEXT)
def test_any_text_gives_a_valid_iri_under_the_base(text):
    iris = ResourceIRIs(BASE)
    _check(str(iris.entity(text)), "entity/")
    _check(str(iris.document(text)), "document/")
    _check(str(iris.statement(text, 1, text)), "statement/")
    assert slug(text) == slug(text)


@settings(max_examples=1000, deadline=None)
@given(a=ANY_TEXT, b=ANY_TEXT)
def test_different_texts_never_share_a_slug(a, b):
    assume(a != b)
    assert slug(a) != slug(b)


@settings(max_examples=1000, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("aAbB 1_.-&é\u00a0\t"), min_size=1, max_size=12))
def test_near_collisions_stay_apart(text):
    """Texts that differ only in case, spacing, punctuation or normal form."""
    variants = {text, text.upper(), text.lower(), text.replace(" ", "_"), text.replace("_", " "), text.replace("-", "."),
                " ".join(text.split()), text.replace("&", "-"), text.replace("é", "e\u0301"), slug(text).replace("_", " ")}
    assert len({slug(v) for v in variants}) == len(variants)


def test_a_name_built_from_another_names_slug_does_not_collide():
    crafted = slug("AT&T").replace("_", " ")  # 'at t  <hash>': letters and digits only, but for the spacing
    assert slug(crafted) != slug("AT&T")
    assert slug(slug("at_t").replace("__", " ")) != slug("at_t")


def test_readable_slugs_for_plain_names():
    assert [slug(n) for n in ("scale ai", "gemini 3.1 pro", "gpt-5.4", "zürich", "北京")] == \
        ["scale_ai", "gemini_3.1_pro", "gpt-5.4", "zürich", "北京"]


@pytest.mark.parametrize("base", ["https://example.org/a b/", "https://example.org/<x>/", "relative/path/", "https://exa mple.org/"])
def test_an_invalid_base_iri_is_a_usage_error(base):
    with pytest.raises(UsageError, match="is not a valid absolute IRI"):
        ResourceIRIs(base)
