"""`llmverse train classify|mlm|sft` and `llmverse predict`: parse, call the library, print with rich.

Mounted by the main CLI: `app.add_typer(train_app, name="train")` and
`app.command("predict")(predict_command)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from llmverse.errors import LlmverseError

train_app = typer.Typer(help="Train models on world data (offline, CPU).", no_args_is_help=True)
console = Console()

Out = Annotated[Path, typer.Option("--out", help="output directory: the model, its run card, checkpoints")]
Base = Annotated[Path | None, typer.Option(
    "--base", help="local model directory to start from (default: bundled all-MiniLM-L6-v2)")]
Epochs = Annotated[float | None, typer.Option("--epochs", help="passes over the training data")]
Batch = Annotated[int | None, typer.Option("--batch-size", help="examples per step")]
MaxLen = Annotated[int | None, typer.Option("--max-length", help="tokens per example; longer is truncated")]
LR = Annotated[float | None, typer.Option("--lr", help="peak learning rate")]
Threads = Annotated[int | None, typer.Option(
    "--threads", help="torch threads (default: chosen while training, 1 or all cores, whichever is faster)")]
Resume = Annotated[bool, typer.Option("--resume", help="continue from the newest checkpoint-N in --out")]
Keep = Annotated[bool, typer.Option("--keep-checkpoints", help="keep checkpoint-N directories after success")]
Seed = Annotated[int, typer.Option("--seed")]


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]error[/red] {exc}")
    return typer.Exit(1)


def _given(**kw: object) -> dict[str, object]:
    """Options the user set; the rest keep the library's defaults (one place for defaults)."""
    return {k: v for k, v in kw.items() if v is not None}


@train_app.command("classify")
def classify_command(
    train: Annotated[Path, typer.Option("--train", help="CSV, TSV or JSONL with a text and a label column")],
    out: Out,
    eval: Annotated[Path | None, typer.Option("--eval", help="validation file, for early stopping and the best "
                                              "checkpoint (default: hold out --val-fraction of --train)")] = None,
    test: Annotated[Path | None, typer.Option("--test", help="scored once at the end, used for nothing "
                                              "else: the figure to quote")] = None,
    val_fraction: Annotated[float | None, typer.Option("--val-fraction", help="share held out without "
                                                       "--eval (default 0.1)")] = None,
    base: Base = None, epochs: Epochs = None, batch_size: Batch = None, max_length: MaxLen = None,
    lr: LR = None, threads: Threads = None, resume: Resume = False, keep_checkpoints: Keep = False,
    seed: Seed = 42,
    text_column: Annotated[str | None, typer.Option("--text-column", help="default: 'text' or 'sentence'")] = None,
    label_column: Annotated[str, typer.Option("--label-column")] = "label",
    max_samples: Annotated[int | None, typer.Option("--max-samples", help="train on a random subset")] = None,
    eval_steps: Annotated[int | None, typer.Option(
        "--eval-steps", help="evaluate and checkpoint every N steps (default: each epoch)")] = None,
    patience: Annotated[int | None, typer.Option("--patience", help="evaluations without improvement before "
                                                 "stopping early; 0 never stops")] = None,
) -> None:
    """Fine-tune a text classifier (e.g. GLUE SST-2's TSV as it is) and save it with a run card."""
    from llmverse.train.classify import ClassifyConfig, train_classifier

    cfg = ClassifyConfig(train=train, out=out, eval=eval, test=test, base=base, seed=seed,
                         text_column=text_column, label_column=label_column, resume=resume,
                         keep_checkpoints=keep_checkpoints, max_samples=max_samples, eval_steps=eval_steps,
                         threads=threads,
                         **_given(epochs=epochs, batch_size=batch_size, max_length=max_length, learning_rate=lr,
                                  patience=patience, val_fraction=val_fraction))  # type: ignore[arg-type]
    try:
        result = train_classifier(cfg, console=console)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    card = result.card
    m = card.metrics
    labels = card.data["labels"]
    t = Table(title=f"validation ({card.data['eval_examples']} examples): rows true, columns predicted")
    t.add_column("")
    for name in labels:
        t.add_column(name, justify="right")
    for name, row in zip(labels, m["confusion_matrix"]):
        t.add_row(name, *map(str, row))
    console.print(t)
    console.print(f"validation accuracy [bold]{m['accuracy']:.4f}[/bold], macro-F1 {m['f1']:.4f}; "
                  f"{card.time.samples_per_second:.1f} training samples/s "
                  f"({card.time.step_samples_per_second:.1f} in steps alone), {card.time.wall_seconds:.0f} s")
    if "test" in m:
        console.print(f"test ({card.data['test_examples']} examples, never used for choosing): accuracy "
                      f"[bold]{m['test']['accuracy']:.4f}[/bold], macro-F1 {m['test']['f1']:.4f}")
    console.print(f"saved to {out} (run card: {out / 'run_card.md'})")


@train_app.command("mlm")
def mlm_command(
    out: Out,
    world: Annotated[Path | None, typer.Option("--world", help="world file (default: bundled Harbor Town)")] = None,
    no_world: Annotated[bool, typer.Option("--no-world", help="leave the world file's text out")] = False,
    db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL: add what was said in the world")] = None,
    text: Annotated[list[Path] | None, typer.Option("--text", help="extra .txt/.md file (repeatable)")] = None,
    nsp: Annotated[bool, typer.Option("--nsp", help="add next-sentence prediction (BERT bases)")] = False,
    freeze_encoder: Annotated[bool, typer.Option("--freeze-encoder", help="train the head only: a baseline "
                                                 "for what adapting the encoder adds")] = False,
    held_out: Annotated[float | None, typer.Option("--held-out", help="share of sentences kept out to "
                                                   "measure perplexity")] = None,
    base: Base = None, epochs: Epochs = None, batch_size: Batch = None, max_length: MaxLen = None,
    lr: LR = None, threads: Threads = None, resume: Resume = False, keep_checkpoints: Keep = False,
    seed: Seed = 42,
) -> None:
    """Adapt an encoder to a world's text by masked-LM pretraining; print perplexity before and after."""
    from llmverse.train.mlm import MlmConfig, train_mlm

    cfg = MlmConfig(out=out, world=world, use_world=not no_world, database_url=db, texts=list(text or []),
                    base=base, nsp=nsp, freeze_encoder=freeze_encoder, threads=threads, resume=resume,
                    keep_checkpoints=keep_checkpoints,
                    seed=seed, **_given(epochs=epochs, batch_size=batch_size, max_length=max_length,
                                        learning_rate=lr, held_out=held_out))  # type: ignore[arg-type]
    try:
        result = train_mlm(cfg, console=console)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    for note in result.card.notes:
        console.print(f"[dim]{note}[/dim]")
    console.print(f"pseudo-perplexity on {result.card.data['held_out_sentences']} held-out sentences: "
                  f"before [bold]{result.perplexity_before:.1f}[/bold], after [bold]{result.perplexity_after:.1f}"
                  f"[/bold]; {result.card.time.samples_per_second:.1f} samples/s")
    console.print(f"saved to {out}; use it with: llmverse train classify --base {out} ...")


@train_app.command("sft")
def sft_command(
    train: Annotated[Path, typer.Option("--train", help="chat JSONL: {\"messages\": [{\"role\", \"content\"}, ...]} "
                                        "per line (what `llmverse data export dialogues` writes)")],
    out: Out,
    eval: Annotated[Path | None, typer.Option("--eval", help="held-out chat JSONL for the loss before/after "
                                              "(default: hold out 10% of --train)")] = None,
    base: Annotated[Path | None, typer.Option("--base", help="model directory or .gguf file to start from "
                                              "(default: the bundled Gemma-3-270M GGUF)")] = None,
    steps: Annotated[int | None, typer.Option("--steps", help="optimiser steps (default 120)")] = None,
    batch_size: Batch = None, max_length: MaxLen = None, lr: LR = None,
    rank: Annotated[int | None, typer.Option("--rank", help="LoRA rank (default 8)")] = None,
    threads: Threads = None, resume: Resume = False, keep_checkpoints: Keep = False, seed: Seed = 42,
    no_merge: Annotated[bool, typer.Option("--no-merge", help="save the adapter only")] = False,
    targets: Annotated[str | None, typer.Option("--targets", help="comma-separated projections that get "
                                                "adapters (default q_proj,v_proj)")] = None,
    last_turn_only: Annotated[bool, typer.Option("--last-turn-only", help="learn only each conversation's "
                                                 "last reply (earlier replies are history)")] = False,
    adapter_out: Annotated[Path | None, typer.Option("--adapter-out", help="also write the adapter as the "
                                                     "numpy file llmverse ships (llm/adapters/NAME/adapter.npz)")] = None,
) -> None:
    """LoRA fine-tune a causal LM on chat data (loss on replies only); print held-out loss before/after."""
    from llmverse.train.sft import SftConfig, train_sft

    cfg = SftConfig(train=train, out=out, eval=eval, base=base, threads=threads, resume=resume,
                    keep_checkpoints=keep_checkpoints, seed=seed, merge=not no_merge, last_turn_only=last_turn_only,
                    **_given(targets=tuple(targets.split(",")) if targets else None, steps=steps, batch_size=batch_size, max_length=max_length, learning_rate=lr,
                             rank=rank))  # type: ignore[arg-type]
    try:
        result = train_sft(cfg, console=console)
        if adapter_out is not None:
            from llmverse.train.gguf_export import export_adapter

            info = export_adapter(out / "adapter", adapter_out)
            console.print(f"adapter written to {adapter_out} ({info['bytes'] / 1e6:.1f} MB, {info['tensors']} tensors)")
    except LlmverseError as exc:
        raise _fail(exc) from exc
    t = Table(title="sample replies (held-out questions)")
    for col in ("lang", "question", "before", "after"):
        t.add_column(col, overflow="fold")
    for s in result.samples:
        t.add_row(s["language"], s["question"], s["before"], s["after"])
    console.print(t)
    card = result.card
    console.print(f"held-out loss per reply token: before [bold]{result.loss_before:.3f}[/bold], after "
                  f"[bold]{result.loss_after:.3f}[/bold]; {card.parameters['steps_run']} steps, "
                  f"{card.time.step_seconds / max(card.parameters['steps_run'], 1):.1f} s/step, "
                  f"{card.time.wall_seconds:.0f} s in all")
    console.print(f"saved to {out} (adapter in {out / 'adapter'}); serve it with "
                  f"LLMVERSE_MODEL=transformers:{out}")


@train_app.command("dialogues")
def dialogues_command(
    out: Annotated[Path, typer.Option("--out", help="directory for worlds/, train.jsonl and eval.jsonl")],
    worlds: Annotated[int, typer.Option("--worlds", help="generated worlds to train on")] = 50,
    held_worlds: Annotated[int, typer.Option("--held-worlds", help="further worlds, whole, for eval.jsonl")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="first world's seed")] = 0,
) -> None:
    """Write NPC conversations from generated bilingual worlds, with the characters' real prompts (the
    `train sft` data of the tuned Gemma voice)."""
    from rich.progress import Progress

    from llmverse.train.dialogues import write_dialogues

    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("conversations", total=worlds + held_worlds)
            counts = write_dialogues(out, worlds, held_worlds, seed,
                                     progress=lambda msg: bar.update(task, advance=1, description=msg))
    except LlmverseError as exc:
        raise _fail(exc) from exc
    console.print(f"{counts['train']} training and {counts['eval']} held-out examples ({counts['by_language']}, "
                  f"{counts['by_intent']}); of {counts['asked']} questions, {counts['not_to_model']} never reach "
                  f"the model (declined or composed), {counts['skipped']} had no answering fact first, "
                  f"{counts['rejected']} would not pass the checks; written to {out}")


def predict_command(
    text: Annotated[list[str], typer.Argument(help="text(s) to classify")],
    model: Annotated[Path, typer.Option("--model", help="a directory written by `llmverse train classify`")],
    threads: Annotated[int, typer.Option("--threads", help="torch threads")] = 1,
) -> None:
    """Print the label a trained classifier gives each text, with its probability."""
    from llmverse.train.classify import predict

    try:
        predictions = predict(model, text, threads=threads)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    for t, p in zip(text, predictions):
        console.print(f"[bold]{p.label}[/bold]\t{p.probability:.3f}\t{t}", highlight=False)
