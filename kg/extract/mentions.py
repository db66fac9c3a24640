"""The ``kg_mentions`` spaCy component: clean, typed entity mentions.

It starts from the NER spans, trims what is not part of the name (determiners,
possessive 's, punctuation, headline verbs), rejects junk (pronouns, common-noun
acronyms, numbers), types each span with the project's classes and adds names
the statistical model misses (versioned product names, capitalised
proper-noun chunks). The result is ``doc.spans["kg_mentions"]``, each span's
label a class local name (``Organization`` ...) or ``Unknown``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from spacy.attrs import ENT_TYPE, LOWER, ORTH, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.strings import StringStore
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from kg.extract.model import UNKNOWN
from kg.extract.places import known_places
from kg.ontology import load_lexicon

__all__ = ["MentionFinder", "MENTIONS_KEY"]

MENTIONS_KEY = "kg_mentions"
DATELINES_KEY = "kg_datelines"
LINES_KEY = "kg_lines"
SOURCES_KEY = "kg_sources"

_VERSION = re.compile(r"^(v?\d+(\.\d+)*[a-z]?|[A-Z]\d+)$", re.IGNORECASE)
_HYPHEN_VERSION = re.compile(r"^[A-Z][\w]*-\d+(\.\d+)*[a-z]?$")
#: A word in inner capitals is a name whatever its tag: "ChatGPT", "DeepSeek", "iPhone".
_CAMEL = re.compile(r"^([A-Z][a-z]+|[a-z]+)[A-Z][A-Za-z]*$")
#: Words that may end a versioned name: "Gemini 3.1 Pro".
_VERSION_MODIFIERS = ("Pro", "Max", "Mini", "Ultra", "Plus", "Flash", "Turbo", "Lite", "Nano", "Opus", "Sonnet", "Haiku")
#: The tests versioned_names and camel_words try on each word (a version is matched case-sensitively there: "i9" is none).
_STRING_TESTS = {"version": re.compile(_VERSION.pattern), "hyphen_version": _HYPHEN_VERSION, "camel": _CAMEL}
_VALUE_ENTITY_TYPES = {"DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY"}
#: A month or a day of it, however the model labels it: "Aug 2", "Sept. 9", "Aug", "March 14" (not "May" alone: a name too).
_MONTH_DAY = re.compile(r"^(?:(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?(?: \d{1,2})?"
                        r"|(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2})$")
_LEADING_DROP_TAGS = {"DT", "PRP$", "WDT", "WP", "WRB", "MD", "VB", "VBD", "VBP", "VBZ", "IN", "CC", "RB", "POS"}
_TRAILING_DROP_TAGS = {"POS", "IN", "CC", "DT", "HYPH", "VB", "VBD", "VBZ", "VBP", "VBG", "MD", "TO"}


@Language.component("kg_line_breaks")
def mark_line_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break, so headlines never fuse with the next paragraph,
    and after a dateline ("SAN FRANCISCO, June 4 —"), so the dateline is no sentence's subject."""
    starts = [0]
    lines = [0]
    previous = doc[0] if len(doc) else None
    for token in doc[1:]:
        if "\n" in previous.whitespace_ or previous.is_space and "\n" in previous.text:
            token.is_sent_start = True
            starts.append(token.i)
            lines.append(token.i)
        elif is_document_number(previous.text):
            lines.append(token.i)  # "PY2604013394 Rio de Janeiro O GLOBO in Portuguese": a source line after a document number
        previous = token
    doc.spans[LINES_KEY] = [Span(doc, i, i + 1) for i in lines if i < len(doc)]
    datelines = []
    for start in starts:
        end = dateline_end(doc, start)
        if end is not None and end < len(doc):
            doc[end].is_sent_start = True
            datelines.append(Span(doc, start, end))
        elif end is None:
            end = dateline_line_end(doc, start)
            if end is not None:
                datelines.append(Span(doc, start, end))
    doc.spans[DATELINES_KEY] = datelines
    return doc


def introduces_examples(prep: Token) -> bool:
    """Whether a preposition introduces names given as examples: "carmakers including BYD", "islands such as Crete"."""
    return prep.lower_ == "including" or prep.lower_ == "as" and any(c.lower_ == "such" for c in prep.children)


def is_document_number(text: str) -> bool:
    """A wire service's document number ("LD2504174394", "94WD0125D"): capitals and at least five digits, no spaces."""
    return len(text) >= 8 and text.isalnum() and text.upper() == text and sum(ch.isdigit() for ch in text) >= 5 \
        and not text.isdigit()


def dateline_line_end(doc: Doc, start: int) -> int | None:
    """Where a line that is only a dateline ends: "MEMPHIS, Tenn.", "ROCK HILL, S.C." (a place in capitals, a comma and an
    abbreviated state or region)."""
    i = start
    while i < len(doc) and i < start + 4 and doc[i].is_upper and doc[i].is_alpha:
        i += 1
    if i == start or i >= len(doc) or doc[i].text != "," or not any(len(t) >= 3 for t in doc[start:i]):
        return None
    j = i + 1
    while j < len(doc) and j < i + 3 and (doc[j].is_title or doc[j].is_upper) and any(ch.isalpha() for ch in doc[j].text):
        j += 1
    if j == i + 1:
        return None
    end = j + 1 if j < len(doc) and doc[j].text == "." else j
    if doc[end - 1].text[-1] != "." and doc[end - 1].text != ".":
        return None  # the state is abbreviated: "Tenn.", "N.Y."
    if end < len(doc) and not ("\n" in doc[end - 1].whitespace_ or doc[end].is_space):
        return None  # ... and nothing follows on the line
    return end


def dateline_end(doc: Doc, start: int) -> int | None:
    """Where the dateline opening a paragraph at ``start`` ends (the token after its dash), if it has one.

    A dateline is a place in capitals, a comma, and a dash within a few tokens: "TACOMA, Wash., Sept. 9 —".
    """
    while start < len(doc) and doc[start].is_space:
        start += 1
    if start >= len(doc) or not (doc[start].is_upper and sum(ch.isalpha() for ch in doc[start].text) >= 2):
        return None
    for i in range(start + 1, min(start + 12, len(doc))):
        if doc[i].text in ("—", "–", "--") or (doc[i].text == "-" and doc[i].whitespace_):
            return i + 1 if any(doc[j].text == "," for j in range(start, i)) else None
        if "\n" in doc[i].text:
            return None
    return None


@Language.factory(
    "kg_mentions",
    default_config={"lexicon_path": None, "proper_noun_chunks": True, "known_places_min_population": 100_000},
)
def make_mention_finder(nlp: Language, name: str, lexicon_path: str | None, proper_noun_chunks: bool,
                        known_places_min_population: int) -> "MentionFinder":
    """Build the mention finder from the lexicon (``ontology/lexicon.json`` by default).

    ``known_places_min_population``: cities of at least this many people are known places (0: none).
    """
    return MentionFinder(nlp, name, lexicon=load_lexicon(lexicon_path), proper_noun_chunks=proper_noun_chunks,
                         known_places=known_places(known_places_min_population))


#: Prepositions whose object, when it is a known place, is that place ("flights to Bogotá, Santiago and São Paulo").
_PLACE_PREPOSITIONS = {"to", "from", "in", "into", "near", "across", "between", "via", "toward", "towards"}


def _first_of_list(token: Token) -> Token:
    """The first of the coordinated words ``token`` is one of ("Santiago" in "Bogotá, Santiago and São Paulo" gives Bogotá)."""
    while token.dep_ == "conj" and token.head != token:
        token = token.head
    return token


def _hyphen_joined(tokens: list[Token], i: int) -> bool:
    """Whether ``tokens[i]`` is joined to the word before it by a hyphen without spaces ("Seo-jin")."""
    return i >= 2 and tokens[i - 1].text in ("-", "‐") and not tokens[i - 2].whitespace_ and not tokens[i - 1].whitespace_


class MentionFinder:
    """Find and type entity mentions; see the module docstring."""

    def __init__(self, nlp: Language, name: str, *, lexicon: dict[str, Any], proper_noun_chunks: bool,
                 known_places: frozenset[str] = frozenset()) -> None:
        self.name = name
        self.known_places = known_places
        self.ner_classes: dict[str, str] = lexicon["ner_classes"]
        self.org_suffixes = set(lexicon["org_suffixes"])
        self.place_suffixes = set(lexicon["place_suffixes"])
        self.event_suffixes = set(lexicon["event_suffixes"])
        self.job_heads = set(lexicon["job_heads"])  # kinds of company that are also people's jobs ("producer")
        self.person_nouns = set(lexicon["person_nouns"])
        self.acronyms = set(lexicon["common_acronyms"])
        self.title_words = {t.lower() for t in lexicon["titles"]} | set(lexicon["honorifics"])
        self.title_parts = self.title_words | set(lexicon["title_modifiers"]) | set(lexicon["function_words"])
        self.round_words = set(lexicon["funding"]["round_name_words"])
        self.ai_words = {nlp.vocab.strings.add(w.lower()) for w in lexicon["ai_words"]}  # as hashes of the LOWER attribute
        self.ai_topic_words = self.ai_words - {nlp.vocab.strings[w] for w in ("model", "models")}  # "Ford models" say nothing of AI
        self.head_classes = {w: "Product" for w in lexicon["product_heads"]}
        self.head_classes.update({w: "Organization" for w in lexicon["org_heads"]})
        self.head_classes.update({w: "Place" for w in lexicon["place_heads"]})
        self.head_classes.update({w: "Event" for w in lexicon["event_heads"]})
        self.proper_noun_chunks = proper_noun_chunks
        self.institution_words = set(lexicon["institution_words"])
        self.broadcast_words = set(lexicon["source_lines"]["broadcast_words"])
        self.state_abbreviations_set = {a.rstrip(".") for a in lexicon["state_abbreviations"]}
        self.name_particles = set(lexicon["source_lines"]["place_particles"])
        self.matcher = Matcher(nlp.vocab)
        name_token = {"POS": "PROPN", "IS_TITLE": True}
        # versioned names ("GPT-5.4", "Gemini 3.1 Pro") and inner capitals ("ChatGPT") are found by versioned_names and
        # camel_words: a regular expression tried once per word of the vocabulary, not once per token as in a Matcher
        self.string_tests: dict[str, dict[int, bool]] = {"version": {}, "hyphen_version": {}, "camel": {}}
        self.modifiers = {nlp.vocab.strings.add(w) for w in _VERSION_MODIFIERS}
        self.name_tag = nlp.vocab.strings.add("NNP")
        self.not_name_parts = {nlp.vocab.strings.add(e) for e in ("DATE", "TIME", "MONEY", "CARDINAL")}
        # a capitalised common noun inside a sentence is a name the tagger missed ("Gulfstone chief executive")
        titled_noun = {"POS": "NOUN", "IS_TITLE": True, "IS_SENT_START": False}
        self.matcher.add("PROPER", [[name_token, {"POS": "PROPN", "OP": "*"}], [titled_noun, {"POS": "PROPN", "OP": "*"}]], greedy="LONGEST")
        # "Jefferies analyst Callum Reid": the capitalised word before a job title and a person
        self.job_words = {t.lower() for t, p in lexicon["titles"].items() if " " not in t and p in ("worksFor", "leads", "founded")} \
            | set(lexicon["title_modifiers"])
        title_word = {"LOWER": {"IN": sorted(self.job_words)}}
        employer_word = {"IS_TITLE": True, "POS": {"IN": ["NOUN", "PROPN"]}, "ENT_TYPE": {"NOT_IN": sorted(_VALUE_ENTITY_TYPES)}}
        self.matcher.add("EMPLOYER", [[{**employer_word, "OP": "+"}, title_word, {**title_word, "OP": "?"}, {"ENT_TYPE": "PERSON"}]],
                         greedy="LONGEST")
        # a news agency in brackets: "(AP)", "( TANJUG )"
        self.matcher.add("AGENCY", [[{"TEXT": "("}, {"IS_UPPER": True, "LENGTH": {">=": 2}, "OP": "+"}, {"TEXT": ")"}]])
        # a capitalised noun opening a sentence: a name only if the document or a relation says so
        self.matcher.add("SENT_START", [[{"IS_TITLE": True, "IS_SENT_START": True, "POS": {"IN": ["NOUN", "VERB", "ADJ"]},
                                          "TAG": {"NOT_IN": ["NNS", "VBG", "VBN", "VBD", "VBZ", "JJR", "JJS"]}}]])

    def __call__(self, doc: Doc) -> Doc:
        doc.spans[MENTIONS_KEY] = self.find(doc)
        return doc

    def find(self, doc: Doc) -> list[Span]:
        """All mentions of ``doc``, non-overlapping, in text order."""
        ai_context = self.ai_context(doc)
        candidates: list[Span] = []
        for ent in doc.ents:
            cls = self.ner_classes.get(ent.label_)
            if cls is None:
                continue
            parts = ((t, tc) for d, c in self.split_dateline(ent, cls) for li, lc in self.split_list(d, c)
                     for p, pc in self.split_possessive(li, lc) for t, tc in self.split_title(p, pc))
            for part, part_cls in parts:
                span = self.clean(part)
                if span is not None:
                    candidates.append(Span(doc, span.start, span.end, label=self.refine(span, part_cls)))
        candidates = [self.extend_name_head(self.extend_first_name(span)) for span in self.extend_known_prefixes(candidates)]
        versioned, employers, chunks, tentative = [], [], [], []
        for match_id, start, end in self.matcher(doc):
            rule = doc.vocab.strings[match_id]
            if rule == "EMPLOYER":  # the words before the job title ("Deputy U.S. Ambassador X": U.S.)
                while start < end and doc[start].lower_ in self.job_words:
                    start += 1
                end = next((i for i in range(start, end) if doc[i].lower_ in self.job_words), start)
            elif rule == "AGENCY":
                start, end = start + 1, end - 1
            elif rule == "PROPER":
                if self.proper_noun_chunks:
                    chunks.append((start, end))  # cleaned below, only where no stronger name took it
                continue
            span = self.clean(doc[start:end])
            if span is None:
                continue
            if rule in ("EMPLOYER", "AGENCY"):
                employers.append(Span(doc, span.start, span.end, label=self.employer_class(span, UNKNOWN)))
            else:  # SENT_START
                tentative.append(Span(doc, span.start, span.end, label=UNKNOWN))
        orths = doc.to_array(ORTH).tolist()
        for start, end in self.versioned_names(doc, orths):
            span = self.clean(doc[start:end])
            if span is not None:
                versioned.append(Span(doc, span.start, span.end, label="AIModel" if ai_context else "Product"))
        for i in self.camel_words(doc, orths):
            span = self.clean(doc[i:i + 1])
            if span is not None:
                tentative.append(Span(doc, span.start, span.end, label=UNKNOWN))
        # source lines win over everything, versioned names over NER spans, and so do employers before a job title;
        # NER spans win over bare proper-noun chunks
        sources = [span for pair in self.source_lines(doc) for span in pair]
        doc.spans[SOURCES_KEY] = sources
        chosen = sources + [s for s in filter_spans(versioned + employers + candidates)
                            if not any(s.start < o.end and o.start < s.end for o in sources)]
        taken = {i for span in chosen for i in range(span.start, span.end)}
        proper = []
        for start, end in chunks:  # a chunk wholly inside a name already chosen could only overlap it
            span = None if taken.issuperset(range(start, end)) else self.clean(doc[start:end])
            if span is not None:
                proper += [Span(doc, part.start, part.end, label=self.refine(part, part_cls)) for part, part_cls in self.split_title(span, UNKNOWN)]
        chosen += [s for s in filter_spans(proper) if not taken & set(range(s.start, s.end))]
        taken = {i for span in chosen for i in range(span.start, span.end)}
        chosen += [s for s in tentative if s.start not in taken]
        chosen += self.repeated_names(doc, orths, chosen)
        return self.propagate_labels(self.state_abbreviations(self.dateline_places(self.trim_headlines(sorted(chosen, key=lambda s: s.start),
                                                                                                       len(sources)))))

    def _passes(self, test: str, orths: list[int], vocab_strings: StringStore) -> list[bool]:
        """Which of these words pass one of the regular expressions in ``_STRING_TESTS``, each word tried once ever."""
        known = self.string_tests[test]
        for orth in {orth for orth in orths if orth not in known}:  # not set - keys(): that walks every word known
            known[orth] = _STRING_TESTS[test].search(vocab_strings[orth]) is not None
        return [known[orth] for orth in orths]

    def versioned_names(self, doc: Doc, orths: list[int]) -> list[tuple[int, int]]:
        """Every (start, end) of a versioned name: proper nouns then a version ("Gemini 3.1", "Qwen 3.5"), or a
        hyphenated one ("GPT-5.4"), each with and without a trailing modifier ("Pro"), from every start in the run;
        ``orths`` are the doc's ORTH values."""
        tags, ents = (doc.to_array(attr).tolist() for attr in (TAG, ENT_TYPE))
        strings = doc.vocab.strings
        version, hyphen = self._passes("version", orths, strings), self._passes("hyphen_version", orths, strings)
        name_part = [tag == self.name_tag and ent not in self.not_name_parts for tag, ent in zip(tags, ents)]
        found = []
        for i in [i for i, (is_hyphen, is_version) in enumerate(zip(hyphen, version)) if is_hyphen or is_version]:
            ends = [i + 1] + ([i + 2] if i + 1 < len(orths) and orths[i + 1] in self.modifiers else [])
            if hyphen[i]:
                found += [(i, end) for end in ends]
            if version[i]:
                start = i
                while start > 0 and name_part[start - 1]:
                    start -= 1
                found += [(s, end) for s in range(start, i) for end in ends]
        return found

    def camel_words(self, doc: Doc, orths: list[int]) -> list[int]:
        """The tokens written in inner capitals ("ChatGPT", "iPhone"); ``orths`` are the doc's ORTH values."""
        return [i for i, camel in enumerate(self._passes("camel", orths, doc.vocab.strings)) if camel]

    def state_abbreviations(self, spans: list[Span]) -> list[Span]:
        """"Tupelo, Miss.", "Burchard, Neb.": an abbreviated state after a place and a comma is a place (not Miss Smith)."""
        places = {span.end for span in spans if span.label_ == "Place"}
        return [Span(span.doc, span.start, span.end, label="Place")
                if span.label_ != "Place" and span.start - 1 in places and span.doc[span.start - 1].text == ","
                and span.text.rstrip(".") in self.state_abbreviations_set else span
                for span in spans]

    def source_lines(self, doc: Doc) -> list[tuple[Span, Span]]:
        """A wire service's source line, at the start of a line: the place a publication or broadcaster is published from,
        then its name, then the language or the date ("Moscow ITAR-TASS in English 1654 GMT", "Bangkok THE NATION",
        "Paris Radio France International"). The name is in capitals, or title-case ending in (or opening with) a
        broadcaster's word; the place is the title-case words before capitals, else the first word."""
        found = []
        n = len(doc)
        for line in doc.spans.get(LINES_KEY, []):
            i = j = line.start
            while j < n and (doc[j].is_title and not doc[j].is_upper  # "Rio de Janeiro", "Bosnia-Herzegovina"
                             or (doc[j].lower_ in self.name_particles or doc[j].text == "-" and not doc[j - 1].whitespace_)
                             and j > i and j + 1 < n and doc[j + 1].is_title):
                j += 1
            k = j
            while k < n and (doc[k].is_upper and any(ch.isalpha() for ch in doc[k].text)  # "ITAR-TASS", "N-TV", "UT-1"
                             or doc[k].text == "-" and k > j and not doc[k - 1].whitespace_ and not doc[k].whitespace_
                             or doc[k].like_num and doc[k - 1].text == "-"):
                k += 1
            if k > j and 0 < j - i <= 4 and any(sum(ch.isalpha() for ch in t.text) >= 2 for t in doc[j:k]) and doc[k - 1].text != "-":
                place, end, known = doc[i:j], k, False
                while end < n and doc[end].is_title:
                    end += 1  # "Kiev UT-1 Television Network", "Madrid RNE International"
            elif k == j and j - i >= 3 and (doc[j - 1].text in self.broadcast_words or doc[i + 1].text in self.broadcast_words):
                place, end, known = doc[i:i + 1], j, True  # "Paris Radio France International"
            else:
                continue
            after = doc[end] if end < n else None
            if not (after is None or "\n" in doc[end - 1].whitespace_ or after.is_space or after.text == "(" or after.like_num
                    or after.lower_ == "in" and end + 1 < n and doc[end + 1].is_title):
                continue
            if not (i > 0 and is_document_number(doc[i - 1].text) or after is not None and after.lower_ == "in") and (
                    any(t.tag_.startswith("VB") or t.ent_type_ == "PERSON" for t in place)
                    or not known and any(t.ent_type_ not in ("GPE", "LOC") for t in place)):
                continue  # alone on its line, the place must be known as one: "Moscow INTERFAX", not "Biden Meets NATO"
            found.append((Span(doc, place.start, place.end, label="Place"), Span(doc, place.end, end, label="Organization")))
        return found

    @staticmethod
    def dateline_places(spans: list[Span]) -> list[Span]:
        """The names in a dateline ("TACOMA, Wash., Sept. 9 —", found by ``kg_line_breaks``) are places."""
        if not spans:
            return spans
        doc = spans[0].doc
        datelines = list(doc.spans.get(DATELINES_KEY, []))

        def inside(span: Span) -> bool:
            return any(d.start <= span.start and span.end <= d.end for d in datelines)

        def agency(span: Span) -> bool:
            return span.start > 0 and doc[span.start - 1].text == "("  # "(Reuters)": who wrote it, not where

        return [Span(doc, s.start, s.end, label="Place") if inside(s) and s.label_ != "Place" and not agency(s) else s
                for s in spans if not (inside(s) and any(t.ent_type_ == "DATE" for t in s))]

    @staticmethod
    def is_headline(sent: Span) -> bool:
        """A title-case line ("Meta Bets on a Closed Model as Muse Spark Makes Its Debut")."""
        words = [t for t in sent if t.is_alpha and not t.is_stop]
        return len(words) >= 3 and sum(t.is_title or t.is_upper for t in words) >= 0.8 * len(words) and not sent.text.rstrip().endswith(".")

    @classmethod
    def is_section_heading(cls, sent: Span) -> bool:
        """A title-case line of its own between paragraphs ("Will Meta's Proprietary Strategy Pay Off?"); the last
        line, a credit or a sign-off, is none."""
        doc = sent.doc
        own_line = (sent.start == 0 or "\n" in doc[sent.start - 1].text_with_ws) and "\n" in sent[-1].text_with_ws
        return own_line and any(not t.is_space for t in doc[sent.end:]) and cls.is_headline(sent)

    def trim_headlines(self, spans: list[Span], sources: int = 0) -> list[Span]:
        """In headlines, keep only names the body also uses, trimmed to them ("Meta Bets" to "Meta"); a source line is no headline."""
        headline: set[int] = set()
        datelines = {d.start for d in spans[0].doc.spans.get(DATELINES_KEY, [])} if spans else set()
        leading = True
        for sent in spans[0].doc.sents if spans else []:
            if leading and (sent.start in datelines or not self.is_headline(sent)):
                leading = False  # headlines lead the text; a dateline opens the body
            if leading or self.is_section_heading(sent):
                headline.add(sent.start)
        if not headline:
            return spans  # most documents: no span's sentence need be looked up
        body = {span.text for span in spans if span.sent.start not in headline and span.label_ != UNKNOWN}
        if not body:
            return spans
        kept = []
        source_spans = set(spans[0].doc.spans.get(SOURCES_KEY, [])) if sources else set()
        for span in spans:
            if span.sent.start not in headline or span in source_spans:
                kept.append(span)
                continue
            for end in range(span.end, span.start, -1):
                if span.doc[span.start:end].text in body:
                    kept.append(Span(span.doc, span.start, end, label=span.label_))
                    break
        return kept

    @staticmethod
    def extend_known_prefixes(spans: list[Span]) -> list[Span]:
        """"Meta Superintelligence Labs" tagged as "Superintelligence Labs": an organisation's name grows
        leftwards over a capitalised word the document uses as a name of its own ("Meta")."""
        names = {span.text for span in spans if span.label_ == "Organization"}
        extended = []
        for span in spans:
            start = span.start
            while span.label_ == "Organization" and start > 0 and span.doc[start - 1].is_title and span.doc[start - 1].text in names:
                start -= 1
            extended.append(span if start == span.start else Span(span.doc, start, span.end, label=span.label_))
        return extended

    def is_title_word(self, word: Token) -> bool:
        """Whether ``word`` is a title or job word ("Chief", "Dr.", "CEO"), which never starts or ends a name."""
        return word.lower_.rstrip(".") in self.title_words or word.lower_ in self.job_words

    def extend_first_name(self, span: Span) -> Span:
        """"said Ivy Tsang" tagged as "Tsang": a one-word person's name grows leftwards over the capitalised proper
        noun the parser joins to it, when no other name holds it and it is no title ("Chief", "Dr.")."""
        if span.label_ != "Person" or len(span) != 1 or span.start == 0:
            return span
        word = span.doc[span.start - 1]
        if word.tag_ == "NNP" and word.is_title and word.dep_ == "compound" and word.head.i == span.start and word.ent_iob_ == "O" \
                and not self.is_title_word(word):
            return Span(span.doc, span.start - 1, span.end, label=span.label_)
        return span

    def extend_name_head(self, span: Span) -> Span:
        """"Ostrander Ventures" tagged as "Ostrander": an organisation's or product's name grows rightwards while its
        last word is a compound of a word further right, over capitalised proper nouns no other name holds and that
        are no title ("CEO")."""
        if span.label_ not in ("Organization", "Product", "AIModel"):
            return span
        doc, end = span.doc, span.end
        while end < len(doc) and doc[end - 1].dep_ == "compound" and doc[end - 1].head.i >= end:
            word = doc[end]
            if word.tag_ not in ("NNP", "NNPS") or not (word.is_title or word.is_upper) or word.ent_iob_ != "O" \
                    or self.is_title_word(word):
                break
            end += 1
        return span if end == span.end else Span(doc, span.start, end, label=span.label_)

    def split_dateline(self, span: Span, cls: str) -> list[tuple[Span, str]]:
        """"Beijing XINHUA", "Moscow ITAR-TASS": a place name run into a capitalised agency name is two names."""
        upper = [t.is_upper and sum(ch.isalpha() for ch in t.text) >= 2 for t in span]
        cut = next((i for i in range(1, len(span)) if upper[i] and not any(upper[:i])), None)
        if cut is None or not all(upper[cut:]) or not all(t.is_title for t in span[:cut]):
            return [(span, cls)]
        tail = span[cut:]
        if sum(ch.isalpha() for ch in tail.text) < 4 or any(t.text in self.org_suffixes for t in tail):
            return [(span, cls)]  # "Scale AI", "Acme AG": a suffix, not a second name
        return [(span[:cut], "Place"), (span[cut:], "Organization")]

    def split_list(self, span: Span, cls: str) -> list[tuple[Span, str]]:
        """"StarPlus Energy, Stellantis'" tagged as one name is two names; not "Acme Co., Inc." nor a place and the place
        holding it ("Russell, Kan.", "Carp, Ontario")."""
        if cls == "Place":
            return [(span, cls)]
        doc, parts, start = span.doc, [], span.start
        for t in span[1:-1]:
            after = doc[t.i + 1]
            if t.text == "," and after.is_title and after.text not in self.org_suffixes and after.text.rstrip(".") not in self.state_abbreviations_set \
                    and doc[t.i + 1:span.end].text.rstrip(".") not in self.known_places:
                parts.append((doc[start:t.i], cls))
                start = t.i + 1
        return parts + [(doc[start:span.end], cls)]

    def split_possessive(self, span: Span, cls: str) -> list[tuple[Span, str]]:
        """"Amazon Web Services' Bedrock" tagged as one name is the owner's name and the owned one's; not
        "the Information Commissioner's Office", where the possessive leads to a word naming an institution."""
        cut = next((t.i for t in span[1:-1] if t.tag_ == "POS"), None)
        if cut is None or span.end - cut == 2 and span.doc[cut + 1].lower_ in self.institution_words:
            return [(span, cls)]
        return [(span.doc[span.start:cut], UNKNOWN), (span.doc[cut + 1:span.end], cls)]

    def split_title(self, span: Span, cls: str) -> list[tuple[Span, str]]:
        """"Halvorsen Chief Executive Mette Lindqvist" taken as one name is an employer, a job title and a person."""
        words = [t.lower_ for t in span]
        first = next((i for i in range(1, len(span)) if words[i] in self.job_words), None)
        if first is None or all(w in self.title_parts or not (t.is_title or t.is_upper) for w, t in zip(words, span[:first])):
            # none, or a leading title: "Attorney General Merrick Garland", "Chief Financial Officer Raj Malhotra", "the General Accounting Office"
            return [(span, cls)]
        last = max(i for i in range(first, min(first + 4, len(span))) if words[i] in self.job_words)
        person = span[last + 1:]
        if len(person) < 2 or not all(t.is_title for t in person) or person[-1].lower_ in self.head_classes or person[-1].text in self.org_suffixes:
            return [(span, cls)]
        if all(t.ent_type_ == "NORP" for t in span[:first]):
            return [(person, "Person")]  # "Crimean Deputy Yevhen Saburov": a nationality, not an employer
        return [(span[:first], self.employer_class(span[:first], cls)), (person, "Person")]

    def employer_class(self, span: Span, cls: str) -> str:
        """The class of a name before a job title: an Organization, or a Place ("Illinois Gov. James Thompson") when it is known as one."""
        if cls in ("Organization", "Place"):
            return cls
        return "Place" if self.ner_classes.get(span[0].ent_type_) == "Place" else "Organization"

    @staticmethod
    def repeated_names(doc: Doc, orths: list[int], chosen: list[Span]) -> list[Span]:
        """The other places a typed name appears, where the model missed it: a name is a name throughout its text.

        "Pixent unveiled ... Pixent co-founder and chief executive Yoon Seo-jin": the second "Pixent" is
        found too (its class comes from the first, in :meth:`propagate_labels`). ``orths`` are the doc's ORTH values.
        """
        names: dict[int, set[tuple[int, ...]]] = {}
        for span in chosen:
            if span.label_ != UNKNOWN:
                names.setdefault(orths[span.start], set()).add(tuple(orths[span.start:span.end]))
        taken = {i for span in chosen for i in range(span.start, span.end)}
        found, i = [], 0
        while i < len(orths):
            fits = [name for name in names.get(orths[i], ()) if tuple(orths[i:i + len(name)]) == name
                    and taken.isdisjoint(range(i, i + len(name)))]
            if fits:
                end = i + max(map(len, fits))
                found.append(Span(doc, i, end, label=UNKNOWN))
                i = end
            else:
                i += 1
        return found

    @staticmethod
    def propagate_labels(spans: list[Span]) -> list[Span]:
        """Give an unlabelled mention the most common label of the same name elsewhere in the document."""
        votes: dict[str, Counter[str]] = {}
        for span in spans:
            if span.label_ != UNKNOWN:
                votes.setdefault(span.text, Counter())[span.label_] += 1
        return [
            Span(span.doc, span.start, span.end, label=votes[span.text].most_common(1)[0][0])
            if span.label_ == UNKNOWN and span.text in votes else span
            for span in spans
        ]

    def clean(self, span: Span) -> Span | None:
        """Trim a candidate span to the name itself, or ``None`` when it is junk."""
        tokens = list(span)  # each doc[i] makes a new Token: take them once
        start, end = 0, len(tokens)
        for i, token in enumerate(tokens):
            if token.text in ("(", "[", '"', "``", "''"):
                end = i  # "Party of the Democratic Revolution (PRD": the name stops at the bracket
                break
        while start < end and (tokens[start].tag_ in _LEADING_DROP_TAGS or tokens[start].is_punct
                               or (end - start > 1 and tokens[start].is_lower and tokens[start].pos_ == "NOUN")):
            start += 1  # ... and a common noun before the name: "start-up Shamba Ledger"
        while end > start and (tokens[end - 1].tag_ in _TRAILING_DROP_TAGS and not tokens[end - 1].is_title  # "PlayStation Plus", "Octopus Go"
                               or tokens[end - 1].is_punct or tokens[end - 1].text in {"'s", "’s", "'"}
                               or (end - start > 1 and tokens[end - 1].is_lower and tokens[end - 1].pos_ in ("NOUN", "PROPN")
                                   and not _hyphen_joined(tokens, end - 1))):
            end -= 1  # ... and a common noun after the name: "the Halo Companion app" (not the end of "Yoon Seo-jin")
        title_start = end
        while title_start - start > 1 and tokens[title_start - 1].lower_ in self.title_parts and tokens[title_start - 1].is_title:
            title_start -= 1
        if title_start < end and any(t.lower_ in self.title_words for t in tokens[title_start:end]):
            end = title_start  # ... and a title after it: "Summit & Pine Chief Executive" (Jonah Reyes)
        if start >= end:
            return None
        trimmed = span.doc[span.start + start:span.start + end]
        kept = tokens[start:end]  # the trimmed span's tokens, not made again by iterating it
        text = trimmed.text
        if sum(ch.isalpha() for ch in text) < 2 or text in self.acronyms:
            return None
        if all(t.is_lower or t.is_punct or t.like_num for t in kept):
            return None
        if all(t.pos_ == "PRON" or t.is_stop for t in kept):
            return None
        if end < len(tokens) and all(t.tag_ in ("JJ", "JJR", "JJS") for t in kept):
            return None  # the adjective left of a description is no name: "Swedish" of "Swedish bank"
        if all(t.lower_ in self.title_words or t.is_punct for t in kept):
            return None  # a bare job title ("President", "Gov.") is not a name
        after = span.doc[trimmed.end] if trimmed.end < len(span.doc) else None
        if after is not None and after.lower_ in self.title_words and all(t.lower_ in self.title_parts for t in kept):
            return None  # ... nor part of one ("Financial" in "Chief Financial Officer")
        if all(t.ent_type_ in _VALUE_ENTITY_TYPES for t in kept) or _MONTH_DAY.match(text):
            return None  # "Monday", "March", "Aug 2": dates and numbers are literals, not names
        if kept[0].text in self.round_words and len(kept) <= 2:
            return None  # a funding round ("Series C") is not an entity
        return trimmed

    def refine(self, span: Span, cls: str) -> str:
        """Correct a class guess from the span's form and its noun phrase.

        An organisational suffix ("Labs", "Inc.") makes an Organization; a
        descriptive head noun beside the name, as apposition ("Le Chat, a
        consumer assistant") or as modifier ("the startup Mistral AI"), gives
        that noun's class.
        """
        if len(span) > 1 and span[-1].text in self.org_suffixes:
            return "Organization"
        if len(span) > 1 and span[-1].text in self.place_suffixes:
            return "Place"
        if len(span) > 1 and span[-1].text in self.event_suffixes:
            return "Event"  # "the Farnborough Airshow", "Nairobi Fintech Week"
        root = span.root
        if any(c.dep_ == "relcl" and any(g.lower_ in ("who", "whom") for g in c.children) for c in root.children):
            return "Person"  # "Alston, who built his fortune ..."
        if any(c.dep_ in ("compound", "nmod", "amod") and c.i < span.start and c.lower_ in self.person_nouns for c in root.children):
            return "Person"  # "freight billionaire Gregory Alston"
        if len(span) > 1 and any(c.dep_ == "appos" and c.lemma_.lower() in self.title_words for c in root.children):
            return "Person"  # "Sofía Arancibia, Codelco's vice president"
        if len(span) > 1 and span.start >= 2 and all(t.is_title for t in span) and span.doc[span.start - 1].lower_ in self.job_words \
                and span.doc[span.start - 2].is_title and span.doc[span.start - 2].pos_ == "PROPN":
            return "Person"  # "Breakthrough Energy Ventures partner Nadia Harlow": a full name after an employer and a job title
        if root.dep_ == "pobj" and root.head.lower_ == "near":
            return "Place"  # "the coast near Taltal"
        if root.dep_ == "pobj" and root.head.lower_ == "of" and self.head_classes.get(root.head.head.lemma_.lower()) == "Place" \
                and root.head.head.pos_ == "NOUN":
            return "Place"  # "the island of Crete", "the port of Rotterdam"
        kind = self.example_of(root)
        if kind is not None:
            return kind  # "islands such as Mykonos, Santorini and Crete", "carmakers including BYD"
        after = span.doc[span.end] if span.end < len(span.doc) else None
        owned = span.start > 0 and span.doc[span.start - 1].tag_ == "POS"
        if after is not None and after.is_lower and after.pos_ == "NOUN" and after.lemma_.lower() in self.head_classes \
                and (owned or not (cls == "Place" and self.head_classes[after.lemma_.lower()] == "Organization")):
            # "the Halo Companion app", "Volkswagen's Traton unit", "Llama models"; but a place before a kind of company stays one:
            # "U.S. chipmaker X"
            return self.kind_class(after, cls)
        heads = [t for t in root.children if t.dep_ in ("appos", "compound") and t.i < span.start or t.dep_ == "appos"]
        if root.dep_ == "appos" and span.start >= 2 and span.doc[span.start - 1].text == "," and root.head.i == span.start - 2:
            heads.append(root.head)  # "the assistant, Le Chat"
        heads += self.apposition_by_form(span) + (self.role_nouns(root) if cls != "Person" else [])  # a person "as the soldier" plays a role
        for noun in heads:
            if cls == "Person" and len(span) > 1 and noun.i < span.start and noun.lemma_.lower() in self.job_heads:
                continue  # "former Sky Sports producer Niamh Doherty": a full name after a job, not a company ("data firm Tembo Insights")
            if noun.pos_ == "NOUN" and noun.lemma_.lower() in self.head_classes:
                return self.kind_class(noun, cls)
        if span.text in self.known_places and (cls in ("Organization", "Product", UNKNOWN)
                                               or cls == "Person" and len(span) == 1 and self.after_place_preposition(root)):
            return "Place"  # "routes between Gothenburg, Oslo and Copenhagen", "moving into Brno", "flights to Bogotá": nothing here says otherwise
        return cls

    def kind_class(self, noun: Token, cls: str) -> str:
        """The class a noun of kind (``head_classes``) gives the name it describes, ``cls`` being the name's class so far:
        a "model" or "system" in a document about AI (a word of AI other than "model") is an AI model; another product
        stays the product or AI model it is."""
        head_cls = self.head_classes[noun.lemma_.lower()]
        if head_cls == "Product" and noun.lemma_.lower() in ("model", "system") and self.ai_context(noun.doc, self.ai_topic_words):
            return "AIModel"
        if head_cls == "Product" and cls in ("Product", "AIModel"):
            return cls
        return head_cls

    @staticmethod
    def apposition_by_form(span: Span) -> list[Token]:
        """The head of "NAME, a/an ..." when the parser did not make it an apposition ("data from AI.cc, an AI API
        aggregation platform analyzing ...", where "platform" became a subject)."""
        doc = span.doc
        if span.end + 1 >= len(doc) or doc[span.end].text != "," or doc[span.end + 1].lower_ not in ("a", "an"):
            return []
        after = doc[span.end + 1:max(span.end + 1, span.sent.end)]
        return [chunk.root for chunk in after.noun_chunks if chunk.start == span.end + 1 and chunk.root.head.i != span.root.i]

    @staticmethod
    def role_nouns(root: Token) -> list[Token]:
        """The noun after "as" that says what a named thing is: "launching Orvane as a closed model", "Orvane was
        launched as a closed model" (not "such as", which lists examples)."""
        owners = [root] + ([root.head] if root.dep_ in ("dobj", "nsubjpass") else [])
        return [obj for owner in owners for prep in owner.children
                if prep.dep_ == "prep" and prep.lower_ == "as" and not any(c.lower_ == "such" for c in prep.children)
                for obj in prep.children if obj.dep_ == "pobj"]

    @staticmethod
    def after_place_preposition(token: Token) -> bool:
        """Whether ``token`` (or the first name of the list it is in) is the object of "to", "from", "in" and the like."""
        token = _first_of_list(token)
        return token.dep_ == "pobj" and token.head.lower_ in _PLACE_PREPOSITIONS

    def example_of(self, token: Token) -> str | None:
        """The class of the noun a name is given as an example of ("islands such as Mykonos and Crete"), if it names one."""
        token = _first_of_list(token)
        prep = token.head
        if token.dep_ != "pobj" or not introduces_examples(prep):
            return None
        noun = prep.head
        return self.head_classes.get(noun.lemma_.lower()) if noun.pos_ == "NOUN" else None

    def ai_context(self, doc: Doc, words: set[int] | None = None) -> bool:
        """Whether the document is about AI (so versioned names are AI models): it says one of ``words`` (hashes of
        lower-case words; default ``ai_words``)."""
        return not (self.ai_words if words is None else words).isdisjoint(doc.to_array(LOWER).tolist())
