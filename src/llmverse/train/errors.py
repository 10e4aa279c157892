"""Errors of training and prediction, all under `LlmverseError` so users still catch one type.

Every problem with the user's input is found before the first training step: a run that fails after
twenty minutes on a typo in a column name is the failure these classes exist to prevent.
"""

from __future__ import annotations

from pathlib import Path

from llmverse.errors import LlmverseError


class TrainingError(LlmverseError):
    """Base of the errors raised by `llmverse.train`."""


class TrainingDataError(TrainingError):
    """A data file cannot be trained on; names the file, and the column and line where it can."""

    def __init__(self, file: str | Path, problem: str, *, column: str | None = None,
                 line: int | None = None) -> None:
        self.file, self.problem, self.column, self.line = str(file), problem, column, line
        where = f"{file}:{line}" if line is not None else str(file)
        col = f": column '{column}'" if column is not None else ""
        super().__init__(f"{where}{col}: {problem}")


class CheckpointError(TrainingError):
    """A model directory is missing, incomplete or of the wrong kind for what was asked of it."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


class TrainingInterrupted(TrainingError):
    """Training stopped on Ctrl-C after saving a checkpoint; run the same command with --resume."""

    def __init__(self, checkpoint: str | Path | None) -> None:
        self.checkpoint = str(checkpoint) if checkpoint is not None else None
        where = f"checkpoint saved in {checkpoint}" if checkpoint else "no checkpoint was saved"
        super().__init__(f"training interrupted; {where}. Run the same command with --resume to continue.")
