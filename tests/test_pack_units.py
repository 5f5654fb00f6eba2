"""The pieces of the pack, without a browser: escaping, inlined assets, the page shell, layout, audit, GraphML,
child maps, and the files each audience gets."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest

from peermap.mapping.periods import Period

MONTH = Period.from_month("2023-03")


# -- escaping -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "</script><script>alert(1)</script>",
        "<!-- x -->",
        "a & b < c > d",
        "line\u2028separator\u2029",
        "'quotes\" and `ticks`",
    ],
)
def test_script_json_holds_no_markup_and_round_trips(text):
    from peermap.exports.escaping import script_json

    out = script_json({"name": text, "list": [text]})
    assert "<" not in out and ">" not in out and "&" not in out
    assert "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == {"name": text, "list": [text]}


def test_html_escapes_every_special_character():
    from peermap.exports.escaping import html

    assert html('<img src=x onerror="a">\'&') == "&lt;img src=x onerror=&#34;a&#34;&gt;&#39;&amp;"
    assert html(None) == "" and html(float("nan")) == ""


# -- inlined assets -----------------------------------------------------------------------------------------------
def test_assets_come_from_installed_packages_and_link_nothing():
    from peermap.exports import assets

    assert "vis-network" in assets.vis_network_js()[:200]
    assert "Leaflet 1.9" in assets.leaflet_js()[:200]
    css = assets.leaflet_css()
    assert "url(images/" not in css and css.count("data:image/png;base64,") >= 3
    for text in (assets.vis_network_js(), assets.leaflet_js()):
        assert "sourceMappingURL" not in text
        assert not re.search(r"</script|<!--", text, re.I)
    # every address in the libraries is a licence notice, a namespace or an error message, and known
    assert "http://www.w3.org/2000/svg" in assets.library_urls()
    assert not any("cdn" in url.lower() for url in assets.library_urls())


# -- the page shell ----------------------------------------------------------------------------------------------
def test_page_policy_allows_exactly_its_own_scripts():
    from peermap.exports.page import Page, script_hash

    html = Page(title="t", body="<p>x</p>", scripts=["var a = 1;"], data={"pm-data": {"x": "</script>"}}).render()
    from html import unescape

    policy = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy and "img-src data:;" in policy
    inline = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert sorted(script_hash(s) for s in inline) == sorted(re.findall(r"'sha256-[^']+'", policy))
    assert html.count(">OFFICIAL-SENSITIVE<") == 2
    assert "<title>OFFICIAL-SENSITIVE: t</title>" in html
    assert "\\u003c/script\\u003e" in html  # the data island holds no markup


def test_pages_hold_no_web_address_but_the_libraries_and_attribution(tmp_path, synthetic_dataset):
    from peermap.exports import assets
    from peermap.exports.pack import write_pack

    folder = write_pack(synthetic_dataset, MONTH, "meeting", tmp_path / "pack", audit=False)
    allowed = set(assets.library_urls())
    for page in ("index.html", "network.html", "map.html"):
        found = set(assets.URL.findall((folder / page).read_text()))
        assert found <= allowed, f"{page}: {sorted(found - allowed)}"


def test_contrast_meets_wcag_aa():
    from peermap.exports.map_page import HEAT_SHADES
    from peermap.exports.page import CLUSTER_COLOURS, CONCERN_COLOUR, SAFETY_COLOUR, TEXT_PAIRS, contrast

    for name, (text, background) in TEXT_PAIRS.items():
        assert contrast(text, background) >= 4.5, name
    for _, background, text in HEAT_SHADES:  # the side panel's heat chart writes each count in its cell
        assert contrast(text, background) >= 4.5, background
    # cluster colours never stand for safety or concern
    assert SAFETY_COLOUR not in CLUSTER_COLOURS and CONCERN_COLOUR not in CLUSTER_COLOURS


@pytest.mark.parametrize(
    "value, origin",
    [
        ("none", None),
        ("osm", "https://tile.openstreetmap.org"),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
    ],
)
def test_basemap_choices(value, origin):
    from peermap.exports.map_page import resolve_basemap
    from peermap.exports.page import basemap_origin

    tiles, _ = resolve_basemap(value)
    assert (basemap_origin(tiles) if tiles else None) == origin


@pytest.mark.parametrize("value", ["javascript:alert(1)", "https://tiles.example.org/tile.png", "ftp://x/{z}/{x}/{y}"])
def test_bad_basemaps_are_refused(value):
    from peermap.exports.map_page import resolve_basemap

    with pytest.raises(ValueError):
        resolve_basemap(value)


# -- layout -------------------------------------------------------------------------------------------------------
def test_layout_is_seeded_and_places_everyone():
    from pack_folders import big_network

    from peermap.exports.layout import layout_positions

    nodes, edges, _ = big_network(300)
    first = layout_positions(nodes["id"], edges, seed=7)
    assert layout_positions(nodes["id"], edges, seed=7) == first
    assert set(first) == set(nodes["id"])
    assert len(set(first.values())) == len(first)  # nobody on top of anybody else


# -- audit --------------------------------------------------------------------------------------------------------
def test_audit_appends_one_line_per_export(tmp_path):
    from peermap.exports.audit import read_audit, record_export

    for audience in ("meeting", "board"):
        record_export(
            tmp_path / audience,
            audience=audience,
            period={"from": "2023-03-01", "to": "2023-03-31"},
            command=["peermap", "pack"],
            manifest_sha256="a" * 64,
            user="analyst",
        )
    log = tmp_path / "audit.jsonl"
    first_line = log.read_text().splitlines()[0]
    record_export(tmp_path / "police", audience="police", period=None, command="peermap pack", manifest_sha256="b" * 64)
    lines = log.read_text().splitlines()
    assert len(lines) == 3 and lines[0] == first_line
    entries = read_audit(tmp_path)
    assert [e["audience"] for e in entries] == ["meeting", "board", "police"]
    assert set(entries[0]) >= {"user", "time", "audience", "period", "command", "manifest_sha256"}
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600


def test_the_audit_line_names_the_peermap_command_however_it_was_started():
    """`python -m peermap analyse ...` is the same command as `peermap analyse ...`: the audit log says
    `peermap`, not the package's `__main__.py` (which it said before)."""
    from peermap.exports.audit import command_line

    for started in ("/home/analyst/.venv/bin/peermap", "/opt/site-packages/peermap/__main__.py"):
        assert command_line([started, "analyse", "data", "--period", "2023-03"]) == [
            "peermap",
            "analyse",
            "data",
            "--period",
            "2023-03",
        ]


def test_pack_audit_line_names_its_manifest(synthetic_dataset, tmp_path):
    import hashlib

    from peermap.exports.audit import read_audit
    from peermap.exports.manifest import check_manifest
    from peermap.exports.pack import build_pack

    pack = build_pack(
        synthetic_dataset, MONTH, "board", tmp_path / "board", command=["peermap", "pack", "x"], user="analyst"
    )
    entry = read_audit(tmp_path)[-1]
    manifest = tmp_path / "board" / "manifest.json"
    assert entry["manifest_sha256"] == hashlib.sha256(manifest.read_bytes()).hexdigest() == pack.manifest_sha256
    assert entry["audience"] == "board" and entry["period"] == {"from": "2023-03-01", "to": "2023-03-31"}
    assert entry["command"] == ["peermap", "pack", "x"] and entry["user"] == "analyst"
    assert check_manifest(tmp_path / "board") == []
    listed = set(json.loads(manifest.read_text())["files"])
    assert listed == {p.name for p in (tmp_path / "board").iterdir()} - {"manifest.json"}
    for path in (tmp_path / "board").iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_child_page_audit_line(synthetic_year, synthetic_dataset, tmp_path):
    import hashlib

    from peermap.exports.audit import read_audit
    from peermap.exports.child_page import write_child_page

    child = json.loads((synthetic_year / "truth.json").read_text())["groups"][1]["children"][0]
    out = write_child_page(synthetic_dataset, child, tmp_path / "c.html", command=["peermap", "child"], user="worker1")
    entry = read_audit(tmp_path)[-1]
    canonical = json.dumps(entry["manifest"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert entry["audience"] == "worker" and entry["user"] == "worker1"
    assert entry["manifest_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert entry["manifest"]["files"] == {"c.html": hashlib.sha256(out.read_bytes()).hexdigest()}


# -- child maps ---------------------------------------------------------------------------------------------------
def test_child_map_finds_the_planted_group_and_no_police_only_intelligence(synthetic_year, synthetic_dataset):
    from peermap.exports.child_page import child_map

    truth = json.loads((synthetic_year / "truth.json").read_text())
    group = truth["groups"][0]
    found = child_map(synthetic_dataset, group["children"][0])
    children = {i.key.split(":", 1)[1] for i in found.items if i.kind == "child"}
    assert set(group["children"][1:]) & children, "none of the child's planted peers is on their map"
    assert not any(i.kind in ("phone", "vehicle", "online") for i in found.items)
    links = synthetic_dataset.links.set_index("link_id")
    police_only = set(links.index[links["handling"].eq("C").fillna(False).to_numpy(dtype=bool)])
    notes = {f.notes for i in found.items for f in i.facts if f.notes}
    c_notes = set(links.loc[list(police_only), "notes"].dropna()) - set(
        links.loc[~links.index.isin(police_only), "notes"].dropna()
    )
    assert not (notes & c_notes)
    assert found.episodes and all(e["how_long"] for e in found.episodes)


def test_child_map_by_reference_and_unknown_child(synthetic_dataset):
    from peermap.exports.child_page import ChildNotFound, child_map

    row = synthetic_dataset.children.iloc[0]
    assert child_map(synthetic_dataset, row["ref"]).child["child_id"] == row["child_id"]
    with pytest.raises(ChildNotFound):
        child_map(synthetic_dataset, "no-such-child")


# -- GraphML ------------------------------------------------------------------------------------------------------
def test_graphml_opens_and_drops_characters_xml_cannot_hold(tmp_path):
    import networkx as nx
    import pandas as pd

    from peermap.exports.graphml import write_graphml

    nodes = pd.DataFrame(
        {
            "id": ["C-1", "C-2"],
            "label": ["a\x00b\x0bc <&>", "d"],
            "kind": "child",
            "cluster": [1, 1],
            "score": [1.0, 2.0],
            "concern": False,
            "safety": False,
            "context": False,
        }
    )
    edges = pd.DataFrame(
        {
            "from": ["C-1"],
            "to": ["C-2"],
            "weight": [1.5],
            "tie_type": ["risk"],
            "unverified": [True],
            "why": ["found together\x01"],
        }
    )
    graph = nx.read_graphml(write_graphml(nodes, edges, tmp_path / "n.graphml", {"C-1": (0, 0), "C-2": (1, 1)}))
    assert graph.nodes["C-1"]["label"] == "abc <&>"
    assert graph.edges["C-1", "C-2"]["weight"] == 1.5 and graph.edges["C-1", "C-2"]["unverified"] is True
    assert graph.nodes["C-2"]["x"] == 1


def test_pack_refuses_the_worker_audience(synthetic_dataset, tmp_path):
    from peermap.exports.pack import write_pack

    with pytest.raises(ValueError, match="peermap child"):
        write_pack(synthetic_dataset, MONTH, "worker", tmp_path / "x")


# -- the commands ---------------------------------------------------------------------------------------------------
@pytest.fixture
def cli():
    """The peermap app, run in this process."""
    from typer.testing import CliRunner

    from peermap.cli import app

    return lambda *args: CliRunner().invoke(app, [str(a) for a in args])


def test_pack_command_writes_a_pack_with_its_private_rejects_file(cli, synthetic_year, tmp_path):
    import json
    import stat

    result = cli(
        "pack", synthetic_year, "--period", "2023-03", "--audience", "board", "--out", tmp_path / "packs" / "b"
    )
    assert result.exit_code == 0, result.output
    pack = tmp_path / "packs" / "b"
    assert (pack / "index.html").exists()
    # SCHEMA.md: rejects.csv goes in the command's --out folder; it holds raw rows, so owner-only and unlisted
    assert stat.S_IMODE((pack / "rejects.csv").stat().st_mode) == 0o600
    assert "rejects.csv" not in json.loads((pack / "manifest.json").read_text())["files"]
    assert (tmp_path / "packs" / "audit.jsonl").exists()


def test_commands_refuse_bad_input(cli, synthetic_year, tmp_path):
    assert (
        cli("pack", synthetic_year, "--period", "2023-03", "--out", tmp_path / "p", "--basemap", "ftp://x").exit_code
        == 2
    )
    assert cli("child", "nobody", synthetic_year, "--out", tmp_path / "c.html").exit_code == 2
    assert (
        cli("pack", synthetic_year, "--period", "2023-03", "--audience", "worker", "--out", tmp_path / "p").exit_code
        == 2
    )


def test_area_panel_says_only_what_the_area_has():
    """The side panel's words: the area's ``name`` when it has one, each count under its window, Gi* by its band;
    a board district gets its counts and trend and nothing it does not carry."""
    from peermap.exports.map_page import GI_UNTESTED, area_panel

    bins = [{"label": "2023-02", "from": "2023-02-01", "to": "2023-02-28", "covered": False}]
    bins.append({"label": "2023-03", "from": "2023-03-01", "to": "2023-03-31", "covered": True})
    header = {"audience": "meeting", "period": {"from": "2023-03-01", "to": "2023-03-31"}, "bins": bins}
    header["window"] = {"from": "2023-02-01", "to": "2023-03-31"}
    props = {"rank": 1, "name": "Durham DH1 4", "place_names": "Wharton Park", "postcodes": "DH1 4QP;DH1 4QT"}
    props |= {"children": 3, "window_children": 5, "episodes": 4, "window_episodes": 6, "n_clusters": 1}
    props |= {"series": [None, 3], "gi_z": 2.0, "window_gi_z": None, "pattern_sentence": "first seen in March 2023"}
    panel = area_panel(props, header)
    assert panel["heading"] == "Hot spot 1: Durham DH1 4"
    assert panel["period"] == "March 2023" and panel["window"] == "February 2023 to March 2023"
    assert panel["counts"][:2] == [["Children", "3", "5"], ["Episodes", "4", "6"]]
    assert panel["counts"][2] == ["Peer clusters", "1", None]
    assert panel["places"] == ["Wharton Park"] and panel["postcodes"] == 2
    assert [b["covered"] for b in panel["bins"]] == [False, True] and panel["series_title"].startswith(
        "Children per month"
    )
    assert panel["gi"] == f"March 2023: more concentrated than chance (z = 2); over the look-back: {GI_UNTESTED}."
    board = {"rank": 2, "district": "DL1", "areas": "<5", "children": 7, "episodes": 9, "trend": "new (<5 areas)"}
    panel = area_panel(board, {"audience": "board", "period": header["period"]})
    assert panel["heading"] == "District DL1, rank 2" and panel["counts"][0] == ["Hot-spot areas", "<5", None]
    assert not {"series", "heat", "gi"} & set(panel) and panel["places"] is None
