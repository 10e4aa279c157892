"""`llmverse serve`: the world server (REST, WebSocket, OpenAI-compatible API, web client)."""

from __future__ import annotations

from typing import Annotated

import typer

from llmverse.cli.common import DbOpt, ModelOpt, ThreadsOpt, WorldOpt, _fail, console
from llmverse.errors import LlmverseError

WS_MAX_BYTES = 1024 * 1024  # uvicorn drops larger frames; frames over 16 KiB get an error frame from us


def serve(
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    tick: Annotated[float, typer.Option(help="real seconds between simulation steps (0: the world stands still)")] = 5.0,
    concurrency: Annotated[int | None, typer.Option(
        help="model requests at once (default 1 for a local model, 4 for a URL)")] = None,
    redis: Annotated[str | None, typer.Option(
        help="Redis URL for event fan-out between server processes [env LLMVERSE_REDIS_URL]")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="no self-registration: admins create accounts")] = False,
    header_timeout: Annotated[float, typer.Option(
        help="seconds a client has to send a request's headers (slowloris)")] = 10.0,
    body_timeout: Annotated[float, typer.Option(help="seconds a client has to send a request's body")] = 10.0,
    login_rate: Annotated[float, typer.Option(
        min=0.0001, help="logins and registrations per second per address and per name, once the burst is spent")] = 0.2,
    login_burst: Annotated[int, typer.Option(min=1, help="logins and registrations allowed at once (each costs an argon2 "
                                                  "hash); raise both behind a NAT or proxy")] = 10,
) -> None:
    """Serve the world: web client at http://HOST:PORT/, OpenAI-compatible API at /v1. The admin
    account's password comes from LLMVERSE_ADMIN_PASSWORD."""
    import uvicorn

    from llmverse.server import ServerConfig, create_app
    from llmverse.server.deadlines import http_protocol

    cfg = ServerConfig(world=world, model=model, database_url=db, threads=threads, tick_seconds=tick,
                       concurrency=concurrency, open_registration=not closed, header_seconds=header_timeout,
                       body_seconds=body_timeout, auth_rate=login_rate, auth_burst=login_burst)
    if redis:
        cfg.redis_url = redis
    try:
        app = create_app(cfg)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    rt = app.state.runtime
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"[bold]{rt.world.file.name.en}[/bold] on model [cyan]{rt.gateway.backend.name}[/cyan], "
                  f"store {rt.store.engine.url.render_as_string(hide_password=True)}")
    console.print(f"web client: [link]http://{shown}:{port}/[/link]   OpenAI API: http://{shown}:{port}/v1",
                  highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", ws_max_size=WS_MAX_BYTES,
                ws_per_message_deflate=False, http=http_protocol(cfg.header_seconds))


def main() -> None:
    """Run `serve` alone (python -m llmverse.server)."""
    import logging
    import os
    import sys

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    app = typer.Typer(add_completion=False)
    app.command()(serve)
    app()
