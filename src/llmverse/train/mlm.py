"""Domain-adaptive masked-LM pretraining on world text, measured by pseudo-perplexity.

The seed's "pretraining by masked language modelling (and next-sentence prediction)" on a world's
own words: the encoder sees its places, things, characters and conversations before it is
fine-tuned on a task (`train classify --base OUT`).

A BERT base is trained as BertForPreTraining even without --nsp: that class keeps the pooler
(BertForMaskedLM drops it), and a classifier built on the output needs the pooler's trained weights.
Its loss is computed here (`_bert_loss`): the masked-LM term alone without --nsp, and the vocabulary
projection only where tokens are masked.

all-MiniLM-L6-v2 ships without a masked-LM head: that head starts from random weights (the decoder
is tied to the word embeddings, so only its transform and bias are new). Perplexity "before" is then
the random head's, which is why it is so high; the run card says so.

Perplexity is pseudo-perplexity (Salazar et al., 2020): each token of a held-out sentence is masked
in turn and scored given all the others. It is deterministic, so before and after are comparable.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmverse.train import runtime
from llmverse.train.card import RunCard
from llmverse.train.corpus import Document, event_documents, file_documents, hold_out, world_documents
from llmverse.train.errors import CheckpointError, TrainingDataError

if TYPE_CHECKING:
    from rich.console import Console
    from transformers import TrainerCallback


@dataclass
class MlmConfig:
    out: Path  # the adapted encoder (usable as `train classify --base OUT`) and its run card
    world: Path | None = None  # world file; None: the bundled Harbor Town
    use_world: bool = True  # False: train on `texts` (and events) only
    database_url: str | None = None  # a Store whose `say` events of this world are added
    texts: list[Path] = field(default_factory=list)  # extra .txt/.md files
    base: Path | None = None  # None: the bundled all-MiniLM-L6-v2
    nsp: bool = False  # add next-sentence prediction (BERT bases only)
    freeze_encoder: bool = False  # train the head(s) only: the baseline for what adapting the encoder adds
    epochs: float = 30.0  # a world file is small: many passes, each with fresh random masks
    batch_size: int = 16
    max_length: int = 128
    # high for an encoder because the head starts random (Harbor Town, MiniLM, 30 epochs:
    # 1e-4 -> pseudo-perplexity 420, 5e-4 -> 46, 1e-3 -> 96)
    learning_rate: float = 5e-4
    mask_probability: float = 0.15
    held_out: float = 0.15  # share of distinct sentences kept out of training to measure perplexity
    save_steps: int = 100  # checkpoint every N steps (Ctrl-C saves one whenever it comes)
    seed: int = 42
    threads: int | None = None  # torch threads; None: 1 or all cores, re-measured while training
    resume: bool = False
    keep_checkpoints: bool = False


@dataclass
class MlmResult:
    out: Path
    card: RunCard
    perplexity_before: float
    perplexity_after: float


def gather(cfg: MlmConfig) -> list[Document]:
    """Every document the config names, checked before any model is loaded."""
    from llmverse.world.loader import load_world
    from llmverse.world.world import DEFAULT_WORLD

    docs: list[Document] = []
    if cfg.use_world or cfg.database_url:
        world = load_world(cfg.world or DEFAULT_WORLD)
        if cfg.use_world:
            docs += world_documents(world)
        if cfg.database_url:
            docs += event_documents(cfg.database_url, world)
    docs += file_documents(cfg.texts)
    if not docs:
        raise TrainingDataError(cfg.world or "(no input)", "no text to train on: give a world, --db or --text")
    return docs


def _chunks(tokenizer: Any, docs: list[Document], max_length: int) -> list[str]:
    """Consecutive sentences of a document packed into pieces that fit `max_length` tokens."""
    pieces = []
    for d in docs:
        cur: list[str] = []
        for s in d.sentences:
            if cur and len(tokenizer(" ".join([*cur, s]))["input_ids"]) > max_length:
                pieces.append(" ".join(cur))
                cur = []
            cur.append(s)
        if cur:
            pieces.append(" ".join(cur))
    return pieces


def _nsp_pairs(docs: list[Document], seed: int) -> list[tuple[str, str, int]]:
    """Consecutive sentence pairs; half of the second sentences swapped for one from another
    document (label 1: "not next", as in BertForPreTraining)."""
    rng = random.Random(seed)
    pairs = []
    for i, d in enumerate(docs):
        others = [s for j, o in enumerate(docs) if j != i for s in o.sentences]
        for a, b in zip(d.sentences, d.sentences[1:]):
            if others and rng.random() < 0.5:
                pairs.append((a, rng.choice(others), 1))
            else:
                pairs.append((a, b, 0))
    if not pairs:
        raise TrainingDataError("(corpus)", "next-sentence prediction needs documents with two or more "
                                "sentences in a row; none has")
    return pairs


def _dataset(tokenizer: Any, docs: list[Document], cfg: MlmConfig) -> list[dict[str, Any]]:
    """Tokenised training examples: packed sentences, or sentence pairs with an NSP label."""
    if cfg.nsp:
        pairs = _nsp_pairs(docs, cfg.seed)
        enc = tokenizer([a for a, _, _ in pairs], [b for _, b, _ in pairs], truncation=True,
                        max_length=cfg.max_length)
        return [{**{k: enc[k][i] for k in enc.keys()}, "next_sentence_label": p[2]} for i, p in enumerate(pairs)]
    enc = tokenizer(_chunks(tokenizer, docs, cfg.max_length), truncation=True, max_length=cfg.max_length)
    return [{k: enc[k][i] for k in enc.keys()} for i in range(len(enc["input_ids"]))]


def _bert_loss(model: Any, inputs: dict[str, Any], num_items_in_batch: Any = None) -> Any:
    """BertForPreTraining's loss, with the vocabulary projection run on masked positions only.

    The model's own forward scores all 30,522 words at every position; with 15% of positions masked
    that is ~85% wasted work, and on MiniLM the projection costs more than the encoder. Selecting the
    masked positions first gives the same loss several times faster. Without next_sentence_label
    (no --nsp) the loss is the masked-LM term alone; BertForPreTraining would return none at all.
    """
    import torch.nn.functional as F

    labels = inputs.pop("labels")
    nsp_labels = inputs.pop("next_sentence_label", None)
    out = model.bert(**inputs)
    masked = labels != -100  # (B, T)
    logits = model.cls.predictions(out.last_hidden_state[masked])  # (M, V): masked positions only
    n = num_items_in_batch if num_items_in_batch is not None else masked.sum()
    loss = F.cross_entropy(logits, labels[masked], reduction="sum") / max(int(n), 1)
    if nsp_labels is not None:
        loss = loss + F.cross_entropy(model.cls.seq_relationship(out.pooler_output), nsp_labels)
    return loss


def _trainer_class(bert: bool) -> Any:
    from transformers import Trainer

    if not bert:
        return Trainer  # other masked LMs: their own forward computes the loss

    class BertPretrainingTrainer(Trainer):
        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            loss = _bert_loss(model, dict(inputs), num_items_in_batch)
            return (loss, None) if return_outputs else loss

    return BertPretrainingTrainer


def pseudo_perplexity(model: Any, tokenizer: Any, sentences: list[str], max_length: int = 128,
                      batch_size: int = 64) -> float:
    """exp of the mean negative log-likelihood of each token with that token masked.

    Special tokens and [UNK] are not scored: predicting [UNK] is easy and would flatter the model.
    """
    import torch

    skip = set(tokenizer.all_special_ids)
    rows: list[list[int]] = []
    targets: list[tuple[int, int]] = []  # (position, true token id) per row
    for s in sentences:
        ids = tokenizer(s, truncation=True, max_length=max_length)["input_ids"]
        for pos, tok in enumerate(ids):
            if tok not in skip:
                rows.append([*ids[:pos], tokenizer.mask_token_id, *ids[pos + 1:]])
                targets.append((pos, tok))
    if not rows:
        raise TrainingDataError("(held-out text)", "no scorable tokens: every token is special or unknown")
    was_training = model.training
    model.eval()
    nll = 0.0
    with torch.no_grad():
        for i in range(0, len(rows), batch_size):
            chunk = rows[i:i + batch_size]
            width = max(map(len, chunk))
            ids = torch.full((len(chunk), width), tokenizer.pad_token_id)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for r, row in enumerate(chunk):
                ids[r, :len(row)], mask[r, :len(row)] = torch.tensor(row), 1
            pos = torch.tensor([t[0] for t in targets[i:i + batch_size]])
            tok = torch.tensor([t[1] for t in targets[i:i + batch_size]])
            logp = torch.log_softmax(_logits_at(model, ids, mask, pos), -1)  # (B, V)
            nll -= logp[torch.arange(len(chunk)), tok].sum().item()
    model.train(was_training)
    return math.exp(nll / len(rows))


def _logits_at(model: Any, ids: Any, mask: Any, pos: Any) -> Any:
    """Vocabulary scores at one position per row, (B, V); for BERT without scoring every position."""
    import torch

    rows = torch.arange(len(pos))
    if hasattr(model, "bert") and hasattr(model, "cls"):
        hidden = model.bert(input_ids=ids, attention_mask=mask).last_hidden_state[rows, pos]  # (B, H)
        return model.cls.predictions(hidden)
    out = model(input_ids=ids, attention_mask=mask)
    return out.logits[rows, pos]


def _load(base: Path, nsp: bool) -> tuple[Any, Any, list[str]]:
    from transformers import AutoModelForMaskedLM, AutoTokenizer, BertForPreTraining

    kind = runtime.model_type(base)
    if nsp and kind != "bert":
        raise CheckpointError(base, f"next-sentence prediction needs a BERT model; this is '{kind}'")
    try:
        cls = BertForPreTraining if kind == "bert" else AutoModelForMaskedLM
        model, info = cls.from_pretrained(base, output_loading_info=True)
        tokenizer = AutoTokenizer.from_pretrained(base)
    except (OSError, ValueError, KeyError) as exc:
        raise CheckpointError(base, f"cannot be loaded as a masked language model: {exc}") from exc
    if tokenizer.mask_token_id is None:
        raise CheckpointError(base, "its tokenizer has no mask token: not a masked-LM model")
    return model, tokenizer, sorted(info.get("missing_keys", []))


def train_mlm(cfg: MlmConfig, console: Console | None = None,
              callbacks: list[TrainerCallback] | None = None) -> MlmResult:
    """Measure, adapt, measure again, publish to `cfg.out` with a run card."""
    t0 = time.perf_counter()
    base = runtime.check_model_dir(cfg.base or runtime.default_base())
    docs = gather(cfg)
    train_docs, held = hold_out(docs, cfg.held_out, cfg.seed)
    resume_from = runtime.prepare_out(cfg.out, cfg.resume)
    threads = runtime.start(cfg.threads, cfg.seed)

    from transformers import DataCollatorForLanguageModeling, TrainingArguments

    from llmverse.train.callbacks import RichProgress, RunControl

    model, tokenizer, missing = _load(base, cfg.nsp)
    if cfg.freeze_encoder:
        for p in model.base_model.parameters():  # the tied word embeddings too: the decoder is them
            p.requires_grad_(False)
    before = pseudo_perplexity(model, tokenizer, held, cfg.max_length)
    dataset = _dataset(tokenizer, train_docs, cfg)

    args = TrainingArguments(
        output_dir=str(cfg.out), num_train_epochs=cfg.epochs, per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate, weight_decay=0.01, warmup_steps=0.06, eval_strategy="no",
        save_strategy="steps", save_steps=cfg.save_steps, save_total_limit=1,
        logging_steps=max(1, min(20, len(dataset) // cfg.batch_size)), report_to=[], disable_tqdm=True,
        use_cpu=True, dataloader_num_workers=0, seed=cfg.seed, data_seed=cfg.seed)
    run = RunControl(cfg.threads, threads)
    extra = [*run.callbacks, *(callbacks or []), *([RichProgress(console, "masked-LM")] if console else [])]
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=cfg.mask_probability)
    bert = model.__class__.__name__ == "BertForPreTraining"
    trainer = _trainer_class(bert)(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                   data_collator=collator, callbacks=extra)
    out, train_seconds = run.train(trainer, resume_from)
    after = pseudo_perplexity(trainer.model, tokenizer, held, cfg.max_length)

    state = trainer.state
    samples = run.samples(cfg.epochs, len(dataset), state, resume_from)
    notes = [f"Perplexity is pseudo-perplexity on {len(held)} held-out sentences (each token masked in turn)."]
    heads = sorted({k.split(".")[0] + "." + k.split(".")[1] for k in missing if k.startswith("cls.")})
    if heads:
        notes.append(f"The base has no pretraining head: {', '.join(heads)} started from random weights, "
                     "so perplexity 'before' is that of a random head, not of the encoder's knowledge.")
    data = {"world": str(cfg.world or "bundled Harbor Town") if cfg.use_world else None,
            "database": cfg.database_url, "texts": [str(p) for p in cfg.texts],
            "documents": dict(Counter(d.source.split(":")[0] for d in docs)),
            "sentences": sum(len(d.sentences) for d in docs), "held_out_sentences": len(held),
            "training_examples": len(dataset), "objective": "masked LM + next-sentence" if cfg.nsp else "masked LM"}
    params = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()
              if k in ("nsp", "freeze_encoder", "epochs", "batch_size", "max_length", "learning_rate",
                       "mask_probability", "held_out", "seed")}
    params.update(run.params(), steps=state.global_step)
    metrics = {"perplexity_before": before, "perplexity_after": after, "train_loss": float(out.training_loss),
               "loss_history": [round(h["loss"], 4) for h in state.log_history if "loss" in h],
               "held_out": held}
    card = RunCard(kind="mlm", base=str(base), output=str(cfg.out), data=data, parameters=params,
                   metrics=metrics, notes=notes, versions=runtime.versions(),
                   time=run.timing(t0, train_seconds, samples))
    runtime.finish(trainer, cfg.out, card, cfg.keep_checkpoints)
    return MlmResult(cfg.out, card, before, after)
