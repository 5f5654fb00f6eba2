"""The local Neo4j server that `make test` starts (scripts/neo4j_server.py) is
the one the Neo4j tests expect: Neo4j 5.26 Community, reached over Bolt with
NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD, and with authentication on.
"""

from __future__ import annotations

import os

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

pytestmark = pytest.mark.neo4j

ENV_VARS = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD")


@pytest.fixture(scope="module")
def neo4j_env() -> dict[str, str]:
    missing = [name for name in ENV_VARS if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: run the tests via `make test`, which starts the local "
            'Neo4j, or run `eval "$(make -s neo4j-start)"` first (see docs/neo4j.md)',
            pytrace=False,
        )
    return {name: os.environ[name] for name in ENV_VARS}


def test_server_is_neo4j_5_26_community(neo4j_env):
    with GraphDatabase.driver(
        neo4j_env["NEO4J_URI"], auth=(neo4j_env["NEO4J_USER"], neo4j_env["NEO4J_PASSWORD"])
    ) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
        )
        (kernel,) = [r for r in records if r["name"] == "Neo4j Kernel"]
        assert kernel["edition"] == "community"
        assert kernel["versions"][0].startswith("5.26."), kernel["versions"]

        records, _, _ = driver.execute_query("RETURN $value AS value", value=42)
        assert records[0]["value"] == 42


def test_wrong_password_is_refused(neo4j_env):
    uri, user, password = (neo4j_env[name] for name in ENV_VARS)
    with GraphDatabase.driver(uri, auth=(user, password + "-wrong")) as driver:
        with pytest.raises(AuthError):
            driver.verify_connectivity()
    # Log in once correctly so the failed attempt does not count towards Neo4j's
    # lock-out (dbms.security.auth_max_failed_attempts) for the next tests.
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        driver.verify_connectivity()
