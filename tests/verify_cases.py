"""Passages shared by the verification tests (``test_verify_*.py``, ``test_check_reading.py``)."""

from __future__ import annotations

from rag.answering.pipeline import Prepared
from rag.types import Chunk, Passage


def passage(text: str, title: str = "Talks", date: str | None = None, doc: str = "d") -> Passage:
    chunk = Chunk(f"{doc}::0", doc, 0, text, 100, 100 + len(text), title, date)
    return Passage(chunk, 1.0)


SUPER_BOWL_2022 = passage(
    "The Super Bowl was played at SoFi Stadium in Inglewood, California, in February 2022.",
    title="Rams win Super Bowl LVI",
    date="2022-02-14",
    doc="sb2022",
)


SUPER_BOWL_2021 = passage(
    "Tampa Bay hosted the game at Raymond James Stadium, the first home Super Bowl.",
    title="Super Bowl 2021: Buccaneers beat Chiefs",
    date="2021-02-08",
    doc="sb2021",
)


TALKS = passage(
    "Russia's delegation was led by Igor Kostyukov, head of military intelligence. "
    "The talks lasted four weeks and ended on Nov. 12.",
    title="Abu Dhabi talks",
    doc="talks",
)


# A pool of news snippets: the headline is often the only statement of the fact asked for.
INFINIBAND = passage(
    "Three-year project will back programmers' effort to build Linux software support for "
    "the high-speed networking technology.",
    title="Energy Dept. funds open-source InfiniBand work",
    doc="infiniband",
)


def prepared_for(passages: list[Passage], question: str) -> Prepared:
    """A question prepared with ``passages`` as if retrieved for it."""
    return Prepared(question, [], question, passages, None, 0.0)
