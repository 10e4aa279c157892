"""Memory: what each character observed, said, did and concluded (stream), and what it recalls (retrieval)."""

from llmverse.memory.importance import ImportanceRating, ImportanceScorer
from llmverse.memory.retrieval import RetrievalConfig, Retrieved, Retriever, approx_tokens
from llmverse.memory.stream import KINDS, Memory, MemoryStream, NewMemory

__all__ = ["KINDS", "ImportanceRating", "ImportanceScorer", "Memory", "MemoryStream", "NewMemory",
           "RetrievalConfig", "Retrieved", "Retriever", "approx_tokens"]
