"""Shared pieces of the benchmarks: timing with peak memory, synthetic folders, result files.

Results are JSON in ``benchmarks/results/NAME.json``:
``{"title", "description", "machine", "rows": [{"measure", "value", "unit"}],
"ratios": [{"measure", "ours", "naive", "ratio"}]}``; ``docs/performance.md`` is
generated from them by ``scripts/generate_docs.py``.
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CACHE = ROOT / ".cache" / "benchmarks"

DURHAM = {"children": 356, "episodes": 1535, "links": None}
NATIONAL = {"children": 200_000, "episodes": 1_000_000, "links": 2_000_000}


@dataclass
class Measured:
    seconds: float = 0.0
    peak_mb: float = 0.0


@contextmanager
def measure():
    """Time a block and sample this process's resident memory every 50 ms for its peak."""
    process = psutil.Process()
    result = Measured()
    peak = [process.memory_info().rss]
    done = threading.Event()

    def sample():
        while not done.wait(0.05):
            peak[0] = max(peak[0], process.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
        done.set()
        thread.join()
        result.peak_mb = max(peak[0], process.memory_info().rss) / 2**20


def synthetic_folder(name: str, seed: int = 7, **size) -> Path:
    """A synthetic data folder made once and kept under .cache/ (generation is not what is measured)."""
    from graph_models.synthetic import synthesise

    folder = CACHE / f"{name}-seed{seed}"
    if not (folder / "truth.json").exists():
        synthesise(folder, seed=seed, **size)
    return folder


def machine() -> dict:
    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30),
            "python": platform.python_version()}


def write_result(name: str, title: str, description: str, rows: list[dict], ratios: list[dict] | None = None) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"title": title, "description": description, "machine": machine(), "rows": rows,
               "ratios": ratios or []}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def row(measure: str, value, unit: str = "") -> dict:
    if isinstance(value, float):
        value = round(value, 2)
    return {"measure": measure, "value": value, "unit": unit}
