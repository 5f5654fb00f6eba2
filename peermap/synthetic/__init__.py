"""A realistic synthetic data folder for County Durham (or all of England and Wales).

:func:`synthesise` writes the six CSV files of SCHEMA.md (``children``,
``episodes``, ``rthis``, ``links``, ``places``, ``associates``), a
``peermap.key`` and a ``truth.json`` saying what was planted. Everything is
invented except the postcodes: real Code-Point Open postcodes from the embedded
index (County Durham and its edges; every area of England and Wales for a
national-size run). The same seed gives byte-identical files.

Calibration. The default (356 children, 1,535 episodes, 1 April 2022 to 31 March
2023) matches the council report's 2022/23 figures (paragraphs 31, 32, 41-44)
under SCHEMA.md's measure definitions: 356 children missing, 1,535 episodes, 142
children in care with 992 episodes, 23 average hours missing (all and CiC), most
common age 15 (all, CiC and others), interviews offered for 99% of episodes,
accepted 69% (CiC 68%), completed 68%, completed within 72 hours 49% (CiC 58%),
and the "frequently missing" table: the 11 children in care with most episodes
have exactly 107, 56, 49, 44, 39, 38, 22, 17, 15, 14 and 14, with exactly the
table's declined counts (no other child has more than 13). Ages, interview
outcomes and on-time completions are filled as exact quotas and durations are
rescaled, so the figures land within a few tenths of a per cent at any seed.
Larger runs keep the same proportions. Every rate is a field of
:class:`Calibration`, which says where it comes from and how to change it.

One module per table or idea:

- ``calibration``: the rates, shares and medians, each with its source;
- ``places``: towns, public places, children's homes, schools and hot spots
  (``postcode_pool``: the real postcodes they sit on);
- ``children``: children.csv, ages, siblings;
- ``groups``: the planted peer groups and their evenings missing together;
- ``timeline`` and ``episodes``: episodes.csv, how many, when, where;
- ``interviews``: rthis.csv;
- ``intelligence``, ``adults_of_concern``, ``background`` and ``links``: links.csv
  and the associates it names (``names``, ``identifiers``: invented names,
  plates, phones and handles);
- ``truth``: truth.json, what was planted; ``folder``: :func:`synthesise`,
  which makes them all and writes the folder.

Scale: above 20,000 children (or with ``region="national"``) postcodes and towns
come from all of England and Wales. Generation is vectorised numpy with Python
loops only over groups, adults of concern and hot spots; links are written in
chunks. 200,000 children, 1,000,000 episodes and 2,000,000 links take about a
minute and 1.5 GB.
"""

from peermap.synthetic.calibration import FREQUENTLY_MISSING, REPORT, Calibration
from peermap.synthetic.folder import synthesise
from peermap.synthetic.postcode_pool import DURHAM_BOUNDS

__all__ = ["synthesise", "Calibration", "REPORT", "FREQUENTLY_MISSING", "DURHAM_BOUNDS"]
