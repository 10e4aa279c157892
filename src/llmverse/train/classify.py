"""Text classification with transformers' Trainer, from a local BERT-family encoder, on the CPU.

The seed's example (fine-tune a BERT-family model on GLUE SST-2) made real and offline: read and
check the data, load the base (bundled all-MiniLM-L6-v2 unless told otherwise), fine-tune with
early stopping on validation macro-F1, keep the best checkpoint, and publish the model with its
run card. Choosing the checkpoint on the validation set flatters that set's score: a `test` file,
scored once at the end and used for nothing else, gives the figure to quote. Labels are mapped to
ids in a stable order and saved in the model's config (id2label), so `predict` answers with the
labels of the file, not with numbers.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from llmverse.train import data as D
from llmverse.train import runtime
from llmverse.train.card import RunCard
from llmverse.train.errors import CheckpointError, TrainingDataError

if TYPE_CHECKING:
    from rich.console import Console
    from transformers import TrainerCallback


@dataclass
class ClassifyConfig:
    train: Path  # CSV/TSV/JSONL with a text and a label column
    out: Path  # the model, its run card and (while training) checkpoint-N directories
    eval: Path | None = None  # validation file; None: hold out `val_fraction` of `train`
    test: Path | None = None  # scored once at the end, never used to choose: the honest figure
    base: Path | None = None  # local HF model directory; None: the bundled all-MiniLM-L6-v2
    text_column: str | None = None  # None: 'text', else 'sentence'
    label_column: str = D.LABEL_COLUMN
    epochs: float = 3.0
    batch_size: int = 32
    max_length: int = 128  # tokens; longer texts are truncated
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup: float = 0.06  # fraction of all steps spent warming the learning rate up from 0
    max_samples: int | None = None  # use at most this many training rows (seeded random subset)
    val_fraction: float = 0.1  # share of each label held out when no eval file is given
    eval_steps: int | None = None  # evaluate (and checkpoint) every N steps; None: every epoch
    patience: int = 2  # evaluations without a better macro-F1 before stopping; 0: never stop early
    group_by_length: bool = True  # batches of similar length: less padding, same examples per epoch
    seed: int = 42
    threads: int | None = None  # torch threads; None: 1 or all cores, re-measured while training
    resume: bool = False  # continue from the newest checkpoint-N in `out`
    keep_checkpoints: bool = False  # checkpoints are deleted once the final model is published


@dataclass
class ClassifyResult:
    out: Path
    card: RunCard


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float
    scores: dict[str, float] = field(default_factory=dict)  # every label's probability


def scores(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int) -> dict[str, Any]:
    """Accuracy, macro-F1 (each label counts the same, so a rare label is not drowned out), F1 per
    label and the confusion matrix (rows: true label, columns: predicted)."""
    cm = np.zeros((n_labels, n_labels), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    tp = np.diag(cm).astype(float)
    precision = np.divide(tp, cm.sum(0), out=np.zeros(n_labels), where=cm.sum(0) > 0)
    recall = np.divide(tp, cm.sum(1), out=np.zeros(n_labels), where=cm.sum(1) > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(n_labels),
                   where=(precision + recall) > 0)
    return {"accuracy": float(tp.sum() / max(cm.sum(), 1)), "f1": float(f1.mean()),
            "f1_per_label": [round(float(x), 4) for x in f1], "confusion_matrix": cm.tolist()}


def _encode(tokenizer: Any, examples: list[D.Example], label_ids: dict[str, int], max_length: int
            ) -> list[dict[str, Any]]:
    enc = tokenizer([ex.text for ex in examples], truncation=True, max_length=max_length)
    return [{**{k: enc[k][i] for k in enc.keys()}, "labels": label_ids[ex.label]}
            for i, ex in enumerate(examples)]


def _read(cfg: ClassifyConfig) -> tuple[list[D.Example], list[D.Example], list[D.Example], list[str],
                                       dict[str, Any]]:
    """All data checks, before any model is loaded: returns train, eval, test, labels, the card's data."""
    train_file = D.read_labelled(cfg.train, text_column=cfg.text_column, label_column=cfg.label_column)
    rows = D.subsample(train_file.examples, cfg.max_samples, cfg.seed)
    if cfg.eval is not None:
        train = rows
        eval_file = D.read_labelled(cfg.eval, text_column=cfg.text_column, label_column=cfg.label_column)
        validation, held = eval_file.examples, f"{cfg.eval}"
    else:
        train, validation = D.split(rows, cfg.val_fraction, cfg.seed)
        eval_file, held = None, f"{cfg.val_fraction:.0%} of each label of the training rows (seed {cfg.seed})"
    names = D.label_names(ex.label for ex in train)
    if len(names) < 2:
        raise TrainingDataError(cfg.train, f"only one label ({', '.join(names)}): a classifier needs "
                                "at least two", column=cfg.label_column)
    if eval_file is not None:
        D.check_labels(eval_file, names)
    test_file = None
    if cfg.test is not None:
        test_file = D.read_labelled(cfg.test, text_column=cfg.text_column, label_column=cfg.label_column)
        D.check_labels(test_file, names)
    if not validation:
        raise TrainingDataError(cfg.train, "too few rows to hold out a validation set: add rows or "
                                "give an eval file (--eval)")
    card = {"train": str(cfg.train), "rows_in_file": len(train_file.examples), "train_examples": len(train),
            "eval": held, "eval_examples": len(validation), "text_column": train_file.text_column,
            "label_column": cfg.label_column, "labels": names,
            "train_label_counts": {n: sum(ex.label == n for ex in train) for n in names}}
    if test_file is not None:
        card.update(test=str(cfg.test), test_examples=len(test_file.examples))
    return train, validation, test_file.examples if test_file else [], names, card


def train_classifier(cfg: ClassifyConfig, console: Console | None = None,
                     callbacks: list[TrainerCallback] | None = None) -> ClassifyResult:
    """Fine-tune, evaluate, publish to `cfg.out` with a run card. Raises TrainingDataError or
    CheckpointError before training for bad input, TrainingInterrupted after a Ctrl-C checkpoint."""
    t0 = time.perf_counter()
    base = runtime.check_model_dir(cfg.base or runtime.default_base())
    train, validation, test, names, data_card = _read(cfg)
    resume_from = runtime.prepare_out(cfg.out, cfg.resume)
    threads = runtime.start(cfg.threads, cfg.seed)

    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding,
                              EarlyStoppingCallback, Trainer, TrainingArguments)

    from llmverse.train.callbacks import RichProgress, RunControl

    label_ids = {n: i for i, n in enumerate(names)}
    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model, info = AutoModelForSequenceClassification.from_pretrained(
            base, num_labels=len(names), id2label=dict(enumerate(names)), label2id=label_ids,
            ignore_mismatched_sizes=True, output_loading_info=True)
    except (OSError, ValueError, KeyError) as exc:
        raise CheckpointError(base, f"cannot be loaded as a text classifier: {exc}") from exc
    train_ds = _encode(tokenizer, train, label_ids, cfg.max_length)
    eval_ds = _encode(tokenizer, validation, label_ids, cfg.max_length)

    steps_per_epoch = math.ceil(len(train_ds) / cfg.batch_size)
    strategy = "steps" if cfg.eval_steps else "epoch"
    args = TrainingArguments(
        output_dir=str(cfg.out), num_train_epochs=cfg.epochs, per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=2 * cfg.batch_size, learning_rate=cfg.learning_rate,
        weight_decay=cfg.weight_decay, warmup_steps=cfg.warmup, eval_strategy=strategy,
        save_strategy=strategy, eval_steps=cfg.eval_steps, save_steps=cfg.eval_steps,
        logging_steps=max(1, min(50, steps_per_epoch // 5)), save_total_limit=2,
        load_best_model_at_end=True, metric_for_best_model="f1", greater_is_better=True,
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        report_to=[], disable_tqdm=True, use_cpu=True, dataloader_num_workers=0,
        seed=cfg.seed, data_seed=cfg.seed)

    def metrics(pred: Any) -> dict[str, float]:
        s = scores(np.asarray(pred.label_ids), np.argmax(pred.predictions, -1), len(names))
        return {"accuracy": s["accuracy"], "f1": s["f1"]}

    run = RunControl(cfg.threads, threads)
    extra = [*run.callbacks, *(callbacks or [])]
    if cfg.patience > 0:
        extra.append(EarlyStoppingCallback(early_stopping_patience=cfg.patience))
    if console is not None:
        extra.append(RichProgress(console, "fine-tuning"))
    trainer = Trainer(model=model, args=args, data_collator=DataCollatorWithPadding(tokenizer),
                      train_dataset=train_ds, eval_dataset=eval_ds, processing_class=tokenizer,
                      compute_metrics=metrics, callbacks=extra)
    out, train_seconds = run.train(trainer, resume_from)

    final = trainer.predict(eval_ds)  # the best checkpoint's weights (load_best_model_at_end)
    result = scores(np.asarray(final.label_ids), np.argmax(final.predictions, -1), len(names))
    result["loss"] = float(final.metrics.get("test_loss", float("nan")))
    result["best_checkpoint_step"] = _step_of(trainer.state.best_model_checkpoint)
    result["train_loss"] = float(out.training_loss)
    result["loss_history"] = [round(h["loss"], 4) for h in trainer.state.log_history if "loss" in h]
    if test:
        scored = trainer.predict(_encode(tokenizer, test, label_ids, cfg.max_length))
        result["test"] = scores(np.asarray(scored.label_ids), np.argmax(scored.predictions, -1), len(names))
    state = trainer.state
    samples = run.samples(cfg.epochs, len(train_ds), state, resume_from)
    params = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()
              if k not in ("train", "eval", "test", "out", "base", "text_column", "label_column")}
    params.update(run.params(), steps=state.global_step, stopped_early=state.global_step < state.max_steps)
    new_head = sorted({k.split(".")[0] for k in info.get("missing_keys", [])})
    notes = [f"Newly initialised (random) weights at the start: {', '.join(new_head)}; the classification "
             "head is always new."] if new_head else []
    if resume_from is not None:
        notes.append(f"Resumed from {resume_from.name}; time and samples/s cover the resumed part only.")
    card = RunCard(kind="classify", base=str(base), output=str(cfg.out), data=data_card, parameters=params,
                   metrics=result, notes=notes, versions=runtime.versions(),
                   time=run.timing(t0, train_seconds, samples))
    runtime.finish(trainer, cfg.out, card, cfg.keep_checkpoints)
    return ClassifyResult(cfg.out, card)


def _step_of(checkpoint: str | None) -> int | None:
    return int(checkpoint.rsplit("-", 1)[-1]) if checkpoint else None


class Classifier:
    """A published classifier, loaded once, for many predictions (the router and safety use this)."""

    def __init__(self, model_dir: str | Path, threads: int = 1) -> None:
        path = runtime.check_model_dir(model_dir)
        runtime.start(threads)  # 1 by default, like the embedder: short texts, a core left for the rest
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from llmverse.train.card import CARD_JSON, load_card

        try:
            self.model = AutoModelForSequenceClassification.from_pretrained(path).eval()
            self.tokenizer = AutoTokenizer.from_pretrained(path)
        except (OSError, ValueError, KeyError) as exc:
            raise CheckpointError(path, f"cannot be loaded as a text classifier: {exc}") from exc
        archs = self.model.config.architectures or []
        if not any(a.endswith("ForSequenceClassification") for a in archs):
            raise CheckpointError(path, f"is not a text classifier (it is {', '.join(archs) or 'unknown'}): "
                                  "train one with `llmverse train classify --base` on it")
        self.labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]
        self.max_length = (load_card(path).parameters.get("max_length", 512) if (path / CARD_JSON).is_file()
                           else 512)

    def predict(self, texts: list[str], batch_size: int = 64) -> list[Prediction]:
        import torch

        out: list[Prediction] = []
        for i in range(0, len(texts), batch_size):
            enc = self.tokenizer(texts[i:i + batch_size], truncation=True, max_length=self.max_length,
                                 padding=True, return_tensors="pt")
            with torch.no_grad():
                probs = torch.softmax(self.model(**enc).logits, -1)
            for row in probs.tolist():
                best = max(range(len(row)), key=row.__getitem__)
                out.append(Prediction(self.labels[best], row[best], dict(zip(self.labels, row))))
        return out


def predict(model_dir: str | Path, texts: list[str], threads: int = 1) -> list[Prediction]:
    return Classifier(model_dir, threads).predict(texts)
