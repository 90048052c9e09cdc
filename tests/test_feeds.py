"""Feeds read record by record: splitting, per-record limits, errors with lines, memory."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import feeds
from rag.ingest import load_documents

RECORDS = [
    {"id": "a", "title": "Alpha [1]", "text": 'He said "stop", then {left}.\nNext line \\ end.'},
    {"id": "b", "title": "Beta", "text": "Ünïcödé, “quotes” and a ] bracket.", "tags": [1, [2]]},
    {"id": "c", "title": "Gamma", "text": "Plain.", "meta": {"nested": {"deep": ["x", "]"]}}},
]


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64, 1 << 20])
def test_json_array_split_at_any_block_size(block: int) -> None:
    data = json.dumps(RECORDS, ensure_ascii=False, indent=2).encode("utf-8")
    records = list(feeds.json_records(pieces(data, block), 10_000))
    assert [json.loads(r.data) for r in records] == RECORDS
    assert [r.item for r in records] == [1, 2, 3]
    lines = data.decode("utf-8").splitlines()
    for r in records:  # each record starts on the line its first byte is on
        assert lines[r.line - 1].strip() == "{"


@pytest.mark.parametrize("block", [1, 5, 1 << 20])
def test_jsonl_split_at_any_block_size(block: int) -> None:
    data = ("\n".join(json.dumps(r) for r in RECORDS) + "\n\n  \n").encode("utf-8")
    records = list(feeds.jsonl_records(pieces(data, block), 10_000))
    assert [json.loads(r.data) for r in records] == RECORDS
    assert [r.line for r in records] == [1, 2, 3]


def test_feed_larger_than_the_limit_reads_every_record(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    record = {"title": "Story", "text": "A council met on Tuesday to discuss the budget. " * 20}
    lines = [json.dumps({"id": f"s{i}", **record}) for i in range(50)]
    lines[30] = json.dumps({"id": "huge", "title": "Huge", "text": "word " * 2000})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    limit = 2000
    assert path.stat().st_size > 10 * limit
    result = load_documents([path], max_file_bytes=limit)
    assert len(result.documents) == 49
    [skip] = result.skipped
    assert skip.line == 31
    assert skip.message.startswith(f"skipped {path} line 31: record is 10,")
    assert "over the 2,000 byte limit" in skip.message


def test_json_array_items_fail_alone_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_text(
        '[\n{"id": "a", "text": "Alpha."},\n{"id": "b", "text": },\n'
        '{"id": "c", "text": "' + "x " * 600 + '"},\n{"id": "d", "text": "Delta."}\n]\n',
        encoding="utf-8",
    )
    result = load_documents([path], max_file_bytes=1000)
    assert [d.doc_id for d in result.documents] == ["a", "d"]
    assert [(s.line, s.reason.split(" (")[0]) for s in result.skipped] == [
        (3, "item 2: malformed JSON"),
        (4, "item 3: record is 1,223 bytes, over the 1,000 byte limit"),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[{"id": "a", "text": "Alpha."},\n{"id": "b"', "the array is not closed, line 2"),
        ('[{"id": "a", "text": "Alpha."},, {"id": "b"}]', "missing value before item 2, line 1"),
        ('[{"id": "a", "text": "Alpha."}]\n[1]', "extra data after the array at line 2"),
    ],
)
def test_broken_array_keeps_the_records_before(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "feed.json"
    path.write_text(text, encoding="utf-8")
    result = load_documents([path], max_file_bytes=1000)
    assert [d.doc_id for d in result.documents] == ["a"]
    [skip] = result.skipped
    assert skip.message == f"skipped {path}: malformed JSON ({reason})"


def test_utf16_and_cp1252_feeds(tmp_path: Path) -> None:
    (tmp_path / "wide.jsonl").write_text(
        json.dumps({"id": "w", "text": "Zürich voted."}, ensure_ascii=False) + "\n", "utf-16"
    )
    (tmp_path / "old.jsonl").write_bytes(b'{"id": "o", "text": "Caf\xe9 \x93quoted\x94."}\n')
    docs = {d.doc_id: d.text for d in load_documents([tmp_path], 1000).documents}
    assert docs == {"w": "Zürich voted.", "o": "Café “quoted”."}


def test_binary_and_empty_feeds(tmp_path: Path) -> None:
    (tmp_path / "bin.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "blank.json").write_text("  \n", encoding="utf-8")
    (tmp_path / "blank.jsonl").write_text("\n\n", encoding="utf-8")
    reasons = {Path(s.path).name: s.reason for s in load_documents([tmp_path], 1000).skipped}
    assert reasons == {
        "bin.jsonl": "binary file (not text)",
        "blank.json": "empty file",
        "blank.jsonl": "empty file",
    }


def _endless_feed(total_bytes: int, jsonl: bool) -> Iterator[bytes]:
    """``total_bytes`` of feed in 1 MiB blocks, generated on the fly (no file, no copy)."""
    record = json.dumps({"id": "x", "title": "T", "text": "Some story text. " * 300})
    unit = (record + "\n") if jsonl else (record + ",\n")
    block = (unit * ((1 << 20) // len(unit))).encode()
    if not jsonl:
        yield b"["
    for _ in range(total_bytes // len(block)):
        yield block
    if not jsonl:
        yield record.encode() + b"]"


@pytest.mark.parametrize("jsonl", [True, False])
def test_memory_stays_bounded_on_a_large_feed(jsonl: bool) -> None:
    split = feeds.jsonl_records if jsonl else feeds.json_records
    tracemalloc.start()
    try:
        count = sum(1 for _ in split(_endless_feed(32 << 20, jsonl), 1_000_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 5_000
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB while splitting a 32 MiB feed"
