"""Hostile and broken input at the library and CLI level: odd questions, bad files in a batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.cli import main
from rag.errors import InputError, InputTooLargeError
from rag.facade import RagService
from tests.conftest import ABU_DHABI_DOC, make_settings
from tests.test_ingest import png_bytes

QUESTION = "Who led Russia's delegation in Abu Dhabi?"
MAX_FILE_BYTES = 20_000


# Questions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question", ["", "   ", "\t\n \r\n", "\x00\x07\x1b", "\u200b\ufeff\u2060", "\ud800 \udfff"]
)
def test_empty_question_is_an_input_error(seeded_service, question):
    with pytest.raises(InputError, match="the question is empty") as caught:
        seeded_service.answer(question)
    assert not isinstance(caught.value, InputTooLargeError)


def test_blank_question_exits_2_on_the_cli(seeded_service, shared_model, capsys):
    index = str(seeded_service.settings.index_dir)
    assert main(["ask", " \t ", "--index-dir", index]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the question is empty") and err.count("\n") == 1


def test_question_over_the_limit_is_too_large(seeded_service, shared_model, capsys):
    limit = seeded_service.settings.max_question_chars
    assert limit == 2000, "the documented default"
    with pytest.raises(InputTooLargeError, match="2001 characters, over the limit of 2000"):
        seeded_service.answer("x" * (limit + 1))
    at_limit = (QUESTION + " ") * (limit // (len(QUESTION) + 1))
    assert len(at_limit.strip()) <= limit
    assert seeded_service.answer(at_limit).question == at_limit.strip()
    index = str(seeded_service.settings.index_dir)
    assert main(["ask", "y" * (limit + 1), "--index-dir", index]) == 2
    assert "RAG_MAX_QUESTION_CHARS" in capsys.readouterr().err


def test_control_characters_are_dropped_and_the_question_still_answered(seeded_service):
    noisy = "\x00Who led\x07 Russia's\u200b delegation\x1b in\x85 Abu Dhabi?\ufeff\r"
    answer = seeded_service.answer(noisy)
    assert "Kostyukov" in answer.answer
    assert ABU_DHABI_DOC in {c.doc_id for c in answer.citations}
    assert not any(ch in answer.question for ch in "\x00\x07\x1b\x85\u200b\ufeff\r")


@pytest.mark.parametrize(
    "question",
    [
        "Кто возглавлял российскую делегацию в Абу-Даби?",
        "من قاد الوفد الروسي في أبو ظبي؟",
        "\u202eWho led Russia's delegation in Abu Dhabi?\u202c",
        "谁率领俄罗斯代表团？",
        "Abu Dhabi \ud83d talks",  # a lone surrogate, as a JSON "\ud83d" escape can carry
        "🙂 Abu Dhabi " + "🙂" * 1980,
    ],
)
def test_any_script_gets_an_answer_or_a_refusal(seeded_service, question):
    answer = seeded_service.answer(question)
    if answer.abstained:
        assert answer.answer == seeded_service.settings.refusal_text and not answer.citations
    else:
        assert answer.citations
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")  # printable as the CLI does


@pytest.mark.parametrize("question", ["🇷🇺🤝🇺🇦 ??? 🙂", "🙂" * 1999, "?!", "... -- ..."])
def test_a_question_of_symbols_only_is_an_input_error(seeded_service, shared_model, question):
    with pytest.raises(InputError, match="the question has no words"):
        seeded_service.answer(question)
    index = str(seeded_service.settings.index_dir)
    assert main(["ask", question, "--index-dir", index]) == 2


def test_lone_surrogates_in_history_do_not_crash(seeded_service):
    history = [{"role": "user", "content": "Who led Russia's delegation \udc80 in Abu Dhabi?"}]
    answer = seeded_service.answer("And who led it \ud800?", history=history)
    assert answer.abstained or answer.citations


def test_history_over_the_limit_is_too_large_and_a_turn_needs_text(seeded_service):
    limit = seeded_service.settings.max_history_chars
    huge = [{"role": "user", "content": "x" * (limit + 1)}]
    with pytest.raises(InputTooLargeError, match="RAG_MAX_HISTORY_CHARS"):
        seeded_service.answer("And who led Ukraine's?", history=huge)
    for bad in ([{"role": "user"}], [{"role": "user", "content": 5}], {"role": "user"}):
        with pytest.raises(InputError, match="history must be a list"):
            seeded_service.answer("And who led Ukraine's?", history=bad)
    # a long earlier question is carried into the search cut to a question's length
    answer = seeded_service.answer(
        "And who led Ukraine's?", history=[{"role": "user", "content": QUESTION + " x" * 5000}]
    )
    assert answer.search_query is not None and len(answer.search_query) < 2100


# Files -------------------------------------------------------------------------------

GOOD = "Harbour Reopens\n\nThe harbour in Portvale reopened on Monday after storm repairs.\n"
HTML = """<html><head><title>Bridge Opens</title>
<style>body { color: red } .SECRETSTYLE { display: none }</style>
<script>var SECRETSCRIPT = 1; alert("SECRETSCRIPT");</script></head>
<body><nav>Home | World | Sport</nav><article><h1>Bridge Opens</h1>
<p>The new bridge over the Velka river opened to traffic on Friday after three years of work.</p>
<p>Engineers said the bridge can carry twelve thousand vehicles a day.</p>
<script>document.write("SECRETSCRIPT")</script></article></body></html>"""


def _write_batch(folder: Path) -> dict[str, str]:
    """A batch mixing good articles with every kind of bad file; returns the expected skips."""
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "latin1.txt").write_bytes(
        "Café Reopens\n\nThe café in Zürich reopened on Tuesday, said Mr Müller.\n".encode(
            "latin-1"
        )
    )
    (folder / "utf16.txt").write_bytes(
        "Kyiv Talks\n\nThe delegates met in Kyiv – again.\n".encode("utf-16")
    )
    (folder / "bridge.html").write_text(HTML, encoding="utf-8")
    records = [
        json.dumps({"id": "j1", "title": "Dam Repaired", "text": "The Tarn dam was repaired."}),
        '{"id": "j2", "title": "Broken", "text": "no closing brace"',
        json.dumps({"id": "j3", "title": "Ferry Returns", "text": "The ferry to Isola returned."}),
        "[" * 5000 + "]" * 5000,  # deeper than Python's recursion limit
        '{"id": ' + "9" * 5000 + ', "text": "A number over the int conversion limit."}',
    ]
    (folder / "feed.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(png_bytes())
    (folder / "huge.txt").write_text(GOOD * (MAX_FILE_BYTES // len(GOOD) + 10), encoding="utf-8")
    (folder / "dashes.txt").write_text("----\n\n----\n----\n", encoding="utf-8")
    (folder / "numbers.txt").write_text("2024\n\n12345\n\n67 890\n", encoding="utf-8")
    # A seed article's id, now garbage: the indexed version must survive.
    (folder / f"{ABU_DHABI_DOC}.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return {
        "empty.txt": "empty file",
        "image.txt": "binary file (not text)",
        "huge.txt": f"over the {MAX_FILE_BYTES:,} byte limit",
        "feed.jsonl line 2": "malformed JSON",
        "feed.jsonl line 4": "malformed JSON (nested too deeply)",
        "feed.jsonl line 5": "malformed JSON (Exceeds the limit (4300 digits)",
        "dashes.txt": "no article text left after cleaning",
        "numbers.txt": "no article text left after cleaning",
        f"{ABU_DHABI_DOC}.txt": "binary file (not text)",
    }


def _snapshot(service: RagService) -> dict[str, tuple[str, str, str]]:
    return {
        s.chunk.chunk_id: (s.chunk.doc_id, s.content_hash, s.chunk.text)
        for s in service.corpus.store.iter_all()
    }


def test_bad_files_are_skipped_and_the_rest_of_the_batch_indexed(tmp_path, seeded_index, embedder):
    batch = tmp_path / "batch"
    expected_skips = _write_batch(batch)
    service = RagService(
        make_settings(seeded_index, max_file_bytes=MAX_FILE_BYTES), embedder=embedder
    )
    seeds_before = _snapshot(service)

    report = service.index([batch])

    assert sorted(report.added) == ["bridge", "good", "j1", "j3", "latin1", "utf16"]
    assert report.updated == []
    skipped = {Path(s.path).name + (f" line {s.line}" if s.line else ""): s for s in report.skipped}
    assert set(skipped) == set(expected_skips)
    for where, reason in expected_skips.items():
        message = skipped[where].message
        assert reason in message and where in message and "\n" not in message
    assert f"{len(expected_skips)} skipped" in report.summary()

    after = _snapshot(service)
    assert {cid: v for cid, v in after.items() if cid in seeds_before} == seeds_before
    assert set(seeds_before) <= set(after), "previously indexed documents are untouched"
    texts = " ".join(text for _, _, text in after.values())
    assert "SECRETSCRIPT" not in texts and "SECRETSTYLE" not in texts and "color: red" not in texts
    assert "Velka river" in texts and "Zürich" in texts and "Kyiv – again" in texts
    documents = service.corpus.documents()
    assert set(documents) == {doc for doc, _, _ in after.values()}
    assert service.retrieve("café in Zürich reopened")[0].chunk.doc_id == "latin1"
    assert "Kostyukov" in service.answer(QUESTION).answer


def test_cli_warns_once_per_bad_file_and_counts_them(
    tmp_path, seeded_index, shared_model, capsys, monkeypatch
):
    batch = tmp_path / "batch"
    expected_skips = _write_batch(batch)
    monkeypatch.setenv("RAG_MAX_FILE_BYTES", str(MAX_FILE_BYTES))
    for run in ("first", "again"):
        assert main(["index", str(batch), "--index-dir", str(seeded_index)]) == 0, run
        out, err = capsys.readouterr()
        warnings = err.strip().splitlines()
        assert len(warnings) == len(expected_skips)
        assert all(line.startswith("warning: skipped ") for line in warnings)
        assert any("feed.jsonl line 2: malformed JSON" in line for line in warnings)
        assert f"{len(expected_skips)} skipped" in out
    assert "0 new" in out and "6 unchanged" in out, "a second run redoes nothing"
