"""REST: accounts and tokens, and the world's state for players (places, characters, things, events,
the map, generated content). Every route but register/login/health needs a bearer token (logout
revokes it); a player sees the world's public events and only their own conversations. Login and
register are throttled per client IP (and per name), since each spends an argon2 hash."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import AfterValidator, BaseModel, Field

from llmverse.server.accounts import ADMIN, Account, AccountError, normalise_name
from llmverse.server.auth import bearer, current_account, runtime
from llmverse.server.limits import retry_after_header
from llmverse.server.presence import visible
from llmverse.server.runtime import WORLD_PLAYER, Runtime
from llmverse.server.services import ASSISTANT

router = APIRouter(prefix="/api")
EVENT_PAGE = 200  # events read from the store at a time for /api/events
AUTH_BODY = 16 * 1024  # bytes: larger login and register bodies are refused unread
MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32-bit in PostgreSQL (64 in SQLite); the same limit on both


def _printable(text: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError("control characters (NUL, newlines ...) are not allowed here")
    return text


Printable = Annotated[str, AfterValidator(_printable)]


class Credentials(BaseModel):
    name: str = Field(min_length=1, max_length=64)  # normalised and checked by Accounts
    password: str = Field(min_length=1, max_length=256)


class TokenRequest(BaseModel):
    label: Printable = Field(default="api", max_length=64)
    hours: float = Field(default=24 * 30, gt=0, le=24 * 366)


class Issued(BaseModel):
    name: str
    role: str
    token: str


def reserved(rt: Runtime, name: str) -> bool:
    """Names (normalised) that are already someone in the event log (characters, places, the assistant), and the
    bootstrap admin's name, which only LLMVERSE_ADMIN_PASSWORD may create."""
    w = rt.world
    return name in w.characters or name in w.places or name in w.things or \
        name in (ASSISTANT, "world", WORLD_PLAYER, ADMIN)


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _throttle(rt: Runtime, request: Request, name: str | None = None) -> None:
    """Logins and registrations each spend an argon2 hash: see `LoginThrottle` for the buckets."""
    wait = rt.auth_limits.check(_address(request), name)
    if wait:
        raise HTTPException(429, f"too many attempts; retry after {retry_after_header(wait)}s",
                            headers={"Retry-After": retry_after_header(wait)})


@router.post("/register", response_model=Issued)
def register(body: Credentials, request: Request, rt: Runtime = Depends(runtime)) -> Issued:
    _throttle(rt, request)
    if not rt.cfg.open_registration:
        raise HTTPException(403, "registration is closed: ask an admin for an account")
    name = normalise_name(body.name)
    if reserved(rt, name):
        raise HTTPException(409, f"the name '{name}' is taken")
    try:
        account = rt.accounts.create(name, body.password)
    except AccountError as exc:
        raise HTTPException(409 if "taken" in str(exc) else 422, str(exc)) from exc
    rt.auth_limits.succeeded(_address(request), account.name)
    return Issued(name=account.name, role=account.role, token=rt.accounts.issue(account.name, hours=rt.cfg.token_hours))


@router.post("/login", response_model=Issued)
def login(body: Credentials, request: Request, rt: Runtime = Depends(runtime)) -> Issued:
    name = normalise_name(body.name)
    _throttle(rt, request, name)
    account = rt.accounts.verify(name, body.password)
    if account is None:
        raise HTTPException(401, "wrong name or password", headers={"WWW-Authenticate": "Bearer"})
    rt.auth_limits.succeeded(_address(request), account.name)
    return Issued(name=account.name, role=account.role, token=rt.accounts.issue(account.name, hours=rt.cfg.token_hours))


@router.post("/logout", status_code=204)
def logout(request: Request, _: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> None:
    """Revoke the token this request carries (other tokens of the account stay valid); the sockets
    that joined with it close now (in this process; others notice at their next check)."""
    token = bearer(request) or ""
    rt.accounts.revoke(token)
    rt.token_revoked(token)


@router.post("/tokens", response_model=Issued)
def new_token(body: TokenRequest, me: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> Issued:
    """An API token for OpenAI clients and scripts; shown once."""
    return Issued(name=me.name, role=me.role, token=rt.accounts.issue(me.name, label=body.label, hours=body.hours))


@router.get("/me")
def me(me: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> dict[str, Any]:
    x, y = rt.presence.where(me.name)
    return {"name": me.name, "role": me.role, "tile": [x, y], "place": rt.world.grid.place_at(x, y)}


@router.get("/world")
def world(_: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> dict[str, Any]:
    """Everything the client draws: the map (walkable rows as '1'/'0'), places, blocked areas, clock."""
    w = rt.fresh()
    grid, m = w.grid, w.file.map
    rows = ["".join("1" if v else "0" for v in row) for row in grid.mask.tolist()]
    return {
        "key": w.key, "name": w.file.name.model_dump(), "now": w.now().isoformat(timespec="minutes"),
        "map": {"width": m.width, "height": m.height, "tile_m": m.tile_m, "walkable": rows,
                "blocked": [b.model_dump() for b in m.blocked]},
        "places": [_place(rt, p.id) for p in w.places.values()],
        "spawn": list(rt.presence.spawn()),
    }


def _place(rt: Runtime, place_id: str) -> dict[str, Any]:
    w = rt.world
    p = w.places[place_id]
    return {**p.model_dump(include={"id", "names", "tags", "hours", "description", "rect", "open_air", "doors"}),
            "open_now": p.open_air or w.is_open(p.id)}


@router.get("/places")
def places(_: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> list[dict[str, Any]]:
    rt.fresh()
    return [_place(rt, p) for p in rt.world.places]


@router.get("/characters")
def characters(_: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> list[dict[str, Any]]:
    w = rt.fresh()
    return [{"id": c.id, "names": c.names.model_dump(), "role": c.role, "role_zh": c.role_zh,
             "place": w.position(c.id), "heading": w.heading(c.id), "tile": list(w.tile(c.id)),
             "model": f"npc:{c.id}"} for c in w.characters.values()]


@router.get("/characters/{character_id}/beside")
def beside(character_id: str = Path(max_length=64), me: Account = Depends(current_account),
           rt: Runtime = Depends(runtime)) -> dict[str, Any]:
    """Where to walk to talk with a character: a tile next to them that the player can reach now.
    409 with the reason in English and Chinese (`reasons`) when there is none."""
    from llmverse.world.world import ActionRefused

    w = rt.fresh()
    if character_id not in w.characters:
        raise HTTPException(404, f"no character '{character_id}'")
    try:
        x, y = rt.presence.beside(me.name, character_id)
    except ActionRefused as exc:
        raise HTTPException(409, {"detail": exc.reason, "reasons": exc.reasons}) from exc
    return {"tile": [x, y], "place": w.grid.place_at(x, y)}


@router.get("/things")
def things(_: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> list[dict[str, Any]]:
    w = rt.fresh()
    out = []
    for t in w.things.values():
        st = w.thing_state(t.id)
        out.append({"id": t.id, "names": t.names.model_dump(), "kind": t.kind, "price": t.price,
                    "location": st.location, "owner": st.owner})
    return out


@router.get("/events")
def events(since: int = Query(0, ge=0, le=MAX_ID), limit: int = Query(100, ge=1, le=1000),
           me: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> list[dict[str, Any]]:
    """World events after `since`, oldest first; other players' conversations are left out."""
    from llmverse.server.bus import event_json

    out: list[dict[str, Any]] = []
    page = max(limit, EVENT_PAGE)
    while len(out) < limit:  # read the log a page at a time: hidden events make some pages short
        batch = rt.world.events(since_id=since, limit=page)
        out += [event_json(ev) for ev in batch if visible(ev, me.name, rt.world)]
        if len(batch) < page:
            break
        since = batch[-1].id
    return out[:limit]


@router.get("/conversations")
def conversations(with_: str | None = Query(None, alias="with", max_length=64), last: int = Query(50, ge=1, le=500),
                  me: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> list[dict[str, Any]]:
    """My conversations only: what I said and what was said to me (with one character, or all)."""
    from llmverse.server.bus import event_json

    if with_ is not None:
        found = rt.world.events(kind="say", between=(me.name, with_), last=last)
    else:
        found = rt.world.events(kind="say", party=me.name, last=last)
    return [event_json(e) for e in found]


@router.get("/content")
def content(kind: str | None = Query(None, max_length=32), limit: int = Query(20, ge=1, le=100),
            _: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> list[dict[str, Any]]:
    """Generated documents (the gazette, stories, poems, quests), newest first."""
    return [s.model_dump(mode="json") for s in rt.content.list(kind=kind, limit=limit)]


@router.get("/content/{doc_id}")
def document(doc_id: int = Path(ge=0, le=MAX_ID), _: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> dict[str, Any]:
    from llmverse.content.errors import DocumentNotFound

    try:
        doc = rt.content.get(doc_id)
    except DocumentNotFound as exc:
        raise HTTPException(404, f"no document {doc_id}") from exc
    return doc.model_dump(mode="json", include={"id", "kind", "title", "text", "language", "world_time", "model",
                                                "passed", "sources"})


@router.get("/status")
def status(_: Account = Depends(current_account), rt: Runtime = Depends(runtime)) -> dict[str, Any]:
    return {"model": rt.gateway.backend.name, "concurrency": rt.scheduler.concurrency,
            "waiting": rt.scheduler.waiting(), "connections": len(rt.hub.connections),
            "world_time": rt.world.now().isoformat(timespec="minutes")}
