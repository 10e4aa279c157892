"""Offline evaluation of recommendations on held-out player histories made by a simulation.

Players with hidden tastes walk the world for two days: each has two favourite interest tags (of the
world's place tags), and most say one of them aloud, in English or Chinese, as a player would on
sign-up. At each turn an active player picks what to do next among what the world offers then (open,
reachable: the same rule as the recommender's candidates) with probability proportional to

    appeal(item) × exp(TASTE × share of the item's tags among the player's favourites) × exp(-minutes / 3)

where `appeal` is a hidden per-item attraction shared by all players (what makes popularity
informative). The player then acts through the world, so the history is the event log: a visit
(`Visit`), a word with a character (`Say`), buying or reading a thing (`Buy`, `Use`), looking at an
exhibit, and now and then a rating (`Rate`) that follows their taste with noise.

Each player's last HOLD_OUT choices are held out. For each, the recommender sees the history before it
(profile from those events only), the popularity of items among the other players' non-held-out
events, the time and the place where the player stood, and must rank the held-out item in its top 5.
Hit rate @5 is reported for the popularity baseline, context alone (distance, hours, the time of
day: players here prefer what is near), content alone, and the blend, side by side.
The hidden tastes are tags; the recommender never sees them, only the words said and the deeds done.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from llmverse.assistant.phrases import INTERESTS
from llmverse.assistant.recommend import Recommender, popularity_of, profile_of
from llmverse.world.actions import Buy, Rate, Say, Use, Visit
from llmverse.world.world import ActionRefused

if TYPE_CHECKING:
    from llmverse.assistant.recommend import Embeds
    from llmverse.world.store import Event
    from llmverse.world.world import World

TASTE = 2.5  # how strongly a favourite tag pulls (exp(2.5) ≈ 12×)
HOLD_OUT = 2  # choices per player held out for the test
K = 5
MODES = ("popularity", "context", "content", "blend")  # baselines first: one signal alone
_SAY_EN = ["I love {w}.", "I'm into {w}.", "I really like {w}.", "I enjoy {w}."]
_SAY_ZH = ["我喜欢{w}。", "我对{w}很感兴趣。", "我特别喜欢{w}。"]


@dataclass
class Choice:
    item: str  # "place:museum" ...
    at: datetime
    here: str  # where the player stood when choosing
    first_event: int  # id of the first event the choice wrote (the history before it is < this)


@dataclass
class SimPlayer:
    id: str
    likes: tuple[str, ...]  # hidden favourite tags
    said: str  # stated interest ("" when none)
    language: str
    here: str
    choices: list[Choice] = field(default_factory=list)


@dataclass
class Result:
    players: int
    tests: int
    hits: dict[str, int]  # mode -> hits @K
    by_language: dict[str, dict[str, tuple[int, int]]]  # language of the stated interest -> mode -> (hits, n)
    candidates: float = 0.0  # mean number of candidates per test: what a top 5 is chosen from

    def rate(self, mode: str) -> float:
        return self.hits[mode] / self.tests if self.tests else 0.0


def simulate_players(world: World, *, players: int = 200, days: int = 1, seed: int = 11,
                     progress: Callable[[int, int], None] | None = None) -> list[SimPlayer]:
    """Players act on the world (turns every 20 world minutes, 08:00-21:00) and the log keeps it."""
    rng = random.Random(seed)
    tags = sorted({t for p in world.file.places for t in p.tags})
    rec = Recommender(world)  # only for candidates and walking times: the world's rules, not its ranking
    appeal = {i: math.exp(rng.gauss(0, 0.8)) for i in rec.items}
    people = []
    for n in range(players):
        likes = tuple(rng.sample(tags, 2))
        lang = "zh" if n % 2 else "en"
        said = ""
        if rng.random() < 0.7:
            tag = rng.choice(likes)
            en, zh, _ = INTERESTS.get(tag, (tag, tag, ()))
            said = rng.choice(_SAY_ZH).format(w=zh) if lang == "zh" else rng.choice(_SAY_EN).format(w=en)
        people.append(SimPlayer(f"sim{n:03d}", likes, said, lang, rng.choice(list(world.places))))
        if said:
            world.update_state(f"profile:{people[-1].id}", lambda cur, said=said: {**cur, "interests": [said]})
    start = world.now().replace(hour=8, minute=0)
    turns = [start + timedelta(days=d, minutes=20 * i) for d in range(days) for i in range(13 * 3)]
    for step, at in enumerate(turns):
        world.advance((at - world.now()).total_seconds() / 60)
        for p in rng.sample(people, k=max(1, len(people) // 4)):  # a quarter of the players act each turn
            _act(world, rec, p, at, appeal, rng)
        if progress:
            progress(step + 1, len(turns))
    return people


def _act(world: World, rec: Recommender, p: SimPlayer, at: datetime, appeal: dict[str, float],
         rng: random.Random) -> None:
    done = {c.item for c in p.choices}
    options = [c for c in rec.candidates(at, p.here, p.id) if c.kind != "event" and c.id not in done]
    if not options:
        return
    weights = [appeal[c.id] * math.exp(TASTE * len(c.tags & set(p.likes)) / max(len(c.tags), 1)) *
               math.exp(-rec.minutes(p.here, c.place) / 3) for c in options]
    pick = rng.choices(options, weights)[0]
    first = None
    try:
        if p.here != pick.place or pick.kind == "place":
            first = world.apply(p.id, Visit(to=pick.place))
        kind, _, ident = pick.id.partition(":")
        if kind == "character":
            ev = world.apply(p.id, Say(to=ident, text="Hello!" if p.language == "en" else "你好！"))
        elif kind == "thing":
            thing = world.things[ident]
            action = Buy(thing=ident) if thing.price is not None else Use(thing=ident) if thing.kind != "exhibit" \
                else Rate(item=pick.id, stars=_stars(pick, p, rng))
            try:
                ev = world.apply(p.id, action)
            except ActionRefused:
                if not isinstance(action, Buy):
                    raise
                # Sold once (the world's one stew is in another player's hands): the player has a
                # bowl there all the same, as a customer does; the choice is what counts here.
                ev = world.apply(p.id, Use(thing=ident))
        else:
            ev = first
        first = first or ev
    except ActionRefused:  # e.g. sold to another player a moment ago: the turn passes
        return
    if first is None:
        return
    p.choices.append(Choice(pick.id, at, p.here, first.id))
    p.here = pick.place
    # A rating now and then: 30% after a visit or a talk, 10% after a thing (which may already carry one).
    if (rng.random() < 0.3 and not pick.id.startswith("thing:")) or rng.random() < 0.1:
        world.apply(p.id, Rate(item=pick.id, stars=_stars(pick, p, rng)))


def _stars(c, p: SimPlayer, rng: random.Random) -> int:
    share = len(c.tags & set(p.likes)) / max(len(c.tags), 1)
    return max(1, min(5, round(2.5 + 2.5 * share + rng.gauss(0, 0.7))))


def evaluate(world: World, people: list[SimPlayer], *, embedder: Embeds | None = None, k: int = K,
             progress: Callable[[int, int], None] | None = None) -> Result:
    """Hit rate @k of each mode on every player's held-out last choices."""
    events = world.events()
    held = {p.id: p.choices[-HOLD_OUT:] for p in people if len(p.choices) > HOLD_OUT}
    cut = {pid: ch[0].first_event for pid, ch in held.items()}  # a player's events from here on are held out
    train = [e for e in events if e.actor not in cut or e.id < cut[e.actor]]
    rec = Recommender(world, embedder)
    hits = Counter({m: 0 for m in MODES})
    by_lang: dict[str, dict[str, list[int]]] = {}
    tests = 0
    pool = 0
    total = sum(len(v) for v in held.values())
    for p in people:
        for choice in held.get(p.id, []):
            history = [e for e in events if e.actor == p.id and e.id < choice.first_event]
            profile = profile_of(world, p.id, history)
            pop = popularity_of(world, train, exclude=p.id)
            lang = (p.language if p.said else "none")
            tests += 1
            pool += len(rec.candidates(choice.at, choice.here, p.id))
            for mode in MODES:
                recs = rec.recommend(profile, here=choice.here, at=choice.at, k=k, popularity=pop, mode=mode)
                hit = any(choice.item in r.item.covers for r in recs)
                hits[mode] += hit
                cell = by_lang.setdefault(lang, {}).setdefault(mode, [0, 0])
                cell[0] += hit
                cell[1] += 1
            if progress:
                progress(tests, total)
    return Result(len(held), tests, dict(hits),
                  {lang: {m: (v[0], v[1]) for m, v in modes.items()} for lang, modes in by_lang.items()},
                  pool / tests if tests else 0.0)

