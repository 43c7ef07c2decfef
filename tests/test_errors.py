from siting.core.errors import CatalogError, DataError, Problem, SitingError


def test_problem_renders_source_location_field_and_hint():
    p = Problem("sites.csv", "row 4", "area_ha", "'abc' is not a number", "write a number")
    assert str(p) == "sites.csv, row 4, field 'area_ha': 'abc' is not a number. Fix: write a number"


def test_error_lists_every_problem_once():
    problems = [Problem("a.toml", f"layer '{i}'", "type", "unknown") for i in range(3)]
    err = CatalogError.from_problems("Invalid catalogue", problems)
    text = str(err)
    assert text.startswith("Invalid catalogue (3 problems):")
    assert text.count("unknown") == 3
    assert isinstance(err, SitingError)
    assert err.problems == tuple(problems)


def test_single_builds_one_problem():
    err = DataError.single("x.gpkg", "file is empty", hint="export the layer again")
    assert len(err.problems) == 1
    assert "x.gpkg: file is empty. Fix: export the layer again" in str(err)


def test_single_problem_message_is_not_repeated():
    err = DataError.single("x.csv", "no rows", location="row 1")
    assert str(err) == "x.csv, row 1: no rows"
    assert str(err).count("no rows") == 1


def test_problem_text_in_swedish_uses_translation_and_swedish_frame():
    p = Problem("sites.csv", "rad 4", "area_ha", "'abc' is not a number", "write a number",
                message_sv="'abc' är inte ett tal", hint_sv="skriv ett tal")
    assert p.text("sv") == "sites.csv, rad 4, fält 'area_ha': 'abc' är inte ett tal. Åtgärd: skriv ett tal"
    assert p.text("en") == str(p)
    assert str(p) == "sites.csv, rad 4, field 'area_ha': 'abc' is not a number. Fix: write a number"


def test_problem_text_in_swedish_falls_back_to_english_when_untranslated():
    p = Problem("a.toml", "", "type", "unknown type", "use point")
    assert p.text("sv") == "a.toml, fält 'type': unknown type. Åtgärd: use point"
    half = Problem("a.toml", message="bad", hint="fix it", message_sv="fel")
    assert half.text("sv") == "a.toml: fel. Åtgärd: fix it"


def test_error_text_renders_every_problem_in_the_language():
    err = DataError.single("x.gpkg", "file not found", hint="check the name",
                           message_sv="filen finns inte", hint_sv="kontrollera namnet")
    assert err.text("sv") == "x.gpkg: filen finns inte. Åtgärd: kontrollera namnet"
    assert err.text("en") == str(err) == "x.gpkg: file not found. Fix: check the name"
    many = CatalogError.from_problems(
        "Invalid catalogue", [Problem("a.toml", "", "kind", "bad", message_sv="fel")] * 2)
    assert many.text("sv") == ("Invalid catalogue (2 problem):\n"
                               "  - a.toml, fält 'kind': fel\n  - a.toml, fält 'kind': fel")


def test_single_and_from_problems_return_the_subclass() -> None:
    from siting.core.errors import Problem, ReportError

    single = ReportError.single("report.pdf", "cannot write", hint="choose another folder")
    many = ReportError.from_problems("Bad report", [Problem("a", "", "", "x")])
    assert type(single) is ReportError and type(many) is ReportError
