"""LoRA fine-tuning of a causal LM on chat JSONL (`llmverse train sft`), loss on the replies only.

The use that matters: the bundled Gemma-3-270M is a multilingual *base* model with no chat tuning;
trained on the bilingual persona dialogues of `train.dialogues` (facts in, in-character reply out)
it becomes an in-world chat model that also answers in Chinese. Data is `{"messages": [{"role",
"content"}, ...]}` per line, what `llmverse data export dialogues` writes.

Cost on a CPU is the vocabulary: Gemma's head scores 262,144 words at every position it is run on,
more than the 18 layers below it. So the loss runs the head only where a reply token is predicted
(`reply_loss`), and prompts are never scored; the body still reads the whole prompt.

The output directory holds the merged model (usable as `transformers:DIR` by the gateway), the
adapter in `adapter/`, the run card (held-out loss before and after, the loss curve, sample replies
before and after in each language) and, when the base is a GGUF, a GGUF of the fine-tune
(`model.gguf`, see `gguf_export.py`).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from llmverse.llm.transformers_backend import END, JINJA, render_turn, turn_open
from llmverse.train import runtime
from llmverse.train.card import CARD_JSON, CARD_MD, RunCard, file_sha256, to_markdown
from llmverse.train.errors import CheckpointError, TrainingDataError
from llmverse.train.gguf_export import GgufExportError, export_gguf

if TYPE_CHECKING:
    from rich.console import Console
    from transformers import TrainerCallback

ROLES = ("system", "user", "assistant")
IGNORE = -100  # label of a token the loss skips (prompt, padding)


@dataclass
class SftConfig:
    train: Path  # chat JSONL: {"messages": [{"role": ..., "content": ...}, ...]} per line
    out: Path  # merged model, adapter/, run card, model.gguf (and checkpoint-N while training)
    eval: Path | None = None  # held-out chat JSONL; None: the last `val_fraction` of `train`
    base: Path | None = None  # HF model directory or .gguf file; None: the bundled Gemma-3-270M GGUF
    steps: int = 120  # optimiser steps (Harbor Town: ~0.4 epoch, enough for the loss to level off)
    batch_size: int = 4
    max_length: int = 512  # tokens per example (generated-world NPC data on Gemma: mean 260, max 488); longer: prompt start cut
    learning_rate: float = 4e-4
    rank: int = 8  # LoRA rank
    alpha: int = 16  # LoRA scale is alpha / rank
    dropout: float = 0.05
    targets: tuple[str, ...] = ("q_proj", "v_proj")  # attention projections that get adapters
    warmup: float = 0.05  # share of the steps warming the learning rate up
    val_fraction: float = 0.1  # without --eval
    eval_examples: int = 48  # held-out examples scored before and after (a seeded sample; 0: all)
    logging_steps: int = 10  # the loss curve's resolution
    save_steps: int = 50  # checkpoint every N steps (Ctrl-C saves one whenever it comes)
    samples: int = 3  # sample replies per language, before and after
    sample_tokens: int = 48
    merge: bool = True  # also save the merged model (the adapter is always saved)
    seed: int = 42
    threads: int | None = None
    resume: bool = False
    keep_checkpoints: bool = False
    last_turn_only: bool = False  # learn only each conversation's last reply (earlier ones are history)


class SftCard(RunCard):
    kind: Literal["sft"] = "sft"  # type: ignore[assignment]


@dataclass
class SftResult:
    out: Path
    card: SftCard
    loss_before: float
    loss_after: float
    samples: list[dict[str, str]] = field(default_factory=list)


# --- data ---------------------------------------------------------------------------------
def read_chat(path: Path) -> list[list[dict[str, str]]]:
    """Conversations from chat JSONL, every line checked: TrainingDataError names the line and field."""
    if not path.is_file():
        raise TrainingDataError(path, "no such file")
    out: list[list[dict[str, str]]] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingDataError(path, f"not JSON: {exc.msg}", line=n) from exc
            msgs = rec.get("messages") if isinstance(rec, dict) else None
            if not isinstance(msgs, list) or not msgs:
                raise TrainingDataError(path, "no 'messages' list (want {\"messages\": [{\"role\", \"content\"}]})",
                                        column="messages", line=n)
            for i, m in enumerate(msgs):
                if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
                    raise TrainingDataError(path, f"message {i} needs 'role' ({'/'.join(ROLES)}) and "
                                            "'content' (text)", column="messages", line=n)
            if not any(m["role"] == "assistant" and m["content"].strip() for m in msgs):
                raise TrainingDataError(path, "no assistant turn: nothing to learn from this conversation",
                                        column="messages", line=n)
            out.append([{"role": m["role"], "content": m["content"]} for m in msgs])
    if not out:
        raise TrainingDataError(path, "empty file: no conversations")
    return out


def encode(tokenizer: Any, messages: list[dict[str, str]], max_length: int,
           last_only: bool = False) -> tuple[dict[str, list[int]], bool]:
    """Token ids and labels for one conversation, and whether it was cut to fit.

    Pieces are tokenised as the backend tokenises at run time: the prompt up to `<|assistant|>\\n`,
    then the reply with `<|end|>` and EOS. Labels are -100 everywhere except the assistant's tokens,
    so the model learns to answer, not to write prompts (with `last_only`, only the last reply is
    learned: earlier ones are history, written by whatever spoke then). A conversation longer than `max_length`
    keeps its first token (BOS) and its last `max_length - 1` tokens: the reply survives.
    """
    ids: list[int] = []
    labels: list[int] = []
    pending = tokenizer.bos_token or ""
    eos = tokenizer.eos_token or ""

    def add(text: str, learn: bool) -> None:
        piece = tokenizer(text, add_special_tokens=False)["input_ids"]
        ids.extend(piece)
        labels.extend(piece if learn else [IGNORE] * len(piece))

    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            pending += render_turn(m["role"], m["content"])
            continue
        add(pending + turn_open("assistant"), False)
        add(m["content"] + END + eos, not last_only or i == last)
        pending = "\n"
    cut = len(ids) > max_length
    if cut:
        ids, labels = ids[:1] + ids[-(max_length - 1):], [IGNORE] + labels[-(max_length - 1):]
    return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels}, cut


def collate(pad_id: int) -> Any:
    """Right-pad a batch: (B, T) input_ids, attention_mask and labels (-100 on padding)."""
    import torch

    def fn(rows: list[dict[str, list[int]]]) -> dict[str, Any]:
        width = max(len(r["input_ids"]) for r in rows)
        pad = [width - len(r["input_ids"]) for r in rows]
        return {"input_ids": torch.tensor([r["input_ids"] + [pad_id] * p for r, p in zip(rows, pad)]),
                "attention_mask": torch.tensor([r["attention_mask"] + [0] * p for r, p in zip(rows, pad)]),
                "labels": torch.tensor([r["labels"] + [IGNORE] * p for r, p in zip(rows, pad)])}
    return fn


# --- model --------------------------------------------------------------------------------
def check_base(path: Path) -> Path:
    """A GGUF file or a model directory; anything else fails here, before data is read."""
    if path.is_file():
        with path.open("rb") as f:
            if f.read(4) != b"GGUF":
                raise CheckpointError(path, "is a file but not a GGUF model: give a .gguf file or a model directory")
        return path
    return runtime.check_model_dir(path)


def default_base() -> Path:
    from llmverse.errors import LlmverseError
    from llmverse.llm.registry import bundled_path

    try:
        return bundled_path("gemma3-270m")
    except LlmverseError as exc:
        raise CheckpointError("gemma3-270m", f"{exc}; or pass --base") from exc


def load_base(path: Path) -> tuple[Any, Any]:
    import torch

    from llmverse.llm.transformers_backend import load_causal_lm

    try:
        model, tokenizer = load_causal_lm(path, dtype=torch.float32)
    except (OSError, ValueError, KeyError) as exc:
        raise CheckpointError(path, f"cannot be loaded as a causal language model: {exc}") from exc
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    clear_quantization(model)  # a GGUF arrives dequantised to fp32; Trainer would refuse it as "quantized"
    return model, tokenizer


def _causal(model: Any) -> Any:
    """The transformers CausalLM inside a peft wrapper (or the model itself)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def reply_loss(model: Any, inputs: dict[str, Any], num_items_in_batch: Any = None,
               reduction: str = "mean") -> Any:
    """Next-token cross-entropy over reply tokens, with the vocabulary head run on those positions only.

    Same value as the model's own loss with these labels; the head (Gemma: 640 x 262,144) is applied
    to M reply positions instead of B x T, which on a CPU is most of a step's time saved.
    """
    import torch.nn.functional as F

    lm = _causal(model)
    body = lm.get_decoder() if hasattr(lm, "get_decoder") else lm.model
    hidden = body(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).last_hidden_state
    target = inputs["labels"][:, 1:]  # (B, T-1): token t+1 is predicted at position t
    keep = target != IGNORE
    logits = lm.get_output_embeddings()(hidden[:, :-1][keep])  # (M, V)
    cap = getattr(lm.config, "final_logit_softcapping", None)
    if cap:
        logits = cap * (logits / cap).tanh()
    loss = F.cross_entropy(logits.float(), target[keep], reduction="sum")
    if reduction == "sum":
        return loss
    return loss / max(int(num_items_in_batch if num_items_in_batch is not None else keep.sum()), 1)


def held_out_loss(model: Any, rows: list[dict[str, list[int]]], pad_id: int, batch_size: int = 4) -> float:
    """Mean negative log-likelihood per reply token (nats) over `rows`; deterministic (eval mode)."""
    import torch

    was = model.training
    model.eval()
    total, n = 0.0, 0
    fn = collate(pad_id)
    with torch.no_grad():
        for i in range(0, len(rows), batch_size):
            batch = fn(rows[i:i + batch_size])
            total += float(reply_loss(model, batch, reduction="sum"))
            n += int((batch["labels"][:, 1:] != IGNORE).sum())
    model.train(was)
    return total / max(n, 1)


def sample_replies(model: Any, tokenizer: Any, convos: list[list[dict[str, str]]], max_tokens: int) -> list[str]:
    """Greedy replies to each conversation's prompt (everything before its last assistant turn)."""
    from llmverse.llm.base import Message
    from llmverse.llm.transformers_backend import TransformersBackend

    backend = TransformersBackend("model", _loaded=(model, tokenizer), languages=frozenset({"en", "zh"}))
    out = []
    for c in convos:
        last = max(i for i, m in enumerate(c) if m["role"] == "assistant")
        msgs = [Message(m["role"], m["content"]) for m in c[:last]]  # type: ignore[arg-type]
        out.append("".join(p for p in backend.stream(msgs, max_tokens=max_tokens) if isinstance(p, str)).strip())
    model.train()
    return out


# --- the run ------------------------------------------------------------------------------
def _pick_samples(convos: list[list[dict[str, str]]], n: int) -> list[list[dict[str, str]]]:
    """n held-out conversations per reply language, spread over the file."""
    from llmverse.lang import detect_language

    chosen = []
    for lang in ("en", "zh"):
        mine = [c for c in convos if detect_language(c[-1]["content"]) == lang]
        step = max(1, len(mine) // max(n, 1))
        chosen += mine[::step][:n]
    return chosen


def _read(cfg: SftConfig) -> tuple[list[list[dict[str, str]]], list[list[dict[str, str]]], str]:
    import random

    train = read_chat(cfg.train)
    if cfg.eval is not None:
        return train, read_chat(cfg.eval), str(cfg.eval)
    k = max(1, round(len(train) * cfg.val_fraction))
    if len(train) - k < 1:
        raise TrainingDataError(cfg.train, "too few conversations to hold some out: add more or give --eval")
    rng = random.Random(cfg.seed)
    order = list(range(len(train)))
    rng.shuffle(order)
    held = set(order[:k])
    return ([c for i, c in enumerate(train) if i not in held], [c for i, c in enumerate(train) if i in held],
            f"{cfg.val_fraction:.0%} of the training conversations (seed {cfg.seed})")


def train_sft(cfg: SftConfig, console: Console | None = None,
              callbacks: list[TrainerCallback] | None = None) -> SftResult:
    """Measure, fine-tune, measure again, publish adapter + merged model + card into `cfg.out`."""
    import random

    t0 = time.perf_counter()
    base = check_base(cfg.base or default_base())
    train, held, held_desc = _read(cfg)
    # hashed as read, so a file changed during a long run is not recorded as what was trained on
    hashes = {"train_sha256": file_sha256(cfg.train),
              **({"held_out_sha256": file_sha256(cfg.eval)} if cfg.eval is not None else {})}
    resume_from = runtime.prepare_out(cfg.out, cfg.resume)
    threads = runtime.start(cfg.threads, cfg.seed)

    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments

    from llmverse.lang import detect_language
    from llmverse.train.callbacks import RichProgress, RunControl

    t_load = time.perf_counter()
    model, tokenizer = load_base(base)
    load_seconds = time.perf_counter() - t_load
    targets = [t for t in cfg.targets if any(n.endswith(t) for n, _ in model.named_modules())]
    if not targets:
        raise CheckpointError(base, f"has none of the LoRA target modules {list(cfg.targets)}")
    model = get_peft_model(model, LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                                             target_modules=targets, task_type="CAUSAL_LM"))
    encoded = [encode(tokenizer, c, cfg.max_length, cfg.last_turn_only) for c in train]
    train_ds = [e for e, _ in encoded]
    held_sample = held if not cfg.eval_examples or len(held) <= cfg.eval_examples else \
        random.Random(cfg.seed).sample(held, cfg.eval_examples)
    eval_ds = [encode(tokenizer, c, cfg.max_length, cfg.last_turn_only)[0] for c in held_sample]
    pad = tokenizer.pad_token_id
    samples = _pick_samples(held, cfg.samples)

    loss_before = held_out_loss(model, eval_ds, pad)
    replies_before = sample_replies(model, tokenizer, samples, cfg.sample_tokens)
    if console is not None:
        console.print(f"held-out loss before: {loss_before:.4f} per reply token ({len(eval_ds)} conversations)")

    class ReplyLossTrainer(Trainer):
        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            loss = reply_loss(model, inputs, num_items_in_batch)
            return (loss, None) if return_outputs else loss

    args = TrainingArguments(
        output_dir=str(cfg.out), max_steps=cfg.steps, per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate, warmup_steps=cfg.warmup, lr_scheduler_type="linear",
        logging_steps=cfg.logging_steps, save_strategy="steps", save_steps=cfg.save_steps, save_total_limit=1,
        eval_strategy="no", report_to=[], disable_tqdm=True, use_cpu=True, dataloader_num_workers=0,
        remove_unused_columns=False, seed=cfg.seed, data_seed=cfg.seed)
    run = RunControl(cfg.threads, threads)
    extra = [*run.callbacks, *(callbacks or []), *([RichProgress(console, "LoRA fine-tuning")] if console else [])]
    trainer = ReplyLossTrainer(model=model, args=args, train_dataset=train_ds, data_collator=collate(pad),
                               callbacks=extra)
    out, train_seconds = run.train(trainer, resume_from)

    loss_after = held_out_loss(model, eval_ds, pad)
    replies_after = sample_replies(model, tokenizer, samples, cfg.sample_tokens)
    state = trainer.state
    n_samples = run.samples(cfg.steps * cfg.batch_size / max(len(train_ds), 1), len(train_ds), state, resume_from)
    languages = sorted({detect_language(m["content"]) for c in train for m in c if m["role"] == "assistant"})
    data = {"train": str(cfg.train), **hashes,
            "train_conversations": len(train), "held_out": held_desc,
            "held_out_conversations": len(held), "held_out_scored": len(eval_ds), "languages": languages,
            "truncated": sum(cut for _, cut in encoded),
            "tokens_per_example_mean": round(sum(len(r["input_ids"]) for r in train_ds) / len(train_ds), 1),
            "reply_tokens_per_example_mean": round(sum(sum(x != IGNORE for x in r["labels"]) for r in train_ds)
                                                   / len(train_ds), 1),
            "chat_template": "llmverse role markers; a reply ends with END text + EOS (docs/training.md)"}
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()
              if k not in ("train", "eval", "out", "base")}
    params.update(run.params(), steps_run=state.global_step, lora_targets=targets,
                  trainable_parameters=sum(p.numel() for p in model.parameters() if p.requires_grad))
    sample_rows = [{"language": detect_language(c[-1]["content"]), "question": _question(c),
                    "reference": c[-1]["content"], "before": b, "after": a}
                   for c, b, a in zip(samples, replies_before, replies_after)]
    metrics = {"held_out_loss_before": round(loss_before, 4), "held_out_loss_after": round(loss_after, 4),
               "held_out_perplexity_before": round(math.exp(loss_before), 2),
               "held_out_perplexity_after": round(math.exp(loss_after), 2),
               "train_loss": float(out.training_loss),
               "loss_curve": [{"step": h["step"], "loss": round(h["loss"], 4)} for h in state.log_history
                              if "loss" in h],
               "samples": sample_rows}
    notes = [f"Loss is mean cross-entropy (nats) per reply token, on {len(eval_ds)} held-out conversations; "
             "prompts are not scored.", f"Base loaded in {load_seconds:.0f} s."]
    if base.is_file():
        notes.append("The base is a GGUF: transformers dequantised it to fp32 before training.")
    if resume_from is not None:
        notes.append(f"Resumed from {resume_from.name}; time covers the resumed part only.")
    card = SftCard(base=str(base), output=str(cfg.out), data=data, parameters=params, metrics=metrics,
                   notes=notes, versions=runtime.versions(), time=run.timing(t0, train_seconds, n_samples))
    publish(model, tokenizer, cfg, card, base)
    return SftResult(cfg.out, card, loss_before, loss_after, sample_rows)


def _question(convo: list[dict[str, str]]) -> str:
    user = [m["content"] for m in convo if m["role"] == "user"][-1]
    said = [line for line in user.splitlines() if line.strip()]  # the turn ends "<player>: <what they said>"
    last = said[-1] if said else user
    return last.split(": ", 1)[1] if ": " in last and not last.startswith("- ") else last[-120:]


def clear_quantization(model: Any) -> None:
    """Forget that the weights came from a GGUF: transformers refuses to save a model it believes is
    quantised ("quantized with gguf and is not serializable"), though after loading they are fp32."""
    for obj in (model, getattr(model, "config", None)):
        if obj is not None and hasattr(obj, "quantization_config"):
            delattr(obj, "quantization_config")
    for attr in ("hf_quantizer", "quantization_method"):
        if getattr(model, attr, None) is not None:
            setattr(model, attr, None)
    if getattr(model, "is_quantized", False):
        model.is_quantized = False


def publish(model: Any, tokenizer: Any, cfg: SftConfig, card: SftCard, base: Path) -> None:
    """Adapter, merged model, tokenizer with the chat template, card: staged, then moved into `out`."""
    staged = runtime.staging(cfg.out)
    model.save_pretrained(staged / "adapter")
    tokenizer.chat_template = JINJA
    if cfg.merge:
        merged = model.merge_and_unload()
        clear_quantization(merged)
        merged.save_pretrained(staged)
        tokenizer.save_pretrained(staged)
        if base.is_file():  # a GGUF base: a GGUF of the fine-tune for llama.cpp, by patching the base
            try:
                card.metrics["gguf"] = export_gguf(base, staged, staged / "model.gguf",
                                                   card.parameters["lora_targets"])
            except GgufExportError as exc:
                card.notes.append(f"No GGUF written: {exc}")
    else:
        tokenizer.save_pretrained(staged / "adapter")
    save_sft_card(card, staged)
    runtime.publish(staged, cfg.out)
    if not cfg.keep_checkpoints:
        runtime.drop_checkpoints(cfg.out)


def save_sft_card(card: SftCard, directory: Path) -> None:
    """run_card.json as for every run; run_card.md with the loss curve and the sample replies in
    sections of their own (pipes escaped: model output may hold `<|...|>`)."""
    (directory / CARD_JSON).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    brief = card.model_copy(update={"metrics": {k: v for k, v in card.metrics.items()
                                                if k not in ("samples", "loss_curve")}})
    md = to_markdown(brief).replace("masked-LM domain adaptation", "LoRA chat fine-tuning", 1)
    md = md.replace("Metrics (held-out text)", "Metrics (held-out conversations)", 1)

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ⏎ ")

    curve = card.metrics.get("loss_curve", [])
    md += "\n## Training loss\n\n| step | loss |\n| --- | --- |\n" + "".join(
        f"| {p['step']} | {p['loss']:.4f} |\n" for p in curve)
    md += "\n## Sample replies (held-out questions, greedy)\n\n| language | question | before | after |\n" \
          "| --- | --- | --- | --- |\n" + "".join(
              f"| {r['language']} | {cell(r['question'])} | {cell(r['before'])} | {cell(r['after'])} |\n"
              for r in card.metrics.get("samples", []))
    (directory / CARD_MD).write_text(md, encoding="utf-8")
