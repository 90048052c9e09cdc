"""The kind of answer a question asks for: a name for who, a number for how many, a time."""

from __future__ import annotations

import pytest

from rag.answering.extractive import expected_type, has_answer_type
from rag.answering.question_fit import counted_noun
from rag.answering.verify import MONEY_NOT_ASKED, verify_claim
from tests.verify_cases import (
    TALKS,
    passage,
)


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


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many Russian troops did Putin order back?", "troop"),
        ("How many people were killed in the strikes?", "peopl"),
        # A verb right after the plural is not what is counted.
        ("How many academic units make up the school?", "unit"),
        ("How many Huguenots fled to England?", "huguenot"),
        ("How many people died in the earthquake?", "peopl"),
        ("How many Russian children live there?", "children"),
        # "-ss", "-us" and a two-letter acronym are no plurals.
        ("How many business days does it take?", "day"),
        ("How many US Presidents campaigned there?", "presid"),
    ],
)
def test_what_a_how_many_question_counts(question, counted):
    assert counted_noun(question) == counted


def test_a_verb_after_the_counted_plural_is_not_demanded_of_the_sentence():
    school = passage("The university is organized into eleven academic units.", title="Harvard")
    question = "How many academic units make up the university?"
    assert verify_claim("eleven", 1, question, [school], 0.6).supported


def test_an_amount_of_money_answers_only_a_question_about_money():
    budget = passage(
        "Riverton city council on Tuesday approved a budget of $1.2 billion for 2025.",
        title="Riverton council approves budget",
    )
    population = "What is the population of Riverton?"
    # bare, or bare where the sentence writes it in dollars: no population
    for claim in ("$1.2 billion", "1.2 billion"):
        verdict = verify_claim(claim, 1, population, [budget], 0.6)
        assert not verdict.supported and verdict.reason == MONEY_NOT_ASKED
    for question in ("What was the council's budget?", "How much will Riverton spend?"):
        assert verify_claim("$1.2 billion", 1, question, [budget], 0.6).supported


def test_a_place_in_an_order_is_held_by_the_sentence_that_names_both():
    race = passage(
        "Kenyan-born runner Amara Okafor won the Riverton City Marathon on Sunday. "
        "Defending champion Jonas Lindqvist of Sweden finished second, 38 seconds behind. "
        "Priya Raman took 3rd place.",
        title="Okafor wins Riverton Marathon",
    )
    second = "Who finished second in the Riverton marathon?"
    # the winner's sentence sits next to "finished second" but does not say it of her
    assert not verify_claim("Amara Okafor", 1, second, [race], 0.6).supported
    assert verify_claim("Jonas Lindqvist", 1, second, [race], 0.6).supported
    assert verify_claim("Priya Raman", 1, "Who came third in the marathon?", [race], 0.6).supported
    assert verify_claim("Amara Okafor", 1, "Who won the Riverton marathon?", [race], 0.6).supported
