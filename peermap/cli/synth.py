"""``peermap synth``: a synthetic County Durham data folder, with the truth of what is planted in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from peermap.cli.options import Seed
from peermap.exports import console
from peermap.exports.console import say
from peermap.exports.exit_codes import fail


def synth(
    out: Path = typer.Option(..., "--out", help="Folder to write the synthetic data folder into."),
    seed: int = Seed,
    children: int = typer.Option(356, "--children", help="Children with at least one episode."),
    episodes: int = typer.Option(1535, "--episodes", help="Missing episodes in all."),
    links: Optional[int] = typer.Option(None, "--links", help="Intelligence links (default: about 3 an episode)."),
    start: str = typer.Option("2022-04-01", "--start", help="First day of the synthetic period."),
    months: int = typer.Option(12, "--months", help="How many months it covers."),
):
    """Make a synthetic County Durham data folder, with the truth of what is planted in it.

    Everything is invented (real postcodes, made-up children), calibrated by
    default to the council report's 2022/23 year, with planted peer groups,
    adults of concern and hot spots, and decoys that a naive analysis falls for.

    Example:

        peermap synth --out data/durham --seed 7
    """
    from peermap.synthetic import synthesise
    from peermap.synthetic.identifiers import PoolTooSmall

    try:
        first = dt.date.fromisoformat(start)
    except ValueError:
        fail(f"--start must be a date YYYY-MM-DD, not {start!r}")
    if min(children, episodes, months) < 1 or episodes < children or (links is not None and links < 0):
        fail("--children, --episodes and --months must be positive, with at least one episode a child")
    try:
        with console.progress() as report:
            summary = synthesise(
                out,
                seed=seed,
                children=children,
                episodes=episodes,
                links=links,
                start=first,
                months=months,
                progress=report,
            )
    except PoolTooSmall as error:
        fail(f"{error} (--children {children:,}, --links {links if links is not None else 'default'})")
    say(
        f"wrote a synthetic data folder to {out}: "
        + ", ".join(f"{v:,} {k}" for k, v in summary.items() if isinstance(v, int))
    )
