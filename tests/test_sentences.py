from rag.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_splits_on_stops_and_lines():
    text = "First one. Second one? Third!\nA new paragraph “with quotes.” Then more."
    assert texts(text) == [
        "First one.",
        "Second one?",
        "Third!",
        "A new paragraph “with quotes.”",
        "Then more.",
    ]


def test_keeps_abbreviations_and_initials_inside_a_sentence():
    text = "Mr. Smith met U.S. officials on Oct. 13 in Washington, D.C. with Dr. Jones. Next."
    assert texts(text) == [
        "Mr. Smith met U.S. officials on Oct. 13 in Washington, D.C. with Dr. Jones.",
        "Next.",
    ]


def test_offsets_point_into_the_text():
    text = "  Leading space. Another sentence here.  \n\n  Last line"
    for span in split_sentences(text, offset=100):
        assert span.start >= 100
    spans = split_sentences(text)
    assert [text[s.start : s.end] for s in spans] == [
        "Leading space.",
        "Another sentence here.",
        "Last line",
    ]


def test_lowercase_after_stop_does_not_split():
    assert texts("It cost 3.5 million dollars. e.g. this stays.") == [
        "It cost 3.5 million dollars. e.g. this stays."
    ]
