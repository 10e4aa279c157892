"""The in-world assistant: one entry point for a player's request, streamed back.

    assistant = Assistant(world, gateway)
    text = "".join(assistant.ask("p1", "how do I get to the museum?", start="market"))  # streamed
    assistant.last  # AssistantReply: tool, the model's choice, citations, route, timing

The input rail reads the request first (`llmverse.safety`: attacks and hazards get a refusal and no
tool runs; personal data is redacted); the router picks the tool (navigate, recommend, answer,
smalltalk); the tool computes the facts (`navigate`, `recommend`, `answer`); the output rail reads
every piece; the reply is streamed, sources last. Each player has session state in the
world's store (`assistant:<player>`): where they are, the last destination, so "and how long will
it take?" refers back. The exchange is written to the event log.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from llmverse.assistant.answer import Answer, answer_stream, sources_line, system_prompt
from llmverse.assistant.navigate import NotFound, Route, navigate
from llmverse.assistant.recommend import (Recommendation, Recommender, asked_time, profile_of, recommendation_text,
                                          remember_interest)
from llmverse.assistant.router import SYSTEM as ROUTER_SYSTEM
from llmverse.assistant.router import Decision, Router, session_key
from llmverse.lang import Language, detect_language
from llmverse.safety.injection import leaked
from llmverse.safety.rails import Rails
from llmverse.voice.locale import section
from llmverse.world.grounding import Lexicon
from llmverse.world.places import resolve
from llmverse.world.state import register_row

if TYPE_CHECKING:
    from llmverse.llm.embed import Embedder
    from llmverse.llm.gateway import Gateway
    from llmverse.world.world import World

log = logging.getLogger(__name__)


class SessionRow(BaseModel):
    """`assistant:<player>`: what the assistant keeps of a player between questions (every write fits it)."""

    model_config = ConfigDict(extra="forbid")
    at: str | tuple[int, int] | None = None  # where the player stands: a place id or a tile
    place: str | None = None  # the last place talked about: what a follow-up refers to
    tool: str | None = None  # the tool of the last reply


register_row("assistant", SessionRow)
MAX_CHARS = 1000  # a longer request is not a question: ask for a short one
ACTOR = "assistant"  # the assistant's name in the event log
_PRONOUN = r"\b(?:it|there|that place|they)\b|它|那里|那儿|那边|那个地方"


@dataclass
class AssistantReply:
    text: str
    tool: str  # the tool that answered ("none" for empty or oversized input)
    language: Language
    decision: Decision | None = None
    citations: list[str] = field(default_factory=list)
    route: Route | NotFound | None = None
    answer: Answer | None = None
    recommendations: list[Recommendation] = field(default_factory=list)
    rail: str | None = None  # reason code when a safety rail refused or rewrote (see llmverse.safety)
    seconds: float = 0.0  # from the request to the last piece


def default_docs(world: World) -> Path | None:
    """The world's `docs/` folder beside its file (`World.source`); none for a world built in memory."""
    source = getattr(world, "source", None)
    if source is None:
        return None
    folder = Path(source).parent / "docs"
    return folder if folder.is_dir() else None


class Assistant:
    def __init__(self, world: World, gateway: Gateway | None = None, *, embedder: Embedder | None | str = "auto",
                 docs: Path | None | Literal["auto"] = "auto", router: Router | None = None,
                 record: bool = True, rails: Rails | None = None) -> None:
        """`embedder`: blended into answer retrieval and recommendations ("auto": the package's shared
        multilingual embedder; None: words alone). The router's nearest-example fallback keeps its
        MiniLM-calibrated threshold and uses only an English-only embedder given explicitly."""
        if isinstance(embedder, str):
            from llmverse.llm.embed import open_embedder

            embedder = open_embedder(embedder)
        self.world, self.gateway, self.embedder, self.record = world, gateway, embedder, record
        # Rails on by default: the world's policy, the audit log in the world's store.
        self.rails = rails if rails is not None else Rails.for_world(world)
        # What the output rail must never let through: the assistant's own instructions.
        self.secrets = [ROUTER_SYSTEM, system_prompt(world)]
        self.docs = default_docs(world) if docs == "auto" else docs
        english_only = embedder is not None and "multilingual" not in getattr(embedder, "name", "")
        self.router = router or Router(gateway, embedder=embedder if english_only else None)
        self.lexicon = Lexicon(world.file)
        self.recommender: Recommender | None = None  # made at the first recommendation (it embeds the world)
        self.last: AssistantReply | None = None

    def reply(self, player: str, text: str, **kw: Any) -> AssistantReply:
        """The whole reply at once (the stream, consumed)."""
        for _ in self.ask(player, text, **kw):
            pass
        assert self.last is not None
        return self.last

    def ask(self, player: str, text: str, *, start: str | tuple[int, int] | None = None,
            language: Language | None = None) -> Iterator[str]:
        """Stream the reply; `self.last` holds the AssistantReply when the stream ends. Never raises
        on the player's input."""
        began = time.perf_counter()
        text = (text or "").strip()
        lang: Language = language if language in ("en", "zh") else detect_language(text)
        session = self.world.state_of(session_key(player))
        began_with = dict(session)  # what this reply changes is merged on the stored row at the end
        if start is not None:
            session["at"] = list(start) if isinstance(start, tuple) else start
        here = session.get("at") or next(iter(self.world.places))
        here = tuple(here) if isinstance(here, list) else here
        say = section("assistant", lang)
        rail = self.rails.check_input(player, text, language=lang) if text and len(text) <= MAX_CHARS else None
        if not text or len(text) > MAX_CHARS:
            reply = AssistantReply(say["empty" if not text else "too_long"], "none", lang)
            yield reply.text
        elif rail is not None and rail.refused:  # an attack or a hazard: no tool, no model call
            reply = AssistantReply(rail.text, "none", lang, rail=rail.reason)
            text = rail.redacted  # what the log keeps of it
            yield reply.text
        else:
            if rail is not None and rail.action == "rewrite":  # personal data redacted before anything sees it
                text, reply_rail = rail.text, rail.reason
            else:
                reply_rail = None
            decision = self.router.route(self.world, text, session)
            reply = AssistantReply("", decision.tool, lang, decision, rail=reply_rail)
            pieces = {"navigate": self._navigate, "answer": self._answer, "recommend": self._recommend,
                      "smalltalk": self._smalltalk}[decision.tool](player, decision, text, here, session, reply)
            for piece in pieces:
                # Routes, recommendations and greetings are the world's own words in our sentences; the
                # output rail's rules still read every piece (hazards, personal data, a leaked prompt)
                # before the player does, and the trained head reads what a model wrote (`answer`).
                # A leak is looked for in the whole reply so far: one short sentence at a time shares
                # too few words with a prompt to tell.
                so_far = reply.text + piece
                out = self.rails.check_output(so_far if leaked(so_far, self.secrets) else piece, player=player,
                                              secrets=self.secrets, language=lang,
                                              supported=piece if decision.tool != "answer" else "",
                                              composed=decision.tool != "answer")
                if out.refused:
                    reply.rail, reply.citations = out.reason, []
                    reply.text += out.text
                    yield out.text
                    break
                piece = out.text if out.action == "rewrite" else piece
                reply.text += piece
                yield piece
            if reply.citations:
                named = list(dict.fromkeys(self._source_name(c, lang) for c in reply.citations))
                line = ("\n" if reply.text else "") + sources_line(named, lang)
                yield line
            session["tool"] = decision.tool
        reply.seconds = time.perf_counter() - began
        changed = {k: v for k, v in session.items() if began_with.get(k) != v}
        if changed:  # merged on the row as stored now: another process's change to another field stays
            self.world.update_state(session_key(player), lambda cur: {**cur, **changed})
        if self.record and text:
            marked = {"rail": reply.rail} if reply.rail else {}  # refused turns never return to a prompt
            self.world.say(player, ACTOR, text[:MAX_CHARS], language=lang, **marked)
            self.world.say(ACTOR, player, reply.text, language=lang, tool=reply.tool, sources=reply.citations, **marked)
        self.last = reply

    def _source_name(self, citation: str, language: Language) -> str:
        """A citation as the player reads it: the name of the place, thing or person ('place:museum' is
        the Maritime Museum, 海事博物馆), a document by its file name; the id itself otherwise."""
        kind, _, ident = citation.partition(":")
        w = self.world
        table = {"place": w.places, "thing": w.things, "character": w.characters}.get(kind)
        if table is not None and ident in table:
            names = table[ident].names
            return (names.zh or names.en) if language == "zh" else names.en
        if kind == "event" and "@" in ident:  # a character's activity at a time: "mara@13:30"
            who, _, at = ident.partition("@")
            if who in w.characters:
                names = w.characters[who].names
                return f"{(names.zh or names.en) if language == 'zh' else names.en} {at}"
        if kind in ("doc", "docs"):
            return Path(ident.split("#")[0]).stem.replace("_", " ")
        return citation

    # --- the tools -------------------------------------------------------------------------------
    def _navigate(self, player: str, d: Decision, text: str, here, session: dict, reply: AssistantReply) -> Iterator[str]:
        route = navigate(self.world, d.place or text, start=here, language=reply.language)
        reply.route = route
        if isinstance(route, Route):
            session["place"] = route.destination
            reply.citations = [f"place:{route.destination}"]
            if d.followup:  # "how long will it take?": the figures, not the whole way again
                say, n = section("assistant", reply.language), round(route.minutes)
                walk = say["under" if n < 1 else "minute" if n == 1 else "minutes"].format(n=n)
                yield say["duration"].format(name=route.destination_name, m=f"{route.distance_m:.0f}", walk=walk)
                return
        yield route.text

    def _answer(self, player: str, d: Decision, text: str, here, session: dict, reply: AssistantReply) -> Iterator[str]:
        question = text
        last = session.get("place")
        if last in self.world.places and re.search(_PRONOUN, text, re.I) and resolve(self.world, text).best is None:
            names = self.world.places[last].names  # "is it open now?" after asking the way to the museum
            question = f"{text} {names.zh or names.en if reply.language == 'zh' else names.en}"
        out: list[Answer] = []
        yield from answer_stream(self.world, question, self.gateway, docs=self.docs, embedder=self.embedder,
                                 language=reply.language, lexicon=self.lexicon, out=out, rails=self.rails,
                                 player=player)
        reply.answer = out[0]
        reply.citations = out[0].citations
        places = [c.split(":", 1)[1] for c in out[0].citations if c.startswith("place:")]
        if places:
            session["place"] = places[0]

    def _recommend(self, player: str, d: Decision, text: str, here, session: dict, reply: AssistantReply) -> Iterator[str]:
        """What to do now (or at the time asked about), from the player's interests and history."""
        if self.recommender is None:
            self.recommender = Recommender(self.world, self.embedder)
        remember_interest(self.world, player, text)
        now = self.world.now()
        at = asked_time(text, now)
        place = here if isinstance(here, str) and here in self.world.places else \
            self.world.grid.place_at(*here) if isinstance(here, tuple) else None
        recs = self.recommender.recommend(profile_of(self.world, player), here=place or next(iter(self.world.places)),
                                          at=at, k=3, request=text, language=reply.language)
        reply.recommendations = recs
        reply.citations = list(dict.fromkeys(i for r in recs for i in sorted(r.item.covers)))
        yield recommendation_text(recs, at, now, reply.language)

    def _smalltalk(self, player: str, d: Decision, text: str, here, session: dict, reply: AssistantReply) -> Iterator[str]:
        say = section("assistant", reply.language)
        world = self.world.file.name.zh or self.world.file.name.en if reply.language == "zh" \
            else self.world.file.name.en
        key = "thanks" if re.search(r"thank|谢", text, re.I) else "bye" if re.search(r"\bbye\b|再见|拜拜", text, re.I) \
            else "hello"
        yield say[key].format(world=world)
