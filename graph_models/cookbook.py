"""The Cypher cookbook: the questions analysts ask of the shared graph.

Each recipe is a question in an analyst's words, fixed Cypher with
parameters, and example parameters. ``docs/neo4j.md`` is generated from this
list and the tests run every recipe against a real server, so the cookbook
cannot drift from the graph model.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recipe:
    name: str
    question: str
    cypher: str
    params: dict = field(default_factory=dict)
    note: str = ""


RECIPES = (
    Recipe(
        "with_child",
        "Who was with this child while they were missing?",
        """
MATCH (c:Child {ref: $child})-[r:LINKED_TO]-(other)
WHERE r.with_during_episode = true OR (other:Child AND r.episode_id IS NOT NULL)
RETURN labels(other)[0] AS kind,
       coalesce(other.ref, other.name, other.key) AS who,
       r.role AS role, r.episode_id AS episode, r.source AS source,
       r.source_grade AS source_grade, r.intel_grade AS intel_grade, r.unverified AS unverified
ORDER BY episode, who""",
        {"child": "C-..."},
        "Links graded 3, D or E, or ungraded, come back with `unverified = true`: say so when you use them.",
    ),
    Recipe(
        "shared_associate",
        "Which children share an associate?",
        """
MATCH (c1:Child)-[r1:LINKED_TO]->(a:Associate)<-[r2:LINKED_TO]-(c2:Child)
WHERE c1.ref < c2.ref
  AND coalesce(r1.role, '') <> 'protective' AND coalesce(r2.role, '') <> 'protective'
RETURN a.ref AS associate, a.label AS label, c1.ref AS child, c2.ref AS linked_child,
       r1.unverified OR r2.unverified AS unverified
ORDER BY associate, child, linked_child""",
        note="Protective people (trusted adults, positive friends) are safety, not a shared risk: they are left out.",
    ),
    Recipe(
        "found_at_postcode",
        "Who was found at this postcode in the last month?",
        """
MATCH (c:Child)-[:WENT_MISSING]->(e:Episode)-[:FOUND_AT]->(p:Place {postcode: $postcode})
WHERE e.missing_at >= datetime($since) AND e.missing_at < datetime($until)
RETURN DISTINCT c.ref AS child, e.episode_id AS episode, e.missing_at AS missing_at, e.returned_at AS returned_at
ORDER BY missing_at""",
        {
            "postcode": "DH1 1AE",
            "since": "2023-03-01T00:00:00[Europe/London]",
            "until": "2023-04-01T00:00:00[Europe/London]",
        },
        "A named place from places.csv carries its postcode, so children found at `bus station` are found here too. "
        "For 'the last month' from today use `datetime() - duration('P1M')` in place of `datetime($since)`.",
    ),
    Recipe(
        "adults_reaching_several",
        "Which adults of concern reach more than one child, and how many?",
        """
MATCH (a:Associate)<-[r:LINKED_TO]-(c:Child)
WHERE r.role = 'adult_of_concern' OR a.role = 'adult_of_concern'
WITH a, collect(DISTINCT c.ref) AS children, sum(CASE WHEN r.unverified THEN 1 ELSE 0 END) AS unverified_links
WHERE size(children) > 1
RETURN a.ref AS associate, a.label AS label, size(children) AS children_reached, children, unverified_links
ORDER BY children_reached DESC, associate""",
        note="Which peer clusters those children are in comes from `peermap analyse` (clusters.csv, people.csv).",
    ),
    Recipe(
        "missing_from_homes",
        "Which places do children go missing from most (homes and placements)?",
        """
MATCH (c:Child)-[:WENT_MISSING]->(e:Episode)-[:MISSING_FROM]->(p:Place)
RETURN p.postcode AS postcode, count(DISTINCT c) AS children, count(e) AS episodes,
       exists { (:Child)-[:PLACED_AT]->(p) } AS a_placement
ORDER BY children DESC, episodes DESC LIMIT 20""",
    ),
    Recipe(
        "children_linked_to_child",
        "Which children are recorded as linked to this child, by whom and how reliably?",
        """
MATCH (c:Child {ref: $child})-[r:LINKED_TO]-(other:Child)
RETURN other.ref AS child, r.role AS role, r.source AS source, r.source_grade AS source_grade,
       r.intel_grade AS intel_grade, r.handling AS handling, r.unverified AS unverified, r.recorded_at AS recorded_at
ORDER BY recorded_at""",
        {"child": "C-..."},
        "Handling `C` intelligence is for police eyes unless cleared: filter `WHERE r.handling = 'P'` for partners.",
    ),
)


def markdown() -> str:
    """The cookbook as markdown, for docs/neo4j.md."""
    parts = []
    for recipe in RECIPES:
        parts.append(f"### {recipe.question}\n\n```cypher{recipe.cypher}\n```\n")
        if recipe.params:
            shown = ", ".join(f"`{k}`: `{v}`" for k, v in recipe.params.items())
            parts.append(f"Parameters: {shown}.\n")
        if recipe.note:
            parts.append(recipe.note + "\n")
    return "\n".join(parts)
