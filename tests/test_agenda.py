"""The summary page as the meeting's agenda (issue 16): contents in meeting order, one section per peer cluster.

What each cluster section says of its children (who, age at the period's end,
in care or not, CE risk; school and exploitation type only with ``--names``)
is checked against the data folder read by the claims audit's own reader
(tests/claims_audit.py: pandas and SCHEMA.md, nothing of peermap's analysis)
and against clusters.csv. In Chromium: the map opens on a cluster's places
from ``map.html#cluster=N``, and the page prints with its contents on the
first sheet, each cluster on a sheet of its own and OFFICIAL-SENSITIVE on
every sheet (read back from the PDF with pypdf).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from peermap.mapping.periods import Period
from tests.claims_audit import Folder, page_text, parse_html, table_rows

MARCH = Period.from_month("2023-03")
END = dt.date(2023, 3, 31)
ORDER = [
    "#changes-heading",
    "#clusters-heading",
    "#outside-heading",
    "#concern-heading",
    "#hotspots-heading",
    "#measures-heading",
    "#files-heading",
]


@pytest.fixture(scope="module")
def packs(synthetic_dataset, tmp_path_factory):
    """The March meeting pack without and with ``--names``, and the board's."""
    from peermap.exports.pack import build_pack

    out = tmp_path_factory.mktemp("agenda")
    made = {}
    for name, audience, names in (("meeting", "meeting", False), ("names", "meeting", True), ("board", "board", False)):
        made[name] = build_pack(synthetic_dataset, MARCH, audience, out / name, names, audit=False).out_dir
    return made


@pytest.fixture(scope="module")
def folder(synthetic_year):
    return Folder.read(synthetic_year)


def _age(birth: str) -> str:
    """Whole years on 31 March 2023 from SCHEMA.md's ``YYYY-MM-DD`` or ``YYYY-MM`` (the 1st)."""
    if not birth:
        return "not recorded"
    year, month, day = (list(map(int, birth.split("-"))) + [1])[:3]
    return str(END.year - year - ((month, day) > (END.month, END.day)))


def _sections(page) -> dict[int, list[list[str]]]:
    """Each cluster section's children table, by cluster number."""
    tree = parse_html(page)
    out = {}
    for section in tree.find_all("section", "cluster-section"):
        table = section.find_all("table", "cluster-children")[0]
        out[int(table.attrs["data-cluster"])] = table_rows(table)
    return out


def test_the_contents_list_the_sections_in_meeting_order_and_each_link_lands(packs):
    page = packs["meeting"] / "index.html"
    html = page.read_text(encoding="utf-8")
    tree = parse_html(page)
    agenda = tree.find_all("ol", "agenda-list")[0]
    top = [a.attrs["href"] for li in agenda.children if li.tag == "li" for a in li.children if a.tag == "a"]
    assert top == ORDER
    clusters = pd.read_csv(packs["meeting"] / "clusters.csv", dtype=str)
    inner = [a.attrs["href"] for a in tree.find_all("ol", "agenda-clusters")[0].find_all("a")]
    assert inner == [f"#cluster-{c}" for c in clusters["cluster"]]
    positions = []
    for href in top + inner:
        match = re.search(rf'id="{href[1:]}"', html)
        assert match, f"{href} points at nothing"
        positions.append(match.start())
    assert html.index('class="agenda"') < positions[0]
    # the sections follow the contents: decisions, every cluster in turn, then the rest in order
    assert positions[0] < positions[1] < min(positions[len(top) :])
    assert max(positions[len(top) :]) < positions[2] < positions[3] < positions[4] < positions[5] < positions[6]
    for section in tree.find_all("section", "cluster-section"):
        number = section.find_all("table", "cluster-children")[0].attrs["data-cluster"]
        links = [a.attrs["href"] for a in section.find_all("a", "button")]
        assert links == [f"network.html#cluster={number}", f"map.html#cluster={number}"]


def _numbered(page: Path) -> list[tuple[str, str]]:
    """The contents' top-level links, each with the start of the heading it lands on."""
    tree = parse_html(page)
    agenda = tree.find_all("ol", "agenda-list")[0]
    top = [a.attrs["href"] for li in agenda.children if li.tag == "li" for a in li.children if a.tag == "a"]
    headings = {h.attrs.get("id"): " ".join(h.all_text().split()) for h in tree.find_all("h2")}
    return [(href, headings.get(href[1:], "")) for href in top]


def test_the_police_contents_list_the_shared_identifiers_where_they_are_shown(synthetic_dataset, tmp_path):
    """The police pack's shared phones, vehicles and handles are in the contents, between the adults of concern
    and the places, and every numbered heading has its number in the contents."""
    from peermap.exports.pack import build_pack

    police = build_pack(synthetic_dataset, MARCH, "police", tmp_path / "police", audit=False).out_dir / "index.html"
    listed = _numbered(police)
    shown = [f"#{h}" for h in ("identifiers-heading", "shared-lookback-heading") if f'id="{h}"' in police.read_text()]
    assert shown == ["#identifiers-heading", "#shared-lookback-heading"]
    assert [href for href, _ in listed] == ORDER[:4] + shown + ORDER[4:]
    for place, (href, heading) in enumerate(listed, start=1):
        assert heading, f"{href} points at nothing"
        if href != "#files-heading":
            assert heading.startswith(f"{place}. "), (href, heading)
    page = police.read_text(encoding="utf-8")
    positions = [page.index(f'id="{href[1:]}"') for href, _ in listed]
    assert positions[4:] == sorted(positions[4:])


def test_each_cluster_section_shows_its_children_as_the_data_folder_says(packs, folder):
    sections = _sections(packs["meeting"] / "index.html")
    clusters = pd.read_csv(packs["meeting"] / "clusters.csv", dtype=str, keep_default_na=False)
    people = pd.read_csv(packs["meeting"] / "people.csv", dtype=str, keep_default_na=False)
    children = folder.children.set_index("ref")
    assert sorted(sections) == sorted(int(c) for c in clusters["cluster"])
    seen = 0
    for row in clusters.itertuples():
        rows = sections[int(row.cluster)]
        assert rows[0][:4] == ["Child", "Age on 31 Mar 2023", "In care", "CE risk"]
        refs = [cells[0] for cells in rows[1:]]
        assert sorted(refs) == sorted(row.children.split("; "))
        linked = people[people["kind"].eq("child") & people["cluster"].eq(row.cluster)]["ref"]
        assert sorted(refs) == sorted(linked)
        for cells in rows[1:]:
            child = children.loc[cells[0]]
            assert cells[1] == _age(child["birth_date"]), cells[0]
            status = child["legal_status"].strip().lower()
            assert cells[2] == ("not recorded" if not status else "yes" if status == "cic" else "no"), cells[0]
            assert cells[3] == (child["ce_risk"].strip().lower() or "not recorded"), cells[0]
            seen += 1
    assert seen >= 20


def test_a_meeting_sees_school_exploitation_type_and_names_only_with_names(packs, folder):
    text = page_text(packs["meeting"] / "index.html")
    kids = folder.children
    schools = {s for s in kids["school"] if len(s) > 4}
    names = {n for n in kids["display_name"] if len(n) > 4}
    assert schools and names
    assert "School" not in text and "Exploitation type" not in text
    assert not [s for s in schools if s in text] and not [n for n in names if n in text]
    assert 'id="show-names"' not in (packs["meeting"] / "index.html").read_text(encoding="utf-8")

    page = packs["names"] / "index.html"
    html = page.read_text(encoding="utf-8")
    assert 'id="show-names" aria-pressed="false"' in html
    by_ref = kids.set_index("ref")
    for number, rows in _sections(page).items():
        assert rows[0] == [
            "Child",
            "Name",
            "Age on 31 Mar 2023",
            "In care",
            "CE risk",
            "School",
            "Exploitation type",
            "Missing episodes, in March 2023",
        ]
        for cells in rows[1:]:
            child = by_ref.loc[cells[0]]
            assert cells[1] == child["display_name"] and cells[5] == child["school"], cells[0]
            assert cells[6] == child["exploitation_type"], cells[0]
    # every name cell is hidden until "Show names" is pressed
    cells = re.findall(r'<t[dh] class="pm-name"( hidden)?>', html)
    assert cells and all(cells)


def test_the_board_gets_no_agenda_and_no_clusters(packs):
    html = (packs["board"] / "index.html").read_text(encoding="utf-8")
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    for word in ("agenda-list", "cluster-section", "Cluster ", "network.html", "show-names", "C-"):
        assert word not in body, word


def test_adults_reach_over_the_lookback_when_people_csv_has_it(synthetic_dataset):
    """With the look-back columns (branch lookback) the adults' table reads "1 this month / 6 in the last 12 months"."""
    from peermap.exports.audience_view import audience_view
    from peermap.exports.audiences import audience_policy, people_view
    from peermap.exports.index_page import index_page
    from peermap.mapping.measures import compute_measures

    view = audience_view(synthetic_dataset, MARCH, "meeting")
    people = people_view(
        view.analysis.people, synthetic_dataset.children, synthetic_dataset.associates, audience_policy("meeting")
    )
    concern = people["role"].eq("adult_of_concern").fillna(False)
    assert concern.any()
    measures = compute_measures(synthetic_dataset, MARCH)

    def adults(frame) -> list[list[str]]:
        page = index_page(
            period=MARCH,
            previous_period=MARCH.previous(),
            measures=measures,
            previous=measures,
            audience="meeting",
            board=False,
            people=frame,
            lookback=12,
        )
        body = str(page.body)
        table = body[body.index('id="concern-heading"') :]
        table = table[: table.index("</table>")]
        return re.findall(r'<td class="num">([^<]*)</td>\s*<td class="num">([^<]*)</td>', table)

    plain = people.drop(columns=["children_reached_lookback", "clusters_reached_lookback"], errors="ignore")
    now = adults(plain)  # without the look-back columns: this period's figures alone
    assert now and all(re.fullmatch(r"\d+", a) and re.fullmatch(r"\d+", b) for a, b in now)
    wider = plain.assign(
        children_reached_lookback=people["children_reached"] + 5,
        clusters_reached_lookback=people["clusters_reached"] + 1,
    )
    for (a, b), (a_now, b_now) in zip(adults(wider), now):
        assert a == f"{a_now} this month / {int(a_now) + 5} in the last 12 months"
        assert b == f"{b_now} this month / {int(b_now) + 1} in the last 12 months"


# -- in Chromium ---------------------------------------------------------------------------------------------------
@pytest.mark.browser
def test_the_map_opens_on_a_clusters_places(browser, packs):
    html = (packs["meeting"] / "map.html").read_text(encoding="utf-8")
    assert "cluster=" in html
    driver = browser.driver
    clusters = pd.read_csv(packs["meeting"] / "clusters.csv", dtype=str)
    number = clusters["cluster"].iloc[0]
    seen = browser.open((packs["meeting"] / "map.html"), settle=0.2)
    driver.get((packs["meeting"] / "map.html").resolve().as_uri() + f"#cluster={number}")
    for _ in range(50):
        if driver.execute_script("return window.peermapReady === true"):
            break
        time.sleep(0.1)
    state = driver.execute_script(
        """
        var n = arguments[0], m = peermapMap.map;
        var layer = peermapMap.layers.filter(function (l) { return l.id === "clusters"; })[0];
        var mine = layer.features.filter(function (f) { return String(f.cluster) === n; });
        var others = layer.features.filter(function (f) { return String(f.cluster) !== n; });
        var on = Object.keys(peermapMap.overlays).filter(function (k) {
            return k.indexOf("Clusters") === 0 && m.hasLayer(peermapMap.overlays[k]); });
        return {on: on.length, mine: mine.length,
                inView: mine.filter(function (f) { return m.getBounds().contains([f.lat, f.lon]); }).length,
                othersInView: others.filter(function (f) { return m.getBounds().contains([f.lat, f.lon]); }).length,
                total: others.length, errors: window.__peermapErrors};""",
        number,
    )
    assert state["on"] == 1 and state["mine"] >= 2
    assert state["inView"] == state["mine"]
    assert state["othersInView"] < state["total"]  # fitted to the cluster, not to the whole map
    assert state["errors"] == [] and seen["errors"] == []


@pytest.mark.browser
def test_the_agenda_opens_without_errors_and_names_show_only_when_asked(browser, packs):
    page = packs["names"] / "index.html"
    seen = browser.open(page)
    assert seen["errors"] == []
    assert browser.outside(seen["requests"], packs["names"]) == []
    driver = browser.driver
    shown = "return Array.from(document.querySelectorAll('.pm-name')).filter(function (c) { return !c.hidden; }).length"
    assert driver.execute_script(shown) == 0
    driver.find_element("id", "show-names").click()
    assert driver.execute_script(shown) > 0
    assert driver.find_element("id", "show-names").get_attribute("aria-pressed") == "true"


@pytest.mark.browser
def test_printed_the_contents_come_first_each_cluster_on_its_own_sheet_every_sheet_marked(browser, packs):
    import pypdf

    page = packs["meeting"] / "index.html"
    browser.open(page)
    pdf = browser.driver.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})["data"]
    sheets = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(base64.b64decode(pdf))).pages]
    clusters = pd.read_csv(packs["meeting"] / "clusters.csv", dtype=str)
    assert len(sheets) > len(clusters)
    for i, text in enumerate(sheets):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0] == "OFFICIAL-SENSITIVE" and lines[-1] == "OFFICIAL-SENSITIVE", f"sheet {i + 1}"
    assert "Agenda: the contents of this pack, in meeting order" in sheets[0]
    assert all(f"Cluster {c}:" in sheets[0] for c in clusters["cluster"])
    assert "Adults of concern across clusters" in sheets[0] and "The measures" in sheets[0]
    starts = {}
    for i, text in enumerate(sheets):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        match = re.match(r"Cluster (\d+): \d+ child", lines[1])
        if match:
            starts[match.group(1)] = i
    assert sorted(starts, key=int) == sorted(clusters["cluster"], key=int)
    assert sorted(starts.values()) == list(starts.values())
