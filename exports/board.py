"""What the board sees: measures and counts by postcode district, with nothing that gives a small count back.

SCHEMA.md, "The board audience":

- counts from 1 to 4 are shown as ``<5``; a statistic over 1 to 4 children or
  episodes (a mean, a mode) is suppressed; a percentage is suppressed when its
  numerator, its complement (denominator minus numerator) or its denominator
  is from 1 to 4;
- nothing shown gives a suppressed value back: every additive relation the
  pack shows (all children = in care + other; a district's areas and its
  areas by trend; the frequently-missing rows and their totals when the list
  holds every child; a percentage with its denominator; and relations between
  measures that hold in the data, such as offered = accepted + declined when
  every declined interview was offered) is solved as a reader could, using
  what the page says of each hidden number too (``<5`` is 1 to 4, ``hidden`` is
  not, a listed trend word is at least 1), and where a small count could be
  worked out a percentage it was worked out from is suppressed too (else the
  smallest other number of the relation), until none can be;
- in JSON and GeoJSON a suppressed value is ``null`` with
  ``<field>_suppressed: true`` beside it; every other number is a number.

:class:`Disclosure` holds the cells, the relations between them and which
values are small; :meth:`Disclosure.protect` works out what must be hidden by
solving, as a reader could, every relation the shown cells take part in, with
the exact set of whole numbers each hidden number may still be
(:meth:`Disclosure._solve`, :class:`Possible`). Whatever a
small value can be worked out from loses a percentage (the one that leaves
fewest small values to be worked out), else its smallest shown count, and the
working out is done again, until no small value can be reached: rates go
before the headline counts a board reads first. Where the frequently-missing
list holds every child and even hiding every number cannot protect it (a few
children, each ``<5``), the list is left out for the period
(:func:`protect_measures`). The reader reasons one relation at a time, again
and again: exact within each relation, though a reader who solved several
equations together could in principle do more (none such was found in
board-shaped data by the property tests). On pages a count from 1 to 4 reads ``<5`` and
anything else suppressed reads ``hidden``.

Examples
--------
>>> d = Disclosure()
>>> for group, n in (("all", 12), ("CiC", 8), ("other", 4)):
...     d.count(group, n)
>>> d.sum("all", ("CiC", "other"))
>>> sorted(d.protect())                      # 4 is <5, so 8 would give it back: 8 is hidden too
['CiC', 'other']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from peermap.geo.districts import TREND_WORDS, trend_column
from peermap.mapping.measures import compute_measures, format_value, measure_bases

#: The measures that count children, episodes or interviews.
COUNT_MEASURES = ("children_missing", "episodes", "episodes_declined", "children_declined", "interviews_declined")
#: The percentage measures, and the count each is a share of (``None``: a count the pack does not show).
PERCENT_MEASURES = {
    "rthi_offered_pct": "episodes",
    "rthi_accepted_pct": "episodes",
    "rthi_completed_pct": "episodes",
    "rthi_completed_within_72h_pct": None,
}
#: The statistics: suppressed when they are over 1 to 4 episodes or children.
STATISTICS = ("average_hours_missing", "most_common_age")
GROUPS = ("all", "CiC", "other")
#: How a count from 1 to 4 reads on a page; anything else suppressed reads :data:`HIDDEN`.
SMALL = "<5"
HIDDEN = "hidden"


def small(value) -> bool:
    """A count from 1 to 4 (SCHEMA.md: such counts can identify children)."""
    return value is not None and not isinstance(value, bool) and isinstance(value, (int, float)) and 1 <= value <= 4


class Possible:
    """Sets of whole numbers from 0 to ``most``, as the bits of a Python int, and the arithmetic a reader does on them.

    Sums and differences shift a set by each run of consecutive numbers in the
    other (a run is smeared in a few doublings), so a number known only to be
    "5 or more" costs as little as a known one.

    Examples
    --------
    >>> p = Possible(20)
    >>> p.values(p.add([p.one(3), p.small]))          # 3 + (1 to 4)
    [4, 5, 6, 7]
    >>> p.values(p.less(p.one(12), p.one(8)))         # 12 - 8
    [4]
    >>> nums, dens = p.share(75.0, 1, p.every, p.one(4))   # 75.0% of 4
    >>> p.values(nums), p.values(dens)
    ([3], [4])
    """

    def __init__(self, most: int):
        self.most = most
        self.every = (1 << (most + 1)) - 1
        self.small = 0b11110

    @staticmethod
    def one(value: int) -> int:
        return 1 << value

    @staticmethod
    def without_zero(bits: int) -> int:
        return bits & ~1

    def mask(self, bits: int) -> np.ndarray:
        """A set as booleans, one for each number from 0 to ``most``."""
        raw = np.frombuffer(bits.to_bytes((self.most + 8) // 8, "little"), dtype=np.uint8)
        return np.unpackbits(raw, bitorder="little")[: self.most + 1].astype(bool)

    @staticmethod
    def from_mask(mask: np.ndarray) -> int:
        return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")

    def values(self, bits: int) -> list[int]:
        return np.flatnonzero(self.mask(bits)).tolist()

    @staticmethod
    def runs(bits: int) -> list[tuple[int, int]]:
        """The runs of consecutive numbers in a set, as (first, last)."""
        text = bin(bits)[2:][::-1]
        out, i = [], text.find("1")
        while i >= 0:
            j = text.find("0", i)
            j = len(text) if j < 0 else j
            out.append((i, j - 1))
            i = text.find("1", j)
        return out

    def _smear(self, bits: int, width: int, up: bool) -> int:
        """``bits`` shifted by every amount from 0 to ``width`` (up or down), together."""
        done = 1
        while done <= width:
            step = min(done, width + 1 - done)
            bits |= (bits << step) if up else (bits >> step)
            done += step
        return bits & self.every

    def add(self, sets: list[int]) -> int:
        """Every sum of one number from each set."""
        total = 1
        for bits in sets:
            small, large = (total, bits) if len(self.runs(total)) <= len(self.runs(bits)) else (bits, total)
            grown = 0
            for first, last in self.runs(small):
                grown |= self._smear((large << first) & self.every, last - first, up=True)
            total = grown
        return total

    def less(self, totals: int, rests: int) -> int:
        """Every total less a rest that is not below 0."""
        out = 0
        for first, last in self.runs(rests):
            out |= self._smear(totals >> first, last - first, up=False)
        return out

    def share(self, percent: float, places: int, nums: int, dens: int) -> tuple[int, int]:
        """The numerators and denominators that can give ``percent`` (rounded half up to ``places`` decimals,
        as mapping.measures.percentage does): n with (2V - 1) d <= 200 * 10^places * n < (2V + 1) d."""
        scale = 200 * 10**places
        v = round(percent * 10**places)
        num_ok = self.mask(nums)
        before = np.concatenate([[0], np.cumsum(num_ok)])  # before[k]: allowed numerators below k
        d = np.flatnonzero(self.mask(dens))
        d = d[d > 0]
        low = np.minimum(-((-(2 * v - 1) * d) // scale), self.most + 1).clip(0)  # ceil((2V-1) d / scale)
        high = np.minimum(-((-(2 * v + 1) * d) // scale) - 1, np.minimum(d, self.most))  # last n below the top
        fits = (high >= low) & (before[np.maximum(high, low - 1) + 1] - before[low] > 0)
        kept_nums = np.zeros(self.most + 2, dtype=np.int64)
        np.add.at(kept_nums, low[fits], 1)
        np.add.at(kept_nums, high[fits] + 1, -1)
        reachable = (np.cumsum(kept_nums)[: self.most + 1] > 0) & num_ok
        kept_dens = np.zeros(self.most + 1, dtype=bool)
        kept_dens[d[fits]] = True
        return self.from_mask(reachable), self.from_mask(kept_dens)


@dataclass
class Disclosure:
    """Cells a board pack shows, the relations between them, and which must never be worked out."""

    values: dict = field(default_factory=dict)
    shown: set = field(default_factory=set)
    protected: set = field(default_factory=set)  # small values: never to be worked out
    suppressed: set = field(default_factory=set)  # shown cells hidden by the rules themselves
    sums: list = field(default_factory=list)  # (total, parts): total = sum of parts
    ratios: list = field(default_factory=list)  # (percentage, numerator, denominator, complement, places)
    counts: set = field(default_factory=set)  # shown counts (hidden, they read "<5" or "hidden")
    positive: set = field(default_factory=set)  # counts a reader knows are at least 1 (a trend word listed)

    def count(self, key, value, shown: bool = True, positive: bool = False) -> None:
        """A count; shown or not, it is protected when it is from 1 to 4 (and suppressed when shown).

        ``positive``: the page shows that it is at least 1 even when the number is hidden (a trend word is
        listed only for the trend words a district's areas have).
        """
        self.values[key] = value
        if positive:
            self.positive.add(key)
        if shown:
            self.shown.add(key)
            self.counts.add(key)
        if small(value):
            self.protected.add(key)
            if shown:
                self.suppressed.add(key)

    def sum(self, total, parts) -> None:
        self.sums.append((total, tuple(parts)))

    def percentage(self, key, value, numerator, denominator, complement, places: int = 1) -> None:
        """A shown percentage of ``numerator`` over ``denominator`` (cells added with :meth:`count`), rounded to
        ``places`` decimals."""
        self.values[key] = value
        self.shown.add(key)
        parts = [self.values.get(numerator), self.values.get(denominator), self.values.get(complement)]
        if any(small(v) for v in parts):
            self.suppressed.add(key)
        if value is not None:
            self.ratios.append((key, numerator, denominator, complement, places))
            self.sum(denominator, (numerator, complement))

    def statistic(self, key, value, over: int) -> None:
        """A mean or a mode over ``over`` episodes or children: suppressed when that is from 1 to 4."""
        self.values[key] = value
        self.shown.add(key)
        if small(over):
            self.suppressed.add(key)

    # -- working out what a reader could -------------------------------------------------------------------------
    def _solve(self, visible: set, hidden: set) -> tuple[set, dict]:
        """Every value a reader can work out relation by relation, and from which cells each was worked out.

        A reader knows each visible number; of each hidden count that it is
        from 1 to 4 (it reads ``<5``) or that it is not (it reads ``hidden``),
        and at least 1 where a trend word is listed. Each number is held as
        the exact set of whole numbers it may still be (a bitset, see
        :class:`Possible`), up to a bound above every true value. Each
        relation then removes what no solution of it can use (a sum's part is
        a total less the others; a percentage keeps the numerator and
        denominator pairs that round, half up, to the percentage shown), again
        and again until nothing changes. A value is worked out when one whole
        number is left: exact whole-number reasoning, so a percentage of 63.4
        and a total can pin a denominator where ranges could not.
        """
        cells = {c for total, parts in self.sums for c in (total, *parts)} | {c for r in self.ratios for c in r[1:4]}
        known_values = [int(v) for c in cells if (v := self.values.get(c)) is not None]
        space = Possible(2 * max(known_values, default=0) + 10)
        sets = {}
        for key in cells:
            value = self.values.get(key)
            if key in visible:
                sets[key] = space.one(0 if value is None else int(value))
                continue
            sets[key] = space.every
            if key in self.positive:
                sets[key] = space.without_zero(sets[key])
            if key in self.counts and key in hidden:
                sets[key] &= space.small if key in self.protected else ~space.small  # reads "<5" / "hidden"
        why: dict = {}

        def narrow(key, allowed: int, because) -> bool:
            new = sets[key] & allowed
            if new == sets[key] or new == 0:  # nothing removed, or the relation cannot hold: leave it
                return False
            sets[key] = new
            inputs = why.setdefault(key, [])  # every cell of every relation that narrowed it, not only the last
            inputs += [c for c in because if c != key and c not in inputs]
            return True

        changed = True
        while changed:
            changed = False
            for total, parts in self.sums:
                cells_of = (total, *parts)
                changed |= narrow(total, space.add([sets[p] for p in parts]), cells_of)
                for i, part in enumerate(parts):
                    rest = space.add([sets[p] for p in parts[:i] + parts[i + 1 :]])
                    changed |= narrow(part, space.less(sets[total], rest), cells_of)
            for pct, num, den, _, places in self.ratios:
                if pct not in visible:
                    continue
                nums, dens = space.share(self.values[pct], places, sets[num], sets[den])
                changed |= narrow(num, nums, (pct, den))
                changed |= narrow(den, dens, (pct, num))
        known = {key for key, bits in sets.items() if bits & (bits - 1) == 0}
        return known, why

    def protect(self) -> set:
        """The shown cells to suppress: the rules' own, then as many more as keep every small value out of reach.

        Notes
        -----
        Cells that share no relation cannot give each other away, so each
        group of related cells (a district, a measure's three groups) is
        solved on its own. Each round solves its relations (a fixed point over
        sums and percentages, on bitsets as long as twice the group's largest
        number) and hides one cell: O(r^2) set operations for a group of r
        relations, and a group holds a handful (3,000 districts: about 2 s).
        """
        hidden = set(self.suppressed)
        group_of = self._groups()
        sums: dict = {}
        ratios: dict = {}
        for relation in self.sums:
            sums.setdefault(group_of[relation[0]], []).append(relation)
        for relation in self.ratios:
            ratios.setdefault(group_of[relation[0]], []).append(relation)
        for group in set(sums) | set(ratios):
            cells = {c for total, parts in sums.get(group, []) for c in (total, *parts)} | {
                c for r in ratios.get(group, []) for c in r[:4]
            }
            part = Disclosure(
                {c: self.values[c] for c in cells},
                self.shown & cells,
                self.protected & cells,
                self.suppressed & cells,
                sums.get(group, []),
                ratios.get(group, []),
                self.counts & cells,
                self.positive & cells,
            )
            hidden |= part._protect_group(hidden & cells)
        return hidden

    def _groups(self) -> dict:
        """Each cell's group: the cells that relations tie together share one (a cell in no relation is alone)."""
        parent = {key: key for key in self.values}

        def root(key):
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for total, parts in self.sums:
            for part in parts:
                parent[root(part)] = root(total)
        for pct, num, den, comp, _ in self.ratios:
            for cell in (num, den, comp):
                parent[root(cell)] = root(pct)
        return {key: root(key) for key in self.values}

    def _protect_group(self, hidden: set) -> set:
        hidden = set(hidden)
        while True:
            leaked, why = self._leaks(hidden)
            if not leaked:
                return hidden
            victim = self._victim(leaked[0], why, hidden)
            if victim is None:  # nothing shown is left to hide, so nothing shown gives it back
                return hidden
            hidden.add(victim)

    def _leaks(self, hidden: set) -> tuple[list, dict]:
        """The small values a reader can work out with ``hidden`` hidden, and how each was worked out."""
        known, why = self._solve(self.shown - hidden, hidden)
        return sorted((k for k in self.protected if k in known), key=repr), why

    def _victim(self, leaked, why: dict, hidden: set):
        """The shown cell to hide so that ``leaked`` cannot be worked out: a percentage it was worked out from,
        however far back, else the smallest count that is not 0 among the nearest cells.

        Of the percentages, the one that leaves the fewest small values to be worked out (then the nearest):
        each is tried. A percentage goes before any count so that the headline counts (children, episodes)
        stay on the page wherever hiding a rate is enough."""
        frontier, seen, levels = [leaked], {leaked}, []
        while frontier:
            inputs = []
            for cell in frontier:
                for c in why.get(cell, []):
                    if c not in seen:
                        seen.add(c)
                        inputs.append(c)
            visible = [c for c in inputs if c in self.shown and c not in hidden]
            if visible:
                levels.append(visible)
            frontier = inputs
        rest = sorted(self.shown - hidden - {c for level in levels for c in level}, key=repr)
        if rest:  # the group's other shown cells, last: a reader may combine them too
            levels.append(rest)
        percentages = {r[0] for r in self.ratios}
        candidates = [
            (level, c) for level, visible in enumerate(levels) for c in sorted(visible, key=repr) if c in percentages
        ]
        if len(candidates) > 1:
            return min(candidates, key=lambda lc: (len(self._leaks(hidden | {lc[1]})[0]), lc[0], repr(lc[1])))[1]
        if candidates:
            return candidates[0][1]
        if levels:
            return min(levels[0], key=lambda c: (self.values[c] == 0, self.values[c], repr(c)))
        return None

    def text(self, key, hidden: set, formatted: str) -> str:
        """How a cell reads on a page: ``<5`` for a small count, ``hidden`` for anything else suppressed."""
        if key not in hidden:
            return formatted
        return SMALL if small(self.values.get(key)) and key in self.protected else HIDDEN


# -- the measures ------------------------------------------------------------------------------------------------------
@dataclass
class BoardMeasures:
    """The board's measures of the period and the previous one: what kpi.json holds and what pages show."""

    measures: dict  # {"now": compute_measures(...), "before": ...}
    disclosure: Disclosure
    hidden: set
    top: int
    list_withheld: bool = False  # the frequently-missing list would give a small count back: left out

    def json(self, which: str = "now") -> dict:
        """SCHEMA.md's kpi object for the board: suppressed values ``null`` with ``<field>_suppressed: true``,
        ``frequently_missing`` by rank only (all children)."""
        source = self.measures[which]
        out = {"from": source["from"], "to": source["to"]}
        for group in GROUPS:
            values = {}
            for measure, value in source[group].items():
                if measure == "frequently_missing":
                    continue
                key = (which, group, measure)
                values[measure] = None if key in self.hidden else value
                if key in self.hidden:
                    values[f"{measure}_suppressed"] = True
            if group == "all":
                values["frequently_missing"] = self.frequently_missing(which)
                if self.list_withheld and which == "now":  # SCHEMA.md: a suppressed value is null
                    values["frequently_missing"], values["frequently_missing_suppressed"] = None, True
            out[group] = values
        return out

    def frequently_missing(self, which: str) -> list[dict]:
        if self.list_withheld:
            return []
        rows = []
        for rank, row in enumerate(self.measures[which]["all"]["frequently_missing"], start=1):
            out = {"rank": rank}
            for field_name in ("episodes", "declined", "declined_pct"):
                key = (which, "frequent", rank, field_name)
                out[field_name] = None if key in self.hidden else row[field_name]
                if key in self.hidden:
                    out[f"{field_name}_suppressed"] = True
            rows.append(out)
        return rows

    def text(self, which: str, group: str, measure: str) -> str:
        """A measure as a board page shows it."""
        key = (which, group, measure)
        return self.disclosure.text(key, self.hidden, format_value(measure, self.measures[which][group][measure]))

    def frequent_text(self, which: str, rank: int, field_name: str) -> str:
        key = (which, "frequent", rank, field_name)
        value = self.disclosure.values[key]
        formatted = "n/a" if value is None else (f"{value}%" if field_name == "declined_pct" else str(value))
        return self.disclosure.text(key, self.hidden, formatted)


def board_measures(dataset, period, top: int = 11) -> BoardMeasures:
    """The measures of ``period`` and of the previous period for the board, suppressed as SCHEMA.md says.

    When the frequently-missing list holds every child, its rows add up to the totals; if hiding shown numbers
    cannot then keep every small count out of reach (a few children, each ``<5``), the list is left out of
    the pack for the period and the page says why.
    """
    measures, bases = {}, {}
    for which, span in (("now", period), ("before", period.previous())):
        measures[which] = compute_measures(dataset, span, top=top)
        bases[which] = measure_bases(dataset, span)
    d, hidden, withheld = protect_measures(measures, bases)
    return BoardMeasures(measures, d, hidden, top, list_withheld=withheld)


def protect_measures(measures: dict, bases: dict) -> tuple[Disclosure, set, bool]:
    """The cells to hide in the board's measures, and whether the frequently-missing list must be left out.

    ``measures`` and ``bases`` are ``{"now": ..., "before": ...}`` of :func:`mapping.measures.compute_measures`
    and :func:`mapping.measures.measure_bases`.
    """
    d = _measures_disclosure(measures, bases, listed=True)
    hidden = d.protect()
    if d._leaks(hidden)[0]:
        d = _measures_disclosure(measures, bases, listed=False)
        return d, d.protect(), True
    return d, hidden, False


def _measures_disclosure(measures: dict, bases: dict, listed: bool) -> Disclosure:
    """The cells and relations of the board's measures (with the frequently-missing rows when ``listed``)."""
    d = Disclosure()
    for which, found in measures.items():
        for group in GROUPS:
            for measure in COUNT_MEASURES:
                d.count((which, group, measure), found[group][measure])
            for measure, denominator in PERCENT_MEASURES.items():
                num, den = bases[which][group][measure]
                den_key = (which, group, denominator) if denominator else (which, group, measure, "denominator")
                if denominator is None:
                    d.count(den_key, den, shown=False)
                d.count((which, group, measure, "numerator"), num, shown=False)
                d.count((which, group, measure, "complement"), den - num, shown=False)
                d.percentage(
                    (which, group, measure),
                    found[group][measure],
                    (which, group, measure, "numerator"),
                    den_key,
                    (which, group, measure, "complement"),
                )
            for measure in STATISTICS:
                d.statistic((which, group, measure), found[group][measure], bases[which][group][measure])
        for measure in COUNT_MEASURES:
            d.sum((which, "all", measure), [(which, "CiC", measure), (which, "other", measure)])
        for measure in PERCENT_MEASURES:
            for part in ("numerator", "complement") + (("denominator",) if PERCENT_MEASURES[measure] is None else ()):
                d.sum((which, "all", measure, part), [(which, "CiC", measure, part), (which, "other", measure, part)])
        # what holds between the measures in these data is a relation a reader may use too
        for group in GROUPS:
            offered = (which, group, "rthi_offered_pct", "numerator")
            accepted = (which, group, "rthi_accepted_pct", "numerator")
            declined = (which, group, "episodes_declined")
            if d.values[offered] == d.values[accepted] + d.values[declined]:  # every declined interview offered
                d.sum(offered, [accepted, declined])
            # the 72-hour rate is over the completed episodes that have a return: never more than completed
            completed = (which, group, "rthi_completed_pct", "numerator")
            judged = (which, group, "rthi_completed_within_72h_pct", "denominator")
            unreturned = (which, group, "rthi_completed_within_72h_pct", "unreturned")
            d.count(unreturned, d.values[completed] - d.values[judged], shown=False)
            d.sum(completed, [judged, unreturned])
            if d.values[unreturned] == 0:  # every completed episode has a return: a reader may know that too
                d.sum(judged, [completed])
        d.sum(
            (which, "all", "rthi_completed_within_72h_pct", "unreturned"),
            [(which, g, "rthi_completed_within_72h_pct", "unreturned") for g in ("CiC", "other")],
        )
        rows = found["all"]["frequently_missing"] if which == "now" and listed else []  # this period's only
        for rank, row in enumerate(rows, start=1):
            key = (which, "frequent", rank)
            d.count((*key, "episodes"), row["episodes"])
            d.count((*key, "declined"), row["declined"])
            d.count((*key, "not_declined"), row["episodes"] - row["declined"], shown=False)
            d.percentage(
                (*key, "declined_pct"),
                row["declined_pct"],
                (*key, "declined"),
                (*key, "episodes"),
                (*key, "not_declined"),
                places=0,
            )
        if rows and len(rows) == found["all"]["children_missing"]:  # the list holds every child: its totals add up
            d.sum((which, "all", "episodes"), [(which, "frequent", r, "episodes") for r in range(1, len(rows) + 1)])
            d.sum(
                (which, "all", "episodes_declined"),
                [(which, "frequent", r, "declined") for r in range(1, len(rows) + 1)],
            )
    return d


# -- postcode districts -----------------------------------------------------------------------------------------------
DISTRICT_COUNTS = ("areas", "children", "episodes", "clusters", "adults_of_concern")


@dataclass
class BoardDistricts:
    """Hot spots counted by postcode district for the board, suppressed as SCHEMA.md says."""

    table: pd.DataFrame  # one row per district: counts, trend_<word> counts, last_seen, flags
    disclosure: Disclosure
    hidden: set

    def value(self, district: str, column: str):
        """The number a file may hold (``None`` when suppressed)."""
        key = (district, column)
        return None if key in self.hidden else self.disclosure.values.get(key)

    def text(self, district: str, column: str) -> str:
        key = (district, column)
        return self.disclosure.text(key, self.hidden, str(self.disclosure.values.get(key)))

    def trend_text(self, district: str) -> str:
        """``intensifying (<5 areas); new (7 areas)``: the district's areas by trend word, as the board may see."""
        parts = []
        for word in TREND_WORDS:
            count = self.disclosure.values.get((district, trend_column(word)), 0)
            if count:
                shown = self.text(district, trend_column(word))
                parts.append(
                    f"{word} (number {HIDDEN})"
                    if shown == HIDDEN
                    else f"{word} ({shown} {'area' if shown == '1' else 'areas'})"
                )
        return "; ".join(parts)


def board_districts(table: pd.DataFrame) -> BoardDistricts:
    """Suppress a table of districts (:func:`geo.districts.district_table`): its counts, and its areas by trend word,
    which add up to its areas."""
    d = Disclosure()
    for district, row in table.iterrows():
        for column in DISTRICT_COUNTS:
            d.count((district, column), int(row[column]))
        words = [trend_column(w) for w in TREND_WORDS]
        for column in words:  # a trend word is listed when any area has it: the page shows it is at least 1
            d.count((district, column), int(row.get(column, 0)), positive=int(row.get(column, 0)) > 0)
        d.sum((district, "areas"), [(district, column) for column in words])
    return BoardDistricts(table, d, d.protect())
