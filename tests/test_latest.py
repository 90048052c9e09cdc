"""A later report of the same story: which later sentence is read again (no model here;
the read-again answer is in test_local_llm.py)."""

from __future__ import annotations

from rag.answering.cite import sentence_text
from rag.answering.latest import later_report, later_report_notice
from tests.verify_cases import passage

QUESTION = "When will the Harbor Point footbridge open?"
FIRST = passage(
    "The Harbor Point footbridge will open on June 14, the port authority said. "
    "It cost $12 million.",
    title="Harbor Point footbridge to open in June",
    date="2026-03-02",
    doc="first",
)
DELAYED = passage(
    "The opening of the Harbor Point footbridge has been delayed to September 20 because of "
    "cracked welds. Engineers found the cracks in May.",
    title="Footbridge opening delayed",
    date="2026-05-30",
    doc="delayed",
)
FIRST_QUOTE = "The Harbor Point footbridge will open on June 14, the port authority said."


def quoted(found, passages) -> list[str]:
    chosen = passages[found.passage_index]
    return [sentence_text(chosen, span) for span in found.spans]


def test_a_later_article_that_reports_another_date_is_found():
    passages = [FIRST, DELAYED]
    found = later_report("June 14", FIRST_QUOTE, 0, QUESTION, passages)
    assert found is not None and found.passage_index == 1
    assert any("September 20" in text for text in quoted(found, passages))


def test_no_later_report_when_the_answer_is_already_the_latest_or_undated():
    later = "The Harbor Point footbridge has been delayed to September 20 because of cracked welds."
    assert later_report("September 20", later, 1, QUESTION, [FIRST, DELAYED]) is None
    undated = passage(FIRST.chunk.text, title=FIRST.chunk.title, doc="first")
    assert later_report("June 14", FIRST_QUOTE, 0, QUESTION, [undated, DELAYED]) is None


def test_a_question_that_names_a_time_asks_of_that_time():
    question = "When did the port authority say in March 2026 the footbridge would open?"
    assert later_report("June 14", FIRST_QUOTE, 0, question, [FIRST, DELAYED]) is None


def test_a_later_winner_is_a_later_report_and_a_role_is_no_name():
    first = passage(
        "Daniel Kiprop won the Riverton Marathon in 2:11:04.",
        title="Marathon",
        date="2024-10-13",
        doc="first",
    )
    later = passage(
        "Samuel Okafor won the Riverton Marathon on Sunday. Daniel Kiprop was fourth.",
        title="Okafor wins Riverton Marathon",
        date="2025-10-12",
        doc="later",
    )
    question = "Who won the Riverton Marathon?"
    found = later_report("Daniel Kiprop", first.chunk.text, 0, question, [first, later])
    assert found is not None and found.passage_index == 1
    # a later sentence naming no one new, or an answer that is a role, revises nothing
    same = passage(
        "Daniel Kiprop won the marathon again.", title="Again", date="2025-10-12", doc="same"
    )
    assert later_report("Daniel Kiprop", first.chunk.text, 0, question, [first, same]) is None
    question = "Who will open the Harbor Point footbridge?"
    named = passage(
        "Mayor Ruth Okafor will open the Harbor Point footbridge on September 20.",
        title="Footbridge",
        date="2026-06-01",
        doc="named",
    )
    assert later_report("the port authority", FIRST_QUOTE, 0, question, [FIRST, named]) is None


def test_a_later_sentence_must_be_about_what_the_question_asks():
    # A later date that is not about the opening (no word of "open", "footbridge") is no
    # update of it, and one that repeats the answer is none either.
    unrelated = passage(
        "The port authority will publish its annual report on August 3.",
        title="Harbor Point footbridge: what we know",
        date="2026-06-10",
        doc="unrelated",
    )
    assert later_report("June 14", FIRST_QUOTE, 0, QUESTION, [FIRST, unrelated]) is None
    same = passage(
        "The footbridge will open on June 14 as planned, the port authority confirmed.",
        title="Footbridge on schedule",
        date="2026-06-01",
        doc="same",
    )
    assert later_report("June 14", FIRST_QUOTE, 0, QUESTION, [FIRST, same]) is None


def test_a_budget_or_a_measure_is_a_figure_a_later_report_revises():
    march = passage(
        "The council approved a transit budget of $48.2 million on Wednesday.",
        title="Council approves transit budget",
        date="2025-03-12",
        doc="march",
    )
    cut = passage(
        "The council voted to cut the transit budget to $45.9 million after a grant fell through.",
        title="Transit budget cut",
        date="2026-02-18",
        doc="cut",
    )
    quote = march.chunk.text
    found = later_report("$48.2 million", quote, 0, "What is the transit budget?", [march, cut])
    assert found is not None and found.passage_index == 1
    grown = passage(
        "The fire has grown to 8,400 acres, officials said.", title="Fire", date="2025-08-05"
    )
    final = passage(
        "The fire was contained after burning 12,300 acres.",
        title="Fire contained",
        date="2025-08-14",
        doc="final",
    )
    question = "How big is the fire?"
    found = later_report("8,400 acres", grown.chunk.text, 0, question, [grown, final])
    assert found is not None and found.passage_index == 1


def test_an_answer_that_is_no_date_or_figure_is_not_revised():
    march = passage("Meat prices rose the most, by 14 percent.", title="Prices", date="2022-08-01")
    later = passage(
        "Egg prices rose 38 percent, the most of any item.", title="Eggs", date="2022-08-12"
    )
    question = "Which item's prices rose the most?"
    assert later_report("Meat", march.chunk.text, 0, question, [march, later]) is None


def test_a_later_sentence_that_revises_the_answer_beside_it_counts():
    # "down from the 14" names the value it revises: another value is there all the same.
    march = passage(
        "Riverton will buy 14 electric buses, the council said.",
        title="Council buys buses",
        date="2025-03-12",
        doc="march",
    )
    cut = passage(
        "Riverton will now buy 8 electric buses, down from the 14 it planned.",
        title="Riverton cuts its transit budget",
        date="2026-02-18",
        doc="cut",
    )
    question = "How many electric buses will Riverton buy?"
    found = later_report("14", march.chunk.text, 0, question, [march, cut])
    assert found is not None and found.passage_index == 1


def test_the_notice_names_both_dates_and_a_long_earlier_answer_shortened():
    notice = later_report_notice("2025-04-28T09:00:00", "2025-01-20", "May 10, 2025")
    assert "2025-04-28" in notice and "2025-01-20" in notice and "“May 10, 2025”" in notice
    long = later_report_notice("2025-04-28", "2025-01-20", "word " * 40)
    assert len(long) < 200 and "…" in long


def test_another_count_of_the_same_people_is_no_revision():
    day3 = passage(
        "About 640 firefighters and six helicopters are now fighting the fire.",
        title="Pine Ridge fire grows",
        date="2025-08-05",
        doc="day3",
    )
    contained = passage(
        "The fire is contained. Two firefighters were treated for minor injuries.",
        title="Pine Ridge fire contained",
        date="2025-08-14",
        doc="contained",
    )
    question = "How many firefighters fought the Pine Ridge fire?"
    assert later_report("About 640", day3.chunk.text, 0, question, [day3, contained]) is None


def test_a_later_count_of_something_else_that_happened_is_no_revision():
    # "accepted" is not "rejected": a revision must say all that the question says happened.
    first = passage(
        "The city clerk said 640 mail ballots were rejected in the Eastbrook election.",
        title="Eastbrook count",
        date="2025-11-06",
        doc="first",
    )
    review = passage(
        "After review, 96 of the mail ballots were accepted and added to the count.",
        title="Eastbrook recount under way",
        date="2025-11-20",
        doc="review",
    )
    question = "How many mail ballots were rejected in the Eastbrook election?"
    assert later_report("640", first.chunk.text, 0, question, [first, review]) is None


def test_the_newest_of_several_later_reports_is_read():
    march = passage(
        "The council approved a transit budget of $48.2 million.",
        title="Transit budget approved",
        date="2025-03-12",
        doc="march",
    )
    november = passage(
        "The council revised the transit budget upward to $52.7 million.",
        title="Transit budget revised",
        date="2025-11-05",
        doc="november",
    )
    february = passage(
        "The council voted to cut the transit budget to $45.9 million.",
        title="Transit budget cut",
        date="2026-02-18",
        doc="february",
    )
    question = "What is the transit budget?"
    for passages in ([march, november, february], [march, february, november]):
        found = later_report("$48.2 million", march.chunk.text, 0, question, passages)
        assert found is not None and passages[found.passage_index] is february
