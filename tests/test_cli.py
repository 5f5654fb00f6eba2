"""The command line as a user meets it: exit codes, messages on stderr, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import TEST_KEY, write_folder

PEERMAP = [sys.executable, "-c", "from mapping.cli import main; main()"]

CHILDREN = [{"child_id": "001", "legal_status": "CiC", "birth_date": "2007-01-01"}, {"child_id": "002"}]
EPISODES = [{"episode_id": "E1", "child_id": "001", "missing_at": "2023-03-04T20:00", "returned_at": "2023-03-05T08:00"},
            {"episode_id": "E2", "child_id": "002", "missing_at": "2023-03-10T20:00", "returned_at": ""},
            {"episode_id": "E3", "child_id": "003", "missing_at": "2023-03-10T20:00"}]


def run(*args, env=None, cwd=None):
    environment = {k: v for k, v in os.environ.items() if k != "PEERMAP_KEY"}
    environment.update(env or {})
    return subprocess.run([*PEERMAP, *map(str, args)], capture_output=True, text=True, env=environment, cwd=cwd)


def assert_no_traceback(result):
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_validate_reports_and_exits_zero_then_strict_exits_one(tmp_path):
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    result = run("validate", folder, "--json", cwd=tmp_path, env={"PEERMAP_KEY": TEST_KEY})
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)  # stdout holds only the JSON
    assert counts["rejected"] == 1 and counts["loaded"]["episodes"] == 2
    assert "1 rows rejected" in result.stderr
    assert (tmp_path / "rejects.csv").read_text().count("\n") == 2
    strict = run("validate", folder, "--strict", "--rejects", tmp_path / "r2.csv", env={"PEERMAP_KEY": TEST_KEY})
    assert strict.returncode == 1
    assert_no_traceback(strict)


def test_missing_file_column_and_key_exit_two_with_one_clear_message(tmp_path):
    folder = write_folder(tmp_path / "data", children=CHILDREN)
    result = run("validate", folder, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 2 and "episodes.csv" in result.stderr
    write_folder(folder, episodes=[{"episode_id": "E1", "child_id": "001"}])
    result = run("validate", folder, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 2 and "missing_at" in result.stderr
    result = run("validate", folder, cwd=tmp_path)
    assert result.returncode == 2 and "PEERMAP_KEY" in result.stderr
    (folder / "children.csv").write_bytes(b"child_id\n\xff\xfe\n")
    result = run("validate", folder, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 2 and "UTF-8" in result.stderr
    for r in (result,):
        assert_no_traceback(r)
        assert len(r.stderr.strip().splitlines()) <= 8


def test_kpi_json_is_schema_object(tmp_path):
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    result = run("kpi", folder, "--period", "2023-03", "--json", env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    measures = json.loads(result.stdout)
    assert list(measures) == ["from", "to", "all", "CiC", "other"]
    assert (measures["from"], measures["to"]) == ("2023-03-01", "2023-03-31")
    # E1 (12 h, CiC) and E2 (still missing, other) count; E3 was rejected
    assert measures["all"]["episodes"] == 2 and measures["all"]["average_hours_missing"] == 12.0
    assert measures["CiC"]["children_missing"] == 1 and measures["other"]["average_hours_missing"] is None


def test_bad_period_is_a_usage_error(tmp_path):
    folder = write_folder(tmp_path / "data", children=CHILDREN, episodes=EPISODES)
    for args in (["--period", "2023-13"], ["--from", "2023-03-01"], [], ["--from", "2023-03-02", "--to", "2023-03-01"]):
        result = run("kpi", folder, *args, env={"PEERMAP_KEY": TEST_KEY}, cwd=tmp_path)
        assert result.returncode == 2, args
        assert "period" in result.stderr or "--from" in result.stderr or "--to" in result.stderr
        assert_no_traceback(result)


def test_every_command_help_has_an_example():
    for command in ("synth", "validate", "kpi", "demo"):
        result = run(command, "--help")
        assert result.returncode == 0 and "Example" in result.stdout, command
