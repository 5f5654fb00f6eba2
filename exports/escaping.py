"""Every text from the data escaped wherever it lands in a page.

Data reaches a page in three places, and each has its own rule:

- **HTML text and attribute values**: ``&``, ``<``, ``>``, ``"`` and ``'``
  become entities (:func:`html`); the page templates use Jinja2 with
  autoescaping on, which applies the same rule to every ``{{ value }}``.
- **JSON inside a ``<script>`` element**: a JSON string may hold ``</script>``
  or ``<!--``, which would end or confuse the script element, and U+2028/U+2029,
  which old JavaScript parsers read as line ends. :func:`script_json` writes
  ``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\uXXXX`` escapes, so the JSON
  holds no markup at all and parses back to the same strings.
- **The page's own JavaScript** puts data into the DOM with ``textContent`` and
  ``createElement`` only, never ``innerHTML`` (tooltips, popups, tables), so a
  name like ``<img src=x onerror=alert(1)>`` is shown as those characters.

Examples
--------
>>> html('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&#34;alert(1)&#34;&gt;'
>>> script_json({"name": "</script><!--"})
'{"name": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
>>> display(None), display(float("nan")), display(" Ann ")
('', '', 'Ann')
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import escape

_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def display(value: Any) -> str:
    """A value as the text to show: ``""`` for missing values, stripped text otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, (pd.Timestamp,)):
        return value.strftime("%d %b %Y %H:%M")
    return str(value).strip()


def html(value: Any) -> str:
    """HTML-escaped text, safe in element content and in quoted attribute values."""
    return str(escape(display(value)))


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as plain JSON values (``None`` for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def script_json(payload: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (or a JavaScript expression).

    ``<``, ``>`` and ``&`` are written as ``\\u003c``-style escapes, so neither
    ``</script>`` nor ``<!--`` can appear, whatever the strings hold.
    """
    text = json.dumps(_plain(payload), ensure_ascii=False, allow_nan=False, default=str)
    for raw, escaped in _SCRIPT_UNSAFE.items():
        text = text.replace(raw, escaped)
    return text


def escaped_forms(value: str) -> set[str]:
    """The forms a text may take in a file: plain, HTML-escaped, JSON-escaped (both ways), and
    :func:`script_json`'s. Used by the tests that scan a pack for what must not be in it."""
    forms = {
        value,
        str(escape(value)),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        script_json(value)[1:-1],
    }
    return {f for f in forms if f}
