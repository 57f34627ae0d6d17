"""Report tables of the migration analysis: result frames with translated headers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline import areas
from pipeline.analysis.migration.statistics import FLOW_COMPONENTS, pool_years


def label_of(ctx, code: str) -> str:
    """Display name of an area code ("0" is the country)."""
    return ctx.t("national") if code == areas.NATIONAL else ctx.name(code)


def rates_table(ctx, rates: pd.DataFrame) -> pd.DataFrame:
    """Average rates per 1 000 for the area, its county and the country."""
    from pipeline.analysis.migration.compute import RATE_COLUMNS

    out = pd.DataFrame({ctx.t("region"): [label_of(ctx, a) for a in rates["area"]]})
    for col in RATE_COLUMNS:
        out[ctx.t(col)] = rates[col].to_numpy()
    return out


def attractiveness_table(ctx, attr: pd.DataFrame) -> pd.DataFrame:
    """The latest window: actual, expected, residual with interval, rank with interval."""
    latest = attr[attr["last"] == attr["last"].max()].sort_values("rank")
    return pd.DataFrame({
        ctx.t("region"): [label_of(ctx, a) for a in latest["area"]],
        ctx.t("mig_attr_actual"): latest["actual"].to_numpy(),
        ctx.t("mig_attr_expected"): latest["expected"].to_numpy(),
        ctx.t("mig_attr_residual"): latest["residual"].to_numpy(),
        ctx.t("mig_ci_low"): latest["low"].to_numpy(),
        ctx.t("mig_ci_high"): latest["high"].to_numpy(),
        ctx.t("mig_attr_rank"): latest["rank"].to_numpy(),
        ctx.t("mig_attr_rank_interval"): [f"{lo}–{hi}" for lo, hi in
                                          zip(latest["rank_low"], latest["rank_high"],
                                              strict=True)],
    })


def model_table(ctx, model: pd.DataFrame) -> pd.DataFrame:
    """Coefficients of the attractiveness model with 95 % intervals."""
    return pd.DataFrame({ctx.t("mig_term"): [ctx.t(f"mig_term_{t}") for t in model["term"]],
                         ctx.t("mig_coef"): model["coef"].to_numpy(),
                         ctx.t("mig_ci_low"): model["low"].to_numpy(),
                         ctx.t("mig_ci_high"): model["high"].to_numpy()})


def retention_table(ctx, retention: pd.DataFrame) -> pd.DataFrame:
    """Indicators an in-mover service can track: before vs from the programme start."""
    return pd.DataFrame({
        ctx.t("mig_indicator"): [ctx.t(f"mig_ind_{k}") for k in retention["indicator"]],
        ctx.t("mig_before"): retention["before"].to_numpy(),
        ctx.t("mig_after"): retention["after"].to_numpy(),
        ctx.t("mig_caveat"): [ctx.t(f"mig_ind_{k}_cav") for k in retention["indicator"]],
    })


def projection_table(ctx, projection: pd.DataFrame, step: int = 5) -> pd.DataFrame:
    """SSB's projected population by alternative, every ``step`` years to the horizon."""
    wide = projection.pivot(index="year", columns="alternative", values="value")
    horizon = int(wide.index.max())
    years = [y for y in wide.index if (horizon - y) % step == 0]
    out = pd.DataFrame({ctx.t("year"): [str(y) for y in years]})
    for alt in ("LLML", "MMMM", "HHMH"):
        if alt in wide:
            out[ctx.t(alt)] = wide.loc[years, alt].round().to_numpy()
    return out


def components_table(ctx, comp: pd.DataFrame, years: int = 1, last_n: int = 10) -> pd.DataFrame:
    """Components table with translated headers for the report (latest ``last_n`` periods)."""
    flows = comp.dropna(subset=FLOW_COMPONENTS)
    pooled = pool_years(flows, years).tail(last_n)
    cols = ["births", "deaths", "natural_increase", "immigration", "emigration",
            "in_migration", "out_migration", "net_migration", "growth"]
    table = pooled[["period", *cols]].rename(columns={"period": ctx.t("mig_period")})
    return table.rename(columns={c: ctx.t(c) for c in cols})


def age_profile_table(ctx, profile: pd.DataFrame) -> pd.DataFrame:
    """Wide table: age group × (men, women) net migration per year and per 1 000."""
    wide = profile.pivot(index=["age_low", "age_group"], columns="sex",
                         values=["net_migration", "rate"]).sort_index()
    groups = wide.index.get_level_values("age_group").astype(str).str.replace("-", "–")
    out = pd.DataFrame({ctx.t("age_group"): groups})  # ranges with an en dash, as in the text
    for sex, key in (("1", "men"), ("2", "women")):
        if ("net_migration", sex) in wide.columns:
            out[ctx.t(key)] = wide[("net_migration", sex)].to_numpy()
            out[f"{ctx.t(key)}, {ctx.t('mig_per_1000')}"] = wide[("rate", sex)].to_numpy()
    return out


def flows_table(ctx, summary: pd.DataFrame) -> pd.DataFrame:
    """Translated flow table (partner names)."""
    names = [ctx.t("mig_other") if p == "other" else ctx.name(p) for p in summary["partner"]]
    return pd.DataFrame({
        ctx.t("mig_municipality"): names,
        ctx.t("mig_moves_in"): summary["moves_in"].to_numpy(),
        ctx.t("mig_moves_out"): summary["moves_out"].to_numpy(),
        ctx.t("mig_moves_net"): summary["net"].to_numpy(),
    })


def partner_table(ctx, exchange: pd.DataFrame, centre: str, last_n: int = 10) -> pd.DataFrame:
    """Translated table of the yearly exchange with the centre."""
    part = exchange.tail(last_n)
    return pd.DataFrame({
        ctx.t("year"): part["year"].astype(str).to_numpy(),
        f"{ctx.t('mig_moves_in')} ({ctx.name(centre)})": part["to_region"].to_numpy(),
        f"{ctx.t('mig_moves_out')} ({ctx.name(centre)})": part["to_centre"].to_numpy(),
        ctx.t("mig_moves_net"): part["net"].to_numpy(),
    })


def immigrants_table(ctx, out: pd.DataFrame, last_n: int = 10) -> pd.DataFrame:
    """Translated table of immigrant stock, share, inflow and implied outflow."""
    part = out.tail(last_n)
    return pd.DataFrame({
        ctx.t("year"): part["year"].astype(str).to_numpy(),
        ctx.t("mig_immigrants_stock"): part["stock"].to_numpy(),
        ctx.t("mig_immigrants_share"): part["share"].to_numpy(),
        ctx.t("mig_immigrants_inflow"): part["immigration"].to_numpy(),
        ctx.t("mig_immigrants_outflow"): part["net_outflow"].round().to_numpy(),
        ctx.t("mig_immigrants_rate"): part["net_outflow_rate"].to_numpy(),
    })


def protect(ctx, table: pd.DataFrame, counts: Sequence[str],
            derived: dict[str, Sequence[str]] | None = None,
            next_row: dict[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Suppress small counts, then hide every derived number that would reveal one.

    :func:`pipeline.disclosure.suppress` protects the count columns; a net, a difference or a
    share computed from a suppressed count would give it away, so such cells become ":" too.
    :func:`pipeline.report.table` later keeps every ":" (it treats them as already suppressed).

    Args:
        table: the table to publish.
        counts: its columns of counts of persons.
        derived: derived column -> the count columns (same row) it is computed from.
        next_row: derived column -> count columns of the *next* row it depends on (e.g. an
            outflow from this year's and next year's stock).
    """
    from pipeline import disclosure

    out = disclosure.suppress(table, list(counts), threshold=ctx.threshold)
    hidden = {c: out[c].map(lambda v: isinstance(v, str) and v == ":").to_numpy(dtype=bool)
              for c in counts}
    masks: dict[str, np.ndarray] = {}
    for col, sources in (derived or {}).items():
        masks[col] = np.logical_or.reduce([hidden[c] for c in sources])
    for col, sources in (next_row or {}).items():
        ahead = np.logical_or.reduce([np.append(hidden[c][1:], False) for c in sources])
        masks[col] = masks.get(col, np.zeros(len(out), dtype=bool)) | ahead
    for col, mask in masks.items():
        out[col] = out[col].astype(object).where(~mask, ":")
    return out


def _count_text(ctx, value: float) -> str:
    """A count for running text: small counts (1 … threshold−1) are not shown."""
    if pd.isna(value):
        return "–"
    if 0 < abs(value) < ctx.threshold:
        return f"< {ctx.threshold}" if ctx.language == "en" else f"under {ctx.threshold}"
    return ctx.num(value)


def _span(first: int, last: int) -> str:
    """``2016–2020``, or ``2024`` when the period is one year."""
    return str(first) if first == last else f"{first}–{last}"
