"""Shared test fixtures: hand-made data folders and a fixed reference key."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

TEST_KEY = "test-key-0123456789-abcdef"

#: The files of the tests that share the one Neo4j server: `make test` runs them on one worker, one at a time,
#: beside the rest (a test of the server anywhere else stops the run: :func:`pytest_collection_modifyitems`).
NEO4J_FILES = (
    "tests/test_bulk_import.py",
    "tests/test_gds_engine.py",
    "tests/test_neo4j_server.py",
    "tests/test_neo4j_store.py",
    "tests/test_notebooks.py",
)

#: Files that take a minute or more on one of make test's two workers (pytest --durations), started first
#: (after the Neo4j files) so that no long file is left running alone at the end while the other worker waits.
LONGEST_FILES = (
    "tests/test_output_folder.py",
    "tests/test_claims_audit.py",
    "tests/test_pack_browser.py",
    "tests/test_fuzz_loading.py",
    "tests/test_child_print.py",
    "tests/test_agenda.py",
    "tests/test_analyse.py",
    "tests/test_pack_audiences.py",
    "tests/test_network_presenter.py",
    "tests/test_time_control.py",
)


def worker_queue(nodeid: str) -> str:
    """Which queue of make test's workers a test joins: the Neo4j files' tests all one queue, so they run one
    at a time; every other file's tests their file's (its module fixtures made once)."""
    file = nodeid.split("::")[0]
    return "neo4j" if file in NEO4J_FILES else file


#: The fixtures that reach the Neo4j server: a test using one is a test of the server.
SERVER_FIXTURES = {"neo4j_connection", "graph"}


def pytest_collection_modifyitems(config, items):
    """Refuse a test of the Neo4j server (marked ``neo4j`` or using its fixtures) outside :data:`NEO4J_FILES`;
    order the files for the workers, the Neo4j files and :data:`LONGEST_FILES` first (each file's tests keep
    their order)."""
    uses_server = [i for i in items if i.get_closest_marker("neo4j") or SERVER_FIXTURES & set(i.fixturenames)]
    stray = [item.nodeid for item in uses_server if worker_queue(item.nodeid) != "neo4j"]
    if stray:
        raise pytest.UsageError(
            f"tests of the Neo4j server (marked neo4j or using its fixtures) outside conftest.NEO4J_FILES: {stray}"
        )
    first = {name: rank for rank, name in enumerate(("neo4j",) + LONGEST_FILES)}
    items.sort(key=lambda item: first.get(worker_queue(item.nodeid), len(first)))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: pytest without it runs too
def pytest_xdist_make_scheduler(config, log):
    """`make test`'s ``--dist loadfile`` (and any other way of sharing out tests but ``each``): each file on one
    worker, the Neo4j files together on one (:func:`worker_queue`: the server is shared, so its tests never run
    at once), handed out in collection order (the longest first)."""
    if config.getvalue("dist") == "each":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByQueue(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_queue(nodeid)

    config.option.loadscopereorder = False  # keep the order above, not the most tests first
    return ByQueue(config, log)


def write_folder(folder: Path, **tables: list[dict]) -> Path:
    """Write each table (a list of row dicts) as ``NAME.csv`` in ``folder``; columns from the first row."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        columns: list[str] = []
        for row in rows:
            columns += [c for c in row if c not in columns]
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns or ["child_id"])
            writer.writeheader()
            writer.writerows(rows)
    return folder


@pytest.fixture
def key(monkeypatch) -> str:
    """A reference key set as PEERMAP_KEY for commands run in-process."""
    monkeypatch.setenv("PEERMAP_KEY", TEST_KEY)
    return TEST_KEY


@pytest.fixture(scope="session")
def synthetic_year(tmp_path_factory) -> Path:
    """The default synthetic County Durham year (seed 7), made once per test session.

    The folder holds the data files, ``peermap.key`` and ``truth.json``.
    """
    from peermap.synthetic import synthesise

    folder = tmp_path_factory.mktemp("synthetic") / "durham"
    synthesise(folder, seed=7)
    return folder


@pytest.fixture(scope="session")
def synthetic_dataset(synthetic_year):
    """The default synthetic year loaded with its own key (shared: do not modify it)."""
    from peermap.graph_models.load import load_folder

    return load_folder(synthetic_year)


@pytest.fixture(scope="session")
def neo4j_connection():
    """The Neo4j server `make test` started (NEO4J_URI/USER/PASSWORD); the test fails, never skips, without it."""
    import os

    from peermap.graph_models.neo4j_store import Connection

    missing = [name for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD") if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: run the tests with `make test`, which starts the local Neo4j "
            '(or `eval "$(make -s neo4j-start)"` first)',
            pytrace=False,
        )
    return Connection.from_env()


@pytest.fixture
def graph(neo4j_connection):
    """A driver on an empty graph. Neo4j tests share one server, so `make test` runs them one at a time."""
    from peermap.graph_models.neo4j_store import clear, connect

    driver = connect(neo4j_connection)
    clear(driver, database=neo4j_connection.database)
    yield driver
    driver.close()


class Browser:
    """Headless Debian Chromium driven by selenium, recording every request and JavaScript error."""

    def __init__(self, tmp_dir: Path):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1400,1000",
            f"--user-data-dir={tmp_dir}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.driver.get("about:blank")  # the new-tab page's own chrome:// loads happen here, not in a test

    def open(self, path: Path, settle: float = 0.5) -> dict:
        """Open a file; return the URLs it requested and the JavaScript errors it raised."""
        import json
        import time

        self.driver.get_log("performance")  # drop what came before
        self.driver.get_log("browser")
        self.driver.get(Path(path).resolve().as_uri())
        time.sleep(settle)
        requests = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
        errors = [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        errors += self.driver.execute_script("return window.__peermapErrors || []")
        return {"requests": requests, "errors": errors}

    def outside(self, requests: list[str], folder: Path) -> list[str]:
        """Requests that left the folder: anything not a file inside it (data: URLs are inline)."""
        inside = Path(folder).resolve().as_uri()
        return [u for u in requests if not (u.startswith(inside) or u.startswith(("data:", "blob:", "about:")))]

    def close(self) -> None:
        self.driver.quit()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One Chromium for the session; `make test` installs Debian's chromium and chromium-driver."""
    if not Path("/usr/bin/chromium").exists() or not Path("/usr/bin/chromedriver").exists():
        pytest.fail(
            "Debian chromium and chromium-driver are not installed: run the tests with `make test`", pytrace=False
        )
    instance = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield instance
    instance.close()


@pytest.fixture
def projector(browser):
    """The browser with a 1280×720 page (a meeting room's projector), put back as it was afterwards."""
    from test_pack_browser import VIEWPORT, _viewport

    driver = browser.driver
    size = driver.get_window_size()
    _viewport(driver, *VIEWPORT)
    yield browser
    driver.set_window_size(size["width"], size["height"])
