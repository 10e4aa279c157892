"""Who knows whom, how well, and how they feel: one record per pair, updated after each talk.

Kept in the world's state (`rel:<a>:<b>`, directed: what a thinks of b), so it survives a restart and
every layer (dialogue, plans, recommendations) reads the same record. Every write fits `RelationRow`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from pydantic import BaseModel, ConfigDict, Field

from llmverse.world.state import register_row
from llmverse.world.world import World

_WARM = ("thank", "thanks", "great", "love", "wonderful", "kind", "谢谢", "太好了", "喜欢")
_COLD = ("stupid", "hate", "rude", "liar", "shut up", "笨", "讨厌", "骗子", "闭嘴")


@dataclass
class Relationship:
    familiarity: int = 0  # conversations had
    affinity: float = 0.0  # -1 (dislike) .. 1 (fond)
    last_topic: str = ""  # what the other said last time, for "last time you asked about ..."
    last_seen: str = ""  # ISO world time of the last talk


class RelationRow(BaseModel):
    """`rel:<a>:<b>` as stored (the fields of `Relationship`)."""

    model_config = ConfigDict(extra="forbid")
    familiarity: int = Field(default=0, ge=0)
    affinity: float = Field(default=0.0, ge=-1.0, le=1.0)
    last_topic: str = Field(default="", max_length=200)
    last_seen: str = Field(default="", pattern=r"^(\d{4}-\d\d-\d\dT\d\d:\d\d)?$")


register_row("rel", RelationRow)


def relationship(world: World, a: str, b: str) -> Relationship:
    return Relationship(**world.state_of(f"rel:{a}:{b}"))


def after_talk(world: World, a: str, b: str, heard: str) -> Relationship:
    """a talked with b and heard `heard`: more familiar; warmer or colder by what was said.
    One atomic read-modify-write: talks counted from several threads or processes all count."""
    return Relationship(**world.update_state(rel_key(a, b), talk_change(world, heard)))


def rel_key(a: str, b: str) -> str:
    return f"rel:{a}:{b}"


def talk_change(world: World, heard: str) -> Callable[[dict], dict]:
    """The change one talk makes to a relationship record, for `World.update_state` or to commit with
    the utterance itself (`World.say(..., updates={rel_key(a, b): talk_change(...)})`)."""
    low = heard.lower()
    tone = sum(w in low for w in _WARM) - sum(w in low for w in _COLD)
    seen = world.now().isoformat(timespec="minutes")

    def change(current: dict) -> dict:
        r = Relationship(**current)
        r.familiarity += 1
        r.affinity = max(-1.0, min(1.0, r.affinity + 0.15 * tone + 0.02))  # talking itself warms a little
        r.last_topic = heard[:200]
        r.last_seen = seen
        return asdict(r)

    return change


def mood_word(affinity: float) -> str:
    """A word for the prompt that colours speech toward someone."""
    return "warmly" if affinity > 0.3 else "coolly" if affinity < -0.3 else "politely"
