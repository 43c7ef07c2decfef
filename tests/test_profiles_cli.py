"""Tests of the ``siting profiles`` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.cli import main


def test_list_shows_the_shipped_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "list", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    for pid in ("battery_plant", "steelworks", "data_center"):
        assert pid in out
    assert "Battery cell plant" in out


def test_check_reports_every_problem_and_fails(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[profile]\nid = "x"\nname_sv = "X"\nname_en = "X"\nmin_area_ha = -5\n',
                   encoding="utf-8")
    assert main(["profiles", "check", "battery_plant", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "ok  battery_plant" in captured.out
    assert "min_area_ha" in captured.err and "no [[soft]] criteria" in captured.err
    assert str(bad) in captured.err


def test_show_lists_weights_summing_to_100(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "show", "data_center", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "AHP CR" in out and "Hard criteria" in out
    shares = [float(line.split()[1]) for line in out.splitlines()
              if line.strip().endswith("]") and "%" in line]
    assert len(shares) == 9
    assert sum(shares) == pytest.approx(100, abs=0.5)
