"""How many episodes each child has, and when: counts that sum exactly to the total, placed on the time axis.

Counts are heavy-tailed (report para 43-44: one child in care had 107 episodes),
the frequently missing children get exactly the report's table, and every other
child at most 13. Each child's episodes are placed in the gaps between their
fixed (joint) ones, bursty as children who "return then go missing within
hours", and nudged towards the evening hours children are reported missing.
"""

from __future__ import annotations

import math

import numpy as np

from peermap.synthetic.calibration import Calibration
from peermap.synthetic.children import Children
from peermap.synthetic.clock import MIN, Clock
from peermap.synthetic.groups import Groups


def heavy_counts(rng, n: int, total: int, mins: np.ndarray, cap: int, spread: float) -> np.ndarray:
    """``n`` counts >= ``mins`` (each >= 1), <= ``cap``, heavy-tailed (log-normal ``spread``), summing exactly to
    ``total``."""
    if n == 0:
        return np.zeros(0, np.int64)
    mins = np.maximum(mins, 1)
    cap = max(cap, int(mins.max()), int(math.ceil(total / n)) + 1)
    z = rng.standard_normal(n)
    lo, hi = -5.0, 6.0
    for _ in range(60):
        mu = (lo + hi) / 2
        c = np.maximum(np.minimum(1 + np.floor(np.exp(mu + spread * z)), cap), mins)
        if c.sum() > total:
            hi = mu
        else:
            lo = mu
    counts = np.maximum(np.minimum(1 + np.floor(np.exp(lo + spread * z)), cap), mins).astype(np.int64)
    for _ in range(10_000):
        diff = int(total - counts.sum())
        if diff == 0:
            break
        if diff > 0:
            room = np.flatnonzero(counts < cap)
            if len(room) == 0:
                cap += 1
                continue
            w = counts[room].astype(float)
            pick = rng.choice(room, min(diff, len(room)), replace=False, p=w / w.sum())
            counts[pick] += 1
        else:
            room = np.flatnonzero(counts > mins)
            if len(room) == 0:
                raise ValueError("cannot fit the episode total: too many joint episodes for it")
            w = counts[room].astype(float)
            pick = rng.choice(room, min(-diff, len(room)), replace=False, p=w / w.sum())
            counts[pick] -= 1
    return counts


def split_total(kids: Children, total: int, cal: Calibration) -> tuple[int, int]:
    """Episodes of children in care and of the others, in the report's proportion."""
    n_cic = int(kids.cic.sum())
    e_cic = int(round(total * cal.cic_episodes / cal.episodes))
    e_cic = min(max(e_cic, n_cic), total - (kids.n - n_cic))
    return e_cic, total - e_cic


def fit_joint(rng, kids: Children, groups: Groups, total: int, cal: Calibration) -> None:
    """Drop joint episodes a small episode total cannot hold (only ever bites on tiny runs)."""
    e_cic, e_other = split_total(kids, total, cal)
    n_top = int((kids.top >= 0).sum())
    rest_cic = kids.cic & (kids.top < 0)
    keep = np.ones(len(groups.p_child), bool)
    order = np.lexsort((rng.random(len(keep)), groups.p_child))
    pc = groups.p_child[order]
    rank = np.empty(len(keep), np.int64)
    rank[order] = np.arange(len(pc)) - np.searchsorted(pc, pc)
    for k in range(cal.max_joint_episodes, -1, -1):
        fixed = np.minimum(np.bincount(groups.p_child[rank < k], minlength=kids.n), k)
        if np.maximum(fixed[rest_cic], 1).sum() + n_top <= e_cic and np.maximum(fixed[~kids.cic], 1).sum() <= e_other:
            keep = rank < k
            break
    # an evening with fewer than two children left is no longer a joint one
    per_event = np.bincount(groups.p_event[keep], minlength=int(groups.p_event.max(initial=-1)) + 1)
    keep &= per_event[groups.p_event] >= 2 if len(per_event) else keep
    for name in ("p_group", "p_event", "p_child", "p_start", "p_end", "p_from", "p_found", "p_place"):
        setattr(groups, name, getattr(groups, name)[keep])


def episode_counts(rng, kids: Children, total: int, fixed_per_child: np.ndarray, cal: Calibration) -> np.ndarray:
    """Episodes each child has, at least their joint ones (``fixed_per_child``), summing to ``total``."""
    n = kids.n
    e_cic, _ = split_total(kids, total, cal)
    counts = np.zeros(n, np.int64)
    top = np.flatnonzero(kids.top >= 0)
    table = np.array([cal.frequently_missing[k][0] for k in kids.top[top]], np.int64)
    rest_cic = np.flatnonzero(kids.cic & (kids.top < 0))
    if len(top):
        need = max(2 * len(rest_cic), int(np.maximum(fixed_per_child[rest_cic], 1).sum()))
        room = e_cic - min(need, e_cic - len(top))
        if table.sum() > room:  # small runs: shrink the table to fit
            table = np.maximum(1, np.floor(table * max(room, 0) / table.sum())).astype(np.int64)
            while table.sum() > max(room, len(top)):
                table[np.argmax(table)] -= 1
        counts[top] = table
    left = e_cic - int(counts[top].sum())
    mean = left / max(len(rest_cic), 1)
    cap = max(cal.other_children_episode_cap, int(cal.episode_cap_mean_multiple * mean))
    counts[rest_cic] = heavy_counts(rng, len(rest_cic), left, fixed_per_child[rest_cic], cap, cal.episode_count_spread)
    others = np.flatnonzero(~kids.cic)
    e_other = total - int(counts.sum())
    mean = e_other / max(len(others), 1)
    cap = max(cal.other_children_episode_cap, int(cal.episode_cap_mean_multiple * mean))
    counts[others] = heavy_counts(rng, len(others), e_other, fixed_per_child[others], cap, cal.episode_count_spread)
    return counts


def place_episodes(
    rng,
    clock: Clock,
    child: np.ndarray,
    fixed: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    dur: np.ndarray,
    n_children: int,
    cal: Calibration,
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (minutes) for every free episode, in the gaps between each child's fixed ones.

    Each child's free time (the period less its fixed episodes and a margin) is split into
    windows; free episodes fall into windows in proportion to their length, and inside a window
    they follow each other with gamma-distributed gaps (bursty, as children who "return then go
    missing within hours"), so no two episodes of one child overlap.
    """
    T = clock.T
    margin = 3 * MIN
    fi = np.flatnonzero(fixed)
    fo = fi[np.lexsort((start[fi], child[fi]))]
    fc, fs, fe = child[fo], start[fo], end[fo]
    # windows: one opening window per child, one after each fixed episode
    first_end = np.full(n_children, T)
    if len(fc):
        is_first = np.concatenate([[True], fc[1:] != fc[:-1]])
        first_end[fc[is_first]] = fs[is_first] - margin
        nxt = np.concatenate([fs[1:], [T]])
        same_next = np.concatenate([fc[1:] == fc[:-1], [False]])
        after_end = np.where(same_next, nxt - margin, T)
    else:
        after_end = np.empty(0)
    w_child = np.concatenate([np.arange(n_children), fc])
    w_start = np.concatenate([np.zeros(n_children), fe + margin])
    w_end = np.concatenate([first_end, after_end])
    w_len = np.maximum(0.0, w_end - w_start)
    wo = np.lexsort((w_start, w_child))
    w_child, w_start, w_len = w_child[wo], w_start[wo], w_len[wo]
    cum = np.cumsum(w_len)
    child_first = np.searchsorted(w_child, np.arange(n_children))
    child_total = np.bincount(w_child, weights=w_len, minlength=n_children)
    child_off = cum[child_first] - w_len[child_first]

    free = np.flatnonzero(~fixed)
    c = child[free]
    x = child_off[c] + rng.random(len(free)) * child_total[c]
    w = np.searchsorted(cum, x, side="right")
    w = np.minimum(w, len(cum) - 1)
    bad = w_child[w] != c
    if bad.any():  # a child with no free time at all: its last window
        last = np.concatenate([child_first[1:], [len(w_child)]]) - 1
        w[bad] = last[c[bad]]
    # order the free episodes inside each window at random
    order = np.lexsort((rng.random(len(free)), w))
    free, w = free[order], w[order]
    d = dur[free].copy()
    n_w = len(w_len)
    sum_d = np.bincount(w, weights=d, minlength=n_w)
    squeeze = np.where(sum_d > 0.85 * w_len, 0.85 * w_len / np.maximum(sum_d, 1e-9), 1.0)
    d = d * squeeze[w]
    sum_d = sum_d * squeeze
    # bursty gaps between episodes, plain exponential ones at the window edges (so a child's
    # only episode falls anywhere in the year, not near its ends)
    first_in_window = np.concatenate([[True], w[1:] != w[:-1]])
    gaps = np.where(
        first_in_window, rng.exponential(1.0, len(free)), rng.gamma(cal.burst_shape, 1.0 / cal.burst_shape, len(free))
    )
    tail = rng.exponential(1.0, n_w)
    gap_sum = np.bincount(w, weights=gaps, minlength=n_w) + tail
    gaps = gaps * ((w_len - sum_d) / gap_sum)[w]
    step = gaps + d
    cs = np.cumsum(step)
    first_pos = np.searchsorted(w, w)  # position of the first episode of each episode's window
    within = cs - (cs[first_pos] - step[first_pos])
    s = w_start[w] + within - d
    out_s, out_e = start.copy(), end.copy()
    out_s[free] = s
    out_e[free] = s + d

    # nudge each free start towards an evening hour, by at most half the gap either side
    o = np.lexsort((out_s, child))
    cs_, s_, e_ = child[o], out_s[o], out_e[o]
    same_prev = np.concatenate([[False], cs_[1:] == cs_[:-1]])
    same_next = np.concatenate([cs_[1:] == cs_[:-1], [False]])
    prev_end = np.where(same_prev, np.concatenate([[0.0], e_[:-1]]), 0.0)
    next_start = np.where(same_next, np.concatenate([s_[1:], [T]]), T)
    lo = np.minimum(0.0, -(s_ - prev_end) / 2 + 1)
    hi = np.maximum(0.0, (next_start - e_) / 2 - 1)
    target = _reported_hours(rng, len(o), cal)
    cur = clock.local_hour(s_)
    want = ((target - cur + 12) % 24 - 12) * MIN
    shift = np.clip(want, lo, hi)
    shift[fixed[o]] = 0.0
    out_s[o] = s_ + shift
    out_e[o] = e_ + shift
    return out_s, out_e


def _reported_hours(rng, n: int, cal: Calibration) -> np.ndarray:
    """Hour of day at which children are reported missing: afternoon and evening most."""
    weights = np.array(cal.report_hour_weights, float)
    return rng.choice(24, n, p=weights / weights.sum()) + rng.random(n)
