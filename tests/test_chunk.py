import itertools

from rag.chunk import chunk_document, embedding_text
from rag.types import Document


def _document(sentences: int) -> Document:
    body = " ".join(
        f"Sentence {i} says the harbour and the bridge near the town were busy."
        for i in range(sentences)
    )
    return Document(doc_id="doc", title="A title", text=body)


def test_chunks_respect_budget_offsets_and_overlap(embedder):
    doc = _document(40)
    chunks = chunk_document(doc, embedder.count_tokens, max_tokens=120, overlap_tokens=40)
    assert len(chunks) > 3
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert embedder.count_tokens([chunk.text])[0] <= 120 + 5  # joins add a few tokens
        assert chunk.chunk_id == f"doc::{chunk.index}"
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end, "consecutive chunks overlap"
        assert after.start > before.start
    assert chunks[-1].end == len(doc.text)


def test_chunks_end_on_sentence_boundaries(embedder):
    doc = _document(30)
    for chunk in chunk_document(doc, embedder.count_tokens, max_tokens=100, overlap_tokens=20):
        assert chunk.text.endswith(".")
        assert chunk.text[0].isupper()


def test_a_sentence_longer_than_the_budget_is_cut_at_words(embedder):
    doc = Document(doc_id="long", title="", text=" ".join(["word"] * 600) + ".")
    chunks = chunk_document(doc, embedder.count_tokens, max_tokens=100, overlap_tokens=20)
    assert len(chunks) >= 6
    assert all(embedder.count_tokens([c.text])[0] <= 100 for c in chunks)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


def test_embedding_text_carries_the_title():
    chunk = chunk_document(
        Document("d", "Talks in Abu Dhabi", "Russia sent a delegation."),
        lambda texts: [len(t.split()) for t in texts],
        50,
        10,
    )[0]
    assert embedding_text(chunk) == "Talks in Abu Dhabi\nRussia sent a delegation."
