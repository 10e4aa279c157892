"""Rails around every exchange: input before any model call, output before anything reaches a player.

    rails = Rails.for_world(world)                        # the world's policy, audit in its Store
    d = rails.check_input("p1", text, character="bram", speaker=Speaker("Bram", "布拉姆", "blacksmith"))
    if d.action == "refuse": say(d.text)                  # in character, in the player's language
    text = d.text                                         # allow: as sent; rewrite: personal data redacted
    ...
    o = rails.check_output(sentence, player="p1", secrets=[system_prompt])   # per sentence, while streaming

After NeMo Guardrails' split: input rails (players' words), retrieval rails (`check_document`:
world documents and memories), output rails (hazards, personal data, system-prompt leaks), and
`check_action` for tool calls (excessive agency). `check_claims` is the misinformation rail: it reuses
the world's grounding check. Each decision is allow / rewrite / refuse with a category, a score and a
reason code, and is written to the audit log.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from llmverse.lang import Language, detect_language
from llmverse.safety import pii, pii_requests, refusals
from llmverse.safety.agency import permitted
from llmverse.safety.audit import AuditLog
from llmverse.safety.budget import Budget
from llmverse.safety.classify import Channel, SafetyClassifier, Verdict
from llmverse.safety.errors import BudgetExceeded
from llmverse.safety.leaks import find_leak
from llmverse.safety.judge import Judge
from llmverse.safety.normalize import fold
from llmverse.safety.policy import CATEGORIES, SEVERE, Action, Level, Policy
from llmverse.safety.refusals import Speaker
from llmverse.voice.vocabulary import vocabulary
from llmverse.world.state import register_row

if TYPE_CHECKING:
    from llmverse.llm.base import Usage
    from llmverse.world.actions import Action as WorldAction
    from llmverse.world.grounding import Lexicon
    from llmverse.world.world import World

log = logging.getLogger(__name__)
POLICY_KEY = "safety:policy"  # where a world keeps its policy (`set_policy`); every write fits `Policy`
LEVEL_ENV = "LLMVERSE_SAFETY_LEVEL"
Stage = Literal["input", "output", "document", "action"]
_RANK = {"allow": 0, "rewrite": 1, "refuse": 2}
register_row(POLICY_KEY, Policy)


class Decision(BaseModel):
    """One rail decision. `text` is what goes on: the message as sent (allow), the rewrite, or the
    player-facing refusal line; `redacted` is the incoming text with personal data replaced, for logs."""

    stage: Stage
    action: Action
    category: str | None = None
    reason: str = "ok"
    score: float = 0.0
    text: str
    redacted: str = ""
    language: Language = "en"
    encodings: list[str] = Field(default_factory=list)
    judged: bool = False
    ms: float = 0.0

    @property
    def refused(self) -> bool:
        return self.action == "refuse"


def policy_for(world: World) -> Policy:
    """The world's stored policy, else the level in $LLMVERSE_SAFETY_LEVEL, else `teen`."""
    stored = world.state_of(POLICY_KEY)
    if stored:
        return Policy.model_validate(stored)
    level = os.environ.get(LEVEL_ENV, "teen")
    return Policy.for_level(level if level in ("family", "teen", "mature") else "teen")  # type: ignore[arg-type]


def set_policy(world: World, policy: Policy | Level) -> None:
    """Replace the world's policy whole (what an admin sets is the policy, not a change to the old one)."""
    p = Policy.for_level(policy) if isinstance(policy, str) else policy
    world.update_state(POLICY_KEY, lambda _cur: p.model_dump(mode="json"))


LOOKUP_TTL = 30.0  # s a name not found among the accounts is taken for no player's (`Rails.look_up_people`)
LOOKUP_CACHE = 4096  # names not found kept at most
RECENT_SENTENCES = 12  # output sentences per player and character kept for piecewise leaks
_WARNED = threading.Event()


def _say_rules_only() -> None:
    """Once per process: the rails run without the trained head (the classifier logged why)."""
    if not _WARNED.is_set():
        _WARNED.set()
        log.warning("safety rails: no trained classifier, running on rules only")


_SHARED: dict[tuple[str, bool], SafetyClassifier] = {}
_SHARED_LOCK = threading.Lock()


def shared_classifier(use_model: bool = True) -> SafetyClassifier:
    """One classifier per process, so the model loads once however many characters speak."""
    from llmverse.safety.classify import default_model_dir

    key = (str(default_model_dir()), use_model)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = SafetyClassifier(use_model=use_model)
        return _SHARED[key]


class Rails:
    def __init__(self, policy: Policy | None = None, *, classifier: SafetyClassifier | None = None,
                 audit: AuditLog | None = None, judge: Judge | None = None, budget: Budget | None = None) -> None:
        self.policy = policy or Policy()
        self.classifier = classifier or shared_classifier(self.policy.use_model)
        self.audit, self.judge, self.budget = audit, judge, budget
        self.protected: list[str] = []
        # The world's places and people by every name: a place's phone number or address is no one's
        # personal data ("What's the phone number of the Gull Inn?"), a person's is.
        self.place_names: frozenset[str] = frozenset()
        self.person_names: frozenset[str] = frozenset()
        # The world's people by name, characters (`for_world`) apart from players (`know_people`), for what only
        # a name shows: "What is the phone number of Bram?", "kestrel的电话多少", "Where does kestrel live?"
        # (refused) and "Where does Mara live?" (a character's home: the world's to answer).
        self.people = pii_requests.People()
        self._people_lock = threading.Lock()
        # Whether a name is a player's the rails were not told (an account made by another server process):
        # asked only of a name in a request for someone's details that its shape leaves undecided
        # (`People.candidates`); `look_up_people`.
        self._lookup: Callable[[str], bool] | None = None
        self._lookup_ttl = LOOKUP_TTL
        self._not_found: dict[str, float] = {}  # name -> until when it is taken for no account (monotonic s)
        self._lookup_down = 0.0  # until when a look-up is not tried after one failed (monotonic s)
        self._recent: dict[tuple[str, str | None], deque[str]] = {}
        self._recent_lock = threading.Lock()
        if not self.classifier.model_available and self.policy.use_model:
            _say_rules_only()

    @classmethod
    def for_world(cls, world: World, *, policy: Policy | None = None, classifier: SafetyClassifier | None = None,
                  judge: Judge | None = None, budget: Budget | None = None) -> Rails:
        """Rails with the world's policy and the audit log in the world's Store."""
        rails = cls(policy or policy_for(world), classifier=classifier, audit=AuditLog(world.store, world.key),
                    judge=judge, budget=budget)
        surfaces = vocabulary(world.file).surfaces  # every name and alias the world gives them

        def names(kind: str) -> frozenset[str]:
            return frozenset(s.text.lower() for s in surfaces if s.entity.startswith(kind) and len(s.text) > 1)

        rails.place_names, rails.person_names = names("place:"), names("character:")
        rails.people = pii_requests.People(words=(s.text for s in surfaces),  # no one unknown lives at 集市
                                           things=(s.text for s in surfaces if not s.entity.startswith("character:")))
        rails._add_people(characters=character_names(world))
        return rails

    def know_people(self, *names: str) -> None:
        """Tell the rails players' names (an account name when they join or speak): real people, so where
        they live is refused by name as their address and number are, and their name beside a place is no
        place's. A player named as a character stays the character (`People`: an account named mara cannot
        close "Where does Mara live?"); pronouns and everyday words ("you", "town", "他") are no one's name."""
        self._add_people(players=names)

    def look_up_people(self, lookup: Callable[[str], bool], *, ttl: float = LOOKUP_TTL) -> None:
        """Ask `lookup` (the shared accounts table: one indexed read) whether a name the rails do not know is a
        player's, for a name in a request for someone's details whose shape does not tell a person from a brand
        only ("What is the phone number of Kestrel?" when another server process made kestrel's account;
        `People.candidates`): a name found is known from then on (`know_people`), one not found is not asked
        again for `ttl` seconds, and after a failed look-up none is tried for `ttl` seconds (one warning)."""
        self._lookup, self._lookup_ttl = lookup, ttl

    def _look_up(self, text: str) -> None:
        if self._lookup is None:
            return
        for name in self.people.candidates(text):
            now = time.monotonic()
            with self._people_lock:
                if self._not_found.get(name, 0.0) > now or self._lookup_down > now:
                    continue
            try:
                found = self._lookup(name)
            except Exception:  # the rails never fail a player's line: they go on with the names they know
                with self._people_lock:  # one warning per time to live while the table is down, not one per name
                    self._lookup_down = now + self._lookup_ttl
                log.warning("safety rails: looking up %r among the accounts failed; not asked again for %.0f s",
                            name, self._lookup_ttl, exc_info=True)
                return
            if found:
                self.know_people(name)
                continue
            with self._people_lock:
                if len(self._not_found) >= LOOKUP_CACHE:
                    self._not_found = {n: t for n, t in self._not_found.items() if t > now}
                    if len(self._not_found) >= LOOKUP_CACHE:
                        self._not_found.clear()
                self._not_found[name] = now + self._lookup_ttl

    def _add_people(self, *, characters: Sequence[str] = (), players: Sequence[str] = ()) -> None:
        def new(names: Sequence[str], known: frozenset[str]) -> set[str]:
            return {n.strip().lower() for n in names if n and n.strip()} - known - self.place_names

        with self._people_lock:  # replaced whole, never changed in place: other threads read them meanwhile
            c, p = new(characters, self.people.names), new(players, self.people.players)
            if c or p:
                self.people = self.people.with_names(characters=c, players=p)
                self.person_names = self.person_names | self.people.names  # as People kept them

    # --- input ----------------------------------------------------------------------------------------
    def check_input(self, player: str, text: str, *, character: str | None = None, speaker: Speaker | None = None,
                    language: Language | None = None) -> Decision:
        """Before any model call. Never raises on what the player sent."""
        t0 = time.perf_counter()
        lang = language or detect_language(text or "")
        if self.budget is not None:
            try:
                self.budget.admit(player)
            except BudgetExceeded as exc:
                d = self._refuse("input", lang, speaker, "budget", f"budget.{exc.what}", 1.0, redact(text))
                return self._done(d, t0, player, character)
        limit = self.policy.limits.max_input_chars
        if len(text) > limit:
            d = self._refuse("input", lang, speaker, "limits", "limits.input_length", 1.0, redact(text[:limit]))
            return self._done(d, t0, player, character)
        return self._done(self._decide("input", text, "player", lang, speaker), t0, player, character)

    def check_document(self, text: str, *, source: str, player: str = "-", language: Language | None = None) -> Decision:
        """The retrieval rail: a world document or memory about to be put in a prompt. Refused text is
        left out of the prompt; allowed text still goes in fenced (`injection.fence_document`)."""
        t0 = time.perf_counter()
        d = self._decide("document", text, "document", language or detect_language(text), None)
        if d.refused:
            d.text = ""  # nothing of it reaches the prompt
        return self._done(d, t0, player, source)

    # --- output ---------------------------------------------------------------------------------------
    def check_output(self, text: str, *, player: str, character: str | None = None, speaker: Speaker | None = None,
                     secrets: Sequence[str] = (), public: str = "", supported: str = "",
                     language: Language | None = None, composed: bool = False) -> Decision:
        """Before a sentence reaches the player or the world: hazards, personal data (unless the world's
        facts in `supported` hold it) and system-prompt leaks (`secrets`, minus what `public` may say).
        `composed`: the sentence is the world's facts in the project's own sentences (a route, a
        recommendation), no model's words: the rules and the leak check read it, the trained head does not
        (its 40-170 ms per new sentence was half of an ask's time under load, spent on the world's words)."""
        t0 = time.perf_counter()
        lang = language or detect_language(text)
        protected = [*secrets, *self.protected]
        key = (player, character)
        with self._recent_lock:
            earlier = " ".join(self._recent.get(key, ()))
        leak = find_leak(text, protected, public=public, earlier=earlier) if protected else None
        if leak is not None:
            reason = "leak.system_prompt" if leak.kind == "overlap" else f"leak.{leak.kind}"
            d = self._refuse("output", lang, speaker, "extraction", reason, 1.0, "[withheld]")
            return self._done(d, t0, player, character)
        d = self._decide("output", text, "output", lang, speaker, supported=supported, model=not composed)
        if d.action != "refuse":
            with self._recent_lock:  # what this player has been told lately: secrets given piece by piece
                self._recent.setdefault(key, deque(maxlen=RECENT_SENTENCES)).append(d.text)
        return self._done(d, t0, player, character)

    def protect(self, *strings: str) -> None:
        """Strings no reply may give away, whatever the caller passes as `secrets` (a world's secret,
        an access code): checked whole, spelled out, encoded and piece by piece (`leaks.py`)."""
        self.protected.extend(s for s in strings if s and s not in self.protected)

    def check_claims(self, text: str, *, lexicon: Lexicon, supported: str, player: str, character: str | None = None,
                     speaker: Speaker | None = None, language: Language | None = None) -> Decision:
        """Misinformation: a sentence naming a person, place or number the world does not hold is refused
        (the world's grounding check, `world/grounding.py`, decides)."""
        t0 = time.perf_counter()
        lang = language or detect_language(text)
        finding = lexicon.check(text, supported_text=supported)
        if finding.ok:
            d = Decision(stage="output", action="allow", text=text, redacted=text, language=lang)
        else:
            what = "invented_name" if finding.invented_names else "unsupported_number"
            d = self._refuse("output", lang, speaker, "misinformation", f"misinformation.{what}", 1.0, text)
        return self._done(d, t0, player, character)

    def check_action(self, action: WorldAction, *, actor: str, player: str, characters: set[str]) -> Decision:
        """A tool call the model proposed, against what `player` may cause (see `agency.py`)."""
        t0 = time.perf_counter()
        p = permitted(action, actor=actor, player=player, characters=characters)
        d = Decision(stage="action", action="allow" if p.allowed else "refuse", category=None if p.allowed else "agency",
                     reason=p.reason, score=0.0 if p.allowed else 1.0, text=action.kind, redacted=action.kind)
        return self._done(d, t0, player, actor)

    def charge(self, player: str, usage: Usage | None) -> None:
        """Count a reply's tokens against the player's budget."""
        if self.budget is not None and usage is not None:
            self.budget.charge(player, usage.prompt_tokens + usage.completion_tokens)

    # --- the decision ---------------------------------------------------------------------------------
    def _decide(self, stage: Stage, text: str, channel: Channel, lang: Language, speaker: Speaker | None,
                supported: str = "", model: bool = True) -> Decision:
        v = self.classifier.classify(text, channel, model=model)
        for cat, p in v.model.items():  # the head: past the level's calibrated line, it counts as the rule's line
            if p >= self.classifier.threshold(self.policy.level, cat):
                v.add(cat, max(self.policy.rule(cat).threshold, min(p, SEVERE)), f"{cat}.model")  # type: ignore[arg-type]
        if supported and v.pii:  # personal data the world's own facts hold is not a leak (the inn's address)
            v.pii = [s for s in v.pii if _value(text, s) not in supported]
            if not v.pii and v.reasons.get("pii", "").startswith("pii.") and v.reasons["pii"] != "pii.request":
                v.scores.pop("pii"), v.reasons.pop("pii")
        folded, asked = fold(text), None
        if channel == "player" and self.people:
            self._look_up(folded)  # a name in a request for someone's details that another process made an account
            asked = self.people.request(folded)  # "What's the phone number of Bram?", "Where does kestrel live?"
            if asked is not None and v.reasons.get("pii") != "pii.request":
                v.add("pii", SEVERE, "pii.request")
            elif asked is None and not v.pii and v.reasons.get("pii") in ("pii.request", "pii.model") and \
                    pii_requests.only_where_characters_live(folded, self.people.characters_homes(folded),
                                                            [h.span for h in v.hits if h.reason == "pii.request"]):
                v.scores.pop("pii"), v.reasons.pop("pii")  # "Where does Nell live?": a character's home is a world fact
        # a request the world's names or a name's shape showed to be a person's stays refused beside a place
        # ("What's the phone number of kestrel at the Gull Inn?" whether or not kestrel's account is known here)
        # and a request whose every owner is one of the world's places or things by name ("山坡人家的电话",
        # "What is duck pond's phone number?") is the world's whatever the rules read in "X's phone number"
        if "pii" in v.scores and asked is None and \
                (v.reasons["pii"] in ("pii.request", "pii.model") and
                 (self._about_a_place(text) or pii_requests.owned_by_the_world(folded, self.people.things)) or
                 v.reasons["pii"] == "pii.model" and pii_requests.asks_a_place_or_event(folded)):
            v.scores.pop("pii"), v.reasons.pop("pii")  # a place's or an event's contact details are the world's
        action, category = "allow", None
        for cat, score in v.scores.items():
            if cat not in CATEGORIES:
                continue
            rule = self.policy.rule(cat)  # type: ignore[arg-type]
            act = rule.action
            if cat == "pii" and (v.reasons[cat] in ("pii.request", "pii.model") or not v.pii):
                act = "refuse"  # asking for someone's data is refused; a value sent is redacted
            # The strongest action wins; on a tie self-harm first (its safe-messaging line matters most).
            if score >= rule.threshold and (_RANK[act], score, cat == "self_harm") > \
                    (_RANK[action], v.scores.get(category or "", 0.0), category == "self_harm"):
                action, category = act, cat
        judged = False
        if action == "allow" and self.judge is not None and self.policy.judge:
            action, category, judged = self._ask_judge(text, v)
        redacted = redact(text)
        score = v.scores.get(category or "", max(v.scores.values(), default=0.0))
        reason = v.reasons.get(category or "", "ok")
        if action == "refuse":
            d = self._refuse(stage, lang, speaker, category, reason, score, redacted)
        elif action == "rewrite":
            d = Decision(stage=stage, action="rewrite", category=category, reason=reason, score=score, text=redacted,
                         redacted=redacted, language=lang)
        else:
            top, s = v.top()
            d = Decision(stage=stage, action="allow", category=top, reason=v.reasons.get(top or "", "ok"), score=s,
                         text=text, redacted=redacted, language=lang)
        d.encodings, d.judged = v.encodings, judged
        return d

    def _about_a_place(self, text: str) -> bool:
        """Does a request for contact details name one of the world's places and none of its people?"""
        low = text.lower()
        return _named(self.place_names, low) and not _named(self.person_names, low)

    def _ask_judge(self, text: str, v: Verdict) -> tuple[Action, str | None, bool]:
        low, high = self.policy.borderline
        top, score = v.top()
        if not (low <= score < high):
            return "allow", None, False
        assert self.judge is not None
        j = self.judge.judge(text)
        if j is None or not j.harmful or j.category == "none" or j.confidence < 0.5:
            return "allow", None, True
        v.add(j.category, max(score, j.confidence), f"{j.category}.judge")
        return self.policy.rule(j.category).action, j.category, True

    def _refuse(self, stage: Stage, lang: Language, speaker: Speaker | None, category: str | None, reason: str,
                score: float, redacted: str) -> Decision:
        line = refusals.line(refusals.kind_for(category, reason), lang, speaker)
        return Decision(stage=stage, action="refuse", category=category, reason=reason, score=score, text=line,
                        redacted=redacted, language=lang)

    def _done(self, d: Decision, t0: float, player: str, character: str | None) -> Decision:
        d.ms = (time.perf_counter() - t0) * 1000
        # Every input decision is logged; output sentences only when a rail acted (most pass).
        if self.audit is not None and (d.stage in ("input", "action") or d.action != "allow"):
            self.audit.record(stage=d.stage, player=player, character=character, category=d.category, score=d.score,
                              action=d.action, reason=d.reason, language=d.language, excerpt=d.redacted)
        if d.action != "allow":
            log.info("rail %s %s %s (%s, %.2f) for %s", d.stage, d.action, d.category, d.reason, d.score, player)
        return d


def character_names(world: World) -> list[str]:
    """Every name the world gives its characters, English and Chinese, aliases, and a first name of two
    ("Lin" of "Lin Wei"; `People` leaves out "Old" of "Old Chen") as each part of a transliterated one (汤姆
    and 贝克 of 汤姆·贝克: "汤姆住在哪里？" asks of Tom as "Where does Tom live?" does); not their roles."""
    out: list[str] = []
    for c in world.file.characters:
        first = c.names.en.split()
        out += [c.names.en, c.names.zh or "", *c.aliases, first[0] if len(first) > 1 else ""]
        for zh in (c.names.zh or "", *c.aliases):
            parts = _ZH_NAME_PARTS.split(zh)
            out += parts if len(parts) > 1 else []
    return [n for n in out if n]


_ZH_NAME_PARTS = re.compile(r"\s*[·・•]\s*")  # the dots that join a transliterated name's parts


def _named(names: frozenset[str], low: str) -> bool:
    """Does `low` hold one of `names` (a Latin one as a whole word)? A substring test over every name, then
    one pattern over the Latin names present: a fresh pattern per name made a line cost 45-57 ms with a
    thousand accounts known and 220-410 ms with ten thousand (re's cache holds 512)."""
    present = frozenset(n for n in names if n in low)
    if any(not n.isascii() for n in present):
        return True
    return bool(present) and _whole_words(present).search(low) is not None


@lru_cache(maxsize=256)
def _whole_words(names: frozenset[str]) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(re.escape(n) for n in sorted(names, key=len, reverse=True))})\b")


def redact(text: str) -> str:
    """Personal data replaced wherever it hides: a value disguised with full-width or zero-width
    characters is only found in the folded text, so the folded text is what is kept then; otherwise the
    text as sent (folding would also turn Chinese full-width punctuation into ASCII)."""
    plain = pii.find(text)
    folded = fold(text)
    hidden = pii.find(folded)
    return pii.redact(folded, hidden) if len(hidden) > len(plain) else pii.redact(text, plain)


def _value(text: str, span: pii.Span) -> str:
    return fold(text)[span.start:span.end]
