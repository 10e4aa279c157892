"""Players and access: accounts with argon2-hashed passwords, issued tokens, and an audit log.

Three tables beside the world's (same engine: SQLite or PostgreSQL), each scoped by the world's key
so several worlds can share one database. A token is shown once, when issued; only its SHA-256 is
kept, so a leaked database gives no one a way in. Passwords are hashed with argon2id (argon2-cffi);
a login for an unknown name still spends one hash, so timing does not tell which names exist.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import JSON, DateTime, Integer, String, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from llmverse.errors import LlmverseError

log = logging.getLogger(__name__)
Role = Literal["player", "admin"]
NAME = re.compile(r"[a-z][a-z0-9_]{1,31}")  # always fullmatch: `$` would let "admin\n" through
MIN_PASSWORD = 8
ADMIN = "admin"  # the bootstrap admin's name (LLMVERSE_ADMIN_PASSWORD); players cannot register it


class AccountError(LlmverseError):
    """An account could not be created or used; the message is safe to show the player."""


def normalise_name(name: str) -> str:
    """A name as it is stored and looked up: NFKC (full-width 'ａｄｍｉｎ' is 'admin'), spaces trimmed.
    Control characters are kept, so the pattern refuses them."""
    return unicodedata.normalize("NFKC", name).strip(" ")


def valid_name(name: str) -> bool:
    return NAME.fullmatch(name) is not None


class _Base(DeclarativeBase):
    pass


class _AccountRow(_Base):
    __tablename__ = "llmverse_accounts"
    world: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    password: Mapped[str | None] = mapped_column(String(256), nullable=True)  # argon2 hash; None: tokens only
    role: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime] = mapped_column(DateTime)


class _TokenRow(_Base):
    __tablename__ = "llmverse_tokens"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    world: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    label: Mapped[str] = mapped_column(String(64))  # "session", "api", ...
    expires: Mapped[datetime] = mapped_column(DateTime)


class _AuditRow(_Base):
    __tablename__ = "llmverse_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    world: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # UTC wall clock, not world time
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    expires: datetime | None = field(default=None, compare=False)  # of the token it came with (UTC)

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def digest(token: str) -> str:
    """What is stored of a token, and how open sockets are matched to it."""
    return _digest(token)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Accounts:
    """Accounts, tokens and the audit log of one world."""

    def __init__(self, engine: Engine, world: str, hasher: PasswordHasher | None = None, *,
                 on_create: Callable[[str], object] | None = None) -> None:
        self.engine, self.world = engine, world
        self.hasher = hasher or PasswordHasher()
        self.on_create = on_create  # told each new account's name (the rails: a player's name is a person's)
        _Base.metadata.create_all(engine)
        self._dummy = self.hasher.hash(secrets.token_hex(8))  # spent on unknown names

    # --- accounts --------------------------------------------------------------------------------
    def create(self, name: str, password: str | None = None, role: Role = "player") -> Account:
        name = normalise_name(name)
        if not valid_name(name):
            raise AccountError("a name is 2-32 characters: lower-case letters, digits and '_', "
                               "starting with a letter")
        if password is not None and len(password) < MIN_PASSWORD:
            raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
        hashed = self.hasher.hash(password) if password is not None else None
        try:
            with Session(self.engine) as s, s.begin():
                s.add(_AccountRow(world=self.world, name=name, password=hashed, role=role, created=_now()))
        except IntegrityError as exc:
            raise AccountError(f"the name '{name}' is taken") from exc
        self.audit(name, "account.create", role=role)
        if self.on_create is not None:
            self.on_create(name)
        return Account(name, role)

    def names(self) -> list[str]:
        """Every account name of the world, for what must know its players before they speak (the rails)."""
        with Session(self.engine) as s:
            return list(s.scalars(select(_AccountRow.name).where(_AccountRow.world == self.world)))

    def exists(self, name: str) -> bool:
        """Whether the world has an account of this name: one read by the primary key, for the rails' look-up
        of a name another server process may have made (`Rails.look_up_people`)."""
        if not valid_name(name):
            return False
        with Session(self.engine) as s:
            return s.scalar(select(_AccountRow.name).where(_AccountRow.world == self.world,
                                                           _AccountRow.name == name)) is not None

    def get(self, name: str) -> Account | None:
        if not valid_name(name):
            return None
        with Session(self.engine) as s:
            row = s.get(_AccountRow, (self.world, name))
            return Account(row.name, row.role) if row else None  # type: ignore[arg-type]

    def ensure_admin(self, name: str, password: str) -> Account:
        """The bootstrap admin (from LLMVERSE_ADMIN_PASSWORD): created once, password kept in step."""
        hashed = self.hasher.hash(password)
        with Session(self.engine) as s, s.begin():
            row = s.get(_AccountRow, (self.world, name))
            if row is None:
                s.add(_AccountRow(world=self.world, name=name, password=hashed, role="admin", created=_now()))
            else:
                if row.role != "admin":
                    # Someone else's account under the admin's name: whoever holds its tokens must
                    # not become admin with it, so they all go before the promotion.
                    revoked = s.execute(delete(_TokenRow).where(_TokenRow.world == self.world,
                                                                _TokenRow.name == name)).rowcount
                    log.warning("account '%s' was a %s; promoted to admin and its %d token(s) revoked",
                                name, row.role, revoked)
                row.password, row.role = hashed, "admin"
        return Account(name, "admin")

    def verify(self, name: str, password: str) -> Account | None:
        """The account if the password is right; None otherwise (and the attempt is audited).
        A name that could never be an account is not looked up (PostgreSQL refuses NUL bytes), but
        still spends one hash, so timing does not tell it apart."""
        name = normalise_name(name)
        with Session(self.engine) as s:
            row = s.get(_AccountRow, (self.world, name)) if valid_name(name) else None
            stored = row.password if row is not None else None
            account = Account(row.name, row.role) if row is not None else None  # type: ignore[arg-type]
        try:
            self.hasher.verify(stored or self._dummy, password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        # A failed login's typed name is not kept: it is often the password typed in the wrong box.
        self.audit(name if account else "?", "login" if ok else "login.failed")
        return account if ok else None

    # --- tokens ----------------------------------------------------------------------------------
    def issue(self, name: str, *, label: str = "session", hours: float = 24 * 30) -> str:
        """A new bearer token for an account; shown once, kept only as its digest."""
        if self.get(name) is None:
            raise AccountError(f"no account '{name}'")
        token = "lv_" + secrets.token_urlsafe(32)
        with Session(self.engine) as s, s.begin():
            s.add(_TokenRow(digest=_digest(token), world=self.world, name=name, label=label[:64],
                            expires=_now() + timedelta(hours=hours)))
        self.audit(name, "token.issue", label=label[:64])
        return token

    def authenticate(self, token: str | None) -> Account | None:
        return self.authenticate_many([token])[0]

    def authenticate_many(self, tokens: Sequence[str | None]) -> list[Account | None]:
        """Each token's account (None: unknown, expired, another world's, or its account gone), in one
        query for all: when a crowd joins at once, one thread hop and one query for many sockets."""
        wanted = {_digest(t) for t in tokens if t and len(t) <= 200}
        found: dict[str, Account] = {}
        with Session(self.engine) as s:
            for chunk in [sorted(wanted)[i:i + 500] for i in range(0, len(wanted), 500)]:
                rows = s.execute(select(_TokenRow.digest, _TokenRow.expires, _AccountRow.name, _AccountRow.role)
                                 .join(_AccountRow, (_AccountRow.world == _TokenRow.world)
                                       & (_AccountRow.name == _TokenRow.name))
                                 .where(_TokenRow.digest.in_(chunk), _TokenRow.world == self.world,
                                        _TokenRow.expires >= _now()))
                found.update({d: Account(name, role, expires) for d, expires, name, role in rows})
        return [found.get(_digest(t)) if t and len(t) <= 200 else None for t in tokens]

    def live(self, digests: Collection[str]) -> set[str]:
        """Of these token digests, the ones still valid (not revoked, not expired): one query for all
        the sockets of a process."""
        wanted = list(digests)
        found: set[str] = set()
        with Session(self.engine) as s:
            for i in range(0, len(wanted), 500):
                found |= set(s.scalars(select(_TokenRow.digest).where(
                    _TokenRow.digest.in_(wanted[i:i + 500]), _TokenRow.world == self.world,
                    _TokenRow.expires >= _now())))
        return found

    def revoke(self, token: str) -> bool:
        with Session(self.engine) as s, s.begin():
            return s.execute(delete(_TokenRow).where(_TokenRow.digest == _digest(token))).rowcount > 0

    # --- audit -----------------------------------------------------------------------------------
    def audit(self, who: str, action: str, /, **detail: Any) -> None:
        with Session(self.engine) as s, s.begin():
            s.add(_AuditRow(world=self.world, at=_now(), actor=who, action=action, detail=detail))

    def audit_log(self, *, limit: int = 100, actor: str | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        q = select(_AuditRow).where(_AuditRow.world == self.world)
        if actor is not None:
            q = q.where(_AuditRow.actor == actor)
        with Session(self.engine) as s:
            rows = s.scalars(q.order_by(_AuditRow.id.desc()).limit(limit)).all()
            return [{"id": r.id, "at": r.at.isoformat(timespec="seconds") + "Z", "actor": r.actor,
                     "action": r.action, "detail": dict(r.detail)} for r in rows]
