"""Which countries a text names: one-word forms, codes, and names of several words."""

from __future__ import annotations

import pytest

from rag.country_names import countries_named, words_naming


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Russian troops withdrew.", "russia"),
        ("The US said no.", "united states"),
        ("The president of the United States called.", "united states"),
        ("Talks with South Korea resumed.", "south korea"),
        ("Great Britain voted.", "united kingdom"),
    ],
)
def test_a_country_is_named_by_a_word_a_code_or_a_whole_name(text, country):
    assert country in countries_named(text)


@pytest.mark.parametrize(
    "text",
    [
        "The United Nations met.",  # no country
        "the united states of the matter",  # a name of several words counts as written
        "South of the river, a new state.",
        "Then they told us no.",  # the pronoun, not the code
    ],
)
def test_words_of_a_country_name_alone_name_no_country(text):
    assert countries_named(text) == frozenset()


def test_the_words_naming_a_country():
    us = countries_named("the American delegation")
    assert words_naming("President of the United States", us) == {"United", "States"}
    assert words_naming("US Army Secretary Dan Driscoll", us) == {"US"}
    assert words_naming("Ukrainian President Zelensky", us) == set()
