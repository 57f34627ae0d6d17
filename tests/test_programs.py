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
