"""The data-folder contract of SCHEMA.md, written down as data.

Each :class:`TableSpec` lists its columns with their kind (how a cell is read),
whether a value is required, and the allowed choices. The reader, the
validator, the Neo4j loader and the docs all take their column lists from
here, so the contract is stated once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEXES = ("female", "male", "other", "unknown")
LEGAL_STATUSES = ("CiC", "CP", "CIN", "EH", "none")
PLACEMENT_TYPES = ("residential", "foster", "kinship", "family_home", "semi_independent", "other")
CE_RISKS = ("low", "medium", "high")
EXPLOITATION_TYPES = ("CSE", "CCE", "both", "none")
OUTCOMES = ("completed", "declined", "not_completed", "pending")
TARGET_TYPES = ("child", "associate", "place", "vehicle", "phone", "online")
PEOPLE_ROLES = ("peer", "adult_of_concern", "protective", "family", "professional", "unknown")
PLACE_ROLES = ("found_at", "frequents", "exploitation_location", "missing_from", "safe_place")
ROLES = PEOPLE_ROLES + PLACE_ROLES
SOURCES = ("rthi", "police", "school", "worker", "partner")
SOURCE_GRADES = ("1", "2", "3")
INTEL_GRADES = ("A", "B", "C", "D", "E")
HANDLING_CODES = ("P", "C")
PLACE_KINDS = ("park", "shop", "takeaway", "transport", "school", "residential_home", "house", "other")

#: Place roles that mark a place of concern (they count toward hot spots).
CONCERN_ROLES = ("found_at", "frequents", "exploitation_location")


@dataclass(frozen=True)
class ColumnSpec:
    """One column: ``kind`` is how its cells are read (see :mod:`graph_models.cells`).

    ``fail_closed``, when set, is the value a bad cell of an optional column
    takes instead of being left blank (SCHEMA.md: an unknown handling code is
    treated as ``C``, so intelligence never reaches partners by a typing slip).
    """

    name: str
    kind: str  # id, text, datetime, date, birth_date, bool, choice, postcode, int, id_list
    required: bool = False
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    fail_closed: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One file of the data folder."""

    name: str
    required: bool
    id_column: str
    columns: tuple[ColumnSpec, ...] = field(default_factory=tuple)

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


C = ColumnSpec

CHILDREN = TableSpec(
    "children",
    True,
    "child_id",
    (
        C("child_id", "id", required=True),
        C("display_name", "text"),
        C("birth_date", "birth_date"),
        C("sex", "choice", choices=SEXES),
        C("legal_status", "choice", choices=LEGAL_STATUSES),
        C("placement_type", "choice", choices=PLACEMENT_TYPES),
        C("home_postcode", "postcode"),
        C("placement_postcode", "postcode"),
        C("school", "text"),
        C("ce_risk", "choice", choices=CE_RISKS),
        C("exploitation_type", "choice", choices=EXPLOITATION_TYPES),
    ),
)

EPISODES = TableSpec(
    "episodes",
    True,
    "episode_id",
    (
        C("episode_id", "id", required=True),
        C("child_id", "id", required=True),
        C("missing_at", "datetime", required=True),
        C("returned_at", "datetime"),
        C("missing_from_postcode", "postcode"),
        C("found_at_postcode", "postcode"),
        C("found_at_place", "text"),
    ),
)

RTHIS = TableSpec(
    "rthis",
    False,
    "rthi_id",
    (
        C("rthi_id", "id", required=True),
        C("child_id", "id", required=True),
        C("episode_ids", "id_list", required=True),
        C("offered_at", "datetime"),
        C("outcome", "choice", required=True, choices=OUTCOMES),
        C("completed_at", "datetime"),
        C("worker", "text"),
    ),
)

LINKS = TableSpec(
    "links",
    False,
    "link_id",
    (
        C("link_id", "id", required=True),
        C("child_id", "id", required=True),
        C("recorded_at", "datetime", required=True),
        C("target_type", "choice", required=True, choices=TARGET_TYPES),
        C("target_ref", "text", required=True),
        C("role", "choice", choices=ROLES),
        C("episode_id", "id"),
        C("rthi_id", "id"),
        C("with_during_episode", "bool"),
        C("source", "choice", choices=SOURCES),
        C("source_grade", "choice", choices=SOURCE_GRADES),
        C("intel_grade", "choice", choices=INTEL_GRADES),
        C("handling", "choice", choices=HANDLING_CODES, fail_closed="C"),
        C("notes", "text"),
    ),
)

PLACES = TableSpec(
    "places",
    False,
    "place_name",
    (
        C("place_name", "text", required=True),
        C("postcode", "postcode", required=True),
        C("kind", "choice", choices=PLACE_KINDS),
    ),
)

ASSOCIATES = TableSpec(
    "associates",
    False,
    "associate_id",
    (
        C("associate_id", "id", required=True),
        C("label", "text", required=True),
        C("aliases", "id_list"),
        C("role", "choice", choices=PEOPLE_ROLES),
        C("approx_age", "int", low=0, high=120),
    ),
)

#: In the order they are loaded: later tables refer to earlier ones.
TABLE_SPECS = (CHILDREN, EPISODES, RTHIS, LINKS, PLACES, ASSOCIATES)
SPECS = {spec.name: spec for spec in TABLE_SPECS}
