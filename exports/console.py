"""Where a run talks to its user: diagnostics and progress on stderr, data on stdout.

Used by the command line (:mod:`peermap.cli`) and by the output folder, which
says on stderr what it tidied up (:mod:`peermap.exports.output_folder`).

Progress bars are drawn only when stderr is a terminal; in a pipe, a log or CI
each stage prints one plain line instead, so output stays readable and
``--json`` on stdout stays clean.
"""

from __future__ import annotations

import contextlib
import time
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

#: Diagnostics, warnings and progress.
err = Console(stderr=True, highlight=False, soft_wrap=True)
#: Results (tables, JSON).
out = Console(highlight=False, soft_wrap=True)


def say(message: str) -> None:
    """One line of diagnostics on stderr."""
    err.print(message, markup=False)


ProgressCallback = Callable[[str, int, int], None]


@contextlib.contextmanager
def progress() -> Iterator[ProgressCallback]:
    """A ``callback(stage, done, total)`` that draws a bar per stage (plain lines off a terminal)."""
    if err.is_terminal:
        bars = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        tasks: dict[str, int] = {}
        with bars:

            def update(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bars.add_task(stage, total=total)
                bars.update(tasks[stage], completed=done, total=total)

            yield update
    else:
        started: dict[str, float] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in started:
                started[stage] = time.perf_counter()
            if done >= total and started.get(stage) is not None:
                count = "" if total == 1 else f" {done:,}"  # one step (a stage): its time alone
                say(f"{stage}:{count} done in {time.perf_counter() - started[stage]:.1f}s")
                started[stage] = None  # type: ignore[assignment]

        yield update


def stages(report: ProgressCallback):
    """A ``stage(name)`` context manager that reports the stage's start and end to ``report`` (its time is
    printed as one line when stderr is not a terminal: ``evidence: 1 done in 27.9s``)."""

    @contextlib.contextmanager
    def stage(name: str) -> Iterator[None]:
        report(name, 0, 1)
        yield
        report(name, 1, 1)

    return stage
