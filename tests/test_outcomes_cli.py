"""``siting outcomes ...`` end to end against a temporary SQLite log."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from siting.cli import outcomes_cmd
from siting.core.errors import SitingError
from siting.outcomes import OutcomeStore


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run like ``siting.cli.main`` does (errors print plainly, exit 2)."""
    parser = argparse.ArgumentParser(prog="siting")
    sub = parser.add_subparsers(dest="command")
    outcomes_cmd.register(sub)
    try:
        args = parser.parse_args(["outcomes", *argv])
        code = int(args.func(args) or 0)
    except SitingError as exc:
        print(f"error: {exc}", file=__import__("sys").stderr)
        code = 2
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.sqlite")


def test_add_list_show_history_delete_restore(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["--db", db, "add", "--id", "CLI-1", "--title", "Batterifabrik",
                           "--industry", "battery", "--kommun", "2482", "--outcome", "won",
                           "--year-decided", "2017", "--lonlat", "20.95", "64.75",
                           "--soft", "responsiveness=5", "planning_speed=4",
                           "--evidence", "responsiveness=offer within a week",
                           "--metric", "grid_capacity_10km_mw=450,5", "--user", "anna"], capsys)
    assert code == 0, err
    assert "added CLI-1" in out
    with OutcomeStore.open(db) as store:
        case = store.get("CLI-1")
    assert case.soft == {"responsiveness": 5, "planning_speed": 4}
    assert case.metrics == {"grid_capacity_10km_mw": 450.5}
    assert case.meta is not None and case.meta.created_by == "anna"

    code, out, _ = _cli(["list", "--db", db, "--industry", "battery"], capsys)
    assert code == 0 and "CLI-1" in out and "1 case(s)" in out
    code, out, _ = _cli(["--db", db, "list", "--industry", "steel"], capsys)
    assert "0 case(s)" in out
    code, out, _ = _cli(["--db", db, "list", "--json"], capsys)
    listed = json.loads(out)
    assert [c["case_id"] for c in listed] == ["CLI-1"] and listed[0]["meta"]["version"] == 1
    code, out, _ = _cli(["--db", db, "show", "CLI-1"], capsys)
    assert "responsiveness=5" in out and "kommunkod" in out

    assert _cli(["--db", db, "delete", "CLI-1"], capsys)[0] == 0
    assert "0 case(s)" in _cli(["--db", db, "list"], capsys)[1]
    assert _cli(["--db", db, "undelete", "CLI-1"], capsys)[0] == 0
    assert _cli(["--db", db, "restore", "CLI-1", "2"], capsys)[0] == 0  # the deleted state
    assert "0 case(s)" in _cli(["--db", db, "list"], capsys)[1]
    code, out, _ = _cli(["--db", db, "history", "CLI-1", "--json"], capsys)
    assert [r["action"] for r in json.loads(out)] == ["create", "delete", "undelete", "restore"]


def test_errors_exit_2_with_plain_messages(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(["--db", db, "show", "NOPE"], capsys)
    assert code == 2 and "no case with id 'NOPE'" in err and "Traceback" not in err
    code, _, err = _cli(["--db", db, "add", "--id", "B-1", "--title", "T", "--industry",
                         "battery", "--kommun", "248", "--outcome", "won",
                         "--soft", "responsiveness=9"], capsys)
    assert code == 2 and "kommunkod" in err and "soft_responsiveness" in err
    code, _, err = _cli(["--db", db, "add", "--id", "B-1", "--title", "T"], capsys)
    assert code == 2 and "required" in err  # argparse's own message


def test_seed_export_import_round_trip(db: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(["--db", db, "seed", "--which", "all"], capsys)
    assert code == 0 and "created" in out
    code, out, _ = _cli(["--db", db, "seed"], capsys)
    assert "0 created, 0 updated" in out
    for name in ("all.csv", "all.xlsx", "all.gpkg"):
        code, out, err = _cli(["--db", db, "export", str(tmp_path / name)], capsys)
        assert code == 0, err
    other = str(tmp_path / "other.sqlite")
    code, out, err = _cli(["--db", other, "import", str(tmp_path / "all.xlsx")], capsys)
    assert code == 0, err
    with OutcomeStore.open(db) as a, OutcomeStore.open(other) as b:
        assert a.list() == b.list()
        assert len(b.list(include_fictional=False)) >= 15
    code, out, _ = _cli(["--db", db, "list", "--exclude-fictional", "--outcome", "lost"], capsys)
    assert "SE-2017-NORTHVOLT-ETT-VASTERAS" in out
    public = tmp_path / "public.csv"
    assert _cli(["--db", db, "export", str(public), "--confidentiality", "public"],
                capsys)[0] == 0
    from siting.outcomes import read_cases

    shared = read_cases(public)
    assert shared and {c.confidentiality for c in shared} == {"public"}


def test_every_action_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for action in outcomes_cmd._ACTIONS:  # noqa: SLF001 - the list of actions
        code, out, _ = _cli([action, "--help"], capsys)
        assert code == 0 and "usage:" in out, action


def test_update_changes_only_given_fields(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["--db", db, "add", "--id", "U-1", "--title", "Datacenter", "--industry",
                 "data_center", "--kommun", "2580", "--outcome", "ongoing", "--xy", "833000",
                 "7290000", "--soft", "responsiveness=4", "site_control=3",
                 "--metric", "dist_rail_m=100"], capsys)[0] == 0
    code, out, err = _cli(["--db", db, "update", "U-1", "--outcome", "won", "--year-decided",
                           "2024", "--soft", "site_control=", "planning_speed=5",
                           "--metric", "site_area_ha=40", "--user", "bo"], capsys)
    assert code == 0 and "version 2" in out, err
    with OutcomeStore.open(db) as store:
        case = store.get("U-1")
    assert case.outcome == "won" and case.year_decided == 2024
    assert case.title == "Datacenter" and case.geometry_wkt == "POINT (833000 7290000)"
    assert case.soft == {"responsiveness": 4, "planning_speed": 5}
    assert case.metrics == {"dist_rail_m": 100.0, "site_area_ha": 40.0}
    code, out, _ = _cli(["--db", db, "history", "U-1"], capsys)
    assert "soft.site_control" in out and "year_decided" in out and "outcome" in out
    code, out, _ = _cli(["--db", db, "update", "U-1", "--outcome", "won"], capsys)
    assert "nothing changed" in out
    code, _, err = _cli(["--db", db, "update", "U-1", "--title", "X", "--expected-version",
                         "1"], capsys)
    assert code == 2 and "someone else changed" in err
