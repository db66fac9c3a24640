"""The kg_mentions component: clean spans, junk rejected, classes from the name's form."""

from __future__ import annotations

import pytest

from kg.extract.mentions import MENTIONS_KEY


def _mentions(nlp, text: str) -> dict[str, str]:
    doc = nlp(text)
    return {span.text: span.label_ for span in doc.spans[MENTIONS_KEY]}


def test_mentions_drop_possessive_and_determiners(nlp):
    found = _mentions(nlp, "Tim Cook's plan surprised the United Nations.")
    assert "Tim Cook" in found and "Tim Cook's" not in found
    assert "United Nations" in found and "the United Nations" not in found


def test_mentions_drop_a_common_noun_before_the_name(nlp):
    found = _mentions(nlp, "Kenyan farm-credit start-up Shamba Ledger raises $32 million in round led by Meridian Ridge")
    assert "Shamba Ledger" in found and not any(name.startswith("start-up") for name in found)


def test_mentions_split_a_list_the_model_took_for_one_name_but_not_a_place_with_its_state(nlp):
    found = _mentions(nlp, "Norvanta will deliver graphite from 2028 to StarPlus Energy, Stellantis' battery joint venture with Samsung SDI.")
    assert "StarPlus Energy" in found and "Stellantis" in found
    found = _mentions(nlp, "Bob Dole announced his bid during a visit to his hometown of Russell, Kan.")
    assert "Russell" not in found or found.get("Russell") == "Place"


def test_mentions_reject_common_acronyms_and_pronouns(nlp):
    found = _mentions(nlp, "The API lets developers use AI. It was built by Nvidia.")
    assert "API" not in found and "AI" not in found and "It" not in found


def test_mentions_versioned_names_are_products(nlp):
    found = _mentions(nlp, "The phone maker compared the Pixel 9 Pro with the Galaxy S24.")
    assert found.get("Pixel 9 Pro") in ("Product", "AIModel")


def test_mentions_versioned_names_in_ai_text_are_ai_models(nlp):
    found = _mentions(nlp, "The new language model beat Llama 3.1 and Mixtral 8x7B on every benchmark.")
    assert found.get("Llama 3.1") == "AIModel"


@pytest.mark.parametrize(("text", "name", "cls"), [
    # an organisational suffix
    ("Engineers at Acme Robotics Labs met investors in Denver.", "Acme Robotics Labs", "Organization"),
    ("Veridane will pay $85 million upfront to Corvalis Bio, a spin-off from the University of Edinburgh.", "Corvalis Bio", "Organization"),
    ("Edinburgh Innovations holds a small stake in the company.", "Edinburgh Innovations", "Organization"),
    # an event word ending or following the name
    ("Airbus showed the jet at the Farnborough Airshow in July.", "Farnborough Airshow", "Event"),
    ("Ministers met bankers at the Lisbon Energy Summit on Tuesday.", "Lisbon Energy Summit", "Event"),
    ("The glasses were shown at the company's Pixent Horizon event in Seoul.", "Pixent Horizon", "Event"),
    # a kind of company before the name, unless the word is also a job ("producer")
    ("Venture funding fell in 2024, according to data firm Tembo Insights, as investors grew wary.", "Tembo Insights", "Organization"),
    # a hyphenated given name, kept whole
    ("Pixent chief executive Yoon Seo-jin told a crowd in Seoul.", "Yoon Seo-jin", "Person"),
    ("\"It is early,\" said Lim Ha-na, a senior analyst at Counterpoint Research.", "Lim Ha-na", "Person"),
])
def test_mentions_a_name_is_typed_by_its_form_and_the_words_beside_it(nlp, text, name, cls):
    assert _mentions(nlp, text).get(name) == cls


def test_mentions_a_typed_name_is_found_wherever_it_appears_again(nlp):
    from spacy.tokens import Span

    from kg.extract.mentions import MentionFinder

    doc = nlp.make_doc("Pixent rose. Pixent said Yoon would lead Pixent Labs and pixent grew.")
    orths = [t.orth for t in doc]
    found = MentionFinder.repeated_names(doc, orths, [Span(doc, 0, 1, label="Organization"), Span(doc, 8, 10, label="Unknown")])
    assert [(s.start, s.text) for s in found] == [(3, "Pixent")]  # not inside another mention, not in another case


def test_mentions_keep_a_capitalised_last_word_whatever_its_tag(nlp):
    # "Plus" is tagged as a conjunction and "Go" as a verb: inside a name they are part of it
    found = _mentions(nlp, "Arcade will compete with PlayStation Plus from Sony.")
    assert "PlayStation Plus" in found and "PlayStation" not in found


def test_mentions_a_name_in_apposition_with_a_job_title_is_a_person(nlp):
    found = _mentions(nlp, "Sofía Arancibia, Codelco's vice president for business development, said the company would keep two seats.")
    assert found.get("Sofía Arancibia") == "Person"


def test_mentions_a_name_after_near_is_a_place(nlp):
    for text, name in [("Troops massed near Avdiivka on Monday.", "Avdiivka"), ("Nordvik runs a terminal near Vlissingen.", "Vlissingen")]:
        assert _mentions(nlp, text).get(name) == "Place"


def test_mentions_a_month_in_a_dateline_and_a_part_of_a_title_are_no_names(nlp):
    found = _mentions(nlp, "LONDON, Aug 2 (Reuters) - Aldermoor Athletic, the Nottingham-based football club, has been sold.")
    assert not any(name.startswith("Aug") for name in found) and found.get("LONDON") == "Place"
    found = _mentions(nlp, "Chief Financial Officer Raj Malhotra will serve as interim CEO.")
    assert "Raj Malhotra" in found and not any("Financial" in name and "Raj" not in name for name in found)


def test_mentions_dates_are_not_versioned_names(nlp):
    found = _mentions(nlp, "Contoso shipped the update on April 8.")
    assert "April 8" not in found


@pytest.mark.parametrize("text", ["", "   \n  ", "12345"])
def test_mentions_empty_or_numeric_text_gives_nothing(nlp, text):
    assert _mentions(nlp, text) == {}


def test_line_breaks_split_headlines_from_body(nlp):
    doc = nlp("Big News For Acme\nAcme bought Initech in May.")
    assert [s.text.strip() for s in doc.sents][0] == "Big News For Acme"


def test_load_pipeline_without_any_model_says_how_to_install(monkeypatch):
    from kg.errors import ModelNotFoundError
    from kg.extract import pipeline

    monkeypatch.setattr(pipeline, "DEFAULT_MODELS", ("kg_test_missing_model_a",))
    with pytest.raises(ModelNotFoundError, match="pip install") as info:
        pipeline.load_pipeline("kg_test_missing_model_b")
    assert info.value.exit_code == 1


@pytest.mark.parametrize(("text", "employer", "person"), [
    ('"It fits our strategy," Halvorsen Chief Executive Mette Lindqvist said in a statement.', ("Halvorsen", "Organization"), "Mette Lindqvist"),
    ("Brennwerk chief executive Sabine Kraus will remain in charge.", ("Brennwerk", "Organization"), "Sabine Kraus"),
    ("On Friday, U.S. Ambassador Vernon A. Walters displayed photographs.", ("U.S.", "Place"), "Vernon A. Walters"),
])
def test_mentions_split_an_employer_and_a_person_at_a_job_title(nlp, text, employer, person):
    found = _mentions(nlp, text)
    assert found.get(employer[0]) == employer[1] and found.get(person) == "Person"
    assert not any("Chief" in name or "executive" in name for name in found)


def test_mentions_keep_a_leading_title_and_a_name_with_a_title_word(nlp):
    found = _mentions(nlp, "Attorney General Merrick Garland and the General Accounting Office disagreed.")
    assert "Attorney" not in found and "Accounting Office" not in found


def test_mentions_a_full_name_after_a_job_stays_a_person(nlp):
    found = _mentions(nlp, "Carrow was founded in 2015 by former Sky Sports producer Niamh Doherty and businessman Alastair Keane.")
    assert found.get("Niamh Doherty") == "Person"


def test_mentions_a_full_name_after_an_employer_and_a_job_title_is_a_person(nlp):
    found = _mentions(nlp, "As part of the deal, Breakthrough Energy Ventures partner Nadia Harlow will join Cyclith's board.")
    assert found.get("Nadia Harlow") == "Person"
    assert _mentions(nlp, "The bank hired its partner Goldman Sachs.").get("Goldman Sachs") != "Person"  # no employer before the title


def test_mentions_a_dateline_opens_the_body_and_its_agency_is_no_place(nlp):
    found = _mentions(nlp, "TROMSO, Norway, May 12 (Reuters) - Nordlys Launch Services said on Monday it had signed a contract.")
    assert found.get("TROMSO") == "Place" and found.get("Norway") == "Place"  # not trimmed away as a headline
    assert found.get("Reuters") not in (None, "Place")


def test_mentions_source_line_splits_place_and_publication(nlp):
    found = _mentions(nlp, "LD1203145094 Warsaw PAP in English 1410 GMT 12 Mar 94")
    assert found.get("Warsaw") == "Place" and found.get("PAP") == "Organization"
    found = _mentions(nlp, "PY0101120095 Sao Paulo FOLHA DE SAO PAULO in Portuguese 1 Jan 95")
    assert found.get("Sao Paulo") == "Place" and found.get("FOLHA DE SAO PAULO") == "Organization"


def test_mentions_dateline_alone_on_its_line_names_places(nlp):
    found = _mentions(nlp, "GREEN BAY , Wis .")
    assert found.get("GREEN BAY") == "Place" and found.get("Wis") == "Place"


def test_mentions_abbreviated_state_after_a_place_is_a_place(nlp):
    found = _mentions(nlp, "In 1907 , painter Ruth Hale was born in Sedalia , Miss .")  # tokenised text, as in CoNLL04
    assert found.get("Sedalia") == "Place" and found.get("Miss") == "Place"
    assert _mentions(nlp, "The singer was born in Burchard , Neb .").get("Neb") == "Place"


def test_mentions_a_possessive_before_a_word_naming_an_institution_stays_in_the_name(nlp):
    found = _mentions(nlp, "The Information Commissioner's Office, Britain's data protection regulator, said it had been notified.")
    assert "Information Commissioner's Office" in found and "Office" not in found


@pytest.mark.parametrize(("text", "name", "cls"), [
    ("Most passengers were tourists heading to islands such as Mykonos, Santorini and Crete.", "Santorini", "Place"),
    ("The airline will open a maintenance base in Heraklion, on the island of Crete.", "Crete", "Place"),
])
def test_mentions_a_name_takes_the_class_of_the_noun_it_is_an_example_of(nlp, text, name, cls):
    assert _mentions(nlp, text).get(name) == cls


def test_mentions_a_known_city_the_model_calls_an_organisation_is_a_place(nlp):
    from kg.extract.mentions import MentionFinder
    from kg.ontology import load_lexicon

    text = "The trucks will run on routes between Gothenburg, Oslo and Copenhagen from this autumn."
    assert _mentions(nlp, text)["Oslo"] == "Place" and _mentions(nlp, text)["Copenhagen"] == "Place"
    without_places = MentionFinder(nlp, "kg_mentions", lexicon=load_lexicon(), proper_noun_chunks=True)
    assert {s.text: s.label_ for s in without_places.find(nlp(text))}["Oslo"] == "Organization"  # the model's own guess


def test_mentions_a_known_city_the_model_calls_a_person_is_a_place_only_after_a_place_preposition(nlp):
    text = "The jets will fly regional routes to Bogotá, Santiago and São Paulo."
    found = _mentions(nlp, text)
    assert (found["Bogotá"], found["Santiago"], found["São Paulo"]) == ("Place", "Place", "Place")
    assert _mentions(nlp, "Santiago Alvarez, the club's chairman, said the deal was done.")["Santiago Alvarez"] == "Person"


def test_mentions_a_surname_grows_over_the_first_name_the_model_left_out(nlp):
    found = _mentions(nlp, '"Orvane is buying market share," said Ivy Tsang, an analyst at Counterpoint Research.')
    assert found.get("Ivy Tsang") == "Person" and "Tsang" not in found
    assert "Carl Rubin" in _mentions(nlp, "U.S. District Court Judge Carl Rubin denied the motion.")  # a title is not a first name


def test_mentions_section_headings_keep_only_names_the_body_uses(nlp):
    text = ("Acme bought Initech in May.\n"
            "Will Acme's Bold Cloud Strategy Pay Off?\n"
            "Analysts expect Acme to gain customers from Initech. New servers, new staff and new prices follow.\n"
            "How to Understand Acme's New Cloud Strategy\n"
            "Initech said the deal closes in June.\n"
            "Reporting by Dana Whitcomb and Editing by Lars Okafor")
    doc = nlp(text)
    in_headings = {span.text for span in doc.spans[MENTIONS_KEY] if span.sent.text.startswith(("Will", "How"))}
    assert in_headings <= {"Acme"}  # a heading names only what the body names ("New" there is no typed name)
    assert "Dana Whitcomb" in {span.text for span in doc.spans[MENTIONS_KEY]}  # the last line is a credit, not a heading


def test_mentions_an_apposition_the_parser_missed_still_types_the_name(nlp):
    found = _mentions(nlp, "According to data from Brightlane, an analytics platform tracking 9,000 developers across 40 countries, usage rose 40% in the first quarter.")
    assert found.get("Brightlane") not in (None, "Place")


def test_mentions_an_organisation_grows_over_the_rest_of_its_compound_name(nlp):
    from spacy.tokens import Doc

    from kg.extract.mentions import MentionFinder
    from kg.ontology import load_lexicon

    # parsed and tagged by hand, as a recogniser that stops early leaves it: "Ostrander" of "Ostrander Ventures"
    words = ["Investors", "include", "Ostrander", "Ventures", "and", "Apple", "CEO", "Tim", "Cook", "."]
    doc = Doc(nlp.vocab, words=words,
              tags=["NNS", "VBP", "NNP", "NNP", "CC", "NNP", "NNP", "NNP", "NNP", "."],
              pos=["NOUN", "VERB", "PROPN", "PROPN", "CCONJ", "PROPN", "PROPN", "PROPN", "PROPN", "PUNCT"],
              deps=["nsubj", "ROOT", "compound", "dobj", "cc", "compound", "compound", "compound", "conj", "punct"],
              heads=[1, 1, 3, 1, 3, 8, 8, 8, 3, 1],
              ents=["O", "O", "B-ORG", "O", "O", "B-ORG", "O", "B-PERSON", "I-PERSON", "O"])
    finder = MentionFinder(nlp, "kg_mentions", lexicon=load_lexicon(), proper_noun_chunks=False)
    found = {span.text: span.label_ for span in finder.find(doc)}
    assert found.get("Ostrander Ventures") == "Organization" and "Ostrander" not in found
    assert "Apple" in found and "Tim Cook" in found  # a title and another name stop it


def test_mentions_a_description_the_recogniser_took_for_a_name_leaves_no_adjective_behind(nlp):
    from spacy.tokens import Doc

    from kg.extract.mentions import MentionFinder
    from kg.ontology import load_lexicon

    doc = Doc(nlp.vocab, words=["Lumora", "borrowed", "from", "Swedish", "bank", "SEB", "."],
              tags=["NNP", "VBD", "IN", "JJ", "NN", "NNP", "."], pos=["PROPN", "VERB", "ADP", "ADJ", "NOUN", "PROPN", "PUNCT"],
              deps=["nsubj", "ROOT", "prep", "amod", "compound", "pobj", "punct"], heads=[1, 1, 1, 5, 5, 2, 1],
              ents=["B-ORG", "O", "O", "B-ORG", "I-ORG", "B-ORG", "O"])
    finder = MentionFinder(nlp, "kg_mentions", lexicon=load_lexicon(), proper_noun_chunks=False)
    assert {span.text for span in finder.find(doc)} == {"Lumora", "SEB"}  # "Swedish bank" is no name, "Swedish" neither


def test_mentions_what_follows_as_types_a_name_but_not_a_person_playing_a_role(nlp):
    found = _mentions(nlp, "Halvard is launching Orvane as a closed AI model for businesses.")
    assert found.get("Orvane") == "AIModel"
    assert _mentions(nlp, "The film stars Ann Lee as the rival of the bank.").get("Ann Lee") == "Person"


def test_mentions_a_name_before_models_in_ai_text_is_an_ai_model(nlp):
    text = "The lab kept releasing Orvane models to developers. Its AI strategy changed this year."
    assert _mentions(nlp, text).get("Orvane") == "AIModel"
    assert _mentions(nlp, "The shop sold Orvane models of ships to tourists.").get("Orvane") != "AIModel"
