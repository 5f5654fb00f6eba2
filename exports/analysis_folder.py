"""The folder ``peermap analyse`` writes: people, clusters, ties, changes, measures and hot spots, for one audience.

SCHEMA.md "What comes out": ``people.csv``, ``clusters.csv``, ``ties.csv``,
``changes.csv`` (not for the board), ``kpi.json``, ``hotspots.geojson``,
``places.geojson`` and ``hotspots.csv`` (not for the board), ``possible_duplicates.csv`` (audiences that may see
associates' raw names) and ``manifest.json``, whole or not at all and readable
by their owner only (:class:`exports.output_folder.OutputFolder`). The pack
writes the same files from the same :class:`~exports.audience_view.AudienceView`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

from peermap.exports.audience_view import AudienceView, audience_view, refuse_hidden_handling
from peermap.exports.audiences import (
    AudiencePolicy,
    TextsView,
    associate_names,
    audience_policy,
    people_view,
    texts_view,
)
from peermap.exports.board import board_measures
from peermap.exports.csv_text import Blocks
from peermap.exports.geojson import (
    hotspot_columns,
    hotspot_table,
    write_hotspots_geojson,
    write_places_geojson,
)
from peermap.exports.manifest import write_json, write_manifest, write_table
from peermap.exports.output_folder import OutputFolder
from peermap.graph_models.dataset import Dataset
from peermap.mapping.analysis import Analysis, TieTable
from peermap.mapping.measures import compute_measures
from peermap.mapping.memory import release_free_memory
from peermap.mapping.periods import LOOKBACK_MONTHS


def audience_ties(analysis: Analysis, policy: AudiencePolicy, shown: pd.Series) -> pd.DataFrame:
    """ties.csv's rows for an audience: ``why`` with raw IDs for those who may see them, names as allowed."""
    ties = analysis.tie_rows(analysis.why(police=policy.raw_ids).series())
    ties["why"] = texts_view(ties["why"].astype("string"), shown)
    return ties


def _write_ties(
    ties: Analysis | TieTable, policy: AudiencePolicy, shown: pd.Series, path: Path, formats, ahead=None
) -> list[Path]:
    """ties.csv as :func:`audience_ties` gives it, made a block of rows at a time as it is written (a national
    year's ties are millions of rows and more than a gigabyte of words: never all held at once); ``ahead``:
    blocks made ahead in threads (:class:`exports.csv_text.Blocks`)."""
    why = ties.why(police=policy.raw_ids)

    def rows(start: int, stop: int) -> pd.DataFrame:
        words = pd.Series(pd.arrays.ArrowStringArray(why.of(np.arange(start, stop))))
        return ties.tie_rows(words, at=slice(start, stop))

    table = Blocks(list(rows(0, 0).columns), len(why), rows, ahead)
    view = TextsView(shown)  # the names to swap picked out once, not once per block
    return write_table(table, path, formats, texts={"why": lambda words: view(words.astype("string"))})


class TiesFirst:
    """ties.csv written as soon as the analysis knows the ties, before it knows the peer clusters: pass one as
    :func:`mapping.analysis.analyse`'s ``meanwhile``, then its :attr:`files` to :func:`write_analysis`.

    ties.csv names no cluster. A national network's clusters take tens of
    seconds in a second process, while this one waited with nothing to do;
    ties.csv (five million rows) took about as long again once the analysis
    was done. Written in the wait, it is the same file. ``files`` is
    ``None`` until it is written (and for the board, which gets no ties).
    """

    def __init__(
        self,
        dataset: Dataset,
        audience: str,
        out_dir: Path,
        names: bool = False,
        formats: tuple[str, ...] = ("csv",),
        stage=None,
    ):
        self.dataset, self.out, self.formats = dataset, Path(out_dir), formats
        self.policy = audience_policy(audience, names=names)
        self.stage = stage or (lambda name: nullcontext())
        self.files: list[Path] | None = None

    def __call__(self, ties: TieTable) -> None:
        refuse_hidden_handling(ties, self.policy)
        if not self.policy.people:
            return
        with self.stage("writing ties.csv"):
            shown = associate_names(self.dataset.associates, self.policy)
            # one block made ahead while the second process is at work: two took as long there, and 95 MB more
            # (national); as many as usual again once it has answered, its memory let go of
            ahead = lambda: 1 if ties.clusters_pending() else None  # noqa: E731
            self.files = _write_ties(ties, self.policy, shown, self.out / "ties.csv", self.formats, ahead)
            release_free_memory()


#: Above this many places and hot-spot areas (a national year has about half a million; a county's year a
#: couple of thousand), :func:`write_view_files` writes its three files side by side.
MAPS_IN_THREADS_ABOVE = 50_000


def _write_kpi(view: AudienceView, out: Path) -> Path:
    """``kpi.json``: the measures, or the board's with its suppression."""
    if view.policy.people:
        measures = compute_measures(view.dataset, view.period)
    else:
        measures = board_measures(view.dataset, view.period).json("now")
    return write_json(measures, out / "kpi.json")


def write_analysis_tables(
    analysis: Analysis,
    dataset: Dataset,
    policy: AudiencePolicy,
    out_dir: Path,
    formats: tuple[str, ...] = ("csv",),
    summary_only: bool = False,
    ties_written: list[Path] | None = None,
) -> list[Path]:
    """people.csv, clusters.csv, ties.csv, changes.csv and (police) possible_duplicates.csv, as ``policy``
    may see them, into ``out_dir``; nothing for the board. Needs no places: ``peermap analyse`` writes them
    first, then lets go of the ties' evidence before the hot spots
    (:meth:`mapping.analysis.Analysis.drop_tie_details`). ``ties_written``: ties.csv's files when they are
    written already (:class:`TiesFirst`)."""
    if not policy.people:
        return []
    out = Path(out_dir)
    shown = associate_names(dataset.associates, policy)
    people = people_view(analysis.everyone(), dataset.children, dataset.associates, policy)
    files = write_table(people, out / "people.csv", formats)

    clusters = analysis.clusters.copy()
    for column in ("associates", "summary", "strongest_ties", "adults_of_concern"):
        clusters[column] = texts_view(clusters[column].astype("string"), shown)
    files += write_table(clusters, out / "clusters.csv", formats)

    if not summary_only and ties_written is None:
        ties_written = _write_ties(analysis, policy, shown, out / "ties.csv", formats)
    files += [] if summary_only else ties_written

    changes = analysis.changes.copy()
    for column in ("subject", "detail"):
        changes[column] = texts_view(changes[column].astype("string"), shown)
    files += write_table(changes, out / "changes.csv", formats)

    if policy.unresolved_names and len(analysis.duplicates):
        files += write_table(analysis.duplicates, out / "possible_duplicates.csv", formats)
    return files


def write_view_files(
    view: AudienceView, out_dir: Path, kpi: bool = True, formats: tuple[str, ...] = ("csv",)
) -> list[Path]:
    """kpi.json (the board's with its suppression), hotspots.geojson, places.geojson and (not for the board)
    hotspots.csv (and its Parquet twin when ``formats`` says so), as the audience may see them; their paths.

    The three read different tables: above :data:`MAPS_IN_THREADS_ABOVE` places and areas, kpi.json and
    places.geojson are written in threads of their own while the hot spots are written here (projection,
    shapely and Arrow let go of the interpreter; on a national year the files took half a minute one after
    the other). A county's are written one after the other, in a few tenths of a second.
    """
    out = Path(out_dir)
    columns = None  # the hot spots' columns: made once, by hotspots(), for the GeoJSON and the CSV

    def hotspots() -> Path:
        nonlocal columns
        columns = hotspot_columns(view.places, view.audience) if view.policy.people else None
        path = out / "hotspots.geojson"
        return write_hotspots_geojson(view.places, path, view.audience, board=view.districts, columns=columns)

    def hotspot_rows() -> list[Path]:  # not for the board; after hotspots()
        if not view.policy.people:
            return []
        return write_table(hotspot_table(view.places, view.audience, columns[0]), out / "hotspots.csv", formats)

    def places() -> Path:
        return write_places_geojson(view.places, out / "places.geojson", view.audience)

    def measures() -> list[Path]:
        return [_write_kpi(view, out)] if kpi else []

    if len(view.places.places) + len(view.places.areas) <= MAPS_IN_THREADS_ABOVE:
        measured, hot, placed, rows = measures(), hotspots(), places(), hotspot_rows()
    else:
        with ThreadPoolExecutor(2, thread_name_prefix="kpi.json and places.geojson") as pool:
            measuring, placing = pool.submit(measures), pool.submit(places)
            hot, rows = hotspots(), hotspot_rows()
            measured, placed = measuring.result(), placing.result()
    return [*measured, hot, placed, *rows]


def write_analysis_files(
    view: AudienceView,
    out_dir: Path,
    kpi: bool = True,
    formats: tuple[str, ...] = ("csv",),
    summary_only: bool = False,
) -> list[Path]:
    """Every file of the folder but the manifest, into ``out_dir`` (a staging folder); returns their paths.

    ``formats`` with ``parquet`` adds a Parquet file beside each CSV; ``summary_only`` leaves out the ties
    (``ties.csv``: millions of rows on a national year, more than a spreadsheet opens)."""
    tables = write_analysis_tables(view.analysis, view.dataset, view.policy, out_dir, formats, summary_only)
    return tables + write_view_files(view, out_dir, kpi, formats)


def write_analysis(
    analysis: Analysis,
    out_dir,
    audience: str,
    dataset: Dataset,
    names: bool = False,
    kpi: bool = True,
    postcodes=None,
    lookback: int = LOOKBACK_MONTHS,
    covers_from: str | None = None,
    formats: tuple[str, ...] = ("csv",),
    summary_only: bool = False,
    stage=None,
    drop_tie_details: bool = False,
    ties_written: list[Path] | None = None,
) -> list[Path]:
    """Write the analysis for one audience; returns the files written (manifest last).

    ``formats`` and ``summary_only``: see :func:`write_analysis_files` (both recorded in the manifest).
    ``stage``: optional ``stage(name)`` context-manager factory wrapped around the writing of the tables, the
    hot spots and the writing of the rest (``peermap analyse`` reports each one's time).
    ``drop_tie_details``: once the tables are written, let go of the evidence and the ties' texts
    (:meth:`~mapping.analysis.Analysis.drop_tie_details`) before the hot spots are found: gigabytes on a
    national year, for a caller that needs no more of the analysis than its people, clusters and counts.
    ``ties_written``: ties.csv's files when written already, while the analysis found the clusters
    (:class:`TiesFirst`); they are not written again.

    ``lookback`` (months) and ``covers_from`` (ISO date where the data's coverage starts) shape the hot
    spots' fixed areas and series (SCHEMA.md "Periods").

    The files are those of the module docstring, whole or not at all
    (``out_dir`` is a path, or the :class:`~exports.output_folder.OutputFolder`
    a command is writing, which then puts the files in place).

    Raises
    ------
    ValueError
        when the analysis was built from intelligence the audience may not see
        (handling ``C`` for a meeting): analyse the restricted dataset instead.
    exports.output_folder.OutputError
        when ``out_dir`` holds files peermap did not write, or cannot be written.
    """
    stage = stage or (lambda name: nullcontext())
    policy = audience_policy(audience, names=names)
    refuse_hidden_handling(analysis, policy)
    with OutputFolder.of(out_dir) as folder:
        if drop_tie_details:
            analysis.drop_page_details()  # before the tables: no file reads them
        with stage("writing tables"):
            files = write_analysis_tables(analysis, dataset, policy, folder.path, formats, summary_only, ties_written)
        if drop_tie_details:
            analysis.drop_tie_details()
            release_free_memory()
        with stage("hot spots and places"):
            view = audience_view(
                dataset,
                analysis.period,
                audience,
                names=names,
                postcodes=postcodes,
                analysis=analysis,
                lookback=lookback,
                covers_from=covers_from,
            )
        with stage("writing maps, measures and manifest"):
            files += write_view_files(view, folder.path, kpi, formats)
            extra = {
                "names": view.policy.names,
                "lookback": view.lookback,
                "engine": analysis.info.get("engine", "python"),
                "formats": list(formats),
                "summary_only": bool(summary_only),
                "settings": view.settings(),
                "clustering": analysis.info.get("clustering"),
                "betweenness": analysis.info.get("betweenness"),
            }
            files.append(
                write_manifest(
                    folder.path, audience, analysis.period, dataset.inputs, files, extra, loaded=dataset.loaded
                )
            )
        folder.commit()
    return [folder.placed(f) for f in files]
