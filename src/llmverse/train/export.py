"""Training sets from a world's store: dialogues, lore and events (`llmverse data export ...`).

- dialogues: conversations between a player and a character (or the assistant) as chat JSONL, the
  format `train sft` and most fine-tuning tools read: `{"messages": [{"role": "system", ...},
  {"role": "user", ...}, {"role": "assistant", ...}, ...], "character": ..., "language": ...}`.
  A player's conversations go in only when their profile says they consented
  (`profile:<player>` state: `{"consent": {"training": true}}`); players are pseudonymised; personal
  data is redacted from both sides (`llmverse.safety.pii`); turns a safety rail refused are left out.
  Conversations between characters are world content and go in with `characters=True`.
- lore: the world's own text, one document per place, thing and character (the sentences `train mlm`
  pretrains on) plus the world's `docs/` folder.
- events: the event log, one JSON object per event, with players pseudonymised and text redacted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmverse.safety.pii import redact
from llmverse.train.corpus import file_documents, world_documents

if TYPE_CHECKING:
    from llmverse.world.store import Event
    from llmverse.world.world import World

ASSISTANT = "assistant"
GAP = timedelta(minutes=30)  # a pause this long in world time starts a new conversation
SYSTEM = "You are {name}, the {role} in {world}. {persona}"


@dataclass
class ExportCounts:
    written: int = 0  # records written
    skipped_consent: int = 0  # player conversations left out: no consent
    skipped_rail: int = 0  # turns a safety rail refused
    redacted: int = 0  # texts where personal data was replaced


def pseudonym(player: str, salt: str) -> str:
    """A stable stand-in for a player id that does not reveal it (salted with the world's key)."""
    return "player-" + hashlib.blake2b(f"{salt}:{player}".encode(), digest_size=6).hexdigest()


def consented(world: World, player: str) -> bool:
    return world.state_of(f"profile:{player}").get("consent", {}).get("training") is True


def _players(world: World, events: Iterable[Event]) -> set[str]:
    bots = set(world.characters) | {ASSISTANT, "world"}
    return {e.actor for e in events if e.actor not in bots}


def _clean(text: str, counts: ExportCounts) -> str:
    out = redact(text)
    counts.redacted += out != text
    return out


def dialogues(world: World, *, characters: bool = False, counts: ExportCounts | None = None) -> Iterator[dict[str, Any]]:
    """Chat records, one per conversation (see the module docstring for what is left out)."""
    counts = counts if counts is not None else ExportCounts()
    says = world.events(kind="say")
    players = _players(world, says)
    speakers = set(world.characters) | {ASSISTANT}
    threads: dict[tuple[str, str], list[Event]] = {}
    for e in says:
        if e.target is None:
            continue
        if e.actor in speakers and e.target in players:
            key = (e.target, e.actor)
        elif e.actor in players and e.target in speakers:
            key = (e.actor, e.target)
        elif characters and e.actor in world.characters and e.target in world.characters:
            key = tuple(sorted((e.actor, e.target)))  # type: ignore[assignment]
        else:
            continue
        threads.setdefault(key, []).append(e)
    for (a, b), turns in threads.items():
        person = a if a in players else None
        if person is not None and not consented(world, person):
            counts.skipped_consent += len(_split(turns))
            continue
        voice = b
        for convo in _split(turns):
            record = _record(world, convo, voice, person, counts)
            if record is not None:
                counts.written += 1
                yield record


def _split(turns: list[Event]) -> list[list[Event]]:
    out: list[list[Event]] = []
    for e in turns:
        if out and e.world_time - out[-1][-1].world_time <= GAP:
            out[-1].append(e)
        else:
            out.append([e])
    return out


def _record(world: World, convo: list[Event], voice: str, player: str | None,
            counts: ExportCounts) -> dict[str, Any] | None:
    """A conversation as chat messages from `voice`'s side: its lines are the assistant's turns."""
    messages: list[dict[str, str]] = []
    if voice in world.characters:
        c = world.characters[voice]
        messages.append({"role": "system", "content": SYSTEM.format(
            name=c.names.en, role=c.role, world=world.file.name.en, persona=c.persona)})
    else:
        messages.append({"role": "system", "content": f"You are the {world.file.name.en} assistant."})
    for e in convo:
        if e.data.get("rail"):
            counts.skipped_rail += 1
            continue
        role = "assistant" if e.actor == voice else "user"
        text = _clean(str(e.data.get("text", "")), counts)
        if not text.strip():
            continue
        if messages[-1]["role"] == role:  # two lines in a row from one side: one turn
            messages[-1]["content"] += " " + text
        else:
            messages.append({"role": role, "content": text})
    while messages and messages[-1]["role"] == "user":  # a turn nobody answered teaches nothing
        messages.pop()
    if not any(m["role"] == "assistant" for m in messages) or not any(m["role"] == "user" for m in messages):
        return None
    languages = {e.data.get("language") for e in convo if e.data.get("language")}
    return {"messages": messages, "character": voice,
            "player": pseudonym(player, world.key) if player else None,
            "language": languages.pop() if len(languages) == 1 else "mixed" if languages else None,
            "started": convo[0].world_time.isoformat(timespec="minutes")}


def lore(world: World, docs: Path | None = None, counts: ExportCounts | None = None) -> Iterator[dict[str, Any]]:
    """The world's own text: one record per place, thing, character and docs paragraph."""
    counts = counts if counts is not None else ExportCounts()
    found = world_documents(world.file)
    if docs is not None and docs.is_dir():
        found += file_documents(sorted(p for p in docs.iterdir() if p.suffix in (".md", ".txt")))
    for d in found:
        counts.written += 1
        yield {"source": d.source, "text": " ".join(d.sentences)}


def events(world: World, counts: ExportCounts | None = None) -> Iterator[dict[str, Any]]:
    """The event log with players pseudonymised and personal data redacted from every text."""
    counts = counts if counts is not None else ExportCounts()
    log = world.events()
    players = _players(world, log)

    def who(x: str | None) -> str | None:
        return pseudonym(x, world.key) if x in players else x

    for e in log:
        data = dict(e.data)
        if isinstance(data.get("text"), str):
            data["text"] = _clean(data["text"], counts)
        counts.written += 1
        yield {"id": e.id, "time": e.world_time.isoformat(timespec="minutes"), "kind": e.kind,
               "actor": who(e.actor), "target": who(e.target), "data": data}


def write_jsonl(records: Iterable[dict[str, Any]], out: Path) -> int:
    """Write records one per line (UTF-8, Chinese kept as is); a partial file never stays behind."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(out)
    return n
