"""The shell every page shares: marking, security policy, palette, keyboard use, print, error capture.

Every page :meth:`Page.render` makes:

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

The markup is in files of this package, never in Python strings: the shell
is ``exports/templates/page.html.j2`` and each page's body another template
there, Jinja2 with autoescaping on (:data:`ENV`), so every ``{{ value }}`` is
HTML-escaped. The scripts and stylesheets are ``exports/static/`` files
(:func:`exports.assets.static`): ``error_capture.js`` runs first,
``dom.js`` holds the small DOM helpers every page script uses (data only ever
goes in through ``textContent``), ``page.css`` is the shell's style. Data for
scripts goes into a ``<script type="application/json">`` island written by
:func:`exports.escaping.script_json`.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from peermap.exports import assets
from peermap.exports.escaping import script_json
from peermap.graph_models.private_files import make_folder, open_private

MARKING = "OFFICIAL-SENSITIVE"

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
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

#: The page templates, ``exports/templates/*.html.j2`` (installed as package data).
ENV = Environment(
    loader=PackageLoader("peermap.exports", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
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
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
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
        raise ValueError(
            f"a basemap must be an http(s) tile URL such as https://tile.example.org/{{z}}/{{x}}/{{y}}.png, not {url!r}"
        )
    host = url.split("//", 1)[1].split("/", 1)[0]
    if "{s}" in host:  # Leaflet's subdomains: allow the wildcard of that host
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(scripts: list[str], image_origin: str | None = None) -> str:
    """The policy of a page: nothing but its own scripts, inline styles and ``data:`` images."""
    sources = " ".join(script_hash(s) for s in scripts)
    images = "data:" + (f" {image_origin}" if image_origin else "")
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {sources}",
            "style-src 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'none'",
            "connect-src 'none'",
            "media-src 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "worker-src 'none'",
            "manifest-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


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
        error_capture = assets.static("error_capture.js")
        scripts = [assets.static("dom.js"), *self.scripts]
        policy = content_security_policy([error_capture, *scripts], self.image_origin)
        return ENV.get_template("page.html.j2").render(
            csp=policy,
            marking=MARKING,
            title=self.title,
            subtitle=self.subtitle,
            nav=self.nav,
            current=self.current,
            error_capture=Markup(error_capture),
            styles=[Markup(assets.static("page.css")), *map(Markup, self.styles)],
            body=Markup(self.body),
            footer=self.footer,
            data=self.data,
            scripts=[Markup(s) for s in scripts],
            body_class=self.body_class,
        )


def write_page(path, page: Page) -> Path:
    """Write a page (UTF-8, readable by its owner only, like every file of a pack)."""
    path = Path(path)
    make_folder(path.parent)
    with open_private(path, "w", newline="\n") as handle:
        handle.write(page.render())
    return path
