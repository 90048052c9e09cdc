"""The Gradio chat: ask questions with cited sources, and manage the indexed articles.

Built by :func:`build_ui` and mounted on the FastAPI app by :func:`rag.server.create_app`;
:func:`mount_options` holds the theme, the CSS and the login for that mount. All work goes
through :class:`rag.facade.RagService`; this module only renders (see :mod:`ui.render`).
"""

from __future__ import annotations

import hmac
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.answering.llm import MAX_HISTORY_MESSAGES
from rag.api import delete_document, document_dict, index_uploads, make_filters, store_upload
from rag.errors import RagError
from rag.feedback import new_answer_id, record_feedback
from rag.indexer import REPLACED_WARNING, UNREAD_DATE_WARNING
from rag.ingest import SUPPORTED_SUFFIXES
from rag.types import Answer, Preview
from ui import render

if TYPE_CHECKING:
    from rag.facade import RagService
    from rag.settings import Settings

log = logging.getLogger("rag.ui")

CSS_FILE = Path(__file__).with_name("style.css")
TITLE = "Newsroom Q&A"
# A click on an [n] marker scrolls its card into view inside the sources panel and flashes
# it, instead of jumping the whole page; without scripts the plain #anchor still works.
HEAD_JS = """<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.cite");
  if (!link) return;
  const card = document.getElementById((link.getAttribute("href") || "").slice(1));
  if (!card) return;
  event.preventDefault();
  card.scrollIntoView({behavior: "smooth", block: "nearest"});
  document.querySelectorAll(".card.flash").forEach((c) => c.classList.remove("flash"));
  card.classList.add("flash");
  history.replaceState(null, "", "#" + card.id);
});
</script>"""
PLACEHOLDER = (
    "<div class='welcome'><h2>Ask the archive</h2>"
    "<p>Answers quote the indexed articles and number their sources. "
    "Ask a follow-up and it keeps the thread.</p></div>"
)


UPLOAD_HELP = (
    "<h3 class='section-title'>Add articles</h3><p class='help'>Drop <b>.txt .md .html .htm "
    ".json .jsonl</b> files: a text file's first line is its title, optionally followed by a "
    "date and a URL line. A file uploaded again under the same name replaces its article.</p>"
)


def _model_label(settings: Settings) -> str:
    return settings.llm_model or "extractive"


def _model_note(settings: Settings) -> str:
    if settings.llm_model:
        return (
            f"Answers are written by <code>{render.esc(settings.llm_model)}</code> from the "
            "retrieved passages, each claim cited."
        )
    return (
        "Answers are <b>extractive</b>: the best supporting sentences, quoted from the articles. "
        "Set <code>RAG_LLM_MODEL</code> to have a language model write them."
    )


def _header_html(settings: Settings, docs: list[dict[str, Any]] | None) -> str:
    if docs is None:
        stats = "<span class='chip warn'>index unavailable</span>"
    else:
        passages = sum(int(d.get("passages") or 0) for d in docs)
        stats = (
            f"<span class='chip'><b>{len(docs)}</b> articles</span>"
            f"<span class='chip'><b>{passages}</b> passages</span>"
        )
    model = f"<span class='chip model'>model: <b>{render.esc(_model_label(settings))}</b></span>"
    return (
        "<header class='masthead'><div class='brand'>"
        "<div class='logo' aria-hidden='true'>¶</div><div>"
        f"<h1>{TITLE}</h1><p>Cited answers from your article archive</p></div></div>"
        f"<div class='stats'>{stats}{model}"
        "<a class='chip link' href='docs' target='_blank' rel='noopener'>HTTP API ↗</a>"
        "</div></header>"
    )


def _messages(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat as Gradio messages: each turn is a question and an answer (or an error)."""
    messages = []
    for number, entry in enumerate(turns, start=1):
        messages.append({"role": "user", "content": render.question_html(entry["question"])})
        if entry.get("answer") is not None:
            content = render.answer_html(entry["answer"], number)
        else:
            content = render.error_html(entry.get("error", ""))
        messages.append({"role": "assistant", "content": content})
    return messages


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _history(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What the service needs of the conversation: the answered turns as plain text, the
    last ones the reader reads (a long chat stays under the history limit)."""
    history = []
    for entry in turns:
        if entry.get("answer") is not None:
            history.append({"role": "user", "content": entry["question"]})
            history.append({"role": "assistant", "content": entry["answer"]["answer"]})
    return history[-MAX_HISTORY_MESSAGES:]


def build_ui(service: RagService) -> gr.Blocks:
    """The Blocks app. The chat function is exposed to API clients as ``/chat``."""
    settings = service.settings

    def documents() -> list[dict[str, Any]] | None:
        try:
            return [document_dict(d) for d in service.documents()]
        except RagError:
            return None

    def chat(
        message: str,
        turns: list[dict[str, Any]] | None,
        top_k: float | None,
        date_from: str | None,
        date_to: str | None,
        doc_ids: list[str] | None,
    ):
        """Answer ``message``; yields (chat, sources panel, turns, cleared input)."""
        turns = list(turns or [])
        question = (message or "").strip()
        if not question:
            yield _messages(turns), render.sources_html(turns), turns, ""
            return
        pending = [
            *_messages(turns),
            {"role": "user", "content": render.question_html(question)},
            {"role": "assistant", "content": render.pending_html()},
        ]
        sources = render.sources_html(turns)
        yield pending, sources, turns, ""
        text = ""
        try:
            filters = make_filters(doc_ids, date_from, date_to)
            stream = service.answer_stream(
                question, _history(turns) or None, int(top_k) if top_k else None, filters
            )
            for item in stream:
                if isinstance(item, Answer):
                    turns.append(
                        {"id": new_answer_id(), "question": question, "answer": item.to_dict()}
                    )
                    break
                if isinstance(item, Preview):
                    # Sources and the extractive evidence show at once; the model's answer
                    # streams in after them and replaces the evidence once verified.
                    preview = {"question": question, "answer": item.extractive.to_dict()}
                    sources = render.sources_html([*turns, preview])
                    evidence = "" if item.extractive.abstained else item.extractive.answer
                    content = render.pending_html("", evidence=evidence)
                    pending[-1] = {"role": "assistant", "content": content}
                    yield pending, sources, turns, ""
                    continue
                text += item
                pending[-1] = {"role": "assistant", "content": render.pending_html(text)}
                yield pending, sources, turns, ""
        except RagError as exc:
            turns.append({"question": question, "answer": None, "error": str(exc)})
        except Exception:
            log.exception("answering %r failed", question)
            error = "Something went wrong while answering: the server log has the details."
            turns.append({"question": question, "answer": None, "error": error})
        yield _messages(turns), render.sources_html(turns), turns, ""

    def save_rating(
        turns: list[dict[str, Any]], position: int, rating: str, correction: str | None = None
    ) -> None:
        entry = turns[position]
        record_feedback(
            settings.index_dir,
            entry["question"],
            entry["answer"],
            rating,
            answer_id=entry.get("id"),
            history=_history(turns[:position]),
            correction=correction,
        )

    def rate(turns: list[dict[str, Any]] | None, data: gr.LikeData):
        """Save a thumbs up/down; a thumbs-down opens the box for an optional correction.

        Returns (the correction box, the turn it corrects, the correction textbox)."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        turns = turns or []
        position = index // 2
        if not 0 <= position < len(turns) or turns[position].get("answer") is None:
            return close_correction()
        rating = {True: "up", False: "down"}.get(data.liked, "cleared")
        save_rating(turns, position, rating)
        if rating == "up":
            gr.Info("Thanks: your rating was saved.", duration=2)
        if rating != "down":
            return close_correction()
        gr.Info("Rating saved. If you know the right answer, add it below.", duration=3)
        label = f"Q{position + 1} “{_shorten(turns[position]['question'])}”"
        return (
            gr.Column(visible=True),
            position,
            gr.Textbox(value="", label=f"{label}: the answer should be…"),
        )

    def correct(text: str, position: int | None, turns: list[dict[str, Any]] | None):
        """Save the correction of a thumbs-down answer; returns (box, its turn, the text)."""
        turns = turns or []
        if not (text or "").strip():
            gr.Warning("Type what the answer should be first (or close the box).")
            return gr.Column(visible=True), position, text
        if position is None or not 0 <= position < len(turns):
            return gr.Column(visible=False), None, ""
        save_rating(turns, position, "down", correction=text)
        gr.Info("Thanks: your correction was saved as a test case to fix.", duration=3)
        return gr.Column(visible=False), None, ""

    def close_correction():
        return gr.Column(visible=False), None, ""

    def clear():
        return [], render.EMPTY_SOURCES, [], ""

    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    def refresh():
        docs = documents()
        choices = [(f"{d['title']} ({d['date'] or 'undated'})", d["doc_id"]) for d in docs or []]
        return (
            _header_html(settings, docs),
            render.documents_html(docs or []),
            gr.Dropdown(choices=choices),
            gr.Dropdown(choices=choices, value=None),
        )

    def add_files(files: list[str] | None, progress=gr.Progress()):  # noqa: B008
        paths = [Path(f) for f in files or []]
        if not paths:
            return render.status_html([("warn", "Choose one or more files first.")]), None
        lines: list[tuple[str, str]] = []
        for number, path in enumerate(paths):
            progress((number, len(paths)), desc=f"Indexing {path.name}")
            try:
                saved = store_upload(settings, path.name, path.read_bytes())
                result = index_uploads(service, [saved])
            except RagError as exc:
                lines.append(("error", f"{path.name}: {exc}"))
                continue
            titles = ", ".join(d["title"] for d in result["documents"]) or "no new text"
            if result["added"] or result["updated"]:
                done = f"{len(result['added'])} added, {len(result['updated'])} updated"
                lines.append(("ok", f"{path.name}: {done} ({titles})"))
            else:
                lines.append(("ok", f"{path.name}: already indexed, unchanged"))
            for skipped in result["skipped"]:
                lines.append(("warn", f"{skipped['file']}: skipped, {skipped['reason']}"))
            lines += [("warn", UNREAD_DATE_WARNING.format(**u)) for u in result["unread_dates"]]
            lines += [("warn", REPLACED_WARNING.format(**r)) for r in result["replaced"]]
        progress((len(paths), len(paths)), desc="Done")
        return render.status_html(lines), None

    def delete(doc_id: str | None):
        if not doc_id:
            return render.status_html([("warn", "Pick an article to delete first.")])
        try:
            delete_document(service, doc_id)
        except RagError as exc:
            return render.status_html([("error", str(exc))])
        return render.status_html([("ok", f"Deleted {doc_id}.")])

    with gr.Blocks(title=TITLE, fill_width=True) as demo:
        turns = gr.State([])
        correction_target = gr.State(None)  # the turn the correction box is for
        header = gr.HTML(_header_html(settings, []), js_on_load=None)
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False, elem_id="ask-row"):
                with gr.Column(scale=7, min_width=420, elem_id="chat-col"):
                    chatbot = gr.Chatbot(
                        elem_id="chat",
                        show_label=False,
                        height="62vh",
                        render_markdown=False,
                        sanitize_html=True,
                        layout="bubble",
                        buttons=[],
                        placeholder=PLACEHOLDER,
                        examples=[{"text": q} for q in service.settings.example_questions] or None,
                        feedback_options=("Like", "Dislike"),
                        autoscroll=True,
                    )
                    with gr.Row(elem_id="ask-bar", equal_height=True):
                        question = gr.Textbox(
                            elem_id="question",
                            show_label=False,
                            container=False,
                            placeholder="Ask about the articles…  (Enter to send)",
                            lines=1,
                            max_lines=6,
                            # no max_length: the browser would cut a pasted question short
                            # without a word; the answer says it is over the limit instead
                            scale=1,
                            autofocus=True,
                        )
                        send = gr.Button(
                            "Ask", variant="primary", scale=0, min_width=96, elem_id="send"
                        )
                        clear_btn = gr.Button(
                            "Clear chat",
                            variant="secondary",
                            scale=0,
                            min_width=110,
                            elem_id="clear",
                        )
                    with (
                        gr.Column(visible=False, elem_id="correction-box") as correction_box,
                        gr.Row(equal_height=True),
                    ):
                        correction = gr.Textbox(
                            label="The answer should be…",
                            placeholder=(
                                f"a name, a number, a short phrase (or “{settings.refusal_text}”)"
                            ),
                            elem_id="correction",
                            lines=1,
                            max_lines=3,
                            max_length=settings.max_question_chars,
                            scale=1,
                        )
                        save_correction = gr.Button(
                            "Save correction",
                            variant="primary",
                            scale=0,
                            min_width=170,
                            elem_id="save-correction",
                        )
                        close_btn = gr.Button(
                            "No correction",
                            variant="secondary",
                            scale=0,
                            min_width=150,
                            elem_id="close-correction",
                        )
                    with gr.Accordion("Search options", open=False, elem_id="options"):
                        with gr.Row():
                            top_k = gr.Slider(
                                1,
                                20,
                                value=min(settings.top_k, 20),
                                step=1,
                                label="Passages to retrieve",
                                elem_id="top-k",
                            )
                            date_from = gr.DateTime(
                                include_time=False, type="string", label="From date"
                            )
                            date_to = gr.DateTime(
                                include_time=False, type="string", label="To date"
                            )
                        doc_filter = gr.Dropdown(
                            choices=[],
                            multiselect=True,
                            label="Only these articles (empty: all)",
                            elem_id="doc-filter",
                        )
                        gr.HTML(f"<p class='model-note'>{_model_note(settings)}</p>")
                with gr.Column(scale=5, min_width=340, elem_id="sources-col"):
                    sources = gr.HTML(render.EMPTY_SOURCES, elem_id="sources", js_on_load=None)
            with gr.Tab("Manage articles", id="articles"), gr.Row(equal_height=False):
                with gr.Column(scale=4, min_width=320, elem_id="manage-col"):
                    gr.HTML(UPLOAD_HELP)
                    files = gr.File(
                        label="Article files",
                        file_count="multiple",
                        file_types=sorted(SUPPORTED_SUFFIXES),
                        type="filepath",
                        elem_id="upload",
                    )
                    index_btn = gr.Button("Index files", variant="primary", elem_id="index")
                    status = gr.HTML("", elem_id="status", js_on_load=None)
                    gr.HTML(
                        "<h3 class='section-title'>Remove an article</h3>"
                        "<p class='help'>Pick an article, then Delete. Its uploaded file goes too."
                        "</p>"
                    )
                    with gr.Row(equal_height=True, elem_id="delete-row"):
                        to_delete = gr.Dropdown(
                            choices=[],
                            show_label=False,
                            container=False,
                            elem_id="delete-pick",
                            scale=1,
                        )
                        delete_btn = gr.Button(
                            "Delete", variant="stop", scale=0, min_width=96, elem_id="delete"
                        )
                with gr.Column(scale=8, min_width=420):
                    docs_table = gr.HTML(
                        render.documents_html([]), elem_id="documents", js_on_load=None
                    )

        refresh_outputs = [header, docs_table, doc_filter, to_delete]
        chat_inputs = [question, turns, top_k, date_from, date_to, doc_filter]
        chat_outputs = [chatbot, sources, turns, question]
        gr.on(
            [question.submit, send.click],
            chat,
            chat_inputs,
            chat_outputs,
            api_name="chat",
            concurrency_limit=4,
        )
        chatbot.example_select(pick_example, None, question, api_visibility="private").then(
            chat, chat_inputs, chat_outputs, api_visibility="private", concurrency_limit=4
        )
        correction_outputs = [correction_box, correction_target, correction]
        chatbot.like(rate, turns, correction_outputs, api_visibility="private")
        gr.on(
            [save_correction.click, correction.submit],
            correct,
            [correction, correction_target, turns],
            correction_outputs,
            api_visibility="private",
        )
        close_btn.click(close_correction, None, correction_outputs, api_visibility="private")
        for cleared in (clear_btn.click, chatbot.clear):
            cleared(clear, None, chat_outputs, api_visibility="private").then(
                close_correction, None, correction_outputs, api_visibility="private"
            )
        index_btn.click(
            add_files, files, [status, files], api_visibility="private", concurrency_limit=1
        ).then(refresh, None, refresh_outputs, api_visibility="private")
        delete_btn.click(delete, to_delete, status, api_visibility="private").then(
            refresh, None, refresh_outputs, api_visibility="private"
        )
        demo.load(refresh, None, refresh_outputs, api_visibility="private", show_progress="hidden")
    return demo


def mount_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``gr.mount_gradio_app``: look, limits and the login."""
    theme = gr.themes.Default(
        primary_hue=gr.themes.colors.blue,
        neutral_hue=gr.themes.colors.stone,
        font=["-apple-system", "BlinkMacSystemFont", "Segoe UI", "Helvetica Neue", "Arial"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
        radius_size=gr.themes.sizes.radius_md,
    ).set(
        body_background_fill="#f6f4ef",
        block_background_fill="#ffffff",
        button_primary_background_fill="#1d2b4f",
        button_primary_background_fill_hover="#2c3e6b",
        button_primary_text_color="#ffffff",
    )
    options: dict[str, Any] = {
        "theme": theme,
        "css": CSS_FILE.read_text(encoding="utf-8"),
        "ssr_mode": False,
        "head": HEAD_JS,
        "footer_links": ["api"],
        "max_file_size": settings.max_upload_bytes,
        "show_error": True,
    }
    if settings.api_token is not None:
        token = settings.api_token.get_secret_value().encode()

        def check(_username: str, password: str) -> bool:
            return hmac.compare_digest((password or "").encode(), token)

        options["auth"] = check
        options["auth_message"] = (
            "This server needs its API token: enter RAG_API_TOKEN as the password (any user name)."
        )
    return options
