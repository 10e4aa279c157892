"""Causal LMs through transformers: the models `llmverse train sft` writes, served by the gateway.

    LLMVERSE_MODEL=transformers:models/gemma3-harbor     a merged model directory (config.json, weights)
    LLMVERSE_MODEL=transformers:/path/model.gguf         a GGUF, dequantised to fp32 by transformers

llama.cpp is the fast path on a CPU (DESIGN.md); this backend is for models llama.cpp cannot load yet
and for checking a fine-tune straight after training, before any conversion.

The chat format lives here, not in `train/`, because training and serving must agree on it to the
character and `llm/` imports nothing above it. Gemma-3-270M (a base model) has no chat template, so
llmverse defines one:

    <bos><|system|>
    You are Bram, ...
    <|user|>
    Facts: ...
    <|assistant|>
    The iron anchor costs 40 coins.<|end|><eos>

Each turn opens with `<|role|>` on its own line; an assistant turn ends with the text `<|end|>` and
then the tokenizer's end-of-sequence token, so a runtime that stops on EOS (llama.cpp) and one that
stops on text (this backend's stop strings) both end the reply there. The markers are plain text: the
same template works for any tokenizer, and `safety.injection.sanitize` strips `<|...|>` from what
players type, so a player cannot close a turn or open one.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Message, TokenCount

END = "<|end|>"  # end-of-turn text, written after every assistant reply
STOP = (END, "<|user|>", "<|system|>", "<|assistant|>")  # generation stops at the first of these
PREFIX = "transformers:"
# The same template in Jinja, saved with the tokenizer (`chat_template`) and into a GGUF's metadata,
# so other runtimes (transformers' apply_chat_template, llama.cpp) render exactly what we train on.
JINJA = ("{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}"
         "{% if m['role'] == 'assistant' %}" + END + "{{ eos_token }}{% endif %}\n{% endfor %}"
         "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")


def turn_open(role: str) -> str:
    return f"<|{role}|>\n"


def render_turn(role: str, content: str, eos: str = "") -> str:
    """One turn as text; an assistant turn ends with END and the tokenizer's EOS (as its text, which
    the tokenizer maps back to the special token)."""
    return turn_open(role) + content + (END + eos if role == "assistant" else "") + "\n"


def render_prompt(messages: Sequence[Message | dict[str, str]], bos: str = "", eos: str = "") -> str:
    """The text a model reads before it writes the next assistant turn (ends with `<|assistant|>\\n`)."""
    turns = [(m.role, m.content) if isinstance(m, Message) else (m["role"], m["content"]) for m in messages]
    return bos + "".join(render_turn(r, c, eos) for r, c in turns) + turn_open("assistant")


def cut_at_stop(text: str, stops: Sequence[str] = STOP) -> tuple[str, bool]:
    """`text` up to the first stop string, and whether one was found."""
    hits = [i for i in (text.find(s) for s in stops) if i >= 0]
    return (text[:min(hits)], True) if hits else (text, False)


def held_back(text: str, stops: Sequence[str] = STOP) -> int:
    """How many trailing characters might be the start of a stop string: not yet safe to show."""
    best = 0
    for s in stops:
        for k in range(min(len(s) - 1, len(text)), 0, -1):
            if text.endswith(s[:k]):
                best = max(best, k)
                break
    return best


def parse_spec(spec: str) -> Path | None:
    """The model path a spec names for this backend: `transformers:PATH`, or a directory holding
    config.json (a merged model); None when the spec is for another backend."""
    if spec.startswith(PREFIX):
        return Path(spec[len(PREFIX):])
    path = Path(spec)
    return path if path.is_dir() and (path / "config.json").is_file() else None


def load_causal_lm(path: Path, dtype: Any = None) -> tuple[Any, Any]:
    """Model and tokenizer from a model directory or a GGUF file (transformers dequantises it)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if path.is_file():
        kw: dict[str, Any] = {"gguf_file": path.name}
        where = path.parent
    else:
        kw, where = {}, path
    tokenizer = AutoTokenizer.from_pretrained(where, **kw)
    model = AutoModelForCausalLM.from_pretrained(where, dtype=dtype, **kw)
    return model, tokenizer


class TransformersBackend:
    """One causal LM in this process, greedy or sampled, streamed through TextIteratorStreamer.

    `generate` runs in a worker thread (the streamer is fed from it); the timeout is enforced here,
    between pieces, so the gateway reads this backend in the caller's thread.
    """

    enforces_timeout = True

    def __init__(self, model: str | Path, *, threads: int | None = None, temperature: float = 0.0,
                 repetition_penalty: float = 1.1, languages: frozenset[str] | None = None,
                 _loaded: tuple[Any, Any] | None = None) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never a hub: before transformers is imported
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch

        path = Path(model)
        if _loaded is None and not path.exists():
            raise BackendUnavailable(f"no model at {path}: give a directory with config.json or a .gguf file")
        if threads:
            torch.set_num_threads(threads)
        try:
            self.model, self.tokenizer = _loaded or load_causal_lm(path, dtype=torch.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise BackendUnavailable(f"{path}: cannot be loaded as a causal language model: {exc}") from exc
        self.model.eval()
        self.name = f"transformers:{path.name}"
        self.temperature, self.repetition_penalty = temperature, repetition_penalty
        self.languages = languages if languages is not None else _languages(path)
        self._lock = threading.Lock()  # one generation at a time: the model is not re-entrant

    def stream(self, messages: list[Message], *, max_tokens: int = 256, schema: dict[str, Any] | None = None,
               timeout: float = 30.0) -> Iterator[str | TokenCount]:
        """Pieces of text as the model writes them, never a stop string or a piece of one; then the
        token counts. `schema` is not enforced here (no grammar): the gateway validates the JSON."""
        import torch
        from transformers import TextIteratorStreamer

        prompt = render_prompt(messages, self.tokenizer.bos_token or "", self.tokenizer.eos_token or "")
        ids = self.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")  # (1, T)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True,
                                        timeout=timeout)
        stopper = _StopFlag(self.tokenizer, int(ids["input_ids"].shape[1]))
        pad = self.tokenizer.pad_token_id  # Gemma's is 0: test for None, not truth
        kw: dict[str, Any] = dict(
            **ids, max_new_tokens=max_tokens, streamer=streamer, repetition_penalty=self.repetition_penalty,
            stopping_criteria=[stopper], pad_token_id=pad if pad is not None else self.tokenizer.eos_token_id,
            do_sample=self.temperature > 0, **({"temperature": self.temperature} if self.temperature > 0 else {}))
        produced: list[Any] = []
        failure: list[BaseException] = []

        def work() -> None:
            try:
                with torch.no_grad():
                    produced.append(self.model.generate(**kw))
            except BaseException as exc:  # handed to the reader; the streamer must still end
                failure.append(exc)
                streamer.end()

        with self._lock:
            worker = threading.Thread(target=work, daemon=True)
            worker.start()
            text, shown = "", 0
            try:
                for piece in _pieces(streamer, timeout):
                    text += piece
                    cut, stopped = cut_at_stop(text)
                    safe = len(cut) if stopped else len(cut) - held_back(cut)
                    if safe > shown:
                        yield cut[shown:safe]
                        shown = safe
                    if stopped:
                        break
                else:
                    if len(text) > shown:  # the end: what was held back was not a stop string after all
                        yield text[shown:]
            finally:
                stopper.stop = True  # a reader that stopped early stops the model at its next token
                worker.join()
        if failure:
            raise BackendUnavailable(f"{self.name}: {failure[0]}") from failure[0]
        new = int(produced[0].shape[1] - ids["input_ids"].shape[1]) if produced else 0
        yield TokenCount(prompt_tokens=int(ids["input_ids"].shape[1]), completion_tokens=new)


def _pieces(streamer: Any, timeout: float) -> Iterator[str]:
    import queue

    try:
        yield from streamer
    except queue.Empty as exc:
        raise BackendUnavailable(f"no output within {timeout}s") from exc


class _StopFlag:
    """A stopping criterion: the reader sets `stop` (it has what it wants), or the newest tokens
    spell a stop string. transformers' own `stop_strings` walks the whole vocabulary first (262k
    entries for Gemma) and fails on some tokenizers; decoding a short tail is cheap and always works."""

    def __init__(self, tokenizer: Any, prompt_len: int, stops: Sequence[str] = STOP, tail: int = 12) -> None:
        self.tokenizer, self.prompt_len, self.stops, self.tail = tokenizer, prompt_len, stops, tail
        self.stop = False

    def __call__(self, input_ids: Any, scores: Any, **kw: Any) -> Any:
        import torch

        done = []
        for row in input_ids:  # (T,) per sequence
            new = row[self.prompt_len:][-self.tail:]
            text = self.tokenizer.decode(new, skip_special_tokens=False)
            done.append(self.stop or any(s in text for s in self.stops))
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _languages(path: Path) -> frozenset[str]:
    """What the model writes: the run card's `languages` when `train sft` wrote one, else both (a model
    given by path is trusted, as LlamaCppBackend trusts a GGUF path)."""
    card = (path if path.is_dir() else path.parent) / "run_card.json"
    try:
        found = json.loads(card.read_text(encoding="utf-8")).get("data", {}).get("languages")
    except (OSError, ValueError):
        found = None
    return frozenset(found) if found else frozenset({"en", "zh"})
