"""Follow-up questions completed from the previous one by grammar (no LLM)."""

from __future__ import annotations

import pytest

from rag.answering.followup import complete_ellipsis, search_query, standalone_question

RUSSIA = "Who led Russia's delegation in Abu Dhabi?"


@pytest.mark.parametrize(
    ("follow_up", "completed"),
    [
        ("And who led Ukraine's?", "Who led Ukraine's delegation in Abu Dhabi?"),
        ("What about Ukraine's?", "Who led Ukraine's delegation in Abu Dhabi?"),
        ("Ukraine's?", "Who led Ukraine's delegation in Abu Dhabi?"),
        ("And the American one?", "Who led the American delegation in Abu Dhabi?"),
        ("but who led the American one", "Who led the American delegation in Abu Dhabi?"),
        ("How about New Zealand's?", "Who led New Zealand's delegation in Abu Dhabi?"),
    ],
)
def test_a_stand_in_for_what_the_previous_question_owned_is_completed(follow_up, completed):
    assert complete_ellipsis(follow_up, RUSSIA) == completed


@pytest.mark.parametrize(
    "follow_up",
    [
        "And who represented Ukraine there?",  # a pronoun: left to the search and the reader
        "And Ukraine?",  # no possessive or "one": which word it replaces is a guess
        "Did he launch a new one?",  # asks something else of another thing
        "And who headed the American one?",  # a verb of its own: not the same question
        "And who's?",  # a contraction, no possessive
        "And the one?",  # nothing of its own to put in
        "Who is Steven Pifer?",
    ],
)
def test_other_follow_ups_are_left_as_asked(follow_up):
    assert complete_ellipsis(follow_up, RUSSIA) is None


def test_the_previous_question_needs_a_possessive():
    assert complete_ellipsis("And Ukraine's?", "When did the talks start?") is None
    # "What's" is a contraction, "New Zealand's" the possessive
    previous = "What's New Zealand's plan for the Pacific?"
    assert complete_ellipsis("And Australia's?", previous) == (
        "What's Australia's plan for the Pacific?"
    )


def test_a_chain_of_follow_ups_is_completed_from_the_first_question():
    history = [
        {"role": "user", "content": RUSSIA},
        {"role": "assistant", "content": "Igor Kostyukov [1]"},
        {"role": "user", "content": "And who led Ukraine's?"},
        {"role": "assistant", "content": "Rustem Umerov [1]"},
    ]
    assert standalone_question("And Belarus's?", history) == (
        "Who led Belarus's delegation in Abu Dhabi?"
    )
    assert standalone_question("And Belarus's?", None) is None


@pytest.mark.parametrize("follow_up", ["What about in 2023?", "And 2023?", "and in 2023"])
def test_another_year_alone_asks_the_previous_question_of_that_year(follow_up):
    previous = "Who won the Riverton marathon in 2024?"
    assert complete_ellipsis(follow_up, previous) == "Who won the Riverton marathon in 2023?"
    # with two years, or none, which one it replaces is a guess
    assert complete_ellipsis(follow_up, "Who won between 2020 and 2024?") is None
    assert complete_ellipsis(follow_up, "Who won the marathon?") is None
    assert complete_ellipsis("What happened in 2023?", previous) is None


def test_a_chain_of_follow_ups_is_searched_back_to_the_question_that_stands_alone():
    history = [
        {"role": "user", "content": "Who won the Riverton marathon in 2024?"},
        {"role": "assistant", "content": "Amara Okafor [1]"},
        {"role": "user", "content": "And who came second?"},
        {"role": "assistant", "content": "Jonas Lindqvist [1]"},
    ]
    assert search_query("When was that?", history) == (
        "Who won the Riverton marathon in 2024? And who came second? When was that?"
    )
    standalone = [{"role": "user", "content": "Who is Steven Pifer?"}, *history[2:]]
    assert search_query("When was that?", standalone) == (
        "Who is Steven Pifer? And who came second? When was that?"
    )
    # a question that stands on its own carries nothing
    assert search_query("Who organises the Riverton marathon?", history) == (
        "Who organises the Riverton marathon?"
    )


def test_what_was_owned_ends_with_the_previous_question_s_sentence():
    # a long earlier turn is not carried whole into the completed question
    previous = f"{RUSSIA} " + "x " * 5000
    assert complete_ellipsis("And who led Ukraine's?", previous) == (
        "Who led Ukraine's delegation in Abu Dhabi?"
    )
    assert complete_ellipsis(
        "And Ukraine's?", "Who led Russia's U.S. team at St. Louis talks?"
    ) == ("Who led Ukraine's U.S. team at St. Louis talks?")


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("What happened in Riverton this week?", False),  # "this week" is its own phrase
        ("Who won the Riverton marathon this year?", False),
        ("When was that?", True),
        ("How much did that cost?", True),
        ("What did he say about this?", True),
        ("Who represented Ukraine there?", True),
    ],
)
def test_a_demonstrative_before_a_noun_does_not_make_a_follow_up(question, follows):
    from rag.answering.followup import is_follow_up

    assert is_follow_up(question) is follows
    history = [{"role": "user", "content": "Who won the Riverton marathon?"}]
    assert (search_query(question, history) != question) is follows
