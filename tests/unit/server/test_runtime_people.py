"""The server tells the rails every account's name when it starts and each new one when it is made
(runtime.py, accounts.py), so where a player lives is refused before they ever speak: after a restart
the rails learnt players only as they talked."""

from __future__ import annotations

from serverkit import make_runtime

# Refused only once the rails know kestrel plays: a lower-case word after "for" may say what the line is for ("the
# phone number for takeout"); "kestrel" elsewhere, in lower case as accounts are named, is refused by its shape.
ASKED = ("Where's kestrel's home?", "What is the phone number for kestrel?")


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


def test_an_account_name_gets_the_same_answer_whether_the_account_exists_or_not(tmp_path):
    """Review: 'What is the phone number of X?' was refused iff X was an account, which told anyone who plays."""
    rt = make_runtime(tmp_path)
    make_runtime(tmp_path).accounts.create("kestrel", "correct-horse")  # another process's account
    for text in ("What is the phone number of {}?", "{}的电话多少", "What's the e-mail of {} at the Gull Inn?"):
        answers = [rt.services.rails.check_input("moonfox", text.format(name)) for name in ("kestrel", "nobody_here")]
        assert all(d.refused and d.reason == "pii.request" for d in answers), text
