"""Output folders written whole or not at all, by the --out rule, owner-only, with exit codes and audit lines.

SCHEMA.md, "Writing an output folder" and "Exit codes"; issue 14's cases 3
(a re-used --out kept the previous audience's files), 4 (writes were not
atomic), 6 (0644 GeoJSON, symbolic links followed) and 9 (environment errors
read as bugs; ``peermap analyse`` wrote no audit line).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from output_faults import fault_at_every_step, snapshot


@pytest.fixture(scope="module")
def tiny_year(tmp_path_factory) -> Path:
    """A small synthetic folder (12 children, three months of 2023) with its own key: quick to pack."""
    from peermap.synthetic import synthesise

    folder = tmp_path_factory.mktemp("tiny") / "data"
    synthesise(folder, seed=7, children=12, episodes=30, months=3, start=dt.date(2023, 1, 1))
    return folder


@pytest.fixture(scope="module")
def tiny_dataset(tiny_year):
    from peermap.graph_models.load import load_folder

    return load_folder(tiny_year)


def run_here(argv, capsys, monkeypatch) -> tuple[int, str]:
    """``peermap ARGV`` through ``peermap``'s ``main`` in this process: (exit code, stderr)."""
    from peermap.cli import main

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["peermap", *map(str, argv)])
    handler = signal.getsignal(signal.SIGTERM)
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    finally:
        signal.signal(signal.SIGTERM, handler)
    return code, capsys.readouterr().err


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("peermap:")]
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    return lines[0]


@contextmanager
def disk_full_at(name: str):
    """``os.open`` for writing a path holding ``name`` makes (and truncates) the file, then finds the disk full
    (ENOSPC), as a real full disk does; every other call is the real one."""
    real = os.open

    def full(path, flags, *args, **kwargs):
        fd = real(path, flags, *args, **kwargs)
        if name in str(path) and flags & os.O_CREAT:
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return fd

    os.open = full
    try:
        yield
    finally:
        os.open = real


def listed(folder: Path) -> set[str]:
    return set(json.loads((folder / "manifest.json").read_text())["files"]) | {"manifest.json"}


def whole(tree: dict | None, audience: str, start: str) -> bool:
    """``tree`` (a :func:`snapshot`) is one complete export for ``audience`` from ``start``: its manifest's files
    with their hashes, owner-only, and nothing else but ``rejects.csv``."""
    if not tree or "manifest.json" not in tree:
        return False
    manifest = json.loads(tree["manifest.json"][2])
    files = {name: data for name, (kind, mode, data) in tree.items() if kind == "file"}
    modes = {mode for name, (kind, mode, data) in tree.items() if name != "."}
    return (
        (manifest["audience"], manifest["from"]) == (audience, start)
        and set(files) - {"rejects.csv"} == set(manifest["files"]) | {"manifest.json"}
        and all(hashlib.sha256(files[n]).hexdigest() == h for n, h in manifest["files"].items())
        and modes <= {0o600}
        and tree["."][1] == 0o700
    )


# -- case 3: the --out rule --------------------------------------------------------------------------------------
def test_a_reused_out_keeps_nothing_of_an_earlier_audiences_pack(tiny_dataset, tmp_path):
    from peermap.exports.pack import write_pack
    from peermap.mapping.periods import Period

    month, out = Period.from_month("2023-03"), tmp_path / "p"
    write_pack(tiny_dataset, month, "police", out, audit=False)
    assert (out / "intelligence.csv").exists()
    write_pack(tiny_dataset, month, "meeting", out, audit=False)
    assert not (out / "intelligence.csv").exists()  # police-only intelligence left in a meeting pack
    assert {p.name for p in out.iterdir()} == listed(out)
    write_pack(tiny_dataset, month, "board", out, audit=False)
    names = {p.name for p in out.iterdir()}
    assert (
        names
        == listed(out)
        == {"index.html", "map.html", "kpi.json", "hotspots.geojson", "places.geojson", "manifest.json"}
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_a_file_peermap_did_not_write_stops_the_run_and_survives(
    tiny_dataset, tiny_year, tmp_path, capsys, monkeypatch
):
    from peermap.exports.pack import write_pack
    from peermap.mapping.periods import Period

    out = tmp_path / "p"
    write_pack(tiny_dataset, Period.from_month("2023-03"), "board", out, audit=False)
    (out / "chair-notes.docx").write_bytes(b"the chair's notes")
    before = snapshot(out)
    code, stderr = run_here(
        ["pack", tiny_year, "--period", "2023-03", "--audience", "meeting", "--out", out], capsys, monkeypatch
    )
    assert code == 2 and f"{out / 'chair-notes.docx'}" in one_line(stderr)
    assert snapshot(out) == before

    (out / "chair-notes.docx").unlink()
    (out / "kpi.json").write_text('{"edited": "by hand"}')  # a listed file changed after peermap wrote it
    before = snapshot(out)
    code, stderr = run_here(["pack", tiny_year, "--period", "2023-03", "--out", out], capsys, monkeypatch)
    assert code == 2 and str(out / "kpi.json") in one_line(stderr)
    assert snapshot(out) == before

    documents = tmp_path / "documents"  # a folder with no peermap manifest
    documents.mkdir()
    (documents / "minutes.txt").write_text("minutes")
    code, stderr = run_here(["analyse", tiny_year, "--period", "2023-03", "--out", documents], capsys, monkeypatch)
    assert code == 2 and "minutes.txt" in one_line(stderr)
    assert [p.name for p in documents.iterdir()] == ["minutes.txt"]
    assert not [p for p in tmp_path.iterdir() if ".peermap-" in p.name]  # no staging folder left beside


def test_symbolic_links_as_out_or_inside_it_are_refused(tiny_dataset, tiny_year, tmp_path, capsys, monkeypatch):
    from peermap.exports.pack import write_pack
    from peermap.mapping.periods import Period

    out = tmp_path / "p"
    write_pack(tiny_dataset, Period.from_month("2023-03"), "meeting", out, audit=False)
    outside = tmp_path / "outside.txt"
    outside.write_text("not peermap's")
    (out / "people.csv").unlink()
    (out / "people.csv").symlink_to(outside)
    code, stderr = run_here(["pack", tiny_year, "--period", "2023-03", "--out", out], capsys, monkeypatch)
    assert code == 2 and str(out / "people.csv") in one_line(stderr)
    assert outside.read_text() == "not peermap's"  # a pack wrote through this link

    link = tmp_path / "link"
    link.symlink_to(out)
    code, stderr = run_here(["analyse", tiny_year, "--period", "2023-03", "--out", link], capsys, monkeypatch)
    assert code == 2 and "symbolic link" in one_line(stderr)
    assert os.path.islink(link) and outside.read_text() == "not peermap's"


# -- case 4: written whole or not at all ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command,previous", [("pack", None), ("pack", "police"), ("analyse", None), ("analyse", "police")]
)
def test_a_failure_or_a_kill_at_any_step_leaves_out_as_it_was(tiny_year, tmp_path, command, previous):
    """A full disk, a folder that cannot be written, or SIGKILL, at each file and move in turn.

    Before the new folder takes --out's place, --out must be exactly as it was
    (names, bytes and modes); after it, a kill leaves the new folder whole and a
    failure puts the previous one back. ENOSPC and EACCES are exit 2 with one
    line naming the path, and leave nothing behind but the audit line and the rejects.
    """
    from peermap.cli import main  # noqa: F401  (imported before forking)

    watched, out = tmp_path / "packs", tmp_path / "packs" / "p"
    watched.mkdir()
    if previous:
        made = fault_at_every_step(
            [command, tiny_year, "--period", "2023-02", "--audience", previous, "--out", out],
            watched=watched,
            out=out,
            results=tmp_path / "results",
            kinds=(),
        )
        assert made.exit_code == 0, made.stderr
    before = snapshot(out)
    found = fault_at_every_step(
        [command, tiny_year, "--period", "2023-03", "--audience", "meeting", "--out", out],
        watched=watched,
        out=out,
        results=tmp_path / "results",
    )
    assert found.exit_code == 0, found.stderr
    wrong = []
    for o in found.outcomes:
        after_swap = found.swap_step is not None and o.step > found.swap_step
        if o.kind == "SIGKILL":
            if o.signal != signal.SIGKILL:
                wrong.append((o.call, o.kind, "not killed", o.exit_code))
            elif o.out != before and not (after_swap and whole(o.out, "meeting", "2023-03-01")):
                wrong.append((o.call, o.kind, "--out changed" + (" (not whole)" if after_swap else "")))
            continue
        if o.out != before:
            wrong.append((o.call, o.kind, "--out changed"))
        if o.exit_code != 2:
            wrong.append((o.call, o.kind, f"exit {o.exit_code}", o.stderr[-300:]))
        elif "peermap:" not in o.stderr or "Traceback" in o.stderr:
            wrong.append((o.call, o.kind, o.stderr[-300:]))
        left = {name for name in o.beside if name not in ("audit.jsonl", "p.rejects.csv")}
        if left:
            wrong.append((o.call, o.kind, "left beside", sorted(left)))
    assert not wrong, f"{len(wrong)} of {len(found.outcomes)} faults: " + "\n".join(map(str, wrong[:12]))
    assert whole(snapshot(out), "meeting", "2023-03-01")
    assert found.swap_step is not None, found.steps
    files = [s for s in found.steps if s.startswith(("os.open", "open")) and ".peermap-" in s]
    assert len(files) >= (8 if command == "analyse" else 12), found.steps  # every file was a step


def test_a_run_killed_in_its_own_process_leaves_out_and_the_next_run_tidies_up(
    tiny_year, tmp_path, capsys, monkeypatch
):
    """A real peermap process, SIGKILLed as it writes its manifest, over last month's analysis."""
    out = tmp_path / "p"
    assert run_here(["analyse", tiny_year, "--period", "2023-02", "--out", out], capsys, monkeypatch)[0] == 0
    before = snapshot(out)
    killer = (
        "import os, signal\n"
        "real = os.open\n"
        "def kill_at_manifest(path, flags, *args, **kwargs):\n"
        "    if flags & os.O_CREAT and str(path).endswith('manifest.json'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(path, flags, *args, **kwargs)\n"
        "os.open = kill_at_manifest\n"
        "from peermap.cli import main; main()\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", killer, "analyse", str(tiny_year), "--period", "2023-03", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".p.peermap-")]
    assert len(leftovers) == 1 and stat.S_IMODE(leftovers[0].stat().st_mode) == 0o700  # what was written so far

    assert run_here(["analyse", tiny_year, "--period", "2023-03", "--out", out], capsys, monkeypatch)[0] == 0
    assert whole(snapshot(out), "meeting", "2023-03-01")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".p.peermap-")]


# -- case 9: exit codes --------------------------------------------------------------------------------------------
def test_a_full_disk_is_exit_2_naming_the_file_and_the_rejects_go_beside_out(tiny_year, tmp_path, capsys, monkeypatch):
    out = tmp_path / "p"
    with disk_full_at("network.html"):
        code, stderr = run_here(["pack", tiny_year, "--period", "2023-03", "--out", out], capsys, monkeypatch)
    assert code == 2
    line = one_line(stderr)
    beside = tmp_path / "p.rejects.csv"
    assert f"cannot write {out / 'network.html'}: No space left on device" in line and str(beside) in line
    assert not out.exists()
    assert beside.read_text().startswith("file,line,column,severity,reason,row")
    assert stat.S_IMODE(beside.stat().st_mode) == 0o600


def test_maps_written_side_by_side_are_the_maps_written_one_after_the_other(tiny_year, tmp_path, capsys, monkeypatch):
    """A national year's kpi.json and places.geojson are written in threads beside the hot spots: the same
    files, byte for byte, as a county's written one after the other."""
    import peermap.exports.analysis_folder as analysis_folder

    args = ["analyse", tiny_year, "--period", "2023-03", "--audience", "police"]
    assert run_here([*args, "--out", tmp_path / "one"], capsys, monkeypatch)[0] == 0
    monkeypatch.setattr(analysis_folder, "MAPS_IN_THREADS_ABOVE", 0)
    calls = []
    real_pool = analysis_folder.ThreadPoolExecutor
    monkeypatch.setattr(analysis_folder, "ThreadPoolExecutor", lambda *a, **k: calls.append(a) or real_pool(*a, **k))
    assert run_here([*args, "--out", tmp_path / "side"], capsys, monkeypatch)[0] == 0
    assert calls, "the maps were not written side by side"
    one, side = listed(tmp_path / "one"), listed(tmp_path / "side")
    assert one == side and {"kpi.json", "places.geojson", "hotspots.geojson", "hotspots.csv"} <= one
    for name in one - {"manifest.json"}:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "side" / name).read_bytes(), name
    manifests = [json.loads((tmp_path / out / "manifest.json").read_text())["files"] for out in ("one", "side")]
    assert manifests[0] == manifests[1]


def test_a_full_disk_while_the_maps_are_written_side_by_side_is_exit_2_and_leaves_no_out(
    tiny_year, tmp_path, capsys, monkeypatch
):
    """A file written in a thread of its own fails as one written here does: exit 2 naming it, nothing left."""
    import peermap.exports.analysis_folder as analysis_folder

    monkeypatch.setattr(analysis_folder, "MAPS_IN_THREADS_ABOVE", 0)
    out = tmp_path / "a"
    with disk_full_at("places.geojson"):
        code, stderr = run_here(["analyse", tiny_year, "--period", "2023-03", "--out", out], capsys, monkeypatch)
    assert code == 2
    assert f"cannot write {out / 'places.geojson'}: No space left on device" in one_line(stderr)
    assert not out.exists()


@pytest.fixture
def read_only(tmp_path):
    """A folder nobody may write into: mode 0500, or for root (whom modes do not stop) the immutable attribute."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
    else:
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
        if made.returncode != 0:
            pytest.fail(f"cannot make a read-only folder as root here: chattr +i: {made.stderr.strip()}")
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o700)


def test_an_out_that_cannot_be_written_is_exit_2_naming_it(tiny_year, read_only, tmp_path, capsys, monkeypatch):
    for command, out in (("pack", read_only / "p"), ("analyse", read_only / "a"), ("child", read_only / "c.html")):
        args = [command, "036849", tiny_year] if command == "child" else [command, tiny_year, "--period", "2023-03"]
        code, stderr = run_here([*args, "--out", out, "--rejects", tmp_path / "rejects.csv"], capsys, monkeypatch)
        assert code == 2, (command, stderr)
        assert str(read_only) in one_line(stderr)
    assert list(read_only.iterdir()) == []


def test_a_neo4j_uri_of_the_wrong_scheme_is_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["pack", "--period", "2023-03", "--out", tmp_path / "p"], ["kpi", "--period", "2023-03"]):
        code, stderr = run_here([*args, "--neo4j", "http://127.0.0.1:7474"], capsys, monkeypatch)
        assert code == 2
        assert "not a Neo4j Bolt address: http://127.0.0.1:7474" in one_line(stderr)
    assert not (tmp_path / "p").exists()


def test_a_bug_is_exit_70_with_one_line_asking_for_a_report(tiny_year, tmp_path, capsys, monkeypatch):
    import peermap.mapping.measures as measures

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(measures, "compute_measures", broken)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEERMAP_DEBUG", raising=False)
    code, stderr = run_here(["kpi", tiny_year, "--period", "2023-03"], capsys, monkeypatch)
    assert code == 70
    assert "report" in one_line(stderr) and "ZeroDivisionError" in stderr
    monkeypatch.setenv("PEERMAP_DEBUG", "1")
    code, stderr = run_here(["kpi", tiny_year, "--period", "2023-03"], capsys, monkeypatch)
    assert code == 70 and "Traceback" in stderr and "raise ZeroDivisionError" in stderr


# -- case 9 and SCHEMA.md: the audit line ---------------------------------------------------------------------------
def test_analyse_pack_and_child_each_append_their_audit_line_failures_included(
    tiny_year, tmp_path, capsys, monkeypatch
):
    from peermap.exports.audit import read_audit

    runs = [
        (["analyse", tiny_year, "--period", "2023-03", "--out", tmp_path / "a"], "meeting", 0),
        (["pack", tiny_year, "--period", "2023-03", "--audience", "board", "--out", tmp_path / "p"], "board", 0),
        (["child", "036849", tiny_year, "--out", tmp_path / "c.html"], "worker", 0),
        (["analyse", tiny_year, "--period", "2023-13", "--out", tmp_path / "a"], "meeting", 2),
        (["pack", tiny_year, "--period", "2023-03", "--out", tmp_path / "c.html"], "meeting", 2),
        (["child", "nobody", tiny_year, "--out", tmp_path / "c.html"], "worker", 2),
    ]
    for argv, audience, expected in runs:
        code, stderr = run_here(argv, capsys, monkeypatch)
        assert code == expected, stderr
    entries = read_audit(tmp_path)
    assert [(e["command"][1], e["audience"], e["outcome"]) for e in entries] == [
        ("analyse", "meeting", "written"),
        ("pack", "board", "written"),
        ("child", "worker", "written"),
        ("analyse", "meeting", "failed"),
        ("pack", "meeting", "failed"),
        ("child", "worker", "failed"),
    ]
    for entry, folder in zip(entries[:2], ("a", "p")):
        assert (
            entry["manifest_sha256"] == hashlib.sha256((tmp_path / folder / "manifest.json").read_bytes()).hexdigest()
        )
        assert entry["output"] == str(tmp_path / folder)
    for entry, words in zip(entries[3:], ("2023-13", "must be a folder", "nobody")):
        assert entry["exit_code"] == 2 and words in entry["error"] and entry["manifest_sha256"] is None
    assert stat.S_IMODE((tmp_path / "audit.jsonl").stat().st_mode) == 0o600


# -- case 6: owner-only ---------------------------------------------------------------------------------------------
def readable_by_others(folder: Path) -> list[str]:
    found = []
    for root, dirs, names in os.walk(folder):
        for path in [Path(root)] + [Path(root) / n for n in names]:
            if stat.S_IMODE(os.lstat(path).st_mode) & 0o077:
                found.append(f"{oct(stat.S_IMODE(os.lstat(path).st_mode))} {path}")
    return found


def test_every_file_every_command_writes_is_readable_by_its_owner_only(tmp_path, capsys, monkeypatch):
    """With the usual umask 022: synth, validate's and kpi's rejects, analyse, a pack for each audience, a child."""
    old = os.umask(0o022)
    try:
        work = tmp_path / "work"
        work.mkdir()
        work.chmod(0o755)
        monkeypatch.chdir(work)
        commands = [
            [
                "synth",
                "--out",
                "data",
                "--children",
                "12",
                "--episodes",
                "30",
                "--months",
                "3",
                "--start",
                "2023-01-01",
            ],
            ["validate", "data"],
            ["kpi", "data", "--period", "2023-03", "--rejects", "kpi/rejects.csv"],
            ["analyse", "data", "--period", "2023-03", "--audience", "police", "--out", "out/analysis"],
            ["child", "036849", "data", "--out", "out/sessions/child.html"],
        ]
        commands += [
            ["pack", "data", "--period", "2023-03", "--audience", audience, "--out", f"out/{audience}"]
            for audience in ("meeting", "police", "board")
        ]
        for argv in commands:
            code, stderr = run_here(argv, capsys, monkeypatch)
            assert code == 0, (argv, stderr)
    finally:
        os.umask(old)
    made = sorted(p.name for p in (work / "out").iterdir())
    assert made == ["analysis", "audit.jsonl", "board", "meeting", "police", "sessions"]
    assert {"hotspots.geojson", "places.geojson", "intelligence.csv"} <= {
        p.name for p in (work / "out" / "police").iterdir()
    }
    assert (
        readable_by_others(work / "data")
        + readable_by_others(work / "out")
        + readable_by_others(work / "kpi")
        + [f for f in readable_by_others(work) if f.endswith("rejects.csv")]
        == []
    )


def test_child_replaces_only_its_own_file_through_a_rename(tiny_year, tmp_path, capsys, monkeypatch):
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    (sessions / "notes.txt").write_text("the worker's notes")
    page = sessions / "child.html"
    page.write_text("last week's page")
    with disk_full_at("child.html"):
        code, stderr = run_here(["child", "036849", tiny_year, "--out", page], capsys, monkeypatch)
    assert code == 2 and str(page) in one_line(stderr)
    assert page.read_text() == "last week's page"  # the page was truncated before the disk was found full
    assert sorted(p.name for p in sessions.iterdir()) == ["audit.jsonl", "child.html", "notes.txt", "rejects.csv"]

    code, stderr = run_here(["child", "036849", tiny_year, "--out", page], capsys, monkeypatch)
    assert code == 0, stderr
    assert "<html" in page.read_text() and (sessions / "notes.txt").read_text() == "the worker's notes"
    assert sorted(p.name for p in sessions.iterdir()) == ["audit.jsonl", "child.html", "notes.txt", "rejects.csv"]

    link = tmp_path / "link.html"
    link.symlink_to(sessions / "notes.txt")
    code, stderr = run_here(["child", "036849", tiny_year, "--out", link], capsys, monkeypatch)
    assert code == 2 and "symbolic link" in one_line(stderr)
    assert (sessions / "notes.txt").read_text() == "the worker's notes"


# -- the commit's corners -------------------------------------------------------------------------------------------
def test_a_file_saved_into_out_while_it_is_swapped_is_kept(tmp_path, monkeypatch):
    """The last check of --out is just before the swap; a file saved in between moves into the new folder."""
    import peermap.exports.output_folder as output_folder
    from peermap.exports.output_folder import OutputFolder

    out = tmp_path / "p"
    with OutputFolder(out) as folder:
        (folder.path / "kpi.json").write_text("{}")
        listed = {"kpi.json": hashlib.sha256(b"{}").hexdigest()}
        (folder.path / "manifest.json").write_text(json.dumps({"audience": "board", "files": listed}))
        folder.commit()
    real = output_folder.exchange

    def save_then_swap(a, b):
        (out / "notes.txt").write_text("saved just now")
        real(a, b)

    monkeypatch.setattr(output_folder, "exchange", save_then_swap)
    with OutputFolder(out) as folder:
        (folder.path / "index.html").write_text("new")
        folder.commit()
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "notes.txt"]
    assert (out / "notes.txt").read_text() == "saved just now"
    assert not [p for p in tmp_path.iterdir() if ".peermap-" in p.name]


def test_where_names_cannot_be_swapped_a_kill_between_the_two_renames_is_undone_by_the_next_run(
    tiny_year, tmp_path, monkeypatch
):
    """Some network shares refuse RENAME_EXCHANGE: --out is renamed aside, then the new folder in."""
    import peermap.exports.output_folder as output_folder
    from peermap.exports.output_folder import clear_leftovers

    def cannot(a, b):
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), str(a))

    monkeypatch.setattr(output_folder, "exchange", cannot)
    watched, out = tmp_path / "packs", tmp_path / "packs" / "p"
    watched.mkdir()
    made = fault_at_every_step(
        ["analyse", tiny_year, "--period", "2023-02", "--out", out],
        watched=watched,
        out=out,
        results=tmp_path / "results",
        kinds=(),
    )
    assert made.exit_code == 0
    before = snapshot(out)
    found = fault_at_every_step(
        ["analyse", tiny_year, "--period", "2023-03", "--out", out],
        watched=watched,
        out=out,
        results=tmp_path / "results",
        kinds=("SIGKILL",),
    )
    assert found.exit_code == 0 and whole(snapshot(out), "meeting", "2023-03-01")
    gaps = [o for o in found.outcomes if o.out is None]
    assert [o.call.split()[0] for o in gaps] == ["os.rename"]  # only between the two renames
    assert [name for name in gaps[0].names if name.endswith("-previous")]  # the previous folder, aside
    assert all(o.out == before or whole(o.out, "meeting", "2023-03-01") for o in found.outcomes if o.out is not None)

    # what that kill left, and what the next run does with it (the killed process is gone)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    aside = watched / f".p.peermap-{socket.gethostname()}-{gone.stdout.strip()}-0000-previous"
    out.rename(aside)
    clear_leftovers(out)
    assert whole(snapshot(out), "meeting", "2023-03-01") and not aside.exists()


def test_a_data_folder_that_stops_the_run_leaves_out_and_its_rejects_go_beside_it(
    tiny_year, tmp_path, capsys, monkeypatch
):
    """SCHEMA.md: the rows it could not use are written to <out>.rejects.csv beside --out, named in the message."""
    import peermap.graph_models.load as load_module
    from peermap.graph_models.rejects import DataFolderError, Problem

    def stops(*args, **kwargs):
        error = DataFolderError("children.csv: no row loads (first bad line 2)")
        error.problems = [Problem("children.csv", 2, "", "rejected", "4 fields where the header has 11", "x,y,z,w")]
        raise error

    out = tmp_path / "p"
    monkeypatch.setattr(load_module, "load_folder", stops)
    code, stderr = run_here(["pack", tiny_year, "--period", "2023-03", "--out", out], capsys, monkeypatch)
    beside = tmp_path / "p.rejects.csv"
    assert code == 2 and not out.exists()
    line = one_line(stderr)
    assert "no row loads" in line and f"the rejected rows and warnings are in {beside}" in line
    assert "4 fields where the header has 11" in beside.read_text()
    # the next run into --out that succeeds removes them (its own are inside), and says so; a file of that name
    # that peermap did not write stays
    monkeypatch.undo()
    code, stderr = run_here(["pack", tiny_year, "--period", "2023-03", "--out", out], capsys, monkeypatch)
    assert code == 0 and (out / "rejects.csv").is_file() and not beside.exists()
    assert f"removed {beside}" in stderr
    beside.write_text("my own notes on the pack\n")
    code, stderr = run_here(["pack", tiny_year, "--period", "2023-03", "--out", out], capsys, monkeypatch)
    assert code == 0 and beside.read_text() == "my own notes on the pack\n"
