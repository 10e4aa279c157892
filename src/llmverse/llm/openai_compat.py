"""Any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI) through the official client."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Message, TokenCount

if TYPE_CHECKING:
    from openai import Stream
    from openai.types.chat import ChatCompletionChunk

# Ways to ask for JSON, most to least precise. Servers differ in what they accept; each instance
# steps down the first time its server refuses one and keeps the step. The gateway validates anyway.
_JSON_STEPS = 3  # json_schema; json_object with the schema (llama.cpp servers); plain json_object


class OpenAICompatBackend:
    """A model behind an OpenAI-compatible HTTP API.

    - The timeout is the HTTP read timeout, so the server must send *something* every `timeout`
      seconds: a hung server raises here and the gateway reads this backend in the caller's thread.
    - The client never retries (`max_retries=0`): retries and backoff belong to the gateway alone.
    - Optional request features a server refuses (usage in streams, JSON schema) are dropped for the
      rest of this instance's life, so only the first call pays for the refusal.
    """

    enforces_timeout = True

    def __init__(self, base_url: str, *, model: str | None = None, api_key: str | None = None) -> None:
        import openai  # optional dependency (extra `remote`), imported where used

        base = base_url.rstrip("/")
        self.base_url = base if base.endswith("/v1") else base + "/v1"
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BackendUnavailable(f"base URL {base_url!r} is not http(s)://host[:port][/v1]")
        self.host = parts.netloc.rpartition("@")[2]  # host:port, never credentials
        self.client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or os.environ.get("OPENAI_API_KEY") or "sk-no-key",
            max_retries=0,
        )
        self.model = model
        self.name = self._name()
        self.usage_in_stream = True  # False once the server refused stream_options
        self.json_step = 0  # index into the ways of asking for JSON; _JSON_STEPS means "don't ask"

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        timeout: float = 30.0,
    ) -> Iterator[str | TokenCount]:
        import openai

        usage = None
        try:
            chunks = self._open(messages, max_tokens, schema, timeout)
            with chunks:  # closes the connection when the caller stops early
                for chunk in chunks:
                    usage = chunk.usage or usage  # the last chunk, with no choices, when asked for
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
        except openai.OpenAIError as exc:
            raise self._unavailable(exc, timeout) from exc
        if usage is not None:
            yield TokenCount(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)

    def _open(
        self, messages: list[Message], max_tokens: int, schema: dict[str, Any] | None, timeout: float
    ) -> Stream[ChatCompletionChunk]:
        """Start a streamed chat completion, stepping down past options this server refuses."""
        import openai

        model = self.model or self._discover(timeout)
        while True:
            extra: dict[str, Any] = {}
            if self.usage_in_stream:
                extra["stream_options"] = {"include_usage": True}
            if schema is not None and self.json_step < _JSON_STEPS:
                extra["response_format"] = _json_format(schema, self.json_step)
            try:
                return self.client.chat.completions.create(
                    model=model, messages=[{"role": m.role, "content": m.content} for m in messages],
                    max_tokens=max_tokens, stream=True, timeout=openai.Timeout(timeout), **extra,
                )
            except openai.APIStatusError as exc:
                # Servers refuse unknown options with 400 or 422 (llama-cpp-python: 500), naming them.
                said = f"{exc} {exc.body}"
                if "stream_options" in extra and "stream_options" in said:
                    self.usage_in_stream = False
                elif "response_format" in extra and re.search(r"response_format|json_schema", said):
                    self.json_step += 1
                else:
                    raise

    def _discover(self, timeout: float) -> str:
        """The server's first model: vLLM and llama.cpp serve exactly one, so no name is needed."""
        import openai

        try:
            ids = [m.id for m in self.client.models.list(timeout=openai.Timeout(timeout))]
        except openai.OpenAIError as exc:
            raise self._unavailable(exc, timeout, "listing models: ") from exc
        if not ids:
            raise BackendUnavailable(f"{self.name}: {self.base_url}/models lists no model; pass model=...")
        self.model = ids[0]
        self.name = self._name()
        return ids[0]

    def _unavailable(self, exc: Exception, timeout: float, doing: str = "") -> BackendUnavailable:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            why = f"no output within {timeout}s"
        elif isinstance(exc, openai.APIConnectionError):  # the cause says why: refused, DNS, TLS ...
            why = f"cannot reach {self.base_url}: {exc.__cause__ or exc}"
        else:
            why = str(exc)
        return BackendUnavailable(f"{self.name}: {doing}{why}")

    def _name(self) -> str:
        # llama.cpp servers name their model by its file path: the file name is enough for logs.
        model = os.path.basename(self.model) if self.model and self.model.startswith("/") else self.model
        return f"openai:{model or '?'}@{self.host}"


def _json_format(schema: dict[str, Any], step: int) -> dict[str, Any]:
    if step == 0:
        name = re.sub(r"[^A-Za-z0-9_-]", "_", str(schema.get("title", "reply")))[:64]
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
    if step == 1:
        return {"type": "json_object", "schema": schema}
    return {"type": "json_object"}
