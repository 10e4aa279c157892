"""The web client as a newcomer meets it (issue 16), in headless Debian chromium on the scripted backend:
walk to each of the five characters and talk; errors in the player's language naming places; history
per character kept over a reload; labels that never overlap; characters walking tile by tile; a slow
model shows "thinking" and the queue, and a second message says it waits for the first (English, 中文);
the gazette arrives after an in-world morning, in Chinese in 中文 mode. Screenshots go to docs/ (the README shows them) and tests/e2e/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from browserkit import SIGN_UP_SECONDS, log_in, served
from serverkit import SlowBackend, ThreadServer, make_runtime
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.server import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs"
CHARACTERS = ("lin", "mara", "bram", "nell", "otto")


def _register_and_log_in(page, url: str, name: str, password: str = "pass-word-1") -> None:
    httpx.post(url + "/api/register", json={"name": name, "password": password}, timeout=SIGN_UP_SECONDS)
    log_in(page, url, name, password)


def _walk_to(page, rt, player: str, who: str) -> None:
    """Choose a character and press 'Walk there'; wait until the avatar stands where the server has it."""
    page.select_option("#chat-to", who)
    walks = page.evaluate("window.llmverse.walks")
    page.click("#walk-to")
    page.wait_for_function(f"window.llmverse.walks > {walks}")


ENDED = ("#chat-log .thread:not([hidden]) .msg:not(.me)[data-state='done'], "
         "#chat-log .thread:not([hidden]) .msg:not(.me)[data-state='error']")


def _say(page, text: str) -> str:
    """Send a line in the chat panel; the reply's text once it ended (or failed)."""
    done = page.locator(ENDED).count()
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[ENDED, done])
    return page.locator("#chat-log .thread:not([hidden]) .msg:not(.me) .text").last.inner_text()


def test_walk_to_each_of_the_five_characters_and_talk(page, tmp_path):
    rt, server = served(tmp_path)
    rt.world.advance(90)  # 09:30: the museum and the library are open
    with server:
        _register_and_log_in(page, server.url, "walker")
        for who in CHARACTERS:
            before = rt.presence.tile("walker")
            _walk_to(page, rt, "walker", who)
            here = rt.presence.tile("walker")
            cx, cy = rt.world.tile(who)
            assert here != before and max(abs(here[0] - cx), abs(here[1] - cy)) == 1, (who, here, (cx, cy))
            assert page.locator("#chat-status").inner_text() == ""  # no refusal
            reply = _say(page, "Hello!")
            last = page.locator("#chat-log .thread:not([hidden]) .msg:not(.me)").last
            assert last.get_attribute("data-state") == "done", (who, reply)
            assert reply.strip()
        page.screenshot(path=str(DOCS / "web-walk-and-talk.png"))


def test_errors_are_in_chinese_and_name_places_never_tiles(page, tmp_path):
    rt, server = served(tmp_path)
    with server:
        _register_and_log_in(page, server.url, "xiaoming")
        page.click("#lang")
        # A click on the forge's wall: refused, naming the forge in Chinese.
        page.focus("#map")
        box = page.locator("#map").bounding_box()
        size = page.evaluate("[document.getElementById('map').width, document.getElementById('map').height]")
        page.mouse.click(box["x"] + (15 * 12 + 6) * box["width"] / size[0],
                         box["y"] + (9 * 12 + 6) * box["height"] / size[1])
        page.wait_for_function("document.getElementById('chat-status').textContent.length > 0")
        wall = page.locator("#chat-status").inner_text()
        assert "铁匠铺" in wall and not re.search(r"[A-Za-z0-9]", wall), wall
        # Talking to Bram from the market square: too far, said in Chinese with where he is.
        page.select_option("#chat-to", "bram")
        far = _say(page, "你好")
        assert "布拉姆" in far and "铁匠铺" in far and not re.search(r"[A-Za-z0-9\[]", far), far
        page.screenshot(path=str(DOCS / "web-error-zh.png"))


def test_each_characters_history_comes_back_after_a_reload(page, tmp_path):
    rt, server = served(tmp_path)
    with server:
        _register_and_log_in(page, server.url, "rememberer")
        _walk_to(page, rt, "rememberer", "bram")
        reply = _say(page, "How much is the anchor?")
        assert "40" in reply
        page.reload()
        page.wait_for_selector("#game:not([hidden])")
        page.select_option("#chat-to", "bram")
        page.wait_for_function("document.querySelectorAll("
                               "'#chat-log .thread[data-with=\"bram\"] .msg.past').length >= 2")
        past = page.locator("#chat-log .thread[data-with='bram'] .msg.past .text").all_inner_texts()
        assert "How much is the anchor?" in past and any("40" in t for t in past)
        page.select_option("#chat-to", "mara")  # another character's thread: nothing of Bram's
        page.wait_for_function("document.querySelector('#chat-log .thread[data-with=\"mara\"]').dataset.loaded === '1'")
        assert page.locator("#chat-log .thread[data-with='mara'] .msg").count() == 0
        assert page.locator("#chat-log .thread[data-with='bram']").is_hidden()


def test_another_browser_opens_on_the_last_conversation_with_its_history_in_order(browser, tmp_path):
    """The history lives on the server, not in the browser: another browser (no storage shared) logging in as
    the same player opens on the character talked with last, every turn in order, the assistant's too; the
    speakers' labels follow the language."""
    rt, server = served(tmp_path)
    rt.world.advance(90)
    with server:
        first = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        _register_and_log_in(first, server.url, "traveller")
        _walk_to(first, rt, "traveller", "mara")
        _say(first, "Hello Mara")
        _walk_to(first, rt, "traveller", "bram")
        replies = [_say(first, "Hello Bram"), _say(first, "How much is the anchor?")]
        first.fill("#assistant-input", "Where is the museum?")
        first.press("#assistant-input", "Enter")
        first.wait_for_selector("#assistant-log .msg:not(.me)[data-state='done']")
        first.context.close()

        second = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        log_in(second, server.url, "traveller", "pass-word-1")
        assert second.input_value("#chat-to") == "bram"  # the last conversation, not the first character
        shown = "#chat-log .thread:not([hidden]) .msg"
        second.wait_for_function(f"document.querySelectorAll('{shown}.past').length === 4")
        said = [(m.locator(".from").inner_text(), m.locator(".text").inner_text()) for m in second.locator(shown).all()]
        assert said == [("You:", "Hello Bram"), ("Bram:", replies[0]),
                        ("You:", "How much is the anchor?"), ("Bram:", replies[1])], said
        asked = second.locator("#assistant-log .msg.past .text").all_inner_texts()
        assert len(asked) == 2 and asked[0] == "Where is the museum?" and "Maritime Museum" in asked[1], asked
        second.screenshot(path=str(DOCS / "web-history.png"))
        second.click("#lang")
        labels = second.locator(f"{shown} .from, #assistant-log .msg .from").all_inner_texts()
        assert labels == ["你:", "布拉姆:", "你:", "布拉姆:", "你:", "助手:"], labels
        second.context.close()


def test_labels_never_overlap_in_either_language(page, tmp_path):
    rt, server = served(tmp_path)
    with server:
        _register_and_log_in(page, server.url, "reader")
        for _ in range(2):
            labels = page.evaluate("window.llmverse.map.labels")
            assert len([b for b in labels if b["kind"] == "character"]) == len(CHARACTERS)
            assert len([b for b in labels if b["kind"] == "place"]) == len(rt.world.places)
            for i, a in enumerate(labels):
                for b in labels[i + 1:]:
                    apart = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"] or \
                        a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
                    assert apart, (a, b)
            page.click("#lang")


def test_characters_walk_tile_by_tile_between_ticks(page, tmp_path):
    rt, server = served(tmp_path, tick_seconds=1.0, step_minutes=10)
    with server:
        _register_and_log_in(page, server.url, "watcher")
        page.wait_for_function("Object.values(window.llmverse.map.trace).some((t) => t.length >= 8)", timeout=60_000)
        traces = page.evaluate("window.llmverse.map.trace")
        walked = 0
        for who, trace in traces.items():
            for (x0, y0, n0), (x1, y1, n1) in zip(trace, trace[1:]):
                if n0 == n1:  # within one tick's walk: one tile at a time
                    assert max(abs(x1 - x0), abs(y1 - y0)) <= 1, (who, trace)
                    walked += 1
        assert walked >= 7
        page.screenshot(path=str(DOCS / "web-walking.png"))


def test_a_slow_model_shows_thinking_and_the_queue(browser, tmp_path):
    slow = Gateway(SlowBackend(delay=0.25), GatewayConfig(timeout=10, retries=0))
    rt = make_runtime(tmp_path, gateway=slow)
    with ThreadServer(create_app(runtime=rt)) as server:
        pages = []
        for name in ("first", "second", "third"):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            pages.append(context.new_page())
            _register_and_log_in(pages[-1], server.url, name)
            _walk_to(pages[-1], rt, name, "nell")
        for i, pg in enumerate(pages):
            pg.fill("#chat-input", f"Hello Nell, what is new? ({i})")
            pg.press("#chat-input", "Enter")
            if i == 0:  # the first is answered (slowly); the others queue behind
                pg.wait_for_function("document.querySelector('#chat-log .msg:not(.me)').dataset.state === 'speaking'")
        first, second, third = pages
        assert first.locator("#chat-status").inner_text() == ""  # speaking: the status is cleared
        second.wait_for_function("document.getElementById('chat-status').textContent === 'Nell is thinking…'")
        third.wait_for_function("document.getElementById('chat-status').textContent === 'Nell is busy: 1 ahead of you'")
        third.screenshot(path=str(DOCS / "web-queue.png"))
        third.wait_for_function("document.getElementById('chat-status').textContent === 'Nell is thinking…'",
                                timeout=60_000)  # the count goes down as the others are answered
        for pg in pages:
            pg.wait_for_function("document.querySelector('#chat-log .msg:not(.me)').dataset.state === 'done'",
                                 timeout=60_000)
            pg.context.close()


OWN_REQUEST = {"en": "your previous request is still being answered: this one follows it",
               "zh": "你上一个请求还在回答中：这个排在它后面"}
STATUS_IS = "([text]) => document.getElementById('chat-status').textContent === text"


def test_a_second_message_says_it_waits_for_the_first_in_both_languages(page, tmp_path):
    """Two messages sent quickly: the second waits behind the player's own first (`queued` with reason
    `own_request`, position 0), and the page says so, not "Nell is thinking…", while the first is
    answered, and in Chinese once the page is switched to 中文; then both are answered."""
    slow = Gateway(SlowBackend(delay=0.25), GatewayConfig(timeout=30, retries=0))
    rt = make_runtime(tmp_path, gateway=slow)
    with ThreadServer(create_app(runtime=rt)) as server:
        _register_and_log_in(page, server.url, "twice")
        _walk_to(page, rt, "twice", "nell")
        for text in ("Hello Nell, what is new?", "And how is the harbour?"):
            page.fill("#chat-input", text)
            page.press("#chat-input", "Enter")
        replies = page.locator("#chat-log .thread:not([hidden]) .msg:not(.me)")
        page.wait_for_function(STATUS_IS, arg=[OWN_REQUEST["en"]])
        assert replies.nth(1).get_attribute("data-state") == "queued"
        page.wait_for_function("document.querySelector('#chat-log .thread:not([hidden]) .msg:not(.me)')"
                               ".dataset.state === 'speaking'")  # the first is answered ...
        assert page.locator("#chat-status").inner_text() == OWN_REQUEST["en"]  # ... and the second still waits
        page.click("#lang")  # 中文: the same wait in the page's new language
        page.wait_for_function(STATUS_IS, arg=[OWN_REQUEST["zh"]])
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "own-request-zh.png"))
        page.wait_for_function("[...document.querySelectorAll('#chat-log .thread:not([hidden]) .msg:not(.me)')]"
                               ".every((m) => m.dataset.state === 'done')", timeout=60_000)
        assert replies.count() == 2
        assert page.locator("#chat-status").inner_text() == ""


def test_a_dropped_connection_ends_the_wait_and_the_page_talks_again_once_reconnected(page, tmp_path):
    slow = Gateway(SlowBackend(delay=0.3), GatewayConfig(timeout=30, retries=0))
    rt = make_runtime(tmp_path, gateway=slow)
    with ThreadServer(create_app(runtime=rt)) as server:
        _register_and_log_in(page, server.url, "dropped")
        _walk_to(page, rt, "dropped", "nell")
        page.fill("#chat-input", "Hello Nell, what is new?")
        page.press("#chat-input", "Enter")
        reply = page.locator("#chat-log .thread:not([hidden]) .msg:not(.me)").last
        page.wait_for_function("document.getElementById('chat-status').textContent === 'Nell is thinking…'")
        page.evaluate("window.llmverse.ws.dropped = true; window.llmverse.ws.close()")  # the connection goes
        page.wait_for_function("document.querySelector('#chat-log .msg:not(.me)').dataset.state === 'error'")
        assert reply.locator(".text").inner_text() == "That did not work; try again."  # not "thinking" for ever
        assert page.locator("#chat-status").inner_text() == ""
        page.wait_for_function("!window.llmverse.ws.dropped && window.llmverse.ws.readyState === 1", timeout=30_000)
        _say(page, "Hello again, Nell.")
        assert page.locator("#chat-log .thread:not([hidden]) .msg:not(.me)").last.get_attribute("data-state") == "done"


def test_the_gazette_comes_after_an_in_world_morning_in_both_languages(page, tmp_path):
    rt, server = served(tmp_path, tick_seconds=1.0, step_minutes=300)  # 08:00 -> the next 06:00 in 5 ticks
    with server:
        _register_and_log_in(page, server.url, "newsreader")
        page.wait_for_function("document.getElementById('gazette-body').textContent.length > 0")
        # day 1: nothing to report yet, and the page says when there will be
        assert page.locator("#gazette-body").inner_text() == \
            "No gazette yet: each day's edition comes out the next morning, world time."
        page.wait_for_function("document.getElementById('gazette-body').dataset.doc", timeout=60_000)
        title = page.locator("#gazette-body h3").inner_text()
        paragraphs = page.locator("#gazette-body p").all_inner_texts()
        assert title.startswith("The ") and len(paragraphs) >= 2
        assert title not in "\n".join(paragraphs)  # the headline once
        headlines = [p.split("\n")[0] for p in paragraphs[1:]]
        assert len(headlines) == len(set(headlines))
        page.click("#lang")
        page.wait_for_function("document.getElementById('gazette-body').dataset.lang === 'zh'")
        zh = page.locator("#gazette-body").inner_text()
        assert "日报" in zh and not re.search(r"[A-Za-z]", zh), zh
        page.screenshot(path=str(DOCS / "web-gazette-zh.png"))
