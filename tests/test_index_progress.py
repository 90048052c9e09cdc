"""Indexing progress: the states a real index run reports, and how they are shown."""

from __future__ import annotations

import io

from rag import indexer
from rag.index_progress import QUIET_FOR_S, IndexProgressView, describe
from rag.indexer import IndexProgress
from tests.conftest import write_feed


def test_a_real_run_reports_documents_passages_and_bytes(
    make_service, seed_copy, tmp_path, monkeypatch
):
    monkeypatch.setattr(indexer, "WRITE_BATCH_CHUNKS", 16)  # several batches from a small set
    story = "The council met on Tuesday and approved the new budget for schools. " * 12
    records = [{"id": f"f{i}", "title": f"Story {i}", "text": story} for i in range(40)]
    feed = write_feed(tmp_path / "feed.jsonl", records)
    states: list[IndexProgress] = []
    service = make_service()
    report = service.index([seed_copy, feed], progress=states.append)
    total = sum(p.stat().st_size for p in seed_copy.iterdir()) + feed.stat().st_size
    assert {s.bytes_total for s in states} == {total}
    reads = [s.bytes_read for s in states]
    assert reads == sorted(reads) and 0 < reads[0] < total
    assert [s.documents for s in states if not s.done][-1] == 45
    final = states[-1]
    assert final.done and final.fraction == 1.0 and final.seconds_left == 0.0
    assert (final.bytes_read, final.passages) == (total, report.chunks_written)
    passages = [s.passages for s in states]
    assert passages == sorted(passages) and len(set(passages)) > 2, "written in batches"


def _states(seconds_per_tenth: float) -> list[IndexProgress]:
    total = 23_400_000
    return [
        IndexProgress(140 * i, 1800 * i, total * i // 10, total, seconds_per_tenth * i)
        for i in range(1, 11)
    ]


def test_log_lines_every_tenth_once_past_the_quiet_minute():
    out = io.StringIO()
    view = IndexProgressView(out)
    for state in _states(30.0):
        view(state)
    lines = out.getvalue().splitlines()
    # 30 s a tenth: the first tenth falls inside the quiet minute, the other nine print
    assert len(lines) == 9
    assert lines[0] == (
        "index  20% 4.7/23.4 MB, 280 documents, 3,600 passages, 60.0 passages/s, "
        "1:00 elapsed, 4:00 left"
    )
    assert lines[-1].startswith("index 100% 23.4/23.4 MB, 1,400 documents, 18,000 passages")


def test_short_jobs_print_nothing():
    out = io.StringIO()
    view = IndexProgressView(out)
    for state in _states(QUIET_FOR_S["log"] / 20):
        view(state)
    assert out.getvalue() == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_tqdm_bar():
    out = _Terminal()
    view = IndexProgressView(out)
    for state in _states(10.0):
        view(state)
    view(IndexProgress(1400, 18000, 23_400_000, 23_400_000, 100.0, done=True))
    text = out.getvalue()
    assert "\r" in text and text.endswith("\n")
    assert "1,400 docs, 18,000 passages, 180.0/s" in text
    assert "23.4M/23.4M" in text


def test_time_left_is_unknown_before_anything_is_read():
    state = IndexProgress(0, 0, 0, 1000, 2.0)
    assert state.seconds_left is None
    assert describe(state).endswith("0:02 elapsed, ? left")


def test_a_resumed_run_predicts_time_from_the_documents_it_embeds():
    # 600 of 1,000 bytes read in 10 s, 500 of them documents already stored: the 100 bytes
    # that were embedded set the rate, so 400 bytes left take 40 s, not 6.7 s.
    state = IndexProgress(60, 10, 600, 1000, 10.0, bytes_unchanged=500)
    assert state.seconds_left == 40.0
    assert IndexProgress(50, 0, 500, 1000, 3.0, bytes_unchanged=500).seconds_left is None


def test_a_second_run_counts_the_stored_documents_as_unchanged(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    states: list[IndexProgress] = []
    report = service.index([seed_copy], progress=states.append)
    assert report.unchanged == 5 and report.chunks_written == 0
    final = states[-1]
    assert final.bytes_unchanged == final.bytes_read == final.bytes_total
    assert all(s.seconds_left is None for s in states if not s.done)
