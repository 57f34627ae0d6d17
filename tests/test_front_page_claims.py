"""What the front page states beside a tracking finding is that finding's own verdict.

The "what moved" sentence is judged by the change test against the area's own year-to-year
variation; the effect sentence by the effect estimate against the comparison areas. A front
page once showed "klar endring i ønsket retning" (the effect's verdict) under a sentence saying
the change could not be told apart from chance. Completion tracking before the first
post-programme cohort is measured answers "when will we know?" as a finding of its own.
"""

from __future__ import annotations

import pytest

from pipeline import report
from pipeline.analysis import youth_dropout
from pipeline.analysis.effects import sections, tracking


@pytest.fixture(scope="module")
def on_demo_data(demo_project):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INNSIKT_ROOT", str(demo_project))
        yield demo_project


def assessments(results) -> list[tracking.Assessment]:
    """The assessments (a data error would be an (indicator, message) pair: none expected)."""
    assert all(isinstance(r, tracking.Assessment) for r in results), results
    return list(results)


@pytest.fixture(scope="module")
def kristiansand(on_demo_data):
    ctx = report.setup("flere-i-arbeid", source="demo", language="nb")
    results = tracking.assess_program(youth_dropout.INDICATORS, ctx.program, ctx.region_codes,
                                      "demo", county=ctx.county, threshold=ctx.threshold)
    return ctx, assessments(results), sections.effect_section(ctx, results)


def findings(section):
    return [payload for kind, payload in section.items if kind == "finding"]


def test_each_finding_carries_its_own_tests_verdict(kristiansand):
    ctx, results, section = kristiansand
    by_key = {f["key"]: f for f in findings(section)}
    for a in results:
        change = by_key.get(f"effect_{a.indicator}_0")
        if change is None or a.change is None:
            continue
        unclear = ctx.t("fx_verdict_unclear")
        if a.change.significant:
            assert change["verdict"] != unclear, a.indicator
        else:
            assert change["verdict"] == unclear, (a.indicator, change["verdict"])
        assert change["method"] == ctx.t("fx_method_change")
        effect = by_key.get(f"effect_{a.indicator}_1")
        if effect is not None and a.effect is not None:
            assert effect["verdict"] == ctx.t(sections.VERDICT_KEYS[a.verdict])


def test_completion_before_its_first_post_start_cohort_is_a_finding(kristiansand):
    ctx, results, section = kristiansand
    waiting = [a for a in results if a.problem == "no_post_cohort"]
    assert waiting, "Kristiansand (start 2021) has no completion cohort measured since the start"
    texts = {f["key"]: f for f in findings(section)}
    for a in waiting:
        finding = texts[f"effect_{a.indicator}_0"]
        assert str(a.first_post_cohort) in finding["text"]
        assert str(a.first_post_measured) in finding["verdict"]


def test_a_power_statement_is_the_finding_where_no_verdict_is_possible(on_demo_data):
    ctx = report.setup("namsskogan-tilflytting", source="demo", language="nb")
    from pipeline.analysis import migration

    results = tracking.assess_program(migration.INDICATORS, ctx.program, ctx.region_codes,
                                      "demo", county=ctx.county, threshold=ctx.threshold)
    section = sections.effect_section(ctx, results)
    by_key = {f["key"]: f for f in findings(section)}
    weak = [a for a in assessments(results) if a.verdict == "underpowered"]
    assert any(a.indicator == "population" for a in weak)
    for a in weak:
        power = by_key[f"effect_{a.indicator}_1"]
        assert power["verdict"] == ctx.t("fx_verdict_underpowered")
        assert "method" not in power
