"""The command line as a user meets it: exit codes, messages on stderr, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli_run import run_in_process
from conftest import TEST_KEY, write_folder

PEERMAP = [sys.executable, "-m", "peermap"]

CHILDREN = [{"child_id": "001", "legal_status": "CiC", "birth_date": "2007-01-01"}, {"child_id": "002"}]
EPISODES = [
    {"episode_id": "E1", "child_id": "001", "missing_at": "2023-03-04T20:00", "returned_at": "2023-03-05T08:00"},
    {"episode_id": "E2", "child_id": "002", "missing_at": "2023-03-10T20:00", "returned_at": ""},
    {"episode_id": "E3", "child_id": "003", "missing_at": "2023-03-10T20:00"},
]


def run_process(*args, env=None, cwd=None, command=PEERMAP):
    """``peermap ARGS`` in a process of its own, for what only a real process shows (its exit code, the script)."""
    environment = {k: v for k, v in os.environ.items() if k != "PEERMAP_KEY"}
    environment.update(env or {})
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, env=environment, cwd=cwd)


@pytest.fixture
def run(capfd):
    """``peermap ARGS`` in this process (tests/cli_run.py): the same arguments, environment less PEERMAP_KEY plus
    ``env``, working folder, exit code, stdout and stderr as :func:`run_process`, without seconds of imports."""
    return lambda *args, env=None, cwd=None: run_in_process(capfd, args, env=env, cwd=cwd)


def assert_no_traceback(result):
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_validate_reports_and_exits_zero_then_strict_exits_one(tmp_path, run):
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    result = run("validate", folder, "--json", cwd=tmp_path, env={"PEERMAP_KEY": TEST_KEY})
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)  # stdout holds only the JSON
    assert counts["rejected"] == 1 and counts["loaded"]["episodes"] == 2
    assert "1 row rejected, 0 warnings" in result.stderr
    assert (tmp_path / "rejects.csv").read_text().count("\n") == 2
    strict = run("validate", folder, "--strict", "--rejects", tmp_path / "r2.csv", env={"PEERMAP_KEY": TEST_KEY})
    assert strict.returncode == 1
    assert_no_traceback(strict)
    # SCHEMA.md: --strict exits 1 for a warning too (an unknown legal_status is blanked and warned about) ...
    warned = write_folder(
        tmp_path / "warned", children=[{**CHILDREN[0], "legal_status": "CIN-ish"}, CHILDREN[1]], episodes=EPISODES[:2]
    )
    assert run("validate", warned, "--json", cwd=tmp_path, env={"PEERMAP_KEY": TEST_KEY}).returncode == 0
    strict = run("validate", warned, "--strict", "--json", cwd=tmp_path, env={"PEERMAP_KEY": TEST_KEY})
    assert json.loads(strict.stdout)["rejected"] == 0 and json.loads(strict.stdout)["warnings"] == 1
    assert strict.returncode == 1
    # ... and 0 when nothing was rejected or warned about
    clean = write_folder(tmp_path / "clean", children=CHILDREN, episodes=EPISODES[:2])
    assert run("validate", clean, "--strict", cwd=tmp_path, env={"PEERMAP_KEY": TEST_KEY}).returncode == 0


def test_missing_file_column_and_key_exit_two_with_one_clear_message(tmp_path, run):
    folder = write_folder(tmp_path / "data", children=CHILDREN)
    result = run("validate", folder, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 2 and "episodes.csv" in result.stderr
    write_folder(folder, episodes=[{"episode_id": "E1", "child_id": "001"}])
    result = run("validate", folder, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 2 and "missing_at" in result.stderr
    result = run("validate", folder, cwd=tmp_path)
    assert result.returncode == 2 and "PEERMAP_KEY" in result.stderr
    write_folder(folder, episodes=EPISODES)
    (folder / "children.csv").write_bytes(b"\xff\xfec\x00h\x00i")  # a UTF-16 byte-order mark, then half a letter
    result = run("validate", folder, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 2 and "UTF-16" in result.stderr
    for r in (result,):
        assert_no_traceback(r)
    write_folder(folder, children=CHILDREN)
    (tmp_path / "binary.key").write_bytes(bytes(range(128, 200)))  # a key file that is not text
    for args in (["--key-file", tmp_path / "binary.key"], []):
        if not args:
            (folder / "peermap.key").write_bytes(bytes(range(128, 200)))
        result = run("validate", folder, *args, cwd=tmp_path)
        assert result.returncode == 2 and "is not text" in result.stderr and "internal error" not in result.stderr
        assert_no_traceback(result)
        assert len(result.stderr.strip().splitlines()) <= 8


def test_kpi_json_is_schema_object(tmp_path, run):
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    result = run("kpi", folder, "--period", "2023-03", "--json", env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    measures = json.loads(result.stdout)
    assert list(measures) == ["from", "to", "all", "CiC", "other"]
    assert (measures["from"], measures["to"]) == ("2023-03-01", "2023-03-31")
    # E1 (12 h, CiC) and E2 (still missing, other) count; E3 was rejected
    assert measures["all"]["episodes"] == 2 and measures["all"]["average_hours_missing"] == 12.0
    assert measures["CiC"]["children_missing"] == 1 and measures["other"]["average_hours_missing"] is None


def test_bad_period_is_a_usage_error(tmp_path, run):
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    for args in (["--period", "2023-13"], ["--from", "2023-03-01"], [], ["--from", "2023-03-02", "--to", "2023-03-01"]):
        result = run("kpi", folder, *args, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
        assert result.returncode == 2, args
        assert "period" in result.stderr or "--from" in result.stderr or "--to" in result.stderr
        assert_no_traceback(result)


def test_engine_gds_with_a_data_folder_is_refused_before_anything_is_read(tmp_path, run):
    """--engine gds computes where the data is (the Neo4j store): with a DATA_DIR it is a usage error (exit 2,
    one line naming --neo4j), for analyse and pack, and nothing is written."""
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    for command in ("analyse", "pack"):
        out = tmp_path / f"{command}-out"
        result = run(command, folder, "--engine", "gds", "--period", "2023-03", "--out", out, cwd=tmp_path)
        assert result.returncode == 2 and "--engine gds" in result.stderr and "--neo4j" in result.stderr
        assert_no_traceback(result)
        assert not out.exists() or not any(out.iterdir())
    bad = run("analyse", folder, "--engine", "spark", "--period", "2023-03", "--out", tmp_path / "x", cwd=tmp_path)
    assert bad.returncode == 2 and "spark" in bad.stderr


def test_every_command_help_has_a_worked_example():
    """Every command registered on the app, not a list that can fall behind: its --help shows a peermap run."""
    import typer
    from typer.testing import CliRunner

    from peermap.cli import app

    commands = typer.main.get_command(app).commands
    assert {"synth", "validate", "kpi", "ingest", "forget", "demo", "analyse", "pack", "child"} <= set(commands)
    for name in commands:
        result = CliRunner().invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        described = result.output.split("\nArguments:")[0].split("\nOptions:")[0]  # the text, not the options
        examples = described.split("Example")[1:]
        assert examples and all(f"peermap {name} " in example for example in examples), (name, result.output)


def test_a_folder_in_which_no_child_loads_stops_every_command_with_one_line(tmp_path, run):
    folder = write_folder(tmp_path / "data", children=[], episodes=EPISODES)
    (folder / "children.csv").write_text("child_id,display_name\n")
    period = ["--period", "2023-03"]
    for args in (
        ["validate", folder],
        ["kpi", folder, *period],
        ["child", "001", folder, "--out", tmp_path / "c.html"],
        ["pack", folder, *period, "--audience", "meeting", "--out", tmp_path / "pack"],
        ["analyse", folder, *period, "--out", tmp_path / "analysis"],
    ):
        result = run(*args, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
        assert result.returncode == 2, (args[0], result.stderr)
        assert_no_traceback(result)
        said = [line for line in result.stderr.splitlines() if line.startswith("peermap:")]
        assert said == ["peermap: children.csv has no rows: no child loads, so there is nothing to report on"], args[0]


def test_every_run_says_how_many_rows_of_each_file_loaded(tmp_path, run):
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    result = run("kpi", folder, "--period", "2023-03", "--json", env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "children.csv: loaded 2 of 2 rows" in result.stderr
    assert "episodes.csv: loaded 2 of 3 rows" in result.stderr
    json.loads(result.stdout)  # stdout stays clean


def test_a_comma_after_every_data_row_stops_validate_and_pack(tmp_path, run):
    children = [{"child_id": f"{i:03d}", "legal_status": "CiC"} for i in range(1, 30)]
    folder = write_folder(tmp_path / "data", children=children, episodes=EPISODES[:2])
    lines = (folder / "children.csv").read_text().split("\n")
    (folder / "children.csv").write_text("\n".join([lines[0], *[line + "," for line in lines[1:] if line]]) + "\n")
    for args in (["validate", folder], ["pack", folder, "--period", "2023-03", "--out", tmp_path / "pack"]):
        result = run(*args, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert_no_traceback(result)
        assert "children.csv: 29 of its 29 rows" in result.stderr and "line 2" in result.stderr


def test_the_installed_command_in_a_process_of_its_own_exits_0_1_and_2(tmp_path):
    """The tests here run ``main`` in this process (``run``); this one starts the installed ``peermap`` script and
    ``python -m peermap`` as a user does: the exit codes a real process returns, results alone on its stdout."""
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    key = {"PEERMAP_KEY": TEST_KEY}
    script = [str(Path(sys.executable).parent / "peermap")]
    done = run_process("validate", folder, "--json", env=key, cwd=tmp_path, command=script)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rejected"] == 1 and "1 row rejected, 0 warnings" in done.stderr
    strict = run_process("validate", folder, "--strict", "--json", env=key, cwd=tmp_path)  # python -m peermap
    assert strict.returncode == 1 and json.loads(strict.stdout)["rejected"] == 1
    usage = run_process("kpi", folder, "--period", "2023-13", env=key, cwd=tmp_path, command=script)
    assert usage.returncode == 2 and "period" in usage.stderr
    no_key = run_process("validate", folder, cwd=tmp_path, command=script)
    assert no_key.returncode == 2 and "PEERMAP_KEY" in no_key.stderr
    for result in (done, strict, usage, no_key):
        assert_no_traceback(result)


@pytest.mark.parametrize("pending", ["an exit function", "a thread still working"])
def test_the_program_ends_without_cutting_off_what_is_still_to_do(tmp_path, pending):
    """After its command the ``peermap`` program ends its process at once, without Python's slow teardown
    (``cli.run``). What was written to stdout but not yet flushed still reaches the pipe, and the exit code is
    the command's; an exit function registered meanwhile still runs; a thread still working is waited for."""
    marker = tmp_path / "marker"
    if pending == "an exit function":
        setup = f"import atexit; atexit.register(lambda: open({str(marker)!r}, 'w').write('done'))"
    else:
        setup = (
            "import threading, time\n"
            f"threading.Thread(target=lambda: (time.sleep(1), open({str(marker)!r}, 'w').write('done'))).start()"
        )
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout to a pipe is buffered

    def program(*args):
        script = f"{setup}\nimport sys\nsys.stdout.write('written first\\n')\nfrom peermap.cli import run\n"
        script += f"sys.argv = ['peermap', *{list(args)!r}]\nrun()\n"
        return subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=buffered
        )

    usage = program("kpi", "--nothing-like-this")  # nothing but the usage error on stderr flushes anything
    assert usage.returncode == 2 and "--nothing-like-this" in usage.stderr
    assert usage.stdout == "written first\n"
    assert marker.read_text() == "done"
    marker.unlink()
    done = program("--help")
    assert done.returncode == 0 and done.stdout.startswith("written first\nUsage: peermap"), done.stderr
    assert marker.read_text() == "done"


def test_the_program_skips_pythons_teardown_and_never_loads_hypothesis(tmp_path):
    """The quick ending is taken (no module is torn down: an object left for the teardown is never
    finalised) and a command that reads a data folder, so imports pandera, leaves Hypothesis out (pandera
    would import it, with trio and pytest, whenever it is installed, as it is here)."""
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    seen, torn = tmp_path / "seen", tmp_path / "torn"
    script = (
        "import atexit, sys\n"
        "class Left:\n"
        f"    def __del__(self): open({str(torn)!r}, 'w').write('torn down')\n"
        "left = Left()\n"
        f"atexit.register(lambda: open({str(seen)!r}, 'w').write(str(sys.modules.get('hypothesis') is not None)))\n"
        "from peermap.cli import run\n"
        f"sys.argv = ['peermap', 'validate', {str(folder)!r}, '--json']\n"
        "run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PEERMAP_KEY": TEST_KEY},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["loaded"]["episodes"] == 2, result.stdout  # the command's own output, whole
    assert seen.read_text() == "False"  # the exit functions ran, with pandera loaded and Hypothesis not
    assert not torn.exists()  # Python's teardown was skipped


@pytest.mark.parametrize(
    "command",
    [["validate", "--json"], ["kpi", "--period", "2023-03", "--json"]],
    ids=["printed while the command runs", "left in the buffer until the end"],
)
def test_output_lost_to_a_full_disk_is_exit_two_in_one_line(tmp_path, command):
    """stdout on a full disk (here /dev/full): what the command printed could not all be written, so the
    program says so in one line and exits 2 (SCHEMA.md: a full disk), never 0 and never a traceback,
    whether the write fails during the command or only when the program ends and flushes what is left."""
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    name, *options = command
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's shell has it
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*PEERMAP, name, str(folder), *options],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**buffered, "PEERMAP_KEY": TEST_KEY},
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("peermap: ")]
    assert len(said) == 1 and "No space left on device" in said[0], result.stderr


def test_rejects_csv_in_the_repository_is_never_tracked():
    """`peermap validate` run in the repository's root writes raw rows to rejects.csv: git must not take it."""
    root = Path(__file__).resolve().parent.parent
    tracked = subprocess.run(["git", "ls-files", "--", "rejects.csv"], cwd=root, capture_output=True, text=True)
    ignored = subprocess.run(["git", "check-ignore", "-q", "rejects.csv"], cwd=root)
    assert tracked.returncode == 0 and tracked.stdout == ""
    assert ignored.returncode == 0


def test_the_packs_first_page_says_how_many_rows_could_not_be_used_and_where_they_are(tmp_path, run):
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)  # E3's child is not in children.csv
    result = run(
        "pack",
        folder,
        "--period",
        "2023-03",
        "--audience",
        "meeting",
        "--out",
        tmp_path / "pack",
        env={"PEERMAP_KEY": TEST_KEY},
    )
    assert result.returncode == 0, result.stderr
    text = " ".join((tmp_path / "pack" / "index.html").read_text().split())
    rejects = pd.read_csv(tmp_path / "pack" / "rejects.csv", dtype=str)
    assert (rejects["severity"] == "rejected").sum() == 1
    assert "episodes.csv 2 of 3 rows" in text and "1 row could not be used: rejects.csv" in text
    assert "It is not part of the pack: leave it out when you share the pack." in text
    clean = write_folder(tmp_path / "clean", children=CHILDREN, episodes=EPISODES[:2])
    run(
        "pack",
        clean,
        "--period",
        "2023-03",
        "--audience",
        "meeting",
        "--out",
        tmp_path / "clean-pack",
        env={"PEERMAP_KEY": TEST_KEY},
    )
    assert "No row was rejected: rejects.csv" in " ".join((tmp_path / "clean-pack" / "index.html").read_text().split())


def test_the_command_lines_audiences_are_the_audience_tables():
    """--audience offers exactly the audiences a folder is made for, and the Audience type names every audience
    exports/audiences.py has rules for (the command line keeps its own light copy so --help starts fast)."""
    import typing

    from peermap.cli.options import Audience, AudienceChoice
    from peermap.exports.audiences import AUDIENCES, FOLDER_AUDIENCES

    assert tuple(a.value for a in Audience) == AUDIENCES
    assert tuple(a.value for a in typing.get_args(AudienceChoice)) == FOLDER_AUDIENCES
