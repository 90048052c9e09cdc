import json
import os
from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.settings import Settings, load_settings


def toml(tmp_path: Path, text: str, name: str = "rag.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_layer_beats_the_one_below(tmp_path):
    config = toml(tmp_path, "top_k = 7\ncandidates = 30\nmin_support = 0.4\n")
    env = {"RAG_CANDIDATES": "20", "RAG_MIN_SUPPORT": "0.3"}
    settings = load_settings(config_file=config, environ=env, min_support=0.2)
    assert settings.rrf_k == Settings().rrf_k  # default
    assert settings.top_k == 7  # file over default
    assert settings.candidates == 20  # env over file
    assert settings.min_support == 0.2  # override over env


def test_overrides_that_are_none_leave_lower_layers_alone(tmp_path):
    settings = load_settings(
        config_file=toml(tmp_path, "top_k = 9\n"), environ={"RAG_CANDIDATES": "11"}, top_k=None
    )
    assert (settings.top_k, settings.candidates) == (9, 11)


def test_config_file_named_by_env_or_found_in_the_working_folder(tmp_path, monkeypatch):
    named = toml(tmp_path, "top_k = 4\n", "other.toml")
    assert load_settings(environ={"RAG_CONFIG": str(named)}).top_k == 4
    monkeypatch.chdir(tmp_path)
    toml(tmp_path, "top_k = 6\n")
    assert load_settings(environ={}).top_k == 6
    assert load_settings(config_file=Path(os.devnull), environ={}).top_k == Settings().top_k


def test_settings_alone_read_neither_env_nor_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    toml(tmp_path, "top_k = 6\n")
    monkeypatch.setenv("RAG_CANDIDATES", "3")
    settings = Settings()
    assert (settings.top_k, settings.candidates) == (5, 40)
    assert load_settings().candidates == 3  # the process environment by default


def test_list_from_env_is_json(tmp_path):
    env = {"RAG_EXAMPLE_QUESTIONS": '["Who won?", "When?"]'}
    assert load_settings(config_file=Path(os.devnull), environ=env).example_questions == [
        "Who won?",
        "When?",
    ]
    env = {"RAG_EXAMPLE_QUESTIONS": "Who won?"}
    with pytest.raises(ConfigError, match=r"^RAG_EXAMPLE_QUESTIONS must be a JSON list"):
        load_settings(config_file=Path(os.devnull), environ=env)


def test_empty_env_var_is_unset():
    settings = load_settings(config_file=Path(os.devnull), environ={"RAG_TOP_K": ""})
    assert settings.top_k == Settings().top_k


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"file": "top_kk = 3\n"}, "setting 'top_kk': Extra inputs are not permitted"),
        ({"override": {"top_kk": 3}}, "setting 'top_kk': Extra inputs are not permitted"),
        ({"env": {"RAG_TOP_K": "many"}}, "setting 'top_k': Input should be a valid integer"),
        ({"file": "top_k = 0\n"}, "setting 'top_k': Input should be greater than or equal to 1"),
        ({"file": "top_k = [\n"}, "is not valid TOML"),
    ],
)
def test_mistakes_are_one_line_config_errors(tmp_path, source, message):
    config = toml(tmp_path, source.get("file", ""))
    with pytest.raises(ConfigError) as caught:
        load_settings(
            config_file=config, environ=source.get("env", {}), **source.get("override", {})
        )
    text = str(caught.value)
    assert message in text and "\n" not in text


def test_missing_config_files_say_what_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="not found: fix the path or drop --config"):
        load_settings(config_file=tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match="not found: fix or unset RAG_CONFIG"):
        load_settings(environ={"RAG_CONFIG": str(tmp_path / "nope.toml")})
    with pytest.raises(ConfigError, match="is a folder"):
        load_settings(config_file=tmp_path, environ={})


def test_secrets_from_any_layer_are_masked(tmp_path):
    config = toml(tmp_path, 'llm_api_key = "sk-from-file"\nchroma_url = "http://u:pw@host:8000"\n')
    settings = load_settings(config_file=config, environ={"RAG_API_TOKEN": "tok-from-env"})
    shown = json.dumps(settings.public_dict())
    assert "sk-from-file" not in shown and "tok-from-env" not in shown and "pw" not in shown
    assert settings.llm_api_key.get_secret_value() == "sk-from-file"
    assert settings.api_token.get_secret_value() == "tok-from-env"


def test_assignment_is_validated():
    settings = Settings()
    with pytest.raises(ValueError):
        settings.top_k = 0
