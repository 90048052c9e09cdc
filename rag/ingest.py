"""Files and folders of articles in, :class:`~rag.types.Document` records out.

Reads ``.txt``/``.md`` (title line, optional date and URL lines, body), ``.html``/``.htm``
(main text through trafilatura), ``.jsonl`` and ``.json`` (objects with ``id`` and ``text``).
A bad file or record becomes a :class:`Skipped` with a reason; it never stops the batch.
Feeds (``.jsonl``/``.json``) are streamed record by record (:mod:`rag.feeds`), so the size
limit applies to each article, not to the archive that holds them.
"""

from __future__ import annotations

import codecs
import html
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag import feeds
from rag.clean import (
    TextHeader,
    clean_article,
    clean_title,
    normalise_date,
    parse_text_header,
    split_front_matter,
)
from rag.errors import InputError
from rag.types import Document

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl"})
JSON_SUFFIXES = frozenset({".json"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES
SUPPORTED_LIST = ".txt, .md, .html, .htm, .json or .jsonl"

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
MAX_CONTROL_RATIO = 0.01  # more control characters than this in decoded text: binary
REPLACEMENT = "\ufffd"
# A file is UTF-8 with damage when its valid multi-byte characters outnumber the bad bytes
# by this much; a cp1252 or Latin-1 file has (next to) no valid multi-byte sequences.
MIN_VALID_PER_BAD_UTF8 = 4
TEXT_CONTROLS = frozenset("\t\n\r\f")
# Dates from the page's metadata only: a guess from footer text is worse than no date.
HTML_DATE_PARAMS = {"extensive_search": False, "original_date": True}
HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)

NO_TEXT = "no article text left after cleaning"
DATE_SHOWN_CHARS = 40  # of a date that could not be read, in the warning about it
UNSUPPORTED = "unsupported file type"


@dataclass(frozen=True)
class Skipped:
    """A file, or one record of a JSON file, that was not indexed, and why.

    ``quiet`` marks files of other types met while walking a folder: counted, not warned.
    """

    path: str
    reason: str
    line: int | None = None
    quiet: bool = False

    @property
    def message(self) -> str:
        """One line fit for a warning: ``skipped data/x.txt: binary file (not text)``."""
        where = self.path if self.line is None else f"{self.path} line {self.line}"
        return f"skipped {where}: {self.reason}"


@dataclass
class IngestResult:
    """Everything read from a set of paths."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unsupported: int = 0  # files of other types inside folders, skipped silently


@dataclass
class ReadProgress:
    """How far reading has got, in bytes of input: set and advanced by :func:`iter_documents`.

    Bytes, not documents, because a feed's record count is unknown until it is read.
    """

    bytes_total: int = 0
    bytes_read: int = 0


class _Skip(Exception):
    """Internal: abandon the current file with a reason."""


def check_paths(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """``paths`` as :class:`Path` objects; one that does not exist is an :class:`InputError`."""
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    resolved = [Path(p) for p in paths]
    for path in resolved:
        if not path.exists():
            raise InputError(
                f"{path} does not exist: give an existing file or folder of {SUPPORTED_LIST} "
                "articles"
            )
    return resolved


def iter_documents(
    paths: Iterable[str | Path], max_file_bytes: int, progress: ReadProgress | None = None
) -> Iterator[Document | Skipped]:
    """Yield a Document or a Skipped for each article under ``paths`` (files or folders).

    Folders are walked recursively in sorted order. Raises :class:`InputError` at once if a
    path does not exist. Later duplicates of a ``doc_id`` are skipped. ``progress``, when
    given, gets the total size of the files up front and the bytes read as reading goes.
    """
    resolved = check_paths(paths)
    progress = progress if progress is not None else ReadProgress()
    progress.bytes_total = sum(_size(file) for path in resolved for file, _ in _walk(path))
    return _iter_all(resolved, max_file_bytes, progress)


def _size(path: Path) -> int:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return 0
    try:
        return path.stat().st_size
    except OSError:
        return 0


def load_documents(paths: Iterable[str | Path], max_file_bytes: int) -> IngestResult:
    """Read every article under ``paths`` into an :class:`IngestResult`."""
    result = IngestResult()
    for item in iter_documents(paths, max_file_bytes):
        if isinstance(item, Document):
            result.documents.append(item)
        elif item.quiet:
            result.unsupported += 1
        else:
            result.skipped.append(item)
            result.warnings.append(item.message)
    if result.unsupported:
        result.warnings.append(
            f"ignored {result.unsupported} file(s) that are not {SUPPORTED_LIST}"
        )
    return result


def _iter_all(
    paths: list[Path], max_file_bytes: int, progress: ReadProgress
) -> Iterator[Document | Skipped]:
    seen: dict[str, str] = {}
    for path in paths:
        for file, in_folder in _walk(path):
            where = str(file)  # one string per file, shared by all its ids in ``seen``
            done_before = progress.bytes_read
            for item in _read_file(file, max_file_bytes, in_folder, progress):
                if isinstance(item, Document):
                    if item.doc_id in seen:
                        yield Skipped(
                            where,
                            f"duplicate id {item.doc_id!r} (already read from {seen[item.doc_id]})",
                        )
                        continue
                    seen[item.doc_id] = where
                yield item
            progress.bytes_read = done_before + _size(file)


def _walk(path: Path) -> Iterator[tuple[Path, bool]]:
    """Files under ``path`` in sorted order, hidden files and folders left out."""
    if not path.is_dir():
        yield path, False
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name, True


def _read_file(
    path: Path, max_file_bytes: int, in_folder: bool, progress: ReadProgress
) -> Iterator[Document | Skipped]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        reason = f"{UNSUPPORTED} {suffix or '(no extension)'} (use {SUPPORTED_LIST})"
        yield Skipped(str(path), reason, quiet=in_folder)
        return
    if suffix in JSONL_SUFFIXES | JSON_SUFFIXES:
        yield from _feed_documents(path, suffix in JSONL_SUFFIXES, max_file_bytes, progress)
        return
    try:
        text = _read_text(path, max_file_bytes)
        progress.bytes_read += _size(path)
        if suffix in HTML_SUFFIXES:
            yield _html_document(text, path)
        else:
            yield _text_document(text, path)
    except _Skip as skip:
        yield Skipped(str(path), str(skip))


def _read_text(path: Path, max_file_bytes: int) -> str:
    """Read and decode a text file; ``_Skip`` if empty, too big, binary or unreadable."""
    try:
        if not path.is_file():
            raise _Skip("not a regular file")
        size = path.stat().st_size
        if size > max_file_bytes:
            raise _Skip(
                f"file is {size:,} bytes, over the {max_file_bytes:,} byte limit "
                "(raise max_file_bytes / RAG_MAX_FILE_BYTES to read it)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise _Skip(f"cannot read file ({exc.strerror or exc})") from exc
    text = _decode(data)
    if not text.strip():
        raise _Skip("empty file")
    return text


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252/Latin-1; binary -> ``_Skip``."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _Skip("binary file (not text)") from exc
    if b"\x00" in data:
        raise _Skip("binary file (not text)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    damaged = _damaged_utf8(data)
    if damaged is not None:
        return damaged
    for encoding in FALLBACK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _looks_binary(text):
            return text
    raise _Skip("binary file (not text)")


def _damaged_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few bad bytes (a truncated copy, one stray byte), decoded with U+FFFD
    in their place; None when the bytes are not mostly UTF-8. Read as cp1252 instead, every
    accented letter of such a file would turn to mojibake."""
    text = data.decode("utf-8-sig", errors="replace")
    bad = text.count(REPLACEMENT)
    good = sum(1 for ch in text if ch > "\x7f" and ch != REPLACEMENT)
    return text if good > bad * MIN_VALID_PER_BAD_UTF8 else None


def _looks_binary(text: str) -> bool:
    controls = sum(
        1 for ch in text if ch not in TEXT_CONTROLS and (ch < " " or "\x7f" <= ch < "\xa0")
    )
    return controls > MAX_CONTROL_RATIO * len(text)


def _make_document(
    doc_id: str,
    title: str,
    raw_body: str,
    path: Path,
    *,
    date: str | None = None,
    url: str | None = None,
    source: str | None = None,
    site_name: str | None = None,
    date_given: str | None = None,
) -> Document:
    """Clean the body once; source: given field, else a "Source:" line, else the site name.
    ``date_given`` is the date as the input wrote it, kept when it could not be read."""
    title = clean_title(title) or doc_id
    cleaned = clean_article(raw_body, title)
    if not cleaned.text:
        raise _Skip(NO_TEXT)
    return Document(
        doc_id=doc_id,
        title=title,
        text=cleaned.text,
        date=date,
        url=url,
        source=source or cleaned.source or site_name or None,
        path=str(path),
        unread_date=date_given.strip()[:DATE_SHOWN_CHARS] if date_given and not date else None,
    )


def _text_document(text: str, path: Path) -> Document:
    """A .txt/.md article: YAML front matter's fields where it has them, else the header
    lines (title, date, URL)."""
    fields, text = split_front_matter(text)
    if fields.get("title"):
        header = TextHeader(fields["title"], None, None, text)
    else:
        header = parse_text_header(text)
    return _make_document(
        path.stem,
        header.title,
        header.body,
        path,
        date=normalise_date(fields.get("date", "")) or header.date,
        url=fields.get("url") if _is_url(fields.get("url")) else header.url,
        source=fields.get("source"),
        date_given=fields.get("date") or header.unread_date,
    )


def _html_document(text: str, path: Path) -> Document:
    """Main text and metadata of a web page; scripts, styles and navigation left out."""
    import trafilatura  # heavy: only when an HTML file is read

    extracted = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        date_extraction_params=HTML_DATE_PARAMS,
    )
    meta: dict[str, Any] = extracted.as_dict() if extracted is not None else {}
    body = meta.get("text") or ""
    if not body.strip():
        raise _Skip(NO_TEXT)
    title = meta.get("title") or _html_title(text)
    date = normalise_date(meta["date"]) if meta.get("date") else None
    url = meta.get("url") if _is_url(meta.get("url")) else None
    return _make_document(
        path.stem, title, body, path, date=date, url=url, site_name=meta.get("sitename")
    )


def _html_title(text: str) -> str:
    match = HTML_TITLE.search(text)
    return html.unescape(match.group(1)) if match else ""


def _feed_documents(
    path: Path, jsonl: bool, max_record_bytes: int, progress: ReadProgress
) -> Iterator[Document | Skipped]:
    """Documents of a JSONL or JSON feed, read record by record; the limit is per record."""
    where = str(path)
    records = feeds.jsonl_records if jsonl else feeds.json_records
    try:
        if not path.is_file():
            raise _Skip("not a regular file")
        with open(path, "rb") as fh:
            empty = True
            for record in records(feeds.blocks(fh), max_record_bytes):
                empty = False
                progress.bytes_read += record.size + 1  # the newline or comma after it
                yield _record_document(record, where, path, jsonl, max_record_bytes)
            if empty:
                raise _Skip("empty file")
    except OSError as exc:
        yield Skipped(where, f"cannot read file ({exc.strerror or exc})")
    except feeds.FeedError as exc:
        yield Skipped(where, str(exc))
    except _Skip as skip:
        yield Skipped(where, str(skip))


def _record_document(
    record: feeds.RawRecord, where: str, path: Path, jsonl: bool, limit: int
) -> Document | Skipped:
    """One feed record decoded and checked; problems come back as a Skipped with its line."""
    line = record.line if jsonl or record.item is not None else None
    prefix = f"item {record.item}: " if record.item is not None else ""
    if record.data is None:
        return Skipped(
            where,
            f"{prefix}record is {record.size:,} bytes, over the {limit:,} byte limit "
            "(raise max_file_bytes / RAG_MAX_FILE_BYTES to read it)",
            line=line,
        )
    try:
        obj = json.loads(_decode(record.data))
    except _Skip as skip:
        if not jsonl and record.item is None:
            raise
        return Skipped(where, f"{prefix}{skip}", line=line)
    except (ValueError, RecursionError) as exc:
        if not jsonl and record.item is None:
            raise _Skip(f"malformed JSON ({_json_problem(exc, with_line=True)})") from exc
        return Skipped(where, f"{prefix}malformed JSON ({_json_problem(exc)})", line=line)
    if not jsonl and record.item is None and not isinstance(obj, dict):
        raise _Skip("JSON must be an object or a list of objects")
    return _object_document(obj, path, line=line, item=record.item)


def _json_problem(exc: ValueError | RecursionError, with_line: bool = False) -> str:
    """What is wrong with a JSON text; nesting or numbers beyond Python's limits included."""
    if isinstance(exc, json.JSONDecodeError):
        # exc.msg alone can read as cut short ("Unterminated string starting at")
        where = f"line {exc.lineno} column {exc.colno}" if with_line else f"column {exc.colno}"
        return f"{exc.msg} at {where}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split(":")[0]  # e.g. an integer over the 4300-digit conversion limit


def _object_document(
    obj: object, path: Path, line: int | None = None, item: int | None = None
) -> Document | Skipped:
    """One JSON record: ``id``, ``title``, ``text`` or ``body``; ``url``, ``date``, ``source``."""
    prefix = f"item {item}: " if item is not None else ""
    if not isinstance(obj, dict):
        return Skipped(str(path), f"{prefix}not a JSON object", line=line)
    raw_id = obj.get("id")
    if raw_id is None and line is None and item is None:
        raw_id = path.stem  # a file holding one article: named like a .txt file
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
        return Skipped(str(path), f'{prefix}record has no "id"', line=line)
    body = obj.get("text") or obj.get("body")
    if not isinstance(body, str) or not body.strip():
        return Skipped(str(path), f'{prefix}record has no "text" or "body"', line=line)
    doc_id = str(raw_id).strip()
    title = obj.get("title") if isinstance(obj.get("title"), str) else ""
    date = normalise_date(str(obj["date"])) if obj.get("date") else None
    url = obj["url"] if _is_url(obj.get("url")) else None
    source = obj["source"].strip() if isinstance(obj.get("source"), str) else None
    try:
        return _make_document(
            doc_id,
            title,
            body,
            path,
            date=date,
            url=url,
            source=source,
            date_given=str(obj["date"]) if obj.get("date") else None,
        )
    except _Skip as skip:
        return Skipped(str(path), f"{prefix}{skip}", line=line)


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))
