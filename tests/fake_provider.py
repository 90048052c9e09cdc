"""A fake OpenAI-compatible chat server on 127.0.0.1, for provider faults in tests.

``fake_provider`` yields a :class:`FakeProvider`; point litellm at it with model
``openai/fake-model``, ``api_base=fake.url`` and ``api_key="sk-test"``. Modes:

- ``ok``: reply with the text set by ``set_reply`` (JSON, or SSE chunks when ``stream``)
- ``slow``: wait ``delay`` seconds (default 30) before replying, to trip a timeout
- ``error500``: HTTP 500 with an OpenAI-style error body
- ``malformed``: HTTP 200 whose body (or SSE event) is not JSON
- ``empty``: a well-formed reply whose content is empty
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

MODES = ("ok", "slow", "error500", "malformed", "empty")
MODEL = "openai/fake-model"
API_KEY = "sk-test"


def unused_port() -> int:
    """A local port nothing listens on (bound and released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeProvider:
    """The server's state: what to answer, and every request it received."""

    def __init__(self) -> None:
        self.reply = "Fake answer [1]."
        self.mode = "ok"
        self.delay = 30.0
        self.requests: list[dict[str, Any]] = []
        self.released = threading.Event()  # set at shutdown to end a "slow" wait early
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def set_reply(self, text: str) -> None:
        self.reply = text

    def set_mode(self, mode: str, delay: float | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown fake provider mode {mode!r}; pick one of {MODES}")
        self.mode = mode
        if delay is not None:
            self.delay = delay

    @property
    def last_messages(self) -> list[dict[str, Any]]:
        """The ``messages`` of the last request."""
        return self.requests[-1]["body"]["messages"]

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _chunk(delta: dict[str, Any], model: str, finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _pieces(text: str) -> list[str]:
    """The text in small deltas (word by word, spaces kept)."""
    pieces, current = [], ""
    for char in text:
        current += char
        if char == " ":
            pieces.append(current)
            current = ""
    return [*pieces, current] if current else pieces


def _handler_for(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            # A client that gave up (a timeout test) leaves nothing to answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"_raw": raw.decode("utf-8", "replace")}
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, b'{"error": {"message": "no such route"}}')
                return
            mode, stream = fake.mode, bool(body.get("stream"))
            model = str(body.get("model", "fake-model"))
            if mode == "slow":
                fake.released.wait(fake.delay)
                mode = "ok"
            if mode == "error500":
                error = {"error": {"message": "fake failure", "type": "server_error"}}
                self._send(500, json.dumps(error).encode())
            elif mode == "malformed":
                if stream:
                    self._send_events([b"data: {not json at all\n\n"])
                else:
                    self._send(200, b'{"choices": [ not json')
            else:
                text = "" if mode == "empty" else fake.reply
                if stream:
                    events = [_chunk({"role": "assistant", "content": ""}, model)]
                    events += [_chunk({"content": piece}, model) for piece in _pieces(text)]
                    events.append(_chunk({}, model, finish="stop"))
                    payloads = [f"data: {json.dumps(e)}\n\n".encode() for e in events]
                    self._send_events([*payloads, b"data: [DONE]\n\n"])
                else:
                    self._send(200, json.dumps(_completion(text, model)).encode())

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _send_events(self, events: list[bytes]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for event in events:
                self.wfile.write(event)
                self.wfile.flush()
            self.close_connection = True

    return Handler


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    """A running fake OpenAI-compatible server, stopped after the test."""
    fake = FakeProvider().start()
    try:
        yield fake
    finally:
        fake.stop()
