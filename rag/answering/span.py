"""The reader's short answer, completed from the sentence it was verified against.

A small model clips its spans: "3 pence in the pound" where the sentence says "up to 3
pence in the pound", "Malcolm III" for "King Malcolm III", "parallel spins" inside
"antiparallel spins" (a different fact). Once a claim is verified, the words shown are the
sentence's own, widened by grammar rules that hold in any English text:

- a span that starts or ends inside a word takes the whole word;
- a number keeps its currency sign, its unit sign and the qualifier before it ("nearly",
  "more than", "up to": English's closed class of quantity qualifiers);
- a name takes the capitalised words joined to it (a title before it, the rest of the name
  after it), never across punctuation, a sentence's first word, a possessive, a weekday or
  a month;
- a phrase takes a hyphenated modifier directly before it ("nineteenth-century maps").

The result is always a substring of the sentence, so it stays verified; when the claim is
not found in the sentence word for word, it is shown as the model wrote it.
"""

from __future__ import annotations

import re

from rag.answering.facts import NUMBER_WORDS

QUANTITY_QUALIFIERS = (
    "as many as",
    "as much as",
    "as few as",
    "more than",
    "less than",
    "fewer than",
    "greater than",
    "up to",
    "at least",
    "at most",
    "no more than",
    "an estimated",
    "approximately",
    "roughly",
    "nearly",
    "almost",
    "about",
    "around",
    "over",
    "under",
    "some",
)
CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december".split()
)
NAME_CONNECTORS = frozenset({"of", "the", "for"})
_WORD = re.compile(r"\w+", re.UNICODE)
_INNER = re.compile(r"[\w'’-]")  # characters that continue a word, hyphens included
_SPELLED_NUMBERS = {str(n): word for word, n in NUMBER_WORDS.items()}
_CURRENCY = "$€£¥₹"
_UNIT_AFTER = re.compile(r"\s?(?:%|per ?cent\b|percent\b)")
_NAME_WORD = re.compile(r"[A-ZÀ-ÖØ-Þ][\w.-]*")
# The next word of a name, after "of" or "of the" where it has them ("King Malcolm III of
# Scotland", "Bank of England").
_NAME_AFTER = re.compile(r" (?:of (?:the )?)?([A-ZÀ-ÖØ-Þ][\w-]*)")
_ROMAN = re.compile(r"[IVXLC]+")
_HYPHENATED = re.compile(r"\w+(?:-\w+)+")


def complete_span(claim: str, sentence: str, question: str = "") -> str:
    """``claim`` as ``sentence`` words it, widened to whole words, its number's qualifier
    and its name's other words; ``claim`` itself when the sentence does not contain it.
    Words of ``question`` are not added: the answer need not repeat what was asked."""
    found = find_claim(claim, sentence)
    if found is None:
        return claim
    asked = {w.lower() for w in _WORD.findall(question)}
    start, end = _whole_words(sentence, *found)
    if _NAME_WORD.match(sentence, start):
        start, end = _name_start(sentence, start, asked), _name_end(sentence, end, asked)
    else:  # a number widened by its qualifier takes no name after it ("Nearly 3,000" fled)
        start, end = _with_number_parts(sentence, start, end)
    start = _with_hyphenated_modifier(sentence, start, asked)
    # The claim's own words keep the model's casing ("Paris", not a dateline's "PARIS").
    matched = sentence[found[0] : found[1]]
    bare = claim.strip().rstrip(".!?")
    if matched.lower() == bare.lower():
        shown = f"{sentence[start : found[0]]}{bare}{sentence[found[1] : end]}".strip()
    else:
        shown = sentence[start:end].strip()
    return shown + claim.strip()[len(bare) :]  # a full sentence keeps its full stop


def find_claim(claim: str, sentence: str) -> tuple[int, int] | None:
    """Where the claim's words occur in a row in ``sentence`` (case and punctuation aside);
    a number the claim writes in digits may be spelled out there ("9" is "nine")."""
    words = _WORD.findall(claim)
    if not words:
        return None
    pattern = r"\W*".join(_word_pattern(w) for w in words)
    match = re.search(pattern, sentence, re.IGNORECASE)
    return (match.start(), match.end()) if match else None


def _word_pattern(word: str) -> str:
    spelled = _SPELLED_NUMBERS.get(word)
    return f"(?:{re.escape(word)}|{spelled})" if spelled else re.escape(word)


def _whole_words(sentence: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and _INNER.match(sentence[start - 1]) and sentence[start - 1] not in "'’":
        start -= 1
    while end < len(sentence) and _INNER.match(sentence[end]) and sentence[end] not in "'’-":
        end += 1
    # a trailing hyphen is no part of the span ("coal-" of "coal- and steel")
    return start, end


def _with_number_parts(sentence: str, start: int, end: int) -> tuple[int, int]:
    if not sentence[start:end][:1].isdigit() and sentence[start - 1 : start] not in _CURRENCY:
        return start, end
    if start > 0 and sentence[start - 1] in _CURRENCY:
        start -= 1
    if unit := _UNIT_AFTER.match(sentence, end):
        end = unit.end()
    before = sentence[:start].rstrip().lower()
    for qualifier in QUANTITY_QUALIFIERS:
        if before.endswith(qualifier) and not before[: -len(qualifier)][-1:].isalnum():
            start = len(before) - len(qualifier)
            break
    return start, end


def _name_start(sentence: str, start: int, asked: set[str]) -> int:
    """Where the name ending at ``start`` begins: capitalised words, "of"/"the"/"for" between
    them (never "and": "Macron and Scholz" are two names). A run cut off at a connector
    ("State" of a sentence-initial "Secretary of State") is a fragment and is not taken."""
    taken = cursor = start
    while (previous := _word_before(sentence, cursor)) is not None:
        word_start, word = previous
        if word.lower() in NAME_CONNECTORS:
            cursor = word_start
            continue
        if word_start == 0 or not _joins_name(word, asked) or word.endswith(("'s", "’s")):
            fragment = cursor < taken and bool(_NAME_WORD.fullmatch(word))
            return start if fragment else taken
        taken = cursor = word_start
    return taken


def _name_end(sentence: str, end: int, asked: set[str]) -> int:
    while (following := _NAME_AFTER.match(sentence, end)) and _joins_name(
        following.group(1), asked
    ):
        word = following.group(1)
        if len(word) > 1 and word.isupper() and not _ROMAN.fullmatch(word):
            break  # an acronym after a name is another name ("Brazil CNN —", a dateline)
        end = following.end()
    return end


def _word_before(sentence: str, start: int) -> tuple[int, str] | None:
    """The word just before ``start``, when one space alone separates them."""
    if start < 2 or sentence[start - 1] != " ":
        return None
    match = re.search(r"([\w.'’-]+)$", sentence[: start - 1])
    return (match.start(), match.group(1)) if match else None


def _joins_name(word: str, asked: set[str]) -> bool:
    bare = word.lower().rstrip(".")
    return bool(_NAME_WORD.fullmatch(word)) and bare not in CALENDAR_WORDS and bare not in asked


def _with_hyphenated_modifier(sentence: str, start: int, asked: set[str]) -> int:
    if _NAME_WORD.match(sentence, start):
        return start
    previous = _word_before(sentence, start)
    if (
        previous is not None
        and _HYPHENATED.fullmatch(previous[1])
        and previous[1].lower() not in asked
    ):
        return previous[0]
    return start
