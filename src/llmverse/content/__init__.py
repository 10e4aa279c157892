"""Content generation grounded in the event log: news, stories, poems, quests and descriptions.

    from llmverse.content import generate, ContentStore
    doc = generate("news", world, gateway, day=1, language="en")
    ContentStore(world).save(doc)

Generators register themselves by name (`GENERATORS`); importing this package loads them all.
"""

from llmverse.content import descriptions, news, poems, quests, stories  # noqa: F401  (they register)
from llmverse.content.batch import Job, load_jobs, run_batch
from llmverse.content.documents import Document, Sentence
from llmverse.content.errors import ContentError, DocumentNotFound, UnknownChoice
from llmverse.content.registry import GENERATORS, Context, Generator, generate, get_generator, register
from llmverse.content.store import ContentStore, Summary

__all__ = ["GENERATORS", "ContentError", "ContentStore", "Context", "Document", "DocumentNotFound", "Generator",
           "Job", "Sentence", "Summary", "UnknownChoice", "generate", "get_generator", "load_jobs", "register",
           "run_batch"]
