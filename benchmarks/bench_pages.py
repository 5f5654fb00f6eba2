"""The pack's pages: how long a 2,000-person network takes to open in a browser, and a pack to write.

Usage::

    python benchmarks/bench_pages.py            # 2,000 people, and the Durham month's pack
    python benchmarks/bench_pages.py --quick    # 2,000 people only

Opening is measured in headless Debian Chromium (the tests' browser): the
page records ``performance.now()`` when vis-network has drawn the network for
the first time (``window.peermapReadyAt``: milliseconds from the start of the
navigation, so reading the 4 MB file, parsing it, building the DataSets and
drawing are all in it). Each page is opened five times; the median is
reported. Writing is measured in this process with :func:`harness.measure`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from harness import DURHAM, measure, row, synthetic_folder, write_result  # noqa: E402

OPENS = 5


def open_times(browser, page: Path) -> tuple[float, float]:
    """Median (ms from navigation start to first draw, s of wall clock until ready) over :data:`OPENS` opens."""
    drawn, wall = [], []
    for _ in range(OPENS):
        browser.driver.get("about:blank")
        started = time.perf_counter()
        browser.driver.get(page.resolve().as_uri())
        for _ in range(600):
            ready = browser.driver.execute_script("return window.peermapReadyAt || null")
            if ready is not None:
                break
            time.sleep(0.01)
        else:
            raise RuntimeError(f"{page.name} never finished drawing")
        wall.append(time.perf_counter() - started)
        drawn.append(ready)
        errors = browser.driver.execute_script("return window.__peermapErrors")
        if errors:
            raise RuntimeError(f"{page.name}: {errors}")
    return statistics.median(drawn), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 2,000-person page only")
    args = parser.parse_args()

    from conftest import Browser
    from pack_folders import big_network

    from peermap.exports.network_page import network_page
    from peermap.exports.page import write_page

    rows = []
    scratch = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    browser = Browser(scratch / "profile")
    try:
        nodes, edges, clusters = big_network(2000)
        with measure() as took:
            page = write_page(
                scratch / "network.html", network_page(nodes, edges, clusters=clusters, title="2,000 people")
            )
        rows += [
            row("2,000-person network: people", len(nodes), "nodes"),
            row("2,000-person network: ties", len(edges), "edges"),
            row("2,000-person network: write the page (layout included)", took.seconds, "s"),
            row("2,000-person network: page size", page.stat().st_size / 2**20, "MB"),
        ]
        drawn, wall = open_times(browser, page)
        rows += [
            row("2,000-person network: open in Chromium until first drawn (median of 5)", drawn, "ms"),
            row("2,000-person network: open, wall clock until ready (median of 5)", wall, "s"),
        ]
        print(f"2,000 people: written in {took.seconds:.2f} s, drawn {drawn:.0f} ms after navigation")

        if not args.quick:
            from peermap.exports.pack import build_pack
            from peermap.graph_models.load import load_folder
            from peermap.mapping.periods import Period

            dataset = load_folder(synthetic_folder("durham", **DURHAM))
            with measure() as took:
                pack = build_pack(dataset, Period.from_month("2023-03"), "meeting", scratch / "pack", audit=False)
            rows += [
                row("Durham month (2023-03): write the meeting pack", took.seconds, "s"),
                row("Durham month (2023-03): peak memory while writing", took.peak_mb, "MB"),
                row("Durham month (2023-03): network people and safe places", len(pack.nodes), "nodes"),
            ]
            rows += [row(f"Durham month pack stage: {stage}", seconds, "s") for stage, seconds in pack.timings.items()]
            for name in ("network.html", "map.html"):
                drawn, _ = open_times(browser, pack.out_dir / name)
                rows.append(row(f"Durham month: open {name} until first drawn (median of 5)", drawn, "ms"))
            print(f"Durham month pack: {took.seconds:.1f} s")
    finally:
        browser.close()
    path = write_result(
        "pages",
        "Pack pages in a browser",
        "How long network.html takes to open with 2,000 people (a synthetic network of peer clusters of 5-15, "
        "about 4,200 ties, every tie with its evidence) in headless Debian Chromium, from the start of navigation "
        "to the first drawing of the network (the layout is computed in Python when the page is written, and the "
        "page runs with physics off); and how long `peermap pack` takes to write the synthetic Durham year's last "
        "month for the meeting, stage by stage.",
        rows,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
