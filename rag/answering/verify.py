"""Checking a generated claim against the retrieved passages, by general rules.

A claim is held by a sentence of a passage when, compared normalised ("Nov. 12" is
"november 12", "four-week" is "4 week", "1,200" is "1200"):

- every number of the claim occurs in the sentence, its neighbours or the article's title;
- every name (capitalised word) of the claim occurs there too;
- at least ``min_share`` of the claim's content terms do, and half of the terms it adds to
  the question's (its answer proper), these in the text itself, not only in the title;
- for a question that asks what is not the case, the sentence or a neighbour states a
  negation ("not", "never", "refused", "against": a sentence without one answers the
  opposite question);
- and the claim says something the question does not (an answer that only repeats the
  question's words answers nothing, unless it adds a meaning-bearing stop word, "the
  pandemic is over", which the sentence must then state), of the kind it asks for (a
  person's name for "who", a number for "how many", a time for "when": the extractive
  answerer's own rule);
- for "how many", what the question counts ("rebounds", "troops") is named in the sentence,
  its neighbours or the title (or a unit's abbreviation of it, "km"): "scored 29 points"
  does not say how many rebounds;
- for "who" and "where", a name the article writes as one (not a role it writes in lower
  case, "the president of …"), each name of several words in one sentence or the title.
  A country the question names is no new name ("President of the United States" for "the
  American delegation");
- an amount of money and nothing else ("$1.2 billion", or "1.2 billion" where the sentence
  writes it in dollars) answers only a question about money ("how much", "cost",
  "budget"): it is no population.
- for a place in an order ("who came second?", "third"), one sentence states both the
  place and the claim: the winner's sentence beside "X finished second" does not hold it.

The passage must also meet the question's own constraints (``question_fit.py``): every
year and quarter it names occurs in the passage, its title or its article's date, half of
its other numbers written in digits occur in the passage or its title, its article falls in
the question's relative time ("this week") where one applies, and its named entities occur
in the passage or the title (most of them: a passage may say "the talks" for "the Paris
talks"; an acronym only as a capitalised word or a name's initials, not the pronoun "us"). The
cited passage is tried first; when another retrieved passage holds
the claim, the claim is re-cited to it. When no sentence of any passage holds it, an
article's headline may: one that states the whole claim itself and covers half of the
question's other terms (in a pool of snippets the headline is often the only statement of
the fact); the quote is then the title. A claim nothing holds is unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.answering.cite import passage_sentences, sentence_text
from rag.answering.extractive import (
    asks_for_money,
    expected_type,
    has_answer_type,
    is_bare_amount_of_money,
)
from rag.answering.facts import (
    CAPITALISED,
    CAPITALISED_RUN,
    acronyms,
    added_words,
    fact_terms,
    name_terms,
    name_vocabulary,
    normalise_facts,
    numbers,
    polarity_words,
    quarters,
)
from rag.answering.question_fit import (
    counted_noun,
    entity_share,
    meets_question_constraints,
    names_counted,
    prefix_match,
)
from rag.answering.span import complete_span, find_claim
from rag.country_names import countries_named, words_naming
from rag.sentences import Span
from rag.terms import terms
from rag.types import Passage

# Why a claim that says nothing new is refused; the pipeline may ask the model once more.
ECHOES_QUESTION = "the claim only repeats the question"
# A bare "yes" or "no": a sentence holds its word ("just yes or no") without stating it, so
# word overlap cannot verify it.
_BARE_YES_NO = re.compile(r"(?i)^\W*(?:yes|no)\W*$")
# A question that asks what is not the case ("Which country did not sign?") is answered only
# by a text that states a negation, in a word or a negative verb ("refused", "voted against").
NEGATED_QUESTION = re.compile(r"\b(?:not|never|no longer)\b|n['’]t\b", re.I)
NEGATION = re.compile(
    r"\b(?:not|never|no|none|nor|neither|without|cannot|lack\w*|refus\w*|fail\w*|declin\w*|"
    r"reject\w*|against|except\w*|instead|absent)\b|n['’]t\b",
    re.I,
)
# A name of several words in a claim, up to two small words between its capitalised ones
# ("President of the United States").
_NAME_PHRASE = re.compile(
    r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|and|the|for|de|von)\s+){0,2}[A-Z][\w'’-]*)+"
)
# A claim that fails whole is tried again without its trailing apposition ("Milan, Italy"
# -> "Milan"): the part the passage states is kept, the added part is not shown.
_APPOSITION = re.compile(r"\s*(?:,|\(|\s[-–—]\s)")
_LOWER_WORD = re.compile(r"\b[a-z][\w'’-]*")  # a word written in lower case
# What comes before a sentence's first word: the text's start or a sentence's end, then any
# quotes or brackets (matched against the text up to the word).
_SENTENCE_START = re.compile(r"(?:^|[.!?:][\"'”’)\]]*\s)[\s\"'“‘(\[]*$")
# Share of the terms a claim adds to the question that the sentence must hold: half, so a
# paraphrase ("leads Russia's side" for "represented Russia") passes but a claim whose one
# new word is absent ("quantum" Turing machines) does not.
MIN_NOVEL_SHARE = 0.5
# Share of the question's other terms a headline that alone states a claim must cover: the
# same "most of" as a second source's sentence (``corroborate.py``).
MIN_TITLE_COVERAGE = 0.5


@dataclass(frozen=True)
class Support:
    """Where a claim is held: passage index (0-based) and the sentence that holds it."""

    passage_index: int
    span: Span
    recited: bool
    claim: str = ""  # the form of the claim that is held (its head, when the rest is not)
    # Share of the question's other terms the holding sentence's window covers (for the
    # model's own claim; second sources are chosen by it and leave it 0).
    coverage: float = 0.0
    # The article's headline states the claim, no sentence of the passage does: ``span`` is
    # then empty and the quote is the title.
    in_title: bool = False


@dataclass(frozen=True)
class Verdict:
    """The check of one claim: where it is held, or why it is not."""

    support: Support | None
    reason: str = ""
    # The kind of answer the question asks for, when the claim is not of it ("Tuesday" for
    # "At what time …?"): the pipeline may ask the model once more.
    wrong_kind: str | None = None

    @property
    def supported(self) -> bool:
        """Whether some passage holds the claim."""
        return self.support is not None


def _holds(
    claim: str,
    title: str,
    text: str,
    question_terms: set[str],
    min_share: float,
    added: set[str] | None = None,
) -> bool:
    """Whether ``text`` (a sentence and its neighbours) under ``title`` holds ``claim``;
    ``added`` is what the claim adds in stop words alone (:func:`added_words`)."""
    claim_terms = fact_terms(claim)
    if not claim_terms or (claim_terms <= question_terms and not added):
        return False  # says nothing, or only what the question says
    window = f"{title} {text}"
    window_terms = fact_terms(window)
    if not numbers(claim) <= numbers(window):
        return False
    names = name_terms(claim)
    if names:
        name_words = window_terms | name_terms(window)  # name_vocabulary, terms reused
        if not all(prefix_match(t, name_words) for t in names):
            return False

    def held(term: str, vocabulary: set[str]) -> bool:
        # A name matches by its prefix ("Europe" is held by "European Union"); other words
        # exactly, or "international" would be held by "internal".
        return term in vocabulary or (term in names and prefix_match(term, vocabulary))

    share = sum(held(t, window_terms) for t in claim_terms) / len(claim_terms)
    if added and claim_terms <= question_terms:
        return share >= min_share and added <= polarity_words(text)
    # The words the claim adds to the question are its answer: they must be held on their
    # own, or "quantum Turing machines" passes on a sentence about "Turing machines"; and by
    # the text, not the headline alone, or any sentence of a page "holds" a word of its title.
    novel = claim_terms - question_terms
    text_terms = fact_terms(text)
    novel_share = sum(held(t, text_terms) for t in novel) / len(novel)
    return share >= min_share and novel_share >= MIN_NOVEL_SHARE


def _name_phrases(claim: str) -> list[list[str]]:
    """The terms of each name of several words in ``claim`` ("President of the United
    States")."""
    return [terms(normalise_facts(run.group())) for run in _NAME_PHRASE.finditer(claim)]


def _names_stand_whole(phrases: list[list[str]], sentences: list[set[str]]) -> bool:
    """Whether each name ``phrases`` holds is in one of ``sentences`` (their fact terms): a
    name pieced together from the words of two sentences ("President Zelensky", "the United
    States") is not stated."""
    return all(
        any(all(prefix_match(t, sentence) for t in phrase) for sentence in sentences)
        for phrase in phrases
    )


def covers_question(window: str, question_terms: set[str], claim_terms: set[str]) -> float:
    """Share of the question's terms (those the claim does not repeat) found in ``window``."""
    asked = question_terms - claim_terms
    if not asked:
        return 1.0
    vocabulary = fact_terms(window)
    return sum(prefix_match(t, vocabulary) for t in asked) / len(asked)


def window_indexes(i: int, count: int) -> range:
    """Indexes of sentence ``i`` and its neighbours (the one before, the one after) among
    ``count`` sentences."""
    return range(max(0, i - 1), min(count, i + 2))


def with_neighbours(texts: list[str], i: int) -> str:
    """Sentence ``i`` with the one before and the one after it."""
    return " ".join(texts[j] for j in window_indexes(i, len(texts)))


@dataclass(frozen=True)
class _Demands:
    """What a sentence must show, beyond the claim's own words, to hold a claim."""

    question: str
    question_terms: set[str]
    min_share: float
    min_question_share: float  # of the question's other terms, in its window
    min_entity_share: float  # of the question's named entities, in the sentence or title
    rarity: Callable[[str], float] | None
    negated: bool  # the question asks what is not the case: a negation must be stated
    added: set[str]  # the stop words a claim of the question's own words adds
    names: list[str] | None  # for "who"/"where": the claim's names, one written as a name
    counted: str | None = None  # what "how many" counts ("troops"), which the window names
    # the countries the question names: a holding sentence that names only other ones
    # (the claim's own aside) is about another party ("Russia will be represented by …"
    # for "who led the American one?")
    countries: frozenset[str] = frozenset()
    # Places in an order the question asks by ("who came second?"): one sentence must say
    # both the place and the claim, not the place beside a neighbour about the winner.
    ordinals: tuple[re.Pattern[str], ...] = ()
    # The quarters the question asks of ("Q3"): a sentence that names only other quarters
    # ("restated its second-quarter revenue") is about another period.
    quarters: frozenset[int] = frozenset()


def _holding_sentence(claim: str, passage: Passage, demands: _Demands) -> tuple[Span, float] | None:
    """The sentence of ``passage`` that holds ``claim`` (with its neighbours and title) and
    meets the ``demands``, and the share of the question's other terms its window covers."""
    spans = passage_sentences(passage)
    texts = [sentence_text(passage, s) for s in spans]
    claim_terms = fact_terms(claim)
    title = passage.chunk.title
    phrases = _name_phrases(claim)
    title_terms = name_vocabulary(title) if phrases else set()
    sentence_terms = [name_vocabulary(t) for t in texts] if phrases else []
    lower = lower_case_terms(passage.chunk.text) if demands.names is not None else set()
    claim_countries = countries_named(claim) if demands.countries else frozenset()
    own = [_writes_claim(claim, claim_terms, text) for text in texts]
    # A sentence about another quarter than the one asked neither holds the claim nor lends
    # it to a neighbour: "$341 million" of the restated second quarter beside the third's.
    other_period = [_about_other_quarter(text, demands.quarters) for text in texts]
    best: tuple[tuple[bool, int, bool], Span, float] | None = None
    for i in range(len(spans)):
        if other_period[i]:
            continue
        if demands.countries:
            named = countries_named(texts[i])
            if named and not named & demands.countries and named - claim_countries:
                continue
        if demands.ordinals and not (
            all(o.search(texts[i]) for o in demands.ordinals)
            and claim_terms <= fact_terms(texts[i])
        ):
            continue
        near = [j for j in window_indexes(i, len(spans)) if not other_period[j]]
        text = " ".join(texts[j] for j in near)
        if not _holds(claim, title, text, demands.question_terms, demands.min_share, demands.added):
            continue
        if demands.negated and not NEGATION.search(text):
            continue
        if demands.names is not None and not _written_as_name(demands.names, text, lower):
            continue
        if phrases and not _names_stand_whole(
            phrases, [title_terms, *sentence_terms[max(0, i - 1) : i + 2]]
        ):
            continue
        window = f"{title} {text}"
        if demands.counted and not names_counted(demands.counted, fact_terms(window)):
            continue
        coverage = covers_question(window, demands.question_terms, claim_terms)
        if coverage < demands.min_question_share:
            continue
        # The sentence itself, not its neighbours: a parallel sentence about another party
        # ("Russia will be represented by …") sits next to the one about the party asked of.
        if (
            demands.min_entity_share
            and entity_share(
                demands.question, f"{title} {texts[i]}", demands.rarity, passage.chunk.date
            )
            < demands.min_entity_share
        ):
            continue
        # The quote is the sentence that writes the claim's words in a row, else the one that
        # shares most with it: "3 percent" is quoted from "prices rose 3 percent", not from
        # "a three-week strike … a 9 percent pay rise", which holds both words too. A window
        # held by a neighbour's words is quoted from that neighbour, so the quote states the
        # claim ("1100 GMT" from its own sentence, not the one beside it that passed).
        # The sentence's own window goes before a neighbour's that passed through it.
        quoted = max(near, key=lambda j: (own[j], j == i))
        rank = (*own[quoted], quoted == i)
        if best is None or rank > best[0]:
            best = (rank, spans[quoted], coverage)
    return (best[1], best[2]) if best else None


def _about_other_quarter(sentence: str, asked: frozenset[int]) -> bool:
    """Whether ``sentence`` names quarters, none of them one the question asks of."""
    if not asked:
        return False
    named = quarters(sentence)
    return bool(named) and not named & asked


def _writes_claim(claim: str, claim_terms: set[str], sentence: str) -> tuple[bool, int]:
    """How well ``sentence`` writes ``claim``: its words in a row, then the terms and numbers
    the two share (compared as tuples, larger is better)."""
    shared = len(claim_terms & fact_terms(sentence)) + len(numbers(claim) & numbers(sentence))
    return find_claim(claim, sentence) is not None, shared


def states(claim: str, sentence: str) -> bool:
    """Whether every number and content term of ``claim`` is in ``sentence`` itself."""
    vocabulary = fact_terms(sentence)
    return numbers(claim) <= numbers(sentence) and all(
        prefix_match(t, vocabulary) for t in fact_terms(claim)
    )


def _new_names(claim: str, question: str) -> list[str]:
    """The capitalised words of a claim that name what the question does not: not an
    all-capitals acronym, not a word the question uses, not part of a name that spells
    out one of the question's acronyms ("United States" for "US"), and not a name of a
    country the question names ("United States" for "American")."""
    asked = fact_terms(question)
    asked_acronyms = {word.replace(".", "").lower() for word in acronyms(question)}
    # "President of the United States" names no one new for "the American delegation".
    spelled_out: set[str] = words_naming(claim, countries_named(question))
    for run in CAPITALISED_RUN.finditer(claim):
        words = run.group().split()
        if "".join(w[0].lower() for w in words if w[0].isupper()) in asked_acronyms:
            spelled_out.update(words)
    return [
        word
        for word in CAPITALISED.findall(claim)
        if not word.isupper() and word not in spelled_out and not set(terms(word)) <= asked
    ]


def _has_kind(claim: str, kind: str | None, question: str) -> bool:
    """Whether a claim holds the kind of thing asked for. A short answer may be one name
    ("Kozak"), so a person or place is any capitalised word that the question does not name
    (:func:`_new_names`), and a place may also be an acronym the question does not use
    ("the UAE", "DC"), which a person never is; numbers and times follow the extractive
    rule."""
    if kind in ("person", "place"):
        return bool(_new_names(claim, question)) or (
            kind == "place" and bool(_new_acronyms(claim, question))
        )
    return has_answer_type(claim, kind, question)


def _new_acronyms(claim: str, question: str) -> list[str]:
    """The acronyms of a claim that the question does not use."""
    asked = fact_terms(question)
    return [word for word in acronyms(claim) if not set(terms(word)) <= asked]


def _names_demanded(claim: str, kind: str | None, question: str) -> list[str] | None:
    """The names of which a sentence holding ``claim`` must write one as a name (for a
    "who" or "where" question), or None when there is no such demand: for a place that is
    an acronym, its capitals already make it a name."""
    if kind not in ("person", "place"):
        return None
    names = _new_names(claim, question)
    if not names and kind == "place" and _new_acronyms(claim, question):
        return None
    return names


def lower_case_terms(text: str) -> set[str]:
    """The terms of the words ``text`` writes in lower case."""
    return {t for word in _LOWER_WORD.findall(text) for t in terms(word)}


def _written_as_name(names: list[str], text: str, lower: set[str]) -> bool:
    """Whether ``text`` writes one of ``names`` as a name: capitalised inside a sentence, or
    where the passage never writes it in lower case (``lower``: its lower-case terms). The
    model capitalises a role ("President of …") that the article writes as a common noun
    ("the president of …"), and that names no one."""
    capitalised = set()
    for match in CAPITALISED.finditer(text):
        if not _SENTENCE_START.search(text, 0, match.start()):
            capitalised.update(terms(normalise_facts(match.group())))
    for name in names:
        name_terms = terms(normalise_facts(name))
        if any(prefix_match(t, capitalised) for t in name_terms):
            return True
        if name_terms and not any(t in lower for t in name_terms):
            return True
    return False


MONEY_NOT_ASKED = "the claim is an amount of money; the question asks for none"

# Ordinal places from second on, by word, with the digits a text may write them in. "First"
# and "last" are left out: questions use them loosely ("When did it first appear?").
_ORDINALS = {
    word: re.compile(rf"\b(?:{word}|{n}(?:st|nd|rd|th)|no\.?\s*{n})\b", re.IGNORECASE)
    for n, word in enumerate(
        ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"),
        start=2,
    )
}


def ordinals_asked(question: str) -> tuple[re.Pattern[str], ...]:
    """Patterns of the ordinal places (second to tenth) that ``question`` names."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", question)}
    return tuple(pattern for word, pattern in _ORDINALS.items() if word in words)


def verify_claim(
    claim: str,
    cited: int,
    question: str,
    passages: list[Passage],
    min_share: float,
    min_question_share: float = 0.0,
    rarity: Callable[[str], float] | None = None,
    window: tuple[str, str] | None = None,
    min_entity_share: float = 0.0,
) -> Verdict:
    """Check ``claim``, which cites passage ``cited`` (1-based), against ``passages``;
    ``rarity`` weighs the question's entities and ``window`` is the relative time's dates
    (see :func:`meets_question_constraints`); ``min_entity_share`` of the question's
    entities must be named by the holding sentence itself or its article's title."""
    if not fact_terms(claim):
        return Verdict(None, "the claim has no content words")
    if _BARE_YES_NO.match(claim):
        return Verdict(None, "a bare yes or no is not a fact a sentence can be checked for")
    question_terms = fact_terms(question)
    if fact_terms(claim) <= question_terms and not added_words(claim, question):
        return Verdict(None, ECHOES_QUESTION)
    kind = expected_type(question)
    if not _has_kind(claim, kind, question):
        return Verdict(None, f"the question asks for a {kind}; the claim names none", kind)
    order = list(range(len(passages)))
    if 1 <= cited <= len(passages):
        order.remove(cited - 1)
        order.insert(0, cited - 1)
    eligible = [
        i for i in order if meets_question_constraints(question, passages[i], rarity, window)
    ]
    negated = NEGATED_QUESTION.search(question) is not None
    counted = counted_noun(question)
    countries = countries_named(question)
    money_asked = asks_for_money(question)
    ordinals = ordinals_asked(question)
    for candidate in _claim_forms(claim):
        demands = _Demands(
            question,
            question_terms,
            min_share,
            min_question_share,
            min_entity_share,
            rarity,
            negated,
            added_words(candidate, question),
            _names_demanded(candidate, kind, question),
            counted,
            countries,
            ordinals,
            frozenset(quarters(question)),
        )
        for i in eligible:
            held = _holding_sentence(candidate, passages[i], demands)
            if held is not None:
                span, coverage = held
                # "$1.2 billion" (or "1.2 billion" where the sentence writes dollars) is no
                # population or name: a bare amount answers only a question about money.
                written = complete_span(candidate, sentence_text(passages[i], span), question)
                if not money_asked and is_bare_amount_of_money(written):
                    return Verdict(None, MONEY_NOT_ASKED)
                recited = i != cited - 1
                return Verdict(Support(i, span, recited, claim=candidate, coverage=coverage))
    for candidate in _claim_forms(claim):
        for i in eligible:
            coverage = _title_holding(candidate, passages[i].chunk.title, question_terms, negated)
            if coverage is not None:
                start = passages[i].chunk.start
                support = Support(
                    i, Span(start, start), i != cited - 1, candidate, coverage, in_title=True
                )
                return Verdict(support)
    return Verdict(None, "no retrieved passage states the claim")


def _title_holding(claim: str, title: str, question_terms: set[str], negated: bool) -> float | None:
    """The share of the question's other terms that ``title`` covers, when the headline
    itself states ``claim`` (every number and content term, as a second source's sentence
    must) and is about the question (half of its other terms); None otherwise. A headline
    is the article's shortest statement of its news, and in a pool of snippets often the
    only one; but every passage of a page sits under it, so it must state the claim whole."""
    if not title or fact_terms(claim) <= question_terms or not states(claim, title):
        return None
    if negated and not NEGATION.search(title):
        return None
    coverage = covers_question(title, question_terms, fact_terms(claim))
    return coverage if coverage >= MIN_TITLE_COVERAGE else None


def _claim_forms(claim: str) -> list[str]:
    """The claim, then its head without a trailing apposition (when it has one)."""
    head = _APPOSITION.split(claim, maxsplit=1)[0].strip()
    return [claim, head] if head and head != claim and fact_terms(head) else [claim]
