"""The claims audit: every sentence and number of the synthetic year's packs and child pages, checked against the data.

This test imports nothing from ``mapping``, ``geo`` or ``exports``. It makes the
packs and pages with the ``peermap`` command, as a user would (its entry point,
``peermap.cli.main``, called in this process: tests/cli_run.py), reads the data
folder's CSVs with pandas (tests/claims_audit.py), and checks each claim:

- every evidence sentence of the meeting and police packs names records that
  exist, with their dates, places and sources, and every distance is the
  distance between the two places it names (to the precision shown);
- every count shown for a person is one whole number, the same on every page
  and file, and the number the data gives for its window;
- no handling-C intelligence, phone, vehicle or handle reaches the meeting or
  the board;
- solving every additive relation the board shows gives back no count from 1 to 4;
- every "you" and "your" on a child's page is that child's own record, and no
  other child's name (unless the child's own record names them), note, date or
  place is on it.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest
from claims_audit import (
    DAY,
    NOUN,
    NOUNS,
    POSTCODE,
    REF,
    TIME,
    YOUR_SOURCES,
    Codepoint,
    Folder,
    normal_postcode,
    page_data,
    page_text,
    parse_html,
    postcode_in,
    table_rows,
)
from cli_run import run_main


def normal(text: str) -> str:
    """A place's words with a postcode in it in standard form."""
    return normal_postcode(text) if re.fullmatch(r"\s*[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}\s*", text) else text


MARCH = ("2023-03-01", "2023-03-31")
YEAR = ("2022-04-01", "2023-03-31")
CHILD_PAGES = 12


def _run(args: list[str]) -> None:
    result = run_main(args)  # `peermap ARGS`, in this process: no second of imports and loading per run
    assert result.returncode == 0, result.stderr


def _most_shared(folder: Folder, n: int) -> list[str]:
    """The children linked to the most associates that other children are linked to as well."""
    links = folder.links[folder.links["target_type"].eq("associate")]
    per_associate = links.groupby("associate_ref")["child_id"].nunique()
    shared = links[links["associate_ref"].map(per_associate) >= 2]
    counts = shared.groupby("child_id")["associate_ref"].nunique()
    return counts.sort_values(ascending=False, kind="stable").index[:n].tolist()


@pytest.fixture(scope="module")
def audited(synthetic_year, tmp_path_factory):
    """The synthetic year's meeting (March), police and board (the year) packs and 12 child pages."""
    out = tmp_path_factory.mktemp("audit")
    folder = Folder.read(synthetic_year)
    data = str(synthetic_year)
    jobs = [
        ["pack", data, "--period", "2023-03", "--audience", "meeting", "--out", str(out / "meeting")],
        ["pack", data, "--from", YEAR[0], "--to", YEAR[1], "--audience", "police", "--out", str(out / "police")],
        ["pack", data, "--from", YEAR[0], "--to", YEAR[1], "--audience", "board", "--out", str(out / "board")],
    ]
    jobs += [
        ["pack", data, "--period", month, "--audience", "board", "--out", str(out / f"board-{month}")]
        for month in BOARD_PACKS[1:]
    ]
    children = _most_shared(folder, CHILD_PAGES)
    jobs += [["child", child, data, "--out", str(out / "children" / f"{child}.html")] for child in children]
    for job in jobs:
        _run(job)
    return out, folder, children


# -- evidence sentences --------------------------------------------------------------------------------------------
EPISODE_SIDE = rf"({REF}) missing ({TIME})(?: to ({TIME})|, still missing)"
LINK_RECORD = rf"({REF})'s ({NOUN}) of ({DAY}) \(([^()]*)\)"
PLACES = rf"({REF}) (went missing from|was found at) (.+?) and ({REF}) (went missing from|was found at) (.+?)"
DISTANCE = r"(\d+) m apart|(\d+\.\d) km apart"
SENTENCES = {
    "overlapping": re.compile(
        rf"^missing at the same time(?: on \d+ occasions \(the closest shown\))?: {EPISODE_SIDE} and {EPISODE_SIDE} "
        rf"\((?:(\d+)% of their time missing shared|one of them still missing)\), (?P<where>.+?)(?:, where both live)?$"
    ),
    "missing_together": re.compile(
        rf"^went missing (?P<apart>in the same minute|1 minute apart|\d+ minutes apart|\d+\.\d hours apart): "
        rf"({REF}) from (.+?) on ({TIME}) and ({REF}) from (.+?) on ({TIME})"
        rf"(?:, (?:{DISTANCE}))?(?:, where both live)?$"
    ),
    "found_together": re.compile(
        rf"^found (?P<apart>in the same minute|1 minute apart|\d+ minutes apart|\d+\.\d hours apart): "
        rf"({REF}) at (.+?) on ({TIME}) and ({REF}) at (.+?) on ({TIME})(?:, (?:{DISTANCE}))?$"
    ),
    "named_together": re.compile(rf"^{LINK_RECORD} names ({REF})(?: as .*)?$"),
    "linked_associate": re.compile(
        rf"^{LINK_RECORD} names (.+?)(?: as (?:with them while missing|someone who helps "
        rf"keep them safe|family or a professional).*)?$"
    ),
    "shared_associate": re.compile(
        r"^both linked to (.+?), who is linked to (\d+) child(?:ren)? in this period: (.+)$"
    ),
    "shared_place": re.compile(r"^both linked to (.+?), a place linked to (\d+) child(?:ren)? in this period: (.+)$"),
}
SIDE = re.compile(
    rf"^(?:{LINK_RECORD}(?: names it as (where they were found|a place they go|a place they were "
    rf"exploited))?|({REF}) was found there on ({TIME}))(?: and (\d+) more records?)?$"
)


def _sentence(detail: str) -> str:
    """The sentence alone: without the police's notes and raw IDs."""
    detail = detail.split(". Notes: ")[0]
    return re.sub(r" \((?:episodes|links) [^()]*\)$", "", re.sub(r" \(links [^()]*\)$", "", detail))


def _minute(value) -> str:
    return "" if pd.isna(value) else value.strftime("%d %b %Y %H:%M")


class Claims:
    """Checks of one pack's evidence sentences against the data folder."""

    def __init__(self, folder: Folder, codepoint: Codepoint, police: bool):
        self.folder, self.codepoint, self.police = folder, codepoint, police
        episodes = folder.episodes.assign(
            start_text=folder.episodes["start"].map(_minute), end_text=folder.episodes["end"].map(_minute)
        )
        self.episodes = episodes
        self.links = folder.links.assign(day=folder.links["recorded"].dt.strftime("%d %b %Y"))
        # each child's episodes, and the links of a child, day and source, found once: thousands of sentences
        # look them up (the rows and their order are those of a mask over the whole table)
        self._episodes_of = dict(tuple(self.episodes.groupby("ref", sort=False)))
        self._links_of = dict(tuple(self.links.groupby(["ref", "day", "source"], sort=False)))
        self.problems: list[str] = []
        self.distances = 0

    def fail(self, sentence: str, why: str) -> None:
        self.problems.append(f"{why}: {sentence}")

    def episode(self, ref: str, start: str | None = None, end: str | None = None) -> pd.DataFrame:
        found = self._episodes_of.get(ref, self.episodes.iloc[:0])  # self.episodes[self.episodes["ref"].eq(ref)]
        if start is not None:
            found = found[found["start_text"].eq(start)]
        if end is not None:
            found = found[found["end_text"].eq(end)]
        return found

    def place_of(self, episodes: pd.DataFrame, verb: str, place: str) -> bool:
        """Whether the place named is where the episode started (``went missing from``) or ended."""
        postcode = postcode_in(place)
        for row in episodes[["missing_from_postcode", "found_at_postcode", "found_at_place"]].to_dict("records"):
            if verb in ("went missing from", "from"):
                if row["missing_from_postcode"] and row["missing_from_postcode"] == postcode:
                    return True
            else:
                named = row["found_at_place"].strip()
                if (
                    (postcode and row["found_at_postcode"] == postcode)
                    or (named and named in place)
                    or (postcode and row["found_at_postcode"] == "" and postcode in place)
                ):
                    return True
        return False

    def distance(self, sentence: str, place_a: str, place_b: str, metres: str | None, km: str | None) -> None:
        a, b = postcode_in(place_a), postcode_in(place_b)
        if a is None or b is None:
            return self.fail(sentence, "a distance between places with no postcode")
        true = self.codepoint.metres(a, b)
        if true is None:
            return self.fail(sentence, f"no coordinates for {a} or {b}")
        self.distances += 1
        if metres is not None and abs(true - int(metres)) > 0.5 + 1e-6:
            self.fail(sentence, f"{a} and {b} are {true:.1f} m apart, not {metres} m")
        if km is not None and abs(true / 1000 - float(km)) > 0.05 + 1e-6:
            self.fail(sentence, f"{a} and {b} are {true / 1000:.3f} km apart, not {km} km")

    def link(
        self,
        sentence: str,
        ref: str,
        noun: str,
        day: str,
        grades: str,
        target_type: str | None = None,
        target: str | None = None,
    ) -> pd.DataFrame:
        found = self._links_of.get((ref, day, NOUNS[noun]), self.links.iloc[:0])  # ref, day and source equal
        if target_type:
            found = found[found["target_type"].eq(target_type)]
        if target is not None:
            found = found[found["target_child_ref"].eq(target)]
        if found.empty:
            self.fail(sentence, f"no {noun} of {ref} on {day}" + (f" naming {target}" if target else ""))
        elif not any(("not confirmed" in grades) == bool(u) for u in found["unverified"]):
            self.fail(sentence, "said to be confirmed or not, wrongly")
        if self.police and not found.empty:
            codes = {
                f"{s or '?'}/{i or '?'}" if s or i else "ungraded"
                for s, i in zip(found["source_grade"], found["intel_grade"])
            }
            if not any(f"graded {c}" in grades for c in codes):
                self.fail(sentence, f"grade codes are not the record's ({codes})")
        return found

    def check_share(self, sentence: str, sides, percent: str | None) -> None:
        """The share of time missing is what the two spans the sentence shows give (none while one is open)."""
        if not sides[0][2] or not sides[1][2]:
            if percent is not None:
                self.fail(sentence, "a share of time given while one of them is still missing")
            return
        if percent is None:
            return self.fail(sentence, "no share of time given though both spans are shown")
        (s1, e1), (s2, e2) = [
            [pd.Timestamp(dt.datetime.strptime(t, "%d %b %Y %H:%M")).tz_localize("Europe/London") for t in side[1:]]
            for side in sides
        ]
        share = (min(e1, e2) - max(s1, s2)) / (max(e1, e2) - min(s1, s2)) * 100
        if abs(share - int(percent)) > 1:
            self.fail(sentence, f"{percent}% of time shared, but the spans shown share {share:.0f}%")

    def check(self, kind: str, detail: str) -> None:
        sentence = _sentence(detail)
        pattern = SENTENCES.get(kind)
        match = pattern.match(sentence) if pattern else None
        if match is None:
            return self.fail(sentence, f"a {kind} sentence not in the agreed form")
        g = match.groups()
        if kind == "overlapping":
            sides = [(g[0], g[1], g[2] or ""), (g[3], g[4], g[5] or "")]
            found = [self.episode(ref, start, end) for ref, start, end in sides]
            for (ref, start, _), episodes in zip(sides, found):
                if episodes.empty:
                    self.fail(sentence, f"no episode of {ref} from {start}")
            self.check_share(sentence, sides, g[6])
            where = match.group("where")
            places = re.match(rf"^{PLACES}, (?:{DISTANCE}|both in postcode district ([A-Z0-9]+))$", where)
            both = re.match(r"^both (went missing from|were found at) (.+)$", where)
            same = re.match(
                rf"^({REF}) (went missing from|was found at) (.+) and ({REF}) (went missing from|was "
                rf"found at) the same place$",
                where,
            )
            if places:
                p = places.groups()
                for ref, verb, place in ((p[0], p[1], p[2]), (p[3], p[4], p[5])):
                    if not self.place_of(found[0 if ref == sides[0][0] else 1], verb, place):
                        self.fail(sentence, f"{ref}'s episode did not {verb.split()[0]} {place}")
                if p[6] or p[7]:
                    self.distance(sentence, p[2], p[5], p[6], p[7])
            elif both:
                verb = "went missing from" if both.group(1) == "went missing from" else "was found at"
                for episodes in found:
                    if not self.place_of(episodes, verb, both.group(2)):
                        self.fail(sentence, f"not both {both.group(1)} {both.group(2)}")
            elif same:
                for ref, verb in ((same.group(1), same.group(2)), (same.group(4), same.group(5))):
                    if not self.place_of(found[0 if ref == sides[0][0] else 1], verb, same.group(3)):
                        self.fail(sentence, f"{ref}'s episode did not {verb.split()[0]} {same.group(3)}")
            else:
                self.fail(sentence, "the places of an overlap in no agreed form")
        elif kind in ("missing_together", "found_together"):
            verb = "from" if kind == "missing_together" else "at"
            refs = ((g[1], g[2], g[3]), (g[4], g[5], g[6]))
            place_a = g[2]
            for ref, place, when in refs:
                place = place_a if place == "the same place" else place
                episodes = self.episode(ref, start=when) if verb == "from" else self.episode(ref, end=when)
                if episodes.empty:
                    self.fail(sentence, f"no episode of {ref} {'starting' if verb == 'from' else 'ending'} {when}")
                elif not self.place_of(episodes, verb, place):
                    self.fail(sentence, f"{ref}'s episode is not {verb} {place}")
            minutes = abs((pd.Timestamp(g[3]) - pd.Timestamp(g[6])).total_seconds()) / 60
            said = match.group("apart")
            expected = (
                "in the same minute"
                if round(minutes) == 0
                else "1 minute apart"
                if round(minutes) == 1
                else f"{round(minutes)} minutes apart"
                if round(minutes) < 120
                else f"{round(minutes / 60, 1)} hours apart"
            )
            if said != expected:
                self.fail(sentence, f"they were {minutes:.0f} minutes apart")
            if g[7] or g[8]:
                self.distance(sentence, g[2], g[5] if g[5] != "the same place" else g[2], g[7], g[8])
        elif kind == "named_together":
            self.link(sentence, g[0], g[1], g[2], g[3], "child", g[4])
        elif kind == "linked_associate":
            self.link(sentence, g[0], g[1], g[2], g[3], "associate")
        else:
            place = kind == "shared_place"
            sides = _split_sides(g[2])
            if len(sides) != 2:
                return self.fail(sentence, "not two sides")
            for side in sides:
                s = SIDE.match(side)
                if s is None:
                    self.fail(sentence, f"a side in no agreed form: {side}")
                    continue
                if s.group(1):
                    links = self.link(
                        sentence, s.group(1), s.group(2), s.group(3), s.group(4), "place" if place else "associate"
                    )
                    if place and not links.empty:
                        roles = {
                            "where they were found": "found_at",
                            "a place they go": "frequents",
                            "a place they were exploited": "exploitation_location",
                        }
                        if not links["role"].eq(roles.get(s.group(5), "")).any():
                            self.fail(sentence, f"{s.group(1)}'s record does not name the place as {s.group(5)}")
                else:
                    episodes = self.episode(s.group(6), end=s.group(7))
                    if episodes.empty or not self.place_of(episodes, "at", g[0]):
                        self.fail(sentence, f"{s.group(6)} was not found at {g[0]} on {s.group(7)}")


def _split_sides(text: str) -> list[str]:
    """The two sides of a shared-associate or shared-place sentence, split at the " and C-" between them."""
    parts = re.split(rf" and (?={REF}'s |{REF} was found there)", text)
    return parts


@pytest.mark.parametrize("audience", ["meeting", "police"])
def test_every_evidence_sentence_names_true_records_and_true_distances(audited, audience):
    out, folder, _ = audited
    claims = Claims(folder, Codepoint(), police=audience == "police")
    data = page_data(out / audience / "network.html")
    sentences = 0
    for meta in data["meta"]["edges"].values():
        for item in meta["evidence"]:
            if item["kind"] == "safe_place":
                continue
            claims.check(item["kind"], item["detail"])
            sentences += 1
    print(f"\n{audience}: {sentences} sentences, {claims.distances} distances checked, {len(claims.problems)} wrong")
    assert sentences > 100 and claims.distances > 20
    assert claims.problems == [], "\n".join(claims.problems[:15])
    # no sentence repeats a phrase, and the meeting reads words, not weights
    for meta in data["meta"]["edges"].values():
        if meta.get("lookback"):  # linked only in other months: no weight of the period (the time control weighs it)
            assert meta["weight"] is None and meta["evidence"] == []
            continue
        assert meta["weight"] is None if audience == "meeting" else isinstance(meta["weight"], (int, float))
        for item in meta["evidence"]:
            words = item["detail"].split(": ")
            assert len(words) == len(set(words)), item["detail"]


def test_ties_csv_says_why_in_the_same_sentences_as_the_network(audited):
    out, _, _ = audited
    ties = pd.read_csv(out / "meeting" / "ties.csv", dtype=str, keep_default_na=False)
    data = page_data(out / "meeting" / "network.html")
    said = {}
    for edge in data["edges"]:
        pair = tuple(sorted((edge["from"], edge["to"])))
        said[pair] = {item["detail"] for item in data["meta"]["edges"][edge["id"]]["evidence"]}
    for row in ties.itertuples():
        pieces = [p for p in row.why.split("; ") if not re.fullmatch(r"and \d+ more", p)]
        assert pieces, row
        known = said.get(tuple(sorted((row.a, row.b))))
        assert known is not None and set(pieces) <= known, (row.a, row.b, pieces[:1])


# -- counts ----------------------------------------------------------------------------------------------------------
def _whole(text: str) -> int:
    assert re.fullmatch(r"\d+", text), f"not a whole number: {text!r}"
    return int(text)


def test_every_count_of_a_person_is_one_whole_number_everywhere(audited):
    out, folder, _ = audited
    pack = out / "meeting"
    people = pd.read_csv(pack / "people.csv", dtype=str, keep_default_na=False).set_index("ref")
    episodes, links = folder.period(*MARCH)
    shared = links[links["shared"]]
    # from the data: each child's episodes this period, each associate's children linked this period
    for ref, n in episodes.groupby("ref").size().items():
        if ref in people.index:
            assert _whole(people.at[ref, "episodes"]) == n, ref
    reached = shared[shared["target_type"].eq("associate")].groupby("associate_ref")["child_id"].nunique()
    associates = people[people["kind"].eq("associate")]
    assert len(associates) > 10
    for ref, row in associates.iterrows():
        assert _whole(row["children_reached"]) == reached.get(ref, 0), ref
        _whole(row["clusters_reached"])
    for column in ("degree", "cluster"):
        assert all(v == "" or re.fullmatch(r"\d+", v) for v in people[column]), column

    # over the look-back (the 12 months to 31 March 2023): the children each associate is linked to, and how
    # many of this period's clusters those children are in; everyone linked in the window is listed
    _, over = folder.period(*YEAR)
    over = over[over["shared"] & over["target_type"].eq("associate")]
    reached_over = over.groupby("associate_ref")["ref"].nunique()
    clustered = people[people["kind"].eq("child") & people["cluster"].ne("")]["cluster"]
    spread_over = over.assign(cluster=over["ref"].map(clustered)).dropna(subset=["cluster"])
    spread_over = spread_over.groupby("associate_ref")["cluster"].nunique()
    assert set(reached_over.index) <= set(associates.index)
    assert (reached_over > associates["children_reached"].map(int).reindex(reached_over.index)).any()
    for ref, row in associates.iterrows():
        assert _whole(row["children_reached_lookback"]) == reached_over.get(ref, 0), ref
        assert _whole(row["clusters_reached_lookback"]) == spread_over.get(ref, 0), ref
        assert _whole(row["children_reached_lookback"]) >= _whole(row["children_reached"]), ref
    assert set(over["ref"]) <= set(people.index)

    # the network page says the same of everyone
    data = page_data(pack / "network.html")
    window = ", 2023-03"
    for ref, meta in data["meta"]["nodes"].items():
        if ref not in people.index:
            continue
        facts = dict(meta["details"])
        row = people.loc[ref]
        if row["kind"] == "child":
            assert _whole(facts[f"Missing episodes{window}"]) == _whole(row["episodes"]), ref
            assert _whole(facts[f"People linked by risk ties{window}"]) == _whole(row["degree"]), ref
        else:
            for column, words in (("children_reached", "Children linked"), ("clusters_reached", "Their peer clusters")):
                if words in facts:  # "1 in 2023-03 / 6 in the last 12 months": both windows named, both people.csv's
                    found = re.fullmatch(r"(\d+) in 2023-03 / (\d+) in the last 12 months", facts[words])
                    assert found, (ref, facts[words])
                    assert _whole(found.group(1)) == _whole(row[column]), ref
                    assert _whole(found.group(2)) == _whole(row[f"{column}_lookback"]), ref
                else:
                    assert _whole(facts[f"{words}{window}"]) == _whole(row[column]), ref
        if "Peer cluster" in facts and row["cluster"]:
            assert facts["Peer cluster"] == row["cluster"], ref

    # the summary's tables and the change list say the same
    tree = parse_html(pack / "index.html")
    adults = [t for t in tree.find_all("table", "pm-table") if "Children linked, 2023-03" in t.all_text()]
    assert adults, "the adults of concern table names its window"
    for cells in table_rows(adults[0])[1:]:
        ref = re.search(r"A-[0-9A-Z]{10}", cells[1]).group(0)
        # "1" or, where people.csv has the look-back, "1 this month / 6 in the last 12 months"
        now, _, lookback = cells[2].partition(" this month / ")
        assert _whole(now) == _whole(people.at[ref, "children_reached"]), ref
        if lookback:
            assert lookback == f"{_whole(people.at[ref, 'children_reached_lookback'])} in the last 12 months", ref
    # each cluster section of the agenda: its children are clusters.csv's, its adults reach what people.csv says
    clusters_csv = pd.read_csv(pack / "clusters.csv", dtype=str, keep_default_na=False).set_index("cluster")
    sections = tree.find_all("section", "cluster-section")
    assert len(sections) == len(clusters_csv)
    for section in sections:
        kids = section.find_all("table", "cluster-children")[0]
        number = kids.attrs["data-cluster"]
        assert section.find_all("h2")[0].all_text().startswith(f"Cluster {number}: ")
        refs = sorted(cells[0] for cells in table_rows(kids)[1:])
        assert refs == sorted(clusters_csv.at[number, "children"].split("; ")), number
        assert f"Cluster {number}: {len(refs)} child" in section.find_all("h2")[0].all_text()
        for table in section.find_all("table", "cluster-adults"):
            for cells in table_rows(table)[1:]:
                ref = re.search(r"A-[0-9A-Z]{10}", cells[0]).group(0)
                assert people.at[ref, "cluster"] == number, ref
                assert _whole(cells[2]) == _whole(people.at[ref, "children_reached"]), ref
    changes = pd.read_csv(pack / "changes.csv", dtype=str, keep_default_na=False)
    assert list(changes["rank"]) == [str(i) for i in range(1, len(changes) + 1)]
    for row in changes[changes["kind"].eq("adult_reaches_more_children")].itertuples():
        n = re.match(r"linked to (\d+) child", row.detail).group(1)  # the subject is the adult's reference
        assert int(n) == _whole(people.at[row.subject, "children_reached"]), row.subject
    clusters = pd.read_csv(pack / "clusters.csv", dtype=str, keep_default_na=False)
    for row in clusters.itertuples():
        assert _whole(row.n_children) == int((people["cluster"].eq(row.cluster) & people["kind"].eq("child")).sum())
    text = page_text(pack / "index.html") + page_text(pack / "network.html")
    assert not re.search(r"\b1 (children|minutes|hours|clusters|times)\b", text)
    assert not re.search(r"\b\d+\.0\b;|\(1\.0\)|weight \d", page_text(pack / "index.html"))


# -- what the meeting and the board may not see ----------------------------------------------------------------------
def test_the_police_packs_shared_identifiers_are_the_datas(audited):
    """shared_identifiers.csv: every phone, vehicle and handle two or more children are linked to over the
    look-back (here the year itself), with the number of children the data gives."""
    out, folder, _ = audited
    _, links = folder.period(*YEAR)
    ids = links[links["target_type"].isin(["phone", "vehicle", "online"])]
    ids = ids.assign(key=ids["target_ref"].str.lower().str.replace(r"\s+", "", regex=True))
    children = ids.groupby(["target_type", "key"])["ref"].nunique()
    shared = pd.read_csv(out / "police" / "shared_identifiers.csv", dtype=str, keep_default_na=False)
    assert len(shared) == int((children >= 2).sum()) > 0
    for row in shared.itertuples():
        identifier = row.identifier[1:] if re.match(r"'[=+\-@]", row.identifier) else row.identifier  # the guard
        n = children[(row.kind, identifier.lower().replace(" ", ""))]
        assert _whole(row.children_lookback) == n == _whole(row.children), row.identifier
    assert not (out / "meeting" / "shared_identifiers.csv").exists()
    assert not (out / "board" / "shared_identifiers.csv").exists()


def test_no_police_only_intelligence_or_identifier_reaches_the_meeting_or_board(audited):
    out, folder, _ = audited
    links = folder.links
    identifiers = set(links.loc[links["target_type"].isin(["phone", "vehicle", "online"]), "target_ref"])
    shared_notes = set(links.loc[links["shared"], "notes"])
    c_notes = set(links.loc[~links["shared"], "notes"]) - shared_notes - {""}
    shared_associates = set(links.loc[links["shared"], "associate_ref"].dropna())
    c_associates = set(links.loc[~links["shared"], "associate_ref"].dropna()) - shared_associates
    c_names = set(links.loc[~links["shared"] & links["associate_ref"].isin(c_associates), "target_ref"])
    assert identifiers and c_notes and c_associates
    for audience in ("meeting", "board"):
        text = "\n".join(
            p.read_text(encoding="utf-8")
            for p in (out / audience).iterdir()
            if p.suffix in (".html", ".csv", ".json", ".geojson", ".graphml")
        )
        for secret in sorted(identifiers | c_notes | c_associates | {n for n in c_names if len(n) > 6}):
            assert secret not in text, f"{audience} shows {secret!r}"


def _number(values: dict, key: str):
    """A board number: a number, or ``None`` said to be suppressed; never text, never a count from 1 to 4."""
    value = values.get(key)
    if value is None:
        assert values.get(f"{key}_suppressed") is True, key
        return None
    assert isinstance(value, (int, float)) and not isinstance(value, bool), (key, value)
    assert not (isinstance(value, int) and 1 <= value <= 4), (key, value)
    return value


class Reader:
    """What a reader of the board pack can work out, exactly.

    Each number is a set of the whole numbers it may be (a Python int used as a
    bitset): one number where it is shown; 1 to 4 where the page says ``<5``;
    0 or 5 and more where it says ``hidden``; at least 1 where a trend word is
    listed. Every relation (a total and its parts; a percentage, exactly as
    SCHEMA.md rounds it, with its count) removes the numbers no solution of it
    can use, again and again until nothing changes: arc consistency, so a
    number left with one value is one a reader can work out. Written apart
    from the pack's own suppression (exports/board.py, which shifts runs of numbers)
    on purpose.
    """

    def __init__(self, most: int):
        self.most = most
        self.sets: dict = {}
        self.sums: list = []
        self.ratios: list = []

    def every(self, low: int = 0) -> int:
        return ((1 << (self.most + 1)) - 1) & ~((1 << low) - 1)

    def shown(self, key, value: int) -> None:
        self.sets[key] = 1 << int(value)

    def said(self, key, words: str, listed: bool = False) -> None:
        """A hidden number, as the page reads it."""
        if words == "<5":
            self.sets[key] = 0b11110
        else:
            self.sets[key] = self.every(5) | (0 if listed else 1)
        if listed:
            self.sets[key] &= ~1

    def unknown(self, key) -> None:
        self.sets.setdefault(key, self.every())

    @staticmethod
    def values(bits: int) -> list[int]:
        return [n for n, bit in enumerate(reversed(bin(bits)[2:])) if bit == "1"]

    def _sum_of(self, keys) -> int:
        total = 1
        for key in keys:
            grown = 0
            for v in self.values(self.sets[key]):
                grown |= total << v
            total = grown & self.every()
        return total

    def solve(self) -> None:
        changed = True
        while changed:
            changed = False
            for total, parts in self.sums:
                for i, part in enumerate(parts):
                    rest = self._sum_of(parts[:i] + parts[i + 1 :])
                    allowed = 0  # every total less every rest: the total's bits shifted down by each rest
                    for r in self.values(rest):
                        allowed |= self.sets[total] >> r
                    new = self.sets[part] & allowed
                    changed |= new != self.sets[part]
                    self.sets[part] = new
                new = self.sets[total] & self._sum_of(parts)
                changed |= new != self.sets[total]
                self.sets[total] = new
            for pct, places, num, den in self.ratios:
                pairs = []
                for d in self.values(self.sets[den]):
                    # every n within half a unit of the last place shown, widened by one each side
                    low, high = (pct - 0.5 / 10**places) * d / 100, (pct + 0.5 / 10**places) * d / 100
                    pairs += [
                        (n, d)
                        for n in range(max(int(low) - 1, 0), min(int(high) + 2, d + 1))
                        if d > 0 and self.sets[num] >> n & 1 and _rounded(n, d, places) == pct
                    ]
                for key, kept in ((num, {n for n, _ in pairs}), (den, {d for _, d in pairs})):
                    bits = sum(1 << v for v in kept)
                    changed |= bits != self.sets[key]
                    self.sets[key] = bits

    def worked_out(self) -> dict:
        return {k: self.values(v)[0] for k, v in self.sets.items() if v and v & (v - 1) == 0}


def _rounded(n: int, d: int, places: int):
    """SCHEMA.md: 100 n / d half up to ``places`` decimals (in whole numbers: floor(100 n 10^places / d + 1/2))."""
    whole = (200 * n * 10**places + d) // (2 * d)
    return whole / 10**places if places else int(whole)


BOARD_PACKS = ["year", "2022-11", "2023-02", "2023-03"]


@pytest.mark.parametrize("pack", BOARD_PACKS)
def test_solving_what_the_board_shows_gives_back_no_small_count(audited, pack):
    out, folder, _ = audited
    folder_out = out / ("board" if pack == "year" else f"board-{pack}")
    kpi = json.loads((folder_out / "kpi.json").read_text())
    index = parse_html(folder_out / "index.html")
    tables = [table_rows(t) for t in index.find_all("table", "pm-table")]
    measures = {row[0]: row[1:] for row in tables[0][1:]}  # label -> all now, all before, in care now, ...
    listed = kpi["all"]["frequently_missing"] is not None  # null when the list would give a small count back
    frequent = [row for row in tables[1][1:]] if listed and kpi["all"]["frequently_missing"] else []
    reader = Reader(most=max(kpi["all"]["episodes"] or 0, 5000))
    groups = ("all", "CiC", "other")
    labels = {
        "children_missing": "Children missing",
        "episodes": "Missing episodes",
        "episodes_declined": "Episodes with RTHI declined",
        "children_declined": "Children who declined",
        "interviews_declined": "RTHIs declined",
        "rthi_offered_pct": "RTHIs offered",
        "rthi_accepted_pct": "RTHIs accepted",
        "rthi_completed_pct": "RTHIs completed",
        "rthi_completed_within_72h_pct": "Completed within 72 hours",
    }
    for i, g in enumerate(groups):
        for m in ("children_missing", "episodes", "episodes_declined", "children_declined", "interviews_declined"):
            value = _number(kpi[g], m)
            said = measures[labels[m]][2 * i]  # the page says what the file holds
            assert said in ("<5", "hidden") if value is None else said == str(value), (g, m, said, value)
            (reader.shown((g, m), value) if value is not None else reader.said((g, m), said))
        for m in ("rthi_offered_pct", "rthi_accepted_pct", "rthi_completed_pct", "rthi_completed_within_72h_pct"):
            pct = kpi[g][m] if kpi[g][m] is None and not kpi[g].get(f"{m}_suppressed") else _number(kpi[g], m)
            said = measures[labels[m]][2 * i]
            assert said == (f"{pct:.1f}%" if pct is not None else "hidden" if kpi[g].get(f"{m}_suppressed") else "n/a")
            den = (g, "episodes") if m != "rthi_completed_within_72h_pct" else (g, m, "den")
            for key in ((g, m, "n"), (g, m, "rest"), den):
                reader.unknown(key)
            reader.sums.append((den, ((g, m, "n"), (g, m, "rest"))))
            if pct is not None:
                reader.ratios.append((pct, 1, (g, m, "n"), den))
    for m in ("children_missing", "episodes", "episodes_declined", "children_declined", "interviews_declined"):
        reader.sums.append((("all", m), (("CiC", m), ("other", m))))
    for m in ("rthi_offered_pct", "rthi_accepted_pct", "rthi_completed_pct", "rthi_completed_within_72h_pct"):
        for part in ("n", "rest") + (("den",) if m == "rthi_completed_within_72h_pct" else ()):
            reader.sums.append((("all", m, part), (("CiC", m, part), ("other", m, part))))
    # what holds between the measures in this data folder, a reader may know too (every declined interview offered;
    # every completed episode returned): from the CSVs, not from the pack
    rthis = folder.rthis
    if (rthis["offered_at"].ne("") | rthis["outcome"].ne("declined")).all():
        for g in groups:
            reader.sums.append(
                ((g, "rthi_offered_pct", "n"), ((g, "rthi_accepted_pct", "n"), (g, "episodes_declined")))
            )
    for g in groups:  # the 72-hour rate is over completed episodes that have a return: all of them, if none is open
        unreturned = (g, "rthi_completed_within_72h_pct", "unreturned")
        reader.unknown(unreturned)
        reader.sums.append(((g, "rthi_completed_pct", "n"), ((g, "rthi_completed_within_72h_pct", "den"), unreturned)))
        if folder.episodes["returned_at"].ne("").all():
            reader.shown(unreturned, 0)
    rows = kpi["all"]["frequently_missing"] or []
    for row, cells in zip(rows, frequent):
        r = row["rank"]
        for key, column in (("episodes", 1), ("declined", 2)):
            value = _number(row, key)
            (reader.shown((r, key), value) if value is not None else reader.said((r, key), cells[column]))
        reader.unknown((r, "rest"))
        reader.sums.append(((r, "episodes"), ((r, "declined"), (r, "rest"))))
        pct = _number(row, "declined_pct")
        if pct is not None:
            reader.ratios.append((pct, 0, (r, "declined"), (r, "episodes")))
    if rows and kpi["all"]["children_missing"] == len(rows):
        reader.sums.append((("all", "episodes"), tuple((r["rank"], "episodes") for r in rows)))
        reader.sums.append((("all", "episodes_declined"), tuple((r["rank"], "declined") for r in rows)))
    districts = json.loads((folder_out / "hotspots.geojson").read_text())["features"]
    shown_on_map = {  # each district's side panel: its counts (this period: the board has no look-back) and trend
        f["panel"]["heading"].split(" ")[1].rstrip(","): {
            **{label: now for label, now, _ in f["panel"]["counts"]},
            **dict(f["panel"]["details"]),
        }
        for f in page_data(folder_out / "map.html")["layers"][0]["features"]
    }
    for feature in districts:
        props, d = feature["properties"], feature["properties"]["district"]
        words = [k for k in props if k.startswith("trend_") and not k.endswith("_suppressed")]
        trend = shown_on_map[d].get("Trend on the last periods", "")
        said = dict(re.findall(r"([a-z ]+) \((<5|number hidden|\d+) areas?\)", trend))
        said = {k.strip(): v for k, v in said.items()}
        for key, label in (
            ("areas", "Hot-spot areas"),
            ("children", "Children"),
            ("episodes", "Episodes"),
            ("clusters", "Peer clusters"),
            ("adults_of_concern", "Adults of concern"),
        ):
            value = _number(props, key)
            (reader.shown((d, key), value) if value is not None else reader.said((d, key), shown_on_map[d][label]))
        for key in words:
            word = key[len("trend_") :].replace("_", " ")
            value = _number(props, key)
            if value is not None:
                reader.shown((d, key), value)
            else:
                reader.said((d, key), "<5" if said.get(word) == "<5" else "hidden", listed=word in said)
        reader.sums.append(((d, "areas"), tuple((d, w) for w in words)))
    for feature in json.loads((folder_out / "places.geojson").read_text())["features"]:
        for key in ("children", "episodes"):
            _number(feature["properties"], key)
    reader.solve()
    small = {k: v for k, v in reader.worked_out().items() if 1 <= v <= 4}
    print(f"\n{pack}: {len(reader.sets)} numbers, {len(reader.sums)} relations; worked out {len(reader.worked_out())}")
    assert small == {}, f"the board gives back: {sorted(small.items(), key=repr)[:8]}"
    assert not re.search(REF, page_text(folder_out / "index.html"))


@pytest.mark.parametrize("pack", BOARD_PACKS)
def test_the_board_keeps_its_counts_of_children_and_episodes_where_hiding_a_rate_is_enough(audited, pack):
    """A board reads the numbers of children and episodes first: the synthetic year's small counts are protected by
    hiding rates, never these (docs/pack.md says so)."""
    out, _, _ = audited
    kpi = json.loads((out / ("board" if pack == "year" else f"board-{pack}") / "kpi.json").read_text())
    for group in ("all", "CiC", "other"):
        for measure in ("children_missing", "episodes"):
            assert isinstance(kpi[group][measure], int) and kpi[group][measure] >= 5, (group, measure)


# -- a child's page ---------------------------------------------------------------------------------------------------
LONG_DAY = r"\d{1,2} [A-Z][a-z]+ \d{4}"


def _long(value) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"


def test_a_childs_page_holds_only_that_childs_own_records(audited):
    out, folder, children = audited
    names = dict(zip(folder.children["child_id"], folder.children["display_name"]))
    shown_links = folder.links[
        folder.links["shared"] & ~folder.links["target_type"].isin(["phone", "vehicle", "online"])
    ]
    checked = 0
    for child in children:
        page = out / "children" / f"{child}.html"
        text = page_text(page)
        mine = shown_links[shown_links["child_id"].eq(child)]
        episodes = folder.episodes[folder.episodes["child_id"].eq(child)]
        rthis = folder.rthis[folder.rthis["child_id"].eq(child)]
        named = set(mine.loc[mine["target_type"].eq("child"), "target_ref"])
        my_days = (
            {_long(t) for t in mine["recorded"].dropna()}
            | {_long(t) for t in episodes["start"].dropna()}
            | {_long(t) for t in episodes["end"].dropna()}
            | {_long(t) for t in rthis["completed"].dropna()}
            | {_long(pd.Timestamp(dt.date.today()))}
        )
        my_postcodes = (
            set(episodes["missing_from_postcode"])
            | set(episodes["found_at_postcode"])
            | set(re.findall(POSTCODE, " ".join(mine["target_ref"])))
            | {folder.children.set_index("child_id").at[child, c] for c in ("home_postcode", "placement_postcode")}
        )
        my_notes = set(mine["notes"])
        tree = parse_html(page)
        # every record listed under a person or place is this child's own, with its own date, source and note
        for card in tree.find_all("ul", "around"):
            for li in [c for c in card.children if c.tag == "li"]:
                label = re.sub(r"\s+", " ", li.find_all("div", "who")[0].all_text()).strip()
                for fact in [f for f in li.find_all("ul", "facts")[0].children if f.tag == "li"]:
                    words = re.sub(r"\s+", " ", fact.all_text()).strip()
                    if words.startswith("and "):
                        continue
                    match = re.match(rf"^({LONG_DAY}): (.+?)\. (.+?)(?: \((.*)\))?\.(?:Note: (.*))?$", words)
                    assert match, words
                    day, said, source, _, note = match.groups()
                    checked += 1
                    if said in ("you went missing from here", "you were found here"):
                        column, place = (
                            ("start", "missing_from_postcode") if "from" in said else ("end", "found_at_postcode")
                        )
                        hit = episodes[
                            episodes[column].map(lambda t: not pd.isna(t) and _long(t) == day)
                            | (episodes["start"].map(_long).eq(day) if column == "end" else False)
                        ]
                        assert len(hit) and (
                            hit[place].map(lambda p: p and p in label).any()
                            or hit["found_at_place"].map(lambda p: p and p in label).any()
                        ), words
                        continue
                    hit = mine[mine["recorded"].map(_long).eq(day) & mine["source"].eq(YOUR_SOURCES.get(source, "-"))]
                    targets = (
                        hit["target_ref"]
                        .map(lambda t: names.get(t, t))
                        .str.strip()
                        .where(hit["target_type"].ne("associate"), hit["associate_label"])
                    )

                    def key(text: str) -> str:  # associates are one person whatever the case and spaces
                        return re.sub(r"\s+", " ", text.strip().lower())

                    same = [
                        t == label
                        or (kind == "associate" and key(t) == key(label))
                        or (kind == "place" and (t in label or normal(t) in label))
                        for t, kind in zip(targets, hit["target_type"])
                    ]
                    hit = hit[np.asarray(same, dtype=bool)]
                    assert len(hit), f"{child}: not this child's own record: {label}: {words}"
                    if said == "with you while you were missing":
                        assert hit["with_during_episode"].str.lower().isin(["yes", "true", "y", "1"]).any(), words
                    if note:
                        assert note.strip() in set(hit["notes"]), f"{child}: a note not of this record: {note}"
        for li in tree.find_all("ol", "timeline"):
            for item in [c for c in li.children if c.tag == "li"]:
                words = re.sub(r"\s+", " ", item.all_text()).strip()
                match = re.match(rf"^[A-Z][a-z]{{2}} ({LONG_DAY}), (\d\d:\d\d)", words)
                assert match, words
                start = episodes[
                    episodes["start"]
                    .map(lambda t: f"{_long(t)}, {t.strftime('%H:%M')}")
                    .eq(f"{match.group(1)}, {match.group(2)}")
                ]
                assert len(start) == 1, words
                talked = re.search(rf"You talked about it with (.+?) on ({LONG_DAY})\.", words)
                if talked:
                    covering = rthis[
                        rthis["episode_ids"].map(lambda ids: start.iloc[0]["episode_id"] in ids.split(";"))
                        & rthis["outcome"].eq("completed")
                    ]
                    assert (
                        covering["worker"].eq(talked.group(1)) & covering["completed"].map(_long).eq(talked.group(2))
                    ).any(), words
        # nothing of other children's: names (unless this child's record names them), notes, dates, places
        others = folder.children[~folder.children["child_id"].isin(named | {child})]
        for name in set(others["display_name"]) - {names[n] for n in named} - {names[child], ""}:
            assert name not in text, f"{child}'s page names another child: {name}"
        other_links = folder.links[~folder.links["child_id"].eq(child)]
        for note in set(other_links["notes"]) - my_notes - {""}:
            assert note not in text, f"{child}'s page holds another child's note: {note}"
        other_episodes = folder.episodes[~folder.episodes["child_id"].eq(child)]
        other_days = {_long(t) for t in other_episodes["start"].dropna()} - my_days
        for day in re.findall(LONG_DAY, text):
            assert day not in other_days, f"{child}'s page gives another child's date: {day}"
        other_postcodes = (
            (set(other_episodes["missing_from_postcode"]) | set(other_episodes["found_at_postcode"]))
            - my_postcodes
            - {""}
        )
        for postcode in re.findall(POSTCODE, text):
            assert postcode not in other_postcodes, f"{child}'s page gives another child's place: {postcode}"
        # the age is on the day the page was made, and says so
        birth = folder.children.set_index("child_id").at[child, "birth_date"]
        if birth:
            born, today = pd.Timestamp(birth).date(), dt.date.today()
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            assert f"age {age} on {_long(pd.Timestamp(today))}, the day this page was made" in text
    assert checked > 50
