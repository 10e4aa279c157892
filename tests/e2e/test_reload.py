"""A reload while a character is replying (issue 16: the reply was lost, the model stopped for the closed
socket and the exchange was never written). The server finishes the reply and stores it; the reloaded
page shows it when it comes (live, as its event), and the history has it on the next reload. Headless
Debian chromium, a slow scripted backend whose pace the test sets."""

from __future__ import annotations

import httpx

from browserkit import SIGN_UP_SECONDS, log_in
from serverkit import SlowBackend, ThreadServer, make_runtime
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.server import create_app

NELL = "#chat-log .thread[data-with='nell']"


def _texts(page, selector: str) -> list[str]:
    return page.locator(selector).all_inner_texts()


def _while_nell_speaks(page, url: str, name: str) -> None:
    """A new player beside Nell who has said hello; returns once her reply has begun."""
    httpx.post(url + "/api/register", json={"name": name, "password": "pass-word-1"}, timeout=SIGN_UP_SECONDS)
    log_in(page, url, name, "pass-word-1")
    page.select_option("#chat-to", "nell")
    walks = page.evaluate("window.llmverse.walks")
    page.click("#walk-to")
    page.wait_for_function(f"window.llmverse.walks > {walks}")
    page.fill("#chat-input", "Hello Nell, what is new?")
    page.press("#chat-input", "Enter")
    page.wait_for_function("document.querySelector('#chat-log .msg:not(.me)').dataset.state === 'speaking'")


def test_a_reply_under_way_at_a_reload_is_finished_shown_and_kept(page, tmp_path):
    backend = SlowBackend(delay=0.5)  # ~10 s for the reply while the page reloads; then sped up
    rt = make_runtime(tmp_path, gateway=Gateway(backend, GatewayConfig(timeout=30, retries=0)))
    with ThreadServer(create_app(runtime=rt)) as server:
        _while_nell_speaks(page, server.url, "reloader")

        page.reload()  # mid-reply: the session's socket closes
        page.wait_for_selector("#game:not([hidden])")
        page.wait_for_function(f"document.querySelector(\"{NELL}\") && "
                               f"document.querySelector(\"{NELL}\").querySelectorAll('.msg.past').length >= 1")
        assert backend.finished == 0 and backend.stopped_early == 0  # the history came before the reply's end
        assert _texts(page, f"{NELL} .msg .text") == ["Hello Nell, what is new?"]
        backend.delay = 0.01
        page.wait_for_function(f"document.querySelectorAll(\"{NELL} .msg:not(.me)\").length === 1", timeout=30_000)
        said = [e for e in rt.world.events(kind="say", between=("reloader", "nell"))]
        assert [e.actor for e in said] == ["reloader", "nell"] and backend.finished == 1
        assert "The sea is calm" in said[1].data["text"]  # written after the reload
        assert _texts(page, f"{NELL} .msg .text") == ["Hello Nell, what is new?", said[1].data["text"]]

        page.reload()  # and the history keeps it
        page.wait_for_function(f"document.querySelector(\"{NELL}\") && "
                               f"document.querySelector(\"{NELL}\").querySelectorAll('.msg.past').length >= 2")
        assert _texts(page, f"{NELL} .msg.past .text") == ["Hello Nell, what is new?", said[1].data["text"]]


def test_a_reply_cut_off_by_a_dropped_connection_takes_the_failed_bubbles_place(page, tmp_path):
    """The page said "That did not work" when its socket dropped mid-reply; the server finished the reply,
    and once the page is connected again the reply fills that bubble — also while the player's next
    message waits behind it (that request's own line and reply are its own, not shown twice)."""
    backend = SlowBackend(delay=0.5)  # ~10 s a reply: the page reconnects (2 s) well inside the first
    rt = make_runtime(tmp_path, gateway=Gateway(backend, GatewayConfig(timeout=30, retries=0)))
    with ThreadServer(create_app(runtime=rt)) as server:
        _while_nell_speaks(page, server.url, "dropper")
        page.evaluate("window.llmverse.ws.dropped = true; window.llmverse.ws.close()")
        first = page.locator(f"{NELL} .msg:not(.me)").first
        page.wait_for_function("document.querySelector('#chat-log .msg:not(.me)').dataset.state === 'error'")
        assert first.locator(".text").inner_text() == "That did not work; try again."
        page.wait_for_function("!window.llmverse.ws.dropped && window.llmverse.ws.readyState === 1", timeout=30_000)
        assert backend.finished == 0  # reconnected while the first reply is still being written
        page.fill("#chat-input", "And how is the harbour?")  # waits behind it on the server
        page.press("#chat-input", "Enter")
        page.wait_for_function(f"[...document.querySelectorAll(\"{NELL} .msg:not(.me)\")]"
                               ".every((m) => m.dataset.state === 'done')", timeout=60_000)
        said = rt.world.events(kind="say", between=("dropper", "nell"))
        assert [e.actor for e in said] == ["dropper", "nell", "dropper", "nell"] and backend.finished == 2
        assert _texts(page, f"{NELL} .msg .text") == [e.data["text"] for e in said]
