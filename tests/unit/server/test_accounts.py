"""Accounts: argon2 hashes, tokens kept only as digests, expiry, audit."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import create_engine, text

from llmverse.server.accounts import AccountError, Accounts


@pytest.fixture
def accounts(tmp_path):
    return Accounts(create_engine(f"sqlite:///{tmp_path / 'a.db'}"), "town")


def test_password_is_stored_as_an_argon2id_hash_and_verified(accounts):
    accounts.create("alice", "wonderland")
    with accounts.engine.connect() as c:
        stored = c.execute(text("select password from llmverse_accounts where name='alice'")).scalar()
    assert stored.startswith("$argon2id$") and "wonderland" not in stored
    assert accounts.verify("alice", "wonderland").name == "alice"
    assert accounts.verify("alice", "wrong-password") is None
    assert accounts.verify("nobody", "wonderland") is None


def test_token_is_kept_only_as_its_digest(accounts):
    accounts.create("bob", "builder-99")
    token = accounts.issue("bob")
    with accounts.engine.connect() as c:
        digests = [r[0] for r in c.execute(text("select digest from llmverse_tokens"))]
    assert token not in digests and hashlib.sha256(token.encode()).hexdigest() in digests
    assert accounts.authenticate(token).name == "bob"
    assert accounts.authenticate(token + "x") is None
    assert accounts.revoke(token) and accounts.authenticate(token) is None


def test_expired_tokens_and_other_worlds_tokens_are_refused(accounts, tmp_path):
    accounts.create("carol", "carol-pass")
    old = accounts.issue("carol", hours=-1)
    assert accounts.authenticate(old) is None
    other = Accounts(accounts.engine, "another-town")
    assert other.authenticate(accounts.issue("carol")) is None


def test_names_and_passwords_are_checked_and_names_are_unique(accounts):
    for bad in ("A", "x", "has space", "1abc", "a" * 40):
        with pytest.raises(AccountError):
            accounts.create(bad, "long-enough")
    with pytest.raises(AccountError, match="at least"):
        accounts.create("dave", "short")
    accounts.create("dave", "long-enough")
    with pytest.raises(AccountError, match="taken"):
        accounts.create("dave", "long-enough")


def test_logins_and_failures_are_audited(accounts):
    accounts.create("erin", "erin-pass")
    accounts.verify("erin", "erin-pass")
    accounts.verify("erin", "nope-nope")
    actions = [e["action"] for e in accounts.audit_log()]
    assert actions[:3] == ["login.failed", "login", "account.create"]


def test_ensure_admin_revokes_the_tokens_of_a_player_who_held_the_admin_name(accounts):
    accounts.create("admin", "player-password")
    token = accounts.issue("admin")
    assert accounts.authenticate(token).role == "player"
    accounts.ensure_admin("admin", "admin-password-1")
    assert accounts.authenticate(token) is None  # the player's session does not become an admin's
    assert accounts.verify("admin", "admin-password-1").admin


def test_ensure_admin_keeps_the_tokens_of_the_admin_itself(accounts):
    accounts.ensure_admin("admin", "admin-password-1")
    token = accounts.issue("admin")
    accounts.ensure_admin("admin", "admin-password-2")
    assert accounts.authenticate(token).admin


def test_a_name_typed_at_a_failed_login_is_not_kept(accounts):
    """Issue 17: names typed at failed logins were kept in the audit log (often a password typed in
    the name box)."""
    accounts.create("erin", "erin-pass")
    assert accounts.verify("correct-horse-battery", "anything") is None  # the password in the name box
    assert accounts.verify("erin", "nope-nope") is None
    failed = [e for e in accounts.audit_log() if e["action"] == "login.failed"]
    assert [e["actor"] for e in failed] == ["erin", "?"]  # a real account's name, never a stranger's
    assert "correct-horse-battery" not in repr(accounts.audit_log())


def test_exists_reads_one_name(accounts):
    assert not accounts.exists("dave")
    accounts.create("dave", "dave-pass-1")
    assert accounts.exists("dave")
    assert not accounts.exists("Dave\x00") and not accounts.exists("")  # never a name: not looked up


def test_many_tokens_in_one_query_each_get_their_own_answer(accounts):
    accounts.create("dora", "dora-pass1")
    accounts.create("eve", "eve-pass12")
    dora, eve = accounts.issue("dora"), accounts.issue("eve")
    expired, elsewhere = accounts.issue("dora", hours=-1), Accounts(accounts.engine, "another-town")
    foreign = elsewhere.issue("eve") if elsewhere.create("eve", "eve-pass12") else None
    got = accounts.authenticate_many([eve, None, dora, expired, foreign, "lv_unknown", "x" * 300, dora])
    assert [a.name if a else None for a in got] == ["eve", None, "dora", None, None, None, None, "dora"]
    assert got[0].expires is not None and got[2].role == "player"
