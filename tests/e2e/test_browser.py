"""The web client in headless Chromium: log in, walk to a character, chat with a streamed reply, ask
the way and see the path drawn on the map, switch language, watch characters move; screenshots are
kept in tests/e2e/artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from browserkit import SIGN_UP_SECONDS, log_in, served

ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots (git-ignored)
ROUTE_RGB = (255, 122, 0)  # ROUTE_COLOR in web/map.js


def _click_tile(page, x: int, y: int) -> None:
    page.focus("#map")  # a click that only gives the map the focus walks nowhere
    box = page.locator("#map").bounding_box()
    size = page.evaluate("[document.getElementById('map').width, document.getElementById('map').height]")
    sx, sy = box["width"] / size[0], box["height"] / size[1]
    page.mouse.click(box["x"] + (x * 12 + 6) * sx, box["y"] + (y * 12 + 6) * sy)


def test_log_in_walk_chat_ask_and_see_the_route(page, tmp_path):
    from llmverse.content import ContentStore, generate

    rt, server = served(tmp_path)
    ContentStore(rt.world).save(generate("news", rt.world, rt.gateway, day=1, language="en"))
    with server:
        httpx.post(server.url + "/api/register", json={"name": "alice", "password": "wonderland"},
                   timeout=SIGN_UP_SECONDS)
        frames: list[dict] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload))))
        log_in(page, server.url, "alice", "wonderland")
        assert page.locator("#gazette-body h3").inner_text()  # the gazette panel shows the day's news

        # Walk to Bram by clicking the map beside him.
        bx, by = rt.world.tile("bram")
        _click_tile(page, bx - 1, by)
        page.wait_for_function(f"document.getElementById('map').dataset.tile === '{bx - 1},{by}'")
        assert rt.presence.tile("alice") == (bx - 1, by)

        # Chat: the reply streams into the chat panel.
        page.select_option("#chat-to", "bram")
        page.fill("#chat-input", "How much is the anchor?")
        page.press("#chat-input", "Enter")
        reply = page.locator("#chat-log .msg:not(.me) .text").last
        page.wait_for_function("document.querySelector('#chat-log .msg:not(.me)[data-events]') !== null")
        text = reply.inner_text()
        assert "40" in text
        say_ids = {f["id"] for f in frames if f["type"] == "end" and f["text"] == text}
        tokens = [f["text"] for f in frames if f["type"] == "token" and f["id"] in say_ids]
        assert tokens and "".join(tokens) == text  # it came token frame by token frame

        # Ask the way: the path is drawn on the canvas.
        page.fill("#assistant-input", "How do I get to the museum?")
        page.press("#assistant-input", "Enter")
        page.wait_for_function("document.getElementById('map').dataset.route !== undefined")
        page.wait_for_function("document.querySelector('#assistant-log .msg:not(.me):not(.streaming)') !== null")
        assert "Maritime Museum" in page.locator("#assistant-log .msg:not(.me) .text").last.inner_text()
        path = json.loads(page.locator("#map").get_attribute("data-route"))
        assert tuple(path[-1]) in rt.world.grid.entrances("museum")
        # Sample the canvas along the path (away from its ends, where the avatar stands): the route colour.
        pixels = page.evaluate("""(tiles) => {
            const g = document.getElementById('map').getContext('2d');
            return tiles.map(([x, y]) => Array.from(g.getImageData(x * 12 + 6, y * 12 + 6, 1, 1).data.slice(0, 3)));
        }""", path[3:-3])
        orange = [p for p in pixels if all(abs(a - b) < 40 for a, b in zip(p, ROUTE_RGB))]
        assert len(orange) >= 0.8 * len(pixels), pixels[:5]

        # Recommendations: one click, a numbered list of what is open now.
        answered = page.locator("#assistant-log .msg:not(.me):not(.streaming)").count()
        page.click("#suggest")
        page.wait_for_function(f"document.querySelectorAll('#assistant-log .msg:not(.me):not(.streaming)').length > {answered}")
        suggestion = page.locator("#assistant-log .msg:not(.me) .text").last.inner_text()
        assert "suggest" in suggestion and "1. " in suggestion and "Sources:" in suggestion

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "harbor_town.png"), full_page=True)
        assert (ARTIFACTS / "harbor_town.png").stat().st_size > 10_000


def test_language_switch_arrow_keys_and_characters_moving_live(page, tmp_path):
    rt, server = served(tmp_path, tick_seconds=0.3, step_minutes=30)
    with server:
        httpx.post(server.url + "/api/register", json={"name": "bob", "password": "builder-99"},
                   timeout=SIGN_UP_SECONDS)
        log_in(page, server.url, "bob", "builder-99")
        page.click("#lang")
        assert page.locator("#chat h2").inner_text() == "对话"
        assert "铁匠" in page.locator("#chat-to").inner_text()  # Bram's role in Chinese
        page.click("#lang")
        assert page.locator("#chat h2").inner_text() == "Talk"

        start = tuple(rt.presence.tile("bob"))
        page.focus("#map")
        page.keyboard.press("ArrowUp")
        page.wait_for_function(f"document.getElementById('map').dataset.tile === '{start[0]},{start[1] - 1}'")

        before = page.evaluate("JSON.stringify(Object.values(window.llmverse.map.characters).map(c => c.tile))")
        page.wait_for_function(f"JSON.stringify(Object.values(window.llmverse.map.characters).map(c => c.tile)) !== {json.dumps(before)}",
                               timeout=30_000)
        clock = page.locator("#clock").inner_text()
        assert clock and clock != "08:00"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "characters_moving.png"))


def test_a_wrong_password_shows_an_error_and_no_game(page, tmp_path):
    _, server = served(tmp_path)
    with server:
        page.goto(server.url)
        page.fill("#login-name", "nobody")
        page.fill("#login-password", "wrong-password")
        page.click("#login-button")
        page.wait_for_function("document.getElementById('login-error').textContent.length > 0")
        assert page.locator("#game").is_hidden()


def test_the_logout_button_revokes_the_token(page, tmp_path):
    _, server = served(tmp_path)
    with server:
        httpx.post(server.url + "/api/register", json={"name": "carol", "password": "carol-pass"},
                   timeout=SIGN_UP_SECONDS)
        log_in(page, server.url, "carol", "carol-pass")
        token = page.evaluate("sessionStorage.getItem('token')")
        me = lambda: httpx.get(server.url + "/api/me", headers={"Authorization": f"Bearer {token}"},  # noqa: E731
                               timeout=SIGN_UP_SECONDS)
        assert me().status_code == 200
        page.click("#logout")
        page.wait_for_selector("#login:not([hidden])")
        page.wait_for_function("sessionStorage.getItem('token') === null")
        for _ in range(50):  # the page does not wait for the server's answer
            if me().status_code == 401:
                break
            page.wait_for_timeout(100)
        assert me().status_code == 401
