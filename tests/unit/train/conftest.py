"""Tiny models and data for training tests: a 2-layer, 32-wide BERT with a WordPiece vocabulary
written from the tests' own text, so nothing depends on MiniLM's 90 MB or on any download."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tinydata import FILLER, NEGATIVE, POSITIVE  # noqa: E402

from llmverse.train.corpus import world_documents  # noqa: E402
from llmverse.world.loader import load_world  # noqa: E402
from llmverse.world.world import DEFAULT_WORLD  # noqa: E402


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A BertModel (no pretraining head, like MiniLM) with its tokenizer, saved as a local checkpoint."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words: set[str] = set(POSITIVE + NEGATIVE + FILLER)
    for d in world_documents(load_world(DEFAULT_WORLD)):
        for s in d.sentences:
            words.update(re.findall(r"\w+|[^\w\s]", s.lower()))
    root = tmp_path_factory.mktemp("tiny_bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(words)]
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast.from_pretrained(root, do_lower_case=True)  # reads root/vocab.txt
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    model_dir = root / "model"
    BertModel(config).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    return model_dir
