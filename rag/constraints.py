"""Years, quarters, dates and numbers a question names, and whether a passage meets them.

News questions often differ from the wrong passages only by a time or a figure: "Wimbledon
2019" against a report on the 2021 final, "Q1 2021" against Q4, "a 62nd home run" against
the 61st. Word matching weighs such tokens little (a year is in half of all news pages), so
they are checked apart: each thing the question names is a constraint, and a passage meets
it when its text or title states it, or, for a year, month or date, when its article's date
falls there. A relative time ("this week", "yesterday", "recently", "next month") is a
constraint too, counted back from the date the question is asked as of (today unless the
caller says): an article dated inside that window meets it. :func:`met_share` is the share
of constraints met, which the ranking adds to the fused score (``rag.retrieve``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH_INDEX = {name: i + 1 for i, name in enumerate(MONTHS)}
_MONTH_INDEX.update({name[:3]: i + 1 for i, name in enumerate(MONTHS)})
_MONTH_INDEX["sept"] = 9
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501
_ORDINAL_QUARTER = {"first": 1, "second": 2, "third": 3, "fourth": 4}

_YEAR = re.compile(r"(?<![\w.,$])((?:19|20)\d\d)(?!\w|[.,]\d|%)")
# Numbers: 1,234 / 1234 / 12.5 / 62nd; not parts of names ("Covid-19", "G7", "A380").
_NUMBER = re.compile(
    r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:st|nd|rd|th)?(?![\w]|[.,]\d)", re.I
)
_QUARTER = re.compile(r"\b(?:q([1-4])|([1-4])q|(first|second|third|fourth)[- ]quarter)\b", re.I)
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\d)", re.I)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b", re.I)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(?:of\s+)?((?:19|20)\d\d)\b", re.I)
# Small bare numbers ("3 things", "2 people") are too common in any text to tell passages
# apart; they count when written with a unit that makes them specific.
MIN_BARE_NUMBER = 10
_UNIT_AFTER = re.compile(r"\s*(?:%|percent|per cent|million|billion|trillion)", re.I)


# Relative times and how many days back from the as-of date each reaches (a day more than
# the phrase says: articles are dated in their own time zone). A coming time ("next week",
# "soon") is reported before it, so it reaches back as far as the same span.
_RELATIVE_DAYS = (
    (r"today|tonight|this (?:morning|afternoon|evening)|tomorrow", 2),
    (r"yesterday|last night", 3),
    (
        r"this (?:past )?week(?:end)?|(?:in )?the (?:past|last) (?:few )?(?:week|days)|"
        r"(?:a few|several|two|three) days ago|earlier this week|next week(?:end)?|"
        r"(?:in )?the (?:next|coming) (?:few )?days",
        8,
    ),
    (r"last week(?:end)?", 15),
    (
        r"this month|(?:in )?the (?:past|last) (?:few )?weeks|recently|recent|soon|"
        r"next month|(?:in )?the (?:next|coming) (?:few )?weeks|upcoming",
        32,
    ),
    (r"last month", 63),
)
_RELATIVE = [(re.compile(rf"\b(?:{pattern})\b", re.I), days) for pattern, days in _RELATIVE_DAYS]
_THIS_YEAR = re.compile(r"\bthis year\b", re.I)


@dataclass(frozen=True)
class Constraints:
    """What a question pins down; empty for most questions."""

    years: frozenset[int] = frozenset()
    numbers: frozenset[str] = frozenset()  # normalised: "300000", "7.0", "62"
    quarters: frozenset[int] = frozenset()
    month_days: frozenset[tuple[int, int]] = frozenset()
    month_years: frozenset[tuple[int, int]] = frozenset()
    # ISO dates (first, last) that a relative time of the question spans, as of its date
    window: tuple[str, str] | None = None

    @property
    def count(self) -> int:
        """How many constraints there are."""
        return (
            len(self.years)
            + len(self.numbers)
            + len(self.quarters)
            + len(self.month_days)
            + len(self.month_years)
            + (self.window is not None)
        )

    def in_window(self, date: str | None) -> bool:
        """Whether an article's ISO ``date`` falls in the relative-time window."""
        return in_window(self.window, date)

    def __bool__(self) -> bool:
        return self.count > 0


def in_window(window: tuple[str, str] | None, date: str | None) -> bool:
    """Whether an article's ISO ``date`` falls in ``window`` (first and last ISO day)."""
    return bool(window and date and window[0] <= date[:10] <= window[1])


def as_of_date(as_of: str | None) -> date | None:
    """The ISO as-of day as a date (None: today, as :func:`question_constraints` reads it)."""
    return date.fromisoformat(as_of) if as_of else None


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return _MONTH_INDEX.get(name) or _MONTH_INDEX[name[:3]]


def _numbers(text: str) -> set[str]:
    out = set()
    for match in _NUMBER.finditer(text):
        whole = match.group(1).replace(",", "")
        value = whole + (f".{match.group(2)}" if match.group(2) else "")
        unit = _UNIT_AFTER.match(text, match.end()) is not None
        before = text[max(0, match.start() - 1) : match.start()]
        if int(whole) >= MIN_BARE_NUMBER or match.group(2) or unit or before == "$":
            out.add(value)
    return out


def _years(text: str) -> set[int]:
    return {int(m.group(1)) for m in _YEAR.finditer(text)}


def _quarters(text: str) -> set[int]:
    out = set()
    for m in _QUARTER.finditer(text):
        out.add(int(m.group(1) or m.group(2) or _ORDINAL_QUARTER[m.group(3).lower()]))
    return out


def _month_days(text: str) -> set[tuple[int, int]]:
    out = {(_month(m.group(1)), int(m.group(2))) for m in _MONTH_DAY.finditer(text)}
    out |= {(_month(m.group(2)), int(m.group(1))) for m in _DAY_MONTH.finditer(text)}
    return {(month, day) for month, day in out if 1 <= day <= 31}


def _month_years(text: str) -> set[tuple[int, int]]:
    return {(_month(m.group(1)), int(m.group(2))) for m in _MONTH_YEAR.finditer(text)}


def relative_window(question: str, as_of: date) -> tuple[str, str] | None:
    """The ISO dates (first, last) a relative time in ``question`` spans, counted back from
    ``as_of``; the widest when it names several; None when it names none."""
    days = [d for pattern, d in _RELATIVE if pattern.search(question)]
    if days:
        return ((as_of - timedelta(days=max(days))).isoformat(), as_of.isoformat())
    if _THIS_YEAR.search(question):
        return (date(as_of.year, 1, 1).isoformat(), as_of.isoformat())
    return None


def question_constraints(question: str, as_of: date | None = None) -> Constraints:
    """The years, quarters, dates and (other) numbers named in ``question``, and the window
    of a relative time it names, as of ``as_of`` (default today)."""
    years = _years(question)
    month_days = _month_days(question)
    numbers = _numbers(question) - {str(y) for y in years} - {str(d) for _, d in month_days}
    return Constraints(
        years=frozenset(years),
        numbers=frozenset(numbers),
        quarters=frozenset(_quarters(question)),
        month_days=frozenset(month_days),
        month_years=frozenset(_month_years(question)),
        window=relative_window(question, as_of or date.today()),
    )


def met_share(constraints: Constraints, text: str, date: str | None) -> float:
    """Share of ``constraints`` that a passage (``text``: title and passage) meets.

    ``date`` is the article's ISO date: a year, month or day the question names is met by
    an article dated then, as well as by a passage that states it.
    """
    if not constraints:
        return 0.0
    year = month = day = None
    if date and len(date) >= 10:
        year, month, day = int(date[:4]), int(date[5:7]), int(date[8:10])
    met = 0
    if constraints.years:
        stated = _years(text)
        met += sum(1 for y in constraints.years if y in stated or y == year)
    if constraints.numbers:
        stated_numbers = _numbers(text)
        met += len(constraints.numbers & stated_numbers)
    if constraints.quarters:
        met += len(constraints.quarters & _quarters(text))
    if constraints.month_days:
        stated_days = _month_days(text)
        met += sum(1 for md in constraints.month_days if md in stated_days or md == (month, day))
    if constraints.month_years:
        stated_my = _month_years(text)
        met += sum(1 for my in constraints.month_years if my in stated_my or my == (month, year))
    met += constraints.in_window(date)
    return met / constraints.count


def window_met(
    question: str,
    as_of: date | None,
    dates: list[str | None],
    archive_covers: Callable[[str, str], bool] | None = None,
) -> tuple[str, str] | None:
    """The relative-time window of ``question`` as of ``as_of`` when one of ``dates`` (the
    retrieved articles' dates) falls in it, or when ``archive_covers`` it (some article of
    the index is dated in it: what was retrieved is then of another time); None when it
    names none or nothing falls in it (an archive older than the as-of date: the time tells
    nothing, as in the ranking)."""
    constraints = question_constraints(question, as_of)
    window = constraints.window
    if not window:
        return None
    if any(constraints.in_window(d) for d in dates):
        return window
    if archive_covers is not None and archive_covers(*window):
        return window
    return None
