"""What the time control costs a pack: writing it with the control against the same pack without one.

Usage::

    python benchmarks/bench_time_control.py

The Durham year (the tests' synthetic folder) is loaded once; then the
meeting's March 2023 pack and the police's whole-year pack are written
three times each, in turns with and without the time control (without: the
pages are given no ``time`` block, as the board's are), and the medians
compared. The control's own work is each month's evidence of the look-back
(:func:`mapping.lookback.ties_by_month`) and each month's places
(:func:`exports.timeline.place_timeline`).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import DURHAM, row, synthetic_folder, write_result  # noqa: E402

RUNS = 3


def main() -> None:
    from peermap.exports import pack as pack_module
    from peermap.exports.pack import build_pack
    from peermap.graph_models.load import load_folder
    from peermap.mapping.periods import Period

    dataset = load_folder(synthetic_folder("durham", **DURHAM))
    with_control = (pack_module.timeline, pack_module.place_timeline)
    packs = {
        "meeting, March 2023": (Period.from_month("2023-03"), "meeting"),
        "police, April 2022 to March 2023": (Period.from_dates("2022-04-01", "2023-03-31"), "police"),
    }
    rows, ratios = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (period, audience) in packs.items():
            seconds = {"with": [], "without": []}
            for run in range(RUNS):
                for how in ("without", "with"):  # in turns, so a busy spell of the machine falls on both
                    if how == "with":
                        pack_module.timeline, pack_module.place_timeline = with_control
                    else:
                        pack_module.timeline = pack_module.place_timeline = lambda *args, **kwargs: None
                    out = Path(tmp) / f"{audience}-{how}-{run}"
                    started = time.perf_counter()
                    build_pack(dataset, period, audience, out, audit=False)
                    seconds[how].append(time.perf_counter() - started)
            pack_module.timeline, pack_module.place_timeline = with_control
            med = {how: statistics.median(values) for how, values in seconds.items()}
            rows.append(row(f"{name}: pack with the time control (median of {RUNS})", med["with"], "s"))
            rows.append(row(f"{name}: pack without it", med["without"], "s"))
            ratios.append(
                {
                    "measure": name,
                    "ours": round(med["with"], 2),
                    "naive": round(med["without"], 2),
                    "ratio": round(med["with"] / med["without"], 2),
                    "headers": ["with the time control (s)", "without (s)", "with / without"],
                }
            )
            print(f"{name}: with {med['with']:.1f} s, without {med['without']:.1f} s", flush=True)
    import os

    rows.append(row("load average (1 min) at the end", os.getloadavg()[0]))
    write_result(
        "time_control",
        "Time control: what it adds to writing a pack",
        "The Durham year's meeting pack for March 2023 and police pack for the whole year, written in this process "
        f"{RUNS} times each, in turns with and without the time control (each month of the look-back's ties and "
        "places); medians.",
        rows,
        ratios,
    )


if __name__ == "__main__":
    main()
