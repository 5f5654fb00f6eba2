"""What the board sees: measures and counts by postcode district, with nothing that gives a small count back.

SCHEMA.md, "The board audience":

- counts from 1 to 4 are shown as ``<5``; a statistic over 1 to 4 children or
  episodes (a mean, a mode) is suppressed; a percentage is suppressed when its
  numerator, its complement (denominator minus numerator) or its denominator
  is from 1 to 4;
- nothing shown gives a suppressed value back: every additive relation the
  pack shows (all children = in care + other; a district's areas and its
  areas by trend; the frequently-missing rows and their totals when the list
  holds every child; a percentage with its denominator) is checked, and where
  the cells shown would let a small count be worked out, the next smallest
  cell of that relation is suppressed too, until nothing can be;
- in JSON and GeoJSON a suppressed value is ``null`` with
  ``<field>_suppressed: true`` beside it; every other number is a number.

:class:`Disclosure` holds the cells, the relations between them and which
values are small; :meth:`Disclosure.protect` works out what must be hidden by
solving, as a reader could, every relation the shown cells take part in: a
sum with one cell unknown gives it; a percentage with its denominator gives
its numerator. Whatever a small value can be worked out from loses its
smallest shown cell, and the working out is done again, until no small value
can be reached. On pages a count from 1 to 4 reads ``<5`` and anything else
suppressed reads ``hidden``.

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

import pandas as pd

from geo.geojson import TREND_WORDS, trend_column

#: The measures that count children, episodes or interviews.
COUNT_MEASURES = ("children_missing", "episodes", "episodes_declined", "children_declined", "interviews_declined")
#: The percentage measures, and the count each is a share of (``None``: a count the pack does not show).
PERCENT_MEASURES = {"rthi_offered_pct": "episodes", "rthi_accepted_pct": "episodes", "rthi_completed_pct": "episodes",
                    "rthi_completed_within_72h_pct": None}
#: The statistics: suppressed when they are over 1 to 4 episodes or children.
STATISTICS = ("average_hours_missing", "most_common_age")
GROUPS = ("all", "CiC", "other")
#: How a count from 1 to 4 reads on a page; anything else suppressed reads :data:`HIDDEN`.
SMALL = "<5"
HIDDEN = "hidden"


def small(value) -> bool:
    """A count from 1 to 4 (SCHEMA.md: such counts can identify children)."""
    return value is not None and not isinstance(value, bool) and isinstance(value, (int, float)) and 1 <= value <= 4


@dataclass
class Disclosure:
    """Cells a board pack shows, the relations between them, and which must never be worked out."""

    values: dict = field(default_factory=dict)
    shown: set = field(default_factory=set)
    protected: set = field(default_factory=set)     # small values: never to be worked out
    suppressed: set = field(default_factory=set)    # shown cells hidden by the rules themselves
    sums: list = field(default_factory=list)        # (total, parts): total = sum of parts
    ratios: list = field(default_factory=list)      # (percentage, numerator, denominator, complement)

    def count(self, key, value, shown: bool = True) -> None:
        """A count; shown or not, it is protected when it is from 1 to 4 (and suppressed when shown)."""
        self.values[key] = value
        if shown:
            self.shown.add(key)
        if small(value):
            self.protected.add(key)
            if shown:
                self.suppressed.add(key)

    def sum(self, total, parts) -> None:
        self.sums.append((total, tuple(parts)))

    def percentage(self, key, value, numerator, denominator, complement) -> None:
        """A shown percentage of ``numerator`` over ``denominator`` (cells added with :meth:`count`)."""
        self.values[key] = value
        self.shown.add(key)
        parts = [self.values.get(numerator), self.values.get(denominator), self.values.get(complement)]
        if any(small(v) for v in parts):
            self.suppressed.add(key)
        if value is not None:
            self.ratios.append((key, numerator, denominator, complement))
            self.sum(denominator, (numerator, complement))

    def statistic(self, key, value, over: int) -> None:
        """A mean or a mode over ``over`` episodes or children: suppressed when that is from 1 to 4."""
        self.values[key] = value
        self.shown.add(key)
        if small(over):
            self.suppressed.add(key)

    # -- working out what a reader could -------------------------------------------------------------------------
    def _solve(self, visible: set) -> tuple[set, dict]:
        """Every value a reader can work out from the visible cells, and from what each was worked out."""
        known, why = set(visible), {}
        changed = True
        while changed:
            changed = False
            for total, parts in self.sums:
                cells = (total, *parts)
                unknown = [c for c in cells if c not in known]
                if len(unknown) == 1:
                    known.add(unknown[0])
                    why[unknown[0]] = [c for c in cells if c != unknown[0]]
                    changed = True
            for pct, num, den, comp in self.ratios:
                if pct not in known:
                    continue
                p = self.values[pct]
                source = den if den in known else (num if num in known and p > 0 else (
                    comp if comp in known and p < 100 else None))
                if source is None:
                    continue
                for c in (num, den, comp):
                    if c not in known:
                        known.add(c)
                        why[c] = [pct, source]
                        changed = True
        return known, why

    def protect(self) -> set:
        """The shown cells to suppress: the rules' own, then as many more as keep every small value out of reach.

        Notes
        -----
        Cells that share no relation cannot give each other away, so each
        group of related cells (a district, a measure's three groups) is
        solved on its own. Each round solves its relations (a fixed point over
        sums and percentages) and hides one cell: O(r^2) for a group of r
        relations, and a group holds a handful.
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
                c for r in ratios.get(group, []) for c in r}
            part = Disclosure(self.values, self.shown & cells, self.protected & cells, self.suppressed & cells,
                              sums.get(group, []), ratios.get(group, []))
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
        for pct, num, den, comp in self.ratios:
            for cell in (num, den, comp):
                parent[root(cell)] = root(pct)
        return {key: root(key) for key in self.values}

    def _protect_group(self, hidden: set) -> set:
        hidden = set(hidden)
        while True:
            known, why = self._solve(self.shown - hidden)
            leaked = sorted((k for k in self.protected if k in known), key=repr)
            if not leaked:
                return hidden
            victim = self._victim(leaked[0], why, hidden)
            if victim is None:  # nothing shown left to hide: should not happen, but never loop
                return hidden | {leaked[0]}
            hidden.add(victim)

    def _victim(self, leaked, why: dict, hidden: set):
        """The shown cell to hide so that ``leaked`` cannot be worked out: of the cells it was worked out from
        (nearest first), a percentage first, else the smallest count that is not 0."""
        frontier, seen = [leaked], set()
        while frontier:
            inputs = []
            for cell in frontier:
                inputs += [c for c in why.get(cell, []) if c not in seen]
                seen.add(cell)
            visible = [c for c in inputs if c in self.shown and c not in hidden]
            if visible:
                percentages = [c for c in visible if any(c == r[0] for r in self.ratios)]
                if percentages:
                    return sorted(percentages, key=repr)[0]
                return min(visible, key=lambda c: (self.values[c] == 0, self.values[c], repr(c)))
            frontier = inputs
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

    measures: dict          # {"now": compute_measures(...), "before": ...}
    disclosure: Disclosure
    hidden: set
    top: int

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
            out[group] = values
        return out

    def frequently_missing(self, which: str) -> list[dict]:
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
        from mapping.measures import format_value

        key = (which, group, measure)
        return self.disclosure.text(key, self.hidden, format_value(measure, self.measures[which][group][measure]))

    def frequent_text(self, which: str, rank: int, field_name: str) -> str:
        key = (which, "frequent", rank, field_name)
        value = self.disclosure.values[key]
        formatted = "n/a" if value is None else (f"{value}%" if field_name == "declined_pct" else str(value))
        return self.disclosure.text(key, self.hidden, formatted)


def board_measures(dataset, period, top: int = 11) -> BoardMeasures:
    """The measures of ``period`` and of the previous period for the board, suppressed as SCHEMA.md says."""
    from mapping.measures import compute_measures, measure_bases

    d = Disclosure()
    measures = {}
    for which, span in (("now", period), ("before", period.previous())):
        found = compute_measures(dataset, span, top=top)
        bases = measure_bases(dataset, span)
        measures[which] = found
        for group in GROUPS:
            for measure in COUNT_MEASURES:
                d.count((which, group, measure), found[group][measure])
            for measure, denominator in PERCENT_MEASURES.items():
                num, den = bases[group][measure]
                den_key = (which, group, denominator) if denominator else (which, group, measure, "denominator")
                if denominator is None:
                    d.count(den_key, den, shown=False)
                d.count((which, group, measure, "numerator"), num, shown=False)
                d.count((which, group, measure, "complement"), den - num, shown=False)
                d.percentage((which, group, measure), found[group][measure], (which, group, measure, "numerator"),
                             den_key, (which, group, measure, "complement"))
            for measure in STATISTICS:
                d.statistic((which, group, measure), found[group][measure], bases[group][measure])
        for measure in COUNT_MEASURES:
            d.sum((which, "all", measure), [(which, "CiC", measure), (which, "other", measure)])
        for measure in PERCENT_MEASURES:
            for part in ("numerator", "complement") + (("denominator",) if PERCENT_MEASURES[measure] is None else ()):
                d.sum((which, "all", measure, part), [(which, "CiC", measure, part), (which, "other", measure, part)])
        rows = found["all"]["frequently_missing"]
        for rank, row in enumerate(rows, start=1):
            key = (which, "frequent", rank)
            d.count((*key, "episodes"), row["episodes"])
            d.count((*key, "declined"), row["declined"])
            d.count((*key, "not_declined"), row["episodes"] - row["declined"], shown=False)
            d.percentage((*key, "declined_pct"), row["declined_pct"], (*key, "declined"), (*key, "episodes"),
                         (*key, "not_declined"))
        if rows and len(rows) == found["all"]["children_missing"]:  # the list holds every child: its totals add up
            d.sum((which, "all", "episodes"), [(which, "frequent", r, "episodes") for r in range(1, len(rows) + 1)])
            d.sum((which, "all", "episodes_declined"),
                  [(which, "frequent", r, "declined") for r in range(1, len(rows) + 1)])
    return BoardMeasures(measures, d, d.protect(), top)


# -- postcode districts -----------------------------------------------------------------------------------------------
DISTRICT_COUNTS = ("areas", "children", "episodes", "clusters", "adults_of_concern")


@dataclass
class BoardDistricts:
    """Hot spots counted by postcode district for the board, suppressed as SCHEMA.md says."""

    table: pd.DataFrame       # one row per district: counts, trend_<word> counts, last_seen, flags
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
                parts.append(f"{word} (number {HIDDEN})" if shown == HIDDEN else
                             f"{word} ({shown} {'area' if shown == '1' else 'areas'})")
        return "; ".join(parts)


def board_districts(table: pd.DataFrame) -> BoardDistricts:
    """Suppress a table of districts (:func:`geo.geojson.district_table`): its counts, and its areas by trend word,
    which add up to its areas."""
    d = Disclosure()
    for district, row in table.iterrows():
        for column in DISTRICT_COUNTS:
            d.count((district, column), int(row[column]))
        words = [trend_column(w) for w in TREND_WORDS]
        for column in words:
            d.count((district, column), int(row.get(column, 0)))
        d.sum((district, "areas"), [(district, column) for column in words])
    return BoardDistricts(table, d, d.protect())
