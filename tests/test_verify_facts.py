"""Facts a claim is checked in: numbers, months, initials and names in their other forms."""

from __future__ import annotations

import pytest

from rag.answering.facts import normalise_facts, numbers
from rag.answering.verify import verify_claim
from tests.verify_cases import (
    passage,
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
