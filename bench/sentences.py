"""Sentence splitters compared: our own (rag/sentences.py) against pysbd, syntok, sentencex
and blingfire, on speed, agreement, hard news cases and offset exactness.

    .venv/bin/pip install pysbd==0.3.4 syntok==1.4.4 sentencex==1.0.32 blingfire==0.1.8
    .venv/bin/python -m bench.sentences --pages 500

The libraries are not dependencies of the project (none was adopted: docs/benchmarks.md);
a splitter that is not installed is skipped. Every splitter gets the text one line at a
time, as ours does (a news paragraph is a line, and a line break always ends a sentence),
and must return character spans into the original text. Spans that are not exact (the
text at the span, stripped, is not the sentence the library returned) are counted; the
study maps a library's sentence strings back to offsets by searching forward from the end of
the previous one, the most a caller could do.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections.abc import Callable

from bench.text import passages, read_texts
from rag.sentences import split_sentences

Spans = list[tuple[int, int]]

# Hard cases from general English news style (not from the seed articles or test sets):
# each is a text and the sentences it holds.
HARD_CASES: list[tuple[str, list[str]]] = [
    (
        "The U.S. military said on Nov. 12 that it would act. Officials agreed.",
        ["The U.S. military said on Nov. 12 that it would act.", "Officials agreed."],
    ),
    (
        "Mr. Smith met Mrs. Jones and Dr. Brown. They talked for an hour.",
        ["Mr. Smith met Mrs. Jones and Dr. Brown.", "They talked for an hour."],
    ),
    (
        "Growth was 3.5 percent in the quarter. Prices rose 0.2% in May.",
        ["Growth was 3.5 percent in the quarter.", "Prices rose 0.2% in May."],
    ),
    (
        "The new book by J. K. Rowling sold well. Fans queued overnight.",
        ["The new book by J. K. Rowling sold well.", "Fans queued overnight."],
    ),
    (
        '"We will win," he said. "It is certain."',
        ['"We will win," he said.', '"It is certain."'],
    ),
    (
        "He said: “It is over.” Then he left the room.",
        ["He said: “It is over.”", "Then he left the room."],
    ),
    (
        "Shares of Apple Inc. rose 2% on Friday. Microsoft Corp. fell.",
        ["Shares of Apple Inc. rose 2% on Friday.", "Microsoft Corp. fell."],
    ),
    (
        "Is this the end? Nobody knows! We will see…",
        ["Is this the end?", "Nobody knows!", "We will see…"],
    ),
    ("She moved to Washington, D.C. in 2010.", ["She moved to Washington, D.C. in 2010."]),
    (
        "Gen. Mark Milley spoke first. Sen. Elizabeth Warren replied.",
        ["Gen. Mark Milley spoke first.", "Sen. Elizabeth Warren replied."],
    ),
    ("The vote was 52-48. It passed.", ["The vote was 52-48.", "It passed."]),
    (
        "(The report was published Monday.) It drew criticism.",
        ["(The report was published Monday.)", "It drew criticism."],
    ),
    (
        "He earned $1.5 billion in 2021. That was a record.",
        ["He earned $1.5 billion in 2021.", "That was a record."],
    ),
    ("No. 10 Downing St. issued a statement.", ["No. 10 Downing St. issued a statement."]),
    (
        "The U.N. Security Council met on Jan. 5. It voted on a resolution.",
        ["The U.N. Security Council met on Jan. 5.", "It voted on a resolution."],
    ),
    (
        "“Are you sure?” she asked. “Yes.”",
        ["“Are you sure?” she asked.", "“Yes.”"],
    ),
    (
        "Prof. A. B. Smith of Oxford wrote the study. He defended it.",
        ["Prof. A. B. Smith of Oxford wrote the study.", "He defended it."],
    ),
    (
        "Temperatures hit 40.5C on Monday. Records fell across Europe.",
        ["Temperatures hit 40.5C on Monday.", "Records fell across Europe."],
    ),
    (
        "The suspect, 34, was arrested in St. Louis. Police expect more arrests.",
        ["The suspect, 34, was arrested in St. Louis.", "Police expect more arrests."],
    ),
    (
        "He arrived at 5 p.m. The talks began an hour later.",
        ["He arrived at 5 p.m.", "The talks began an hour later."],
    ),
    (
        "The company is based in Mountain View, Calif. It employs thousands.",
        ["The company is based in Mountain View, Calif.", "It employs thousands."],
    ),
    (
        "It happened in the U.S. Officials were surprised.",
        ["It happened in the U.S.", "Officials were surprised."],
    ),
    (
        "The meeting starts at 10 a.m. Tuesday in Geneva.",
        ["The meeting starts at 10 a.m. Tuesday in Geneva."],
    ),
    (
        "He paused... and then spoke. Nobody answered.",
        ["He paused... and then spoke.", "Nobody answered."],
    ),
    (
        "“I am sure,” said Mr. Biden. “We will.”",
        ["“I am sure,” said Mr. Biden.", "“We will.”"],
    ),
    (
        "Kerry met Lavrov in Paris.\nThe talks lasted four hours.",
        ["Kerry met Lavrov in Paris.", "The talks lasted four hours."],
    ),
]


def _locate(text: str, sentences: list[str]) -> tuple[Spans, int]:
    """Offsets of each sentence, searched forward; and how many could not be found."""
    spans: Spans = []
    at, missing = 0, 0
    for sentence in sentences:
        sentence = sentence.strip()
        if not sentence:
            continue
        start = text.find(sentence, at)
        if start < 0:
            missing += 1
            continue
        spans.append((start, start + len(sentence)))
        at = start + len(sentence)
    return spans, missing


def _by_line(split_line: Callable[[str], tuple[Spans, int]]) -> Callable[[str], tuple[Spans, int]]:
    def split(text: str) -> tuple[Spans, int]:
        spans: Spans = []
        missing, base = 0, 0
        for line in text.split("\n"):
            if line.strip():
                line_spans, line_missing = split_line(line)
                spans += [(s + base, e + base) for s, e in line_spans]
                missing += line_missing
            base += len(line) + 1
        return spans, missing

    return split


def splitters() -> dict[str, Callable[[str], tuple[Spans, int]]]:
    """Name -> function(text) giving (spans, sentences whose offsets were lost)."""
    found: dict[str, Callable[[str], tuple[Spans, int]]] = {
        "own": lambda text: ([(s.start, s.end) for s in split_sentences(text)], 0)
    }
    try:
        import pysbd

        seg = pysbd.Segmenter(language="en", clean=False, char_span=True)

        def pysbd_line(line: str) -> tuple[Spans, int]:
            spans, missing = [], 0
            for piece in seg.segment(line):
                stripped = piece.sent.strip()
                if not stripped:
                    continue
                lead = len(piece.sent) - len(piece.sent.lstrip())
                start = piece.start + lead
                if line[start : start + len(stripped)] != stripped:
                    missing += 1  # pysbd's own offset is wrong
                    continue
                spans.append((start, start + len(stripped)))
            return spans, missing

        found["pysbd"] = _by_line(pysbd_line)
    except ImportError:
        pass
    try:
        from syntok import segmenter

        def syntok_line(line: str) -> tuple[Spans, int]:
            spans = []
            for paragraph in segmenter.analyze(line):
                for sentence in paragraph:
                    start, last = sentence[0].offset, sentence[-1]
                    spans.append((start, last.offset + len(last.value)))
            return spans, 0

        found["syntok"] = _by_line(syntok_line)
    except ImportError:
        pass
    try:
        import sentencex

        found["sentencex"] = _by_line(
            lambda line: _locate(line, list(sentencex.segment("en", line)))
        )
    except ImportError:
        pass
    try:
        import blingfire

        def blingfire_line(line: str) -> tuple[Spans, int]:
            _, offsets = blingfire.text_to_sentences_and_offsets(line)
            return [(int(s), int(e)) for s, e in offsets], 0

        found["blingfire"] = _by_line(blingfire_line)
    except ImportError:
        pass
    return found


def exactness(text: str, spans: Spans) -> int:
    """Spans that start or end on a space, overlap, or leave a non-space character out."""
    bad, covered, prev_end = 0, 0, 0
    for start, end in spans:
        piece = text[start:end]
        if not piece or piece != piece.strip() or start < prev_end:
            bad += 1
        covered += len("".join(piece.split()))
        prev_end = end
    return bad + (len("".join(text.split())) != covered)


# Two patterns where splitters differ in news text: a title abbreviation that opens a
# sentence ("... first. Sen. Warren replied.": no boundary after "Sen.") and a.m./p.m.
# followed by a time zone or a weekday ("at 8 p.m. ET on Monday": no boundary after "p.m.").
TITLE_OPENING = re.compile(
    r"[.!?][\"”’]? ((?:Sen|Sens|Rep|Reps|Gov|Dr|Mr|Mrs|Ms|Gen|Lt|Sgt|Prof|Rev|Col|Capt)\.) [A-Z]"
)
CLOCK_ZONE = re.compile(
    r"\b[ap]\.m\.(?= (?:ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|GMT|BST|UTC|local|Monday|Tuesday"
    r"|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
)


def false_breaks(texts: list[str], split: Callable[[str], tuple[Spans, int]]) -> dict[str, str]:
    """For each pattern: how often the splitter ends a sentence where it should not."""
    out = {}
    for name, pattern, group in (
        ("title_opening", TITLE_OPENING, 1),
        ("clock_zone", CLOCK_ZONE, 0),
    ):
        found = wrong = 0
        for text in texts:
            matches = [m.end(group) for m in pattern.finditer(text)]
            if matches:
                found += len(matches)
                wrong += len(ends(split(text)[0]) & set(matches))
        out[name] = f"{wrong}/{found}"
    return out


def ends(spans: Spans) -> set[int]:
    return {e for _, e in spans}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/sentences.py", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=500, help="RealTimeQA pages (default 500)")
    parser.add_argument("--passage-chars", type=int, default=800, help="passage size")
    args = parser.parse_args(argv)
    texts = passages(read_texts(args.pages), args.passage_chars)
    chars = sum(len(t) for t in texts)
    found = splitters()
    own_ends = [ends(found["own"](t)[0]) for t in texts]
    rows = {}
    for name, split in found.items():
        split(texts[0])  # warm up (model and rule loading)
        started = time.perf_counter()
        results = [split(t) for t in texts]
        seconds = time.perf_counter() - started
        n = sum(len(spans) for spans, _ in results)
        same = sum(len(ends(spans) & o) for (spans, _), o in zip(results, own_ends, strict=True))
        theirs, ours = n, sum(len(o) for o in own_ends)
        hard_ok = 0
        failed = []
        for text, expected in HARD_CASES:
            spans, _ = split(text)
            if [text[s:e] for s, e in spans] == expected:
                hard_ok += 1
            else:
                failed.append(text[:40])
        rows[name] = {
            "sentences": n,
            "sentences_per_s": round(n / seconds),
            "mb_per_s": round(chars / seconds / 1e6, 2),
            "boundary_agreement_f1": round(2 * same / max(1, theirs + ours), 3),
            "offsets_lost": sum(m for _, m in results),
            "texts_with_inexact_spans": sum(
                exactness(t, spans) > 0 for t, (spans, _) in zip(texts, results, strict=True)
            ),
            "hard_cases": f"{hard_ok}/{len(HARD_CASES)}",
            "hard_failed": failed,
            "false_breaks": false_breaks(texts, split),
        }
    print(
        json.dumps(
            {
                "passages": len(texts),
                "chars": chars,
                "load_1min": round(os.getloadavg()[0], 1),
                "splitters": rows,
            },
            indent=1,
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
