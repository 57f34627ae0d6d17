"""Programme files (``programs/<id>.yml``): schema, validation and loading.

A programme is data, not code. Unknown fields, municipality or county codes that do not exist in
the 2024 structure, and analyses that do not exist are errors whose message names the file, the
field, the value and the closest valid values.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline import config


class ProgramError(ValueError):
    """A programme file is missing or invalid; the message says which file, field and value."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known_municipalities() -> dict[str, str]:
    from pipeline import geography

    return geography.municipality_names()


def _known_counties() -> dict[str, str]:
    from pipeline import geography

    return geography.county_names()


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: typos in codes are often swapped digits."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _suggest(value: str, valid: dict[str, str] | list[str], n: int = 3) -> str:
    """The closest valid values to ``value``, by code (edit distance) and by name."""
    names = valid if isinstance(valid, dict) else {v: v for v in valid}
    ranked = sorted(names, key=lambda code: (_edit_distance(value.lower(), code.lower()), code))
    by_code = [c for c in ranked[:n] if _edit_distance(value.lower(), c.lower()) <= 2]
    close_names = difflib.get_close_matches(value, list(names.values()), n=n, cutoff=0.6)
    by_name = [code for code, name in names.items() if name in close_names]
    picks = list(dict.fromkeys(by_name + by_code))[:n]
    if not picks:
        return "see pipeline/data/municipalities_2024.csv for the 2024 codes"
    return "closest valid: " + ", ".join(
        f"{c} ({names[c]})" if names[c] != c else c for c in picks)


def _check_municipality(code: str) -> str:
    known = _known_municipalities()
    if code not in known:
        raise ValueError(f"municipality code {code!r} does not exist in the 2024 structure; "
                         f"{_suggest(code, known)}")
    return code


def _check_county(code: str) -> str:
    known = _known_counties()
    if code not in known:
        raise ValueError(f"county code {code!r} does not exist in the 2024 structure; "
                         f"{_suggest(code, known)}")
    return code


class _Area(_Strict):
    """Municipalities and/or a county, each checked against the 2024 structure."""

    municipalities: list[str] = Field(default_factory=list)
    county: str | None = None

    @field_validator("municipalities")
    @classmethod
    def _municipalities_exist(cls, codes: list[str]) -> list[str]:
        return [_check_municipality(str(c)) for c in codes]

    @field_validator("county")
    @classmethod
    def _county_exists(cls, code: str | None) -> str | None:
        return None if code is None else _check_county(str(code))


class Region(_Area):
    """The programme's own area: one or more municipalities, or a whole county."""

    label: str

    @model_validator(mode="after")
    def _not_empty(self) -> Region:
        if not self.municipalities and not self.county:
            raise ValueError("give municipalities, a county, or both")
        return self


class Comparison(_Area):
    """What the programme region is compared with."""

    national: bool = True


INDICATORS = {
    "neet_share_15_29": "Andel unge 15–29 år utenfor arbeid og utdanning (NEET)",
    "completion_rate_5y": "Andel som fullfører videregående innen 5 år (fylket)",
    "completion_rate_vocational_5y": "Andel som fullfører yrkesfag innen 5 år (fylket)",
    "completion_gap_immigrants":
        "Forskjell i fullføring, innvandrere mot befolkningen ellers (fylket)",
    "employment_rate_20_66": "Sysselsettingsandel 20–66 år (bosted)",
    "employed_by_workplace": "Sysselsatte etter arbeidssted",
    "population": "Folkemengde",
    "net_migration_rate": "Netto innflytting per 1 000 innbyggere",
    "net_domestic_migration_rate": "Netto innenlandsk innflytting per 1 000 innbyggere",
    "immigrant_outflow_rate": "Årlig utflyttingsrate for innvandrere",
    "immigrant_share": "Andel innvandrere i befolkningen",
    "higher_education_share": "Andel med høyere utdanning (16 år og over)",
}


class Indicator(_Strict):
    """An indicator the programme promises to move, with an optional target."""

    id: str
    direction: Literal["up", "down"]
    target: float | None = None
    by: int | None = None
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in INDICATORS:
            raise ValueError(f"unknown indicator {value!r}; {_suggest(value, list(INDICATORS))}")
        return value


class JobShock(_Strict):
    """Extra jobs in one industry, spread evenly over ``from_year``–``to_year``."""

    industry: str
    jobs: int
    from_year: int
    to_year: int
    label: str

    @field_validator("industry")
    @classmethod
    def _industry_exists(cls, code: str) -> str:
        from pipeline.sources.tables import INDUSTRIES

        if code not in INDUSTRIES:
            raise ValueError(f"unknown industry {code!r}; {_suggest(code, INDUSTRIES)}")
        return code


class Scenario(_Strict):
    """A what-if for the competence-gap analysis (all levers optional)."""

    label: str
    job_shocks: list[JobShock] = Field(default_factory=list)
    employment_rate_pp: dict[str, float] = Field(
        default_factory=dict,
        description="age group (e.g. '20-29') -> extra employment-rate percentage points")
    net_in_migration_per_year: int = 0


class Reference(_Strict):
    """An external figure cited by the programme: shown for context, never used as input."""

    label: str
    value: float
    year: int
    source: str


class Program(_Strict):
    """One programme: who, where, since when, compared with what, and what it must move."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    owner: str
    language: Literal["nb", "en"] = "nb"
    description: str = ""
    region: Region
    comparison: Comparison = Field(default_factory=Comparison)
    start_year: int = Field(ge=2000, le=2040)
    horizon: int = Field(default=2040, ge=2025, le=2050)
    analyses: list[str]
    indicators: list[Indicator] = Field(default_factory=list)
    scenarios: dict[str, Scenario] = Field(default_factory=dict)
    references: list[Reference] = Field(default_factory=list)
    disclosure_threshold: int = Field(default=5, ge=1, le=50)

    @field_validator("analyses")
    @classmethod
    def _analyses_exist(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in config.ANALYSES:
                raise ValueError(f"unknown analysis {name!r}; "
                                 f"{_suggest(name, list(config.ANALYSES))}")
        if not names:
            raise ValueError(f"list at least one of {', '.join(config.ANALYSES)}")
        return names

    @property
    def region_codes(self) -> list[str]:
        """The region's municipality codes, or its county code when no municipality is given."""
        return list(self.region.municipalities) or [self.region.county]  # type: ignore[list-item]


def _format_error(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid programme file"]
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(file)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = (f"unknown field {err['loc'][-1]!r} (value {err.get('input')!r}); "
                   "remove it or check the spelling")
        elif "input" in err and err["type"] not in ("value_error",):
            msg = f"{msg} (value {err['input']!r})"
        lines.append(f"  field {field}: {msg}")
    return "\n".join(lines)


def load_program(program: str | Path) -> Program:
    """Load and validate a programme by id (``programs/<id>.yml``) or path.

    Raises:
        ProgramError: when the file is missing, is not YAML, or breaks the schema.
    """
    path = Path(program)
    if path.suffix not in (".yml", ".yaml"):
        path = config.paths().program_file(str(program))
    if not path.exists():
        known = ", ".join(program_ids()) or "none"
        raise ProgramError(f"{path}: no such programme file; known programmes: {known}")
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProgramError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ProgramError(f"{path}: expected a mapping of fields, got {type(data).__name__}")
    try:
        prog = Program.model_validate(data)
    except ValidationError as exc:
        raise ProgramError(_format_error(path, exc)) from None
    if prog.id != path.stem:
        raise ProgramError(f"{path}: field id: {prog.id!r} must match the file name "
                           f"{path.stem!r}")
    return prog


def program_ids() -> list[str]:
    """Ids of all programme files, sorted."""
    return sorted(p.stem for p in config.paths().programs.glob("*.yml"))
