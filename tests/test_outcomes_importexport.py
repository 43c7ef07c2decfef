"""Import/export of outcome-log cases: lossless round trips, Swedish CSVs, all-or-nothing."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest_outcomes import BACKENDS, backend_url

from siting.core.errors import ImportValidationError, StoreError
from siting.outcomes import Case, OutcomeStore, export_cases, import_file, read_cases
from siting.outcomes.seed import demo_cases, real_cases

POLYGON = ("POLYGON ((800000 7200000, 800500.125 7200000, 800500.125 7200400, 800000 7200400, "
           "800000 7200000))")


def _cases() -> list[Case]:
    full = Case("X-1", "Fabrik; med \"citat\", komma", "battery", "0480", "won",
                profile="battery_plant", geometry_wkt=POLYGON, year_started=2016,
                year_decided=2017, competing_kommuner=("1980", "2482"),
                investment_msek=12000.5, jobs=1500, power_mw=230.25, land_ha=20.0,
                detaljplan_months=6.0, permit_months=6.5,
                metrics={"grid_capacity_10km_mw": 1250.0, "dist_rail_m": 0.1},
                metrics_vintage="2026-11", soft={"responsiveness": 5, "site_control": 3},
                soft_evidence={"responsiveness": "offer in a week", "planning_speed": "n/a"},
                decisive_factors=("responsiveness", "grid"), notes="=SUMMA(1;2) rad 1\nrad 2 åäö",
                source="https://example.org/a?b=1", confidentiality="public",
                is_fictional=True, organisation="Norrvik")
    point = Case("X-2", "Punkt", "data_center", "2580", "lost",
                 geometry_wkt="POINT (833000.5 7290000.25)", metrics={"site_area_ha": 40.0})
    bare = Case("X-3", "Utan geometri", "steel", "0481", "ongoing")
    return [full, point, bare]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_round_trip_is_lossless(tmp_path: Path, suffix: str) -> None:
    cases = _cases() + demo_cases()[:8] + real_cases()[:3]
    path = tmp_path / f"cases{suffix}"
    export_cases(cases, path)
    back = read_cases(path)
    assert [c.case_id for c in back] == [c.case_id for c in cases]
    for before, after in zip(cases, back, strict=True):
        assert after == before, before.case_id
        assert after.geometry_wkt == before.geometry_wkt


def test_swedish_csv_export_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "sv.csv"
    export_cases(_cases(), path, swedish_csv=True)
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("case_id;title;industry;kommunkod;lon;lat;year_decided;outcome")
    assert "230,25" in path.read_text(encoding="utf-8-sig")
    assert read_cases(path) == _cases()


def test_csv_carries_lonlat_and_wkt(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    export_cases(_cases()[1:2], path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["wkt"] == "POINT (833000.5 7290000.25)"
    assert 20 < float(row["lon"]) < 24 and 65 < float(row["lat"]) < 66.5


def test_swedish_cp1252_csv_with_decimal_comma_and_lonlat(tmp_path: Path) -> None:
    text = ("Case_ID;Title;industry;kommunkod;lon;lat;year_decided;outcome;power_mw;"
            "soft_responsiveness;soft_responsiveness_evidence;metric_dist_rail_m;"
            "competing_kommuner\r\n"
            "SV-1;Batterifabrik Skellefteå;battery;2482;20,95;64,75;2017;won;230,5;5;"
            "Svar inom en vecka;1 234,5;\"1980;0180\"\r\n")
    path = tmp_path / "excel_export.csv"
    path.write_bytes(text.encode("cp1252"))
    (case,) = read_cases(path)
    assert case.title == "Batterifabrik Skellefteå"
    assert case.power_mw == 230.5
    assert case.metrics == {"dist_rail_m": 1234.5}
    assert case.soft == {"responsiveness": 5}
    assert case.competing_kommuner == ("1980", "0180")
    x, y = case.representative_xy
    assert 740_000 < x < 800_000 and 7_150_000 < y < 7_220_000  # Skellefteå in SWEREF 99 TM


def test_every_bad_row_is_reported_and_nothing_imported(tmp_path: Path) -> None:
    text = ("case_id,title,industry,kommunkod,lon,lat,year_decided,outcome,soft_site_control\n"
            "OK-1,Bra,battery,2482,20.9,64.7,2017,won,4\n"
            "BAD-2,Dålig,coal,2482,20.9,64.7,2017,won,4\n"
            "BAD-3,Dålig,battery,248,20.9,64.7,2017,won,9\n"
            "BAD-4,Dålig,battery,2482,64.7,20.9,2017,won,\n"
            "OK-1,Dubblett,battery,2482,,,2017,won,\n")
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportValidationError) as info:
        read_cases(path)
    found = {(p.location, p.field) for p in info.value.problems}
    assert ("row 3", "industry") in found
    assert ("row 4", "kommunkod") in found and ("row 4", "soft_site_control") in found
    assert ("row 5", "lon/lat") in found
    assert ("row 6", "case_id") in found
    assert all(p.source == "bad.csv" for p in info.value.problems)
    assert "nothing was imported" in str(info.value)


def test_unknown_columns_and_extension_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("case_id,title,industry,kommunkod,outcome,colour\n"
                    "U-1,T,battery,2482,won,blue\n", encoding="utf-8")
    with pytest.raises(ImportValidationError, match="colour"):
        read_cases(path)
    with pytest.raises(ImportValidationError, match="unsupported"):
        read_cases(tmp_path / "cases.json")
    with pytest.raises(StoreError, match="unsupported"):
        export_cases(_cases(), tmp_path / "cases.json")


def test_excel_numeric_kommunkod_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "k.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["case_id", "title", "industry", "kommunkod", "outcome", "year_decided"])
    sheet.append(["K-1", "T", "battery", 480, "won", 2017])
    workbook.save(path)
    with pytest.raises(ImportValidationError) as info:
        read_cases(path)
    (problem,) = info.value.problems
    assert problem.location == "row 2" and problem.field == "kommunkod"
    assert "leading zero" in problem.hint


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OutcomeStore]:
    with backend_url(request.param, tmp_path) as url, OutcomeStore.open(url) as opened:
        yield opened


def test_reimport_creates_no_duplicates_and_one_revision_per_change(
        store: OutcomeStore, tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    export_cases(_cases(), path)
    first = import_file(store, path, user="anna")
    assert first.created == ("X-1", "X-2", "X-3")
    second = import_file(store, path, user="anna")
    assert second.unchanged == ("X-1", "X-2", "X-3") and not second.created
    assert store.revision_count() == 3
    changed = _cases()
    changed[1] = dataclasses.replace(changed[1], outcome="won", year_decided=2020)
    export_cases(changed, path)
    third = import_file(store, path, user="bo")
    assert third.updated == ("X-2",) and len(third.unchanged) == 2
    assert [r.action for r in store.history("X-2")] == ["import", "import"]
    assert store.revision_count() == 4
    assert store.list() == changed


def test_failed_import_leaves_store_untouched(store: OutcomeStore, tmp_path: Path) -> None:
    path = tmp_path / "half.csv"
    export_cases(_cases(), path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines.append(lines[1].replace("X-1", "X-9").replace(",0480,", ",480,"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportValidationError):
        import_file(store, path)
    assert store.list() == []
    assert store.revision_count() == 0


def test_store_export_import_round_trip(store: OutcomeStore, tmp_path: Path) -> None:
    store.upsert_many(_cases() + demo_cases()[:5], user="u")
    path = tmp_path / "all.gpkg"
    export_cases(store.list(), path)
    assert read_cases(path) == store.list()


def test_lonlat_edited_without_wkt_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "moved.csv"
    export_cases(_cases()[1:2], path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["lat"] = str(float(rows[0]["lat"]) + 0.1)  # about 11 km north
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ImportValidationError) as info:
        read_cases(path)
    (problem,) = info.value.problems
    assert problem.field == "lon/lat" and "wkt" in problem.hint
    rows[0]["wkt"] = ""  # clearing the exact geometry makes lon/lat the position
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (case,) = read_cases(path)
    assert case.representative_xy[1] > 7_290_000 + 10_000


def test_excel_export_explains_every_column(tmp_path: Path) -> None:
    path = tmp_path / "help.xlsx"
    export_cases(_cases(), path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        header = next(workbook["cases"].iter_rows(max_row=1, values_only=True))
        described = {r[0]: (r[1], r[2]) for r in workbook["fält"].iter_rows(min_row=2,
                                                                             values_only=True)}
    finally:
        workbook.close()
    assert set(header) == set(described)
    assert all(sv and en for sv, en in described.values())
