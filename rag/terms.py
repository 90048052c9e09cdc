"""Word-level terms for lexical matching: lowercase, no stop words, Snowball English stems.

BM25 and the extractive answerer's overlap scores both use :func:`terms`, so a word counts
the same way in retrieval and in picking the supporting sentence. Stems come from PyStemmer
(the Snowball English stemmer), stop words from bm25s' English list (NLTK's) plus a few
reporting words that every news sentence has. The word pattern is our own: bm25s' drops
one-character words and splits "U.S." into nothing. British and American spellings of a
word ("metres" / "meters", "organised" / "organized") are made one before stemming
(:data:`SPELLING_RULES`), so a question in one spelling meets a passage in the other, and an
irregular past form is its verb ("rose" is "rise", :data:`IRREGULAR_FORMS`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

# Bump when terms() changes, so saved BM25 indexes built with the old terms are rebuilt.
TERMS_VERSION = "snowball-english-3"

# Words news text repeats in nearly every sentence, beside the general function words.
NEWS_STOP_WORDS = frozenset(
    "also said says say tell told could would cannot let ought whose".split()
)

# The letters before "-ise" in English verbs also spelled "-ize": realise, organise,
# recognise, stabilise, symbolise, privatise, prioritise, minimise, criticise, subsidise,
# jeopardise, authorise, characterise, apologise, sympathise.
_IZE_BASE_ENDINGS = "al|ar|an|gn|on|il|ol|at|it|im|ic|id|rd|or|er|og|th"

# British spellings, written the American way. Each rule only has to map both spellings of
# a word to one form (texts on both sides go through it), so a rule may also rewrite a word
# that has no other spelling ("macabre" -> "macaber") as long as it merges no two words.
# The stem lengths keep short words out ("tour", "rise", "spelled").
SPELLING_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\b(\w{2,}[tb])re(s?)\b", r"\1er\2"),  # metre, centre, theatre, fibre, calibre
        # colour, labourer, favourite, honourable (not four, hour, tour, your, pour, scour)
        (r"\b(\w{3,})our(s|ed|ing|ite|ites|able|ably|er|ers|ful|less)?\b", r"\1or\2"),
        # organise, realised, privatising, criticise: after the endings of English's -ize
        # verbs only, so that words never spelled -ize ("promise", "paradise", "exercise",
        # "surprise", "advise") keep their stems
        (rf"\b(\w+(?:{_IZE_BASE_ENDINGS}))is(e|ed|es|er|ers|ing|ation|ations)\b", r"\1iz\2"),
        (r"\b(\w{2,}l)ys(e|ed|es|er|ers|ing)\b", r"\1yz\2"),  # analyse, paralysed
        (r"\b(\w{3,})ell(ed|ing|er|ers)\b", r"\1el\2"),  # travelled, cancelling, modeller
        (r"\b(\w{2,}f|lic)ence(s?)\b", r"\1ense\2"),  # defence, offences, licence
        (r"\b(\w*gram)me(s?)\b", r"\1\2"),  # programme, kilogrammes
        (r"\b(\w{3,})ogue(s?)\b", r"\1og\2"),  # catalogue, dialogue (not rogue, vogue)
    )
)

# English's irregular past forms, matched to the verb ("rose" meets "rise", "won" "win",
# "led" "lead"): a question asks "how much did prices rise?" of a text where they "rose".
# Forms that are often another word are left out: left (a direction), saw (a tool), shot
# (a vaccine), fed (the Fed), bore, bit, lay, lent.
_IRREGULAR_VERBS = {
    "arise": "arose arisen",
    "beat": "beaten",
    "become": "became",
    "begin": "began begun",
    "bend": "bent",
    "bleed": "bled",
    "blow": "blew blown",
    "break": "broke broken",
    "breed": "bred",
    "bring": "brought",
    "build": "built",
    "buy": "bought",
    "catch": "caught",
    "choose": "chose chosen",
    "come": "came",
    "deal": "dealt",
    "dig": "dug",
    "draw": "drew drawn",
    "drive": "drove driven",
    "eat": "ate eaten",
    "fall": "fell fallen",
    "fight": "fought",
    "find": "found",
    "flee": "fled",
    "fly": "flew flown",
    "forbid": "forbade forbidden",
    "forget": "forgot forgotten",
    "forgive": "forgave forgiven",
    "freeze": "froze frozen",
    "get": "got gotten",
    "give": "gave given",
    "go": "went gone",
    "grow": "grew grown",
    "hang": "hung",
    "hear": "heard",
    "hide": "hid hidden",
    "hold": "held",
    "keep": "kept",
    "know": "knew known",
    "lead": "led",
    "lose": "lost",
    "make": "made",
    "mean": "meant",
    "meet": "met",
    "pay": "paid",
    "ride": "rode ridden",
    "ring": "rang rung",
    "rise": "rose risen",
    "run": "ran",
    "see": "seen",
    "seek": "sought",
    "sell": "sold",
    "send": "sent",
    "shake": "shook shaken",
    "shrink": "shrank shrunk",
    "sing": "sang sung",
    "sink": "sank sunk",
    "sit": "sat",
    "sleep": "slept",
    "speak": "spoke spoken",
    "spend": "spent",
    "stand": "stood",
    "steal": "stole stolen",
    "stick": "stuck",
    "strike": "struck stricken",
    "swear": "swore sworn",
    "sweep": "swept",
    "swim": "swam swum",
    "swing": "swung",
    "take": "took taken",
    "teach": "taught",
    "tear": "tore torn",
    "think": "thought",
    "throw": "threw thrown",
    "understand": "understood",
    "wake": "woke woken",
    "wear": "wore worn",
    "win": "won",
    "withdraw": "withdrew withdrawn",
    "write": "wrote written",
}
IRREGULAR_FORMS = {form: verb for verb, forms in _IRREGULAR_VERBS.items() for form in forms.split()}

_WORD = re.compile(r"\w+(?:[-.]\w+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s\b")


@functools.cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


# NLTK's list holds "won" for "won't"; news needs the verb ("Who won?"), and "won't" is
# read as "will not" before the words are split.
KEPT_WORDS = frozenset({"won"})
_WONT = re.compile(r"\bwon['’]t\b")


@functools.cache
def stop_words() -> frozenset[str]:
    """bm25s' English stop words (NLTK's list) plus :data:`NEWS_STOP_WORDS`, less
    :data:`KEPT_WORDS`."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return (frozenset(STOPWORDS_EN_PLUS) | NEWS_STOP_WORDS) - KEPT_WORDS


def normalise(text: str) -> str:
    """Lowercase and strip accents and possessives, for matching (not for display)."""
    text = _POSSESSIVE.sub("", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def american_spelling(text: str) -> str:
    """``text`` (lower case) with British spellings written the American way."""
    for pattern, replacement in SPELLING_RULES:
        text = pattern.sub(replacement, text)
    return text


# Every rule works within one word, and news repeats its words, so each distinct word is
# made a term once (running the rules over whole texts doubled the cost of terms()).
@functools.lru_cache(maxsize=1 << 17)
def _word_term(word: str) -> str | None:
    """The term of one lower-case word (American spelling, no dots: "u.s." is "us", an
    irregular past form its verb, stemmed), or None for a stop word."""
    form = american_spelling(word).replace(".", "")
    if not form or form in stop_words():
        return None
    return _stemmer().stemWord(IRREGULAR_FORMS.get(form, form))


def terms(text: str) -> list[str]:
    """The content terms of ``text`` in order, stemmed, stop words removed."""
    words = _WORD.findall(_WONT.sub("will not", normalise(text)))
    return [term for term in map(_word_term, words) if term is not None]


def content_words(text: str) -> list[str]:
    """The words of ``text`` as written that have a content term (not stop words)."""
    return [w for w in _WORD.findall(text) if terms(w)]
