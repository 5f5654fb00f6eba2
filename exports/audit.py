"""The audit trail: one JSON line for every pack and child map that leaves the tool.

DESIGN.md: every export "carries a manifest and an entry in an append-only
audit log". :func:`record_export` appends one line to ``audit.jsonl`` in the
folder that holds the output (the pack folder's parent, or the child map's
folder), with who made it, when, for which audience and period, the command,
and the SHA-256 of its manifest, so a pack found on a shared drive can be
traced to the run that made it and checked to be unaltered.

The file is only ever opened for appending (``O_APPEND``), under an exclusive
lock so two runs at once cannot interleave their lines, and is readable by its
owner only. Nothing here rewrites or truncates it.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> entry = record_export(folder / "pack", audience="meeting", period={"from": "2023-03-01", "to": "2023-03-31"},
...                       command=["peermap", "pack"], manifest_sha256="0" * 64, user="analyst")
>>> read_audit(folder)[-1]["audience"]
'meeting'
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
import sys
from pathlib import Path

AUDIT_FILE = "audit.jsonl"


def current_user() -> str:
    """The operating-system user running the command (``PEERMAP_USER`` overrides, e.g. for a service account)."""
    if os.environ.get("PEERMAP_USER"):
        return os.environ["PEERMAP_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return f"uid:{os.getuid()}"


def command_line(argv: list[str] | None = None) -> list[str]:
    """The command as run: ``peermap`` and its arguments (``sys.argv`` by default)."""
    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = Path(args[0]).name
    return args


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def audit_path(output: str | Path) -> Path:
    """Where the audit line of an output goes: ``audit.jsonl`` in the output's parent folder."""
    return Path(output).resolve().parent / AUDIT_FILE


def record_export(output: str | Path, *, audience: str, period: dict | None, command: list[str] | str,
                  manifest_sha256: str, user: str | None = None, extra: dict | None = None) -> dict:
    """Append one line to ``audit.jsonl`` beside ``output`` and return what was written.

    Parameters
    ----------
    output : the pack folder or the child map file.
    audience : who the export is for.
    period : ``{"from", "to"}`` (``None`` when it covers everything recorded).
    command : the command line that made it.
    manifest_sha256 : SHA-256 of the export's ``manifest.json`` (for a child map, of its manifest as recorded
        in ``extra["manifest"]``).
    user : who ran it (default :func:`current_user`).
    extra : more fields (they never replace the ones above).
    """
    entry = {
        "user": user or current_user(),
        "time": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "audience": audience,
        "period": period,
        "command": command if isinstance(command, str) else list(command),
        "output": str(Path(output).resolve()),
        "manifest_sha256": manifest_sha256,
    }
    for key, value in (extra or {}).items():
        entry.setdefault(key, value)
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=False, default=str) + "\n").encode("utf-8")
    path = audit_path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return entry


def read_audit(folder: str | Path) -> list[dict]:
    """Every entry of the ``audit.jsonl`` in ``folder``, oldest first."""
    path = Path(folder) / AUDIT_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
