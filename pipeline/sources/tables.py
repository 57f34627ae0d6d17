"""The registry of SSB tables innsikt reads, in one place.

Each :class:`TableSpec` says which StatBank table feeds which tidy dataset, which dimensions
(SSB ids) it has, what each dimension is called in the tidy table, and which value codes the
analyses select. The SSB client builds its queries from it, the demo generator writes documents
of exactly this shape, and :mod:`pipeline.datasets` renames columns with it, so a code is
changed here and nowhere else.

Codes marked *unverified* in ``../shared/docs/ssb-api.md`` are the best public knowledge; the
SSB client validates every query against the table's live ``/metadata`` before fetching, so a
wrong code fails loudly with the nearest valid codes instead of producing a wrong report.

Industry codes (SN2007, moving to SN2025) live only in :data:`INDUSTRIES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Demo and analysis years. The last complete statistical year at the time of writing is 2025.
LAST_YEAR = 2025

SEXES = {"0": "Begge kjønn", "1": "Menn", "2": "Kvinner"}

# One-year ages as SSB codes them in 07459 and 14288: "000" … "104", "105+".
ONE_YEAR_AGES = [f"{a:03d}" for a in range(105)] + ["105+"]

# SN2007 main groups as aggregated by SSB's `agg_single:NACE2007arb11` (17 groups incl. unknown).
INDUSTRIES: dict[str, str] = {
    "01-03": "Jordbruk, skogbruk og fiske",
    "05-09": "Bergverksdrift og utvinning",
    "10-33": "Industri",
    "35-39": "Elektrisitet, vann og renovasjon",
    "41-43": "Bygge- og anleggsvirksomhet",
    "45-47": "Varehandel, reparasjon av motorvogner",
    "49-53": "Transport og lagring",
    "55-56": "Overnattings- og serveringsvirksomhet",
    "58-63": "Informasjon og kommunikasjon",
    "64-66": "Finansiering og forsikring",
    "68-75": "Teknisk tjenesteyting, eiendomsdrift",
    "77-82": "Forretningsmessig tjenesteyting",
    "84": "Off.adm., forsvar, sosialforsikring",
    "85": "Undervisning",
    "86-88": "Helse- og sosialtjenester",
    "90-99": "Personlig tjenesteyting",
    "00": "Uoppgitt",
}

# English names of the same groups (SSB's English StatBank labels, shortened alike).
INDUSTRIES_EN: dict[str, str] = {
    "01-03": "Agriculture, forestry and fishing",
    "05-09": "Mining and quarrying",
    "10-33": "Manufacturing",
    "35-39": "Electricity, water supply, sewerage",
    "41-43": "Construction",
    "45-47": "Wholesale and retail trade, repair of motor vehicles",
    "49-53": "Transportation and storage",
    "55-56": "Accommodation and food service activities",
    "58-63": "Information and communication",
    "64-66": "Financial and insurance activities",
    "68-75": "Professional, scientific and technical activities, real estate",
    "77-82": "Administrative and support service activities",
    "84": "Public administration and defence",
    "85": "Education",
    "86-88": "Human health and social work activities",
    "90-99": "Other service activities",
    "00": "Unspecified",
}

# Education levels of 09429 (persons 16 and over).
EDUCATION_LEVELS: dict[str, str] = {
    "01": "Grunnskolenivå",
    "02a": "Videregående skole-nivå",
    "11": "Fagskolenivå",
    "03a": "Universitets- og høgskolenivå kort",
    "04a": "Universitets- og høgskolenivå lang",
    "09a": "Uoppgitt eller ingen fullført utdanning",
}

EDUCATION_LEVELS_EN: dict[str, str] = {
    "01": "Primary and lower secondary education",
    "02a": "Upper secondary education",
    "11": "Tertiary vocational education",
    "03a": "University and college, short",
    "04a": "University and college, long",
    "09a": "Unknown or no completed education",
}


def industry_name(code: str, lang: str = "nb") -> str:
    """Name of an SN2007 industry group in the report's language (the code if unknown)."""
    return (INDUSTRIES_EN if lang == "en" else INDUSTRIES).get(code, code)


def education_level_name(code: str, lang: str = "nb") -> str:
    """Name of an education level of table 09429 in the report's language."""
    return (EDUCATION_LEVELS_EN if lang == "en" else EDUCATION_LEVELS).get(code, code)


# Age groups of the employment tables (07984 by place of work, 06445 by residence).
EMPLOYMENT_AGE_GROUPS = ["15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
                         "50-54", "55-59", "60-64", "65-69", "70-74"]

# Components of population change in 06913 (`Folkemengde` confirmed; the rest unverified).
POPULATION_COMPONENTS: dict[str, str] = {
    "Folkemengde": "Befolkning 1. januar",
    "Levendefodte": "Levendefødte",
    "Dode": "Døde",
    "Innvandring": "Innvandring",
    "Utvandring": "Utvandring",
    "Innflytting": "Innenlandsk innflytting",
    "Utflytting": "Innenlandsk utflytting",
    "Folketilvekst": "Folketilvekst",
}

PROJECTION_ALTERNATIVES = {"MMMM": "Hovedalternativet", "HHMH": "Høy nasjonal vekst",
                           "LLML": "Lav nasjonal vekst"}

COMPLETION_STATUS = {
    "1": "Fullført og bestått innen 5 år",
    "2": "Fortsatt i videregående",
    "3": "Fullført, ikke bestått",
    "4": "Sluttet underveis",
}
STUDY_PROGRAMMES = {"00": "Alle utdanningsprogram", "01": "Studieforberedende",
                    "02": "Yrkesfag"}
BACKGROUNDS = {"0": "Hele befolkningen", "B": "Innvandrere",
               "C": "Norskfødte med innvandrerforeldre", "E": "Befolkningen ellers"}


@dataclass(frozen=True)
class TableSpec:
    """One StatBank table and the tidy dataset made from it.

    Attributes:
        table_id: SSB table number, five digits as a string.
        dataset: name of the tidy dataset (``data/processed/<source>/<dataset>.parquet``).
        title: SSB's title (bokmål), shown in report provenance.
        dimensions: SSB dimension id -> tidy column name, in SSB's order. ``ContentsCode`` maps
            to ``measure`` and ``Tid`` to ``year`` (or ``period`` where SSB's time is a span).
        codes: SSB dimension id -> value codes the analyses select (``Region`` and ``Tid`` are
            chosen at fetch time: all regions of the chosen structure, all years).
        region_dimensions: dimensions holding region codes (harmonised across reforms).
        codelists: SSB dimension id -> codelist id used in the data query.
        level: ``municipality`` or ``county``: the finest regional level SSB publishes.
        first_year: first year in the table.
        count_measures: measures that are counts of persons (subject to disclosure control).
    """

    table_id: str
    dataset: str
    title: str
    dimensions: dict[str, str]
    codes: dict[str, list[str]] = field(default_factory=dict)
    region_dimensions: tuple[str, ...] = ("Region",)
    codelists: dict[str, str] = field(default_factory=dict)
    level: str = "municipality"
    first_year: int = 2000
    count_measures: tuple[str, ...] = ()

    @property
    def time_column(self) -> str:
        return self.dimensions["Tid"]


TABLES: dict[str, TableSpec] = {
    spec.dataset: spec
    for spec in [
        TableSpec(
            "07459", "population", "Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
            {"Region": "region", "Kjonn": "sex", "Alder": "age", "ContentsCode": "measure",
             "Tid": "year"},
            {"Kjonn": ["1", "2"], "Alder": ONE_YEAR_AGES, "ContentsCode": ["Personer1"]},
            codelists={"Region": "agg_KommSummer"},
            first_year=2000, count_measures=("Personer1",),
        ),
        TableSpec(
            "06913", "population_change", "Befolkning og endringer, etter region, statistikkvariabel og år",
            {"Region": "region", "ContentsCode": "measure", "Tid": "year"},
            {"ContentsCode": list(POPULATION_COMPONENTS)},
            codelists={"Region": "agg_KommSummer"},
            first_year=2000, count_measures=tuple(POPULATION_COMPONENTS),
        ),
        TableSpec(
            "13864", "migration_flows", "Flyttinger mellom kommuner, etter fraflyttingsregion, tilflyttingsregion og år",
            {"Fraflyttingsregion": "origin", "TilflyttRegion": "destination",
             "ContentsCode": "measure", "Tid": "year"},
            {"ContentsCode": ["Flytting"]},
            region_dimensions=("Fraflyttingsregion", "TilflyttRegion"),
            codelists={"Fraflyttingsregion": "agg_KommGjeldende", "TilflyttRegion": "agg_KommGjeldende"},
            first_year=2015, count_measures=("Flytting",),
        ),
        TableSpec(
            "09817", "immigrants", "Innvandrere og norskfødte med innvandrerforeldre, etter region, innvandringskategori, landbakgrunn og år",
            {"Region": "region", "InnvandrKat": "category", "Landbakgrunn": "country_background",
             "ContentsCode": "measure", "Tid": "year"},
            {"InnvandrKat": ["B", "C"], "Landbakgrunn": ["999"],
             "ContentsCode": ["Personer1", "AndelBefolkning"]},
            codelists={"Region": "agg_KommSummer"},
            first_year=2010, count_measures=("Personer1",),
        ),
        TableSpec(
            "12960", "completion", "Gjennomføring i videregående opplæring, etter fylke, kjønn, utdanningsprogram og fullføringsgrad",
            {"Region": "region", "Kjonn": "sex", "UtdProgram": "programme",
             "FullforingVGO": "completion_status", "ContentsCode": "measure", "Tid": "period"},
            {"Kjonn": ["0", "1", "2"], "UtdProgram": list(STUDY_PROGRAMMES),
             "FullforingVGO": list(COMPLETION_STATUS), "ContentsCode": ["Personer", "Prosent"]},
            codelists={"Region": "agg_KommFylker"},
            level="county", first_year=2006, count_measures=("Personer",),
        ),
        TableSpec(
            "14883", "completion_background", "Gjennomføring i videregående opplæring, etter fylke, innvandringsbakgrunn og fullføringsgrad",
            {"Region": "region", "InnvandrKat": "background", "FullforingVGO": "completion_status",
             "UtdProgram": "programme", "Kjonn": "sex", "ContentsCode": "measure", "Tid": "period"},
            {"InnvandrKat": list(BACKGROUNDS), "FullforingVGO": list(COMPLETION_STATUS),
             "UtdProgram": ["00"], "Kjonn": ["0"], "ContentsCode": ["Personer", "Prosent"]},
            codelists={"Region": "agg_KommFylker"},
            level="county", first_year=2010, count_measures=("Personer",),
        ),
        TableSpec(
            "13556", "neet", "Unge utenfor arbeid og utdanning (NEET), etter region, kjønn og alder",
            {"Region": "region", "HovArbStyrkStatus": "labour_status", "Alder": "age_group",
             "Kjonn": "sex", "ContentsCode": "measure", "Tid": "year"},
            {"HovArbStyrkStatus": ["NEET"], "Alder": ["15-29"], "Kjonn": ["0", "1", "2"],
             "ContentsCode": ["Bosatte", "BosatteProsent"]},
            codelists={"Region": "agg_KommGjeldende", "HovArbStyrkStatus": "vs_ArbStatus2018niva4"},
            first_year=2015, count_measures=("Bosatte",),
        ),
        TableSpec(
            "13563", "neet_county", "Personer utenfor arbeid, utdanning og opplæring, etter fylke og alder",
            {"Region": "region", "HovArbStyrkStatus": "labour_status", "Alder": "age_group",
             "ContentsCode": "measure", "Tid": "year"},
            {"HovArbStyrkStatus": ["NEET2", "TOT3"], "Alder": ["15-29", "30-61"],
             "ContentsCode": ["Bosatte", "BosatteProsent"]},
            codelists={"Region": "agg_KommFylker", "HovArbStyrkStatus": "vs_ArbStatus2018niva4a"},
            level="county", first_year=2015, count_measures=("Bosatte",),
        ),
        TableSpec(
            "13470", "employment_by_industry", "Sysselsatte personer etter arbeidssted, etter region, næring og år",
            {"Region": "region", "NACE2007": "industry", "ContentsCode": "measure", "Tid": "year"},
            {"NACE2007": list(INDUSTRIES), "ContentsCode": ["SysselEtterArbste"]},
            codelists={"Region": "agg_KommSummer", "NACE2007": "agg_NACE2007arb11"},
            first_year=2008, count_measures=("SysselEtterArbste",),
        ),
        TableSpec(
            "07984", "employment_by_age", "Sysselsatte etter arbeidssted, etter region, næring, kjønn og alder (4. kvartal)",
            {"Region": "region", "NACE2007": "industry", "Kjonn": "sex", "Alder": "age_group",
             "ContentsCode": "measure", "Tid": "year"},
            {"NACE2007": ["00-99"], "Kjonn": ["1", "2"], "Alder": EMPLOYMENT_AGE_GROUPS,
             "ContentsCode": ["Sysselsatte"]},
            codelists={"Region": "agg_KommSummer"},
            first_year=2008, count_measures=("Sysselsatte",),
        ),
        TableSpec(
            "06445", "employment_rate", "Sysselsatte (bosted) etter kjønn og alder, andel i prosent av befolkningen",
            {"Region": "region", "Kjonn": "sex", "Alder": "age_group", "ContentsCode": "measure",
             "Tid": "year"},
            {"Kjonn": ["1", "2"], "Alder": EMPLOYMENT_AGE_GROUPS,
             "ContentsCode": ["Sysselsatte", "SysselsatteProsent"]},
            codelists={"Region": "agg_KommSummer"},
            first_year=2008, count_measures=("Sysselsatte",),
        ),
        TableSpec(
            "09429", "education", "Befolkningens utdanningsnivå, etter region, nivå, kjønn og år",
            {"Region": "region", "Nivaa": "level", "Kjonn": "sex", "ContentsCode": "measure",
             "Tid": "year"},
            {"Nivaa": list(EDUCATION_LEVELS), "Kjonn": ["0"],
             "ContentsCode": ["Personer", "PersonerProsent"]},
            codelists={"Region": "agg_KommSummer"},
            first_year=2004, count_measures=("Personer",),
        ),
        TableSpec(
            "14288", "population_projection", "Framskrevet folkemengde 1. januar, etter region, kjønn, alder og alternativ (2024)",
            {"Region": "region", "Kjonn": "sex", "Alder": "age", "ContentsCode": "alternative",
             "Tid": "year"},
            {"Kjonn": ["1", "2"], "Alder": ONE_YEAR_AGES,
             "ContentsCode": list(PROJECTION_ALTERNATIVES)},
            codelists={"Region": "vs_KommunFram2024"},
            first_year=2024,
        ),
    ]
}


def table(dataset: str) -> TableSpec:
    """The :class:`TableSpec` of a tidy dataset, with a clear error for unknown names."""
    try:
        return TABLES[dataset]
    except KeyError:
        raise KeyError(
            f"unknown dataset {dataset!r}; known datasets: {', '.join(sorted(TABLES))}"
        ) from None


def by_table_id(table_id: str) -> TableSpec:
    """The :class:`TableSpec` of an SSB table number."""
    for spec in TABLES.values():
        if spec.table_id == table_id:
            return spec
    raise KeyError(f"table {table_id} is not in the registry (pipeline/sources/tables.py)")
