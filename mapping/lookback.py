"""The look-back: who reached how many children, which phones, vehicles and handles were shared, and when each
tie's evidence was recorded, over the ``--lookback`` months ending with the period's last day.

SCHEMA.md "Periods": the look-back is the window over which people's reach,
shared identifiers and the time control of meeting and police pages are given
beside the period's own figures. A month's pack on its own forgets an adult
of concern who reached six children over the year but one this month; the
look-back keeps the year in view.

Everything here comes from the same evidence code as the period's ties
(:func:`mapping.evidence.collect_evidence`, run once more on the window, or
reused when the window is the period itself), so the look-back can never tell
a different story about who is linked:

- **children reached over the look-back**: distinct children the intelligence
  links an associate to in the window (its ``linked_associate`` evidence);
- **clusters reached over the look-back**: how many of *this period's* peer
  clusters those children are in (peer clusters are found on the period's
  ties only; a child with no cluster this period counts for no cluster);
- **shared identifiers**: phones, vehicles and online handles linked to two or
  more children in the window, with the children sharing each in the period
  and over the look-back (only in an analysis of the police's dataset: the
  meeting's has no phones, vehicles or handles);
- **tie dates**: each piece of evidence between two people in the window, as
  (date first seen, kind), for a notebook; the pages' time control draws each
  month's own ties instead (:func:`ties_by_month`), since one piece of evidence
  over the window may bundle several months.

The board gets none of it (SCHEMA.md "The board audience"): it is analysed with
``lookback=None``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peermap.graph_models.dataset import Dataset
from peermap.graph_models.network import PeerNetwork
from peermap.mapping.cluster_numbers import people_nodes
from peermap.mapping.evidence import Evidence, collect_evidence
from peermap.mapping.evidence.kinds import cluster_kind_names, kind_names
from peermap.mapping.evidence.words import local_text
from peermap.mapping.periods import Period, lookback_window, month_slices

#: What a link's ``target_type`` is when it names a phone, a vehicle or an online handle.
IDENTIFIER_KINDS = ("phone", "vehicle", "online")
SHARED_IDENTIFIER_COLUMNS = [
    "kind",
    "identifier",
    "children",
    "children_lookback",
    "child_refs",
    "first_seen",
    "last_seen",
]
TIE_DATE_COLUMNS = ["a", "b", "seen", "kind"]


@dataclass
class Lookback:
    """The look-back of one period's analysis (see the module's text).

    Attributes
    ----------
    window : the look-back window (:func:`mapping.periods.lookback_window`).
    months : its length in months (``--lookback``).
    reach : per associate ``ref``: ``children_reached_lookback``, ``clusters_reached_lookback``.
    active : everyone in the window's network (``ref``, ``kind``, ``role``, ``tie_type``).
    shared_identifiers : :data:`SHARED_IDENTIFIER_COLUMNS`, most children over the look-back first.
    tie_dates : one row per piece of evidence in the window: ``a``, ``b``, ``seen`` (when first seen), ``kind``.
    """

    window: Period
    months: int
    reach: pd.DataFrame
    active: pd.DataFrame
    shared_identifiers: pd.DataFrame
    tie_dates: pd.DataFrame

    def dates_of(self, a: str, b: str) -> list[tuple[pd.Timestamp, str]]:
        """The (date, kind) of every piece of evidence between ``a`` and ``b`` in the window, earliest first."""
        dates = self.tie_dates
        pair = (dates["a"].eq(a) & dates["b"].eq(b)) | (dates["a"].eq(b) & dates["b"].eq(a))
        found = dates[pair.to_numpy(dtype=bool)].sort_values("seen", kind="stable")
        return list(zip(found["seen"], found["kind"].astype(str)))


def window_evidence(
    dataset: Dataset, period: Period, evidence: Evidence, months: int, settings, postcodes
) -> tuple[Period, Evidence]:
    """The look-back window and its evidence: the period's own when the window is the period (a year's pack)."""
    window = lookback_window(period, months)
    if window == period:
        return window, evidence
    return window, collect_evidence(dataset, window, settings, postcodes)


def reach_over(rows: pd.DataFrame, cluster_of: pd.Series) -> pd.DataFrame:
    """Children and this period's clusters each associate reached in ``rows`` (evidence of the window).

    ``cluster_of`` is this period's cluster of each clustered child (by reference).

    Notes
    -----
    Two drop-duplicates over the window's ``linked_associate`` rows: O(k).
    """
    linked = rows.loc[rows["kind"].eq("linked_associate").to_numpy(dtype=bool), ["a", "b"]]
    pairs = linked.drop_duplicates()
    children = pairs.groupby("b").size()
    cluster = pairs["a"].map(cluster_of)
    spread = pairs.assign(cluster=cluster)[cluster.notna().to_numpy(dtype=bool)].drop_duplicates(["b", "cluster"])
    clusters = spread.groupby("b").size().reindex(children.index, fill_value=0)
    return pd.DataFrame(
        {
            "children_reached_lookback": children.astype("Int64"),
            "clusters_reached_lookback": clusters.astype("Int64"),
        }
    ).rename_axis("ref")


def identifier_key(refs: pd.Series) -> pd.Series:
    """A phone, registration or handle compared without case or spaces (``07700 900123`` = ``07700900123``)."""
    return refs.astype("string").str.lower().str.replace(r"\s+", "", regex=True)


def shared_identifiers(window_links: pd.DataFrame, period_links: pd.DataFrame) -> pd.DataFrame:
    """Phones, vehicles and handles linked to two or more children over the look-back, with the period's count.

    ``window_links`` and ``period_links`` are the links of the window and of the
    period (:func:`mapping.evidence.period_rows`); an identifier is the same
    whatever its case and spacing (:func:`identifier_key`).
    """
    ids = window_links[window_links["target_type"].isin(IDENTIFIER_KINDS).fillna(False).to_numpy(dtype=bool)]
    if ids.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SHARED_IDENTIFIER_COLUMNS})
    ids = ids.assign(key=identifier_key(ids["target_ref"]))
    grouped = ids.groupby(["target_type", "key"])
    out = pd.DataFrame(
        {
            "identifier": grouped["target_ref"].first(),
            "children_lookback": grouped["child_ref"].nunique(),
            "child_refs": grouped["child_ref"].agg(lambda s: ", ".join(sorted(set(s.dropna())))),
            "first_seen": grouped["recorded_at"].min(),
            "last_seen": grouped["recorded_at"].max(),
        }
    )
    now = period_links[period_links["target_type"].isin(IDENTIFIER_KINDS).fillna(False).to_numpy(dtype=bool)]
    now = now.assign(key=identifier_key(now["target_ref"])).groupby(["target_type", "key"])["child_ref"].nunique()
    out["children"] = now.reindex(out.index, fill_value=0).astype(np.int64)
    out = out[out["children_lookback"] >= 2].reset_index().rename(columns={"target_type": "kind"})
    for column in ("first_seen", "last_seen"):  # local dates, as ties.csv gives them
        out[column] = local_text(out[column], "%Y-%m-%d", with_time=False).to_numpy()
    out = out.sort_values(
        ["children_lookback", "children", "kind", "identifier"], ascending=[False, False, True, True], ignore_index=True
    )
    return out[SHARED_IDENTIFIER_COLUMNS]


def tie_dates(rows: pd.DataFrame) -> pd.DataFrame:
    """Each piece of evidence of the window as (a, b, date first seen, kind): four columns, not the rows' thirty."""
    return pd.DataFrame(
        {
            "a": rows["a"].reset_index(drop=True),  # Arrow text: the buffers are shared, not copied
            "b": rows["b"].reset_index(drop=True),
            "seen": rows["first_seen"].reset_index(drop=True),
            "kind": rows["kind"].astype("category").reset_index(drop=True),
        }
    )


#: The columns of :func:`ties_by_month` before the count of each kind of evidence.
MONTH_TIE_COLUMNS = ["month", "a", "b", "weight", "tie_type", "unverified"]


def ties_by_month(dataset: Dataset, window: Period, settings, postcodes, keep=None) -> pd.DataFrame:
    """Each month's ties over the window, as that month's own analysis finds and weighs them: the time control's
    records (:mod:`exports.timeline`), so a span of months shows what the months' own packs said, added up.

    One row per month and pair (``a < b``): :data:`MONTH_TIE_COLUMNS` (``month`` numbers
    :func:`mapping.periods.month_slices`, earliest 0; ``weight`` to 3 places as ties.csv),
    then one count column per kind of evidence (:func:`mapping.evidence.kinds.kind_names`).
    ``keep``, when given, is the references whose ties are wanted (the people a page draws).

    Notes
    -----
    The evidence code runs once a month: about the look-back's months times a month's evidence.
    """
    kinds = list(kind_names())
    parts = []
    for number, month in enumerate(month_slices(window)):
        found = collect_evidence(dataset, month, settings, postcodes)
        rows = found.rows
        if keep is not None:
            rows = rows[(rows["a"].isin(keep) & rows["b"].isin(keep)).to_numpy(dtype=bool)]
        ties = PeerNetwork.from_evidence(people_nodes(found.period_rows.children, found.roles), rows, kinds,
                                         cluster_kind_names()).ties  # fmt: skip
        part = ties[["a", "b", "tie_type", "unverified", *kinds]].astype({"a": object, "b": object})
        part.insert(0, "month", number)
        part.insert(3, "weight", ties["weight"].round(3).to_numpy())
        parts.append(part)
    columns = MONTH_TIE_COLUMNS + kinds
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def look_back(
    dataset: Dataset, period: Period, evidence: Evidence, cluster_of: pd.Series, months: int, settings, postcodes
) -> Lookback:
    """The look-back of ``period`` (see the module's text), given the period's ``evidence`` and clusters."""
    window, found = window_evidence(dataset, period, evidence, months, settings, postcodes)
    active = people_nodes(found.period_rows.children, found.roles)
    roles = found.roles.set_index("ref")
    active["role"] = active["ref"].map(roles["role"]).astype("string")
    active["tie_type"] = active["ref"].map(roles["tie_type"]).astype("string")
    return Lookback(
        window,
        months,
        reach_over(found.rows, cluster_of),
        active,
        shared_identifiers(found.period_rows.links, evidence.period_rows.links),
        tie_dates(found.rows),
    )
