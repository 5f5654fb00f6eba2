"""The Neo4j graph model: labels, relationship types, keys, constraints and indexes.

Nodes (each MERGEd on its natural key, under a uniqueness constraint):

==============  ==================  ==========================================================
label           key                 what it is
==============  ==================  ==========================================================
``Child``       ``child_id``        a child or young person (children.csv), with ``ref``
``Episode``     ``episode_id``      a missing episode (episodes.csv)
``Interview``   ``rthi_id``         a Return Home Interview (rthis.csv)
``Associate``   ``associate_key``   a person linked to children: associates.csv ``associate_id``,
                                    or the normalised name of an unresolved associate
``Place``       ``key``             a postcode (``DH1 1AB``) or a named place (``name:busstation``)
``Identifier``  ``key``             a vehicle, phone or online handle (``vehicle:nk19abc``)
==============  ==================  ==========================================================

Relationships::

    (Child)-[:WENT_MISSING]->(Episode)
    (Episode)-[:MISSING_FROM]->(Place)          postcode the episode started from
    (Episode)-[:FOUND_AT]->(Place)              postcode and/or named place where found
    (Child)-[:INTERVIEWED_IN]->(Interview)-[:COVERS]->(Episode)
    (Child)-[:LIVES_AT]->(Place)                home_postcode
    (Child)-[:PLACED_AT]->(Place)               placement_postcode
    (Child)-[:LINKED_TO {link_id, role, source, source_grade, intel_grade, handling,
                         unverified, recorded_at, with_during_episode, episode_id, rthi_id, notes}]
           ->(Child | Associate | Place | Identifier)

Labels, relationship types and property names appear only in the fixed Cypher
text of this package; values always travel as parameters.
"""

from __future__ import annotations

NODE_KEYS = {
    "Child": "child_id",
    "Episode": "episode_id",
    "Interview": "rthi_id",
    "Associate": "associate_key",
    "Place": "key",
    "Identifier": "key",
}

RELATIONSHIPS = (
    "WENT_MISSING",
    "MISSING_FROM",
    "FOUND_AT",
    "INTERVIEWED_IN",
    "COVERS",
    "LIVES_AT",
    "PLACED_AT",
    "LINKED_TO",
)

#: Created idempotently before every load (``IF NOT EXISTS``). Fixed text, no data in it.
CONSTRAINTS = (
    "CREATE CONSTRAINT child_key IF NOT EXISTS FOR (n:Child) REQUIRE n.child_id IS UNIQUE",
    "CREATE CONSTRAINT episode_key IF NOT EXISTS FOR (n:Episode) REQUIRE n.episode_id IS UNIQUE",
    "CREATE CONSTRAINT interview_key IF NOT EXISTS FOR (n:Interview) REQUIRE n.rthi_id IS UNIQUE",
    "CREATE CONSTRAINT associate_key IF NOT EXISTS FOR (n:Associate) REQUIRE n.associate_key IS UNIQUE",
    "CREATE CONSTRAINT place_key IF NOT EXISTS FOR (n:Place) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT identifier_key IF NOT EXISTS FOR (n:Identifier) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX child_ref IF NOT EXISTS FOR (n:Child) ON (n.ref)",
    "CREATE INDEX associate_ref IF NOT EXISTS FOR (n:Associate) ON (n.ref)",
    "CREATE INDEX episode_missing_at IF NOT EXISTS FOR (n:Episode) ON (n.missing_at)",
    "CREATE INDEX place_postcode IF NOT EXISTS FOR (n:Place) ON (n.postcode)",
    "CREATE INDEX linked_to_link_id IF NOT EXISTS FOR ()-[r:LINKED_TO]-() ON (r.link_id)",
    "CREATE INDEX linked_to_role IF NOT EXISTS FOR ()-[r:LINKED_TO]-() ON (r.role)",
)
