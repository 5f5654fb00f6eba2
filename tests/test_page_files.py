"""The pages' markup, scripts and styles live in files, ``exports/templates`` and ``exports/static``: no Python
string holds any, every file is used, an installed peermap ships them all, and each page inlines its scripts and
styles exactly as stored, its security policy hashing those same bytes."""

from __future__ import annotations

import ast
import fnmatch
import re
import tomllib
from html import unescape
from pathlib import Path

import pytest

from peermap.mapping.periods import Period

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT / "exports"
FOLDERS = {"templates": EXPORTS / "templates", "static": EXPORTS / "static"}

#: What a page skeleton, a template, a script or a stylesheet looks like inside a string.
MARKUP = re.compile(
    r"<!doctype|<(html|head|body|style|script|main|section|table|tr|td|ul|ol|li|dl|div|span|p|svg|circle|rect|"
    r"polygon|line|text)[\s>/]"  # elements of the pages
    r"|\{%|\{\{ "  # Jinja2
    r"|\bfunction\s*\(|=>"  # JavaScript
    r"|[\w)\]*:.#-]\s*\{[^{}]*\b[a-z-]+\s*:\s*[^{};]+;",  # a CSS rule: selector { property: value; }
    re.I,
)


def markup_in(source: str) -> list[tuple[int, str]]:
    """``(line, excerpt)`` of every string in a Python module that holds page markup (docstrings aside)."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            docstrings.add(id(node.value))  # module, class and function docstrings, and attribute notes
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            match = MARKUP.search(node.value)
            if match:
                found.append((node.lineno, node.value[max(0, match.start() - 20) : match.end() + 20]))
    return found


@pytest.mark.parametrize("module", sorted(p.name for p in EXPORTS.glob("*.py")))
def test_no_python_module_of_exports_holds_page_markup(module):
    found = markup_in((EXPORTS / module).read_text(encoding="utf-8"))
    assert not found, f"exports/{module} holds page markup (move it to exports/templates or exports/static): {found}"


@pytest.mark.parametrize(
    "source",
    [
        'SHELL = ENV.from_string("""<!DOCTYPE html>\n<html lang="en-GB">\n""")',
        'MAP_CSS = """\n.map-layout { display: grid; gap: 1em; }\n"""',
        'NETWORK_CSS = "#network { height: calc(100vh - 14rem); min-height: 28rem; }"',
        'MAP_JS = r"""\n(function () {\n  "use strict";\n})();\n"""',
        'JS = "PM.clear = function(node) { return node; };"',
        'BODY = "{% if intro %}<p class=\\"muted\\">{{ intro }}</p>{% endif %}"',
        'SHAPES = {"circle": \'<circle r="7"/>\'}',
        'def legend():\n    return "<li>" + name + "</li>"',
    ],
)
def test_the_markup_finder_finds_what_the_modules_used_to_hold(source):
    assert markup_in(source), source


@pytest.mark.parametrize(
    "source",
    [
        '"""A docstring may say <script> and {% if %}."""',
        'ATTRIBUTION = "Contains OS data © Crown copyright and database right"',
        'SHOWN = "<5"',
        'URL = f"https://tile.example.org/{{z}}/{x}/{y}.png"',
        'MESSAGE = f"an inlined script contains </script or <!--: {name}"',
        'WORDS = {"a": "children: 3; adults: 2"}',
    ],
)
def test_the_markup_finder_leaves_plain_strings_alone(source):
    assert not markup_in(source), source


def test_every_template_and_static_file_is_used_and_shipped():
    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted(EXPORTS.rglob("*.py")))
    code += "\n".join(p.read_text(encoding="utf-8") for p in sorted(FOLDERS["templates"].glob("*.j2")))
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    for folder, path in FOLDERS.items():
        package = f"peermap.exports.{folder}"
        assert package in config["packages"], f"{package} is not installed"
        files = sorted(p.name for p in path.iterdir())
        assert files, f"exports/{folder} is empty"
        for name in files:
            assert f'"{name}"' in code, f"exports/{folder}/{name} is used by no page"
            assert any(fnmatch.fnmatch(name, glob) for glob in config["package-data"][package]), (
                f"exports/{folder}/{name} would not be installed: add it to [tool.setuptools.package-data]"
            )


def _inlined(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)


def test_pages_inline_their_scripts_and_styles_as_stored(tmp_path, synthetic_dataset):
    from peermap.exports import assets
    from peermap.exports.child_page import write_child_page
    from peermap.exports.pack import write_pack
    from peermap.exports.page import script_hash

    folder = write_pack(synthetic_dataset, Period.from_month("2023-03"), "meeting", tmp_path / "pack", audit=False)
    child = str(synthetic_dataset.children["child_id"].iloc[0])
    pages = {
        folder / "index.html": (("index.css",), ()),
        folder / "network.html": (("network.css",), ("network.js",)),
        folder / "map.html": (("map.css", "orientation.css"), ("map.js", "orientation.js")),
        write_child_page(synthetic_dataset, child, tmp_path / "child.html", audit=False): (("child.css",), ()),
    }
    for page, (css, js) in pages.items():
        html = page.read_text(encoding="utf-8")
        scripts, styles = _inlined(html, "script"), _inlined(html, "style")
        own = [assets.static("error_capture.js"), assets.static("dom.js")]
        assert scripts[:2] == own and scripts[len(scripts) - len(js) :] == [assets.static(j) for j in js], page.name
        assert styles[0] == assets.static("page.css"), page.name
        assert styles[len(styles) - len(css) :] == [assets.static(c) for c in css], page.name
        policy = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
        assert sorted(re.findall(r"'sha256-[^']+'", policy)) == sorted(script_hash(s) for s in scripts), page.name
