"""Split a cleaned document into overlapping passages on sentence boundaries."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.sentences import Span, split_sentences
from rag.types import Chunk, Document

# Bumped when the chunking algorithm changes, so old indexes are detected as stale.
CHUNKER_VERSION = 1

TokenCounter = Callable[[Sequence[str]], list[int]]


def _hard_split(text: str, span: Span, tokens: int, max_tokens: int) -> list[Span]:
    """Cut a sentence longer than the budget at word boundaries into near-equal pieces."""
    pieces = -(-tokens // max_tokens)
    words: list[Span] = []
    pos = span.start
    for word in text[span.start : span.end].split():
        start = text.index(word, pos)
        words.append(Span(start, start + len(word)))
        pos = start + len(word)
    per_piece = -(-len(words) // pieces)
    return [
        Span(words[i].start, words[min(i + per_piece, len(words)) - 1].end)
        for i in range(0, len(words), per_piece)
    ]


def chunk_document(
    document: Document,
    count_tokens: TokenCounter,
    max_tokens: int,
    overlap_tokens: int,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_tokens`` model tokens.

    Each chunk after the first starts with the last sentences of the previous one, up to
    ``overlap_tokens``, so a fact split across a boundary is still whole in one chunk.
    """
    text = document.text
    sentences = split_sentences(text)
    if not sentences:
        return []
    counts = count_tokens([text[s.start : s.end] for s in sentences])
    units: list[tuple[Span, int]] = []
    for span, count in zip(sentences, counts, strict=True):
        if count > max_tokens:
            pieces = _hard_split(text, span, count, max_tokens)
            piece_counts = count_tokens([text[p.start : p.end] for p in pieces])
            units.extend(zip(pieces, piece_counts, strict=True))
        else:
            units.append((span, count))

    groups: list[list[int]] = []
    current: list[int] = []
    current_tokens = 0
    for i, (_, count) in enumerate(units):
        if current and current_tokens + count > max_tokens:
            groups.append(current)
            overlap: list[int] = []
            overlap_total = 0
            for j in reversed(current):
                if overlap_total + units[j][1] > overlap_tokens or len(overlap) + 1 >= len(current):
                    break
                overlap.insert(0, j)
                overlap_total += units[j][1]
            if overlap_total + count > max_tokens:
                overlap, overlap_total = [], 0
            current, current_tokens = overlap, overlap_total
        current.append(i)
        current_tokens += count
    groups.append(current)

    chunks = []
    for index, group in enumerate(groups):
        start, end = units[group[0]][0].start, units[group[-1]][0].end
        chunks.append(
            Chunk(
                chunk_id=f"{document.doc_id}::{index}",
                doc_id=document.doc_id,
                index=index,
                text=text[start:end],
                start=start,
                end=end,
                title=document.title,
                date=document.date,
                url=document.url,
            )
        )
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What is embedded and indexed lexically for a chunk: its title, then its text.

    The title carries context a passage often lacks (where, who, which meeting).
    """
    return f"{chunk.title}\n{chunk.text}" if chunk.title else chunk.text
