"""The admin role: create accounts, act in the world as any character, generate content, read the
audit log. Every admin call is written to the audit log with what it did."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from llmverse.server.accounts import Account, AccountError, normalise_name
from llmverse.server.auth import admin_account, runtime
from llmverse.server.bus import event_json
from llmverse.server.rest import Issued, reserved
from llmverse.server.runtime import Runtime
from llmverse.world.actions import Action
from llmverse.world.world import ActionRefused

router = APIRouter(prefix="/api/admin")


class NewAccount(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str | None = Field(default=None, max_length=256)  # None: token only (scripts, load tests)
    role: Literal["player", "admin"] = "player"


ID_LENGTH = 64  # the store's columns for actors and addressees


class Act(BaseModel):
    actor: str = Field(max_length=ID_LENGTH, description="a character id: the world validates the action as theirs")
    action: Action
    lang: Literal["en", "zh"] | None = Field(default=None, description="language of a refusal's reason "
                                             "(default: the character's own)")


def _edge_problem(action: Action) -> str | None:
    """What the store would refuse (PostgreSQL) or keep wrongly (SQLite): an id longer than its column,
    or a control character; the same answer on both."""
    for key, value in action.model_dump().items():
        if not isinstance(value, str):
            continue
        allowed = "\n\t" if key == "text" else ""
        if any((ord(ch) < 32 or ord(ch) == 127) and ch not in allowed for ch in value):
            return f"action.{key}: control characters are not allowed"
        if key != "text" and len(value) > ID_LENGTH:
            return f"action.{key}: at most {ID_LENGTH} characters"
    return None


class Generate(BaseModel):
    kind: str = Field(max_length=32, description="news, story, poem, quest, description")
    params: dict[str, Any] = {}


@router.post("/accounts", response_model=Issued)
def create_account(body: NewAccount, admin: Account = Depends(admin_account), rt: Runtime = Depends(runtime)) -> Issued:
    name = normalise_name(body.name)
    if reserved(rt, name):
        raise HTTPException(409, f"the name '{name}' is taken")
    try:
        account = rt.accounts.create(name, body.password, role=body.role)
    except AccountError as exc:
        raise HTTPException(409 if "taken" in str(exc) else 422, str(exc)) from exc
    rt.accounts.audit(admin.name, "admin.account", name=account.name, role=account.role)
    return Issued(name=account.name, role=account.role,
                  token=rt.accounts.issue(account.name, label="issued", hours=rt.cfg.token_hours))


@router.get("/audit")
def audit(limit: int = Query(100, ge=1, le=1000), actor: str | None = Query(None, max_length=64),
          _: Account = Depends(admin_account), rt: Runtime = Depends(runtime)) -> list[dict[str, Any]]:
    return rt.accounts.audit_log(limit=limit, actor=actor)


@router.get("/safety")
def safety_audit(limit: int = Query(100, ge=1, le=1000), player: str | None = Query(None, max_length=64),
                 category: str | None = Query(None, max_length=32), action: str | None = Query(None, max_length=16),
                 _: Account = Depends(admin_account), rt: Runtime = Depends(runtime)) -> list[dict[str, Any]]:
    """The safety rails' decisions, newest first: stage, category, score, action, player, character,
    time and a redacted excerpt (personal data is never stored raw)."""
    rows = rt.services.rails.audit.read(player=player, category=category, action=action, limit=limit) \
        if rt.services.rails.audit is not None else []
    return [{**asdict(r), "at": r.at.isoformat(timespec="seconds")} for r in rows]


@router.post("/act")
def act(body: Act, admin: Account = Depends(admin_account), rt: Runtime = Depends(runtime)) -> dict[str, Any]:
    """Edit the world through its one door: an action as a character, validated by the world."""
    problem = _edge_problem(body.action)
    if problem is not None:
        raise HTTPException(422, problem)
    w = rt.world
    if body.actor not in w.characters:
        raise HTTPException(422, f"'{body.actor}' is not a character of this world")
    try:
        # Decided on the stored state (the engine reads it in the transaction), so no lock and no
        # re-read of this process's copy is needed: another process's sale is seen.
        ev = w.apply(body.actor, body.action)
    except ActionRefused as exc:
        rt.accounts.audit(admin.name, "admin.act.refused", character=body.actor, action=body.action.model_dump(),
                          reason=exc.reason)
        raise HTTPException(409, exc.in_language(body.lang) if body.lang else exc.localized) from exc
    rt.accounts.audit(admin.name, "admin.act", character=body.actor, action=body.action.model_dump(),
                      event=ev.id if ev else None)
    return {"event": event_json(ev) if ev else None}


@router.post("/generate")
async def generate(body: Generate, admin: Account = Depends(admin_account),
                   rt: Runtime = Depends(runtime)) -> dict[str, Any]:
    """Write a document (today's gazette, a poem) from the event log and keep it; model work takes
    its turn in the queue like anyone's."""
    from llmverse.content import ContentError, generate as run

    made: dict[str, Any] = {}

    def work() -> Iterator[str]:
        doc = run(body.kind, rt.fresh(), rt.gateway, memory=rt.memory, **body.params)
        made["id"] = rt.content.save(doc)
        made["title"] = doc.title
        return iter(())

    _, q = rt.queue(admin.name, work, asyncio.get_running_loop())
    while True:
        kind, value = await q.get()
        if kind == "done":
            break
    if isinstance(value, ContentError):
        raise HTTPException(422, str(value))
    if value is not None:
        raise HTTPException(500, f"generation failed: {type(value).__name__}")
    # A write: in a worker thread (the event loop never waits on the store).
    await asyncio.to_thread(rt.accounts.audit, admin.name, "admin.generate", kind=body.kind, document=made.get("id"))
    return made
