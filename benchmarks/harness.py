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
import sys
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


#: The sampler: a process of its own, so it keeps sampling while this one's C code (igraph) holds Python's lock.
_SAMPLER = """# peermap memory sampler
import select, sys, psutil
watched = psutil.Process(int(sys.argv[1]))
def resident():
    total = 0
    for process in [watched] + watched.children(recursive=True):
        try:
            if process is watched or "peermap memory sampler" not in " ".join(process.cmdline()):  # not samplers
                total += process.memory_info().rss
        except psutil.Error:  # it ended between the listing and the reading
            pass
    return total
print("ready", flush=True)
peak = resident()
while not select.select([sys.stdin], [], [], 0.05)[0]:  # until told to stop
    peak = max(peak, resident())
print(max(peak, resident()), flush=True)
"""


@contextmanager
def measure():
    """Time a block, and sample the resident memory of this process and its children every 50 ms for its peak.

    Children count too: a national analysis finds its clusters in a second
    process, and the machine must hold both. The sampling is done by a small
    process of its own, which goes on while this one is busy in C code.
    """
    import subprocess
    import sys

    result = Measured()
    sampler = subprocess.Popen(
        [sys.executable, "-c", _SAMPLER, str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    if sampler.stdout.readline().strip() != "ready":
        raise RuntimeError("the memory sampler did not start (see its error above)")
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
        answer, _ = sampler.communicate("stop\n")
        result.peak_mb = int(answer.strip()) / 2**20 if answer.strip().isdigit() else float("nan")


def synthetic_folder(name: str, seed: int = 7, **size) -> Path:
    """A synthetic data folder made once and kept under .cache/ (generation is not what is measured)."""
    from peermap.synthetic import synthesise

    folder = CACHE / f"{name}-seed{seed}"
    if not (folder / "truth.json").exists():
        synthesise(folder, seed=seed, **size)
    return folder


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30),
        "python": platform.python_version(),
    }


def write_result(name: str, title: str, description: str, rows: list[dict], ratios: list[dict] | None = None) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"title": title, "description": description, "machine": machine(), "rows": rows, "ratios": ratios or []}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def row(measure: str, value, unit: str = "") -> dict:
    if isinstance(value, float):
        value = round(value, 2)
    return {"measure": measure, "value": value, "unit": unit}


def timed_ratio(measure: str, ours, naive) -> dict:
    """A side-by-side row of two :func:`measure` timings (ours, the naive or earlier way), printed as it is made."""
    ratio = {
        "measure": measure,
        "ours": f"{ours.seconds:.2f} s",
        "naive": f"{naive.seconds:.2f} s",
        "ratio": round(naive.seconds / max(ours.seconds, 1e-9), 1),
    }
    print(ratio, file=sys.stderr)
    return ratio
