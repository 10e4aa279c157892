"""Player-facing phrases and prompts as package data, loaded through one function.

Phrases live in `voice/locales/<lang>.yaml` (a key to a string, or to a list of variants that are
picked in turn so a character does not repeat itself word for word); prompts live in
`voice/prompts/<name>.txt` with `{named}` slots. A third language is one more YAML file: nothing in
the code lists the languages.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.resources import files

import yaml

from llmverse.errors import LlmverseError

log = logging.getLogger(__name__)
DEFAULT = "en"


@lru_cache(maxsize=None)
def table(language: str) -> dict[str, str | list[str]]:
    """Every phrase of one language ({} for a language with no file)."""
    path = files("llmverse.voice").joinpath("locales").joinpath(f"{language}.yaml")
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise LlmverseError(f"{path}: a locale file maps keys to phrases")
    return data


def section(name: str, language: str) -> dict:
    """A named group of phrases (the assistant's `directions`, `reasons`, `interests`) in `language`,
    each key missing there taken from English: a half-translated locale still speaks."""
    base = table(DEFAULT).get(name)
    if not isinstance(base, dict):
        raise LlmverseError(f"no section '{name}' in voice/locales/{DEFAULT}.yaml")
    own = table(language).get(name) or {}
    if not isinstance(own, dict):
        raise LlmverseError(f"voice/locales/{language}.yaml: '{name}' maps keys to phrases")
    return {**base, **own}


def languages() -> list[str]:
    """The languages that have a phrase file."""
    folder = files("llmverse.voice").joinpath("locales")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def phrase(key: str, language: str, variant: int = 0, **slots: object) -> str:
    """The phrase `key` in `language` with its slots filled; variant `n` of a list of variants.

    A key missing in `language` falls back to English (logged): a half-translated locale still speaks."""
    value = table(language).get(key)
    if value is None:
        if language != DEFAULT:
            log.info("phrase %r has no %s text; using %s", key, language, DEFAULT)
        value = table(DEFAULT).get(key)
        if value is None:
            raise LlmverseError(f"no phrase '{key}' in voice/locales/{DEFAULT}.yaml")
    if isinstance(value, list):
        value = value[variant % len(value)]
    return value.format(**slots)


@lru_cache(maxsize=None)
def prompt(name: str) -> str:
    """The prompt template `voice/prompts/<name>.txt` (format it with its named slots)."""
    path = files("llmverse.voice").joinpath("prompts").joinpath(f"{name}.txt")
    if not path.is_file():
        raise LlmverseError(f"no prompt '{name}' in voice/prompts/")
    return path.read_text(encoding="utf-8").strip()
