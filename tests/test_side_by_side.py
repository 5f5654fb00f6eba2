"""Work done side by side gives exactly what it gives one step at a time.

A national analysis makes its kinds of evidence in threads, finds its peer
clusters in a second process while the explanations are written, and makes
parts of its hot spots in a second thread while the areas are drawn. Each is
checked here on the synthetic County Durham year, with its decoys (children
sharing a residential home, chance overlaps, stray associates), by forcing
the side-by-side paths on and comparing every output with the plain run.
"""

from __future__ import annotations

import json
import signal
import threading
from concurrent.futures import Executor, Future

import numpy as np
import pandas as pd
import pytest

import peermap.geo.hotspots as hotspots
import peermap.mapping.background_clusters as background
import peermap.mapping.evidence.collect as evidence_module
from peermap.mapping.analysis import analyse
from peermap.mapping.background_clusters import SecondProcessError, clustering_input, clusters_meanwhile
from peermap.mapping.clusters import find_clusters
from peermap.mapping.evidence import collect_evidence
from peermap.mapping.periods import Period
from peermap.mapping.settings import EvidenceSettings


@pytest.fixture(scope="module")
def year(synthetic_year) -> Period:
    truth = json.loads((synthetic_year / "truth.json").read_text())
    return Period.from_dates(truth["period"]["from"], truth["period"]["to"])


@pytest.fixture(scope="module")
def plain(synthetic_dataset, year):
    """The year analysed one step at a time: evidence in one thread, clusters in this process."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evidence_module, "EVIDENCE_THREADS", 1)
        patch.setattr(background, "SECOND_PROCESS_ABOVE_TIES", 10**12)
        return analyse(synthetic_dataset, year)


def test_evidence_made_in_threads_is_the_evidence_made_in_one(synthetic_dataset, year, plain, monkeypatch):
    monkeypatch.setattr(evidence_module, "EVIDENCE_THREADS", 4)
    threaded = collect_evidence(synthetic_dataset, year)
    assert len(threaded.rows) > 1000 and threaded.rows["kind"].nunique() >= 5  # every kind of evidence is there
    pd.testing.assert_frame_equal(
        threaded.rows.drop(columns="detail", errors="ignore"), plain.evidence.drop(columns="detail", errors="ignore")
    )
    pd.testing.assert_frame_equal(threaded.place_rows, plain.place_rows)


@pytest.fixture
def spawned(monkeypatch) -> list:
    """Every second process started, as its Popen (other tests may have children of their own, e.g. a browser)."""
    made = []
    real_popen = background.subprocess.Popen

    def popen(*args, **kwargs):
        made.append(real_popen(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(background.subprocess, "Popen", popen)
    return made


def test_clusters_found_in_a_second_process_are_the_clusters_found_here(
    synthetic_dataset, year, plain, monkeypatch, spawned
):
    monkeypatch.setattr(background, "SECOND_PROCESS_ABOVE_TIES", 0)  # every network goes to a second process
    aside = analyse(synthetic_dataset, year, previous=False)
    assert len(spawned) == 1, "the second process was not used"
    assert spawned[0].returncode == 0
    assert "clusters (waiting for the second process)" in aside.timings and "clusters" in plain.timings
    assert plain.info["clustering"]["clusters"] >= 10
    assert np.array_equal(aside.clustering.membership, plain.clustering.membership)
    assert aside.clustering.modularity == pytest.approx(plain.clustering.modularity)
    for name in ("people", "clusters", "ties"):
        pd.testing.assert_frame_equal(getattr(aside, name), getattr(plain, name), obj=name)


def test_the_second_process_reports_its_error(plain, spawned):
    settings = EvidenceSettings()
    with clusters_meanwhile(plain.network, settings, method="no-such-method", second_process_above=0) as clustering_of:
        with pytest.raises(SecondProcessError, match="unknown method 'no-such-method'"):
            clustering_of()
    assert spawned[0].returncode == 0, "the second process did not end on its own after reporting"


def test_a_second_process_that_dies_is_reported_not_waited_for(plain, spawned):
    with clusters_meanwhile(plain.network, EvidenceSettings(), second_process_above=0) as clustering_of:
        spawned[0].kill()
        with pytest.raises(SecondProcessError, match="stopped .*killed"):
            clustering_of()


def test_an_answer_that_cannot_be_read_is_reported_as_that(plain, spawned, monkeypatch):
    """An answer this process cannot take in (here: no memory left for it) is raised as that, not as a second
    process that stopped; and the second process is not left behind."""

    def no_memory(handle):
        raise MemoryError

    monkeypatch.setattr(background.pickle, "load", no_memory)
    with clusters_meanwhile(plain.network, EvidenceSettings(), second_process_above=0) as clustering_of:
        with pytest.raises(SecondProcessError, match="could not be read") as raised:
            clustering_of()
    assert isinstance(raised.value.__cause__, MemoryError)
    assert spawned[0].poll() is not None


def test_leaving_early_stops_the_second_process(plain, spawned):
    with pytest.raises(KeyboardInterrupt):
        with clusters_meanwhile(plain.network, EvidenceSettings(), second_process_above=0):
            assert spawned[0].poll() is None  # still working
            raise KeyboardInterrupt
    assert spawned[0].returncode == -signal.SIGKILL  # stopped, not left to finish for nobody


def test_what_is_sent_is_let_go_of_once_the_second_process_has_it(plain, monkeypatch):
    """The people and risk ties sent to the second process (some 150 MB on a national year) are not held by
    this process through the bridging and the wait once the second process has read them."""
    import gc
    import weakref

    sent = []

    def remembered(network, *args, **kwargs):
        made = clustering_input(network, *args, **kwargs)
        sent.append(weakref.ref(made))
        return made

    clustering_input = background.clustering_input
    monkeypatch.setattr(background, "clustering_input", remembered)
    with clusters_meanwhile(plain.network, EvidenceSettings(), second_process_above=0) as clustering_of:
        found = clustering_of()  # it has read the network and answered
        gc.collect()
        assert sent and sent[0]() is None, "the network sent is still held while the block runs"
    assert len(found.membership) == len(plain.network.nodes)


def test_meeting_sized_networks_are_clustered_here_and_only_once(plain, monkeypatch):
    calls = []
    monkeypatch.setattr(background, "find_clusters", lambda *a: calls.append(a) or find_clusters(*a))
    monkeypatch.setattr(background.subprocess, "Popen", None)  # starting a process would fail
    with clusters_meanwhile(plain.network, EvidenceSettings()) as clustering_of:
        first, again = clustering_of(), clustering_of()
    assert first is again and len(calls) == 1
    assert np.array_equal(first.membership, plain.clustering.membership)


@pytest.mark.parametrize("audience", ["meeting", "police"])
def test_ties_written_while_the_clusters_are_found_are_the_ties_written_after(
    synthetic_dataset, year, audience, monkeypatch, spawned, tmp_path
):
    """``peermap analyse`` writes ties.csv while the second process finds the clusters (it names none): before
    the clusters are asked for, asking before each block whether the second process still works (one block
    made ahead then, two after), with the same bytes, words and audience's names, and the same Parquet, as
    the ties.csv written once the analysis is done."""
    from contextlib import contextmanager, nullcontext

    import peermap.mapping.analysis as analysis_module
    from peermap.exports import csv_text
    from peermap.exports.analysis_folder import TiesFirst, write_analysis
    from peermap.exports.audience_view import analyse_for_audience
    from peermap.exports.audiences import audience_policy, restrict_dataset
    from peermap.exports.output_folder import OutputFolder

    monkeypatch.setattr(background, "SECOND_PROCESS_ABOVE_TIES", 0)  # every network goes to a second process
    events, given = [], []
    real = analysis_module.clusters_meanwhile

    @contextmanager
    def recorded(*args, **kwargs):
        with real(*args, **kwargs) as clustering_of:

            def asked():
                events.append("clusters asked for")
                return clustering_of()

            asked.elsewhere, asked.pending = clustering_of.elsewhere, clustering_of.pending
            yield asked

    monkeypatch.setattr(analysis_module, "clusters_meanwhile", recorded)
    dataset = restrict_dataset(synthetic_dataset, audience_policy(audience))
    first, after = tmp_path / "first", tmp_path / "after"
    stage = lambda name: events.append(name) or nullcontext()  # noqa: E731
    monkeypatch.setattr(csv_text, "BLOCK", 200)  # many blocks: how many to make ahead is asked before each
    formats = ("csv", "parquet")
    with OutputFolder(first) as folder:  # as peermap analyse: written into the folder being made
        early = TiesFirst(dataset, audience, folder.path, formats=formats, stage=stage)

        def seen(ties):
            asked = ties.clusters_pending
            ties.clusters_pending = lambda: given.append(asked()) or given[-1]
            early(ties)

        analysis = analyse_for_audience(dataset, year, audience, previous=False, meanwhile=seen)
        assert events == ["writing ties.csv", "clusters asked for"]
        blocks = -(-len(analysis.tie_order) // 200)
        assert len(given) >= blocks > 5 and spawned[0].returncode == 0
        write_analysis(analysis, folder, audience, dataset, formats=formats, ties_written=early.files)
        folder.commit()
    plain = analyse_for_audience(dataset, year, audience, previous=False)
    write_analysis(plain, after, audience, dataset, formats=formats)
    written = (first / "ties.csv").read_bytes()
    assert written == (after / "ties.csv").read_bytes()
    assert written.count(b"\n") == len(analysis.tie_order) + 1 > 1000
    assert (b"(episodes E" in written) == (audience == "police")  # raw IDs for the police only
    pd.testing.assert_frame_equal(pd.read_parquet(first / "ties.parquet"), pd.read_parquet(after / "ties.parquet"))
    for name in ("people.csv", "clusters.csv", "changes.csv", "kpi.json", "hotspots.geojson"):
        assert (first / name).read_bytes() == (after / name).read_bytes(), name
    listed = json.loads((first / "manifest.json").read_text())["files"]
    assert "ties.csv" in json.dumps(listed)


def _rings(groups: int, size: int):
    """``groups`` rings of ``size`` children, no tie between rings: each ring is one peer cluster."""
    from peermap.graph_models.network import PeerNetwork

    n = groups * size
    a = np.arange(n)
    b = (a // size) * size + (a + 1) % size
    nodes = pd.DataFrame({"ref": [f"C-{i:010d}" for i in range(n)], "kind": "child"})
    ties = pd.DataFrame(
        {
            "a_node": a,
            "b_node": b,
            "cluster_weight": np.ones(n),
            "tie_type": pd.Categorical(["risk"] * n),
        }
    )
    return PeerNetwork(nodes, ties)


def test_the_second_process_ends_once_it_has_answered_not_when_asked(spawned):
    """Its answer is read as soon as it is given, so it ends then, letting go of its memory (some 600 MB on a
    national year) while this process still writes ties.csv. 20,000 children: an answer bigger than a pipe
    holds, which it could not finish giving before it was read."""
    network = _rings(2000, 10)
    with clusters_meanwhile(network, EvidenceSettings(), second_process_above=0) as clustering_of:
        assert spawned[0].wait(timeout=120) == 0, "it still held on, waiting for its answer to be read"
        found = clustering_of()
    assert len(found.membership) == 20_000 and found.membership.max() == 2000
    ring = found.membership.reshape(2000, 10)
    assert (ring == ring[:, :1]).all()  # each ring one cluster


def test_the_second_process_lets_go_of_the_ties_it_has_read(plain):
    """Its own copy of the ties is let go of once read (``own``); the clusters are the same."""
    sent = clustering_input(plain.network)
    found = find_clusters(sent, EvidenceSettings(), own=True)
    assert len(sent.ties) == 0 and list(sent.ties.columns) == list(clustering_input(plain.network).ties.columns)
    assert np.array_equal(found.membership, find_clusters(plain.network, EvidenceSettings()).membership)
    assert len(plain.network.ties) > 1000  # the caller's network, not sent, keeps them


class OneAfterTheOther(Executor):
    """An executor that does each task at once, in the thread that hands it over."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, fn, /, *args, **kwargs):
        done = Future()
        done.set_result(fn(*args, **kwargs))
        return done


@pytest.mark.parametrize("month", [None, "2023-03"], ids=["the year", "a month with its look-back and trend"])
def test_hot_spots_made_beside_are_the_hot_spots_made_one_after_the_other(synthetic_dataset, year, month, monkeypatch):
    period = Period.from_month(month) if month else year
    made_in = []
    place_tables = hotspots._place_tables
    monkeypatch.setattr(
        hotspots, "_place_tables", lambda *a: made_in.append(threading.current_thread().name) or place_tables(*a)
    )
    beside = hotspots.analyse_places(synthetic_dataset, period, include_handling_c=False)
    assert made_in and made_in[0].startswith("hot spots beside")  # really in the second thread
    with monkeypatch.context() as patch:
        patch.setattr(hotspots, "ThreadPoolExecutor", OneAfterTheOther)
        plain = hotspots.analyse_places(synthetic_dataset, period, include_handling_c=False)
    assert made_in[1] == threading.current_thread().name
    assert len(plain.areas) >= 10 and plain.time_of_day["episodes"].sum() > 0 and len(plain.missing_from) > 0
    if month:
        assert plain.areas["previous_episodes"].notna().any()  # earlier periods' mentions were placed (beside)
    for name, table in vars(plain).items():
        if isinstance(table, pd.DataFrame):
            pd.testing.assert_frame_equal(getattr(beside, name), table, check_exact=True, obj=name)
    # where episodes start and the safe places are made beside from the mentions before each is marked with its
    # area: the same as from the marked mentions and the finished places, as they were made before
    kinds = plain.places[["postcode", "place", "district", "kind", "home", "easting", "northing", "lon", "lat"]]
    for role, table in (("missing_from", plain.missing_from), ("safe_place", plain.safe_places)):
        pd.testing.assert_frame_equal(table, hotspots._by_place(plain.mentions, role, kinds), check_exact=True)
