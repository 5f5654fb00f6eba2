"""Prove a restructuring changed no output: write a fixed set of outputs, then compare two sets.

    python scripts/same_outputs.py make /tmp/before      # on the old commit
    python scripts/same_outputs.py make /tmp/after       # on the new one
    python scripts/same_outputs.py compare /tmp/before /tmp/after

The set is the demo (the generator's folder ``data/``, its measures and the March
meeting pack), the year's police and board packs, the year's ``peermap analyse``
folder and three child pages. Files are compared byte for byte, and their
permissions too; the only differences allowed are a manifest's ``created_at`` and
``settings`` and the audit log's times, removed before comparing.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

YEAR = ["--from", "2022-04-01", "--to", "2023-03-31"]
IGNORED_MANIFEST_KEYS = ("created_at", "settings")


def _peermap(*args: str) -> None:
    command = [str(Path(sys.executable).with_name("peermap")), *args]
    print("$", " ".join(command[1:]), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def make(out: Path) -> None:
    """Write every output the comparison covers into OUT (replaced)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    _peermap("demo", "--out", str(out / "demo"))
    data = out / "demo" / "data"
    key = ["--key-file", str(data / "peermap.key")] if (data / "peermap.key").exists() else []
    _peermap("pack", str(data), *YEAR, "--audience", "police", "--out", str(out / "police"), *key)
    _peermap("pack", str(data), *YEAR, "--audience", "board", "--out", str(out / "board"), *key)
    _peermap("analyse", str(data), *YEAR, "--out", str(out / "analyse"), *key)
    with open(data / "children.csv", newline="", encoding="utf-8") as handle:
        children = sorted(row["child_id"] for row in csv.DictReader(handle))
    for child in (children[0], children[len(children) // 2], children[-1]):
        _peermap("child", child, str(data), "--out", str(out / "children" / f"{child}.html"), *key)


def _comparable(path: Path, root: Path) -> bytes:
    data = path.read_bytes().replace(str(root).encode(), b"ROOT")
    if path.name == "manifest.json":
        manifest = json.loads(data)
        for name in IGNORED_MANIFEST_KEYS:
            manifest.pop(name, None)
        return json.dumps(manifest, sort_keys=True).encode()
    if path.name == "audit.jsonl":
        lines = []
        for line in data.decode().splitlines():
            entry = json.loads(line)
            for name in ("time", "manifest_sha256"):  # the manifest's hash covers its created_at
                entry.pop(name, None)
            for name in IGNORED_MANIFEST_KEYS:
                (entry.get("manifest") or {}).pop(name, None)
            lines.append(json.dumps(entry, sort_keys=True))
        return "\n".join(lines).encode()
    return data


def compare(before: Path, after: Path) -> int:
    """Print every file that differs; 0 when none does."""
    old = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    new = {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    problems = [f"only before: {p}" for p in sorted(old - new)] + [f"only after: {p}" for p in sorted(new - old)]
    for name in sorted(old & new):
        a, b = before / name, after / name
        if _comparable(a, before) != _comparable(b, after):
            problems.append(f"differs: {name}")
        if (a.stat().st_mode & 0o777) != (b.stat().st_mode & 0o777):
            problems.append(f"mode {oct(a.stat().st_mode & 0o777)} -> {oct(b.stat().st_mode & 0o777)}: {name}")
    for line in problems:
        print(line)
    print(f"{len(old & new)} files compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    os.umask(0o022)
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
