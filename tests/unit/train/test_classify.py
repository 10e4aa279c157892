"""Fine-tuning on a tiny BERT and an easy, separable task: seconds, not minutes."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tinydata import sentiment_rows, write_tsv
from transformers import TrainerCallback

from llmverse.errors import LlmverseError
from llmverse.train.card import load_card
from llmverse.train.classify import ClassifyConfig, Classifier, predict, scores, train_classifier
from llmverse.train.errors import CheckpointError, TrainingDataError, TrainingInterrupted


def config(tmp_path: Path, base: Path, **kw: Any) -> ClassifyConfig:
    train = write_tsv(tmp_path / "train.tsv", sentiment_rows(80))
    defaults: dict[str, Any] = dict(train=train, out=tmp_path / "out", base=base, epochs=10, batch_size=8,
                                    learning_rate=1e-2, patience=0, threads=1)
    return ClassifyConfig(**{**defaults, **kw})


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_base: Path):
    tmp = tmp_path_factory.mktemp("classify")
    return train_classifier(config(tmp, tiny_base))


def test_loss_falls_and_the_card_says_so(trained) -> None:
    m = trained.card.metrics
    first, last = m["loss_history"][0], m["loss_history"][-1]
    assert first > 0.6 and last < 0.2 < first  # from chance (ln 2 = 0.69) to fitted
    assert m["accuracy"] == 1.0 and m["confusion_matrix"] == [[4, 0], [0, 4]]
    d = trained.card.data
    assert d["labels"] == ["neg", "pos"] and d["train_examples"] == 72 and d["eval_examples"] == 8
    t = trained.card.time
    assert t.samples == 720 and t.samples_per_second > 0 and t.step_seconds <= t.train_seconds


def test_saved_model_reloads_and_predicts_unseen_sentences(trained) -> None:
    out = trained.out
    assert not list(out.glob("checkpoint-*")) and not list(out.glob(".final-*"))
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["id2label"] == {"0": "neg", "1": "pos"}
    fresh = sentiment_rows(40, seed=99)  # new sentences the model never saw
    preds = predict(out, [t for t, _ in fresh], threads=1)
    assert sum(p.label == y for p, (_, y) in zip(preds, fresh)) >= 38
    assert all(0.5 <= p.probability <= 1 and abs(sum(p.scores.values()) - 1) < 1e-5 for p in preds)
    md = (out / "run_card.md").read_text(encoding="utf-8")
    assert md.startswith("# Run card: text classifier") and "| **neg** | 4 | 0 |" in md
    assert load_card(out).metrics["accuracy"] == trained.card.metrics["accuracy"]


def test_integer_labels_keep_their_ids(tmp_path: Path, tiny_base: Path) -> None:
    rows = [(t, "1" if y == "pos" else "0") for t, y in sentiment_rows(40)]
    result = train_classifier(config(tmp_path, tiny_base, train=write_tsv(tmp_path / "t.tsv", rows), epochs=1))
    assert Classifier(result.out, threads=1).labels == ["0", "1"]


def test_eval_file_in_another_format_finds_its_own_text_column(tmp_path: Path, tiny_base: Path) -> None:
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in sentiment_rows(6, seed=5)),
                   encoding="utf-8")
    result = train_classifier(config(tmp_path, tiny_base, eval=dev, test=dev, epochs=1))
    assert result.card.data["eval_examples"] == 6 and result.card.data["text_column"] == "sentence"
    test = result.card.metrics["test"]  # the same file here, so the same figures as validation
    assert sum(map(sum, test["confusion_matrix"])) == 6 and test["accuracy"] == result.card.metrics["accuracy"]
    assert "## Test (scored once" in (result.out / "run_card.md").read_text(encoding="utf-8")


def test_bad_input_fails_before_training(tmp_path: Path, tiny_base: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("sentence\tstars\nfine\t1\n", encoding="utf-8")
    with pytest.raises(TrainingDataError) as err:
        train_classifier(config(tmp_path, tiny_base, train=bad))
    assert err.value.column == "label" and "bad.tsv" in str(err.value)
    dev = write_tsv(tmp_path / "dev.tsv", [("the film was good", "pos"), ("the film was meh", "mixed")])
    with pytest.raises(TrainingDataError, match="'mixed'") as err:
        train_classifier(config(tmp_path, tiny_base, eval=dev))
    assert (err.value.file, err.value.line) == (str(dev), 3)
    one = write_tsv(tmp_path / "one.tsv", [("good film", "pos")] * 5)
    with pytest.raises(TrainingDataError, match="only one label"):
        train_classifier(config(tmp_path, tiny_base, train=one))
    with pytest.raises(CheckpointError, match="not a model checkpoint"):
        train_classifier(config(tmp_path, base=tmp_path))  # a directory without a model
    assert not (tmp_path / "out").exists()  # nothing was written for any of these


class _CtrlC(TrainerCallback):
    """Presses Ctrl-C (a real SIGINT) at the end of a given step."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        if state.global_step == self.at:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_saves_a_checkpoint_and_resume_finishes(tmp_path: Path, tiny_base: Path) -> None:
    cfg = config(tmp_path, tiny_base, epochs=3)
    before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN under `nohup ... &`
    with pytest.raises(TrainingInterrupted) as err:
        train_classifier(cfg, callbacks=[_CtrlC(at=4)])
    ckpt = Path(err.value.checkpoint or "")
    assert ckpt.parent == cfg.out and ckpt.name in ("checkpoint-4", "checkpoint-5")
    assert (ckpt / "optimizer.pt").is_file() and (ckpt / "trainer_state.json").is_file()
    assert not (cfg.out / "config.json").exists()  # no final model: the directory is not half a model
    assert signal.getsignal(signal.SIGINT) is before  # handler restored
    with pytest.raises(CheckpointError, match="--resume"):
        train_classifier(cfg)  # a fresh run would mix with the interrupted one's checkpoints
    cfg.resume = True
    result = train_classifier(cfg)
    assert result.card.parameters["steps"] == 27  # 3 epochs x 9 steps: the run went on from the checkpoint
    assert any("Resumed from checkpoint-" in n for n in result.card.notes)
    assert result.card.time.samples < 3 * 72  # only the resumed part was timed
    assert (cfg.out / "config.json").is_file() and not list(cfg.out.glob("checkpoint-*"))


def test_predict_refuses_a_model_that_is_not_a_classifier(tiny_base: Path) -> None:
    with pytest.raises(CheckpointError, match="not a text classifier"):
        Classifier(tiny_base, threads=1)
    assert issubclass(CheckpointError, LlmverseError) and issubclass(TrainingDataError, LlmverseError)


def test_scores_on_known_predictions() -> None:
    s = scores(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 0]), 3)
    assert s["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert s["accuracy"] == pytest.approx(0.6)
    # per label F1: 0 -> p 1/2 r 1/2 = 0.5; 1 -> p 2/3 r 1 = 0.8; 2 -> 0
    assert s["f1_per_label"] == [0.5, 0.8, 0.0] and s["f1"] == pytest.approx(1.3 / 3)
