"""Trainer callbacks: a rich progress bar, a clean stop on Ctrl-C, a clock for training steps, the
thread count chosen by measurement, and `RunControl`, which gives every run all of them.

Trainer's own tqdm bar and log printer are switched off (see `quiet_trainer`): the bar here shows
the same steps with the latest loss, and the run card keeps the numbers. This module subclasses
transformers' TrainerCallback, so it imports transformers: the training modules import it inside
their functions, and it sets offline mode before that import.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmverse.train.card import Timing
from llmverse.train.errors import TrainingInterrupted
from llmverse.train.runtime import checkpoints, offline, thread_choices

offline()
from transformers import TrainerCallback  # noqa: E402  (after offline(): transformers reads it on import)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from transformers import Trainer, TrainerControl, TrainerState, TrainingArguments


class RichProgress(TrainerCallback):
    """One bar over all optimiser steps (it starts part-full on --resume); loss and eval figures
    in its description, each evaluation also printed on its own line so it stays on screen."""

    def __init__(self, console: Console, what: str = "training") -> None:
        self.console, self.what = console, what
        self.progress: Progress | None = None
        self.task: Any = None

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kw: Any) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("steps"), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=self.console)
        self.progress.start()
        self.task = self.progress.add_task(self.what, total=state.max_steps, completed=state.global_step)

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kw: Any) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, float] | None = None, **kw: Any) -> None:
        if self.progress is not None and logs and "loss" in logs:
            self.progress.update(self.task, description=f"{self.what} (epoch {state.epoch:.2f}, "
                                 f"loss {logs['loss']:.4f})")
            if not self.console.is_terminal:  # a log file gets no live bar: give it a line instead
                self.console.print(f"step {state.global_step}/{state.max_steps}: epoch {state.epoch:.2f}, "
                                   f"loss {logs['loss']:.4f}")

    def on_evaluate(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    metrics: dict[str, float] | None = None, **kw: Any) -> None:
        if self.progress is not None and metrics:
            shown = ", ".join(f"{k.removeprefix('eval_')} {v:.4f}" for k, v in metrics.items()
                              if isinstance(v, float) and not k.endswith(("runtime", "per_second")))
            self.progress.console.print(f"step {state.global_step}: {shown}")

    def on_train_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                     **kw: Any) -> None:
        if self.progress is not None:
            if state.global_step < state.max_steps:  # early stopping or Ctrl-C: say so under the bar
                self.progress.update(self.task, description=f"{self.what} stopped at step {state.global_step}")
            self.progress.stop()
            self.progress = None


class StopOnInterrupt(TrainerCallback):
    """Turns the first Ctrl-C into "save a checkpoint after this step and stop".

    The signal handler only sets a flag, so no file being written is cut short; the step in flight
    finishes, Trainer saves checkpoint-N (weights, optimiser, scheduler, RNG: resumable) and stops.
    A second Ctrl-C restores Python's default and aborts at once, for a user who will not wait.
    """

    def __init__(self) -> None:
        self.requested = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signal handlers can only be set from the main thread; a worker trains without one
            return
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum: int, frame: object) -> None:
            self.requested = True
            signal.signal(signal.SIGINT, signal.default_int_handler)

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kw: Any) -> None:
        if self.requested:
            control.should_save = True
            control.should_training_stop = True
            control.should_evaluate = False  # stop now; evaluating could take minutes

    def on_epoch_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                     **kw: Any) -> None:
        if self.requested:  # the checkpoint of this step is already on disk
            control.should_save = False
            control.should_evaluate = False


class StepClock(TrainerCallback):
    """Seconds spent inside training steps, so samples/s can be given without evaluation and
    checkpoint-saving time (Trainer's own train_samples_per_second includes both)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.steps = 0
        self._t0: float | None = None

    def on_step_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                      **kw: Any) -> None:
        self._t0 = time.perf_counter()

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kw: Any) -> None:
        if self._t0 is not None:
            self.seconds += time.perf_counter() - self._t0
            self.steps += 1
            self._t0 = None


def quiet_trainer(trainer: Trainer) -> None:
    """With tqdm disabled Trainer prints every log dict to stdout; our bar replaces both."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)


class AdaptiveThreads(TrainerCallback):
    """Picks torch's thread count while training: whichever of `choices` makes steps faster now.

    On 2 cores shared with other work, 2 threads can be far slower than 1: every op ends at a
    barrier that waits for a thread the OS has descheduled (MiniLM, batch 32: 61 vs 38 samples/s on
    an idle machine, 7 vs 29 with other processes busy). Which wins changes as other work comes and
    goes, so it is measured again every cycle: `probe` steps per choice, interleaved (so batches
    growing or shrinking in length hit every choice alike), then `hold` steps with the fastest by
    median step time.
    """

    def __init__(self, choices: tuple[int, ...], probe: int = 6, hold: int = 120) -> None:
        self.choices, self.probe, self.hold = choices, probe, hold
        self.best = choices[-1]
        self.k = 0  # position in the current cycle
        self.times: dict[int, list[float]] = {c: [] for c in choices}
        self.steps: dict[int, int] = {c: 0 for c in choices}  # steps run with each count, for the card
        self._current, self._t0 = self.best, 0.0
        self._first = True

    def _probing(self) -> bool:
        return self.k < self.probe * len(self.choices)

    def on_step_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                      **kw: Any) -> None:
        import torch

        n = self.choices[self.k % len(self.choices)] if self._probing() else self.best
        if n != torch.get_num_threads():
            torch.set_num_threads(n)
        self._current, self._t0 = n, time.perf_counter()

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kw: Any) -> None:
        dt = time.perf_counter() - self._t0
        self.steps[self._current] += 1
        if self._first:  # the first step pays for lazy initialisation: not a fair sample
            self._first = False
            return
        if self._probing():
            self.times[self._current].append(dt)
        self.k += 1
        if self.k == self.probe * len(self.choices):
            medians = {c: sorted(ts)[len(ts) // 2] for c, ts in self.times.items() if ts}
            self.best = min(medians, key=medians.__getitem__)
            self.times = {c: [] for c in self.choices}
        elif self.k >= self.probe * len(self.choices) + self.hold:
            self.k = 0


class RunControl:
    """What every training run gets: Ctrl-C checkpointing, step timing and the thread choice, with
    Trainer's own printing switched off, and the figures they gather for the run card."""

    def __init__(self, threads: int | None, set_threads: int) -> None:
        self.stop, self.clock = StopOnInterrupt(), StepClock()
        self.choices = thread_choices(threads)
        self.adaptive = AdaptiveThreads(self.choices) if self.choices else None
        self.threads = set_threads

    @property
    def callbacks(self) -> list[TrainerCallback]:
        return [self.stop, self.clock, *([self.adaptive] if self.adaptive else [])]

    def train(self, trainer: Trainer, resume_from: Path | None) -> tuple[Any, float]:
        """Trainer.train() under the Ctrl-C handler; returns its output and seconds taken. Raises
        TrainingInterrupted when a Ctrl-C stopped it (the checkpoint is saved by then)."""
        quiet_trainer(trainer)
        t0 = time.perf_counter()
        with self.stop.installed():
            out = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        seconds = time.perf_counter() - t0
        if self.stop.requested:
            found = checkpoints(Path(trainer.args.output_dir))
            raise TrainingInterrupted(found[-1] if found else None)
        return out, seconds

    @staticmethod
    def samples(epochs: float, examples: int, state: TrainerState, resume_from: Path | None) -> int:
        """Samples as Trainer counts them: this run's share of epochs x examples (after --resume,
        the resumed part only; after early stopping, the steps actually run)."""
        start = int(resume_from.name.split("-")[-1]) if resume_from else 0
        return round(epochs * examples * (state.global_step - start) / max(state.max_steps, 1))

    def params(self) -> dict[str, Any]:
        return {"threads": f"auto {self.choices}" if self.adaptive else self.threads,
                "steps_per_thread_count": self.adaptive.steps if self.adaptive else None}

    def timing(self, wall_start: float, train_seconds: float, samples: int) -> Timing:
        return Timing(wall_seconds=time.perf_counter() - wall_start, train_seconds=train_seconds,
                      step_seconds=self.clock.seconds, samples=samples,
                      samples_per_second=samples / max(train_seconds, 1e-9),
                      step_samples_per_second=samples / max(self.clock.seconds, 1e-9))
