"""The migration report: the only place that turns a :class:`MigrationResult` into words.

Texts live in ``pipeline/texts/migration.yml``. Tables pass :func:`tables.protect` first, so
derived numbers (nets, shares, net outflows) never reveal a suppressed count.
"""

from __future__ import annotations

import pandas as pd

from pipeline import areas, i18n
from pipeline.analysis.display import Section
from pipeline.analysis.migration import figures as fg
from pipeline.analysis.migration import tables as tb
from pipeline.analysis.migration.compute import MigrationResult
from pipeline.analysis.migration.statistics import FLOW_COMPONENTS, GOMPERTZ_SLOPE, extreme_groups


def _iv(ctx, low: float, high: float, decimals: int = 1, percent: bool = False) -> str:
    return i18n.fmt_interval(low, high, ctx.language, decimals, percent=percent)


def _too_little(ctx, r: MigrationResult, what: str) -> str:
    return ctx.t("too_little_data", what=what, region=r.label)


def _missing(sec: Section, ctx, r: MigrationResult, what_key: str) -> Section:
    """The section with only a notice that the data are too few for it."""
    return sec.add("notice", text=_too_little(ctx, r, ctx.t(what_key)))


def overview(ctx, r: MigrationResult) -> Section:
    """Purpose, and a visible statement when the place is small."""
    sec = Section(heading="mig_heading")
    sec.add("paragraph", text=ctx.t("mig_intro", region=r.label))
    if r.small:
        sec.add("notice", text=ctx.t("mig_small_place", region=r.label,
                                     population=ctx.num(round(r.population, -1)),
                                     threshold=ctx.threshold))
    for name in r.missing:
        sec.add("notice", text=_too_little(ctx, r, name))
    return sec


def components(ctx, r: MigrationResult) -> Section:
    """Components of change: table, stacked chart, rates against county and country."""
    sec = Section(heading="mig_components_heading")
    if r.rates.empty:
        return _missing(sec, ctx, r, "mig_components_heading")
    first, last = int(r.rates["first"].iloc[0]), int(r.rates["last"].iloc[0])
    recent = r.components[r.components["year"] >= first]
    years = r.pooling_years
    if years > 1:
        sec.add("notice", text=ctx.t("mig_components_pooled", years=years,
                                     threshold=ctx.threshold))
    gross = [ctx.t(c) for c in FLOW_COMPONENTS]
    table = tb.protect(ctx, tb.components_table(ctx, recent, years), gross,
                       derived={ctx.t("natural_increase"): gross[:2],
                                ctx.t("net_migration"): gross[2:], ctx.t("growth"): gross})
    period = ctx.t("mig_periods_word") if years > 1 else ctx.t("mig_year_word")
    sec.add("table", df=table, counts=gross, decimals=0,
            caption=ctx.t("mig_components_caption", region=r.label, period=period),
            note=ctx.t("mig_components_check", ok=r.check["ok"], n=r.check["n"],
                       gap=ctx.num(r.check["max_gap"])))
    sel = recent.dropna(subset=FLOW_COMPONENTS)
    sec.add("figure", fig=fg.components_figure(ctx, recent, years),
            caption=ctx.t("mig_components_fig_caption", region=r.label),
            alt=ctx.t("mig_components_fig_alt", region=r.label, first=first, last=last,
                      growth=ctx.num(sel["growth"].sum())))
    sec.add("table", df=tb.rates_table(ctx, r.rates), decimals=1,
            caption=ctx.t("mig_rates_caption", first=first, last=last))
    sec.add("finding", key="mig_growth", rank=10, value=ctx.num(sel["growth"].sum()),
            text=ctx.t("mig_finding_growth", region=r.label, change=ctx.num(sel["growth"].sum()),
                       first=first, last=last + 1,
                       births=tb._count_text(ctx, sel["births"].sum()),
                       deaths=tb._count_text(ctx, sel["deaths"].sum()),
                       domestic=ctx.num(sel["net_domestic"].sum()),
                       international=ctx.num(sel["net_international"].sum())))
    d = r.domestic
    if "reference" in d:
        values = {"region": r.label, "first": first, "last": last, "rate": ctx.num(d["rate"], 1),
                  "interval": _iv(ctx, d["low"], d["high"]),
                  "area": (ctx.t("mig_the_country") if d["reference"] == areas.NATIONAL
                           else tb.label_of(ctx, d["reference"])),
                  "reference": ctx.num(d["reference_rate"], 1)}
        if abs(d["z"]) > 1.959963984540054:
            text = ctx.t("mig_finding_domestic_rate", **values,
                         comparison=ctx.t("higher" if d["z"] > 0 else "lower"))
        else:
            text = ctx.t("mig_finding_domestic_rate_same", **values)
        sec.add("paragraph", text=text)
    return sec


def ages(ctx, r: MigrationResult) -> Section:
    """Age profile of net migration by sex with the cohort-change method (method stated)."""
    sec = Section(heading="mig_age_heading")
    sec.add("paragraph", text=ctx.t("mig_age_method", slope=ctx.num(GOMPERTZ_SLOPE, 3),
                                    max_age=89))
    if r.age_profile.empty:
        return _missing(sec, ctx, r, "mig_age_heading")
    first, last = r.age_first, r.age_last
    caption = ctx.t("mig_age_caption", region=r.label, first=first, last=last)
    sec.add("table", df=tb.age_profile_table(ctx, r.age_profile), decimals=1, caption=caption)
    ext = extreme_groups(r.age_profile)
    fmt = {"worst": ctx.num(ext["worst"], 1), "best": ctx.num(ext["best"], 1),
           "worst_group": ext["worst_group"], "best_group": ext["best_group"]}
    sec.add("figure", fig=fg.age_profile_figure(ctx, r.age_profile), caption=caption,
            alt=ctx.t("mig_age_fig_alt", region=r.label, first=first, last=last, **fmt))
    sec.add("finding", key="mig_age_profile", rank=20, value=fmt["worst"],
            text=ctx.t("mig_age_finding", region=r.label, first=first, last=last, **fmt))
    reg = r.components[r.components["year"].between(first, last)]["net_migration"]
    coh = r.cohort[r.cohort["year"] >= first].groupby("year")["net_migration"].sum()
    sec.add("paragraph", text=ctx.t("mig_age_check", cohort=ctx.num(coh.mean(), 1),
                                    registered=ctx.num(reg.mean(), 1), max_age=89))
    return sec


def flows(ctx, r: MigrationResult) -> Section:
    """Top origins and destinations, share within the county, exchange with the main partner."""
    sec = Section(heading="mig_flows_heading")
    if r.flows.empty:
        return _missing(sec, ctx, r, "mig_no_flows")
    first, last = r.flows_first, r.flows_last
    net_col, moves = ctx.t("mig_moves_net"), [ctx.t("mig_moves_in"), ctx.t("mig_moves_out")]
    sec.add("table", df=tb.protect(ctx, tb.flows_table(ctx, r.flows), moves,
                                   derived={net_col: moves}),
            decimals=0, counts=moves,
            caption=ctx.t("mig_flows_caption", region=r.label, first=first, last=last))
    for key, share in (("mig_flows_within", r.within_county), ("mig_flows_internal", r.internal)):
        if share and share["moves"] > 0:
            county = areas.kind(r.area) == "municipality" and ctx.name(r.area[:2], inline=True)
            sec.add("paragraph", text=ctx.t(
                key, share=ctx.pct(share["share"]), region=r.label, first=first, last=last,
                county=county or "", interval=_iv(ctx, share["low"], share["high"], 1, True)))
    if r.partner:
        ctable = tb.partner_table(ctx, r.partner_exchange, r.partner)
        cols = list(ctable.columns[1:3])
        sec.add("table", df=tb.protect(ctx, ctable, cols, derived={net_col: cols}), decimals=0,
                counts=cols, caption=ctx.t("mig_centre_caption", region=r.label,
                                           centre=ctx.name(r.partner, inline=True)))
        net = float(r.partner_exchange.loc[r.partner_exchange["year"] >= first, "net"].sum())
        sec.add("finding", key="mig_centre", rank=30, value=ctx.num(net),
                text=ctx.t("mig_centre_gain" if net > 0 else "mig_centre_loss", first=first,
                           last=last, region=r.label, centre=ctx.name(r.partner, inline=True),
                           net=ctx.num(abs(net))))
    return sec


def immigrants(ctx, r: MigrationResult) -> Section:
    """Immigrant stock and share, the net outflow (a net figure, said so), retention indicators."""
    sec = Section(heading="mig_immigrants_heading")
    sec.add("paragraph", text=ctx.t("mig_immigrants_method"))
    out = r.immigrants
    if out.empty:
        return _missing(sec, ctx, r, "mig_immigrants_heading")
    stock, inflow = ctx.t("mig_immigrants_stock"), ctx.t("mig_immigrants_inflow")
    outflow, rate = ctx.t("mig_immigrants_outflow"), ctx.t("mig_immigrants_rate")
    # The net outflow reads as a number of persons: protect it as a count, and hide it (and its
    # rate) wherever a stock or inflow it comes from is hidden.
    counts = [stock, inflow, outflow]
    table = tb.protect(ctx, tb.immigrants_table(ctx, out), counts,
                       derived={ctx.t("mig_immigrants_share"): [stock], outflow: [stock, inflow],
                                rate: counts},
                       next_row={outflow: [stock], rate: [stock]})
    sec.add("table", df=table, counts=counts, caption=ctx.t("mig_immigrants_caption",
                                                            region=r.label),
            decimals={ctx.t("mig_immigrants_share"): 1, rate: 1})
    latest = out.dropna(subset=["stock"]).iloc[-1]
    if pd.notna(latest["share"]):
        sec.add("paragraph", text=ctx.t("mig_immigrants_share_finding",
                                        share=ctx.pct(latest["share"]), region=r.label,
                                        year=int(latest["year"]),
                                        stock=tb._count_text(ctx, latest["stock"])))
    shares = r.immigrant_shares
    if len(shares):
        names = [tb.label_of(ctx, a) for a in shares["area"].unique()]
        sec.add("figure", fig=fg.immigrant_share_figure(ctx, shares),
                caption=ctx.t("mig_share_fig_caption"),
                alt=ctx.t("mig_share_fig_alt", areas=", ".join(names),
                          first=int(shares["year"].min()), last=int(shares["year"].max()),
                          region=r.label, year=int(latest["year"]),
                          share=ctx.pct(latest["share"])))
    change = r.outflow_change
    if change:
        sec.add("finding", key="mig_immigrant_outflow", rank=41, value=ctx.num(change["diff"], 1),
                text=ctx.t("mig_immigrants_finding", region=r.label,
                           after=ctx.pct(change["after"]), before=ctx.pct(change["before"]),
                           after_period=tb._span(r.start_year, change["last"]),
                           before_period=tb._span(change["first"], change["pre_last"]),
                           diff=ctx.num(change["diff"], 1),
                           interval=_iv(ctx, change["low"], change["high"])))
    if len(r.retention):
        sec.add("table", df=tb.retention_table(ctx, r.retention), decimals=1,
                caption=ctx.t("mig_retention_caption", region=r.label),
                note=ctx.t("mig_retention_note"))
    return sec


def attractiveness(ctx, r: MigrationResult) -> Section:
    """Residual attractiveness over rolling windows, with interval and rank interval."""
    from pipeline.analysis.migration.compute import WINDOW

    sec = Section(heading="mig_attr_heading")
    sec.add("paragraph", text=ctx.t("mig_attr_method", window=WINDOW))
    attr = r.attractiveness
    if attr.empty:
        return _missing(sec, ctx, r, "mig_attr_none")
    latest = attr[attr["last"] == attr["last"].max()]
    first, last = int(latest["first"].iloc[0]), int(latest["last"].iloc[0])
    if len(r.attractiveness_model):
        sec.add("table", df=tb.model_table(ctx, r.attractiveness_model), decimals=2,
                caption=ctx.t("mig_attr_model_caption", first=first, last=last,
                              n=r.attractiveness_n))
    sec.add("table", df=tb.attractiveness_table(ctx, attr), decimals=1,
            caption=ctx.t("mig_attr_caption", region=r.label, first=first, last=last))
    row = attr[attr["area"] == r.area].sort_values("last").iloc[-1]
    value = ctx.num(row["residual"], 1)
    sec.add("figure", fig=fg.attractiveness_figure(ctx, attr, r.area, r.label),
            caption=ctx.t("mig_attr_fig_caption", region=r.label, window=WINDOW),
            alt=ctx.t("mig_attr_fig_alt", region=r.label, last=last, value=value))
    values = {"first": first, "last": last, "region": r.label, "value": value,
              "interval": _iv(ctx, row["low"], row["high"]), "rank": int(row["rank"]),
              "rank_low": int(row["rank_low"]), "rank_high": int(row["rank_high"]),
              "n": int(row["n_areas"])}
    if row["low"] > 0 or row["high"] < 0:
        text = ctx.t("mig_attr_finding", **values,
                     direction=ctx.t("mig_more" if row["residual"] > 0 else "mig_fewer"))
    else:
        text = ctx.t("mig_attr_finding_same", **values)
    sec.add("finding", key="mig_attractiveness", text=text, value=value, rank=15)
    return sec


def projection(ctx, r: MigrationResult) -> Section:
    """SSB's projection alternatives beside the registered population (no trend model)."""
    proj = r.projection
    horizon = int(proj["year"].max()) if len(proj) else 0
    sec = Section(heading=ctx.t("mig_proj_heading", horizon=horizon))
    sec.add("paragraph", text=ctx.t("mig_proj_method"))
    observed = r.components.set_index("year")["population"].dropna() if len(r.components) \
        else pd.Series(dtype=float)
    if proj.empty or observed.empty:
        return _missing(sec, ctx, r, "mig_projection_none")
    at_horizon = proj[proj["year"] == horizon].set_index("alternative")["value"]
    values = {"region": r.label, "horizon": horizon,
              "main": ctx.num(at_horizon.get("MMMM")), "low": ctx.num(at_horizon.get("LLML")),
              "high": ctx.num(at_horizon.get("HHMH")), "now": ctx.num(observed.iloc[-1]),
              "year": int(observed.index[-1])}
    sec.add("figure", fig=fg.projection_figure(ctx, observed, proj),
            caption=ctx.t("mig_proj_caption"), alt=ctx.t("mig_proj_fig_alt", **values))
    sec.add("table", df=tb.projection_table(ctx, proj), decimals=0,
            caption=ctx.t("mig_proj_table_caption"))
    sec.add("finding", key="mig_projection", rank=50, value=values["main"],
            text=ctx.t("mig_proj_finding", **values))
    return sec


def sections(result: MigrationResult, ctx) -> list[Section]:
    """Every section of the migration report, in order."""
    return [overview(ctx, result), components(ctx, result), ages(ctx, result),
            flows(ctx, result), immigrants(ctx, result), attractiveness(ctx, result),
            projection(ctx, result)]
