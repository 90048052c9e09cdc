"""The Python API as the README gives it: its snippets run as written, again and again."""

from __future__ import annotations

import os
import pkgutil
import re
from pathlib import Path

import pytest

import rag
from tests.conftest import REPO

README = REPO / "README.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def readme_snippets() -> list[str]:
    """The README's ```python blocks, in order."""
    return PYTHON_BLOCK.findall(README.read_text(encoding="utf-8"))


def test_no_public_name_is_also_a_submodule():
    # Importing a submodule binds it on the package: a submodule named like a public
    # function (rag/service.py beside rag.service()) replaces the function on first import.
    submodules = {m.name for m in pkgutil.iter_modules(rag.__path__)}
    assert submodules, "found no submodules of rag"
    assert sorted(submodules & set(rag.__all__)) == []


@pytest.mark.slow
def test_readme_snippets_run_as_written_twice(
    tmp_path, seeded_index, seed_copy, shared_model, monkeypatch, capsys
):
    # The snippets use ./index (the seeds, indexed) and index articles/ into my-index.
    assert seeded_index == tmp_path / "index" and seed_copy == tmp_path / "articles"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(rag, "_services", {})
    snippets = readme_snippets()
    assert snippets, "README.md has no ```python blocks"
    for round_ in range(2):
        for number, code in enumerate(snippets, start=1):
            namespace: dict[str, object] = {"__name__": f"readme_snippet_{number}"}
            exec(compile(code, f"README.md python block {number}", "exec"), namespace)
        out = capsys.readouterr().out
        assert "Kostyukov" in out, f"round {round_ + 1} printed {out!r}"
    assert (tmp_path / "my-index").is_dir()
    assert callable(rag.service) and callable(rag.answer)
    svc = rag.service(index_dir="my-index")
    assert svc is rag.service(index_dir=str(tmp_path / "my-index"))
    assert len(svc.documents()) == len(list(seed_copy.iterdir()))


def test_service_overrides_apply_on_top_of_given_settings(tmp_path, monkeypatch):
    monkeypatch.setattr(rag, "_services", {})
    monkeypatch.chdir(tmp_path)
    base = rag.load_settings(config_file=Path(os.devnull), environ={}, top_k=4)
    assert rag.service(base).settings.top_k == 4
    tuned = rag.service(base, top_k=2, index_dir="other")
    assert tuned.settings.top_k == 2 and tuned.settings.index_dir == tmp_path / "other"
    assert rag.service(base) is rag.service(base) and rag.service(base) is not tuned
    with pytest.raises(rag.RagError, match="top_k"):
        rag.service(base, top_k=0)


def test_the_service_takes_the_same_limits_as_rag_answer(seeded_service):
    from rag.retrieve import make_filters
    from tests.conftest import ABU_DHABI_DOC

    others = [d.doc_id for d in seeded_service.documents() if d.doc_id != ABU_DHABI_DOC]
    question = "Who led Russia's delegation in Abu Dhabi?"
    limited = seeded_service.answer(question, doc_ids=others)
    assert ABU_DHABI_DOC not in limited.retrieved and "Kostyukov" not in limited.answer
    passages = seeded_service.retrieve(question, doc_ids=[ABU_DHABI_DOC])
    assert passages and {p.chunk.doc_id for p in passages} == {ABU_DHABI_DOC}
    streamed = list(seeded_service.answer_stream(question, doc_ids=[ABU_DHABI_DOC]))
    assert set(streamed[-1].retrieved) == {ABU_DHABI_DOC}
    with pytest.raises(rag.RagError, match="swap them"):
        seeded_service.answer(question, date_from="2026-05-01", date_to="2026-01-01")
    with pytest.raises(rag.RagError, match="not both"):
        seeded_service.answer(question, filters=make_filters(as_of="2026-01-01"), as_of="2026")
    with pytest.raises(TypeError, match="date_form"):  # a misspelt limit is no silent no-op
        seeded_service.answer(question, date_form="2026-01-01")


def test_answer_without_an_index_is_an_error_and_makes_none(tmp_path):
    from rag.errors import NotFoundError

    missing = tmp_path / "no-index-here"
    with pytest.raises(NotFoundError, match=r"no index at .*rag index FOLDER"):
        rag.answer("Who led Russia's delegation in Abu Dhabi?", index_dir=missing)
    assert not missing.exists()


def test_the_python_api_checks_its_options_as_http_does(seeded_service):
    from rag.errors import InputError
    from tests.conftest import ABU_DHABI_DOC

    question = "Who led Russia's delegation in Abu Dhabi?"
    for top_k in (0, 51, -1, "5", True):
        with pytest.raises(InputError, match="top_k"):
            seeded_service.answer(question, top_k=top_k)
    one_doc = seeded_service.answer(question, doc_ids=ABU_DHABI_DOC)  # one id as a string
    assert set(one_doc.retrieved) == {ABU_DHABI_DOC}
