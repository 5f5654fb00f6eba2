"""What leaves in each audience's pack (DESIGN.md's audience table), found by scanning every file.

The synthetic year is copied with every value that must not reach a meeting
rewritten into an unmistakable token (tests/pack_folders.py): raw child IDs
``KID466402Q``, display names ``Nm0042Q O'Hara & Co``, notes, phones,
vehicles, handles and unresolved associates' names, and the free-text places
named only in police-only (handling ``C``) intelligence. Every file of a
meeting and a board pack is searched for those tokens (a token has no
character that escaping changes, so its plain, HTML-escaped and JSON-escaped
forms are all the token itself; the full texts are searched in every form as
well), and for the references of associates known only through handling-``C``
intelligence; the board pack also for any reference, any full postcode and any
individual row. The police pack must hold them all.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from peermap.mapping.periods import Period

MONTH = Period.from_month("2023-03")
REF = r"\b[AC]-[0-9A-HJKMNP-TV-Z]{10}\b"
POSTCODE = r"\b[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}\b"


@pytest.fixture(scope="module")
def distinctive(synthetic_year, tmp_path_factory):
    from pack_folders import distinctive_copy

    return distinctive_copy(synthetic_year, tmp_path_factory.mktemp("distinctive") / "data")


@pytest.fixture(scope="module")
def dataset(distinctive):
    from peermap.graph_models.load import load_folder

    return load_folder(distinctive.folder)


@pytest.fixture(scope="module")
def packs(dataset, tmp_path_factory):
    from peermap.exports.pack import write_pack

    root = tmp_path_factory.mktemp("audience-packs")
    return {
        audience: write_pack(dataset, MONTH, audience, root / audience, audit=False)
        for audience in ("meeting", "board", "police")
    }


def _full_texts(dataset) -> set[str]:
    """Whole sensitive texts (names, notes), for their HTML- and JSON-escaped forms."""
    from peermap.exports.escaping import escaped_forms

    texts = set(dataset.children["display_name"].dropna()) | set(dataset.links["notes"].dropna())
    return {form for text in texts for form in escaped_forms(str(text))}


def test_meeting_pack_holds_nothing_it_may_not(packs, distinctive, dataset):
    from pack_folders import TOKENS, scan

    assert distinctive.tokens["unresolved"] and distinctive.tokens["c_place"] and distinctive.c_only_refs
    found = scan(packs["meeting"], TOKENS, _full_texts(dataset) | distinctive.c_only_refs)
    assert found == {}, f"leaked into the meeting pack: {sorted(found.items())[:5]}"
    files = {p.name for p in packs["meeting"].iterdir()}
    assert {
        "index.html",
        "network.html",
        "map.html",
        "people.csv",
        "clusters.csv",
        "ties.csv",
        "changes.csv",
        "hotspots.geojson",
        "places.geojson",
        "kpi.json",
        "network.graphml",
        "manifest.json",
    } <= files
    assert "intelligence.csv" not in files and "possible_duplicates.csv" not in files
    print(
        f"meeting pack: {len(files)} files scanned for {sum(len(v) for v in distinctive.tokens.values())} tokens "
        f"and {len(distinctive.c_only_refs)} police-only associates: none found"
    )


def test_meeting_pack_uses_labels_for_resolved_associates_and_references_otherwise(packs, dataset):
    import pandas as pd

    people = pd.read_csv(packs["meeting"] / "people.csv", dtype=str, keep_default_na=False)
    associates = people[people["kind"] == "associate"]
    resolved = dict(zip(dataset.associates["ref"], dataset.associates["resolved"]))
    labels = dict(zip(dataset.associates["ref"], dataset.associates["label"]))
    for row in associates.itertuples():
        assert row.label == (labels[row.ref] if resolved[row.ref] else row.ref)
    assert (people["name"] == "").all()  # no names without --names


def test_meeting_names_only_with_the_flag(dataset, tmp_path):
    import pandas as pd

    from peermap.exports.pack import write_pack

    folder = write_pack(dataset, MONTH, "meeting", tmp_path / "named", names=True, audit=False)
    people = pd.read_csv(folder / "people.csv", dtype=str, keep_default_na=False)
    children = people[people["kind"] == "child"]
    assert children["name"].str.match(r"Nm\d{4}Q").all()
    assert not re.search(TOKEN_ID, (folder / "network.html").read_text())


TOKEN_ID = r"KID\d{6}Q"


def test_board_pack_holds_measures_and_districts_only(packs, distinctive, dataset):
    from pack_folders import TOKENS, scan

    folder = packs["board"]
    files = {p.name for p in folder.iterdir()}
    assert files == {"index.html", "map.html", "kpi.json", "hotspots.geojson", "places.geojson", "manifest.json"}
    found = scan(
        folder, {**TOKENS, "reference": REF, "postcode": POSTCODE}, _full_texts(dataset) | distinctive.c_only_refs
    )
    assert found == {}, f"the board pack holds: {sorted(found.items())[:5]}"
    kpi = json.loads((folder / "kpi.json").read_text())

    def number_or_suppressed(values: dict, key: str) -> None:
        value = values[key]
        if value is None and values.get(f"{key}_suppressed"):
            return
        assert isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= 4, (key, value)

    for row in kpi["all"]["frequently_missing"]:  # by rank only: no reference
        assert set(row) <= {
            "rank",
            "episodes",
            "declined",
            "declined_pct",
            "episodes_suppressed",
            "declined_suppressed",
            "declined_pct_suppressed",
        }
        number_or_suppressed(row, "episodes")
        number_or_suppressed(row, "declined")
    for group in ("all", "CiC", "other"):
        for name in ("children_missing", "episodes", "episodes_declined", "children_declined", "interviews_declined"):
            number_or_suppressed(kpi[group], name)
    for name in ("hotspots.geojson", "places.geojson"):
        for feature in json.loads((folder / name).read_text())["features"]:
            props = feature["properties"]
            for key in ("children", "episodes"):
                number_or_suppressed(props, key)
            assert re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?", props["district"])


def test_board_map_names_its_districts(packs):
    """The board's ranked districts read "DH8 Consett": the code and its largest town or village (GeoNames)."""
    from peermap.geo.orientation import gb_places

    folder = packs["board"]
    names = [f["properties"]["name"] for f in json.loads((folder / "hotspots.geojson").read_text())["features"]]
    towns = set(gb_places()["name"])
    assert names and all(name.split(" ", 1)[1] in towns for name in names)
    assert "DH8 Consett" in names
    table = re.search(r"<tbody>(.*?)</tbody>", (folder / "map.html").read_text(), re.S).group(1)
    assert all(f">{html.escape(name)}<" in table for name in names)  # the ranked table's "Where"


def test_police_pack_holds_everything(packs, distinctive, dataset):
    from peermap.exports.escaping import escaped_forms
    from peermap.mapping.evidence import period_rows

    text = "\n".join(p.read_text(encoding="utf-8") for p in packs["police"].iterdir()).lower()
    rows = period_rows(dataset, MONTH)
    links = rows.links
    expected = {
        "child_id": set(rows.episodes["child_id"]),
        "display_name": set(
            dataset.children.loc[dataset.children["child_id"].isin(rows.episodes["child_id"]), "display_name"]
        ),
        "note": set(links["notes"].dropna()),
        "phone": set(links.loc[links["target_type"].eq("phone").fillna(False).to_numpy(dtype=bool), "target_ref"]),
        "vehicle": set(links.loc[links["target_type"].eq("vehicle").fillna(False).to_numpy(dtype=bool), "target_ref"]),
        "handle": set(links.loc[links["target_type"].eq("online").fillna(False).to_numpy(dtype=bool), "target_ref"]),
        "unresolved": {
            t for t in distinctive.tokens["unresolved"] if t.lower() in set(links["target_ref"].str.lower())
        },
        "handling C": set(links.loc[links["handling"].eq("C").fillna(False).to_numpy(dtype=bool), "link_id"]),
    }
    missing = {}
    for what, values in expected.items():
        assert values, f"the period has no {what} to look for"
        absent = [v for v in values if not any(f.lower() in text for f in escaped_forms(str(v)))]
        if absent:
            missing[what] = absent[:3]
    assert missing == {}
    print("police pack holds: " + ", ".join(f"{len(v)} {k}" for k, v in expected.items()))


def test_the_scan_finds_what_it_looks_for(packs, distinctive):
    """The scanner is not blind: run on the police pack, every kind of token turns up."""
    from pack_folders import TOKENS, scan

    found = scan(packs["police"], {**TOKENS, "reference": REF}, distinctive.c_only_refs)
    assert set(found) == set(TOKENS) | {"reference", "literal"}
