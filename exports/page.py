"""The shell every page shares: marking, security policy, palette, keyboard use, print, error capture.

Every page :func:`render_page` makes:

- is marked **OFFICIAL-SENSITIVE** at the top and bottom of the screen and of
  every printed page. The page is laid out as one table whose header and footer
  rows hold the marking: on screen they are the top and bottom bars; in print,
  browsers repeat a table's header and footer on every page, so each sheet
  carries the marking however long the page is;
- carries a strict Content-Security-Policy: ``default-src 'none'``, scripts
  only the page's own (each inline script allowed by its SHA-256, so neither an
  injected ``<script>`` nor an inline event handler such as ``onerror=`` could
  run), inline styles, images only ``data:`` URIs (plus the basemap's tile
  server when one was asked for), no connections, no forms, no frames. Even if
  something slipped past the escaping, the page could not make a request;
- records JavaScript errors, failed loads and security-policy violations in
  ``window.__peermapErrors`` (the browser tests read it);
- is readable by everyone: the Okabe-Ito colour-blind-safe palette, meaning
  never carried by colour alone (shapes, words and line styles too), text
  contrast of at least 4.5:1 (WCAG AA), a skip link, visible focus, controls
  reachable by keyboard, and a clean print stylesheet.

Page bodies are Jinja2 templates with autoescaping on (:data:`ENV`): every
``{{ value }}`` is HTML-escaped. Data for scripts goes into a
``<script type="application/json">`` island written by
:func:`exports.escaping.script_json`.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from peermap.exports.escaping import script_json
from peermap.graph_models.private_files import make_folder, open_private

MARKING = "OFFICIAL-SENSITIVE"

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "black": "#000000",
}
#: Cluster colours in order: Okabe-Ito without bluish green (safety), vermillion (concern) and black (text).
CLUSTER_COLOURS = ("#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442")
#: What carries a fixed meaning: safety is bluish green, adults of concern vermillion (always with a shape
#: and a word as well).
SAFETY_COLOUR = OKABE_ITO["bluish_green"]
CONCERN_COLOUR = OKABE_ITO["vermillion"]
NEUTRAL_COLOUR = "#767676"  # grey with 4.5:1 on white

#: Text colour on background pairs the pages use; every one is at least 4.5:1 (tests check).
TEXT_PAIRS = {
    "body": ("#1A1A1A", "#FFFFFF"),
    "muted": ("#4D4D4D", "#FFFFFF"),
    "link": ("#005A8C", "#FFFFFF"),
    "marking": ("#FFFFFF", "#1A1A1A"),
    "concern": ("#A63D00", "#FFFFFF"),
    "safety": ("#00664A", "#FFFFFF"),
    "panel": ("#1A1A1A", "#F2F2F2"),
    "focus_text": ("#1A1A1A", "#FFE680"),
    "badge_concern": ("#FFFFFF", "#A63D00"),
    "badge_safety": ("#FFFFFF", "#00664A"),
    "table_head": ("#FFFFFF", "#33414E"),
}

ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENV.filters["script_json"] = lambda value: Markup(script_json(value))


def cluster_colour(cluster) -> str:
    """The colour of a cluster number (cycled; clusters are also named in words, never by colour alone)."""
    try:
        number = int(cluster)
    except (TypeError, ValueError):
        return NEUTRAL_COLOUR
    if number < 0:
        return NEUTRAL_COLOUR
    return CLUSTER_COLOURS[number % len(CLUSTER_COLOURS)]


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#RRGGBB``."""
    value = colour.lstrip("#")
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio (1 to 21).

    Examples
    --------
    >>> round(contrast("#000000", "#FFFFFF"), 1)
    21.0
    """
    a, b = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# -- the parts of the shell --------------------------------------------------------------------------------------
ERROR_CAPTURE = """window.__peermapErrors = [];
(function () {
  function note(text) { window.__peermapErrors.push(String(text)); }
  window.addEventListener("error", function (event) {
    if (event.target && event.target !== window && event.target.tagName) {
      note("failed to load " + event.target.tagName.toLowerCase() + " " + (event.target.src || event.target.href || ""));
    } else {
      note((event.message || "error") + (event.filename ? " at " + event.filename + ":" + event.lineno : ""));
    }
  }, true);
  window.addEventListener("unhandledrejection", function (event) { note("unhandled rejection: " + event.reason); });
  document.addEventListener("securitypolicyviolation", function (event) {
    note("blocked by the page's security policy: " + event.violatedDirective + " " + event.blockedURI);
  });
})();"""

#: Small DOM helpers every page script uses: data only ever goes in through textContent.
DOM_JS = """var PM = window.PM = window.PM || {};
PM.data = function (id) { return JSON.parse(document.getElementById(id || "pm-data").textContent); };
PM.el = function (tag, className, text) {
  var node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  return node;
};
PM.add = function (parent, tag, className, text) { var node = PM.el(tag, className, text); parent.appendChild(node); return node; };
PM.rows = function (parent, pairs) {
  var list = PM.add(parent, "dl", "pm-facts");
  pairs.forEach(function (pair) {
    if (pair[1] === undefined || pair[1] === null || pair[1] === "") { return; }
    PM.add(list, "dt", null, pair[0]);
    PM.add(list, "dd", null, pair[1]);
  });
  return list;
};
PM.clear = function (node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; };"""

BASE_CSS = """
:root { --text: #1A1A1A; --muted: #4D4D4D; --link: #005A8C; --panel: #F2F2F2; --rule: #8C8C8C;
        --concern: #A63D00; --safety: #00664A; --focus: #FFE680; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 100%;
       color: var(--text); background: #FFFFFF; line-height: 1.45; }
body { margin: 0; }
a { color: var(--link); }
a:focus, button:focus, select:focus, input:focus, summary:focus, [tabindex]:focus, .vis-network:focus {
  outline: 3px solid #1A1A1A; outline-offset: 2px; background-color: var(--focus); }
.skip { position: absolute; left: -10000px; top: 0; z-index: 10000; padding: .5em 1em; background: var(--focus);
        color: #1A1A1A; font-weight: bold; }
.skip:focus { left: .5em; top: .5em; }
table.pm-frame { border-collapse: collapse; width: 100%; }
table.pm-frame, table.pm-frame > thead, table.pm-frame > tbody, table.pm-frame > tfoot,
table.pm-frame > * > tr, table.pm-frame > * > tr > td { display: block; padding: 0; }
.marking { background: #1A1A1A; color: #FFFFFF; text-align: center; font-weight: bold; letter-spacing: .08em;
           padding: .3em; font-size: .95rem; }
.pm-header { padding: .6em 1em; border-bottom: 1px solid var(--rule); display: flex; flex-wrap: wrap;
             gap: .3em 1.5em; align-items: baseline; }
.pm-header h1 { font-size: 1.4rem; margin: 0; }
.pm-header .meta { color: var(--muted); }
nav.pm-nav ul { list-style: none; margin: 0; padding: 0; display: flex; gap: 1em; flex-wrap: wrap; }
nav.pm-nav a[aria-current="page"] { font-weight: bold; color: var(--text); text-decoration: none; }
main { padding: 1em; }
main:focus { outline: none; background: none; }
.pm-footer { padding: .6em 1em; border-top: 1px solid var(--rule); color: var(--muted); font-size: .9rem; }
h2 { font-size: 1.2rem; margin: 1.2em 0 .4em; }
h3 { font-size: 1.05rem; margin: 1em 0 .3em; }
table.pm-table { border-collapse: collapse; margin: .3em 0 1em; }
table.pm-table th, table.pm-table td { border: 1px solid var(--rule); padding: .25em .5em; text-align: left;
                                        vertical-align: top; }
table.pm-table thead th { background: #33414E; color: #FFFFFF; }
table.pm-table td.num, table.pm-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .4em; border-radius: .3em; font-size: .85em; font-weight: bold; }
.badge.concern { background: var(--concern); color: #FFFFFF; }
.badge.safety { background: var(--safety); color: #FFFFFF; }
.badge.unverified { border: 1px dashed #1A1A1A; color: #1A1A1A; }
.concern-text { color: var(--concern); }
.safety-text { color: var(--safety); }
dl.pm-facts { display: grid; grid-template-columns: minmax(0, 11em) minmax(0, 1fr); gap: .15em .8em; margin: .3em 0; }
dl.pm-facts dt { font-weight: bold; }
dl.pm-facts dd { margin: 0; overflow-wrap: anywhere; }
.swatch { display: inline-block; width: 1em; height: 1em; border: 1px solid #1A1A1A; vertical-align: -0.15em;
          margin-right: .3em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
                   white-space: nowrap; }
button, select, input { font: inherit; }
button { padding: .2em .7em; border: 1px solid #1A1A1A; background: #FFFFFF; color: #1A1A1A; border-radius: .3em;
         cursor: pointer; }
@media print {
  @page { margin: 12mm 10mm; }
  html { font-size: 11pt; }
  .skip, nav.pm-nav, .no-print, .pm-controls { display: none !important; }
  table.pm-frame { display: table; }
  table.pm-frame > thead { display: table-header-group; }
  table.pm-frame > tbody { display: table-row-group; }
  table.pm-frame > tfoot { display: table-footer-group; }
  table.pm-frame > * > tr { display: table-row; }
  table.pm-frame > * > tr > td { display: table-cell; }
  .marking { background: none; color: #000000; border-bottom: 1pt solid #000000; -webkit-print-color-adjust: exact;
             print-color-adjust: exact; }
  tfoot .marking { border-bottom: none; border-top: 1pt solid #000000; }
  a { color: #000000; text-decoration: none; }
  table.pm-table thead th { background: #FFFFFF; color: #000000; }
  table.pm-table tr, .pm-keep { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
"""

SHELL = ENV.from_string("""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="peermap">
<title>{{ marking }}: {{ title }}</title>
<script>{{ error_capture }}</script>
{% for css in styles %}
<style>{{ css }}</style>
{% endfor %}
</head>
<body class="{{ body_class }}">
<a class="skip" href="#main">Skip to content</a>
<table class="pm-frame" role="presentation">
<thead><tr><td><div class="marking" role="note" aria-label="Protective marking">{{ marking }}</div></td></tr></thead>
<tbody><tr><td>
<header class="pm-header">
<h1>{{ title }}</h1>
{% if subtitle %}<span class="meta">{{ subtitle }}</span>{% endif %}
{% if nav %}
<nav class="pm-nav" aria-label="Pages of this pack"><ul>
{% for href, label in nav %}
<li><a href="{{ href }}"{% if href == current %} aria-current="page"{% endif %}>{{ label }}</a></li>
{% endfor %}
</ul></nav>
{% endif %}
</header>
<main id="main" tabindex="-1">
{{ body }}
</main>
<footer class="pm-footer">{{ footer }}</footer>
</td></tr></tbody>
<tfoot><tr><td><div class="marking" role="note" aria-label="Protective marking">{{ marking }}</div></td></tr></tfoot>
</table>
{% for island_id, payload in data.items() %}
<script type="application/json" id="{{ island_id }}">{{ payload|script_json }}</script>
{% endfor %}
{% for js in scripts %}
<script>{{ js }}</script>
{% endfor %}
</body>
</html>
""")


def script_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def basemap_origin(url: str | None) -> str | None:
    """The ``scheme://host[:port]`` a tile URL loads from (for the policy's ``img-src``), or ``None``."""
    if not url:
        return None
    parts = urlsplit(url.replace("{s}", "a"))
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"a basemap must be an http(s) tile URL such as https://tile.example.org/{{z}}/{{x}}/{{y}}.png, "
                         f"not {url!r}")
    host = url.split("//", 1)[1].split("/", 1)[0]
    if "{s}" in host:  # Leaflet's subdomains: allow the wildcard of that host
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(scripts: list[str], image_origin: str | None = None) -> str:
    """The policy of a page: nothing but its own scripts, inline styles and ``data:`` images."""
    sources = " ".join(script_hash(s) for s in scripts)
    images = "data:" + (f" {image_origin}" if image_origin else "")
    return "; ".join([
        "default-src 'none'", f"script-src {sources}", "style-src 'unsafe-inline'", f"img-src {images}",
        "font-src 'none'", "connect-src 'none'", "media-src 'none'", "object-src 'none'", "frame-src 'none'",
        "worker-src 'none'", "manifest-src 'none'", "base-uri 'none'", "form-action 'none'",
    ])


@dataclass
class Page:
    """What one page is made of; :meth:`render` gives the HTML.

    Parameters
    ----------
    title : the page heading (escaped).
    body : the page's main content, already-escaped HTML (a rendered Jinja2 template).
    subtitle : a line beside the heading (escaped).
    nav : ``(href, label)`` links to the other pages of the pack.
    current : the href of this page, marked in the navigation.
    styles : extra stylesheets (trusted: library CSS and the page's own).
    scripts : scripts, run in order after the body (trusted: library JS and the page's own).
    data : ``{id: payload}`` JSON islands the scripts read with ``PM.data(id)``.
    image_origin : a basemap tile server to allow for images.
    footer : the footer line (escaped).
    """

    title: str
    body: Markup | str = ""
    subtitle: str = ""
    nav: list[tuple[str, str]] = field(default_factory=list)
    current: str = ""
    styles: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    image_origin: str | None = None
    footer: str = ""
    body_class: str = ""

    def render(self) -> str:
        scripts = [DOM_JS, *self.scripts]
        policy = content_security_policy([ERROR_CAPTURE, *scripts], self.image_origin)
        return SHELL.render(
            csp=policy, marking=MARKING, title=self.title, subtitle=self.subtitle, nav=self.nav,
            current=self.current, error_capture=Markup(ERROR_CAPTURE), styles=[Markup(BASE_CSS), *map(Markup, self.styles)],
            body=Markup(self.body), footer=self.footer, data=self.data, scripts=[Markup(s) for s in scripts],
            body_class=self.body_class,
        )


def render_page(**kwargs) -> str:
    """Shorthand for ``Page(**kwargs).render()``."""
    return Page(**kwargs).render()


def write_page(path, page: Page) -> "Path":
    """Write a page (UTF-8, readable by its owner only, like every file of a pack)."""
    from pathlib import Path

    path = Path(path)
    make_folder(path.parent)
    with open_private(path, "w", newline="\n") as handle:
        handle.write(page.render())
    return path
