"""Postcodes: any spelling normalised; the embedded Code-Point Open index; other sources."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from peermap.geo.postcodes import PostcodeError, PostcodeIndex, bng_to_wgs84
from peermap.graph_models.postcode_format import normalise_postcode, normalise_postcodes, postcode_district


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("dh11ab", "DH1 1AB"),
        ("DH1 1AB", "DH1 1AB"),
        ("  dh1   1ab ", "DH1 1AB"),
        ("ne46ab", "NE4 6AB"),
        ("EC1A1BB", "EC1A 1BB"),
        ("w1a0ax", "W1A 0AX"),
        ("gir0aa", "GIR 0AA"),
        ("B11AA", "B1 1AA"),
        ("DH1", None),
        ("1AB DH1", None),
        ("", None),
        (None, None),
        ("DH1 1A", None),
        ("QQQ 1AB", None),
    ],
)
def test_normalise_any_spelling(raw, expected):
    assert normalise_postcode(raw) == expected
    vectorised = normalise_postcodes(pd.Series([raw], dtype="string")).iloc[0]
    assert pd.isna(vectorised) if expected is None else vectorised == expected


def test_embedded_index_gives_bng_and_wgs84():
    found = PostcodeIndex().lookup(["dh1 1ab", "DL11AA", "sr1 1aa", "ZZ9 9ZZ"]).set_index("postcode")
    assert "ZZ9 9ZZ" not in found.index
    assert found.loc["DH1 1AB", ["easting", "northing"]].tolist() == [430316.0, 543630.0]
    # Durham city centre is about 54.78 N, 1.57 W
    assert found.loc["DH1 1AB", "lat"] == pytest.approx(54.787, abs=0.01)
    assert found.loc["DH1 1AB", "lon"] == pytest.approx(-1.530, abs=0.01)


def test_unknown_postcodes_are_listed():
    assert PostcodeIndex().unknown(["dh11ab", "zz99zz", "nonsense"]) == ["ZZ9 9ZZ"]


def test_bng_to_wgs84_known_point():
    lon, lat = bng_to_wgs84([538890.0], [177320.0])  # the Royal Observatory, Greenwich
    assert lon[0] == pytest.approx(0.0, abs=0.002) and lat[0] == pytest.approx(51.4778, abs=0.002)


def test_district():
    assert postcode_district("DH1 1AB") == "DH1"


def test_full_codepoint_folder_zip_and_onspd(tmp_path):
    folder = tmp_path / "codepo" / "Data" / "CSV"
    folder.mkdir(parents=True)
    (folder / "dh.csv").write_text('"DH1 1AB",10,430000,543000,"E92000001"\n"DH991ZZ",10,431000,544000,"E92000001"\n')
    index = PostcodeIndex(tmp_path / "codepo")
    assert index.lookup(["DH99 1ZZ"])["easting"].tolist() == [431000.0]
    assert index.lookup(["DH1 1AB"])["easting"].tolist() == [430000.0]  # the given file wins, not the embedded one
    with zipfile.ZipFile(tmp_path / "codepo.zip", "w") as archive:
        archive.write(folder / "dh.csv", "Data/CSV/dh.csv")
    assert PostcodeIndex(tmp_path / "codepo.zip").lookup(["dh99 1zz"])["northing"].tolist() == [544000.0]
    onspd = tmp_path / "ONSPD.csv"
    onspd.write_text("pcd,pcds,oseast1m,osnrth1m\nDH1 1AB,DH1 1AB,430001,543001\nXX1 1XX,XX1 1XX,,\n")
    index = PostcodeIndex(onspd)
    assert index.lookup(["dh11ab"])["easting"].tolist() == [430001.0]
    assert index.unknown(["XX1 1XX"]) == ["XX1 1XX"]  # no coordinates: not placed


def test_bad_postcode_source_is_a_clear_error(tmp_path):
    with pytest.raises(PostcodeError, match="not found"):
        PostcodeIndex(tmp_path / "nothing-here")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PostcodeError, match="no postcode CSV"):
        PostcodeIndex(tmp_path / "empty")
