"""The peer-network analysis at Durham scale and at national scale, and the overlap search beside the naive way.

Usage::

    python benchmarks/bench_analysis.py            # Durham scale, national scale, overlap search
    python benchmarks/bench_analysis.py --quick    # Durham scale and the overlap search only

For each scale (the national one in a fresh process of its own, as ``peermap analyse``
runs): loading the folder (the foundation's loader, for the record),
then every stage of ``mapping.analysis.analyse`` for the whole synthetic year
(with the previous period analysed for the changes) and writing the meeting's
files, each with its time and this process's peak memory. Leiden beside
Louvain on the same network. Then the overlap search ("missing at the same time,
close in place") on 50,000 episodes of the national folder, beside the naive
way that compares every pair of episodes (numpy, in blocks), checking both find
the same pairs. Synthetic folders are made once and kept under ``.cache/``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DURHAM, NATIONAL, measure, row, synthetic_folder, write_result  # noqa: E402

NAIVE_EPISODES = 50_000


def analyse_scale(name: str, size: dict) -> tuple[list[dict], object, object]:
    """Rows for one scale; returns the dataset and analysis too."""
    from peermap.exports.analysis_folder import write_analysis
    from peermap.graph_models.load import load_folder
    from peermap.mapping.analysis import analyse
    from peermap.mapping.periods import Period

    folder = synthetic_folder(name, **size)
    truth = json.loads((folder / "truth.json").read_text())
    year = Period.from_dates(truth["period"]["from"], truth["period"]["to"])
    rows = []
    from peermap.geo.postcodes import default_index

    with measure() as loading:  # as peermap analyse loads: unknown postcodes checked against the index
        dataset = load_folder(folder, postcodes=default_index())
    rows.append(
        row(
            f"{name}: load and validate the folder, postcodes looked up (not part of the analysis)",
            loading.seconds,
            "s",
        )
    )
    rows.append(row(f"{name}: load and validate the folder, peak memory", loading.peak_mb, "MB"))
    stages: list[tuple[str, object]] = []

    @contextmanager
    def stage(label):
        with measure() as took:
            yield
        stages.append((label, took))

    with measure() as whole:
        analysis = analyse(dataset, year, stage=stage, duplicates=False)
    for label, took in stages:
        if label.startswith("changes"):
            continue  # nested: the previous period's own stages are inside it
        rows.append(row(f"{name}: {label}", took.seconds, "s"))
        rows.append(row(f"{name}: {label}, peak memory", took.peak_mb, "MB"))
    changes = [took for label, took in stages if label.startswith("changes")]
    if changes:
        rows.append(row(f"{name}: changes since the previous period (analysing it too)", changes[-1].seconds, "s"))
    with measure() as duplicates:
        from peermap.mapping.associates import duplicate_suggestions

        people = analysis.people
        cluster_of = people.loc[people["kind"].eq("child").to_numpy(dtype=bool)].set_index("ref")["cluster"]
        suggested = duplicate_suggestions(
            dataset.associates, analysis.settings.duplicate_similarity, links=dataset.links, cluster_of=cluster_of
        )
    rows.append(
        row(
            f"{name}: likely duplicate associates (police only; {len(suggested):,} suggested among "
            f"{len(dataset.associates):,}, alike names near the same children or clusters)",
            duplicates.seconds,
            "s",
        )
    )
    analysis.duplicates = suggested.head(0)
    with tempfile.TemporaryDirectory() as out, measure() as writing:
        write_analysis(analysis, out, "police", dataset, kpi=False)
    rows.append(
        row(f"{name}: whole analysis of the year (the stages above but duplicate associates)", whole.seconds, "s")
    )
    rows.append(row(f"{name}: whole analysis, peak memory", whole.peak_mb, "MB"))
    rows.append(row(f"{name}: writing people, clusters, ties, changes (police)", writing.seconds, "s"))
    counts = analysis.info["counts"]
    for key in ("episodes", "links", "children", "associates", "evidence", "ties"):
        rows.append(row(f"{name}: {key} in the year", counts[key], ""))
    rows.append(row(f"{name}: peer clusters", analysis.info["clustering"]["clusters"], ""))
    rows.append(row(f"{name}: bridging (betweenness) computed", analysis.info["betweenness"], ""))
    return rows, dataset, analysis, truth


def planted_figures(name: str, dataset, analysis, truth) -> list[dict]:
    """ARI and adults-of-concern ranks against the planted truth."""
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score

    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    seen: dict[str, list] = {}
    for group in truth["groups"]:
        for c in group["children"]:
            seen.setdefault(c, []).append(group["id"])
    labels = {c: g[0] for c, g in seen.items() if len(g) == 1}
    cluster = analysis.people.set_index("ref")["cluster"]
    found = [cluster.get(ref[c]) for c in labels]
    found = [int(f) if pd.notna(f) else -1 - i for i, f in enumerate(found)]
    rows = [
        row(
            f"{name}: ARI, planted groups against found clusters", adjusted_rand_score(list(labels.values()), found), ""
        )
    ]
    associates = analysis.people[analysis.people["kind"] == "associate"].reset_index(drop=True)
    position = {r: i + 1 for i, r in enumerate(associates["ref"])}
    by_id = dict(zip(dataset.associates["associate_id"], dataset.associates["ref"]))
    ranks = [position.get(by_id.get(a["id"])) for a in truth["adults_of_concern"]]
    found = [r for r in ranks if r is not None]
    if found:
        rows.append(row(f"{name}: worst rank of a planted adult of concern among associates", max(found), ""))
    rows.append(
        row(
            f"{name}: planted adults of concern not among the year's associates (of {len(ranks):,})",
            len(ranks) - len(found),
            "",
        )
    )
    return rows


def methods(name: str, analysis, truth=None, dataset=None, which=("leiden", "leidenalg", "louvain")) -> list[dict]:
    """Leiden (igraph's and leidenalg's) beside Louvain on the same network."""
    import pandas as pd

    from peermap.mapping.clusters import compare_methods

    planted = None
    if truth is not None and dataset is not None:
        ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
        planted = pd.Series({ref[c]: g["id"] for g in truth["groups"] for c in g["children"]})
        planted = planted[~planted.index.duplicated(keep=False)]
    table = compare_methods(analysis.network, analysis.settings, truth=planted, methods=which)
    rows = []
    for r in table.to_dict("records"):
        rows.append(row(f"{name}: {r['method']} modularity", r["modularity"], ""))
        rows.append(row(f"{name}: {r['method']} seconds (with splitting)", r["seconds"], "s"))
        rows.append(row(f"{name}: {r['method']} clusters", r["clusters"], ""))
        if "ari" in r:
            rows.append(row(f"{name}: {r['method']} ARI against planted groups", r["ari"], ""))
    return rows


def naive_overlap_pairs(table, settings, block: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of episodes compared: time share, then the closest of their places (numpy, in blocks)."""
    n = len(table.start)
    start, end = table.start, table.end
    radius = settings.close_in_place_km * 1000.0
    share = settings.overlap_least_share
    points = [(table.from_x, table.from_y), (table.found_x, table.found_y)]
    districts = [table.district.codes[:n], table.district.codes[n:]]
    found_i, found_j = [], []
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        rows = np.arange(lo, hi)
        common = np.minimum(end[rows, None], end[None, :]) - np.maximum(start[rows, None], start[None, :])
        union = np.maximum(end[rows, None], end[None, :]) - np.minimum(start[rows, None], start[None, :])
        close = np.zeros((hi - lo, n), dtype=bool)
        for (ax, ay), da in zip(points, districts):
            for (bx, by), db in zip(points, districts):
                distance = np.hypot(ax[rows, None] - bx[None, :], ay[rows, None] - by[None, :])
                close |= distance <= radius
                blind = np.isnan(ax[rows, None]) | np.isnan(bx[None, :])
                close |= blind & (da[rows, None] == db[None, :]) & (da[rows, None] >= 0)
        ok = (common > 0) & (common >= share * np.maximum(union, 1)) & close
        ok &= table.child[rows, None] != table.child[None, :]
        ok &= rows[:, None] < np.arange(n)[None, :]
        i, j = np.nonzero(ok)
        found_i.append(i + lo)
        found_j.append(j)
    return np.concatenate(found_i), np.concatenate(found_j)


def overlap_search(dataset) -> tuple[list[dict], dict]:
    from peermap.geo.postcodes import default_index
    from peermap.mapping.evidence.co_missing import overlapping_episode_pairs
    from peermap.mapping.evidence.episodes import episode_table
    from peermap.mapping.settings import EvidenceSettings

    settings = EvidenceSettings()
    sample = dataset.episodes.sample(n=min(NAIVE_EPISODES, len(dataset.episodes)), random_state=7)
    table = episode_table(sample, dataset.places, default_index(), settings)
    best_ours = None
    for _ in range(3):  # the best of three: the machine is shared
        started = time.perf_counter()
        i, j = overlapping_episode_pairs(table, settings)
        took = time.perf_counter() - started
        best_ours = took if best_ours is None else min(best_ours, took)
    started = time.perf_counter()
    ni, nj = naive_overlap_pairs(table, settings)
    naive = time.perf_counter() - started
    same = set(zip(i.tolist(), j.tolist())) == set(zip(ni.tolist(), nj.tolist()))
    rows = [
        row("overlap search: episodes (a random 50,000 of the national year)", len(sample), ""),
        row("overlap search: pairs missing at the same time, close in place", len(i), ""),
        row("overlap search: naive way finds exactly the same pairs", "yes" if same else "NO", ""),
        row("overlap search: ours (sorted sweep per place cell)", best_ours, "s"),
        row("overlap search: naive (every pair of episodes, numpy in blocks)", naive, "s"),
    ]
    ratio = {
        "measure": "overlap search, 50,000 episodes (seconds)",
        "ours": round(best_ours, 3),
        "naive": round(naive, 2),
        "ratio": round(naive / best_ours, 1),
    }
    return rows, ratio


def national_part(quick: bool) -> tuple[list[dict], dict]:
    """The national scale (unless ``quick``) and the overlap search, for a fresh process of their own."""
    rows = []
    national = synthetic_folder("national", **NATIONAL)
    if not quick:
        national_rows, dataset, analysis, truth = analyse_scale("national", NATIONAL)
        rows += (
            national_rows
            + planted_figures("national", dataset, analysis, truth)
            + methods("national", analysis, truth, dataset, which=("leiden", "louvain"))
        )
        print(
            "\n".join(f"{r['measure']}: {r['value']} {r['unit']}" for r in national_rows), file=sys.stderr, flush=True
        )
        del analysis
    else:
        from peermap.graph_models.load import load_folder

        dataset = load_folder(national)
    search_rows, ratio = overlap_search(dataset)
    return rows + search_rows, ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Durham scale and the overlap search only")
    args = parser.parse_args()
    rows, ratios = [], []
    durham_rows, dataset, analysis, truth = analyse_scale("durham", DURHAM)
    rows += (
        durham_rows + planted_figures("durham", dataset, analysis, truth) + methods("durham", analysis, truth, dataset)
    )
    print("\n".join(f"{r['measure']}: {r['value']} {r['unit']}" for r in rows), file=sys.stderr, flush=True)
    del dataset, analysis
    # the national scale in a fresh process, as `peermap analyse` runs: measured after the Durham work in this
    # one, every stage ran noticeably slower, which says more about that process than about the analysis
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        national_rows, ratio = pool.submit(national_part, args.quick).result()
    rows += national_rows
    ratios.append(ratio)
    print(ratio, file=sys.stderr)
    path = write_result(
        "analysis",
        "Peer-network analysis",
        "The whole peer-network analysis of a synthetic year (evidence, network, Leiden clusters, key people, "
        "explanations, change since the previous period, duplicate associates) at Durham scale (356 children, "
        "1,535 episodes) and national scale (200,000 children, 1,000,000 episodes, 2,000,000 links; in a fresh "
        "process of its own, as `peermap analyse` runs), with the time and peak memory of each stage (resident memory "
        "of the process and of the second process that finds a national network's clusters while this one measures "
        "bridging and writes the explanations, sampled every 50 ms); Leiden beside Louvain on the same "
        "network; and the overlap search (missing at the same time, close in place) on 50,000 episodes beside "
        "the naive way that compares every pair, in the same run. The machine is shared with other work: "
        "times are wall-clock.",
        rows,
        ratios,
    )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
