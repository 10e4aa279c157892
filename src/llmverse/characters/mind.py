"""A character's mind, one step at a time, in the order it runs: perceive → act → reflect → talk.

Two levels of detail (DESIGN.md principle 4, cheap cognition): a character near a player thinks with
the model — it chooses its next action as schema-constrained JSON among the few the rules allow, and
talks through the model; a character far away follows its plan and speaks in templates, with no model
call at all. The world stays the one writer of state: the mind only submits actions.

What commits together: a mind's own bookkeeping (`mind:<id>`: what it has seen and heard, what it is
doing; `mind_notes.py`) is noted as it goes and committed with the action it takes
(`World.apply(..., updates=)`), with whatever the caller adds (the simulation's mark that this
character is done with the step): one transaction and one journal row. A wait, a refused action or a
talk arranged commits the notes and the mark without an event. Other writes of a step commit on
their own: the plan's ten-minute steps (`DayPlan.subtasks`), an invitation accepted or an alarm's
re-plan in `perceive` (`DayPlan.add`), memories and reflections (`MemorySystem`), and each line of a
conversation (the first with both minds' `talked` marks, a reply with its relationship change).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from llmverse.characters.character import Character
from llmverse.characters.mind_notes import Change, MindNotes
from llmverse.characters.plans import DayPlan
from llmverse.characters.recall import MemorySystem
from llmverse.characters.relations import rel_key, talk_change
from llmverse.llm.base import Cancelled, Message
from llmverse.llm.gateway import Gateway
from llmverse.world.actions import Buy, Move, Wait
from llmverse.world.store import Event
from llmverse.world.world import ActionRefused, World

log = logging.getLogger(__name__)
TALK_GAP = timedelta(minutes=90)  # two characters chat at most this often
PARTY_MINUTES = 120


@dataclass(frozen=True)
class TalkTo:
    other: Mind


@dataclass
class Perceived:
    events: list[Event] = field(default_factory=list)
    invites: list[Event] = field(default_factory=list)  # invitations newly heard (directly or passed on)


class Choice(BaseModel):
    """The model's pick among the options the rules leave open."""

    choice: int = Field(ge=1, le=9, description="number of the chosen option")


DECIDE = """You are {name}, the {role}. It is {time}. You are {where}. Your plan says: {plan}.
Options:
{options}
Examples: when your plan says to be somewhere else, choose the option that goes there; when someone
you know is here and you have news, choose to talk.
Answer with the number of the best option as JSON."""


class Mind:
    def __init__(self, world: World, character_id: str, gateway: Gateway, memory: MemorySystem | None = None) -> None:
        self.world, self.gateway, self.memory = world, gateway, memory
        self.me = world.characters[character_id]
        self.plan = DayPlan(world, self.me)
        self.voice = Character(world, character_id, gateway, memory=memory)
        self.notes = MindNotes(world, character_id)  # my row: noted as I go, committed with my action
        self.share_plans = False  # reuse ten-minute steps made for another character (Simulation sets it)
        self.summarise_talk = False  # far conversations as one summary line (Simulation sets it)
        self.cache_decisions = False  # keep at an activity chosen while the options stay the same (Simulation sets it)
        self.calls_cut = 0  # model calls cancelled (a step out of time budget): rules answered
        self.decisions_cached = 0  # choices answered from `cache_decisions`, no model call

    # --- 1. perceive -------------------------------------------------------------------------
    def perceive(self, detailed: bool = False, *, hold: bool = False) -> Perceived:
        """New events around me since I last looked become memories (importance scored by the model
        when detailed, by rules when far); invitations I hear change my plan. `hold`: what I saw is
        committed with my next action (`act`), not in a write of its own; a run stopped before then
        perceives again (memories are not written twice: `MemorySystem.remember`; a plan change is
        not added twice: `DayPlan.add_change`)."""
        st = self.notes.row()
        new = self.world.events(since_id=st.get("seen", 0))
        here = self.world.position(self.me.id)
        mine = [e for e in new if e.actor != self.me.id and (e.target == self.me.id or (
            here is not None and e.actor in self.world.characters and self.world.position(e.actor) == here))]
        for alarm in (e for e in new if e.kind == "alarm"):  # heard by everyone, wherever they are
            mine.append(alarm)
            self._react_to_alarm(alarm)
        heard = set(st.get("invites", []))
        invites = []
        for e in mine:
            shared = e.data.get("shares")
            inv = e if e.kind == "invite" else self._event(shared) if shared else None
            if inv is not None and inv.id not in heard and inv.actor != self.me.id:
                heard.add(inv.id)
                invites.append(inv)
                self._consider(inv)
        if self.memory is not None:
            own = [e for e in new if e.actor == self.me.id and e.kind in ("say", "arrive", "buy", "give", "invite")]
            self.memory.remember(self.world, self.me.id, sorted(mine + own, key=lambda e: e.id), detailed=detailed)
        seen = new[-1].id if new else st.get("seen", 0)
        self.notes.note(lambda cur: {  # merged: a later look never moves "seen" back
            **cur, "seen": max(seen, cur.get("seen", 0)), "invites": sorted(heard | set(cur.get("invites", [])))})
        if not hold:
            self.notes.commit()
        return Perceived(mine, invites)

    # --- 3. reflect ------------------------------------------------------------------------------
    def reflect(self) -> bool:
        """When enough has happened, draw an insight citing the memories it rests on (model only)."""
        if self.memory is None or not self.memory.reflector.due(self.me.id):
            return False
        try:
            return self.memory.reflector.reflect(self.me.id) is not None
        except Cancelled:  # out of time: tried again once more has happened, not step after step
            self.calls_cut += 1
            self.memory.reflector.postpone(self.me.id)
            return False

    def _react_to_alarm(self, alarm: Event) -> None:
        """Re-plan: those who work or stand there go to help; those about to go there stay away."""
        place, what, now = alarm.target, alarm.data.get("what", "trouble"), self.world.now()
        name = self.world.places[place].names.en
        if self.me.workplace == place or self.world.position(self.me.id) == place:
            self.plan.add(now, 60, place, f"helping with the {what}", f"alarm: {what} at the {name}")
            return
        soon = {self.plan.step_at(now + timedelta(minutes=m)).place for m in range(0, 61, 10)}
        if place in soon:
            stay = self.world.position(self.me.id) or self.me.home or self.me.workplace
            if stay and stay != place:
                self.plan.add(now, 60, stay, f"keeping away from the {what}", f"alarm: {what} at the {name}")

    def _consider(self, invite: Event) -> None:
        """Accept an invitation unless it clashes with work at a place that is open then."""
        at = datetime.fromisoformat(invite.data["at"])
        if at + timedelta(minutes=invite.data.get("minutes", PARTY_MINUTES)) <= self.world.now():
            return  # news of something already over
        planned = self.plan.step_at(at)
        busy = planned.place == self.me.workplace and self.world.is_open(planned.place, at)
        if not busy:
            host = self.world.characters[invite.actor].names.en
            self.plan.add(at, invite.data.get("minutes", PARTY_MINUTES), invite.data["place"],
                          invite.data.get("what", "a gathering"), f"invited by {host} (event {invite.id})")

    # --- 2. decide and act ---------------------------------------------------------------------
    def act(self, detailed: bool, present: list[Mind],
            marks: Callable[[TalkTo | None], Mapping[str, Change]] | None = None) -> Event | TalkTo | None:
        """Follow the plan (cheap), or let the model choose among the options the rules allow.
        `present`: the minds in the same place; talking to one comes back as a TalkTo for the loop.
        My notes are committed with the action; `marks(talk)` (given the TalkTo chosen, or None) adds
        rows to commit with them (the simulation's mark that I am done with this step)."""
        label, action = self.choose(detailed, present)
        extra = dict(marks(action if isinstance(action, TalkTo) else None)) if marks else {}
        if isinstance(action, TalkTo):
            self.notes.commit(extra)
            return action
        try:
            event = self.world.apply(self.me.id, action, updates=self.notes.with_pending(extra))
        except ActionRefused as exc:  # perceived, not fatal: the character waits this step
            log.info("%s: %s refused: %s", self.me.id, label, exc.reason)
            self.notes.note(lambda cur: {**cur, "refused": exc.localized})
            self.notes.commit(extra)
            if self.memory is not None:
                self.memory.stream.add(self.me.id, f"I could not {label}: {exc.reason}.",
                                       world_time=self.world.now(), kind="observation")
            return None
        self.notes.committed()
        return event

    def choose(self, detailed: bool, present: list[Mind]) -> tuple[str, Move | Wait | Buy | TalkTo]:
        """The next action, labelled: the plan's step (a rule), news to tell (a rule), else the model's
        pick among the options when detailed. Nothing is committed but the plan's ten-minute steps."""
        try:
            doing = self.plan.doing(self.world.now(), self.gateway if detailed else None, shared=self.share_plans)
        except Cancelled:
            self.calls_cut += 1
            doing = self.plan.doing(self.world.now(), None)
        self.notes.note(lambda cur: {**cur, "doing": doing})
        options = self._options(present)
        pick = options[0]
        # A plan is a commitment, and news is told to whoever has not heard it: both are rules, not
        # questions (asked, SmolLM2 chose "stay" over going to the party and over telling a friend
        # about it). The model chooses among the rest.
        telling = isinstance(pick[1], TalkTo) and self._news_for(pick[1].other) is not None
        if detailed and len(options) > 1 and not isinstance(pick[1], Move) and not telling:
            pick = options[self._choose(options) - 1]
        return pick

    def _options(self, present: list[Mind]) -> list[tuple[str, Move | Wait | Buy | TalkTo]]:
        """What makes sense now; the rules' preference first (the plan, then news, then rest)."""
        step = self.plan.step_at(self.world.now())
        here, going = self.world.position(self.me.id), self.world.heading(self.me.id)
        options: list[tuple[str, Move | Wait | Buy | TalkTo]] = []
        if step.place and step.place not in (here, going):
            options.append((f"go to the {self.world.places[step.place].names.en} ({step.activity})",
                            Move(to=step.place)))
        chatty = [m for m in present if m.me.id != self.me.id and self.wants_to_talk(m) and m.wants_to_talk(self)]
        chatty.sort(key=lambda m: self._news_for(m) is None)  # someone to tell news to first
        options += [(f"talk to {m.me.names.en}", TalkTo(m)) for m in chatty[:3]]
        wares = self._for_sale_here() if here else []
        buy = [(f"buy the {t.names.en} ({t.price:g} coins)", Buy(thing=t.id)) for t in wares[:2]]
        shopping = re.search(r"\bbuy|shop|买", step.activity or "", re.I) and not self._bought_this_block()
        stay = (f"stay and keep {step.activity or 'busy'}", Wait())
        # Shopping in the plan: buying first; otherwise buying is one choice among the rest.
        options += [*buy, stay] if shopping else [stay, *buy]
        return options[:9]

    def _for_sale_here(self) -> list:
        here = self.world.position(self.me.id)
        return [t for t in self.world.things_at(here) if t.price is not None and t.kind != "exhibit"
                and self.world.thing_state(t.id).owner != self.me.id]

    def _bought_this_block(self) -> bool:
        start = self.plan.block_start(self.world.now())
        return any(e.world_time >= start for e in self.world.events(actor=self.me.id, kind="buy", last=3))

    def _choose(self, options: list[tuple[str, object]]) -> int:
        """The model's pick (1-based). With `cache_decisions`, a character that chose to stay at its
        activity keeps at it without asking again while its options are the same ones (nobody new to
        talk to, nothing new to buy, the same plan step): asked again, the situation is the one it
        answered ten minutes ago. A choice to talk or buy is never repeated from the cache."""
        key = "\n".join(label for label, _ in options)
        if self.cache_decisions and self.notes.row().get("stayed_with") == key:
            self.decisions_cached += 1
            return next(i for i, (_, act) in enumerate(options, 1) if isinstance(act, Wait))
        pick = self._ask(options)
        if pick is None:  # cut by the step budget: the rules' preference, not a choice to keep
            return 1
        stayed = key if isinstance(options[pick - 1][1], Wait) else None
        self.notes.note(lambda cur: {**cur, "stayed_with": stayed})
        return pick

    def _ask(self, options: list[tuple[str, object]]) -> int | None:
        now = self.world.now()
        step = self.plan.step_at(now)
        here = self.world.position(self.me.id) or f"walking to {self.world.heading(self.me.id)}"
        prompt = DECIDE.format(name=self.me.names.en, role=self.me.role, time=f"{now:%H:%M}", where=here,
                               plan=f"{step.activity} at {step.place}",
                               options="\n".join(f"{i}. {label}" for i, (label, _) in enumerate(options, 1)))
        try:
            choice = self.gateway.decide([Message("user", prompt)], Choice, fallback=Choice(choice=1))
        except Cancelled:  # out of time: the rules' preference
            self.calls_cut += 1
            return None
        return choice.choice if choice.choice <= len(options) else 1

    # --- 4. talk ---------------------------------------------------------------------------------
    def talk_to(self, other: Mind, detailed: bool, turns: int = 2,
                updates: dict[str, Callable[[dict], dict]] | None = None) -> list[Event]:
        """A short conversation; whoever has news (an invitation the other hasn't heard) opens with it.
        The opener commits with `updates` and with both minds marked as having talked, so a run
        stopped mid-conversation never holds it again. Far from players (`summarise_talk`), the whole
        talk is one line by rules, told as what happened."""
        if other.me.id == self.me.id:
            return []  # nobody greets themselves
        if self._news_for(other) is None and other._news_for(self) is not None:
            return other.talk_to(self, detailed, turns, updates)
        news = self._news_for(other)
        talked = self.world.now().isoformat()
        marks = {m.notes.key: (lambda cur: {**cur, "talked": talked}) for m in (self, other)} | dict(updates or {})
        summary = not detailed and self.summarise_talk
        opener = self._summary(other, news) if summary else self._opener(other, news)
        data = {"shares": news.id} if news else {}
        if summary:
            data["summary"] = True
            marks |= {rel_key(a.me.id, b.me.id): talk_change(self.world, opener) for a, b in ((self, other), (other, self))}
        try:
            said = [self.world.say(self.me.id, other.me.id, opener, updates=marks, **data)]
        except ActionRefused as exc:  # the other walked off while this one made up its mind
            log.info("%s could not talk to %s: %s", self.me.id, other.me.id, exc.reason)
            return []
        if summary:
            return said
        return said + self._turns(other, self, opener, news, detailed, turns)

    def resume_talk(self, other: Mind, detailed: bool, turns: int = 2) -> list[Event]:
        """Finish a conversation with `other` that a stopped run left between its lines this step: the
        lines said stay said, the next speaker answers the last one, and the talk ends where it would
        have (no line lost, none said twice). Nothing to do when it was finished or never began."""
        now = self.world.now()
        lines = [e for e in self.world.events(kind="say", between=(self.me.id, other.me.id), last=turns + 1)
                 if e.world_time == now]
        if not lines or lines[0].data.get("summary") or len(lines) > turns:
            return []
        news = self._event(lines[0].data["shares"]) if lines[0].data.get("shares") else None
        speaker, listener = (self, other) if lines[-1].actor == other.me.id else (other, self)
        return self._turns(speaker, listener, lines[-1].data["text"], news, detailed, turns + 1 - len(lines))

    def _turns(self, speaker: Mind, listener: Mind, line: str, news: Event | None, detailed: bool,
               turns: int) -> list[Event]:
        """The replies after a talk's opening line, each speaker answering the last line."""
        said = []
        for _ in range(turns):
            if detailed:
                try:
                    speaker.voice.reply(listener.me.id, line, record_incoming=False)
                    line = speaker.voice.last.text if speaker.voice.last else "..."
                    said.append(self.world.events(actor=speaker.me.id, kind="say", last=1)[0])
                    speaker, listener = listener, speaker
                    continue
                except Cancelled:  # out of time: the rest of the talk by rules
                    speaker.calls_cut += 1
                    detailed = False
            line = speaker._template_reply(listener, news)
            # The words and what they do to the relationship commit together: a crash keeps both or neither.
            said.append(self.world.say(speaker.me.id, listener.me.id, line,
                                       updates={rel_key(speaker.me.id, listener.me.id): talk_change(self.world, line)}))
            speaker, listener = listener, speaker
        return said

    def wants_to_talk(self, other: Mind) -> bool:
        last = self.notes.row().get("talked")
        return last is None or self.world.now() - datetime.fromisoformat(last) >= TALK_GAP

    def _news_for(self, other: Mind) -> Event | None:
        mine = self.notes.row().get("invites", [])
        hosting = [e.id for e in self.world.events(actor=self.me.id, kind="invite")]
        theirs = set(other.notes.row().get("invites", []))
        fresh = [i for i in [*hosting, *mine] if i not in theirs]
        return self._event(fresh[-1]) if fresh else None

    def _opener(self, other: Mind, news: Event | None) -> str:
        if news is None:
            return f"Good day, {other.me.names.en}."
        at = datetime.fromisoformat(news.data["at"])
        place = self.world.places[news.data["place"]].names.en
        host = "I am" if news.actor == self.me.id else f"{self.world.characters[news.actor].names.en} is"
        return (f"{other.me.names.en}, {host} having {news.data.get('what', 'a gathering')} at the {place} "
                f"at {at:%H:%M}. Will you come?")

    def _summary(self, other: Mind, news: Event | None) -> str:
        """A far conversation in one line, as it went by the rules: who told whom what, and the answer."""
        me, them = self.me.names.en, other.me.names.en
        if news is None:
            return f"({me} and {them} chatted for a while.)"
        at = datetime.fromisoformat(news.data["at"])
        place = self.world.places[news.data["place"]].names.en
        host = self.world.characters[news.actor].names.en
        coming = other._coming(news)
        return (f"({me} told {them} that {host} is having {news.data.get('what', 'a gathering')} at the {place} "
                f"at {at:%H:%M}; {them} {'will come' if coming else 'cannot come'}.)")

    def _coming(self, news: Event) -> bool:
        """Whether this character would accept the invitation (the rule `_consider` applies)."""
        at = datetime.fromisoformat(news.data["at"])
        planned = self.plan.step_at(at)
        return not (planned.place == self.me.workplace and self.world.is_open(planned.place, at))

    def _template_reply(self, other: Mind, news: Event | None) -> str:
        if news is not None and self.plan.step_at(datetime.fromisoformat(news.data["at"])).place == news.data["place"]:
            return f"I will be there, {other.me.names.en}."
        return f"Good to see you, {other.me.names.en}."

    def _event(self, event_id: int) -> Event | None:
        return self.world.event(event_id)


def invite(world: World, host: str, place: str, at: datetime, what: str, minutes: int = PARTY_MINUTES) -> Event:
    """A character plans a gathering: an event others can hear about and pass on."""
    if host not in world.characters:
        return world.invite(host, place, at, what, minutes)  # refused, with the reason
    plan = DayPlan(world, world.characters[host])
    _, change = plan.add_change(at, minutes, place, f"hosting {what}", f"own {what}")
    return world.invite(host, place, at, what, minutes, updates={plan.key: change})

