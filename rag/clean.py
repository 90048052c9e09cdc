"""Turn scraped article text into clean body text: whitespace, header metadata, page furniture.

Every rule is a small named function over lines. The rules are general (shapes of share
prompts, footers, tail sections and photo credits seen on news sites), never tuned to one text.
Downstream offsets point into the result, so :func:`clean_article` is applied once, at ingest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from typing import NamedTuple

from rag.sentences import split_sentences

CTA_MAX_WORDS = 12  # a call to action is a short line
SOURCE_MAX_WORDS = 12  # "Source: Agency with Other Agency"
FOOTER_MAX_WORDS = 25  # copyright and licence lines
CAPTION_MAX_WORDS = 80  # a caption glued to a photo credit
TITLE_MAX_WORDS = 30  # a longer first line is body text, not a title
LONE_SYMBOL_MAX_CHARS = 12  # "1", "•", "***", "12 | 4"
PLATFORM_LIST_MIN_PARTS = 3
PLATFORM_LIST_MAX_PART_WORDS = 3
TAIL_HEADING_MAX_WORDS = 8
TAIL_MIN_POSITION = 0.5  # a furniture heading must come after at least half of the body
MIN_YEAR, MAX_YEAR = 1800, 2200

# Imperative verbs that open calls to action, and what they point at.
CTA_VERBS = (
    r"share|subscribe|follow|join|listen|sign\s*up|signup|register|download|get|connect|like"
    r"|watch|tune\s+in|click|tap|donate|become"
)
CTA_STRONG = re.compile(
    r"^(?:subscribe|sign\s*up|signup|download|connect\s+with|share\s+(?:this|on|via)|like\s+us)\b",
    re.I,
)
CTA_TARGETS = re.compile(
    r"(?-i:\b(?:us|our)\b)|\b(?:newsletters?|podcasts?|e-?mails?|apps?|updates|breaking\s+news|alerts"
    r"|channel|group|feed|rss|whatsapp|telegram|facebook|twitter|instagram|youtube|tiktok"
    r"|linkedin|spotify|itunes|threads|bluesky|google\s+news|member|subscriber|premium)\b|:$",
    re.I,
)
CTA_LINE = re.compile(rf"^(?:please\s+)?(?:{CTA_VERBS})\b", re.I)
WIDGET_LINE = re.compile(
    r"^(?:most\s+voted|newest\s+oldest|oldest\s+newest|inline\s+feedbacks?|newest|oldest"
    r"|load\s+more(?:\s+comments)?|show\s+(?:more\s+)?comments|advertisement|sponsored(?:\s+content)?"
    r"|story\s+continues\s+below(?:\s+advertisement)?|skip\s+advertisement|share|tweet|print"
    r"|read\s+more|up\s+next|watch\s+(?:now|more)"
    r"|email|whatsapp|facebook|twitter|linkedin)\s*:?$",
    re.I,
)
TAIL_HEADING = re.compile(
    r"^(?:related(?:\s+(?:articles?|stories|posts|news|content|coverage|links|reading|topics))?"
    r"|(?:read|see)\s+(?:more|also|next)"
    r"|more\s+(?:from|on|in|about|stories|news|articles)\b.{0,60}"
    r"|(?:most\s+)?popular(?:\s+(?:now|today|stories|articles|posts|news))?"
    r"|most\s+(?:read|viewed|shared|commented|emailed|recent)"
    r"|editor[’']?s[’']?\s+(?:choice|picks?)"
    r"|(?:\d+\s+)?comments?(?:\s*\(\d+\))?|no\s+comments(?:\s+yet)?"
    r"|(?:post|add|leave)\s+a\s+(?:reply|comment)"
    r"|view\s+(?:all\s+)?comments|join\s+the\s+(?:discussion|conversation)"
    r"|recommended(?:\s+(?:for\s+you|stories|articles|reading))?"
    r"|you\s+(?:may|might)\s+also\s+(?:like|enjoy|be\s+interested\s+in)"
    r"|trending(?:\s+(?:now|stories))?|(?:latest|top)\s+(?:news|stories|headlines)|tags?)"
    r"\s*:?$",
    re.I,
)
FOOTER_LINE = re.compile(
    r"^this\s+(?:work|article|story|content|post|page|site|piece|image|photo|material)"
    r"\s+is\s+licen[cs]ed\s+under\b"
    r"|licen[cs]ed\s+under\s+(?:a\s+|the\s+)?(?:creative\s+commons|cc[\s-]by)"
    r"|^(?:©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}))|all\s+rights\s+reserved\.?$"
    r"|^your\s+email\s+address\s+will\s+not\s+be\s+published|required\s+fields\s+are\s+marked",
    re.I,
)
CREDIT_TAIL = r"\s*(?:/|:|\bby\b|\bcourtesy\b)[^()\n]{0,80}"  # "/Name", ": Agency", " by X"
PHOTO_CREDIT = re.compile(
    r"\(\s*(?:[A-Z][\w.&'’-]*\s+){0,3}"  # up to three capitalised words: "AP", "Getty"
    rf"(?:(?i:photo(?:graph)?s?|images?)(?:{CREDIT_TAIL})?|(?i:pictures?|pics?|credits?){CREDIT_TAIL})"
    r"\s*\)"
)
# Newsletter boxes and sign-up prompts, often a whole sentence or two ("Get the X newsletter.
# Sign up here to get ... every Tuesday."): an action and what it points at, in a short line.
PROMO_MAX_WORDS = 60
# A paragraph that ends in a pitch keeps the story before it: at least this many words,
# with no word addressing the reader and no question (a pitch's preamble has them).
STORY_BEFORE_PITCH_MIN_WORDS = 15
READER_ADDRESS = re.compile(r"\b(?:you|your|yours|we|us|our|ours)\b|\?", re.I)
PROMO_ACTION = re.compile(
    r"\b(?:sign(?:ing)?[\s-]*up|subscrib(?:e|ing)|unsubscribe|delivered\s+to\s+your|receive)\b",
    re.I,
)
PROMO_TARGET = re.compile(
    r"\bnewsletters?\b|\binbox(?:es)?\b|\b(?:sign\s*up|subscribe)\s+(?:here|now|today|for\s+free)\b"
    r"|\b(?:our|the)\s+(?:print\s+edition|digital\s+subscri\w+|journalism)\b|here\s*>+",
    re.I,
)
NEWSLETTER_PITCH = re.compile(r"\bnewsletters?\b.{0,80}(?:\?$|\bprovides\s+you\b)", re.I)
LOCAL_PITCH = re.compile(r"\bhere\s*(?:>{2,}|\.?$)", re.I)
# The ad-feedback widget of video players ("How relevant is this ad to you?", "Ad froze ...").
AD_FEEDBACK = re.compile(
    r"\bhow\s+relevant\s+is\s+this\s+ad\b|\bad\s+froze\b|\baudio\s+on\s+ad\b"
    r"|\bvideo\s+(?:player|content)\s+(?:was\s+slow|never\s+loaded|did\s+not\s+start)",
    re.I,
)
# A reporter's contact line: an e-mail address or @handle, and a sentence that opens with
# "Follow/Reach/Contact/Email" (a story's "call the court at ..." opens otherwise and stays).
CONTACT_MAX_WORDS = 45
CONTACT_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?<![\w@])@\w{2,}")
CONTACT_VERB = re.compile(
    r"(?:^|[.!?:;]\s*)(?:you\s+can\s+)?(?:follow|reach|contact|e-?mail|send|write\s+to)\b", re.I
)
# Disclosures: affiliate commissions, sponsors of the coverage, content partners.
DISCLOSURE_MAX_WORDS = 50
DISCLOSURE = re.compile(
    r"\bearns?\s+(?:us\s+)?(?:a\s+)?commissions?\b|\baffiliate\s+(?:links?|commissions?)\b"
    r"|\bprices\s+were\s+accurate\s+at\s+the\s+time\b|\bcontent\s+partner\b"
    r"|\b(?:is\s+made\s+possible|supported)\s+in\s+part\s+by\s+a\s+grant\b"
    r"|\brecommendations\s+are\s+independently\s+chosen\b",
    re.I,
)
# Consent boxes address the reader about their data ("You agree to the processing ...").
CONSENT_MAX_WORDS = 90
CONSENT = re.compile(
    r"\byou(?:r)?\b.{0,60}\b(?:data|details|information)\b.{0,80}"
    r"\b(?:agree|consent|processing|tick|object|shared)\b"
    r"|\b(?:agree|consent)\b.{0,40}\bprocessing\b.{0,40}\byour\b|\bplease\s+tick\s+here\b",
    re.I,
)
SOURCE_LINE = re.compile(r"^sources?\s*:\s*(?P<source>\S.*)$", re.I)
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
CLOSING_PUNCTUATION = ".,;:!?)]”’"  # no space before these when a credit is cut out
PROSE_END = re.compile(r"[.?…][\"'”’)\]]*$|[\"”]$")  # "!" and ":" still end calls to action
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
RUNS_OF_SPACES = re.compile(r" {2,}")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
URL_LINE = re.compile(r"^(?:(?:url|link|source\s+url)\s*:\s*)?<?(?P<url>https?://\S+?)>?$", re.I)
DATE_LABEL = re.compile(r"^(?:date|published|updated|posted)(?:\s+on)?\s*:\s*", re.I)
MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
MONTHS = {
    name: number
    for number, month in enumerate(MONTH_NAMES.split(), start=1)
    for name in (month, month[:3])
} | {"sept": 9}
WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(
        r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
        r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$"
    ),
    re.compile(
        rf"^{WEEKDAY}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>[a-z]+)\.?,?\s+(?P<y>\d{{4}})$"
    ),
    re.compile(
        rf"^{WEEKDAY}(?P<mon>[a-z]+)\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})$"
    ),
)


@dataclass(frozen=True)
class Cleaned:
    """A cleaned body and the publisher named by a trailing ``Source:`` line, if any."""

    text: str
    source: str | None = None


def _words(line: str) -> int:
    return len(line.split())


def normalise_characters(raw: str) -> str:
    """Unify newlines, NFC-normalise, drop control and zero-width characters, plain spaces."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text)
    text = CONTROL_CHARS.sub("", text)
    return ODD_SPACES.sub(" ", text)


def strip_lines(lines: list[str]) -> list[str]:
    """Dedent and right-strip each line (scraped pages indent text), squeeze runs of spaces."""
    return [RUNS_OF_SPACES.sub(" ", line.strip()) for line in lines]


def remove_photo_credits(lines: list[str]) -> list[str]:
    """Drop "(AP Photo/X)"-style credits; a caption glued before a credit goes with it.

    "Caption sentence. (AP Photo/X)Body text" is a caption glued to the body: the text
    before the credit is dropped when it ends a sentence and is caption-sized.
    """
    out = []
    for line in lines:
        match = PHOTO_CREDIT.search(line)
        while match:
            before, after = line[: match.start()].strip(), line[match.end() :]
            glued = bool(after) and not after[0].isspace()
            caption = _words(before) <= CAPTION_MAX_WORDS and SENTENCE_END.search(before)
            after = after.strip()
            if glued and caption:
                line = after
            else:
                gap = "" if not after or after[0] in CLOSING_PUNCTUATION else " "
                line = f"{before}{gap}{after}".strip()
            match = PHOTO_CREDIT.search(line)
        out.append(line)
    return out


def _is_tail_heading(line: str) -> bool:
    short = _words(line) <= TAIL_HEADING_MAX_WORDS and not SENTENCE_END.search(line)
    return short and bool(TAIL_HEADING.match(line))


def cut_tail_sections(lines: list[str]) -> list[str]:
    """Drop a furniture heading ("Related articles", "3 Comments", ...) and all after it.

    Only when the heading comes after at least half of the body, counted in lines or in
    characters (teaser lists are long in one measure or the other). Headings stacked right
    before the cut ("Related" then "Popular") and a heading left last go with it.
    """
    filled = [i for i, line in enumerate(lines) if line]
    total_chars = sum(len(lines[i]) for i in filled)
    chars_before = 0
    for rank, i in enumerate(filled):
        if rank and _is_tail_heading(lines[i]):
            by_count = rank / len(filled)
            by_chars = chars_before / total_chars
            if max(by_count, by_chars) >= TAIL_MIN_POSITION:
                lines = lines[:i]
                break
        chars_before += len(lines[i])
    return _drop_trailing_headings(lines)


def _drop_trailing_headings(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1] or _is_tail_heading(lines[end - 1])):
        end -= 1
    return lines[:end]


def is_call_to_action(line: str) -> bool:
    """A short share/subscribe/follow/join/listen prompt, e.g. "Join our WhatsApp group"."""
    if not line or _words(line) > CTA_MAX_WORDS or PROSE_END.search(line):
        return False
    if not CTA_LINE.match(line):
        return False
    return bool(CTA_STRONG.match(line) or CTA_TARGETS.search(line))


def is_platform_list(line: str) -> bool:
    """Short names separated by ``|``: "iTunes | Spotify | Stitcher" or "Home | World | Sport"."""
    parts = [part.strip() for part in line.split("|")]
    if len(parts) < PLATFORM_LIST_MIN_PARTS:
        return False
    return all(
        part and _words(part) <= PLATFORM_LIST_MAX_PART_WORDS and not re.search(r"[\d.,;!?]", part)
        for part in parts
    )


def is_footer(line: str) -> bool:
    """A licence, copyright or comment-form line ("© 2024 X", "All rights reserved")."""
    return _words(line) <= FOOTER_MAX_WORDS and bool(FOOTER_LINE.search(line))


def is_lone_symbol(line: str) -> bool:
    """A line with no letters at all, such as a social counter "1" or a bullet."""
    return 0 < len(line) <= LONE_SYMBOL_MAX_CHARS and not any(ch.isalpha() for ch in line)


def is_widget_text(line: str) -> bool:
    """Comment-widget and share-bar words ("Most Voted", "Newest Oldest", "Advertisement")."""
    return bool(WIDGET_LINE.match(line))


def is_promo(line: str) -> bool:
    """A newsletter box or sign-up prompt: "Get X's weekly newsletter. Sign up here ..."."""
    if not line or _words(line) > PROMO_MAX_WORDS:
        return False
    if PROMO_ACTION.search(line) and (PROMO_TARGET.search(line) or LOCAL_PITCH.search(line)):
        return True
    return bool(NEWSLETTER_PITCH.search(line))


def is_ad_feedback(line: str) -> bool:
    """The video ad-feedback form ("How relevant is this ad to you?", "Ad froze ...")."""
    return bool(AD_FEEDBACK.search(line))


def is_contact_line(line: str) -> bool:
    """A reporter's contact or follow line: "Follow X on Twitter: @x", "Reach her at a@b.com"."""
    if not line or _words(line) > CONTACT_MAX_WORDS:
        return False
    return bool(CONTACT_ADDRESS.search(line) and CONTACT_VERB.search(line))


def is_disclosure(line: str) -> bool:
    """An affiliate, sponsor or content-partner disclosure."""
    return _words(line) <= DISCLOSURE_MAX_WORDS and bool(DISCLOSURE.search(line))


def is_consent_box(line: str) -> bool:
    """Data-consent boilerplate that addresses the reader ("You agree to the processing ...")."""
    return _words(line) <= CONSENT_MAX_WORDS and bool(CONSENT.search(line))


LINE_RULES = (
    is_call_to_action,
    is_platform_list,
    is_footer,
    is_lone_symbol,
    is_widget_text,
    is_promo,
    is_ad_feedback,
    is_contact_line,
    is_disclosure,
    is_consent_box,
)


def is_furniture(text: str) -> bool:
    """Whether one of :data:`LINE_RULES` recognises ``text`` as furniture."""
    return any(rule(text) for rule in LINE_RULES)


def drop_furniture(line: str) -> str:
    """``line`` without its furniture: "" when it is furniture, or, for a paragraph that
    ends with a pitch ("… reopened on Monday. Sign up for our newsletter."), the sentences
    before the first one that is furniture on its own. A feed often holds a whole story in
    one line, and blanking it for its last sentence lost the story."""
    if not is_furniture(line):
        return line
    sentences = [line[span.start : span.end] for span in split_sentences(line)]
    first = next((i for i, sentence in enumerate(sentences) if is_furniture(sentence)), 0)
    before = " ".join(sentences[:first])
    # A pitch's own preamble ("If your day doesn't start until …", "Want more?", "The Short
    # List is a snappy news roundup.") speaks to the reader, asks, or is short: not a story.
    if _words(before) < STORY_BEFORE_PITCH_MIN_WORDS or READER_ADDRESS.search(before):
        return ""
    return before


def drop_furniture_lines(lines: list[str]) -> list[str]:
    """Each line without the furniture :data:`LINE_RULES` recognise (:func:`drop_furniture`)."""
    return [drop_furniture(line) for line in lines]


def drop_repeated_title(lines: list[str], title: str | None) -> list[str]:
    """Drop the first non-empty line when it only repeats the title."""
    if not title:
        return lines
    wanted = _comparable(title)
    for i, line in enumerate(lines):
        if line:
            return lines[:i] + lines[i + 1 :] if _comparable(line) == wanted else lines
    return lines


def _comparable(text: str) -> str:
    return " ".join(MARKDOWN_HEADING.sub("", text).casefold().split())


def join_paragraphs(lines: list[str]) -> str:
    """Join lines, keeping at most one blank line between paragraphs."""
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_source_line(text: str) -> tuple[str, str | None]:
    """Split a trailing short "Source: X" line off ``text``; return (text, X or None)."""
    head, _, last = text.rstrip().rpartition("\n")
    match = SOURCE_LINE.match(last.strip())
    if not match or _words(last) > SOURCE_MAX_WORDS:
        return text, None
    return head.strip(), match.group("source").strip()


def clean_article(raw: str, title: str | None = None) -> Cleaned:
    """Apply every rule in order and split off a trailing ``Source:`` line."""
    lines = strip_lines(normalise_characters(raw).split("\n"))
    for rule in (remove_photo_credits, cut_tail_sections, drop_furniture_lines):
        lines = rule(lines)
    lines = drop_repeated_title(lines, title)
    text, source = split_source_line(join_paragraphs(lines))
    return Cleaned(text=text, source=source)


def clean_text(raw: str) -> str:
    """The cleaned body of ``raw`` (see :func:`clean_article`, which also returns the source)."""
    return clean_article(raw).text


def clean_title(raw: str) -> str:
    """A title on one line: normalised characters, no markdown ``#``, single spaces."""
    text = normalise_characters(raw)
    return " ".join(MARKDOWN_HEADING.sub("", text.strip()).split())


# An RSS or e-mail date opens with its weekday: "Thu, 03 Oct 2024 08:00:00 +0000".
_RFC_2822_DAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,\s*\d", re.I)


# A date of numbers with the year last: "22.03.2024" (day first, as every country that
# writes dots does), "22/03/2024" or "03/22/2024" (read where one number cannot be a month).
_NUMERIC_DATE = re.compile(r"^(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})$")
MONTHS_IN_YEAR = 12


def _day_and_month(match: re.Match[str]) -> str | None:
    """The ISO date of a :data:`_NUMERIC_DATE` match, or None where it is no date or
    could be either day or month first ("03/04/2024")."""
    a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
    if match["sep"] == "." or a > MONTHS_IN_YEAR:
        day, month = a, b
    elif b > MONTHS_IN_YEAR:
        day, month = b, a
    else:
        return None
    try:
        parsed = date(year, month, day)
    except ValueError:
        return None
    return _iso_in_range(parsed)


def _iso_in_range(day: date | None) -> str | None:
    """``day`` as an ISO date, or None when there is none or its year is out of range."""
    return day.isoformat() if day and MIN_YEAR <= day.year <= MAX_YEAR else None


def normalise_date(value: str) -> str | None:
    """``20211222``, ``2021-12-22T10:00Z``, ``22 Dec 2021``, ``December 22, 2021``, an RSS
    ``Thu, 03 Oct 2024 08:00:00 +0000``, ``22.03.2024``, ``22/03/2024``, ``03/22/2024`` ->
    ISO date.

    Returns None for anything that is not a real calendar date, and for a numeric date that
    could be read day first or month first (``03/04/2024``).
    """
    value = DATE_LABEL.sub("", value.strip())
    if numeric := _NUMERIC_DATE.match(value):
        return _day_and_month(numeric)
    for pattern in DATE_FORMATS:
        match = pattern.match(value.casefold() if "mon" in pattern.groupindex else value)
        if not match:
            continue
        parts = match.groupdict()
        month = MONTHS.get(parts["mon"]) if "mon" in parts else int(parts["m"])
        try:
            parsed = date(int(parts["y"]), month or 0, int(parts["d"]))
        except ValueError:
            return None
        return _iso_in_range(parsed)
    # RSS and e-mail dates: "Thu, 03 Oct 2024 08:00:00 +0000"
    try:
        stamped = parsedate_to_datetime(value).date() if _RFC_2822_DAY.match(value) else None
    except (TypeError, ValueError, IndexError):
        return None
    return _iso_in_range(stamped)


# A Markdown file's YAML front matter: "---" on the first line, "key: value" lines, then
# "---" (or "...") within this many lines; the keys that name an article's metadata.
FRONT_MATTER_MAX_LINES = 60
_FRONT_MATTER_FIELD = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
FRONT_MATTER_KEYS = {
    "title": "title",
    "headline": "title",
    "date": "date",
    "published": "date",
    "pubdate": "date",
    "datepublished": "date",
    "url": "url",
    "link": "url",
    "canonical_url": "url",
    "source": "source",
    "publisher": "source",
}


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """A leading YAML front matter block's metadata (title, date, url, source, each a plain
    one-line value; keys as :data:`FRONT_MATTER_KEYS` maps them) and the text after it;
    ``({}, text)`` when the text has none."""
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, min(len(lines), FRONT_MATTER_MAX_LINES)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text
    fields: dict[str, str] = {}
    for line in lines[1:end]:
        match = _FRONT_MATTER_FIELD.match(line)
        if not match:
            continue
        name = FRONT_MATTER_KEYS.get(match["key"].lower())
        value = match["value"].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if name and value and name not in fields:
            fields[name] = value
    return fields, "\n".join(lines[end + 1 :])


class TextHeader(NamedTuple):
    """What the first lines of a .txt/.md article say, and the body after them."""

    title: str
    date: str | None  # ISO
    url: str | None
    body: str
    unread_date: str | None = None  # a date line that cannot be read ("03/04/2024")


def parse_text_header(text: str) -> TextHeader:
    """Split a .txt/.md article into its title, ISO date, URL and raw body.

    The title is the first non-empty line (markdown ``#`` stripped); a date and/or URL on
    the lines right after it become metadata. A numeric date line that could be read day
    or month first is taken out of the body too, as ``unread_date``. A first line too long
    to be a title gives an empty title and leaves the whole text as body.
    """
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if not filled or _words(lines[filled[0]]) > TITLE_MAX_WORDS:
        return TextHeader("", None, None, text)
    title = clean_title(lines[filled[0]])
    found_date: str | None = None
    unread: str | None = None
    found_url: str | None = None
    body_start = filled[0] + 1
    for i in filled[1:]:
        line = lines[i].strip()
        url = URL_LINE.match(line)
        if found_url is None and url:
            found_url = url.group("url")
        elif found_date is None and unread is None and (iso := normalise_date(line)):
            found_date = iso
        elif found_date is None and unread is None and _NUMERIC_DATE.match(line):
            unread = line
        else:
            break
        body_start = i + 1
    return TextHeader(title, found_date, found_url, "\n".join(lines[body_start:]), unread)
