"""Any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI) through the official client."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Deadline, Message, TokenCount
from llmverse.llm.transformers_backend import STOP as CHAT_STOP

if TYPE_CHECKING:
    from openai import AsyncOpenAI, AsyncStream
    from openai.types.chat import ChatCompletionChunk

# Ways to ask for JSON, most to least precise. Servers differ in what they accept; each instance
# steps down the first time its server refuses one and keeps the step. The gateway validates anyway.
_JSON_STEPS = 3  # json_schema; json_object with the schema (llama.cpp servers); plain json_object
# Sent with every request, never left to the server's defaults (vLLM and llama.cpp server default to
# temperature 0.8; our prompts are tuned at 0.2, like the embedded llama.cpp backend).
TEMPERATURE = 0.2
STOP = CHAT_STOP[:4]  # the end marks of models `train sft` made; OpenAI takes at most 4
_END = object()
_POLL = 0.1  # seconds between looks at the deadline and at cancellation while a piece is awaited


class OpenAICompatBackend:
    """A model behind an OpenAI-compatible HTTP API.

    - The deadline is the gateway's (`takes_deadline`): the first piece within its gap, no gap longer,
      the whole reply within its total. The HTTP exchange runs as an asyncio task on this backend's
      own event-loop thread; the caller's thread waits for pieces and, at the deadline or when the
      caller gave up (even before the first byte, even while the server trickles keep-alives),
      cancels the task, which closes the connection to the server.
    - The client never retries (`max_retries=0`): retries and backoff belong to the gateway alone.
    - Optional request features a server refuses (usage in streams, JSON schema) are dropped for the
      rest of this instance's life, so only the first call pays for the refusal.
    - Temperature, stop strings and max_tokens are always sent.
    """

    enforces_timeout = True
    takes_deadline = True

    def __init__(self, base_url: str, *, model: str | None = None, api_key: str | None = None,
                 temperature: float = TEMPERATURE, stop: tuple[str, ...] = STOP) -> None:
        import openai  # optional dependency (extra `remote`), imported where used  # noqa: F401

        base = base_url.rstrip("/")
        self.base_url = base if base.endswith("/v1") else base + "/v1"
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BackendUnavailable(f"base URL {base_url!r} is not http(s)://host[:port][/v1]")
        self.host = parts.netloc.rpartition("@")[2]  # host:port, never credentials
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY") or "sk-no-key"
        self.model = model
        self.temperature, self.stop = temperature, list(stop[:4])
        self.name = self._name()
        self.usage_in_stream = True  # False once the server refused stream_options
        self.json_step = 0  # index into the ways of asking for JSON; _JSON_STEPS means "don't ask"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: AsyncOpenAI | None = None
        self._start_lock = threading.Lock()

    # --- the caller's side ------------------------------------------------------------------------
    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        timeout: float = 30.0,
        deadline: Deadline | None = None,
    ) -> Iterator[str | TokenCount]:
        deadline = deadline or Deadline(gap=timeout, total=float("inf"))
        pieces: queue.Queue = queue.Queue()
        task = asyncio.run_coroutine_threadsafe(self._exchange(messages, max_tokens, schema, deadline, pieces),
                                                self._event_loop())
        started = False
        try:
            while True:
                deadline.check(started, self.name)
                try:
                    item = pieces.get(timeout=min(_POLL, max(0.001, deadline.wait(started))))
                except queue.Empty:
                    continue
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                started = started or isinstance(item, str)
                yield item
        finally:
            task.cancel()  # a no-op when it ended; otherwise the connection closes mid-wait

    # --- the event loop's side ---------------------------------------------------------------------
    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name=f"http-{self.host}", daemon=True).start()
                self._loop = loop
            return self._loop

    async def _exchange(self, messages: list[Message], max_tokens: int, schema: dict[str, Any] | None,
                        deadline: Deadline, pieces: queue.Queue) -> None:
        """One streamed chat completion; pieces, then the usage, then _END (or the error) go to `pieces`."""
        import openai

        usage = None
        try:
            chunks = await self._open(messages, max_tokens, schema, deadline)
            async with chunks:  # closes the connection when the task is cancelled
                async for chunk in chunks:
                    usage = chunk.usage or usage  # the last chunk, with no choices, when asked for
                    if chunk.choices and chunk.choices[0].delta.content:
                        pieces.put(chunk.choices[0].delta.content)
            if usage is not None:
                pieces.put(TokenCount(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens))
            pieces.put(_END)
        except openai.OpenAIError as exc:
            error = self._unavailable(exc, deadline.gap)
            error.__cause__ = exc
            pieces.put(error)
        except BackendUnavailable as exc:
            pieces.put(exc)

    def _http(self) -> AsyncOpenAI:
        if self._client is None:  # made in the loop's thread, where its connections live
            import openai

            self._client = openai.AsyncOpenAI(base_url=self.base_url, api_key=self.api_key, max_retries=0)
        return self._client

    async def _open(self, messages: list[Message], max_tokens: int, schema: dict[str, Any] | None,
                    deadline: Deadline) -> AsyncStream[ChatCompletionChunk]:
        """Start a streamed chat completion, stepping down past options this server refuses."""
        import openai

        model = self.model or await self._discover(deadline)
        while True:
            extra: dict[str, Any] = {}
            if self.usage_in_stream:
                extra["stream_options"] = {"include_usage": True}
            if schema is not None and self.json_step < _JSON_STEPS:
                extra["response_format"] = _json_format(schema, self.json_step)
            try:
                return await self._http().chat.completions.create(
                    model=model, messages=[{"role": m.role, "content": m.content} for m in messages],
                    max_tokens=max_tokens, temperature=self.temperature, stop=self.stop, stream=True,
                    timeout=openai.Timeout(deadline.gap), **extra,
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

    async def _discover(self, deadline: Deadline) -> str:
        """The server's first model: vLLM and llama.cpp serve exactly one, so no name is needed."""
        import openai

        try:
            ids = [m.id async for m in self._http().models.list(timeout=openai.Timeout(deadline.gap))]
        except openai.OpenAIError as exc:
            raise self._unavailable(exc, deadline.gap, "listing models: ") from exc
        if not ids:
            raise BackendUnavailable(f"{self.name}: {self.base_url}/models lists no model; pass model=...")
        self.model = ids[0]
        self.name = self._name()
        return ids[0]

    def _unavailable(self, exc: Exception, timeout: float, doing: str = "") -> BackendUnavailable:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            why = f"no output within {timeout:g}s"
        elif isinstance(exc, openai.APIConnectionError):  # the cause says why: refused, DNS, TLS ...
            why = f"cannot reach {self.base_url}: {_root_cause(exc)}"
        else:
            why = str(exc)
        return BackendUnavailable(f"{self.name}: {doing}{why}")

    def _name(self) -> str:
        # llama.cpp servers name their model by its file path: the file name is enough for logs.
        model = os.path.basename(self.model) if self.model and self.model.startswith("/") else self.model
        return f"openai:{model or '?'}@{self.host}"


def _root_cause(exc: BaseException) -> str:
    """The innermost OS error under a connection error ('Connection refused', not the async
    client's 'All connection attempts failed')."""
    found, seen = exc.__cause__ or exc, 0
    x: BaseException | None = exc
    while x is not None and seen < 10:
        if isinstance(x, OSError) and x.errno is not None:
            return f"{os.strerror(x.errno)}: {x.strerror or x}"
        x, seen = x.__cause__ or x.__context__, seen + 1
    return str(found)


def _json_format(schema: dict[str, Any], step: int) -> dict[str, Any]:
    if step == 0:
        name = re.sub(r"[^A-Za-z0-9_-]", "_", str(schema.get("title", "reply")))[:64]
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
    if step == 1:
        return {"type": "json_object", "schema": schema}
    return {"type": "json_object"}
