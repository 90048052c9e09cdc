"""Turning a follow-up question into a standalone search, without an LLM.

"And who led Ukraine's?" means little alone; searched together with the previous question
it finds the same article. A question is treated as a follow-up when it leans on what came
before: it opens with a connective, uses a pronoun for something named earlier, or has
too few words of its own to search with.

Two kinds of follow-up can be completed outright, by grammar alone: a possessive or "one"
that stands for what the previous question owned ("Who led Russia's delegation in Abu
Dhabi?" … "And who led Ukraine's?" / "And the American one?"), and another year alone
("What about in 2023?"). The completed question ("Who led Ukraine's delegation in Abu
Dhabi?") is then what is searched, read and checked, so the reader cannot answer it from
the Paris talks.
"""

from __future__ import annotations

import re

from rag.terms import terms

# Fewer content terms than this and a question cannot stand on its own.
MIN_STANDALONE_TERMS = 3
# How many earlier user turns are carried into the search at most (the last one, and before
# it as many as it takes to reach one that stands on its own), and the most characters of each.
TURNS_CARRIED = 3
CARRIED_MAX_CHARS = 2000

_CONNECTIVE = re.compile(
    r"^\W*(?:and|but|also|so|then|what about|how about|and what|same)\b", re.IGNORECASE
)
# "This", "that", "these" and "those" stand for something said before only when no noun
# follows them: "What did he mean by that?", "Is this true?", not "What happened this week?"
# or "Who won that race?" (a noun phrase of its own; the earlier question does not define it).
_PRONOUN = re.compile(
    r"\b(?:he|she|they|him|her|them|his|hers|their|theirs|it|its|there|then)\b"
    r"|\b(?:this|that|these|those)\b(?=\s*(?:[?!.,;:]|$|(?:is|was|are|were|will|would|"
    r"has|had|have|does|did|do|can|could|should|may|might|mean|means|meant|happen|happened|"
    r"cost|costs|take|took)\b))",
    re.IGNORECASE,
)
_ELLIPTIC_POSSESSIVE = re.compile(r"\w['’]s?\s*\?*\s*$")  # "…led Ukraine's?"

# How many earlier user questions a chain of completed follow-ups may reach back through.
ELLIPSIS_TURNS = 3
_LEADING_CONNECTIVE = re.compile(r"^\W*(?:(?:and|but|also|so|then)\b[\s,]*)*", re.IGNORECASE)
_WHAT_ABOUT = re.compile(r"^(?:what|how)\s+about\s+", re.IGNORECASE)
# The follow-up's last words stand for a thing owned in the previous question: "Ukraine's",
# "the American one", "the other ones"; a possessor of several capitalised words ("New
# Zealand's") is taken whole.
_ELLIPSIS_AT_END = re.compile(
    r"(?P<stand_in>\b(?:(?!(?:And|But|So|Then|Also|What|How|About)\b)[A-Z][\w.&-]*\s+)*"
    r"[\w.&-]+['’]s?|\b(?i:the|a|an)\s+(?:[\w.&-]+\s+){0,3}?(?i:ones?))\s*[?.!]*\s*$"
)
_ONE_AT_END = re.compile(r"\s+ones?$", re.IGNORECASE)
# In the previous question: a possessor ("Russia's", "the company's"), then what it owns.
_POSSESSIVE = re.compile(r"\b[\w.&-]+['’]s?\s+(?=\w)")
_CAPITALISED_WORD = re.compile(r"[A-Z][\w.&-]*\s+$")
# A question mark, or a full stop after a word's lower-case end ("Dhabi."; not "U.S." or "St.")
_SENTENCE_END = re.compile(r"[?!]+|(?<=[a-z]{2})\.(?=\s|$)")
# "What's", "it's", "who's": a verb contracted onto the word, not a possessive.
_CONTRACTED = frozenset("it that what who where when why how there here he she let".split())


def _is_contraction(word: str) -> bool:
    return re.sub(r"['’]s?$", "", word).lower() in _CONTRACTED


def previous_questions(history: list[dict] | None) -> list[str]:
    """The user's earlier questions, oldest first."""
    return [
        str(turn.get("content", ""))
        for turn in history or []
        if turn.get("role") == "user" and str(turn.get("content", "")).strip()
    ]


def is_follow_up(question: str) -> bool:
    """Whether the question needs the conversation to be understood."""
    return bool(
        _CONNECTIVE.search(question)
        or _PRONOUN.search(question)
        or _ELLIPTIC_POSSESSIVE.search(question)
        or len(terms(question)) < MIN_STANDALONE_TERMS
    )


def history_context(question: str, history: list[dict] | None) -> str:
    """The earlier questions that the search should carry, or "" for a standalone question."""
    earlier = previous_questions(history)
    if not earlier or not is_follow_up(question):
        return ""
    carried: list[str] = []
    for turn in reversed(earlier[-TURNS_CARRIED:]):
        carried.insert(0, turn[:CARRIED_MAX_CHARS])
        # "When was that?" after "And who came second?" still means the race asked about first.
        if not is_follow_up(turn):
            break
    return " ".join(carried)


def search_query(question: str, history: list[dict] | None) -> str:
    """What to search for: the question, extended by earlier turns when it is a follow-up."""
    context = history_context(question, history)
    return f"{context} {question}".strip() if context else question


def _owner_and_owned(question: str) -> tuple[int, str] | None:
    """Where the previous question's possessor starts, and what it owns ("delegation in Abu
    Dhabi"), or None without a possessive. A possessor of several capitalised words ("New
    Zealand's") is taken whole, but never the question's first word ("Did Russia's …")."""
    match = next(
        (m for m in _POSSESSIVE.finditer(question) if not _is_contraction(m.group().strip())),
        None,
    )
    if match is None:
        return None
    start = match.start()
    while (word := _CAPITALISED_WORD.search(question[:start])) and word.start() > 0:
        start = word.start()
    # What it owns runs to the end of its sentence: "delegation in Abu Dhabi".
    owned = _SENTENCE_END.split(question[match.end() :], maxsplit=1)[0].strip()
    return (start, owned) if owned else None


_YEAR_DIGITS = r"(?:1[89]|2[01])\d\d"
_YEAR = re.compile(rf"\b{_YEAR_DIGITS}\b")
# "What about in 2023?", "And 2023?": another year for the same question.
_ANOTHER_YEAR = re.compile(
    rf"^(?:(?:what|how)\s+about\s+)?(?:(?:in|for|during|of)\s+)?(?P<year>{_YEAR_DIGITS})$",
    re.IGNORECASE,
)


def _with_another_year(question: str, previous: str) -> str | None:
    """``previous`` asked of the year that ``question`` names alone, when ``previous``
    names one year: "What about in 2023?" after "Who won the marathon in 2024?"."""
    body = _LEADING_CONNECTIVE.sub("", question).strip().rstrip("?.! ").strip()
    asked = _ANOTHER_YEAR.match(body)
    years = _YEAR.findall(previous)
    if asked is None or len(set(years)) != 1:
        return None
    return _YEAR.sub(asked.group("year"), previous)


def complete_ellipsis(question: str, previous: str) -> str | None:
    """``question`` made standalone when it ends with a stand-in for what ``previous`` owned,
    else None: "And who led Ukraine's?" after "Who led Russia's delegation in Abu Dhabi?"
    is "Who led Ukraine's delegation in Abu Dhabi?"; "What about the American one?" is
    "Who led the American delegation in Abu Dhabi?"; "What about in 2023?" after "Who won
    the marathon in 2024?" is "Who won the marathon in 2023?"."""
    if another_year := _with_another_year(question, previous):
        return another_year
    ending = _ELLIPSIS_AT_END.search(question)
    possessed = _owner_and_owned(previous)
    if ending is None or possessed is None:
        return None
    owner_start, owned = possessed
    stand_in = _ONE_AT_END.sub("", ending.group("stand_in").strip())
    # "the one" has nothing of its own to put in; "who's" is no possessive.
    if stand_in.lower() in {"the", "a", "an"} or _is_contraction(stand_in):
        return None
    body = _LEADING_CONNECTIVE.sub("", question[: ending.start()]).strip()
    if not body or _WHAT_ABOUT.fullmatch(body + " "):
        body = previous[:owner_start].strip()  # "What about X's?" asks the same again
    elif _PRONOUN.search(body) or not set(terms(body)) <= set(terms(previous)):
        # "Did he launch a new one?" asks something else of another thing: leave it be.
        return None
    completed = f"{body} {stand_in} {owned}?".strip()
    return completed[0].upper() + completed[1:]


def standalone_question(question: str, history: list[dict] | None) -> str | None:
    """The follow-up ``question`` completed from the earlier questions (see
    :func:`complete_ellipsis`), or None when it is not such a follow-up."""
    earlier = [turn[:CARRIED_MAX_CHARS] for turn in previous_questions(history)[-ELLIPSIS_TURNS:]]
    if not earlier:
        return None
    # An earlier follow-up may itself have been a stand-in ("And Belarus's?" after "And
    # Ukraine's?"): complete the chain from the oldest question on.
    previous = earlier[0]
    for turn in earlier[1:]:
        previous = complete_ellipsis(turn, previous) or turn
    return complete_ellipsis(question, previous)
