"""The facts of a text, normalised for comparison: numbers, months, names and initials.

"Nov. 12" is "november 12", "four-week" is "4 week", "fourth" and "4th" are "4", "1,200" is
"1200", "European Union" has the initials "eu". Verification (``verify.py``) compares a
claim with a passage in these terms; the span finder (``span.py``) reads the number words.
"""

from __future__ import annotations

import re
import unicodedata

from rag.answering.extractive import CAPITALISED, is_acronym
from rag.constraints import MONTHS
from rag.terms import terms

_MONTHS = {
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_TENS |= {"eighty": 80, "ninety": 90}
# Number words as digits: "nine" is 9 (span.py shows a digit the sentence spells out as it does).
NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)} | _TENS
_ORDINAL_UNITS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()
_ORDINALS = {w: i + 1 for i, w in enumerate(_ORDINAL_UNITS)}  # "first" is 1
_ORDINAL_TENS = {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50}
_ORDINAL_TENS |= {"sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90}
# Ordinal words as their numbers, as "4th" is 4: "fourth" is 4, "twenty-first" 21. Alone,
# "first" and "second" are left as words: they also mean "at first" and a second of time.
ORDINAL_WORDS = {w: n for w, n in _ORDINALS.items() if n > 2} | _ORDINAL_TENS
MONTH_TERMS = {short: terms(full)[0] for short, full in _MONTHS.items()}
# The term of each month's name, and the month's number: "novemb" is 11.
MONTH_NUMBERS = {terms(name)[0]: number for number, name in enumerate(MONTHS, start=1)}
_MONTH_ABBREVIATION = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b\.?", re.IGNORECASE)
_COMPOUND_NUMBER = re.compile(
    r"\b(" + "|".join(_TENS) + r")[- ](" + "|".join(_UNITS[1:10]) + r")\b"
)
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b")
# "twenty-first"; not "thirty-second", which may be a length of time.
_COMPOUND_ORDINAL = re.compile(
    r"\b(" + "|".join(_TENS) + r")-(first|" + "|".join(_ORDINAL_UNITS[2:9]) + r")\b"
)
_ORDINAL_WORD = re.compile(r"\b(" + "|".join(ORDINAL_WORDS) + r")\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER_COMPOUND = re.compile(r"(\d)-(?=[a-z])")
_ORDINAL_SUFFIX = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Stop words that are what a claim adds when its content words only repeat the question
# ("What did he say about the pandemic?" answered "the pandemic is over").
_POLARITY = re.compile(
    r"\b(?:not|no|never|none|nothing|over|up|down|off|out|more|less|fewer|again|before|after|"
    r"above|below|under|against|without|only)\b|n['’]t\b",
    re.I,
)
_QUARTER = re.compile(r"\b(?:q([1-4])|(first|second|third|fourth)[- ]quarter)\b", re.IGNORECASE)
_SPACED_INITIALS = re.compile(r"\b([A-Z])\.\s+(?=[A-Z]\.)")
# Capitalised words in a row, "of"/"and"/"the"/"for" allowed between them (in a name, not
# counted in its initials: "Bank of England" is "BoE", "Federal Bureau of Investigation" FBI).
CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|and|the|for)\s+)?[A-Z][\w'’-]*)+")
MAX_INITIALISM = 5


def normalise_facts(text: str) -> str:
    """Lower-cased text with months spelled out and numbers written as digits."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACED_INITIALS.sub(r"\1.", text)  # "U. S." is "U.S."
    text = _MONTH_ABBREVIATION.sub(lambda m: _MONTHS[m.group(1).lower()], text)
    text = text.lower().replace("%", " percent")
    text = _COMPOUND_ORDINAL.sub(lambda m: str(_TENS[m[1]] + _ORDINALS[m[2]]), text)
    text = _ORDINAL_WORD.sub(lambda m: str(ORDINAL_WORDS[m[1]]), text)
    text = _COMPOUND_NUMBER.sub(lambda m: str(_TENS[m[1]] + _UNITS.index(m[2])), text)
    text = _NUMBER_WORD.sub(lambda m: str(NUMBER_WORDS[m[1]]), text)
    text = _THOUSANDS.sub("", text)
    text = _NUMBER_COMPOUND.sub(r"\1 ", text)  # "a four-valve engine" states 4
    return _ORDINAL_SUFFIX.sub(r"\1", text)


def numbers(text: str) -> set[str]:
    """The numbers of ``text``, normalised ("four-week" gives "4"; "1,200" gives "1200")."""
    return set(_NUMBER.findall(normalise_facts(text)))


def fact_terms(text: str) -> set[str]:
    """Content terms of ``text`` after number and month normalisation."""
    return set(terms(normalise_facts(text)))


def polarity_words(text: str) -> set[str]:
    """The meaning-bearing stop words of ``text`` ("over", "not"; "n't" is "not")."""
    found = {w.lower().replace("’", "'") for w in _POLARITY.findall(text)}
    return {"not" if w == "n't" else w for w in found}


def added_words(claim: str, question: str) -> set[str]:
    """What a claim made of the question's content words adds to it: its meaning-bearing
    stop words that the question lacks (empty for a claim with content words of its own)."""
    if not fact_terms(claim) <= fact_terms(question):
        return set()
    return polarity_words(claim) - polarity_words(question)


def name_terms(claim: str) -> set[str]:
    """Terms of the capitalised words of a claim (short answers are mostly names). A
    capitalised number word ("Five lions") is a number, checked as one; a month is compared
    spelled out ("Nov." is "november")."""
    claim = _SPACED_INITIALS.sub(r"\1.", claim)
    names = set()
    for word in CAPITALISED.findall(claim):
        if word.lower().rstrip(".") in NUMBER_WORDS:
            continue
        # Normalised as fact terms are ("Three-Year Plan" meets "3-year plan").
        names.update(MONTH_TERMS.get(t, t) for t in terms(normalise_facts(word)))
    return names


def name_vocabulary(text: str) -> set[str]:
    """The terms a claim's or question's names are looked for in: the fact terms of
    ``text`` and its names read as :func:`name_terms` reads a claim's, so that "mid-May" or
    "pro-Russian" (one fact term each) also hold the names "May" and "Russian"."""
    return fact_terms(text) | name_terms(text)


def acronyms(text: str) -> list[str]:
    """The words of ``text`` written in capitals ("US", "U.S.", "NATO")."""
    return [word for word in CAPITALISED.findall(text) if is_acronym(word)]


def initialisms(text: str) -> set[str]:
    """The initials of each run of 2-5 capitalised words, lower-cased ("European Union" ->
    "eu", "North Atlantic Treaty Organization" -> "nato"), so that a question's "EU" meets
    an article that spells the name out."""
    found = set()
    for run in CAPITALISED_RUN.finditer(text):
        initials = [word[0].lower() for word in run.group().split() if word[0].isupper()]
        for size in range(2, MAX_INITIALISM + 1):
            for start in range(len(initials) - size + 1):
                found.add("".join(initials[start : start + size]))
    return found


def quarters(text: str) -> set[int]:
    """Quarters a text names: "Q1", "first quarter" -> 1."""
    found = set()
    for digit, word in _QUARTER.findall(text):
        found.add(int(digit) if digit else _ORDINALS[word.lower()])
    return found
