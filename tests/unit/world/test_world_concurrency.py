"""Many writers, one world: threads in one process, two World objects on one database (as two server
processes), and two real processes; on a SQLite file and on PostgreSQL. No update is lost, nothing is
sold twice, and the state equals what the event log says happened."""

from __future__ import annotations

import json
import threading
import time

import pytest

from enginekit import harbor, spawn, unique_name
from llmverse.characters.relations import after_talk, relationship
from llmverse.world.actions import Buy, Give
from llmverse.world.world import ActionRefused

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    from services import postgres_url

    return postgres_url()


def _together(n: int, work) -> list:
    """Run work(i) on n threads released at the same moment; what each returned or raised."""
    gate, out = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        gate.wait()
        try:
            out[i] = work(i)
        except Exception as exc:  # kept and asserted on by the caller
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_four_threads_x_100_relationship_updates_count_400(db):
    world = harbor(db)
    out = _together(4, lambda i: [after_talk(world, "bram", "player1", "thanks!") for _ in range(100)])
    assert not [o for o in out if isinstance(o, Exception)], out
    assert relationship(world, "bram", "player1").familiarity == 400
    world.reload()
    assert relationship(world, "bram", "player1").familiarity == 400


def test_two_worlds_on_one_database_lose_no_update(db):
    name = unique_name()
    worlds = [harbor(db, name), harbor(db, name)]
    out = _together(4, lambda i: [after_talk(worlds[i % 2], "nell", "player1", "hello") for _ in range(50)])
    assert not [o for o in out if isinstance(o, Exception)], out
    for w in worlds:
        w.reload()
        assert relationship(w, "nell", "player1").familiarity == 200


def test_the_last_anchor_is_sold_exactly_once_to_50_buyers_on_two_worlds(db):
    name = unique_name()
    worlds = [harbor(db, name), harbor(db, name)]
    out = _together(50, lambda i: worlds[i % 2].apply(f"buyer{i}", Buy(thing="anchor")))
    sold = [o for o in out if not isinstance(o, Exception)]
    refused = [o for o in out if isinstance(o, ActionRefused)]
    assert len(sold) == 1 and len(refused) == 49, [o for o in out if not isinstance(o, ActionRefused)]
    assert all("someone's hands" in r.reason for r in refused)
    buyer = sold[0].actor
    assert [e.actor for e in worlds[0].events(kind="buy")] == [buyer]
    assert worlds[1].store.state(worlds[1].key)["thing:anchor"] == {"location": None, "owner": buyer}
    assert len(worlds[0].store.refusals(worlds[0].key)) == 49


def test_one_thing_given_to_two_people_at_once_goes_to_one(db):
    name = unique_name()
    worlds = [harbor(db, name), harbor(db, name)]
    out = _together(2, lambda i: worlds[i].apply("bram", Give(thing="fishing_knife", to=f"friend{i}")))
    given = [o for o in out if not isinstance(o, Exception)]
    assert len(given) == 1 and isinstance([o for o in out if o not in given][0], ActionRefused)
    assert [e.target for e in worlds[0].events(kind="give")] == [given[0].target]


def test_a_copy_reloads_only_the_rows_that_moved_and_equals_the_store(db):
    """`World.reload` reads whole only the rows whose version changed (a busy server reloaded every row on
    each model request); the copy still equals the store after writes here, there and in between."""
    name = unique_name()
    mine, theirs = harbor(db, name), harbor(db, name)
    read: list[list[str]] = []
    rows = mine.store.rows
    mine.store.rows = lambda world, entities: read.append(sorted(entities)) or rows(world, entities)
    assert not mine.refresh()  # nothing moved: not even the versions are read
    assert read == []
    after_talk(theirs, "nell", "player1", "hello")
    assert mine.refresh()
    assert read[-1] == ["rel:nell:player1"]  # one row of the world's dozens
    after_talk(mine, "nell", "player1", "hello again")  # written here: read again at the next reload
    after_talk(theirs, "bram", "player2", "hi")
    theirs.apply("bram", Give(thing="fishing_knife", to="friend"))
    assert mine.refresh()
    assert set(read[-1]) >= {"rel:nell:player1", "rel:bram:player2", "thing:fishing_knife"}
    assert len(read[-1]) < len(mine.store.versions(mine.key)) / 2
    assert mine._state == mine.store.state(mine.key)
    assert relationship(mine, "nell", "player1").familiarity == 2


PROCESS = """
import json, threading, time
from enginekit import harbor
from llmverse.characters.relations import after_talk
from llmverse.world.actions import Buy
from llmverse.world.world import ActionRefused
world = harbor({url!r}, {name!r})
time.sleep(max(0.0, {start} - time.time()))  # both processes start writing at the same moment
results = []
def buy(i):
    try:
        world.apply(f"buyer{{i}}-{tag}", Buy(thing="anchor"))
        results.append("sold")
    except ActionRefused:
        results.append("refused")
    except Exception as exc:  # shown by the test, never lost with the thread
        results.append(f"error: {{exc!r}}"[:300])
def talk():
    for _ in range(50):
        after_talk(world, "otto", "player1", "hello")
threads = [threading.Thread(target=buy, args=(i,)) for i in range(25)] + [threading.Thread(target=talk) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(results))
"""


def test_two_processes_sell_the_last_anchor_once_and_count_every_talk(db):
    name = unique_name()
    world = harbor(db, name)  # seeded before the processes start, as a server's first start would
    start = time.time() + 6  # both processes start writing at the same moment, after their imports
    runs = [spawn(PROCESS.format(url=db, name=name, start=start, tag=tag)) for tag in ("a", "b")]
    outs = [r.communicate(timeout=240) for r in runs]
    assert all(r.returncode == 0 for r in runs), [err[-1500:] for _, err in outs]
    results = [x for out, _ in outs for x in json.loads(out.strip().splitlines()[-1])]
    assert results.count("sold") == 1 and results.count("refused") == 49, [r for r in results if r.startswith("error")]
    assert len(world.events(kind="buy")) == 1
    world.reload()
    assert relationship(world, "otto", "player1").familiarity == 200
