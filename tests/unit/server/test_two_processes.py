"""Two `llmverse serve` processes on one PostgreSQL database and one Redis, as docs/server.md's
scale-out runs them (issue 18: the last anchor sold twice in 21 of 30 rounds across two ports,
familiarity 5 of 10 after ten `/v1` talks alternating ports, acknowledgements naming the other
process's events; rate limits held per process)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
import pytest

from serverkit import ADMIN_PASSWORD, ProcessServer, bearer, own_world

pytestmark = pytest.mark.timeout(300)
# Generous timeouts: on a loaded machine a login (a password hash) or a first reply takes seconds.
_post, _get = partial(httpx.post, timeout=60), partial(httpx.get, timeout=60)
BUYERS = 50


def _crowded_world(tmp_path):
    """Harbor Town under a name of its own, with 50 more characters who work at the forge, where the
    one iron anchor lies (seeded there: no walking needed before buying)."""
    path = own_world(tmp_path)
    text = path.read_text(encoding="utf-8")
    extra = "".join(f"  - {{id: buyer{i:02d}, names: {{en: Buyer {i}, zh: 买家{i}}}, role: fisher, role_zh: 渔夫, "
                    f"language: en, persona: \"A fisher who needs an anchor.\", persona_zh: \"需要铁锚的渔夫。\", "
                    f"workplace: forge}}\n" for i in range(BUYERS))
    path.write_text(text.replace("characters:\n", "characters:\n" + extra, 1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    from services import postgres_url, redis_url

    tmp = tmp_path_factory.mktemp("two")
    db, redis, world = postgres_url(), redis_url(), _crowded_world(tmp)
    # Login buckets that do not refill during the test: on a loaded machine the 16 guesses below reach
    # the bucket over many seconds (the CI run of 0f3221a let 14 through at the default one per 5 s).
    extra = ["--redis", redis, "--tick", "0", "--login-rate", "0.001"]
    a = ProcessServer(tmp, world=world, db=db, extra=extra)
    b = ProcessServer(tmp, world=world, db=db, extra=extra)
    with a, b:
        admin = _post(a.url + "/api/login", json={"name": "admin", "password": ADMIN_PASSWORD}).json()["token"]
        yield a, b, admin


def test_fifty_buyers_of_the_last_anchor_over_two_processes_make_one_sale(pair):
    a, b, admin = pair

    def buy(i: int) -> httpx.Response:
        url = (a if i % 2 else b).url
        return _post(url + "/api/admin/act", headers=bearer(admin), timeout=60,
                          json={"actor": f"buyer{i:02d}", "action": {"kind": "buy", "thing": "anchor"}})

    with ThreadPoolExecutor(BUYERS) as pool:
        answers = list(pool.map(buy, range(BUYERS)))
    sold = [r for r in answers if r.status_code == 200]
    refused = [r for r in answers if r.status_code == 409]
    assert len(sold) == 1, [r.text for r in sold]
    assert len(refused) == BUYERS - 1, {r.status_code for r in answers}
    assert all("in someone's hands" in r.json()["detail"] for r in refused)  # a clear reason, in English
    buyer = sold[0].json()["event"]["actor"]
    # Both processes answer with the sale made in the one database: the same owner, one buy event.
    for server in (a, b):
        owner = None
        for _ in range(50):  # the other process hears of the sale through Redis within moments
            things = {t["id"]: t for t in _get(server.url + "/api/things", headers=bearer(admin)).json()}
            owner = things["anchor"]["owner"]
            if owner == buyer:
                break
            time.sleep(0.1)
        assert owner == buyer
    events = _get(a.url + "/api/events", headers=bearer(admin), params={"limit": 1000}).json()
    assert [e["actor"] for e in events if e["kind"] == "buy"] == [buyer]


def test_talks_alternating_processes_count_every_one_and_acknowledge_only_their_own_events(pair):
    a, b, admin = pair
    tokens = [_post(a.url + "/api/admin/accounts", headers=bearer(admin), json={"name": f"walker{i}"}).json()
              ["token"] for i in range(2)]

    def talk(token: str, url: str) -> list[int]:
        for _ in range(20):
            r = _post(url + "/v1/chat/completions", headers=bearer(token), timeout=60,
                           json={"model": "npc:nell", "messages": [{"role": "user", "content": "Hello Nell!"}]})
            if r.status_code != 429:  # the shared rate limit: wait as told, then go on
                break
            time.sleep(float(r.headers["retry-after"]))
        assert r.status_code == 200, r.text
        return r.json()["llmverse"]["events"]

    def ten(i: int) -> list[list[int]]:
        return [talk(tokens[i], (a if n % 2 else b).url) for n in range(10)]

    with ThreadPoolExecutor(2) as pool:
        acks = list(pool.map(ten, range(2)))
    # Read from the database itself: the REST log hides players' conversations from everyone else.
    from sqlalchemy import create_engine, text

    from services import postgres_url

    key = _get(a.url + "/healthz").json()["world"]
    engine = create_engine(postgres_url())
    with engine.connect() as conn:
        said = conn.execute(text("SELECT id, actor, target FROM llmverse_events WHERE world = :w AND kind = 'say'"),
                            {"w": key}).all()
        rows = dict(conn.execute(text("SELECT entity, data FROM llmverse_state WHERE world = :w"), {"w": key}).all())
    engine.dispose()
    for i, name in enumerate(["walker0", "walker1"]):
        theirs = {ev_id for ev_id, actor, target in said if name in (actor, target)}
        assert len(theirs) == 20  # ten lines each way, none lost
        acked = [e for ack in acks[i] for e in ack]
        assert len(acked) == len(set(acked)) == 20 and set(acked) == theirs, (acks[i], sorted(theirs))
        # The relationship both processes wrote: ten talks counted, whichever process answered.
        assert rows[f"rel:nell:{name}"]["familiarity"] == 10, rows.get(f"rel:nell:{name}")


def test_login_throttle_holds_across_two_processes(pair):
    a, b, admin = pair
    _post(a.url + "/api/admin/accounts", headers=bearer(admin), json={"name": "target", "password": "right-one1"})

    def guess(i: int) -> int:
        return _post((a if i % 2 else b).url + "/api/login", json={"name": "target", "password": f"wrong-{i}"}).status_code

    # All at once, alternating ports: the buckets are checked as the requests arrive, before each
    # password is hashed.
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(guess, range(16)))
    # One bucket per address in Redis (10 at once, less the admin's login above; no refill to speak of
    # here): per-process buckets (8 tries each) would have let all 16 through.
    assert codes.count(401) == 9 and codes.count(429) == 7, codes
