"""The grounded voice: how any model speaks about the world (characters, the assistant, content).

Read `speak.py` first: the loop that streams a model's reply and checks each sentence against the
world before a player sees it. Around it: `fact.py` (one fact, both languages, the values a statement
must contain), `question.py` and `retrieve.py` (what a question asks, which facts answer it, and
whether the world holds an answer at all), `clean.py` (nothing of the prompt on screen), `check.py`
(invented names, wrong numbers and quantities, English inside Chinese), `locale.py` (phrases and
prompts as data).
"""

from llmverse.voice.fact import Fact, make_fact
from llmverse.voice.speak import Spoken, Voice

__all__ = ["Fact", "Spoken", "Voice", "make_fact"]
