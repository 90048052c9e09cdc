"""Years, quarters, dates and numbers in questions, and passages that meet them."""

from __future__ import annotations

from datetime import date

import pytest

from rag.constraints import (
    Constraints,
    met_share,
    question_constraints,
    relative_window,
    window_met,
)
from rag.retrieve import Filters
from tests.conftest import write_feed

AS_OF = date(2022, 6, 17)  # a Friday: a weekly news quiz's date


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who won Wimbledon in 2019?", Constraints(years=frozenset({2019}))),
        (
            "What was Tesla's revenue in Q1 2021?",
            Constraints(years=frozenset({2021}), quarters=frozenset({1})),
        ),
        ("What did the firm earn in the third quarter?", Constraints(quarters=frozenset({3}))),
        (
            "He hit a record-breaking 62nd home run. Who holds the record of 73?",
            Constraints(numbers=frozenset({"62", "73"})),
        ),
        ("Where did the 7.0-magnitude earthquake hit?", Constraints(numbers=frozenset({"7.0"}))),
        ("Could 300,000 be conscripted?", Constraints(numbers=frozenset({"300000"}))),
        ("Which city paid $26 million?", Constraints(numbers=frozenset({"26"}))),
        (
            "Prices rose 6% this year",
            Constraints(numbers=frozenset({"6"}), window=("2022-01-01", "2022-06-17")),
        ),
        (
            "What happened on June 12, 2022?",
            Constraints(years=frozenset({2022}), month_days=frozenset({(6, 12)})),
        ),
        ("Who spoke on 4 July?", Constraints(month_days=frozenset({(7, 4)}))),
        (
            "What changed in Sept. 2020?",
            Constraints(years=frozenset({2020}), month_years=frozenset({(9, 2020)})),
        ),
    ],
)
def test_what_questions_pin_down(question: str, expected: Constraints) -> None:
    assert question_constraints(question, AS_OF) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Who won the Covid-19 vaccine race?",  # a number inside a name
        "Which G7 leader spoke first?",
        "What are the 3 things to know?",  # small bare numbers are too common to count
        "Who leads the Airbus A380 programme?",
    ],
)
def test_names_and_small_numbers_are_not_constraints(question: str) -> None:
    assert not question_constraints(question)


def test_met_by_the_text_or_by_the_article_date() -> None:
    asked = question_constraints("What was Tesla's revenue in Q1 2021?")
    assert met_share(asked, "Tesla's first-quarter revenue rose.", "2021-04-20") == 1.0
    assert met_share(asked, "Tesla's Q1 revenue rose, as in 2021.", None) == 1.0
    assert met_share(asked, "Tesla's fourth-quarter revenue rose.", "2021-01-27") == 0.5
    assert met_share(asked, "Tesla's revenue rose in 2020.", "2020-07-01") == 0.0
    nothing = question_constraints("Who is Tesla's chief executive?")
    assert met_share(nothing, "Musk, in 2021.", "2021-01-01") == 0.0


def test_numbers_match_whatever_their_writing() -> None:
    asked = question_constraints("How many of the 300,000 reservists were called up?")
    assert met_share(asked, "Up to 300000 reservists.", None) == 1.0
    assert met_share(asked, "Up to 300,000 reservists.", None) == 1.0
    assert met_share(asked, "Up to 30,000 reservists.", None) == 0.0


def twin_pages(make_service, tmp_path, body: str, title: str, dated: dict[str, str | None]):
    """A service over copies of one page, one per id in ``dated`` with that date (or none)."""
    records = [
        {"id": doc, "title": title, "text": body, **({"date": day} if day else {})}
        for doc, day in dated.items()
    ]
    feed = write_feed(tmp_path / "feed.jsonl", records)
    service = make_service(constraint_weight=1.0)
    service.index([feed])
    return service


def test_the_year_constraint_decides_between_near_twins(make_service, tmp_path) -> None:
    """Two reports of the same event, a year apart: the question's year picks the page."""
    body = (
        "The club won the national cup final on Saturday, beating its rivals 2-1 in front "
        "of a sold-out crowd. The captain lifted the trophy in the rain."
    )
    dated = {"cup-2019": "2019-05-18", "cup-2021": "2021-05-22"}
    service = twin_pages(make_service, tmp_path, body, "Club wins the cup", dated)
    for year in ("2019", "2021"):  # identical texts: without the constraint one year loses
        asked = f"Who won the {year} national cup final?"
        assert service.retrieve(asked, top_k=1)[0].chunk.doc_id == f"cup-{year}"


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("Who won the final this week?", "2022-06-09"),
        ("What did the president say yesterday?", "2022-06-14"),
        ("Which firm recently cut jobs?", "2022-05-16"),
        ("What did lawmakers pass last month?", "2022-04-15"),
        ("Which phone will Apple unveil next month?", "2022-05-16"),
        ("Who plays in the final next week?", "2022-06-09"),
        ("How many troops could soon be called up?", "2022-05-16"),
    ],
)
def test_relative_times_count_back_from_the_as_of_date(question: str, first: str) -> None:
    assert relative_window(question, AS_OF) == (first, "2022-06-17")
    asked = question_constraints(question, AS_OF)
    assert met_share(asked, "Any text.", "2022-06-16") == 1.0
    assert met_share(asked, "Any text.", "2021-06-16") == 0.0
    assert relative_window("Who won the 2019 final?", AS_OF) is None


def test_the_as_of_date_picks_the_week_a_question_means(make_service, tmp_path) -> None:
    """The same story in two weeks: "this week" as of each quiz date picks that week's page;
    as of a date no article is near, the ranking is the one without a time."""
    body = (
        "Lawmakers approved the new budget on Thursday after a long night of debate, and "
        "the speaker said the vote was a relief for families across the country."
    )
    dated = {"june": "2022-06-16", "september": "2022-09-15"}
    service = twin_pages(make_service, tmp_path, body, "Budget approved", dated)
    asked = "Which budget did lawmakers approve this week?"
    for as_of, expected in (("2022-06-17", "june"), ("2022-09-16", "september")):
        top = service.retrieve(asked, top_k=1, filters=Filters(as_of=as_of))[0]
        assert top.chunk.doc_id == expected
    far = service.retrieve(asked, top_k=2, filters=Filters(as_of="2026-12-01"))
    assert far[0].score == pytest.approx(far[1].score)  # twin pages, neither in the window


def test_a_prepared_question_carries_the_window_its_retrieved_articles_meet(
    make_service, tmp_path
) -> None:
    """What verification reads: the week as of the quiz date, and none where no article is."""
    from rag.answering.pipeline import prepare

    body = "Lawmakers approved the new budget on Thursday after a long night of debate."
    dated = {"june": "2022-06-16", "old": "2019-03-14"}
    service = twin_pages(make_service, tmp_path, body, "Budget approved", dated)
    asked = "Which budget did lawmakers approve this week?"
    quiz = prepare(service.corpus, asked, None, 2, Filters(as_of="2022-06-17"))
    assert quiz.window == ("2022-06-09", "2022-06-17")
    assert prepare(service.corpus, asked, None, 2, Filters(as_of="2026-12-01")).window is None


def test_nothing_published_after_the_as_of_day_is_retrieved(make_service, tmp_path) -> None:
    body = "The city council approved the new stadium plan after a long debate on Monday."
    dated = {"before": "2022-06-13", "after": "2022-09-12", "undated": None}
    service = twin_pages(make_service, tmp_path, body, "Stadium plan", dated)
    asked = "Which plan did the city council approve?"
    found = service.retrieve(asked, top_k=3, filters=Filters(as_of="2022-06-17"))
    assert {p.chunk.doc_id for p in found} == {"before", "undated"}
    assert len(service.retrieve(asked, top_k=3)) == 3


def test_a_relative_time_binds_when_a_retrieved_or_indexed_article_falls_in_it() -> None:
    question = "Which hurricane hit Puerto Rico this week?"
    week = ("2022-06-09", "2022-06-17")
    assert window_met(question, AS_OF, ["2017-09-06", "2022-06-15"]) == week
    assert window_met(question, AS_OF, ["2017-09-06", None]) is None  # an older archive
    assert window_met("Which hurricane hit Puerto Rico?", AS_OF, ["2022-06-15"]) is None
    # The index holds articles of that week, but none was retrieved: what was is of another time.
    covered = {week}
    assert window_met(question, AS_OF, ["2017-09-06"], lambda *w: w in covered) == week
    assert window_met(question, AS_OF, ["2017-09-06"], lambda *w: False) is None


def test_an_archive_that_covers_the_week_binds_it_though_only_an_old_page_is_retrieved(
    make_service, tmp_path
) -> None:
    from rag.answering.pipeline import prepare

    records = [
        {
            "id": "old",
            "title": "Budget approved",
            "date": "2019-03-14",
            "text": "Lawmakers approved the new budget on Thursday after a long night of debate.",
        },
        {
            "id": "storm",
            "title": "Storm hits coast",
            "date": "2022-06-15",
            "text": "A storm flooded the coastal towns on Wednesday and cut power to thousands.",
        },
    ]
    feed = write_feed(tmp_path / "feed.jsonl", records)
    service = make_service()
    service.index([feed])
    asked = "Which budget did lawmakers approve this week?"
    quiz = prepare(service.corpus, asked, None, 1, Filters(as_of="2022-06-17"))
    assert [p.chunk.doc_id for p in quiz.passages] == ["old"]
    assert quiz.window == ("2022-06-09", "2022-06-17")
    # As of today the archive holds nothing of this week: the time tells nothing.
    assert prepare(service.corpus, asked, None, 1, Filters(as_of="2026-12-01")).window is None
