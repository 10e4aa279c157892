"""Which facts a question needs, and whether the world holds an answer at all.

Hybrid retrieval: BM25 over `lang.tokens()` (English words, jieba-segmented Chinese: exact names and
the Chinese signal) blended with a multilingual embedding (paraphrase, and a Chinese question finding
a fact however it was written). Then structure decides: a question that names a thing of the world
and asks a kind of fact is answered by that thing's fact of that kind, or honestly not at all; a
question that names something the world lacks ("Do you sell swords?") is declined, never answered
with the nearest real fact.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from rank_bm25 import BM25Okapi

from llmverse.lang import split_sentences, tokens
from llmverse.voice.fact import Fact
from llmverse.voice.locale import section
from llmverse.voice.question import Question, asking_words, intent_words

log = logging.getLogger(__name__)
Status = Literal["answered", "unknown", "smalltalk", "open"]


class TextEmbedder(Protocol):
    """Unit vectors for questions and for passages (e5 embeds the two sides differently)."""

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...
    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Weights:
    """How relevance is blended; tuned on the tuning split of `eval grounding` (never the held-out one)."""

    bm25: float = 0.5  # share of the normalised BM25 score
    cosine: float = 0.5  # share of the rescaled embedding cosine
    cosine_floor: float = 0.75  # e5 cosines crowd 0.7-0.95: below this counts as unrelated
    kind_boost: float = 1.6  # a fact of the kind the question asks for
    subject_boost: float = 2.0  # a fact about a thing the question names
    answer_min: float = 0.3  # the best fact's score a question with no named thing needs to be answered
    who_min: float = 0.2  # ... and a who-question's, to name the staff of the place it leads to (fresh probe, own set)
    strong: float = 0.6  # ... and one that names something the world lacks, for a piece of knowledge


@dataclass
class Found:
    status: Status
    facts: list[tuple[Fact, float]] = field(default_factory=list)  # best first
    key: Fact | None = None  # the fact that answers the question
    missing: str | None = None  # what the question asked about that the world lacks ("sword")
    subject: str | None = None  # the world entity the question was about, when it named one


class Retriever:
    """Facts searchable by a question: BM25 always, the embedder when one is given."""

    def __init__(self, facts: list[Fact], embedder: TextEmbedder | None = None, weights: Weights = Weights(),
                 *, ignore: frozenset[str] = frozenset()) -> None:
        """`ignore`: question tokens that say nothing about which fact is meant (the world's own name:
        "town" in "Is there a bank in town?" must not find the Harbor Town Chronicle)."""
        self.facts, self.embedder, self.w, self.ignore = facts, embedder, weights, ignore
        # k1 low: facts are one or two sentences, and a name said three times in one ("iron anchor ...
        # hand-forged iron anchor") must not outweigh a second word of the question matched once.
        self._bm25 = BM25Okapi([list(f.keys) or ["_"] for f in facts], k1=0.5) if facts else None
        self._vecs: np.ndarray | None = None
        self.words = frozenset(t for f in facts for t in f.keys)  # a word a fact uses is not unknown
        self._people: frozenset[str] | None = None

    def scores(self, q: Question) -> np.ndarray:
        """Blended relevance of every fact to the question (before boosts), in [0, 1]."""
        n = len(self.facts)
        if not n:
            return np.zeros(0)
        # What is asked about, not how it is asked: question and intent words are left to the kind boost.
        toks = [t for t in q.toks if t not in self.ignore and t not in asking_words() and t not in intent_words()]
        bm = np.asarray(self._bm25.get_scores(toks), dtype=np.float64) if toks else np.zeros(n)
        # Scaled by what a fact holding every word would score, a word no fact holds counting as the
        # rarest: a weak match stays weak (a max-normalised BM25 makes any match a perfect one).
        idf = self._bm25.idf
        rare = max(idf.values(), default=1.0)
        upper = sum(idf.get(t, rare) for t in dict.fromkeys(toks)) * (self._bm25.k1 + 1)
        bm = np.clip(bm / upper, 0, 1) if upper > 0 else bm
        if self.embedder is None:
            return bm
        if self._vecs is None:  # each fact in both languages; its relevance is the better of the two
            texts = [f.en or f.zh for f in self.facts] + [f.zh or f.en for f in self.facts]
            v = self.embedder.embed_passages(texts)
            self._vecs = np.stack([v[:n], v[n:]])  # (2, n, d)
        qv = self.embedder.embed_queries([q.text])[0]
        cos = (self._vecs @ qv).max(axis=0)  # (n,)
        cos = np.clip((cos - self.w.cosine_floor) / (1 - self.w.cosine_floor), 0, 1)
        return self.w.bm25 * bm + self.w.cosine * cos

    @staticmethod
    def _names_all(f: Fact, q: Question, subjects: list[str]) -> bool:
        """Does a fact name the thing asked about by every word the question names it with ("Who runs
        the Gull Inn?" → Nell works at the Gull Inn), not merely a word of a place it is kept at?"""
        keys = set(f.keys)
        return f.subject not in subjects and bool(q.named) and q.named <= keys

    def _names_a_person(self, f: Fact) -> bool:
        """Does the fact name one of the world's people (the answers of the facts about who someone is)?"""
        if self._people is None:
            self._people = frozenset(a for g in self.facts if g.kind in ("who", "self") for a in g.answers if a)
        return any(p in f.en or (f.zh and p in f.zh) for p in self._people)

    def naming(self, subjects: list[str], kinds: tuple[str, ...]) -> list[Fact]:
        """Facts of these kinds about something else that name one of the subjects by a full name of
        theirs ("Li Na is the school teacher at the Willow Bend School" names the school)."""
        full = {a for f in self.facts if f.subject in subjects and f.kind == "about" for a in f.answers if a}
        return [f for f in self.facts if f.kind in kinds and f.subject not in subjects
                and any(a in f.en or (f.zh and a in f.zh) for a in full)]

    def _person_at_place(self, q: Question, subjects: list[str], top, best) -> Found | None:
        """"铁匠铺有铁匠吗？", "Is there a blacksmith at the Forge?": a person named by role with a place,
        nothing else asked, is asked after: who they are and that they work there answers it. One who works
        elsewhere ("灯笼公园有铁匠吗？") is declined: the world says nothing of a smith in the park. Named by
        name ("Did Otto come to the Town Hall?") it asks what happened: None, the caller goes on."""
        people = [s for s in subjects if s.startswith("character:")]
        places = [s for s in subjects if s.startswith("place:")]
        if not (people and places) or q.intents:
            return None
        who = [f for f in self.facts if f.kind in ("who", "self") and f.subject in people]
        names = [a.lower() for f in who for a in f.answers if a]
        low = q.text.lower()
        if any(n in low or any(w in q.toks for w in n.split() if len(w) > 2) for n in names):
            return None
        at_place = self.names_of(places)
        there = [f for f in who if at_place & set(f.keys)]
        if there:
            return Found("answered", top, best(there), subject=people[0])
        return Found("unknown", top, None, subject=places[0]) if who else None

    def _who_by_relevance(self, q: Question, lead: Fact | None, score: float, top, best) -> Found | None:
        """"Who fixes furniture around here?", "谁会修家具？": the person the most relevant fact leads to (a
        who fact, or the staff of the place it describes); never the speaker by default ("Well, I do." was
        a lie). Every word asked after must be the world's ("Who repairs shoes?" is no carpenter's question
        because both say "repair"); with nothing to lead on, a question for someone who does something is
        declined, while "Who can help me?" (None) is the speaker's to answer."""
        asked_for = [t for t in q.toks if t not in _ANYONE and t not in asking_words() and t not in intent_words()
                     and t not in self.ignore]
        if lead is not None and score >= self.w.who_min and all(t in self.words for t in asked_for):
            if lead.kind == "who":
                return Found("answered", top, lead, subject=lead.subject)
            if lead.kind == "about" and (lead.subject or "").startswith("place:"):
                staff = self.naming([lead.subject], ("who",))
                if staff:
                    return Found("answered", top, best(staff), subject=staff[0].subject)
        return Found("unknown", top, None) if asked_for else None

    def names_of(self, subjects: list[str]) -> set[str]:
        """The tokens of the names the facts about these entities are found by (their `answers` that are words)."""
        out: set[str] = set()
        for f in self.facts:
            if f.subject in subjects and f.kind in ("who", "self", "about", "price", "show", "hours"):
                out.update(t for a in f.answers if not any(ch.isdigit() for ch in a) for t in tokens(a))
        return out

    def find(self, q: Question, *, k: int = 4, implied: tuple[str, ...] = (), work: str | None = None,
             here: str | None = None) -> Found:
        """The facts for `q`, and whether the world answers it. `implied` are entities a question about
        "you" refers to (the speaker, its workplace) when it names none; `work` and `here` are the
        speaker's workplace and where it stands (a newcomer asking what to do is pointed to the one, or
        to a place other than the other).

        In order: a greeting needs no fact; a named thing with a fact of the asked kind is answered by
        it; a named thing is answered by the best fact that mentions it; a question naming something
        the world lacks is declined, unless a piece of knowledge matches it strongly ("I lost my wallet"
        → lost items are kept at the Town Hall); questions about the speaker go to its own facts; else
        the best fact if it is relevant enough."""
        if q.smalltalk:
            return Found("smalltalk")
        base = self.scores(q)
        unknown = [t for t in q.unknown if t not in self.words]
        wants = q.wants
        subjects = q.entities or []
        boosted = [s * (self.w.kind_boost if f.kind in wants else 1.0)
                   * (self.w.subject_boost if f.subject in subjects else 1.0)
                   for f, s in zip(self.facts, base, strict=True)]
        order = sorted(range(len(self.facts)), key=lambda i: -boosted[i])
        ranked = [(self.facts[i], float(boosted[i])) for i in order]
        top = [(f, s) for f, s in ranked[:k] if s > 0]
        rank = {id(f): r for r, (f, _) in enumerate(ranked)}

        def best(cands: list[Fact]) -> Fact | None:
            return min(cands, key=lambda f: rank[id(f)]) if cands else None

        asked = bool(q.intents - {"about"}) or q.request or q.text.rstrip().endswith(("?", "？"))
        lead = int(np.argmax(base)) if len(base) and base.max() > 0 else None  # the best match by relevance alone
        if subjects:
            if asked and not unknown and [t for t in q.detail if t not in self.words]:
                return Found("unknown", top, None, subject=subjects[0])  # "Who designed the Forge?"
            if unknown and asked and _together(q, unknown):
                # "a ticket to the museum", "the museum gift shop": the museum is real, the rest is not
                return Found("unknown", top, None, missing=unknown[0], subject=subjects[0])
            # When, how long or how much is answered only by what holds a number ("Museum tours start
            # from the entrance hall" does not say when the museum was built).
            attr = _attribute(q)
            counted = _ANSWERS[attr] if attr in ("history", "duration", "measure", "contact", "booking") else None
            kinds = [f for f in self.facts if f.subject in subjects and f.kind in wants
                     and (counted is None or counted.search(f.en))]
            if kinds:
                return Found("answered", top, best(kinds), subject=subjects[0])
            # "在草药铺能买到什么？": what a place sells is the price of what is sold there, not its way; a
            # place that sells nothing ("What does the museum sell?") is declined about it.
            if "sells" in q.intents and not attr and subjects[0].startswith("place:") \
                    and not any(s.startswith(("thing:", "character:")) for s in subjects):
                wares = self.naming(subjects[:1], ("price",))
                if wares:
                    return Found("answered", top, best(wares), subject=subjects[0])
                return Found("unknown", top, None, subject=subjects[0])
            # "Who runs the forge?": a fact of the asked kind that names the thing (Bram works at the Forge).
            if wants & {"who"}:
                kinds = [f for f in self.facts if f.kind in wants and self._names_all(f, q, subjects)
                         and (counted is None or counted.search(f.en))]
                if not kinds and not counted:  # "学校的老师是谁？": the fact names the school by its full name (柳湾小学)
                    kinds = self.naming(subjects, ("who",))
                # The speaker answers "Who runs the Town Hall?" only when nobody else is told of there
                # (a clerk asked about the Town Hall names its head, not herself).
                kinds = [f for f in kinds if f.kind != "self"] or kinds
                if kinds:
                    return Found("answered", top, best(kinds), subject=subjects[0])
            # "铁匠铺有铁匠吗？", "Is there a blacksmith at the Forge?": a person named with a place, nothing
            # else asked, is asked after: who they are and that they work there answers it. One who works
            # elsewhere ("灯笼公园有铁匠吗？") does not: the world says nothing of a smith in the park.
            found = self._person_at_place(q, subjects, top, best)
            if found is not None:
                return found
            # Otherwise the most relevant fact about the thing, or of what is known that names it
            # ("How long does a big anchor take?" → Bram's knowledge, not the anchor's price).
            named = self.names_of(subjects) | {t for f in self.facts if f.subject in subjects
                                               for a in f.answers for t in tokens(a)}
            named |= q.named  # the words the question names it by ("lighthouse" for a landmark)
            own = [i for i, f in enumerate(self.facts) if f.subject in subjects]
            # What is known that names it; another thing's description only for a thing with no facts
            # of its own (the lighthouse is told of in the harbour's).
            told = ("knows", "doc", "event", "memory", "did", "plan") if own else tuple(_KNOWLEDGE)
            cands = own + [i for i, f in enumerate(self.facts)
                           if f.subject not in subjects and f.kind in told and set(f.keys) & named]
            if attr and asked:  # "the entrance fee of the park", "how old is the lighthouse": not told
                knowing = [i for i in cands if self.facts[i].kind in ("knows", "doc", "event")
                           and base[i] >= self.w.answer_min and _ANSWERS[attr].search(self.facts[i].en)]
                if knowing:
                    i = max(knowing, key=lambda j: base[j])
                    return Found("answered", top, self.facts[i], subject=subjects[0])
                return Found("unknown", top, None, missing=section("attributes", q.language).get(attr), subject=subjects[0])
            if _WHO.search(q.text):  # "Who runs the inn?" is answered by a fact that names someone
                cands = [i for i in cands if self._names_a_person(self.facts[i])
                         and (self.facts[i].subject in subjects or q.named <= set(self.facts[i].keys))]
                if not cands:  # "Who painted the old sea chart?": nobody is told of
                    return Found("unknown", top, None, subject=subjects[0])
            if cands:
                i = max(cands, key=lambda j: (base[j], -rank[id(self.facts[j])]))
                return Found("answered", top, self.facts[i], subject=subjects[0])
        if q.needs and not unknown and asked:  # "Where can I get something to eat?": a place tagged food
            meets = [f for f in self.facts if f.kind == "about" and q.needs & set(f.keys)]
            if here and _IN_HERE.search(q.text) and "where" not in q.intents:
                # "Can I eat in here?" asks of this place, not where else one could: the museum is no inn.
                meets = [f for f in meets if f.subject == here]
                if not meets:
                    return Found("unknown", top, None, subject=here)
            if meets:
                key = best(meets)
                return Found("answered", top, key, subject=key.subject)
        if "suggest" in q.intents and not unknown:  # "What is there to do in town?"
            places = [f for f in self.facts if f.kind == "about" and (f.subject or "").startswith("place:")]
            key = best([f for f in places if f.subject == work]) or best([f for f in places if f.subject != here])
            if key is not None:
                return Found("answered", top, key, subject=key.subject)
        if unknown and asked:
            if lead is not None and base[lead] >= self.w.strong and self.facts[lead].kind in _KNOWLEDGE:
                return Found("answered", top, self.facts[lead])
            # "I lost my wallet": the wallet is not in the world, but what happened to it is ("lost items").
            said = {t for t in q.toks if t not in self.ignore and t not in asking_words()
                    and t not in intent_words() and t not in unknown}
            if lead is not None and said and base[lead] >= self.w.answer_min \
                    and self.facts[lead].kind in _TOLD and said <= set(self.facts[lead].keys):
                return Found("answered", top, self.facts[lead])
            return Found("unknown", top, None, missing=unknown[0])
        def mine(kinds: set[str]) -> Fact | None:
            # Among my facts of the kind, the one sharing most words with the question ("this afternoon"
            # → my plan this afternoon, not the whole day's), then by relevance.
            cands = [f for f in self.facts if f.kind in kinds and (f.subject in implied or f.subject is None)]
            if _TOMORROW.search(q.text):  # "this morning" is today's plan, not tomorrow's
                cands = [f for f in cands if not (f.kind == "plan" and f.id.startswith("plan:") and f.id != "plan:today")]
            said = set(q.toks)
            # "When do you close tonight?" asks the hours, whatever words the evening's plan shares with it.
            return min(cands, key=lambda f: (not ("hours" in q.intents and f.kind == "hours"),
                                             -len(said & set(f.keys)), rank[id(f)])) if cands else None

        if "who" in q.intents and "self" not in q.intents and not subjects and not _THIS_PLACE.search(q.text):
            found = self._who_by_relevance(q, self.facts[lead] if lead is not None else None,
                                           float(base[lead]) if lead is not None else 0.0, top, best)
            if found is not None:
                return found
        if wants & {"self", "sells", "plan", "did", "here", "player"}:
            key = mine(wants)
            if key is not None:
                return Found("answered", top, key, subject=key.subject)
        if implied and q.addressed and wants & {"hours", "where"}:  # "when do you close?": where I work
            key = mine(wants & {"hours", "where"})
            if key is not None:
                return Found("answered", top, key, subject=key.subject)
        if lead is not None and base[lead] >= self.w.answer_min:
            attr = _attribute(q)
            if attr and asked and not _ANSWERS[attr].search(self.facts[lead].en):  # "how many people live here?"
                return Found("unknown", top, None)
            return Found("answered", top, self.facts[lead], subject=self.facts[lead].subject)
        return Found("unknown" if asked and wants else "open", top, None)


_WHO = re.compile(r"\bwho\b|谁", re.I)
_TOMORROW = re.compile(r"\btomorrow\b|明天|明早|明晚", re.I)
_ANYONE = frozenset("help helps talk speak ask first best someone anyone somebody anybody person people one me i "
                    "帮 帮忙 帮助 找 问 聊 说话 人 有人 该 应该 会 能 可以 我".split())
_THIS_PLACE = re.compile(r"\bthis (?:place|shop|store|inn|cafe|café|pub|building|stall)\b|\b(?:works?|runs?|owns?|in charge) "
                         r"(?:here|this)\b|这里|这儿|这家|本店|你们店|你们这", re.I)
_IN_HERE = re.compile(r"\b(?:in|at) here\b|\binside\b|\bin this (?:place|shop|building|room)\b|"
                      r"(?:这里|这儿|店里|馆里)(?:能|可以|让)", re.I)


def _attribute(q: Question) -> str | None:
    """The attribute a question asks of a thing, most specific first: contact details (a phone number,
    an e-mail), when it came to be ("When was the Forge built?" asks no opening hours), a price, opening
    hours, a length of time or a measure (size, age, count). Each is answered only by a fact that holds one."""
    # Contact details only when nothing else is asked: "Where is the Town Hall? I need to phone them"
    # asks the way, "Who should I contact about a permit?" asks who.
    if "contact" in q.intents and not q.intents & {"who", "where", "hours", "sells", "price"}:
        return "contact"
    # "Do I need to book?", "要预约吗？": not "Can I book a room?" priced as a thing (price, sells).
    if "booking" in q.intents and not q.intents & {"price", "sells", "where", "who"} \
            and not any(e.startswith("thing:") for e in q.entities):  # "Can I reserve a room?" asks to buy one
        return "booking"
    return next((a for a in ("history", "price", "hours", "duration", "measure") if a in q.intents), None)


def _together(q: Question, unknown: list[str]) -> bool:
    """Does a sentence name both a world thing and something the world lacks ("a ticket to the
    museum")? Two questions in one line ("How do I sharpen a sword? And the anchor's price?") are
    answered for the thing that exists."""
    parts = split_sentences(q.text) or [q.text]
    if len(parts) == 1:
        return True
    for part in parts:
        toks = set(tokens(part))
        if toks & q.named and toks & set(unknown):
            return True
    return False


_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                     r"forty|fifty|hundred|thousand|dozen|half|a day|a week|an hour|a year)\b", re.I)
# What a piece of knowledge must hold to answer a price or a time question ("lit at dusk" is a time;
# "tours start from the entrance hall" is no entrance fee).
_ANSWERS = {"price": re.compile(r"\d|\bcoins?\b|\bfree\b", re.I),
            "hours": re.compile(r"\d\d?:\d\d|\b(?:dawn|dusk|noon|midnight|morning|evening|night|sunrise|sunset)\b",
                                re.I),
            "duration": _NUMBER, "measure": _NUMBER, "history": _NUMBER,
            "contact": re.compile(r"@|\+?\d[\d\s-]{5,}\d|\bhttps?://|\bwww\.", re.I),
            "booking": re.compile(r"\bbook(?:ed|ing)\b|\bbook (?:ahead|in advance)|\breserv|预约|预订|订位|订座", re.I)}
_KNOWLEDGE = frozenset({"knows", "about", "doc", "did", "plan", "event", "memory"})
_TOLD = frozenset({"knows", "doc", "event", "memory"})  # what someone was told, not a place's description
