"""What a run builds: programme reports and area profiles, each into its own folder and tree.

A *target* is one folder of reports: ``reports/<programme>/`` for a programme file, or
``reports/areas/<code>-<slug>/`` for an area profile (the three analyses run with
``program=""`` and ``region=<code>``). Languages other than bokmål get their own tree:
``reports/en/…``, ``reports/nn/…``, each with its own incremental state, site index and area
index; bokmål (and a run that keeps each programme's own language) stays at ``reports/``.

``--areas`` accepts municipality and county codes (``4005,4204``, ``46``, ``0`` for the
country), ``county:33`` (every municipality of the county; add ``33`` for the county itself),
and ``all`` (every 2024 municipality and county, and the country).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import config

DEFAULT_LANGUAGE = "nb"
# Benchmarks only: the `program` parameter given to area profiles (normally ""), so the area
# batch can be measured where the notebooks do not yet run without a programme.
AREA_PROGRAM_VAR = "INNSIKT_AREA_PROGRAM"


@dataclass
class Target:
    """One report folder to build."""

    key: str                      # "flere-i-arbeid" or "areas/4204-kristiansand"
    program: str                  # papermill's `program` ("" for an area profile)
    region: str                   # papermill's `region` ("" for a programme's own region)
    language: str                 # papermill's `language` (the resolved language)
    analyses: list[str]
    out_dir: Path
    program_file: Path | None = None
    fingerprint: str = ""
    staging: Path | None = None
    label: str = ""
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    # analysis -> the dataset it needs that the last data build could not make (not run)
    blocked: dict[str, dict[str, Any]] = field(default_factory=dict)
    pdf: bool = True              # lay out and write the PDFs (``--no-pdf``: web pages only)

    def spec(self, root: Path, source: str, **extra: Any) -> dict[str, Any]:
        """The picklable description a worker task receives."""
        return {"root": str(root), "source": source, "program": self.program,
                "region": self.region, "language": self.language, "key": self.key,
                "staging": str(self.staging), **extra}


def tree(language: str = "") -> Path:
    """The reports tree of a run's language: ``reports/`` for bokmål, else ``reports/<lang>/``."""
    reports = config.paths().reports
    return reports if language in ("", DEFAULT_LANGUAGE) else reports / language


def slug(text: str) -> str:
    """A file-name-safe ASCII form of a place name (``Bø i Telemark`` → ``bo-i-telemark``)."""
    table = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "å": "a", "Å": "a"})
    ascii_text = unicodedata.normalize("NFKD", text.translate(table)).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.decode().lower()).strip("-") or "area"


def area_codes(spec: str) -> list[str]:
    """The area codes named by an ``--areas`` value, in order, without repeats.

    Raises:
        ValueError: for a code that is not a 2024 municipality, county or ``0``.
    """
    from pipeline import areas, geography

    codes: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part == "all":
            found = sorted(geography.municipality_names()) + sorted(geography.county_names())
            found.append(areas.NATIONAL)
        elif part.startswith("county:"):
            county = part.split(":", 1)[1].strip()
            if not geography.is_county(county):
                raise ValueError(f"--areas {part}: {county!r} is not a 2024 county code "
                                 "(e.g. county:33 for Buskerud)")
            found = areas.members(county)
        else:
            areas.kind(part)  # raises with the valid forms
            found = [part]
        codes.extend(c for c in found if c not in codes)
    return codes


def area_name(code: str) -> str:
    from pipeline import areas, geography

    if code == areas.NATIONAL:
        try:
            return geography.region_name(code)
        except Exception:  # noqa: BLE001 — the country's name may not be in the name list
            return "Norge"
    return geography.region_name(code)


def area_target(code: str, language: str, analyses: list[str]) -> Target:
    name = area_name(code)
    folder = f"{code}-{slug(name)}"
    lang = language or DEFAULT_LANGUAGE
    return Target(key=f"areas/{folder}", program=os.environ.get(AREA_PROGRAM_VAR, ""),
                  region=code, language=lang,
                  analyses=list(analyses), out_dir=tree(language) / "areas" / folder,
                  label=name)


def program_target(program, language: str) -> Target:
    paths = config.paths()
    lang = language or program.language
    return Target(key=program.id, program=program.id, region="", language=lang,
                  analyses=list(program.analyses), out_dir=tree(language) / program.id,
                  program_file=paths.program_file(program.id), label=program.title)


def area_program(code: str, language: str):
    """A stand-in :class:`~pipeline.programs.Program` for an area profile's pages.

    The render functions take a programme for the cover (title, owner, area, language); an
    area profile has none, so this one carries the area's name and code and no effect
    tracking (no indicators, no scenarios). It is built without validation because the
    country (``0``) is not a programme region.
    """
    from pipeline import i18n
    from pipeline.programs import Program, Region

    name = area_name(code)
    lang = language or DEFAULT_LANGUAGE
    region = Region.model_construct(municipalities=[code] if len(code) == 4 else [],
                                    county=code if len(code) == 2 else None,
                                    label=name)
    return Program.model_construct(
        id=f"{code}-{slug(name)}", title=name, language=lang,
        owner=i18n.t("engine.area_owner", lang),
        description=i18n.t("engine.area_description", lang, area=name, code=code),
        region=region, start_year=2024, horizon=2040, analyses=list(config.ANALYSES),
        indicators=[], scenarios={}, references=[], disclosure_threshold=5)


def program_for(spec: dict[str, Any]):
    """The programme (or area stand-in) a task's pages are rendered for."""
    from pipeline.programs import load_program

    if spec.get("program") and not spec.get("key", "").startswith("areas/"):
        return load_program(spec["program"])
    return area_program(spec["region"], spec["language"])
