"""One child's peer map, for a worker's session with that young person (the ``worker`` audience).

``peermap child CHILD_ID`` writes one page a worker can open, or print, and
go through with the young person: the child in the middle, the people and
places around them, what keeps them safe as well as what worries us, and the
times they went missing, in plain words and large type.

It is built from **that child's own records only** (DESIGN.md, the worker
row): their own episodes, their own return interviews and the intelligence
recorded about them. "You", "your return interview" and "with you while you
were missing" are said only of those. Other children's records appear only as
counts, with no names, dates, places or notes ("Stuart Younger is also linked
to 2 other young people"); another young person is named only where this
child's own record names them; protective people and safe places come from this
child's records alone. It may show names and notes, but never handling-``C``
intelligence, phones, vehicles or online handles (removed before anything is
drawn, by :func:`exports.audiences.restrict_dataset`).

Every record keeps its source and grades beside it in words (the legend of
:mod:`mapping.evidence.words`); one graded ``3``, ``D`` or ``E``, or not graded, says
"not confirmed" (SCHEMA.md). The latest :data:`EPISODES_IN_FULL` times the child
went missing are listed in full and the earlier ones counted by month, so a
page prints on a few sheets. Ages are on the last day of the period, or, with
no period, on the day the page is made, and the page says which.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from peermap.exports import assets
from peermap.exports.audiences import audience_policy, restrict_dataset
from peermap.exports.audit import AuditRun, audited
from peermap.exports.escaping import display
from peermap.exports.manifest import build_manifest
from peermap.exports.output_folder import replace_file
from peermap.exports.page import CONCERN_COLOUR, ENV, NEUTRAL_COLOUR, SAFETY_COLOUR, Page, write_page
from peermap.graph_models.dataset import Dataset
from peermap.graph_models.local_time import LOCAL_TIME_ZONE
from peermap.graph_models.reading import sha256_file
from peermap.mapping.associates import associate_roles
from peermap.mapping.evidence.words import grade_words, plural
from peermap.mapping.periods import LONDON, Period, ages_on

PERSON_WORDS = {
    "peer": "a friend or someone you know",
    "adult_of_concern": "an adult we are worried about",
    "protective": "someone who helps keep you safe",
    "family": "family",
    "professional": "someone who works with you",
    "unknown": "someone you know",
    None: "someone you know",
}
CHILD_WORDS = "another young person"
PLACE_WORDS = {
    "found_at": "where you were found",
    "frequents": "a place you go",
    "exploitation_location": "a place we are worried about",
    "missing_from": "where you went missing from",
    "safe_place": "a safe place",
    None: "a place",
}
#: Who recorded it, said to the young person about their own record.
SOURCE_WORDS = {
    "rthi": "from your return interview",
    "police": "from the police",
    "school": "from school",
    "worker": "from a worker",
    "partner": "from a partner agency",
}
NO_SOURCE_WORDS = "who recorded it is not written down"
SAFETY_PERSON_ROLES = ("protective",)
CONCERN_PERSON_ROLES = ("adult_of_concern",)
SAFETY_PLACE_ROLES = ("safe_place",)
CONCERN_PLACE_ROLES = ("exploitation_location",)
#: How many people and places the drawing shows (the lists below show everyone).
DRAWN_FIRST = 16
#: How many of one person's or place's records a card lists (the latest; the rest are counted).
FACTS_SHOWN = 1
#: How many places of the times missing are named, latest first (the rest are counted).
PLACES_LISTED = 10
#: What a fact from the child's own episode says (the rest are intelligence records).
EPISODE_FACTS = ("you went missing from here", "you were found here")
#: How many of the latest times missing are listed in full; earlier ones are counted by month.
EPISODES_IN_FULL = 10


class ChildNotFound(LookupError):
    """No child with that ID or reference."""


@dataclass
class Fact:
    """One of the child's own records that puts a person or place on the map."""

    when: pd.Timestamp | None
    words: str
    source: str = ""
    grading: str = ""
    unverified: bool = False
    notes: str = ""

    @property
    def source_sentence(self) -> str:
        """Who recorded it, starting a sentence: the first letter in capitals, the rest as written."""
        return self.source[:1].upper() + self.source[1:]

    @property
    def day(self) -> str:
        return _long_day(self.when) if self.when is not None else "date not recorded"


@dataclass
class Item:
    """A person or place on a child's map, from the child's own records."""

    key: str
    kind: str  # child, associate, place
    label: str
    role: str | None
    facts: list[Fact] = field(default_factory=list)
    #: How many other young people are linked to this person or place (counted, never named).
    others: int = 0
    #: Over which records ``others`` is counted: ``in March 2023`` or ``in all the records``.
    window: str = "in all the records"

    @property
    def safety(self) -> bool:
        return self.role in SAFETY_PERSON_ROLES + SAFETY_PLACE_ROLES

    @property
    def concern(self) -> bool:
        return self.role in CONCERN_PERSON_ROLES + CONCERN_PLACE_ROLES

    @property
    def unverified(self) -> bool:
        """Everything that puts it on the map is unconfirmed intelligence."""
        return bool(self.facts) and all(f.unverified for f in self.facts)

    @property
    def words(self) -> str:
        if self.kind == "place":
            return PLACE_WORDS.get(self.role, PLACE_WORDS[None])
        if self.kind == "child":
            return CHILD_WORDS
        return PERSON_WORDS.get(self.role, PERSON_WORDS[None])

    @property
    def latest(self) -> list[Fact]:
        """The records to list, latest first."""
        return sorted(self.facts, key=lambda f: (f.when is None, -(f.when.value if f.when is not None else 0)))

    @property
    def written(self) -> list[Fact]:
        """The intelligence records naming this place, latest first (not the episodes' own places)."""
        return [f for f in self.latest if f.words not in EPISODE_FACTS]

    def episode_days(self, words: str, most: int = 4) -> str:
        """The days of the times missing that started or ended here, latest first: ``9 Mar 2023, 1 May 2022``."""
        days = [
            _short_day(f.when) if f.when is not None else "date not recorded" for f in self.latest if f.words == words
        ]
        shown = ", ".join(days[:most])
        return shown + (f" and {len(days) - most} more" if len(days) > most else "")

    @property
    def others_words(self) -> str:
        if not self.others:
            return ""
        who = plural(self.others, "other young person", "other young people")
        if self.kind == "place":
            verbs = (
                "went missing from, was found at or is linked to"
                if self.others == 1
                else "went missing from, were found at or are linked to"
            )
            return f"{who} also {verbs} this place {self.window}"
        return f"{self.label} is also linked to {who} {self.window}"


@dataclass
class ChildMap:
    """Everything on one child's page."""

    child: dict
    period: Period | None
    items: list[Item]
    episodes: list[dict]
    earlier: list[dict] = field(default_factory=list)  # earlier times missing, counted by month
    age_note: str = ""

    def step(self, n: int) -> list[Item]:
        """The people and places around the child (``n`` = 1; nothing is two steps away: that is others' records)."""
        return self.items if n == 1 else []


# -- the child's own records ------------------------------------------------------------------------------------
def _find_child(children: pd.DataFrame, child: str) -> pd.Series:
    text = str(child).strip()
    match = children[
        children["child_id"].eq(text).fillna(False).to_numpy(dtype=bool)
        | children["ref"].eq(text.upper()).fillna(False).to_numpy(dtype=bool)
    ]
    if match.empty:
        raise ChildNotFound(f"no child {text!r} in the data (give the case-system child_id or the C- reference)")
    return match.iloc[0]


def _short_day(when) -> str:
    """``4 Mar 2023`` in local time."""
    when = pd.Timestamp(when)
    if when.tzinfo is not None:
        when = when.tz_convert(LONDON)
    return f"{when.day} {when.strftime('%b %Y')}"


def _long_day(when) -> str:
    """``4 March 2023`` in local time."""
    when = pd.Timestamp(when)
    if when.tzinfo is not None:
        when = when.tz_convert(LONDON)
    return f"{when.day} {when.strftime('%B %Y')}"


def _link_fact(row, words: str) -> Fact:
    source = display(row.get("source"))
    with_during = row.get("with_during_episode")
    if with_during is True:
        words = "with you while you were missing"
    return Fact(
        when=_time(row.get("recorded_at")),
        words=words,
        source=SOURCE_WORDS.get(source, NO_SOURCE_WORDS),
        grading=grade_words(row.get("source_grade"), row.get("intel_grade"), bool(row.get("unverified"))),
        unverified=bool(row.get("unverified")),
        notes=display(row.get("notes")),
    )


def _time(value):
    return None if value is None or pd.isna(value) else value


def _in_window(links: pd.DataFrame, episodes: pd.DataFrame, period: Period | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The links and episodes of the window: a link belongs to it when its episode does, or, naming no episode,
    when it was recorded in it (as :func:`mapping.evidence.period_rows` says)."""
    if period is None:
        return links, episodes
    episodes = episodes[period.contains(episodes["missing_at"]).to_numpy(dtype=bool)]
    has_episode = links["episode_id"].notna().to_numpy(dtype=bool)
    keep = (has_episode & links["episode_id"].isin(episodes["episode_id"]).to_numpy(dtype=bool)) | (
        ~has_episode & period.contains(links["recorded_at"]).to_numpy(dtype=bool)
    )
    return links[keep], episodes


def child_map(
    dataset: Dataset, child: str, period: Period | None = None, today: dt.date | None = None, restricted: bool = False
) -> ChildMap:
    """The people and places in one child's own records, and their times missing (worker audience).

    Parameters
    ----------
    dataset : the loaded tables; restricted here to what the worker audience may see.
    child : the child's ``child_id`` or ``C-`` reference.
    period : only episodes and links of this period; ``None``: everything recorded.
    today : the day ages are given on when there is no period (default: the day the page is made).
    restricted : ``dataset`` is already :func:`exports.audiences.restrict_dataset` for the worker (many pages).

    Notes
    -----
    Boolean masks over the tables, then loops over the child's own records
    (tens of rows): O(n) in links.
    """
    data = dataset if restricted else restrict_dataset(dataset, audience_policy("worker"))
    me = _find_child(data.children, child)
    me_id = me["child_id"]
    links, episodes = _in_window(data.links, data.episodes, period)
    own = links[links["child_id"].eq(me_id).fillna(False).to_numpy(dtype=bool)]
    mine = episodes[episodes["child_id"].eq(me_id).fillna(False).to_numpy(dtype=bool)].sort_values("missing_at")
    names = dict(zip(data.children["child_id"], data.children["display_name"]))
    refs = dict(zip(data.children["child_id"], data.children["ref"]))
    mentioned = data.associates["associate_key"].isin(own["associate_key"].dropna()).to_numpy(dtype=bool)
    roles = associate_roles(data.associates[mentioned], own) if mentioned.any() else pd.DataFrame()
    place_names = dict(zip(data.places["postcode"], data.places["place_name"]))
    homes = {display(me.get("home_postcode")): "Home", display(me.get("placement_postcode")): "Where you live"}
    homes.pop("", None)
    items: dict[str, Item] = {}

    def add(key, kind, label, role, fact):
        item = items.setdefault(key, Item(key, kind, label, role))
        if role in CONCERN_PERSON_ROLES + CONCERN_PLACE_ROLES:
            item.role = role
        elif role in SAFETY_PERSON_ROLES + SAFETY_PLACE_ROLES and not item.concern:
            item.role = role
        elif item.role is None:
            item.role = role
        if fact is not None:
            item.facts.append(fact)
        return item

    def place_label(postcode: str, name: str = "") -> str:
        if postcode in homes:
            return f"{homes[postcode]} ({postcode})"
        listed = place_names.get(postcode)
        if listed:
            return f"{listed} ({postcode})"
        if name and postcode:
            return f"{name} ({postcode})"
        return name or postcode

    for row in own.to_dict("records"):
        kind = row.get("target_type")
        if kind == "child":
            other = row.get("target_child_id")
            if pd.isna(other) or other == me_id:
                continue
            label = display(names.get(other)) or display(refs.get(other)) or CHILD_WORDS
            add(f"child:{other}", "child", label, None, _link_fact(row, "named in your record"))
        elif kind == "associate":
            key = row.get("associate_key")
            if pd.isna(key):
                continue
            known = len(roles) and key in roles.index
            role = display(roles["role"].get(key)) if known else display(row.get("role"))
            # the analyst's label from associates.csv, else the name as this child's own record writes it
            resolved = known and bool(roles["resolved"].get(key))
            label = (display(roles["label"].get(key)) if resolved else "") or display(row.get("target_ref"))
            if f"associate:{key}" in items:
                label = items[f"associate:{key}"].label
            add(f"associate:{key}", "associate", label, role or None, _link_fact(row, "named in your record"))
        elif kind == "place":
            postcode = display(row.get("target_postcode"))
            name = display(row.get("target_ref"))
            key = "place:" + (postcode or name.lower())
            role = display(row.get("role")) or None
            add(
                key,
                "place",
                place_label(postcode, "" if postcode else name),
                role,
                _link_fact(row, "written down as " + PLACE_WORDS.get(role, PLACE_WORDS[None])),
            )

    for row in mine.to_dict("records"):
        start = row.get("missing_at")
        postcode = display(row.get("missing_from_postcode"))
        if postcode:
            add(
                f"place:{postcode}",
                "place",
                place_label(postcode),
                "missing_from",
                Fact(start, "you went missing from here", source="from the record of the time you went missing"),
            )
        found_pc, found_name = display(row.get("found_at_postcode")), display(row.get("found_at_place"))
        if found_pc or found_name:
            key = "place:" + (found_pc or found_name.lower())
            add(
                key,
                "place",
                place_label(found_pc, found_name),
                "found_at",
                Fact(
                    _time(row.get("returned_at")),
                    "you were found here",
                    source="from the record of the time you went missing",
                ),
            )

    _count_others(items, links, episodes, me_id, _window_words(period))
    ordered = sorted(items.values(), key=lambda i: (not i.safety, not i.concern, i.kind, i.label.lower()))
    if period is not None:
        on, age_note = period.end, f"on {_long_day(pd.Timestamp(period.end))}, the end of the period"
    else:
        on = today or dt.date.today()
        age_note = f"on {_long_day(pd.Timestamp(on))}, the day this page was made"
    age = ages_on(pd.Series([me.get("birth_date")]), on).iloc[0]
    child = {
        "child_id": display(me_id),
        "ref": display(me["ref"]),
        "name": display(me.get("display_name")),
        "age": "" if pd.isna(age) else str(int(age)),
    }
    full, earlier = _timeline(mine, data, me_id, homes, place_names)
    return ChildMap(child, period, ordered, full, earlier, age_note)


def _window_words(period: Period | None) -> str:
    """``in March 2023``, ``between 1 March 2023 and 14 March 2023``, or ``in all the records``."""
    if period is None:
        return "in all the records"
    if period.is_month:
        return "in " + pd.Timestamp(period.start).strftime("%B %Y")
    if period.start == period.end:
        return "on " + _long_day(pd.Timestamp(period.start))
    return f"between {_long_day(pd.Timestamp(period.start))} and {_long_day(pd.Timestamp(period.end))}"


def _count_others(items: dict[str, Item], links: pd.DataFrame, episodes: pd.DataFrame, me_id: str, window: str) -> None:
    """How many other young people each associate and place is linked to in the window: counts only.

    Only the keys on this child's map are looked up (vectorised membership tests), not every place of the data.
    """
    wanted = {"associate": set(), "place": set()}
    for item in items.values():
        kind, key = item.key.split(":", 1)
        if kind in wanted:
            wanted[kind].add(key)
    others = links[links["child_id"].ne(me_id).fillna(True).to_numpy(dtype=bool)]
    counted = {}
    if wanted["associate"]:
        linked = others[others["associate_key"].isin(wanted["associate"]).fillna(False).to_numpy(dtype=bool)]
        counted.update({f"associate:{k}": n for k, n in linked.groupby("associate_key")["child_id"].nunique().items()})
    if wanted["place"]:
        other_episodes = episodes[episodes["child_id"].ne(me_id).fillna(True).to_numpy(dtype=bool)]
        pairs = [
            (frame[column], frame["child_id"])
            for frame, column in (
                (others, "target_postcode"),
                (other_episodes, "missing_from_postcode"),
                (other_episodes, "found_at_postcode"),
            )
        ]
        places = pd.concat(
            [pd.DataFrame({"key": key.astype("string").to_numpy(), "child": child.to_numpy()}) for key, child in pairs],
            ignore_index=True,
        )
        places = places[places["key"].isin(wanted["place"]).fillna(False).to_numpy(dtype=bool)]
        counted.update({f"place:{k}": n for k, n in places.groupby("key")["child"].nunique().items()})
    for item in items.values():
        item.others = int(counted.get(item.key, 0))
        item.window = window


def _hours(start, end) -> str:
    if end is None or pd.isna(end):
        return "still missing when this was written"
    minutes = round((end - start).total_seconds() / 60)
    if minutes < 60:
        return f"missing for {plural(minutes, 'minute')}"
    hours = round(minutes / 60)
    if hours < 48:
        return f"missing for {plural(hours, 'hour')}"
    return f"missing for {(end - start).total_seconds() / 86400:.1f} days"


def _timeline(
    mine: pd.DataFrame, data: Dataset, me_id: str, homes: dict, place_names: dict
) -> tuple[list[dict], list[dict]]:
    """The latest times missing in full (with this child's own interviews), and the earlier ones by month."""
    rthis = data.rthis[data.rthis["child_id"].eq(me_id).fillna(False).to_numpy(dtype=bool)]
    interviews = data.rthi_episodes.merge(rthis, on="rthi_id", how="inner")
    by_episode = {eid: group for eid, group in interviews.groupby("episode_id")} if len(interviews) else {}
    rows = mine.sort_values("missing_at", ascending=False).to_dict("records")
    out = []
    for row in rows[:EPISODES_IN_FULL]:
        start = row["missing_at"].tz_convert(LONDON)
        frm = display(row.get("missing_from_postcode"))
        where_from = homes.get(frm, "").lower() or place_names.get(frm) or frm
        if where_from and where_from != frm and frm:
            where_from = f"{where_from} ({frm})"
        found = (
            display(row.get("found_at_place"))
            or place_names.get(display(row.get("found_at_postcode")))
            or display(row.get("found_at_postcode"))
        )
        talk = "No return interview is recorded."
        group = by_episode.get(row["episode_id"])
        if group is not None and len(group):
            outcomes = group["outcome"].astype("string").tolist()
            if "completed" in outcomes:
                done = group[group["outcome"].eq("completed")].iloc[0]
                who = display(done.get("worker"))
                when = done.get("completed_at")
                talk = (
                    "You talked about it"
                    + (f" with {who}" if who else "")
                    + (f" on {_long_day(when)}" if when is not None and not pd.isna(when) else "")
                    + "."
                )
            elif all(o == "declined" for o in outcomes):
                talk = "You chose not to talk about it."
            elif "pending" in outcomes:
                talk = "A return interview is still to happen."
            else:
                talk = "A return interview was offered."
        out.append(
            {
                "date": f"{start.strftime('%a')} {_long_day(start)}",
                "time": start.strftime("%H:%M"),
                "how_long": _hours(row["missing_at"], row.get("returned_at")),
                "from": where_from or "not recorded",
                "found": found or "not recorded",
                "talk": talk,
            }
        )
    earlier = {}
    for row in rows[EPISODES_IN_FULL:]:
        month = row["missing_at"].tz_convert(LONDON).strftime("%B %Y")
        earlier[month] = earlier.get(month, 0) + 1
    return out, [{"month": month, "times": plural(n, "time")} for month, n in earlier.items()]


# -- the drawing --------------------------------------------------------------------------------------------------
def _shape(item: Item, x: float, y: float, r: float = 15) -> tuple[str, dict]:
    """An SVG shape for an item: circle (person), triangle (adult of concern), square (place), diamond
    (place of concern); safety is drawn with a double outline. Colour is never the only sign."""
    if item.concern:
        fill = CONCERN_COLOUR
    elif item.safety:
        fill = SAFETY_COLOUR
    elif item.kind == "child":
        fill = "#56B4E9"
    elif item.kind == "place":
        fill = "#E69F00"
    else:
        fill = "#CC79A7" if item.role not in ("family", "professional") else NEUTRAL_COLOUR
    if item.kind == "place":
        if item.concern:
            points = f"{x},{y - r * 1.3} {x + r * 1.3},{y} {x},{y + r * 1.3} {x - r * 1.3},{y}"
            return "polygon", {"points": points, "fill": fill}
        if item.safety:
            points = f"{x},{y - r * 1.2} {x + r},{y - r * 0.2} {x + r},{y + r} {x - r},{y + r} {x - r},{y - r * 0.2}"
            return "polygon", {"points": points, "fill": fill}
        return "rect", {"x": x - r, "y": y - r, "width": 2 * r, "height": 2 * r, "fill": fill}
    if item.concern:
        points = f"{x},{y - r * 1.3} {x + r * 1.2},{y + r * 0.9} {x - r * 1.2},{y + r * 0.9}"
        return "polygon", {"points": points, "fill": fill}
    return "circle", {"cx": x, "cy": y, "r": r, "fill": fill}


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def drawing(child_map: ChildMap, width: int = 1100, height: int = 780) -> dict:
    """Positions for the SVG: the child at the centre and the people and places of their own records round it.

    Safety first, then what worries us, then everyone else, evenly round the
    ring. A person or place also linked to other young people gets a small grey
    bubble further out with how many ("+2"): a count, never who. Labels sit
    outside their symbol, away from the centre, so neighbours' words do not run
    into each other.
    """
    cx, cy = width / 2, height / 2
    first = child_map.step(1)[:DRAWN_FIRST]
    r1, r2 = min(cx, cy) * 0.52, min(cx, cy) * 0.86
    shapes, lines, labels, counts = [], [], [], []
    for k, item in enumerate(first):
        a = -math.pi / 2 + 2 * math.pi * (k + 0.5) / max(len(first), 1)
        dx, dy = math.cos(a), math.sin(a)
        x, y = cx + r1 * dx, cy + r1 * dy
        lines.append(
            {"x1": cx, "y1": cy, "x2": round(x, 1), "y2": round(y, 1), "dashed": item.unverified, "safety": item.safety}
        )
        tag, attrs = _shape(item, round(x, 1), round(y, 1), 15)
        shapes.append({"tag": tag, "attrs": attrs, "safety": item.safety, "title": f"{item.label}: {item.words}"})
        anchor = "start" if dx > 0.15 else ("end" if dx < -0.15 else "middle")
        lx, ly = x + dx * 23, y + dy * 23 + (5 if anchor != "middle" else (14 if dy > 0 else -4))
        labels.append({"x": round(lx, 1), "y": round(ly, 1), "text": _short(item.label), "anchor": anchor, "size": 16})
        if item.others:
            ox, oy = cx + r2 * dx, cy + r2 * dy
            counts.append(
                {
                    "x1": round(x + dx * 17, 1),
                    "y1": round(y + dy * 17, 1),
                    "x2": round(ox, 1),
                    "y2": round(oy, 1),
                    "cx": round(ox, 1),
                    "cy": round(oy, 1),
                    "text": f"+{item.others}",
                    "title": item.others_words,
                }
            )
    hidden = len(child_map.items) - len(first)
    return {
        "width": width,
        "height": height,
        "cx": cx,
        "cy": cy,
        "shapes": shapes,
        "lines": lines,
        "labels": labels,
        "counts": counts,
        "hidden": hidden,
    }


def child_page(dataset: Dataset, child: str, period: Period | None = None, *, reader: str = "you") -> Page:
    """The page of one child's peer map (worker audience).

    Parameters
    ----------
    dataset : the loaded tables.
    child : ``child_id`` or ``C-`` reference.
    period : only this period's episodes and links (``None``: everything recorded).
    reader : ``"you"`` to speak to the young person ("keep you safe"), or ``"name"`` to speak about them.
    """
    return page_of_map(child_map(dataset, child, period), reader=reader)


def page_of_map(found: ChildMap, reader: str = "you") -> Page:
    """The page of a :class:`ChildMap` (see :func:`child_page`)."""
    name = found.child["name"] or found.child["ref"]
    you = reader == "you"
    who = "you" if you else name
    safe = [i for i in found.items if i.safety]
    people = [i for i in found.items if not i.safety and i.kind != "place"]
    places = [i for i in found.items if not i.safety and i.kind == "place"]

    def latest_first(listed):
        return sorted(listed, key=lambda i: -max((f.when.value for f in i.facts if f.when is not None), default=0))

    written_places = latest_first([i for i in places if i.written or i.concern])
    plain = latest_first([i for i in places if not (i.written or i.concern)])
    subject = "You" if you else "They"
    episode_places = [
        (
            "you went missing from here",
            f"{subject} went missing from",
            [i for i in plain if i.episode_days("you went missing from here")],
        ),
        (
            "you were found here",
            f"{subject} were found at",
            [i for i in plain if i.episode_days("you were found here")],
        ),
    ]
    body = ENV.get_template("child.html.j2").render(
        who=who,
        pronoun="you" if you else "them",
        pronoun_subject="you" if you else "they",
        possessive="your" if you else "their",
        s="",
        period=found.period.label if found.period else "",
        window=_window_words(found.period),
        d=drawing(found),
        first=found.step(1)[:DRAWN_FIRST],
        centre=_short(name, 18),
        safe=safe,
        people=people,
        places=places,
        written_places=written_places,
        episode_places=episode_places,
        places_listed=PLACES_LISTED,
        episodes=found.episodes,
        earlier=found.earlier,
        facts_shown=FACTS_SHOWN,
    )
    subtitle = f"{name} ({found.child['ref']})" + (
        f", age {found.child['age']} {found.age_note}" if found.child["age"] else ""
    )
    return Page(
        title=f"Peer map: {name}",
        subtitle=subtitle,
        body=body,
        styles=[assets.static("child.css")],
        body_class="large",
        footer="For a worker's session with this young person. Names and notes are shown: keep it safe, "
        "and do not leave a copy with anyone else.",
    )


# -- the page's file ----------------------------------------------------------------------------------------------
def data_span(dataset: Dataset) -> Period:
    """The local dates from the first to the last episode (a child page for "everything recorded")."""
    times = dataset.episodes["missing_at"].dropna()
    if times.empty:
        today = pd.Timestamp.now(tz=LOCAL_TIME_ZONE).date()
        return Period(today, today)
    local = times.dt.tz_convert(LOCAL_TIME_ZONE) if isinstance(times.dtype, pd.DatetimeTZDtype) else times
    return Period(local.min().date(), local.max().date())


def write_child_page(
    dataset: Dataset,
    child_id: str,
    out_file: str | Path,
    period: Period | None = None,
    *,
    reader: str = "you",
    command: list[str] | None = None,
    user: str | None = None,
    audit: "bool | AuditRun" = True,
) -> Path:
    """Write one child's peer map (``worker`` audience) to ``out_file`` and append its audit line.

    Only that file is replaced, through a temporary file and a rename
    (:func:`exports.output_folder.replace_file`). The audit line carries the
    page's manifest (its SHA-256 and what it was made from) and that manifest's
    SHA-256, as a pack's does. ``audit``: True appends a line (failures
    included), False none, or the :class:`~exports.audit.AuditRun` of a command
    that is already auditing its run.
    """
    out = Path(out_file)
    span = period or data_span(dataset)
    manifest: dict = {}
    if isinstance(audit, AuditRun) or not audit:
        log = contextlib.nullcontext(audit or None)
    else:
        log = audited(out, audience="worker", period=span.as_dict() if period else None, command=command, user=user)

    with log as run:
        found = child_map(dataset, child_id, period)
        page = page_of_map(found, reader=reader)

        def write(temporary: Path) -> None:
            write_page(temporary, page)
            manifest.update(
                build_manifest(
                    "worker",
                    span,
                    dataset.inputs,
                    [],
                    out.parent,
                    extra={"child": found.child["ref"], "period_given": period is not None},
                    loaded=dataset.loaded,
                )
            )
            manifest["files"] = {out.name: sha256_file(temporary)}

        def record() -> None:
            canonical = json.dumps(manifest, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
            run.written(hashlib.sha256(canonical).hexdigest(), extra={"manifest": manifest})

        replace_file(out, write, after=record if run is not None else None)
    return out
