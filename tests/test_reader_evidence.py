"""What the reader is shown: evidence sentences and the excerpt block built from them."""

from __future__ import annotations

from rag.answering.cite import passage_sentences
from rag.answering.evidence import Evidence, EvidenceBlock, select_evidence
from rag.answering.reader import format_excerpts
from rag.facade import RagService
from rag.types import Chunk, Passage

ARTICLE = (
    "Negotiators met in Abu Dhabi on Wednesday. "
    "Ukraine's delegation was led by Rustem Umerov. "
    "Russia was represented by Igor Kostyukov."
)
SECOND = ARTICLE.index("Ukraine's")  # where the second chunk starts: it overlaps the first


def _passage(doc: str, text: str, start: int, title: str, date: str | None) -> Passage:
    chunk = Chunk(f"{doc}::{start}", doc, 0, text, start, start + len(text), title, date)
    return Passage(chunk, 1.0)


def _block(n: int, passage: Passage) -> EvidenceBlock:
    return EvidenceBlock(n, passage, passage_sentences(passage))


def test_an_articles_title_and_date_are_shown_once_and_dates_are_short() -> None:
    first = _passage("talks", ARTICLE[:90], 0, "Talks in Abu Dhabi", "2026-02-04")
    other = _passage("strikes", "Missiles hit Kyiv overnight.", 0, "Strikes on Kyiv", None)
    later = _passage("talks", ARTICLE[SECOND:], SECOND, "Talks in Abu Dhabi", "2026-02-04")
    text = format_excerpts(Evidence([_block(1, first), _block(2, other), _block(3, later)], []))
    headers = [line for line in text.splitlines() if line.startswith("[")]
    assert headers == [
        "[1] Talks in Abu Dhabi (4 Feb 2026)",
        "[2] Strikes on Kyiv",
        "[3] (article of [1])",
    ]


def test_a_sentence_of_two_overlapping_passages_is_shown_once(
    seeded_service: RagService,
) -> None:
    # Two chunks of one article overlap by the Umerov sentence, as the chunker's overlap makes.
    first = _passage("talks", ARTICLE[:90], 0, "Talks in Abu Dhabi", None)
    second = _passage("talks", ARTICLE[SECOND:], SECOND, "Talks in Abu Dhabi", None)
    assert "Umerov" in first.chunk.text and "Umerov" in second.chunk.text
    corpus = seeded_service.corpus
    question = "Who led Ukraine's delegation?"
    evidence = select_evidence(
        question,
        [first, second],
        corpus.lexical,
        corpus.embedder,
        corpus.settings,
        corpus.embedder.embed([question])[0],
    )
    shown = [text for block in evidence.blocks for text in block.texts()]
    assert sum("Umerov" in text for text in shown) == 1
    assert format_excerpts(evidence).count("Umerov") == 1
