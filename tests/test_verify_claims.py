"""Whether a passage holds a claim: kept, re-cited or removed; headlines as sources."""

from __future__ import annotations

from rag.answering.verify import ECHOES_QUESTION, verify_claim
from rag.types import Passage
from tests.verify_cases import (
    INFINIBAND,
    SUPER_BOWL_2022,
    TALKS,
    passage,
)


def test_a_claim_held_by_its_cited_passage_is_kept():
    verdict = verify_claim("Igor Kostyukov", 1, "Who led Russia's delegation?", [TALKS], 0.6)
    assert verdict.supported and not verdict.support.recited
    assert verdict.support.span.start == TALKS.chunk.start  # the sentence that names him


def test_a_claim_cited_to_the_wrong_passage_is_recited():
    passages = [SUPER_BOWL_2022, TALKS]
    verdict = verify_claim("Igor Kostyukov", 1, "Who led Russia's delegation?", passages, 0.6)
    assert verdict.supported and verdict.support.passage_index == 1 and verdict.support.recited


def test_a_number_no_passage_states_is_unsupported():
    verdict = verify_claim("five weeks", 1, "How long did the talks last?", [TALKS], 0.6)
    assert not verdict.supported
    assert verify_claim("four weeks", 1, "How long did the talks last?", [TALKS], 0.6).supported


def test_outside_knowledge_is_unsupported():
    verdict = verify_claim("France", 1, "Who won the 2018 World Cup?", [TALKS], 0.6)
    assert not verdict.supported


def test_repeating_the_question_is_not_an_answer():
    verdict = verify_claim("Russia's delegation", 1, "Who led Russia's delegation?", [TALKS], 0.6)
    assert not verdict.supported


def test_a_bare_yes_or_no_is_not_held_by_a_sentence_that_uses_the_word():
    text = passage("The output is more complex: it isn't just yes or no.", title="Output")
    question = "Is the output simple or complex?"
    verdict = verify_claim("Yes.", 1, question, [text], 0.6)
    assert not verdict.supported and "yes or no" in verdict.reason
    assert verify_claim("The output", 1, "What is more complex?", [text], 0.6).supported


def test_the_words_a_claim_adds_to_the_question_must_be_held():
    question = "BQP and QMA are associated with what type of Turing machine?"
    general = passage("The Turing machine is the most used model in complexity theory.", doc="g")
    quantum = passage("BQP and QMA are classes tied to quantum Turing machines.", doc="q")
    assert not verify_claim("quantum Turing machines", 1, question, [general], 0.6).supported
    verdict = verify_claim("quantum Turing machines", 1, question, [general, quantum], 0.6)
    assert verdict.supported and verdict.support.recited
    assert verdict.support.passage_index == 1


def test_a_word_of_the_headline_alone_does_not_hold_an_answer():
    question = "And who led the delegation?"
    talks = passage(
        "The Russian Foreign Ministry published its draft treaties. Officials met on Monday.",
        title="US and Russia hold talks to ease the Ukraine standoff",
    )
    assert not verify_claim("Ukraine", 1, question, [talks], 0.6).supported
    stated = passage("Ukraine's delegation was led by Rustem Umerov.", title="Talks resume")
    held = verify_claim("Rustem Umerov", 1, "Who led Ukraine's delegation?", [stated], 0.6)
    assert held.supported


def test_a_claim_whose_only_new_word_is_a_stop_word_needs_a_sentence_with_it():
    question = "President Joe Biden spoke about the Covid-19 pandemic this week. What did he say?"

    def article(text: str, doc: str) -> Passage:
        return passage(text, title="Joe Biden on Covid-19 in an interview", doc=doc)

    says_over = article('In an interview aired Sunday, Biden said: "The pandemic is over."', "a")
    no_over = article("Biden spoke about the pandemic in an interview aired Sunday.", "b")
    claim = "He said the pandemic is over."
    assert verify_claim(claim, 1, question, [says_over], 0.6).supported
    assert not verify_claim(claim, 1, question, [no_over], 0.6).supported
    # Without such a word it only repeats the question.
    assert verify_claim("Joe Biden", 1, question, [says_over], 0.6).reason == ECHOES_QUESTION


def test_a_claim_only_the_headline_states_is_held_by_the_headline():
    question = "Which government department is funding the open-source InfiniBand work?"
    verdict = verify_claim("Energy Dept.", 1, question, [INFINIBAND], 0.6)
    assert verdict.supported and verdict.support.in_title
    # The headline must state the claim whole and be about the question.
    assert not verify_claim("Commerce Dept.", 1, question, [INFINIBAND], 0.6).supported
    unrelated = "Which department did the programmers' union sue?"
    assert not verify_claim("Energy Dept.", 1, unrelated, [INFINIBAND], 0.6).supported


def test_a_sentence_that_states_the_claim_is_quoted_before_any_headline():
    headline_only = passage("Officials met on Monday.", title="Kostyukov leads Russian side")
    verdict = verify_claim(
        "Igor Kostyukov", 1, "Who led Russia's delegation?", [headline_only, TALKS], 0.6
    )
    assert verdict.supported and not verdict.support.in_title
    assert verdict.support.passage_index == 1


def test_the_quote_is_the_sentence_that_writes_the_claim():
    # Both sentences hold "3" and "percent" ("three-week" is a 3); the quote must be the one
    # that says it, not the first.
    text = (
        "Workers ended a three-week strike after the operator agreed to a 9 percent pay rise. "
        "The union said 1,400 workers would return. "
        "Lithium prices rose 3 percent during the dispute."
    )
    mine = passage(text, title="Lithium mine strike ends")
    verdict = verify_claim("3 percent", 1, "How much did lithium prices rise?", [mine], 0.6)
    assert verdict.supported
    quoted = text[
        verdict.support.span.start - mine.chunk.start : verdict.support.span.end - mine.chunk.start
    ]
    assert quoted == "Lithium prices rose 3 percent during the dispute."


def test_a_claim_held_through_a_neighbour_is_quoted_from_the_neighbour():
    # The sentence with the time names only other countries, so the one beside it passes
    # (its window holds the time): the quote must still be the sentence that states it.
    text = (
        "The Russian delegation is led by Dmitri Kozak, while Ukraine is represented by "
        "Andriy Yermak. Advisers to the French and German leaders also take part in the "
        "talks, which began at 1100 GMT on Tuesday."
    )
    talks = passage(text, title="Russian and Ukrainian envoys meet in Paris")
    question = "At what time did the Paris talks between Russia and Ukraine begin?"
    verdict = verify_claim("1100 GMT", 1, question, [talks], 0.6)
    assert verdict.supported
    span = verdict.support.span
    quoted = text[span.start - talks.chunk.start : span.end - talks.chunk.start]
    assert "1100 GMT" in quoted


def test_a_sentence_about_another_country_does_not_hold_the_answer():
    # "the American one" is not Russia's: the sentence that names Kostyukov names Russia only.
    text = (
        "Ukraine's delegation will be led by Rustem Umerov. "
        "Russia will be represented by military intelligence chief Igor Kostyukov."
    )
    talks = passage(text, title="Russian, Ukrainian and US envoys meet in Abu Dhabi")
    question = "Who led the American delegation?"
    assert not verify_claim("Igor Kostyukov", 1, question, [talks], 0.6).supported
    assert verify_claim("Igor Kostyukov", 1, "Who led Russia's delegation?", [talks], 0.6).supported
    # a country the claim itself names is no other party: "Russia accused Ukraine"
    accused = passage("Russia accused Ukraine of shelling the plant.", title="Plant shelled")
    assert verify_claim("Ukraine", 1, "Whom did Russia accuse?", [accused], 0.6).supported
    france = passage("Ukraine asked France for air defence.", title="Kyiv asks Paris")
    assert verify_claim("France", 1, "Which country did Ukraine ask?", [france], 0.6).supported


def test_a_role_of_the_question_s_own_country_names_no_one():
    # "the president of the United States" is no name for "the American delegation": the
    # country is the question's own and the article writes "president" in lower case.
    text = (
        "We await the reaction of America, Zelenskyy said. "
        "The president of the United States made the request personally."
    )
    talks = passage(text, title="Russian, Ukrainian, and US envoys meet in Abu Dhabi")
    question = "Who led the American delegation in Abu Dhabi?"
    claim = "President of the United States"
    assert not verify_claim(claim, 1, question, [talks], 0.6).supported
    # the same role names someone for a question about another country
    held = verify_claim(claim, 1, "Who made the request to Ukraine?", [talks], 0.6)
    assert held.supported
