"""One child's peer map, for a worker's session with that young person (the ``worker`` audience).

``peermap child CHILD_ID`` writes one page a worker can open, or print, and
go through with the young person: the child in the middle, the people and
places around them within two steps, what keeps them safe as well as what
worries us, and a timeline of the times they were missing. It is written in
plain words and large type for a young person to read, and it may show names
and notes (DESIGN.md: the worker audience), but never handling-``C``
intelligence, phones, vehicles or online handles (they are removed before
anything is drawn, by :func:`exports.audiences.restrict_dataset`).

What counts as "around" them, from the loaded tables alone:

- **one step**: everyone and everything the child's own intelligence links
  name (other children, associates, places), the children whose intelligence
  names them, and the places their episodes started from or ended at;
- **two steps**: for each person one step away, who and what *their* links
  name (for another child: their own links; for an associate: the other
  children linked to that associate). Places are not followed a second step:
  a bus station links to everyone.

Every link keeps its source and grades beside it, and a link graded ``3``,
``D`` or ``E``, or not graded, says "not confirmed" (SCHEMA.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from exports.audiences import associate_names, audience_policy, restrict_dataset
from exports.escaping import display
from exports.page import CONCERN_COLOUR, ENV, NEUTRAL_COLOUR, SAFETY_COLOUR, Page
from graph_models.dataset import Dataset
from mapping.associates import associate_roles
from mapping.periods import Period

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
SOURCE_WORDS = {"rthi": "your return interview", "police": "the police", "school": "school", "worker": "a worker",
                "partner": "a partner agency"}
SAFETY_PERSON_ROLES = ("protective",)
CONCERN_PERSON_ROLES = ("adult_of_concern",)
SAFETY_PLACE_ROLES = ("safe_place",)
CONCERN_PLACE_ROLES = ("exploitation_location",)
#: How many people and places the drawing shows on each ring (the lists below show everyone).
DRAWN_FIRST, DRAWN_SECOND = 16, 24


class ChildNotFound(LookupError):
    """No child with that ID or reference."""


@dataclass
class Fact:
    """One thing recorded that puts a person or place on the map."""

    when: pd.Timestamp | None
    words: str
    source: str = ""
    grading: str = ""
    unverified: bool = False
    notes: str = ""


@dataclass
class Item:
    """A person or place on a child's map."""

    key: str
    kind: str                  # child, associate, place
    label: str
    role: str | None
    step: int
    via: str | None = None     # key of the one-step item it is reached through
    facts: list[Fact] = field(default_factory=list)

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


@dataclass
class ChildMap:
    """Everything on one child's page."""

    child: dict
    period: Period | None
    items: list[Item]
    episodes: list[dict]

    def step(self, n: int) -> list[Item]:
        return [i for i in self.items if i.step == n]


# -- what is around the child -----------------------------------------------------------------------------------
def _find_child(children: pd.DataFrame, child: str) -> pd.Series:
    text = str(child).strip()
    match = children[children["child_id"].eq(text).fillna(False).to_numpy(dtype=bool)
                     | children["ref"].eq(text.upper()).fillna(False).to_numpy(dtype=bool)]
    if match.empty:
        raise ChildNotFound(f"no child {text!r} in the data (give the case-system child_id or the C- reference)")
    return match.iloc[0]


def _grading(row) -> str:
    parts = [display(row.get("source_grade")), display(row.get("intel_grade"))]
    return "/".join(p for p in parts if p) or "not graded"


def _link_fact(row, words: str) -> Fact:
    source = display(row.get("source"))
    with_during = row.get("with_during_episode")
    if with_during is True:
        words += ", with you while you were missing"
    return Fact(when=_time(row.get("recorded_at")), words=words, source=SOURCE_WORDS.get(source, source),
                grading=_grading(row), unverified=bool(row.get("unverified")), notes=display(row.get("notes")))


def _time(value):
    return None if value is None or pd.isna(value) else value


def _place_key(row) -> tuple[str, str]:
    postcode = display(row.get("target_postcode"))
    name = display(row.get("target_ref"))
    return ("place:" + (postcode or name.lower()), name)


def child_map(dataset: Dataset, child: str, period: Period | None = None) -> ChildMap:
    """The people and places within two steps of one child, and their episodes (worker audience).

    Parameters
    ----------
    dataset : the loaded tables; restricted here to what the worker audience may see.
    child : the child's ``child_id`` or ``C-`` reference.
    period : only episodes and links of this period (links by ``recorded_at``); ``None``: everything.

    Notes
    -----
    Boolean masks over the links, then small loops over the child's own
    neighbours (tens of rows): O(n) in links.
    """
    data = restrict_dataset(dataset, audience_policy("worker"))
    me = _find_child(data.children, child)
    links, episodes = data.links, data.episodes
    if period is not None:
        links = links[period.contains(links["recorded_at"]).to_numpy(dtype=bool)]
        episodes = episodes[period.contains(episodes["missing_at"]).to_numpy(dtype=bool)]
    names = dict(zip(data.children["child_id"], data.children["display_name"]))
    refs = dict(zip(data.children["child_id"], data.children["ref"]))
    roles = associate_roles(data.associates, data.links) if len(data.associates) else pd.DataFrame()
    called = associate_names(data.associates, audience_policy("worker")) if len(data.associates) else pd.Series()
    place_names = dict(zip(data.places["postcode"], data.places["place_name"]))

    items: dict[str, Item] = {}

    def child_label(child_id: str) -> str:
        return display(names.get(child_id)) or display(refs.get(child_id)) or "another young person"

    def add(key, kind, label, role, step, via, fact):
        item = items.get(key)
        if item is None or item.step > step:
            old = item
            item = Item(key, kind, label, role, step, via)
            if old is not None:
                item.facts = old.facts
            items[key] = item
        if role in CONCERN_PERSON_ROLES + CONCERN_PLACE_ROLES + SAFETY_PERSON_ROLES + SAFETY_PLACE_ROLES:
            item.role = item.role if item.role in CONCERN_PERSON_ROLES + CONCERN_PLACE_ROLES else role
        if fact is not None:
            item.facts.append(fact)

    def follow(source_child: str, step: int, via: str | None, me_id: str):
        own = links[links["child_id"].eq(source_child).fillna(False).to_numpy(dtype=bool)]
        for row in own.to_dict("records"):
            kind = row.get("target_type")
            if kind == "child":
                other = row.get("target_child_id")
                if other == me_id or pd.isna(other):
                    continue
                add(f"child:{other}", "child", child_label(other), None, step, via,
                    _link_fact(row, "named together in what was recorded"))
            elif kind == "associate":
                key = row.get("associate_key")
                if pd.isna(key):
                    continue
                role = display(roles["role"].get(key)) if len(roles) and key in roles.index else display(row.get("role"))
                ref = display(roles["ref"].get(key)) if len(roles) and key in roles.index else ""
                label = display(called.get(ref)) or display(row.get("target_ref"))
                add(f"associate:{key}", "associate", label, role or None, step, via,
                    _link_fact(row, PERSON_WORDS.get(role or None, PERSON_WORDS[None])))
            elif kind == "place" and step == 1:
                key, name = _place_key(row)
                postcode = display(row.get("target_postcode"))
                label = f"{place_names[postcode]} ({postcode})" if postcode in place_names else name
                role = display(row.get("role")) or None
                add(key, "place", label, role, step, via, _link_fact(row, PLACE_WORDS.get(role, PLACE_WORDS[None])))
        naming = links[links["target_child_id"].eq(source_child).fillna(False).to_numpy(dtype=bool)]
        for row in naming.to_dict("records"):
            other = row.get("child_id")
            if other == me_id:
                continue
            add(f"child:{other}", "child", child_label(other), None, step, via,
                _link_fact(row, "named together in what was recorded"))

    me_id = me["child_id"]
    follow(me_id, 1, None, me_id)

    # places of the child's own episodes
    mine = episodes[episodes["child_id"].eq(me_id).fillna(False).to_numpy(dtype=bool)].sort_values("missing_at")
    homes = {display(me.get("home_postcode")): "home", display(me.get("placement_postcode")): "where you live"}
    for row in mine.to_dict("records"):
        start = row.get("missing_at")
        postcode = display(row.get("missing_from_postcode"))
        if postcode:
            label = homes.get(postcode)
            label = f"{label} ({postcode})" if label else (
                f"{place_names[postcode]} ({postcode})" if postcode in place_names else postcode)
            add(f"place:{postcode}", "place", label, "missing_from", 1, None,
                Fact(start, "you went missing from here", source="the missing episode", grading="recorded"))
        found_pc, found_name = display(row.get("found_at_postcode")), display(row.get("found_at_place"))
        if found_pc or found_name:
            key = "place:" + (found_pc or found_name.lower())
            label = found_name + (f" ({found_pc})" if found_pc and found_name else "") if found_name else (
                f"{place_names[found_pc]} ({found_pc})" if found_pc in place_names else found_pc)
            add(key, "place", label, "found_at", 1, None,
                Fact(_time(row.get("returned_at")) or start, "you were found here", source="the missing episode",
                     grading="recorded"))

    # two steps: through the people one step away
    for item in [i for i in items.values() if i.step == 1 and i.kind != "place"]:
        if item.kind == "child":
            follow(item.key.split(":", 1)[1], 2, item.key, me_id)
        else:
            key = item.key.split(":", 1)[1]
            others = links[links["associate_key"].eq(key).fillna(False).to_numpy(dtype=bool)
                           & links["child_id"].ne(me_id).fillna(True).to_numpy(dtype=bool)]
            for row in others.to_dict("records"):
                other = row["child_id"]
                add(f"child:{other}", "child", child_label(other), None, 2, item.key,
                    _link_fact(row, f"also linked to {item.label}"))

    ordered = sorted(items.values(), key=lambda i: (i.step, not i.safety, not i.concern, i.kind, i.label.lower()))
    child = {
        "child_id": display(me["child_id"]), "ref": display(me["ref"]), "name": display(me.get("display_name")),
        "age": _age(me.get("birth_date")),
    }
    return ChildMap(child, period, ordered, _timeline(mine, data, homes, place_names))


def _age(birth) -> str:
    if birth is None or pd.isna(birth):
        return ""
    today = pd.Timestamp.now(tz=None).normalize()
    birth = pd.Timestamp(birth)
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return str(years) if years >= 0 else ""


def _hours(start, end) -> str:
    if end is None or pd.isna(end):
        return "still missing when this was written"
    hours = (end - start).total_seconds() / 3600
    if hours < 1:
        return f"missing for {round(hours * 60)} minutes"
    return f"missing for {hours:.0f} hour{'s' if round(hours) != 1 else ''}" if hours < 48 else \
        f"missing for {hours / 24:.1f} days"


def _timeline(mine: pd.DataFrame, data: Dataset, homes: dict, place_names: dict) -> list[dict]:
    interviews = data.rthi_episodes.merge(data.rthis, on="rthi_id", how="left")
    by_episode = {eid: group for eid, group in interviews.groupby("episode_id")} if len(interviews) else {}
    out = []
    for row in mine.to_dict("records"):
        start = row["missing_at"]
        frm = display(row.get("missing_from_postcode"))
        where_from = homes.get(frm) or place_names.get(frm) or frm
        if where_from and where_from != frm and frm:
            where_from = f"{where_from} ({frm})"
        found = display(row.get("found_at_place")) or place_names.get(display(row.get("found_at_postcode"))) or \
            display(row.get("found_at_postcode"))
        talk = "no return interview recorded"
        group = by_episode.get(row["episode_id"])
        if group is not None and len(group):
            outcomes = group["outcome"].astype("string").tolist()
            if "completed" in outcomes:
                done = group[group["outcome"].eq("completed")].iloc[0]
                who = display(done.get("worker"))
                when = done.get("completed_at")
                talk = "you talked about it" + (f" with {who}" if who else "") + (
                    f" on {when.strftime('%d %B %Y')}" if when is not None and not pd.isna(when) else "")
            elif all(o == "declined" for o in outcomes):
                talk = "you chose not to talk about it"
            elif "pending" in outcomes:
                talk = "a return interview is still to happen"
            else:
                talk = "a return interview was offered"
        out.append({
            "date": start.strftime("%a %d %B %Y"), "time": start.strftime("%H:%M"),
            "how_long": _hours(start, row.get("returned_at")), "from": where_from or "not recorded",
            "found": found or "not recorded", "talk": talk,
        })
    return out


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
            points = f"{x},{y - r * 1.2} {x + r},{y - r * .2} {x + r},{y + r} {x - r},{y + r} {x - r},{y - r * .2}"
            return "polygon", {"points": points, "fill": fill}
        return "rect", {"x": x - r, "y": y - r, "width": 2 * r, "height": 2 * r, "fill": fill}
    if item.concern:
        points = f"{x},{y - r * 1.3} {x + r * 1.2},{y + r * .9} {x - r * 1.2},{y + r * .9}"
        return "polygon", {"points": points, "fill": fill}
    return "circle", {"cx": x, "cy": y, "r": r, "fill": fill}


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def drawing(child_map: ChildMap, width: int = 1100, height: int = 780) -> dict:
    """Positions for the SVG: the child at the centre, one step on an inner ring, two steps outside.

    People and places one step away go round the inner ring, safety first, then
    everyone else, each with a slice of the circle as wide as the number of
    two-step items reached through it; those sit on the outer ring within that
    slice (a radial tree), so lines do not cross. Labels sit outside their symbol, away from
    the centre, so neighbours' words do not run into each other.
    """
    cx, cy = width / 2, height / 2
    first = child_map.step(1)[:DRAWN_FIRST]
    shown = {i.key for i in first}
    second = [i for i in child_map.step(2) if i.via in shown][:DRAWN_SECOND]
    below: dict[str, list[Item]] = {}
    for item in second:
        below.setdefault(item.via, []).append(item)
    # a radial tree: each one-step item gets a slice of the circle as wide as what hangs from it
    share = [max(1, len(below.get(i.key, []))) for i in first]
    total = float(sum(share)) or 1.0
    angle, start = {}, -math.pi / 2
    for item, width_of in zip(first, share):
        sweep = 2 * math.pi * width_of / total
        angle[item.key] = start + sweep / 2
        children = below.get(item.key, [])
        for k, child in enumerate(children):
            angle[child.key] = start + sweep * (k + 0.5) / len(children)
        start += sweep
    r1, r2 = min(cx, cy) * 0.45, min(cx, cy) * 0.82
    pos = {}
    for item in first + second:
        radius = r1 if item.step == 1 else r2
        a = angle[item.key]
        pos[item.key] = (cx + radius * math.cos(a), cy + radius * math.sin(a))
    shapes, lines, labels = [], [], []
    for item in first + second:
        x, y = pos[item.key]
        px, py = (cx, cy) if item.step == 1 else pos[item.via]
        lines.append({"x1": round(px, 1), "y1": round(py, 1), "x2": round(x, 1), "y2": round(y, 1),
                      "dashed": item.unverified, "safety": item.safety})
        size = 15 if item.step == 1 else 11
        tag, attrs = _shape(item, round(x, 1), round(y, 1), size)
        shapes.append({"tag": tag, "attrs": attrs, "safety": item.safety, "title": f"{item.label}: {item.words}"})
        a = angle[item.key]
        dx, dy = math.cos(a), math.sin(a)
        gap = size + 8
        anchor = "start" if dx > 0.15 else ("end" if dx < -0.15 else "middle")
        lx, ly = x + dx * gap, y + dy * gap + (5 if anchor != "middle" else (14 if dy > 0 else -4))
        labels.append({"x": round(lx, 1), "y": round(ly, 1), "text": _short(item.label), "anchor": anchor,
                       "size": 16 if item.step == 1 else 13})
    hidden = len(child_map.items) - len(first) - len(second)
    return {"width": width, "height": height, "cx": cx, "cy": cy, "shapes": shapes, "lines": lines,
            "labels": labels, "hidden": hidden}


CHILD_CSS = """
body.large { font-size: 1.2rem; }
body.large main { max-width: 70rem; margin: 0 auto; }
body.large h1 { font-size: 1.8rem; }
body.large h2 { font-size: 1.5rem; margin-top: 1.5em; }
.child-map svg.peer-map { width: 100%; height: auto; max-height: 80vh; border: 1px solid #8C8C8C; background: #FFFFFF; }
.child-map text { font-family: inherit; fill: #1A1A1A; paint-order: stroke; stroke: #FFFFFF; stroke-width: 4px; }
.child-map .line { stroke: #4D4D4D; stroke-width: 2; }
.child-map .line.dashed { stroke-dasharray: 7 6; }
.child-map .line.safety { stroke: #00664A; stroke-width: 3; }
.child-map .shape { stroke: #1A1A1A; stroke-width: 2; }
.child-map .shape.safety { stroke: #00664A; stroke-width: 4; }
ul.around { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr));
            gap: .8em; }
ul.around > li { border: 2px solid #8C8C8C; border-radius: .5em; padding: .6em .8em; break-inside: avoid; }
ul.around > li.safety { border-color: #00664A; border-width: 3px; }
ul.around > li.concern { border-color: #A63D00; border-width: 3px; }
ul.around .who { font-weight: bold; font-size: 1.15em; }
ul.facts { margin: .3em 0 0; padding-left: 1.1em; font-size: .95em; }
ol.timeline { padding-left: 1.4em; }
ol.timeline li { margin: .2em 0 .9em; break-inside: avoid; }
.legend { display: flex; flex-wrap: wrap; gap: .5em 1.5em; margin: .5em 0; padding: 0; list-style: none; }
.legend svg { vertical-align: middle; }
"""

CHILD_BODY = ENV.from_string("""
<p class="lead">This map shows the people and places around {{ who }}{% if period %} from {{ period }}{% endif %}:
the ones that help keep {{ pronoun }} safe, and the ones we worry about. It comes from what has been written down
about the times {{ pronoun_subject }} went missing. Anything marked <span class="badge unverified">not confirmed</span>
was told to someone but has not been checked.</p>

<section class="child-map" aria-labelledby="map-heading">
<h2 id="map-heading">The map</h2>
<ul class="legend" aria-label="What the shapes mean">
<li><svg width="26" height="26" aria-hidden="true"><circle cx="13" cy="13" r="10" fill="#56B4E9" stroke="#1A1A1A" stroke-width="2"/></svg> a young person</li>
<li><svg width="26" height="26" aria-hidden="true"><circle cx="13" cy="13" r="10" fill="#CC79A7" stroke="#1A1A1A" stroke-width="2"/></svg> someone else you know</li>
<li><svg width="26" height="26" aria-hidden="true"><circle cx="13" cy="13" r="10" fill="#009E73" stroke="#00664A" stroke-width="4"/></svg> someone who helps keep you safe</li>
<li><svg width="26" height="26" aria-hidden="true"><polygon points="13,2 25,22 1,22" fill="#D55E00" stroke="#1A1A1A" stroke-width="2"/></svg> an adult we are worried about</li>
<li><svg width="26" height="26" aria-hidden="true"><rect x="3" y="3" width="20" height="20" fill="#E69F00" stroke="#1A1A1A" stroke-width="2"/></svg> a place</li>
<li><svg width="26" height="26" aria-hidden="true"><polygon points="13,1 24,10 24,24 2,24 2,10" fill="#009E73" stroke="#00664A" stroke-width="4"/></svg> a safe place</li>
<li><svg width="26" height="26" aria-hidden="true"><polygon points="13,1 25,13 13,25 1,13" fill="#D55E00" stroke="#1A1A1A" stroke-width="2"/></svg> a place we are worried about</li>
<li><svg width="40" height="26" aria-hidden="true"><line x1="2" y1="13" x2="38" y2="13" stroke="#4D4D4D" stroke-width="2" stroke-dasharray="7 6"/></svg> not confirmed</li>
</ul>
<svg class="peer-map" viewBox="0 0 {{ d.width }} {{ d.height }}" role="img" aria-labelledby="map-title map-desc">
<title id="map-title">Peer map of {{ who }}</title>
<desc id="map-desc">{{ who }} in the middle; {{ first|length }} people and places close by on the inner ring, and
{{ second|length }} more two steps away on the outer ring. Everyone is listed below the map.</desc>
{% for l in d.lines %}
<line class="line{% if l.dashed %} dashed{% endif %}{% if l.safety %} safety{% endif %}" x1="{{ l.x1 }}" y1="{{ l.y1 }}" x2="{{ l.x2 }}" y2="{{ l.y2 }}"/>
{% endfor %}
{% for s in d.shapes %}
<{{ s.tag }} class="shape{% if s.safety %} safety{% endif %}"{% for k, v in s.attrs.items() %} {{ k }}="{{ v }}"{% endfor %}><title>{{ s.title }}</title></{{ s.tag }}>
{% endfor %}
<circle cx="{{ d.cx }}" cy="{{ d.cy }}" r="34" fill="#FFFFFF" stroke="#1A1A1A" stroke-width="4"/>
<text x="{{ d.cx }}" y="{{ d.cy + 6 }}" text-anchor="middle" font-size="18" font-weight="bold">{{ centre }}</text>
{% for t in d.labels %}
<text x="{{ t.x }}" y="{{ t.y }}" text-anchor="{{ t.anchor }}" font-size="{{ t.size }}">{{ t.text }}</text>
{% endfor %}
</svg>
{% if d.hidden > 0 %}<p class="muted">{{ d.hidden }} more are not drawn, to keep the map readable; they are in the lists below.</p>{% endif %}
</section>

{% macro card(item) %}
<li class="{% if item.safety %}safety{% elif item.concern %}concern{% endif %}">
<div class="who">{{ item.label }}</div>
<div>{{ item.words }}{% if item.safety %} <span class="badge safety">safe</span>{% endif %}{% if item.concern %} <span class="badge concern">worry</span>{% endif %}
{% if item.unverified %} <span class="badge unverified">not confirmed</span>{% endif %}</div>
{% if item.via %}<div class="muted">through {{ labels[item.via] }}</div>{% endif %}
<ul class="facts">
{% for f in item.facts[:6] %}
<li>{{ f.words }}{% if f.when %}, {{ f.when.strftime('%d %B %Y') }}{% endif %}{% if f.source %}; from {{ f.source }}{% endif %}{% if f.grading %} (graded {{ f.grading }}){% endif %}{% if f.unverified %}, <span class="badge unverified">not confirmed</span>{% endif %}{% if f.notes %}<br><span class="muted">Note: {{ f.notes }}</span>{% endif %}</li>
{% endfor %}
{% if item.facts|length > 6 %}<li class="muted">and {{ item.facts|length - 6 }} more times</li>{% endif %}
</ul>
</li>
{% endmacro %}

<section aria-labelledby="safe-heading">
<h2 id="safe-heading" class="safety-text">People and places that help keep {{ pronoun }} safe</h2>
{% if safe %}<ul class="around">{% for item in safe %}{{ card(item) }}{% endfor %}</ul>
{% else %}<p>Nobody has been written down here yet. Who would {{ pronoun_subject }} go to? Places where {{ pronoun_subject }} feel{{ s }} safe?</p>{% endif %}
</section>

<section aria-labelledby="close-heading">
<h2 id="close-heading">Close by: one step away</h2>
{% if close %}<ul class="around">{% for item in close %}{{ card(item) }}{% endfor %}</ul>{% else %}<p>No one written down.</p>{% endif %}
</section>

<section aria-labelledby="far-heading">
<h2 id="far-heading">Two steps away</h2>
{% if far %}<ul class="around">{% for item in far %}{{ card(item) }}{% endfor %}</ul>{% else %}<p>No one written down.</p>{% endif %}
</section>

<section aria-labelledby="time-heading">
<h2 id="time-heading">The times {{ pronoun_subject }} went missing</h2>
{% if episodes %}
<ol class="timeline">
{% for e in episodes %}
<li><strong>{{ e.date }}, {{ e.time }}</strong>: {{ e.how_long }}. From {{ e.from }}; found at {{ e.found }}. {{ e.talk|capitalize }}.</li>
{% endfor %}
</ol>
{% else %}<p>No times recorded{% if period %} in this period{% endif %}.</p>{% endif %}
</section>
""")


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
    who = "you" if reader == "you" else name
    labels = {i.key: i.label for i in found.items}
    safe = [i for i in found.items if i.safety]
    close = [i for i in found.items if i.step == 1 and not i.safety]
    far = [i for i in found.items if i.step == 2 and not i.safety]
    body = CHILD_BODY.render(
        who=who, pronoun="you" if reader == "you" else "them", pronoun_subject="you" if reader == "you" else "they",
        s="", period=found.period.label if found.period else "", d=drawing(found), first=found.step(1)[:DRAWN_FIRST],
        second=[i for i in found.step(2)][:DRAWN_SECOND], centre=_short(name, 18), safe=safe, close=close, far=far,
        labels=labels, episodes=found.episodes,
    )
    subtitle = f"{name} ({found.child['ref']})" + (f", age {found.child['age']}" if found.child["age"] else "")
    return Page(title=f"Peer map: {name}", subtitle=subtitle, body=body, styles=[CHILD_CSS], body_class="large",
                footer="For a worker's session with this young person. Names and notes are shown: keep it safe, "
                       "and do not leave a copy with anyone else.")
