"""Secrets stay secret (config output, errors, logs), safe defaults, pinned dependencies."""

from __future__ import annotations

import json
import logging
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.answering.llm import complete
from rag.cli import main
from rag.errors import ProviderError
from rag.settings import Settings, load_settings
from tests.conftest import REPO, make_settings
from tests.fake_provider import MODEL

SECRET_KEY = "sk-live-0123456789abcdefSECRET"
SECRET_TOKEN = "tok-0123456789SECRET"
MESSAGES = [{"role": "user", "content": "Who led Russia's delegation in Abu Dhabi?"}]


class _EchoKeyHandler(BaseHTTPRequestHandler):
    """Fails every request and, like some providers do, repeats the key it was sent."""

    protocol_version = "HTTP/1.1"
    status = 401

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        message = f"Incorrect API key provided: {key}. You can find your API key at example.org"
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}})
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())


@pytest.fixture
def echo_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoKeyHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/v1"


# Configuration output ----------------------------------------------------------------


def test_rag_config_redacts_every_secret(tmp_path, monkeypatch, capsys):
    config = tmp_path / "rag.toml"
    config.write_text(f'llm_api_key = "{SECRET_KEY}"\n', encoding="utf-8")
    monkeypatch.setenv("RAG_API_TOKEN", SECRET_TOKEN)
    assert main(["config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert shown["llm_api_key"] == shown["api_token"] == "**********"
    assert SECRET_KEY not in out and SECRET_TOKEN not in out


def test_settings_never_print_secrets():
    settings = Settings(llm_api_key=SECRET_KEY, api_token=SECRET_TOKEN)
    for text in (str(settings), repr(settings), json.dumps(settings.public_dict())):
        assert SECRET_KEY not in text and SECRET_TOKEN not in text


def test_server_listens_on_localhost_by_default():
    assert Settings().host == "127.0.0.1"
    assert load_settings(config_file=None, environ={}).host == "127.0.0.1"


# Provider failures -------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 400, 500])
def test_api_key_is_never_in_provider_errors_or_logs(tmp_path, echo_server, caplog, status):
    echo_server.status = status  # type: ignore[attr-defined]
    settings = make_settings(
        tmp_path,
        llm_model=MODEL,
        llm_api_base=_url(echo_server),
        llm_api_key=SECRET_KEY,
        llm_timeout_s=5,
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as caught:
        complete(MESSAGES, settings)
    message = str(caught.value)
    assert f"HTTP {status}" in message or "refused the API key" in message
    assert SECRET_KEY not in message and SECRET_KEY[:16] not in message
    assert "\n" not in message
    assert SECRET_KEY not in caplog.text


def test_fallback_notice_does_not_leak_the_key(seeded_service, echo_server, caplog):
    echo_server.status = 500  # type: ignore[attr-defined]
    settings = make_settings(
        seeded_service.settings.index_dir,
        llm_model=MODEL,
        llm_api_base=_url(echo_server),
        llm_api_key=SECRET_KEY,
        llm_timeout_s=5,
    )
    from rag.facade import RagService

    caplog.set_level(logging.DEBUG)
    answer = RagService(settings, embedder=seeded_service.embedder).answer(MESSAGES[0]["content"])
    assert answer.model == "extractive" and answer.notice
    assert SECRET_KEY not in json.dumps(answer.to_dict())
    assert SECRET_KEY not in caplog.text


# Dependencies ------------------------------------------------------------------------


def test_dependencies_are_pinned_or_bounded_and_come_from_the_registry():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    for requirement in requirements:
        assert "://" not in requirement and "git+" not in requirement, requirement
        assert any(op in requirement for op in ("==", ">=", "<")), f"unbounded: {requirement}"


def test_config_output_hides_credentials_inside_urls(monkeypatch, capsys):
    from rag.cli import main

    monkeypatch.setenv("RAG_CHROMA_URL", "http://admin:hunter2@127.0.0.1:8000")
    monkeypatch.setenv("RAG_LLM_API_BASE", "https://user:pa55@llm.example.org/v1")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out and "pa55" not in out
    assert "http://***@127.0.0.1:8000" in out
