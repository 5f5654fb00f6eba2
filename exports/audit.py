"""The audit trail: one JSON line for every pack and child map that leaves the tool.

DESIGN.md: every export "carries a manifest and an entry in an append-only
audit log". :func:`record_export` appends one line to ``audit.jsonl`` in the
folder that holds the output (the pack folder's parent, or the child map's
folder), with who made it, when, for which audience and period, the command,
and the SHA-256 of its manifest, so a pack found on a shared drive can be
traced to the run that made it and checked to be unaltered.

Every run of ``peermap analyse``, ``pack`` and ``child`` writes its line
(SCHEMA.md, "Writing an output folder"), failures included: ``outcome`` is
``written`` or ``failed``, and a failure gives its ``error`` and ``exit_code``
(:func:`audited`). A written folder's line is appended once the folder is in
place; if it cannot be, the folder is put back as it was
(:meth:`exports.output_folder.OutputFolder.commit`).

The file is only ever opened for appending (``O_APPEND``), under an exclusive
lock so two runs at once cannot interleave their lines, never through a
symbolic link, and is readable by its owner only. Nothing here rewrites or
truncates it.

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

import contextlib
import datetime as dt
import fcntl
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Iterator

from peermap.exports.exit_codes import exit_code_of, message_of
from peermap.graph_models.private_files import make_folder, open_private

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
    """The command as run: ``peermap`` and its arguments (``sys.argv`` by default), however it was started
    (the ``peermap`` program, or ``python -m peermap``, whose ``sys.argv[0]`` is the package's ``__main__.py``)."""
    args = list(sys.argv if argv is None else argv)
    return ["peermap", *args[1:]] if args else args


def audit_path(output: str | Path) -> Path:
    """Where the audit line of an output goes: ``audit.jsonl`` in the output's parent folder."""
    return Path(os.path.abspath(output)).parent / AUDIT_FILE


def record_export(
    output: str | Path,
    *,
    audience: str,
    period: dict | None,
    command: list[str] | str,
    manifest_sha256: str | None,
    user: str | None = None,
    extra: dict | None = None,
    outcome: str = "written",
) -> dict:
    """Append one line to ``audit.jsonl`` beside ``output`` and return what was written.

    Parameters
    ----------
    output : the pack folder or the child map file.
    audience : who the export is for.
    period : ``{"from", "to"}`` (``None`` when it covers everything recorded).
    command : the command line that made it.
    manifest_sha256 : SHA-256 of the export's ``manifest.json`` (for a child map, of its manifest as recorded
        in ``extra["manifest"]``); None when nothing was written.
    user : who ran it (default :func:`current_user`).
    extra : more fields (they never replace the ones above).
    outcome : ``written``, or ``failed`` (with ``error`` and ``exit_code`` in ``extra``).
    """
    entry = {
        "user": user or current_user(),
        "time": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "audience": audience,
        "period": period,
        "command": command if isinstance(command, str) else list(command),
        "output": str(Path(os.path.abspath(output))),
        "outcome": outcome,
        "manifest_sha256": manifest_sha256,
    }
    for key, value in (extra or {}).items():
        entry.setdefault(key, value)
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=False, default=str) + "\n").encode("utf-8")
    path = audit_path(output)
    make_folder(path.parent)
    with open_private(path, "ab", buffering=0) as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            handle.write(line)
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return entry


class AuditRun:
    """The audit line of one run, appended once: :meth:`written` when it worked, :meth:`failed` when not."""

    def __init__(
        self,
        output: str | Path,
        *,
        audience: str,
        period: dict | None = None,
        command: list[str] | None = None,
        user: str | None = None,
    ):
        self.output, self.audience, self.period = output, audience, period
        self.command = command if command is not None else command_line()
        self.user = user
        self.entry: dict | None = None

    def written(self, manifest_sha256: str, extra: dict | None = None) -> dict:
        """Append the line of an output now in place."""
        self.entry = record_export(
            self.output,
            audience=self.audience,
            period=self.period,
            command=self.command,
            manifest_sha256=manifest_sha256,
            user=self.user,
            extra=extra,
        )
        return self.entry

    def failed(self, error: BaseException | None) -> dict | None:
        """Append the line of a run that stopped (never raises: the run's own error is what the user must see)."""
        details = {
            "error": message_of(error) if error is not None else "stopped before writing anything",
            "exit_code": exit_code_of(error) if error is not None else None,
        }
        try:
            self.entry = record_export(
                self.output,
                audience=self.audience,
                period=self.period,
                command=self.command,
                manifest_sha256=None,
                user=self.user,
                extra=details,
                outcome="failed",
            )
        except OSError:
            return None
        return self.entry


@contextlib.contextmanager
def audited(
    output: str | Path,
    *,
    audience: str,
    period: dict | None = None,
    command: list[str] | None = None,
    user: str | None = None,
) -> Iterator[AuditRun]:
    """Around a run: yields an :class:`AuditRun`; when the run raises before its line, a failure line is appended.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     with audited(folder / "pack", audience="board", command=["peermap", "pack"]) as run:
    ...         raise OSError(28, "No space left on device", str(folder / "pack" / "index.html"))
    ... except OSError:
    ...     pass
    >>> read_audit(folder)[-1]["outcome"], read_audit(folder)[-1]["exit_code"]
    ('failed', 2)
    """
    run = AuditRun(output, audience=audience, period=period, command=command, user=user)
    try:
        yield run
    except BaseException as error:
        if run.entry is None:
            run.failed(error)
        raise
    if run.entry is None:
        run.failed(None)


def read_audit(folder: str | Path) -> list[dict]:
    """Every entry of the ``audit.jsonl`` in ``folder``, oldest first."""
    path = Path(folder) / AUDIT_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
