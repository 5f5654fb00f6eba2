"""Data folders and frames for the pack tests: unmistakable raw values, hostile text, a big network.

The synthetic year's raw values (six-digit child IDs, initials such as ``F.M.``,
notes such as ``Snapchat contact``) could turn up in a pack by chance: inside a
coordinate, a hash, or another child's words. :func:`distinctive_copy` rewrites
every value that must not leave for a meeting into a token that cannot appear
by chance (``KID466402Q``, ``Nm0042Q``, ``Note00017Q`` ...), keeping every
relation (the same child, phone or unresolved associate keeps one token), so
a scan for the tokens' patterns finds every leak and only leaks.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: Patterns of the tokens (matched case-insensitively: some outputs lower-case names).
TOKENS = {
    "child_id": r"KID\d{6}Q",
    "display_name": r"Nm\d{4}Q",
    "note": r"Note\d{5}Q",
    "phone": r"Ph\d{5}Q",
    "vehicle": r"Veh\d{5}Q",
    "handle": r"Hdl\d{5}Q",
    "unresolved": r"Un\d{4}Q",
    "c_place": r"CPl\d{4}Q",
}


@dataclass
class Distinctive:
    """A rewritten data folder and the tokens it holds."""

    folder: Path
    tokens: dict[str, set[str]] = field(default_factory=dict)
    c_only_refs: set[str] = field(default_factory=set)


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def distinctive_copy(source: Path, target: Path) -> Distinctive:
    """Copy a synthetic data folder with every sensitive value rewritten into an unmistakable token."""
    from peermap.graph_models.load import load_folder

    original = load_folder(source)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "peermap.key", target / "peermap.key")
    children, episodes, rthis = _read(source, "children"), _read(source, "episodes"), _read(source, "rthis")
    links, places, associates = _read(source, "links"), _read(source, "places"), _read(source, "associates")
    tokens: dict[str, set[str]] = {k: set() for k in TOKENS}

    new_id = {cid: f"KID{int(cid):06d}Q" for cid in children["child_id"]}
    tokens["child_id"] = set(new_id.values())
    children["child_id"] = children["child_id"].map(new_id)
    names = [f"Nm{i:04d}Q O'Hara & Co" for i in range(len(children))]
    children["display_name"] = names
    tokens["display_name"] = {n.split(" ")[0] for n in names}
    for table in (episodes, rthis, links):
        table["child_id"] = table["child_id"].map(new_id)
    is_child = links["target_type"].str.lower().eq("child")
    links.loc[is_child, "target_ref"] = links.loc[is_child, "target_ref"].map(new_id)

    has_note = links["notes"].ne("")
    notes = [f"Note{i:05d}Q said <b>this</b> & that" for i in range(int(has_note.sum()))]
    links.loc[has_note, "notes"] = notes
    tokens["note"] = {n.split(" ")[0] for n in notes}

    for kind, prefix, name in (("phone", "Ph", "phone"), ("vehicle", "Veh", "vehicle"), ("online", "Hdl", "handle")):
        mask = links["target_type"].str.lower().eq(kind)
        keys = links.loc[mask, "target_ref"].str.lower().str.replace(r"\s+", "", regex=True)
        mapping = {k: f"{prefix}{i:05d}Q" for i, k in enumerate(sorted(set(keys)))}
        links.loc[mask, "target_ref"] = keys.map(mapping)
        tokens[name] = set(mapping.values())

    # unresolved associates: one token per associate (every spelling of it)
    loaded = original.links.set_index("link_id")
    unresolved = set(original.associates.loc[~original.associates["resolved"].to_numpy(dtype=bool), "associate_key"])
    keys = links["link_id"].map(loaded["associate_key"])
    mask = keys.isin(unresolved).to_numpy()
    mapping = {k: f"Un{i:04d}Q" for i, k in enumerate(sorted(set(keys[mask])))}
    links.loc[mask, "target_ref"] = keys[mask].map(mapping)
    tokens["unresolved"] = set(mapping.values())

    # free-text places named only in handling-C links
    handling = links["link_id"].map(loaded["handling"]).astype(str)
    postcode = links["link_id"].map(loaded["target_postcode"])
    c_place = (handling.eq("C") & links["target_type"].str.lower().eq("place") & postcode.isna()).to_numpy()
    links.loc[c_place, "target_ref"] = [f"CPl{i:04d}Q" for i in range(int(c_place.sum()))]
    tokens["c_place"] = set(links.loc[c_place, "target_ref"])

    for name, table in (
        ("children", children),
        ("episodes", episodes),
        ("rthis", rthis),
        ("links", links),
        ("places", places),
        ("associates", associates),
    ):
        table.to_csv(target / f"{name}.csv", index=False)

    rewritten = load_folder(target)
    out = Distinctive(target, tokens)
    assoc = rewritten.links[rewritten.links["target_type"].eq("associate").fillna(False).to_numpy(dtype=bool)]
    only_c = assoc.groupby("associate_ref")["handling"].agg(lambda h: set(h.dropna()) == {"C"})
    out.c_only_refs = set(only_c[only_c].index)
    return out


def scan(folder: Path, patterns: dict[str, str], literal: set[str] = frozenset()) -> dict[str, set[str]]:
    """Every match of each pattern (case-insensitive) and every literal string, in every file of ``folder``."""
    found: dict[str, set[str]] = {}
    compiled = {k: re.compile(p, re.I) for k, p in patterns.items()}
    literal_lower = {s: s.lower() for s in literal}
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        lower = text.lower()
        for name, pattern in compiled.items():
            for match in pattern.findall(text):
                found.setdefault(name, set()).add(f"{path.name}: {match}")
        for original, needle in literal_lower.items():
            if needle in lower:
                found.setdefault("literal", set()).add(f"{path.name}: {original}")
    return found


# -- hostile text ---------------------------------------------------------------------------------------------------
#: Markup that would create an element, run script or make a request if it were ever put in as HTML.
MARKUP = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "</script><script>window.__pwned=2</script><!--"
SVG = '<svg onload="window.__pwned=3"><a href="https://evil.example/">'
FORMULA = '=HYPERLINK("https://evil.example/","click")'
FORMULAS = ("@SUM(1+1)", "+1+1", "-2+3", '=cmd|" /C calc"!A0')


def hostile(i: int) -> str:
    """A different hostile text for each ``i``: markup, script, formulas, in turn."""
    return [MARKUP, SCRIPT, SVG, FORMULA, *FORMULAS][i % 8] + f" #{i}"


def hostile_folder(folder: Path) -> Path:
    """A small month (March 2023) whose every text column holds markup or a spreadsheet formula.

    Four children go missing together from one postcode, are found together at
    a place written as hostile text, name each other and hostile associates,
    and one has a hostile safe place; places.csv and associates.csv names are
    hostile too. Written with the test key beside it.
    """
    from conftest import TEST_KEY, write_folder

    h = iter(range(1000))
    kids = [f'K{i}"><img src=x onerror=window.__pwned=4>' for i in range(4)]
    eid = "E{}<svg onload=window.__pwned=5>".format
    children = [
        {
            "child_id": k,
            "display_name": hostile(next(h)),
            "birth_date": "2008-05-01",
            "sex": "female",
            "legal_status": "CiC",
            "placement_type": "residential",
            "home_postcode": "DH1 3EB",
            "placement_postcode": "DH1 1SG",
            "school": hostile(next(h)),
            "ce_risk": "high",
            "exploitation_type": "CCE",
        }
        for k in kids
    ]
    episodes, rthis, links = [], [], []
    n = 0
    for day in (3, 10, 17):
        for j, k in enumerate(kids):
            n += 1
            episodes.append(
                {
                    "episode_id": eid(n),
                    "child_id": k,
                    "missing_at": f"2023-03-{day:02d}T21:{10 + j:02d}:00",
                    "returned_at": f"2023-03-{day + 1:02d}T02:{10 + j:02d}:00",
                    "missing_from_postcode": "DH1 3EB",
                    "found_at_postcode": "DH1 4QP",
                    "found_at_place": hostile(next(h)),
                }
            )
            rthis.append(
                {
                    "rthi_id": f"=R{n}()",
                    "child_id": k,
                    "episode_ids": eid(n),
                    "offered_at": f"2023-03-{day + 1:02d}T09:00:00",
                    "outcome": "completed",
                    "completed_at": f"2023-03-{day + 1:02d}T15:00:00",
                    "worker": hostile(next(h)),
                }
            )
    link = 0
    for i, k in enumerate(kids):
        for target_type, target_ref, role in (
            ("child", kids[(i + 1) % 4], "peer"),
            ("associate", hostile(next(h)), "adult_of_concern"),
            ("associate", "Wicked " + hostile(next(h)), "peer"),
            ("associate", hostile(next(h)), "protective"),
            ("place", hostile(next(h)), "frequents"),
            ("place", "DH1 1SG" if i == 0 else hostile(next(h)), "safe_place"),
            ("phone", hostile(next(h)), None),
            ("vehicle", hostile(next(h)), None),
            ("online", hostile(next(h)), None),
        ):
            link += 1
            links.append(
                {
                    "link_id": f"@L{link}<i>",
                    "child_id": k,
                    "recorded_at": f"2023-03-{4 + i:02d}T12:00:00",
                    "target_type": target_type,
                    "target_ref": target_ref,
                    "role": role or "",
                    "episode_id": eid(i + 1),
                    "with_during_episode": "yes",
                    "source": "rthi",
                    "source_grade": "2",
                    "intel_grade": "B",
                    "handling": "P",
                    "notes": hostile(next(h)),
                }
            )
    places = [{"place_name": hostile(next(h)), "postcode": "DH1 4QP", "kind": "park"}]
    associates = [
        {
            "associate_id": "+AS1<b>",
            "label": hostile(next(h)),
            "aliases": hostile(next(h)),
            "role": "adult_of_concern",
            "approx_age": "30",
        }
    ]
    links.append(
        {
            "link_id": "-L999<u>",
            "child_id": kids[0],
            "recorded_at": "2023-03-05T12:00:00",
            "target_type": "associate",
            "target_ref": "+AS1<b>",
            "role": "adult_of_concern",
            "episode_id": eid(1),
            "with_during_episode": "yes",
            "source": "police",
            "source_grade": "1",
            "intel_grade": "A",
            "handling": "P",
            "notes": hostile(next(h)),
        }
    )
    write_folder(
        folder, children=children, episodes=episodes, rthis=rthis, links=links, places=places, associates=associates
    )
    (folder / "peermap.key").write_text(TEST_KEY)
    return folder


# -- a big network ----------------------------------------------------------------------------------------------------
def big_network(n: int = 2000, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Nodes, edges and clusters of an ``n``-person network in peer clusters of 5-15, for the page alone."""
    rng = np.random.default_rng(seed)
    ids = [f"C-{i:010d}" for i in range(n)]
    cluster = np.zeros(n, dtype=int)
    start, c = 0, 0
    while start < n:
        size = int(rng.integers(5, 16))
        c += 1
        cluster[start : start + size] = c
        start += size
    kind = np.where(np.arange(n) % 4 == 0, "associate", "child")
    nodes = pd.DataFrame(
        {
            "id": ids,
            "label": ids,
            "kind": kind,
            "role": np.where(np.arange(n) % 97 == 3, "adult_of_concern", "peer"),
            "cluster": cluster,
            "score": rng.random(n) * 100,
            "concern": np.arange(n) % 97 == 3,
            "safety": np.arange(n) % 89 == 5,
            "context": np.arange(n) % 83 == 7,
            "details": [[("Reference", ids[i]), ("Cluster", str(cluster[i]))] for i in range(n)],
        }
    )
    a, b = [], []
    for c_id in range(1, c + 1):
        members = np.flatnonzero(cluster == c_id)
        for _ in range(len(members) * 2):
            x, y = rng.choice(members, 2, replace=False)
            a.append(x)
            b.append(y)
    for _ in range(n // 10):  # a few bridges between clusters
        x, y = rng.integers(0, n, 2)
        if x != y:
            a.append(x)
            b.append(y)
    m = len(a)
    edges = pd.DataFrame(
        {
            "from": [ids[i] for i in a],
            "to": [ids[i] for i in b],
            "weight": rng.random(m) * 4,
            "tie_type": "risk",
            "unverified": rng.random(m) < 0.2,
            "strength": "moderate",
            "why": "found together at the bus station",
            "evidence": [
                [
                    {
                        "kind": "found_together",
                        "detail": "found at the bus station 10 minutes apart",
                        "grading": "episode record",
                    }
                ]
                for _ in range(m)
            ],
        }
    )
    clusters = pd.DataFrame({"cluster": range(1, c + 1), "label": [f"Cluster {k}" for k in range(1, c + 1)]})
    return nodes, edges, clusters
