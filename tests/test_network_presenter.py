"""The network page as the meeting chair shows it on a 1280×720 projector (issue 16, parts 2 and 4).

Packs of the synthetic year (the meeting's March 2023 with ``--names``, and
the police's whole year) are opened in headless Chromium at 1280×720; every
figure checked is read from the pack's own CSV files or from vis-network's
API (its scale, fonts and bounding boxes), never from the page's words.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from pathlib import Path

import pytest
from test_pack_browser import MONTH, VIEWPORT, _open

from peermap.mapping.periods import Period

pytestmark = pytest.mark.browser

YEAR = Period(dt.date(2022, 4, 1), dt.date(2023, 3, 31))


@pytest.fixture(scope="module")
def named_pack(synthetic_dataset, tmp_path_factory):
    """The meeting's March pack with children's names allowed (``--names``)."""
    from peermap.exports.pack import build_pack

    out = tmp_path_factory.mktemp("presenter") / "meeting-names"
    return build_pack(synthetic_dataset, MONTH, "meeting", out, names=True, audit=False)


@pytest.fixture(scope="module")
def year_pack(synthetic_dataset, tmp_path_factory):
    """The police's pack of the whole year: about 1,150 people and places."""
    from peermap.exports.pack import build_pack

    out = tmp_path_factory.mktemp("presenter") / "police-year"
    return build_pack(synthetic_dataset, YEAR, "police", out, audit=False)


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _clean(browser, seen: dict, folder: Path) -> None:
    errors = seen["errors"] + browser.driver.execute_script("return window.__peermapErrors || []")
    assert errors == []
    assert browser.outside(seen["requests"], folder) == []


def _choose_cluster(driver, key: str) -> None:
    driver.execute_script(
        "var s = document.getElementById('cluster'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
        key,
    )


LABELS_JS = """
    var n = window.peermap.network, scale = n.getScale();
    return n.body.nodeIndices.map(function (id) {
      var node = n.body.nodes[id], b = n.getBoundingBox(id);
      return {id: id, px: node.options.font.size * scale, box: [b.left, b.top, b.right, b.bottom],
              label: node.options.label};
    });"""


def test_canvas_and_details_fit_the_projector(projector, named_pack):
    seen = _open(projector, named_pack.out_dir / "network.html")
    _clean(projector, seen, named_pack.out_dir)
    canvas, details, first = projector.driver.execute_script("""
        var r = function (e) { var b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
        return [r(document.querySelector('#network canvas')), r(document.getElementById('details')),
                window.peermap.network.body.nodeIndices.length];""")
    width, height = VIEWPORT
    assert 0 <= canvas[0] and 0 <= canvas[1] and canvas[2] <= width and canvas[3] <= height
    assert canvas[3] - canvas[1] >= 0.6 * height  # most of the screen, below a slim header
    assert details[0] >= canvas[2] and details[1] < canvas[3]  # beside the network, not below it
    assert first > 0


def test_chosen_cluster_is_laid_out_alone_readable_and_apart(projector, named_pack):
    """Each cluster of up to 60 nodes, chosen: its own nodes only, every label ≥ 12 CSS px, no two overlapping."""
    _open(projector, named_pack.out_dir / "network.html")
    driver = projector.driver
    people = _rows(named_pack.out_dir / "people.csv")
    clusters = sorted({p["cluster"] for p in people if p["cluster"]}, key=int)
    checked = 0
    for key in clusters:
        _choose_cluster(driver, key)
        labels = driver.execute_script(LABELS_JS)
        own = {p["ref"] for p in people if p["cluster"] == key}
        shown = {label["id"] for label in labels}
        assert own <= shown, key
        assert not shown - own or all(
            driver.execute_script(
                "var m = JSON.parse(document.getElementById('pm-data').textContent).meta.nodes[arguments[0]];"
                "return m.safety || m.context;",
                other,
            )
            for other in shown - own
        )
        if len(labels) > 60:
            continue
        checked += 1
        assert min(label["px"] for label in labels) >= 12, (key, min(label["px"] for label in labels))
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                apart = a["box"][2] <= b["box"][0] or b["box"][2] <= a["box"][0]
                apart = apart or a["box"][3] <= b["box"][1] or b["box"][3] <= a["box"][1]
                assert apart, (key, a["label"], b["label"])
    assert checked >= 5
    seen_errors = driver.execute_script("return window.__peermapErrors")
    assert seen_errors == []


def test_touching_clusters_have_different_colours_and_every_node_its_number(browser, named_pack):
    _open(browser, named_pack.out_dir / "network.html")
    cluster = {p["ref"]: p["cluster"] for p in _rows(named_pack.out_dir / "people.csv") if p["cluster"]}
    touching = {
        tuple(sorted((cluster[t["a"]], cluster[t["b"]])))
        for t in _rows(named_pack.out_dir / "ties.csv")
        if t["a"] in cluster and t["b"] in cluster and cluster[t["a"]] != cluster[t["b"]]
    }
    assert touching  # the month has clusters with ties between them, so the check means something
    drawn = browser.driver.execute_script(
        "return window.peermap.nodes.get().map(function (n) { return [n.id, n.color.background, n.label]; })"
    )
    colour = {}
    for ref, fill, label in drawn:
        if ref in cluster:
            assert colour.setdefault(cluster[ref], fill) == fill  # one colour a cluster
            assert f"[{cluster[ref]}]" in label.split("\n")[0]  # and its number on every node
    for a, b in touching:
        assert colour[a] != colour[b], (a, b)


def test_find_selects_centres_and_shows_the_person(projector, named_pack):
    """Typing part of a reference, then Enter, selects that person, centres them and shows their details."""
    from selenium.webdriver.common.keys import Keys

    _open(projector, named_pack.out_dir / "network.html")
    driver = projector.driver
    person = next(p for p in _rows(named_pack.out_dir / "people.csv") if p["kind"] == "child" and p["cluster"])
    box = driver.find_element("id", "find")
    label = driver.execute_script("return document.querySelector('label[for=find]').textContent")
    assert label == "Find" and box.get_attribute("role") == "combobox"
    box.send_keys(person["ref"][2:9].lower())
    assert driver.execute_script("return document.getElementById('find-list').hidden") is False
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == "find-option-0"
    box.send_keys(Keys.ENTER)
    state = driver.execute_script("""
        var n = window.peermap.network, id = n.getSelectedNodes()[0];
        var at = n.canvasToDOM(n.getPosition(id)), c = document.getElementById('network');
        return [id, at.x / c.clientWidth, at.y / c.clientHeight,
                document.getElementById('details-body').textContent];""")
    assert state[0] == person["ref"]
    assert abs(state[1] - 0.5) < 0.05 and abs(state[2] - 0.5) < 0.05
    assert state[3].startswith(person["ref"]) and "Age on" in state[3] and "In care" in state[3]
    # a place: a safe place's name finds it
    place = driver.execute_script("""
        var meta = JSON.parse(document.getElementById('pm-data').textContent).meta.nodes;
        var id = Object.keys(meta).filter(function (k) { return meta[k].kind === 'place'; })[0];
        return id ? [id, meta[id].heading] : null;""")
    if place:
        box.clear()
        box.send_keys(place[1])
        box.send_keys(Keys.ENTER)
        assert driver.execute_script("return window.peermap.network.getSelectedNodes()")[0] == place[0]


def test_links_at_one_and_two_steps(browser, named_pack):
    _open(browser, named_pack.out_dir / "network.html")
    ties = _rows(named_pack.out_dir / "ties.csv")
    driver = browser.driver
    ref = driver.execute_script("return window.peermap.network.body.nodeIndices[0]")
    linked = {t["b"] for t in ties if t["a"] == ref} | {t["a"] for t in ties if t["b"] == ref}
    driver.execute_script("window.peermap.selectPerson(arguments[0])", ref)
    driver.find_element("css selector", '#details-body button[data-steps="1"]').click()
    one = set(driver.execute_script("return window.peermap.nodeView.getIds()"))
    assert ref in one and linked - {ref} <= one
    driver.find_element("css selector", '#details-body button[data-steps="2"]').click()
    two = set(driver.execute_script("return window.peermap.nodeView.getIds()"))
    assert one < two or one == two


def test_hash_opens_a_cluster_or_a_person(browser, named_pack):
    people = _rows(named_pack.out_dir / "people.csv")
    key = people[0]["cluster"]
    page = named_pack.out_dir / "network.html"
    browser.driver.get(page.resolve().as_uri() + "#cluster=" + key)
    time.sleep(0.5)
    state = browser.driver.execute_script(
        "return [window.peermap.state.cluster, window.peermap.nodeView.getIds(), window.__peermapErrors]"
    )
    own = {p["ref"] for p in people if p["cluster"] == key}
    assert state[0] == key and own <= set(state[1]) and state[2] == []
    ref = next(p["ref"] for p in people if p["kind"] == "child")
    browser.driver.get(page.resolve().as_uri() + "#person=" + ref)
    time.sleep(0.5)
    chosen, text = browser.driver.execute_script(
        "return [window.peermap.network.getSelectedNodes(), document.getElementById('details-body').textContent]"
    )
    assert chosen == [ref] and text.startswith(ref)


def test_names_hidden_on_load_and_shown_by_the_switch(browser, named_pack):
    rows = _rows(named_pack.out_dir / "people.csv")
    # the period's children (people.csv also lists those active only in the look-back, who have no rank and no node)
    people = {p["ref"]: p["name"] for p in rows if p["name"] and p["kind"] == "child" and p["rank"]}
    assert people  # --names: the meeting may see children's names (associates are always shown by their label)
    page = named_pack.out_dir / "network.html"
    for _ in range(2):  # off on every load, whatever the last one was
        _open(browser, page)
        driver = browser.driver
        labels = dict(
            driver.execute_script("return window.peermap.nodes.get().map(function (n) { return [n.id, n.label]; })")
        )
        assert driver.execute_script("return document.getElementById('show-names').checked") is False
        assert all(name not in labels[ref] for ref, name in people.items())
        driver.execute_script("window.peermap.selectPerson(arguments[0])", next(iter(people)))
        assert "Name" not in driver.execute_script("return document.getElementById('details-body').textContent")
        driver.find_element("id", "show-names").click()
        labels = dict(
            driver.execute_script("return window.peermap.nodes.get().map(function (n) { return [n.id, n.label]; })")
        )
        assert all(labels[ref].startswith(name) for ref, name in people.items())
        assert people[next(iter(people))] in driver.execute_script(
            "return document.getElementById('details-body').textContent"
        )


def test_keyboard_moves_the_network_from_its_first_tab_stop(browser, named_pack):
    """Tab reaches the network's canvas once, and the arrow keys move it straight away."""
    from selenium.webdriver.common.keys import Keys

    _open(browser, named_pack.out_dir / "network.html")
    driver = browser.driver
    driver.find_element("tag name", "body").send_keys(Keys.TAB)
    for _ in range(20):
        if driver.execute_script("return document.activeElement.closest('#network') !== null"):
            break
        driver.switch_to.active_element.send_keys(Keys.TAB)
    else:
        pytest.fail("Tab never reached the network")
    from selenium.webdriver.common.action_chains import ActionChains

    before = driver.execute_script("return window.peermap.network.getViewPosition()")
    ActionChains(driver).key_down(Keys.ARROW_LEFT).pause(0.3).key_up(Keys.ARROW_LEFT).perform()
    after = driver.execute_script("return window.peermap.network.getViewPosition()")
    assert after != before
    # focus shows as a ring round the canvas, never a filled canvas
    fill = driver.execute_script("return getComputedStyle(document.activeElement).backgroundColor")
    assert fill in ("rgba(0, 0, 0, 0)", "transparent", "rgb(255, 255, 255)")
    assert driver.execute_script("return getComputedStyle(document.getElementById('network')).outlineStyle") == "solid"


def test_person_details_are_what_people_csv_says(browser, year_pack):
    """An adult of concern's details give the children and clusters they reach, as people.csv has them."""
    _open(browser, year_pack.out_dir / "network.html")
    adults = [p for p in _rows(year_pack.out_dir / "people.csv") if p["role"] == "adult_of_concern"]
    assert adults
    for adult in adults[:5]:
        text = browser.driver.execute_script(
            "window.peermap.selectPerson(arguments[0]); return document.getElementById('details-body').innerText",
            adult["ref"],
        )
        assert f"Children linked, {YEAR.label}\n{int(adult['children_reached'])}" in text or (
            f"{int(adult['children_reached'])} in {YEAR.label}" in text
        )


def test_year_police_view_opens_collapsed_and_opens_on_demand(projector, year_pack):
    seen = _open(projector, year_pack.out_dir / "network.html")
    _clean(projector, seen, year_pack.out_dir)
    driver = projector.driver
    total, drawn, groups = driver.execute_script("""
        var n = window.peermap.network;
        return [window.peermap.nodes.length, n.body.nodeIndices.length,
                n.body.nodeIndices.filter(function (id) { return window.peermap.isGroup(id); })];""")
    assert total > 1000 and drawn < total / 4 and len(groups) > 10
    # vis-network is given only what is drawn, not every person hidden in a circle
    assert driver.execute_script("return Object.keys(window.peermap.network.body.nodes).length") < total / 4
    # Enter on a selected cluster opens it; the others stay closed
    driver.execute_script("window.peermap.network.selectNodes([arguments[0]])", groups[0])
    frame = driver.find_element("css selector", "#network .vis-network")
    frame.send_keys("\ue007")
    opened = driver.execute_script("return window.peermap.network.body.nodeIndices.length")
    assert opened > drawn and not driver.execute_script("return window.peermap.isGroup(arguments[0])", groups[0])
    # a person hidden in a closed cluster is found and shown
    hidden = driver.execute_script("return window.peermap.members(arguments[0])[0]", groups[1])
    assert driver.execute_script("return window.peermap.nodeView.get(arguments[0])", hidden) is None
    driver.execute_script("window.peermap.selectPerson(arguments[0])", hidden)
    assert driver.execute_script("return window.peermap.network.getSelectedNodes()") == [hidden]
    _clean(projector, {"errors": [], "requests": []}, year_pack.out_dir)


def test_a_cluster_has_one_colour_on_the_network_and_the_map(browser, named_pack):
    """A peer cluster's places on the map are drawn in the colour its people have on the network."""
    _open(browser, named_pack.out_dir / "map.html")
    driver = browser.driver
    driver.execute_script("""
        var label = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
          .filter(function (l) { return l.textContent.trim().indexOf("Clusters' places") === 0; })[0];
        var box = label.querySelector('input'); if (!box.checked) { box.click(); }""")
    on_map = driver.execute_script("""
        return Array.from(document.querySelectorAll('.pm-clusters svg')).map(function (svg) {
          return [svg.querySelector('text').textContent, svg.firstChild.getAttribute('fill')]; });""")
    assert on_map  # the month's clusters have places, so the check means something
    _open(browser, named_pack.out_dir / "network.html")
    cluster = {p["ref"]: p["cluster"] for p in _rows(named_pack.out_dir / "people.csv") if p["cluster"]}
    drawn = browser.driver.execute_script("""
        var meta = JSON.parse(document.getElementById('pm-data').textContent).meta.nodes;
        return window.peermap.nodes.get().filter(function (n) { return !meta[n.id].safety && !meta[n.id].context; })
          .map(function (n) { return [n.id, n.color.background]; });""")
    on_network = {cluster[ref]: fill.upper() for ref, fill in drawn if ref in cluster}
    for number, fill in on_map:
        assert on_network[number] == fill.upper(), number


def test_chosen_cluster_is_readable_in_full(projector, named_pack):
    """At 1280×720 the drop-down shows the chosen cluster's words whole, and the details say what clusters.csv says."""
    _open(projector, named_pack.out_dir / "network.html")
    driver = projector.driver
    summaries = {row["cluster"]: row["summary"] for row in _rows(named_pack.out_dir / "clusters.csv")}
    assert summaries
    for key, summary in summaries.items():
        _choose_cluster(driver, key)
        text, room, needed, details = driver.execute_script("""
            var s = document.getElementById('cluster'), style = getComputedStyle(s);
            var ctx = document.createElement('canvas').getContext('2d');
            ctx.font = style.fontWeight + ' ' + style.fontSize + ' ' + style.fontFamily;
            var text = s.options[s.selectedIndex].text;
            return [text, s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20,
                    ctx.measureText(text).width, document.getElementById('details-body').innerText];""")
        assert text.startswith(f"Cluster {key}:") and needed <= room, (key, text, needed, room)
        assert details.startswith(text) and " ".join(summary.split()) in " ".join(details.split()), key
