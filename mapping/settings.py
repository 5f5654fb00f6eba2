"""The settings of the peer-network analysis: every window, distance and weight, in one place.

Each setting is written as an analyst would say it, with its default and why.
The weights are on one scale: **1.0 is one piece of direct, verified evidence
that two children were together** (for example, two children going missing
from the same place within the same couple of hours). A tie's weight is the
sum of its evidence, so a tie of 3 rests on about three such pieces.

Examples
--------
>>> settings = EvidenceSettings()
>>> settings.close_in_place_km, settings.missing_together_hours
(10.0, 2.0)
>>> EvidenceSettings(found_together_hours=6).found_together_hours
6.0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class EvidenceSettings:
    """Windows, distances and weights of the evidence between people, and the shape of clusters.

    Parameters
    ----------
    close_in_place_km : float, default 10
        Two episodes that overlap in time count as "missing at the same time"
        only when they are this close: where either child went missing from or
        was found is within this many kilometres of where the other went
        missing from or was found (straight line, British National Grid). When
        a postcode has no coordinates, the same postcode district (``DH1``)
        counts as close.
    overlap_weight : float, default 0.5
        Weight of two episodes that overlap completely (same start, same end).
        Partly overlapping episodes weigh in proportion to the share of their
        time missing they have in common (the time both were missing divided
        by the time either was): two children out from 8 pm, one back at
        midnight and the other at 2 am, share 4 of 6 hours and weigh 0.33. A
        child missing for three days who overlaps a three-hour episode shares
        4% of the time: too little to count at all (``overlap_least_share``).
    overlap_least_share : float, default 0.5
        Two episodes count as "missing at the same time" only when, for at
        least this share of the time either child was missing, both were
        (0.5: half). An evening out together counts; three hours inside a
        three-day absence does not.
    overlap_most_per_pair : float, default 1.0
        However often two children's episodes overlap, overlapping in time adds
        at most this to their tie. Overlap in time alone is weak evidence: two
        children who are often missing in the same town overlap by chance.
    longest_episode_days : float, default 7
        An episode still open (no ``returned_at``), or longer than this, is
        taken to last this long when looking for overlaps.
    same_place_metres : float, default 500
        "The same place" for going missing together and being found together:
        within this many metres (about five minutes' walk: a park, a street, a
        shopping centre), or the same postcode (or the same ``found_at_place``
        name) when a postcode has no coordinates.
    missing_together_hours : float, default 2
        Two children who go missing from the same place within this many
        hours of each other "went missing together".
    missing_together_weight : float, default 1.0
        Weight of each pair of episodes that went missing together.
    shared_home_factor : float, default 0.5
        When the postcode they went missing from is where both children live
        (home or placement), going missing together and being missing at the
        same time are multiplied by this: they still count, but children who
        live together leave from the same door, so living together is not
        taken for being missing together.
    found_together_hours : float, default 3
        Two children found (or returned) at the same place within this many
        hours of each other were "found together". A ``found_at_place`` name
        without a postcode is placed through places.csv, else compared by name
        (case- and space-insensitively).
    found_together_weight : float, default 2.0
        Weight of each pair of episodes found together: being found together
        is close to seeing them together.
    named_together_weight : float, default 2.0
        Weight of each ``child`` link: intelligence that names one child with
        another.
    with_during_episode_factor : float, default 1.5
        A link saying the person was with the child while missing
        (``with_during_episode`` = yes) is multiplied by this.
    repeats_count_less : bool, default True
        Intelligence repeating what was already recorded about the same pair
        counts less each time: the first report in full, the second half, the
        third a third, and so on. A child missing a hundred times whose every
        interview names the same friend has told us one thing many times.
    unverified_factor : float, default 0.5
        Intelligence that is unverified (graded ``3``, ``D`` or ``E``, or not
        graded) is multiplied by this, and every explanation says "unverified".
    shared_associate_weight : float, default 1.0
        Weight of two children both linked to the same associate, when that
        associate is linked to just these two. An associate linked to more
        children weighs less for each pair (divided by the natural log of the
        number of children, Adamic-Adar style): someone who knows everyone
        says little about any one pair.
    shared_place_weight : float, default 0.5
        Weight of two children both linked to the same place of concern
        (intelligence naming a place they were found at, frequent or are
        exploited at), divided like shared associates.
    shared_place_most_per_pair : float, default 1.0
        However many places of concern two children share, sharing places adds
        at most this to their tie: children of one town are found at the same
        bus station at different times.
    most_children_for_shared : int, default 50
        An associate or place linked to more children than this makes no
        pairwise ties (the children are still linked to it directly, and it is
        still ranked): "both know the bus station" says nothing about a pair.
    associate_link_weight : float, default 1.0
        Weight of each verified link between a child and an associate.
    cluster_number_history : int, default 12
        A cluster keeps last period's number when it holds mostly the same
        children; last period's numbers come the same way from the period
        before, back to the first period of the data or at most this many
        periods (each earlier period's clusters are found again, which takes
        a moment per period).
    most_children_in_a_cluster : int, default 12
        A cluster with more children than this is split again until each part
        is small enough to discuss in a meeting.
    leiden_resolution : float, default 1.0
        Resolution of the community detection: higher gives smaller clusters.
    seed : int, default 42
        Seed of the community detection, so the same data gives the same
        clusters every run.
    strong_tie_weight : float, default 2.0
        A tie at least this heavy is called "strong" (one direct, verified
        piece of evidence such as being found together, or several weaker ones).
    moderate_tie_weight : float, default 1.0
        A tie at least this heavy (and lighter than strong) is called
        "moderate"; lighter risk ties are "weak". Meeting and worker pages show
        these words, never the weights.
    adult_of_concern_bonus : float, default 2.0
        In a child's score, each adult of concern linked to the child adds this
        much (on the tie-weight scale).
    peer_concern : float, default 0.25
        In an associate's score, a peer (usually another young person) counts
        this much of an adult of concern: children are never ranked as people
        to disrupt.
    unknown_concern : float, default 0.5
        In an associate's score, someone whose role is unknown counts this
        much of an adult of concern.
    exact_betweenness_up_to : int, default 5000
        Bridging (betweenness) is computed exactly on networks up to this many
        people; above it, from a sample of starting points.
    betweenness_samples : int, default 200
        Starting points sampled for betweenness on a large network (fewer,
        at least 4, on a network so big that 200 would take minutes).
    duplicate_similarity : float, default 88
        Two associates' names this similar (0-100, rapidfuzz ratio: edit similarity)
        are suggested as possibly the same person, for the analyst to confirm
        in associates.csv.
    """

    close_in_place_km: float = 10.0
    overlap_weight: float = 0.5
    overlap_least_share: float = 0.5
    overlap_most_per_pair: float = 1.0
    longest_episode_days: float = 7.0
    same_place_metres: float = 500.0
    missing_together_hours: float = 2.0
    missing_together_weight: float = 1.0
    shared_home_factor: float = 0.5
    found_together_hours: float = 3.0
    found_together_weight: float = 2.0
    named_together_weight: float = 2.0
    with_during_episode_factor: float = 1.5
    repeats_count_less: bool = True
    unverified_factor: float = 0.5
    shared_associate_weight: float = 1.0
    shared_place_weight: float = 0.5
    shared_place_most_per_pair: float = 1.0
    most_children_for_shared: int = 50
    associate_link_weight: float = 1.0
    most_children_in_a_cluster: int = 12
    cluster_number_history: int = 12
    leiden_resolution: float = 1.0
    seed: int = 42
    strong_tie_weight: float = 2.0
    moderate_tie_weight: float = 1.0
    adult_of_concern_bonus: float = 2.0
    peer_concern: float = 0.25
    unknown_concern: float = 0.5
    exact_betweenness_up_to: int = 5000
    betweenness_samples: int = 200
    duplicate_similarity: float = 88.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("bool", bool):
                continue
            if f.type in ("float", float):
                object.__setattr__(self, f.name, float(value))
            if value is None or (isinstance(value, (int, float)) and value < 0):
                raise ValueError(f"setting {f.name} must be a number of at least 0, not {value!r}")
        if self.moderate_tie_weight > self.strong_tie_weight:
            raise ValueError("moderate_tie_weight must not be above strong_tie_weight")
        if self.most_children_in_a_cluster < 2:
            raise ValueError("most_children_in_a_cluster must be at least 2")

    def as_dict(self) -> dict:
        """The settings by name, for the manifest (so a pack says how it was made)."""
        return asdict(self)
