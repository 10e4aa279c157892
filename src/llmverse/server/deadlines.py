"""A deadline for a request's headers, enforced by the server itself (slowloris).

uvicorn arms no timer while a new connection sends its first request's headers, nor while a kept-alive
connection sends the next one's (its keep-alive timer is cancelled by the first byte): 300 connections
that each trickle a header line now and then were held for 60 s and more (issue 17). The protocol
classes here are uvicorn's own, with one timer more: armed when the connection opens and again when
a response completes, disarmed once a request's headers are complete (or it becomes a WebSocket);
when it fires the connection is closed. What a slow *body* gets is `limits.BodyLimit`'s business (a
deadline for the whole body, then 408). A reverse proxy in front is still the better place for
these limits on the open internet; this makes the server safe without one.

The same classes turn off WebSocket compression (permessage-deflate, which browsers and the
`websockets` client offer and uvicorn accepts by default): every frame is then compressed once per
connection, and the `players` frame (each avatar's tile, ~25 KB at 1,000 players) goes to every
socket every second. Profiled with 1,000 clients (`bench/load.py`, py-spy on the server), zlib took
51% of the server's CPU. Uncompressed, that frame is 25 KB/s per player: nothing for a network, and
no CPU at all.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)
HEADER_SECONDS = 10.0  # a request's headers must be complete this long after the connection opened (or went idle)


class _HeaderDeadline:
    """Mixed into uvicorn's HTTP protocol classes (before them in the MRO)."""

    header_seconds: float = HEADER_SECONDS
    _header_timer: asyncio.TimerHandle | None = None

    def __init__(self, config, *args, **kw) -> None:  # type: ignore[no-untyped-def]
        # A WebSocket this connection upgrades to is made from the same config: no compression (above).
        config.ws_per_message_deflate = False
        super().__init__(config, *args, **kw)  # type: ignore[call-arg]

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_headers()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        cycle = getattr(self, "cycle", None)
        if cycle is None or cycle.response_complete:  # idle again, not serving a pipelined request
            self._arm_headers()

    def _arm_headers(self) -> None:
        self._disarm_headers()
        transport = getattr(self, "transport", None)
        if transport is not None and not transport.is_closing():
            self._header_timer = asyncio.get_running_loop().call_later(self.header_seconds, self._headers_late)

    def _disarm_headers(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        transport = self.transport  # type: ignore[attr-defined]
        if not transport.is_closing():
            log.info("closed a connection whose request headers took over %.0f s", self.header_seconds)
            transport.close()


def http_protocol(seconds: float = HEADER_SECONDS) -> type[asyncio.Protocol]:
    """The HTTP protocol class uvicorn would pick ("auto": httptools if installed, else h11), with the
    header deadline: pass it as `uvicorn.run(..., http=...)`."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # no httptools: uvicorn's pure-Python h11 protocol
        from uvicorn.protocols.http.h11_impl import H11Protocol

        class GuardedH11(_HeaderDeadline, H11Protocol):
            header_seconds = float(seconds)

            def handle_events(self) -> None:
                before = self.cycle
                super().handle_events()
                if self.cycle is not before and not self.cycle.response_complete:  # a request's headers came
                    self._disarm_headers()

            def handle_websocket_upgrade(self, event) -> None:  # type: ignore[no-untyped-def]
                self._disarm_headers()  # the socket is the WebSocket protocol's now (it has its own pings)
                super().handle_websocket_upgrade(event)

        return GuardedH11

    class GuardedHttpTools(_HeaderDeadline, HttpToolsProtocol):
        header_seconds = float(seconds)

        def on_headers_complete(self) -> None:  # a request (or a WebSocket upgrade) has all its headers
            self._disarm_headers()
            super().on_headers_complete()

    return GuardedHttpTools
