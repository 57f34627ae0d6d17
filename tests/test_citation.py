"""Reuse in theses: a licence file and a citation file that the CFF 1.2.0 schema accepts.

The schema is the one `cffconvert --validate` uses, copied from the cffconvert 2.0.0 wheel
(tests/data/citation-file-format-1.2.0.schema.json, CC BY 4.0, citation-file-format.github.io);
cffconvert itself pins jsonschema < 4, which conflicts with Jupyter, so the test validates with
jsonschema directly.
"""

from __future__ import annotations

import json
import tomllib

import jsonschema
import pytest
import yaml
from conftest import REPO


def _citation() -> dict:
    return yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_file_is_valid_cff_1_2_0():
    schema = json.loads((REPO / "tests" / "data" / "citation-file-format-1.2.0.schema.json")
                        .read_text(encoding="utf-8"))
    jsonschema.validate(_citation(), schema)


def test_citation_file_rejects_what_the_schema_forbids():
    schema = json.loads((REPO / "tests" / "data" / "citation-file-format-1.2.0.schema.json")
                        .read_text(encoding="utf-8"))
    broken = {**_citation(), "cff-version": "9.9", "unknown-field": 1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_citation_version_and_licence_match_the_package():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    citation = _citation()
    assert citation["version"] == project["version"]
    assert citation["license"] == project["license"] == "MIT"
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
