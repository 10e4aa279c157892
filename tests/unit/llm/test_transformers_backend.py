"""The transformers backend on a tiny random Llama (no download, no GGUF): the chat template, streaming,
stop strings, usage, the languages it claims, and `open_backend` wiring."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from llmverse.llm.base import Message, TokenCount  # noqa: E402
from llmverse.llm.transformers_backend import (END, STOP, TransformersBackend, cut_at_stop, held_back,  # noqa: E402
                                               parse_spec, render_prompt)

WORDS = "Hello there friend the iron anchor costs 40 coins at Forge 铁锚 多少 钱 more text after stop"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"<\|[a-z]+\|>|[A-Za-z]+|\d|\s|."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.train_from_iterator([WORDS, *STOP, "\n"], trainers.WordLevelTrainer(
        special_tokens=["<pad>", "<unk>", "<bos>", "<eos>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                                   unk_token="<unk>")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
                         bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id)
    root = tmp_path_factory.mktemp("tiny_causal")
    LlamaForCausalLM(config).save_pretrained(root)
    fast.save_pretrained(root)
    return root


ASK = [Message("system", "You are Bram."), Message("user", "the iron anchor costs")]


def test_the_template_is_the_documented_one() -> None:
    convo = [*ASK, Message("assistant", "40 coins"), Message("user", "more")]
    assert render_prompt(convo, "<bos>", "<eos>") == (
        "<bos><|system|>\nYou are Bram.\n<|user|>\nthe iron anchor costs\n<|assistant|>\n40 coins"
        f"{END}<eos>\n<|user|>\nmore\n<|assistant|>\n")


def test_stop_helpers() -> None:
    assert cut_at_stop(f"forty coins{END}<|user|>more") == ("forty coins", True)
    assert cut_at_stop("no stop here") == ("no stop here", False)
    assert held_back("forty coins<|e") == 3 and held_back("forty coins") == 0


def test_spec_parsing(tmp_path: Path, tiny: Path) -> None:
    assert parse_spec(f"transformers:{tmp_path}/m.gguf") == tmp_path / "m.gguf"
    assert parse_spec(str(tiny)) == tiny  # a directory with config.json
    assert parse_spec(str(tmp_path)) is None and parse_spec("smollm2-135m") is None


def test_streamed_pieces_join_to_the_greedy_text(tiny: Path) -> None:
    import torch

    backend = TransformersBackend(tiny, threads=1, repetition_penalty=1.0)
    out = list(backend.stream(ASK, max_tokens=12))
    pieces = [p for p in out if isinstance(p, str)]
    count = out[-1]
    assert isinstance(count, TokenCount) and all(isinstance(p, str) for p in out[:-1])
    tok = backend.tokenizer
    ids = tok(render_prompt(ASK, tok.bos_token, tok.eos_token), add_special_tokens=False, return_tensors="pt")
    with torch.no_grad():
        full = backend.model.generate(**ids, max_new_tokens=12, do_sample=False, pad_token_id=tok.pad_token_id)
    text = tok.decode(full[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    assert "".join(pieces) == cut_at_stop(text)[0]
    assert count.prompt_tokens == ids["input_ids"].shape[1] and 0 < count.completion_tokens <= 12


class _Scripted:
    """A model whose `generate` writes fixed tokens through the streamer and honours the stopping
    criteria, as transformers' generate does: to test the backend's stop logic deterministically."""

    def __init__(self, real: Any, tokens: list[int]) -> None:
        self.real, self.tokens, self.written = real, tokens, 0

    def eval(self) -> _Scripted:
        return self

    def generate(self, input_ids: Any, streamer: Any, stopping_criteria: list, max_new_tokens: int, **kw: Any) -> Any:
        import torch

        seq = input_ids
        streamer.put(input_ids)  # the prompt first, as generate does (skip_prompt drops it)
        for t in self.tokens[:max_new_tokens]:
            seq = torch.cat([seq, torch.tensor([[t]])], dim=1)
            self.written += 1
            streamer.put(torch.tensor([t]))
            if any(bool(c(seq, None)[0]) for c in stopping_criteria):
                break
        streamer.end()
        return seq


def test_stop_strings_stop_the_model_and_never_reach_the_reader(tiny: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    script = tok(f"Hello there friend{END}more text after stop", add_special_tokens=False)["input_ids"]
    model = _Scripted(None, script)
    backend = TransformersBackend(tiny, _loaded=(model, tok), languages=frozenset({"en"}))
    out = list(backend.stream(ASK, max_tokens=50))
    assert "".join(p for p in out if isinstance(p, str)) == "Hello there friend"
    stop_at = len(tok("Hello there friend" + END, add_special_tokens=False)["input_ids"])
    assert model.written == stop_at < len(script)  # generation ended at the stop string, not at max_tokens
    assert out[-1].completion_tokens == stop_at


def test_max_tokens_limits_the_reply(tiny: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    model = _Scripted(None, tok("Hello there friend the iron anchor", add_special_tokens=False)["input_ids"])
    out = list(TransformersBackend(tiny, _loaded=(model, tok)).stream(ASK, max_tokens=3))
    assert "".join(p for p in out if isinstance(p, str)) == "Hello there" and model.written == 3


def test_languages_come_from_the_run_card(tmp_path: Path, tiny: Path) -> None:
    import shutil

    assert TransformersBackend(tiny).languages == frozenset({"en", "zh"})  # a model given by path is trusted
    copy = tmp_path / "m"
    shutil.copytree(tiny, copy)
    (copy / "run_card.json").write_text(json.dumps({"data": {"languages": ["en"]}}))
    assert TransformersBackend(copy).languages == frozenset({"en"})


def test_open_backend_serves_it_through_the_gateway(tiny: Path) -> None:
    from llmverse.config import open_backend
    from llmverse.errors import BackendUnavailable
    from llmverse.llm.gateway import Gateway

    backend = open_backend(f"transformers:{tiny}", threads=1)
    assert isinstance(backend, TransformersBackend) and isinstance(open_backend(str(tiny)), TransformersBackend)
    gateway = Gateway(backend)
    done = gateway.complete(ASK, max_tokens=5)
    assert done.usage.completion_tokens <= 5 and done.usage.prompt_tokens > 5 and not done.fallback
    with pytest.raises(BackendUnavailable, match="no model"):
        open_backend(f"transformers:{tiny}/missing")
