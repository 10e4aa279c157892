"""What else a newcomer met in the web client (issue 16), in headless Debian chromium on the scripted backend:
a click that only focuses the map walks nowhere; an empty message is answered in the page, never sent;
the assistant's lists keep their line breaks and name their sources, never ids; stated interests lead the
recommendations in both languages; a follow-up goes to the last place talked about; 中文 mode shows no
English from the world (map labels, characters, replies, the assistant)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from browserkit import SIGN_UP_SECONDS, log_in, served

DOCS = Path(__file__).resolve().parents[2] / "docs"
IDS = re.compile(r"\b(?:place|thing|character|npc|doc|event):[a-z_#0-9]+")  # how the world names things inside
ANSWERED = "#assistant-log .msg:not(.me)[data-state='done'], #assistant-log .msg:not(.me)[data-state='error']"


def _player(page, url: str, name: str) -> None:
    httpx.post(url + "/api/register", json={"name": name, "password": "pass-word-1"}, timeout=SIGN_UP_SECONDS)
    log_in(page, url, name, "pass-word-1")


def _ask(page, text: str | None = None) -> str:
    """Ask the assistant (or press 'What to do?' when `text` is None); its answer once it ended."""
    done = page.locator(ANSWERED).count()
    if text is None:
        page.click("#suggest")
    else:
        page.fill("#assistant-input", text)
        page.press("#assistant-input", "Enter")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[ANSWERED, done])
    return page.locator("#assistant-log .msg:not(.me) .text").last.inner_text()


def _click_map(page, x: int, y: int) -> None:
    box = page.locator("#map").bounding_box()
    size = page.evaluate("[document.getElementById('map').width, document.getElementById('map').height]")
    page.mouse.click(box["x"] + (x * 12 + 6) * box["width"] / size[0], box["y"] + (y * 12 + 6) * box["height"] / size[1])


def test_a_click_that_only_focuses_the_map_walks_nowhere(page, tmp_path):
    rt, server = served(tmp_path)
    with server:
        _player(page, server.url, "clicker")
        start = tuple(rt.presence.tile("clicker"))
        target = (start[0] + 2, start[1])
        page.focus("#chat-input")  # the map does not have the focus
        _click_map(page, *target)
        page.wait_for_function("document.getElementById('chat-status').textContent.length > 0")
        assert "click again" in page.locator("#chat-status").inner_text()
        page.wait_for_timeout(500)
        assert tuple(rt.presence.tile("clicker")) == start  # no move was sent
        _click_map(page, *target)  # now it has the focus: this click walks
        page.wait_for_function(f"document.getElementById('map').dataset.tile === '{target[0]},{target[1]}'")
        assert tuple(rt.presence.tile("clicker")) == target


def test_an_empty_message_is_answered_in_the_page_and_never_sent(page, tmp_path):
    _, server = served(tmp_path)
    with server:
        sent: list[str] = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
        _player(page, server.url, "quiet")
        page.fill("#chat-input", "   ")
        page.press("#chat-input", "Enter")
        assert page.locator("#chat-status").inner_text() == "Type something first."
        page.press("#assistant-input", "Enter")
        assert page.locator("#assistant-status").inner_text() == "Type something first."
        page.wait_for_timeout(300)
        assert page.locator("#chat-log .msg, #assistant-log .msg").count() == 0
        assert not any('"say"' in f or '"ask"' in f for f in sent)


def test_lists_keep_their_lines_and_sources_are_names_not_ids_in_both_languages(page, tmp_path):
    rt, server = served(tmp_path)
    rt.world.advance(90)  # 09:30: most places are open
    with server:
        _player(page, server.url, "lister")
        listed = _ask(page)
        numbered = [x[:3] for x in listed.split("\n") if re.match(r"\d\. ", x)]  # one item a line, as rendered
        assert numbered[:3] == ["1. ", "2. ", "3. "], listed
        assert "Sources:" in listed and not IDS.search(listed), listed
        page.click("#lang")
        zh = _ask(page)
        assert [x[:3] for x in zh.split("\n") if re.match(r"\d\. ", x)][:3] == ["1. ", "2. ", "3. "], zh
        assert "来源：" in zh and not IDS.search(zh), zh
        page.screenshot(path=str(DOCS / "web-list-zh.png"))


def test_a_stated_interest_leads_the_suggestions_in_both_languages(page, tmp_path):
    rt, server = served(tmp_path)
    rt.world.advance(90)
    with server:
        _player(page, server.url, "historian")
        told = _ask(page, "I love history")
        items = [x for x in told.split("\n") if re.match(r"\d\. ", x)]
        assert len(items) >= 3 and all("interest in history" in x for x in items[:3]), told
        assert any(w in told for w in ("Maritime Museum", "Mara")), told  # the museum, its guide, its exhibits
        assert not re.search(r"hook|stew", told, re.I), told
        page.click("#lang")
        zh = _ask(page, "我喜欢历史")
        items = [x for x in zh.split("\n") if re.match(r"\d\. ", x)]
        assert len(items) >= 3 and all("历史" in x or "博物馆" in x for x in items[:3]), zh
        assert any(w in zh for w in ("博物馆", "玛拉")) and not re.search(r"鱼钩|鱼汤", zh), zh


def test_a_follow_up_goes_to_the_last_place_talked_about(page, tmp_path):
    _, server = served(tmp_path)
    with server:
        _player(page, server.url, "asker")
        way = _ask(page, "How do I get to the Forge?")
        assert "Forge" in way, way
        follow = _ask(page, "And how long will it take to walk there?")
        assert "Forge" in follow and "Museum" not in follow, follow


def test_chinese_mode_shows_no_english_from_the_world(page, tmp_path):
    rt, server = served(tmp_path)
    rt.world.advance(90)
    with server:
        _player(page, server.url, "xiaohong")
        page.click("#lang")
        labels = page.evaluate("window.llmverse.map.labels.filter((b) => b.kind !== 'player').map((b) => b.text)")
        assert labels and not [t for t in labels if re.search(r"[A-Za-z]", t)], labels
        options = page.locator("#chat-to option").all_inner_texts()
        assert len(options) == 5 and not [o for o in options if re.search(r"[A-Za-z]", o)], options
        way = _ask(page, "博物馆怎么走？")
        assert "博物馆" in way and not re.search(r"[A-Za-z]{2,}", way), way
        page.select_option("#chat-to", "bram")
        walks = page.evaluate("window.llmverse.walks")
        page.click("#walk-to")
        page.wait_for_function(f"window.llmverse.walks > {walks}")
        ended = "#chat-log .thread:not([hidden]) .msg:not(.me)[data-state='done']"
        page.fill("#chat-input", "铁锚多少钱？")
        page.press("#chat-input", "Enter")
        page.wait_for_selector(ended)
        said = page.locator(ended + " .text").last.inner_text()
        assert "40" in said and not re.search(r"[A-Za-z]{2,}", said), said
        page.screenshot(path=str(DOCS / "web-zh.png"))


def _sign(page, name: str, password: str, button: str) -> str:
    """Fill the login form and press a button; the error it shows."""
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.evaluate("document.getElementById('login-error').textContent = ''")
    page.click(button)
    page.wait_for_function("document.getElementById('login-error').textContent.length > 0")
    return page.locator("#login-error").inner_text()


def test_sign_up_errors_are_in_the_pages_language_and_a_name_is_taken_in_any_case(page, tmp_path):
    _, server = served(tmp_path)
    with server:
        httpx.post(server.url + "/api/register", json={"name": "mingming", "password": "pass-word-1"},
                   timeout=SIGN_UP_SECONDS)
        page.goto(server.url)
        page.click("#lang")  # 中文 before signing up: the server's English never shows
        said = {
            "taken": _sign(page, "MingMing", "pass-word-2", "#register-button"),
            "name": _sign(page, "小明", "pass-word-2", "#register-button"),
            "password": _sign(page, "xiaoming", "123", "#register-button"),
            "login": _sign(page, "mingming", "wrong-password", "#login-button"),
        }
        assert said == {"taken": "用户名“mingming”已被使用，请换一个。",
                        "name": "用户名为 2–32 个字符：英文字母、数字或下划线，以字母开头。",
                        "password": "密码至少 8 个字符。", "login": "用户名或密码错误。"}, said
        page.click("#lang")
        assert _sign(page, "xiaoming", "123", "#register-button") == "A password has at least 8 characters."
        page.fill("#login-name", "MingMing")  # the account "mingming", whatever the case typed
        page.fill("#login-password", "pass-word-1")
        page.click("#login-button")
        page.wait_for_selector("#game:not([hidden])")
        assert page.locator("#who").inner_text() == "mingming"


def test_the_page_fits_a_small_window_and_a_click_on_the_smaller_map_walks_to_its_tile(page, tmp_path):
    rt, server = served(tmp_path)
    with server:
        _player(page, server.url, "smallscreen")
        for width, height in ((1024, 700), (800, 600)):
            page.set_viewport_size({"width": width, "height": height})
            for lang in ("en", "zh"):
                if page.evaluate("window.llmverse.lang") != lang:
                    page.click("#lang")
                assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing off to the right
                for button in page.locator("aside button").all():
                    box = button.bounding_box()
                    assert box["x"] + box["width"] <= width, (width, lang, button.inner_text(), box)
        assert page.locator("#map").bounding_box()["width"] < page.evaluate("document.getElementById('map').width")
        start = tuple(rt.presence.tile("smallscreen"))
        target = (start[0] + 2, start[1])
        page.focus("#map")
        _click_map(page, *target)  # the map is drawn smaller than its pixels: the click still finds its tile
        page.wait_for_function(f"document.getElementById('map').dataset.tile === '{target[0]},{target[1]}'")
        assert tuple(rt.presence.tile("smallscreen")) == target
