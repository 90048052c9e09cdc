"""Evaluation: run a JSONL test set through a :class:`~rag.facade.RagService` and score it.

``dataset`` reads the test set, ``metrics`` scores one answer and sums up a run, ``runner``
asks the questions, ``report`` prints tables and writes Markdown with charts, and ``cli``
is the ``rag eval`` command. Nothing heavy is imported here.
"""
