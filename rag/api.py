"""The HTTP API: ``/api`` (the answer contract, documents) and ``/v1`` (OpenAI-compatible).

Routes only parse input and shape output; every one of them calls :class:`RagService`.
Blocking calls run in FastAPI's threadpool (the endpoints are plain ``def``).
Errors are JSON ``{"error": {"code", "message"}}`` with the status of the
:class:`~rag.errors.RagError` raised.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict
from http import HTTPStatus
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag import openai_compat
from rag.errors import InputError, InputTooLargeError, NotFoundError, RagError
from rag.ingest import SUPPORTED_LIST, SUPPORTED_SUFFIXES
from rag.openai_compat import ChatRequest, FiltersIn
from rag.retrieve import Filters, make_filters
from rag.settings import MAX_TOP_K
from rag.types import Answer, Preview

if TYPE_CHECKING:
    from rag.facade import RagService
    from rag.lexical import DocumentInfo
    from rag.settings import Settings

log = logging.getLogger("rag.api")

UPLOADS = "uploads"
INDEX_WAIT_S = 30.0  # an upload waits this long for another indexing run to finish
MULTIPART_SLACK = 64 * 1024  # headers and boundaries around the file bytes
_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\- ()+,@]")


class Unauthorized(RagError):
    """A request to /api or /v1 without the right bearer token."""

    http_status = 401
    code = "unauthorized"


class MethodNotAllowed(RagError):
    """A known /api route asked with another method (``GET /api/answer``)."""

    http_status = 405
    code = "method_not_allowed"

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed


# --- input helpers shared with the UI -------------------------------------------------------


def safe_filename(name: str | None) -> str:
    """The base name of an uploaded file, or :class:`InputError` if it cannot be used."""
    raw = unicodedata.normalize("NFC", (name or "").replace("\\", "/"))
    if ".." in raw or "\x00" in raw:
        raise InputError(f"file name {name!r} is not allowed: give a plain file name")
    base = raw.rsplit("/", 1)[-1].strip()
    if not base or base.startswith("."):
        raise InputError(f"file name {name!r} is not allowed: give a plain file name")
    base = _UNSAFE_NAME_CHARS.sub("_", base).rstrip(" .")
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(
            f"{base}: unsupported file type {suffix or '(no extension)'} (use {SUPPORTED_LIST})"
        )
    return base


def uploads_dir(settings: Settings) -> Path:
    """Where uploaded articles are kept: ``<index_dir>/uploads``."""
    return Path(settings.index_dir) / UPLOADS


def store_upload(settings: Settings, name: str | None, data: bytes) -> Path:
    """Check and save one uploaded file under ``<index_dir>/uploads``; returns its path."""
    filename = safe_filename(name)
    if len(data) > settings.max_upload_bytes:
        raise InputTooLargeError(
            f"{filename} is {len(data):,} bytes, over the upload limit of "
            f"{settings.max_upload_bytes:,} (raise RAG_MAX_UPLOAD_BYTES)"
        )
    folder = uploads_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    return target


def index_uploads(service: RagService, paths: list[Path], progress: Any = None) -> dict[str, Any]:
    """Index saved uploads; files that yield no article are deleted again.

    Raises :class:`InputError` when nothing at all could be read.
    """
    report = service.index(paths, wait_s=INDEX_WAIT_S, progress=progress)
    skipped = [
        {"file": Path(s.path).name, "line": s.line, "reason": s.reason} for s in report.skipped
    ]
    read_from = {Path(s.path) for s in report.skipped}
    indexed_ids = set(report.added) | set(report.updated)
    catalogue = {d.doc_id: d for d in service.documents()}
    kept_paths = {Path(d.path) for d in catalogue.values() if d.path}
    for path in paths:
        if path in read_from and path not in kept_paths:
            path.unlink(missing_ok=True)
    if skipped and not indexed_ids and not report.unchanged:
        first = report.skipped[0]
        raise InputError(
            f"nothing indexed: {first.message.replace(str(first.path), Path(first.path).name)}"
        )
    return {
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": skipped,
        "passages_written": report.chunks_written,
        "documents": [document_dict(catalogue[d]) for d in sorted(indexed_ids) if d in catalogue],
        # articles an uploaded file held before and no longer does: still indexed (uploads
        # never delete), removed with DELETE /api/documents/{doc_id}
        "stale": sorted(report.stale),
        # articles indexed without a date, as the date they gave could not be read
        "unread_dates": [{"doc_id": d, "date": written} for d, _, written in report.unread_dates],
        # articles read before from another file and now replaced by an upload of the same
        # id (the id is the file name): the earlier text is no longer indexed
        "replaced": [
            {"doc_id": doc_id, "before": before, "now": Path(now).name}
            for doc_id, before, now in report.replaced
        ],
    }


def delete_document(service: RagService, doc_id: str) -> None:
    """Remove a document; its uploaded file goes too when no other document came from it."""
    catalogue = {d.doc_id: d for d in service.documents()}
    info = catalogue.get(doc_id)
    service.remove([doc_id])
    if info is None or not info.path:
        return
    path = Path(info.path)
    folder = uploads_dir(service.settings).resolve()
    others = [d for d in catalogue.values() if d.doc_id != doc_id and d.path == info.path]
    if not others and path.resolve().parent == folder:
        path.unlink(missing_ok=True)


def document_dict(info: DocumentInfo) -> dict[str, Any]:
    """A catalogue entry as JSON (the server-side file path left out)."""
    data = asdict(info)
    data.pop("path", None)
    data["passages"] = data.pop("chunks")
    return data


# --- request bodies --------------------------------------------------------------------------


class Turn(BaseModel):
    """One earlier message of the conversation."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(examples=["user"])
    content: str


class AnswerRequest(BaseModel):
    """``POST /api/answer`` and ``/api/answer/stream``."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(examples=["Who led Russia's delegation in Abu Dhabi?"])
    history: list[Turn] | None = None
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, strict=True)
    filters: FiltersIn | None = None


def _filters(filters: FiltersIn | None) -> Filters | None:
    if filters is None:
        return None
    return make_filters(filters.doc_ids, filters.date_from, filters.date_to, filters.as_of)


def _history(turns: list[Turn] | None) -> list[dict] | None:
    return [t.model_dump() for t in turns] if turns else None


# --- errors ----------------------------------------------------------------------------------


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one error shape of the API (``type`` mirrors ``code`` for OpenAI clients)."""
    return {"error": {"code": code, "message": message, "type": code}}


def _error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


BODY_EXAMPLE = '{"question": "..."}'
OPENAI_BODY_EXAMPLE = '{"messages": [{"role": "user", "content": "..."}]}'


def _validation_message(exc: RequestValidationError, request: Request) -> str:
    errors = exc.errors()
    first = errors[0] if errors else {}
    example = OPENAI_BODY_EXAMPLE if request.url.path.startswith("/v1/") else BODY_EXAMPLE
    if first.get("type") == "json_invalid":
        return f"the request body is not valid JSON: send an object such as {example}"
    if tuple(first.get("loc", ())) == ("body",):
        sent_json = "json" in request.headers.get("content-type", "")
        hint = "" if sent_json else " with Content-Type: application/json"
        return f"the request body must be a JSON object such as {example}{hint}"
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Turn every error into ``{"error": {"code", "message"}}`` with a fitting status."""

    @app.exception_handler(RagError)
    async def rag_error(request: Request, exc: RagError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        if isinstance(exc, MethodNotAllowed):
            headers = {"Allow": ", ".join(exc.allowed)}
        if exc.http_status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return _error(exc.http_status, exc.code, str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(400, "bad_request", _validation_message(exc, request))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus else "error"
        code = phrase.lower().replace(" ", "_").replace("-", "_")
        message = exc.detail if isinstance(exc.detail, str) else phrase
        return _error(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, "internal_error", "internal server error: see the server log")


class UploadSizeLimit:
    """Refuses an upload whose Content-Length is over the limit before reading the body."""

    def __init__(self, app: Any, max_bytes: int, path: str = "/api/documents") -> None:
        self.app = app
        self.max_bytes = max_bytes + MULTIPART_SLACK
        self.path = path

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == self.path:
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                response = _error(
                    413,
                    InputTooLargeError.code,
                    f"upload is {int(length):,} bytes, over the limit of "
                    f"{self.max_bytes - MULTIPART_SLACK:,} (raise RAG_MAX_UPLOAD_BYTES)",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# --- auth ------------------------------------------------------------------------------------


def token_checker(service: RagService):
    """A dependency that enforces ``Authorization: Bearer <RAG_API_TOKEN>`` when one is set."""
    secret = service.settings.api_token
    expected = secret.get_secret_value().encode() if secret else None

    def check(request: Request) -> None:
        if expected is None:
            return
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise Unauthorized(
                "missing or wrong API token: send the header 'Authorization: Bearer <token>' "
                "with the server's RAG_API_TOKEN"
            )

    return check


# --- streaming -------------------------------------------------------------------------------


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _started(stream: Iterator[str | Answer]) -> Iterator[str | Answer]:
    """Run the stream up to its first item now, so bad input fails before the 200 is sent."""
    first = next(stream)
    return chain([first], stream)


def _guarded(events: Iterator[str], on_error) -> Iterator[str]:
    try:
        yield from events
    except RagError as exc:
        yield on_error(exc)
    except Exception:
        log.exception("stream failed")
        yield on_error(RagError("internal server error: see the server log"))


# --- routes ----------------------------------------------------------------------------------


def api_router(service: RagService) -> APIRouter:
    """``/api``: answers, streaming answers, health and the document catalogue."""
    router = APIRouter(prefix="/api", dependencies=[Depends(token_checker(service))])

    @router.get("/health", tags=["service"])
    def health() -> dict[str, Any]:
        """Index size, models and versions (503 when the index cannot be opened)."""
        return service.health()

    @router.post("/answer", tags=["answers"])
    def answer(body: AnswerRequest) -> dict[str, Any]:
        """A cited answer: the answer contract (see docs/api.md)."""
        result = service.answer(
            body.question, _history(body.history), body.top_k, _filters(body.filters)
        )
        return result.to_dict()

    @router.post(
        "/answer/stream",
        tags=["answers"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def answer_stream(body: AnswerRequest) -> StreamingResponse:
        """Server-sent events: ``delta`` events ``{"text"}``, then one ``answer`` event."""
        stream = _started(
            service.answer_stream(
                body.question, _history(body.history), body.top_k, _filters(body.filters)
            )
        )

        def events() -> Iterator[str]:
            for item in stream:
                if isinstance(item, Answer):
                    yield _sse("answer", item.to_dict())
                elif isinstance(item, Preview):
                    yield _sse("sources", item.extractive.to_dict())
                else:
                    yield _sse("delta", {"text": item})

        def on_error(exc: RagError) -> str:
            return _sse("error", error_body(exc.code, str(exc)))

        return StreamingResponse(
            _guarded(events(), on_error),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @router.get("/documents", tags=["documents"])
    def documents() -> dict[str, Any]:
        """The indexed articles, newest first."""
        docs = [document_dict(d) for d in service.documents()]
        return {"documents": docs, "count": len(docs)}

    @router.post("/documents", tags=["documents"], status_code=201)
    def upload(
        files: Annotated[list[UploadFile], File(description=f"articles: {SUPPORTED_LIST}")],
    ) -> dict[str, Any]:
        """Upload and index articles (multipart field ``files``, repeatable)."""
        limit = service.settings.max_upload_bytes
        saved = []
        for upload_file in files:
            data = upload_file.file.read(limit + 1)
            saved.append(store_upload(service.settings, upload_file.filename, data))
        return index_uploads(service, saved)

    @router.delete("/documents/{doc_id}", tags=["documents"])
    def delete(doc_id: str) -> dict[str, Any]:
        """Delete one article from the index (404 when the id is unknown)."""
        delete_document(service, doc_id)
        return {"removed": [doc_id]}

    @router.api_route(
        "/{rest:path}",
        methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
        include_in_schema=False,
    )
    def unknown(rest: str, request: Request) -> None:
        allowed = sorted(
            method
            for route in router.routes
            if isinstance(route, APIRoute)
            and route.endpoint is not unknown
            and route.path_regex.match(request.url.path)
            for method in route.methods - {"HEAD"}
        )
        if allowed:
            raise MethodNotAllowed(
                f"{request.method} is not allowed on /api/{rest}: use {' or '.join(allowed)}",
                allowed,
            )
        raise NotFoundError(f"no API route {request.method} /api/{rest}: see /docs")

    return router


def openai_router(service: RagService) -> APIRouter:
    """``/v1``: OpenAI-compatible chat completions and model list."""
    router = APIRouter(prefix="/v1", dependencies=[Depends(token_checker(service))])

    @router.get("/models", tags=["openai"])
    def models() -> dict[str, Any]:
        """The one model: ``rag``."""
        return openai_compat.models()

    @router.post("/chat/completions", tags=["openai"])
    def chat_completions(body: ChatRequest) -> Any:
        """OpenAI chat completions; ``citations`` and ``rag`` are extra top-level fields."""
        question, history = openai_compat.split_messages(body.messages)
        filters = _filters(body.filters)
        if not body.stream:
            result = service.answer(question, history or None, body.top_k, filters)
            return openai_compat.completion(result, body.model)
        stream = _started(service.answer_stream(question, history or None, body.top_k, filters))
        writer = openai_compat.ChunkWriter(body.model)

        def data(obj: dict[str, Any]) -> str:
            return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

        def events() -> Iterator[str]:
            # An OpenAI client shows every streamed piece and can take none back, so only
            # the verified answer is sent: the model's own tokens, which verification may
            # still correct or remove, go to /api/answer/stream, whose clients replace them.
            yield data(writer.role())
            for item in stream:
                if isinstance(item, Answer):
                    if item.answer:
                        yield data(writer.delta(item.answer))
                    yield data(writer.final(item, item.answer))
            yield "data: [DONE]\n\n"

        def on_error(exc: RagError) -> str:
            return data(error_body(exc.code, str(exc))) + "data: [DONE]\n\n"

        return StreamingResponse(
            _guarded(events(), on_error),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
