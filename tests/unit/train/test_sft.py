"""`train sft` on a tiny random Llama (2 layers, 32 wide) with a word-level tokenizer built from the
Harbor Town dialogues: masking, the reply-only loss, training, saving and reloading, bad input.
Nothing here needs the 253 MB Gemma GGUF except the one test marked slow."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from llmverse.errors import LlmverseError  # noqa: E402
from llmverse.llm.transformers_backend import END, STOP  # noqa: E402
from llmverse.train.dialogues import generate  # noqa: E402
from llmverse.train.errors import CheckpointError, TrainingDataError  # noqa: E402
from llmverse.train.sft import IGNORE, SftConfig, check_base, encode, read_chat, reply_loss, train_sft  # noqa: E402

# A random tiny model has nothing useful in attention alone: adapt every linear layer so 30 steps show.
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
CONVO = [{"role": "system", "content": "You are Bram, the blacksmith in Harbor Town."},
         {"role": "user", "content": "How much does the iron anchor cost?"},
         {"role": "assistant", "content": "The iron anchor costs 40 coins."}]


def build_tiny_causal_lm(root: Path, texts: list[str]) -> Path:
    """A random LlamaForCausalLM and a WordLevel tokenizer (words, digits, each CJK character, the
    chat markers as single tokens), saved as a local model directory."""
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"<\|[a-z]+\|>|[A-Za-z]+|\d|\s|."), behavior="isolated")
    tok.decoder = decoders.Fuse()  # pieces keep their own spaces: decoding is concatenation
    specials = ["<pad>", "<unk>", "<bos>", "<eos>"]
    tok.train_from_iterator([*texts, *STOP], trainers.WordLevelTrainer(special_tokens=specials))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                                   unk_token="<unk>")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                         initializer_range=0.2,  # larger than the default 0.02: LoRA has something to steer
                         bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
                         pad_token_id=fast.pad_token_id)
    LlamaForCausalLM(config).save_pretrained(root)
    fast.save_pretrained(root)
    return root


@pytest.fixture(scope="module")
def harbor_examples():
    import tempfile

    from llmverse.train.worldgen import write_worlds
    from llmverse.world.world import open_world

    with tempfile.TemporaryDirectory() as tmp:
        path = write_worlds(Path(tmp), range(3, 4))[0]
        world = open_world(path, f"sqlite:///{Path(tmp) / 'w.db'}")
        examples = list(generate(world, path.stem))
        world.store.engine.dispose()
    return examples


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory, harbor_examples) -> Path:
    texts = [m["content"] for e in harbor_examples for m in e.messages] + [m["content"] for m in CONVO]
    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny_lm"), texts)


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def tokenizer_of(path: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


# --- data --------------------------------------------------------------------------------
@pytest.mark.parametrize("rows, line, words", [
    (['{"text": "hi"}'], 1, "no 'messages'"),
    ([{"messages": CONVO}, {"messages": CONVO[:2]}], 2, "no assistant turn"),
    ([{"messages": [{"role": "narrator", "content": "x"}, CONVO[2]]}], 1, "'role'"),
    ([{"messages": CONVO}, "{not json"], 2, "not JSON"),
])
def test_bad_lines_are_named_by_line_and_field(tmp_path: Path, rows, line: int, words: str) -> None:
    with pytest.raises(TrainingDataError) as err:
        read_chat(write_jsonl(tmp_path / "chat.jsonl", rows))
    assert err.value.line == line and words in str(err.value)
    assert f"chat.jsonl:{line}" in str(err.value)


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="empty file"):
        read_chat(write_jsonl(tmp_path / "empty.jsonl", []))
    with pytest.raises(TrainingDataError, match="no such file"):
        read_chat(tmp_path / "missing.jsonl")


def test_a_base_that_is_not_a_model_fails_before_training(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(CheckpointError, match="not a GGUF"):
        check_base(tmp_path / "notes.txt")
    with pytest.raises(CheckpointError, match="no config.json"):
        check_base(tmp_path)
    train = write_jsonl(tmp_path / "t.jsonl", [{"messages": CONVO}])
    with pytest.raises(LlmverseError):
        train_sft(SftConfig(train=train, out=tmp_path / "out", base=tmp_path / "notes.txt"))
    assert not (tmp_path / "out").exists()  # nothing written for a run that could not start


def test_labels_cover_the_assistant_turns_only(tiny_lm: Path) -> None:
    tok = tokenizer_of(tiny_lm)
    convo = [*CONVO, {"role": "user", "content": "What is your name?"},
             {"role": "assistant", "content": "I am Bram."}]
    row, cut = encode(tok, convo, max_length=512)
    assert not cut and len(row["input_ids"]) == len(row["labels"])
    assert row["input_ids"][0] == tok.bos_token_id and row["labels"][0] == IGNORE
    learned = [t for t, y in zip(row["input_ids"], row["labels"]) if y != IGNORE]
    assert [y for y in row["labels"] if y != IGNORE] == learned  # a label is its own token, or -100
    text = tok.decode(learned)
    assert text == f"The iron anchor costs 40 coins.{END}<eos>I am Bram.{END}<eos>"
    prompt = tok.decode([t for t, y in zip(row["input_ids"], row["labels"]) if y == IGNORE])
    assert "How much does the iron anchor cost?" in prompt and "<|assistant|>" in prompt and "coins" not in prompt


def test_a_long_prompt_loses_its_start_not_the_reply(tiny_lm: Path) -> None:
    tok = tokenizer_of(tiny_lm)
    long = [{"role": "system", "content": "the harbour " * 200}, *CONVO[1:]]
    row, cut = encode(tok, long, max_length=64)
    assert cut and len(row["input_ids"]) == 64 and row["input_ids"][0] == tok.bos_token_id
    assert tok.decode([t for t, y in zip(row["input_ids"], row["labels"]) if y != IGNORE]).startswith("The iron anchor")


def test_reply_loss_equals_the_models_own_loss(tiny_lm: Path) -> None:
    """Scoring only reply positions changes the cost, not the value."""
    import torch
    from transformers import AutoModelForCausalLM

    from llmverse.train.sft import collate

    tok, model = tokenizer_of(tiny_lm), AutoModelForCausalLM.from_pretrained(tiny_lm)
    rows = [encode(tok, CONVO, 512)[0], encode(tok, [*CONVO[:2], {"role": "assistant", "content": "40."}], 512)[0]]
    batch = collate(tok.pad_token_id)(rows)
    with torch.no_grad():
        ours = reply_loss(model, batch)
        theirs = model(**batch).loss
    assert torch.allclose(ours, theirs, atol=1e-5)


# --- training ----------------------------------------------------------------------------
def test_training_lowers_the_loss_and_the_saved_models_reload(tmp_path: Path, tiny_lm: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from llmverse.train.card import CARD_JSON

    train = write_jsonl(tmp_path / "train.jsonl", [{"messages": CONVO}] * 8)
    out = tmp_path / "sft"
    result = train_sft(SftConfig(train=train, eval=train, out=out, base=tiny_lm, steps=30, batch_size=4,
                                 learning_rate=2e-2, rank=8, targets=ALL_LINEAR, logging_steps=5, save_steps=100,
                                 threads=1,
                                 samples=1, sample_tokens=8))
    assert result.loss_after < 0.5 * result.loss_before
    curve = result.card.metrics["loss_curve"]
    assert [p["step"] for p in curve] == [5, 10, 15, 20, 25, 30] and curve[-1]["loss"] < curve[0]["loss"]
    card = json.loads((out / CARD_JSON).read_text(encoding="utf-8"))
    assert card["kind"] == "sft" and card["data"]["languages"] == ["en"] and card["metrics"]["samples"]
    import hashlib  # the card names the exact bytes trained on, so a rerun can prove it used the same data

    assert card["data"]["train_sha256"] == hashlib.sha256(train.read_bytes()).hexdigest() == card["data"]["held_out_sha256"]
    assert not list(out.glob("checkpoint-*")) and not list(out.glob(".final-*"))

    tok = tokenizer_of(out)
    assert "<|assistant|>" in tok.chat_template  # the template travels with the model
    ids = torch.tensor([encode(tok, CONVO, 512)[0]["input_ids"]])
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_lm), out / "adapter").eval()
    plain = AutoModelForCausalLM.from_pretrained(tiny_lm).eval()
    with torch.no_grad():
        a, b, c = merged(ids).logits, adapted(ids).logits, plain(ids).logits
    assert torch.allclose(a, b, atol=1e-4)  # adapter + base == merged model
    assert not torch.allclose(a, c, atol=1e-3)  # ... and both differ from the base


def test_a_fresh_run_refuses_leftover_checkpoints_and_resume_needs_one(tmp_path: Path, tiny_lm: Path) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [{"messages": CONVO}] * 4)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        train_sft(SftConfig(train=train, out=tmp_path / "a", base=tiny_lm, resume=True))
    (tmp_path / "b" / "checkpoint-3").mkdir(parents=True)
    with pytest.raises(CheckpointError, match="--resume"):
        train_sft(SftConfig(train=train, out=tmp_path / "b", base=tiny_lm))


def test_ctrl_c_leaves_a_resumable_checkpoint_and_no_half_model(tmp_path: Path, tiny_lm: Path) -> None:
    import os
    import signal

    from transformers import TrainerCallback

    from llmverse.train.errors import TrainingInterrupted

    class CtrlC(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == 3:
                os.kill(os.getpid(), signal.SIGINT)

    train = write_jsonl(tmp_path / "train.jsonl", [{"messages": CONVO}] * 8)
    cfg = SftConfig(train=train, eval=train, out=tmp_path / "sft", base=tiny_lm, steps=8, batch_size=2,
                    threads=1, samples=0, save_steps=100)
    with pytest.raises(TrainingInterrupted) as err:
        train_sft(cfg, callbacks=[CtrlC()])
    ckpt = Path(err.value.checkpoint or "")
    assert ckpt.parent == cfg.out and ckpt.name.startswith("checkpoint-")
    assert not (cfg.out / "config.json").exists() and not (cfg.out / "adapter").exists()  # no half model
    cfg.resume = True
    result = train_sft(cfg)
    assert result.card.parameters["steps"] == 8 and (cfg.out / "adapter").is_dir()
    assert not list(cfg.out.glob("checkpoint-*"))


# --- the generated dialogues ---------------------------------------------------------------
def test_dialogues_teach_replies_in_the_players_language_to_the_characters_own_prompts(harbor_examples) -> None:
    from llmverse.lang import detect_language

    assert {e.language for e in harbor_examples} == {"en", "zh"}
    for e in harbor_examples:
        reply = e.messages[-1]["content"]
        assert detect_language(reply) == e.language, reply
        assert e.messages[0]["role"] == "system" and e.messages[0]["content"].startswith("You are ")
        assert "Facts:" in e.messages[-2]["content"] and e.messages[-2]["role"] == "user"
    assert {"answer", "dont_know"} <= {e.intent for e in harbor_examples}
    # Some conversations carry earlier turns: the history the character itself put in the prompt.
    assert any(len(e.messages) > 3 for e in harbor_examples)


def test_dialogues_ask_only_the_tuning_part_of_the_evaluation_templates(harbor_examples) -> None:
    from llmverse.evals.heldout import part_of

    asked = [e for e in harbor_examples if e.intent == "answer"]
    assert asked and all(part_of(e.template) == "tuning" for e in asked)


# --- the real base -----------------------------------------------------------------------
@pytest.mark.slow
def test_gemma_tokenises_the_dialogues_within_the_default_length(harbor_examples) -> None:
    from llmverse.llm.registry import bundled_path
    from llmverse.llm.transformers_backend import load_causal_lm

    path = bundled_path("gemma3-270m")
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    lengths = [len(encode(tok, e.messages, 10_000)[0]["input_ids"]) for e in harbor_examples[:50]]
    assert max(lengths) <= SftConfig.max_length
    assert load_causal_lm  # imported: the module loads without a model


def test_the_command_trains_and_names_a_bad_line_with_exit_1(tmp_path: Path, tiny_lm: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from llmverse.train.cli import train_app

    app = typer.Typer()
    app.add_typer(train_app, name="train")
    good = write_jsonl(tmp_path / "good.jsonl", [{"messages": CONVO}] * 4)
    r = CliRunner().invoke(app, ["train", "sft", "--train", str(good), "--eval", str(good), "--out",
                                 str(tmp_path / "ok"), "--base", str(tiny_lm), "--steps", "2", "--threads", "1"])
    assert r.exit_code == 0, r.output
    assert "held-out loss per reply token: before" in " ".join(r.output.split())
    ok = tmp_path / "ok"
    assert (ok / "adapter" / "adapter_config.json").is_file() and (ok / "config.json").is_file()
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"messages": CONVO}, {"messages": CONVO[:2]}])
    r = CliRunner().invoke(app, ["train", "sft", "--train", str(bad), "--out", str(tmp_path / "o"),
                                 "--base", str(tiny_lm)])
    assert r.exit_code == 1 and "bad.jsonl:2" in " ".join(r.output.split()) and "no assistant turn" in r.output


def _tiny_gguf(path: Path, q: Any, other: Any) -> Path:
    """A two-tensor GGUF (F32) with a chat template: enough for the patching logic."""
    import gguf

    w = gguf.GGUFWriter(str(path), "gemma3")
    w.add_string("tokenizer.chat_template", "old")
    w.add_tensor("blk.0.attn_q.weight", q)
    w.add_tensor("blk.0.ffn_up.weight", other)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_gguf_export_patches_the_adapted_tensors_and_the_template(tmp_path: Path) -> None:
    import gguf
    import numpy as np
    from safetensors.numpy import save_file

    from llmverse.llm.transformers_backend import JINJA
    from llmverse.train.gguf_export import GgufExportError, export_gguf

    rng = np.random.default_rng(0)
    q, up = rng.normal(size=(8, 64)).astype(np.float32), rng.normal(size=(16, 64)).astype(np.float32)
    base = _tiny_gguf(tmp_path / "base.gguf", q, up)
    merged = q + 0.01 * rng.normal(size=q.shape).astype(np.float32)
    save_file({"model.layers.0.self_attn.q_proj.weight": merged}, str(tmp_path / "model.safetensors"))
    info = export_gguf(base, tmp_path, tmp_path / "out.gguf", ["q_proj"])
    assert info["replaced_tensors"] == 1 and info["max_relative_change"] < 0.05

    r = gguf.GGUFReader(str(tmp_path / "out.gguf"))
    tensors = {t.name: t for t in r.tensors}
    got = gguf.quants.dequantize(tensors["blk.0.attn_q.weight"].data, tensors["blk.0.attn_q.weight"].tensor_type)
    assert tensors["blk.0.attn_q.weight"].tensor_type == gguf.GGMLQuantizationType.Q8_0
    assert np.abs(got.reshape(merged.shape) - merged).max() < 0.05  # Q8_0 rounding only
    assert np.array_equal(np.asarray(tensors["blk.0.ffn_up.weight"].data), up)  # untouched: copied as is
    assert r.fields["tokenizer.chat_template"].contents() == JINJA

    save_file({"model.layers.0.self_attn.q_proj.weight": rng.normal(size=q.shape).astype(np.float32) * 5},
              str(tmp_path / "model.safetensors"))
    with pytest.raises(GgufExportError, match="do not line up"):
        export_gguf(base, tmp_path, tmp_path / "bad.gguf", ["q_proj"])
