"""The project's environment and front door: one dependency list, a self-documenting Makefile."""

from __future__ import annotations

import re
import subprocess
import tomllib

import yaml
from conftest import REPO


def _pyproject_deps() -> dict[str, str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    deps = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["test"]
    return {re.split(r"[<>=!~ ]", d, maxsplit=1)[0].lower(): d.replace(" ", "") for d in deps}


def test_environment_yml_mirrors_pyproject():
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and dep.split(">")[0] not in ("python", "pip"):
            conda[re.split(r"[<>=!~ ]", dep, maxsplit=1)[0].lower()] = dep.replace(" ", "")
    assert conda == _pyproject_deps()
    pip_part = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert "-e ." in pip_part


def test_every_dependency_is_lower_bounded():
    for name, spec in _pyproject_deps().items():
        assert ">=" in spec, f"{name} has no lower bound in pyproject.toml"


def test_make_help_lists_every_target_with_a_comment():
    out = subprocess.run(["make", "-s", "help"], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    for target in ("setup", "data", "reports", "report", "lab", "test", "clean", "bench"):
        assert f"make {target} " in out


def test_command_targets_are_phony():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    phony = set(re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split())
    assert {"help", "setup", "data", "reports", "report", "lab", "test", "clean"} <= phony


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme
    assert re.search(r"^\s*make test\b", ci, re.M)


def test_source_notebooks_have_no_outputs():
    import nbformat

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


def test_notebooks_have_one_typed_parameters_cell_and_no_defs():
    import nbformat

    for name in ("competence_gap", "youth_dropout", "migration"):
        nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name
        for param in ("program: str", "source: str", "region: str", "language: str"):
            assert param in tagged[0].source, (name, param)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not re.search(r"^\s*def ", cell.source, re.M), f"def in {name}"
