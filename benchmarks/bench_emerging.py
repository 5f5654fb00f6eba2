"""Emerging hot spots: what the look-back (12 monthly bins) costs, beside the single-period analysis, in one run.

Usage::

    python benchmarks/bench_emerging.py            # Durham scale and 1,000,000 episodes
    python benchmarks/bench_emerging.py --quick    # Durham scale only

For the month of March 2023, ``geo.hotspots.analyse_places`` runs with ``lookback=12`` (areas drawn over
the twelve months to March and held fixed, each with a series of twelve monthly bins, a Mann-Kendall test,
Gi* per bin and a pattern) and with ``lookback=None`` (the month's areas alone), one after the other in the
same process on the same loaded folder: the ratio of the two is the look-back's cost. On the Durham year the
pair is run seven times, alternating, and the medians are kept; on the national folder (200,000 children,
1,000,000 episodes, 2,000,000 links, made once by the synthetic generator and kept under
``.cache/benchmarks/``) twice, alternating.

During the look-back run, the time spent in each step ``analyse_places`` calls is recorded (where the time
goes; a step's calls are counted once, with whatever it calls). The emerging steps are then run again on
their own, on the inputs the run gave them, with their peak memory: the series, Mann-Kendall tests and
patterns (``_emerging``), and Gi* in each bin (``_gi_by_bin``). The Mann-Kendall tests are also timed
beside the way they were done before (``pymannkendall.original_test`` once per distinct series), on the
same series, and the results are checked to be the same.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DURHAM, NATIONAL, measure, row, synthetic_folder, timed_ratio, write_result  # noqa: E402

MONTH = "2023-03"
#: The steps analyse_places calls, timed where it calls them (module attributes of geo.hotspots).
STEPS = (
    "homes_of",
    "place_mentions",
    "home_mentions",
    "locate",
    "_with_window",
    "concern_mentions",
    "build_areas",
    "_emerging",
    "_rank",
    "_lists",
    "role_table",
    "place_table",
    "_listed_names",
    "_mode_district",
    "_adults_of_concern",
    "_link_adults",
    "_childrens_homes",
    "_gi_or_none",
    "_gi_by_bin",
    "_time_of_day",
    "_peaks",
    "area_trends",
    "_mark_counted",
    "_by_place",
)


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def settle() -> None:
    """Free what the previous call left (Python's garbage, and glibc's free lists back to the system), so each
    call's added memory is measured from what the process really holds."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


@contextmanager
def timed_steps(capture: dict):
    """Time each of :data:`STEPS` while ``analyse_places`` runs (outermost calls only), and keep the inputs of
    ``_emerging``, ``_gi_by_bin`` and the Mann-Kendall series in ``capture``."""
    import peermap.geo.hotspots as hotspots

    seconds, calls, depth = defaultdict(float), defaultdict(int), [0]
    originals = {name: getattr(hotspots, name) for name in STEPS + ("emerging",)}

    def wrap(name, fn):
        def timed(*args, **kwargs):
            if name in ("_emerging", "_gi_by_bin"):
                capture[name] = (args, kwargs)
            if name == "emerging":
                capture["series"] = (args, kwargs)
                return fn(*args, **kwargs)
            if depth[0]:
                return fn(*args, **kwargs)
            depth[0] += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - started
                calls[name] += 1
                depth[0] -= 1

        return timed

    for name, fn in originals.items():
        setattr(hotspots, name, wrap(name, fn))
    try:
        yield seconds, calls
    finally:
        for name, fn in originals.items():
            setattr(hotspots, name, fn)


def pair(name: str, dataset, period, repeats: int) -> tuple[list[dict], dict, dict]:
    """analyse_places with lookback=12 and with None, alternating; medians of time, and the peak memory added."""
    from peermap.geo.hotspots import analyse_places

    load = [os.getloadavg()[0]]
    runs = {12: [], None: []}
    capture, steps, result_areas = {}, None, {}
    for _ in range(repeats):
        for lookback in (None, 12):
            settle()
            before = rss_mb()
            if lookback == 12 and steps is None:  # the first look-back run: where its time goes, and its inputs
                with timed_steps(capture) as (seconds, calls), measure() as took:
                    result = analyse_places(dataset, period, lookback=lookback)
                steps = (dict(seconds), dict(calls), took.seconds)
            else:
                with measure() as took:
                    result = analyse_places(dataset, period, lookback=lookback)
            runs[lookback].append((took.seconds, max(took.peak_mb - before, 0.0)))
            result_areas[lookback] = len(result.areas)
            print(
                f"{name}: lookback={lookback}: {took.seconds:.2f} s, +{took.peak_mb - before:.0f} MB", file=sys.stderr
            )
            del result
    load.append(os.getloadavg()[0])
    t12 = statistics.median(s for s, _ in runs[12])
    t0 = statistics.median(s for s, _ in runs[None])
    m12 = max(m for _, m in runs[12])
    m0 = max(m for _, m in runs[None])
    label = f"analyse_places for {period.label}"
    rows = [
        row(f"{name}: {label}, lookback=12 (12 monthly bins)", t12, "s"),
        row(f"{name}: {label}, lookback=12, peak memory (added)", m12, "MB"),
        row(f"{name}: {label}, lookback=12, areas listed", result_areas[12], "areas"),
        row(f"{name}: {label}, lookback=None (the month alone)", t0, "s"),
        row(f"{name}: {label}, lookback=None, peak memory (added)", m0, "MB"),
        row(f"{name}: {label}, lookback=None, areas listed", result_areas[None], "areas"),
        row(
            f"{name}: the machine's load average (1 minute) before and after these runs",
            f"{load[0]:.1f}, {load[1]:.1f}",
        ),
    ]
    ratio = {
        "measure": f"{name}: analyse_places for {period.label}, "
        + (f"median of {repeats} runs each" if repeats > 1 else "one run each"),
        "ours": f"{t12:.2f} s, +{m12:.0f} MB",
        "naive": f"{t0:.2f} s, +{m0:.0f} MB",
        "ratio": round(t12 / max(t0, 1e-9), 2),
    }
    return rows, ratio, {"capture": capture, "steps": steps}


def step_rows(name: str, steps: tuple) -> list[dict]:
    """Where the look-back run's time went, busiest step first."""
    seconds, calls, total = steps
    rows = []
    for step, s in sorted(seconds.items(), key=lambda kv: -kv[1]):
        times = f" ({calls[step]} calls)" if calls[step] > 1 else ""
        rows.append(row(f"{name}: lookback=12, where the time goes: {step}{times}", s, "s"))
    rows.append(
        row(f"{name}: lookback=12, where the time goes: the rest of analyse_places", total - sum(seconds.values()), "s")
    )
    return rows


def stages_alone(name: str, capture: dict) -> list[dict]:
    """The emerging steps again on their own, on the inputs the look-back run gave them, with peak memory."""
    import peermap.geo.hotspots as hotspots

    rows = []
    for step, label in (
        ("_emerging", "series, Mann-Kendall tests, BH adjustment, patterns and sentences (_emerging)"),
        ("_gi_by_bin", "Gi* in each of the 12 bins (_gi_by_bin)"),
    ):
        args, kwargs = capture[step]
        settle()
        before = rss_mb()
        with measure() as took:
            getattr(hotspots, step)(*args, **kwargs)
        rows.append(row(f"{name}: emerging stage alone: {label}", took.seconds, "s"))
        rows.append(
            row(f"{name}: emerging stage alone: {label}, peak memory (added)", max(took.peak_mb - before, 0.0), "MB")
        )
        print(f"{name}: {step} alone: {took.seconds:.2f} s, +{took.peak_mb - before:.0f} MB", file=sys.stderr)
    m_all, areas = capture["_emerging"][0][:2]
    rows.append(row(f"{name}: areas drawn over the look-back window", len(areas), "areas"))
    rows.append(row(f"{name}: mentions of concern in the look-back window", len(m_all), "mentions"))
    return rows


def mann_kendall_per_distinct_series(series: np.ndarray):
    """The way before: ``pymannkendall.original_test`` once per distinct series (constant ones: no trend)."""
    import pymannkendall

    distinct, inverse = np.unique(series, axis=0, return_inverse=True)
    results = np.empty((len(distinct), 3))
    for k, r in enumerate(distinct):
        if np.ptp(r) == 0:
            results[k] = (0.0, 0.0, 1.0)
        else:
            t = pymannkendall.original_test(r)
            results[k] = (t.Tau, t.s, t.p)
    chosen = results[inverse.reshape(-1)]
    return chosen[:, 0], chosen[:, 1], chosen[:, 2], len(distinct)


def mann_kendall_ratio(name: str, capture: dict) -> tuple[dict, list[dict]]:
    from peermap.geo.emerging import mann_kendall

    args, _ = capture["series"]
    series, covered = args[0], np.asarray(args[1], bool)
    known = series[:, covered]
    import pymannkendall

    package, calls = pymannkendall.original_test, [0]

    def counted(*args, **kwargs):
        calls[0] += 1
        return package(*args, **kwargs)

    pymannkendall.original_test = counted
    try:
        with measure() as ours:
            mine = mann_kendall(known)
    finally:
        pymannkendall.original_test = package
    with measure() as before:
        *theirs, distinct = mann_kendall_per_distinct_series(known)
    same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(mine, theirs))
    ratio = timed_ratio(
        f"{name}: Mann-Kendall tests of {len(known):,} areas' series of {known.shape[1]} months "
        f"(S and ties in numpy, the package once per distinct S and ties, vs the package once per distinct "
        f"series, {distinct:,} of them; same tau, S and p: {'yes' if same else 'NO'})",
        ours,
        before,
    )
    if not same:
        raise SystemExit("the vectorised Mann-Kendall tests differ from the package's")
    return ratio, [
        row(f"{name}: distinct series among the areas", distinct, "series"),
        row(f"{name}: pymannkendall calls, one per distinct S and ties (constant series need none)", calls[0], "calls"),
    ]


def run(name: str, size: dict, repeats: int) -> tuple[list[dict], list[dict], list[dict]]:
    from peermap.graph_models.load import load_folder
    from peermap.mapping.periods import Period

    folder = synthetic_folder(name, **size)
    with measure() as loading:
        dataset = load_folder(folder)
    print(f"{name}: loaded in {loading.seconds:.0f} s", file=sys.stderr)
    rows = [
        row(f"{name}: episodes", len(dataset.episodes), "episodes"),
        row(f"{name}: intelligence links", len(dataset.links), "links"),
        row(f"{name}: load and validate the folder (not part of the analysis)", loading.seconds, "s"),
    ]
    period = Period.from_month(MONTH)
    # what the first call in a process does once (read the postcode index's areas, import esda and
    # scikit-learn) is not what is measured: the index is read first, and at Durham scale one call is made
    from peermap.geo.hotspots import analyse_places
    from peermap.geo.postcodes import default_index

    episodes = dataset.episodes
    default_index().lookup(
        np.union1d(episodes["found_at_postcode"].dropna().unique(), episodes["missing_from_postcode"].dropna().unique())
    )
    if name == "durham":  # the first in the process (the national run follows it)
        analyse_places(dataset, period, lookback=None)
    pair_rows, ratio, kept = pair(name, dataset, period, repeats)
    rows += pair_rows
    rows += stages_alone(name, kept["capture"])
    mk_ratio, mk_rows = mann_kendall_ratio(name, kept["capture"])
    rows += mk_rows
    return rows, [ratio], [mk_ratio], step_rows(name, kept["steps"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Durham scale only")
    args = parser.parse_args()
    started = time.perf_counter()
    rows, lookback_ratios, other_ratios, steps = [], [], [], []
    for name, size, repeats in [("durham", DURHAM, 7)] + ([] if args.quick else [("national", NATIONAL, 2)]):
        r, a, b, s = run(name, size, repeats)
        rows += r
        lookback_ratios += a
        other_ratios += b
        steps += s
    path = write_result(
        "emerging",
        "Emerging hot spots (look-back of 12 months)",
        "geo.hotspots.analyse_places for March 2023 with lookback=12 (areas drawn over the twelve months to "
        "March and held fixed; each area's series of 12 monthly bins, Mann-Kendall test, BH adjustment, pattern "
        "and Gi* per bin) beside lookback=None (the month's areas alone), in the same process on the same "
        "loaded folder, on the synthetic County Durham year and on the national folder (200,000 children, "
        "1,000,000 episodes, 2,000,000 links). Memory is the peak resident memory of the process (and its "
        "children) above what it held before the call. In the first table, 'ours' is with the look-back, "
        "'naive way' without it, and the ratio is what the look-back costs (times as long); the Mann-Kendall "
        "row compares the tests as done now with the way before, on the same series. 'Where the time goes' "
        "is the look-back run's time in each step analyse_places calls. The machine (2 cores) is shared with other "
        "work, whose load is recorded: times are wall-clock, and the ratio of two calls made one after the other "
        "is the figure to compare.",
        rows + steps,
        [
            r | {"headers": ["with lookback=12", "lookback=None", "look-back costs (times as long)"]}
            for r in lookback_ratios
        ]
        + other_ratios,
    )
    print(f"{path} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
