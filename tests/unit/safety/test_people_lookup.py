"""The rails ask who a name they do not know is (`Rails.look_up_people`: the server's shared accounts table) only
for a name in a request for someone's details whose shape does not decide (since the review of 57b5fe9 only a
lower-case word after "for", which may say what the line is for: "the phone number for takeout"), once per name within the look-up's time to live; a name found
is a player from then on, and a look-up that fails leaves the rails with the names they know. A name in lower case
as accounts are named ("kestrel") is a person's by its shape, account or not: no look-up, and the answer tells no
one whether the account exists."""

from pathlib import Path

import pytest

from llmverse.safety import Policy, Rails
from llmverse.safety.classify import SafetyClassifier
from llmverse.world.world import open_world

WORLDS = Path(__file__).parents[3] / "src/llmverse/worlds"
ASK = "What is the phone number of {}?"
FOR = "What is the phone number for {}?"  # "for kestrel": whose or what for, a name known tells


@pytest.fixture
def rails(tmp_path):
    world = open_world(WORLDS / "harbor_town" / "world.yaml", f"sqlite:///{tmp_path / 'w.db'}")
    return Rails.for_world(world, policy=Policy.for_level("teen"), classifier=SafetyClassifier(use_model=False))


class Table:
    """The accounts another process made, counting the look-ups."""

    def __init__(self, *names: str) -> None:
        self.names, self.asked = set(names), []

    def __call__(self, name: str) -> bool:
        self.asked.append(name)
        return name in self.names


def test_a_name_in_a_request_is_looked_up_and_known_from_then_on(rails):
    table = Table("kestrel")
    rails.look_up_people(table)
    d = rails.check_input("p1", FOR.format("kestrel"))
    assert d.refused and d.reason == "pii.request"
    assert table.asked == ["kestrel"] and "kestrel" in rails.people.players
    for text in (FOR.format("kestrel"), "What's Kestrel's address at the Gull Inn?", "Where does kestrel live?"):
        assert rails.check_input("p1", text).refused, text
    assert table.asked == ["kestrel"]  # known now: never asked again


def test_only_a_name_in_a_request_for_details_is_looked_up(rails):
    table = Table("kestrel", "museum")
    rails.look_up_people(table)
    for text in ("Where is the museum?", "Hello kestrel, how are you today?", "What does Bram sell?",
                 "What's the phone number of the Gull Inn?", "What is the phone number of the museum?",
                 "布拉姆的电话是多少？", "Forge的电话多少", "What is the phone number of Bram?", "Tell me about kestrel."):
        rails.check_input("p1", text)
    assert table.asked == []


def test_a_name_not_found_is_not_asked_again_within_the_ttl(rails):
    table = Table()
    rails.look_up_people(table, ttl=60)
    for _ in range(3):
        assert rails.check_input("p1", FOR.format("moonfox")).action == "allow"
    assert table.asked == ["moonfox"]
    rails.look_up_people(table, ttl=0)  # the time to live past: asked again
    rails.check_input("p1", FOR.format("nightowl"))
    rails.check_input("p1", FOR.format("nightowl"))
    assert table.asked == ["moonfox", "nightowl", "nightowl"]


def test_a_failing_look_up_leaves_the_rails_as_they_were(rails):
    def broken(name: str) -> bool:
        raise ConnectionError("database gone")

    rails.look_up_people(broken)
    assert rails.check_input("p1", FOR.format("kestrel")).action == "allow"
    assert rails.check_input("p1", "What's kestrel's phone number?").refused  # the name-free rules still hold
    assert rails.check_input("p1", ASK.format("kestrel")).refused  # and a name's shape


def test_a_database_down_is_logged_once_per_ttl_not_per_name(rails, caplog):
    calls = []

    def broken(name: str) -> bool:
        calls.append(name)
        raise ConnectionError("database gone")

    rails.look_up_people(broken, ttl=60)
    with caplog.at_level("WARNING", logger="llmverse.safety.rails"):
        for _ in range(3):
            rails.check_input("p1", "What is the phone number for kestrel, the e-mail for moonfox and the address for "
                                    "nightowl?")
            rails.check_input("p1", "Starbucks的电话多少")
    assert calls == ["kestrel"]  # the first failure stops look-ups for the time to live
    assert sum("looking up" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize("text", ["kestrel的电话多少", "John Smith的电话多少", "Jenny Park的电话多少", "Jack的微信是多少",
                                  ASK.format("kestrel"), ASK.format("nightowl_42"), ASK.format("Jenny Park")])
def test_a_name_its_shape_shows_a_person_is_not_looked_up(rails, text):
    """Refused by the name's shape, so asking the accounts would tell nothing (review: they were looked up)."""
    table = Table("kestrel")
    rails.look_up_people(table)
    assert rails.check_input("p1", text).refused, text
    assert table.asked == [], text


def test_the_answer_for_a_lower_case_name_is_the_same_account_or_not(rails):
    """Review: 'What is the phone number of X?' was refused iff X was an account, an oracle of who plays."""
    rails.look_up_people(Table("kestrel"))
    for name in ("kestrel", "nobody_here"):
        for text in (ASK.format(name), f"{name}的电话多少", f"What's {name}'s address?",
                     f"What's the phone number of {name} at the Gull Inn?"):
            d = rails.check_input("p1", text)
            assert d.refused and d.reason == "pii.request", text
