"""Masked-LM adaptation of a tiny BERT on Harbor Town's own text."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tinydata import sentiment_rows, write_tsv

from llmverse.train.classify import ClassifyConfig, predict, train_classifier
from llmverse.train.errors import CheckpointError, TrainingDataError
from llmverse.train.mlm import MlmConfig, gather, pseudo_perplexity, train_mlm


def mlm_config(tmp_path: Path, base: Path, **kw: Any) -> MlmConfig:
    defaults: dict[str, Any] = dict(out=tmp_path / "mlm", base=base, epochs=25, learning_rate=2e-3, threads=1)
    return MlmConfig(**{**defaults, **kw})


@pytest.fixture(scope="module")
def adapted(tmp_path_factory: pytest.TempPathFactory, tiny_base: Path):
    return train_mlm(mlm_config(tmp_path_factory.mktemp("mlm"), tiny_base))


def test_perplexity_falls_on_held_out_world_text(adapted) -> None:
    card = adapted.card
    assert adapted.perplexity_after < 0.7 * adapted.perplexity_before
    assert card.metrics["loss_history"][-1] < card.metrics["loss_history"][0]
    assert card.data["documents"] == {"place": 8, "thing": 15, "character": 5}
    held = set(card.metrics["held_out"])
    assert held and card.data["held_out_sentences"] == len(held)
    # the head was random at the start (the tiny base is a bare BertModel, like MiniLM): said so
    assert any("random weights" in n and "cls.predictions" in n for n in card.notes)


def test_adapted_encoder_is_a_classify_base(adapted, tmp_path: Path) -> None:
    cfg = json.loads((adapted.out / "config.json").read_text(encoding="utf-8"))
    assert cfg["architectures"] == ["BertForPreTraining"]  # keeps the pooler a classifier uses
    train = write_tsv(tmp_path / "train.tsv", sentiment_rows(80))
    result = train_classifier(ClassifyConfig(train=train, out=tmp_path / "clf", base=adapted.out, epochs=10,
                                             batch_size=8, learning_rate=1e-2, patience=0, threads=1))
    assert result.card.base == str(adapted.out)
    fresh = sentiment_rows(20, seed=7)
    preds = predict(result.out, [t for t, _ in fresh], threads=1)
    assert sum(p.label == y for p, (_, y) in zip(preds, fresh)) >= 18


def test_next_sentence_objective_trains_both_heads(tmp_path: Path, tiny_base: Path) -> None:
    result = train_mlm(mlm_config(tmp_path, tiny_base, nsp=True, epochs=4))
    assert result.card.data["objective"] == "masked LM + next-sentence"
    assert result.card.data["training_examples"] > 28  # sentence pairs, not one example per document
    assert result.perplexity_after < result.perplexity_before


def test_frozen_encoder_trains_the_head_only(tmp_path: Path, tiny_base: Path) -> None:
    from safetensors.torch import load_file

    result = train_mlm(mlm_config(tmp_path, tiny_base, freeze_encoder=True, epochs=5))
    before, after = load_file(tiny_base / "model.safetensors"), load_file(result.out / "model.safetensors")
    key = "encoder.layer.0.attention.self.query.weight"
    assert (after[f"bert.{key}"] == before[key]).all()
    # the encoder did not move, so the fall in perplexity is the head's doing
    assert result.perplexity_after < result.perplexity_before and result.card.parameters["freeze_encoder"]


def test_extra_text_and_errors(tmp_path: Path, tiny_base: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("The bell rings at dusk. The harbour is calm.\n\nFish are sold at the market.", encoding="utf-8")
    docs = gather(MlmConfig(out=tmp_path / "o", use_world=False, texts=[notes]))
    assert [d.sentences for d in docs] == [["The bell rings at dusk.", "The harbour is calm."],
                                           ["Fish are sold at the market."]]
    with pytest.raises(TrainingDataError, match="no text to train on"):
        gather(MlmConfig(out=tmp_path / "o", use_world=False))
    with pytest.raises(CheckpointError, match="not a model checkpoint"):
        train_mlm(mlm_config(tmp_path, tmp_path))


def test_pseudo_perplexity_of_a_clueless_model_is_the_vocabulary_size(tiny_base: Path) -> None:
    import torch
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_base)

    class Uniform(torch.nn.Module):  # the same score for every token: perplexity must be |V|
        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return SimpleNamespace(logits=torch.zeros(*input_ids.shape, len(tok)))

    ppl = pseudo_perplexity(Uniform(), tok, ["the market sells fish .", "bram forges anchors ."])
    assert ppl == pytest.approx(len(tok), rel=1e-4)
