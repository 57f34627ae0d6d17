"""The barometer ("Er vi på rett vei?"): every municipality of a county × a programme's indicators.

For each municipality and indicator: the latest value, the change since the programme's start,
and whether a test says the municipality is better or worse than the country in the latest year.
Colour (and a ▲/▼ mark, so colour is never the only cue) appears only where that test rejects
equality at the 5 % level; everywhere else the cell is plain.

The numbers come in as indicator panels, the same ones effect tracking uses
(``INDICATORS[id](source)`` → ``region, year, value[, numerator, denominator, se]``), so any
analysis's ``compute()`` can feed :func:`frame` directly. The tests:

- a rate with ``numerator`` and ``denominator`` (a share of persons): a two-sample z test of the
  two proportions (municipality against the country), unpooled variance;
- a panel with an ``se`` column: a z test of the difference using that standard error;
- anything else (counts, net figures without a standard error): no test, so no colour.

Each cell is tested on its own (no correction for the many cells); the legend says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline import areas, geography

ALPHA = 0.05
COLUMNS = ["region", "indicator", "latest_year", "latest", "start_year", "start_value",
           "change", "national", "p_value", "comparison", "numerator", "denominator"]


def _normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def _proportion_test(num1: float, den1: float, num0: float, den0: float) -> float | None:
    """Two-sided p value of p1 = p0 (unpooled z test); None when it cannot be computed."""
    if min(den1, den0) <= 0 or not (0 <= num1 <= den1 and 0 <= num0 <= den0):
        return None
    p1, p0 = num1 / den1, num0 / den0
    var = p1 * (1 - p1) / den1 + p0 * (1 - p0) / den0
    if var <= 0:
        return None
    return _normal_p((p1 - p0) / math.sqrt(var))


def _row(panel: pd.DataFrame, code: str) -> pd.DataFrame:
    return panel[panel["region"].astype(str) == code].sort_values("year")


def _cell(own: pd.DataFrame, nat: pd.DataFrame, start_year: int,
          direction: str) -> dict[str, Any] | None:
    own = own.dropna(subset=["value"])
    if own.empty:
        return None
    last = own.iloc[-1]
    year = int(last["year"])
    before = own[own["year"] <= start_year]
    first = before.iloc[-1] if len(before) else own.iloc[0]
    nat_row = nat[nat["year"] == year]
    out = {"latest_year": year, "latest": float(last["value"]),
           "start_year": int(first["year"]), "start_value": float(first["value"]),
           "change": float(last["value"]) - float(first["value"]),
           "national": float(nat_row["value"].iloc[0]) if len(nat_row) else np.nan,
           "numerator": last.get("numerator", np.nan),
           "denominator": last.get("denominator", np.nan), "p_value": np.nan,
           "comparison": ""}
    p = None
    if len(nat_row) and {"numerator", "denominator"} <= set(own.columns):
        p = _proportion_test(float(last["numerator"]), float(last["denominator"]),
                             float(nat_row["numerator"].iloc[0]),
                             float(nat_row["denominator"].iloc[0]))
    elif len(nat_row) and "se" in own.columns and float(last["se"]) > 0:
        p = _normal_p((out["latest"] - out["national"]) / float(last["se"]))
    if p is not None and not math.isnan(p):
        out["p_value"] = p
        if p < ALPHA:
            higher = out["latest"] > out["national"]
            out["comparison"] = "better" if higher == (direction == "up") else "worse"
    return out


def frame(panels: Mapping[str, pd.DataFrame], members: Sequence[str], start_year: int,
          directions: Mapping[str, str], national: str = areas.NATIONAL) -> pd.DataFrame:
    """The barometer as a long frame: one row per municipality and indicator.

    Args:
        panels: indicator id → panel ``region, year, value[, numerator, denominator, se]``
            holding the members and the country.
        members: municipality codes (rows of the barometer), in display order.
        start_year: the programme's start: the change is measured from the last year at or
            before it (or the first year after it when the panel starts later).
        directions: indicator id → ``up`` or ``down`` (which way is better).
        national: the code of the country in the panels.

    Returns:
        Columns :data:`COLUMNS`; ``comparison`` is ``better``, ``worse`` or empty (no test, or
        the test does not reject at :data:`ALPHA`).
    """
    rows = []
    for indicator, panel in panels.items():
        panel = panel.assign(region=panel["region"].astype(str))
        nat = _row(panel, national)
        for code in members:
            cell = _cell(_row(panel, code), nat, start_year, directions.get(indicator, "up"))
            if cell is not None:
                rows.append({"region": code, "indicator": indicator, **cell})
    return pd.DataFrame(rows, columns=COLUMNS)


def county_of_context(ctx) -> str | None:
    """The county whose municipalities form the barometer (the region, or its county)."""
    codes = list(ctx.region_codes)
    if len(codes) == 1 and geography.is_county(codes[0]):
        return codes[0]
    return ctx.county


def from_indicators(ctx, indicators: Mapping[str, Callable[[str], pd.DataFrame]]
                    ) -> pd.DataFrame | None:
    """:func:`frame` for the programme's indicators found in an analysis's ``INDICATORS``."""
    county = county_of_context(ctx)
    wanted = [ind for ind in ctx.program.indicators if ind.id in indicators]
    if county is None or not wanted:
        return None
    panels = {ind.id: indicators[ind.id](ctx.source) for ind in wanted}
    return frame(panels, areas.members(county), ctx.program.start_year,
                 {ind.id: ind.direction for ind in wanted})


def _display_frames(ctx, long: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """Wide display frame (municipality × indicator latest/change), cell classes, records."""
    from pipeline import indicators as registry

    marks = {"better": " ▲", "worse": " ▼"}
    table: dict[str, dict[str, str]] = {}
    classes: dict[str, dict[str, str]] = {}
    records = []
    column_of = ctx.t("region")
    for _, r in long.iterrows():
        name = geography.region_name(r["region"])
        label = registry.label(r["indicator"], ctx.language)
        latest_col = ctx.t("barometer_latest", label=label, year=int(r["latest_year"]))
        change_col = ctx.t("barometer_change", start=int(r["start_year"]))
        change_col = f"{change_col} ({label})"
        decimals = 0 if registry.get(r["indicator"]).scale == "count" else 1
        suppressed = r["latest"] == ":"
        latest = ":" if suppressed else ctx.num(float(r["latest"]), decimals) + marks.get(
            r["comparison"], "")
        change = ":" if suppressed or r["start_value"] == ":" else ctx.num(
            float(r["change"]), decimals)
        row = table.setdefault(name, {column_of: name})
        row[latest_col], row[change_col] = latest, change
        classes.setdefault(name, {column_of: ""})[latest_col] = (
            "" if suppressed else str(r["comparison"]))
        classes[name][change_col] = ""
        records.append({"region": r["region"], "name": name, "indicator": r["indicator"],
                        "label": label, "year": int(r["latest_year"]), "latest": latest,
                        "change": change, "start_year": int(r["start_year"]),
                        "comparison": "" if suppressed else str(r["comparison"])})
    wide = pd.DataFrame(list(table.values()))
    cls = pd.DataFrame([classes[n] for n in table]).reindex(columns=wide.columns).fillna("")
    return wide, cls, records


def publish(ctx, long: pd.DataFrame) -> pd.DataFrame:
    """Suppress, show and record the barometer (through :func:`pipeline.present.report.table`).

    Rates whose numerator or denominator is a small count are hidden by the same rules
    :func:`pipeline.present.report.table` applies (:func:`pipeline.disclosure.suppress`).
    """
    from pipeline import disclosure
    from pipeline.present import report

    counts = [c for c in ("numerator", "denominator") if long[c].notna().any()]
    published = long
    if counts:
        filled = long.assign(**{c: long[c].fillna(0) for c in counts})
        published = disclosure.suppress(
            filled, counts, threshold=ctx.threshold, row_relations=False,
            rates={"latest": ("numerator", "denominator") if len(counts) == 2 else
                   (counts[0], counts[0])})
    wide, classes, records = _display_frames(ctx, published)
    county = county_of_context(ctx)
    caption = ctx.t("barometer_caption", county=ctx.name(county) if county else "",
                    start=ctx.program.start_year)
    report.table(ctx, wide, caption=caption, cell_classes=classes,
                 notes=[ctx.t("barometer_legend")], kind="barometer",
                 extra={"barometer": records, "county": county or ""})
    return published
