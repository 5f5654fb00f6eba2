"""Files and folders readable by their owner only (SCHEMA.md, "Writing an output folder": 0600 and 0700).

Everything peermap writes holds, or may hold, what is known about children at
risk: the rejects file holds raw rows, a pack holds the network. So every
writer opens its files here, with the mode set when the file is made (never
widened first and narrowed after) and without following a symbolic link (a
link where a file is to be written could send the data anywhere).

It sits at the bottom of the layers (DESIGN.md: ``graph_models`` ← ``geo``,
``mapping`` ← ``exports``) so that the rejects file, the synthetic data folder,
the GeoJSON and the pack all share it.

Examples
--------
>>> import tempfile, pathlib, stat
>>> folder = make_folder(pathlib.Path(tempfile.mkdtemp()) / "a" / "b")
>>> with open_private(folder / "notes.csv") as handle:
...     _ = handle.write("x\\n")
>>> oct(stat.S_IMODE((folder / "notes.csv").stat().st_mode)), oct(stat.S_IMODE(folder.stat().st_mode))
('0o600', '0o700')
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_folder(path: str | Path) -> Path:
    """Make ``path`` and any missing parents, each new one 0700; folders already there are left as they are."""
    path = Path(path)
    missing = []
    while not os.path.lexists(path) and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:  # made meanwhile by someone else
            continue
        os.chmod(folder, FOLDER_MODE)  # whatever the umask
    return Path(missing[0]) if missing else path


def open_private(path: str | Path, mode: str = "w", *, exclusive: bool = False, **kwargs):
    """Open ``path`` for writing (``"w"``, ``"wb"``, ``"a"`` or ``"ab"``), made 0600, never through a link.

    Parameters
    ----------
    path : the file; its folder must exist (see :func:`make_folder`).
    mode : text or binary, write (truncate) or append.
    exclusive : fail if the file exists (a temporary file that must be new).
    **kwargs : passed to :func:`os.fdopen` (``encoding``, ``newline``).

    Raises
    ------
    OSError
        ``ELOOP`` when ``path`` is a symbolic link, ``EEXIST`` with ``exclusive``,
        and whatever the file system says (``ENOSPC``, ``EACCES``).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    flags |= os.O_APPEND if mode.startswith("a") else os.O_TRUNC
    if exclusive:
        flags |= os.O_EXCL
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # a file that was there before with wider permissions
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def make_private(folder: str | Path) -> list[Path]:
    """Set every file under ``folder`` to 0600 and every folder to 0700 (files other writers made); returns the files.

    Raises
    ------
    OSError
        ``ELOOP`` naming the first symbolic link found: nothing is changed through it.
    """
    folder = Path(folder)
    files = []
    if os.path.islink(folder):
        raise OSError(errno.ELOOP, "a symbolic link (peermap does not write through links)", str(folder))
    os.chmod(folder, FOLDER_MODE)
    for root, dirs, names in os.walk(folder):
        for name in sorted(dirs) + sorted(names):
            path = Path(root) / name
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                raise OSError(errno.ELOOP, "a symbolic link (peermap does not write through links)", str(path))
            os.chmod(path, FOLDER_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE)
            if not stat.S_ISDIR(info.st_mode):
                files.append(path)
    return files
