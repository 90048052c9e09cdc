"""An optional LLM judge: is an answer faithful to the passages it cites?

Off by default; ``rag eval --judge --model M`` turns it on. One short call per answered
question, through :func:`rag.answering.llm.complete`; a provider failure leaves the verdict unset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import ProviderError
from rag.prompts import render_prompt

if TYPE_CHECKING:
    from rag.settings import Settings
    from rag.types import Answer

VERDICT_TOKENS = 8


def judge_faithfulness(answer: Answer, settings: Settings) -> bool | None:
    """True/False from the judge model; None for refusals or when the provider fails."""
    if answer.abstained or not answer.citations:
        return None
    from rag.answering.llm import complete

    passages = "\n\n".join(f"[{c.n}] {c.text.strip()}" for c in answer.citations)
    prompt = render_prompt(
        "faithfulness",
        prompts_dir=settings.prompts_dir,
        question=answer.question,
        passages=passages,
        answer=answer.answer,
    )
    try:
        reply = complete([{"role": "user", "content": prompt}], settings, max_tokens=VERDICT_TOKENS)
    except ProviderError:
        return None
    word = reply.strip().strip(".!\"'").upper()
    if word.startswith("YES"):
        return True
    if word.startswith("NO"):
        return False
    return None
