"""``siting sites`` / ``siting layers add``: every command, every format, every bad input."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from siting.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("SITING_DB_URL", f"sqlite:///{tmp_path / 'ws.sqlite'}")
    monkeypatch.chdir(tmp_path)

    def _run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return _run


def _three_sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"namn": ["Hamnen", "Bruket", "Norra"], "planstatus": ["antagen", "pågående", None],
         "agare": ["kommun", "privat", "staten"]},
        geometry=[box(760000, 7200000, 761000, 7201000), box(770000, 7210000, 771000, 7211000),
                  Point(765000, 7205000).buffer(400)], crs="EPSG:3006")


def _listing(run: Run) -> list[list[str]]:
    code, out, _ = run("sites", "list", "--deleted")
    assert code == 0
    return [line.split("\t") for line in out.strip().splitlines()[1:]]


def test_gpkg_with_a_chosen_layer_then_edit_remove_restore(run: Run, tmp_path: Path) -> None:
    sites = _three_sites()
    sites.to_file(tmp_path / "egna.gpkg", layer="kandidater_2026")
    sites.iloc[:1].to_file(tmp_path / "egna.gpkg", layer="annat")
    code, _, err = run("sites", "add", "egna.gpkg")
    assert code == 2 and "2 lager och inget är valt: kandidater_2026, annat" in err
    assert _listing(run) == []
    code, out, _ = run("sites", "add", "egna.gpkg", "--layer", "kandidater_2026",
                       "--level", "confidential")
    assert code == 0 and out.splitlines() == ["S1\tHamnen", "S2\tBruket", "S3\tNorra"]
    rows = _listing(run)
    assert [(r[1], r[2], r[3]) for r in rows] == [("Hamnen", "industrial", "municipal"),
                                                  ("Bruket", "in_progress", "private"),
                                                  ("Norra", "none", "state")]
    assert {r[6] for r in rows} == {"confidential"}
    code, out, _ = run("sites", "edit", "S2", "--zoning", "adopted", "--capacity-mw", "150",
                       "--capacity-source", "Nätbolaget", "--capacity-date", "2026-11-20")
    assert code == 0 and "version 2" in out
    assert _listing(run)[1][2:5] == ["industrial", "private", "150"]
    assert run("sites", "remove", "S2")[0] == 0
    assert _listing(run)[1][-1] == "yes"
    assert run("sites", "restore", "S2")[0] == 0
    assert run("sites", "restore", "S2", "--revision", "1")[0] == 0
    assert _listing(run)[1][2:5] == ["in_progress", "private", ""]
    code, out, _ = run("sites", "history", "S2")
    assert [line.split("\t")[1] for line in out.splitlines()] == [
        "import", "update", "delete", "undelete", "restore"]


def test_geojson_kml_zipped_shapefile_csv_and_excel(run: Run, tmp_path: Path) -> None:
    sites = _three_sites()
    sites.iloc[:1].to_crs(4326).to_file(tmp_path / "a.geojson")
    sites.iloc[1:2].assign(namn="Kml-plats").to_crs(4326).to_file(tmp_path / "b.kml",
                                                                   driver="KML")
    sites.iloc[2:3].assign(namn="Shp-plats").to_file(tmp_path / "c.shp")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as zf:
        for part in tmp_path.glob("c.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    (tmp_path / "d.csv").write_text("Namn;lon;lat\nCsv-plats;18,06;59,33\n", encoding="utf-8")
    pd.DataFrame({"Platsnamn": ["Xlsx-plats"], "Öst": [700000], "Nord": [7100000]}).to_excel(
        tmp_path / "e.xlsx", index=False)
    for args in (("a.geojson",), ("b.kml",), ("c.zip",), ("d.csv",),
                 ("e.xlsx", "--name-field", "Platsnamn")):
        code, _, err = run("sites", "add", *args)
        assert code == 0, err
    assert [r[1] for r in _listing(run)] == ["Hamnen", "Kml-plats", "Shp-plats", "Csv-plats",
                                             "Xlsx-plats"]


def test_csv_with_unknown_coordinate_columns_asks_then_accepts_them(run: Run,
                                                                    tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("namn,a,b\nA,760000,7200000\n", encoding="utf-8")
    code, _, err = run("sites", "add", "p.csv")
    assert code == 2 and "koordinatkolumner går inte att hitta (kolumner: namn, a, b)" in err
    code, _, err = run("sites", "add", "p.csv", "--x", "a", "--y", "b", "--crs", "EPSG:3006")
    assert code == 0, err


def test_no_crs_asks_for_sweref_or_wgs84_with_the_range(run: Run, tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"namn": ["A"]}, geometry=[Point(760000, 7200000)]).to_file(
            tmp_path / "n.shp")
    code, _, err = run("sites", "add", "n.shp")
    assert code == 2
    assert "anger inget koordinatsystem; koordinaterna ligger i intervallet x 760000..760000" \
        in err and "SWEREF 99 TM (EPSG:3006" in err and "WGS 84 (EPSG:4326" in err
    assert run("sites", "add", "n.shp", "--crs", "EPSG:3006")[0] == 0


def test_bad_inputs_save_nothing_and_say_so_in_swedish(run: Run, tmp_path: Path) -> None:
    _three_sites().iloc[:1].to_file(tmp_path / "ok.gpkg", layer="x")
    assert run("sites", "add", "ok.gpkg")[0] == 0
    gpd.GeoDataFrame({"namn": ["B", "Oslo", "Helsingfors"]},
                     geometry=[Point(18.0, 59.3), Point(10.75, 59.91), Point(24.94, 60.17)],
                     crs=4326).to_file(tmp_path / "ut.geojson")
    (tmp_path / "sida.geojson").write_text("<!DOCTYPE html><html><body>404</body></html>")
    bow = Polygon([(760000, 7200000), (761000, 7201000), (761000, 7200000), (760000, 7201000)])
    gpd.GeoDataFrame({"namn": ["Fluga", "Rätt"]}, geometry=[bow, box(0, 0, 1, 1).buffer(0)
                     .union(box(762000, 7200000, 763000, 7201000))], crs=3006).to_file(
        tmp_path / "ogiltig.gpkg")
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"namn": "Tom"}, "geometry": None},
        {"type": "Feature", "properties": {"namn": "Full"},
         "geometry": {"type": "Point", "coordinates": [18.0, 59.3]}}]}
    (tmp_path / "tom.geojson").write_text(json.dumps(fc))
    gpd.GeoDataFrame({"namn": ["Dubbel", "Dubbel", "Hamnen"]},
                     geometry=[Point(18.0, 59.3), Point(18.1, 59.3), Point(18.2, 59.3)],
                     crs=4326).to_file(tmp_path / "dubbel.geojson")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Plats", None, None])
    sheet.merge_cells("A1:C1")
    sheet.append(["A", 760000, 7200000])
    book.save(tmp_path / "sammanfogad.xlsx")
    with (tmp_path / "stor.geojson").open("wb") as fh:
        fh.truncate(500 * 1024 * 1024)  # sparse: 500 MB that are never read
    cases = {
        "ut.geojson": "2 område(n) ligger utanför Sverige: #2, #3",
        "sida.geojson": "filen är en webbsida (HTML), inte geodata",
        "ogiltig.gpkg": "ogiltig",
        "tom.geojson": "1 område(n) saknar geometri eller har ogiltiga (NaN/oändliga) "
                       "koordinater: #1",
        "dubbel.geojson": "namnet 'Dubbel' finns redan på objekt 1 i filen",
        "sammanfogad.xlsx": "rubrikraden har sammanfogade celler (A1:C1)",
        "stor.geojson": "filen är 500 MB; gränsen är 200 MB",
    }
    for name, expected in cases.items():
        code, _, err = run("sites", "add", name)
        assert code == 2, name
        assert expected in err, (name, err)
        assert "Traceback" not in err and "/tmp" not in err.split(":", 1)[1][:40]
    gpd.GeoDataFrame({"namn": ["Ny", "hamnen"]}, geometry=[Point(18.0, 59.3), Point(18.1, 59.3)],
                     crs=4326).to_file(tmp_path / "finns.geojson")
    code, _, err = run("sites", "add", "finns.geojson", "--lang", "en")
    assert code == 2
    assert "finns.geojson, hamnen, field 'name': the name 'hamnen' is already used by another " \
           "site" in err
    assert [r[1] for r in _listing(run)] == ["Hamnen"]


def test_edit_and_remove_errors(run: Run, tmp_path: Path) -> None:
    _three_sites().to_file(tmp_path / "s.gpkg", layer="x")
    run("sites", "add", "s.gpkg")
    code, _, err = run("sites", "edit", "S9", "--zoning", "none")
    assert code == 2 and "det finns ingen plats med id 'S9'" in err
    code, _, err = run("sites", "edit", "S1", "--name", "Bruket")
    assert code == 2 and "namnet 'Bruket' används redan" in err
    code, _, err = run("sites", "edit", "S1", "--capacity-date", "20 nov")
    assert code == 2 and "'20 nov' är inget datum" in err
    code, _, err = run("sites", "edit", "S1")
    assert code == 2 and "inget att ändra" in err
    assert run("sites", "remove", "S1")[0] == 0
    code, _, err = run("sites", "remove", "S1")
    assert code == 2 and "'S1' är borttagen" in err


def test_layers_add_maps_columns_and_lists(run: Run, tmp_path: Path) -> None:
    gpd.GeoDataFrame({"spanning": [130.0, 400.0], "ledig_mw": [80.0, None]},
                     geometry=[Point(761000, 7201000), Point(765000, 7204000)],
                     crs=3006).to_file(tmp_path / "st.gpkg", layer="stationer")
    code, _, err = run("layers", "add", "st.gpkg", "--type", "substations",
                       "--map", "voltage_kv=spänning")
    assert code == 2 and "kolumnen 'spänning'" in err and "menade du 'spanning'" in err
    code, _, err = run("layers", "add", "st.gpkg", "--type", "gruvor")
    assert code == 2 and "'gruvor' är ingen lagertyp som kan laddas upp" in err
    code, out, err = run("layers", "add", "st.gpkg", "--type", "substations",
                         "--map", "voltage_kv=spanning", "--map", "available_capacity_mw=ledig_mw",
                         "--title", "Nätägarens stationer", "--coverage", "2482",
                         "--vintage", "2026-11-01")
    assert code == 0, err
    assert out.strip() == "L1\tNätägarens stationer\tsubstations\t2 features"
    code, out, _ = run("layers", "workspace")
    assert out.splitlines()[1].split("\t") == ["L1", "Nätägarens stationer", "substations",
                                               "energy", "2", "2482", "st.gpkg"]


def test_score_dossier_and_compare_use_the_workspace_by_default(run: Run, tmp_path: Path) -> None:
    from siting.data.layers import load_layerset

    first = load_layerset("demo", region="9901").vector("sites").iloc[0].geometry.centroid
    gpd.GeoDataFrame({"namn": ["Egen hamnplats"]}, geometry=[first.buffer(500)],
                     crs=3006).to_file(tmp_path / "egen.gpkg", layer="mina")
    assert run("sites", "add", "egen.gpkg")[0] == 0
    assert run("sites", "edit", "S1", "--capacity-mw", "150", "--capacity-source",
               "Nätbolaget AB", "--capacity-date", "2026-11-20")[0] == 0
    code, _, err = run("score", "--profile", "battery_plant", "--out", "res.csv")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "res.csv", dtype={"kommunkod": str})
    mine = table.set_index("site_id").loc["S1"]
    assert mine["origin"] == "workspace" and mine["metric_grid_capacity_10km_mw"] == 150
    assert "150 MW bekräftat av Nätbolaget AB (2026-11-20)" in mine["decided_by_sv"]
    assert (table["origin"] == "catalogue").sum() > 10
    code, _, err = run("score", "--profile", "battery_plant", "--no-workspace",
                       "--out", "plain.csv")
    assert code == 0 and "S1" not in set(pd.read_csv(tmp_path / "plain.csv")["site_id"])
    code, _, err = run("dossier", "--profile", "battery_plant", "--site", "S1", "--draws", "50",
                       "--no-outcomes", "--out", "s1.html")
    assert code == 0, err
    page = (tmp_path / "s1.html").read_text(encoding="utf-8")
    assert "Egen hamnplats" in page and "Nätbolaget AB 2026-11-20: 150 MW" in page
    code, _, err = run("compare", "--profile", "battery_plant", "--resolution", "1000",
                       "--out", "cmp.csv")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "cmp.csv", dtype={"kommunkod": str})) == 4
