"""Loading a data folder into a :class:`~graph_models.dataset.Dataset`.

``load_folder(path)`` reads the CSV files (or one ``.xlsx`` workbook), checks
every row against SCHEMA.md, reports rejected rows and warnings, and returns
the typed tables with pseudonymous references beside the raw IDs. Loading the
same folder twice gives the same tables. A missing required file or column, or
an unreadable file, raises :class:`~graph_models.rejects.DataFolderError`.

Examples
--------
>>> from peermap.graph_models.load import load_folder
>>> dataset = load_folder("out/data")                       # doctest: +SKIP
>>> dataset.children[["child_id", "ref"]].head(1)           # doctest: +SKIP
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from peermap.graph_models import cells
from peermap.graph_models.dataset import Dataset, Loaded
from peermap.graph_models.load_settings import LoadSettings
from peermap.graph_models.postcode_format import normalise_postcodes
from peermap.graph_models.reading import RawTable, folder_files, read_csv_table, read_workbook, sha256_file
from peermap.graph_models.references import associate_references, child_references, find_key
from peermap.graph_models.rejects import REJECTED, WARNING, DataFolderError, Problem
from peermap.graph_models.schema import CHILDREN, PEOPLE_ROLES, PLACE_ROLES, TABLE_SPECS, TableSpec
from peermap.graph_models.validation import Reference, RowRule, validate


class KnownPostcodes(Protocol):
    """What loading asks of a postcode index (``geo.postcodes.PostcodeIndex``): which postcodes it lacks."""

    def unknown(self, postcodes) -> list[str]: ...


def _read_tables(
    folder: Path, problems: list[Problem], settings: LoadSettings, careful: bool, ready=None
) -> tuple[dict[str, RawTable], dict[str, str]]:
    """Raw tables by name, and the SHA-256 of each input file; ``ready(name, table)`` is told of each as read."""
    ready = ready or (lambda name, table: None)
    files = folder_files(folder, problems)
    if files.workbook is not None:
        tables = read_workbook(TABLE_SPECS, files.workbook, problems)
        inputs = {files.workbook.name: sha256_file(files.workbook)}
        where = files.workbook.name
        for name, table in tables.items():
            ready(name, table)
    else:
        tables, inputs = {}, {}
        for spec in TABLE_SPECS:
            path = files.csv_files.get(spec.name)
            if path is not None:
                tables[spec.name] = read_csv_table(spec, path, problems, careful=careful)
                inputs[path.name] = tables[spec.name].sha256
                ready(spec.name, tables[spec.name])
        where = str(folder)
    missing = [s.file for s in TABLE_SPECS if s.required and s.name not in tables]
    if missing:
        raise DataFolderError(
            f"required file{'s' if len(missing) > 1 else ''} missing from {where}: {', '.join(missing)}"
        )
    for table in tables.values():
        _check_shapes(table, settings)
    return tables, inputs


class _ReadingStopped(Exception):
    """The reading was told to stop: the caller has gone."""


class _Reading:
    """The folder's files read one after the other in a thread of their own, each handed over once read.

    The tables already read are checked meanwhile: reading is mostly numpy
    and Arrow, which let go of the interpreter lock, so on a national folder
    the links are read while the children, episodes and interviews are
    checked. What reading finds (its ``problems``, a missing or damaged file)
    comes first, as when every file was read before any was checked.
    """

    def __init__(self, folder: Path, settings: LoadSettings, careful: bool):
        self.problems: list[Problem] = []
        self._tables: dict[str, Future] = {spec.name: Future() for spec in TABLE_SPECS}
        self._done: Future = Future()
        self._put_first = False
        self._stopped = threading.Event()
        args = (folder, settings, careful)
        threading.Thread(target=self._read, args=args, name="reading the data folder", daemon=True).start()

    def _read(self, folder: Path, settings: LoadSettings, careful: bool) -> None:
        try:
            found = _read_tables(folder, self.problems, settings, careful, self._ready)
        except BaseException as exc:  # handed to the thread that waits for it
            for table in self._tables.values():
                if not table.done():
                    table.set_exception(exc)
            self._done.set_exception(exc)
        else:
            for table in self._tables.values():
                if not table.done():
                    table.set_result(None)
            self._done.set_result(found)

    def _ready(self, name: str, table: RawTable) -> None:
        if self._stopped.is_set():
            raise _ReadingStopped
        self._tables[name].set_result(table)

    def stop(self) -> None:
        """No more files are read (Ctrl-C in a notebook: the reading does not go on for nobody)."""
        self._stopped.set()

    def table(self, spec: TableSpec) -> RawTable:
        """The file's table as read (waits for it), or an empty one when there is no such file."""
        return self._tables[spec.name].result() or _empty(spec)

    def finished(self) -> tuple[list[str], dict[str, str]]:
        """Waits for the reading to end: the tables that were there, and the SHA-256 of each input file."""
        tables, inputs = self._done.result()
        return list(tables), inputs

    def first_in(self, problems: list[Problem]) -> None:
        """Put what reading found before ``problems`` (once), as when every file was read before any check."""
        if not self._put_first:
            problems[:0] = self.problems
            self._put_first = True

    def failure(self) -> BaseException | None:
        """Waits for the reading to end: its error, if it stopped the run."""
        return self._done.exception()


class _RawTables(dict):
    """Each raw table by name, as :class:`_Reading` hands it over when first asked for."""

    _SPECS = {spec.name: spec for spec in TABLE_SPECS}

    def __init__(self, reading: _Reading):
        super().__init__()
        self.reading = reading

    def __missing__(self, name: str) -> RawTable:
        table = self[name] = self.reading.table(self._SPECS[name])
        return table


def _check_shapes(table: RawTable, settings: LoadSettings) -> None:
    """Stop when more of a file's rows than the setting allows are of the wrong shape or hold a quote never closed."""
    bad = table.shape_problems
    if not table.read or len(bad) / table.read <= settings.most_badly_shaped_share:
        return
    first = min(bad, key=lambda p: p.line)
    raise DataFolderError(
        f"{table.file}: {len(bad):,} of its {table.read:,} rows are the wrong shape or hold a quote never closed, "
        f"more than the {settings.most_badly_shaped_share:.0%} a run accepts: the first is line {first.line} "
        f"({first.reason.split(':')[0]}); check how the file was exported"
    )


def _nothing_loaded(table: RawTable, problems: list[Problem]) -> DataFolderError:
    """A required file of which no row loads stops the run, naming its first bad line."""
    what = "no child loads" if table.spec is CHILDREN else "no episode loads"
    if not table.read:
        return DataFolderError(f"{table.file} has no rows: {what}, so there is nothing to report on")
    first = min(
        (p for p in problems if p.file == table.file and p.severity == REJECTED), key=lambda p: p.line, default=None
    )
    said = (
        ""
        if first is None
        else f"; the first rejected is line {first.line} ("
        + (f"{first.column}: " if first.column else "")
        + f"{first.reason})"
    )
    return DataFolderError(f"{table.file}: none of its {table.read:,} rows loaded ({what}){said}")


def _empty(spec: TableSpec) -> RawTable:
    frame = pd.DataFrame({c: pd.Series([], dtype="string") for c in spec.column_names})
    frame.index.name = "line"
    return RawTable(spec, spec.file, frame, frame.copy())


#: Link sources whose intelligence may be shared with partners when its handling code is empty (SCHEMA.md).
_SHAREABLE_SOURCES = ("rthi", "school", "worker", "partner")


def _ids(frame: pd.DataFrame, column: str) -> pd.Index:
    """The distinct IDs that loaded, as an Index (fast membership tests on millions of rows)."""
    return pd.Index(frame[column].dropna().unique())


def _known_child_link(known: pd.Index) -> RowRule:
    def ok(frame: pd.DataFrame, typed) -> pd.Series:
        is_child = typed("target_type").eq("child").fillna(False).astype(bool)
        return ~is_child | cells.isin(frame["target_ref"], known)

    return RowRule("target_ref", "target child not found in children.csv", ok)


def _returned_after_missing() -> RowRule:
    def ok(frame: pd.DataFrame, typed) -> pd.Series:
        return ~(typed("returned_at") < typed("missing_at")).fillna(False).astype(bool)

    return RowRule("returned_at", "returned_at is before missing_at", ok)


def _completed_has_time() -> RowRule:
    def ok(frame: pd.DataFrame, typed) -> pd.Series:
        completed = typed("outcome").eq("completed").fillna(False).astype(bool)
        return ~completed | typed("completed_at").notna()

    return RowRule("completed_at", "outcome is completed but completed_at is missing or unreadable", ok)


def _role_fits_target(frame: pd.DataFrame, raw: RawTable, problems: list[Problem]) -> pd.DataFrame:
    """A people role on a place link (or a place role on a person) is blanked with a warning."""
    people = frame["target_type"].isin(["child", "associate"])
    places = frame["target_type"].eq("place")
    wrong = frame["role"].notna() & (
        (people & frame["role"].isin(PLACE_ROLES)) | (places & frame["role"].isin(PEOPLE_ROLES))
    )
    for line in frame.index[wrong.fillna(False).astype(bool)]:
        problems.append(
            Problem(
                raw.file,
                int(line),
                "role",
                WARNING,
                f"role {frame.at[line, 'role']!r} does not fit target_type "
                f"{frame.at[line, 'target_type']!r}: left blank",
                raw.row(line),
            )
        )
    frame.loc[wrong.fillna(False).astype(bool), "role"] = pd.NA
    return frame


def _interview_episodes(
    rthis: pd.DataFrame, known: pd.Index, raw: RawTable, problems: list[Problem]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep each interview's known episodes (unknown ones reported); reject it when none is known."""
    pairs = rthis[["rthi_id", "episode_ids"]].explode("episode_ids").dropna(subset=["episode_ids"])
    pairs = pairs.rename(columns={"episode_ids": "episode_id"}).astype("string")
    unknown = ~cells.isin(pairs["episode_id"], known)
    for line, episode_id in pairs.loc[unknown, "episode_id"].items():  # only the unknown ones: few
        problems.append(
            Problem(
                raw.file,
                int(line),
                "episode_ids",
                WARNING,
                f"episode {episode_id!r} not found in episodes.csv: ignored",
                raw.row(line),
            )
        )
    affected = pairs.index[unknown.to_numpy()].unique()
    if len(affected):
        known_pairs = pairs[~unknown]
        remaining: dict[int, tuple] = {}
        for line, episode_id in known_pairs.loc[known_pairs.index.isin(affected), "episode_id"].items():
            remaining[line] = remaining.get(line, ()) + (episode_id,)  # few rows; groupby.agg(tuple) mangles here
        kept = pd.Series(list(remaining.values()), index=list(remaining), dtype=object)
        none_known = affected.difference(kept.index)
        for line in none_known:
            problems.append(
                Problem(
                    raw.file,
                    int(line),
                    "episode_ids",
                    REJECTED,
                    "none of episode_ids is in episodes.csv",
                    raw.row(line),
                )
            )
        rthis = rthis.drop(index=none_known)
        rthis.loc[kept.index, "episode_ids"] = kept
        pairs = known_pairs
    pairs = pairs.drop_duplicates()
    return rthis, pairs.reset_index(drop=True)[["rthi_id", "episode_id"]]


def _resolve_associates(links: pd.DataFrame, associates: pd.DataFrame, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Resolve associate links through associates.csv IDs, labels and aliases (SCHEMA.md).

    What resolves to nothing becomes an associate of its own, keyed by its
    normalised ``target_ref``.
    """
    names = pd.concat(
        [  # every name that means an associate, in associates.csv order: the first match wins
            pd.DataFrame({"name": associates["associate_id"], "associate_id": associates["associate_id"], "rank": 0}),
            pd.DataFrame({"name": associates["label"], "associate_id": associates["associate_id"], "rank": 1}),
            associates[["aliases", "associate_id"]]
            .explode("aliases")
            .rename(columns={"aliases": "name"})
            .assign(rank=2),
        ]
    ).dropna(subset=["name"])
    names["order"] = pd.Index(associates["associate_id"]).get_indexer(names["associate_id"])
    names["key"] = cells.name_key(names["name"].astype("string"))
    names = names.sort_values(["order", "rank"], kind="stable").drop_duplicates("key")
    is_associate = links["target_type"].eq("associate")
    refs = links.loc[is_associate, "target_ref"]
    resolved = cells.lookup(cells.name_key(refs), names["key"], names["associate_id"])
    unresolved_key = cells.normalised_ref(refs)
    links["associate_key"] = pd.Series(pd.NA, index=links.index, dtype="string")
    links.loc[is_associate, "associate_key"] = resolved.fillna(unresolved_key).astype("string")

    known = associates.assign(associate_key=associates["associate_id"], resolved=True)
    loose = links.loc[
        is_associate & ~cells.isin(links["associate_key"].fillna(""), known["associate_key"]),
        ["associate_key", "target_ref", "role"],
    ]
    loose = loose.drop_duplicates("associate_key")  # label = the target_ref as first written
    loose = pd.DataFrame(
        {
            "associate_key": loose["associate_key"],
            "associate_id": pd.NA,
            "label": loose["target_ref"],
            "aliases": [()] * len(loose),
            "role": pd.NA,
            "approx_age": pd.NA,
            "resolved": False,
        }
    )
    table = pd.concat([known[loose.columns], loose], ignore_index=True) if len(known) else loose.reset_index(drop=True)
    table = table.astype(
        {
            "associate_key": "string",
            "associate_id": "string",
            "label": "string",
            "role": "string",
            "approx_age": "Int64",
            "resolved": bool,
        }
    )
    table.insert(2, "ref", associate_references(key, table["associate_key"]))
    links["associate_ref"] = cells.lookup(links["associate_key"], table["associate_key"], table["ref"])
    return links, table


def load_folder(
    path: str | Path,
    *,
    key: str | None = None,
    key_file: Path | None = None,
    postcodes: KnownPostcodes | None = None,
    settings: LoadSettings | None = None,
    careful: bool = False,
) -> Dataset:
    """Load and validate a data folder (CSV files or one ``.xlsx`` workbook).

    Parameters
    ----------
    path : folder of CSV files, a folder holding one workbook, or the workbook itself.
    key : the reference key; found as SCHEMA.md says when not given (see :func:`find_key`).
    postcodes : when given, well-formed postcodes missing from this index are reported as warnings.
    settings : when a file is too damaged to report on (:class:`~graph_models.load_settings.LoadSettings`).
    careful : read every CSV file record by record, without the fast readers (for tests: the result is
        the same).

    Returns
    -------
    Dataset with every row that loaded; ``dataset.rejects`` lists what did not, and ``dataset.loaded``
    how many rows of each file loaded of how many were read.

    Raises
    ------
    DataFolderError
        What stops a run (SCHEMA.md "Bad input"), with the problems found so far in its ``problems``.
    """
    folder = Path(path)
    key = key or find_key(folder, key_file)
    problems: list[Problem] = []
    reading = _Reading(folder, settings or LoadSettings(), careful)
    try:
        return _load(reading, key, postcodes, problems)
    except Exception as exc:
        # a file missing or damaged stops the run first, with what reading found, as when read before any check
        failed = reading.failure()
        stopped = exc if failed is None else failed
        if failed is not None:
            problems[:] = reading.problems
        else:
            reading.first_in(problems)
        if isinstance(stopped, DataFolderError):
            stopped.problems = stopped.problems or problems
        if failed is not None:
            raise failed from None
        raise
    except BaseException:
        reading.stop()
        raise


def _load(reading: _Reading, key: str, postcodes: KnownPostcodes | None, problems: list[Problem]) -> Dataset:
    """Validate and join the tables as they are read; stop when a required file has no row that loads.

    ``problems`` gets what checking finds, and what reading found is put before it once reading has ended.
    """
    raw = _RawTables(reading)
    children = validate(raw["children"], problems)
    if children.empty:
        raise _nothing_loaded(raw["children"], reading.problems + problems)
    child_ids = _ids(children, "child_id")
    episodes = validate(
        raw["episodes"],
        problems,
        references=(Reference("child_id", child_ids, "children.csv"),),
        rules=(_returned_after_missing(),),
    )
    if episodes.empty:
        raise _nothing_loaded(raw["episodes"], reading.problems + problems)
    episode_ids = _ids(episodes, "episode_id")
    rthis = validate(
        raw["rthis"],
        problems,
        references=(Reference("child_id", child_ids, "children.csv"),),
        rules=(_completed_has_time(),),
    )
    rthis, rthi_episodes = _interview_episodes(rthis, episode_ids, raw["rthis"], problems)
    links = validate(
        raw["links"],
        problems,
        references=(
            Reference("child_id", child_ids, "children.csv"),
            Reference("episode_id", episode_ids, "episodes.csv"),
            Reference("rthi_id", _ids(rthis, "rthi_id"), "rthis.csv"),
        ),
        rules=(_known_child_link(child_ids),),
    )
    links = _role_fits_target(links, raw["links"], problems)
    places = validate(raw["places"], problems, unique_key=cells.name_key)
    associates = validate(raw["associates"], problems)
    kept = {
        "children": children,
        "episodes": episodes,
        "rthis": rthis,
        "links": links,
        "places": places,
        "associates": associates,
    }
    present, inputs = reading.finished()
    reading.first_in(problems)
    loaded = {raw[name].file: Loaded(len(kept[name]), raw[name].read) for name in present}

    refs = child_references(key, children["child_id"])
    children.insert(1, "ref", refs)
    for table in (episodes, rthis, links):
        table.insert(
            table.columns.get_loc("child_id") + 1,
            "child_ref",
            cells.lookup(table["child_id"], children["child_id"], refs),
        )

    # handling: empty = P only for rthi, school, worker and partner; C for police, unknown or no source (SCHEMA.md)
    shareable = links["source"].isin(_SHAREABLE_SOURCES).fillna(False).astype(bool)
    links["handling"] = links["handling"].fillna(shareable.map({True: "P", False: "C"})).astype("string")
    fully_graded = links["source_grade"].isin(["1", "2"]).fillna(False) & links["intel_grade"].isin(
        ["A", "B", "C"]
    ).fillna(False)
    links["unverified"] = ~fully_graded.astype(bool)
    is_child = links["target_type"].eq("child").fillna(False).astype(bool)
    links["target_child_id"] = links["target_ref"].where(is_child).astype("string")
    links["target_child_ref"] = cells.lookup(links["target_child_id"], children["child_id"], refs)
    links, associates = _resolve_associates(links, associates, key)
    is_place = links["target_type"].eq("place").fillna(False).astype(bool)
    links["target_postcode"] = normalise_postcodes(links["target_ref"]).where(is_place).astype("string")
    places.insert(1, "name_key", cells.name_key(places["place_name"]))

    if postcodes is not None:
        _report_unknown_postcodes(
            postcodes, raw, {"children": children, "episodes": episodes, "links": links, "places": places}, problems
        )
    return Dataset(
        children=in_key_order(children, "child_id"),
        episodes=in_key_order(episodes, "episode_id"),
        rthis=in_key_order(rthis, "rthi_id"),
        rthi_episodes=in_key_order(rthi_episodes, "rthi_id", "episode_id"),
        links=in_key_order(links, "link_id"),
        places=in_key_order(places, "name_key"),
        associates=in_key_order(associates, "associate_key"),
        rejects=problems,
        inputs=inputs,
        loaded=loaded,
    )


def in_key_order(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    """Rows sorted by their natural key, so every store gives the tables in the same order.

    The analysis is seeded, and its results must not depend on whether the rows
    came from a folder (file order) or from Neo4j (no order).
    """
    if _in_order(frame, keys):  # already, as exports usually are: no sort of a million keys again
        return frame.reset_index(drop=True)
    return frame.sort_values(list(keys), kind="stable", ignore_index=True)


def _in_order(frame: pd.DataFrame, keys) -> bool:
    """Whether the rows are in the order a stable sort by ``keys`` gives, with no key missing: no row's keys
    before the row above's (compared key by key where the earlier keys tie). False leaves it to the sort:
    a missing key, or keys that cannot be compared so (unordered categories, mixed types)."""
    tied = np.ones(max(len(frame) - 1, 0), dtype=bool)  # rows whose earlier keys equal the row above's
    try:
        for key in keys:
            values = frame[key].array
            if values.isna().any():
                return False
            above, below = values[:-1], values[1:]
            if (tied & np.asarray(above > below, dtype=bool)).any():
                return False
            tied &= np.asarray(above == below, dtype=bool)
    except TypeError:
        return False
    return True


_POSTCODE_COLUMNS = {
    "children": ("home_postcode", "placement_postcode"),
    "episodes": ("missing_from_postcode", "found_at_postcode"),
    "links": ("target_postcode",),
    "places": ("postcode",),
}


def _report_unknown_postcodes(
    index: KnownPostcodes, raw: dict[str, RawTable], tables: dict[str, pd.DataFrame], problems: list[Problem]
) -> None:
    """Well-formed postcodes that the index does not hold: reported, kept, never placed."""
    every = pd.concat([tables[t][c] for t, cols in _POSTCODE_COLUMNS.items() for c in cols]).dropna().unique()
    unknown = set(index.unknown(every))
    if not unknown:
        return
    for table, columns in _POSTCODE_COLUMNS.items():
        for column in columns:
            values = tables[table][column]
            for line in values.index[values.isin(unknown).fillna(False).astype(bool)]:
                shown = "target_ref" if column == "target_postcode" else column
                problems.append(
                    Problem(
                        raw[table].file,
                        int(line),
                        shown,
                        WARNING,
                        f"postcode {values.at[line]} is not in the postcode index: it will not be placed on maps",
                        raw[table].row(line),
                    )
                )
