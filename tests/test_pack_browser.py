"""The pack's pages in a real browser (Debian Chromium, headless): they open, work, and ask nothing of the network.

One meeting pack of the synthetic year's last month (what ``peermap demo``
makes) and one child's map are opened in Chromium; every request the browser
makes and every JavaScript error is recorded (tests/conftest.py). The
screenshots in docs/images/ come from these tests (`make docs`).
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
import time
from pathlib import Path

import pytest

from peermap.mapping.periods import Period

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
#: `make docs` sets PEERMAP_SCREENSHOTS=docs/images to refresh the docs' pictures; a plain test run keeps its own.
IMAGES = Path(os.environ.get("PEERMAP_SCREENSHOTS") or tempfile.mkdtemp(prefix="peermap-screenshots-"))
MONTH = Period.from_month("2023-03")


@pytest.fixture(scope="module")
def meeting_pack(synthetic_dataset, tmp_path_factory):
    from peermap.exports.pack import build_pack

    out = tmp_path_factory.mktemp("packs") / "meeting"
    return build_pack(synthetic_dataset, MONTH, "meeting", out, command=["peermap", "pack", "test"], user="tester")


@pytest.fixture(scope="module")
def child_map_file(synthetic_year, synthetic_dataset, tmp_path_factory):
    from peermap.exports.child_page import write_child_page

    truth = json.loads((synthetic_year / "truth.json").read_text())
    child = truth["groups"][0]["children"][0]
    out = tmp_path_factory.mktemp("sessions") / "child.html"
    return write_child_page(synthetic_dataset, child, out, command=["peermap", "child", "test"], user="tester")


def _screenshot(browser, name: str, width: int = 1200, height: int = 760, scroll: int = 0) -> None:
    """A small PNG for docs/pack.md, taken at a fixed window size."""
    driver = browser.driver
    size = driver.get_window_size()
    try:
        driver.set_window_size(width, height)
        driver.execute_script("window.scrollTo(0, arguments[0]);", scroll)
        time.sleep(0.3)
        IMAGES.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(IMAGES / name))
    finally:
        driver.set_window_size(size["width"], size["height"])


def _open(browser, page: Path) -> dict:
    seen = browser.open(page, settle=0.5)
    for _ in range(40):  # the pages set peermapReady once drawn; index has no script of its own
        if browser.driver.execute_script("return document.readyState") == "complete" and (
            page.name == "index.html"
            or page.name.endswith("child.html")
            or browser.driver.execute_script("return window.peermapReady === true")
        ):
            break
        time.sleep(0.1)
    seen["errors"] += [
        e for e in browser.driver.execute_script("return window.__peermapErrors || []") if e not in seen["errors"]
    ]
    return seen


@pytest.mark.parametrize("page", ["index.html", "network.html", "map.html"])
def test_pack_pages_open_without_errors_or_requests(browser, meeting_pack, page):
    seen = _open(browser, meeting_pack.out_dir / page)
    assert seen["errors"] == []
    assert browser.outside(seen["requests"], meeting_pack.out_dir) == []
    markings = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('.marking')).map(function (m) { return m.textContent; })"
    )
    assert markings == ["OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"]
    assert browser.driver.execute_script("return document.title").startswith("OFFICIAL-SENSITIVE")


def test_network_shows_every_person_and_safe_place(browser, meeting_pack):
    _open(browser, meeting_pack.out_dir / "network.html")
    with open(meeting_pack.out_dir / "people.csv", newline="", encoding="utf-8") as handle:
        listed = list(csv.DictReader(handle))
    # people.csv also lists those active only earlier in the look-back (no rank this period): not in the network
    people = [p for p in listed if p["rank"] != ""]
    assert len(listed) > len(people) and all(p["degree"] == "0" for p in listed if p["rank"] == "")
    manifest = json.loads((meeting_pack.out_dir / "manifest.json").read_text())
    counts = browser.driver.execute_script(
        # the ties drawn (the page also carries ties of other months of the look-back, for its time control)
        "return [window.peermap.nodes.length, window.peermap.edgeView.length, window.peermap.nodeView.length]"
    )
    assert manifest["network"]["people"] == len(people)
    assert counts[0] == len(people) + manifest["network"]["places"]
    assert counts[1] == manifest["network"]["ties"]
    assert counts[2] == counts[0]  # everything shown until a filter is chosen
    print(
        f"network: {counts[0]} nodes ({len(people)} people, {manifest['network']['places']} safe places), "
        f"{counts[1]} ties"
    )


def test_network_tie_says_why(browser, meeting_pack):
    """Clicking a tie writes its evidence, as text, in the details panel."""
    _open(browser, meeting_pack.out_dir / "network.html")
    driver = browser.driver
    text = driver.execute_script("""
        var p = window.peermap, edge = p.edges.get({filter: function (e) { return !e.dashes; }})[0];
        p.network.selectEdges([edge.id]);
        p.network.body.emitter.emit("click", {nodes: [], edges: [edge.id]});
        return document.getElementById("details-body").textContent;""")
    assert "Why linked" in text or "safety" in text
    # the evidence names its records by date, and the meeting reads words, not weights
    assert re.search(r"\b\d\d [A-Z][a-z]{2} \d{4}\b", text) and "weight" not in text


def test_network_cluster_filter(browser, meeting_pack):
    _open(browser, meeting_pack.out_dir / "network.html")
    driver = browser.driver
    shown = driver.execute_script("""
        var select = document.getElementById("cluster");
        select.value = select.options[2].value;
        select.dispatchEvent(new Event("change"));
        return [window.peermap.nodeView.length, window.peermap.nodes.length, select.value];""")
    assert 0 < shown[0] < shown[1]
    driver.execute_script("""var s = document.getElementById("cluster"); s.value = "all";
                             s.dispatchEvent(new Event("change"));""")


def test_map_shows_the_hotspot_layer(browser, meeting_pack):
    _open(browser, meeting_pack.out_dir / "map.html")
    features = json.loads((meeting_pack.out_dir / "hotspots.geojson").read_text())["features"]
    drawn = browser.driver.execute_script("return document.querySelectorAll('path.pm-hotspot').length")
    assert len(features) > 0 and drawn == len(features)
    layers = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(function (l) { return l.textContent.trim(); })"
    )
    assert any(name.startswith("Hot-spot areas") for name in layers)
    assert any(name.startswith("Safe places") for name in layers)
    assert any(name.startswith("Missing from") for name in layers)
    attribution = browser.driver.execute_script(
        "return document.querySelector('.leaflet-control-attribution').textContent"
    )
    assert "Contains OS data © Crown copyright and database right" in attribution
    # an area's popup is one short line: rank, where, children
    popup = browser.driver.execute_script("""
        document.querySelector('path.pm-hotspot').dispatchEvent(new MouseEvent('click', {bubbles: true}));
        var p = document.querySelector('.leaflet-popup-content'); return p ? p.textContent : ''""")
    assert re.fullmatch(r"Hot spot \d+: [^\n]+, \d+ child(ren)?", popup) and len(popup) < 160


# -- the map's side panel -----------------------------------------------------------------------------------------
#: The viewport the police review uses: the side panel and the map must both fit in it.
VIEWPORT = (1280, 720)
CONCERN = ("found_at", "frequents", "exploitation_location")


def _viewport(driver, width: int, height: int) -> None:
    """Size the window so the page itself (not the window with its frame) is ``width`` × ``height``."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])


def _postcode(text: str) -> str | None:
    compact = re.sub(r"\s+", "", text or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", compact) else None


def _local(text: str):
    """A data folder's datetime as local time (SCHEMA.md: no offset = Europe/London)."""
    import pandas as pd

    stamp = pd.Timestamp(text)
    return (
        stamp.tz_convert("Europe/London")
        if stamp.tzinfo
        else stamp.tz_localize("Europe/London", ambiguous=True, nonexistent="shift_forward")
    )


def weekday_hour_counts(folder: Path, postcodes: set[str], first: str, last: str, handling_c: bool = False) -> list:
    """Episodes by (weekday, hour), worked out from the data folder's CSV files alone.

    An episode counts once in an area: its earliest moment at one of the area's ``postcodes`` (found there:
    the return, else the start; a place link with the episode: found_at at the return, others at the start),
    for episodes whose ``missing_at`` falls on a local date from ``first`` to ``last``; places of concern only,
    never a home (docs/hotspots.md, "Homes are never hot spots"), police-only intelligence left out for the
    meeting. Local time.
    """

    def rows(name):
        with open(folder / f"{name}.csv", newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))

    places = rows("places")
    named = {re.sub(r"\s+", "", p["place_name"].lower()): _postcode(p["postcode"]) for p in places}
    public = {_postcode(p["postcode"]) for p in places if p["kind"] and p["kind"] not in ("residential_home", "house")}
    children = {c["child_id"]: c for c in rows("children")}
    childrens_homes = {
        _postcode(c["placement_postcode"]) for c in children.values() if c["placement_type"] == "residential"
    }
    childrens_homes |= {_postcode(p["postcode"]) for p in places if p["kind"] == "residential_home"}
    homes = {_postcode(c[k]) for c in children.values() for k in ("home_postcode", "placement_postcode") if c[k]}
    homes |= {_postcode(p["postcode"]) for p in places if p["kind"] in ("residential_home", "house")}

    def where(postcode_text, name_text):
        return _postcode(postcode_text) or named.get(re.sub(r"\s+", "", (name_text or "").lower()))

    def is_home(postcode, child_id):
        own = {_postcode(children[child_id][k]) for k in ("home_postcode", "placement_postcode")}
        return postcode in childrens_homes or (postcode in homes and postcode not in public) or postcode in own

    episodes = {e["episode_id"]: e for e in rows("episodes")}
    seen: dict[str, object] = {}

    def note(episode, postcode, when):
        if postcode in postcodes and not is_home(postcode, episode["child_id"]):
            start = _local(episode["missing_at"]).date().isoformat()
            if first <= start <= last and (episode["episode_id"] not in seen or when < seen[episode["episode_id"]]):
                seen[episode["episode_id"]] = when

    for e in episodes.values():
        if e["found_at_postcode"] or e["found_at_place"]:
            note(e, where(e["found_at_postcode"], e["found_at_place"]), _local(e["returned_at"] or e["missing_at"]))
    for link in rows("links"):
        e = episodes.get(link["episode_id"])
        if link["target_type"].lower() != "place" or link["role"] not in CONCERN or e is None:
            continue
        handling = link["handling"].upper() or (
            "P" if link["source"] in ("rthi", "school", "worker", "partner") else "C"
        )
        if handling != "P" and not handling_c:
            continue
        returned = link["role"] == "found_at" and e["returned_at"]
        note(
            e, where(link["target_ref"], link["target_ref"]), _local(e["returned_at"] if returned else e["missing_at"])
        )
    counts = [[0] * 24 for _ in range(7)]
    for when in seen.values():
        counts[when.weekday()][when.hour] += 1
    return counts


def _metres(a, b) -> float:
    """Great-circle distance between two (lat, lon) points, in metres."""
    import math

    (lat1, lon1), (lat2, lon2) = [(math.radians(x), math.radians(y)) for x, y in (a, b)]
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def test_map_ranked_table_is_in_rank_order_for_the_keyboard(browser, meeting_pack):
    """Tab from the first rank's button reaches every other rank's button next, in rank order."""
    from selenium.webdriver.common.keys import Keys

    _open(browser, meeting_pack.out_dir / "map.html")
    driver = browser.driver
    ranks = [
        f["properties"]["rank"] for f in json.loads((meeting_pack.out_dir / "hotspots.geojson").read_text())["features"]
    ]
    driver.execute_script("document.querySelector('button[data-area]').focus()")
    reached = [driver.execute_script("return document.activeElement.getAttribute('data-area')")]
    for _ in range(len(ranks) - 1):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        reached.append(driver.execute_script("return document.activeElement.getAttribute('data-area')"))
    assert reached == [str(r) for r in ranks] and ranks == sorted(ranks)
    # Enter on a rank opens its panel and takes the keyboard there
    driver.execute_script("document.querySelector('button[data-area=\"2\"]').focus()")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    focused = driver.execute_script("return [document.activeElement.id, document.activeElement.textContent]")
    assert focused[0] == "pm-panel-heading" and focused[1].startswith("Hot spot 2: ")


def test_map_table_and_rank_marks_give_each_areas_pattern(browser, meeting_pack):
    """The ranked table's last column and the mark beside each rank on the map are the area's pattern over the
    look-back (hotspots.geojson's ``pattern``), not the short trend, so the table and the side panel agree."""
    from peermap.exports.map_page import PATTERN_MARKS

    _open(browser, meeting_pack.out_dir / "map.html")
    driver = browser.driver
    features = json.loads((meeting_pack.out_dir / "hotspots.geojson").read_text())["features"]
    pattern = {str(f["properties"]["rank"]): f["properties"]["pattern"] for f in features}
    assert len(set(pattern.values())) >= 3  # the month has several patterns, so the check means something
    header = driver.execute_script("return document.querySelector('.pm-table thead th:last-child').textContent")
    cells = driver.execute_script(
        "return [...document.querySelectorAll('.pm-table tbody tr')].map(function (tr) {"
        " return [tr.querySelector('button').getAttribute('data-area'), tr.lastElementChild.textContent]; })"
    )
    assert header == "Pattern" and dict(cells) == pattern
    labels = driver.execute_script(
        "return [...document.querySelectorAll('.pm-rank')].map(function (e) { return e.textContent; })"
    )
    for label in labels:
        rank, _, mark = label.partition(" ")
        assert mark == PATTERN_MARKS.get(pattern[rank], ""), label
    assert labels


def test_map_rank_one_opens_its_panel(browser, meeting_pack, synthetic_year):
    """At 1280×720, choosing rank 1 centres the map on it and opens a panel whose figures are the area's own.

    The heat chart is checked against counts worked out here from the CSV files, not from the pack.
    """
    driver = browser.driver
    size = driver.get_window_size()
    try:
        _viewport(driver, *VIEWPORT)
        seen = _open(browser, meeting_pack.out_dir / "map.html")
        collection = json.loads((meeting_pack.out_dir / "hotspots.geojson").read_text())
        top = collection["features"][0]["properties"]
        driver.find_element("css selector", 'button[data-area="1"]').click()
        time.sleep(0.2)
        state = driver.execute_script("""
            var c = window.peermapMap.map.getCenter(), panel = document.getElementById('pm-panel');
            var box = panel.getBoundingClientRect(), map = document.getElementById('map').getBoundingClientRect();
            return {centre: [c.lat, c.lng], heading: document.getElementById('pm-panel-heading').textContent,
                    panel: [box.left, box.top, box.right, box.bottom, getComputedStyle(panel).display],
                    map: [map.left, map.top, map.right, map.bottom],
                    text: panel.textContent,
                    spark: Array.from(panel.querySelectorAll('.pm-spark [data-value]'))
                                .map(function (p) { return p.getAttribute('data-value'); })};""")
        assert _metres(state["centre"], (top["lat"], top["lon"])) < 200
        assert state["heading"].startswith("Hot spot 1: ")
        left, upper, right, lower, display = state["panel"]
        assert display != "none" and right - left > 300 and lower - upper > 300
        for box in (state["panel"][:4], state["map"]):  # beside each other, both inside the viewport
            assert 0 <= box[0] and 0 <= box[1] and box[2] <= VIEWPORT[0] and box[3] <= VIEWPORT[1]
        assert state["map"][2] <= left
        assert top["pattern_sentence"] in state["text"] and "Gi*" in state["text"]
        assert state["spark"] == ["unknown" if v is None else str(v) for v in top["series"]]

        def heat():
            return driver.execute_script("""
                var t = document.getElementById('pm-heat'), cells = function (row) {
                    return Array.from(row.querySelectorAll('td')).map(function (c) { return +c.textContent; }); };
                return {rows: Array.from(t.tBodies[0].rows).map(cells), foot: cells(t.tFoot.rows[0]),
                        days: Array.from(t.tBodies[0].rows).map(function (r) { return r.cells[0].textContent; })};""")

        postcodes = set(top["postcodes"].split(";"))
        period, window = collection["period"], collection["window"]
        chart = heat()
        expected = weekday_hour_counts(synthetic_year, postcodes, period["from"], period["to"])
        assert chart["days"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        assert [row[:24] for row in chart["rows"]] == expected == top["by_weekday_hour"]
        assert [row[24] for row in chart["rows"]] == top["by_weekday"]  # row totals
        assert chart["foot"][:24] == top["by_hour"] and chart["foot"][24] == top["episodes"]  # column totals
        driver.find_element("css selector", 'button[data-heat="window"]').click()
        chart = heat()
        expected = weekday_hour_counts(synthetic_year, postcodes, window["from"], window["to"])
        assert [row[:24] for row in chart["rows"]] == expected == top["by_weekday_hour_window"]
        assert chart["foot"][24] == top["window_episodes"]
        assert driver.execute_script("return window.__peermapErrors") == [] and seen["errors"] == []
        assert browser.outside(seen["requests"], meeting_pack.out_dir) == []
        # docs/hotspots.md's picture: the same panel on a taller screen, where it shows whole
        _viewport(driver, 1280, 1000)
        driver.execute_script("window.peermapMap.choose('1', {centre: true}); window.scrollTo(0, 0);")
        time.sleep(0.3)
        IMAGES.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(IMAGES / "map-panel.png"))
        assert (IMAGES / "map-panel.png").stat().st_size < 600_000
    finally:
        driver.set_window_size(size["width"], size["height"])


def test_map_orientation_layer_names_towns_and_districts_under_the_data(browser, meeting_pack):
    """Towns and district outlines are drawn under the data, with no request, and thin out as the map zooms out."""
    seen = _open(browser, meeting_pack.out_dir / "map.html")
    assert seen["errors"] == []
    assert browser.outside(seen["requests"], meeting_pack.out_dir) == []
    driver = browser.driver
    drawn = driver.execute_script("""
        var island = JSON.parse(document.getElementById("pm-orientation").textContent);
        var pane = document.querySelector(".leaflet-pmOrientation-pane");
        return {districts: island.districts.features.length,
                outlines: pane.querySelectorAll("path.pm-district").length,
                under: Number(getComputedStyle(pane).zIndex) <
                       Number(getComputedStyle(document.querySelector(".leaflet-overlay-pane")).zIndex),
                attribution: document.querySelector(".leaflet-control-attribution").textContent};""")
    assert drawn["outlines"] == drawn["districts"] > 0 and drawn["under"]
    assert "GeoNames" in drawn["attribution"] and "CC BY 4.0" in drawn["attribution"]
    labels_js = """return Array.from(document.querySelectorAll(".pm-orientation-label")).map(function (n) {
        var r = n.getBoundingClientRect(); return [n.textContent, r.left, r.top, r.right, r.bottom]; });"""
    labels = driver.execute_script(labels_js)
    names = [label[0] for label in labels]
    assert {"Consett", "Durham", "Peterlee", "DH8"} <= set(names)
    for k, a in enumerate(labels):  # no two labels overlap
        for b in labels[k + 1 :]:
            assert a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2], (a[0], b[0])
    driver.execute_script("window.peermapMap.map.setZoom(window.peermapMap.map.getZoom() - 2, {animate: false})")
    fewer = [label[0] for label in driver.execute_script(labels_js)]
    assert 0 < len(fewer) < len(names)
    # the ranked table says where each area is in words, each one once, as hotspots.geojson names them
    features = json.loads((meeting_pack.out_dir / "hotspots.geojson").read_text())["features"]
    where = driver.execute_script(
        "return Array.from(document.querySelectorAll('.map-side tbody tr td:nth-child(2)'))"
        ".map(function (td) { return td.textContent; })"
    )
    assert where == [f["properties"]["name"] for f in features] and len(set(where)) == len(where)


def test_child_map_opens(browser, child_map_file):
    seen = _open(browser, child_map_file)
    assert seen["errors"] == []
    assert browser.outside(seen["requests"], child_map_file.parent) == []
    text = browser.driver.execute_script("return document.body.innerText")
    assert "People and places that help keep you safe" in text
    assert "The times you went missing" in text
    shapes = browser.driver.execute_script("return document.querySelectorAll('svg.peer-map .shape').length")
    assert shapes > 0


def test_print_marks_every_page(browser, meeting_pack):
    """In print, the markings are the frame's header and footer rows, which browsers repeat on every sheet."""
    _open(browser, meeting_pack.out_dir / "index.html")
    driver = browser.driver
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        groups = driver.execute_script("""
            var frame = document.querySelector('table.pm-frame');
            return [getComputedStyle(frame.tHead).display, getComputedStyle(frame.tFoot).display,
                    getComputedStyle(document.querySelector('nav.pm-nav')).display];""")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert groups == ["table-header-group", "table-footer-group", "none"]
    pdf = driver.print_page()  # prints without error
    assert len(pdf) > 1000


def test_keyboard_reaches_the_controls(browser, meeting_pack):
    _open(browser, meeting_pack.out_dir / "network.html")
    from selenium.webdriver.common.keys import Keys

    body = browser.driver.find_element("tag name", "body")
    body.send_keys(Keys.TAB)
    first = browser.driver.execute_script("return document.activeElement.className")
    assert first == "skip"
    reached = set()
    for _ in range(14):
        browser.driver.switch_to.active_element.send_keys(Keys.TAB)
        reached.add(
            browser.driver.execute_script(
                "var a = document.activeElement; return a.closest('#network') ? 'network' : a.id"
            )
        )
    assert {"cluster", "find", "show-safety", "network"} <= reached


def test_pack_screenshots_for_the_docs(browser, meeting_pack, child_map_file):
    """The pictures in docs/pack.md, from this browser."""
    _open(browser, meeting_pack.out_dir / "index.html")
    _screenshot(browser, "pack-index.png")
    agenda = browser.driver.execute_script("return document.querySelector('nav.agenda').offsetTop - 8")
    _screenshot(browser, "pack-agenda.png", 1280, 720, scroll=agenda)
    first = browser.driver.execute_script("return document.querySelector('section.cluster-section').offsetTop - 8")
    _screenshot(browser, "pack-cluster.png", 1280, 720, scroll=first)
    _open(browser, meeting_pack.out_dir / "network.html")
    browser.driver.execute_script("""
        var p = window.peermap, id = p.nodes.get({filter: function (n) { return n.shape === 'triangle'; }})[0];
        id = id ? id.id : p.nodes.getIds()[0];
        p.network.selectNodes([id]); p.network.focus(id, {scale: 1.1, animation: false});
        p.network.body.emitter.emit("click", {nodes: [id], edges: []});""")
    _screenshot(browser, "pack-network.png", scroll=90)
    # the presenter view: one cluster on its own, at the projector's 1280×720
    driver = browser.driver
    size = driver.get_window_size()
    try:
        _viewport(driver, *VIEWPORT)
        _open(browser, meeting_pack.out_dir / "network.html")
        key = driver.execute_script("return document.getElementById('cluster').options[2].value")
        driver.execute_script("window.peermap.chooseCluster(arguments[0])", key)
        time.sleep(0.3)
        driver.save_screenshot(str(IMAGES / "pack-presenter.png"))
    finally:
        driver.set_window_size(size["width"], size["height"])
    _open(browser, meeting_pack.out_dir / "map.html")
    _screenshot(browser, "pack-map.png", scroll=90)
    _open(browser, child_map_file)
    _screenshot(browser, "child-map.png", scroll=330)
    for name in (
        "pack-index.png",
        "pack-agenda.png",
        "pack-cluster.png",
        "pack-network.png",
        "pack-presenter.png",
        "pack-map.png",
        "child-map.png",
    ):
        assert (IMAGES / name).stat().st_size < 600_000


def test_basemap_url_is_the_only_place_requests_go(browser, synthetic_dataset, tmp_path):
    """With a tile server asked for, the map loads tiles from it and from nowhere else."""
    from peermap.exports.pack import build_pack

    pack = build_pack(
        synthetic_dataset,
        MONTH,
        "board",
        tmp_path / "board",
        basemap="https://tiles.invalid/{z}/{x}/{y}.png",
        audit=False,
    )
    seen = browser.open(pack.out_dir / "map.html", settle=1.0)
    outside = browser.outside(seen["requests"], pack.out_dir)
    assert outside and all(u.startswith("https://tiles.invalid/") for u in outside)
    policy = browser.driver.execute_script(
        "return document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content"
    )
    assert "img-src data: https://tiles.invalid" in policy
    # the board's districts have no series, times or Gi*: their panel shows their counts and trend only
    driver = browser.driver
    driver.find_element("css selector", 'button[data-area="1"]').click()
    first = json.loads((pack.out_dir / "hotspots.geojson").read_text())["features"][0]["properties"]
    text, drawn = driver.execute_script(
        "var p = document.getElementById('pm-panel'); return [p.textContent, p.querySelectorAll('svg,.pm-heat').length]"
    )
    shown = "<5" if first["children_suppressed"] else str(first["children"])
    assert f"District {first['district']}, rank 1" in text and f"Children{shown}" in text
    assert drawn == 0 and "Gi*" not in text and "Look-back" not in text


# -- a network of 2,000 people --------------------------------------------------------------------------------------
def test_two_thousand_node_network_opens_and_is_interactive(browser, tmp_path):
    from pack_folders import big_network
    from selenium.webdriver.common.action_chains import ActionChains

    from peermap.exports.network_page import network_page
    from peermap.exports.page import write_page

    nodes, edges, clusters = big_network(2000)
    page = write_page(tmp_path / "network.html", network_page(nodes, edges, clusters=clusters, title="2,000 people"))
    seen = _open(browser, page)
    assert seen["errors"] == []
    assert browser.outside(seen["requests"], tmp_path) == []
    driver = browser.driver
    assert driver.execute_script("return window.peermap.nodes.length") == 2000
    # hover over a node: vis-network shows its tooltip, built as text
    target = driver.execute_script("""
        var p = window.peermap, n = p.network, id = "C-0000000042";
        p.expandAll();  // a view this large opens with its clusters collapsed
        n.focus(id, {scale: 2.5, animation: false});
        n.redraw();
        var at = n.canvasToDOM(n.getPosition(id)), box = document.getElementById("network").getBoundingClientRect();
        return [at.x, at.y, box.width, box.height, n.getNodeAt(at)];""")
    canvas = driver.find_element("css selector", "#network canvas")
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(target[0] - target[2] / 2), int(target[1] - target[3] / 2)
    ).perform()
    tooltip = ""
    for _ in range(30):
        tooltip = driver.execute_script(
            "var t = document.querySelector('div.vis-tooltip'); "
            "return t && t.style.visibility !== 'hidden' ? t.textContent : ''"
        )
        if tooltip:
            break
        time.sleep(0.1)
    assert tooltip.startswith(target[4])
    ActionChains(driver).click().perform()
    time.sleep(0.2)
    details = driver.execute_script("return document.getElementById('details-body').textContent")
    assert details.startswith(target[4]) and "Ties (" in details
