"""Hot-spot analysis at 1,000,000 episodes: time and peak memory per stage, beside the naive way.

Usage::

    python benchmarks/bench_hotspots.py            # Durham scale and 1,000,000 episodes
    python benchmarks/bench_hotspots.py --quick    # Durham scale only

The national folder (200,000 children, 1,000,000 episodes, 2,000,000 links,
all England and Wales) is made once by the synthetic generator and kept under
``.cache/benchmarks/``; making it is not what is measured. Each stage of
``geo.hotspots.analyse_places`` is timed on its own (with the peak resident
memory of the process while it runs, and how much that is above the memory
held before it), then the whole call for the year and for one month with its
four-month trend, then writing the GeoJSON.

The naive ways, run in the same process on the same data:

- grouping places: every pairwise distance (``scipy.spatial.distance.pdist``)
  and single linkage cut at the same 250 m, which gives exactly the groups
  ours and DBSCAN with ``min_samples=1`` give (checked), on a sample of distinct places
  (the naive way needs n²/2 distances: all of them would not fit in memory); and, on every
  distinct place, scikit-learn's DBSCAN with ``min_samples=1``, which grouped them before;
- counting children and episodes per place and role: a Python loop over the
  mentions filling dictionaries of sets, against the vectorised table.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DURHAM, NATIONAL, measure, row, synthetic_folder, timed_ratio, write_result  # noqa: E402

SAMPLE_PLACES = 12_000


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def staged(name: str, dataset, period) -> tuple[list[dict], dict]:
    """Each stage of analyse_places on its own, timed, with peak and added memory."""
    from peermap.geo.hotspots import HotspotSettings, _gi_per_area, build_areas, concern_mentions
    from peermap.geo.places import home_mentions, homes_of, locate, place_mentions, role_table
    from peermap.geo.postcodes import default_index

    rows, keep = [], {}

    def stage(label, fn):
        before = rss_mb()
        with measure() as took:
            out = fn()
        rows.append(row(f"{name}: {label}", took.seconds, "s"))
        rows.append(row(f"{name}: {label}, peak memory (added)", max(took.peak_mb - before, 0.0), "MB"))
        print(
            f"{name}: {label}: {took.seconds:.2f} s, peak {took.peak_mb:.0f} MB (+{took.peak_mb - before:.0f})",
            file=sys.stderr,
        )
        return out

    import pandas as pd

    index = default_index()
    stage(
        "read the postcode index for every area in the data (once per process)",
        lambda: index.lookup(dataset.episodes["found_at_postcode"].dropna().unique()),
    )
    mentions = stage("list every place mention (episodes and links)", lambda: place_mentions(dataset))
    inside = period.contains(mentions["at"]).to_numpy(bool)
    missing = dataset.episodes.loc[period.contains(dataset.episodes["missing_at"]).to_numpy(bool), "child_ref"]
    both = pd.concat([mentions[inside], home_mentions(dataset, missing.unique())], ignore_index=True)
    located = stage("place them (postcode index, places.csv names)", lambda: locate(both, dataset.places, index))
    homes = homes_of(dataset)
    counted = stage("keep the mentions of concern (homes left out)", lambda: concern_mentions(located.mentions, homes))
    roles = stage("count children and episodes per place and role", lambda: role_table(located.mentions))
    areas, labels = stage(
        "group places into areas (joined within 250 m, 1 km cap, outlines)",
        lambda: build_areas(counted, HotspotSettings()),
    )
    m = counted.assign(label=labels)
    gi, grid = stage("Gi* over the 500 m grid (esda)", lambda: _gi_per_area(m, HotspotSettings()))
    keep.update(
        mentions=len(mentions),
        located=len(located.mentions),
        counted=len(counted),
        roles=len(roles),
        areas=len(areas),
        cells=len(grid),
        places=counted["postcode_placed"].nunique(),
        located_frame=located.mentions,
        counted_frame=counted,
    )
    return rows, keep


def naive_grouping(counted) -> tuple[dict, list[dict]]:
    """Pairwise distances + single linkage at 250 m on a sample of places, beside ours on the same sample."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist
    from sklearn.cluster import DBSCAN

    from peermap.geo.hotspots import HotspotSettings, join_within

    places = counted.drop_duplicates("postcode_placed")[["easting", "northing"]].to_numpy(float)
    rng = np.random.default_rng(7)
    sample = places[rng.choice(len(places), min(SAMPLE_PLACES, len(places)), replace=False)]
    before = rss_mb()
    with measure() as ours:
        mine = join_within(sample, HotspotSettings.radius_m)
    ours_mb = max(ours.peak_mb - before, 0.0)
    before = rss_mb()
    with measure() as naive:
        theirs = fcluster(linkage(pdist(sample), method="single"), t=HotspotSettings.radius_m, criterion="distance")
    naive_mb = max(naive.peak_mb - before, 0.0)
    dbscan = DBSCAN(eps=HotspotSettings.radius_m, min_samples=1, algorithm="kd_tree").fit(sample).labels_
    same = _same_partition(mine, theirs) and _same_partition(mine, dbscan)
    ratio = {
        "measure": f"group {len(sample):,} places at 250 m (a k-d tree's pairs joined vs all pairwise "
        f"distances + single linkage; same groups, and the same as DBSCAN's: {'yes' if same else 'NO'})",
        "ours": f"{ours.seconds:.2f} s, +{ours_mb:.0f} MB",
        "naive": f"{naive.seconds:.2f} s, +{naive_mb:.0f} MB",
        "ratio": round(naive.seconds / max(ours.seconds, 1e-9), 1),
    }
    rows = [
        row("naive grouping sample: places", len(sample), "places"),
        row("naive grouping sample: pairwise distances held", len(sample) * (len(sample) - 1) // 2, ""),
    ]
    print(ratio, file=sys.stderr)
    return ratio, rows


def dbscan_grouping(counted) -> dict:
    """Ours beside scikit-learn's DBSCAN (``min_samples=1``, a k-d tree), which grouped places before, on
    every distinct place of concern: the same groups, and the time of each."""
    from sklearn.cluster import DBSCAN

    from peermap.geo.hotspots import HotspotSettings, join_within

    places = counted.drop_duplicates("postcode_placed")[["easting", "northing"]].to_numpy(float)
    with measure() as ours:
        mine = join_within(places, HotspotSettings.radius_m)
    with measure() as theirs:
        dbscan = DBSCAN(eps=HotspotSettings.radius_m, min_samples=1, algorithm="kd_tree").fit(places).labels_
    return timed_ratio(
        f"group all {len(places):,} distinct places of concern at 250 m (a k-d tree's pairs joined vs "
        f"scikit-learn's DBSCAN with min_samples=1, as before; same groups: "
        f"{'yes' if _same_partition(mine, dbscan) else 'NO'})",
        ours,
        theirs,
    )


def _same_partition(a, b) -> bool:
    import pandas as pd

    pairs = pd.DataFrame({"a": a, "b": b}).drop_duplicates()
    return pairs["a"].is_unique and pairs["b"].is_unique


def naive_counting(located) -> dict:
    """Children and episodes per place and role: a Python loop of sets beside the vectorised table."""
    import pandas as pd

    from peermap.geo.places import role_table

    with measure() as ours:
        table = role_table(located)
    with measure() as naive:
        children, episodes = defaultdict(set), defaultdict(set)
        for pc, role, child, ep in zip(
            located["postcode_placed"].tolist(),
            located["role"].tolist(),
            located["child_ref"].tolist(),
            located["episode_id"].tolist(),
        ):
            children[pc, role].add(child)
            if ep is not pd.NA:
                episodes[pc, role].add(ep)
    assert len(children) == len(table)
    return timed_ratio(
        f"children and episodes per place and role over {len(located):,} mentions (pandas vs a Python loop of sets)",
        ours,
        naive,
    )


def whole(name: str, dataset, period, label: str, tmp: Path) -> list[dict]:
    from peermap.exports.geojson import write_hotspots_geojson, write_places_geojson
    from peermap.geo.hotspots import analyse_places

    before = rss_mb()
    with measure() as took:
        result = analyse_places(dataset, period)
    rows = [
        row(f"{name}: analyse_places, {label}", took.seconds, "s"),
        row(f"{name}: analyse_places, {label}, peak memory (added)", max(took.peak_mb - before, 0.0), "MB"),
        row(f"{name}: analyse_places, {label}, hot-spot areas", len(result.areas), "areas"),
        row(f"{name}: analyse_places, {label}, places", len(result.places), "places"),
        row(
            f"{name}: analyse_places, {label}, children in the top area",
            int(result.areas["children"].iloc[0]) if len(result.areas) else 0,
            "children",
        ),
    ]
    print(
        f"{name}: analyse_places {label}: {took.seconds:.1f} s, +{took.peak_mb - before:.0f} MB, "
        f"{len(result.areas)} areas",
        file=sys.stderr,
    )
    if label.startswith("year"):
        with measure() as writing:
            a = write_hotspots_geojson(result, tmp / f"{name}-hotspots.geojson", audience="police")
            b = write_places_geojson(result, tmp / f"{name}-places.geojson", audience="police")
        rows += [
            row(f"{name}: write hotspots.geojson and places.geojson (police)", writing.seconds, "s"),
            row(f"{name}: hotspots.geojson + places.geojson size", (a.stat().st_size + b.stat().st_size) / 2**20, "MB"),
        ]
    return rows


def run(name: str, size: dict, tmp: Path, national: bool) -> tuple[list[dict], list[dict]]:
    from peermap.graph_models.load import load_folder
    from peermap.mapping.periods import Period

    folder = synthetic_folder(name, **size)
    with measure() as loading:
        dataset = load_folder(folder)
    print(f"{name}: loaded in {loading.seconds:.0f} s", file=sys.stderr)
    year = Period.from_dates("2022-04-01", "2023-03-31")
    rows = [
        row(f"{name}: episodes", len(dataset.episodes), "episodes"),
        row(f"{name}: intelligence links", len(dataset.links), "links"),
        row(f"{name}: load and validate the folder (not part of the analysis)", loading.seconds, "s"),
    ]
    stage_rows, keep = staged(name, dataset, year)
    rows += [
        row(f"{name}: place mentions (year)", keep["mentions"], "mentions"),
        row(f"{name}: placed mentions in the year, with homes", keep["located"], "mentions"),
        row(f"{name}: mentions of concern counted toward areas", keep["counted"], "mentions"),
        row(f"{name}: distinct places of concern", keep["places"], "places"),
        row(f"{name}: Gi* grid cells", keep["cells"], "cells"),
    ]
    rows += stage_rows
    rows += whole(name, dataset, year, "year, with a 4-period trend", tmp)
    rows += whole(name, dataset, Period.from_month("2023-03"), "one month (March 2023), with a 4-month trend", tmp)
    ratios = []
    if national:
        ratio, extra = naive_grouping(keep["counted_frame"])
        ratios += [ratio, dbscan_grouping(keep["counted_frame"])]
        rows += extra
        ratios.append(naive_counting(keep["located_frame"]))
    return rows, ratios


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Durham scale only")
    args = parser.parse_args()
    started = time.perf_counter()
    rows, ratios = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, size, national in [("durham", DURHAM, False)] + (
            [] if args.quick else [("national", NATIONAL, True)]
        ):
            r, q = run(name, size, Path(tmp), national)
            rows += r
            ratios += q
    path = write_result(
        "hotspots",
        "Hot-spot analysis",
        "geo.hotspots.analyse_places on the synthetic County Durham year (1,535 episodes) and on the national "
        "folder (200,000 children, 1,000,000 episodes, 2,000,000 links), stage by stage: time, and the peak "
        "resident memory of the process above what it held before the stage (the loaded tables are already "
        "in memory). The naive ways run in the same process on the same data.",
        rows,
        ratios,
    )
    print(f"{path} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
