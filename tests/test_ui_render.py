"""The sources panel's cards: which part of a cited article is marked as the quote."""

from __future__ import annotations

from ui.render import card_html

CARD = {
    "n": 1,
    "doc_id": "infiniband",
    "title": "Energy Dept. funds open-source InfiniBand work",
    "url": None,
    "date": None,
    "text": "Three-year project will back programmers' effort to build Linux software support.",
    "start": 0,
    "end": 0,
}


def test_a_sentence_quote_is_marked_in_the_passage():
    quote = "Three-year project will back programmers' effort to build Linux software support."
    card = card_html({**CARD, "quote": quote, "quote_in": "text"}, turn=0)
    assert f"<mark>{quote.replace(chr(39), '&#x27;')}</mark>" in card
    assert "<mark>Energy" not in card


def test_a_headline_quote_is_marked_in_the_title():
    card = card_html({**CARD, "quote": CARD["title"], "quote_in": "title"}, turn=0)
    assert f"<mark>{CARD['title']}</mark>" in card
    assert card.count("<mark>") == 1  # the passage itself is shown unmarked
