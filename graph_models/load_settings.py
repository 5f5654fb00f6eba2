"""How much of a file may be unreadable before peermap stops rather than report on part of it.

Examples
--------
>>> LoadSettings().most_badly_shaped_share
0.05
>>> LoadSettings(most_badly_shaped_share=0.2).most_badly_shaped_share
0.2
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoadSettings:
    """When a data file is too damaged to report on.

    Parameters
    ----------
    most_badly_shaped_share : float, default 0.05
        The share of a file's rows that may be rejected for their *shape* (more
        or fewer fields than the header) or their *quotes* (a quote never
        closed) before the run stops (exit code 2), naming the file and its
        first bad line. A few such rows are slips made by hand, and each is
        reported in rejects.csv while the rest of the file loads. More than 1
        in 20 (0.05) means the file itself was exported wrongly (a comma added
        to the end of every row, a column added to some rows, a stray quote
        in a name), and a pack drawn from what is left would show too little
        without saying so: fix the export instead. Rows rejected for their
        values (a date that cannot be read, a child not in children.csv) do
        not count here. 0 stops at the first badly shaped row; 1 never stops.
    """

    most_badly_shaped_share: float = 0.05

    def __post_init__(self) -> None:
        if not 0 <= self.most_badly_shaped_share <= 1:
            raise ValueError(f"most_badly_shaped_share must be from 0 to 1, not {self.most_badly_shaped_share!r}")
