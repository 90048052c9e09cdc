from rag.retrieve import Filters
from tests.conftest import ABU_DHABI_DOC, PARIS_DOC

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
