"""The router: a player's request becomes one tool call (navigate, recommend, answer, smalltalk).

The model chooses, as schema-constrained JSON, from a few-shot prompt in both languages (DESIGN.md:
a small model decides well only with examples and a schema). Rules then narrow what the world makes
certain: a request for the way to a place the world can resolve is navigation whatever the model
said; "and how long will it take?" refers back to the last destination (per-player session state);
and when the model's choice is invalid or the backend is down, keywords choose. The model's choice
and the final choice are both kept, so an evaluation can measure each.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from llmverse.lang import tokens
from llmverse.llm.base import Message
from llmverse.world.places import resolve

if TYPE_CHECKING:
    from llmverse.llm.gateway import Gateway
    from llmverse.world.world import World

log = logging.getLogger(__name__)
Tool = Literal["navigate", "recommend", "answer", "smalltalk"]
TOOLS: tuple[str, ...] = ("navigate", "recommend", "answer", "smalltalk")
_FALLBACK = "\u0000"  # the target of the gateway's fallback decision: no model writes it


class ToolChoice(BaseModel):
    """The model's decision: which tool, and the words it acts on (a place, a question, a topic)."""

    tool: Tool
    target: str = Field(max_length=60)


SYSTEM = (
    "You route a visitor's request in a small town to one tool. Tools: navigate (the way to a place), "
    "recommend (what to do or where to go, advice), answer (a question about the town: hours, prices, "
    "people, things, history, events), smalltalk (greetings, thanks, chat). Reply with JSON: "
    '{"tool": ..., "target": the place, question or topic in the visitor\'s words}.'
)
# Few-shot examples, both languages; kept short so the prompt prefix is cached and cheap.
EXAMPLES: list[tuple[str, str, str]] = [
    ("How do I get to the library?", "navigate", "library"),
    ("What should I do this evening?", "recommend", "this evening"),
    ("How much does the fish stew cost?", "answer", "fish stew price"),
    ("Hello there!", "smalltalk", "hello"),
    ("怎么去灯笼公园？", "navigate", "灯笼公园"),
    ("有什么好玩的推荐吗？", "recommend", "好玩的"),
    ("谁在图书馆工作？", "answer", "图书馆 工作"),
    ("谢谢你！", "smalltalk", "谢谢"),
]

# Rules, in both languages. ROUTE asks the way; FOLLOW refers to a trip already asked about.
ROUTE = re.compile(
    r"\b(?:how (?:do|can|could|would|should) (?:i|we) (?:get|go|walk|reach)|way to|directions?|take me|"
    r"lead me|guide me|show me (?:the way|where)|get to|go to|walk to|route to|head to|where(?:'s| is| are)|"
    r"where can i find|how far|navigate)\b|怎么走|怎么去|怎样去|如何去|怎么到|带我去|我想去|我要去|在哪|"
    r"在什么地方|哪里|哪儿|路线|的路|怎么过去", re.I)
FOLLOW = re.compile(
    r"\b(?:how long|how far|how many minutes|will it take|does it take|is it far|far is it|and then|"
    r"which way|from here)\b|多久|多远|多长时间|几分钟|远吗|要走多|需要多", re.I)
RECOMMEND = re.compile(
    r"\b(?:recommend\w*|suggest\w*|what should (?:i|we) (?:do|see|visit)|what (?:can|could) (?:i|we) do|"
    r"what to do|where should (?:i|we) go|anything (?:fun|interesting)|something (?:fun|to do|interesting)|"
    r"i'?m bored|worth (?:seeing|visiting)|ideas? for)\b|推荐|建议|有什么好玩|做什么好|干什么|去哪玩|"
    r"去哪儿玩|无聊|值得去|值得看|好玩的", re.I)
SMALLTALK = re.compile(
    r"^\W*(?:hi|hello|hey|good (?:morning|afternoon|evening|night)|thanks?|thank you|bye|goodbye|"
    r"how are you|who are you|what are you|nice to meet you|you'?re (?:great|helpful)|ok(?:ay)?|cool)\b|"
    r"^\W*(?:你好|您好|嗨|哈喽|谢谢|多谢|再见|拜拜|早上好|晚上好|下午好|你是谁|你好吗|辛苦了)", re.I)
QUESTION = re.compile(r"\?|？|\b(?:what|when|who|how|where|why|which|does|is|are|can)\b|什么|几点|多少|谁|吗|呢|哪")


@dataclass
class Decision:
    tool: Tool
    target: str  # the words the tool acts on
    place: str | None = None  # for navigate: the destination place id
    model_tool: str | None = None  # what the model chose (None: not asked; "invalid": no valid choice)
    rule: str | None = None  # the rule that decided, when one did
    followup: bool = False  # refers back to the session's last destination


def session_key(player: str) -> str:
    return f"assistant:{player}"


def keyword_tool(text: str) -> Tool:
    """The fallback choice: the request's own words decide."""
    if RECOMMEND.search(text):
        return "recommend"
    if ROUTE.search(text):
        return "navigate"
    if SMALLTALK.search(text) and len(text) < 40:
        return "smalltalk"
    return "answer"


class Router:
    """`consult="always"` asks the model every time (to measure it); "unsure" only when no rule
    decides (faster: a rule-decided request costs no model call)."""

    def __init__(self, gateway: Gateway | None, *, consult: Literal["always", "unsure"] = "unsure") -> None:
        self.gateway, self.consult = gateway, consult

    def model_choice(self, text: str) -> ToolChoice | None:
        """The model's choice, or None when it gave none valid (the gateway logged why)."""
        if self.gateway is None:
            return None
        messages = [Message("system", SYSTEM)]
        for request, tool, target in EXAMPLES:
            messages += [Message("user", request),
                         Message("assistant", ToolChoice(tool=tool, target=target).model_dump_json())]
        messages.append(Message("user", text[:300]))
        fallback = ToolChoice(tool="answer", target=_FALLBACK)
        choice = self.gateway.decide(messages, ToolChoice, fallback=fallback, max_tokens=40)
        return None if choice.target == _FALLBACK else choice

    def route(self, world: World, text: str, session: dict[str, Any] | None = None) -> Decision:
        session = session or {}
        rule = self._rule(world, text, session)
        model: ToolChoice | None = None
        asked = self.gateway is not None and (self.consult == "always" or rule is None)
        if asked:
            model = self.model_choice(text)
        model_tool = (model.tool if model else "invalid") if asked else None
        if rule is not None:
            rule.model_tool = model_tool
            return rule
        if model is None:
            tool = keyword_tool(text)
            d = Decision(tool, text, rule="keywords", model_tool=model_tool)
        else:
            d = Decision(model.tool, model.target or text, model_tool=model_tool)
        # What the model may choose is narrowed by what the request can mean: no walk without a way
        # asked and a place the world knows; no small talk about a question that names the world.
        named = resolve(world, text).best
        if d.tool == "navigate":
            best = named or (resolve(world, d.target).best if d.target else None)
            if best is None or not ROUTE.search(text):
                d.tool, d.rule = "answer", "no way asked" if best is not None else "no such place"
            else:
                d.place = best.place
        elif d.tool == "smalltalk" and QUESTION.search(text) and not SMALLTALK.search(text):
            d.tool, d.rule = "answer", "a question, not small talk"
        return d

    def _rule(self, world: World, text: str, session: dict[str, Any]) -> Decision | None:
        """A decision the world makes certain, or None to let the model choose."""
        best = resolve(world, text).best
        last = session.get("place")
        # "and how long will it take?" refers back; "how long do they keep lost items?" does not:
        # a follow-up says little besides the follow-up words.
        rest = tokens(FOLLOW.sub(" ", text))
        if FOLLOW.search(text) and last in world.places and (best is None or best.place == last) and (
                best is not None or len(rest) <= 2):
            return Decision("navigate", text, place=last, rule="follow-up", followup=True)
        if ROUTE.search(text) and best is not None and not RECOMMEND.search(text):
            return Decision("navigate", text, place=best.place, rule="route to a known place")
        if RECOMMEND.search(text):
            return Decision("recommend", text, rule="asks for advice")
        if SMALLTALK.search(text) and not (best is not None and QUESTION.search(text[4:])):
            return Decision("smalltalk", text, rule="greeting")
        return None
