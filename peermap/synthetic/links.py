"""The intelligence links table being built: its codes, the text table it points into, and who recorded each link.

Links are held as columns of small integer codes (``LINK_COLUMNS``) pointing into
one table of texts (``Strings``), so millions of them cost little memory; the
folder writer turns them into links.csv. Each link has a source (SCHEMA.md), a
time recorded, the interview it came from if any, and grades: police links graded
and often handling ``C``, interview links mostly graded, others sometimes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peermap.synthetic.calibration import Calibration, Sources
from peermap.synthetic.clock import MIN, Clock, lognormal_hours
from peermap.synthetic.episodes import Episodes
from peermap.synthetic.interviews import Interviews

NOTES = {
    "peer": [
        "Named as being with YP while missing",
        "YP says they met up after school",
        "Friend from school; parent aware",
        "YP stayed at this friend's house overnight",
        "Were drinking together by the river",
        "YP says they just walked around town",
        "Mentioned in RTHI as a close friend",
        "Seen together on CCTV in town",
    ],
    "aoc": [
        "Older male seen collecting YP in a car",
        "YP given cannabis and vapes, asked to hold a package",
        "Reported to be supplying alcohol to young people",
        "Number saved under a nickname on YP's phone",
        "Seen with YP at an address late at night",
        "Linked to county lines activity",
        "YP reluctant to talk about him; appeared scared",
        "Buys food and clothes for YP",
    ],
    "family": [
        "Cousin; YP sometimes stays there",
        "Mum's partner",
        "Older brother, lives away",
        "Dad; contact arrangements",
    ],
    "professional": ["Social worker", "School pastoral lead", "Support worker at placement"],
    "unknown": ["YP would not say who this is", "Name given by another young person", "Only a first name known"],
    "protective": [
        "Trusted adult: YP stays here when unsettled",
        "Supportive; calls carers when YP is there",
        "YP says they feel safe with them",
        "Helped bring YP home",
    ],
    "place": [
        "Found by police",
        "Returned of own accord",
        "Picked up by carer",
        "Seen on CCTV",
        "Found sheltering from the rain",
        "Located after a call from a member of the public",
    ],
    "safe": ["YP goes here to calm down", "Safe place agreed in safety plan", "Staff know YP well"],
    "exploitation": [
        "Address linked to drug supply",
        "Young people seen going in and out late at night",
        "Believed to be a party house",
    ],
    "vehicle": ["Car seen dropping YP off", "YP picked up in this car", "Registration noted by carer"],
    "phone": ["Number found on YP's phone", "Calls YP late at night", "Number given by YP"],
    "online": ["Snapchat contact", "Instagram account messaging YP", "Added YP on TikTok"],
}

# Link codes (written through these lists)
T_CHILD, T_ASSOC, T_PLACE, T_VEHICLE, T_PHONE, T_ONLINE = range(6)
TARGET_TYPES = ["child", "associate", "place", "vehicle", "phone", "online"]
ROLES = [
    "",
    "peer",
    "adult_of_concern",
    "protective",
    "family",
    "professional",
    "unknown",
    "found_at",
    "frequents",
    "exploitation_location",
    "missing_from",
    "safe_place",
]
R = {name: i for i, name in enumerate(ROLES)}
SOURCES = ["", "rthi", "police", "school", "worker", "partner"]
S = {name: i for i, name in enumerate(SOURCES)}
SOURCE_GRADES = ["", "1", "2", "3"]
INTEL_GRADES = ["", "A", "B", "C", "D", "E"]
HANDLING = ["", "P", "C"]
WITH = ["", "yes", "no"]


class Strings:
    """One table of every text a link can point at; links hold indices into it."""

    def __init__(self):
        self.parts: list[np.ndarray] = []
        self.size = 0
        self._notes: dict[str, np.ndarray] = {}

    def notes(self, kind: str) -> np.ndarray:
        if kind not in self._notes:
            self._notes[kind] = self.add(NOTES[kind])
        return self._notes[kind]

    def add(self, values) -> np.ndarray:
        arr = np.asarray(values, dtype=object)
        base = self.size
        self.parts.append(arr)
        self.size += len(arr)
        return np.arange(base, base + len(arr), dtype=np.int64)

    def one(self, value: str) -> int:
        return int(self.add([value])[0])

    def array(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.empty(0, object)


LINK_COLUMNS = (
    "child",
    "rec",
    "ttype",
    "ref",
    "role",
    "ep",
    "rthi",
    "with_",
    "source",
    "sgrade",
    "igrade",
    "handling",
    "note",
    "kind",
)
LINK_DTYPES = {
    "child": np.int64,
    "rec": float,
    "ttype": np.int8,
    "ref": np.int64,
    "role": np.int8,
    "ep": np.int64,
    "rthi": np.int64,
    "with_": np.int8,
    "source": np.int8,
    "sgrade": np.int8,
    "igrade": np.int8,
    "handling": np.int8,
    "note": np.int64,
    "kind": np.int8,
}
#: What made each link (for the summary, never written): planted or background.
KINDS = ["group", "aoc", "stray", "protective", "sibling", "youth_worker", "background"]


class Links:
    """The links made so far, in parts (one per ``add``) of equal-length code columns."""

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, kind: str, child, **cols):
        child = np.asarray(child, dtype=np.int64)
        n = len(child)
        if n == 0:
            return
        defaults = {
            "ep": -1,
            "rthi": -1,
            "with_": 0,
            "source": 0,
            "sgrade": 0,
            "igrade": 0,
            "handling": 0,
            "note": -1,
            "role": 0,
        }
        part = {"child": child, "kind": np.full(n, KINDS.index(kind), np.int8)}
        for name in LINK_COLUMNS:
            if name in ("child", "kind"):
                continue
            value = cols.get(name, defaults.get(name))
            if value is None:
                raise ValueError(f"link column {name} missing")
            part[name] = np.broadcast_to(np.asarray(value, dtype=LINK_DTYPES[name]), (n,)).copy()
        self.parts.append(part)

    def concat(self) -> dict[str, np.ndarray]:
        if not self.parts:
            return {name: np.empty(0, LINK_DTYPES[name]) for name in LINK_COLUMNS}
        return {name: np.concatenate([p[name] for p in self.parts]) for name in LINK_COLUMNS}


def _grades(rng, source: np.ndarray, cal: Calibration) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source grade, intelligence grade and handling codes for links of ``source``."""
    n = len(source)
    sg = np.zeros(n, np.int8)
    ig = np.zeros(n, np.int8)
    hd = np.zeros(n, np.int8)
    pol = source == S["police"]
    k = int(pol.sum())
    sg[pol] = rng.choice([1, 2, 3], k, p=cal.police_source_grades)
    ig[pol] = rng.choice([1, 2, 3, 4, 5], k, p=cal.police_intel_grades)
    hd[pol] = rng.choice([0, 1, 2], k, p=cal.police_handling)
    rt = source == S["rthi"]
    graded = rt & (rng.random(n) < cal.rthi_graded_share)
    k = int(graded.sum())
    sg[graded] = rng.choice([1, 2], k, p=cal.rthi_source_grades)
    ig[graded] = rng.choice([1, 2, 3, 4], k, p=cal.rthi_intel_grades)
    oth = ~pol & ~rt & (rng.random(n) < cal.other_graded_share)
    k = int(oth.sum())
    sg[oth] = rng.choice([1, 2, 3], k, p=cal.other_source_grades)
    ig[oth] = rng.choice([1, 2, 3, 4, 5], k, p=cal.other_intel_grades)
    hd[~pol & (rng.random(n) < cal.other_handling_p_share)] = 1
    return sg, ig, hd


def provenance(
    rng, clock: Clock, ep: Episodes, iv: Interviews, e: np.ndarray, sources: Sources, cal: Calibration
) -> dict:
    """Source, time recorded, interview and grades for links about episodes ``e`` (-1: none), from ``sources``."""
    p_rthi, others, p_others = sources.rthi, sources.others, sources.shares
    n = len(e)
    has = e >= 0
    cov = np.full(n, -1, np.int64)
    cov[has] = iv.ep_completed[e[has]]
    use = (cov >= 0) & (rng.random(n) < p_rthi)
    codes = np.array([S[s] for s in others], np.int8)
    source = np.where(use, S["rthi"], codes[rng.choice(len(codes), n, p=np.array(p_others) / sum(p_others))])
    source = source.astype(np.int8)
    base = np.where(
        has,
        np.where(np.isnan(ep.end[np.maximum(e, 0)]), ep.start[np.maximum(e, 0)], ep.end[np.maximum(e, 0)]),
        rng.random(n) * clock.T,
    )
    hours = lognormal_hours(rng, n, cal.recorded_hours_median, cal.recorded_hours_sigma)
    later = np.where(has, MIN * np.clip(hours, *cal.recorded_hours_range), 0.0)
    rec = np.where(use, iv.completed[np.maximum(cov, 0)], base + later)
    sg, ig, hd = _grades(rng, source, cal)
    return {
        "rec": clock.fix(rec),
        "source": source,
        "rthi": np.where(use, cov, -1),
        "sgrade": sg,
        "igrade": ig,
        "handling": hd,
    }


def notes(rng, strings: Strings, kind: str, n: int, p: float) -> np.ndarray:
    """A note from the ``kind`` list for a share ``p`` of ``n`` links (-1: no note)."""
    idx = strings.notes(kind)
    out = idx[rng.integers(0, len(idx), n)]
    return np.where(rng.random(n) < p, out, -1)


class ByChild:
    """Each child's episodes, for picking one at random without a loop."""

    def __init__(self, ep: Episodes, n: int):
        self.flat = np.argsort(ep.child, kind="stable")
        self.count = np.bincount(ep.child, minlength=n)
        self.first = np.concatenate([[0], np.cumsum(self.count)[:-1]])

    def of(self, c: int) -> np.ndarray:
        return self.flat[self.first[c] : self.first[c] + self.count[c]]

    def random(self, rng, who: np.ndarray) -> np.ndarray:
        who = np.asarray(who, np.int64)
        k = np.floor(rng.random(len(who)) * self.count[who]).astype(np.int64)
        return self.flat[self.first[who] + k]


@dataclass
class LinkSet:
    """Every link made, and what the writer and truth.json need besides."""

    cols: dict
    strings: np.ndarray
    associates: pd.DataFrame
    aoc: list
    group_forms: list
    protective: list
    planted: int


@dataclass
class Linker:
    """What every part of the intelligence being made needs: the random stream, the tables so far, and where
    the texts of children, postcodes and places start in the text table."""

    rng: np.random.Generator
    clock: Clock
    ep: Episodes
    iv: Interviews
    cal: Calibration
    strings: Strings
    links: Links
    child_ref: np.ndarray  # text index of each child's ID (filled in at write time)
    pc_ref: np.ndarray  # text index of each postcode of the pool
    place_ref: np.ndarray  # text index of each found_at_place text
    by_child: ByChild
    assoc_rows: list  # associates.csv rows: (label, aliases, role, approx_age, origin)
    taken: set  # every name and alias in use (lower case), so none is shared

    def provenance(self, e: np.ndarray, sources: Sources) -> dict:
        return provenance(self.rng, self.clock, self.ep, self.iv, e, sources, self.cal)

    def notes(self, kind: str, n: int, p: float) -> np.ndarray:
        return notes(self.rng, self.strings, kind, n, p)
