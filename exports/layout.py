"""Where each person goes on the network page: a seeded layout computed in Python, once.

The page draws the network with physics off (vis-network does no simulation
in the browser), so a 2,000-person network opens at once and looks the same
every time it is opened. Here:

1. the network is split into its connected pieces;
2. each piece is laid out with Fruchterman-Reingold (igraph's compiled
   implementation, seeded: the same network gives the same picture), ties
   pulling by their weight;
3. the pieces are packed in rows, largest first, each scaled to its size, so
   a big peer group is not lost among dozens of pairs and single people.

Examples
--------
>>> import pandas as pd
>>> nodes = pd.Series(["C-1", "C-2", "C-3", "A-1"])
>>> edges = pd.DataFrame({"from": ["C-1", "C-2"], "to": ["C-2", "A-1"], "weight": [2.0, 1.0]})
>>> xy = layout_positions(nodes, edges, seed=7)
>>> sorted(xy) == sorted(nodes)
True
>>> layout_positions(nodes, edges, seed=7) == xy
True
"""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd

#: Typical distance from a person to the nearest other person, in the page's pixels at zoom 1.
SPACING = 70.0


def _component_layout(n: int, edges: np.ndarray, weights: np.ndarray, rng: random.Random) -> np.ndarray:
    """Coordinates of one connected piece (unit-ish scale), seeded."""
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-0.5, 0.0], [0.5, 0.0]])
    import igraph as ig

    graph = ig.Graph(n=n, edges=edges.tolist(), directed=False)
    ig.set_random_number_generator(rng)
    try:
        layout = graph.layout_fruchterman_reingold(
            weights=(0.5 + np.log1p(weights)).tolist(), niter=500, grid="auto" if n > 1000 else "nogrid"
        )
    finally:
        ig.set_random_number_generator(random)  # igraph's default: the random module
    coords = np.asarray(layout.coords, dtype=float)
    coords -= coords.mean(axis=0)
    # scale so people sit about one unit from their nearest neighbour (dense cores are opened up)
    from scipy.spatial import cKDTree

    distance, _ = cKDTree(coords).query(coords, k=2)
    nearest = float(np.median(distance[:, 1])) or 1.0
    coords /= nearest
    return coords


def layout_positions(
    nodes: pd.Series, edges: pd.DataFrame, seed: int = 7, spacing: float = SPACING
) -> dict[str, tuple[float, float]]:
    """Position of each node (by id), in pixels at zoom 1.

    Parameters
    ----------
    nodes : node ids.
    edges : ``from``, ``to`` and ``weight`` (ties between those ids; others are ignored).
    seed : the same seed and network give the same layout.
    spacing : about how far apart neighbours are, in pixels.

    Notes
    -----
    Connected pieces by scipy's union-find on the sparse adjacency, then
    igraph's Fruchterman-Reingold per piece (grid-accelerated above 1,000
    people): about a second for 2,000 people.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ids = pd.Index(pd.Series(nodes).astype(str).to_numpy())
    n = len(ids)
    if n == 0:
        return {}
    a = ids.get_indexer(edges["from"].astype(str)) if len(edges) else np.array([], dtype=np.int64)
    b = ids.get_indexer(edges["to"].astype(str)) if len(edges) else np.array([], dtype=np.int64)
    keep = (a >= 0) & (b >= 0) & (a != b)
    a, b = a[keep], b[keep]
    weights = edges["weight"].to_numpy(dtype=float)[keep] if len(edges) else np.array([])
    weights = np.nan_to_num(np.clip(weights, 0, None))
    matrix = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    count, labels = connected_components(matrix, directed=False)
    rng = random.Random(seed)
    sizes = np.bincount(labels, minlength=count)
    # each node's position within its piece, and the edges grouped by piece (no loop over edges)
    by_piece = np.argsort(labels, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    local = np.empty(n, dtype=np.int64)
    local[by_piece] = np.arange(n) - starts[labels[by_piece]]
    edge_piece = labels[a]
    edge_order = np.argsort(edge_piece, kind="stable")
    edge_counts = np.bincount(edge_piece, minlength=count)
    edge_starts = np.concatenate([[0], np.cumsum(edge_counts)[:-1]])
    first_id = ids.to_numpy()[by_piece[starts]]
    order = sorted(range(count), key=lambda c: (-sizes[c], first_id[c]))
    pieces = []
    for c in order:
        members = by_piece[starts[c] : starts[c] + sizes[c]]
        chosen = edge_order[edge_starts[c] : edge_starts[c] + edge_counts[c]]
        piece_edges = np.column_stack([local[a[chosen]], local[b[chosen]]]).astype(np.int64)
        coords = _component_layout(len(members), piece_edges, weights[chosen], rng) * spacing
        pieces.append((members, coords))
    # shelf packing: rows of pieces, largest first
    total = sum(max(np.ptp(c[:, 0]), spacing) * max(np.ptp(c[:, 1]), spacing) for _, c in pieces)
    row_width = max(math.sqrt(total) * 1.3, spacing * 4)
    x = y = row_height = 0.0
    out: dict[str, tuple[float, float]] = {}
    gap = spacing * 0.9
    for members, coords in pieces:
        w = max(np.ptp(coords[:, 0]), 0.0)
        h = max(np.ptp(coords[:, 1]), 0.0)
        if x > 0 and x + w > row_width:
            x, y = 0.0, y + row_height + gap
            row_height = 0.0
        shifted = coords - coords.min(axis=0) + np.array([x, y])
        for m, (px, py) in zip(members, shifted):
            out[ids[m]] = (round(float(px), 1), round(float(py), 1))
        x += w + gap
        row_height = max(row_height, h)
    return out


def separate_boxes(
    xy: np.ndarray,
    half_width: np.ndarray,
    above: np.ndarray,
    below: np.ndarray,
    pad: float = 6.0,
    prefer_x: float = 1.0,
    margin: float = 3.0,
) -> np.ndarray:
    """Move boxes apart until no two overlap (each box: ``x ± half_width``, ``y - above`` to ``y + below``).

    Each round pushes every pair closer than ``pad`` apart along the axis where they
    overlap least (sideways unless that is ``prefer_x`` times as far: a
    ``prefer_x`` above 1 gives a wider picture, for a wide canvas), aiming at
    ``pad + margin`` apart: aiming at ``pad`` itself, pairs left just inside it
    went back and forth for hundreds of rounds. If that has not settled after
    300 rounds, the whole picture is spread by a tenth and tried again, so it
    always ends with every two boxes at least ``pad`` apart.
    Used to lay one peer cluster out on its own with no two labels touching.
    """
    xy = np.array(xy, dtype=float, copy=True)
    n = len(xy)
    if n < 2:
        return xy
    hw, up, down = (np.asarray(v, dtype=float) for v in (half_width, above, below))
    ties = np.subtract.outer(np.arange(n), np.arange(n)).astype(float)  # who goes which way when on one spot
    for _attempt in range(60):
        for _round in range(300):
            dx = np.subtract.outer(xy[:, 0], xy[:, 0])
            ox = np.add.outer(hw, hw) + (pad + margin) - np.abs(dx)
            top = np.maximum.outer(xy[:, 1] - up, xy[:, 1] - up)
            bottom = np.minimum.outer(xy[:, 1] + down, xy[:, 1] + down)
            oy = bottom - top + (pad + margin)
            hit = (ox > margin) & (oy > margin)
            np.fill_diagonal(hit, False)
            if not hit.any():
                return xy
            along_x = hit & (ox <= prefer_x * oy)
            along_y = hit & ~along_x
            sx = np.where(dx == 0, np.sign(ties), np.sign(dx))
            dy = np.subtract.outer(xy[:, 1] + (down - up) / 2, xy[:, 1] + (down - up) / 2)
            sy = np.where(dy == 0, np.sign(ties), np.sign(dy))
            xy[:, 0] += 0.55 * (np.where(along_x, sx * ox, 0.0)).sum(axis=1) / np.maximum(along_x.sum(axis=1), 1)
            xy[:, 1] += 0.55 * (np.where(along_y, sy * oy, 0.0)).sum(axis=1) / np.maximum(along_y.sum(axis=1), 1)
        xy = (xy - xy.mean(axis=0)) * 1.1
    return xy


def piece_layout(
    ids: list[str],
    edges: pd.DataFrame,
    half_width,
    above,
    below,
    seed: int = 7,
    spacing: float = 40.0,
    aspect: float = 1.6,
    search: bool = True,
) -> dict[str, tuple[float, float]]:
    """One group of people laid out on its own, compact, with no two boxes (node and label) overlapping.

    A seeded Fruchterman-Reingold layout of the group's own ties is drawn
    tight, stretched more or less sideways and pushed apart more or less sideways, and
    :func:`separate_boxes` opens each try just enough for every label; the
    try that would be drawn largest on a canvas of shape ``aspect`` (width
    over height: a projector's canvas beside the details panel) is kept, and
    drawn tighter (a tenth at a time) while that makes it larger.
    With ``search`` off (thousands of groups), only the first try is made.
    """
    rough = layout_positions(pd.Series(ids), edges, seed=seed, spacing=spacing)
    start = np.array([rough[i] for i in ids], dtype=float)
    start -= start.mean(axis=0)
    hw, up, down = (np.asarray(v, dtype=float) for v in (half_width, above, below))
    if len(ids) > 2:  # lie the picture on its side: canvases are wider than tall
        spread = start.std(axis=0) + 1e-9
        start = start[:, ::-1] if spread[1] > spread[0] else start
    tries = [(a, p) for a in (1.0, 1.6, 2.5) for p in (1.3, 1.7, 2.2, 3.0)] if search and len(ids) > 2 else [(1.6, 1.7)]

    def scale_of(xy):
        width = (xy[:, 0] + hw).max() - (xy[:, 0] - hw).min()
        height = (xy[:, 1] + down).max() - (xy[:, 1] - up).min()
        return min(aspect / width, 1.0 / height)

    best, best_scale, best_prefer = None, -1.0, 1.0
    for stretch, prefer in tries:
        xy = separate_boxes(start * np.array([stretch, 1.0]), hw, up, down, prefer_x=prefer)
        if scale_of(xy) > best_scale:
            best, best_scale, best_prefer = xy, scale_of(xy), prefer
    for _ in range(15 if search and len(ids) > 20 else 0):  # draw it tighter while that makes it larger
        xy = separate_boxes((best - best.mean(axis=0)) * 0.9, hw, up, down, prefer_x=best_prefer)
        if scale_of(xy) <= best_scale:
            break
        best, best_scale = xy, scale_of(xy)
    best -= best.mean(axis=0)
    return {i: (round(float(x), 1), round(float(y), 1)) for i, (x, y) in zip(ids, best)}
