"""An output folder written whole or not at all (SCHEMA.md, "Writing an output folder").

``peermap analyse`` and ``peermap pack`` write a folder (``--out``) that is
copied to shared drives, opened in meetings and read by other tools;
``peermap child`` writes one page. Every one of their files goes through here:

**The --out rule.** ``--out`` is used only when it does not exist, is empty,
or holds a peermap ``manifest.json``; then everything in it must be the
manifest, a file it lists (still as peermap wrote it: its SHA-256 is the
manifest's) or ``rejects.csv``. Anything else stops the run
(:class:`OutputError`, exit 2) naming it: peermap never deletes what it did not
write, such as a chair's notes saved into a pack folder. A symbolic link as
``--out`` or inside it is refused.

**Staging.** Files are made in a new folder beside ``--out``
(``.NAME.peermap-HOST-PID-TOKEN``, 0700, on the same file system), the
manifest last.

**Commit.** Every file is set to 0600 and every folder to 0700 (whichever
writer made them: GDAL, a browser), everything is written to disk (fsync), and
the staging folder takes ``--out``'s place in one step: on Linux the two names
are exchanged atomically (``renameat2(RENAME_EXCHANGE)``), so a reader sees the
previous folder or the new one, never a mix, and nothing of the previous
folder survives into the new one (another audience's files, an earlier run's).
Then the previous folder is deleted (only what peermap wrote in it: anything
saved into ``--out`` during the run is moved into the new folder).

**Failure.** A run that fails before the commit deletes its staging folder
and leaves ``--out`` as it was; the rows its data folder could not use
(``rejects.csv``) are moved to ``<out>.rejects.csv`` beside ``--out`` and
named in the message; the next run into ``--out`` that succeeds removes it.

What a crash can leave, honestly:

* killed (``SIGKILL``, power cut) before the exchange: ``--out`` as it was, and
  the staging folder beside it (owner-only), which the next run into the same
  ``--out`` on this machine deletes;
* killed after the exchange: the new ``--out`` complete, and the previous
  folder under the staging name until that next run;
* on a file system without the atomic exchange (some network shares), two
  renames instead (``--out`` to ``.NAME.peermap-…-previous``, staging to
  ``--out``): killed between them, ``--out`` is missing and the next run puts
  the previous folder back before it starts;
* ``peermap child --out FILE`` writes ``.FILE.peermap-…`` beside the page and
  renames it over the page (atomic on every POSIX file system).

Two runs into the same ``--out`` at once each stage their own folder; the one
that commits last wins, whole.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with OutputFolder(root / "pack") as folder:
...     _ = (folder.path / "kpi.json").write_text("{}")
...     folder.commit()
>>> sorted(p.name for p in (root / "pack").iterdir())
['kpi.json']
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import secrets
import shutil
import socket
from pathlib import Path
from typing import Callable

import psutil

from peermap.exports.console import say
from peermap.graph_models.private_files import FILE_MODE, FOLDER_MODE, make_folder, make_private
from peermap.graph_models.reading import sha256_file
from peermap.graph_models.rejects import COLUMNS as REJECTS_COLUMNS

MANIFEST = "manifest.json"
REJECTS = "rejects.csv"
REJECTS_HEADER = ",".join(REJECTS_COLUMNS)  # the first line of every rejects.csv peermap writes
#: what marks a folder or file as peermap's own staging (``.NAME`` + this + ``HOST-PID-TOKEN``)
STAGING = ".peermap-"
PREVIOUS = "-previous"


class OutputError(Exception):
    """``--out`` cannot be used or written (exit 2); the message names the path and says what to do."""


# -- the --out rule ---------------------------------------------------------------------------------------------
def _listed(out: Path) -> dict[str, str] | None:
    """The files ``out/manifest.json`` lists (name → SHA-256), or None when it is not a peermap manifest."""
    manifest = out / MANIFEST
    if os.path.islink(manifest) or not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    files = data.get("files")
    if (
        "audience" not in data
        or not isinstance(files, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
    ):
        return None
    return {os.path.normpath(k): v for k, v in files.items()}


def check_out(out: str | Path, *, hashes: bool = True) -> list[str]:
    """What peermap wrote in ``out`` (names relative to it), which a new run replaces or removes.

    Parameters
    ----------
    out : the ``--out`` folder.
    hashes : also check that every listed file is still as peermap wrote it (its SHA-256).

    Raises
    ------
    OutputError
        ``out`` is a link or a file; or holds a link, or a file that is neither
        its peermap manifest, a file that manifest lists, nor ``rejects.csv``;
        or a listed file was changed after peermap wrote it.
    """
    out = Path(out)
    if os.path.islink(out):
        raise OutputError(
            f"--out {out} is a symbolic link: give the folder itself (peermap does not write through links)"
        )
    if not os.path.lexists(out):
        return []
    if not out.is_dir():
        raise OutputError(f"--out must be a folder: {out} is a file")
    files, folders = [], []

    def unreadable(error: OSError) -> None:  # what cannot be listed cannot be known to be peermap's
        raise error

    for root, dirs, names in os.walk(out, onerror=unreadable):
        for name in sorted(dirs) + sorted(names):
            path = Path(root) / name
            if os.path.islink(path):
                raise OutputError(
                    f"{path} is a symbolic link: peermap does not write through links; remove it "
                    "or choose another --out"
                )
            (folders if name in dirs else files).append(os.path.relpath(path, out))
    listed = _listed(out)
    ours = {MANIFEST, REJECTS, *listed} if listed is not None else set()
    foreign = [name for name in files if name not in ours]
    foreign += [name for name in folders if not any(f.startswith(name + os.sep) for f in files if f in ours)]
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        why = "" if listed is not None else " (it holds no peermap manifest.json)"
        raise OutputError(
            f"--out {out} holds {out / sorted(foreign)[0]}{more}, which peermap did not write{why}: "
            "peermap never deletes what it did not write. Move it away, or choose a new or empty "
            "folder"
        )
    if hashes and listed:
        for name in files:
            if name in listed and sha256_file(out / name) != listed[name]:
                raise OutputError(
                    f"{out / name} was changed after peermap wrote it (its SHA-256 is not the one in "
                    f"{out / MANIFEST}): peermap replaces only what it wrote. Move it away, or choose "
                    "another --out"
                )
    return files


# -- staging names, and what a killed run left ------------------------------------------------------------------
def _prefix(target: Path) -> str:
    return f".{target.name}{STAGING}{socket.gethostname()}-"


def _staging_name(target: Path) -> Path:
    return target.with_name(f"{_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}")


def clear_leftovers(target: Path) -> None:
    """Tidy what a killed run into ``target`` left beside it (on this machine; runs still going are left alone).

    A previous folder moved aside by the two-rename commit comes back when
    ``target`` is missing; any other staging folder or file is deleted.
    """
    prefix = _prefix(target)
    try:
        siblings = sorted(os.listdir(target.parent))
    except FileNotFoundError:
        return
    for name in siblings:
        if not name.startswith(prefix):
            continue
        pid = name[len(prefix) :].split("-", 1)[0]
        if not pid.isdigit() or psutil.pid_exists(int(pid)):
            continue
        path = target.parent / name
        if name.endswith(PREVIOUS) and not os.path.lexists(target):
            os.rename(path, target)
        elif os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


# -- writing to disk --------------------------------------------------------------------------------------------
def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def exchange(a: Path, b: Path) -> None:
    """Swap the names ``a`` and ``b`` in one step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Raises :class:`OSError` (``ENOSYS``, ``EINVAL``) where the system or file system cannot.
    """
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(a))
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


def _exchange_or_rename(staging: Path, out: Path) -> Path:
    """Put ``staging`` at ``out``; returns where the previous ``out`` now is."""
    try:
        exchange(staging, out)
        return staging
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
    previous = staging.with_name(staging.name + PREVIOUS)
    os.rename(out, previous)
    os.rename(staging, out)
    return previous


def _say(message: str) -> None:
    say(f"peermap: {message}")


# -- the folder -------------------------------------------------------------------------------------------------
class OutputFolder:
    """``--out`` being written: files go in :attr:`path`; :meth:`commit` puts them in place at the end.

    Use it as a context manager. Leaving the block without :meth:`commit`
    (an error, a stop) deletes what was made and leaves ``--out`` as it was.
    A writer handed an open ``OutputFolder`` (see :meth:`of`) writes into it
    and its own ``commit`` does nothing: whoever opened the folder commits.

    Parameters
    ----------
    out : the ``--out`` folder (a path, not yet checked).
    """

    def __init__(self, out: str | Path):
        self.given = Path(out)  # as the user wrote it, for messages and the paths handed back
        self.out = Path(os.path.abspath(out))
        self.path: Path | None = None
        self.committed = False
        self._depth = 0

    @classmethod
    def of(cls, out: "str | Path | OutputFolder") -> "OutputFolder":
        """``out`` itself when it is a folder being written, else a new one for that path."""
        return out if isinstance(out, OutputFolder) else cls(out)

    def __enter__(self) -> "OutputFolder":
        self._depth += 1
        if self._depth == 1:
            self._open()
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self._depth -= 1
        if self._depth == 0 and not self.committed:
            self._discard(error)

    def final(self, path: str | Path) -> Path:
        """Where a file made in :attr:`path` is after the commit."""
        path = Path(path)
        try:
            return self.given / path.relative_to(self.path)
        except ValueError:
            return path

    def placed(self, path: str | Path) -> Path:
        """Where a file made in :attr:`path` is now: in ``--out`` once committed, else where it was made."""
        return self.final(path) if self.committed else Path(path)

    def _open(self) -> None:
        out = self.out
        clear_leftovers(out)
        check_out(self.given)
        if os.path.isdir(out) and os.stat(out).st_dev != os.stat(out.parent).st_dev:
            raise OutputError(
                f"--out {self.given} is a mount point, which peermap cannot replace whole: give a folder inside it"
            )
        staging = _staging_name(out)
        try:
            make_folder(out.parent)
            os.mkdir(staging, FOLDER_MODE)
        except OSError as error:
            raise OutputError(
                f"cannot write beside --out {self.given} (in {error.filename or out.parent}): {error.strerror or error}"
            ) from error
        self.path = staging

    def commit(self, after: Callable[[str | None], object] | None = None) -> None:
        """Put the files in place of ``--out``'s, the previous ones removed; then ``after(manifest's SHA-256)``.

        ``after`` appends the audit line (:meth:`exports.audit.AuditRun.written`);
        when it raises, ``--out`` is put back as it was and the error raised.
        Does nothing in a writer that joined a folder someone else opened.
        """
        if self._depth > 1:
            return
        staged = make_private(self.path)
        for path in [*staged, self.path]:
            _fsync(path)
        manifest = sha256_file(self.path / MANIFEST) if (self.path / MANIFEST).is_file() else None
        previous = check_out(self.given, hashes=False)  # a file saved into --out during the run stops it too
        if not os.path.lexists(self.out):
            os.rename(self.path, self.out)
            moved = None
        else:
            moved = _exchange_or_rename(self.path, self.out)
        self.committed = True
        try:
            if after is not None:
                after(manifest)
        except BaseException:
            self._put_back(moved)
            raise
        _fsync(self.out.parent)
        if moved is not None:
            self._remove_previous(moved, previous)
        self._remove_earlier_rejects()

    def _remove_earlier_rejects(self) -> None:
        """An earlier failed run's ``<out>.rejects.csv`` (raw rows) goes once a run into ``--out`` succeeds: its
        own ``rejects.csv`` is inside. Only a regular file that starts with peermap's rejects header is removed."""
        beside = self.out.with_name(self.out.name + ".rejects.csv")
        try:
            if beside.is_symlink() or not beside.is_file():
                return
            with open(beside, encoding="utf-8", errors="replace") as handle:
                if handle.readline().strip() != REJECTS_HEADER:
                    return
            beside.unlink()
        except OSError:
            return
        _say(
            f"removed {beside}, the rejected rows of an earlier run that failed (this run's are in "
            f"{self.given}/{REJECTS})"
        )

    def _put_back(self, moved: Path | None) -> None:
        """Undo the commit: the new files go back to the staging folder (then deleted), ``--out`` as it was."""
        self.committed = False
        if moved is None:
            os.rename(self.out, self.path)
        elif moved == self.path:
            exchange(self.path, self.out)
        else:
            os.rename(self.out, self.path)
            os.rename(moved, self.out)

    def _remove_previous(self, old: Path, ours: list[str]) -> None:
        """Delete the previous folder's files that peermap wrote; anything else found there goes into ``--out``."""
        for name in ours:
            try:
                os.unlink(old / name)
            except FileNotFoundError:
                pass
        for root, dirs, names in os.walk(old, topdown=False):
            for name in names:
                path = Path(root) / name
                target = self.out / path.relative_to(old)
                if os.path.lexists(target):
                    _say(f"kept {old}: it holds {path}, saved into --out while peermap wrote it")
                    return
                make_folder(target.parent)
                os.rename(path, target)
                _say(f"{target} was saved into --out while peermap wrote it: kept")
            for name in dirs:
                os.rmdir(Path(root) / name)
        os.rmdir(old)

    def _discard(self, error: BaseException | None) -> None:
        if self.path is None:
            return
        rejects, note = self.path / REJECTS, None
        if error is not None and rejects.is_file():
            beside = self.out.with_name(self.out.name + ".rejects.csv")
            try:
                os.replace(rejects, beside)
                note = f"the rejected rows and warnings are in {beside}"
            except OSError:
                pass
        shutil.rmtree(self.path, ignore_errors=True)
        if isinstance(error, OSError) and error.filename and str(error.filename).startswith(str(self.path)):
            final = self.final(error.filename)
            replaced = OutputError(f"cannot write {final}: {error.strerror or error}; {self.given} was left as it was")
            if note:
                replaced.add_note(note)
            raise replaced from error
        if note:
            error.add_note(note)


# -- one file ---------------------------------------------------------------------------------------------------
def replace_file(path: str | Path, write: Callable[[Path], object], after: Callable[[], object] | None = None) -> Path:
    """Write one file (``peermap child --out FILE``): ``write(temporary)`` beside it, then a rename over it.

    Only that file is replaced. ``after`` (the audit line) is called once it is
    in place; when it raises, the previous file is put back. A failure before
    leaves the previous file as it was.
    """
    path = Path(os.path.abspath(path))
    if os.path.islink(path):
        raise OutputError(
            f"--out {path} is a symbolic link: give the file itself (peermap does not write through links)"
        )
    if path.is_dir():
        raise OutputError(f"--out must be a file such as child.html: {path} is a folder")
    clear_leftovers(path)
    make_folder(path.parent)
    temporary = _staging_name(path)
    backup = temporary.with_name(temporary.name + PREVIOUS)
    try:
        write(temporary)
        os.chmod(temporary, FILE_MODE)  # whichever writer made it
        _fsync(temporary)
        existed = os.path.lexists(path)
        try:
            os.link(path, backup)
        except OSError:  # no previous file, or a file system without hard links: it cannot be put back
            backup = None
        os.replace(temporary, path)
        try:
            if after is not None:
                after()
        except BaseException:
            if backup is not None:
                os.replace(backup, path)
            elif not existed:
                os.unlink(path)
            raise
        _fsync(path.parent)
    except OSError as error:
        if error.filename and str(error.filename).startswith(str(temporary)):
            raise OutputError(f"cannot write {path}: {error.strerror or error}; it was left as it was") from error
        raise
    finally:
        for leftover in (temporary, backup):
            if leftover is not None and os.path.lexists(leftover):
                os.unlink(leftover)
    return path


__all__ = ["OutputError", "OutputFolder", "check_out", "clear_leftovers", "exchange", "replace_file"]
