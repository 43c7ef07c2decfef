from siting.errors import CatalogError, DataError, Problem, SitingError


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
