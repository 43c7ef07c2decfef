"""``siting score`` and ``siting sensitivity`` on the demo catalogue."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from siting.cli import main


def test_score_writes_csv_with_the_columns(tmp_path, capsys) -> None:
    out = tmp_path / "x.csv"
    prov = tmp_path / "prov.json"
    assert main(["score", "--profile", "battery_plant", "--out", str(out),
                 "--provenance", str(prov)]) == 0
    df = pd.read_csv(out, encoding="utf-8-sig", dtype={"kommunkod": str},
                     keep_default_na=False)
    for col in ("site_id", "kommunkod", "passes_hard", "failures", "score", "rank"):
        assert col in df.columns
    assert set(df["kommunkod"]) <= {"9901", "9902", "9903", "9904"}  # the demo study area
    assert df["passes_hard"].any() and not df["passes_hard"].all()
    assert df.loc[~df["passes_hard"], "failures"].str.contains("krav").all()
    assert json.loads(prov.read_text(encoding="utf-8"))["profile_id"] == "battery_plant"
    err = capsys.readouterr().err
    assert "klarar skallkraven" in err


def test_score_prints_a_ranked_table_in_english_with_weights(capsys) -> None:
    assert main(["score", "--profile", "data_center", "--lang", "en", "--top", "5",
                 "--weights", "labour=0.9", "--site", "NV-14"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["rank", "site", "name"]
    assert [ln.split()[0] for ln in lines[1:6]] == ["1", "2", "3", "4", "5"]
    assert "NV-14" in out and "Hard criteria:" in out


def test_score_gpkg_and_user_sites(tmp_path) -> None:
    from siting.data.layers import load_layerset
    from siting.demo import STUDY_AREA

    sites = load_layerset("demo", region=list(STUDY_AREA)).vector("sites").iloc[:4]
    src = tmp_path / "mine.gpkg"
    sites[["site_id", "name", "geometry"]].to_file(src)
    out = tmp_path / "out.gpkg"
    assert main(["score", "--profile", "steelworks", "--sites", str(src), "--out",
                 str(out)]) == 0
    back = gpd.read_file(out, layer="sites")
    assert back.crs.to_epsg() == 3006
    assert sorted(back["site_id"]) == sorted(sites["site_id"])


@pytest.mark.parametrize("argv, needle", [
    (["score", "--profile", "no_such_profile"], "no such profile"),
    (["score", "--profile", "battery_plant", "--site", "ZZ-99"], "no candidate site"),
    (["score", "--profile", "battery_plant", "--weights", "nonsense=1"], "no soft criterion"),
    (["score", "--profile", "battery_plant", "--out", "x.xlsx"], "unknown output format"),
    (["sensitivity", "--profile", "battery_plant", "--out", "x.txt"], "must be a .csv"),
])
def test_errors_exit_2_with_a_clear_message(argv, needle, capsys) -> None:
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_sensitivity_writes_acceptability_and_sweep(tmp_path) -> None:
    out = tmp_path / "sens.csv"
    assert main(["sensitivity", "--profile", "battery_plant", "--draws", "200", "--seed", "3",
                 "--out", str(out)]) == 0
    acc = pd.read_csv(out, encoding="utf-8-sig")
    assert {"site_id", "p_rank1", "p_top3", "passes_hard"} <= set(acc.columns)
    assert acc["p_rank1"].sum() == pytest.approx(1.0)
    sweep = pd.read_csv(tmp_path / "sens_sweep.csv", encoding="utf-8-sig")
    assert {"criterion_id", "weight", "lower", "upper", "top_site"} <= set(sweep.columns)
    assert sweep["weight"].sum() == pytest.approx(1.0)
