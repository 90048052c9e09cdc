"""The reader's reply after verification: what is shown, cited and quoted."""

from __future__ import annotations

import pytest

from rag.answering.pipeline import check_reading
from rag.answering.reader import ReaderReply, parse_reply
from rag.settings import Settings
from rag.types import Chunk, Passage
from tests.verify_cases import (
    INFINIBAND,
    SUPER_BOWL_2022,
    TALKS,
    passage,
    prepared_for,
)


def test_an_unverified_reading_is_never_shown():
    settings = Settings(answerer="extractive")
    reading = parse_reply('{"passage": 1, "answer": "Vladimir Putin"}')
    checked = check_reading(
        reading, prepared_for([TALKS], "Who led Russia's delegation?"), settings
    )
    assert checked.abstained and checked.unsupported == 1
    assert checked.text == settings.refusal_text and checked.citations == []


def test_a_verified_reading_cites_the_holding_sentence_with_exact_offsets():
    settings = Settings(answerer="extractive")
    reading = ReaderReply(2, "Igor Kostyukov", "")
    prepared = prepared_for([SUPER_BOWL_2022, TALKS], "Who led Russia's delegation?")
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
    prepared = prepared_for([TALKS, OTHER_STORY, SAME_ARTICLE, WIRE_REPORT], question)
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


def test_a_second_source_must_state_what_the_question_asks_of_the_claim():
    # Last year's report names this year's winner under a marathon headline, as runner-up.
    winner = passage(
        "Amara Okafor won the Riverton City Marathon on Sunday in a course record.",
        title="Okafor wins Riverton Marathon",
        doc="2024",
    )
    runner_up = passage(
        "Amara Okafor finished second, 12 seconds behind, after leading for most of the race.",
        title="Lindqvist takes Riverton Marathon title",
        doc="2023",
    )
    echo = passage(
        "Amara Okafor won the Riverton City Marathon again, organisers said.",
        title="Riverton results",
        doc="wire",
    )
    prepared = prepared_for([winner, runner_up, echo], "Who won the Riverton marathon?")
    checked = check_reading(ReaderReply(1, "Amara Okafor", ""), prepared, Settings())
    assert [c.doc_id for c in checked.citations] == ["2024", "wire"]


def test_the_shown_answer_is_completed_from_its_quote():
    prepared = prepared_for([TALKS], "Who led Russia's delegation?")
    checked = check_reading(ReaderReply(1, "Kostyukov", ""), prepared, Settings())
    assert checked.text == "Igor Kostyukov [1]"
    plain = check_reading(
        ReaderReply(1, "Kostyukov", ""), prepared, Settings(reader_complete_span=False)
    )
    assert plain.text == "Kostyukov [1]"


def test_a_headline_quote_is_the_title_with_empty_offsets():
    settings = Settings(answerer="extractive")
    question = "Which government department is funding the open-source InfiniBand work?"
    checked = check_reading(
        ReaderReply(1, "Energy Dept.", ""), prepared_for([INFINIBAND], question), settings
    )
    assert checked.text == "Energy Dept. [1]"
    citation = checked.citations[0]
    assert citation.quote_in == "title" and citation.quote == INFINIBAND.chunk.title
    assert (citation.start, citation.end) == (0, 0)
