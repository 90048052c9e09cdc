"""A verified short answer shown in its sentence's own words, widened by grammar rules."""

from __future__ import annotations

import pytest

from rag.answering.span import complete_span


@pytest.mark.parametrize(
    ("claim", "sentence", "shown"),
    [
        # a number keeps its qualifier, currency and unit
        (
            "3 pence in the pound",
            "It may alter income tax by up to 3 pence in the pound.",
            "up to 3 pence in the pound",
        ),
        ("3,000", "Nearly 3,000 people died.", "Nearly 3,000"),
        ("3,000", "Nearly 3,000 Protestants fled.", "Nearly 3,000"),
        # a number the sentence spells out is shown as it is written there
        ("9", "Toghun was the last of the nine successors of Kublai.", "nine"),
        ("40,000", "While an estimated 40,000 troops remained", "an estimated 40,000"),
        ("20,000", "The bidder paid $20,000 for it.", "$20,000"),
        ("5", "Inflation rose 5% in May.", "5%"),
        # a span cut inside a word takes the word: "parallel" of "antiparallel" is no answer
        ("parallel spins", "Two electrons with antiparallel spins share it.", "antiparallel spins"),
        ("powiat", "Poland is divided into counties or powiats.", "powiats"),
        # a name takes its title and the rest of the name, never across punctuation
        (
            "Malcolm III",
            "She married King Malcolm III of Scotland.",
            "King Malcolm III of Scotland",
        ),
        ("Seattle", "The Seattle Storm lost.", "Seattle Storm"),
        ("Brazil", "Brasilia, Brazil CNN — Results showed", "Brazil"),
        ("Kozak", "Ukraine was represented by Dmytro Kozak.", "Dmytro Kozak"),
        ("Igor Kostyukov", "It was led by Igor Kostyukov, head of the GRU.", "Igor Kostyukov"),
        (
            "Antony Blinken",
            "Then US Secretary of State Antony Blinken said.",
            "US Secretary of State Antony Blinken",
        ),
        # ... not a fragment cut at "of" by a sentence-initial word, a weekday or a possessive
        ("Antony Blinken", "Secretary of State Antony Blinken said.", "Antony Blinken"),
        ("Biden", "The bill was signed by Biden Tuesday.", "Biden"),
        ("Igor Kostyukov", "It was Russia's Igor Kostyukov.", "Igor Kostyukov"),
        # ... nor two names joined by "and"
        (
            "Olaf Scholz",
            "Met by President Emmanuel Macron and Chancellor Olaf Scholz.",
            "Chancellor Olaf Scholz",
        ),
        # a hyphenated modifier belongs to its noun
        ("maps", "He studies the role of nineteenth-century maps.", "nineteenth-century maps"),
        # the model's casing of its own words, the sentence's spacing of initials
        ("Paris", "PARIS (AP) The talks began.", "Paris"),
        ("U. S. ambassador", "He is a former U.S. ambassador.", "U.S. ambassador"),
        (
            "Good luck and good night.",
            "“Good luck and good night,” he said.",
            "Good luck and good night.",
        ),
        # not found word for word: as the model wrote it
        ("the head of the GRU", "Kostyukov heads military intelligence.", "the head of the GRU"),
    ],
)
def test_the_shown_span_is_the_sentences_own_fuller_words(claim, sentence, shown):
    assert complete_span(claim, sentence) == shown
    assert shown in sentence or shown == claim or shown.lower() in sentence.lower()


def test_words_the_question_already_says_are_not_added():
    sentence = "Russian Defense Minister Sergei Shoigu said the drills were over."
    assert complete_span("Sergei Shoigu", sentence, "Who is Russia's defense minister?") == (
        "Sergei Shoigu"
    )
    assert complete_span("Sergei Shoigu", sentence, "Who ended the drills?") == (
        "Defense Minister Sergei Shoigu"
    )
