"""Programme files (``programs/<id>.yml``): schema, validation and loading.

A programme is data, not code. Unknown fields, municipality or county codes that do not exist in
the 2024 structure, and analyses that do not exist are errors whose message names the file, the
field, the value and the closest valid values.
"""

from __future__ import annotations

import difflib
import math
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


def _one_of(value: str, valid, problem: str) -> str:
    """``value`` if it is among ``valid``; else ``problem`` and the closest valid values."""
    if value not in valid:
        raise ValueError(f"{problem}; {_suggest(value, valid)}")
    return value


def _check_municipality(code: str) -> str:
    return _one_of(code, _known_municipalities(),
                   f"municipality code {code!r} does not exist in the 2024 structure")


def _check_county(code: str) -> str:
    return _one_of(code, _known_counties(),
                   f"county code {code!r} does not exist in the 2024 structure")


def _yaml_number(value: Any, digits: int) -> str:
    """A code YAML read as a number: say so, and how to write it (quoted)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return ""
    octal = f"0{value:o}"
    guess = octal if len(octal) == digits else str(value).zfill(digits)
    how = (f"a leading 0 made it an octal number ({guess!r} became {value})"
           if len(octal) == digits and octal != str(value).zfill(digits) else "it is unquoted")
    return (f"YAML read the code as the number {value} because {how}; quote the code, "
            f'e.g. ["{guess}"]')


def _as_code(value: Any, digits: int) -> str:
    message = _yaml_number(value, digits)
    if message:
        raise ValueError(message)
    return value


class _Area(_Strict):
    """Municipalities and/or a county, each checked against the 2024 structure."""

    municipalities: list[str] = Field(default_factory=list)
    county: str | None = None

    @field_validator("municipalities", mode="before")
    @classmethod
    def _quoted_municipalities(cls, codes: Any) -> Any:
        if isinstance(codes, list):
            return [_as_code(c, 4) for c in codes]
        return codes

    @field_validator("county", mode="before")
    @classmethod
    def _quoted_county(cls, code: Any) -> Any:
        return _as_code(code, 2)

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


def _indicator_labels() -> dict[str, str]:
    from pipeline import indicators

    return {spec_id: indicators.label(spec_id, "nb") for spec_id in indicators.REGISTRY}


# Indicator id -> bokmål label, from the registry (pipeline/indicators.py) and its texts; kept
# under this name for modules that read it.
INDICATORS = _indicator_labels()


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
        return _one_of(value, list(INDICATORS), f"unknown indicator {value!r}")


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

        return _one_of(code, INDUSTRIES, f"unknown industry {code!r}")


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
    # Which of our figures it sits beside on the front page: "gap" (the competence gap at the
    # horizon), "scenario:<key>" (the gap under one of the programme's scenarios) or "worth"
    # (the youth effect in kroner, e.g. beside the programme's budget).
    compares_with: str | None = None
    # What the quoted figure counts, in the source's terms (one clause; per language or one
    # text): the report says why it differs from ours.
    counts: str | dict[Literal["nb", "en", "nn"], str] | None = None

    def counts_for(self, language: str) -> str:
        """:attr:`counts` in ``language`` (bokmål when it has none; "" when not given)."""
        if self.counts is None or isinstance(self.counts, str):
            return self.counts or ""
        return self.counts.get(language) or self.counts.get("nb") or ""


# The unit values a programme may document (key -> what one unit is).
UNIT_VALUE_KINDS = {
    "work_year": "kroner a year for one more person in work",
    "benefits_lifetime": "kroner over a lifetime for one person on benefits",
    "county_income_16_18": "kroner of county income per 16–18-year-old (or a published "
                           "schedule of lost income)",
}


def _positive_kroner(value: float, what: str) -> float:
    if isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a positive number of kroner (value {value!r})")
    return value


class UnitValue(_Strict):
    """A documented value in kroner of one unit, with its source: used for illustration only.

    Either ``value`` (kroner per unit) or ``schedule`` (year -> kroner, cumulative against
    ``base_year``, as a document publishes a loss) is given, not both.
    """

    value: float | None = None
    schedule: dict[int, float] = Field(default_factory=dict)
    base_year: int | None = None
    source: str = Field(min_length=1)
    quote: str | None = None
    note: str | None = None

    @field_validator("value")
    @classmethod
    def _value_positive(cls, value: float | None) -> float | None:
        return None if value is None else _positive_kroner(value, "value")

    @field_validator("schedule")
    @classmethod
    def _schedule_positive(cls, schedule: dict[int, float]) -> dict[int, float]:
        for year, amount in schedule.items():
            _positive_kroner(amount, f"schedule[{year}]")
        return schedule

    @model_validator(mode="after")
    def _one_kind(self) -> UnitValue:
        if (self.value is None) == (not self.schedule):
            raise ValueError("give either value (kroner per unit) or schedule (year -> kroner), "
                             f"not {'both' if self.value is not None else 'neither'}")
        if self.schedule:
            if self.base_year is None:
                raise ValueError("a schedule needs base_year (the year the amounts are "
                                 "measured against)")
            early = sorted(y for y in self.schedule if y <= self.base_year)
            if early:
                raise ValueError(f"schedule years {early} are not after base_year "
                                 f"{self.base_year}")
        return self


class Program(_Strict):
    """One programme: who, where, since when, compared with what, and what it must move."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    owner: str
    language: Literal["nb", "en", "nn"] = "nb"
    description: str | dict[Literal["nb", "en", "nn"], str] = ""
    region: Region
    comparison: Comparison = Field(default_factory=Comparison)
    start_year: int = Field(ge=2000, le=2040)
    horizon: int = Field(default=2040, ge=2025, le=2050)
    analyses: list[str]
    indicators: list[Indicator] = Field(default_factory=list)
    scenarios: dict[str, Scenario] = Field(default_factory=dict)
    references: list[Reference] = Field(default_factory=list)
    unit_values: dict[str, UnitValue] = Field(default_factory=dict)
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

    @field_validator("unit_values")
    @classmethod
    def _unit_kinds(cls, values: dict[str, UnitValue]) -> dict[str, UnitValue]:
        for key in values:
            _one_of(key, list(UNIT_VALUE_KINDS), f"unknown unit value {key!r} (known: "
                    f"{', '.join(UNIT_VALUE_KINDS)})")
        return values

    @model_validator(mode="after")
    def _consistent(self) -> Program:
        import datetime as dt

        this_year = dt.date.today().year
        if self.start_year > this_year:
            raise ValueError(f"start_year {self.start_year} is in the future (this is "
                             f"{this_year}); give the year the programme started")
        if self.horizon <= self.start_year:
            raise ValueError(f"horizon {self.horizon} must come after start_year "
                             f"{self.start_year}")
        for ind in self.indicators:
            if ind.by is not None and ind.by < self.start_year:
                raise ValueError(f"indicator {ind.id}: target year by={ind.by} is before "
                                 f"start_year {self.start_year}")
        inside = sorted(set(self.comparison.municipalities) & set(self.region.municipalities))
        if inside:
            raise ValueError(f"comparison.municipalities {inside} are part of the region; a "
                             "place cannot be compared with itself")
        if self.comparison.county and self.comparison.county == self.region.county:
            raise ValueError(f"comparison.county {self.comparison.county!r} is the region "
                             "itself; leave it out (national: true compares with the country)")
        return self

    def description_for(self, language: str) -> str:
        """The description in ``language`` (bokmål, then any text, when it has none)."""
        if isinstance(self.description, str):
            return self.description
        return (self.description.get(language) or self.description.get("nb")
                or next(iter(self.description.values()), ""))

    @property
    def region_codes(self) -> list[str]:
        """The region's municipality codes, or its county code when no municipality is given."""
        return list(self.region.municipalities) or [self.region.county]  # type: ignore[list-item]


def area_profile(region: str, language: str = "nb") -> Program:
    """A programme-less report for one area (``program=""`` in a notebook).

    Comparison areas come from ``pipeline.areas.default_comparison(region)`` when that exists,
    else the region's county (for a municipality) and the country. No indicators, scenarios or
    references: no effect tracking and no programme-specific text.
    """
    from pipeline import areas, geography

    region = str(region)
    name = geography.region_name(region) if region != geography.NATIONAL else region
    chooser = getattr(areas, "default_comparison", None)
    if chooser is not None:
        found = list(chooser(region))
        municipalities = [c for c in found if geography.is_municipality(c)]
        county = next((c for c in found if geography.is_county(c)), None)
    else:
        municipalities = []
        county = geography.county_of(region) if geography.is_municipality(region) else None
    is_county = geography.is_county(region)
    return Program.model_construct(
        id=f"area-{region}", title=name, owner="", language=language, description="",
        region=Region.model_construct(
            municipalities=[] if is_county or region == geography.NATIONAL else [region],
            county=region if is_county else None, label=name),
        comparison=Comparison.model_construct(municipalities=municipalities, county=county,
                                              national=region != geography.NATIONAL),
        start_year=2015, horizon=2040, analyses=list(config.ANALYSES), indicators=[],
        scenarios={}, references=[], disclosure_threshold=5)


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
