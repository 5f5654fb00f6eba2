"""The network page's time control (issue 16, part 3), used as the meeting chair would, in headless Chromium.

The police's March 2023 pack of the synthetic year is opened at 1280×720 and
the control is moved with its own sliders and buttons. What it draws is
checked against the data folder: each month analysed on its own by
``analyse_for_audience`` (the same call a month's pack makes), never against
the page's own records.
"""

from __future__ import annotations

import csv
import re

import pytest
from test_pack_browser import MONTH, _open

from peermap.mapping.periods import Period

pytestmark = pytest.mark.browser

#: The ties drawn between two people (a safe place's link to a child is not a tie of evidence).
PEOPLE_TIES_JS = """
var p = window.peermap, out = [];
p.edgeView.get().forEach(function (e) {
  if (e.from.indexOf('P-') !== 0 && e.to.indexOf('P-') !== 0) { out.push([e.from, e.to]); }
});
return out;"""


@pytest.fixture(scope="module")
def police_month(synthetic_dataset, tmp_path_factory):
    from peermap.exports.pack import build_pack

    return build_pack(synthetic_dataset, MONTH, "police", tmp_path_factory.mktemp("time") / "police", audit=False)


@pytest.fixture(scope="module")
def months_ties(synthetic_dataset):
    """Each month's ties as that month's own police analysis finds them: {month: {(a, b): weight}}."""
    from peermap.exports.audience_view import analyse_for_audience

    out = {}
    for month in ("2023-01", "2023-02", "2023-03"):
        analysis = analyse_for_audience(
            synthetic_dataset, Period.from_month(month), "police", lookback=None, previous=False
        )
        ties = analysis.ties
        out[month] = {tuple(sorted((a, b))): float(w) for a, b, w in zip(ties["a"], ties["b"], ties["weight"])}
    return out


def _people(pack) -> set[str]:
    with open(pack.out_dir / "people.csv", newline="", encoding="utf-8") as handle:
        return {row["ref"] for row in csv.DictReader(handle) if row["rank"]}


def _slide(driver, slider: str, label: str) -> None:
    """Move a slider (``time-from`` or ``time-to``) to the month the page calls ``label``, as a user's drag does."""
    driver.execute_script(
        """var input = document.getElementById(arguments[0]);
        var months = (window.peermap || window.peermapMap).clock.time.months;
        input.value = months.indexOf(arguments[1]); input.dispatchEvent(new Event('input'));""",
        slider,
        label,
    )
    _settle(driver)


def _settle(driver) -> None:
    """Wait for the page to redraw: the control redraws once a frame, for the last move."""
    driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "requestAnimationFrame(function () { requestAnimationFrame(function () { done(); }); });"
    )


def test_the_span_draws_the_months_ties_as_the_data_folder_has_them(projector, police_month, months_ties):
    """January to March: the ties drawn are the months' own ties between the page's people, and a tie's weight
    is the months' weights added up; back to the period, the analysis's ties again."""
    driver = projector.driver
    seen = _open(projector, police_month.out_dir / "network.html")
    people = _people(police_month)
    in_period = {pair for pair in months_ties["2023-03"] if set(pair) <= people}
    drawn = {tuple(sorted(pair)) for pair in driver.execute_script(PEOPLE_TIES_JS)}
    assert drawn == in_period  # on opening: the period's ties

    _slide(driver, "time-from", "Jan 2023")
    expected = {pair for month in months_ties.values() for pair in month if set(pair) <= people}
    drawn = {tuple(sorted(pair)) for pair in driver.execute_script(PEOPLE_TIES_JS)}
    assert len(expected) > len(in_period) + 20  # the span means something: many more ties than March alone
    assert drawn == expected
    status = driver.find_element("id", "status").text
    assert f"{len(drawn)} of {len(expected)} ties of Jan 2023 to Mar 2023 (between people of 2023-03)" in status

    # a tie linked in all three months: its weight is the three months' weights added up
    pair = next(p for p in sorted(expected) if all(months_ties[m].get(p, 0) > 0 for m in months_ties))
    total = round(sum(months_ties[m][pair] for m in months_ties), 3)
    edge = driver.execute_script(
        """var p = window.peermap, a = arguments[0], b = arguments[1];
        return p.edgeView.get().filter(function (e) {
          return (e.from === a && e.to === b) || (e.from === b && e.to === a); })[0].id;""",
        *pair,
    )
    driver.execute_script("window.peermap.network.body.emitter.emit('click', {nodes: [], edges: [arguments[0]]})", edge)
    details = driver.find_element("id", "details-body").text
    assert re.search(rf"\(weight {re.escape(f'{total:g}')}\)", details), (total, details)
    assert "In Jan 2023 to Mar 2023 (each month weighed on its own, then added up): Jan 2023: " in details
    assert "; Feb 2023: " in details and "; Mar 2023: " in details

    # a span with no March in it: a March-only tie is not drawn
    _slide(driver, "time-to", "Feb 2023")
    drawn = {tuple(sorted(pair)) for pair in driver.execute_script(PEOPLE_TIES_JS)}
    feb = {pair for m in ("2023-01", "2023-02") for pair in months_ties[m] if set(pair) <= people}
    assert drawn == feb

    # the unverified switch takes the span's word for it: off, no tie unverified over January and February is drawn
    driver.find_element("id", "show-unverified").click()
    unverified = driver.execute_script(
        """var p = window.peermap, c = p.clock;
        return p.edgeView.get().filter(function (e) {
          var t = c.tie(e.from, e.to); return t && t.unverified; }).length;"""
    )
    assert unverified == 0
    driver.find_element("id", "show-unverified").click()

    # Find someone linked only in March: the page goes back to the period, where they are, and shows them
    linked_before = {ref for pair in feb for ref in pair}
    march_only = sorted(r for pair in in_period for r in pair if r.startswith("C-") and r not in linked_before)[0]
    driver.execute_script("window.peermap.selectPerson(arguments[0])", march_only)
    assert driver.find_element("id", "time-shown").text == "2023-03"
    assert driver.execute_script("return window.peermap.network.getSelectedNodes()") == [march_only]
    assert driver.find_element("id", "details-body").text.startswith(march_only)

    # the period's button: the analysis's own ties, as ties.csv has them
    _slide(driver, "time-from", "Jan 2023")
    driver.find_element("id", "time-period").click()
    _settle(driver)
    drawn = {tuple(sorted(pair)) for pair in driver.execute_script(PEOPLE_TIES_JS)}
    assert drawn == in_period
    with open(police_month.out_dir / "ties.csv", newline="", encoding="utf-8") as handle:
        assert in_period == {tuple(sorted((r["a"], r["b"]))) for r in csv.DictReader(handle)}
    assert driver.execute_script("return window.__peermapErrors") == []
    assert projector.outside(seen["requests"], police_month.out_dir) == []


def test_the_control_fits_the_projector_and_moves_by_keyboard(projector, police_month):
    """At 1280×720 the control and the whole canvas are on screen; the sliders are labelled and the arrow keys
    move them a month at a time, saying the month to a screen reader."""
    from selenium.webdriver.common.keys import Keys

    driver = projector.driver
    _open(projector, police_month.out_dir / "network.html")
    boxes = driver.execute_script(
        """function box(id) { var r = document.getElementById(id).getBoundingClientRect();
                              return [r.left, r.top, r.right, r.bottom]; }
        return [box('time-control'), box('network'), window.innerWidth, window.innerHeight];"""
    )
    control, canvas, width, height = boxes
    assert control[3] <= canvas[1] and canvas[3] <= height and canvas[2] <= width
    slider = driver.find_element("id", "time-from")
    assert driver.find_element("css selector", "label[for='time-from']").text == "from"
    before = driver.find_element("id", "time-from-date").text
    slider.send_keys(Keys.ARROW_LEFT)
    after = driver.find_element("id", "time-from-date").text
    assert (before, after) == ("Mar 2023", "Feb 2023")
    assert slider.get_attribute("aria-valuetext") == "Feb 2023"
    assert driver.find_element("id", "time-shown").text == "Feb 2023 to Mar 2023"


@pytest.fixture(scope="module")
def months_places(synthetic_dataset):
    """Each month's places as that month's own police pack counts them: {month: {(postcode, role): (children,
    episodes)}}, from places.geojson's features."""
    from peermap.exports.audience_view import audience_view
    from peermap.exports.geojson import place_features
    from peermap.exports.timeline import TIMED_ROLES

    out = {}
    for month in ("2023-01", "2023-02"):
        view = audience_view(synthetic_dataset, Period.from_month(month), "police", lookback=None, previous=False)
        counts = {}
        for feature in place_features(view.places, "police")["features"]:
            props = feature["properties"]
            for role in TIMED_ROLES:
                if props.get(f"{role}_children") or props.get(f"{role}_episodes"):
                    counts[(props["postcode"], role)] = (props[f"{role}_children"], props[f"{role}_episodes"])
        out[month] = counts
    return out


LAYER_LABELS_JS = (
    "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
    ".map(function (l) { return l.textContent.trim(); });"
)
MARKERS_JS = """
var out = {};
window.peermapMap.timed.forEach(function (t) {
  if (!t.group.hasLayer(t.item)) { return; }
  var box = t.item.getPopup().getContent(), rows = {};
  var dts = box.querySelectorAll('dt'), dds = box.querySelectorAll('dd');
  for (var i = 0; i < dts.length; i++) { rows[dts[i].textContent] = dds[i].textContent; }
  out[t.feature.key] = [rows.Children, rows.Episodes, rows['Counted over'] || null];
});
return out;"""


def test_the_map_span_shows_each_months_places_as_the_data_folder_has_them(projector, police_month, months_places):
    """February alone: the places of March's map that children were at in February, with February's own pack's
    children and episodes; January to February: episodes added up, each child once."""
    driver = projector.driver
    seen = _open(projector, police_month.out_dir / "map.html")
    before = driver.execute_script(MARKERS_JS)
    layers_before = driver.execute_script(LAYER_LABELS_JS)
    on_map = {tuple(key.split("|")) for key in before}
    _slide(driver, "time-from", "Feb 2023")
    _slide(driver, "time-to", "Feb 2023")
    shown = driver.execute_script(MARKERS_JS)
    feb = {key: value for key, value in months_places["2023-02"].items() if key in on_map}
    assert len(feb) >= 10 and len(feb) < len(on_map)  # a real change: some of March's places, not all
    assert {tuple(key.split("|")) for key in shown} == set(feb)
    for key, (children, episodes, over) in shown.items():
        assert (int(children), int(episodes)) == feb[tuple(key.split("|"))], key
        assert over == "Feb 2023"
    _slide(driver, "time-from", "Jan 2023")
    shown = driver.execute_script(MARKERS_JS)
    jan = months_places["2023-01"]
    both = {key for key in on_map if key in feb or key in jan}
    assert {tuple(key.split("|")) for key in shown} == both
    for key, (children, episodes, _) in shown.items():
        months = [m.get(tuple(key.split("|")), (0, 0)) for m in (jan, months_places["2023-02"])]
        assert int(episodes) == sum(e for _, e in months), key
        assert max(c for c, _ in months) <= int(children) <= sum(c for c, _ in months), key
    status = driver.find_element("id", "time-status").text
    assert status == f"{len(both)} of {len(before)} places shown"
    driver.find_element("id", "time-period").click()
    _settle(driver)
    assert driver.execute_script(MARKERS_JS) == before
    # the layer box keeps its order, its counts those shown
    labels = driver.execute_script(LAYER_LABELS_JS)
    assert [label.split(" (")[0] for label in labels] == [label.split(" (")[0] for label in layers_before]
    assert driver.execute_script("return window.__peermapErrors") == []
    assert projector.outside(seen["requests"], police_month.out_dir) == []


def test_time_control_screenshots_for_the_docs(projector, police_month):
    """The pictures in docs/pack.md, "Moving through time", at the projector's 1280×720."""
    from test_pack_browser import IMAGES

    driver = projector.driver
    _open(projector, police_month.out_dir / "network.html")
    _slide(driver, "time-from", "Jan 2023")
    driver.save_screenshot(str(IMAGES / "pack-time-network.png"))
    _open(projector, police_month.out_dir / "map.html")
    _slide(driver, "time-from", "Feb 2023")
    _slide(driver, "time-to", "Feb 2023")
    driver.save_screenshot(str(IMAGES / "pack-time-map.png"))
    for name in ("pack-time-network.png", "pack-time-map.png"):
        assert (IMAGES / name).stat().st_size < 600_000
