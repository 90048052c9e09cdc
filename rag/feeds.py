"""Records out of ``.jsonl`` and ``.json`` feeds, one at a time, in bounded memory.

A feed may hold a whole archive (a gigabyte is fine): it is read in blocks and split into
records as bytes, so memory holds one record at a time, and the size limit applies to each
record, not to the file. A ``.json`` file is either one object or an array of records; the
array is split by a small scanner that tracks strings and nesting, so each element can be
decoded (and rejected) on its own, with the line it starts on.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

# Bytes read at a time: large enough that the per-block Python work is negligible.
READ_BLOCK_BYTES = 1 << 20

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_STRUCTURE = re.compile(rb'[\[\]{}",]')
_WHITESPACE = b" \t\r\n"


class FeedError(Exception):
    """The file as a whole cannot be read on (binary, broken structure); records before it
    were already yielded."""


@dataclass(frozen=True)
class RawRecord:
    """One record's bytes (UTF-8 when the file was UTF-16), or None when over the limit.

    ``line`` is where the record starts; ``item`` its position in a JSON array (else None).
    """

    data: bytes | None
    size: int
    line: int
    item: int | None = None


def blocks(fh: BinaryIO, block_bytes: int = READ_BLOCK_BYTES) -> Iterator[bytes]:
    """The file's bytes in blocks, as UTF-8: a UTF-16 file (with BOM) is re-encoded, a
    UTF-8 BOM dropped. :class:`FeedError` when the start of the file looks binary."""
    first = fh.read(block_bytes)
    if first.startswith(_UTF16_BOMS):
        fh.seek(0)
        text = io.TextIOWrapper(fh, encoding="utf-16", errors="strict")
        try:
            while piece := text.read(block_bytes):
                yield piece.encode("utf-8")
        except UnicodeDecodeError as exc:
            raise FeedError("binary file (not text)") from exc
        finally:
            text.detach()
        return
    if b"\x00" in first:
        raise FeedError("binary file (not text)")
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8) :]
    while first:
        yield first
        first = fh.read(block_bytes)


def jsonl_records(chunks: Iterator[bytes], max_record_bytes: int) -> Iterator[RawRecord]:
    """One :class:`RawRecord` per non-blank line; a line over the limit comes with no data."""
    line = 0
    parts: list[bytes] = []
    size = 0
    over = False
    for chunk in chunks:
        start = 0
        while True:
            newline = chunk.find(b"\n", start)
            end = len(chunk) if newline < 0 else newline
            size += end - start
            if size > max_record_bytes:
                over, parts = True, []
            elif end > start:
                parts.append(chunk[start:end])
            if newline < 0:
                break
            line += 1
            record = _line_record(parts, size, over, line)
            if record is not None:
                yield record
            parts, size, over = [], 0, False
            start = newline + 1
    if size:
        record = _line_record(parts, size, over, line + 1)
        if record is not None:
            yield record


def _line_record(parts: list[bytes], size: int, over: bool, line: int) -> RawRecord | None:
    if over:
        return RawRecord(None, size, line)
    data = b"".join(parts)
    return RawRecord(data, size, line) if data.strip() else None


def json_records(chunks: Iterator[bytes], max_record_bytes: int) -> Iterator[RawRecord]:
    """The elements of a top-level JSON array, or the whole text as one record otherwise
    (``item`` None; the caller decodes it and says what is wrong with a non-object).

    :class:`FeedError` for a broken array structure or a single object over the limit.
    """
    scanner = _ArrayScanner(max_record_bytes)
    for chunk in chunks:
        yield from scanner.feed(chunk)
    yield from scanner.finish()


class _ArrayScanner:
    """Splits ``[ elem, elem, ... ]`` into elements without decoding them.

    Only strings and brackets matter for finding where an element ends: a ``,`` or ``]``
    outside any string at nesting depth 0. Each element is decoded later, on its own.
    """

    def __init__(self, max_record_bytes: int) -> None:
        self.limit = max_record_bytes
        self.mode = "start"  # start -> array | whole; array -> done
        self.line = 1  # line of the next unread byte
        self.parts: list[bytes] = []
        self.size = 0
        self.over = False
        self.started_line = 0  # line of the current element's first byte (0: none yet)
        self.depth = 0
        self.in_string = False
        self.escape = False
        self.items = 0

    # Feeding ------------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> Iterator[RawRecord]:
        pos = 0
        if self.mode == "start":
            stripped = chunk.lstrip(_WHITESPACE)
            if not stripped:
                self.line += chunk.count(b"\n")
                return
            pos = len(chunk) - len(stripped)
            self.line += chunk.count(b"\n", 0, pos)
            if stripped[:1] == b"[":
                self.mode = "array"
                pos += 1
            else:
                self.mode = "whole"
                self.started_line = self.line
        if self.mode == "whole":
            self._keep(chunk[pos:])
            if self.over:
                raise FeedError(self._over_message())
            return
        while pos < len(chunk):
            if self.mode == "done":
                rest = chunk[pos:]
                if rest.strip(_WHITESPACE):
                    line = self.line + rest[: len(rest) - len(rest.lstrip(_WHITESPACE))].count(
                        b"\n"
                    )
                    raise FeedError(f"malformed JSON (extra data after the array at line {line})")
                return
            pos = yield from self._step(chunk, pos)

    def _step(self, chunk: bytes, pos: int) -> Iterator[RawRecord]:
        """Consume from ``pos`` up to and including the next byte that matters."""
        if self.in_string:
            if self.escape:
                self.escape = False
                self._take(chunk, pos, pos + 1)
                return pos + 1
            # bytes.find is memchr-fast; a regex over long article strings is ~20x slower.
            quote = chunk.find(b'"', pos)
            limit = len(chunk) if quote < 0 else quote
            backslash = chunk.find(b"\\", pos, limit)
            if backslash >= 0:
                self._take(chunk, pos, backslash + 1)
                self.escape = True
                return backslash + 1
            if quote < 0:
                self._take(chunk, pos, len(chunk))
                return len(chunk)
            self._take(chunk, pos, quote + 1)
            self.in_string = False
            return quote + 1
        match = _STRUCTURE.search(chunk, pos)
        if match is None:
            self._take(chunk, pos, len(chunk))
            return len(chunk)
        byte = match.group()
        at = match.start()
        if byte in b",]" and self.depth == 0:
            self._take(chunk, pos, at)
            yield from self._end_item(closing=byte == b"]")
            if byte == b"]":
                self.mode = "done"
            return at + 1
        self._take(chunk, pos, at + 1)
        if byte == b'"':
            self.in_string = True
        elif byte in b"[{":
            self.depth += 1
        elif byte in b"]}":
            self.depth = max(0, self.depth - 1)
        return at + 1

    def _take(self, chunk: bytes, start: int, end: int) -> None:
        """Add ``chunk[start:end]`` to the current element, counting its lines."""
        if end <= start:
            return
        piece = chunk[start:end]
        if not self.started_line:
            stripped = piece.lstrip(_WHITESPACE)
            self.line += piece.count(b"\n", 0, len(piece) - len(stripped))
            if not stripped:
                return
            self.started_line = self.line
            piece = stripped
        self.line += piece.count(b"\n")
        self._keep(piece)

    def _keep(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > self.limit:
            self.over, self.parts = True, []
        elif not self.over:
            self.parts.append(piece)

    def _end_item(self, closing: bool) -> Iterator[RawRecord]:
        if self.started_line:
            self.items += 1
            data = None if self.over else b"".join(self.parts).rstrip(_WHITESPACE)
            yield RawRecord(data, self.size, self.started_line, self.items)
        elif not (closing and self.items == 0):  # "[]" is fine; "[,", ",,", ",]" are not
            where = f"item {self.items + 1}" if not closing else "the end of the array"
            raise FeedError(f"malformed JSON (missing value before {where}, line {self.line})")
        self.parts, self.size, self.over, self.started_line = [], 0, False, 0

    def _over_message(self) -> str:
        return (
            f"the JSON text is over the {self.limit:,} byte limit "
            "(raise max_file_bytes / RAG_MAX_FILE_BYTES to read it)"
        )

    # End of input -------------------------------------------------------------------------
    def finish(self) -> Iterator[RawRecord]:
        if self.mode == "start":
            raise FeedError("empty file")
        if self.mode == "whole":
            yield RawRecord(b"".join(self.parts), self.size, self.started_line)
            return
        if self.mode != "done":
            raise FeedError(f"malformed JSON (the array is not closed, line {self.line})")
