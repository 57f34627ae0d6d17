"""Programme files: the shipped ones load; bad ones fail with file, field, value and hints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import REPO

from pipeline.programs import ProgramError, load_program

SHIPPED = ["buskerudplanen", "flere-i-arbeid", "namsskogan-tilflytting", "vekst-i-kongsberg"]


@pytest.mark.parametrize("program_id", SHIPPED)
def test_shipped_programmes_load(program_id, monkeypatch):
    monkeypatch.setenv("INNSIKT_ROOT", str(REPO))
    program = load_program(program_id)
    assert program.id == program_id
    assert program.region_codes
    assert set(program.analyses) == {"competence_gap", "youth_dropout", "migration"}


def test_seed_facts_are_in_the_programmes(monkeypatch):
    monkeypatch.setenv("INNSIKT_ROOT", str(REPO))
    kongsberg = load_program("vekst-i-kongsberg")
    assert kongsberg.region.municipalities == ["3303"]
    shock = kongsberg.scenarios["defence_growth"].job_shocks[0]
    assert (shock.industry, shock.jobs, shock.to_year) == ("10-33", 1000, 2029)
    buskerud = load_program("buskerudplanen")
    assert buskerud.region.county == "33"
    assert {r.value for r in buskerud.references} >= {22000, 14000}
    assert load_program("flere-i-arbeid").start_year == 2021
    assert load_program("namsskogan-tilflytting").region.municipalities == ["5044"]


def _write(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load((REPO / "programs" / "flere-i-arbeid.yml").read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "flere-i-arbeid.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_wrong_municipality_code_names_file_field_value_and_suggestions(tmp_path):
    path = _write(tmp_path, region={"municipalities": ["4240"], "label": "Kristiansand"})
    with pytest.raises(ProgramError) as err:
        load_program(path)
    message = str(err.value)
    assert str(path) in message
    assert "region.municipalities" in message
    assert "'4240'" in message
    assert "closest valid" in message and "4204" in message


def test_old_code_from_before_the_2024_reform_is_rejected_with_hint(tmp_path):
    path = _write(tmp_path, region={"municipalities": ["3006"], "label": "Kongsberg"})
    with pytest.raises(ProgramError, match="3006"):
        load_program(path)


def test_unknown_field_is_an_error(tmp_path):
    path = _write(tmp_path, horizn=2040)
    with pytest.raises(ProgramError, match=r"unknown field 'horizn'"):
        load_program(path)


def test_unknown_analysis_suggests_the_closest(tmp_path):
    path = _write(tmp_path, analyses=["youth_drop"])
    with pytest.raises(ProgramError, match=r"analyses.*youth_drop.*youth_dropout"):
        load_program(path)


def test_missing_programme_lists_known_ones(monkeypatch):
    monkeypatch.setenv("INNSIKT_ROOT", str(REPO))
    with pytest.raises(ProgramError, match="known programmes: buskerudplanen"):
        load_program("no-such-programme")


def test_file_name_must_match_id(tmp_path):
    data = yaml.safe_load((REPO / "programs" / "flere-i-arbeid.yml").read_text(encoding="utf-8"))
    path = tmp_path / "other.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProgramError, match="must match the file name"):
        load_program(path)


# ---------------------------------------------------------------- cross-field rules (issue 15)

@pytest.mark.parametrize(("changes", "message"), [
    ({"horizon": 2025, "start_year": 2026, "indicators": []},
     r"horizon 2025 must come after start_year 2026"),
    ({"start_year": 2039}, r"start_year 2039 is in the future"),
    ({"indicators": [{"id": "neet_share_15_29", "direction": "down", "target": 8.0,
                      "by": 2019}]}, r"by=2019 is before start_year 2021"),
    ({"comparison": {"municipalities": ["4204", "4601"], "county": "42"}},
     r"\['4204'\] are part of the region"),
])
def test_cross_field_rules(tmp_path, changes, message):
    with pytest.raises(ProgramError, match=message):
        load_program(_write(tmp_path, **changes))


def test_county_compared_with_itself_is_an_error(tmp_path):
    path = _write(tmp_path, region={"county": "42", "label": "Agder"},
                  comparison={"municipalities": [], "county": "42"})
    with pytest.raises(ProgramError, match="is the region itself"):
        load_program(path)


def test_octal_looking_code_says_yaml_read_a_number(tmp_path):
    path = _write(tmp_path)
    text = path.read_text(encoding="utf-8").replace("- '4204'", "- 0301")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgramError) as err:
        load_program(path)
    message = str(err.value)
    assert "YAML read the code as the number 193" in message
    assert "octal" in message and '["0301"]' in message and "quote" in message


def test_unquoted_code_says_quote_it(tmp_path):
    path = _write(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("- '4204'", "- 4204"),
                    encoding="utf-8")
    with pytest.raises(ProgramError, match=r"number 4204 because it is unquoted; quote"):
        load_program(path)


def test_nynorsk_and_per_language_description(tmp_path):
    path = _write(tmp_path, language="nn",
                  description={"nb": "Bokmål.", "nn": "Nynorsk.", "en": "English."})
    program = load_program(path)
    assert program.language == "nn"
    assert program.description_for("nn") == "Nynorsk."
    assert program.description_for("en") == "English."


def test_area_profile_has_comparison_and_no_programme_text(monkeypatch):
    from pipeline import areas
    from pipeline.programs import area_profile

    monkeypatch.delattr(areas, "default_comparison", raising=False)
    profile = area_profile("3303")
    assert profile.region_codes == ["3303"] and profile.title == "Kongsberg"
    assert profile.comparison.county == "33" and profile.comparison.national
    assert not profile.indicators and not profile.references and not profile.scenarios
    county = area_profile("33")
    assert county.region.county == "33" and county.comparison.county is None


# ---------------------------------------------------------------- notebook parameters

@pytest.mark.parametrize(("params", "message"), [
    ({"region": "99999"}, r"^parameter region: '99999' is neither"),
    ({"language": "xx"}, r"^parameter language: 'xx' is not a report language; use one of"),
    ({"program": "nope"}, r"^parameter program: 'nope' is not a programme; known: buskerud"),
    ({"source": "ssb"}, r"^parameter source: no SSB data in data/processed/ssb/.*make data "
                        r"DATA=ssb"),
    ({"program": "", "region": ""}, r"^parameter program: empty"),
])
def test_wrong_notebook_parameters_give_one_clear_line(params, message, monkeypatch, tmp_path):
    from pipeline import report

    monkeypatch.setenv("INNSIKT_ROOT", str(tmp_path))
    (tmp_path / "programs").mkdir()
    for name in SHIPPED:
        (tmp_path / "programs" / f"{name}.yml").write_text(
            (REPO / "programs" / f"{name}.yml").read_text(encoding="utf-8"), encoding="utf-8")
    args = {"program": "flere-i-arbeid", "source": "demo", **params}
    with pytest.raises(report.ParameterError, match=message) as err:
        report.setup(**args)
    assert "\n" not in str(err.value)


def test_parameter_error_shows_as_one_line_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    from pipeline.present import context

    shell = InteractiveShell.instance()
    shown: list = []
    shell._showtraceback = lambda etype, value, stb: shown.append(stb)
    context.install_error_display()
    shell.run_cell("from pipeline.present.context import ParameterError\n"
                   "raise ParameterError('parameter region: bad; do this')")
    assert shown == [["ParameterError: parameter region: bad; do this"]]


def test_area_profile_context(monkeypatch):
    from pipeline import report

    monkeypatch.setenv("INNSIKT_ROOT", str(REPO))
    ctx = report.setup("", source="demo", region="3303", language="nn")
    assert ctx.profile and ctx.region_codes == ["3303"] and ctx.county == "33"
    assert not ctx.program.indicators and ctx.language == "nn"
    assert ctx.name("0", inline=True) == "heile landet"


def test_region_read_as_a_number_by_papermill_keeps_its_leading_zero(monkeypatch):
    from pipeline import report

    monkeypatch.setenv("INNSIKT_ROOT", str(REPO))
    assert report.setup("flere-i-arbeid", source="demo", region=301).region_codes == ["0301"]
    assert report.setup("flere-i-arbeid", source="demo", region=3).region_codes == ["03"]


def test_unit_values_of_buskerud_match_the_document(monkeypatch):
    monkeypatch.setenv("INNSIKT_ROOT", str(REPO))
    units = load_program("buskerudplanen").unit_values
    assert units["work_year"].value == 61000
    assert units["benefits_lifetime"].value == 16_000_000
    income = units["county_income_16_18"]
    assert income.value is None and income.base_year == 2025
    assert income.schedule == {2029: 46e6, 2033: 153e6, 2037: 256e6, 2041: 320e6}
    assert all(u.source for u in units.values())


def test_unit_values_are_accepted_with_a_value_or_a_schedule(tmp_path):
    program = load_program(_write(tmp_path, unit_values={
        "work_year": {"value": 61000, "source": "A document", "quote": "61 000"},
        "county_income_16_18": {"schedule": {2029: 1e6}, "base_year": 2025, "source": "B"}}))
    assert program.unit_values["work_year"].value == 61000
    assert program.unit_values["county_income_16_18"].schedule == {2029: 1e6}


@pytest.mark.parametrize(("unit_values", "message"), [
    ({"work_year": {"value": -61000, "source": "x"}},
     "field unit_values.work_year.value: value must be a positive number of kroner (value "
     "-61000"),
    ({"work_year": {"value": 0, "source": "x"}}, "(value 0"),
    ({"work_year": {"value": ".inf", "source": "x"}}, "unit_values.work_year.value"),
    ({"work_yr": {"value": 61000, "source": "x"}},
     "unknown unit value 'work_yr' (known: work_year"),
    ({"work_year": {"value": 61000}}, "field unit_values.work_year.source: Field required"),
    ({"work_year": {"value": 61000, "source": ""}}, "unit_values.work_year.source"),
    ({"work_year": {"source": "x"}}, "give either value (kroner per unit) or schedule"),
    ({"work_year": {"value": 1, "schedule": {2030: 1}, "base_year": 2025, "source": "x"}},
     "not both"),
    ({"county_income_16_18": {"schedule": {2029: 46e6}, "source": "x"}}, "needs base_year"),
    ({"county_income_16_18": {"schedule": {2024: 46e6}, "base_year": 2025, "source": "x"}},
     "schedule years [2024] are not after base_year 2025"),
    ({"county_income_16_18": {"schedule": {2029: -1}, "base_year": 2025, "source": "x"}},
     "schedule[2029] must be a positive number of kroner (value -1"),
    ({"work_year": {"value": 61000, "source": "x", "currency": "EUR"}},
     "unknown field 'currency'"),
])
def test_bad_unit_values_name_file_field_and_value(tmp_path, unit_values, message):
    path = _write(tmp_path, unit_values=unit_values)
    with pytest.raises(ProgramError) as err:
        load_program(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)
