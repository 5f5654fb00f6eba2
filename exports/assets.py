"""The scripts, stylesheets and images every page inlines, read from installed packages.

No page links a CDN or any other server (DESIGN.md: "every HTML page is
self-contained"):

- vis-network (network pages) comes from the ``lib/`` folder pyvis ships
  (``pyvis/lib/vis-9.1.2``); pyvis's own templates are not used, because even
  its ``in_line`` mode links Bootstrap from a CDN.
- Leaflet (map pages) comes from ``xstatic-leaflet`` (``xstatic.pkg.leaflet.BASE_DIR``);
  folium's templates are not used, because they link Leaflet, jQuery,
  Bootstrap and Font Awesome from CDNs. The images Leaflet's stylesheet
  refers to (``images/layers.png`` ...) become ``data:`` URIs, and so do the
  default marker images.

The pages' own scripts and stylesheets are files of this package,
``exports/static/*.js`` and ``*.css`` (installed as package data, linted by
ESLint: ``make lint-js``), read by :func:`static` and inlined byte for byte as
stored, so a file's first blank line, or its lack of a last newline, is in the
page and in the script's hash in the page's security policy.

Each library's text is inlined as shipped, except that source-map comments are
dropped (a browser with developer tools open would fetch the ``.map`` file) and
comments are dropped from Leaflet's stylesheet. The libraries keep their licence
headers, which mention web addresses; :func:`library_urls` lists every address
that appears in the inlined libraries (licence notices, XML namespace names,
error messages), none of which is ever requested: each page's
Content-Security-Policy forbids every request whatever a script tries.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

#: The vis-network release pyvis 0.3.2 ships (the newest of the two it carries).
VIS_VERSION = "9.1.2"

_SOURCE_MAP = re.compile(r"^[ \t]*//[#@] sourceMappingURL=.*$", re.M)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_URL = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")
URL = re.compile(r"https?://[^\s\"'<>()\\`]+")


class AssetError(RuntimeError):
    """An inlined library is missing from the installed packages."""


def pyvis_lib() -> Path:
    """The ``lib`` folder of the installed pyvis (vis-network, tom-select)."""
    import pyvis

    folder = Path(pyvis.__file__).resolve().parent / "lib"
    if not (folder / f"vis-{VIS_VERSION}" / "vis-network.min.js").exists():
        raise AssetError(f"vis-network {VIS_VERSION} not found in {folder}: reinstall pyvis==0.3.2")
    return folder


def leaflet_dir() -> Path:
    """The folder of Leaflet files that ``xstatic-leaflet`` installs."""
    from xstatic.pkg import leaflet

    folder = Path(leaflet.BASE_DIR)
    if not (folder / "leaflet.js").exists():
        raise AssetError(f"leaflet.js not found in {folder}: reinstall xstatic-leaflet")
    return folder


def _script_text(text: str) -> str:
    text = _SOURCE_MAP.sub("", text)
    if re.search(r"</script|<!--", text, re.I):  # would end the inline script early
        raise AssetError("an inlined script contains </script or <!--")
    return text


@lru_cache(maxsize=None)
def static(name: str) -> str:
    """The text of ``exports/static/NAME``, exactly as stored: what the page inlines and its policy hashes."""
    text = (resources.files("peermap.exports") / "static" / name).read_bytes().decode("utf-8")
    if re.search(r"</script|</style|<!--", text, re.I):  # would end the inline element early
        raise AssetError(f"static/{name} contains </script, </style or <!--")
    return text


def data_uri(path: Path, mime: str | None = None) -> str:
    """A file as a ``data:`` URI (base64)."""
    mime = mime or {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}.get(
        path.suffix, "application/octet-stream"
    )
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@lru_cache(maxsize=None)
def vis_network_js() -> str:
    """vis-network's standalone build (it includes vis-data's DataSet)."""
    return _script_text((pyvis_lib() / f"vis-{VIS_VERSION}" / "vis-network.min.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def vis_network_css() -> str:
    """vis-network's stylesheet (its own images are already ``data:`` URIs)."""
    return (pyvis_lib() / f"vis-{VIS_VERSION}" / "vis-network.css").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def leaflet_js() -> str:
    """Leaflet 1.9 (minified)."""
    return _script_text((leaflet_dir() / "leaflet.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images as ``data:`` URIs and its comments dropped."""
    folder = leaflet_dir()
    text = _CSS_COMMENT.sub("", (folder / "leaflet.css").read_text(encoding="utf-8"))
    return _CSS_URL.sub(lambda m: f'url("{data_uri(folder / m.group(2))}")', text)


@lru_cache(maxsize=None)
def library_urls() -> frozenset[str]:
    """Every web address written inside the inlined libraries (never requested; see the module notes)."""
    found = set()
    for text in (vis_network_js(), vis_network_css(), leaflet_js(), leaflet_css()):
        found.update(URL.findall(text))
    return frozenset(found)
