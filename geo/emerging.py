"""Emerging hot spots: how each fixed area's children change bin by bin over the look-back.

The hot-spot areas are found once over the look-back window (SCHEMA.md "Periods") and held fixed, so
each has a **series**: the distinct children found, frequenting or exploited there in each time bin
(months over the look-back; for a period of 14 days or fewer, the 12 weeks ending with it), counted
as an area's ``children`` are. A bin that starts before the data's coverage is unknown (``None``),
never 0. A bin is **active** when the area has at least ``min_children`` children in it.

Over the covered bins, a Mann-Kendall test (``pymannkendall.original_test``) asks whether the
children per bin rise or fall more steadily than chance; its p-values are Benjamini-Hochberg
adjusted across the areas tested (``scipy.stats.false_discovery_control``), and a trend is
significant when the adjusted p-value is below ``trend_alpha``. Each area then gets one pattern,
the first of these rules that holds (so "no significant trend" in the persistent and consecutive rows
is the order of the rules: a significant trend over at least half the bins is intensifying or
diminishing first; a run of active bins under half the window, whose start alone makes a rise, is
still consecutive):

========================  ==================================================================
pattern                   rule, over the covered bins
========================  ==================================================================
``too few periods``       fewer than 6 covered bins (a Mann-Kendall test cannot reach significance)
``new``                   active in the final bin only
``intensifying``          active in at least half the bins including the final, significant increasing trend
``diminishing``           active in at least half the bins including the final, significant decreasing trend
``persistent``            active in at least 90 % of the bins including the final, no significant trend
``consecutive``           an unbroken run of at least 2 active bins ending with the final, inactive before it
``sporadic``              active in the final bin, and on and off before it
``historical``            inactive in the final bin, active in at least 90 % of the others
``no pattern``            none of these
========================  ==================================================================

So an area that has grown steadily all year is intensifying even if last month equals this month,
and one shrinking all year is diminishing while still busy. The categories follow ArcGIS Pro's
Emerging Hot Spot Analysis, read over children per bin rather than over Gi* bins.

References
----------
Mann, H. B. (1945) Nonparametric tests against trend. Econometrica 13(3).
Kendall, M. G. (1975) Rank Correlation Methods. Griffin.
Benjamini, Y. and Hochberg, Y. (1995) Controlling the false discovery rate. JRSS B 57(1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall
from scipy.stats import false_discovery_control

from peermap.graph_models.distinct_numbers import distinct_numbers

#: Every pattern word, in the order the rules are tried (``no pattern`` when none holds).
PATTERNS = (
    "too few periods",
    "new",
    "intensifying",
    "diminishing",
    "persistent",
    "consecutive",
    "sporadic",
    "historical",
    "no pattern",
)
#: Fewer covered bins than this: a Mann-Kendall test cannot reach significance, so no pattern is given.
MIN_BINS = 6


def series_of(labels: np.ndarray, bins: np.ndarray, units: np.ndarray, n_areas: int, n_bins: int) -> np.ndarray:
    """Distinct ``units`` (children, a children's home's residents once) per area and bin: an ``(n_areas, n_bins)``
    int array. ``bins`` is each mention's bin (-1: in no bin).

    Examples
    --------
    >>> series_of(np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1]), np.array([5, 5, 6, 5]), 2, 2).tolist()
    [[1, 1], [0, 1]]
    """
    out = np.zeros((n_areas, n_bins), np.int64)
    keep = (bins >= 0) & (units >= 0)
    if not keep.any():
        return out
    width = int(units[keep].max()) + 1
    key = (labels[keep].astype(np.int64) * n_bins + bins[keep]) * width + units[keep]
    cells = distinct_numbers(key) // width
    np.add.at(out, (cells // n_bins, cells % n_bins), 1)
    return out


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kendall's tau, the S statistic and the two-sided p-value of each row (covered bins only, oldest first).

    Rows with fewer than :data:`MIN_BINS` values get NaN. A row's test depends only on its length, its S
    statistic and its ties (the variance of S): S and the tie term are worked out for every row at once in
    numpy, and ``pymannkendall.original_test`` is called once per distinct (S, ties) on a row that has them,
    so the package stays the source of every tau and p-value while a national run calls it a few hundred
    times, not once per area.

    Examples
    --------
    >>> tau, s, p = mann_kendall(np.array([[1, 2, 3, 4, 5, 6], [3, 3, 3, 3, 3, 3]]))
    >>> tau.tolist(), s.tolist(), p.round(4).tolist()
    ([1.0, 0.0], [15.0, 0.0], [0.0085, 1.0])

    Notes
    -----
    O(r·b²) for r rows of b bins, in numpy. S is the sum over the pairs of bins ``i < j`` of
    ``sign(x[j] - x[i])``; the tie term is the sum over the groups of equal values of
    ``t(t - 1)(2t + 5)`` for a group of t, so Var(S) = (b(b - 1)(2b + 5) - ties) / 18 (Kendall 1975).
    """
    n = len(series)
    tau, s, p = (np.full(n, np.nan) for _ in range(3))
    if n == 0 or series.shape[1] < MIN_BINS:
        return tau, s, p
    x = np.asarray(series)
    b = x.shape[1]
    score = np.zeros(n, np.int64)
    ties = np.zeros(n, np.int64)
    for k in range(b):
        score += np.sign(x[:, k + 1 :] - x[:, k : k + 1]).sum(axis=1, dtype=np.int64)
        # each value's group of equal values (t of them) adds (t - 1)(2t + 5): t(t - 1)(2t + 5) per group
        t = (x == x[:, k : k + 1]).sum(axis=1, dtype=np.int64)
        ties += (t - 1) * (2 * t + 5)
    keys, first, inverse = np.unique(np.column_stack([score, ties]), axis=0, return_index=True, return_inverse=True)
    results = np.empty((len(keys), 3))
    for k, ((_, tie), row) in enumerate(zip(keys, first)):
        if tie == b * (b - 1) * (2 * b + 5):  # the same count in every bin: no trend at all
            results[k] = (0.0, 0.0, 1.0)
        else:
            r = pymannkendall.original_test(x[row])
            results[k] = (r.Tau, r.s, r.p)
    chosen = results[inverse.reshape(-1)]
    return chosen[:, 0], chosen[:, 1], chosen[:, 2]


def adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values over the non-NaN entries (NaN stays NaN).

    Examples
    --------
    >>> adjust(np.array([0.01, np.nan, 0.04, 0.03])).round(3).tolist()[::2]
    [0.03, 0.04]
    """
    out = np.full(len(p), np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        out[tested] = false_discovery_control(p[tested], method="bh")
    return out


def classify(active: np.ndarray, rising: np.ndarray, falling: np.ndarray) -> np.ndarray:
    """The pattern of each area from its active bins (covered bins only, oldest first) and its significant trend.

    Examples
    --------
    >>> a = np.array([[0, 0, 0, 0, 0, 1], [1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 0, 1],
    ...               [1, 1, 1, 1, 1, 0]], bool)
    >>> classify(a, np.zeros(5, bool), np.zeros(5, bool)).tolist()
    ['new', 'persistent', 'consecutive', 'sporadic', 'historical']
    """
    n, b = active.shape
    out = np.full(n, "no pattern", dtype=object)
    if b < MIN_BINS:
        out[:] = "too few periods"
        return out
    final = active[:, -1]
    count = active.sum(axis=1)
    before = active[:, :-1]
    earlier_count = before.sum(axis=1)
    # length of the run of active bins ending with the final one
    inactive_from_end = ~active[:, ::-1]
    run = np.where(inactive_from_end.any(axis=1), inactive_from_end.argmax(axis=1), b)
    half = final & (count * 2 >= b)
    # on and off: some bin after the first active one is inactive
    first = np.where(active.any(axis=1), active.argmax(axis=1), b)
    interrupted = ((~active) & (np.arange(b) > first[:, None])).any(axis=1)
    rules = [
        ("new", final & (earlier_count == 0)),
        ("intensifying", half & rising),
        ("diminishing", half & falling),
        ("persistent", final & (count >= 0.9 * b)),
        ("consecutive", final & (run >= 2) & (count == run)),
        ("sporadic", final & interrupted),
        ("historical", ~final & (earlier_count >= 0.9 * (b - 1)) & (earlier_count > 0)),
    ]
    chosen = np.zeros(n, bool)
    for word, hit in rules:
        hit = hit & ~chosen
        out[hit] = word
        chosen |= hit
    return out


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def sentence(pattern: str, series: list, words: list[str], unit: str) -> str:
    """One plain sentence for an area's pattern, naming its bins (``words``: each bin in words, oldest first;
    ``unit``: ``month`` or ``week``). Unknown bins (``None``) are left out.

    Examples
    --------
    >>> w = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    >>> sentence("intensifying", [1, 2, 2, 4, 5, 7], w, "month")
    'more children found here month by month since Jan; 7 children in Jun'
    >>> sentence("new", [0, 0, 0, 0, 0, 3], w, "month")
    '3 children found here in Jun; none in the 5 months before'
    >>> sentence("historical", [3, 4, 3, 5, 4, 0], w, "month")
    'children found here in 5 of the 5 months before Jun, none in Jun'
    """
    known = [(v, word) for v, word in zip(series, words) if v is not None]
    if not known:
        return "no data yet for this window"
    values = [v for v, _ in known]
    final_value, final = known[-1]
    active = sum(v > 0 for v in values)
    last = f"{_plural(final_value, 'child', 'children')} in {final}" if final_value else f"none in {final}"
    since = known[0][1]
    if pattern == "too few periods":
        return f"only {_plural(len(known), unit)} of data, too few to see a pattern; {last}"
    if pattern == "new":
        # the area may have been busy before the window: "first" would claim more than the bins show
        before = max(values[:-1], default=0)
        earlier = "none" if before == 0 else f"at most {before} a {unit}"
        found = _plural(final_value, "child", "children")
        return f"{found} found here in {final}; {earlier} in the {_plural(len(known) - 1, unit)} before"
    if pattern == "consecutive":
        run = 0
        for v in reversed(values):
            if v <= 0:
                break
            run += 1
        return f"children found here every {unit} since {known[-run][1]}; {last}"
    if pattern == "intensifying":
        return f"more children found here {unit} by {unit} since {since}; {last}"
    if pattern == "diminishing":
        return f"fewer children found here {unit} by {unit} since {since}; still {last}"
    if pattern == "persistent":
        return f"children found here in {active} of {_plural(len(known), unit)}, with no steady rise or fall; {last}"
    if pattern == "sporadic":
        return f"children found here on and off: in {active} of {_plural(len(known), unit)}; {last}"
    if pattern == "historical":
        return f"children found here in {active} of the {_plural(len(known) - 1, unit)} before {final}, none in {final}"
    return f"children found here in {active} of {_plural(len(known), unit)}; {last}"


def emerging(series: np.ndarray, covered: np.ndarray, min_children: int = 1, alpha: float = 0.05) -> pd.DataFrame:
    """Each area's pattern and trend test from its series.

    Parameters
    ----------
    series : (areas, bins) int array
        Children per bin, oldest first (values of uncovered bins are ignored).
    covered : (bins,) bool array
        Whether each bin is inside the data's coverage (uncovered bins come first).
    min_children : int
        A bin is active when the area has at least this many children in it.
    alpha : float
        A trend is significant when its Benjamini-Hochberg adjusted p-value is below this.

    Returns
    -------
    pandas.DataFrame, one row per area: ``pattern``, ``mk_tau``, ``mk_s``, ``mk_p``, ``mk_p_adjusted``.
    """
    known = series[:, np.asarray(covered, bool)]
    tau, s, p = mann_kendall(known)
    p_adjusted = adjust(p)
    significant = p_adjusted < alpha
    pattern = classify(known >= min_children, significant & (tau > 0), significant & (tau < 0))
    return pd.DataFrame({"pattern": pattern, "mk_tau": tau, "mk_s": s, "mk_p": p, "mk_p_adjusted": p_adjusted})
