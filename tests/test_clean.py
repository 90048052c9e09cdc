"""Cleaning rules on synthetic text, and on the real seed articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.clean import (
    clean_article,
    clean_text,
    clean_title,
    cut_tail_sections,
    is_call_to_action,
    is_footer,
    is_lone_symbol,
    is_platform_list,
    is_widget_text,
    normalise_date,
    parse_text_header,
    remove_photo_credits,
    split_source_line,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

PROSE = [
    "The minister said talks would resume on Monday after a week of delays.",
    "Officials from both countries met in the capital to discuss a possible ceasefire.",
    "Analysts expect the negotiations to last several weeks, according to diplomats.",
    "The central bank left interest rates unchanged for the third month in a row.",
]


def body(*extra: str) -> str:
    """Four paragraphs of ordinary prose followed by ``extra`` paragraphs."""
    return "\n\n".join([*PROSE, *extra])


def seed(name: str) -> tuple[str, str | None, str | None, str]:
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return parse_text_header(path.read_text(encoding="utf-8"))[:4]


# Whitespace and characters


def test_whitespace_is_normalised_and_paragraphs_kept() -> None:
    raw = "  First line.   \r\n\r\n\r\n\r\n      Second   line.\t\n\n\n\nThird line.  "
    assert clean_text(raw) == "First line.\n\nSecond line.\n\nThird line."


def test_nfc_control_characters_and_odd_spaces() -> None:
    raw = "Cafe\u0301 opened\u00a0today.\x07\x1b Zero\u200bwidth\ufeff."
    assert clean_text(raw) == "Café opened today. Zerowidth."


def test_typographic_quotes_and_dashes_are_kept() -> None:
    raw = "“It’s over” – he said — then left…"
    assert clean_text(raw) == raw


def test_single_newlines_are_kept() -> None:
    assert clean_text("Line one.\nLine two.") == "Line one.\nLine two."


# Calls to action


@pytest.mark.parametrize(
    "line",
    [
        "Join our WhatsApp group",
        "Subscribe to our Daily Roundup Email",
        "Follow The Daily Planet for Breaking News Updates",
        "Connect with The Daily Planet",
        "Listen to the Morning Show podcast on:",
        "Sign up for our newsletter!",
        "Follow us on Twitter",
        "Download the app",
        "Share this article",
        "Like us on Facebook",
    ],
)
def test_calls_to_action_are_recognised(line: str) -> None:
    assert is_call_to_action(line)
    assert line not in clean_text(body(line))


@pytest.mark.parametrize(
    "line",
    [
        "Follow the money",
        "Join the US forces in the Baltics",
        "Join us, the mayor told the crowd.",
        "Subscribers to the service rose by a third last year, the company said.",
        "Listen to the voices of the people who lived through the war and you will "
        "understand why they want peace",
    ],
)
def test_prose_and_headings_are_not_calls_to_action(line: str) -> None:
    assert not is_call_to_action(line)
    assert line in clean_text(body(line))


def test_a_story_in_one_paragraph_keeps_its_text_before_a_closing_pitch() -> None:
    # Feeds often hold a whole story on one line; blanking it for its last sentence lost it.
    story = (
        "The Riverton library reopened on Monday after a two-year renovation that cost "
        "$4.2 million, city officials said."
    )
    assert clean_text(f"{story} Sign up for our newsletter to get library news.") == story


@pytest.mark.parametrize(
    "box",
    [
        "Sign up for the Wonder Theory newsletter. Explore the universe with news on "
        "fascinating discoveries.",
        "If your day doesn't start until you're up to speed on the latest headlines, then "
        "let us introduce you to your new favorite morning fix. Sign up for our newsletter.",
        "The Short List is a snappy news roundup. Sign up for the newsletter here.",
        "Want more? Sign up for our newsletter.",
    ],
)
def test_a_pitch_and_its_preamble_go_together(box: str) -> None:
    assert clean_text(body(box)) == clean_text(body(""))


def test_platform_lists_are_dropped() -> None:
    line = "Apple Podcasts | Pocket Casts | Overcast | RSS"
    assert is_platform_list(line)
    assert not is_platform_list("Wins | 12 | Losses | 3")
    assert not is_platform_list("He said: yes | no")
    assert "Overcast" not in clean_text(body(line))


# Tail sections


@pytest.mark.parametrize(
    "heading",
    [
        "Related articles",
        "Related",
        "Read more:",
        "More from Europe",
        "Most read",
        "Editor’s choice",
        "Comments",
        "12 Comments",
        "Leave a Reply",
        "View all comments",
        "Recommended",
        "You may also like",
    ],
)
def test_tail_sections_are_cut(heading: str) -> None:
    text = clean_text(body(heading, "Teaser for another story about something else.", "Another."))
    assert text == "\n\n".join(PROSE)


def test_tail_heading_early_in_the_text_is_kept() -> None:
    raw = "\n\n".join([PROSE[0], "Comments", *PROSE[1:], *PROSE])
    assert "Comments" in clean_text(raw)


def test_prose_sentence_starting_like_a_heading_is_kept() -> None:
    line = "More on that later, the minister said."
    assert clean_text(body(line, "Final paragraph.")).endswith("Final paragraph.")


def test_long_teaser_after_stacked_headings_is_cut() -> None:
    teaser = "A long teaser paragraph for another article. " * 30
    lines = [*PROSE, "Related articles", "Popular", teaser]
    assert cut_tail_sections(lines) == PROSE


# Footers, symbols, widgets


@pytest.mark.parametrize(
    "line",
    [
        "This work is licensed under a Creative Commons Attribution 4.0 License.",
        "© 2024 Example Media Group",
        "Copyright 2023 Example News Ltd.",
        "All rights reserved.",
        "Your email address will not be published. Required fields are marked *",
    ],
)
def test_footers_are_dropped(line: str) -> None:
    assert is_footer(line)
    assert clean_text(body(line)) == "\n\n".join(PROSE)


def test_prose_about_licences_and_copyright_is_kept() -> None:
    for line in [
        "The software is licensed under the GPL, the company said.",
        "Copyright lawyers said the ruling would be appealed.",
    ]:
        assert not is_footer(line)


def test_lone_symbols_and_widget_words_are_dropped() -> None:
    for line in ["1", "•", "***", "24 | 7"]:
        assert is_lone_symbol(line)
    for line in ["Most Voted", "Newest Oldest", "Inline Feedbacks", "Advertisement"]:
        assert is_widget_text(line)
    raw = "\n\n".join([PROSE[0], "3", "Advertisement", PROSE[1], "Inline Feedbacks", PROSE[2]])
    assert clean_text(raw) == "\n\n".join(PROSE[:3])
    assert not is_lone_symbol("2.5%, up from 2.1%, the office said")


# Photo credits


def test_credit_parentheticals_are_removed() -> None:
    raw = (
        "Crowds gathered in the square (Photo: Reuters) on Sunday.\n\n"
        "The mayor spoke (Getty Images) briefly.\n\n"
        "Firefighters worked overnight (Photo by Jane Roe/Example Agency)."
    )
    assert clean_text(raw) == (
        "Crowds gathered in the square on Sunday.\n\n"
        "The mayor spoke briefly.\n\n"
        "Firefighters worked overnight."
    )


def test_caption_glued_to_body_is_dropped() -> None:
    raw = (
        "A minister waves from a car outside the palace in Rome, Italy, Friday, "
        "May 3, 2024. (AP Photo/Jane Roe, Pool)ROME — The minister arrived for talks."
    )
    assert remove_photo_credits([raw]) == ["ROME — The minister arrived for talks."]


def test_company_names_in_parentheses_are_not_credits() -> None:
    raw = "The film studio (Sony Pictures) and the bank (Credit Suisse) were named."
    assert clean_text(raw) == raw


# Source line, title


def test_trailing_source_line_is_split_off() -> None:
    text, source = split_source_line(body("Source: Example Wire with Other Times"))
    assert source == "Example Wire with Other Times"
    assert text == "\n\n".join(PROSE)
    assert split_source_line(body()) == (body(), None)


def test_source_line_in_the_middle_stays() -> None:
    raw = body("Source: a government official.", "Last paragraph.")
    assert clean_article(raw).source is None


def test_repeated_title_is_dropped_from_the_body() -> None:
    cleaned = clean_article("# Big News Today\n\n" + body(), title="Big news today")
    assert cleaned.text == body()


def test_clean_title() -> None:
    assert clean_title("## Big\u00a0 News  ") == "Big News"


# Header parsing and dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20211222", "2021-12-22"),
        ("2021-12-22", "2021-12-22"),
        ("2021-12-22T10:00:00Z", "2021-12-22"),
        ("2021-12-22T10:00:00+01:00", "2021-12-22"),
        ("22 December 2021", "2021-12-22"),
        ("December 22, 2021", "2021-12-22"),
        ("Dec. 22, 2021", "2021-12-22"),
        ("Wednesday, 22 December 2021", "2021-12-22"),
        ("Date: 2021-12-22", "2021-12-22"),
        ("20211340", None),
        ("2021-02-30", None),
        ("12345678", None),
        ("Smarch 3, 2021", None),
        ("yesterday", None),
        ("22.03.2024", "2024-03-22"),  # dots: day first, as everywhere they are written
        ("22/03/2024", "2024-03-22"),  # 22 can only be the day
        ("03/22/2024", "2024-03-22"),
        ("03/04/2024", None),  # March 4 or 3 April: not guessed
        ("31/02/2024", None),
    ],
)
def test_normalise_date(value: str, expected: str | None) -> None:
    assert normalise_date(value) == expected


def test_header_with_date_and_url() -> None:
    raw = "# A Title\n\n2021-12-22\nhttps://example.com/a\n\nBody text here."
    assert parse_text_header(raw) == (
        "A Title",
        "2021-12-22",
        "https://example.com/a",
        "\nBody text here.",
        None,
    )


def test_header_url_before_date_and_no_metadata() -> None:
    title, date, url, rest, _ = parse_text_header("T\nhttps://x.org/y\nDecember 22, 2021\nBody.")
    assert (title, date, url, rest) == ("T", "2021-12-22", "https://x.org/y", "Body.")
    assert parse_text_header("T\n\nBody.") == ("T", None, None, "\nBody.", None)


def test_header_with_overlong_first_line_has_no_title() -> None:
    raw = " ".join(["word"] * 40) + "\nMore."
    assert parse_text_header(raw) == ("", None, None, raw, None)


def test_a_header_date_that_reads_either_way_is_kept_as_unread() -> None:
    # 03/07/2025: March 7 or 3 July? Not guessed, not left in the body, not lost.
    header = parse_text_header("Heatwave\n03/07/2025\n\nRiverton recorded 41.3C.")
    assert header.date is None and header.unread_date == "03/07/2025"
    assert header.body == "\nRiverton recorded 41.3C."


# The real seed articles


def test_seed_001_furniture_is_removed() -> None:
    title, _, _, raw = seed("001")
    text = clean_article(raw, title).text
    for furniture in [
        "WhatsApp",
        "Subscribe to our",
        "podcast",
        "Spotify",
        "Breaking News",
        "Connect with",
        "Comment",
        "Most Voted",
        "Inline Feedbacks",
        "years ago",
        "AP Photo",
        "Pont des Arts",
    ]:
        assert furniture not in text
    assert text.startswith("Paris – The top U.S. and Russian diplomats are hoping")
    assert "was postponed indefinitely" in text
    assert not text.startswith("1")


def test_seed_002_header_becomes_metadata() -> None:
    title, date, url, raw = seed("002")
    assert title == "US Russia to Hold Talks in Bid to Ease Ukraine Standoff"
    assert date == "2021-12-22"
    assert url is not None and url.startswith("https://www.russiaherald.com/")
    text = clean_article(raw, title).text
    assert text.startswith('"We don\'t want a war," Lavrov said.')
    assert "20211222" not in text and "https://" not in text


def test_seed_003_licence_and_comment_form_are_removed() -> None:
    title, _, _, raw = seed("003")
    text = clean_article(raw, title).text
    assert "Creative Commons" not in text
    assert "Leave a Reply" not in text
    assert "Required fields" not in text
    assert text.endswith("Lavrov told reporters: “Good luck and good night.”")


def test_seed_004_tail_is_cut_and_source_split() -> None:
    title, _, _, raw = seed("004")
    cleaned = clean_article(raw, title)
    assert cleaned.source == "commonspace.eu with The Moscow Times"
    for furniture in ["Related articles", "Popular", "Editor's choice", "Murad Muradov"]:
        assert furniture not in cleaned.text
    assert "Igor Kostyukov" in cleaned.text
    assert cleaned.text.endswith("ballistic missiles”.")


def test_seed_000_is_only_whitespace_cleaned() -> None:
    title, _, _, raw = seed("000")
    text = clean_article(raw, title).text
    assert text == raw.strip()
