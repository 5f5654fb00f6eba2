"""Markup and spreadsheet formulas in every text column: the pages show them as text, the CSVs neutralise them.

A hand-made month (tests/pack_folders.py) puts ``<img src=x onerror=...>``,
``</script><script>...``, ``<svg onload=...>`` and ``=HYPERLINK(...)``-style
formulas in every text column: names, schools, places, workers, associates,
identifiers, notes, places.csv and associates.csv. The police pack (which shows
all of them) and a child's map are opened in Chromium: nothing runs, no element
is made from the data, no request leaves the folder, and the texts are there
to read. Every CSV cell that a spreadsheet would run is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from peermap.mapping.periods import Period

MONTH = Period.from_month("2023-03")
#: What of the hostile texts shows that one reached the page (as text).
HOSTILE_MARKERS = ("<img src=x", "</script>", "<svg onload", "=HYPERLINK(", "@SUM(", "+1+1", "=cmd|")


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory):
    from pack_folders import hostile_folder

    from peermap.graph_models.load import load_folder

    folder = hostile_folder(tmp_path_factory.mktemp("hostile") / "data")
    return load_folder(folder)


@pytest.fixture(scope="module")
def hostile_packs(hostile_data, tmp_path_factory):
    from peermap.exports.child_page import write_child_page
    from peermap.exports.pack import write_pack

    root = tmp_path_factory.mktemp("hostile-packs")
    police = write_pack(hostile_data, MONTH, "police", root / "police", audit=False)
    meeting = write_pack(hostile_data, MONTH, "meeting", root / "meeting", names=True, audit=False)
    child = write_child_page(
        hostile_data, 'K0"><img src=x onerror=window.__pwned=4>', root / "child" / "K0.html", audit=False
    )
    return {"police": police, "meeting": meeting, "child": child}


def test_hostile_data_reaches_the_analysis(hostile_data):
    """The month is not trivially empty: the children are linked and the texts are in the tables."""
    from peermap.mapping.analysis import analyse

    analysis = analyse(hostile_data, MONTH, previous=False, duplicates=False)
    assert (analysis.people["kind"] == "child").sum() == 4
    assert len(analysis.ties) >= 6


SAFE_PAGE = """
    var report = {pwned: window.__pwned === undefined ? null : window.__pwned, images: document.images.length,
                  handlers: [], scripts: 0, hashes: 0,
                  frames: document.querySelectorAll('iframe, object, embed').length};
    document.querySelectorAll('*').forEach(function (el) {
      Array.prototype.forEach.call(el.attributes, function (a) {
        if (a.name.toLowerCase().indexOf('on') === 0) { report.handlers.push(el.tagName + ' ' + a.name); }
      });
    });
    report.scripts = Array.prototype.filter.call(document.scripts, function (s) { return !s.type; }).length;
    var csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]').content;
    report.hashes = (csp.match(/'sha256-/g) || []).length;
    return report;"""


def _check_page(browser, page: Path, folder: Path) -> dict:
    seen = browser.open(page, settle=0.5)
    for _ in range(30):
        if page.name in ("index.html", "K0.html") or browser.driver.execute_script(
            "return window.peermapReady === true"
        ):
            break
        time.sleep(0.1)
    report = browser.driver.execute_script(SAFE_PAGE)
    errors = seen["errors"] + [
        e for e in browser.driver.execute_script("return window.__peermapErrors") if e not in seen["errors"]
    ]
    assert errors == [], f"{page.name}: {errors}"
    assert browser.outside(seen["requests"], folder) == []
    assert report["pwned"] is None
    assert report["images"] == 0 and report["frames"] == 0
    assert report["handlers"] == []
    assert report["scripts"] == report["hashes"]  # only the page's own scripts exist
    return report


@pytest.mark.browser
@pytest.mark.parametrize("audience", ["police", "meeting"])
@pytest.mark.parametrize("page", ["index.html", "network.html", "map.html"])
def test_pages_show_hostile_text_as_text(browser, hostile_packs, audience, page):
    from pack_folders import MARKUP

    folder = hostile_packs[audience]
    _check_page(browser, folder / page, folder)
    driver = browser.driver
    if page == "network.html":
        # typed into the search box, a hostile label comes back as a suggestion of plain text; details render as text
        options = driver.execute_script(
            """var names = document.getElementById('show-names');
            if (names && !names.checked) { names.click(); }  // the meeting's hostile texts are children's names
            var box = document.getElementById('find');
            box.value = arguments[0]; box.dispatchEvent(new Event('input'));
            var items = Array.from(document.querySelectorAll('#find-list li'));
            return items.map(function (o) { return [o.textContent, o.children.length]; });""",
            "<img src=x",
        )
        assert any(MARKUP in text for text, _ in options), options
        assert all(children == 0 for _, children in options)
        assert driver.execute_script("return document.querySelectorAll('#find-list img').length") == 0
        # each person's and each tie's details in turn: the hostile text shows, as text, and makes no element
        seen = driver.execute_script("""
            var p = window.peermap, body = document.getElementById('details-body'), out = [];
            p.nodes.getIds().forEach(function (id) {
              p.network.body.emitter.emit("click", {nodes: [id], edges: []});
              out.push([body.textContent, body.querySelectorAll('img, svg, script').length]);
            });
            p.edges.getIds().forEach(function (id) {
              p.network.body.emitter.emit("click", {nodes: [], edges: [id]});
              out.push([body.textContent, body.querySelectorAll('img, svg, script').length]);
            });
            return out;""")
        assert any(marker in text for text, _ in seen for marker in HOSTILE_MARKERS)
        assert all(made == 0 for _, made in seen)
    elif page == "map.html":
        # open every popup in turn: each is built from text, and none holds an element made from the data
        opened = driver.execute_script("""
            var out = {texts: [], images: 0, handlers: 0};
            Object.values(window.peermapMap.overlays).forEach(function (group) {
              group.eachLayer(function (layer) {
                if (!layer.getPopup || !layer.getPopup()) { return; }
                if (layer.getLatLng) { layer.openPopup(); } else { layer.openPopup(layer.getBounds().getCenter()); }
                var box = document.querySelector('.leaflet-popup-content');
                if (!box) { return; }
                out.texts.push(box.textContent);
                out.images += box.querySelectorAll('img, svg, script, iframe').length;
                box.querySelectorAll('*').forEach(function (el) {
                  Array.prototype.forEach.call(el.attributes, function (a) {
                    if (a.name.indexOf('on') === 0) { out.handlers++; }
                  });
                });
              });
            });
            return out;""")
        assert opened["texts"] and opened["images"] == 0 and opened["handlers"] == 0
        assert any(marker in t for t in opened["texts"] for marker in HOSTILE_MARKERS)
        # and every area's side panel, chosen from the ranked table: text only there too
        panels = driver.execute_script("""
            return Array.from(document.querySelectorAll('button[data-area]')).map(function (b) {
              b.click();
              var p = document.getElementById('pm-panel');
              return [p.textContent, p.querySelectorAll('img, script, iframe, object, embed, a').length];
            });""")
        assert panels and all(made == 0 for _, made in panels)
        assert any(marker in text for text, _ in panels for marker in HOSTILE_MARKERS)
    else:
        text = driver.execute_script("return document.body.textContent")
        if audience == "police":
            assert MARKUP in text  # the children's names, shown to police, as text
    report = driver.execute_script(SAFE_PAGE)
    assert report["pwned"] is None and report["images"] == 0 and report["handlers"] == []


@pytest.mark.browser
def test_child_map_shows_hostile_text_as_text(browser, hostile_packs):
    page = hostile_packs["child"]
    _check_page(browser, page, page.parent)
    text = browser.driver.execute_script("return document.body.textContent")
    assert sum(marker in text for marker in HOSTILE_MARKERS) >= 3


def test_csvs_neutralise_formulas(hostile_packs):
    """Every cell a spreadsheet would run starts with ' (SCHEMA.md), in every CSV of the packs."""
    risky, neutralised = [], 0
    for audience in ("police", "meeting"):
        for path in sorted(hostile_packs[audience].glob("*.csv")):
            with open(path, newline="", encoding="utf-8") as handle:
                for row in csv.reader(handle):
                    for cell in row:
                        if cell[:1] in ("=", "+", "-", "@"):
                            try:
                                float(cell)
                            except ValueError:
                                risky.append(f"{path.name}: {cell}")
                        if cell.startswith(("'=", "'+", "'-", "'@")):
                            neutralised += 1
    assert risky == []
    assert neutralised > 0  # the formulas did reach the files
    print(f"{neutralised} formula cells neutralised")


def test_graphml_and_geojson_still_parse(hostile_packs):
    import json

    import networkx as nx

    for audience in ("police", "meeting"):
        folder = hostile_packs[audience]
        graph = nx.read_graphml(folder / "network.graphml")
        assert graph.number_of_nodes() >= 4
        for name in ("hotspots.geojson", "places.geojson", "kpi.json", "manifest.json"):
            json.loads((folder / name).read_text(encoding="utf-8"))
