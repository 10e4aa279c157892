"""One exception hierarchy: users catch `LlmverseError`."""

from __future__ import annotations


class LlmverseError(Exception):
    """Base of every error llmverse raises on purpose."""


class WorldFileError(LlmverseError):
    """A world file is malformed; names the file, line and field so the author can fix it."""

    def __init__(self, file: str, line: int | None, field: str, problem: str) -> None:
        self.file, self.line, self.field, self.problem = file, line, field, problem
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: field '{field}': {problem}")


class BackendUnavailable(LlmverseError):
    """A model backend failed, timed out or answered with something unusable."""


class InvalidMessage(LlmverseError):
    """A player's message was refused before any model saw it; `reason` says why, for the player."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
