"""Prompt templates: rendering, missing variables, bad templates, caching."""

import os

import pytest

from rag.errors import ConfigError
from rag.prompts import DEFAULT_PROMPTS_DIR, load_prompt, render_prompt

SHIPPED = {
    "answer_system": {"refusal"},
    "answer_user": {"history", "passages", "question", "refusal"},
    "rewrite_query": {"history", "question"},
}


@pytest.mark.parametrize(("name", "variables"), SHIPPED.items())
def test_shipped_templates_need_exactly_their_variables(name, variables):
    template = load_prompt(name)
    assert template.path == DEFAULT_PROMPTS_DIR / f"{name}.md"
    assert template.variables == variables
    text = template.render(**{v: f"<<{v}>>" for v in variables})
    for v in variables:
        assert f"<<{v}>>" in text
    assert "{" not in text.replace("{{", "")


def test_render_fills_variables():
    text = render_prompt("answer_system", refusal="The articles don't say.")
    assert "The articles don't say." in text
    assert "[n]" in text


def test_missing_variable_is_an_error_naming_template_and_variable():
    with pytest.raises(ConfigError) as info:
        render_prompt("answer_user", history="", passages="p", refusal="r")
    assert "answer_user" in str(info.value)
    assert "'question'" in str(info.value)


def test_custom_dir_literal_braces_and_extra_variables(tmp_path):
    (tmp_path / "greet.md").write_text('Hello {name}! JSON: {{"a": 1}}\n', encoding="utf-8")
    text = render_prompt("greet.md", prompts_dir=tmp_path, name="Ada", unused="x")
    assert text == 'Hello Ada! JSON: {"a": 1}\n'


def test_values_are_not_reinterpreted(tmp_path):
    (tmp_path / "t.md").write_text("[{value}]", encoding="utf-8")
    assert render_prompt("t", tmp_path, value="{other} {0}") == "[{other} {0}]"


def test_missing_template_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.md not found.*prompts_dir"):
        load_prompt("nope", tmp_path)


@pytest.mark.parametrize("name", ["../secrets", "a/b", "", ".hidden"])
def test_template_name_must_be_plain(name, tmp_path):
    with pytest.raises(ConfigError, match="not a plain file name"):
        load_prompt(name, tmp_path)


@pytest.mark.parametrize("body", ["{0}", "{a.b}", "{a[0]}", "unclosed {brace", "stray } brace"])
def test_malformed_placeholders_are_errors(body, tmp_path):
    (tmp_path / "bad.md").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match="bad"):
        load_prompt("bad", tmp_path)


def test_templates_are_cached_until_the_file_changes(tmp_path):
    path = tmp_path / "t.md"
    path.write_text("one {x}", encoding="utf-8")
    first = load_prompt("t", tmp_path)
    assert load_prompt("t", tmp_path) is first
    path.write_text("two {x}", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_prompt("t", tmp_path).render(x=1) == "two 1"
