"""Entity resolution: mentions become canonical, typed entities; candidates become relations.

Inside a document, mentions that name the same thing are clustered (case and
possessive variants, a surname with the full name, a short form with its
long form, an acronym with the expansion the text introduces). Each cluster gets
one class by vote (NER labels, name form, relation slots) and one canonical
label. Across documents, the same canonical name is the same entity.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from typing import Any

from spacy.tokens import Doc, Span, Token

from kg.extract.merge import DocumentEntities, choose_class
from kg.extract.mentions import MENTIONS_KEY
from kg.extract.model import UNKNOWN, Entity, Relation, SourceDocument
from kg.extract.relations import ANAPHOR_PREFIX, CandidateRelation
from kg.ontology import class_fits, property_signatures

__all__ = ["entity_key", "resolve_document"]

def entity_key(label: str) -> str:
    """The identity of an entity across documents: its canonical label, normalised.

    >>> entity_key("  Scale   AI ")
    'scale ai'
    """
    text = unicodedata.normalize("NFKC", label)
    return re.sub(r"\s+", " ", text).strip().casefold()


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _cluster(spans: list[Span], alias_suffixes: set[str], unit_words: set[str]) -> list[list[int]]:
    """Group mention indices that name the same entity.

    Merged: the same text up to case and spacing; an acronym with the expansion
    the text introduces ("Securities and Exchange Commission (SEC)"); a short
    form with its long form, when the rest is a legal or generic suffix
    ("Mistral" and "Mistral AI") or when the long form came first and the short
    one refers back to it ("Gulfstone Carbon ... Gulfstone", but not "Meta ...
    Meta Superintelligence Labs", nor a unit named after a company the text has
    already named on its own twice, "Lyrafy ... Lyrafy Labs"); a name led by a place the text names, shortened
    to the rest ("Tacoma Tides ... the Tides"); a surname with the one full name ending in it.
    """
    uf = _UnionFind(len(spans))
    by_text: dict[str, int] = {}
    starts: dict[str, list[int]] = {}
    labels: dict[str, set[str]] = {}
    for i, span in enumerate(spans):
        key = entity_key(span.text)
        starts.setdefault(key, []).append(span.start)
        labels.setdefault(key, set()).add(span.label_)
        if key in by_text:
            uf.union(i, by_text[key])
        else:
            by_text[key] = i  # the first mention of each text
    texts = {key: spans[i] for key, i in by_text.items()}
    sentences = iter(spans[0].doc.sents) if spans else iter(())
    first = next(sentences, None)
    headline_end = first.end if next(sentences, None) is not None else 0  # a text of one sentence has no headline
    tokens = {key: tuple(t.text for t in span) for key, span in texts.items()}
    by_first: dict[str, list[str]] = {}
    persons_by_last: dict[str, set[str]] = {}
    for key, toks in tokens.items():
        by_first.setdefault(toks[0], []).append(key)
        if len(toks) > 1 and texts[key].label_ == "Person":
            persons_by_last.setdefault(toks[-1], set()).add(key)
    for key, span in texts.items():
        doc = span.doc
        if span.end + 2 < len(doc) and doc[span.end].text == "(" and doc[span.end + 2].text == ")":
            acronym = doc[span.end + 1].text
            initials = "".join(t.text[0] for t in span if t.text[:1].isupper())
            if acronym.isupper() and acronym == initials and entity_key(acronym) in by_text:
                uf.union(by_text[entity_key(acronym)], by_text[key])
    for short_key, short in texts.items():
        short_tokens = tokens[short_key]
        longer = [k for k in by_first.get(short_tokens[0], []) if len(tokens[k]) > len(short_tokens) and tokens[k][: len(short_tokens)] == short_tokens]
        for long_key in longer:
            rest = tokens[long_key][len(short_tokens):]
            if all(r in alias_suffixes for r in rest) and not (rest[-1] in unit_words and _used_alone_before(starts[short_key], texts[long_key])):
                uf.union(by_text[short_key], by_text[long_key])
        full = persons_by_last.get(short_tokens[0], set()) if len(short_tokens) == 1 else set()
        if not full and len(short_tokens) == 1 and short.label_ == "Person":
            # "Alston, who ..." is a person: so is the one "... Alston" the model took for something else
            full = {k for k in texts if len(tokens[k]) > 1 and tokens[k][-1] == short_tokens[0] and texts[k].label_ != "Place"}
        if len(full) == 1:
            uf.union(by_text[short_key], by_text[next(iter(full))])
            continue  # a surname is not a short company name
        # (a headline may use the short form before the body introduces the long one; the body may not)
        referring_back = [k for k in longer if not any(headline_end <= start < texts[k].start for start in starts[short_key])
                          and tokens[k][-1] not in unit_words
                          and texts[k].label_ in ("Organization", UNKNOWN) and labels[short_key] != {"Place"}
                          and not _brand_of_its_own(tokens[k][len(short_tokens):])]
        if not referring_back and short.label_ in ("Organization", UNKNOWN):
            # "the Tacoma Tides ... the Tides": a name led by a place the text names, shortened to the rest
            referring_back = [k for k, toks in tokens.items() if len(toks) > len(short_tokens) and toks[-len(short_tokens):] == short_tokens
                              and texts[k].start < short.start and texts[k].label_ in ("Organization", UNKNOWN)
                              and texts.get(entity_key(" ".join(toks[: -len(short_tokens)])), short).label_ == "Place"]
        if referring_back:
            uf.union(by_text[short_key], by_text[min(referring_back, key=lambda k: texts[k].start)])
    groups: dict[int, list[int]] = {}
    for i in range(len(spans)):
        groups.setdefault(uf.find(i), []).append(i)
    return list(groups.values())


def _used_alone_before(short_starts: list[int], long: Span) -> bool:
    """The short name stood on its own at least twice before the long one appears: "Lyrafy ... Lyrafy ... Lyrafy Labs" is its unit."""
    return sum(start < long.start for start in short_starts) >= 2


def _brand_of_its_own(rest: tuple[str, ...]) -> bool:
    """What follows a short name makes a name of its own: "Google DeepMind", "Amazon Web Services"."""
    return len(rest) > 1 or any(word[1:] != word[1:].lower() and not word.isupper() for word in rest)


def _is_anaphor(span: Span) -> bool:
    return span.label_.startswith(ANAPHOR_PREFIX)


def _canonical_label(spans: list[Span]) -> str:
    counts = Counter(re.sub(r"\s+", " ", s.text).strip() for s in spans)
    return max(counts, key=lambda text: (len(text.split()), counts[text], len(text)))


def _pick_predicate(candidate: CandidateRelation, subject_cls: str, object_cls: str) -> str | None:
    if not (class_fits(subject_cls, candidate.argument_classes) and class_fits(object_cls, candidate.argument_classes)):
        return None  # "Meta selected Jane Doe as CFO" is no partnership
    signatures = property_signatures()
    for name in candidate.predicates:
        if signatures[name].accepts(subject_cls, object_cls):
            return name
    return None


def _class_votes(spans: list[Span], clusters: list[list[int]], candidates: list[CandidateRelation],
                 cluster_of: dict[tuple[int, int], int], weights: dict[str, float],
                 default_slots: dict[str, dict[str, str]]) -> list[Counter[str]]:
    """Class evidence per cluster.

    The NER labels of a cluster's mentions count 1 in all; then the argument
    slots of single-property relations ("launched X": X is a Product), the
    partner of a symmetric relation (competitors are usually of one kind),
    possession by an organisation ("OpenAI's GPT Pro") or by a place ("China's
    DeepSeek") add their weights; a person only ever named by one word counts less.
    """
    votes = []
    for members in clusters:
        labels: Counter[str] = Counter()
        for i in members:
            if spans[i].label_ != UNKNOWN:
                labels[spans[i].label_] += len(spans[i])  # "Schneider Electric" says more than "Schneider"
        total = sum(labels.values())
        votes.append(Counter({c: n / total for c, n in labels.items()}))
        if "Person" in votes[-1] and all(len(spans[i]) == 1 for i in members):
            # news introduces people by their full name: a lone one-word "person" is often a company
            votes[-1]["Person"] *= weights["one_word_person"]
    signatures = property_signatures()
    def cluster(span: Span) -> int:
        return cluster_of[(span.start, span.end)]
    labelled = [Counter(v) for v in votes]
    def cannot_fill(span: Span, allowed: frozenset[str]) -> bool:
        """A slot for a person filled by a name labelled only as an organisation, or a slot that holds no place
        filled by a name labelled only as a place ("China's Geely" read as "China developed Geely")."""
        if _is_anaphor(span) or not allowed:
            return False
        labels = set(labelled[cluster(span)])
        return allowed == {"Person"} and labels == {"Organization"} or labels == {"Place"} and "Place" not in allowed
    for cand in candidates:
        if len(cand.predicates) != 1 or not cand.class_votes:
            continue
        sig = signatures[cand.predicates[0]]
        # "Bolt runs a food-delivery service, Bolt Food" is no person leading an organisation: with an organisation
        # where the person should be (or a place where none can be), the other slot says nothing either
        for span, allowed, other, other_allowed in ((cand.subject, sig.domain, cand.object, sig.range),
                                                    (cand.object, sig.range, cand.subject, sig.domain)):
            if len(allowed) == 1 and not _is_anaphor(span) and not cannot_fill(other, other_allowed):
                votes[cluster(span)][next(iter(allowed))] += weights["relation_slot"]
    # untyped, or typed by the model's label alone, not as a place ("It competes with Woolworths, Coles and Aldi", "Maersk bought X")
    weakly_typed = {c for c, v in enumerate(votes) if sum(v.values()) <= 1 and "Place" not in v}
    for cand in candidates:
        if len(cand.predicates) != 1 or not cand.class_votes:
            continue
        defaults = default_slots.get(cand.predicates[0], {})
        sig = signatures[cand.predicates[0]]
        for span, slot, allowed in ((cand.subject, "subject", sig.domain), (cand.object, "object", sig.range)):
            c = None if _is_anaphor(span) else cluster(span)
            if slot in defaults and c in weakly_typed and not any(class_fits(k, allowed) for k in votes[c]):
                votes[c] = Counter({defaults[slot]: weights["default_slot"]})  # the slot outweighs the model's label
    preliminary = [choose_class(v) for v in votes]
    for cand in candidates:
        if _is_anaphor(cand.subject) or _is_anaphor(cand.object):
            continue
        s, o = cluster(cand.subject), cluster(cand.object)
        if len(cand.predicates) == 1 and signatures[cand.predicates[0]].symmetric:
            for this, other in ((s, o), (o, s)):
                if preliminary[other] != UNKNOWN:
                    votes[this][preliminary[other]] += weights["symmetric_partner"]
        elif cand.rule == "possessive" and preliminary[o] == "Place" and preliminary[s] not in ("Person", "Place"):
            votes[s]["Organization"] += weights["possessed_by_place"]  # "China's DeepSeek"
        elif cand.rule == "possessive" and cand.predicates[0] == "developed":
            if preliminary[s] != "Person":
                votes[o]["Product"] += weights["possessed_by_organization"]
            if preliminary[o] in ("Product", "AIModel"):
                votes[s]["Organization"] += weights["possessor_of_product"]
    return votes


def _is_plural(token: Token) -> bool:
    """Whether a noun is plural by its tag: "models", not "model"."""
    return token.tag_ in ("NNS", "NNPS")


def _descriptions(span: Span, plural: bool = False) -> set[str]:
    """The common nouns a name is described by: "carmaker BMW", "BMW, the carmaker", "the carmaker's ...".

    Only nouns of the given number: "OpenAI's GPT models" names a family, which "the model" does not refer back to.
    """
    root = span.root
    nouns = [c for c in root.children if c.dep_ in ("appos", "compound") and c.pos_ == "NOUN"]
    if root.dep_ == "appos" and root.head.pos_ == "NOUN" or root.dep_ == "compound" and root.head.pos_ == "NOUN" and root.head.dep_ != "appos":
        nouns.append(root.head)  # not "Aldermoor Athletic, the Championship football club": that club is Aldermoor
    return {n.lemma_.lower() for n in nouns if _is_plural(n) == plural}


def _resolve_anaphor(anaphor: Span, spans: list[Span], cluster_of: dict[tuple[int, int], int], classes: dict[int, str],
                     window: int, slot: frozenset[str] = frozenset(), chain: int = 8) -> int | None:
    """The cluster an anaphor ("it", "the company") refers to, or ``None``.

    Compatible names are those of a class the anaphor can stand for and, when one of them fits, the
    relation's ``slot`` can hold. A noun anaphor ("the carmaker") goes to the nearest earlier name the text
    described with that noun. Otherwise the nearest earlier name of a
    compatible class in the same sentence wins; else the subject of the
    sentence before, or, when that subject is the same anaphor ("the model ... The model"), what that one
    refers to (followed back at most ``chain`` sentences); else, within ``window`` tokens before the sentence, the
    name most often a grammatical subject so far (the topic), then the nearest.
    """
    allowed = set(anaphor.label_[len(ANAPHOR_PREFIX):].split("|"))
    allowed = {c for c in allowed if class_fits(c, slot)} or allowed
    sent_start = anaphor.sent.start

    def compatible(span: Span) -> bool:
        cls = classes.get(cluster_of[(span.start, span.end)])
        return cls is not None and class_fits(cls, allowed)

    earlier = [s for s in spans if s.end <= anaphor.start and compatible(s)]
    noun = anaphor.root.lemma_.lower()
    described = [s for s in earlier if noun in _descriptions(s, _is_plural(anaphor.root))] if anaphor.root.pos_ == "NOUN" else []
    if described:
        # "BMW, the German carmaker ... the Munich-based carmaker": the name the text described with that noun
        return cluster_of[(described[-1].start, described[-1].end)]
    same_sentence = [s for s in earlier if s.start >= sent_start]
    if same_sentence:
        return cluster_of[(same_sentence[-1].start, same_sentence[-1].end)]
    recent = [s for s in earlier if s.end > sent_start - window]
    if not recent:
        return None
    before = sent_start - 1
    while before >= 0 and anaphor.doc[before].is_space:
        before -= 1  # a paragraph break is no sentence
    if before >= 0:  # the subject of the sentence before: the centre of attention
        previous = anaphor.doc[before].sent
        subject = next((s for s in recent if s.start >= previous.start and s.root.dep_ in ("nsubj", "nsubjpass")
                        and s.root.head == previous.root), None)
        if subject is not None:
            return cluster_of[(subject.start, subject.end)]
        # "... the model beat Gemini. The model will roll out ...": an anaphor like the one there refers to what that one does
        same = next((t for t in previous if chain > 0 and t.dep_ in ("nsubj", "nsubjpass") and t.head == previous.root
                     and _same_anaphor(t, anaphor.root) and not any(s.start <= t.i < s.end for s in spans)), None)
        if same is not None:
            return _resolve_anaphor(Span(anaphor.doc, same.i, same.i + 1, label=anaphor.label_), spans, cluster_of, classes, window, slot,
                                    chain - 1)
    salience = Counter(cluster_of[(s.start, s.end)] for s in earlier if s.root.dep_ in ("nsubj", "nsubjpass"))
    best = max(range(len(recent)), key=lambda i: (salience[cluster_of[(recent[i].start, recent[i].end)]], i))
    return cluster_of[(recent[best].start, recent[best].end)]


def _same_anaphor(token: Token, anaphor: Token) -> bool:
    """Whether ``token`` is the anaphor ``anaphor`` is: the same pronoun, or the same noun after "the" ("the model")."""
    if token.pos_ != anaphor.pos_ or token.lemma_.lower() != anaphor.lemma_.lower() or _is_plural(token) != _is_plural(anaphor):
        return False
    return token.pos_ == "PRON" or any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in token.children)


def _evidence(sentence: Span) -> dict[str, Any]:
    """A relation's evidence: its sentence without the blank lines and spaces around it, and where that is in the text."""
    text = sentence.text
    start = sentence.start_char + len(text) - len(text.lstrip())
    evidence = text.strip()
    return {"evidence": evidence, "start_char": start, "end_char": start + len(evidence)}


def resolve_document(doc: Doc, source: SourceDocument, *, lexicon: dict[str, Any]) -> DocumentEntities:
    """Turn one processed spaCy ``Doc`` into canonical entities and typed relations."""
    spans = list(doc.spans[MENTIONS_KEY])
    all_candidates: list[CandidateRelation] = doc._.kg_relations or []
    clusters = _cluster(spans, set(lexicon["alias_suffixes"]), set(lexicon["unit_words"]))
    cluster_of = {(spans[i].start, spans[i].end): c for c, members in enumerate(clusters) for i in members}
    default_slots = {k: v for k, v in lexicon["default_slot_classes"].items() if not k.startswith("_")}
    class_votes = _class_votes(spans, clusters, all_candidates, cluster_of, lexicon["class_votes"], default_slots)
    result = DocumentEntities()
    keys: dict[int, str] = {}
    classes: dict[int, str] = {}
    titles = _name_titles(lexicon)
    for c, members in enumerate(clusters):
        votes = class_votes[c]
        cls = choose_class(votes)
        if cls == UNKNOWN:
            continue
        label = _canonical_label([spans[i] for i in members])
        key = entity_key(label)
        entity = result.entities.setdefault(key, Entity(key=key, label=label, cls=cls, documents={source.id}))
        entity.aliases.update(re.sub(r"\s+", " ", spans[i].text).strip() for i in members)
        if cls == "Person":
            entity.aliases.update(_titled_names([spans[i] for i in members], titles))
        entity.aliases.discard(entity.label)
        result.votes.setdefault(key, Counter()).update({k: v for k, v in votes.items() if k != UNKNOWN})
        entity.cls = choose_class(result.votes[key])
        keys[c], classes[c] = key, cls
    signatures = property_signatures()
    def cluster(span: Span, slot: frozenset[str] = frozenset()) -> int | None:
        if _is_anaphor(span):
            return _resolve_anaphor(span, spans, cluster_of, classes, lexicon["anaphor_window_tokens"], slot)
        return cluster_of[(span.start, span.end)]

    seen: dict[tuple[str, str, str, int], Relation] = {}
    for cand in all_candidates:
        # an anaphor looks only for what its slot can hold: "It is available on Apple TV" is about a product
        domains, ranges = [signatures[p].domain for p in cand.predicates], [signatures[p].range for p in cand.predicates]
        s = cluster(cand.subject, frozenset().union(*domains) if all(domains) else frozenset())
        o = cluster(cand.object, frozenset().union(*ranges) if all(ranges) else frozenset())
        if s not in keys or o not in keys or keys[s] == keys[o]:
            continue
        predicate = _pick_predicate(cand, classes[s], classes[o])
        if predicate is None or predicate in cand.vote_only:
            continue
        relation = Relation(
            subject=keys[s], predicate=predicate, object=keys[o], doc_id=source.id,
            **_evidence(cand.sentence), confidence=cand.confidence, rule=cand.rule, trigger=cand.trigger, amount=cand.amount, date=cand.date,
        )
        if cand.rule == "place_pair" and not cand.subject[0].is_upper:
            # "Staunton, Va.": the place named with the place that holds it is a name of it too
            qualified = cand.subject.doc[cand.subject.start:cand.object.end].text
            result.entities[keys[s]].aliases.add(re.sub(r"\s+", " ", qualified).strip())
        ident = (relation.subject, predicate, relation.object, relation.start_char)
        if property_signatures()[predicate].symmetric:
            ident = (*sorted((relation.subject, relation.object)), predicate, relation.start_char)  # type: ignore[assignment]
        if ident not in seen or seen[ident].confidence < relation.confidence:
            seen[ident] = relation
    result.relations = list(seen.values())
    result.relations += _through_places(result.relations, lexicon["confidence"]["place_chain"])
    result.relations += _named_after(clusters, spans, keys, classes, source, lexicon)
    return result


def _name_titles(lexicon: dict[str, Any]) -> set[str]:
    """The words that may stand before a person's name as a title: job titles and honorifics."""
    return {t.lower() for t in lexicon["titles"]} | set(lexicon["honorifics"]) | {"miss"}  # "Miss Bickel": not an honorific elsewhere ("Tupelo, Miss.")


def _titled_names(members: list[Span], titles: set[str]) -> set[str]:
    """"President John F. Kennedy", "Sen. Bob Dole", "Mrs. Rose": a person's name with the title before it is a name of the person too."""
    names = set()
    for span in members:
        start = span.start
        while start > 0 and span.start - start < 2 and span.doc[start - 1].lower_ in titles \
                and (span.doc[start - 1].is_title or span.doc[start - 1].is_upper):
            start -= 1
        if start < span.start:
            names.add(span.doc[start:span.end].text)
    return names


def _through_places(relations: list[Relation], factor: float) -> list[Relation]:
    """"Becton Dickinson of Franklin Lakes, N.J.": based in a place is based in the place that holds it.

    Only within one sentence, and only for ``basedIn`` and ``locatedIn``.
    """
    inside = {(r.subject, r.start_char): r for r in relations if r.predicate == "locatedIn"}
    derived = []
    for rel in relations:
        outer = inside.get((rel.object, rel.start_char))
        if rel.predicate in ("basedIn", "locatedIn") and outer is not None and outer.object != rel.subject:
            derived.append(replace(rel, object=outer.object, rule=f"{rel.rule}+place_chain",
                                   confidence=round(min(rel.confidence, outer.confidence) * factor, 3)))
    known = {(r.subject, r.predicate, r.object, r.start_char) for r in relations}
    return [r for r in derived if (r.subject, r.predicate, r.object, r.start_char) not in known]


def _named_after(clusters: list[list[int]], spans: list[Span], keys: dict[int, str], classes: dict[int, str],
                 source: SourceDocument, lexicon: dict[str, Any]) -> list[Relation]:
    """Entities named after an organisation of the document: its units and its products.

    "Meta Superintelligence Labs" is part of "Meta", "Lyrafy Labs" of "Lyrafy" (an organisation's name plus a
    unit word); "Lyrafy Premium", "Halcyon Chat" (after "Halcyon Labs", without its suffix) and "Tesela Go" were
    developed by the organisation they are named after. The two are separate entities only where
    :func:`_cluster` kept them apart.
    """
    units, suffixes = set(lexicon["unit_words"]), set(lexicon["org_suffixes"]) | set(lexicon["alias_suffixes"])
    members = {c: [spans[i] for i in clusters[c]] for c in keys}
    orgs = [c for c in keys if classes[c] == "Organization"]
    relations = []
    for c in keys:
        longest = max(members[c], key=len)
        if classes[c] == "Organization" and len(longest) > 1 and longest[-1].text in units:
            predicate, subject_is_parent, names = "partOf", False, lambda parent: [max(members[parent], key=len)]
        elif classes[c] in ("Product", "AIModel") and longest[-1].text not in suffixes:  # "Marlowe Retail Group" is no product
            predicate, subject_is_parent, names = "developed", True, lambda parent: [_without_suffixes(m, suffixes) for m in members[parent]]
        else:
            continue
        words = [t.text for t in longest]
        for parent in orgs:
            if parent == c or keys[parent] == keys[c]:
                continue
            if any(0 < len(name) < len(words) and words[: len(name)] == [t.text for t in name] for name in names(parent)):
                sent = longest.sent
                subject, obj = (keys[parent], keys[c]) if subject_is_parent else (keys[c], keys[parent])
                relations.append(Relation(
                    subject=subject, predicate=predicate, object=obj, doc_id=source.id,
                    **_evidence(sent), confidence=lexicon["confidence"]["name_prefix"], rule="name_prefix",
                ))
                break
    return relations


def _without_suffixes(name: Span, suffixes: set[str]) -> Span:
    """A company's name without its legal or generic suffixes: "Halcyon Labs" gives "Halcyon"."""
    end = name.end
    while end > name.start + 1 and name.doc[end - 1].text in suffixes:
        end -= 1
    return name.doc[name.start:end]
