"""The FastAPI application: REST under /api, the player's WebSocket at /ws, the OpenAI-compatible
API under /v1, and the web client (static files, no build step) at /.

    from llmverse.server import ServerConfig, create_app
    app = create_app(ServerConfig(tick_seconds=5))      # uvicorn.run(app, host=..., port=...)
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from llmverse.server import admin, openai_api, rest, ws
from llmverse.server.config import ServerConfig
from llmverse.server.limits import BodyLimit
from llmverse.server.rest import AUTH_BODY
from llmverse.server.runtime import Runtime

WEB = Path(__file__).resolve().parent / "web"


def create_app(cfg: ServerConfig | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """The app; the Runtime (world, model, store) opens here, its threads start with the server."""
    rt = runtime or Runtime(cfg or ServerConfig())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        rt.start(asyncio.get_running_loop())
        yield
        await rt.stop()

    app = FastAPI(title=f"llmverse: {rt.world.file.name.en}", lifespan=lifespan)
    app.state.runtime = rt
    # Bodies over these sizes are refused before they are read (login and register hash a password).
    app.add_middleware(BodyLimit, caps={"/api/login": AUTH_BODY, "/api/register": AUTH_BODY,
                                        "/v1": openai_api.MAX_BODY})
    app.include_router(rest.router)
    app.include_router(admin.router)
    app.include_router(openai_api.router)
    app.include_router(ws.router)

    @app.exception_handler(openai_api.OpenAIError)
    async def _openai_error(_: Request, exc: openai_api.OpenAIError) -> JSONResponse:
        return exc.response()

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, object]:
        return {"ok": True, "world": rt.world.key}

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html")

    app.mount("/web", StaticFiles(directory=WEB), name="web")
    return app
