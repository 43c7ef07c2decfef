"""`siting layers` and `siting layers check` end to end through the CLI dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from siting.cli import main


def test_list_sweden_open_json(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["layers", "--catalog", "sweden_open", "--data-dir", str(shared_data), "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    data = json.loads(out)
    assert data["municipalities"]["features"] == 290
    assert 300 < data["substations"]["features"] < 213 + 174 + 137   # merged grid stations
    assert data["municipalities"]["crs"] == "EPSG:3006"
    assert data["substations"]["crs"] == "EPSG:3006"
    assert data["airports"]["source_crs"] == "EPSG:4326"
    assert data["roads"]["source_crs"] == "EPSG:3006"
    assert data["substations"]["vintage"] == "2021-10-05"
    assert data["substations"]["theme"] == "energy" and data["substations"]["kind"] == "point"
    assert any("voltage_kv" in n for n in data["substations"]["notes"])
    assert data["municipality_stats"]["crs"] is None
    assert "loading catalogue 'sweden_open'" in err  # progress on stderr, not stdout


def test_list_table_for_region(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["layers", "--catalog", "sweden_open", "--data-dir", str(shared_data),
                 "--region", "Uppsala", "--buffer-km", "10"])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "theme", "kind", "type", "features", "crs", "vintage",
                                "licence"]
    roads = next(ln for ln in lines if ln.startswith("roads "))
    assert "596" in roads and "EPSG:3006" in roads and "2020-09-06" in roads


def test_unknown_region_exit_2(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["layers", "--catalog", "sweden_open", "--data-dir", str(shared_data),
                 "--region", "2579"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "unknown municipality '2579'" in err and "2580 Luleå" in err


def test_check_native_zips(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    zips = sorted(str(p) for p in (shared_data / "native").glob("*.zip"))
    assert len(zips) == 3
    code = main(["layers", "check", *zips, "--json"])
    out, _ = capsys.readouterr()
    assert code == 0
    results = json.loads(out)
    assert [r["valid"] for r in results] == [True, True, True]
    by_layer = {r["layer"]: r for r in results}
    assert by_layer["ak_riks"]["features"] == 295 and by_layer["ak_riks"]["crs"] == "EPSG:3006"
    assert by_layer["ak_riks"]["codepage"] == "ISO 88591"
    assert any("290 distinct municipality codes" in n for n in by_layer["ak_riks"]["notes"])
    assert by_layer["Uppsala_kommun_ShapeAGGREGATVagkategori"]["codepage"] == "1252"
    assert "KOMMUNNAMN" in by_layer["ak_riks"]["columns"]


def test_check_reports_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pts = gpd.GeoDataFrame({"namn": ["Älvby"]}, geometry=[Point(700_000, 7_200_000)],
                           crs="EPSG:3006")
    pts.to_file(tmp_path / "ok.shp")
    (tmp_path / "ok.prj").unlink()
    (tmp_path / "metres.csv").write_text("namn,lon,lat\nA,674000,6580000\n", encoding="utf-8")
    (tmp_path / "broken.geojson").write_text("{ not json", encoding="utf-8")
    code = main(["layers", "check", str(tmp_path / "ok.shp"), str(tmp_path / "metres.csv"),
                 str(tmp_path / "broken.geojson")])
    out, err = capsys.readouterr()
    assert code == 2
    assert "ok.shp: no coordinate reference system" not in out
    assert "ok.shp" in err and "no coordinate reference system" in err and "--crs" in err
    assert "look like SWEREF 99 TM metres, not degrees" in err
    assert "broken.geojson" in err and "cannot be read" in err
    assert out.count("INVALID") == 3
    code = main(["layers", "check", str(tmp_path / "ok.shp"), "--crs", "EPSG:3006"])
    out, _ = capsys.readouterr()
    assert code == 0 and "CRS EPSG:3006" in out and "namn" in out


def test_check_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["layers", "check", "--help"])
    assert info.value.code == 0
    assert "usage: siting layers check" in capsys.readouterr().out


def test_check_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    pd.DataFrame({"kommunkod": [114, 180], "namn": ["Upplands Väsby", "Stockholm"]}).to_excel(
        tmp_path / "k.xlsx", index=False)
    (tmp_path / "k.csv").write_text("kommunkod;värde\n0114;1,5\n", encoding="cp1252")
    code = main(["layers", "check", str(tmp_path / "k.xlsx"), str(tmp_path / "k.csv"),
                 "--json"])
    results = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["format"] for r in results] == ["table", "csv"]
    assert results[0]["features"] == 2
    assert any("2 distinct municipality codes" in n for n in results[0]["notes"])
    assert results[1]["encoding"] == "cp1252" and results[1]["separator"] == ";"
    assert results[1]["columns"] == ["kommunkod", "värde"]
