"""Nothing of the prompt reaches a player: labels, stage directions, meta talk, echoes and repeats.

A 135M model continues whatever text it is given: it writes the player's next turn ("Visitor6: ..."),
narrates the scene ("(In this scenario, the newbie is asking ...)"), restates its instructions, echoes
the question, and says the same sentence three times. Each sentence passes `Cleaner.clean` before
the world's fact check: a leading speaker label of the character itself is removed, stage
directions are cut, and a sentence that speaks for someone else, talks about the conversation,
restates an instruction, echoes the player or repeats an earlier reply is dropped with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from llmverse.lang import tokens

_LABEL = re.compile(r"^\s*\**\s*([^\s:：*][^:：\n]{0,40}?)\s*\**\s*(?:says|said|replies|asks|说|问)?\s*[:：]\s*")
# Stage directions: *smiles*, (laughs), [pauses]; a bracket holding a number is data ("(40 coins)").
_STAGE = re.compile(r"\*[^*]{1,120}\*|\([^()0-9]{0,200}\)|（[^（）0-9]{0,200}）|\[[^\[\]0-9]{0,200}\]")
# Talk about the conversation, the prompt or the model instead of talk in it.
_META = re.compile(
    r"\bin this (?:scenario|conversation|dialogue|scene|role-?play)\b|\bas an? (?:ai|language model|assistant)\b"
    r"|\b(?:the|this) (?:player|visitor|user|newbie) (?:is|was) (?:asking|saying|talking)\b|\bfacts?\s*:"
    r"|\b(?:the|these|my|your) (?:facts|instructions|prompt|system prompt)\b|\bi (?:was|am|have been) "
    r"(?:instructed|told to|asked to)\b|\b(?:first|third) person\b|\bone to three\b|\bshort sentences\b"
    r"|\banswer with\b|\brespond (?:as|in character)\b|\bin character\b|\buse only\b|\bnever invent\b"
    r"|\binstructions?\b|\borders? in (?:it|this)\b|\bnote\s*:|^\s*(?:response|reply|answer|output)\s*:|<\|?/?\w*\|?>|</?document"
    r"|场景中|对话中|指令|系统提示|提示词|作为(?:一个)?(?:AI|人工智能|语言模型)|事实[:：]|用第一人称",
    re.I)


# A name the speaker claims: "my name is Ana", "I'm Ana", "我叫安娜". Asked "What's my name?", a small
# model takes the player's name for its own ("Um, my name is Ana. I'm the cafe owner.").
# The name ends the clause: "我叫人帮你拿" and "我是安娜的朋友" claim nothing, nor "Call me Monday if ...".
_CLAIM = re.compile(r"(?i:\b(my name is|my name's|call me|i am called|i'm called|i am|i'm))\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)"
                    r"(?=\s*(?:[.,!?;]|$))"
                    r"|(我叫|我的名字是|我的名字叫|我名叫|我是|叫我)\s*((?![人他她你了])[\u3400-\u9fff]{1,4}?|[A-Za-z][\w'-]+)"
                    r"(?=\s*(?:就好|就行|就可以|吧|好了)?\s*(?:[。，！？,.!?；;]|$))")


def normal(text: str) -> str:
    """A sentence reduced for comparison: lower case, words and CJK characters only."""
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def _overlap(a: str, b: str) -> float:
    ta, tb = set(tokens(a)), set(tokens(b))
    return len(ta & tb) / len(ta) if ta else 0.0


@dataclass
class Cleaner:
    """The context one reply is cleaned in: who speaks, who listens, what was asked, what was said before."""

    speaker_names: tuple[str, ...]  # the character's own names: its label is stripped, the sentence kept
    other_names: tuple[str, ...]  # the player's id and name, other characters: their label drops the sentence
    question: str = ""  # the player's line: an echo of it is dropped
    instructions: tuple[str, ...] = ()  # instruction lines of the prompt: restating them is a leak
    earlier: tuple[str, ...] = ()  # the character's recent replies: not said again
    first_person: bool = True  # the text speaks as the speaker, so a name it claims must be its own (not a story's)
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.seen |= {normal(s) for s in self.earlier if s.strip()}

    def clean(self, sentence: str) -> tuple[str | None, str | None]:
        """(the sentence to keep, or None; why it was dropped, or None)."""
        s = _STAGE.sub(" ", sentence)  # asides first: "(pauses) Bram: ..." is Bram's label after it
        s = re.sub(r"\s{2,}", " ", s).strip()
        m = _LABEL.match(s)
        if m:
            label = m.group(1).strip().lower()
            if any(label == n.lower() or label.startswith(n.lower()) for n in self.speaker_names if n):
                s = s[m.end():].strip()
            elif any(label == n.lower() or label.startswith(n.lower()) for n in self.other_names if n) \
                    or label in ("user", "player", "visitor", "assistant", "system", "you", "q", "a", "question",
                                 "answer", "response", "customer", "guest", "traveller", "traveler",
                                 "用户", "访客", "玩家", "问", "答", "客人"):
                return None, "speaks for someone else"
        s = s.strip(" \t\"“”'")
        if not re.search(r"\w", s):
            return None, "a stage direction"
        if _META.search(s):
            return None, "talks about the conversation"
        if any(_restates(s, line) for line in self.instructions):
            return None, "restates an instruction"
        if self.first_person and self._claims_another_name(s):
            return None, "claims another's name"
        if self.question and len(tokens(s)) >= 3 and _overlap(s, self.question) >= 0.8 \
                and _overlap(self.question, s) >= 0.6:
            return None, "echoes the player"
        key = normal(s)
        if key in self.seen:
            return None, "said before"
        self.seen.add(key)
        return s, None

    def _claims_another_name(self, sentence: str) -> bool:
        """"My name is Ana" said by Chen Mei: an explicit name must be one of the speaker's; "I'm Ana",
        "我是安娜" only when it is the listener's or another's known name ("I'm Harbor Town's smith" is no claim)."""
        for m in _CLAIM.finditer(sentence):
            says, name = (m.group(1), m.group(2)) if m.group(2) else (m.group(3), m.group(4))
            if _names_one_of(name, self.speaker_names):
                continue
            if says.lower() not in ("i am", "i'm", "我是") or _names_one_of(name, self.other_names):
                return True
        return False


def _names_one_of(name: str, names: tuple[str, ...]) -> bool:
    """Is `name` (a claimed word, or up to four Chinese characters) one of these names or a word of one?"""
    low = name.lower()
    for n in names:
        if not n or len(n) < 2:
            continue
        if n.isascii():
            if low == n.lower() or low in n.lower().split():
                return True
        elif name.startswith(n) or n.startswith(name) or (len(name) > 1 and name in n):
            return True
    return False


def _restates(sentence: str, instruction: str, n: int = 5) -> bool:
    """Shares a run of n words (Chinese: characters) with an instruction line."""
    def grams(t: str) -> set[tuple[str, ...]]:
        w = re.findall(r"[a-z0-9']+|[\u3400-\u9fff]", t.lower())
        return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}
    return bool(grams(sentence) & grams(instruction))
