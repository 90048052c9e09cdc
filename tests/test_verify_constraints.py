"""The question's constraints a passage must meet: years, numbers, weeks, negation and entities."""

from __future__ import annotations

import math

import pytest

from rag.answering.extractive import question_entities
from rag.answering.question_fit import meets_question_constraints
from rag.answering.verify import verify_claim
from tests.verify_cases import (
    SUPER_BOWL_2021,
    SUPER_BOWL_2022,
    passage,
)


def test_a_passage_about_another_year_does_not_answer():
    question = "Where was the Super Bowl 2021 played?"
    assert not meets_question_constraints(question, SUPER_BOWL_2022)
    assert meets_question_constraints(question, SUPER_BOWL_2021)  # the title and date say 2021
    verdict = verify_claim("SoFi Stadium", 1, question, [SUPER_BOWL_2022, SUPER_BOWL_2021], 0.6)
    assert not verdict.supported


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
        ("What did American officials say?", "Officials of the United States said no."),
        ("What did Korean officials say?", "South Korea said no."),
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


def test_a_quarter_code_is_a_time_not_a_name():
    # "Q3" is met by "third quarter" (a quarter the constraints read), not asked as a word.
    text = "Halvorsen Robotics reported third-quarter revenue of $298 million."
    q3 = passage(text, title="Halvorsen results", date="2025-10-30")
    question = "What was Halvorsen's revenue in Q3 2025?"
    assert meets_question_constraints(question, q3)
    assert verify_claim("$298 million", 1, question, [q3], 0.6).supported
    q2 = passage(text.replace("third", "second"), title="Halvorsen results", date="2025-07-30")
    assert not meets_question_constraints(question, q2)
    # an article about both quarters: the sentence about the second does not answer for the
    # third, though its neighbour names the third
    both = passage(
        "Halvorsen restated its second-quarter revenue to $328 million, down from $341 "
        "million. For the third quarter, it reported revenue of $298 million.",
        title="Halvorsen restates second-quarter figures",
        date="2025-10-22",
    )
    assert not verify_claim("$341 million", 1, question, [both], 0.6).supported
    assert verify_claim("$298 million", 1, question, [both], 0.6).supported


def test_a_month_of_the_question_is_met_by_the_article_date():
    text = "The council revised the transit budget upward to $52.7 million on Wednesday."
    question = "What was the transit budget in November 2025?"
    november = passage(text, title="Transit budget revised", date="2025-11-05")
    march = passage(text, title="Transit budget revised", date="2025-03-12")
    assert meets_question_constraints(question, november)
    assert verify_claim("$52.7 million", 1, question, [november], 0.6).supported
    assert not meets_question_constraints(question, march)
    undated = passage(text, title="Transit budget revised")
    assert not meets_question_constraints(question, undated)
