"""The server tells the rails every account's name when it starts and each new one when it is made
(runtime.py, accounts.py), so where a player lives is refused before they ever speak: after a restart
the rails learnt players only as they talked."""

from __future__ import annotations

from serverkit import make_runtime

# Refused only once the rails know kestrel plays (an unknown name's number asked so is no pattern's; "kestrel的电话多少"
# is refused for any name of its shape).
ASKED = ("Where's kestrel's home?", "What is the phone number of kestrel?")


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
    assert "kestrel" not in rt.services.rails.people.players
    assert rt.services.rails.check_input("moonfox", ASKED[1]).action == "allow"  # no such account yet
    rt.accounts.create("kestrel", "correct-horse")
    assert "kestrel" in rt.services.rails.people.players
    for text in ASKED:
        assert rt.services.rails.check_input("moonfox", text).refused, text


def test_an_account_made_by_another_process_is_looked_up_when_a_request_names_it(tmp_path):
    rt = make_runtime(tmp_path)
    other = make_runtime(tmp_path)  # a second server process on the same database
    other.accounts.create("kestrel", "correct-horse")
    assert "kestrel" not in rt.services.rails.people.players  # never told: its player has not spoken here
    d = rt.services.rails.check_input("moonfox", ASKED[1])
    assert d.refused and d.reason == "pii.request"
    assert "kestrel" in rt.services.rails.people.players
    assert rt.services.rails.check_input("moonfox", "What is the phone number of nobody_here?").action == "allow"
