"""HTML for the chat: answers with linked ``[n]`` markers, source cards, the article table.

Every piece of article or answer text goes through :func:`esc` before it meets markup, so
a ``<script>`` or an ``onerror=`` inside an article is shown as text and never runs.
Works on the answer contract (:meth:`rag.types.Answer.to_dict`), not on live objects.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlparse

_MARKER = re.compile(r"\[(\d+)\]")
_PARAGRAPHS = re.compile(r"\n\s*\n")
EXCERPT_CONTEXT = 240  # characters of passage shown either side of the quote


def esc(text: object) -> str:
    """HTML-escape any value (quotes included)."""
    return html.escape("" if text is None else str(text), quote=True)


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url)
    return url if parsed.scheme in {"http", "https"} and parsed.netloc else None


def card_id(turn: int, n: int) -> str:
    """The anchor of source card ``n`` of answer ``turn``."""
    return f"src-{turn}-{n}"


def _paragraphs(escaped: str) -> str:
    parts = [p.strip() for p in _PARAGRAPHS.split(escaped) if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in parts) or "<p></p>"


def question_html(question: str) -> str:
    """The user's message."""
    return f'<div class="q-text">{esc(question)}</div>'


def pending_html(text: str = "", evidence: str = "") -> str:
    """An answer while it streams in (or the searching notice before the first words, with
    the extractive evidence once it is found)."""
    if not text and evidence:
        return (
            '<div class="answer pending"><div class="evidence-label">Evidence found; the '
            "model is writing the answer…</div>"
            f'<div class="evidence">{_paragraphs(esc(evidence))}</div></div>'
        )
    if not text:
        return (
            '<div class="answer pending"><span class="dots" aria-hidden="true">'
            "<i></i><i></i><i></i></span> Searching the articles…</div>"
        )
    return (
        f'<div class="answer streaming">{_paragraphs(esc(text))}<span class="caret"></span></div>'
    )


def answer_html(answer: dict[str, Any], turn: int) -> str:
    """A finished answer: escaped text, ``[n]`` linked to its source card, and any notice."""
    titles = {c["n"]: c["title"] for c in answer.get("citations", [])}

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in titles:
            return match.group(0)
        return (
            f'<a class="cite" href="#{card_id(turn, n)}" title="Source {n}: {esc(titles[n])}">'
            f'<span class="br">[</span>{n}<span class="br">]</span></a>'
        )

    body = _paragraphs(_MARKER.sub(link, esc(answer.get("answer", ""))))
    classes = "answer done abstained" if answer.get("abstained") else "answer done"
    parts = [f'<div class="{classes}">{body}']
    if answer.get("abstained"):
        parts.append(
            '<div class="hint">Nothing in the indexed articles answers this. Try other words, '
            "a wider date range, or fewer article filters.</div>"
        )
    if answer.get("notice"):
        parts.append(f'<div class="notice" role="note">{esc(answer["notice"])}</div>')
    count = len(answer.get("citations", []))
    if count:
        noun = "source" if count == 1 else "sources"
        parts.append(f'<div class="answer-foot">{count} {noun} · {esc(answer.get("model"))}</div>')
    parts.append("</div>")
    return "".join(parts)


def error_html(message: str) -> str:
    """An answer that failed: the error, fit to act on."""
    return f'<div class="answer done failed"><div class="notice error">{esc(message)}</div></div>'


def highlighted_passage(text: str, quote: str) -> str:
    """The escaped passage with the cited quote wrapped in ``<mark>``."""
    at = text.find(quote) if quote else -1
    if at < 0:
        return esc(text)
    end = at + len(quote)
    return f"{esc(text[:at])}<mark>{esc(text[at:end])}</mark>{esc(text[end:])}"


def _trim_before(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    for stop in (". ", "\n"):
        at = cut.find(stop)
        if 0 <= at < limit // 2:
            return "… " + cut[at + len(stop) :].lstrip()
    space = cut.find(" ")
    return "…" + cut[space:] if space >= 0 else "…" + cut


def _trim_after(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + " …"


def excerpt_html(text: str, quote: str, context: int = EXCERPT_CONTEXT) -> tuple[str, bool]:
    """(escaped excerpt around the highlighted quote, whether the passage was shortened)."""
    at = text.find(quote) if quote else -1
    if at < 0:
        short = _trim_after(text, 3 * context)
        return esc(short), short != text
    before = _trim_before(text[:at], context)
    after = _trim_after(text[at + len(quote) :], context)
    shortened = before != text[:at] or after != text[at + len(quote) :]
    return f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}", shortened


def card_html(citation: dict[str, Any], turn: int) -> str:
    """One numbered source card."""
    n = citation["n"]
    url = _safe_url(citation.get("url"))
    title = esc(citation.get("title") or citation.get("doc_id"))
    in_title = citation.get("quote_in") == "title"
    if in_title:  # the headline is what states the claim
        title = f"<mark>{title}</mark>"
    if url:
        title = (
            f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">'
            f'{title}<span class="ext" aria-hidden="true">↗</span></a>'
        )
    meta = [esc(citation["date"])] if citation.get("date") else ["undated"]
    if url:
        meta.append(esc(urlparse(url).netloc.removeprefix("www.")))
    meta.append(f"<code>{esc(citation.get('doc_id'))}</code>")
    text = citation.get("text", "")
    quote = "" if in_title else citation.get("quote", "")
    passage, shortened = excerpt_html(text, quote)
    full = ""
    if shortened:
        full = (
            '<details class="full"><summary>Whole passage</summary>'
            f'<div class="passage">{highlighted_passage(text, quote)}</div></details>'
        )
    return (
        f'<article class="card" id="{card_id(turn, n)}">'
        f'<div class="card-head"><span class="num">{n}</span>'
        f'<div><h4 class="card-title">{title}</h4>'
        f'<div class="card-meta">{" · ".join(meta)}</div></div></div>'
        f'<div class="passage">{passage}</div>{full}</article>'
    )


PANEL_TITLE = '<h3 class="panel-title">Sources</h3>'
EMPTY_SOURCES = PANEL_TITLE + (
    '<div class="sources-empty"><div class="icon" aria-hidden="true">❝</div>'
    "<p><b>Sources appear here.</b></p><p>Every answer lists the passages it quotes, with the "
    "supporting sentence highlighted. Click a number in an answer to jump to its source.</p></div>"
)


def sources_html(turns: list[dict[str, Any]]) -> str:
    """The sources panel: the cards of every answer, newest first."""
    groups = []
    for turn, entry in reversed(list(enumerate(turns, start=1))):
        answer = entry.get("answer")
        if not answer:
            continue
        head = [
            f'<div class="group-q"><span class="qnum">Q{turn}</span>{esc(entry["question"])}</div>'
        ]
        if answer.get("search_query"):
            head.append(
                f'<div class="searched">Searched for: <q>{esc(answer["search_query"])}</q></div>'
            )
        cards = "".join(card_html(c, turn) for c in answer.get("citations", []))
        if not cards:
            cards = '<div class="no-cards">No passage supports an answer.</div>'
        latest = " latest" if turn == len(turns) else ""
        groups.append(f'<section class="group{latest}">{"".join(head)}{cards}</section>')
    if not groups:
        return EMPTY_SOURCES
    return f'{PANEL_TITLE}<div class="sources">{"".join(groups)}</div>'


def documents_html(docs: list[dict[str, Any]]) -> str:
    """The table of indexed articles."""
    if not docs:
        return (
            '<div class="docs-empty">No articles indexed yet. Add .txt, .md, .html, .json or '
            ".jsonl files above, or run <code>rag index</code>.</div>"
        )
    rows = []
    for d in docs:
        url = _safe_url(d.get("url"))
        title = esc(d.get("title") or d["doc_id"])
        if url:
            title = f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        rows.append(
            f"<tr><td class='t'>{title}</td><td class='d'>{esc(d.get('date') or '—')}</td>"
            f"<td class='n'>{esc(d.get('passages'))}</td>"
            f"<td class='i'><code>{esc(d['doc_id'])}</code></td></tr>"
        )
    total = sum(int(d.get("passages") or 0) for d in docs)
    return (
        f'<div class="docs-count">{len(docs)} article{"s" if len(docs) != 1 else ""} · '
        f"{total} passages</div>"
        '<table class="docs"><thead><tr><th>Title</th><th>Date</th><th>Passages</th>'
        f"<th>ID</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def status_html(lines: list[tuple[str, str]]) -> str:
    """Messages after an upload: (kind, text) with kind ok, warn or error."""
    items = "".join(f'<li class="{esc(kind)}">{esc(text)}</li>' for kind, text in lines)
    return f'<ul class="status">{items}</ul>' if items else ""
