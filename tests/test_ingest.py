"""Reading real files from temp folders: formats, encodings and every bad-file case."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.ingest import IngestResult, Skipped, iter_documents, load_documents
from rag.types import Document

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
LIMIT = 1_000_000
ARTICLE = (
    "Storm Hits Coast\n\n"
    "A strong storm reached the coast on Tuesday, cutting power to thousands of homes.\n\n"
    "Emergency crews worked through the night to clear fallen trees from the roads.\n"
)


def load(*paths: Path, limit: int = LIMIT) -> IngestResult:
    return load_documents(list(paths), max_file_bytes=limit)


def only_document(result: IngestResult) -> Document:
    assert result.skipped == [], result.warnings
    assert len(result.documents) == 1
    return result.documents[0]


def only_skip(result: IngestResult) -> Skipped:
    assert result.documents == []
    assert len(result.skipped) == 1
    return result.skipped[0]


def png_bytes() -> bytes:
    """A real 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# Text and markdown


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "storm.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    doc = only_document(load(path))
    assert doc.doc_id == "storm"
    assert doc.title == "Storm Hits Coast"
    assert doc.text.startswith("A strong storm reached the coast")
    assert doc.path == str(path)
    assert doc.date is None and doc.url is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # header lines: title, date, URL
            "# Storm Hits Coast\n\n22 December 2021\nhttps://example.com/storm\n\nBody text.\n",
            ("Storm Hits Coast", "2021-12-22", "https://example.com/storm", None, "Body text."),
        ),
        (  # YAML front matter, an RSS date, keys it does not use
            '---\ntitle: "Storm closes Ravenna port"\nauthor: A. Writer\n'
            "date: Thu, 03 Oct 2024 08:00:00 +0000\nlink: https://example.com/ravenna\n"
            "publisher: Adriatic News\ntags: [storm, ports]\n---\n\nThe port closed.\n",
            (
                "Storm closes Ravenna port",
                "2024-10-03",
                "https://example.com/ravenna",
                "Adriatic News",
                "The port closed.",
            ),
        ),
    ],
)
def test_markdown_metadata(tmp_path: Path, text: str, expected: tuple) -> None:
    path = tmp_path / "note.md"
    path.write_text(text, encoding="utf-8")
    doc = only_document(load(path))
    assert (doc.title, doc.date, doc.url, doc.source, doc.text) == expected


def test_front_matter_without_a_title_keeps_the_header_lines(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("---\ndate: 2021-12-22\n---\n# Storm Hits Coast\n\nBody text.\n")
    doc = only_document(load(path))
    assert (doc.title, doc.date, doc.text) == ("Storm Hits Coast", "2021-12-22", "Body text.")


def test_title_is_not_repeated_in_text(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("Storm Hits Coast\n\nStorm hits coast\n\nBody text.", encoding="utf-8")
    assert only_document(load(path)).text == "Body text."


def test_seed_folder(tmp_path: Path) -> None:
    result = load(SEEDS)
    assert result.skipped == []
    ids = [doc.doc_id for doc in result.documents]
    assert ids == sorted(ids) and len(ids) == len(list(SEEDS.glob("*.txt")))
    by_id = {doc.doc_id[:3]: doc for doc in result.documents}
    assert by_id["002"].date == "2021-12-22"
    assert by_id["002"].url is not None and by_id["002"].url.startswith("https://")
    assert by_id["004"].source == "commonspace.eu with The Moscow Times"
    assert "Leave a Reply" not in by_id["003"].text
    for doc in result.documents:
        assert not doc.text.startswith(doc.title)


# Encodings


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "Caf\u00e9 Title\n\nNa\u00efve “quotes”.".encode())
    doc = only_document(load(path))
    assert (doc.title, doc.text) == ("Café Title", "Naïve “quotes”.")


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Kyiv Talks\n\nThe delegates met in Kyiv – again.".encode("utf-16"))
    doc = only_document(load(path))
    assert (doc.title, doc.text) == ("Kyiv Talks", "The delegates met in Kyiv – again.")


def test_latin1_and_cp1252_fallback(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Café Society\n\nThe café in Zürich reopened.".encode("latin-1"))
    windows = tmp_path / "windows.txt"
    windows.write_bytes("Quotes\n\n“Smart” quotes – and a dash.".encode("cp1252"))
    result = load(latin, windows)
    assert [d.text for d in result.documents] == [
        "The café in Zürich reopened.",
        "“Smart” quotes – and a dash.",
    ]


def test_valid_utf8_is_not_read_as_latin1(tmp_path: Path) -> None:
    path = tmp_path / "utf8.txt"
    path.write_text("Zürich\n\nÀ bientôt, “mes amis” — 東京.", encoding="utf-8")
    assert only_document(load(path)).text == "À bientôt, “mes amis” — 東京."


def test_utf8_with_a_few_bad_bytes_is_read_not_skipped(tmp_path: Path) -> None:
    path = tmp_path / "damaged.txt"
    text = "Zürich Talks\n\nDelegates met in Zürich and Genève, said Ms Müller – again."
    data = text.encode("utf-8")
    path.write_bytes(data[:30] + b"\x9d" + data[30:])  # one stray byte, as a bad copy leaves
    body = only_document(load(path)).text
    assert "Genève" in body and "Müller – again" in body and "\ufffd" in body


# Bad files


def test_empty_and_blank_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n \t\n", encoding="utf-8")
    result = load(tmp_path)
    assert [s.reason for s in result.skipped] == ["empty file", "empty file"]
    assert result.warnings[0] == f"skipped {tmp_path / 'blank.md'}: empty file"


def test_png_renamed_txt_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(png_bytes())
    skip = only_skip(load(path))
    assert skip.message == f"skipped {path}: binary file (not text)"


def test_binary_without_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(1, 32)) * 20 + b"\x81\x8d\x8f\x90\x9d" * 20)
    assert only_skip(load(path)).reason == "binary file (not text)"


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_text(ARTICLE * 100, encoding="utf-8")
    skip = only_skip(load(path, limit=1000))
    assert "over the 1,000 byte limit" in skip.reason
    assert "max_file_bytes" in skip.reason


def test_no_text_left_after_cleaning(tmp_path: Path) -> None:
    (tmp_path / "title_only.txt").write_text("Just A Title\n", encoding="utf-8")
    (tmp_path / "furniture.txt").write_text(
        "A Title\n\nJoin our WhatsApp group\n\nShare this article\n\n© 2024 Example Media",
        encoding="utf-8",
    )
    result = load(tmp_path)
    assert [s.reason for s in result.skipped] == ["no article text left after cleaning"] * 2


def test_missing_path_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist: give an existing file or folder"):
        iter_documents([tmp_path / "nope"], LIMIT)


def test_unsupported_files_in_folder_are_counted_not_warned(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / ".hidden.txt").write_text(ARTICLE, encoding="utf-8")
    result = load(tmp_path)
    assert [d.doc_id for d in result.documents] == ["a"]
    assert result.skipped == []
    assert result.unsupported == 1
    assert result.warnings == [
        "ignored 1 file(s) that are not .txt, .md, .html, .htm, .json or .jsonl"
    ]


def test_unsupported_file_given_directly_is_warned(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert only_skip(load(path)).reason.startswith("unsupported file type .pdf")


def test_folder_walk_is_recursive_and_sorted(tmp_path: Path) -> None:
    for name in ["b/z.txt", "a/y.txt", "c.txt", "a/deeper/x.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
    paths = [Path(d.path) for d in load(tmp_path).documents]
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "c.txt",
        "a/y.txt",
        "a/deeper/x.txt",
        "b/z.txt",
    ]


def test_duplicate_ids_are_skipped(tmp_path: Path) -> None:
    for name in ["one/story.txt", "two/story.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
    result = load(tmp_path)
    assert len(result.documents) == 1
    assert "duplicate id 'story'" in result.skipped[0].reason


# HTML


def test_html_main_text_without_scripts_or_styles(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Storm Hits Coast | Example News</title>"
        '<meta property="og:site_name" content="Example News">'
        '<meta property="article:published_time" content="2021-12-22T10:00:00Z">'
        "<style>body { color: red }</style><script>var tracker = 'secret';</script></head>"
        "<body><nav>Home | World | Sport | Business</nav><article><h1>Storm Hits Coast</h1>"
        "<p>A strong storm reached the coast on Tuesday, cutting power to thousands.</p>"
        "<script>alert('inline')</script>"
        "<p>Emergency crews worked through the night to clear the roads.</p>"
        "</article><footer>© 2021 Example News. All rights reserved.</footer></body></html>",
        encoding="utf-8",
    )
    doc = only_document(load(path))
    assert doc.doc_id == "page"
    assert doc.title == "Storm Hits Coast"
    assert doc.date == "2021-12-22"
    assert doc.source == "Example News"
    assert doc.text.startswith("A strong storm reached the coast")
    assert "Emergency crews" in doc.text
    for leak in ["tracker", "alert", "color", "©", "Home | World"]:
        assert leak not in doc.text


def test_html_without_text_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "blank.htm"
    path.write_text("<html><head><title>Nothing</title></head><body></body></html>", "utf-8")
    assert only_skip(load(path)).reason == "no article text left after cleaning"


# JSON and JSONL


def test_jsonl_with_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": 1, "title": "One", "text": "First story text.", "date": "20211222"}),
        '{"id": 2, "title": "Two", "text": ',
        "",
        json.dumps({"id": "three", "title": "Three", "body": "Third story text."}),
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = load(path)
    assert [d.doc_id for d in result.documents] == ["1", "three"]
    assert result.documents[0].date == "2021-12-22"
    assert result.documents[1].text == "Third story text."
    skip = only_skip(IngestResult(skipped=result.skipped))
    assert skip.line == 2
    assert skip.message == (
        f"skipped {path} line 2: malformed JSON (Expecting value at column 35)"
    ), "the reason reads whole, with where on the line"


def test_jsonl_records_without_id_or_text(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    records = [
        {"title": "No id", "text": "Text."},
        {"id": "x", "title": "No text"},
        {"id": True, "text": "Boolean id."},
        ["not", "an", "object"],
        {"id": "ok", "text": "Fine."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    result = load(path)
    assert [d.doc_id for d in result.documents] == ["ok"]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (1, 'record has no "id"'),
        (2, 'record has no "text" or "body"'),
        (3, 'record has no "id"'),
        (4, "not a JSON object"),
    ]


def test_json_list_and_object(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text(
        json.dumps(
            [
                {
                    "id": "a",
                    "title": "Alpha",
                    "text": "Alpha text.\n\nSource: Wire Service",
                    "url": "https://example.com/a",
                    "date": "December 22, 2021",
                },
                {"id": "b", "text": "Beta text.", "source": "Daily Planet", "url": "nope"},
                {"title": "Missing id", "text": "Gamma."},
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "single.json").write_text(
        json.dumps({"id": 7, "title": "Seven", "text": "Seven text."}), encoding="utf-8"
    )
    result = load(tmp_path)
    docs = {d.doc_id: d for d in result.documents}
    assert sorted(docs) == ["7", "a", "b"]
    assert (docs["a"].date, docs["a"].url, docs["a"].source) == (
        "2021-12-22",
        "https://example.com/a",
        "Wire Service",
    )
    assert docs["a"].text == "Alpha text."
    assert (docs["b"].title, docs["b"].url, docs["b"].source) == ("b", None, "Daily Planet")
    assert [s.reason for s in result.skipped] == ['item 3: record has no "id"']


def test_a_json_file_of_one_article_without_id_is_named_by_its_file(tmp_path: Path) -> None:
    path = tmp_path / "harbour-reopens.json"
    path.write_text(json.dumps({"title": "Harbour", "text": "It reopened."}), encoding="utf-8")
    assert only_document(load(path)).doc_id == "harbour-reopens"


def test_malformed_json_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"id": "a",\n "text": }', encoding="utf-8")
    assert "malformed JSON" in only_skip(load(path)).reason
    (tmp_path / "bad.json").write_text("42", encoding="utf-8")
    assert only_skip(load(path)).reason == "JSON must be an object or a list of objects"


def test_iter_documents_accepts_a_single_path(tmp_path: Path) -> None:
    path = tmp_path / "storm.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    items = list(iter_documents(str(path), LIMIT))
    assert [type(i) for i in items] == [Document]


def test_html_date_is_not_guessed_from_a_copyright_year(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Storm Hits Coast</title></head><body><article>"
        "<p>A strong storm reached the coast on Tuesday, cutting power to thousands.</p>"
        "</article><footer>© 2019 Example News. All rights reserved.</footer></body></html>",
        encoding="utf-8",
    )
    doc = only_document(load(path))
    assert (doc.title, doc.date) == ("Storm Hits Coast", None)


def test_a_header_date_line_that_reads_either_way_is_reported_unread(tmp_path: Path) -> None:
    path = tmp_path / "heatwave.txt"
    path.write_text(
        "Riverton records hottest day\n03/07/2025\n\nRiverton recorded 41.3C on Sunday.\n",
        encoding="utf-8",
    )
    doc = only_document(load(path))
    assert (doc.date, doc.unread_date) == (None, "03/07/2025")
    assert "03/07/2025" not in doc.text
