"""Indicator panels for effect tracking: id → function(source) → every municipality's series.

Panels have ``region, year, value`` and, for rates, ``numerator, denominator``. Units and the
``net`` flag are in :mod:`pipeline.indicators`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline import datasets
from pipeline.analysis.migration import statistics as st


def _municipal_components(source: str) -> pd.DataFrame:
    change = datasets.load("population_change", source)
    change = change[change["region"].str.len() == 4]
    wide = change.pivot_table(index=["region", "year"], columns="measure", values="value",
                              aggfunc="sum").reset_index()
    wide = wide.rename(columns=st.COMPONENTS)
    for col in st.COMPONENTS.values():
        if col not in wide.columns:
            wide[col] = np.nan
    return wide.assign(mean_population=wide["population"] + wide["growth"] / 2)


def population_panel(source: str) -> pd.DataFrame:
    """Population on 1 January for every municipality: ``region``, ``year``, ``value``."""
    wide = _municipal_components(source)
    return wide[["region", "year", "population"]].rename(columns={"population": "value"}).dropna()


def net_migration_panel(source: str) -> pd.DataFrame:
    """Net migration (domestic + international) per 1 000 mean inhabitants, all municipalities.

    ``value = 1000 · numerator / denominator`` with ``numerator`` net moves and ``denominator``
    the mean population.
    """
    w = _municipal_components(source)
    num = w["immigration"] - w["emigration"] + w["in_migration"] - w["out_migration"]
    out = pd.DataFrame({"region": w["region"], "year": w["year"], "numerator": num,
                        "denominator": w["mean_population"]}).dropna()
    return out.assign(value=out["numerator"] / out["denominator"] * 1000)[
        ["region", "year", "value", "numerator", "denominator"]]


def net_domestic_migration_panel(source: str) -> pd.DataFrame:
    """Net domestic migration per 1 000 mean inhabitants, all municipalities."""
    w = _municipal_components(source)
    num = w["in_migration"] - w["out_migration"]
    out = pd.DataFrame({"region": w["region"], "year": w["year"], "numerator": num,
                        "denominator": w["mean_population"]}).dropna()
    return out.assign(value=out["numerator"] / out["denominator"] * 1000)[
        ["region", "year", "value", "numerator", "denominator"]]


def _immigrant_panel(source: str) -> pd.DataFrame:
    imm = datasets.load("immigrants", source)
    imm = imm[(imm["category"] == "B") & (imm["measure"] == "Personer1")
              & (imm["country_background"] == "999") & (imm["region"].str.len() == 4)]
    stock = imm[["region", "year", "value"]].rename(columns={"value": "stock"})
    nxt = stock.assign(year=stock["year"] - 1).rename(columns={"stock": "stock_next"})
    w = _municipal_components(source)[["region", "year", "immigration", "population"]]
    out = stock.merge(nxt, on=["region", "year"], how="left").merge(w, on=["region", "year"],
                                                                     how="left")
    inflow = st.IMMIGRANT_SHARE_OF_IMMIGRATION * out["immigration"]
    return out.assign(at_risk=out["stock"] + inflow / 2,
                      outflow=out["stock"] + inflow - out["stock_next"])


def immigrant_outflow_panel(source: str) -> pd.DataFrame:
    """Net outflow of immigrants in % of immigrant residents, all municipalities.

    A *net* figure (:func:`statistics.net_outflow`): the shortfall of the immigrant stock
    against stock plus immigration; it may be negative (registered as ``net=True`` in
    :mod:`pipeline.indicators`).
    """
    p = _immigrant_panel(source).dropna(subset=["outflow", "at_risk"])
    p = p[p["at_risk"] > 0]
    return pd.DataFrame({"region": p["region"], "year": p["year"],
                         "value": p["outflow"] / p["at_risk"] * 100,
                         "numerator": p["outflow"], "denominator": p["at_risk"]})


def immigrant_share_panel(source: str) -> pd.DataFrame:
    """Immigrants as % of the population on 1 January, all municipalities."""
    p = _immigrant_panel(source).dropna(subset=["stock", "population"])
    p = p[p["population"] > 0]
    return pd.DataFrame({"region": p["region"], "year": p["year"],
                         "value": p["stock"] / p["population"] * 100,
                         "numerator": p["stock"], "denominator": p["population"]})


INDICATORS: dict[str, Callable[[str], pd.DataFrame]] = {
    "population": population_panel,
    "net_migration_rate": net_migration_panel,
    "net_domestic_migration_rate": net_domestic_migration_panel,
    "immigrant_outflow_rate": immigrant_outflow_panel,
    "immigrant_share": immigrant_share_panel,
}
