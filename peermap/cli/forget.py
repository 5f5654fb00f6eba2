"""``peermap forget``: remove a child and everything recorded about them from the Neo4j store (erasure)."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from peermap.cli.options import Neo4jOpt
from peermap.exports.console import say
from peermap.exports.exit_codes import fail


def forget(
    child_id: str = typer.Argument(..., metavar="CHILD_ID", help="The case-system ID of the child to remove."),
    neo4j: Optional[str] = Neo4jOpt,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
):
    """Remove a child and everything recorded about them from the Neo4j store (erasure).

    Removes the child, their episodes, interviews and intelligence links, and
    any associate, place or identifier left linked to nothing; says what it
    removed. Others' records stay. It cannot be undone: remove the child from
    the exports too, or next month's ingest brings them back.

    Example:

        peermap forget 004512 --neo4j bolt://127.0.0.1:7687 --yes
    """
    from peermap.graph_models.neo4j_store import Connection, connect
    from peermap.graph_models.neo4j_store import forget as erase

    connection = Connection.from_env(neo4j)
    if not yes:
        if not sys.stdin.isatty():
            fail("forget removes records for good: add --yes to confirm")
        typer.confirm(
            f"Remove child {child_id} and everything recorded about them from {connection.uri}?", abort=True, err=True
        )
    driver = connect(connection)
    try:
        removed = erase(driver, child_id, database=connection.database)
    finally:
        driver.close()
    if removed is None:
        fail(f"no child {child_id!r} in {connection.uri}: nothing removed")
    say(f"removed child {child_id}: " + ", ".join(f"{n:,} {what}" for what, n in removed.items() if what != "children"))
