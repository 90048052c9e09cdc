from rag.retrieve import Filters
from tests.conftest import ABU_DHABI_DOC, PARIS_DOC, write_feed

SEED_002 = "002_c7c789b84559abad"


def test_hybrid_retrieval_picks_the_right_meeting(any_mode_service):
    abu = any_mode_service.retrieve("Who led Russia's delegation in Abu Dhabi?")
    assert abu[0].chunk.doc_id == ABU_DHABI_DOC
    paris = any_mode_service.retrieve(
        "Who led Russia's delegation at the Paris talks with Ukraine?"
    )
    assert paris[0].chunk.doc_id == PARIS_DOC


def test_passages_are_ranked_and_carry_both_scores(seeded_service):
    passages = seeded_service.retrieve("Gazprom gas supplies to Europe", top_k=5)
    assert len(passages) == 5
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert passages[0].chunk.doc_id == SEED_002
    assert passages[0].dense_score is not None and passages[0].lexical_score is not None


def test_top_k_is_configurable(seeded_service):
    assert len(seeded_service.retrieve("Lavrov", top_k=2)) == 2
    assert len(seeded_service.retrieve("Lavrov", top_k=12)) == 12


def test_document_filter_limits_both_retrievers(seeded_service):
    passages = seeded_service.retrieve(
        "delegation", top_k=10, filters=Filters(doc_ids=(PARIS_DOC,))
    )
    assert passages and {p.chunk.doc_id for p in passages} == {PARIS_DOC}


def test_date_filter_keeps_only_dated_articles_in_range(seeded_service):
    passages = seeded_service.retrieve(
        "talks", top_k=10, filters=Filters(date_from="2021-12-01", date_to="2021-12-31")
    )
    assert passages and {p.chunk.doc_id for p in passages} == {SEED_002}
    assert seeded_service.retrieve("talks", filters=Filters(date_from="2030-01-01")) == []
    # Either end alone is a range too: dense and BM25 candidates both leave undated out.
    for one_end in (Filters(date_from="2021-01-01"), Filters(date_to="2030-01-01")):
        passages = seeded_service.retrieve("talks delegation", top_k=10, filters=one_end)
        assert passages and {p.chunk.doc_id for p in passages} == {SEED_002}
    question = "Who led Russia's delegation in Abu Dhabi?"
    result = seeded_service.answer(question, date_to="2030-01-01")
    assert result.abstained and "leaves out 4 article(s) without a date" in result.notice
    # a range no article is dated in says so, not that the undated ones are the reason
    result = seeded_service.answer(question, date_from="2030-01-01")
    assert result.abstained and result.notice.startswith("No article is dated from 2030-01-01")


def test_the_title_weight_lets_the_headline_decide_between_close_passages(
    make_service, tmp_path
) -> None:
    """The title signal is the rarity-weighted share of the question's terms in the
    article's headline; with ``title_weight`` it turns a near tie the other way."""
    from rag.retrieve import Scored, fuse
    from rag.settings import Settings

    records = [
        {"id": "report", "title": "Volcano erupts in southern Japan", "text": "Alert raised."},
        {"id": "roundup", "title": "The week in brief", "text": "A volcano erupted in Japan."},
    ]
    feed = write_feed(tmp_path / "feed.jsonl", records)
    service = make_service()
    service.index([feed])
    match = service.corpus.lexical.title_matcher("Which volcano erupted in Japan?")
    assert match("roundup") == 0.0 and 0.5 < match("report") <= 1.0
    assert match("no-such-article") == 0.0

    close = [
        Scored("roundup::0", dense=0.6, lexical=2.0, title=match("roundup")),
        Scored("report::0", dense=0.6, lexical=1.8, title=match("report")),
        Scored("other::0", dense=0.1, lexical=0.2),
    ]
    assert fuse(close, Settings())[0][0] == "roundup::0"  # off by default
    assert fuse(close, Settings(title_weight=0.5))[0][0] == "report::0"


def test_retrieve_reads_the_headline_only_when_the_title_weight_is_on(make_service, tmp_path):
    """End to end: the real index's ranking of a near tie between a round-up that states
    the news and a report whose headline names it turns on ``title_weight``."""
    records = [
        {
            "id": "report",
            "title": "Volcano erupts in southern Japan",
            "text": "Residents near the volcano were told to leave their homes "
            "as ash fell on towns.",
        },
        {
            "id": "other",
            "title": "Storm season",
            "text": "A storm hit Florida and Georgia on Monday.",
        },
        {
            "id": "roundup",
            "title": "The week in brief",
            "text": "A volcano erupted in Japan. Markets fell. A storm hit Florida.",
        },
    ]
    feed = write_feed(tmp_path / "feed.jsonl", records)
    question = "Which volcano erupted in Japan?"
    off = make_service()
    off.index([feed])
    assert [p.chunk.doc_id for p in off.retrieve(question, top_k=2)] == ["roundup", "report"]
    on = make_service(title_weight=0.5)
    assert [p.chunk.doc_id for p in on.retrieve(question, top_k=2)] == ["report", "roundup"]
