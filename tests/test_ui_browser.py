"""The chat UI in headless Chromium: answers, sources, follow-ups, feedback, uploads, XSS."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SEED_EXAMPLES

pytest_plugins = ["tests.conftest_server"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS_FOR_REVIEW = Path("/tmp/ui-shots")
QUESTION = "Who led Russia's delegation in Abu Dhabi?"
CARD_TITLE = "Russian, Ukrainian, and US envoys set to continue peace talks in Abu Dhabi"
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
HOSTILE_ARTICLE = f"""Valmora harbour board backs {IMG} night ferry

The Valmora harbour board approved a night ferry service on Tuesday. {SCRIPT} The ferry will \
be run by Brightwater Lines from 3 March, the board said. {IMG}

Harbour master Ines Okafor said the crossing would take ninety minutes.
"""
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_chat_sources_follow_up_feedback_upload_and_xss(start_server, browser, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    server = start_server(example_questions=SEED_EXAMPLES)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    shots: list[Path] = []

    def shot(name: str) -> None:
        path = tmp_path / f"{len(shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path))
        shots.append(path)

    def ask(question: str) -> None:
        before = page.locator("#chat .answer.done").count()
        page.locator("#question textarea").fill(question)
        page.locator("#question textarea").press("Enter")
        expect(page.locator("#chat .answer.done")).to_have_count(before + 1)

    def final_answer(n: int):
        return page.locator("#chat .answer.done").nth(n)

    page.goto(server.url + "/")
    expect(page.locator("#chat")).to_contain_text(QUESTION)  # the example questions
    expect(page.locator("header.masthead")).to_contain_text("5 articles")
    shot("empty")

    # An example question: the answer, its numbered source cards, the quote highlighted.
    page.locator("#chat").get_by_text(QUESTION).click()
    expect(page.locator("#chat .answer.done")).to_have_count(1)
    expect(final_answer(0)).to_contain_text("Kostyukov")
    titles = page.locator("#sources .card-title")
    expect(titles.filter(has_text=CARD_TITLE).first).to_be_visible()
    expect(page.locator("#sources mark").first).to_be_visible()
    shot("answer")

    # A follow-up keeps the thread and says what it searched for.
    ask("And who led Ukraine's?")
    expect(final_answer(1)).to_contain_text("Umerov")
    expect(page.locator("#sources .group.latest .searched")).to_contain_text("Searched for:")
    final_answer(1).locator("a.cite").first.click()
    card = page.locator("#src-2-1")
    expect(card).to_have_class(re.compile(r"\bflash\b"))
    expect(card).to_be_in_viewport()
    shot("follow-up")

    # Thumbs up on the first answer lands in feedback.jsonl.
    page.get_by_role("button", name="Like", exact=True).first.click()
    feedback = server.index_dir / "feedback.jsonl"
    expect(page.locator(".toast-body, [data-testid='toast-body']").first).to_contain_text(
        "rating was saved"
    )
    record = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert record["rating"] == "up" and record["question"] == QUESTION
    assert "Kostyukov" in record["answer"] and record["sources"] and record["timestamp"]

    # Upload an article full of markup; it is indexed and listed as text.
    article = tmp_path / "valmora-ferry.txt"
    article.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    page.get_by_role("tab", name="Manage articles").click()
    page.locator("#upload input[type=file]").set_input_files(str(article))
    page.locator("#index").click()
    expect(page.locator("#status")).to_contain_text("valmora-ferry.txt: 1 added")
    expect(page.locator("#documents")).to_contain_text(f"Valmora harbour board backs {IMG}")
    expect(page.locator("header.masthead")).to_contain_text("6 articles")
    shot("manage")

    # Asked about, it shows as a source, its markup as text: nothing runs.
    page.get_by_role("tab", name="Ask").click()
    ask("Who will run the Valmora night ferry?")
    expect(final_answer(2)).to_contain_text("Brightwater")
    hostile = page.locator("#sources .group.latest .card").first
    expect(hostile.locator(".card-title")).to_contain_text(IMG)
    expect(hostile.locator(".passage").first).to_contain_text(SCRIPT)
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("#sources script, #chat script, img[onerror]").count() == 0
    shot("hostile-article")

    # Delete it again from the Manage tab.
    page.get_by_role("tab", name="Manage articles").click()
    page.locator("#delete-pick input").click()
    page.get_by_role("option", name=re.compile("Valmora harbour board")).click()
    page.locator("#delete").click()
    expect(page.locator("#status")).to_contain_text("Deleted valmora-ferry.")
    expect(page.locator("#documents")).not_to_contain_text("Valmora")
    assert not (server.index_dir / "uploads" / "valmora-ferry.txt").exists()

    # Clear chat empties the conversation and the sources.
    page.get_by_role("tab", name="Ask").click()
    page.locator("#clear").click()
    expect(page.locator("#chat .answer")).to_have_count(0)
    expect(page.locator("#sources .sources-empty")).to_be_visible()

    # A pasted question over the limit is not cut short in the box: the chat says why.
    ask("Who led the talks? " * 150)
    expect(final_answer(0)).to_contain_text("over the limit of 2000")

    assert page.evaluate("() => window.__pwned") is None
    assert page_errors == []
    SHOTS_FOR_REVIEW.mkdir(parents=True, exist_ok=True)
    for path in shots:
        shutil.copy(path, SHOTS_FOR_REVIEW / path.name)
    page.close()


FOLLOW_UP = "And who led Ukraine's?"
WRONG_CORRECTION = "Olena Marchenko"  # a name no seed article holds: that case must fail


def test_thumbs_down_with_a_correction_becomes_a_test_case_rag_eval_scores(
    start_server, browser, shared_model, tmp_path, capsys
):
    from playwright.sync_api import expect

    from rag.cli import main
    from rag.evaluate.runner import load_run
    from tests.conftest import ABU_DHABI_DOC

    expect.set_options(timeout=TIMEOUT_MS)
    server = start_server()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    toasts = page.locator(".toast-body, [data-testid='toast-body']")

    def ask(question: str) -> None:
        before = page.locator("#chat .answer.done").count()
        page.locator("#question textarea").fill(question)
        page.locator("#question textarea").press("Enter")
        expect(page.locator("#chat .answer.done")).to_have_count(before + 1)

    def rate_down(n: int, correction: str | None) -> None:
        # one per answer; an answer's button reads "Disliked" once pressed
        page.get_by_role("button", name=re.compile(r"^Disliked?$")).nth(n).click()
        box = page.locator("#correction-box")
        expect(box).to_be_visible()
        if correction is None:
            page.locator("#close-correction").click()
        else:
            page.locator("#correction textarea").fill(correction)
            page.screenshot(path=str(tmp_path / f"correction-{n + 1}.png"))
            page.locator("#save-correction").click()
            expect(toasts.filter(has_text="correction was saved").first).to_be_visible()
        expect(box).to_be_hidden()

    page.goto(server.url + "/")
    ask(QUESTION)
    ask(FOLLOW_UP)
    ask("Where did Kerry and Lavrov meet?")
    answers = [page.locator("#chat .answer.done").nth(n).inner_text() for n in range(3)]
    assert "Kostyukov" in answers[0] and "Marchenko" not in answers[1]
    rate_down(0, "The answer should be Igor Kostyukov.")
    rate_down(1, WRONG_CORRECTION)
    rate_down(2, None)
    assert page_errors == []
    page.close()
    SHOTS_FOR_REVIEW.mkdir(parents=True, exist_ok=True)
    for path in tmp_path.glob("correction-*.png"):
        shutil.copy(path, SHOTS_FOR_REVIEW / path.name)

    records = [
        json.loads(line)
        for line in (server.index_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    # each thumbs-down, then the two corrections, each under the id of its answer
    assert [r["rating"] for r in records] == ["down"] * 5
    assert len({r["answer_id"] for r in records}) == 3
    corrected = [r for r in records if r["correction"]]
    assert [r["question"] for r in corrected] == [QUESTION, FOLLOW_UP]
    assert corrected[1]["history"][0] == {"role": "user", "content": QUESTION}
    assert ABU_DHABI_DOC in {s["doc_id"] for s in corrected[0]["sources"]}

    index = ["--index-dir", str(server.index_dir)]
    assert main(["feedback", *index]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 4 and listed[-1].startswith("3 rated answer(s)")
    assert "should be: Olena Marchenko" in listed[1] and "Kerry" in listed[0]

    testset = tmp_path / "feedback-set.jsonl"
    assert main(["feedback", "export", *index, "--out", str(testset)]) == 0
    cases = {c["question"]: c for c in map(json.loads, testset.read_text().splitlines())}
    assert cases[QUESTION]["answers"] == ["Igor Kostyukov"]
    assert ABU_DHABI_DOC in cases[QUESTION]["sources"] and cases[QUESTION]["answerable"]
    assert cases[FOLLOW_UP]["history"][0]["content"] == QUESTION
    assert cases["Where did Kerry and Lavrov meet?"]["type"] == "feedback-review"

    run_file = tmp_path / "run.json"
    assert main(["eval", str(testset), *index, "--json", str(run_file), "--quiet"]) == 0
    results = {r["question"]: r for r in load_run(run_file).results}
    assert results[QUESTION]["correct"] and "Kostyukov" in results[QUESTION]["answer"]
    assert not results[FOLLOW_UP]["correct"]  # the answer to fix
    # no correction: the case asks for a refusal, which the answer shown was not
    review = results["Where did Kerry and Lavrov meet?"]
    assert not review["abstained"] and not review["correct"]


@pytest.mark.local_llm
def test_local_model_chat_shows_evidence_first_then_the_verified_answer(start_server, browser):
    """With the local model the sources and the extractive evidence show while the model
    writes; the verified short answer then replaces the evidence."""
    from playwright.sync_api import expect

    expect.set_options(timeout=120_000)
    server = start_server(answerer="llm")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(server.url + "/")
    # A question no other test asks: llama.cpp's prompt cache would answer a repeated one at
    # once, before the evidence could be seen.
    page.locator("#question textarea").fill(
        "Which Russian official headed the team sent to Abu Dhabi?"
    )
    page.locator("#question textarea").press("Enter")
    # The evidence (an extractive quote) and its source cards come before the model's answer.
    expect(page.locator("#chat .answer.pending .evidence")).to_contain_text("Kostyukov")
    assert page.locator("#chat .answer.done").count() == 0
    expect(page.locator("#sources")).to_contain_text(CARD_TITLE)
    done = page.locator("#chat .answer.done").first
    expect(done).to_contain_text("Kostyukov")
    assert len(done.inner_text()) < 200  # the short answer, not the quoted evidence
    expect(page.locator("#sources")).to_contain_text(CARD_TITLE)
    page.close()
