"""The ``rag`` command, in-process (same code path as the console script)."""

import json
import os
import subprocess
import sys

from rag.cli import main
from tests.conftest import ABU_DHABI_DOC, REPO


def _env_index(monkeypatch, index_dir):
    monkeypatch.setenv("RAG_INDEX_DIR", str(index_dir))


def test_index_ask_json_remove_round_trip(tmp_path, seed_copy, monkeypatch, capsys):
    _env_index(monkeypatch, tmp_path / "idx")
    assert main(["index", str(seed_copy)]) == 0
    assert "indexed 5 new" in capsys.readouterr().out
    assert main(["ask", "Who led Russia's delegation in Abu Dhabi?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "Kostyukov" in data["answer"]
    assert ABU_DHABI_DOC in {c["doc_id"] for c in data["citations"]}
    assert main(["remove", ABU_DHABI_DOC, "no-such-doc"]) == 2
    assert "(nothing was removed)" in capsys.readouterr().err
    assert main(["remove", ABU_DHABI_DOC]) == 0
    assert "removed 1" in capsys.readouterr().out
    assert main(["documents"]) == 0
    assert ABU_DHABI_DOC not in capsys.readouterr().out


def test_errors_are_one_line_with_an_exit_code(tmp_path, monkeypatch, capsys):
    _env_index(monkeypatch, tmp_path / "idx")
    assert main(["ask", "   "]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert main(["index", str(tmp_path / "missing")]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "idx").exists(), "a failed first index leaves no empty index"
    assert main(["ask", "x", "--from", "yesterday"]) == 2
    assert "--from 'yesterday' is not a date" in capsys.readouterr().err  # the flag typed


def test_a_missing_or_empty_index_is_an_error_not_a_refusal(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "no-such-index"
    _env_index(monkeypatch, missing)
    for command in (["ask", "Who led Russia's delegation?"], ["documents"], ["remove", "x"]):
        assert main(command) == 2
        assert "no index at" in capsys.readouterr().err
    assert not missing.exists()  # nothing made where the user mistyped
    missing.mkdir()
    assert main(["ask", "Who led Russia's delegation?"]) == 2
    assert "holds no articles" in capsys.readouterr().err
    from rag.lock import index_lock

    with index_lock(missing):  # a `rag index --rebuild` at work: it starts empty
        assert main(["ask", "Who led Russia's delegation?"]) == 2
    assert "being written" in capsys.readouterr().err


def test_an_unknown_document_or_a_reversed_date_range_is_an_error(
    seeded_index, monkeypatch, capsys
):
    _env_index(monkeypatch, seeded_index)
    assert main(["ask", "Who led Russia's delegation?", "--doc", "no-such-doc"]) == 2
    assert "no indexed document with id 'no-such-doc'" in capsys.readouterr().err
    assert main(["ask", "x", "--from", "2026-05-01", "--to", "2026-01-01"]) == 2
    assert "swap them" in capsys.readouterr().err


def test_a_folder_without_articles_is_an_error_and_the_index_is_kept(
    seeded_index, tmp_path, monkeypatch, capsys
):
    _env_index(monkeypatch, seeded_index)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["index", str(empty)]) == 2
    assert capsys.readouterr().err.startswith(f"error: no articles found in {empty}: give")
    other_types = tmp_path / "pdfs"
    other_types.mkdir()
    (other_types / "report.pdf").write_bytes(b"%PDF-1.4 not read")
    assert main(["index", str(other_types)]) == 2
    assert "(1 file(s) of other types ignored)" in capsys.readouterr().err
    assert main(["documents", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 5


def test_an_article_replaced_by_a_same_named_file_elsewhere_is_warned(
    tmp_path, monkeypatch, capsys
):
    _env_index(monkeypatch, tmp_path / "idx")
    first, second = tmp_path / "monday", tmp_path / "tuesday"
    for folder, day in ((first, "Monday"), (second, "Tuesday")):
        folder.mkdir()
        (folder / "harbour.txt").write_text(
            f"Harbour Reopens\n\nThe harbour in Portvale reopened on {day}.\n", encoding="utf-8"
        )
    assert main(["index", str(first)]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["index", str(second)]) == 0
    err = capsys.readouterr().err
    assert f"{second / 'harbour.txt'} replaced the article 'harbour'" in err
    assert str(first / "harbour.txt") in err and err.count("\n") == 1


def test_a_date_that_cannot_be_read_is_warned_and_the_article_indexed(
    tmp_path, monkeypatch, capsys
):
    _env_index(monkeypatch, tmp_path / "idx")
    feed = tmp_path / "feed.jsonl"
    records = [
        {"id": "strike", "title": "Strike", "date": "03/04/2024", "text": "Ferry staff struck."},
        {"id": "council", "title": "Council", "date": "22/03/2024", "text": "It met at noon."},
    ]
    feed.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    assert main(["index", str(feed)]) == 0
    err = capsys.readouterr().err
    assert f"{feed}: could not read the date '03/04/2024' of 'strike'" in err
    assert "YYYY-MM-DD" in err and "council" not in err
    assert main(["documents", "--json"]) == 0
    dates = {d["doc_id"]: d["date"] for d in json.loads(capsys.readouterr().out)}
    assert dates == {"strike": None, "council": "2024-03-22"}


def test_reindexing_after_a_file_is_deleted_says_to_prune(tmp_path, monkeypatch, capsys):
    _env_index(monkeypatch, tmp_path / "idx")
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("harbour", "bridge"):
        (folder / f"{name}.txt").write_text(
            f"The {name} story\n\nThe {name} in Portvale reopened on Monday.\n", encoding="utf-8"
        )
    assert main(["index", str(folder)]) == 0
    (folder / "bridge.txt").unlink()
    capsys.readouterr()
    assert main(["index", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "note: still indexed but no longer in their files: bridge;" in err
    assert "`rag index --prune`" in err
    assert main(["index", "--prune", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "note:" not in captured.err and "1 removed" in captured.out


def test_serve_on_a_busy_port_is_one_line(tmp_path, capsys):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        flags = ["--host", "127.0.0.1", "--port", str(port), "--index-dir", str(tmp_path)]
        code = main(["serve", *flags])
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"error: port {port} is in use by another program: pass --port (or stop it)\n"


def test_flags_beat_env_vars_and_secrets_are_hidden(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_LLM_API_KEY", "sk-very-secret")
    assert main(["config", "--top-k", "3"]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert shown["top_k"] == 3
    assert "sk-very-secret" not in out and shown["llm_api_key"] == "**********"


def test_config_leads_with_the_answerer_in_force(monkeypatch, capsys):
    monkeypatch.setenv("RAG_ANSWERER", "extractive")
    assert main(["config"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert next(iter(shown)) == "answers_with" and shown["answers_with"] == "extractive"
    assert shown["llm_model"].startswith("local/"), "the configured model is still shown"
    monkeypatch.delenv("RAG_ANSWERER")
    assert main(["config", "--model", "gpt-4o-mini"]) == 0
    assert json.loads(capsys.readouterr().out)["answers_with"] == "gpt-4o-mini"


def test_a_reader_that_leaves_early_ends_the_command_quietly(monkeypatch, capsys):
    # `rag eval --compare A B | head`: the pipe closes while the command still prints.
    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["config"]) == 141
    assert capsys.readouterr().err == ""


def test_bad_env_value_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("RAG_TOP_K", "many")
    assert main(["config"]) == 2
    assert "top_k" in capsys.readouterr().err


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys, rag, rag.cli; rag.cli.build_parser(); "
        "heavy = {'torch', 'chromadb', 'sentence_transformers', 'litellm', 'gradio'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ},
    ).stdout
    assert out.strip() == "[]"


def test_every_command_in_the_parser_has_a_handler():
    from rag.cli import COMMANDS, build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert set(subparsers.choices) == set(COMMANDS)


def test_every_common_flag_sets_a_settings_field():
    import argparse

    from rag.cli_args import SETTINGS_FLAGS, add_common_args
    from rag.settings import Settings

    parser = argparse.ArgumentParser()
    add_common_args(parser)
    dests = {action.dest for action in parser._actions} - {"help", "config"}
    assert dests == set(SETTINGS_FLAGS)
    assert dests <= set(Settings.model_fields)


def test_serve_flags_reach_the_settings(tmp_path, monkeypatch):
    import rag.server
    from rag.cli import build_parser

    served = []
    monkeypatch.setattr(rag.server, "serve", served.append)
    args = build_parser().parse_args(
        ["serve", "--index-dir", str(tmp_path), "--host", "0.0.0.0", "--port", "9123"]
    )
    assert rag.server.run_serve(args) == 0
    (settings,) = served
    assert (settings.host, settings.port, settings.index_dir) == ("0.0.0.0", 9123, tmp_path)
