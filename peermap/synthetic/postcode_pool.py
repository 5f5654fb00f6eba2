"""Real postcodes for invented people: Code-Point Open postcodes from the embedded index.

County Durham and its edges (DH, DL, SR, TS and NE postcodes inside easting
385000-450000, northing 505000-565000), or every area of England and Wales for a
national-size run. Only postcodes placed to the metre (quality 10) are used.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from peermap.geo.postcodes import PostcodeIndex, embedded_data_dir

DURHAM_AREAS = ("DH", "DL", "SR", "TS", "NE")
DURHAM_BOUNDS = (385000, 450000, 505000, 565000)
#: Postcode areas wholly or mostly in Scotland, left out of a national run.
SCOTTISH_AREAS = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE"}


@lru_cache(maxsize=2)
def load_pool(national: bool) -> tuple[np.ndarray, np.ndarray]:
    """The pool's postcodes and their eastings and northings, sorted by postcode."""
    index = PostcodeIndex()
    if national:
        areas = sorted(p.name.split(".")[0].upper() for p in embedded_data_dir().glob("*.csv.gz"))
        areas = [a for a in areas if a not in SCOTTISH_AREAS]
    else:
        areas = list(DURHAM_AREAS)
    frames = []
    for area in areas:
        frame = index.area(area)
        frame = frame[(frame["quality"] == 10) & (frame["easting"] > 0)]
        if not national:
            e0, e1, n0, n1 = DURHAM_BOUNDS
            frame = frame[frame["easting"].between(e0, e1) & frame["northing"].between(n0, n1)]
        frames.append(frame[["easting", "northing"]])
    frame = pd.concat(frames).sort_index()
    frame = frame[~frame.index.duplicated()]
    codes = frame.index.to_numpy().astype(object)
    xy = frame[["easting", "northing"]].to_numpy(dtype=float)
    return codes, xy


@lru_cache(maxsize=2)
def pool_tree(national: bool) -> cKDTree:
    return cKDTree(load_pool(national)[1])


class PostcodePool:
    """The postcodes a run draws from, with a tree for "the nearest real postcode"."""

    def __init__(self, national: bool):
        self.codes, self.xy = load_pool(national)
        self.tree = pool_tree(national)

    def nearest(self, x, y) -> np.ndarray:
        pts = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])
        return self.tree.query(pts)[1].astype(np.int64)

    def near(self, rng, x, y, sd: float) -> np.ndarray:
        """A real postcode near each (x, y): the nearest one to a normal scatter of ``sd`` metres."""
        x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
        return self.nearest(x + rng.normal(0, sd, len(x)), y + rng.normal(0, sd, len(y)))

    def within(self, rng, centre: np.ndarray, radius: np.ndarray) -> np.ndarray:
        """A real postcode inside each circle (postcode ``centre``, ``radius`` m); the centre if none."""
        centre = np.atleast_1d(centre)
        cx, cy = self.xy[centre, 0], self.xy[centre, 1]
        ang = rng.random(len(centre)) * 2 * np.pi
        rad = 0.95 * radius * np.sqrt(rng.random(len(centre)))
        idx = self.nearest(cx + rad * np.cos(ang), cy + rad * np.sin(ang))
        dist = np.hypot(self.xy[idx, 0] - cx, self.xy[idx, 1] - cy)
        return np.where(dist <= radius, idx, centre)


def spell(rng, codes: np.ndarray, p_lower: float, p_nospace: float) -> np.ndarray:
    """Postcodes as a person types them: mostly standard, a share ``p_lower`` in lower case, ``p_nospace`` unspaced."""
    out = codes.copy()
    u = rng.random(len(codes))
    has = pd.Series(codes, dtype=object).ne("").to_numpy()
    lower = has & (u < p_lower)
    nospace = has & (u >= p_lower) & (u < p_lower + p_nospace)
    if lower.any():
        out[lower] = pd.Series(codes[lower]).str.lower().to_numpy()
    if nospace.any():
        out[nospace] = pd.Series(codes[nospace]).str.replace(" ", "", regex=False).to_numpy()
    return out
