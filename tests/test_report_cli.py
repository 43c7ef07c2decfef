"""``siting dossier`` and ``siting report compare`` from the command line, and the comparison."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from siting.cli import main
from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA
from siting.scoring.sites import evaluate
from siting.views.report.compare_report import build_comparison, render_comparison


def _pdf_text(path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDF text")
    out = subprocess.run([exe, str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return re.sub(r"\s+", " ", out.replace("\u00a0", " "))


@pytest.fixture
def no_default_store(tmp_path, monkeypatch):
    """Point the default outcome log somewhere empty, so no user store leaks in."""
    monkeypatch.delenv("SITING_DB_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_cli_dossier_pdf(tmp_path, capsys, no_default_store) -> None:
    del no_default_store
    out = tmp_path / "NV-01.pdf"
    code = main(["dossier", "--profile", "battery_plant", "--site", "NV-01", "--draws", "100",
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = _pdf_text(out)
    assert "NV-01" in text and "Norrvik" in text and "Battericellfabrik" in text
    assert "Utfallsloggen användes inte" in text  # no outcome log -> said so, not hidden


def _log_with_own_cases(db) -> tuple[str, str]:
    """A local log: the demo cases plus an own internal and an own confidential case at NV-01."""
    from siting.outcomes import Case, OutcomeStore, seed_store

    store = OutcomeStore.open(str(db))
    try:
        seed_store(store, "demo")
        near = store.list(industry="battery")[0]
        for case_id, title, level in (("OWN-INT", "EGET INTERNT 4711", "internal"),
                                      ("OWN-CONF", "HEMLIGT 4712", "confidential")):
            store.add(Case(case_id, title, "battery", near.kommunkod, "ongoing",
                           geometry_wkt=near.geometry_wkt, confidentiality=level,
                           is_fictional=True,
                           soft=dict(near.soft), metrics=dict(near.metrics)))
    finally:
        store.close()
    return "EGET INTERNT 4711", "HEMLIGT 4712"


def test_cli_dossier_own_internal_only_with_flag_and_marked(tmp_path, capsys) -> None:
    db = tmp_path / "outcomes.sqlite"
    internal, secret = _log_with_own_cases(db)
    base = ["dossier", "--profile", "battery_plant", "--site", "NV-01", "--draws", "50",
            "--lang", "en", "--db", str(db)]
    hidden, shown = tmp_path / "hidden.html", tmp_path / "shown.html"
    assert main([*base, "--out", str(hidden)]) == 0, capsys.readouterr().err
    assert main([*base, "--include-internal", "--out", str(shown)]) == 0
    page_hidden = hidden.read_text(encoding="utf-8")
    page_shown = shown.read_text(encoding="utf-8")
    assert internal not in page_hidden and "INTERNAL" not in page_hidden
    assert "left out" not in page_hidden and "withheld" not in page_hidden
    assert page_shown.count("INTERNAL – contains") >= 2  # top and bottom of the page
    assert secret not in page_shown and secret not in page_hidden
    pdf = tmp_path / "shown.pdf"
    assert main([*base, "--include-internal", "--out", str(pdf)]) == 0
    text = _pdf_text(pdf)
    pages = int(subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                               check=True).stdout.split("Pages:")[1].split()[0])
    assert text.count("INTERNAL – contains") >= pages  # on every page


@pytest.mark.parametrize(("argv", "needle"), [
    (["--profile", "battery_plant", "--site", "XX-99"], "no candidate site 'XX-99'"),
    (["--profile", "battery_plant", "--site", "GB-01"], "--region"),
    (["--profile", "no_such_profile", "--site", "NV-01"], "no_such_profile"),
])
def test_cli_dossier_clear_errors(tmp_path, capsys, no_default_store, argv, needle) -> None:
    del no_default_store
    code = main(["dossier", *argv, "--no-outcomes", "--out", str(tmp_path / "x.pdf")])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_cli_rejects_unknown_format_before_loading(tmp_path, capsys) -> None:
    code = main(["dossier", "--profile", "battery_plant", "--site", "NV-01",
                 "--out", str(tmp_path / "x.docx")])
    err = capsys.readouterr().err
    assert code == 2 and ".pdf or .html" in err
    assert "Loading" not in err


def test_cli_report_compare_html_is_self_contained(tmp_path, capsys) -> None:
    out = tmp_path / "compare.html"
    code = main(["report", "compare", "--profile", "data_center", "--region",
                 "9901,9902,9903,9904", "--lang", "en", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    for name in ("Norrvik", "Älvby", "Skogsås", "Bergsjö"):
        assert name in page
    assert "Grannby" not in page.split('id="sources"')[0]  # not in the compared set
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page, re.I)
    assert "data:image/png;base64," in page


def test_comparison_pdf_and_table(tmp_path) -> None:
    ls = load_layerset("demo", region=list(STUDY_AREA))
    res = evaluate(None, load_profile("steelworks"), ls)
    comp = build_comparison(res, ls, lang="sv")
    assert comp.map_png.startswith(b"\x89PNG") and comp.heatmap_png.startswith(b"\x89PNG")
    assert [s.kommunkod for s in comp.sections] == [r[0][-5:-1] for r in comp.table]
    total_sites = sum(int(r[1]) for r in comp.table)
    assert total_sites == len(res.table)
    assert sum(int(r[2].split()[0]) for r in comp.table) == int(res.passes.sum())
    path = tmp_path / "cmp.pdf"
    path.write_bytes(render_comparison(comp, "pdf"))
    text = _pdf_text(path)
    assert res.profile.name("sv") in text
    for section in comp.sections:
        assert section.name in text
        for sid, *_ in section.top_sites:
            assert sid in text


def test_load_cases_reads_only_what_may_leave(tmp_path, no_default_store) -> None:
    from siting.outcomes import OutcomeStore
    from siting.views.report.outcome_cases import load_cases

    del no_default_store
    assert load_cases(None, industry="battery") == (None, ())  # no log: nothing is created
    db = tmp_path / "log.sqlite"
    _log_with_own_cases(db)
    with OutcomeStore.open(str(db)) as store:
        others_internal = {c.case_id for c in store.list(industry="battery")
                           if c.confidentiality == "internal" and c.organisation != "local"}
    frame, own = load_cases(str(db), industry="battery")
    assert own == ("local",)
    assert set(frame["confidentiality"]) <= {"public", "network"}
    assert set(frame["industry"]) == {"battery"}
    full, _ = load_cases(str(db), industry="battery", include_internal=True)
    assert set(full["case_id"]) - set(frame["case_id"]) == {"OWN-INT"}
    assert others_internal and not others_internal & set(full["case_id"])
