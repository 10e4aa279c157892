"""The router: a player's request becomes one tool call (navigate, recommend, answer, smalltalk).

The model chooses, as schema-constrained JSON, from a few-shot prompt in both languages (DESIGN.md:
a small model decides well only with examples and a schema). Rules then narrow what the world makes
certain: a request for the way to a place the world can resolve is navigation whatever the model
said; "and how long will it take?" refers back to the last destination (per-player session state);
and when the model's choice is invalid or the backend is down, keywords choose, and failing them the
intent classifier trained for the world (`assistant/intents.py`, English) and then the tool of the
nearest stored example request (BM25 over jieba tokens; MiniLM cosine for English). The model's choice
and the final choice are both kept, so an evaluation can measure each.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from llmverse.assistant.recommend import stated_interest
from llmverse.lang import detect_language, tokens
from llmverse.memory.bm25 import IncrementalBM25
from llmverse.llm.base import Message
from llmverse.world.places import resolve

if TYPE_CHECKING:
    from llmverse.llm.gateway import Gateway
    from llmverse.world.model import WorldFile
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
    ("怎么去公园？", "navigate", "公园"),
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
# Words a follow-up about the walk adds besides its follow-up words ("and how long to walk there?").
FOLLOW_FILLER = frozenset({"and", "then", "walk", "walking", "there", "it", "to", "get", "go", "me", "on", "foot",
                           "走", "过去", "走过去", "走路", "步行", "那里", "那儿", "要", "去", "过", "到", "从", "这里"})
QUESTION = re.compile(r"\?|？|\b(?:what|when|who|how|where|why|which|does|is|are|can)\b|什么|几点|多少|谁|吗|呢|哪")


@dataclass
class Decision:
    tool: Tool
    target: str  # the words the tool acts on
    place: str | None = None  # for navigate: the destination place id
    model_tool: str | None = None  # what the model chose (None: not asked; "invalid": no valid choice)
    rule: str | None = None  # the rule that decided, when one did
    followup: bool = False  # refers back to the session's last destination


def world_names(world: World) -> frozenset[str]:
    """Every keyword token of the world's names and aliases (places, things, characters); made on each
    call (about a millisecond), which only the fallback path pays."""
    return names_in(world.file)


def names_in(file: WorldFile) -> frozenset[str]:
    words: set[str] = set()
    for entity in (*file.places, *file.things, *file.characters):
        for name in (entity.names.en, entity.names.zh or "", *entity.aliases):
            words.update(tokens(name))
    return frozenset(words)


def session_key(player: str) -> str:
    return f"assistant:{player}"


# Requests no keyword rule catches, by tool, for the nearest-example fallback (both languages). They
# name no place or person: the world's names are taken out of a request before it is compared, so the
# match is on what is asked, not on what it is asked about.
EXEMPLARS: dict[str, tuple[str, ...]] = {
    "navigate": ("take me there", "I need to find it", "which way is it", "lead the way", "get me there please",
                 "我要去那里", "带我过去", "往哪边走", "离这里远不远"),
    "recommend": ("I'm hungry", "somewhere nice to eat", "a good place for lunch", "fun things around here",
                  "plans for a rainy afternoon", "what's good to see", "any events today", "I have an hour free",
                  "我饿了", "哪里吃饭好", "今天有什么活动", "下午有空可以去哪", "附近有什么好看的"),
    "answer": ("when does it open", "when does it close", "how much is it", "who works there", "is it open",
               "what is that", "tell me about it", "opening hours", "what does it cost", "who runs it",
               "是什么", "多少钱", "几点关门", "几点开门", "谁在那里工作", "有什么历史"),
    "smalltalk": ("nice to meet you", "good day to you", "you are very kind", "see you later", "have a nice day",
                  "很高兴认识你", "你真好", "回头见", "祝你愉快"),
}


class NearestExample:
    """The tool of the stored example request most like this one: BM25 over keyword tokens (jieba
    for Chinese), and MiniLM cosine for English when an embedder is given (it does not read Chinese).
    The fallback for requests no keyword rule catches."""

    def __init__(self, embedder: Any | None = None, min_cosine: float = 0.45) -> None:
        self.embedder, self.min_cosine = embedder, min_cosine
        self.requests = [(tool, text) for tool, texts in EXEMPLARS.items() for text in texts]
        self.bm25 = IncrementalBM25()
        self.bm25.add([tokens(text) for _, text in self.requests])
        self._vectors = None

    def __call__(self, text: str, names: frozenset[str] = frozenset()) -> Tool | None:
        """The nearest example's tool, or None when nothing is alike. `names`: the world's names (as
        keyword tokens), left out of the comparison."""
        words = [w for w in tokens(text) if w not in names]
        if self.embedder is not None and detect_language(text) == "en":
            if self._vectors is None:
                self._vectors = self.embedder.embed([t for _, t in self.requests])
            sims = self._vectors @ self.embedder.embed([" ".join(words)])[0]
            best = int(sims.argmax())
            if sims[best] >= self.min_cosine:
                return self.requests[best][0]  # type: ignore[return-value]
        positions, scores = self.bm25.top(words, 1)
        if len(positions) and scores[0] > 0:
            return self.requests[int(positions[0])][0]  # type: ignore[return-value]
        return None


_NEAREST = NearestExample()


def keyword_rule(text: str) -> Tool | None:
    """The tool the request's own keywords name, or None."""
    if RECOMMEND.search(text):
        return "recommend"
    if ROUTE.search(text):
        return "navigate"
    if SMALLTALK.search(text) and len(text) < 40:
        return "smalltalk"
    return None


def keyword_tool(text: str, nearest: NearestExample | None = None, names: frozenset[str] = frozenset(),
                 intents: Callable[[str], str | None] | None = None) -> Tool:
    """The fallback choice: the request's keywords; failing them the trained intent classifier (when
    one was trained, English), then the nearest stored example; "answer" when nothing is alike."""
    return keyword_rule(text) or (intents(text) if intents else None) or (nearest or _NEAREST)(text, names) \
        or "answer"  # type: ignore[return-value]


class Router:
    """`consult="always"` asks the model every time (to measure it); "unsure" only when no rule
    decides (faster: a rule-decided request costs no model call)."""

    def __init__(self, gateway: Gateway | None, *, consult: Literal["always", "unsure"] = "unsure",
                 embedder: Any | None = None, intents: Callable[[str], str | None] | None | Literal["auto"] = "auto") -> None:
        self.gateway, self.consult = gateway, consult
        self.nearest = NearestExample(embedder) if embedder is not None else _NEAREST
        if intents == "auto":  # the classifier `llmverse router train` made, when there is one
            from llmverse.assistant.intents import IntentClassifier

            classifier = IntentClassifier()
            intents = classifier if classifier.available else None
        self.intents = intents

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
            tool = keyword_tool(text, self.nearest, world_names(world), self.intents)
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
        rest = [w for w in tokens(FOLLOW.sub(" ", text)) if w.lower() not in FOLLOW_FILLER]
        if FOLLOW.search(text) and last in world.places and (best is None or best.place == last) and (
                best is not None or len(rest) <= 2):
            return Decision("navigate", text, place=last, rule="follow-up", followup=True)
        if ROUTE.search(text) and best is not None and not RECOMMEND.search(text):
            return Decision("navigate", text, place=best.place, rule="route to a known place")
        if RECOMMEND.search(text):
            return Decision("recommend", text, rule="asks for advice")
        if stated_interest(text) and not QUESTION.search(text):  # "I love history": show them what fits
            return Decision("recommend", text, rule="states an interest")
        if SMALLTALK.search(text) and not (best is not None and QUESTION.search(text[4:])):
            return Decision("smalltalk", text, rule="greeting")
        return None
