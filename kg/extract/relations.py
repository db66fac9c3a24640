"""The ``kg_relations`` spaCy component: typed relations from the dependency parse.

Every rule walks the parse of one sentence and links two mentions from
``doc.spans["kg_mentions"]``. Trigger words, titles and confidences come from
the lexicon (``ontology/lexicon.json``); a rule proposes one or more candidate
properties, and :mod:`kg.extract.resolve` keeps the first whose domain and range
fit the resolved entity classes. Results land in ``doc._.kg_relations``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Any, Iterator

from spacy.attrs import LEMMA, LOWER, POS
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.symbols import AUX, VERB
from spacy.tokens import Doc, Span, Token

from kg.extract.mentions import MENTIONS_KEY, SOURCES_KEY, introduces_examples
from kg.extract.model import UNKNOWN
from kg.extract.places import regions
from kg.ontology import load_lexicon

__all__ = ["ANAPHOR_PREFIX", "CandidateRelation", "RelationFinder"]

_RELATIVE_PRONOUNS = {"which", "that", "who", "whom"}
#: Label prefix of an anaphor span ("it", "the company"): the classes it may refer to follow it.
ANAPHOR_PREFIX = "ANAPHOR:"
_SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
_INHERIT_DEPS = {"xcomp", "advcl", "conj", "pcomp", "acl", "acomp"}
#: How the person named to a role hangs from the naming verb ("named Ocampo (as) its chief executive"; "oprd" when misparsed).
_ROLE_OBJECT_DEPS = ("dobj", "oprd")
#: The words "X-based" relations hang from ("Paris-based"), as hashes of the LOWER attribute.
_BASED_WORDS = {get_string_id(word) for word in ("based", "headquartered")}

if not Doc.has_extension("kg_relations"):
    Doc.set_extension("kg_relations", default=None)


def _clause_of(noun: Token) -> Token | None:
    """The verb a prepositional object hangs from, directly or through one more prepositional object ("competes for customers with rivals")."""
    head = noun.head.head
    if head.pos_ not in ("VERB", "AUX") and head.dep_ == "pobj" and head.head.dep_ == "prep":
        head = head.head.head
    return head if head.pos_ in ("VERB", "AUX") else None


#: Dependencies that open a clause of its own, with its own money and dates ("Wolt, which DoorDash bought for $8 billion").
_OWN_CLAUSE_DEPS = {"relcl", "advcl", "ccomp", "csubj", "parataxis"}


def _in_nested_clause(token: Token, trigger: Token) -> bool:
    """Whether ``token``, in the subtree of ``trigger``, sits in a clause of its own below it."""
    while token.i != trigger.i and token.head.i != token.i:
        if token.dep_ in _OWN_CLAUSE_DEPS:
            return True
        token = token.head
    return False


def _infinitive_owners(verb: Token) -> list[Token]:
    """The possessor of the noun ``verb`` is the infinitive of, who is the verb's subject: "Meta's intention to compete
    with OpenAI", "its decision to buy Y"."""
    head = verb.head
    if verb.dep_ != "acl" or head.pos_ != "NOUN" or not any(c.dep_ == "aux" and c.tag_ == "TO" for c in verb.children):
        return []
    return [c for c in head.children if c.dep_ == "poss"]


def _apposition_host(appos: Token) -> Token:
    """What an apposition describes: the word just before its comma ("Nvidia, Swisscom Ventures and Alpenhorn Capital,
    a Geneva-based fund": Capital), which the parser often hangs on the first name of a list instead."""
    left = appos.left_edge.i
    doc = appos.doc
    if left >= 2 and doc[left - 1].text == "," and doc[left - 2].pos_ == "PROPN" and doc[left - 2] in appos.head.subtree:
        return doc[left - 2]
    return appos.head


@dataclass(frozen=True)
class CandidateRelation:
    """A relation between two mention spans, before entity resolution.

    ``predicates`` lists candidate properties in order of preference; the first
    one whose domain and range fit the entities' classes is kept.
    """

    subject: Span
    predicates: tuple[str, ...]
    object: Span
    sentence: Span
    rule: str
    confidence: float
    trigger: str | None = None
    amount: str | None = None
    date: str | None = None
    class_votes: bool = True
    vote_only: frozenset[str] = frozenset()  # predicates that may decide the arguments' classes but are not stated
    argument_classes: frozenset[str] = frozenset()  # both arguments must be of one of these (empty: domain and range decide)


@Language.factory("kg_relations", default_config={"lexicon_path": None})
def make_relation_finder(nlp: Language, name: str, lexicon_path: str | None) -> "RelationFinder":
    """Build the relation finder from the lexicon (``ontology/lexicon.json`` by default)."""
    return RelationFinder(name, lexicon=load_lexicon(lexicon_path))


class RelationFinder:
    """Find candidate relations in each sentence; see the module docstring."""

    def __init__(self, name: str, *, lexicon: dict[str, Any]) -> None:
        self.name = name
        # a verb with more than one sense has a list of entries ("work for" and "work with")
        self.verbs: dict[str, list[dict[str, Any]]] = {lemma: entry if isinstance(entry, list) else [entry]
                                                        for lemma, entry in lexicon["verbs"].items()}
        self.nouns: dict[str, dict[str, Any]] = lexicon["nouns"]
        self.adjectives: dict[str, dict[str, Any]] = lexicon["adjectives"]
        self.titles: dict[str, str] = lexicon["titles"]
        self.title_modifiers: dict[str, str] = lexicon["title_modifiers"]
        self.function_words = frozenset(lexicon["function_words"])
        self.owner_first = tuple(lexicon["possessives"]["owner_first"])
        self.owned_first = tuple(lexicon["possessives"]["owned_first"])
        self.corporate_titles = set(lexicon["corporate_titles"]["titles"])
        self.office_titles = set(lexicon["corporate_titles"]["not_residence"])
        self.role_verbs: dict[str, list[str]] = {k: v for k, v in lexicon["role_verbs"].items() if not k.startswith("_")}
        self.hypothetical = set(lexicon["hypothetical_lemmas"])
        self.open_skip = set(lexicon["open_relation_skip"])
        self.modifier_predicates = tuple(lexicon["modifier_predicates"])
        self.prepositions: dict[str, list[str]] = {k: v for k, v in lexicon["prepositions"].items() if not k.startswith("_")}
        self.agent_prepositions: dict[str, list[str]] = {k: v for k, v in lexicon["agent_prepositions"].items() if not k.startswith("_")}
        self.anaphors: dict[str, list[str]] = lexicon["anaphors"]
        self.org_heads = set(lexicon["org_heads"])
        self.place_heads = set(lexicon["place_heads"])
        self.product_heads = set(lexicon["product_heads"])
        self.regions = regions()
        self.kind_nouns = set(self.anaphors) | self.product_heads | self.org_heads
        self.confidence: dict[str, float] = lexicon["confidence"]
        self.funding: dict[str, Any] = lexicon["funding"]
        self.area_words = set(lexicon["area_words"])
        self.home_words = set(lexicon["home_words"])
        self.instrument_nouns = set(lexicon["instrument_nouns"])
        # a word that is no verb can start a rule only with one of these lemmas (see _sentence)
        self.trigger_lemmas = {*self.funding["round_nouns"], *self.funding["join_verbs"], *self.funding["raise_verbs"], *self.nouns,
                               *self.adjectives}
        self.lowered_lemmas: dict[int, str] = {}  # lemma hash -> lemma in lower case, each lemma lowered once ever

    def __call__(self, doc: Doc) -> Doc:
        doc._.kg_relations = list(self.find(doc))
        return doc

    # ------------------------------------------------------------------ arguments

    def find(self, doc: Doc) -> Iterator[CandidateRelation]:
        """Every candidate relation of ``doc``."""
        mentions = list(doc.spans[MENTIONS_KEY])
        at = {i: m for m in mentions for i in range(m.start, m.end)}
        by_sentence: dict[int, list[Span]] = {}
        sentences = list(doc.sents)
        starts = [s.start for s in sentences]
        for mention in mentions:
            by_sentence.setdefault(bisect_right(starts, mention.start) - 1, []).append(mention)
        raisers: list[tuple[Span, bool]] = []  # the company of the latest funding round, for "Y also took part"
        triggers = self._may_trigger(doc)
        for index, sent in enumerate(sentences):
            yield from self._sentence(sent, at, by_sentence.get(index, []), raisers, triggers)
        sources = list(doc.spans.get(SOURCES_KEY, []))
        for place, name in zip(sources[::2], sources[1::2]):  # "Moscow ITAR-TASS in English": published in Moscow
            if at.get(place.start) == place and at.get(name.start) == name:
                yield self._make((name, False), ("basedIn",), (place, False), place.sent, "source_line", "source_line", None, (None, None))

    def _argument(self, token: Token, at: dict[int, Span]) -> tuple[Span | None, bool]:
        """The mention a token stands for, and whether it was reached through an anaphor."""
        if token.i in at:
            return at[token.i], False
        lower = token.lower_
        if lower == "whose":
            clause = next((t for t in token.ancestors if t.dep_ == "relcl"), None)
            return self._argument(clause.head, at) if clause is not None else (None, False)  # "Brennwerk, whose Kinetix platform"
        if lower in _RELATIVE_PRONOUNS and token.head.dep_ == "relcl":
            antecedent = token.head.head
            if antecedent.i not in at and antecedent.pos_ == "NOUN" and (
                    antecedent.dep_ == "attr" or antecedent.dep_ == "dobj" and antecedent.lemma_.lower() in self.instrument_nouns):
                # "X was the gunman who killed Y": X; "X fired the shots that killed Y": X
                doers = [c for c in antecedent.head.children if c.dep_ == "nsubj"]
                if doers:
                    return self._argument(doers[0], at)
            return self._argument(antecedent, at)
        # "the startup Mistral AI", "Pelican Ridge Capital, a Denver firm that ...": a noun in apposition
        for child in token.children:
            if child.dep_ == "appos" and child.i in at:
                return at[child.i], False
        host = _apposition_host(token) if token.dep_ == "appos" else None
        if host is not None and host.i in at:
            return at[host.i], False
        for child in token.children:
            # "the tariff, called Octave Drive", "a model dubbed Lumen"
            if child.dep_ == "acl" and child.lemma_.lower() in ("call", "name", "dub", "brand"):
                named = [g for g in child.children if g.dep_ in ("oprd", "dobj", "attr") and g.i in at]
                if named:
                    return at[named[0].i], False
        if token.i - 1 in at and token.doc[token.i - 1].head == token and token.lemma_.lower() in self.kind_nouns:
            return at[token.i - 1], False  # "the My BMW app", "Volkswagen's Traton unit": the name before the noun naming its kind
        left = token.left_edge.i
        if token.pos_ in ("NOUN", "PROPN") and left >= 2 and token.doc[left - 1].text == "," and left - 2 in at:
            return at[left - 2], False  # an apposition the parser attached elsewhere: "Scale AI, the start-up he founded"
        classes = self.anaphors.get(lower) if token.pos_ == "PRON" else None
        if classes is None and (token.pos_ == "NOUN" or token.is_lower) and any(c.lower_ in ("the", "this", "that") for c in token.children):
            classes = self.anaphors.get(token.lemma_.lower())
        if classes is None:
            return None, False
        return self._anaphor(token, classes), True

    @staticmethod
    def _anaphor(token: Token, classes: list[str]) -> Span:
        """An anaphor, resolved to an entity after classes are known (kg.extract.resolve); the span carries the classes."""
        return Span(token.doc, token.i, token.i + 1, label=ANAPHOR_PREFIX + "|".join(classes))

    def _arguments(self, tokens: list[Token], at: dict[int, Span]) -> list[tuple[Span, bool]]:
        found = []
        for token in tokens:
            for t in [token, *token.conjuncts]:
                mention, anaphor = self._argument(t, at)
                if mention is None and not anaphor:
                    found += [m for m in self._examples(t, at) if all(m[0] != f for f, _ in found)]
                elif mention is not None and all(mention != m for m, _ in found):
                    found.append((mention, anaphor))
                    found += [(m, False) for m in self._nested_partners(mention, at) if all(m != f for f, _ in found)]
        return found

    @staticmethod
    def _nested_partners(mention: Span, at: dict[int, Span]) -> list[Span]:
        """The names joined to ``mention`` by "and" or a comma that the parser nested inside it as modifiers:
        "the Scottish National Investment Bank and Forth Valley Ventures", parsed as one noun phrase."""
        doc, found, end = mention.doc, [], mention.start
        while end >= 2 and doc[end - 1].lower_ in ("and", ",") and (end - 2) in at:
            partner = at[end - 2]
            if partner.end != end - 1 or not (mention.start <= partner.root.head.i < mention.end):
                break
            found.append(partner)
            end = partner.start
        return found

    def _examples(self, noun: Token, at: dict[int, Span]) -> list[tuple[Span, bool]]:
        """"larger carriers such as Maersk and Hapag-Lloyd", "carmakers including BYD": the names that stand for a noun."""
        if noun.pos_ != "NOUN":
            return []
        preps = [c for c in noun.children if c.dep_ == "prep" and introduces_examples(c)]
        preps += [c for c in noun.children if c.lower_ == "such" and c.i + 1 < len(noun.doc) and noun.doc[c.i + 1].lower_ == "as"
                  and noun.doc[c.i + 1].head == noun]
        names = [g for p in preps for o in p.children if o.dep_ == "pobj" for g in (o, *o.conjuncts)]
        found = [(at[g.i], False) for g in names if g.i in at]
        if not found:
            # "a small field of launch developers, including Isar Aerospace": the names of the noun after "of"
            found = [m for c in noun.children if c.dep_ == "prep" and c.lower_ == "of" for o in c.children if o.dep_ == "pobj"
                     for m in self._examples(o, at)]
        return found

    @staticmethod
    def _prep_objects(token: Token, preps: list[str]) -> list[Token]:
        objects = []
        for child in token.children:
            if child.dep_ in ("prep", "agent", "dative") and child.lower_ in preps:
                # "agreements with Volvo Cars and with Scania": coordinated prepositions too
                for prep in [child, *(c for c in child.conjuncts if c.lower_ in preps)]:
                    objects += [g for g in prep.children if g.dep_ in ("pobj", "pcomp")]
        return objects

    def _negated(self, token: Token) -> bool:
        """Negated or hypothetical: 'did not acquire', 'denied plans to acquire'."""
        for t in [token, *token.ancestors]:
            if any(c.dep_ == "neg" for c in t.children) or (t is not token and t.lemma_.lower() in self.hypothetical):
                return True
            if t.dep_ not in _INHERIT_DEPS | {"ccomp"}:
                break
        return False

    @staticmethod
    def _subject_tokens(verb: Token, deps: set[str]) -> list[Token]:
        """The verb's own subject, or the one it inherits from the verb it depends on."""
        current = verb
        for step in range(3):
            subjects = [c for c in current.children if c.dep_ in deps]
            if subjects:
                return subjects
            # a subject the small parser attached as a left modifier ("Apple competes" as compound)
            subjects = [c for c in current.children if c.dep_ in ("compound", "npadvmod") and c.i < current.i and c.pos_ in ("PROPN", "NOUN")]
            if subjects:
                return subjects
            owners = _infinitive_owners(current)
            if owners:
                return owners  # "Meta's intention to compete with OpenAI": Meta is the one to compete
            if current.dep_ in ("acl", "relcl") and current.head.pos_ in ("PROPN", "NOUN") and (deps != _SUBJECT_DEPS or step > 0):
                # "Siemens, having partnered with Nvidia": the noun it modifies; so too for a verb it depends on:
                # "Adamson, convicted of murdering Bolles"
                return [current.head]
            if current.dep_ == "pcomp" and current.head.dep_ == "prep":
                current = current.head.head
                if current.pos_ in ("NOUN", "PROPN"):
                    return [current]  # "sniper X of killing Y"
                # "the jury convicted X of killing Y": the governing verb's object is the doer
                objects = [c for c in current.children if c.dep_ == "dobj"]
                if objects:
                    return objects
            elif current.dep_ in _INHERIT_DEPS and current.head.pos_ in ("VERB", "AUX"):
                current = current.head
            else:
                break
            deps = _SUBJECT_DEPS  # an inherited subject may be passive: "X was convicted of killing Y"
        return []

    def _literals(self, token: Token, sent: Span) -> tuple[str | None, str | None]:
        """The money amount and date tied to a trigger: in its subtree, else in its clause.

        Not from a clause of their own inside it: "in competition with Wolt, which DoorDash bought
        for $8 billion" gives the competition no amount.
        """
        amount = date = None
        scope = list(token.subtree) if token.pos_ == "NOUN" else [c for c in token.subtree if c.head == token or c.head.head == token or c.head.head.head == token]
        for t in scope:
            if _in_nested_clause(t, token):
                continue
            if t.ent_type_ == "MONEY" and amount is None:
                amount = self._ent_text(t)
            if t.ent_type_ == "DATE" and date is None:
                date = self._ent_text(t)
        return amount, date

    @staticmethod
    def _ent_text(token: Token) -> str:
        for ent in token.doc.ents:
            if ent.start <= token.i < ent.end:
                return ent.text
        return token.text

    # ------------------------------------------------------------------ rules

    def _may_trigger(self, doc: Doc) -> list[bool]:
        """Which tokens of ``doc`` may start a rule in :meth:`_sentence`: verbs, "based" and words with a trigger lemma.

        Read from the doc's arrays, so the many tokens that cannot are never made into :class:`Token` objects.
        """
        strings, lowered = doc.vocab.strings, self.lowered_lemmas
        rows = doc.to_array([POS, LEMMA, LOWER]).tolist()
        for lemma in {lemma for _, lemma, _ in rows if lemma not in lowered}:
            lowered[lemma] = strings[lemma].lower()
        return [pos == VERB or pos == AUX or lower in _BASED_WORDS or lowered[lemma] in self.trigger_lemmas for pos, lemma, lower in rows]

    def _sentence(self, sent: Span, at: dict[int, Span], local: list[Span], raisers: list[tuple[Span, bool]],
                  triggers: list[bool]) -> Iterator[CandidateRelation]:
        doc = sent.doc
        for token in [doc[i] for i in range(sent.start, sent.end) if triggers[i]]:
            lemma = token.lemma_.lower()
            if (lemma in self.funding["round_nouns"] and token.pos_ == "NOUN" or lemma in self.funding["join_verbs"] and token.pos_ == "VERB"
                    or lemma in self.funding["raise_verbs"] and token.pos_ == "VERB" and self._raises_money(token)):
                yield from self._funding(token, lemma, sent, at, raisers)
            if token.pos_ in ("VERB", "AUX") and token.tag_ != "MD":
                yield from self._verb(token, lemma, sent, at)
            elif token.pos_ in ("NOUN", "PROPN") and lemma in self.nouns:
                yield from self._noun(token, lemma, sent, at)
            elif token.pos_ == "ADJ" and lemma in self.adjectives:
                yield from self._adjective(token, lemma, sent, at)
            if token.lower_ in ("based", "headquartered") and token.dep_ == "amod":
                yield from self._x_based(token, sent, at)
        yield from self._titles_and_possessives(sent, at, local)


    def _make(self, subject: tuple[Span, bool], predicates: tuple[str, ...], obj: tuple[Span, bool], sent: Span,
              rule: str, conf_key: str, trigger: str | None, literals: tuple[str | None, str | None]) -> CandidateRelation:
        confidence = self.confidence[conf_key]
        if subject[1] or obj[1]:
            confidence *= self.confidence["anaphor_penalty"]
        return CandidateRelation(subject[0], predicates, obj[0], sent, rule, round(confidence, 3), trigger, *literals)

    def _verb(self, verb: Token, lemma: str, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        if self._negated(verb):
            return
        entries = self.verbs.get(lemma)
        if entries is None and lemma.startswith("co-"):
            entries = self.verbs.get(lemma[3:])
        # "Hollow Pine, co-founded in 2014 by A and B, both former developers at Rovio": a participle with an agent is passive
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children) or (verb.tag_ == "VBN" and verb.dep_ in ("acl", "relcl") and (
            any(c.dep_ == "agent" for c in verb.children) or not any(c.dep_ in ("nsubj", "dobj") for c in verb.children)))
        if entries is None:
            yield from self._open(verb, lemma, sent, at, passive)
            return
        for entry in entries:
            yield from self._verb_sense(verb, lemma, entry, sent, at, passive)

    def _verb_sense(self, verb: Token, lemma: str, entry: dict[str, Any], sent: Span, at: dict[int, Span],
                    passive: bool) -> Iterator[CandidateRelation]:
        """The relations one sense of a trigger verb gives ("work for" or "work with")."""
        particle = entry.get("particle")
        if particle and not any(c.dep_ == "prt" and c.lower_ == particle for c in verb.children) and particle not in entry["preps"]:
            return
        preps = entry["preps"]
        agent_objects = self._prep_objects(verb, ["by"])
        if passive and not preps:
            subjects = agent_objects
            objects = [c for c in verb.children if c.dep_ == "nsubjpass"]
            if verb.dep_ in ("acl", "relcl") and not objects:
                objects = [verb.head]
            rule = "verb_passive"
        else:
            if entry.get("object_is_subject") and not passive:
                subjects = [c for c in verb.children if c.dep_ == "dobj"]  # "Halvard sells Sentinel through AWS Marketplace"
            else:
                subjects = self._subject_tokens(verb, _SUBJECT_DEPS if passive else {"nsubj"})
            if passive and verb.dep_ in ("acl", "relcl") and not subjects:
                subjects = [verb.head]
            objects = self._prep_objects(verb, preps) if preps else [c for c in verb.children if c.dep_ in ("dobj", "attr")]
            if not objects and not preps:
                # "Ruby shot and mortally wounded Oswald": the object of the coordinated verb
                objects = [c for conj in verb.conjuncts if conj.i > verb.i for c in conj.children if c.dep_ == "dobj"][:1]
            if not objects and not preps and (verb.dep_ == "relcl" or verb.dep_ == "acl" and any(c.dep_ == "nsubj" for c in verb.children)):
                objects = [verb.head]  # "the platform Gulfstone developed", "Remix Studio, a feature Lyrafy launched" (parsed acl)
            # "co-founded Y with A and B": A and B are founders too
            subjects = subjects + self._prep_objects(verb, entry.get("co_subject_preps", []))
            rule = "verb_relative" if verb.dep_ == "relcl" else "verb_passive" if passive else "verb"
        if entry.get("inverse"):
            subjects, objects = objects, subjects
        literals = None  # read only for a relation found: most verbs give none
        for subj in self._arguments(subjects, at):
            for obj in self._arguments(objects, at):
                if subj[0] != obj[0]:
                    literals = literals or self._literals(verb, sent)
                    candidate = replace(self._make(subj, (entry["property"],), obj, sent, f"{rule}:{lemma}", rule, lemma, literals),
                                        class_votes=entry.get("class_votes", True), argument_classes=frozenset(entry.get("argument_classes", ())))
                    yield candidate
                    if entry.get("inverse_properties"):
                        # "Qwen comes from Alibaba": read the other way, Alibaba developed Qwen
                        yield replace(candidate, subject=obj[0], object=subj[0], predicates=tuple(entry["inverse_properties"]),
                                      class_votes=False)

    def _open(self, verb: Token, lemma: str, sent: Span, at: dict[int, Span], passive: bool) -> Iterator[CandidateRelation]:
        """Subject-verb-object between two named mentions that no trigger maps: ``relatedTo``."""
        if passive or lemma in self.open_skip or verb.pos_ != "VERB":
            return
        subjects = [(m, a) for m, a in self._arguments([c for c in verb.children if c.dep_ == "nsubj"], at) if not a]
        objects = [(m, a) for m, a in self._arguments([c for c in verb.children if c.dep_ == "dobj"], at) if not a]
        for subj in subjects:
            for obj in objects:
                if subj[0] != obj[0]:
                    yield self._make(subj, ("relatedTo",), obj, sent, f"open:{lemma}", "open", lemma, (None, None))

    def _noun(self, noun: Token, lemma: str, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        """Nominal triggers: "Meta's $14.3 billion investment in Scale AI", "the acquisition of B by A"."""
        entry = self.nouns[lemma]
        if noun.dep_ in ("dobj", "nsubjpass") and self._negated(noun.head):
            return  # "did not sign a partnership", "had considered buying a stake"
        # "Meta's investment", "the Kennedy slaying" (a common-noun compound such as "supply agreement" is no party)
        modifiers = [c for c in noun.children if (c.dep_ == "poss" or c.dep_ == "compound" and c.i in at) and c.i < noun.i]
        objects = self._prep_objects(noun, entry["preps"])
        if entry.get("possessor_is_object"):
            # "Kennedy's killing", "the Kennedy slaying": the possessor is the one it happened to
            objects, modifiers = objects + modifiers, []
        elif entry.get("possessor_is_whole"):
            # "Volkswagen's Traton unit", "Traton, Volkswagen's truck unit": the possessor is the whole, a name before the noun the
            # part; a pronoun or a noun as possessor ("its division", "the university's arm") is left alone, too often resolved wrong
            objects += [c for c in modifiers if c.dep_ == "poss" and c.pos_ == "PROPN"]
            modifiers = [c for c in modifiers if c.dep_ != "poss"]
            if not modifiers and noun.dep_ not in ("appos", "attr"):
                return  # "folds Brennwerk into its division": no part named
        if entry.get("names_the_other_party"):
            objects += self._named_party(noun)
        subjects = modifiers + self._prep_objects(noun, ["by"])
        if not subjects and entry.get("names_the_subject"):
            subjects = self._named_party(noun)  # "Tesela's backers, including Seaya Ventures", "Seaya, an investor in Tesela"
        if not subjects and noun.dep_ == "pobj" and entry.get("possessor_is_object"):
            subjects = self._subject_tokens(noun.head.head, _SUBJECT_DEPS) if noun.head.dep_ == "prep" else []
        elif not subjects and noun.dep_ == "appos":
            subjects = [_apposition_host(noun)]
        elif not subjects and noun.dep_ == "dobj":
            subjects = self._subject_tokens(noun.head, {"nsubj"})  # "Halvorsen signed a partnership with Kaneda"
        elif not subjects and noun.dep_ == "attr":
            subjects = [c for c in noun.head.children if c.dep_ == "nsubj"]
        elif not subjects and noun.dep_ == "pobj" and (clause := _clause_of(noun)) is not None:
            # "puts Nordvik in competition with ...", "is in talks with ...", "competes for customers with rivals
            # including ...": the clause's object or subject
            subjects = [c for c in clause.children if c.dep_ == "dobj"] or [c for c in clause.children if c.dep_ == "nsubj"]
        if not objects:
            # "deals that Lyrafy struck with Universal Music Group": the parties are the relative clause's
            for clause in (c for c in noun.children if c.dep_ == "relcl"):
                objects = self._prep_objects(clause, entry["preps"])
                if objects:
                    subjects = [c for c in clause.children if c.dep_ == "nsubj"] or subjects
        literals = None
        for subj in self._arguments(subjects, at):
            for obj in self._arguments(objects, at):
                if subj[0] != obj[0]:
                    literals = literals or self._literals(noun, sent)
                    yield self._make(subj, (entry["property"],), obj, sent, f"noun:{lemma}", "noun", lemma, literals)

    @staticmethod
    def _named_party(noun: Token) -> list[Token]:
        """The tokens a noun such as "rival" names: itself (for "rivals such as X"), or what it describes.

        "Spotify, its rival" and "Umicore, one of Cyclith's competitors" (apposition), "Orbex is a rival" (copula),
        "its rivals include Orbex", "its rival, Orbex".
        """
        stand = noun.head.head if noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.lower_ == "one" else noun
        if stand.dep_ == "appos":
            return [noun, _apposition_host(stand)]
        if stand.dep_ == "attr":
            return [noun, *(c for c in stand.head.children if c.dep_ == "nsubj")]
        if stand.dep_ == "nsubj" and stand.head.lemma_.lower() == "include":
            return [noun, *(c for c in stand.head.children if c.dep_ == "dobj")]  # "Tesela's backers include Seaya"
        return [noun, *(c for c in noun.children if c.dep_ == "appos")]  # "its largest shareholder, Kestrel Holdings"

    def _investors(self, token: Token, at: dict[int, Span]) -> list[Token]:
        """Investors hanging off a round or a raise: "led by Y", "with participation from Z", "from investors including Z"."""
        found = []
        for child in token.children:
            if child.lemma_.lower() in self.funding["lead_verbs"] and child.dep_ in ("acl", "relcl", "advcl", "conj"):
                found += self._prep_objects(child, ["by"])  # "a round led by Y", "co-led by Y"
            if child.dep_ == "prep" and child.lower_ in ("with", "from", "by"):
                for obj in (g for g in child.children if g.dep_ == "pobj"):
                    if obj.i in at:
                        found.append(obj)  # "raised $9 million from Y"
                    elif obj.lemma_.lower() in self.funding["investor_nouns"]:
                        found += self._prep_objects(obj, ["from", "by", *self.funding["listing_preps"]])
        return found

    def _raises_money(self, verb: Token) -> bool:
        """"raised $120 million from ...", with no round named: the verb itself carries the investors."""
        objects = [c for c in verb.children if c.dep_ == "dobj"] + self._prep_objects(verb, ["in"])
        return any(t.ent_type_ == "MONEY" for o in objects if o.dep_ == "dobj" for t in o.subtree) and not any(
            o.lemma_.lower() in self.funding["round_nouns"] for o in objects)

    def _funding(self, token: Token, lemma: str, sent: Span, at: dict[int, Span], raisers: list[tuple[Span, bool]]) -> Iterator[CandidateRelation]:
        """Investors in a funding round: see ``funding`` in the lexicon."""
        head = token.head
        raise_verb = head if token.dep_ in ("dobj", "nsubjpass") else head.head if token.dep_ == "pobj" else None
        if token.pos_ == "VERB" and lemma in self.funding["raise_verbs"]:
            if self._negated(token):
                return
            investors, companies = self._investors(token, at), self._arguments(self._subject_tokens(token, {"nsubj"}), at)
            raise_verb = token
        elif token.pos_ == "VERB":
            # "Z also took part", "Z participated in the round": the latest round's company
            particle = self.funding["join_verbs"][lemma]
            if particle and not any(c.lower_ == particle and c.dep_ in ("dobj", "prt") for c in token.children):
                return
            objects = [o for o in self._prep_objects(token, ["in"]) if o.lemma_.lower() not in self.funding["round_nouns"]]
            if objects or self._negated(token):
                return
            investors, companies = self._subject_tokens(token, {"nsubj"}), list(raisers)
        else:
            if raise_verb is not None and self._negated(raise_verb):
                return
            companies = self._arguments([c for c in token.children if c.dep_ in ("poss", "compound", "nmod") and c.i in at]
                                        + self._prep_objects(token, ["in", "into", "for"]), at)
            investors = self._investors(token, at)
            if raise_verb is not None and raise_verb.lemma_.lower() in self.funding["raise_verbs"]:
                companies = companies or self._arguments(self._subject_tokens(raise_verb, {"nsubj"}), at)
                investors += self._investors(raise_verb, at)
            if raise_verb is not None and raise_verb.lemma_.lower() in self.funding["lead_verbs"] and token.dep_ == "dobj":
                investors += self._subject_tokens(raise_verb, {"nsubj"})  # "Y led the round"
                companies = companies or list(raisers)
            if token.dep_ == "nsubj" and head.lemma_.lower() in self.funding["draw_verbs"] and not self._negated(head):
                investors += [c for c in head.children if c.dep_ == "dobj"]  # "the round also drew Y and Z"
                companies = companies or list(raisers)
        if companies and not companies[0][1] and token.lemma_.lower() not in self.funding["join_verbs"]:
            raisers[:] = companies[:1]
        literals = None
        for investor in self._arguments(investors, at):
            for company in companies:
                if investor[0] != company[0]:
                    literals = literals or self._literals(raise_verb if raise_verb is not None and token.pos_ != "VERB" else token, sent)
                    yield self._make(investor, ("investedIn",), company, sent, f"funding:{lemma}", "funding", lemma, literals)

    def _adjective(self, adj: Token, lemma: str, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        """Predicative adjectives: "Pulse will be available on SiteLink"."""
        if self._negated(adj) or self._negated(adj.head):
            return
        entry = self.adjectives[lemma]
        subjects = self._subject_tokens(adj.head, {"nsubj"}) if adj.dep_ in ("acomp", "amod") else []
        if adj.dep_ == "amod":
            subjects = [adj.head]
        objects = self._prep_objects(adj, entry["preps"])
        if adj.dep_ == "acomp":
            objects += self._prep_objects(adj.head, entry["preps"])  # "will be available from March through the app"
        for subj in self._arguments(subjects, at):
            for obj in self._arguments(objects, at):
                if subj[0] != obj[0]:
                    yield self._make(subj, (entry["property"],), obj, sent, f"adjective:{lemma}", "verb", lemma, (None, None))

    def _x_based(self, based: Token, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        """"the Paris-based startup Mistral AI": Mistral AI basedIn Paris."""
        places = [at[c.i] for c in based.children if c.i in at]
        # "Menlo Park, California-based Meta": based in the city too
        places += [at[p.start - 2] for p in places if p.start >= 2 and based.doc[p.start - 1].text == "," and p.start - 2 in at]
        head = based.head
        while head.i not in at and head.dep_ in ("compound", "amod", "nmod") and head.head != head:
            head = head.head
        org = at.get(head.i)
        if org in places:
            org = None  # "the San Jose, California-based company": the city is no company
        if org is None:
            org = next((at[c.i] for c in head.children if c.dep_ == "appos" and c.i in at), None)
        if org is None and head.dep_ == "appos":
            org = at.get(_apposition_host(head).i)
        if org is None and head.pos_ == "NOUN":
            org = at.get(head.i + 1)  # "the Paris-based startup Mistral AI", parsed as two nouns
        anaphor = False
        if org is None:
            org, anaphor = self._argument(head, at)  # "the Boston-based biotech": an anaphor
        following = based.doc[based.i + 1] if based.i + 1 < len(based.doc) else None
        if org is None and following is not None and following.pos_ == "NOUN":
            org, anaphor = self._argument(following, at)  # "the Osaka-based company rights", misparsed
        if org in places and head.pos_ == "NOUN" and head.lemma_.lower() in self.anaphors:
            org, anaphor = self._anaphor(head, self.anaphors[head.lemma_.lower()]), True  # "the San Jose, California-based company"
        for place in places:
            if org is not None and org != place:
                yield self._make((org, anaphor), ("basedIn",), (place, False), sent, "x_based", "x_based", "based", (None, None))

    def _title_property(self, title: Token) -> str | None:
        """The property a title noun gives its holder, read with the words that modify it."""
        modifiers = [c.lemma_.lower() for c in title.children if c.dep_ in ("amod", "compound")]
        return self._title_words_property(title.lemma_.lower(), title.lower_, modifiers)

    def _title_words_property(self, lemma: str, lower: str, modifiers: list[str]) -> str | None:
        """The property of a title given as words: its lemma and surface form, and its modifiers in order."""
        prop = self.titles.get(lemma) or self.titles.get(lower)
        if prop is None:
            return None
        if lemma == "officer" and "executive" not in modifiers:
            return prop  # a chief financial (technology, operating) officer works for the company; its chief executive leads it
        if not self.function_words.isdisjoint(modifiers):
            return "worksFor"  # "Hallvik's finance chief", "its marketing director": a function inside the company
        return next((self.title_modifiers[m] for m in modifiers if m in self.title_modifiers), prop)

    def _capitalised_title(self, mention: Span, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        """"Meridia Chief Executive Ignacio Valverde": a title in capitals, which the parser flattens into the name.

        The title words before the name that modify it, or the title word after them ("Chief" of "Executive"),
        are read as a title; the organisation just before them holds it.
        """
        doc, words, k = sent.doc, [], mention.start - 1
        while k >= sent.start and k not in at and doc[k].dep_ == "compound" and doc[k].is_title \
                and (mention.start <= doc[k].head.i <= mention.root.i or words and doc[k].head.i == words[0].i) \
                and (doc[k].lower_ in self.titles or doc[k].lower_ in self.title_modifiers or doc[k].lower_ in self.function_words):
            words.insert(0, doc[k])
            k -= 1
        holder = at.get(k)
        if not words or holder is None or holder.end != k + 1 or holder.label_ not in ("Organization", UNKNOWN):
            return
        title = words[-1]
        prop = self._title_words_property(title.lower_, title.lower_, [w.lower_ for w in words[:-1]])
        if prop is not None:
            yield self._make((mention, False), (prop,), (holder, False), sent, f"title:{title.lower_}", "title", title.lower_, (None, None))

    def _verb_roles(self, verb: Token) -> list[Token]:
        """The role a role verb gives: "is the CEO", "serves as chief executive", "was promoted to president"."""
        roles = [c for c in verb.children if c.dep_ in ("attr", "oprd") and c.pos_ == "NOUN"]
        return roles + self._prep_objects(verb, self.role_verbs.get(verb.lemma_.lower(), []))

    def _role_nouns(self, mention: Span, at: dict[int, Span]) -> list[tuple[Token, bool, Token | None]]:
        """Nouns naming a person's role, whether they sit beside the name (not in a clause), and the verb giving it.

        Roles given by a verb ("X serves as chief executive of Y") are read for names known to be people only.
        """
        root = mention.root
        roles: list[tuple[Token, bool, Token | None]] = [
            (c, True, None) for c in root.children if c.dep_ in ("compound", "appos", "nmod") and c.i not in at and c.i < root.i]
        roles += [(c, False, None) for c in root.children if c.dep_ == "appos" and c.i not in at and c.i > root.i]
        if root.dep_ == "appos" and root.head.i not in at:
            roles.append((root.head, False, None))
        head = root.head
        if root.dep_ == "conj" and head.i < root.i and head.i not in at and head.pos_ == "NOUN" and self._title_property(head) is not None \
                and any(c.i in at for c in head.children if c.dep_ in ("compound", "amod", "nmod", "poss")):
            roles.append((head, True, None))  # "Pixent co-founder and chief executive Yoon Seo-jin", parsed as a list of three
        verbs = [root.head] if root.dep_ in _ROLE_OBJECT_DEPS + ("nsubj", "nsubjpass") and mention.label_ == "Person" else []
        # "X bought the team and serves as its chairman": a coordinated verb without a subject of its own
        verbs += [c for v in verbs if root.dep_ not in _ROLE_OBJECT_DEPS for c in v.conjuncts if not any(g.dep_ in _SUBJECT_DEPS for g in c.children)]
        # "Lena Chen, who serves as chief executive of Acme"
        # (or of a noun in apposition: "X, a former engineer who ...")
        hosts = [root, *(c for c in root.children if c.dep_ == "appos" and c.pos_ == "NOUN" and c.i not in at)]
        relatives = [c for h in hosts for c in h.children if mention.label_ == "Person" and c.dep_ == "relcl"
                     and any(g.dep_ in ("nsubj", "nsubjpass") and g.lower_ in _RELATIVE_PRONOUNS for g in c.children)]
        # ... "X, who founded Y and remains its managing director": and the verbs coordinated with it
        verbs += relatives + [c for v in relatives for c in v.conjuncts if c.i > v.i and not any(g.dep_ in _SUBJECT_DEPS for g in c.children)]
        for verb in verbs:
            if verb.lemma_.lower() in self.role_verbs and not self._negated(verb):
                roles += [(r, False, verb) for r in self._verb_roles(verb)]
        return [(r, beside, verb) for r, beside, verb in roles if r.pos_ in ("NOUN", "PROPN")]

    def _role_holders(self, role: Token, at: dict[int, Span], verb: Token | None) -> list[tuple[Span, bool]]:
        """The organisations (or places) a role noun is tied to: its modifiers, or the objects of its prepositions.

        A role given by a verb whose subject is not the person ("Acme named Chen its chief executive") is
        held in that subject, when nothing else names the holder.
        """
        tokens = [c for c in role.children if c.dep_ in ("compound", "nmod", "amod") and c.i in at  # "Riverbyte chief executive X": amod, misparsed
                  # a place before another noun says where that thing is: "Boston nightclub owner X" does not lead Boston
                  and not (at[c.i].label_ == "Place" and any(n.dep_ == "compound" and n.pos_ == "NOUN" and n.i not in at and c.i < n.i
                                                             for n in role.children))]
        tokens += [c for c in role.children if c.dep_ == "poss"]  # "Y's CEO", "its chief executive"
        # "a Burlington operations manager": a name modifying the role's own modifier
        # ... but a place there only says where the thing is: "Dallas nightclub owner X" does not lead Dallas
        tokens += [g for c in role.children if c.dep_ == "compound" and c.i not in at for g in c.children if g.dep_ == "compound" and g.i in at
                   and at[g.i].label_ != "Place"]
        frontier = [role]
        for _ in range(2):  # "a staff member of the development department at NASDA"
            objects = [g for t in frontier for g in self._prep_objects(t, ["of", "at", "for", "with", "in"])]
            tokens += objects + [c for o in objects if o.i not in at for c in o.children if c.dep_ in ("compound", "nmod") and c.i in at]
            frontier = [o for o in objects if o.i not in at]
        holders = self._arguments(tokens, at)
        if verb is not None and (not holders or all(t.dep_ == "poss" and t.pos_ == "PRON" for t in tokens)):
            # "Acme named Chen (as) its chief executive": "its" is the naming subject's
            holders = self._arguments(self._subject_tokens(verb, _SUBJECT_DEPS), at)
        return holders

    def _roles(self, mention: Span, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        for first, beside, verb in self._role_nouns(mention, at):
            holder_verb = verb if verb is not None and mention.root.dep_ in _ROLE_OBJECT_DEPS else None
            first_holders = self._role_holders(first, at, holder_verb)
            if beside and not first_holders:  # "Brennwerk chief executive Sabine Kraus", the employer parsed as the name's modifier
                first_holders = self._arguments([c for c in mention.root.children if c.dep_ in ("compound", "nmod") and c.i in at and c.i < first.i], at)
            if (beside or verb is not None) and not first_holders and first.lemma_.lower() in self.corporate_titles \
                    and not any(c.dep_ in ("det", "poss") for c in first.children):
                # '"We are sorry," chief executive Fiona Lacey said', "X will serve as interim CEO": the company the story is
                # about, as "the company" would be
                first_holders = [(self._anaphor(first, ["Organization"]), True)]
            yield from self._role_relations(mention, first, beside, verb, first_holders, sent)
            # "Halcyon's co-founder and chief executive": coordinated roles share the holder
            for role in (c for c in first.conjuncts if c.i > first.i and c.pos_ == "NOUN" and c.i not in at):
                yield from self._role_relations(mention, role, beside, verb, self._role_holders(role, at, holder_verb) or first_holders, sent)

    def _role_relations(self, mention: Span, role: Token, beside: bool, verb: Token | None, holders: list[tuple[Span, bool]],
                        sent: Span) -> Iterator[CandidateRelation]:
        """The relations one role noun gives between a person and the holders of the role."""
        prop = self._title_property(role)
        if prop == "leads" and any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in role.children):
            prop = "worksFor"  # "a managing director at Ironquay" is one of several: no one leads as "a" director
        over_place = () if role.lemma_.lower() in self.corporate_titles or role.lower_ in self.corporate_titles else ("livesIn",)
        if prop is not None:
            predicates, conf_key = (prop, *over_place), "title"
        elif not beside and role.pos_ == "NOUN":
            predicates, conf_key = ("worksFor", "livesIn"), "role"
        else:
            return
        for holder, anaphor in holders:
            if holder != mention:
                candidate = self._make((mention, False), predicates, (holder, anaphor), sent, f"{conf_key}:{role.lemma_.lower()}", conf_key, role.lemma_.lower(), (None, None))
                if role.lemma_.lower() in self.office_titles:
                    # "the president of the United States": a person and a country, but no word on where the person lives
                    candidate = replace(candidate, vote_only=frozenset({"livesIn"}))
                # a role given by a verb holds only between a person and an organisation already known as such
                yield candidate if verb is None else replace(candidate, class_votes=False)

    def _titles_and_possessives(self, sent: Span, at: dict[int, Span], local: list[Span]) -> Iterator[CandidateRelation]:
        seen: set[int] = set()
        for mention in local:
            root = mention.root
            if root.i in seen:
                continue
            seen.add(root.i)
            # "Gartner analyst Arun Chandrasekaran", "Meta CEO Mark Zuckerberg", "X, the chief executive of Y",
            # "Y's CEO X", "X, an ecologist at Cornell University", "X is a correspondent for Y"
            if mention.label_ in ("Person", UNKNOWN):
                yield from self._roles(mention, sent, at)
                yield from self._capitalised_title(mention, sent, at)
            yield from self._named_rival(mention, sent, at)
            yield from self._agent_preposition(mention, sent, at)
            # "OpenAI's GPT Pro": developed / partOf / worksFor / locatedIn by the classes
            owners = [c for c in root.children if c.dep_ == "poss"]
            if not owners and root.dep_ == "compound" and root.head.lemma_.lower() in self.product_heads:
                owners = [c for c in root.head.children if c.dep_ == "poss"]  # "Brennwerk's Kinetix platform", "whose Kinetix platform"
            before = mention.start - 2
            if not owners and before >= 0 and sent.doc[before + 1].tag_ == "POS" and before in at and not any(t.dep_ == "poss" for t in mention):
                owners = [sent.doc[before]]  # the same, where the parser lost the link: "... and Anthropic's Claude 3.5 Sonnet"
            # "Volkswagen's Traton unit": an organisation's unit is part of it, not its product
            organisation = root.dep_ == "compound" and root.head.lemma_.lower() in self.org_heads
            for owner, anaphor in self._arguments(owners, at):
                if owner != mention and not anaphor:
                    if not organisation:
                        yield self._make((owner, False), self.owner_first, (mention, False), sent, "possessive", "possessive", None, (None, None))
                    yield self._make((mention, False), self.owned_first, (owner, False), sent, "possessive", "possessive", None, (None, None))
            # "Brian Michaud of Millinocket", "Greg Thayer of the Forest Service", "Kassala in eastern Sudan"
            # ... also through the noun the name modifies ("the Savannah River plant in South Carolina")
            carriers = [root] + ([root.head] if root.dep_ == "compound" and root.head.pos_ == "NOUN" and root.head.i not in at else [])
            for prep in (c for t in carriers for c in t.children if c.dep_ == "prep" and c.lower_ in self.prepositions):
                for obj, anaphor in self._arguments([g for g in prep.children if g.dep_ == "pobj"], at):
                    if obj != mention and not anaphor:
                        yield self._make((mention, False), tuple(self.prepositions[prep.lower_]), (obj, False), sent, f"preposition:{prep.lower_}", "preposition", prep.lower_, (None, None))
            if mention.label_ == "Place":
                yield from self._home_place(mention, sent, at)
            # "the U.S. Congress", "Houston Mayor X" parsed as modifiers: a place modifying a name
            head = root.head
            if head.i not in at and head.dep_ == "appos":
                head = head.head  # "Pelican Ridge Capital, a Denver private equity firm"
            if root.dep_ in ("compound", "nmod", "npadvmod") and head.i in at and at[head.i] != mention and mention.label_ == "Place":
                yield self._make((at[head.i], False), self.modifier_predicates, (mention, False), sent, "modifier", "modifier", None, (None, None))
        yield from self._place_pairs(sent, at, local)

    def _named_rival(self, mention: Span, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        """"buy smaller rival Coralwind", "its rival Summit & Pine": a rival noun before a name, where the model made it
        a modifier; the other party is the possessor, else the subject of the verb taking the name as its object."""
        root = mention.root
        words = [c for c in root.children if c.dep_ in ("amod", "compound") and c.i < mention.start and c.i not in at
                 and self.nouns.get(c.lemma_.lower(), {}).get("names_the_other_party")]
        if not words:
            return
        lemma = words[0].lemma_.lower()
        others = [c for c in root.children if c.dep_ == "poss"]
        if not others and root.dep_ == "dobj":
            others = self._subject_tokens(root.head, _SUBJECT_DEPS)
        for other, anaphor in self._arguments(others, at):
            if other != mention:
                yield self._make((other, anaphor), (self.nouns[lemma]["property"],), (mention, False), sent, f"noun:{lemma}", "noun", lemma,
                                 (None, None))

    def _agent_preposition(self, mention: Span, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        """"Lanterna Games, the studio behind Hollow Tide", "the company behind Llama": a noun standing for a name (in
        apposition, or an anaphor; capitalised in a headline) made the thing named after the preposition."""
        root = mention.root
        prep = root.head
        if root.dep_ != "pobj" or prep.dep_ != "prep" or prep.lower_ not in self.agent_prepositions:
            return
        noun = prep.head
        if noun.i in at or noun.pos_ not in ("NOUN", "PROPN"):
            return  # a name does not stand "behind" another: "Tesela ranks second behind Orbex"
        if any(t.tag_ in ("JJS", "RBS") or t.ent_type_ == "ORDINAL" for t in noun.doc[noun.left_edge.i:noun.i]):
            return  # a ranking: "the second-largest retailer in the United States behind REI"
        agent, anaphor = self._argument(noun, at)
        classes = self.anaphors.get(noun.lower_)
        if agent is None and classes is not None and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in noun.children):
            agent, anaphor = self._anaphor(noun, classes), True  # "Why the Company Behind Llama Just Closed ...", title case
        if agent is not None and agent != mention:
            predicates = tuple(self.agent_prepositions[prep.lower_])
            # too weak to decide classes: only a known organisation and a known product
            yield replace(self._make((agent, anaphor), predicates, (mention, False), sent, f"preposition:{prep.lower_}", "preposition",
                                     prep.lower_, (None, None)), class_votes=False)

    def _home_place(self, place: Span, sent: Span, at: dict[int, Span]) -> Iterator[CandidateRelation]:
        """"X won in his native South Carolina", "X is returning to his Iowa hometown": the subject lives (or lived) there."""
        root = place.root
        home = root if any(c.dep_ == "amod" and c.lower_ in self.home_words for c in root.children) else None
        if home is None and root.dep_ in ("compound", "nmod", "amod") and root.head.lemma_.lower() in self.home_words:
            home = root.head
        if home is None or not any(c.dep_ == "poss" and c.lower_ in ("his", "her") for c in home.children):
            return
        verb = home
        while verb.pos_ not in ("VERB", "AUX") and verb.head != verb:
            verb = verb.head
        for person, anaphor in self._arguments(self._subject_tokens(verb, _SUBJECT_DEPS), at):
            if not anaphor and person.label_ == "Person":
                yield replace(self._make((person, False), ("livesIn",), (place, False), sent, "home_place", "role", home.lower_, (None, None)),
                              class_votes=False)

    def _place_pairs(self, sent: Span, at: dict[int, Span], local: list[Span]) -> Iterator[CandidateRelation]:
        """"Mobile, Alabama", "Lubbock, Texas": a place, a comma and the place that holds it (not a list)."""
        doc = sent.doc
        for mention in (m for m in local if m.label_ in ("Place", "Organization", UNKNOWN)):
            if mention.label_ == "Place" and mention.end + 1 < len(doc) and doc[mention.end].lower_ == "in":
                # "grew up in Bedford in southern Indiana": a place in a place, however the parser attached the second
                k = mention.end + 1
                while k < mention.end + 3 and k < len(doc) and k not in at and doc[k].lower_ in self.area_words:
                    k += 1
                inner = at.get(k)
                if inner is not None and inner.start == k and inner.label_ == "Place":
                    # too weak to decide classes: "Jefferies in London" holds only if both are known places
                    yield replace(self._make((mention, False), ("locatedIn",), (inner, False), sent, "place_in", "place_pair", "in", (None, None)),
                                  class_votes=False)
            if mention.end + 1 >= len(doc) or doc[mention.end].text != ",":
                continue
            outer = at.get(mention.end + 1)
            if outer is None or outer.label_ != "Place" or outer.start != mention.end + 1:
                continue
            after = doc[outer.end] if outer.end < len(doc) else None
            if after is not None and after.tag_ == "POS" and outer.root.head.lemma_.lower() not in self.place_heads:
                continue  # "Khazanah Nasional, Malaysia's wealth fund" is no place pair; "Baghdad, Iraq's capital" is
            before = doc[mention.start - 1] if mention.start > 0 else None
            in_list = (after is not None and after.text == "," and (outer.end + 1 < len(doc) and (outer.end + 1 in at or doc[outer.end + 1].lower_ in ("and", "or")))) \
                or (after is not None and after.lower_ in ("and", "or")) \
                or (before is not None and before.text == "," and mention.start - 2 in at)
            # "Ghent, Belgium, and Charleston, South Carolina": a city and its country or state, even inside a list
            if not in_list or outer.text in self.regions and mention.text not in self.regions:
                yield self._make((mention, False), ("locatedIn",), (outer, False), sent, "place_pair", "place_pair", None, (None, None))
