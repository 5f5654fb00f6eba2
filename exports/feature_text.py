"""GeoJSON features as text, made a column at a time in Arrow: no JSON call per feature.

A national ``places.geojson`` has hundreds of thousands of features and
``hotspots.geojson`` tens of thousands, each with dozens of properties (some
of them tables of 7 × 24 numbers). Encoding a dict per feature with
:mod:`json` took most of the time their writing took. Here each property
column is turned into JSON text once, in Arrow's C++ (numbers cast to text,
text escaped, lists joined), the geometries by shapely's
:func:`shapely.to_geojson` over the whole array, and the pieces are joined
side by side into one text per feature, written straight from Arrow's buffer.

The JSON types are those :mod:`json` gives the same Python values: whole
numbers stay numbers without a point, other numbers keep one (``2.0``), a
missing value is ``null``, ``True`` is ``true``, lists stay lists (nested
ones too). A number is written in its shortest form that reads back the same
(``5e-05`` may be written ``0.00005``). A column whose values are of more than
one kind (numbers and text) is encoded value by value, as before.

Examples
--------
>>> texts = property_texts({"n": [1, None], "x": [2.0, 0.5], "s": ['a "b"', None], "l": [[1, 2], [3]]}, 2)
>>> texts.to_pylist()
['{"n":1,"x":2.0,"s":"a \\\\"b\\\\"","l":[1,2]}', '{"n":null,"x":0.5,"s":null,"l":[3]}']
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

TEXT = pa.large_string()
#: Features encoded at a time (bounds the memory the texts take).
CHUNK = 50_000


def _scalar(text: str) -> pa.Scalar:
    return pa.scalar(text, TEXT)


def _joined(*parts) -> pa.Array:
    """Texts side by side (arrays and scalars), no separator; a null part stays a null (callers fill first)."""
    return pc.binary_join_element_wise(*parts, _scalar(""))


def _dumps(values) -> pa.Array:
    """The slow way, value by value (a column of mixed kinds): exactly what :mod:`json` writes."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain).encode
    return pa.array([encode(v) for v in values], TEXT)


def _plain(value):
    """numpy values inside lists, as :mod:`json` would take their Python twins."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _number_text(values: pa.Array) -> pa.Array:
    """Numbers as JSON text: integers as they are, floats keeping a point (``2.0``), NaN and null as ``null``."""
    if pa.types.is_floating(values.type):
        values = pc.if_else(pc.is_nan(values), pa.scalar(None, values.type), values)
        text = values.cast(TEXT)
        plain = pc.invert(pc.match_substring_regex(text, r"[.eEn]"))  # "2" -> "2.0" (inf/nan never reach here)
        text = pc.if_else(plain, _joined(text, _scalar(".0")), text)
    else:
        text = values.cast(TEXT)
    return text.fill_null("null")


def _string_text(values: pa.Array) -> pa.Array:
    """Text as JSON strings (quoted, ``\\`` and ``"`` escaped, control characters as :mod:`json` writes them)."""
    values = values.cast(TEXT)
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    text = _joined(_scalar('"'), escaped, _scalar('"'))
    control = pc.match_substring_regex(values, r"[\x00-\x1f]").fill_null(False)
    if pc.any(control).as_py():  # rare (a newline in a place's name): those few value by value
        at = np.flatnonzero(control.to_numpy(zero_copy_only=False))
        fixed = [json.dumps(v, ensure_ascii=False) for v in values.take(pa.array(at)).to_pylist()]
        mask = np.zeros(len(values), dtype=bool)
        mask[at] = True
        text = pc.replace_with_mask(text, pa.array(mask), pa.array(fixed, TEXT))
    return text.fill_null("null")


def _list_text(values: pa.Array) -> pa.Array:
    """Lists as JSON arrays, their items encoded by type (nested lists too); a null list is ``null``."""
    items = _value_text(pc.list_flatten(values))
    offsets = values.offsets if not pa.types.is_fixed_size_list(values.type) else None
    if offsets is None:
        size = values.type.list_size
        offsets = pa.array(np.arange(0, (len(values) + 1) * size, size, dtype=np.int64))
    # the offsets of a sliced list array point into the whole child: start from the first
    offsets = pc.subtract(offsets.cast(pa.int64()), offsets[0].cast(pa.int64()))
    lists = pa.LargeListArray.from_arrays(offsets, items)
    text = _joined(_scalar("["), pc.binary_join(lists, _scalar(",")), _scalar("]"))
    return pc.if_else(values.is_null(), pa.scalar(None, TEXT), text).fill_null("null")


def _value_text(values: pa.Array) -> pa.Array:
    kind = values.type
    if pa.types.is_null(kind):
        return pa.array(["null"] * len(values), TEXT)
    if pa.types.is_boolean(kind):
        return pc.if_else(values, _scalar("true"), _scalar("false")).fill_null("null")
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return _number_text(values)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _string_text(values)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _list_text(values)
    raise TypeError(f"no JSON text for Arrow type {kind}")


def _kinds(values) -> set:
    """The kinds of Python values in a list (``None`` left out; ``bool``, whole and other numbers kept apart)."""
    kinds = set(map(type, values)) - {type(None)}
    return {float if k in (float, np.float64, np.float32) else k for k in kinds}


def column_text(values) -> pa.Array:
    """One property column as JSON text, a value a row.

    ``values`` is a numpy array (one dimension, or more: each row's values as
    nested lists) or a list of Python values (scalars, or lists of them).
    """
    if isinstance(values, np.ndarray) and values.dtype != object:
        if values.ndim == 1:
            return _value_text(pa.array(values))
        flat = _value_text(pa.array(values.reshape(-1)))
        for size in reversed(values.shape[1:]):  # innermost lists first
            offsets = pa.array(np.arange(0, len(flat) + 1, size, dtype=np.int64))
            flat = _joined(
                _scalar("["), pc.binary_join(pa.LargeListArray.from_arrays(offsets, flat), _scalar(",")), _scalar("]")
            )
        return flat
    values = list(values)
    kinds = _kinds(values)
    nested = kinds & {list, tuple, np.ndarray}
    if nested:
        if kinds - nested:
            return _dumps(values)
        inner = [v for v in values if v is not None]
        item_kinds = _kinds(x for v in inner for x in v)
        if len(item_kinds) > 1 or item_kinds & {list, tuple, np.ndarray, dict}:
            return _dumps(values)
        try:
            array = pa.array([None if v is None else list(v) for v in values], from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            return _dumps(values)
        return _value_text(array)
    if len(kinds) > 1 or kinds - {bool, int, float, str, np.int64, np.bool_}:
        return _dumps(values)
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return _dumps(values)
    return _value_text(array)


def property_texts(columns: dict, n: int) -> pa.Array:
    """Each feature's ``properties`` object as JSON text (keys in the order of ``columns``)."""
    if not columns:
        return pa.array(["{}"] * n, TEXT)
    parts = []
    for k, (name, values) in enumerate(columns.items()):
        parts.append(_scalar(("{" if k == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":"))
        parts.append(column_text(values))
    parts.append(_scalar("}"))
    return _joined(*parts)


def _rows(values, start: int, stop: int):
    return values[start:stop]


def feature_chunks(columns: dict, geometries):
    """The features' texts, a chunk of :data:`CHUNK` at a time: ``{"type":"Feature","properties":…,"geometry":…}``."""
    n = len(geometries)
    geometries = np.asarray(geometries, dtype=object)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        chunk = {name: _rows(values, start, stop) for name, values in columns.items()}
        shapes = pa.array(shapely.to_geojson(geometries[start:stop]), TEXT)
        yield _joined(
            _scalar('{"type":"Feature","properties":'),
            property_texts(chunk, stop - start),
            _scalar(',"geometry":'),
            shapes,
            _scalar("}"),
        )


def write_features(handle, columns: dict, geometries, separator: str = ",\n") -> None:
    """Write the features, ``separator`` between them, into the binary file ``handle`` from Arrow's buffers."""
    first = True
    for texts in feature_chunks(columns, geometries):
        if len(texts) == 0:
            continue
        if not first:
            handle.write(separator.encode())
        first = False
        joined = pc.binary_join(
            pa.LargeListArray.from_arrays(pa.array([0, len(texts)], pa.int64()), texts), _scalar(separator)
        )
        handle.write(joined[0].as_buffer())
