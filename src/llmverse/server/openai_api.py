"""An OpenAI-compatible API: any OpenAI client can talk to the world's characters and its assistant.

`/v1/models` lists `npc:<id>` for each character and `assistant`; `/v1/chat/completions` (streamed
as server-sent events, or whole) answers the last user message in persona. The world keeps the
conversation: the character hears the same history, memories and relationship as in-world talk
with this account (earlier messages sent by the client are not taken as history, so a client cannot
put words in a character's mouth). The request takes its turn in the same fair queue and rate limit
as WebSocket talk; a client that disconnects mid-stream cancels it. Before answering, the worker
re-reads the world's state if another server process changed it (`World.refresh`: one small query
when none did), so a character behind two processes answers from one world. Errors use OpenAI's shape.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmverse.errors import InvalidMessage
from llmverse.server.accounts import Account
from llmverse.server.auth import UNAUTHORIZED, bearer, runtime
from llmverse.server.limits import retry_after_header
from llmverse.server.notices import language_of, notice
from llmverse.server.runtime import Runtime
from llmverse.server.services import ASSISTANT, Outcome
from llmverse.server.ws import fresh_first

router = APIRouter(prefix="/v1")
MAX_BODY = 64 * 1024


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "".join(str(p.get("text") or "") for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # temperature, top_p ...: the world's voices keep their own
    model: str = Field(max_length=80)
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False


class OpenAIError(Exception):
    def __init__(self, status: int, message: str, code: str, *, kind: str = "invalid_request_error",
                 headers: dict[str, str] | None = None) -> None:
        self.status, self.message, self.code, self.kind, self.headers = status, message, code, kind, headers
        super().__init__(message)

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"message": self.message, "type": self.kind, "param": None, "code": self.code}},
                            status_code=self.status, headers=self.headers)


def api_account(request: Request, rt: Runtime = Depends(runtime)) -> Account:
    account = rt.accounts.authenticate(bearer(request))
    if account is None:
        raise OpenAIError(401, UNAUTHORIZED, "invalid_api_key", headers={"WWW-Authenticate": "Bearer"})
    return account


def model_ids(rt: Runtime) -> list[str]:
    return [f"npc:{c}" for c in rt.world.characters] + [ASSISTANT]


@router.get("/models")
def models(_: Account = Depends(api_account), rt: Runtime = Depends(runtime)) -> dict[str, Any]:
    w = rt.world
    data = [{"id": f"npc:{c.id}", "object": "model", "created": 0, "owned_by": w.key,
             "name": c.names.en, "role": c.role} for c in w.characters.values()]
    data.append({"id": ASSISTANT, "object": "model", "created": 0, "owned_by": w.key,
                 "name": f"{w.file.name.en} assistant", "role": "assistant"})
    return {"object": "list", "data": data}


@router.post("/chat/completions")
async def chat_completions(request: Request, me: Account = Depends(api_account),
                           rt: Runtime = Depends(runtime)) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise OpenAIError(413, f"the request has {len(body)} bytes; the limit is {MAX_BODY}", "request_too_large")
    try:
        req = ChatRequest.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        raise OpenAIError(400, problems, "invalid_request") from exc
    if req.model not in model_ids(rt):
        raise OpenAIError(404, f"the model '{req.model}' does not exist; GET /v1/models lists "
                          f"{', '.join(model_ids(rt))}", "model_not_found")
    text = next((m.text() for m in reversed(req.messages) if m.role == "user"), "").strip()
    if not text:
        raise OpenAIError(400, "no user message with text to answer", "invalid_request")
    lang = language_of(request.headers.get("accept-language"))  # of the refusals below
    if rt.busy(me.name):  # refused at once: nothing queued, no rate-limit token spent
        raise OpenAIError(429, notice("busy", rt.cfg.max_model_requests)[lang], "too_many_requests",
                          kind="rate_limit_error", headers={"Retry-After": "1"})
    wait = rt.model_limits.take(me.name)
    if wait:
        after = retry_after_header(wait)
        raise OpenAIError(429, notice("rate_limited", after)[lang], "rate_limit_exceeded",
                          kind="rate_limit_error", headers={"Retry-After": after})
    out = Outcome()
    if req.model == ASSISTANT:
        def work():
            return rt.services.ask(me.name, text, out, start=rt.presence.where(me.name))
    else:
        cid = req.model.split(":", 1)[1]

        def work():
            return rt.services.talk(me.name, cid, text, out)
    ticket, q = rt.queue(me.name, fresh_first(rt, work), asyncio.get_running_loop())
    ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    if req.stream:
        return StreamingResponse(_sse(rt, ticket, q, req.model, ident, created), media_type="text/event-stream")
    try:
        error = None
        while True:
            kind, value = await q.get()
            if kind == "done":
                error = value
                break
    except asyncio.CancelledError:  # the client went away while waiting
        rt.scheduler.cancel(ticket)
        raise
    if isinstance(error, InvalidMessage):
        raise OpenAIError(400, error.reason, "invalid_message")
    if error is not None:
        raise OpenAIError(503, "the model could not answer; try again", "backend_unavailable", kind="server_error")
    usage = {"prompt_tokens": out.usage.get("prompt_tokens", 0),
             "completion_tokens": out.usage.get("completion_tokens", 0)}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return {"id": ident, "object": "chat.completion", "created": created, "model": req.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": out.text},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": usage, "llmverse": {"events": out.events, "route": out.route}}


async def _sse(rt: Runtime, ticket, q: asyncio.Queue, model: str, ident: str, created: int) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        data = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    finished = False
    try:
        yield chunk({"role": "assistant", "content": ""})
        while True:
            kind, value = await q.get()
            if kind == "piece":
                yield chunk({"content": value})
            elif kind == "done":
                if value is not None:
                    reason = value.reason if isinstance(value, InvalidMessage) else "the model could not answer"
                    yield f"data: {json.dumps({'error': {'message': reason, 'type': 'server_error'}})}\n\n"
                break
        yield chunk({}, "stop")
        yield "data: [DONE]\n\n"
        finished = True
    finally:
        if not finished:  # the client disconnected mid-stream: drop its request
            rt.scheduler.cancel(ticket)
