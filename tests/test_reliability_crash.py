"""Crash safety and concurrent writers: a real ``rag index`` subprocess killed mid-batch.

One large synthetic batch is indexed by ``python -m rag.cli index`` in a subprocess; the
test queries the index while it runs, checks a second writer is refused, kills the writer
with SIGKILL after its first write, queries again, re-runs ``rag index`` and checks that
Chroma and the lexical index hold every document exactly once and agree.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from rag.cli import main
from rag.errors import IndexLockedError
from rag.facade import RagService
from rag.lexical import LexicalIndex
from rag.lock import LOCK_FILE, index_lock
from tests.conftest import ABU_DHABI_DOC, REPO, make_settings

ARTICLES = 600  # one passage each: writes land after 256 and 512 (WRITE_BATCH_CHUNKS)
START_TIMEOUT_S = 120.0
WRITE_TIMEOUT_S = 120.0
RAG = [sys.executable, "-m", "rag.cli"]


def _write_articles(folder: Path, count: int) -> None:
    """Tiny one-passage articles, so the batch is large but quick to embed."""
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"art{i:04d}.txt").write_text(
            f"Harbour {i}\n\nThe harbour of Port{i:04d} reopened.\n", encoding="utf-8"
        )


def _child_env() -> dict[str, str]:
    """The test's environment without RAG_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["PYTHONPATH"] = str(REPO)
    return env


def _wait_for(condition, timeout: float, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"rag index ended (exit {proc.returncode}) before {what}:\n{err.decode()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _holds_lock(index_dir: Path, pid: int) -> bool:
    try:
        return (index_dir / LOCK_FILE).read_text().strip() == str(pid)
    except OSError:
        return False


def _answers_seed_question(service: RagService) -> bool:
    answer = service.answer("Who led Russia's delegation in Abu Dhabi?")
    return "Kostyukov" in answer.answer and ABU_DHABI_DOC in {c.doc_id for c in answer.citations}


def _check_consistent(service: RagService, articles: int, seeds: int) -> None:
    """Each document once, whole and at one version; Chroma and the lexical index agree."""
    stored = list(service.corpus.store.iter_all())
    ids = [s.chunk.chunk_id for s in stored]
    assert len(ids) == len(set(ids)), "chunk ids are unique"
    by_doc: dict[str, list] = defaultdict(list)
    for s in stored:
        by_doc[s.chunk.doc_id].append(s)
    expected = {f"art{i:04d}" for i in range(articles)}
    assert expected <= set(by_doc) and len(by_doc) == articles + seeds, "no document missing"
    for doc_id, chunks in by_doc.items():
        assert len({c.content_hash for c in chunks}) == 1, f"{doc_id} mixes versions"
        assert sorted(c.chunk.index for c in chunks) == list(range(len(chunks)))
    lexical = LexicalIndex.load(service.settings.index_dir / "lexical")
    assert lexical is not None
    assert lexical.generation == service.corpus.store.generation
    assert sorted(lexical.chunk_ids) == sorted(ids)
    assert set(lexical.documents) == set(by_doc)
    assert all(info.content_hash for info in lexical.documents.values())


@pytest.mark.slow
def test_killed_index_run_recovers_and_queries_work_throughout(
    tmp_path, embedder, seeded_index, shared_model, capsys
):
    articles, index_dir = tmp_path / "articles", seeded_index
    _write_articles(articles, ARTICLES)
    # An index in use: it holds the seeds and a reader (think of a server) has it open.
    reader = RagService(make_settings(index_dir), embedder=embedder)
    seeded = len(reader.documents())
    before = reader.corpus.store.count()
    assert _answers_seed_question(reader)

    command = [*RAG, "index", str(articles), "--index-dir", str(index_dir)]
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _wait_for(lambda: _holds_lock(index_dir, proc.pid), START_TIMEOUT_S, proc, "the lock")
        # A second writer is refused at once, with the holder named.
        assert main(["index", str(articles), "--index-dir", str(index_dir)]) == 4
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err
        assert f"being written by process {proc.pid}" in err and "--wait" in err

        _wait_for(lambda: reader.corpus.store.count() > before, WRITE_TIMEOUT_S, proc, "a write")
        # Queries keep working while the writer is busy.
        assert _answers_seed_question(reader)
        assert proc.poll() is None, "the writer finished before the kill: raise ARTICLES"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    landed = reader.corpus.store.count() - before
    assert 0 < landed < ARTICLES, "killed in the middle of the batch"

    # Right after the kill, before any re-run: queries still work.
    assert _answers_seed_question(reader)
    assert _answers_seed_question(RagService(make_settings(index_dir), embedder=embedder))

    # The next run takes the lock the dead process held, completes and leaves one copy of all.
    assert main(["index", str(articles), "--index-dir", str(index_dir)]) == 0
    assert "0 skipped" in capsys.readouterr().out
    after = RagService(make_settings(index_dir), embedder=embedder)
    _check_consistent(after, ARTICLES, seeded)
    assert _answers_seed_question(after)
    top = after.retrieve("harbour of Port0599 reopened")
    assert top and top[0].chunk.doc_id == "art0599"


def _hold_lock_elsewhere(index_dir: Path, release: threading.Event) -> threading.Thread:
    """Another writer: a thread takes the index lock (as another process would) and holds it
    until ``release`` is set. Returns once the lock is held."""
    held = threading.Event()

    def hold() -> None:
        with index_lock(index_dir):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    return holder


@pytest.mark.slow
def test_second_writer_is_refused_or_waits_and_never_writes(
    tmp_path, embedder, seeded_index, shared_model, capsys
):
    articles, index_dir = tmp_path / "articles", seeded_index
    _write_articles(articles, 2)
    service = RagService(make_settings(index_dir), embedder=embedder)
    generation, count = service.corpus.store.generation, service.corpus.store.count()
    release = threading.Event()
    holder = _hold_lock_elsewhere(index_dir, release)
    try:
        with pytest.raises(IndexLockedError, match=f"being written by process {os.getpid()}"):
            service.index([articles])
        assert main(["index", str(articles), "--index-dir", str(index_dir)]) == 4
        assert "--wait" in capsys.readouterr().err
        assert service.corpus.store.generation == generation, "the refused run wrote nothing"
        assert service.corpus.store.count() == count
        threading.Timer(1.0, release.set).start()
        started = time.monotonic()
        code = main(["index", str(articles), "--index-dir", str(index_dir), "--wait", "30"])
    finally:
        release.set()
        holder.join()
    assert code == 0 and time.monotonic() - started >= 0.9, "it waited for the holder"
    assert "indexed 2 new" in capsys.readouterr().out
    assert service.corpus.store.count() == count + 2


def test_rebuild_is_refused_while_another_process_writes(
    tmp_path, embedder, seeded_index, shared_model, capsys
):
    _write_articles(tmp_path / "articles", 2)
    service = RagService(make_settings(seeded_index), embedder=embedder)
    count = service.corpus.store.count()
    command = ["index", "--rebuild", str(tmp_path / "articles"), "--index-dir", str(seeded_index)]
    release = threading.Event()
    holder = _hold_lock_elsewhere(seeded_index, release)
    try:
        code = main(command)
    finally:
        release.set()
        holder.join()
    assert code == 4
    assert RagService(make_settings(seeded_index), embedder=embedder).corpus.store.count() == count


def _query_mid_write(monkeypatch, writer: RagService, reader: RagService, crash: bool) -> None:
    """A reader queries after the writer stamped a new generation and before it wrote; with
    ``crash``, the writer dies right after that write."""
    store = writer.corpus.store
    write = store.add

    def add(*args, **kwargs):
        reader.retrieve("harbour reopened")
        write(*args, **kwargs)
        if crash:
            raise KeyboardInterrupt("killed right after a batch landed")

    monkeypatch.setattr(store, "add", add)


def test_a_query_during_a_write_leaves_no_stale_lexical_index(
    tmp_path, embedder, seeded_index, monkeypatch
):
    _write_articles(tmp_path / "articles", 2)
    writer = RagService(make_settings(seeded_index), embedder=embedder)
    reader = RagService(make_settings(seeded_index), embedder=embedder)
    _query_mid_write(monkeypatch, writer, reader, crash=False)
    writer.index([tmp_path / "articles"])
    stored = {s.chunk.chunk_id for s in writer.corpus.store.iter_all()}
    assert set(reader.corpus.lexical.chunk_ids) == stored
    assert reader.retrieve("harbour of Port0001 reopened")[0].chunk.doc_id == "art0001"


def test_a_query_during_a_write_that_crashes_leaves_no_stale_lexical_index(
    tmp_path, embedder, seeded_index, monkeypatch
):
    _write_articles(tmp_path / "articles", 2)
    writer = RagService(make_settings(seeded_index), embedder=embedder)
    reader = RagService(make_settings(seeded_index), embedder=embedder)
    _query_mid_write(monkeypatch, writer, reader, crash=True)
    with pytest.raises(KeyboardInterrupt):
        writer.index([tmp_path / "articles"])
    stored = {s.chunk.chunk_id for s in writer.corpus.store.iter_all()}
    fresh = RagService(make_settings(seeded_index), embedder=embedder)
    assert set(fresh.corpus.lexical.chunk_ids) == stored
