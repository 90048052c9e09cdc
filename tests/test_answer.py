"""The answer contract and the offline answerer, on a real index of the seed articles."""

import json

import pytest

from rag.answering.pipeline import prepare
from rag.errors import InputError, InputTooLargeError
from rag.ingest import load_documents
from tests.conftest import ABU_DHABI_DOC, PARIS_DOC, SEEDS

CONTRACT_KEYS = {"question", "answer", "abstained", "citations", "retrieved", "model", "timings_ms"}
CITATION_KEYS = {
    "n",
    "doc_id",
    "title",
    "url",
    "date",
    "text",
    "quote",
    "start",
    "end",
    "score",
    "quote_in",
}


def test_abu_dhabi_question_names_kostyukov_from_the_abu_dhabi_article(any_mode_service):
    result = any_mode_service.answer("Who led Russia's delegation in Abu Dhabi?")
    assert not result.abstained
    assert "Kostyukov" in result.answer
    cited = {c.doc_id for c in result.citations}
    assert ABU_DHABI_DOC in cited
    assert PARIS_DOC not in cited
    kostyukov = [c for c in result.citations if "Kostyukov" in c.quote]
    assert kostyukov and kostyukov[0].doc_id == ABU_DHABI_DOC


def test_paris_question_names_kozak_from_the_paris_article(any_mode_service):
    result = any_mode_service.answer("Who led Russia's delegation at the Paris talks with Ukraine?")
    assert "Kozak" in result.answer
    assert result.citations[0].doc_id == PARIS_DOC
    assert "Kostyukov" not in result.answer


def test_question_outside_the_articles_is_refused(any_mode_service):
    result = any_mode_service.answer("What is the capital of Australia?")
    assert result.abstained
    assert result.citations == []
    assert result.answer == any_mode_service.settings.refusal_text


def test_every_shown_sentence_is_a_cited_quote(seeded_service):
    result = seeded_service.answer("How many troops had Russia amassed on Ukraine's border?")
    assert not result.abstained
    rebuilt = " ".join(f"{c.quote} [{c.n}]" for c in result.citations)
    assert result.answer == rebuilt
    for c in result.citations:
        assert c.quote in c.text


def test_quote_offsets_locate_the_quote_in_the_cleaned_article(seeded_service):
    articles = {d.doc_id: d.text for d in load_documents([SEEDS], 10**7).documents}
    for question in ("Who led Russia's delegation in Abu Dhabi?", "Who is Steven Pifer?"):
        for c in seeded_service.answer(question).citations:
            assert c.quote_in == "text"
            assert articles[c.doc_id][c.start : c.end] == c.quote


def test_contract_json_has_the_documented_fields(seeded_service):
    data = json.loads(json.dumps(seeded_service.answer("Who is Steven Pifer?").to_dict()))
    assert set(data) >= CONTRACT_KEYS
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}
    assert data["model"] == "extractive"
    assert data["retrieved"] and all(isinstance(d, str) for d in data["retrieved"])
    for citation in data["citations"]:
        assert set(citation) == CITATION_KEYS
        assert [citation["n"] for citation in data["citations"]] == list(
            range(1, len(data["citations"]) + 1)
        )
        assert f"[{citation['n']}]" in data["answer"]


def test_follow_up_uses_the_history(seeded_service):
    history = [
        {"role": "user", "content": "Who led Russia's delegation in Abu Dhabi?"},
        {"role": "assistant", "content": "Igor Kostyukov [1]"},
    ]
    result = seeded_service.answer("And who led Ukraine's?", history=history)
    assert "Umerov" in result.answer
    assert result.citations[0].doc_id == ABU_DHABI_DOC
    assert result.question == "And who led Ukraine's?"  # as asked; what was searched beside it
    assert result.search_query == "Who led Ukraine's delegation in Abu Dhabi?"


def test_a_completed_follow_up_about_another_party_is_refused(seeded_service):
    # "the American one" completed is the American delegation, which no article names; the
    # sentences about Russia's and Ukraine's delegations do not answer it.
    history = [
        {"role": "user", "content": "Who led Russia's delegation in Abu Dhabi?"},
        {"role": "assistant", "content": "Igor Kostyukov [1]"},
    ]
    result = seeded_service.answer("And the American one?", history=history)
    assert result.search_query == "Who led the American delegation in Abu Dhabi?"
    assert result.abstained and result.citations == []


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_an_input_error(seeded_service, question):
    with pytest.raises(InputError, match="empty"):
        seeded_service.answer(question)


@pytest.mark.parametrize("question", ["???", "?!  …", "🇷🇺"])
def test_a_question_without_words_is_an_input_error(seeded_service, question):
    with pytest.raises(InputError, match="no words"):
        seeded_service.answer(question)


def test_a_question_that_shares_no_word_with_the_articles_gets_no_passages(seeded_service):
    # The nearest vectors of any string are some passages; none of them is about it, and a
    # reader handed them answers from them.
    prepared = prepare(seeded_service.corpus, "asdf qwer zxcv", None, None, None)
    assert prepared.passages == []
    assert prepare(seeded_service.corpus, "asdf delegation", None, None, None).passages
    result = seeded_service.answer("asdf qwer zxcv")
    assert result.abstained and result.citations == []
    assert "No word of the question occurs in the indexed articles" in result.notice
    russian = seeded_service.answer("Кто возглавлял российскую делегацию?")
    assert russian.abstained and "language" in russian.notice
    assert seeded_service.answer("Who led the US delegation in Abu Dhabi?").notice is None


def test_a_question_whose_words_are_mostly_unknown_is_refused_and_says_so(seeded_service):
    # It shares names with the articles, but no article uses most of its words, so none
    # states its answer: refused without passages, the notice naming the unknown words.
    spanish = seeded_service.answer("¿Quién encabezó la delegación de Rusia en Abu Dabi?")
    assert spanish.abstained and spanish.retrieved == []
    assert "Most words of the question (Quién, encabezó" in spanish.notice
    assert "language" in spanish.notice
    # a subject no article has, in a question that shares a word with them
    result = seeded_service.answer("What did the library renovation cost?")
    assert result.abstained and "library, renovation" in result.notice
    answered = seeded_service.answer("Who led Ukraine's delegation in Abu Dhabi?")
    assert not answered.abstained and answered.notice is None
    # a word is known where an article's word begins with it: "fierce" for "fiercest" (they
    # stem apart), so this question is searched, not refused for its words
    lexical = seeded_service.corpus.lexical
    assert lexical.unknown_words("How fierce was the fighting?")[0] == []
    assert lexical.unknown_words("How fierce was the fightingz?")[0] == ["fightingz"]


def test_over_long_question_is_refused_before_any_work(seeded_service):
    with pytest.raises(InputTooLargeError, match="limit"):
        seeded_service.answer("why " * 1000)


def test_other_scripts_and_control_characters_are_handled(seeded_service):
    for question in ("Кто возглавлял делегацию?", "من قاد الوفد الروسي؟", "🇷🇺 delegation?\x00\x07"):
        result = seeded_service.answer(question)
        assert isinstance(result.answer, str)


def test_the_extractive_answer_never_quotes_the_question_back(feed_service):
    """A page that prints the quiz question (or a sentence of only the question's words)
    states nothing: the sentence that answers is quoted instead."""
    page = {
        "id": "quiz",
        "title": "Weekly news quiz",
        "text": (
            "Which wildly popular show was recently green lit for a new season? "
            "A wildly popular show was recently green lit for a new season. "
            "Netflix said on Sunday that Squid Game will return for a second season."
        ),
    }
    service = feed_service([page])
    result = service.answer("Which wildly popular show was recently green lit for a new season?")
    assert not result.abstained
    assert [c.quote for c in result.citations] == [
        "Netflix said on Sunday that Squid Game will return for a second season."
    ]


HARBOUR_FIRE = [
    {
        "id": "fire",
        "title": "Fire at the Portvale harbour warehouse",
        "date": "2024-03-05",
        "text": (
            "A fire broke out at the Portvale harbour warehouse on Tuesday night. "
            "About 200 people living near the warehouse were ordered to leave their homes. "
            "Firefighters had the blaze under control by dawn. "
            "The harbour master said the cause of the fire was not yet known. "
            "Trading at the harbour resumed on Thursday."
        ),
    },
    {
        "id": "bridge",
        "title": "Portvale bridge reopens after repair",
        "date": "2023-06-01",
        "text": (
            "The Portvale bridge reopened on Monday after a repair that took eight months. "
            "The city council approved the work in 2022."
        ),
    },
]


@pytest.mark.parametrize(
    "question",
    [
        # What "how many" counts (families) is named nowhere near the number given.
        "How many families had to leave their homes after the Portvale warehouse fire?",
        # The question's year is met by no passage, its title or its article's date.
        "When did the Portvale bridge reopen after the 2019 repair?",
    ],
)
def test_the_extractive_answer_meets_the_questions_constraints(feed_service, question):
    service = feed_service(HARBOUR_FIRE)
    assert service.answer(question).abstained
    unfitted = feed_service(HARBOUR_FIRE, extractive_question_fit=False).answer(question)
    assert not unfitted.abstained, "without the rule the on-topic sentence is shown"
    answered = service.answer("When did the Portvale bridge reopen?")
    assert not answered.abstained and "Monday" in answered.answer


def test_an_amount_of_money_answers_what_something_cost(feed_service):
    """The sentence that states the amount need not use the question's word "cost"."""
    page = {
        "id": "bridge-repair",
        "title": "Portvale bridge reopens",
        "text": (
            "The Portvale bridge reopened on Monday after a $48 million repair. "
            "Engineers found cracks in two of its steel cables last spring."
        ),
    }
    service = feed_service([page])
    result = service.answer("How much did the bridge repair cost?")
    assert not result.abstained and "$48 million" in result.answer
    assert service.answer("How much did the cable inspection cost?").abstained


def test_an_amount_with_a_scale_word_is_money():
    from rag.answering.extractive import money_terms, states_money

    assert money_terms("How much will the runway cost?") == {"cost"}
    for amount in ("1.2 billion dollars", "$48 million", "3 million pounds", "500 euros"):
        assert states_money(f"It will cost {amount}."), amount
    assert not states_money("It will take 40 million people.")


def test_a_question_to_an_empty_index_says_no_articles_are_indexed(tmp_path, seeded_service):
    from rag.facade import RagService
    from tests.conftest import make_settings

    empty = RagService(make_settings(tmp_path / "empty"), embedder=seeded_service.embedder)
    result = empty.answer("Who led Russia's delegation in Abu Dhabi?")
    assert result.abstained and result.retrieved == []
    assert result.notice.startswith("No articles are indexed yet")
