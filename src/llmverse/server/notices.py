"""What a player is told about their model requests (queued, busy, rate-limited), in English and Chinese.

The frames carry `reason` (a code), `detail` in the player's language (the `lang` of the socket, the
`Accept-Language` of an API call) and `reasons` in both, as refusals of a move do
(`server/presence.py`), so a client shows the player's language and a script reads the code.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")
NOTICES: dict[str, tuple[str, str]] = {
    # a request waiting for the player's own (a player's requests run one at a time)
    "own_request": ("your previous request is still being answered: this one follows it",
                    "你上一个请求还在回答中：这个排在它后面"),
    "queue": ("{0} request(s) of other players are ahead of yours", "前面还有 {0} 个其他玩家的请求"),
    "next": ("yours is next", "下一个就是你的"),
    "busy": ("you have {0} requests waiting or running, as many as a player may: wait for one to end "
             "(or cancel one), then send this again",
             "你已有 {0} 个请求在排队或回答中，已达上限：请等其中一个结束（或取消一个）后再发"),
    "rate_limited": ("too many requests to the model: wait {0} s before the next",
                     "向模型发的请求太多：请等 {0} 秒再发"),
}


def notice(code: str, *args: object) -> dict[str, str]:
    """The notice `code` in every language, its `{0}` ... filled with `args`."""
    texts = NOTICES[code]
    return {lang: text.format(*args) for lang, text in zip(LANGUAGES, texts)}


def language_of(accept_language: str | None) -> str:
    """The language of an API caller: Chinese when its `Accept-Language` puts a `zh` tag first."""
    first = (accept_language or "").split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


def queued(position: int, own_ahead: int) -> str:
    """Why a waiting request waits: its player's own request first, other players', or nothing."""
    if own_ahead:
        return "own_request"
    return "queue" if position else "next"
