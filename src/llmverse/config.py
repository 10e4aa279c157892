"""Settings from the environment (and `--model`/`--db` options), and the backend a model spec names.

    LLMVERSE_MODEL   gemma3-npc (default) | smollm2-135m | gemma3-270m | scripted | /path/model.gguf | http(s)://host/v1
                     | transformers:DIR (or a directory with config.json) | transformers:/path/model.gguf
    DATABASE_URL     sqlite:///llmverse.db (default) | postgresql+psycopg://user@host/db
    LLMVERSE_THREADS llama.cpp threads (default: all cores; use 1 when other work shares the machine)
    LLMVERSE_TIMEOUT seconds a model may stay silent before the gateway gives up on it (default 30)
    OPENAI_API_KEY   key for an OpenAI-compatible server (local servers need none)
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from llmverse.errors import LlmverseError
from llmverse.llm.base import Backend, Message
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.registry import BUNDLED, DEFAULT_MODEL, FALLBACK_MODEL
from llmverse.llm.scripted import ScriptedBackend

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMVERSE_", extra="ignore")

    model: str = DEFAULT_MODEL
    database_url: str = Field("sqlite:///llmverse.db",
                              validation_alias=AliasChoices("DATABASE_URL", "LLMVERSE_DATABASE_URL"))
    threads: int | None = None
    timeout: float = 30.0
    api_key: str | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "LLMVERSE_API_KEY"))


def settings(**overrides: object) -> Settings:
    """Environment first, then explicit options (None means "not given")."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _recite(messages: list[Message]) -> str:
    """The scripted backend's reply when no model is wanted: the first fact it was handed."""
    last = messages[-1].content
    facts = [line[2:] for line in last.splitlines() if line.startswith("- ")]
    return facts[0] if facts else "I do not know."


def open_backend(spec: str, *, threads: int | None = None, api_key: str | None = None) -> Backend:
    """The backend a model spec names: bundled name, `scripted`, a GGUF path, an http(s) URL, or
    `transformers:PATH` / a model directory (e.g. the merged model `llmverse train sft` writes)."""
    from llmverse.llm.transformers_backend import parse_spec  # no torch at import

    if spec == "scripted":
        return ScriptedBackend(default=_recite, languages=frozenset({"en"}), json_default=True)
    if spec.startswith(("http://", "https://")):
        from llmverse.llm.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend(spec, api_key=api_key)
    model_path = parse_spec(spec)
    if model_path is not None:
        from llmverse.llm.transformers_backend import TransformersBackend

        return TransformersBackend(model_path, threads=threads)
    if spec in BUNDLED or spec.endswith(".gguf") or Path(spec).is_file():
        from llmverse.llm.llamacpp import LlamaCppBackend

        try:
            return LlamaCppBackend(spec, threads=threads)
        except LlmverseError as exc:
            if spec not in BUNDLED or spec == FALLBACK_MODEL or BUNDLED[spec].present is None:
                raise
            # A shipped adapter that is missing or corrupt: say so once, speak with the previous default.
            log.error("model %s cannot be used (%s); falling back to %s", spec, exc, FALLBACK_MODEL)
            return LlamaCppBackend(FALLBACK_MODEL, threads=threads)
    raise LlmverseError(
        f"unknown model '{spec}': give a bundled name ({', '.join(sorted(BUNDLED))}), 'scripted', "
        "a .gguf path, transformers:DIR, or the http(s) URL of an OpenAI-compatible server"
    )


def open_gateway(s: Settings) -> Gateway:
    return Gateway(open_backend(s.model, threads=s.threads, api_key=s.api_key), GatewayConfig(timeout=s.timeout))
