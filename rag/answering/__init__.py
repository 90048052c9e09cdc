"""The answering stage: from a question and its retrieved passages to a cited answer.

| module | holds |
|---|---|
| `pipeline.py` | retrieves, answers (LLM or extractive, with fallback) |
| `inputs.py` | checks the question, `top_k`, the document filter and the history |
| `extractive.py` | the offline answerer: picks and cites the best supporting sentences |
| `evidence.py` | the reader's evidence: the best sentences with their neighbours, in budget |
| `reader.py` | the LLM reader: evidence prompt, JSON reply, parse |
| `verify.py` | checks every generated claim against the passages; re-cites or removes |
| `corroborate.py` | second sources: other articles whose own sentence states the verified claim |
| `question_fit.py` | whether a passage can be about what the question names: years, entities |
| `facts.py` | a text's facts normalised for comparison: numbers, months, names, initials |
| `llm.py` | litellm calls, provider errors, the free-text prompt path |
| `local.py` | the in-process xllamacpp model behind a litellm custom provider |
| `json_opening.py` | the fixed start of a JSON reply, prefilled for the local model |
| `model_files.py` | the packaged GGUF model: join its parts once, check its SHA-256 |
| `cite.py` | turns (passage, sentence) into a `Citation` with article offsets |
| `followup.py` | expands a follow-up question with the previous one, without an LLM |
"""

from rag.answering.inputs import check_history, check_question
from rag.answering.pipeline import answer_question, answer_stream

__all__ = ["answer_question", "answer_stream", "check_history", "check_question"]
