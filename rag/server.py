"""``rag serve``: the chat UI at ``/``, the HTTP API at ``/api`` and ``/v1``, on one port.

Gradio is mounted on a FastAPI app, so one process and one port serve both. The heavy
imports (FastAPI, Gradio, uvicorn) happen when the server is built, not at ``import rag``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import socket
import sys
from typing import TYPE_CHECKING, Any

from rag.errors import InputError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from rag.facade import RagService
    from rag.settings import Settings

log = logging.getLogger("rag.server")

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rag")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0"


def warm_up(service: RagService) -> None:
    """Load the embedding model, the index and the BM25 tables, so the first question is fast."""
    from rag.errors import RagError

    try:
        health = service.health()
        if health.get("passages"):
            service.retrieve("warm up", top_k=1)
    except RagError as exc:
        print(f"warning: {exc}", file=sys.stderr, flush=True)
    problem = service.warm_answerer()  # loads the local model now, or says why it cannot
    if problem:
        print(
            f"warning: {problem}; answering extractively until it is fixed",
            file=sys.stderr,
            flush=True,
        )


def create_app(service: RagService, warm: bool = True, ready_message: str | None = None) -> FastAPI:
    """The whole application: API routes first, then the Gradio UI mounted at ``/``.

    ``warm`` loads the model and index at startup; ``ready_message`` is printed after that.
    """
    import gradio as gr
    from fastapi import FastAPI
    from starlette.concurrency import run_in_threadpool

    from rag.api import UploadSizeLimit, api_router, install_error_handlers, openai_router
    from ui.app import build_ui, mount_options

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm:
            await run_in_threadpool(warm_up, service)
        if ready_message:
            print(ready_message, flush=True)
        yield

    app = FastAPI(
        title="rag: cited answers from news articles",
        version=_version(),
        description=(
            "Ask questions about the indexed articles and get short answers with citations. "
            "`/api` speaks the answer contract (docs/api.md); `/v1` is OpenAI-compatible. "
            "When the server has RAG_API_TOKEN set, send `Authorization: Bearer <token>`."
        ),
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(UploadSizeLimit, max_bytes=service.settings.max_upload_bytes)
    app.include_router(api_router(service))
    app.include_router(openai_router(service))
    blocks = build_ui(service)
    return gr.mount_gradio_app(app, blocks, path="/", **mount_options(service.settings))


def add_serve_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``rag serve`` to the CLI's sub-command parsers."""
    from rag.cli_args import add_common_args

    serve_parser = commands.add_parser(
        "serve", help="serve the chat UI and the HTTP API (default http://127.0.0.1:7860)"
    )
    add_common_args(serve_parser)
    serve_parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, help="port to listen on (default 7860)")
    return serve_parser


def run_serve(args: argparse.Namespace) -> int:
    """``rag serve``: settings from the flags, then :func:`serve`."""
    from rag.cli_args import settings_from_args

    serve(settings_from_args(args, host=args.host or None, port=args.port))
    return 0


def public_url(settings: Settings) -> str:
    """The address to print: a wildcard host is shown as the loopback address."""
    host = settings.host
    shown = "127.0.0.1" if host in {"0.0.0.0", ""} else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{settings.port}/"


def startup_warning(settings: Settings) -> str | None:
    """The warning to print when the server is reachable from other machines without a token."""
    if settings.host in LOOPBACK or settings.api_token is not None:
        return None
    return (
        f"warning: listening on {settings.host} without RAG_API_TOKEN: anyone who can reach "
        "this port can read, add and delete articles. Set RAG_API_TOKEN to require a token."
    )


def check_port_free(host: str, port: int) -> None:
    """:class:`InputError` when another program listens on ``host:port``; checked before the
    index loads, so a busy port is one line at once, not a bind error after "ready"."""
    if not port:
        return  # 0: the system picks a free port
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise InputError(f"cannot listen on host {host!r} ({exc.strerror}): pass --host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn does: a port left in TIME_WAIT by a server just stopped is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError(
                    f"port {port} is in use by another program: pass --port (or stop it)"
                ) from None
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror})") from None


def serve(settings: Settings) -> None:
    """Run the server until interrupted."""
    from rag.offline import apply_offline_env

    apply_offline_env()
    import uvicorn

    from rag.facade import RagService, index_missing

    warning = startup_warning(settings)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    if index_missing(settings):
        print(
            f"note: no index at {settings.index_dir} yet: serving an empty one (add articles "
            f"with `rag index FOLDER --index-dir {settings.index_dir}` or the chat's upload)",
            file=sys.stderr,
            flush=True,
        )
    check_port_free(settings.host, settings.port)
    url = public_url(settings)
    print(f"rag: serving on {url}  (API docs: {url}docs); loading the index…", flush=True)
    service = RagService(settings)
    app = create_app(service, ready_message=f"rag: ready at {url}")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
