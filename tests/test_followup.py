"""Follow-up questions completed from the previous one by grammar (no LLM)."""

from __future__ import annotations

import pytest

from rag.answering.followup import complete_ellipsis, standalone_question

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
