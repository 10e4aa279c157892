"""Question answering over the world, with citations: retrieve facts, phrase them, check the phrasing.

Principle 1 of DESIGN.md: the facts come from the world (places, things, characters' public facts,
the event log, and the markdown documents in the world's `docs/` folder), each a short bilingual
sentence with a source id (`place:museum`, `thing:anchor`, `character:bram`, `event:42`,
`doc:history#2`). Retrieval is hybrid: BM25 over jieba tokens (the Chinese signal) blended with
MiniLM cosine (English only, so its share falls with the question's CJK ratio). A question that no
fact supports gets "I don't know"; one that names nothing of the world is out of scope. The model
only rephrases the retrieved facts; every sentence it writes is checked against the cited sources
(names and numbers) before it is shown, and when it writes nothing usable, or in a language it does
not write, the facts are composed into the answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rank_bm25 import BM25Okapi

from llmverse.lang import Language, cjk_ratio, detect_language, tokens
from llmverse.llm.base import Message, Usage
from llmverse.safety.injection import DATA_RULE, fence_document, sanitize
from llmverse.voice.check import Checker
from llmverse.voice.clean import Cleaner
from llmverse.voice.fact import Fact, make_fact
from llmverse.voice.locale import prompt, section
from llmverse.voice.question import parse
from llmverse.voice.retrieve import Retriever
from llmverse.voice.speak import Voice
from llmverse.voice.vocabulary import vocabulary
from llmverse.world.grounding import Lexicon

if TYPE_CHECKING:
    from llmverse.llm.embed import Embedder
    from llmverse.llm.gateway import Gateway
    from llmverse.safety.rails import Rails
    from llmverse.world.model import Names
    from llmverse.world.world import World

log = logging.getLogger(__name__)
Status = Literal["answered", "unknown", "out_of_scope"]
BM25_EN, BM25_ZH = 0.5, 0.95  # BM25's share of relevance, by the question's CJK ratio (MiniLM can't read Chinese)
COVERAGE = 0.5  # more than this share of a question's content words must be in the retrieved facts
SECOND = 0.75  # a second fact is stated when it scores at least this share of the best
EVENTS = 200  # the most recent events that are searchable
# Words that ask rather than name what is asked about: they never count as support on their own.
_ASKING = """what whats when where who whom whose which how why much many does do is are can could
    will would should tell know about anything something there here run runs own owns work works working
    sell sells selling sold buy cost costs price open opens opening close closes closing hour hours time
    today now see visit find get go happen happened happening thing things kind any please me i you
    什么 谁 哪里 哪儿 几点 多少 多少钱 开门 关门 营业 时间 可以 能 看 买 卖 有 现在 今天 发生 介绍
    一下 知道 关于 告诉 东西 怎么 怎样 几 点 钱 要 想 哪些 哪个 做 是 吗 呢 经营 负责 管 多久 开着 关着""".split()
# Question words that point at a kind of fact; a fact of that kind ranks higher (as in FactBook).
_INTENT = {
    "hours": ("open close hour when time 开门 关门 营业 几点 时间 开放 开着 关着", {"hours"}),
    "price": ("price cost much coin buy sell 多少钱 价格 钱 买 卖 铜币", {"price", "thing"}),
    "who": ("who run own work job 谁 经营 负责 工作", {"who"}),
    "where": ("where 哪里 哪儿 在哪", {"at", "thing"}),
    "event": ("happen happened today news event lately recent 发生 今天 新闻 最近", {"event"}),
    "history": ("history founded founding story old 历史 建镇 故事 以前", {"doc"}),
}
_BOOST = 2.0


@dataclass
class Answer:
    """What the assistant says to a question, and what it rests on."""

    text: str
    status: Status
    language: Language
    citations: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    composed: bool = False  # the world's facts, not the model, wrote the text
    completed: bool = False  # the model's text lacked the answer; the key fact was added
    fallback: bool = False  # the model was unavailable
    draft: str = ""  # everything the model wrote, before the checks
    dropped: list[str] = field(default_factory=list)  # the model's sentences the checks refused
    usage: Usage | None = None

    @property
    def sources_text(self) -> str:
        return "\n".join(f"{f.en}\n{f.zh}" for f in self.facts)


# -- the facts -------------------------------------------------------------------------------------

def _zh(n: Names) -> str:
    return n.zh or n.en


def _the(n: Names) -> str:
    return n.en if n.en.lower().startswith("the ") else f"the {n.en}"


def _The(n: Names) -> str:
    name = _the(n)
    return name[:1].upper() + name[1:]


def _fact(cite: str, kind: str, en: str, zh: str, answers: tuple[str, ...], *key_texts: str) -> Fact:
    """A public fact of the world, cited by its source id ("place:museum", "event:42", "doc:history#2")."""
    subject = cite if cite.split(":", 1)[0] in ("place", "thing", "character") else None
    return make_fact(f"{kind}:{cite}", kind, en, zh, answers, *key_texts, sources=(cite,), subject=subject)


def world_facts(world: World, docs: Path | None = None) -> list[Fact]:
    """Every public fact of the world right now: places, things, people, recent events, documents."""
    return [*_place_facts(world), *_thing_facts(world), *_people_facts(world), *_event_facts(world),
            *(doc_facts(docs) if docs else [])]


def _place_facts(w: World) -> Iterator[Fact]:
    now = w.now()
    for p in w.places.values():
        cite, names = f"place:{p.id}", (p.names.en, _zh(p.names), *p.aliases, p.id)
        yield _fact(cite, "about", f"{_The(p.names)} — {p.description}".rstrip(" —"),
                    f"{_zh(p.names)}——{p.description_zh}" if p.description_zh else "", (p.names.en, _zh(p.names)),
                    *names, *p.tags)
        if p.hours:
            state_en, state_zh = ("open now", "现在开着") if w.is_open(p.id, now) else ("closed now", "现在关着")
            en = f"{_The(p.names)} is open {p.hours} ({state_en} at {now:%H:%M})."
            zh = f"{_zh(p.names)}的开放时间是{p.hours}（{now:%H:%M}{state_zh}）。"
        else:
            en, zh = f"{_The(p.names)} is open at all hours.", f"{_zh(p.names)}全天开放。"
        yield _fact(cite, "hours", en, zh, (p.hours or "all hours", p.hours or "全天"), *names)


def _thing_facts(w: World) -> Iterator[Fact]:
    for t in w.things.values():
        st = w.thing_state(t.id)
        names = (t.names.en, _zh(t.names), *t.aliases)
        owner = w.characters.get(st.owner) if st.owner else None
        if st.location is None:
            where_en = f"carried by {owner.names.en}" if owner else "carried away"
            where_zh = f"在{_zh(owner.names)}手里" if owner else "被带走了"
        else:
            place = w.places[st.location].names
            where_en, where_zh = f"at {_the(place)}", f"在{_zh(place)}"
        desc_en, desc_zh = t.description, t.description_zh or ""
        if t.price is not None and t.kind == "item":
            seller_en = f", sold by {owner.names.en}" if owner and st.location else ""
            seller_zh = f"，由{_zh(owner.names)}出售" if owner and st.location else ""
            en = f"The {t.names.en} costs {t.price:g} coins {where_en}{seller_en}. {desc_en}".strip()
            zh = f"{_zh(t.names)}{where_zh}卖{t.price:g}个铜币{seller_zh}。{desc_zh}"
            yield _fact(f"thing:{t.id}", "price", en, zh, (f"{t.price:g}",), *names)
        else:
            shown = "on show" if t.kind == "exhibit" else "kept"
            en = f"The {t.names.en} is {shown} {where_en}. {desc_en}".strip()
            zh = f"{_zh(t.names)}{'陈列' if t.kind == 'exhibit' else '存放'}{where_zh}。{desc_zh}"
            answers = (w.places[st.location].names.en, _zh(w.places[st.location].names)) if st.location else ()
            yield _fact(f"thing:{t.id}", "thing", en, zh, answers, *names)


def _people_facts(w: World) -> Iterator[Fact]:
    for c in w.characters.values():
        cite, names = f"character:{c.id}", (c.names.en, _zh(c.names), *c.aliases)
        role_zh = c.role_zh or c.role
        work = w.places[c.workplace].names if c.workplace else None
        home = w.places[c.home].names if c.home else None
        en = f"{c.names.en} is the {c.role}" + (f" at {_the(work)}" if work else "") + \
             (f" and lives at {_the(home)}" if home else "") + "."
        zh = f"{_zh(c.names)}是{role_zh}" + (f"，在{_zh(work)}工作" if work else "") + \
             (f"，住在{_zh(home)}" if home else "") + "。"
        yield _fact(cite, "who", en, zh, (c.names.en, _zh(c.names)), *names, c.role, role_zh)
        here, going = w.position(c.id), w.heading(c.id)
        if here or going:
            place = w.places[here or going].names
            en = f"{c.names.en} is at {_the(place)} now." if here else f"{c.names.en} is walking to {_the(place)}."
            zh = f"{_zh(c.names)}现在在{_zh(place)}。" if here else f"{_zh(c.names)}正在去{_zh(place)}的路上。"
            yield _fact(cite, "at", en, zh, (place.en, _zh(place)), *names)
        for i, (line, line_zh) in enumerate(c.knowledge_pairs()):
            fact = _fact(cite, "knows", line, line_zh or "", (), *names)
            yield replace(fact, id=f"knows:{c.id}:{i}")


def _event_facts(w: World) -> Iterator[Fact]:
    def name(entity: str | None) -> tuple[str, str]:
        for table in (w.characters, w.places, w.things):
            if entity in table:
                n = table[entity].names
                return (n.en if table is w.characters else _the(n)), _zh(n)
        return entity or "someone", entity or "有人"

    for e in w.events(last=EVENTS):
        t = f"{e.world_time:%H:%M}"
        (a_en, a_zh), (t_en, t_zh) = name(e.actor), name(e.target)
        if e.kind == "arrive":
            en, zh = f"At {t} {a_en} arrived at {t_en}.", f"{t}{a_zh}到了{t_zh}。"
        elif e.kind == "buy":
            th_en, th_zh = name(e.data.get("thing"))
            en, zh = f"At {t} {a_en} bought {th_en} from {t_en}.", f"{t}{a_zh}向{t_zh}买了{th_zh}。"
        elif e.kind == "give":
            th_en, th_zh = name(e.data.get("thing"))
            en, zh = f"At {t} {a_en} gave {th_en} to {t_en}.", f"{t}{a_zh}把{th_zh}给了{t_zh}。"
        elif e.kind == "alarm":
            what = str(e.data.get("what", ""))
            en, zh = f"At {t} an alarm at {t_en}: {what}.", f"{t}{t_zh}发生警报：{what}。"
        else:  # says are private conversations; moves are told by their arrivals
            continue
        yield _fact(f"event:{e.id}", "event", en, zh, (t,), e.kind, e.world_time.strftime("%Y-%m-%d"))


def doc_facts(folder: Path) -> list[Fact]:
    """The world's markdown documents, one fact per section (`doc:<file stem>#<n>`, n from 1).

    A section's English paragraphs are its `en`, its Chinese paragraphs its `zh` (a section in one
    language carries it in both)."""
    return list(_doc_facts(str(folder)))


@lru_cache(maxsize=8)
def _doc_facts(folder: str) -> tuple[Fact, ...]:
    out: list[Fact] = []
    for path in sorted(Path(folder).glob("*.md")):
        sections = re.split(r"(?m)^#{1,6}\s+", path.read_text(encoding="utf-8"))
        for n, section in enumerate((s for s in sections if s.strip()), start=1):
            title, _, body = section.partition("\n")
            paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
            en = " ".join(p for p in paras if cjk_ratio(p) < 0.2)
            zh = "".join(p for p in paras if cjk_ratio(p) >= 0.2)
            out.append(_fact(f"doc:{path.stem}#{n}", "doc", en or zh, zh or en, (), title, path.stem))
    return tuple(out)


# -- retrieval --------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _asking() -> frozenset[str]:
    return frozenset(k for w in _ASKING for k in tokens(w)) | frozenset(_ASKING)


@lru_cache(maxsize=1)
def _intent_tokens() -> dict[str, tuple[set[str], set[str]]]:
    return {k: (set(tokens(words)), kinds) for k, (words, kinds) in _INTENT.items()}


@dataclass
class Retrieved:
    facts: list[tuple[Fact, float]]  # best first
    status: Status
    content: list[str]  # the question's content words


def retrieve(world: World, question: str, *, docs: Path | None = None, embedder: Embedder | None = None,
             k: int = 3) -> Retrieved:
    """The facts that support an answer, best first; status says when none do."""
    facts = world_facts(world, docs)
    world_words = {t for n in (world.file.name.en, world.file.name.zh or "") for t in tokens(n)}
    q = tokens(question)
    content = [t for t in dict.fromkeys(q) if t not in _asking() and t not in world_words]
    content = [t for t in content if not any(t != u and t in u for u in content)]  # 博物 in 博物馆: one word
    vocab = {t for f in facts for t in f.keys}
    matched = [t for t in content if t in vocab]
    if not content or not matched:
        return Retrieved([], "out_of_scope" if content or not q else "unknown", content)
    bm = BM25Okapi([list(f.keys) or ["_"] for f in facts]).get_scores(content)
    wanted = set().union(*(kinds for words, kinds in _intent_tokens().values() if words & set(q)))
    top = max(bm) or 1.0
    multilingual = hasattr(embedder, "embed_queries") and "multilingual" in getattr(embedder, "name", "")
    share = BM25_EN if multilingual else BM25_EN + (BM25_ZH - BM25_EN) * cjk_ratio(question)
    cos = [0.0] * len(facts)
    if embedder is not None and multilingual:  # e5 reads both languages: a fact's better side counts
        n = len(facts)
        vecs = embedder.embed_passages([f.en or f.zh for f in facts] + [f.zh or f.en for f in facts])
        qv = embedder.embed_queries([question])[0]
        sims = (vecs @ qv).reshape(2, n).max(axis=0)
        cos = [max(0.0, (float(c) - 0.75) / 0.25) for c in sims]  # e5 cosines crowd 0.7-0.95
    elif embedder is not None and share < 1.0:
        vecs = embedder.embed([f.en for f in facts] + [question])
        cos = [max(0.0, float(c)) for c in vecs[:-1] @ vecs[-1]]
    scores = []
    for f, b, c in zip(facts, bm, cos, strict=True):
        s = share * b / top + (1 - share) * c if b > 0 else 0.0  # no shared word, no support
        scores.append(s * (_BOOST if f.kind in wanted else 1.0))
    ranked = sorted(zip(facts, scores, strict=True), key=lambda fs: -fs[1])
    found = [(f, s) for f, s in ranked[:k] if s > 0]
    # Answerability (voice/retrieve.py): a question naming something the world lacks ("a ticket to the
    # museum", "swords") is not answered with the nearest real fact.
    if Retriever(facts).find(parse(question, vocabulary(world.file))).status == "unknown":
        return Retrieved(found, "unknown", content)
    covered = {t for t in matched if any(t in f.keys for f, _ in found)}
    if len(covered) <= COVERAGE * len(content):
        return Retrieved(found, "unknown", content)
    return Retrieved(found, "answered", content)


# -- answering ---------------------------------------------------------------------------------------

def system_prompt(world: World) -> str:
    """The answering prompt for a world (voice/prompts/assistant_system.txt)."""
    return prompt("assistant_system").format(world=world.file.name.en, data_rule=DATA_RULE)


def answer_stream(world: World, question: str, gateway: Gateway | None = None, *, docs: Path | None = None,
                  embedder: Embedder | None = None, language: Language | None = None,
                  lexicon: Lexicon | None = None, out: list[Answer] | None = None,
                  rails: Rails | None = None, player: str = "-") -> Iterator[str]:
    """Stream an answer sentence by sentence, each checked before it is shown; the Answer is
    appended to `out` when the stream ends. Never raises on the player's input. With `rails`, the
    event log and the world's documents pass the retrieval rail first: text that carries
    instructions or hazards is left out of the prompt (a world document is data, never orders)."""
    lang: Language = language or detect_language(question or "")
    wname = _zh(world.file.name) if lang == "zh" else world.file.name.en
    ans = Answer(text="", status="answered", language=lang)
    if not (question or "").strip():
        ans.status, ans.text = "unknown", section("answers", lang)["empty"].format(world=wname)
    else:
        found = retrieve(world, question, docs=docs, embedder=embedder)
        if rails is not None and found.status == "answered":
            found.facts = [(f, sc) for f, sc in found.facts
                           if f.kind not in ("doc", "event") or not rails.check_document(
                               f.text(lang), source=f.cite, player=player, language=lang).refused]
            if not found.facts:
                found.status = "unknown"
        if found.status != "answered":
            ans.status, ans.text = found.status, section("answers", lang)[found.status].format(world=wname)
        else:
            best = found.facts[0][1]
            ans.facts = [f for f, s in found.facts if s >= SECOND * best][:2]
            ans.citations = list(dict.fromkeys(f.cite for f in ans.facts))
    if ans.status != "answered":
        yield ans.text
    else:
        can_write = lang in getattr(getattr(gateway, "backend", None), "languages", frozenset({"en"}))
        if gateway is None or not can_write:
            ans.text, ans.composed = compose(ans.facts, lang), True
            yield ans.text
        else:
            yield from _phrase(world, question, gateway, ans, lexicon or Lexicon(world.file))
    if out is not None:
        out.append(ans)


def answer(world: World, question: str, gateway: Gateway | None = None, **kw) -> Answer:
    """The whole answer at once."""
    out: list[Answer] = []
    for _ in answer_stream(world, question, gateway, out=out, **kw):
        pass
    return out[0]


def compose(facts: list[Fact], language: Language) -> str:
    """The answer made of the facts themselves, in the player's language."""
    return ("" if language == "zh" else " ").join(f.text(language) for f in facts)


def supported(sentence: str, facts: list[Fact], lexicon: Lexicon) -> bool:
    """Every number in the sentence is in the facts, and every name is the world's or the facts'."""
    given = "\n".join(f"{f.en}\n{f.zh}" for f in facts)
    return lexicon.check(sentence, supported_text=given).ok


def _phrase(world: World, question: str, gateway: Gateway, ans: Answer, lexicon: Lexicon) -> Iterator[str]:
    """The model rephrases the retrieved facts through the grounded voice (voice/speak.py)."""
    lang = ans.language
    # The facts go in as fenced documents, the question on one line: neither can open a new turn.
    given = "\n".join(fence_document(f.text(lang), f.cite) for f in ans.facts)
    system = system_prompt(world)
    messages = [Message("system", system), Message("user", prompt("assistant_turn").format(facts=given, question=sanitize(question)))]
    voice = Voice(gateway, Checker(lexicon), Cleaner(("Assistant", "Answer"), ("Question", "User", "Visitor"),
                  question, tuple(system.split(". "))), lang, "\n".join(f"{f.en}\n{f.zh}" for f in ans.facts),
                  max_sentences=2, max_dropped=3, max_tokens=80)
    spoken = yield from voice.speak(messages, key=ans.facts[0], compose=lambda: compose(ans.facts, lang),
                                    fallback=lambda: compose(ans.facts, lang))
    ans.draft, ans.dropped, ans.usage = spoken.draft, spoken.dropped, spoken.usage
    ans.composed = spoken.composed or spoken.fallback
    ans.completed, ans.fallback = spoken.completed, spoken.fallback
    ans.text = spoken.text


def sources_line(citations: list[str], language: Language) -> str:
    return section("answers", language)["sources"].format(ids=", ".join(citations)) if citations else ""
