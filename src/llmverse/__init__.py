"""llmverse: LLM-driven inhabitants, stories and guides for virtual worlds."""

from llmverse.errors import BackendUnavailable, LlmverseError, WorldFileError

__all__ = ["LlmverseError", "WorldFileError", "BackendUnavailable"]
