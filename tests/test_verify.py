"""Claim verification by general rules: normalised facts, question constraints, re-citing."""

from __future__ import annotations

import math

import pytest

from rag.answering.extractive import expected_type, has_answer_type, question_entities
from rag.answering.facts import normalise_facts, numbers
from rag.answering.pipeline import Prepared, check_reading
from rag.answering.question_fit import meets_question_constraints
from rag.answering.reader import ReaderReply, parse_reply
from rag.answering.verify import ECHOES_QUESTION, verify_claim
from rag.settings import Settings
from rag.types import Chunk, Passage


def passage(text: str, title: str = "Talks", date: str | None = None, doc: str = "d") -> Passage:
    chunk = Chunk(f"{doc}::0", doc, 0, text, 100, 100 + len(text), title, date)
    return Passage(chunk, 1.0)


SUPER_BOWL_2022 = passage(
    "The Super Bowl was played at SoFi Stadium in Inglewood, California, in February 2022.",
    title="Rams win Super Bowl LVI",
    date="2022-02-14",
    doc="sb2022",
)
SUPER_BOWL_2021 = passage(
    "Tampa Bay hosted the game at Raymond James Stadium, the first home Super Bowl.",
    title="Super Bowl 2021: Buccaneers beat Chiefs",
    date="2021-02-08",
    doc="sb2021",
)
TALKS = passage(
    "Russia's delegation was led by Igor Kostyukov, head of military intelligence. "
    "The talks lasted four weeks and ended on Nov. 12.",
    title="Abu Dhabi talks",
    doc="talks",
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("four-week truce", "4 weeks"),
        ("Nov. 12", "November 12"),
        ("1,200 troops", "1200"),
        ("his fourth world title", "4th"),
        ("the twenty-first century", "21st"),
    ],
)
def test_facts_are_compared_normalised(a, b):
    assert numbers(a) == numbers(b)
    assert normalise_facts("Sept. 3").startswith("september")


def test_first_and_second_alone_are_words_not_numbers():
    # "at first" and "half a second" count nothing; "the first home game" is no fact "1".
    assert numbers("At first, with half a second left, the first home game") == set()
    verdict = verify_claim(
        "4", 1, "Which world title did he win?", [passage("He won his fourth world title.")], 0.6
    )
    assert verdict.supported


def test_a_claim_held_by_its_cited_passage_is_kept():
    verdict = verify_claim("Igor Kostyukov", 1, "Who led Russia's delegation?", [TALKS], 0.6)
    assert verdict.supported and not verdict.support.recited
    assert verdict.support.span.start == TALKS.chunk.start  # the sentence that names him


def test_a_claim_cited_to_the_wrong_passage_is_recited():
    passages = [SUPER_BOWL_2022, TALKS]
    verdict = verify_claim("Igor Kostyukov", 1, "Who led Russia's delegation?", passages, 0.6)
    assert verdict.supported and verdict.support.passage_index == 1 and verdict.support.recited


def test_a_number_no_passage_states_is_unsupported():
    verdict = verify_claim("five weeks", 1, "How long did the talks last?", [TALKS], 0.6)
    assert not verdict.supported
    assert verify_claim("four weeks", 1, "How long did the talks last?", [TALKS], 0.6).supported


def test_outside_knowledge_is_unsupported():
    verdict = verify_claim("France", 1, "Who won the 2018 World Cup?", [TALKS], 0.6)
    assert not verdict.supported


def test_a_passage_about_another_year_does_not_answer():
    question = "Where was the Super Bowl 2021 played?"
    assert not meets_question_constraints(question, SUPER_BOWL_2022)
    assert meets_question_constraints(question, SUPER_BOWL_2021)  # the title and date say 2021
    verdict = verify_claim("SoFi Stadium", 1, question, [SUPER_BOWL_2022, SUPER_BOWL_2021], 0.6)
    assert not verdict.supported


def test_repeating_the_question_is_not_an_answer():
    verdict = verify_claim("Russia's delegation", 1, "Who led Russia's delegation?", [TALKS], 0.6)
    assert not verdict.supported


def test_a_bare_yes_or_no_is_not_held_by_a_sentence_that_uses_the_word():
    text = passage("The output is more complex: it isn't just yes or no.", title="Output")
    question = "Is the output simple or complex?"
    verdict = verify_claim("Yes.", 1, question, [text], 0.6)
    assert not verdict.supported and "yes or no" in verdict.reason
    assert verify_claim("The output", 1, "What is more complex?", [text], 0.6).supported


def test_a_claim_from_an_article_outside_the_questions_week_is_not_verified():
    old = passage("Hurricane Irma left Puerto Rico without power.", "Irma", "2017-09-07", "a")
    new = passage("Hurricane Fiona left Puerto Rico without power.", "Fiona", "2022-06-15", "b")
    undated = passage("Hurricane Irma left Puerto Rico without power.", "Irma", None, "c")
    question = "Which hurricane left Puerto Rico without power this week?"
    week = ("2022-06-09", "2022-06-17")
    assert verify_claim("Hurricane Irma", 1, question, [old], 0.6).supported  # no window
    assert not verify_claim("Hurricane Irma", 1, question, [old, new], 0.6, window=week).supported
    assert verify_claim("Hurricane Fiona", 2, question, [old, new], 0.6, window=week).supported
    assert verify_claim("Hurricane Irma", 1, question, [undated], 0.6, window=week).supported


def test_a_year_of_any_century_and_the_questions_numbers_must_be_in_the_passage():
    text = "King George III issued the Royal Proclamation of 1763 after the 7 years of war."
    proclamation = passage(text, title="Proclamation")
    assert verify_claim(
        "King George III", 1, "Who issued the Royal Proclamation of 1763?", [proclamation], 0.6
    ).supported
    for question in (
        "Who issued the Royal Proclamation of 1736?",  # another year, not only 19xx/20xx
        "Who issued the Royal Proclamation after 30 years of war?",
    ):
        assert not verify_claim("King George III", 1, question, [proclamation], 0.6).supported
    # A number word often counts the answer and is not a constraint.
    assert verify_claim(
        "King George III", 1, "Which two kings issued the Royal Proclamation?", [proclamation], 0.6
    ).supported


def test_a_question_about_what_is_not_the_case_needs_a_sentence_that_says_not():
    text = passage("Article 65 of the agreement banned cartels.", title="Treaty")
    assert verify_claim("cartels", 1, "What did Article 65 ban?", [text], 0.6).supported
    assert not verify_claim("cartels", 1, "What did Article 65 not ban?", [text], 0.6).supported
    refused = passage("Germany refused to sign the treaty in Paris.", title="Treaty")
    assert verify_claim(
        "Germany", 1, "Which country didn't sign the treaty?", [refused], 0.6
    ).supported
    plain = passage("Germany signed the treaty in Paris.", title="Treaty")
    assert not verify_claim(
        "Germany", 1, "Which country didn't sign the treaty?", [plain], 0.6
    ).supported


def _prepared(passages: list[Passage], question: str) -> Prepared:
    return Prepared(question, [], question, passages, None, 0.0)


def test_an_unverified_reading_is_never_shown():
    settings = Settings(answerer="extractive")
    reading = parse_reply('{"passage": 1, "answer": "Vladimir Putin"}')
    checked = check_reading(reading, _prepared([TALKS], "Who led Russia's delegation?"), settings)
    assert checked.abstained and checked.unsupported == 1
    assert checked.text == settings.refusal_text and checked.citations == []


def test_a_verified_reading_cites_the_holding_sentence_with_exact_offsets():
    settings = Settings(answerer="extractive")
    reading = ReaderReply(2, "Igor Kostyukov", "")
    prepared = _prepared([SUPER_BOWL_2022, TALKS], "Who led Russia's delegation?")
    checked = check_reading(reading, prepared, settings)
    assert checked.text == "Igor Kostyukov [1]" and checked.recited == 0
    citation = checked.citations[0]
    assert citation.doc_id == "talks" and "Kostyukov" in citation.quote
    article = " " * 100 + TALKS.chunk.text
    assert article[citation.start : citation.end] == citation.quote


@pytest.mark.parametrize(
    ("raw", "passage_n", "answer"),
    [
        ('{"passage": 2, "answer": "Kozak"}', 2, "Kozak"),
        ('```json\n{"passage": 0, "answer": ""}\n```', 0, ""),
        ("Dmitry Kozak led it [3].", 3, "Dmitry Kozak led it ."),
    ],
)
def test_replies_are_read_as_json_or_as_cited_prose(raw, passage_n, answer):
    reading = parse_reply(raw)
    assert reading.passage == passage_n and reading.answer == answer


@pytest.mark.parametrize(
    ("claim", "question", "held"),
    [
        ("Kostyukov", "Who led Russia's delegation?", True),
        ("US", "Who led Russia's delegation?", False),  # an acronym is not a person
        ("talks", "How long did the talks last?", False),  # "how long" wants a number
    ],
)
def test_the_claim_must_be_of_the_kind_asked_for(claim, question, held):
    assert verify_claim(claim, 1, question, [TALKS], 0.6).supported is held


def test_an_acronym_is_a_place_but_not_a_person():
    exile = passage("The former prince moved to the UAE in 2020 with his family.", title="Exile")
    assert verify_claim("UAE", 1, "Where did the former prince move?", [exile], 0.6).supported
    assert not verify_claim("UAE", 1, "Who moved with the former prince?", [exile], 0.6).supported


ENVOYS = passage(
    "It was the US proposal. The president of the United States made the request personally. "
    "Russia's team is led by Igor Kostyukov.",
    title="Russian and US envoys meet in Abu Dhabi",
    doc="envoys",
)


@pytest.mark.parametrize(
    ("claim", "question", "held"),
    [
        # A role the article writes in lower case names no one; "United States" is the "US"
        # the question already names.
        ("President of the United States", "Who led the US delegation?", False),
        ("the US President", "Who led the US delegation?", False),
        ("Igor Kostyukov", "Who led Russia's team?", True),
    ],
)
def test_a_who_answer_must_be_a_name_as_the_article_writes_it(claim, question, held):
    assert verify_claim(claim, 1, question, [ENVOYS], 0.6).supported is held


def test_a_name_pieced_together_from_two_sentences_is_not_stated():
    talks = passage(
        "Negotiators from Ukraine, Russia and the United States are meeting in Abu Dhabi. "
        "President Volodymyr Zelensky said the strikes cast doubt on diplomacy."
    )
    question = "Who led the US delegation in Abu Dhabi?"
    assert not verify_claim("President of the United States", 1, question, [talks], 0.6).supported
    assert verify_claim(
        "President Volodymyr Zelensky", 1, "Who said the strikes cast doubt?", [talks], 0.6
    ).supported


def test_a_name_that_only_opens_sentences_is_still_a_name():
    meeting = passage("Macron met Putin in Moscow. Farmers protested. The farmers were angry.")
    assert verify_claim("Macron", 1, "Who met Putin in Moscow?", [meeting], 0.6).supported
    assert not verify_claim("Farmers", 1, "Who protested?", [meeting], 0.6).supported


@pytest.mark.parametrize(
    ("claim", "question", "text"),
    [
        # A year of any century is a time.
        ("1303", "When did Zhu publish the Jade Mirror?", "Zhu published the Jade Mirror in 1303."),
        # "dozens" is a number.
        ("dozens", "How many empires used the practice?", "Dozens of empires used the practice."),
        # An opening clause does not ask: "what" does.
        (
            "nationalist differences",
            "When Iqbal promoted unity, what did he encourage people to set aside?",
            "Iqbal encouraged Muslims to set aside nationalist differences.",
        ),
    ],
)
def test_years_counts_and_opening_clauses_are_read_for_what_is_asked(claim, question, text):
    assert verify_claim(claim, 1, question, [passage(text, title="History")], 0.6).supported


def test_a_number_inside_a_hyphenated_word_is_stated():
    corliss = passage(
        "The Corliss steam engine, patented in 1849, was a four-valve counter flow engine.",
        title="Steam engine",
    )
    assert verify_claim(
        "four", 1, "How many valves did the Corliss engine use?", [corliss], 0.6
    ).supported
    plan = passage(
        "The initial Three-Year Plan to rebuild Poland (especially Warsaw) was a major success.",
        title="Warsaw",
    )
    question = "What was a major success in rebuilding Warsaw?"
    assert verify_claim("Three-Year Plan", 1, question, [plan], 0.6).supported
    assert not verify_claim("Five-Year Plan", 1, question, [plan], 0.6).supported


def test_spaced_initials_match_the_article_spelling():
    officials = passage("Assistant Secretary of State Karen Donfried said the U.S. would respond.")
    claim = "Karen Donfried is the U. S. Assistant Secretary of State."
    assert verify_claim(claim, 1, "Who is Karen Donfried?", [officials], 0.6).supported


def test_the_words_a_claim_adds_to_the_question_must_be_held():
    question = "BQP and QMA are associated with what type of Turing machine?"
    general = passage("The Turing machine is the most used model in complexity theory.", doc="g")
    quantum = passage("BQP and QMA are classes tied to quantum Turing machines.", doc="q")
    assert not verify_claim("quantum Turing machines", 1, question, [general], 0.6).supported
    verdict = verify_claim("quantum Turing machines", 1, question, [general, quantum], 0.6)
    assert verdict.supported and verdict.support.recited
    assert verdict.support.passage_index == 1


def test_a_word_of_the_headline_alone_does_not_hold_an_answer():
    question = "And who led the delegation?"
    talks = passage(
        "The Russian Foreign Ministry published its draft treaties. Officials met on Monday.",
        title="US and Russia hold talks to ease the Ukraine standoff",
    )
    assert not verify_claim("Ukraine", 1, question, [talks], 0.6).supported
    stated = passage("Ukraine's delegation was led by Rustem Umerov.", title="Talks resume")
    held = verify_claim("Rustem Umerov", 1, "Who led Ukraine's delegation?", [stated], 0.6)
    assert held.supported


def test_a_rare_name_of_the_question_weighs_more_than_one_every_article_uses():
    question = "How many Russian troops were sent to Ukraine before the Geneva talks?"
    withdrawal = passage("Putin ordered 17,600 Russian troops near Ukraine back to their bases.")
    # Unweighted, two of the three names are met; weighted by rarity, "Geneva" decides.
    assert meets_question_constraints(question, withdrawal)
    corpus_share = {"russian": 0.9, "ukrain": 0.9, "geneva": 0.01}

    def rarity(term: str) -> float:
        return math.log1p(1.0 / (corpus_share.get(term, 0.0) + 0.001))

    assert not meets_question_constraints(question, withdrawal, rarity)
    geneva = passage("Before the Geneva talks, 8,500 Russian troops were sent to Ukraine.")
    assert meets_question_constraints(question, geneva, rarity)


def test_an_acronym_of_the_question_meets_the_name_spelled_out():
    milan = passage("Putin is heading to Milan for talks with European Union leaders.")
    idf = {"putin": 0.5, "eu": 4.0, "nato": 4.0}

    def rarity(term: str) -> float:
        return idf.get(term, 1.0)

    assert meets_question_constraints(
        "Where is Putin heading for talks with the EU?", milan, rarity
    )
    assert not meets_question_constraints("Where is Putin going for NATO talks?", milan, rarity)


def test_an_acronym_of_the_question_is_not_met_by_a_common_word():
    aide = passage("The aide said the meeting would give us a clear indication.", title="Talks")
    assert not meets_question_constraints("What did the US aide say?", aide)
    envoy = passage("The U.S. aide said the meeting would give a clear indication.", title="Talks")
    assert meets_question_constraints("What did the US aide say?", envoy)


def test_an_acronym_that_opens_the_question_is_one_of_its_names():
    launch = passage(
        "NASA has launched a rocket from the Arnhem Space Centre, the first launch from a "
        "commercial spaceport in Australia.",
        title="Rocket launch from Australia",
    )
    question = "NASA made history with its first launch from a spaceport outside the US. Where?"
    # "US" alone is not in the article; "NASA", the question's first word, is.
    assert meets_question_constraints(question, launch)
    assert question_entities(question) == ["nasa", "us"]
    assert question_entities("Where did the launch occur, outside the US?") == ["us"]


def test_a_month_abbreviated_in_the_question_meets_it_spelled_out():
    montreal = passage(
        "In September 1760 Governor Vaudreuil negotiated a capitulation from Montreal."
    )
    question = "In Sept 1760 who negotiated a capitulation from Montreal?"
    # The month weighs more than the city here, so only its spelled-out form can meet it.
    assert meets_question_constraints(
        question, montreal, lambda term: 1.0 + 3 * (term != "montreal")
    )


def test_a_claim_whose_only_new_word_is_a_stop_word_needs_a_sentence_with_it():
    question = "President Joe Biden spoke about the Covid-19 pandemic this week. What did he say?"

    def article(text: str, doc: str) -> Passage:
        return passage(text, title="Joe Biden on Covid-19 in an interview", doc=doc)

    says_over = article('In an interview aired Sunday, Biden said: "The pandemic is over."', "a")
    no_over = article("Biden spoke about the pandemic in an interview aired Sunday.", "b")
    claim = "He said the pandemic is over."
    assert verify_claim(claim, 1, question, [says_over], 0.6).supported
    assert not verify_claim(claim, 1, question, [no_over], 0.6).supported
    # Without such a word it only repeats the question.
    assert verify_claim("Joe Biden", 1, question, [says_over], 0.6).reason == ECHOES_QUESTION


def test_names_match_their_other_forms_and_number_words_are_numbers():
    animals = "Which animals escaped at a Sydney zoo?"
    zoo = passage("Five lions escaped from their enclosure at Sydney's Taronga Zoo.")
    assert verify_claim("Five lions", 1, animals, [zoo], 0.6).supported
    assert not verify_claim("Six lions", 1, animals, [zoo], 0.6).supported
    charger = passage("The European Union will require a single common charger.")
    continent = "Which continent will require one charger?"
    assert verify_claim("Europe", 1, continent, [charger], 0.6).supported
    # Other words match exactly: "internal" does not hold "international".
    rules = passage("The union approved internal rules for chargers.")
    approved = "What did the union approve?"
    assert not verify_claim("international rules", 1, approved, [rules], 0.6).supported


WIRE_REPORT = passage(
    "Igor Kostyukov, the head of Russian military intelligence, led Russia's delegation.",
    title="Trilateral talks resume",
    doc="wire",
)
OTHER_STORY = passage(
    "Russia promoted Igor Kostyukov to admiral in 2018.",
    title="GRU chief profile",
    doc="profile",
)
SAME_ARTICLE = Passage(
    Chunk(
        "talks::1",
        "talks",
        1,
        "Kostyukov led Russia's delegation again.",
        300,
        341,
        "Abu Dhabi talks",
    ),
    0.5,
)


def test_other_articles_that_state_the_answer_are_cited_beside_it():
    question = "Who led Russia's delegation?"
    prepared = _prepared([TALKS, OTHER_STORY, SAME_ARTICLE, WIRE_REPORT], question)
    checked = check_reading(ReaderReply(1, "Igor Kostyukov", ""), prepared, Settings())
    # the wire report says it too; the profile names him but not as the delegation's head,
    # and a second passage of the cited article adds no source
    assert checked.text == "Igor Kostyukov [1][2]"
    assert [c.doc_id for c in checked.citations] == ["talks", "wire"]
    assert "led Russia's delegation" in checked.citations[1].quote
    alone = check_reading(
        ReaderReply(1, "Igor Kostyukov", ""),
        prepared,
        Settings(reader_corroborating_citations=0),
    )
    assert alone.text == "Igor Kostyukov [1]" and len(alone.citations) == 1


def test_the_shown_answer_is_completed_from_its_quote():
    prepared = _prepared([TALKS], "Who led Russia's delegation?")
    checked = check_reading(ReaderReply(1, "Kostyukov", ""), prepared, Settings())
    assert checked.text == "Igor Kostyukov [1]"
    plain = check_reading(
        ReaderReply(1, "Kostyukov", ""), prepared, Settings(reader_complete_span=False)
    )
    assert plain.text == "Kostyukov [1]"


PARIS_TALKS = passage(
    "The talks began on Tuesday at 1100 GMT in Paris and lasted eight hours.", title="Paris talks"
)


@pytest.mark.parametrize("claim", ["Tuesday", "January", "2022"])
def test_a_day_month_or_year_alone_does_not_answer_at_what_time(claim):
    question = "At what time did the Paris talks begin?"
    text = f"The talks began in Paris in {claim}."
    verdict = verify_claim(claim, 1, question, [passage(text, title="Paris talks")], 0.6)
    assert not verdict.supported and verdict.wrong_kind == "clock"


@pytest.mark.parametrize("claim", ["1100 GMT", "Tuesday at 1100 GMT"])
def test_a_time_of_day_answers_at_what_time(claim):
    question = "At what time did the Paris talks begin?"
    assert verify_claim(claim, 1, question, [PARIS_TALKS], 0.6).supported


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("At what time did the talks begin?", "clock"),
        ("What time do members vote on the motions?", "clock"),
        ("At what hour did the polls close?", "clock"),
        ("What time of year do the geese migrate?", "time"),
        ("What time frame does the war cover?", "time"),
        ("What day did the talks begin?", "time"),
        ("When did the talks begin?", "time"),
    ],
)
def test_a_time_of_day_is_asked_by_what_time_not_by_what_time_of(question, kind):
    assert expected_type(question) == kind


@pytest.mark.parametrize(
    ("sentence", "clock"),
    [
        ("MSPs vote at 5 pm.", True),
        ("The polls closed at 8 p.m.", True),
        ("Doors open at 9am.", True),
        ("They met at noon.", True),
        ("The race is run every two years.", True),
        ("They met on Tuesday morning.", True),
        ("They met on Tuesday.", False),
        ("They met in May 2021.", False),
    ],
)
def test_clock_times_are_read_as_times(sentence, clock):
    assert has_answer_type(sentence, "time", "When did they meet?")
    assert has_answer_type(sentence, "clock", "At what time did they meet?") is clock


@pytest.mark.parametrize(
    ("claim", "question", "text"),
    [
        (
            "talks beginning in early September and ending in mid-May",
            "When were the talks held?",
            "The talks ran from early September and ended in mid-May.",
        ),
        (
            "pro-Russian separatists",
            "Who shelled the town?",
            "The town was shelled by pro-Russian separatists on Sunday.",
        ),
    ],
)
def test_a_name_inside_a_hyphenated_word_is_held_by_that_word(claim, question, text):
    # "mid-May" is one fact term but holds the name "May": both sides read names alike.
    assert verify_claim(claim, 1, question, [passage(text)], 0.6).supported


def test_a_question_entity_inside_a_hyphenated_word_is_met():
    pro_russian = passage("Pro-government media said the anti-Kremlin rally was small.")
    assert meets_question_constraints("How big was the Kremlin protest?", pro_russian)


@pytest.mark.parametrize(
    ("question", "text"),
    [
        (
            "Which company faces the biggest strike in US history?",
            "The biggest strike in American history.",
        ),
        ("What did American officials say?", "The U.S. said no."),
        ("What did Chinese officials announce?", "China announced new tariffs."),
        ("Which painter worked in Holland?", "Rembrandt painted the Dutch Republic."),
        ("What did the British government announce?", "The UK government announced a levy."),
    ],
)
def test_a_country_is_met_by_its_demonym_code_or_other_name(question, text):
    # News writes a country as a noun, an adjective or a code by turns.
    assert meets_question_constraints(question, passage(text, title=""))


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("What did Chinese officials announce?", "Japan announced new tariffs."),
        ("What did American officials say?", "Then they told us no."),  # the pronoun
        ("What did Italian officials say?", "It was said in Rome."),  # "It" is no code
    ],
)
def test_another_country_or_a_common_word_does_not_meet_a_country(question, text):
    assert not meets_question_constraints(question, passage(text, title=""))


# A pool of news snippets: the headline is often the only statement of the fact asked for.
INFINIBAND = passage(
    "Three-year project will back programmers' effort to build Linux software support for "
    "the high-speed networking technology.",
    title="Energy Dept. funds open-source InfiniBand work",
    doc="infiniband",
)


def test_a_claim_only_the_headline_states_is_held_by_the_headline():
    question = "Which government department is funding the open-source InfiniBand work?"
    verdict = verify_claim("Energy Dept.", 1, question, [INFINIBAND], 0.6)
    assert verdict.supported and verdict.support.in_title
    # The headline must state the claim whole and be about the question.
    assert not verify_claim("Commerce Dept.", 1, question, [INFINIBAND], 0.6).supported
    unrelated = "Which department did the programmers' union sue?"
    assert not verify_claim("Energy Dept.", 1, unrelated, [INFINIBAND], 0.6).supported


def test_a_sentence_that_states_the_claim_is_quoted_before_any_headline():
    headline_only = passage("Officials met on Monday.", title="Kostyukov leads Russian side")
    verdict = verify_claim(
        "Igor Kostyukov", 1, "Who led Russia's delegation?", [headline_only, TALKS], 0.6
    )
    assert verdict.supported and not verdict.support.in_title
    assert verdict.support.passage_index == 1


def test_a_headline_quote_is_the_title_with_empty_offsets():
    settings = Settings(answerer="extractive")
    question = "Which government department is funding the open-source InfiniBand work?"
    checked = check_reading(
        ReaderReply(1, "Energy Dept.", ""), _prepared([INFINIBAND], question), settings
    )
    assert checked.text == "Energy Dept. [1]"
    citation = checked.citations[0]
    assert citation.quote_in == "title" and citation.quote == INFINIBAND.chunk.title
    assert (citation.start, citation.end) == (0, 0)


AJAVON = passage(
    "Freshman guard Matee Ajavon scored 29 points to lead Rutgers over South Dakota State.",
    title="Rutgers stops South Dakota State",
    doc="ajavon",
)


def test_a_number_of_another_thing_than_the_question_counts_does_not_answer():
    points = verify_claim("29", 1, "How many points did Matee Ajavon score?", [AJAVON], 0.6)
    assert points.supported
    rebounds = verify_claim("29", 1, "How many rebounds did Matee Ajavon have?", [AJAVON], 0.6)
    assert not rebounds.supported


def test_a_unit_abbreviation_names_what_is_counted():
    warsaw = passage("Warsaw lies about 300 km from the Carpathian Mountains.", title="Warsaw")
    question = "How many kilometers is Warsaw from the Carpathian Mountains?"
    assert verify_claim("about 300 km", 1, question, [warsaw], 0.6).supported
