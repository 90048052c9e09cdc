"""Prompt templates: Markdown files in ``prompts/`` with ``{variable}`` placeholders.

A template is rendered with :meth:`str.format` rules: ``{name}`` is a variable and a literal
brace is written ``{{`` or ``}}``. A variable the caller does not pass is an error, never a
blank. Files are read once per path and modification time.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.errors import ConfigError

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
SUFFIX = ".md"


@dataclass(frozen=True)
class PromptTemplate:
    """One loaded template: its name, file, text and the variables it needs."""

    name: str
    path: Path
    text: str
    variables: frozenset[str]

    def render(self, /, **variables: Any) -> str:
        """The template with every ``{name}`` replaced; a missing variable is a ConfigError."""
        missing = sorted(self.variables - variables.keys())
        if missing:
            raise ConfigError(
                f"prompt template {self.name!r} ({self.path}) needs variable "
                f"{missing[0]!r}, which was not given"
            )
        return self.text.format_map({k: variables[k] for k in self.variables})


def _parse_variables(name: str, path: Path, text: str) -> frozenset[str]:
    names: set[str] = set()
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text)]
    except ValueError as exc:
        raise ConfigError(
            f"prompt template {name!r} ({path}) is malformed: {exc} "
            "(write a literal brace as {{ or }})"
        ) from exc
    for field in fields:
        if field is None:
            continue
        if not field.isidentifier():
            raise ConfigError(
                f"prompt template {name!r} ({path}) has placeholder {{{field}}}: use a plain "
                "{name}, and write a literal brace as {{ or }}"
            )
        names.add(field)
    return frozenset(names)


@lru_cache(maxsize=64)
def _load(path: Path, name: str, mtime_ns: int) -> PromptTemplate:
    text = path.read_text(encoding="utf-8")
    return PromptTemplate(name, path, text, _parse_variables(name, path, text))


def load_prompt(name: str, prompts_dir: Path | None = None) -> PromptTemplate:
    """The template ``<prompts_dir>/<name>.md`` (``name`` may carry the ``.md`` suffix)."""
    stem = name.removesuffix(SUFFIX)
    if not stem or Path(stem).name != stem or stem.startswith("."):
        raise ConfigError(f"prompt template name {name!r} is not a plain file name")
    folder = Path(prompts_dir) if prompts_dir is not None else DEFAULT_PROMPTS_DIR
    path = (folder / f"{stem}{SUFFIX}").resolve()
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError as exc:
        raise ConfigError(
            f"prompt template {stem}{SUFFIX} not found in {folder}: "
            "check the prompts_dir setting (RAG_PROMPTS_DIR)"
        ) from exc
    try:
        return _load(path, stem, mtime_ns)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"prompt template {path} cannot be read as UTF-8 text: {exc}") from exc


def render_prompt(name: str, /, prompts_dir: Path | None = None, **variables: Any) -> str:
    """Load the template ``name`` and fill in ``variables`` (any name but ``prompts_dir``)."""
    return load_prompt(name, prompts_dir).render(**variables)
