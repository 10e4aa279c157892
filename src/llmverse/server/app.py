"""The FastAPI application: REST under /api, the player's WebSocket at /ws, the OpenAI-compatible
API under /v1, and the web client (static files, no build step) at /.

    from llmverse.server import ServerConfig, create_app
    app = create_app(ServerConfig(tick_seconds=5))      # uvicorn.run(app, host=..., port=...)
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, StatementError

from llmverse.server import admin, openai_api, rest, ws
from llmverse.server.accounts import Account
from llmverse.server.auth import current_account
from llmverse.server.budgets import RedisBudget
from llmverse.server.config import ServerConfig
from llmverse.server.limits import BodyLimit, BodyTooLarge, BodyTooSlow, shared_limits
from llmverse.server.memory import freeze_startup, thaw
from llmverse.server.rest import AUTH_BODY
from llmverse.server.runtime import Runtime
from llmverse.errors import LlmverseError

log = logging.getLogger(__name__)
WEB = Path(__file__).resolve().parent / "web"
API_BODY = 64 * 1024  # bytes: the cap of every other route (the largest real body is a few KiB)


def create_app(cfg: ServerConfig | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """The app; the Runtime (world, model, store) opens here, its threads start with the server."""
    rt = runtime or Runtime(cfg or ServerConfig())
    if rt.cfg.redis_url:
        # Limits that must hold across processes live in the Redis the processes share for fan-out;
        # the runtime made per-process ones (the message rate per socket stays per process).
        rt.model_limits, rt.auth_limits = shared_limits(rt.cfg.redis_url, rt.world.key, rt.cfg.model_rate,
                                                        rt.cfg.model_burst, rt.cfg.auth_rate, rt.cfg.auth_burst)
        rails = rt.services.rails  # the safety rails' per-player request and token budgets too
        if rails.budget is not None:
            rails.budget = RedisBudget(rails.budget.limits, rt.model_limits.redis, f"llmverse:{rt.world.key}:budget")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        rt.start(asyncio.get_running_loop())
        freeze_startup()
        yield
        await rt.stop()
        thaw()

    # The schema is for players with a token, like the rest of the API; no public /docs page.
    app = FastAPI(title=f"llmverse: {rt.world.file.name.en}", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.runtime = rt
    # Every body is capped before it is read, so before authentication: login and register (which
    # hash a password) at 16 KiB, everything else at 64 KiB.
    app.add_middleware(BodyLimit, caps={"/api/login": AUTH_BODY, "/api/register": AUTH_BODY,
                                        "/v1": openai_api.MAX_BODY}, default=API_BODY,
                       body_seconds=rt.cfg.body_seconds)
    app.include_router(rest.router)
    app.include_router(admin.router)
    app.include_router(openai_api.router)
    app.include_router(ws.router)

    @app.exception_handler(openai_api.OpenAIError)
    async def _openai_error(_: Request, exc: openai_api.OpenAIError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return _client_error(request, 413, str(exc), "request_too_large")

    @app.exception_handler(BodyTooSlow)
    async def _too_slow(request: Request, exc: BodyTooSlow) -> JSONResponse:
        response = _client_error(request, 408, f"{exc}; send it at once", "request_timeout")
        response.headers["Connection"] = "close"  # the rest of the body may never come: drop the connection
        return response

    # The edge checks lengths, ranges and characters; should a value still slip past them, the
    # database's refusal is the client's mistake (422 with the reason), the same on SQLite and PostgreSQL.
    @app.exception_handler(DataError)
    @app.exception_handler(StatementError)
    @app.exception_handler(LlmverseError)  # the world's store wraps them in its StoreError
    async def _bad_value(request: Request, exc: Exception) -> JSONResponse:
        statement = exc.__cause__ if isinstance(exc, LlmverseError) else exc
        if not isinstance(statement, StatementError):
            raise exc
        cause = statement.orig if isinstance(statement.orig, Exception) else statement
        if not isinstance(statement, DataError) and not isinstance(cause, (ValueError, OverflowError)):
            raise exc
        log.warning("%s %s: the store refused a value: %s", request.method, request.url.path,
                    str(cause).splitlines()[0][:200])
        return _client_error(request, 422, "a value is too long, out of range or holds a character the store "
                             "refuses", "invalid_value")

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: Account = Depends(current_account)) -> dict[str, Any]:
        return app.openapi()

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, object]:
        return {"ok": True, "world": rt.world.key}

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html")

    app.mount("/web", StaticFiles(directory=WEB), name="web")
    return app


def _client_error(request: Request, status: int, message: str, code: str) -> JSONResponse:
    if request.url.path.startswith("/v1"):
        return openai_api.OpenAIError(status, message, code).response()
    return JSONResponse({"detail": message}, status_code=status)
