"""Recommendations: what a player may enjoy now, each with a one-line reason.

    profile = profile_of(world, "p1")                     # stated interests + what the log says they did
    recs = Recommender(world).recommend(profile, here="market")   # open, reachable, ranked, varied
    recs[0].reason   # "matches your interest in history; open until 17:00, about 3 minutes' walk"

The world says what is possible: places open now (or when the player asks about) and reachable on
foot, the things kept there, the characters there, and what those characters are doing now or within
the hour ("events", from their schedules). The ranking blends three scores, each scaled to 0..1:

- content: how close a candidate's text is to the player's profile (stated interests plus what they
  visited, talked to, bought and rated, weighted by rating), by embeddings when an embedder is given
  and by bag-of-words over jieba tokens otherwise (MiniLM is English-only, so a Chinese interest also
  counts through the bilingual interest table in `phrases.py`);
- popularity: how many other players engaged with it (log-scaled);
- context: walking distance, meal times for food, an event happening now, closing before arrival.

What the player already did comes last, in every ranking: a thing bought or an item rated 1-2 stars is
not offered again, a place visited or a character met only when nothing new is left.

Maximal marginal relevance then picks the top k so that five stalls of one market do not crowd out
everything else. No language model is asked: the facts and the reasons are the world's.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from llmverse.assistant.navigate import walk_words
from llmverse.assistant.phrases import INTERESTS, REASONS
from llmverse.lang import Language, tokens
from llmverse.world.clock import is_open, parse_hours, part_of_day
from llmverse.world.state import register_row

if TYPE_CHECKING:
    from llmverse.world.model import Character, Names
    from llmverse.world.store import Event
    from llmverse.world.world import World

Kind = Literal["place", "thing", "character", "event"]
NEAR_MINUTES = 5.0  # a walk this long or longer earns no nearness (80 m a minute: 400 m)
SOON_MINUTES = 60  # an event starting within the hour is offered
OPENS_SOON = 180  # minutes: a place for the stated interest that opens this soon is offered, with its hour
REQUEST_WEIGHT = 0.5  # added for a candidate that has every interest tag the request names
BOW_WIDTH = 4096  # hashed bag-of-words width: collisions are rare among a world's few hundred words
MEALS = ((11 * 60 + 30, 13 * 60 + 30), (17 * 60 + 30, 20 * 60 + 30))  # minutes of the day


class ProfileRow(BaseModel):
    """`profile:<player>`, what the world keeps of a player's tastes (the shape every write must fit)."""

    model_config = ConfigDict(extra="forbid")
    interests: list[str] = Field(default=[], max_length=10, description="stated interests, the newest last")
    consent: dict[str, bool] = Field(default={}, description="{'training': True}: conversations may train models")


register_row("profile", ProfileRow)


class Embeds(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Candidate:
    id: str  # "place:museum", "thing:anchor", "character:bram", "event:mara@13:30"
    kind: Kind
    names: Names
    place: str  # where it is, or where it happens
    tags: frozenset[str]
    text: str  # what similarity reads: names, tags, description, role (English and Chinese)
    covers: frozenset[str]  # the items it stands for: itself; an event its character and its place
    who: str | None = None  # events: the character
    activity: str = ""  # events: what the character does
    starts: datetime | None = None  # events: when
    place_names: Names | None = None  # events: the place's names, for the reply
    opens: datetime | None = None  # closed now, open from then: offered for an interest nothing open meets


@dataclass
class Profile:
    """What llmverse knows of a player's taste: interests in their own words, and deeds from the log."""

    player: str
    interests: list[str] = field(default_factory=list)
    done: Counter[str] = field(default_factory=Counter)  # item id -> times visited, talked to, bought
    ratings: dict[str, int] = field(default_factory=dict)  # item id -> stars 1..5 (the latest)

    def tags(self, extra: str = "") -> set[str]:
        """Interest tags named by the stated interests (and by `extra`, the request's own words)."""
        return interest_tags(" ".join([*self.interests, extra]))


@dataclass
class Recommendation:
    item: Candidate
    score: float
    content: float
    popularity: float
    context: float
    minutes: float  # walking time from the player, world minutes
    reason: str  # one line, in the player's language
    basis: str  # what the reason rests on: interest:TAG, like:ITEM, event, popular, near


def interest_tags(text: str) -> set[str]:
    """The interest tags a text names, in either language ("我喜欢历史" → {"history"})."""
    words = set(tokens(text)) | set(re.findall(r"[a-z]+", text.lower()))
    found = set()
    for tag, (_, _, cues) in INTERESTS.items():
        for cue in cues:
            if (cue in words) if cue.isascii() else (cue in text):
                found.add(tag)
                break
    return found


_LIKES = re.compile(
    r"\b(?:i (?:really )?(?:like|love|enjoy|adore|prefer)|i'?m (?:into|interested in|a fan of)|"
    r"interested in|fan of)\b|我(?:很|特别|非常)?(?:喜欢|爱|热爱)|对.{1,12}(?:感兴趣|有兴趣)|(?:爱好|兴趣)是", re.I)


def stated_interest(text: str) -> str | None:
    """The part of a message that says what the player likes, or None ("I love old ships" → kept)."""
    m = _LIKES.search(text)
    return text[m.start():].strip()[:200] if m else None


def remember_interest(world: World, player: str, text: str) -> bool:
    """Keep a stated interest in the player's profile state (`profile:<player>`); True if one was."""
    said = stated_interest(text)
    if said is None:
        return False
    # Read and written in one transaction: two processes noting interests at once keep both.
    world.update_state(f"profile:{player}", lambda cur: {
        **cur, "interests": [i for i in cur.get("interests", []) if i != said][-9:] + [said]})  # the last ten
    return True


def item_of(event: Event, characters: Iterable[str]) -> str | None:
    """The item a player's event engages with, or None (a 'say' to nobody in particular)."""
    if event.kind == "visit":
        return f"place:{event.target}"
    if event.kind == "say" and event.target in characters:
        return f"character:{event.target}"
    if event.kind in ("buy", "use"):
        return f"thing:{event.data.get('thing')}"
    if event.kind == "rate":
        return event.target
    return None


def profile_of(world: World, player: str, events: Iterable[Event] | None = None) -> Profile:
    """The profile from the player's state and events (all of theirs, or those given: an evaluation
    passes the history before a held-out step)."""
    interests = list(world.state_of(f"profile:{player}").get("interests", []))
    profile = Profile(player, interests)
    for e in world.events(actor=player) if events is None else events:
        if e.actor != player:
            continue
        item = item_of(e, world.characters)
        if item is None:
            continue
        if e.kind == "rate":
            profile.ratings[item] = int(e.data.get("stars", 3))
        else:
            profile.done[item] += 1
    return profile


def popularity_of(world: World, events: Iterable[Event] | None = None, *, exclude: str | None = None) -> Counter[str]:
    """How many distinct players engaged with each item (characters and the assistant do not count)."""
    bots = set(world.characters) | {"assistant", "world"}
    seen: dict[str, set[str]] = {}
    for e in world.events() if events is None else events:
        if e.actor in bots or e.actor == exclude:
            continue
        item = item_of(e, world.characters)
        if item is not None:
            seen.setdefault(item, set()).add(e.actor)
    return Counter({item: len(players) for item, players in seen.items()})


def asked_time(text: str, now: datetime) -> datetime:
    """When the player means: 'this evening' / '今晚' → 19:00 today (if still ahead), 'this afternoon'
    → 14:00, 'tomorrow' → 10:00 tomorrow; otherwise now."""
    low = text.lower()
    day = now.replace(second=0, microsecond=0)
    if re.search(r"\btomorrow\b|明天", low):
        return (day + timedelta(days=1)).replace(hour=10, minute=0)
    for rx, hour in ((r"\b(?:tonight|this evening|evening)\b|今晚|晚上|傍晚", 19),
                     (r"\b(?:this afternoon|afternoon)\b|下午", 14), (r"\b(?:this morning|morning)\b|上午|早上", 10)):
        if re.search(rx, low):
            at = day.replace(hour=hour, minute=0)
            return at if at > now else now
    return now


class Recommender:
    """Ranks what the world offers for one player. Holds the world's item texts and vectors, so
    ask it many times; `embedder=None` compares bags of words (works for Chinese too)."""

    def __init__(self, world: World, embedder: Embeds | None = None, *, weights: tuple[float, float, float] = (0.35, 0.25, 0.4),
                 diversity: float = 0.3) -> None:
        self.world, self.embedder = world, embedder
        # Weights of content, popularity and context, and the diversity trade-off, were chosen on the
        # simulated histories of seed 7; `llmverse eval recommend` reports seed 11, which they never saw.
        self.w_content, self.w_pop, self.w_context = weights
        self.diversity = diversity  # 0: pure score order; 1: only novelty counts
        self.items = {c.id: c for c in all_items(world)}  # every item, whatever the hour: texts of past deeds
        self._vectors: dict[str, np.ndarray] = {}
        self._walks: dict[tuple[str, str], float] = {}  # (from, to) -> walking minutes; inf: no way

    def minutes(self, here: str, there: str) -> float:
        """Walking time between two places' entrances in world minutes (inf when there is no way)."""
        if (here, there) not in self._walks:
            walk = self.world.walk(here, there) if here != there else (0.0, 0.0)
            self._walks[here, there] = walk[1] if walk else math.inf
        return self._walks[here, there]

    # --- what is possible -------------------------------------------------------------------
    def candidates(self, at: datetime, here: str, player: str | None = None) -> list[Candidate]:
        """What is open at `at` and reachable from `here`; not things the player already owns."""
        w = self.world
        # Hours count for open-air places too: a market square after hours has no stalls to visit.
        ok = {p for p, place in w.places.items() if is_open(place, at) and math.isfinite(self.minutes(here, p))}
        out = [self.items[f"place:{p}"] for p in w.places if p in ok]
        for t in w.file.things:
            if t.location in ok and (player is None or w.thing_state(t.id).owner != player):
                out.append(self.items[f"thing:{t.id}"])
        for c in w.file.characters:
            place = _where(w, c, at)
            if place in ok:
                out.append(self.items[f"character:{c.id}"])
            for start, entry in _upcoming(c, at):
                if entry.place in ok and entry.activity:
                    out.append(_event(w, c, entry, start))
        return out

    def opening_soon(self, at: datetime, here: str, tags: set[str], player: str | None = None) -> list[Candidate]:
        """What has these tags in places closed at `at` but open within OPENS_SOON (the place, its
        things, the characters there then), each marked with the time its place opens."""
        from dataclasses import replace

        out = []
        for p, place in self.world.places.items():
            if is_open(place, at) or not math.isfinite(self.minutes(here, p)):
                continue
            quarter = at.replace(second=0, microsecond=0) + timedelta(minutes=15 - at.minute % 15)  # on the clock
            opens = next((quarter + timedelta(minutes=m) for m in range(0, OPENS_SOON, 15)
                          if is_open(place, quarter + timedelta(minutes=m))), None)
            if opens is None:
                continue
            later = self.candidates(opens, here, player)
            out += [replace(c, opens=opens) for c in later if c.place == p and c.kind != "event" and _about(c) & tags]
        return out

    # --- ranking ----------------------------------------------------------------------------
    def recommend(self, profile: Profile, *, here: str, at: datetime | None = None, k: int = 5,
                  popularity: Counter[str] | None = None, request: str = "", language: Language = "en",
                  mode: Literal["blend", "content", "popularity", "context"] = "blend") -> list[Recommendation]:
        """The top k for this player at `here` and `at` (the world's now by default). `request` is
        the player's words this time ("somewhere to eat"): they weigh like a stated interest.
        `mode` lets an evaluation rank by one signal alone."""
        at = at or self.world.now()
        pop = popularity if popularity is not None else popularity_of(self.world, exclude=profile.player)
        cands = [c for c in self.candidates(at, here, profile.player) if not self._excluded(c, profile)]
        said = interest_tags(request)  # what the player asks for this time, in their words
        if said and not any(_about(c) & said for c in cands):  # "I love history" at 08:00: the museum opens at 09:00
            cands += [c for c in self.opening_soon(at, here, said, profile.player) if not self._excluded(c, profile)]
        if not cands:
            return []
        vecs = self._embed([c.text for c in cands])
        prof = self._profile_vector(profile, request)
        wanted = profile.tags(request)
        sim = _scale(vecs @ prof) if prof is not None else np.zeros(len(cands))
        taste = self._tag_weights(profile, wanted)
        # A named interest reads names too, and an item meets it by its best tag (a chronicle kept among
        # quiet books is all history to a player who asks for history); otherwise the tags' mean.
        tags = [_about(c) if said else c.tags for c in cands]
        fit = (lambda ts: max((taste.get(t, 0.0) for t in ts), default=0.0)) if said else \
            (lambda ts: sum(taste.get(t, 0.0) for t in ts) / max(len(ts), 1))
        affinity = _scale(np.array([fit(ts) for ts in tags]))
        top = max(pop.values(), default=0)
        scored = []
        for i, c in enumerate(cands):
            tag_match = len(tags[i] & wanted) / max(len(wanted), 1) if wanted else 0.0
            content = 0.5 * sim[i] + 0.5 * affinity[i]
            count = self._popularity(c, pop)
            popular = math.log1p(count) / math.log1p(top) if top else 0.0
            minutes = self.minutes(here, c.place)
            context = self._context(c, profile, at, minutes)
            weights = {"blend": (self.w_content, self.w_pop, self.w_context), "content": (1.0, 0.0, 0.0),
                       "popularity": (0.0, 1.0, 0.0), "context": (0.0, 0.0, 1.0)}[mode]
            score = weights[0] * content + weights[1] * popular + weights[2] * context
            if said and mode == "blend":  # the interest stated in this request leads: history asked, history first
                score += REQUEST_WEIGHT * len(_about(c) & said) / len(said)
            if all(profile.done.get(item) for item in c.covers):
                score -= 1.0  # done already (a place visited, a character met): offered only when nothing new is left
            scored.append((score, i, content, popular, context, minutes, tag_match, count))
        picked = self._diverse(scored, vecs, cands, k)
        recs = []
        for score, i, content, popular, context, minutes, tag_match, count in picked:
            basis, why = self._reason(cands[i], profile, vecs[i], wanted, tag_match, count, at, language,
                                      self.w_content * content >= self.w_pop * popular)  # content led the score
            clause = _when_clause(self.world, cands[i], at, minutes, language)
            say = REASONS[language]
            reason = say["sep"].join(x for x in (why, clause) if x)
            recs.append(Recommendation(cands[i], round(score, 4), round(content, 4), round(popular, 4),
                                       round(context, 4), round(minutes, 1), reason, basis))
        return recs

    def _excluded(self, c: Candidate, profile: Profile) -> bool:
        """Already bought, or rated poorly: not offered again."""
        if c.kind == "thing" and profile.done.get(c.id, 0) > 0 and (self.world.things[c.id[6:]].price is not None):
            return True
        return any(profile.ratings.get(item, 3) <= 2 for item in c.covers)

    def _popularity(self, c: Candidate, pop: Counter[str]) -> int:
        return max((pop.get(item, 0) for item in c.covers), default=0)

    def _context(self, c: Candidate, profile: Profile, at: datetime, minutes: float) -> float:
        """0..1 (clipped): near, fits the hour, happening now; minus closing before arrival."""
        near = 1.0 - min(minutes / NEAR_MINUTES, 1.0)
        t = at.hour * 60 + at.minute
        fit = 0.3 if "food" in c.tags and any(a <= t < b for a, b in MEALS) else 0.0
        if c.tags & {"rest", "nature"} and part_of_day(at).value == "evening":
            fit += 0.2
        if c.kind == "event" and c.starts is not None:
            fit += 0.1 if c.starts <= at else 0.05
        place = self.world.places[c.place]
        arrive = at + timedelta(minutes=minutes)
        closing = 0.0 if is_open(place, arrive + timedelta(minutes=30)) else 0.5
        return max(0.0, min(1.0, 0.5 * near + fit - closing))

    def _diverse(self, scored: list[tuple], vecs: np.ndarray, cands: list[Candidate], k: int) -> list[tuple]:
        """Maximal marginal relevance: each pick trades its score against its likeness to those picked
        (same items covered: as alike as can be; same place: 0.35; otherwise 0.3 × text similarity)."""
        left = sorted(scored, key=lambda s: -s[0])
        picked: list[tuple] = []
        while left and len(picked) < k:
            def mmr(s: tuple) -> float:
                c = cands[s[1]]
                like = max((_alike(c, cands[p[1]], float(vecs[s[1]] @ vecs[p[1]])) for p in picked), default=0.0)
                return (1 - self.diversity) * s[0] - self.diversity * like
            best = max(left, key=mmr)
            picked.append(best)
            left.remove(best)
        return picked

    def _reason(self, c: Candidate, profile: Profile, vec: np.ndarray, wanted: set[str], tag_match: float,
                count: int, at: datetime, lang: Language, content_led: bool) -> tuple[str, str]:
        say = REASONS[lang]
        if c.kind == "event" and c.who is not None and c.starts is not None:
            who = _name(self.world.characters[c.who].names, lang)
            live = c.starts <= at and abs((at - self.world.now()).total_seconds()) < 60
            return "event", say["event_now" if live else "event_soon"].format(
                who=who, activity=c.activity, t=f"{max(c.starts, at):%H:%M}")
        if content_led and tag_match > 0:
            tag = sorted(_about(c) & wanted)[0]
            label = INTERESTS[tag][0 if lang == "en" else 1] if tag in INTERESTS else tag
            return f"interest:{tag}", say["interest"].format(what=label)
        liked = self._liked_most(profile, vec, exclude=c.covers)
        if content_led and liked is not None:
            return f"like:{liked.id}", say["like"].format(name=_name(liked.names, lang))
        if count > 0:
            return "popular", say["popular"].format(n=count) if count > 1 else say["popular_one"]
        return "near", say["near"]

    def _liked_most(self, profile: Profile, vec: np.ndarray, exclude: frozenset[str]) -> Candidate | None:
        """The item the player engaged with (and did not rate poorly) most like this one, if alike."""
        done = [self.items[i] for i in profile.done if i in self.items and i not in exclude
                and profile.ratings.get(i, 4) >= 3]
        if not done:
            return None
        sims = self._embed([d.text for d in done]) @ vec
        best = int(np.argmax(sims))
        return done[best] if sims[best] > 0.25 else None

    def _tag_weights(self, profile: Profile, stated: set[str]) -> dict[str, float]:
        """How much the player cares for each tag: the tags they named, and the tags of what they did
        (each item's weight shared among its tags; a poor rating subtracts)."""
        weights: Counter[str] = Counter({t: 2.0 for t in profile.tags()})
        for t in stated - profile.tags():  # named in this request only: what they want now
            weights[t] += 4.0
        for item in set(profile.done) | set(profile.ratings):
            c = self.items.get(item)
            if c is None or not c.tags:
                continue
            stars = profile.ratings.get(item)
            w = math.sqrt(profile.done.get(item, 1)) * (1.0 if stars is None else (stars - 2.5) / 1.5)
            for t in c.tags:
                weights[t] += w / len(c.tags)
        return dict(weights)

    def _profile_vector(self, profile: Profile, request: str) -> np.ndarray | None:
        """Weighted mean of: the stated interests and the request (with the interest tags they name,
        in English, so a Chinese interest reaches an English-only embedder), and the texts of items
        engaged with, weighted by how often and how well rated (a 1-star rating pulls away)."""
        texts, weights = [], []
        for said, weight in ((" ".join(profile.interests), 2.0), (request, 4.0)):
            if said.strip():
                texts.append(said + " " + " ".join(sorted(interest_tags(said))))
                weights.append(weight)
        for item, n in profile.done.items():
            if item in self.items:
                stars = profile.ratings.get(item)
                texts.append(self.items[item].text)
                weights.append(math.sqrt(n) * (1.0 if stars is None else (stars - 2.5) / 1.5))
        for item, stars in profile.ratings.items():
            if item in self.items and item not in profile.done:
                texts.append(self.items[item].text)
                weights.append((stars - 2.5) / 1.5)
        if not texts:
            return None
        v = np.asarray(weights, dtype=np.float32) @ self._embed(texts)
        norm = float(np.linalg.norm(v))
        return v / norm if norm else None

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.embedder is not None:
            return np.asarray(self.embedder.embed(texts), dtype=np.float32)
        return self._bag_of_words(texts)

    def _bag_of_words(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of token counts (jieba for Chinese), hashed into a fixed width so vectors made
        at different times compare."""
        out = np.zeros((len(texts), BOW_WIDTH), dtype=np.float32)
        for r, text in enumerate(texts):
            for w, n in Counter(tokens(text)).items():
                out[r, zlib.crc32(w.encode()) % BOW_WIDTH] += n
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def _about(c: Candidate) -> frozenset[str]:
    """The interests a candidate answers to when a player names one: its tags, and what its name says
    (the Harbor Town Chronicle is history though the library's tags are books and quiet)."""
    return c.tags | interest_tags(f"{c.names.en} {c.names.zh or ''}")


# --- the world's items ------------------------------------------------------------------------
def all_items(world: World) -> list[Candidate]:
    """Every place, thing and character as a candidate, whatever the hour (events are made per hour)."""
    out = []
    for p in world.file.places:
        text = _text(p.names, p.tags, p.description, " ".join(p.aliases))
        out.append(Candidate(f"place:{p.id}", "place", p.names, p.id, frozenset(p.tags), text,
                             frozenset({f"place:{p.id}"})))
    for t in world.file.things:
        place = world.places[t.location]
        tags = set(place.tags) | ({"history", "culture"} if t.kind == "exhibit" else set())
        text = _text(t.names, sorted(tags), t.description, t.description_zh or "", place.names.en)
        out.append(Candidate(f"thing:{t.id}", "thing", t.names, t.location, frozenset(tags), text,
                             frozenset({f"thing:{t.id}"})))
    for c in world.file.characters:
        base = c.workplace or c.home or (c.schedule[0].place if c.schedule else world.file.places[0].id)
        tags = world.places[base].tags
        text = _text(c.names, tags, f"{c.role}. {c.persona}", c.role_zh or "")
        out.append(Candidate(f"character:{c.id}", "character", c.names, base, frozenset(tags), text,
                             frozenset({f"character:{c.id}"})))
    return out


def _text(names: Names, tags: Iterable[str], *parts: str) -> str:
    return " ".join(x for x in (names.en, names.zh or "", " ".join(tags), *parts) if x)


def _event(world: World, c: Character, entry, start: datetime) -> Candidate:
    place = world.places[entry.place]
    text = _text(c.names, place.tags, f"{c.role} {entry.activity} at the {place.names.en}", place.names.zh or "")
    return Candidate(f"event:{c.id}@{entry.at}", "event", c.names, entry.place, frozenset(place.tags), text,
                     frozenset({f"character:{c.id}", f"place:{entry.place}"}), c.id, entry.activity, start,
                     place.names)


def _upcoming(c: Character, at: datetime):
    """The schedule entry under way at `at` and those starting within the hour, with start times."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [(day + timedelta(minutes=_minute(s.at)), s) for s in c.schedule]
    now = [x for x in starts if x[0] <= at]
    out = [max(now, key=lambda x: x[0])] if now else []
    return out + [x for x in starts if at < x[0] <= at + timedelta(minutes=SOON_MINUTES)]


def _where(world: World, c: Character, at: datetime) -> str | None:
    """Where a character is at `at`: the world's own position now, the schedule at other hours."""
    if abs((at - world.now()).total_seconds()) < 60:
        return world.position(c.id)
    now = [s for s in c.schedule if _minute(s.at) <= at.hour * 60 + at.minute]
    if now:
        return max(now, key=lambda s: _minute(s.at)).place
    return c.workplace or c.home


def _minute(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _scale(x: np.ndarray) -> np.ndarray:
    """Min-max to 0..1, so similarity weighs the same whatever the embedder's cosine range."""
    lo, hi = float(np.min(x)), float(np.max(x))
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def _alike(a: Candidate, b: Candidate, cosine: float) -> float:
    if a.covers & b.covers:
        return 1.0
    if a.place == b.place:
        return 0.35
    return max(0.0, cosine) * 0.3


def _name(names: Names, lang: Language) -> str:
    return (names.zh if lang == "zh" else None) or names.en


def _when_clause(world: World, c: Candidate, at: datetime, minutes: float, lang: Language) -> str:
    """'open until 17:00, about 3 minutes' walk' — the facts a player acts on."""
    say = REASONS[lang]
    place = world.places[c.place]
    parts = []
    if c.opens is not None:
        parts.append(say["opens_at"].format(t=f"{c.opens:%H:%M}"))
    elif place.hours is not None:
        _, end = parse_hours(place.hours)
        parts.append(say["open_until"].format(t=f"{end // 60:02d}:{end % 60:02d}"))
    if math.isfinite(minutes):
        parts.append(walk_words(minutes, lang))
    return say["comma"].join(parts)


def recommendation_text(recs: list[Recommendation], at: datetime, now: datetime, lang: Language) -> str:
    """The reply: a head line, then one numbered line per recommendation, in the player's language."""
    say = REASONS[lang]
    part = part_of_day(at).label(lang)
    when = say["when"].format(part=part, t=f"{at:%H:%M}") if at != now else ""
    if not recs:
        return say["none"].format(when=when)
    lines = [say["head"].format(when=when)]
    for i, r in enumerate(recs, 1):
        name = _name(r.item.names, lang)
        if r.item.place_names is not None:  # an event: who, and where
            name = f"{name} @ {_name(r.item.place_names, lang)}"
        lines.append(say["line"].format(i=i, name=name[:1].upper() + name[1:], reason=r.reason))
    return "\n".join(lines)

