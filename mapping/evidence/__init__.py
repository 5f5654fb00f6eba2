"""The evidence between two people, each kind kept apart, weighted and explained.

Co-missing is "young people missing at the same time or with the same people"
(DESIGN.md); every tie between two people rests on rows of evidence, one row
per thing that links them, so that "why are these two linked?" always has an
answer. The modules, by idea:

- :mod:`.kinds`: the registry: each kind of evidence declared once, read by
  everything that lists the kinds (network, ties.csv, clusters, pages, GraphML, docs);
- :mod:`.period_rows`: the episodes and links of one period;
- :mod:`.episodes`: the episode table, the period's episodes as arrays for the searches;
- :mod:`.sweep`: the sweep search for pairs close in place and time;
- :mod:`.co_missing`: missing at the same time, went missing together, found together;
- :mod:`.intelligence`: named together, linked associate;
- :mod:`.shared`: shared associate, shared place;
- :mod:`.rows`: the columns and types of an evidence row;
- :mod:`.words` and :mod:`.explain`: the evidence in words;
- :mod:`.collect`: all of it for one period (:func:`collect_evidence`).
"""

from peermap.mapping.evidence.collect import Evidence, collect_evidence
from peermap.mapping.evidence.explain import explain
from peermap.mapping.evidence.kinds import EvidenceKind, cluster_kind_names, evidence_kinds, kind_names
from peermap.mapping.evidence.period_rows import PeriodRows, period_rows
from peermap.mapping.evidence.rows import EVIDENCE_COLUMNS
from peermap.mapping.evidence.words import EvidenceRecords

__all__ = [
    "EVIDENCE_COLUMNS",
    "Evidence",
    "EvidenceKind",
    "EvidenceRecords",
    "PeriodRows",
    "cluster_kind_names",
    "collect_evidence",
    "evidence_kinds",
    "explain",
    "kind_names",
    "period_rows",
]
