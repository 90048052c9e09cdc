"""Incremental indexing against a real Chroma store in a temp dir."""

import json

import pytest

from rag.chunk import embedding_text
from rag.errors import IndexMismatchError, NotFoundError
from rag.lexical import LexicalIndex
from tests.conftest import ABU_DHABI_DOC, write_feed


def _chunk_ids(service) -> set[str]:
    return {s.chunk.chunk_id for s in service.corpus.store.iter_all()}


def test_unchanged_documents_cost_nothing(make_service, seed_copy):
    service = make_service()
    first = service.index([seed_copy])
    assert len(first.added) == 5 and first.chunks_written > 0
    generation = service.corpus.store.generation
    again = service.index([seed_copy])
    assert again.unchanged == 5
    assert again.added == again.updated == []
    assert again.chunks_written == 0
    assert service.corpus.store.generation == generation, "no write happened"


def test_changed_document_is_replaced_not_duplicated(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    path = seed_copy / f"{ABU_DHABI_DOC}.txt"
    text = path.read_text()
    path.write_text(text.replace("Igor Kostyukov", "Igor Testovich"))
    report = service.index([seed_copy])
    assert report.updated == [ABU_DHABI_DOC] and report.unchanged == 4
    stored = [s for s in service.corpus.store.iter_all() if s.chunk.doc_id == ABU_DHABI_DOC]
    assert len({s.chunk.chunk_id for s in stored}) == len(stored)
    joined = " ".join(s.chunk.text for s in stored)
    assert "Testovich" in joined and "Kostyukov" not in joined
    assert "Testovich" in service.answer("Who represented Russia in Abu Dhabi?").answer


def test_shorter_version_leaves_no_stale_chunks(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    path = seed_copy / f"{ABU_DHABI_DOC}.txt"
    path.write_text("Short version\n\nOnly one sentence remains of this article.\n")
    service.index([seed_copy])
    stored = [s for s in service.corpus.store.iter_all() if s.chunk.doc_id == ABU_DHABI_DOC]
    assert len(stored) == 1
    assert service.corpus.documents()[ABU_DHABI_DOC].chunks == 1


def test_prune_drops_documents_whose_files_are_gone(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    (seed_copy / f"{ABU_DHABI_DOC}.txt").unlink()
    kept = service.index([seed_copy])
    assert ABU_DHABI_DOC in service.corpus.documents(), "without --prune nothing is dropped"
    assert kept.removed == []
    pruned = service.index([seed_copy], prune=True)
    assert pruned.removed == [ABU_DHABI_DOC]
    assert ABU_DHABI_DOC not in service.corpus.documents()
    assert not any(cid.startswith(ABU_DHABI_DOC) for cid in _chunk_ids(service))


FEED_RECORDS = [
    {"id": "f1", "title": "Harbour opens", "text": "The harbour opened in May after repairs."},
    {"id": "f2", "title": "Bridge closes", "text": "The bridge closed for a week in June."},
    {"id": "f3", "title": "Ferry returns", "text": "The ferry returned to service in July."},
]


def test_prune_drops_records_a_feed_no_longer_holds(make_service, tmp_path):
    feed = write_feed(tmp_path / "news.jsonl", FEED_RECORDS)
    other = write_feed(tmp_path / "other.jsonl", [FEED_RECORDS[0] | {"id": "o1"}])
    service = make_service()
    service.index([feed, other])
    write_feed(feed, [FEED_RECORDS[0], FEED_RECORDS[2]])
    kept = service.index([feed])
    assert kept.stale == ["f2"] and kept.removed == [], "without --prune: listed, not dropped"
    assert "f2" in service.corpus.documents()
    pruned = service.index([feed], prune=True)
    assert pruned.removed == ["f2"] and pruned.stale == []
    assert set(service.corpus.documents()) == {"f1", "f3", "o1"}, "a feed not read is kept"
    assert not any(cid.startswith("f2::") for cid in _chunk_ids(service))


def test_prune_keeps_a_feeds_documents_when_a_record_is_unreadable(make_service, tmp_path):
    feed = write_feed(tmp_path / "news.jsonl", FEED_RECORDS)
    service = make_service()
    service.index([feed])
    # f2's line is damaged: it may still be meant to be there, so nothing of the feed goes.
    lines = feed.read_text().splitlines()
    feed.write_text(lines[0] + "\n" + lines[1][:-5] + "\n" + lines[2] + "\n")
    report = service.index([feed], prune=True)
    assert report.removed == [] and report.kept_unread == ["f2"]
    assert len(report.skipped) == 1 and report.skipped[0].line == 2
    assert set(service.corpus.documents()) == {"f1", "f2", "f3"}


def test_a_deleted_file_is_listed_as_stale_until_pruned(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    (seed_copy / f"{ABU_DHABI_DOC}.txt").unlink()
    assert service.index([seed_copy]).stale == [ABU_DHABI_DOC]
    assert service.index([seed_copy], prune=True).stale == []


def test_remove_deletes_one_document_and_unknown_ids_are_an_error(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    with pytest.raises(NotFoundError, match="no indexed document"):
        service.remove(["nope"])
    assert len(service.documents()) == 5
    service.remove([ABU_DHABI_DOC])
    assert ABU_DHABI_DOC not in {d.doc_id for d in service.documents()}
    assert all(
        p.chunk.doc_id != ABU_DHABI_DOC for p in service.retrieve("Abu Dhabi delegation", top_k=10)
    )


def test_lexical_index_agrees_with_chroma_and_survives_reopening(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    lexical = LexicalIndex.load(service.settings.index_dir / "lexical")
    assert lexical is not None
    assert set(lexical.chunk_ids) == _chunk_ids(service)
    assert lexical.generation == service.corpus.store.generation
    reopened = make_service()
    assert set(reopened.corpus.lexical.chunk_ids) == _chunk_ids(service)


def test_stale_lexical_index_is_rebuilt_from_chroma(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    pointer = service.settings.index_dir / "lexical" / "current.json"
    pointer.write_text(json.dumps({"generation": "something-else"}))
    reopened = make_service()
    assert set(reopened.corpus.lexical.chunk_ids) == _chunk_ids(service)


def test_opening_with_other_chunking_settings_says_to_rebuild(make_service, seed_copy):
    make_service().index([seed_copy])
    with pytest.raises(IndexMismatchError, match="rebuild"):
        make_service(chunk_tokens=100).corpus  # noqa: B018
    rebuilt = make_service(chunk_tokens=100)
    rebuilt.reset_index()
    assert len(rebuilt.index([seed_copy]).added) == 5


def test_json_and_jsonl_documents_use_their_ids(make_service, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        json.dumps(
            {
                "id": "j1",
                "title": "Harbour opens",
                "text": "The harbour opened in May.",
                "date": "2024-05-02",
                "url": "https://example.org/h",
            }
        )
        + "\n"
        + "{not json\n"
        + json.dumps({"id": "j2", "title": "Bridge closes", "body": "The bridge closed."})
        + "\n"
    )
    service = make_service()
    report = service.index([folder])
    assert sorted(report.added) == ["j1", "j2"]
    assert len(report.skipped) == 1 and report.skipped[0].line == 2
    info = service.corpus.documents()["j1"]
    assert (info.date, info.url) == ("2024-05-02", "https://example.org/h")


def test_an_edited_article_reuses_the_vectors_of_its_unchanged_passages(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    longest = max(service.documents(), key=lambda d: d.chunks)
    path = seed_copy / f"{longest.doc_id}.txt"
    before = {
        s.chunk.chunk_id: s.chunk.text
        for s in service.corpus.store.iter_all()
        if s.chunk.doc_id == longest.doc_id
    }
    assert len(before) >= 2, "a multi-passage article"
    path.write_text(path.read_text() + "\n\nThe zebra parade is to resume next week.\n")
    calls: list[int] = []
    embed = service.embedder.embed
    service.embedder.embed = lambda texts: calls.append(len(texts)) or embed(texts)
    report = service.index([seed_copy])
    assert report.updated == [longest.doc_id]
    assert report.embeddings_saved >= len(before) - 1, "only the passage at the end changed"
    assert sum(calls) == report.chunks_written - report.embeddings_saved
    stored = service.corpus.store.embeddings(sorted(before))
    texts = {s.chunk.chunk_id: s for s in service.corpus.store.iter_all()}
    for cid, vector in stored.items():  # a reused vector is the text's own embedding
        fresh = embed([embedding_text(texts[cid].chunk)])[0]
        assert float(vector @ fresh) > 0.999
    [top] = service.retrieve("When does the zebra parade resume?", top_k=1)
    assert "zebra parade" in top.chunk.text


def test_repeated_texts_in_one_run_are_embedded_once(make_service, tmp_path):
    story = {"title": "Storm hits coast", "text": "A storm cut power to 5,000 homes on Tuesday."}
    feed = write_feed(tmp_path / "wire.jsonl", [{"id": f"paper-{i}", **story} for i in range(3)])
    report = make_service().index([feed])
    assert (report.chunks_written, report.embeddings_saved) == (3, 2)
    assert "2 of them not embedded again" in report.summary()
