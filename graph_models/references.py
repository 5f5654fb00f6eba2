"""Pseudonymous references for children and associates (SCHEMA.md).

A child's reference is ``C-`` and the first 10 characters of the Crockford
base32 encoding of HMAC-SHA256(key, ``"child:" + child_id``); an associate's is
``A-`` over ``"associate:" + associate_id`` (or its normalised ``target_ref``
when unresolved). The same key gives the same references every month, so a
meeting can follow a child over time; without the key nobody can reverse them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MIN_KEY_LENGTH = 16
KEY_FILE_NAME = "peermap.key"

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

KEY_HELP = (
    "peermap needs a key to make pseudonymous references. Set one of:\n"
    "  export PEERMAP_KEY='a long random phrase kept by your organisation'\n"
    "  --key-file PATH   (a file holding the key)\n"
    "  a peermap.key file in the data folder (synthetic folders only)\n"
    f"The key must be at least {MIN_KEY_LENGTH} characters; keep the same key every month."
)


class MissingKeyError(ValueError):
    """No usable key: the run stops and says how to set one."""


class ReferenceCollision(ValueError):
    """Two different IDs gave the same reference: the run stops."""


def crockford_code(digest: bytes) -> str:
    """The first 10 characters of the Crockford base32 encoding of ``digest`` (its first 50 bits).

    Base32 takes 5 bits a character, most significant first; Crockford's
    alphabet leaves out I, L, O and U.

    Examples
    --------
    >>> crockford_code(bytes(7))
    '0000000000'
    >>> crockford_code(b"\\xff" * 7)
    'ZZZZZZZZZZ'
    """
    bits = int.from_bytes(digest[:7], "big") >> 6
    return "".join(_CROCKFORD[(bits >> shift) & 31] for shift in range(45, -1, -5))


def reference(key: str, prefix: str, namespace: str, value: str) -> str:
    """One reference: ``prefix-`` + 10 Crockford characters of HMAC-SHA256(key, namespace:value)."""
    digest = hmac.new(key.encode("utf-8"), f"{namespace}:{value}".encode("utf-8"), hashlib.sha256).digest()
    return f"{prefix}-{crockford_code(digest)}"


def _crockford_texts(prefix: str, digests: bytes, count: int) -> pa.Array:
    """``prefix-`` and :func:`crockford_code` of each 32-byte digest in ``digests``, as Arrow text.

    The same characters as :func:`crockford_code`, worked out for all the
    digests at once in numpy (a national year has six hundred thousand).
    """
    first = np.frombuffer(digests, dtype=np.uint8).reshape(count, 32)[:, :7].astype(np.uint64)
    bits = np.zeros(count, dtype=np.uint64)
    for column in range(7):
        bits = (bits << np.uint64(8)) | first[:, column]
    bits >>= np.uint64(6)
    shifts = np.arange(45, -1, -5, dtype=np.uint64)
    alphabet = np.frombuffer(_CROCKFORD.encode("ascii"), dtype=np.uint8)
    head = np.frombuffer(f"{prefix}-".encode("ascii"), dtype=np.uint8)
    chars = np.empty((count, len(head) + len(shifts)), dtype=np.uint8)
    chars[:, : len(head)] = head
    chars[:, len(head) :] = alphabet[(bits[:, None] >> shifts) & np.uint64(31)]
    offsets = np.arange(0, chars.size + 1, chars.shape[1], dtype=np.int64)  # 64-bit: no size wraps around
    return pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def _references(key: str, prefix: str, namespace: str, values: pd.Series) -> pd.Series:
    base = hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)
    codes, unique = pd.factorize(values, use_na_sentinel=True)
    digests = []
    for value in unique.tolist():  # one HMAC per distinct ID; a few microseconds each
        mac = base.copy()
        mac.update(f"{namespace}:{value}".encode("utf-8"))
        digests.append(mac.digest())
    refs = _crockford_texts(prefix, b"".join(digests), len(digests))
    if pc.count_distinct(refs).as_py() != len(refs):
        raise ReferenceCollision(
            f"two different {namespace} IDs give the same reference; choose another key (PEERMAP_KEY) and run again"
        )
    taken = refs.take(pa.array(codes, mask=codes < 0))  # code -1 (missing) stays missing
    return pd.Series(pd.array(taken, dtype="string"), index=values.index, dtype="string")


def child_references(key: str, child_ids: pd.Series) -> pd.Series:
    """``C-`` references for a Series of child IDs (NA stays NA)."""
    return _references(key, "C", "child", child_ids)


def associate_references(key: str, associate_keys: pd.Series) -> pd.Series:
    """``A-`` references for associate IDs or normalised unresolved ``target_ref`` values."""
    return _references(key, "A", "associate", associate_keys)


def _read_key(path: Path) -> str:
    """A key file's text; one that cannot be read, or is not UTF-8 text, stops the run as a missing key does."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise MissingKeyError(f"cannot read key file {path}: {exc.strerror}\n\n{KEY_HELP}") from None
    except UnicodeDecodeError:
        raise MissingKeyError(
            f"the key file {path} is not text: a key is a line of at least {MIN_KEY_LENGTH} characters.\n\n{KEY_HELP}"
        ) from None


def find_key(data_dir: Path | None = None, key_file: Path | None = None) -> str:
    """The key from ``--key-file``, else ``PEERMAP_KEY``, else ``DATA_DIR/peermap.key``.

    Raises :class:`MissingKeyError` with :data:`KEY_HELP` when there is none or it is too short.
    """
    source, key = None, None
    if key_file is not None:
        key, source = _read_key(Path(key_file)), f"key file {key_file}"
    elif os.environ.get("PEERMAP_KEY"):
        key, source = os.environ["PEERMAP_KEY"], "PEERMAP_KEY"
    elif data_dir is not None:
        folder = Path(data_dir)
        candidate = (folder if folder.is_dir() else folder.parent) / KEY_FILE_NAME
        if candidate.is_file():
            key, source = _read_key(candidate), str(candidate)
    if key is None:
        raise MissingKeyError(f"no key found.\n\n{KEY_HELP}")
    if len(key) < MIN_KEY_LENGTH:
        raise MissingKeyError(f"the key from {source} is shorter than {MIN_KEY_LENGTH} characters.\n\n{KEY_HELP}")
    return key
