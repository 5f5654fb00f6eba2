# Local Neo4j 5.26 Community server (scripts/neo4j_server.py; see docs/neo4j.md).
# Include from the main Makefile with:   include make/neo4j.mk
#
#   eval "$(make -s neo4j-start)"   # start (downloads the jars once), set NEO4J_URI/USER/PASSWORD
#   make neo4j-status
#   make neo4j-stop
#
# neo4j-start prints only the three export lines on stdout (progress goes to
# stderr), so use `make -s` (or --no-print-directory) when eval'ing it.
# NEO4J_PORT=7687 make neo4j-start picks the Bolt port; otherwise the last
# port used is reused, or a free one is found. NEO4J_HEAP=2g NEO4J_PAGECACHE=2g set the
# memory of a server that is not running yet.
#
# In a recipe with `set -e`, assign first so that a failed start stops the
# recipe (`eval "$(...)"` alone would hide the failure: eval of "" succeeds):
#   env="$$($(MAKE) -s neo4j-start)"; eval "$$env"

PY ?= .venv/bin/python
# The script needs only the standard library (the neo4j driver, when installed,
# makes the readiness check a real query), so fall back to python3 before .venv exists.
NEO4J_SERVER = $(if $(wildcard $(PY)),$(PY),python3) scripts/neo4j_server.py
NEO4J_PORT ?=
# Memory of a newly started server (a running one is left as it is): small for the tests;
# `make benchmarks` asks for more, as a 1,000,000-episode graph needs.
NEO4J_HEAP ?=
NEO4J_PAGECACHE ?=

.PHONY: neo4j-start neo4j-stop neo4j-status neo4j-env neo4j-kill neo4j-reset

neo4j-start: ## Start the local Neo4j (127.0.0.1, auth on); prints export lines for eval
	@$(NEO4J_SERVER) start $(if $(NEO4J_PORT),--port $(NEO4J_PORT)) $(if $(NEO4J_HEAP),--heap $(NEO4J_HEAP)) \
		$(if $(NEO4J_PAGECACHE),--pagecache $(NEO4J_PAGECACHE))

neo4j-stop: ## Stop the local Neo4j cleanly
	@$(NEO4J_SERVER) stop

neo4j-status: ## Say whether the local Neo4j runs (never fails; the script exits 1 when not running)
	@$(NEO4J_SERVER) status || true

neo4j-env: ## Print the export lines of the running local Neo4j
	@$(NEO4J_SERVER) env

neo4j-kill: ## SIGKILL the local Neo4j (simulates a crash; the next start recovers)
	@$(NEO4J_SERVER) kill

neo4j-reset: ## Stop the local Neo4j and delete its data, logs and password (keeps the jars)
	@$(NEO4J_SERVER) reset
