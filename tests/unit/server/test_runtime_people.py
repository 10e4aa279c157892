"""The server tells the rails every account's name when it starts and each new one when it is made
(runtime.py, accounts.py), so where a player lives is refused before they ever speak: after a restart
the rails learnt players only as they talked."""

from __future__ import annotations

from serverkit import make_runtime

# Refused only once the rails know kestrel plays (an unknown name's number or possessive home is no pattern's).
ASKED = ("Where's kestrel's home?", "kestrel的电话多少")


def test_a_restarted_server_knows_its_players_before_they_speak(tmp_path):
    first = make_runtime(tmp_path)
    first.accounts.create("kestrel", "correct-horse")
    first.store.engine.dispose()
    rt = make_runtime(tmp_path)  # the same database: a restart
    assert "kestrel" in rt.services.rails.people.players
    for text in ASKED:
        d = rt.services.rails.check_input("moonfox", text)
        assert d.refused and d.reason == "pii.request", text
    assert rt.services.rails.check_input("moonfox", "Where does Nell live?").action == "allow"  # a character


def test_a_new_account_is_known_at_once(tmp_path):
    rt = make_runtime(tmp_path)
    # an unknown name's home is refused anyway (it may be anyone's); its number in Chinese is no pattern's
    assert "kestrel" not in rt.services.rails.people.players
    assert rt.services.rails.check_input("moonfox", ASKED[1]).action == "allow"
    rt.accounts.create("kestrel", "correct-horse")
    assert "kestrel" in rt.services.rails.people.players
    for text in ASKED:
        assert rt.services.rails.check_input("moonfox", text).refused, text
