"""The kinds of evidence, each declared once, here: the registry everything else reads.

A tie between two people rests on pieces of evidence, each of one kind, kept
apart, weighted and explained (DESIGN.md, "Co-missing"). Each kind is one
:class:`EvidenceKind` in :data:`EVIDENCE_KINDS`, which says what the rest of
the tool needs to know of it: its name (the ``kind`` of its evidence rows, and
its count column in the network, ties.csv and GraphML), what it joins and rests
on, its weight setting (:class:`~mapping.settings.EvidenceSettings`), its
sentence and the columns the sentence reads, its words in a cluster's summary,
and its row in the docs' table (``scripts/generate_docs.py``).

Everything that lists the kinds asks this module when it runs, never keeps a
copy: the network's count columns (:mod:`graph_models.network`, given them as
data), ties.csv, the cluster summaries (:mod:`mapping.clusters`), the sentences
(:mod:`.explain`), the network page and GraphML (:mod:`exports.pack`,
:mod:`exports.graphml`) and the docs. So a new kind of evidence is its finder
(called from :mod:`.collect`), its sentence, and one entry here;
``tests/test_evidence_kinds.py`` adds a made-up kind and follows it to the pages.

Examples
--------
>>> kind_names()[:3]
('overlapping', 'missing_together', 'found_together')
>>> [k.name for k in in_reading_order()][:2]
['found_together', 'missing_together']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import pandas as pd
import pyarrow as pa

from peermap.mapping.evidence.co_missing import (
    found_together_sentences,
    missing_together_sentences,
    overlapping_sentences,
)
from peermap.mapping.evidence.intelligence import linked_associate_sentences, named_together_sentences
from peermap.mapping.evidence.shared import shared_associate_sentences, shared_place_sentences
from peermap.mapping.evidence.words import EvidenceRecords
from peermap.mapping.settings import EvidenceSettings

#: What a kind joins: two children, or a child and an associate.
TWO_CHILDREN, CHILD_AND_ASSOCIATE = "two children", "a child and an associate"

#: The evidence-row columns every sentence of a shared associate or place reads (each child's record).
_EACH_SIDE = ("a", "b", "record_a", "record_b", "record_a_type", "record_b_type", "more_a", "more_b")


@dataclass(frozen=True)
class EvidenceKind:
    """One kind of evidence, and everything the tool says or does with it by its name.

    Attributes
    ----------
    name : the ``kind`` of its evidence rows, and its count column in the network, ties.csv and GraphML.
    joins : :data:`TWO_CHILDREN` or :data:`CHILD_AND_ASSOCIATE`; only kinds joining two children are counted
        in a cluster's summary.
    rests_on_episodes : its rows rest on two recorded episodes (``episode_a``, ``episode_b``: fact, and the
        police see their IDs) rather than on intelligence.
    weight_setting : the :class:`~mapping.settings.EvidenceSettings` field of its weight.
    sentence : ``sentence(rows, records, police)``: the words of each of its rows (an Arrow text array), from
        the records they point at (:class:`~.words.EvidenceRecords`).
    columns : the evidence-row columns its sentence reads; it is given only these.
    words : what a cluster's summary calls several of it ("3 found together").
    words_one : what the summary calls one of it, where that differs ("1 shared associate").
    reading_order : its place, strongest first, in a cluster's summary and the docs.
    in_clusters : counted in the weight community detection uses (``cluster_weight``).
    repeats_count_less : repeated about the same pair, it counts less each time (``repeats_count_less``).
    meaning, weight_words : its row of the docs' table; ``{setting}`` is the setting's default.
    example : a sentence of it, for the docs.
    """

    name: str
    joins: str
    rests_on_episodes: bool
    weight_setting: str
    sentence: Callable[[pd.DataFrame, EvidenceRecords, bool], pa.Array]
    columns: tuple[str, ...]
    words: str
    reading_order: int
    meaning: str
    weight_words: str
    example: str
    words_one: str | None = None
    in_clusters: bool = True
    repeats_count_less: bool = False

    def doc_row(self, settings: EvidenceSettings) -> tuple[str, str]:
        """Its meaning and weight words, with the settings' values in them."""
        values = asdict(settings)
        return self.meaning.format(**values), self.weight_words.format(**values)


#: Every kind of evidence, in the order of the count columns (ties.csv, GraphML, the network); a new kind goes
#: at the end, so the columns before it stay where they are.
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = (
    EvidenceKind(
        name="overlapping",
        joins=TWO_CHILDREN,
        rests_on_episodes=True,
        weight_setting="overlap_weight",
        sentence=overlapping_sentences,
        columns=("record_a", "record_b", "place_a", "place_b", "occasions", "distance_km", "place"),
        words="missing at the same time",
        reading_order=6,
        meaning="missing at the same time, **close in place**: where one went missing from or was found is within "
        "**{close_in_place_km:g} km** of where the other went missing from or was found (straight line on "
        "the British National Grid), or the same postcode district when a postcode has no coordinates.",
        weight_words="{overlap_weight:.1f} × the share of their time missing they had in common; at most "
        "{overlap_most_per_pair:.1f} for a pair",
        example="missing at the same time on 4 occasions (the closest shown): C-A missing 04 Mar 2023 20:10 to "
        "05 Mar 2023 01:00 and C-B missing 04 Mar 2023 20:40 to 05 Mar 2023 01:10 (93% of their time "
        "missing shared), C-A went missing from DH1 1AB and C-B was found at DH1 3EB, 3.5 km apart",
    ),
    EvidenceKind(
        name="missing_together",
        joins=TWO_CHILDREN,
        rests_on_episodes=True,
        weight_setting="missing_together_weight",
        sentence=missing_together_sentences,
        columns=("record_a", "record_b", "distance_km", "minutes_apart", "place"),
        words="went missing together",
        reading_order=1,
        meaning="both went missing from the same place ({same_place_metres:g} m, or the same postcode) within "
        "**{missing_together_hours:g} hours** of each other.",
        weight_words="{missing_together_weight:.1f} each time; ×{shared_home_factor:g} when it is the one address "
        "where both live",
        example="went missing 40 minutes apart: C-A from DH1 1AB on 04 Mar 2023 20:00 and C-B from DH1 1AD on "
        "04 Mar 2023 20:40, 78 m apart",
    ),
    EvidenceKind(
        name="found_together",
        joins=TWO_CHILDREN,
        rests_on_episodes=True,
        weight_setting="found_together_weight",
        sentence=found_together_sentences,
        columns=("record_a", "record_b", "distance_km", "minutes_apart", "place"),
        words="found together",
        reading_order=0,
        meaning="both found (returned) at the same place within **{found_together_hours:g} hours** of each other. "
        "The same place: within **{same_place_metres:g} m** (`same_place_metres`), or the same postcode or "
        "`found_at_place` name when a postcode has no coordinates. A place name without a postcode is "
        "placed through places.csv.",
        weight_words="{found_together_weight:.1f} each time",
        example="found 24 minutes apart: C-A at DH1 4DP on 27 Mar 2023 03:55 and C-B at Wharton Park (DH1 4QP) on "
        "27 Mar 2023 04:19, 240 m apart",
    ),
    EvidenceKind(
        name="named_together",
        joins=TWO_CHILDREN,
        rests_on_episodes=False,
        weight_setting="named_together_weight",
        sentence=named_together_sentences,
        columns=("record_a", "tie_type"),
        words="named together",
        reading_order=2,
        repeats_count_less=True,
        meaning="intelligence names one child with the other (a `child` link).",
        weight_words='{named_together_weight:.1f}; ×{with_during_episode_factor:g} when they were "with them while '
        'missing"',
        example="C-A's return interview of 10 Mar 2023 (reliable source, known directly) names C-B as with them "
        "while missing",
    ),
    EvidenceKind(
        name="shared_associate",
        joins=TWO_CHILDREN,
        rests_on_episodes=False,
        weight_setting="shared_associate_weight",
        sentence=shared_associate_sentences,
        columns=_EACH_SIDE + ("place", "via", "via_children"),
        words="shared associates",
        words_one="shared associate",
        reading_order=4,
        # the associate is a node of the network itself: counted again, community detection would count it twice
        in_clusters=False,
        meaning="both children are linked to the same associate.",
        weight_words="{shared_associate_weight:.1f}, less for an associate linked to many children (divided by the "
        "natural log of how many)",
        example="both linked to Stuart Younger (adult of concern), who is linked to 4 children in this period: C-A's "
        "return interview of 13 Mar 2023 (...) and C-B's worker record of 05 Mar 2023 (...)",
    ),
    EvidenceKind(
        name="shared_place",
        joins=TWO_CHILDREN,
        rests_on_episodes=False,
        weight_setting="shared_place_weight",
        sentence=shared_place_sentences,
        columns=_EACH_SIDE + ("via", "via_children"),
        words="shared places",
        words_one="shared place",
        reading_order=5,
        meaning="both children are linked to the same place of concern: intelligence that they were found at, "
        "frequent, or are exploited at it, or an episode that ended there. Where children live (homes, "
        "placements, residential homes) is never a place of concern.",
        weight_words="{shared_place_weight:.1f}, less for a popular place; at most {shared_place_most_per_pair:.1f} "
        "for a pair however many places they share",
        example="both linked to McDonald's Durham (DH1 3BQ), a place linked to 3 children in this period: C-A was "
        "found there on 23 Mar 2023 15:25 and C-B's partner agency record of 01 Mar 2023 (...) names it as "
        "a place they go",
    ),
    EvidenceKind(
        name="linked_associate",
        joins=CHILD_AND_ASSOCIATE,
        rests_on_episodes=False,
        weight_setting="associate_link_weight",
        sentence=linked_associate_sentences,
        columns=("record_a", "tie_type", "b"),
        words="linked associates",
        words_one="linked associate",
        reading_order=3,
        repeats_count_less=True,
        meaning="intelligence links a child and an associate (between a child and an adult, not two children).",
        weight_words='{associate_link_weight:.1f}; ×{with_during_episode_factor:g} "with them while missing"',
        example="C-A's partner agency record of 01 Mar 2023 (not graded, not confirmed) names Stuart Younger",
    ),
)


def evidence_kinds() -> tuple[EvidenceKind, ...]:
    """Every kind, in column order, as :data:`EVIDENCE_KINDS` holds them now."""
    return EVIDENCE_KINDS


def kind_names() -> tuple[str, ...]:
    """The kinds' names in column order: the count columns of the network, ties.csv and GraphML."""
    return tuple(kind.name for kind in EVIDENCE_KINDS)


def cluster_kind_names() -> tuple[str, ...]:
    """The kinds counted in the weight community detection uses (``cluster_weight``)."""
    return tuple(kind.name for kind in EVIDENCE_KINDS if kind.in_clusters)


def kinds_between_children() -> tuple[EvidenceKind, ...]:
    """The kinds that join two children (those a cluster's summary counts), in column order."""
    return tuple(kind for kind in EVIDENCE_KINDS if kind.joins == TWO_CHILDREN)


def in_reading_order() -> list[EvidenceKind]:
    """Every kind, strongest first: the order of a cluster's summary and of the docs."""
    return sorted(EVIDENCE_KINDS, key=lambda kind: kind.reading_order)
