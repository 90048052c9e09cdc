"""The HTTP API against a real server over a real index: /api, /v1, errors, uploads, auth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import httpx
import pytest

from rag.server import add_serve_parser, public_url, startup_warning
from tests.conftest import ABU_DHABI_DOC, PARIS_DOC, make_settings

pytest_plugins = ["tests.conftest_server"]
pytestmark = pytest.mark.slow

QUESTION = "Who led Russia's delegation in Abu Dhabi?"
FOLLOW_UP = "And who led Ukraine's?"
CONTRACT_KEYS = {
    "question",
    "answer",
    "abstained",
    "citations",
    "retrieved",
    "model",
    "timings_ms",
    "search_query",
    "notice",
    "invalid_citations",
    "unsupported_claims",
    "recited_claims",
}
ARTICLE = (
    "Valmora harbour board backs night ferry\n\n"
    "The Valmora harbour board approved a night ferry service on Tuesday. The ferry will be "
    "run by Brightwater Lines from 3 March, the board said.\n\n"
    "Harbour master Ines Okafor said the crossing would take ninety minutes.\n"
)


@pytest.fixture(scope="module")
def api(live_server) -> httpx.Client:
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


def sse_events(text: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a server-sent-events body."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


# --- answers ---------------------------------------------------------------------------------


def test_answer_cites_the_abu_dhabi_article(api):
    response = api.post("/api/answer", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT_KEYS
    assert "Kostyukov" in body["answer"]
    assert not body["abstained"]
    assert ABU_DHABI_DOC in [c["doc_id"] for c in body["citations"]]
    for citation in body["citations"]:
        assert citation["quote"] in citation["text"]
        assert f"[{citation['n']}]" in body["answer"]


def test_answer_follow_up_uses_history(api):
    first = api.post("/api/answer", json={"question": QUESTION}).json()
    history = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first["answer"]},
    ]
    body = api.post("/api/answer", json={"question": FOLLOW_UP, "history": history}).json()
    assert "Umerov" in body["answer"]
    assert body["search_query"] and "Abu Dhabi" in body["search_query"]


def test_answer_filters_and_top_k(api):
    body = api.post(
        "/api/answer",
        json={"question": QUESTION, "top_k": 2, "filters": {"doc_ids": [PARIS_DOC]}},
    ).json()
    assert set(body["retrieved"]) == {PARIS_DOC}
    assert len(body["retrieved"]) <= 2
    assert all(c["doc_id"] == PARIS_DOC for c in body["citations"])


def test_answer_stream_sends_deltas_then_the_contract(api):
    response = api.post("/api/answer/stream", json={"question": QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"} and len(kinds) >= 2
    final = events[-1][1]
    assert set(final) == CONTRACT_KEYS
    assert "".join(data["text"] for _, data in events[:-1]) == final["answer"]
    assert ABU_DHABI_DOC in [c["doc_id"] for c in final["citations"]]


def test_health_documents_and_docs(api):
    health = api.get("/api/health").json()
    assert health["status"] == "ok" and health["documents"] == 5
    assert health["embedding_backend"] in ("openvino", "torch")
    docs = api.get("/api/documents").json()
    assert docs["count"] == 5
    entry = next(d for d in docs["documents"] if d["doc_id"] == ABU_DHABI_DOC)
    assert entry["title"].startswith("Russian, Ukrainian, and US envoys")
    assert entry["passages"] >= 1 and "path" not in entry
    assert api.get("/docs").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/answer", "/api/answer/stream", "/v1/chat/completions", "/v1/models"} <= set(paths)


# --- OpenAI compatibility --------------------------------------------------------------------


@pytest.fixture(scope="module")
def openai_client(live_server):
    from openai import OpenAI

    return OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0)


def test_openai_client_plain(openai_client):
    completion = openai_client.chat.completions.create(
        model="rag", messages=[{"role": "user", "content": QUESTION}]
    )
    assert "Kostyukov" in completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    extra = completion.model_extra
    assert ABU_DHABI_DOC in [c["doc_id"] for c in extra["citations"]]
    assert extra["rag"]["answer"] == completion.choices[0].message.content


def test_openai_client_history(openai_client):
    completion = openai_client.chat.completions.create(
        model="rag",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "Igor Kostyukov [1]."},
            {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
        ],
    )
    assert "Umerov" in completion.choices[0].message.content


def test_openai_client_stream(openai_client):
    stream = openai_client.chat.completions.create(
        model="rag", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "Kostyukov" in text
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert ABU_DHABI_DOC in [c["doc_id"] for c in final.model_extra["citations"]]
    assert final.model_extra["rag"]["answer"] == text


def test_openai_models(openai_client):
    assert [m.id for m in openai_client.models.list()] == ["rag"]


# --- errors ----------------------------------------------------------------------------------


def test_error_shapes(api, live_server):
    assert_error(api.post("/api/answer", json={"question": "   "}), 400, "bad_request")
    long_question = "x" * (live_server.service.settings.max_question_chars + 1)
    assert_error(api.post("/api/answer", json={"question": long_question}), 413, "too_large")
    assert_error(api.post("/api/answer", json={}), 400, "bad_request")
    assert_error(api.post("/api/answer", json={"question": "q", "top_k": 0}), 400, "bad_request")
    # true is no number of passages (pydantic's lax mode read it as 1)
    for not_a_count in (True, "3", 2.5):
        body = {"question": "q", "top_k": not_a_count}
        assert_error(api.post("/api/answer", json=body), 400, "bad_request")
    assert_error(api.post("/api/answer", content=b"{not json"), 400, "bad_request")
    bad_date = {"question": QUESTION, "filters": {"date_from": "last week"}}
    assert_error(api.post("/api/answer", json=bad_date), 400, "bad_request")
    bad_as_of = {"question": QUESTION, "filters": {"as_of": "last week"}}
    assert_error(api.post("/api/answer", json=bad_as_of), 400, "bad_request")
    bad_history = {"question": QUESTION, "history": [{"role": "robot", "content": "hi"}]}
    assert_error(api.post("/api/answer", json=bad_history), 400, "bad_request")
    assert_error(api.delete("/api/documents/no-such-doc"), 404, "not_found")
    assert_error(api.get("/api/no-such-route"), 404, "not_found")
    assert_error(api.post("/api/answer/stream", json={"question": ""}), 400, "bad_request")
    no_user = {"model": "rag", "messages": [{"role": "system", "content": "hi"}]}
    assert_error(api.post("/v1/chat/completions", json=no_user), 400, "bad_request")
    assert_error(api.post("/v1/chat/completions", json={"messages": []}), 400, "bad_request")


def test_a_body_of_the_wrong_shape_or_method_says_what_to_send(api):
    json_type = {"content-type": "application/json"}
    bare = assert_error(
        api.post("/api/answer", content=b"17", headers=json_type), 400, "bad_request"
    )
    assert bare["error"]["message"] == (
        'the request body must be a JSON object such as {"question": "..."}'
    )
    untyped = assert_error(
        api.post("/api/answer", content=b'{"question": "q"}'), 400, "bad_request"
    )
    assert untyped["error"]["message"].endswith("with Content-Type: application/json")
    broken = assert_error(
        api.post("/api/answer", content=b"{x", headers=json_type), 400, "bad_request"
    )
    assert broken["error"]["message"].startswith("the request body is not valid JSON")
    openai_broken = assert_error(
        api.post("/v1/chat/completions", content=b"{x", headers=json_type), 400, "bad_request"
    )
    assert '{"messages": [' in openai_broken["error"]["message"]  # the /v1 shape, not /api's
    wrong_method = api.get("/api/answer")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert wrong_method.headers["allow"] == "POST"
    assert_error(api.delete("/api/documents"), 405, "method_not_allowed")
    unknown_doc = {"question": QUESTION, "filters": {"doc_ids": ["no-such-doc"]}}
    assert_error(api.post("/api/answer", json=unknown_doc), 404, "not_found")


@pytest.mark.parametrize(
    "name", ["evil.exe", "../escape.txt", "..", ".hidden.txt", "noext", "a/../../b.md"]
)
def test_upload_rejects_bad_file_names(writable, name):
    server, client = writable
    response = client.post("/api/documents", files={"files": (name, b"Title\n\nSome body text.")})
    assert_error(response, 400, "bad_request")
    assert not any((server.index_dir / "uploads").glob("*"))


# --- uploads ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def writable(start_server):
    server = start_server(max_upload_bytes=4000)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield server, client


def test_upload_list_answer_delete(writable):
    server, client = writable
    response = client.post(
        "/api/documents", files={"files": ("sub/dir/ferry-news.txt", ARTICLE.encode())}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["added"] == ["ferry-news"]
    assert body["documents"][0]["title"] == "Valmora harbour board backs night ferry"
    saved = server.index_dir / "uploads" / "ferry-news.txt"
    assert saved.read_text(encoding="utf-8") == ARTICLE

    ids = [d["doc_id"] for d in client.get("/api/documents").json()["documents"]]
    assert "ferry-news" in ids and len(ids) == 6
    answer = client.post(
        "/api/answer", json={"question": "Who will run the Valmora night ferry?"}
    ).json()
    assert "Brightwater" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "ferry-news"

    again = client.post("/api/documents", files={"files": ("ferry-news.txt", ARTICLE.encode())})
    assert again.status_code == 201 and again.json()["unchanged"] == 1

    assert client.delete("/api/documents/ferry-news").json() == {"removed": ["ferry-news"]}
    assert not saved.exists()
    ids = [d["doc_id"] for d in client.get("/api/documents").json()["documents"]]
    assert "ferry-news" not in ids
    assert_error(client.delete("/api/documents/ferry-news"), 404, "not_found")


def test_a_feed_uploaded_again_without_a_record_names_it_stale(writable):
    _, client = writable
    first = "\n".join(
        json.dumps({"id": f"wire-{n}", "title": f"Wire {n}", "text": f"Story {n} of the wire."})
        for n in (1, 2)
    )
    assert client.post("/api/documents", files={"files": ("wire.jsonl", first)}).json()[
        "added"
    ] == ["wire-1", "wire-2"]
    second = json.dumps({"id": "wire-1", "title": "Wire 1", "text": "Story 1 of the wire."})
    body = client.post("/api/documents", files={"files": ("wire.jsonl", second)}).json()
    assert body["stale"] == ["wire-2"], "still indexed, and the reply says so"
    ids = [d["doc_id"] for d in client.get("/api/documents").json()["documents"]]
    assert "wire-2" in ids


def test_upload_limits_and_unreadable_files(writable):
    server, client = writable
    big = b"Title\n\n" + b"word " * 1000
    response = client.post("/api/documents", files={"files": ("big.txt", big)})
    assert_error(response, 413, "too_large")
    huge = b"Title\n\n" + b"word " * 40_000  # over the limit by more than the multipart slack
    assert_error(
        client.post("/api/documents", files={"files": ("huge.txt", huge)}), 413, "too_large"
    )
    empty = client.post("/api/documents", files={"files": ("empty.txt", b"   ")})
    assert_error(empty, 400, "bad_request")
    assert not (server.index_dir / "uploads" / "empty.txt").exists()
    assert client.post("/api/documents").status_code == 400


# --- auth ------------------------------------------------------------------------------------


def test_an_upload_that_replaces_an_article_or_gives_an_unreadable_date_says_so(start_server):
    server = start_server()  # its own copy of the seed index: this upload replaces a seed
    with httpx.Client(base_url=server.url, timeout=60) as client:
        name = f"{PARIS_DOC}.txt"
        body = client.post("/api/documents", files={"files": (name, ARTICLE.encode())}).json()
        record = {"id": "strike", "title": "Strike", "date": "03/04/2024", "text": "Staff struck."}
        feed = client.post("/api/documents", files={"files": ("f.jsonl", json.dumps(record))})
    assert feed.json()["unread_dates"] == [{"doc_id": "strike", "date": "03/04/2024"}]
    assert body["updated"] == [PARIS_DOC]
    [replaced] = body["replaced"]
    assert replaced["doc_id"] == PARIS_DOC and replaced["now"] == name
    assert replaced["before"].endswith(f"seeds/{name}")


def test_token_auth(start_server):
    from openai import AuthenticationError, OpenAI

    server = start_server(api_token="s3cret-token")
    with httpx.Client(base_url=server.url, timeout=60) as client:
        response = client.get("/api/health")
        assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
        wrong = {"Authorization": "Bearer nope"}
        assert_error(client.get("/api/documents", headers=wrong), 401, "unauthorized")
        good = {"Authorization": "Bearer s3cret-token"}
        assert client.get("/api/health", headers=good).status_code == 200
        answer = client.post("/api/answer", json={"question": QUESTION}, headers=good)
        assert answer.status_code == 200
        assert_error(client.post("/v1/chat/completions", json={}), 401, "unauthorized")
        # The UI asks for the token too: the page config is not served without a login.
        assert client.get("/config").status_code == 401
        login = client.post("/login", data={"username": "me", "password": "s3cret-token"})
        assert login.status_code == 200
        assert client.get("/config").status_code == 200

    ok = OpenAI(base_url=f"{server.url}/v1", api_key="s3cret-token", max_retries=0)
    assert [m.id for m in ok.models.list()] == ["rag"]
    bad = OpenAI(base_url=f"{server.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(AuthenticationError):
        bad.models.list()


# --- rag serve -------------------------------------------------------------------------------


def test_serve_parser_and_warning(tmp_path):
    import argparse

    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    add_serve_parser(commands)
    args = parser.parse_args(["serve", "--host", "0.0.0.0", "--port", "9000", "--top-k", "3"])
    assert (args.host, args.port, args.top_k) == ("0.0.0.0", 9000, 3)

    open_settings = make_settings(tmp_path, host="0.0.0.0")
    assert "RAG_API_TOKEN" in startup_warning(open_settings)
    assert public_url(open_settings) == "http://127.0.0.1:7860/"
    assert startup_warning(make_settings(tmp_path, host="0.0.0.0", api_token="t")) is None
    assert startup_warning(make_settings(tmp_path)) is None


def test_serve_process_prints_url_and_serves(seeded_service, tmp_path):
    from tests.fake_provider import unused_port

    port = unused_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RAG_")},
        "RAG_INDEX_DIR": str(seeded_service.settings.index_dir),
        "RAG_PORT": str(port),
    }
    code = "import sys; from rag.server import run_serve, add_serve_parser; import argparse\n"
    code += "p = argparse.ArgumentParser(); c = p.add_subparsers(); add_serve_parser(c)\n"
    code += "sys.exit(run_serve(p.parse_args(['serve', '--host', '127.0.0.1'])))"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=tmp_path,  # no rag.toml here
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(120, process.kill)  # never let a stuck server hang the run
    watchdog.start()
    try:
        assert f"serving on http://127.0.0.1:{port}/" in process.stdout.readline()
        assert f"ready at http://127.0.0.1:{port}/" in process.stdout.readline()
        health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=10)
        assert health.status_code == 200 and health.json()["documents"] == 5
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        watchdog.cancel()
        process.terminate()
        process.communicate(timeout=30)
