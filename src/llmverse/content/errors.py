"""Errors of content generation, under the one `LlmverseError` root (users catch that one).

Each message says what to do next: an unknown choice lists the valid ones, so a CLI user or an HTTP
client can correct the request without reading the code.
"""

from __future__ import annotations

from collections.abc import Iterable

from llmverse.errors import LlmverseError


class ContentError(LlmverseError):
    """Content generation was asked for something it cannot do."""


class UnknownChoice(ContentError):
    """A name (generator, character, place, poem form, genre, ...) that is not one of the choices."""

    def __init__(self, what: str, given: str, choices: Iterable[str]) -> None:
        self.what, self.given, self.choices = what, given, sorted(set(choices))
        super().__init__(f"unknown {what} '{given}'; choose one of: {', '.join(self.choices)}")


class DocumentNotFound(ContentError):
    """No stored document has this id in this world."""

    def __init__(self, world: str, doc_id: int) -> None:
        self.world, self.doc_id = world, doc_id
        super().__init__(f"no content document {doc_id} in world '{world}'; "
                         "list the stored ones with ContentStore.list()")
