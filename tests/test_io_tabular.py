"""CSV reading: encodings, separators, decimal comma, codes kept as text, points."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from siting.core.errors import DataError
from siting.data.io.tabular import parse_number, points_from_table, read_csv, sniff_csv_bytes


def test_utf8_lonlat_comma_separated(tmp_path: Path) -> None:
    path = tmp_path / "pts.csv"
    path.write_text("id,namn,lon,lat,kommunkod\n1,Luleå,22.15,65.58,2580\n"
                    "2,Upplands Väsby,17.91,59.52,0114\n", encoding="utf-8")
    read = read_csv(path)
    assert read.format.encoding == "utf-8" and read.format.sep == ","
    df = read.data
    assert df["namn"].tolist() == ["Luleå", "Upplands Väsby"]
    assert df["kommunkod"].tolist() == ["2580", "0114"]
    assert df["lon"].tolist() == [22.15, 17.91]
    assert str(df["id"].dtype) == "Int64"


def test_bom_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffkommunkod;namn\n0180;Stockholm\n".encode())
    read = read_csv(path)
    assert read.format.encoding == "utf-8-sig" and read.format.sep == ";"
    assert list(read.data.columns) == ["kommunkod", "namn"]
    assert read.data["kommunkod"].tolist() == ["0180"]


def test_cp1252_semicolon_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "sweref.csv"
    path.write_bytes("namn;x;y;effekt_mw\nÄlvby;674032,5;6580821,25;12,5\n"
                     "Skogsås;700000;7200000;1 234,5\n".encode("cp1252"))
    read = read_csv(path)
    assert read.format.encoding == "cp1252" and read.format.sep == ";"
    df = read.data
    assert df["namn"].tolist() == ["Älvby", "Skogsås"]
    assert df["x"].tolist() == [674032.5, 700000.0]
    assert df["effekt_mw"].tolist() == [12.5, 1234.5]
    assert set(read.decimal_comma_columns) == {"x", "y", "effekt_mw"}


def test_tab_separated_latin1(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_bytes("a\tb\n1\tÖrebro\n".encode("latin-1"))
    read = read_csv(path)
    assert read.format.sep == "\t" and read.data["b"].tolist() == ["Örebro"]


def test_quoted_decimal_comma_in_comma_file(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('namn,varde\nA,"12,5"\nB,"3"\n', encoding="utf-8")
    assert read_csv(path).data["varde"].tolist() == [12.5, 3.0]


def test_mixed_column_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("a,b\n1,2\n2,abc\n", encoding="utf-8")
    df = read_csv(path).data
    assert df["b"].tolist() == ["2", "abc"]
    assert df["a"].tolist() == [1, 2]


def test_double_encoded_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "moji.csv"
    path.write_text("namn\n" + "Älvby".encode().decode("latin-1") + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"moji\.csv, line 2.*double-encoded"):
        read_csv(path)


def test_declared_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes("namn\nÄlvby\n".encode("cp1252"))
    with pytest.raises(DataError, match=r"w\.csv, line 2.*cannot be read with the character encoding utf-8"):
        read_csv(path, encoding="utf-8")


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        read_csv(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty\.csv: the file is empty"):
        read_csv(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="header but no data rows"):
        read_csv(tmp_path / "header.csv")


def test_points_from_table_names_bad_rows(tmp_path: Path) -> None:
    df = pd.DataFrame({"lon": ["18.07", "x", "19"], "lat": ["59.33", "60", None]})
    with pytest.raises(DataError) as info:
        points_from_table(df, "lon", "lat", "EPSG:4326", "p.csv")
    text = str(info.value)
    assert "p.csv, rows 3, 4" in text and "lon/lat" in text
    ok = points_from_table(df.iloc[:1], "lon", "lat", "EPSG:4326", "p.csv")
    assert ok.crs.to_epsg() == 4326 and ok.geometry.x.iloc[0] == pytest.approx(18.07)


def test_parse_number_forms() -> None:
    assert parse_number("−3,5") == -3.5
    assert parse_number("1\u00a0234") == 1234.0
    assert parse_number("1e3") == 1000.0
    assert parse_number("12,5,3") != parse_number("12,5,3")  # NaN


def test_sniff_prefers_consistent_separator() -> None:
    fmt = sniff_csv_bytes(b"a;b;c\n1,5;2,5;3\n4;5;6\n")
    assert fmt.sep == ";"


def test_missing_markers(tmp_path: Path) -> None:
    path = tmp_path / "scb.csv"
    path.write_text("kommunkod;folkmangd;andel\n0114;43891;..\n0180;NA;12,5\n", encoding="utf-8")
    df = read_csv(path).data
    assert df["folkmangd"].isna().tolist() == [False, True]
    assert df["andel"].isna().tolist() == [True, False] and df["andel"].iloc[1] == 12.5
