"""Excessive agency (OWASP LLM06): an action the model proposes is checked against what the *player*
who asked may cause, before the world sees it.

The world already checks that an action is possible (own the thing, be in the place). This checks
that it is *permitted because of this conversation*: a player's words may make a character speak,
sell at the world's price and nothing else; a character never moves, gives things away or opens
another player's data because a message told it to. Who acts is set by the caller, never by the
model (`world/actions.py`), so a message cannot make one character act as another.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmverse.world.actions import Action, Buy, Give, Move, Rate, Say, Use, Visit, Wait

# What a player's request may lead to. A character's own plan (simulation) is not a player request.
PLAYER_MAY = (Say, Buy, Visit, Rate, Wait, Use)  # the player acting for themself
CHARACTER_FOR_PLAYER = (Say, Wait)  # a character acting because a player asked


@dataclass(frozen=True)
class Permission:
    allowed: bool
    reason: str  # "agency.ok", "agency.give_on_request", ...


def permitted(action: Action, *, actor: str, player: str, characters: set[str]) -> Permission:
    """May `actor` take `action` in reply to `player`? `characters`: the world's character ids."""
    if actor == player:  # the player acts for themself: the world's own checks then apply
        if isinstance(action, PLAYER_MAY):
            return Permission(True, "agency.ok")
        return Permission(False, f"agency.player_{action.kind}")
    if actor not in characters:
        return Permission(False, "agency.unknown_actor")
    if isinstance(action, CHARACTER_FOR_PLAYER):
        if isinstance(action, Say) and action.to not in (None, player):
            return Permission(False, "agency.speak_to_other")  # no relaying to a third party on request
        return Permission(True, "agency.ok")
    if isinstance(action, Give):
        return Permission(False, "agency.give_on_request")  # a sale is the player's Buy, at the world's price
    if isinstance(action, Move):
        return Permission(False, "agency.move_on_request")  # characters walk by their own plans
    return Permission(False, f"agency.{action.kind}_on_request")


def may_read(player: str, entity: str) -> bool:
    """Data a tool may open for `player`: world data and the player's own session, never another's."""
    kind, _, owner = entity.partition(":")
    if kind in ("assistant", "player", "session", "relation") and owner:
        return owner == player or owner.endswith(f":{player}") or owner.startswith(f"{player}:")
    return kind in ("place", "thing", "character", "doc", "event", "clock")
