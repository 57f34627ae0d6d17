"""Size and coverage of the effect-tracking estimators by simulation (``make validate``).

Each design simulates panels like the programmes' own (NEET-like binomial shares 2015–2025 with a
start in 2021; county completion cohorts; population counts since 2000; net migration rates with
gross flows) and runs the public estimators of :mod:`pipeline.analysis.effects`:

- ``change_test`` (one area's change between the baseline and the latest year),
- ``estimate_effect(method="did")``, ``method="synth"`` and ``method="auto"``.

For each design and estimator: the null rejection rate (share of panels without an effect where
p < 0.05) and the coverage of the 95 % interval (share of panels with a planted effect whose
interval contains it). Acceptance: rejection 2–8 % and coverage 90–98 %; a design outside that is
reported as "no valid interval" and the reports give no verdict there
(:data:`NO_VALID_INTERVAL`).

``run(n_sims, seed)`` returns rows with keys ``design, estimator, n_sims, null_rejection,
coverage, note`` (the format ``validation/validate.py`` prints).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.analysis.effects import NotEstimable, change_test, estimate_effect
from pipeline.analysis.effects.estimate import effect_from_block, prepare_panel
from pipeline.analysis.effects.statistics import pre_period_split

NEET_YEARS = tuple(range(2015, 2026))
START = 2021
EFFECT = -1.5  # the planted effect for coverage runs (pp; Kristiansand's demo truth)


@dataclass(frozen=True)
class PanelDesign:
    """A simulated panel: unit 'T' treated; sizes in persons; noise in percentage points."""

    name: str
    treated_size: int
    comparison_sizes: tuple[int, int]
    n_comparison: int
    years: tuple[int, ...] = NEET_YEARS
    start: int = START
    shock_sd: float = 0.5  # common year shock
    unit_sd: float = 0.3  # unit-year noise beyond the binomial
    overdispersion: float = 1.0  # binomial variance × this (quasi-binomial)
    trend_break: float = 0.0  # pp/year from start − 3 in every unit (a common break)
    pool: int | None = None  # candidates for automatic choice (None: comparisons given)
    effect: float = EFFECT
    estimators: tuple[str, ...] = ("did", "synth", "auto")
    note: str = ""


PANEL_DESIGNS = (
    PanelDesign("equal sizes 20 000, 16 comparisons", 20_000, (20_000, 20_000), 16),
    PanelDesign("treated 600 vs 1 500–20 000, 16 comparisons", 600, (1_500, 20_000), 16),
    PanelDesign("treated 2 400 vs 1 500–20 000, 16 comparisons", 2_400, (1_500, 20_000), 16),
    PanelDesign("treated 20 000 vs 1 500–20 000, 16 comparisons", 20_000, (1_500, 20_000), 16),
    PanelDesign("treated 600 vs 1 500–20 000, 5 comparisons", 600, (1_500, 20_000), 5),
    PanelDesign("treated 2 400 vs 1 500–20 000, 8 comparisons", 2_400, (1_500, 20_000), 8),
    PanelDesign("treated 20 000 vs 1 500–20 000, 5 comparisons", 20_000, (1_500, 20_000), 5),
    PanelDesign("overdispersed ×4, treated 600, 16 comparisons", 600, (1_500, 20_000), 16,
                overdispersion=4.0),
    PanelDesign("common trend break 3 years before the start, treated 2 400, 16 comparisons",
                2_400, (1_500, 20_000), 16, trend_break=-0.3),
    PanelDesign("automatic choice of 8 from 40 candidates", 2_400, (1_500, 20_000), 8, pool=40),
    PanelDesign("county completion cohorts 2006–2020, 14 other counties", 3_000,
                (1_000, 15_000), 14, years=tuple(range(2006, 2021)), start=2016, shock_sd=0.8,
                unit_sd=0.6),
)


@dataclass(frozen=True)
class SeriesDesign:
    """One area's series for ``change_test`` (from ``start`` to the last year)."""

    name: str
    years: tuple[int, ...]
    start: int
    kind: str = "share"  # share | net
    size: int = 20_000
    shock_sd: float = 0.5
    unit_sd: float = 0.3
    ar: float = 0.0
    trend: tuple[float, int] = (0.0, 0)  # (pp per year, last year of the trend)
    gross_rate: float = 0.0  # net: gross in- and out-flow per 1 000
    effect: float = EFFECT
    extra: dict = field(default_factory=dict)


SERIES_DESIGNS = (
    SeriesDesign("NEET 2015–2025, 20 000 young people", NEET_YEARS, START),
    SeriesDesign("NEET 2015–2025, 600 young people", NEET_YEARS, START, size=600),
    SeriesDesign("NEET, trend break before the start (−0.3/yr to 2018, then flat)", NEET_YEARS,
                 START, trend=(-0.3, 2018)),
    SeriesDesign("NEET, AR(1) noise ρ = 0.5", NEET_YEARS, START, ar=0.5),
    SeriesDesign("net migration 2000–2025, 27 000 inhabitants (gross flows)",
                 tuple(range(2000, 2026)), 2019, kind="net", size=27_000, gross_rate=60.0,
                 unit_sd=2.0, shock_sd=1.0, effect=-4.0),
    SeriesDesign("net migration 2000–2025, 800 inhabitants (gross flows)",
                 tuple(range(2000, 2026)), 2020, kind="net", size=800, gross_rate=60.0,
                 unit_sd=2.0, shock_sd=1.0, effect=-8.0),
)

NO_VALID_INTERVAL = "no valid interval"


def _sizes(rng: np.random.Generator, design: PanelDesign, n: int) -> np.ndarray:
    low, high = design.comparison_sizes
    comp = np.exp(rng.uniform(np.log(low), np.log(high), n)) if high > low else np.full(n, low)
    return np.concatenate([[design.treated_size], np.rint(comp)]).astype(int)


def simulate_panel(design: PanelDesign, rng: np.random.Generator, effect: float
                   ) -> tuple[pd.DataFrame, list[str] | None]:
    """One panel (``region, year, numerator, denominator``) and the given comparison list."""
    n = (design.pool or design.n_comparison) + 1
    years = np.array(design.years)
    sizes = _sizes(rng, design, n - 1)
    level = rng.normal(10, 1.5, n)
    share = level[:, None] + rng.normal(0, design.shock_sd, len(years))[None, :]
    share = share + rng.normal(0, design.unit_sd, (n, len(years)))
    if design.trend_break:
        after = np.clip(years - (design.start - 3), 0, None)
        share = share + design.trend_break * after[None, :]
    share[0, years >= design.start] += effect
    p = np.clip(share, 0.5, 60) / 100
    if design.overdispersion > 1:
        extra = np.sqrt((design.overdispersion - 1) * p * (1 - p) / sizes[:, None])
        p = np.clip(p + rng.normal(0, 1, p.shape) * extra, 0.001, 0.6)
    counts = rng.binomial(np.broadcast_to(sizes[:, None], p.shape), p)
    codes = ["T"] + [f"C{i:02d}" for i in range(1, n)]
    panel = pd.DataFrame({"region": np.repeat(codes, len(years)),
                          "year": np.tile(years, n), "numerator": counts.ravel().astype(float),
                          "denominator": np.repeat(sizes, len(years)).astype(float)})
    return panel, (None if design.pool else codes[1:])


def simulate_series(design: SeriesDesign, rng: np.random.Generator, effect: float
                    ) -> tuple[pd.DataFrame, float]:
    """One area's series and the true change of its expected level from start to last year."""
    years = np.array(design.years)
    t = len(years)
    noise = rng.normal(0, design.unit_sd, t)
    if design.ar:
        for i in range(1, t):
            noise[i] = design.ar * noise[i - 1] + np.sqrt(1 - design.ar ** 2) * noise[i]
    slope, until = design.trend
    path = slope * (np.minimum(years, until) - years[0]) if slope else np.zeros(t)
    # A programme's effect builds up: a linear ramp from the start to the full effect at the end.
    ramp = np.clip((years - design.start) / max(1, years[-1] - design.start), 0, 1)
    path = path + effect * ramp
    base = path[years == design.start][0]
    truth = float(path[-1] - base)
    if design.kind == "share":
        p = np.clip(10 + path + rng.normal(0, design.shock_sd, t) + noise, 0.5, 60) / 100
        num = rng.binomial(design.size, p).astype(float)
        frame = pd.DataFrame({"year": years, "numerator": num, "denominator": float(design.size)})
        return frame.assign(value=100 * num / design.size), truth
    gross = design.gross_rate * design.size / 1000
    net_rate = path + rng.normal(0, design.shock_sd, t) + noise  # per 1 000
    in_mean = np.clip(gross + net_rate * design.size / 2000, 1, None)
    out_mean = np.clip(gross - net_rate * design.size / 2000, 1, None)
    inflow, outflow = rng.poisson(in_mean).astype(float), rng.poisson(out_mean).astype(float)
    frame = pd.DataFrame({"year": years, "numerator": inflow - outflow,
                          "denominator": float(design.size), "gross_in": inflow,
                          "gross_out": outflow})
    return frame.assign(value=1000 * frame["numerator"] / design.size), truth


def _block(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units × years values and known variances, as :func:`statistics.balanced` returns them."""
    p = prepare_panel(panel)
    years = sorted(p["year"].unique())
    codes = list(dict.fromkeys(p["region"]))
    shape = (len(codes), len(years))
    values = pd.DataFrame(p["value"].to_numpy().reshape(shape), index=codes, columns=years)
    var = pd.DataFrame(p["v"].to_numpy().reshape(shape), index=codes, columns=years)
    return values, var


def _estimates(design: PanelDesign, panel: pd.DataFrame, comparison: list[str] | None
               ) -> dict[str, tuple[float, float, float]]:
    """(p, ci_low, ci_high) of DiD, synthetic control and auto from one estimation."""
    if comparison is None:
        pool = [c for c in panel["region"].unique() if c != "T"]
        res = estimate_effect(panel, "T", design.start, method="auto", placebos=False,
                              event=False, candidates=pool)
    else:
        block, var = _block(panel)
        pre = np.array([y for y in block.columns if y < design.start])
        select, _ = pre_period_split(pre)
        method = "did" if design.estimators == ("did",) else "auto"
        res = effect_from_block(block, var, "T", comparison, design.start, method,
                                select=select, test=pre, placebos=False, event=False)
    out = {"did": (res.did_p_value, *res.did_ci)}
    if "auto" in design.estimators:
        out["auto"] = (res.p_value, res.ci_low, res.ci_high)
    if res.synth is not None and "synth" in design.estimators:
        out["synth"] = (res.synth.p_value, res.synth.ci_low, res.synth.ci_high)
    return out


def _panel_rows(design: PanelDesign, n_sims: int, rng: np.random.Generator) -> list[dict]:
    hits = {e: {"reject": 0, "cover": 0, "n0": 0, "n1": 0} for e in design.estimators}
    for run in range(2 * n_sims):
        effect = 0.0 if run < n_sims else design.effect
        panel, comparison = simulate_panel(design, rng, effect)
        try:
            results = _estimates(design, panel, comparison)
        except NotEstimable:
            continue
        for est, (p, low, high) in results.items():
            # Coverage of the planted effect (the same in every post year).
            if effect == 0.0:
                hits[est]["n0"] += 1
                hits[est]["reject"] += p < 0.05
            else:
                hits[est]["n1"] += 1
                hits[est]["cover"] += low <= effect <= high
    return [_row(design.name, est, h["n0"], h["reject"], h["n1"], h["cover"], design.note)
            for est, h in hits.items()]


def _series_rows(design: SeriesDesign, n_sims: int, rng: np.random.Generator) -> list[dict]:
    reject = cover = 0
    multiplier = 1000.0 if design.kind == "net" else 100.0
    for run in range(2 * n_sims):
        effect = 0.0 if run < n_sims else design.effect
        frame, truth = simulate_series(design, rng, effect)
        res = change_test(frame, design.start, design.years[-1], multiplier=multiplier)
        if effect == 0.0:
            reject += res.p_value < 0.05 if truth == 0 else 0
        else:
            cover += res.ci_low <= truth <= res.ci_high
    return [_row(design.name, "change_test", n_sims, reject, n_sims, cover, "")]


def _row(design: str, estimator: str, n0: int, reject: int, n1: int, cover: int,
         note: str) -> dict:
    rejection = reject / n0 if n0 else float("nan")
    coverage = cover / n1 if n1 else float("nan")
    valid = 0.02 <= rejection <= 0.08 and 0.90 <= coverage <= 0.98
    return {"design": design, "estimator": estimator, "n_sims": min(n0, n1),
            "null_rejection": rejection, "coverage": coverage,
            "note": note or ("ok" if valid else NO_VALID_INTERVAL)}


def _design_rows(args: tuple) -> list[dict]:
    design, n_sims, seed = args
    rng = np.random.default_rng(seed)
    if isinstance(design, SeriesDesign):
        return _series_rows(design, n_sims, rng)
    return _panel_rows(design, n_sims, rng)


def run(n_sims: int = 400, seed: int = 20261201, designs: tuple | None = None,
        workers: int = 1) -> list[dict]:
    """Null rejection and coverage of every effect estimator in every design.

    Args:
        n_sims: panels per design without an effect (and as many with the planted effect).
        seed: seed of the random generators (design ``k`` uses ``seed + k``: reproducible and
            independent of the number of workers).
        designs: a subset of :data:`PANEL_DESIGNS` and :data:`SERIES_DESIGNS` (default all).
        workers: processes to run designs in parallel.

    Returns:
        Rows ``design, estimator, n_sims, null_rejection, coverage, note``.
    """
    chosen = designs or SERIES_DESIGNS + PANEL_DESIGNS
    jobs = [(d, n_sims, seed + k) for k, d in enumerate(chosen)]
    if workers <= 1:
        return [row for job in jobs for row in _design_rows(job)]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [row for rows in pool.map(_design_rows, jobs) for row in rows]
