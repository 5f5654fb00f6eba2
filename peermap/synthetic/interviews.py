"""Return home interviews (rthis.csv): offered, accepted, completed, within 72 hours, as the report counts them.

One interview can cover 2-4 consecutive episodes (report para 34, 37 and 45:
"one RTHI would be completed capturing several missing episodes"). Outcomes are
filled as exact quotas, so the measures land on the report's 2022/23 figures
(para 31 and 32): offered 99%, accepted 69% (in care 68%), completed 68%,
completed within 72 hours 49% (in care 58%); the frequently missing children
decline exactly as the report's table says (para 43). Some interviews are
declined, pending, not completed, not offered (a row with no ``offered_at``, or
no interview at all) or completed late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from peermap.synthetic.calibration import Calibration
from peermap.synthetic.children import Children
from peermap.synthetic.clock import DAY, MIN, Clock, lognormal_hours
from peermap.synthetic.episodes import Episodes
from peermap.synthetic.names import SURNAMES, WORKER_FIRST, unique_names

# What became of an interview block
NONE, NOOFFER, DECLINED, NOTCOMP, PENDING, DONE = range(6)


@dataclass
class Interviews:
    """One entry per interview row, in ``ids`` order; a block of episodes with no row is not here."""

    child: np.ndarray
    first: np.ndarray  # position of first covered episode in ep_order
    size: np.ndarray
    members: np.ndarray  # episode indices covered, padded with -1 (n x most an interview covers)
    offered: np.ndarray
    completed: np.ndarray
    outcome: np.ndarray  # category codes
    worker: np.ndarray
    ids: np.ndarray
    ep_completed: np.ndarray  # per episode: index of the completed interview covering it, or -1


def make_interviews(rng, clock: Clock, kids: Children, ep: Episodes, national: bool, cal: Calibration) -> Interviews:
    """Interviews for blocks of consecutive episodes, with outcomes filled to the report's quotas."""
    E = len(ep.child)
    o = np.lexsort((ep.start, ep.child))  # episodes child by child, in time order
    ch = ep.child[o]
    st, en = ep.start[o], ep.end[o]
    returned = ~np.isnan(en)
    same = np.concatenate([[False], ch[1:] == ch[:-1]])
    prev_end = np.concatenate([[np.nan], en[:-1]])
    gap = st - prev_end
    p_merge = np.where(kids.top[ch] >= 0, cal.merge_share_frequently_missing, cal.merge_share)
    most = cal.max_episodes_an_interview
    merge = (
        same
        & returned
        & np.concatenate([[False], returned[:-1]])
        & (gap < cal.merge_within_hours * MIN)
        & (rng.random(E) < p_merge)
    )
    # the frequently missing children decline exactly as in the report's table: pick the
    # declined episodes first, and let one interview cover only episodes of one kind
    top_ep = kids.top[ch] >= 0
    declined_ep = np.zeros(E, bool)
    for t in np.unique(kids.top[ch[top_ep]]):
        mine = np.flatnonzero((kids.top[ch] == t) & returned)
        want = int(round(cal.frequently_missing[t][1] * min(1.0, len(mine) / cal.frequently_missing[t][0])))
        declined_ep[rng.choice(mine, min(want, len(mine)), replace=False)] = True
    merge &= ~(top_ep & (declined_ep != np.concatenate([[False], declined_ep[:-1]])))
    # blocks of at most ``most`` (four) consecutive episodes
    for _ in range(3):
        block = np.cumsum(~merge) - 1
        bstart = np.flatnonzero(~merge)
        pos = np.arange(E) - bstart[block]
        merge &= ~((pos % most == 0) & (pos > 0))
    block = np.cumsum(~merge) - 1
    nb = int(block[-1]) + 1 if E else 0
    bfirst = np.flatnonzero(~merge)
    bsize = np.bincount(block, minlength=nb)
    blast = bfirst + bsize - 1
    bchild = ch[bfirst]
    blast_ret = en[blast]
    bcic = kids.cic[bchild]
    still = ~returned[blast]

    cat = np.full(nb, -1, np.int64)
    cat[still] = NONE
    # the frequently missing children decline exactly as in the report's table
    top_b = np.flatnonzero(kids.top[bchild] >= 0)
    forced_done = np.zeros(nb, bool)
    top_b = top_b[cat[top_b] < 0]
    cat[top_b[declined_ep[bfirst[top_b]]]] = DECLINED
    forced_done[top_b[~declined_ep[bfirst[top_b]]]] = True

    effect = rng.normal(0, cal.decline_spread, kids.n)  # some children decline more than others
    targets = {
        True: (
            cal.cic_rthi_accepted_pct + cal.cic_accepted_lift_pct,
            cal.cic_rthi_completed_pct,
            cal.cic_rthi_completed_within_72h_pct,
        )
    }
    acc_all, comp_all, in72_all = (cal.rthi_accepted_pct, cal.rthi_completed_pct, cal.rthi_completed_within_72h_pct)
    n_cic_eps = int(bsize[bcic].sum())
    n_oth_eps = int(bsize[~bcic].sum())
    cic_acc, cic_comp, cic_72 = targets[True]
    oth_acc = (acc_all * E - cic_acc * n_cic_eps) / max(n_oth_eps, 1)
    oth_comp = (comp_all * E - cic_comp * n_cic_eps) / max(n_oth_eps, 1)
    oth_72 = (in72_all * comp_all * E - cic_72 * cic_comp * n_cic_eps) / max(oth_comp * n_oth_eps, 1)
    targets[False] = (oth_acc, oth_comp, oth_72)

    offer_delay = (
        np.clip(lognormal_hours(rng, nb, cal.offer_hours_median, cal.offer_hours_sigma), *cal.offer_hours_range) * MIN
    )
    on_delay = (
        offer_delay
        + rng.uniform(1.0, 1.0, nb) * MIN
        + rng.random(nb) * np.maximum(MIN, cal.on_time_within_hours * MIN - offer_delay - MIN)
    )
    late_hours = np.clip(lognormal_hours(rng, nb, cal.late_hours_median, cal.late_hours_sigma), *cal.late_hours_range)
    late_delay = (cal.interview_due_hours + late_hours) * MIN
    ontime = np.zeros(nb, bool)
    recent = returned[blast] & (blast_ret > clock.T - cal.pending_days * DAY)
    key = rng.random(nb) + effect[bchild]
    for is_cic in (True, False):
        grp = bcic == is_cic
        n_eps = int(bsize[grp].sum())
        if n_eps == 0:
            continue
        acc, comp, in72 = targets[is_cic]
        offered_n = int(round(cal.rthi_offered_pct / 100 * n_eps))
        accepted_n = int(round(acc / 100 * n_eps))
        completed_n = int(round(comp / 100 * n_eps))
        q_nooffer = max(0, n_eps - offered_n - int(bsize[grp & (cat == NONE)].sum()))
        q_declined = max(0, offered_n - accepted_n - int(bsize[grp & (cat == DECLINED)].sum()))
        q_open = max(0, accepted_n - completed_n)
        # pending: recent returns, interview not yet held
        cand = np.flatnonzero(grp & (cat < 0) & recent & ~forced_done)
        cand = cand[rng.permutation(len(cand))]
        take = cand[np.cumsum(bsize[cand]) - bsize[cand] < int(math.ceil(q_open * cal.pending_share))]
        cat[take] = PENDING
        q_open = max(0, q_open - int(bsize[take].sum()))
        rest = np.flatnonzero(grp & (cat < 0))
        k = np.where(forced_done[rest], np.inf, key[rest])
        rest = rest[np.lexsort((rng.random(len(rest)), k))]
        pos = np.cumsum(bsize[rest]) - bsize[rest]
        edges = np.cumsum([q_nooffer, q_declined, q_open])
        which = np.searchsorted(edges, pos, side="right")
        cat[rest] = np.array([NOOFFER, DECLINED, NOTCOMP, DONE])[which]
        # on time: judged per episode against its own return
        done = np.flatnonzero(grp & (cat == DONE))
        done = done[rng.permutation(len(done))]
        members_ret = np.full((len(done), most), np.nan)
        for j in range(most):
            ok = j < bsize[done]
            members_ret[ok, j] = en[bfirst[done[ok]] + j]
        finish = blast_ret[done] + on_delay[done]
        n_on = np.sum(finish[:, None] - members_ret <= cal.interview_due_hours * MIN, axis=1)
        n_ret = int(np.sum(~np.isnan(members_ret)))
        want_on = int(round(in72 / 100 * n_ret))
        cpos = np.cumsum(n_on) - n_on
        ontime[done[cpos < want_on]] = True

    # a not-offered block is either no interview at all, or a row with no offer recorded
    nooffer = np.flatnonzero(cat == NOOFFER)
    cat[nooffer[rng.random(len(nooffer)) < cal.no_row_share]] = NONE
    has_row = cat != NONE
    offered = np.where(np.isin(cat, [DECLINED, NOTCOMP, PENDING, DONE]), blast_ret + offer_delay, np.nan)
    completed = np.where(cat == DONE, blast_ret + np.where(ontime, on_delay, late_delay), np.nan)
    offered, completed = clock.fix(offered), clock.fix(completed)

    rows = np.flatnonzero(has_row)
    sort_time = np.where(np.isnan(offered[rows]), blast_ret[rows], offered[rows])
    rows = rows[np.lexsort((bchild[rows], sort_time))]
    R_ = len(rows)
    width = max(6, len(str(R_)))
    ids = ("R" + pd.Series(np.arange(1, R_ + 1)).astype(str).str.zfill(width)).to_numpy().astype(object)
    members = np.full((R_, most), -1, np.int64)
    for j in range(most):
        ok = j < bsize[rows]
        members[ok, j] = o[bfirst[rows[ok]] + j]
    n_workers = cal.workers if not national else max(cal.workers, kids.n // cal.children_per_worker_national)
    wf = np.array(WORKER_FIRST, dtype=object)
    wn = (
        unique_names(np.random.default_rng(int(rng.integers(0, 2**32))), n_workers)
        if national
        else wf[rng.choice(len(wf), n_workers, replace=False)]
        + " "
        + np.array(SURNAMES, dtype=object)[rng.choice(len(SURNAMES), n_workers, replace=False)]
    )
    worker = wn[rng.integers(0, n_workers, R_)]
    worker[rng.random(R_) < cal.no_worker_share] = ""
    ep_completed = np.full(E, -1, np.int64)
    done_rows = np.flatnonzero(cat[rows] == DONE)
    for j in range(most):
        e = members[done_rows, j]
        ok = e >= 0
        ep_completed[e[ok]] = done_rows[ok]
    return Interviews(
        child=bchild[rows],
        first=bfirst[rows],
        size=bsize[rows],
        members=members,
        offered=offered[rows],
        completed=completed[rows],
        outcome=cat[rows],
        worker=worker,
        ids=ids,
        ep_completed=ep_completed,
    )
