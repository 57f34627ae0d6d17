"""The SSB client against the local stand-in: faults, cache, splitting, validation, rate limit."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config, datasets
from pipeline.sources import ssb
from pipeline.sources.tables import TABLES, Codelist, table

try:
    from ssb_standin import FakeClock, SsbStandIn, recorded_07459_path
except ImportError:  # tests/ turned into a package
    from tests.ssb_standin import FakeClock, SsbStandIn, recorded_07459_path

REGIONS = ["3303", "3006", "4204", "5044", "0301"]


@pytest.fixture
def standin(httpserver) -> SsbStandIn:
    return SsbStandIn(httpserver, regions=REGIONS, slow_seconds=0.6)


@pytest.fixture
def raw_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("INNSIKT_SHARED", str(config.shared_dir()))  # before the root moves
    monkeypatch.setenv("INNSIKT_ROOT", str(tmp_path))
    return tmp_path / "data" / "raw" / "ssb"


@pytest.fixture
def fake() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(standin, raw_dir, fake):
    def make(**kwargs) -> ssb.SsbClient:
        options = {"raw_dir": raw_dir, "timeout": (2.0, 10.0), "max_attempts": 4,
                   "clock": fake.clock, "sleep": fake.sleep}
        options.update(kwargs)
        return ssb.SsbClient(standin.url, **options)
    return make


def assert_clean_cache(raw_dir: Path) -> None:
    """No temporary, partial or unverifiable file anywhere under the cache."""
    if not raw_dir.exists():
        return
    for path in raw_dir.rglob("*"):
        if path.is_dir():
            continue
        assert not path.name.endswith(".tmp"), f"temporary file left: {path}"
        assert path.suffix == ".json", f"unexpected file {path}"
        json.loads(path.read_text(encoding="utf-8"))  # complete JSON, not truncated
        if not path.name.endswith(".meta.json"):
            side = ssb.read_sidecar(path)
            assert side is not None, f"{path} has no sidecar"
            ssb.verify_file(path)
            assert side["bytes"] == path.stat().st_size
    for table_dir in raw_dir.iterdir():
        if table_dir.is_dir() and not table_dir.name.startswith("."):
            ssb.verify_table(table_dir)


def frame_of(files: list[Path], dataset: str) -> pd.DataFrame:
    spec = table(dataset)
    frames = [datasets.tidy(datasets.read_jsonstat(f).frame, spec) for f in files]
    keys = datasets.key_columns(spec)
    return (pd.concat(frames, ignore_index=True).sort_values(keys, kind="stable")
            .reset_index(drop=True))


def data_cells(body: dict) -> list[list[str]]:
    return [item["valueCodes"] for item in body["selection"]]


# ---- the real recorded response -------------------------------------------------------------


def test_recorded_07459_response_parses_to_the_recorded_spot_values(make_client, tmp_path,
                                                                     standin):
    if recorded_07459_path() is None:
        pytest.skip("../shared/ssb-samples is absent (INNSIKT_SHARED); the recorded response "
                    "is needed for this test")
    body = {"selection": [
        {"variableCode": "Region", "codelist": "agg_KommSummer", "valueCodes": ["*"]},
        {"variableCode": "ContentsCode", "valueCodes": ["Personer1"]},
        {"variableCode": "Tid", "valueCodes": ["2022"]},
    ]}
    target = tmp_path / "recorded" / "07459.json"
    path = make_client().fetch_query("07459", body, target)
    assert path.read_bytes() == recorded_07459_path().read_bytes()
    parsed = datasets.read_jsonstat(path)
    values = dict(zip(parsed.frame["Region"], parsed.frame["value"], strict=True))
    assert values["K-3006"] == 27_879
    assert values["K-4204"] == 113_737
    assert values["K-5044"] == 818
    assert values["K-0301"] == 699_827
    assert parsed.frame["value"].sum() == 5_425_270
    assert parsed.updated == "2022-02-24T07:00:00Z"
    side = ssb.verify_file(path)
    assert side["query"] == body and side["method"] == "POST"
    assert side["ssb_updated"] == "2022-02-24T07:00:00Z" and side["table_id"] == "07459"
    assert side["url"].endswith("/tables/07459/data?lang=no&outputFormat=json-stat2")
    assert_clean_cache(target.parent)


def test_registry_mode_population_2022_adds_up_to_the_recording(make_client):
    if recorded_07459_path() is None:
        pytest.skip("../shared/ssb-samples is absent (INNSIKT_SHARED)")
    files = make_client().fetch(["population"], progress=False)
    df = frame_of(files, "population")
    totals = df[df["year"] == 2022].groupby("region")["value"].sum()
    assert totals["3006"] == 27_879
    assert totals["4204"] == 113_737
    assert totals["5044"] == 818
    assert totals["0301"] == 699_827


# ---- the whole registry ---------------------------------------------------------------------


def test_every_registry_table_fetches_parses_and_validates(make_client, raw_dir, standin):
    client = make_client()
    files = client.fetch(progress=False)
    for name, spec in TABLES.items():
        own = [f for f in files if f.parent.name == spec.table_id]
        assert own, name
        df = frame_of(own, name)
        datasets.validate(df, spec, origin=name)
        assert len(df) > 0
    # Every data request asked for distinct codes (SSB answers 500 to a repeat).
    for entry in standin.requests("data"):
        for codes in data_cells(entry.body):
            assert len(codes) == len(set(codes))
    assert_clean_cache(raw_dir)
    info = ssb.provenance(raw_dir)
    assert [p["table_id"] for p in info] == sorted(s.table_id for s in TABLES.values())
    pop = next(p for p in info if p["table_id"] == "07459")
    assert pop["title"].startswith("07459: Befolkning") and pop["updated"] == ssb_updated()
    assert pop["retrieved_at"].endswith("Z") and "/tables/07459/data" in pop["url"]


def ssb_updated() -> str:
    try:
        from ssb_standin import UPDATED
    except ImportError:
        from tests.ssb_standin import UPDATED
    return UPDATED


def test_module_fetch_reads_the_environment(standin, raw_dir, monkeypatch):
    monkeypatch.setenv("INNSIKT_SSB_URL", standin.url + "/")
    files = ssb.fetch(["neet"], progress=False)
    assert files == [raw_dir / "13556" / "part-0001.json"]
    assert ssb.provenance()[0]["url"].startswith(standin.url + "/tables/13556/data")


def test_fetch_query_too_many_cells_is_a_query_error(make_client, standin, tmp_path):
    standin.fail("too-many-cells")
    body = {"selection": [{"variableCode": "ContentsCode", "valueCodes": ["Bosatte"]},
                          {"variableCode": "Tid", "valueCodes": ["*"]}]}
    with pytest.raises(ssb.SsbQueryError, match="Too many cells selected"):
        make_client().fetch_query("13556", body, tmp_path / "q.json")
    assert not (tmp_path / "q.json").exists()


def test_warm_cache_makes_no_request(make_client, standin):
    first = make_client().fetch(["population_change", "neet"], progress=False)
    count = len(standin.log)
    client = make_client()
    again = client.fetch(["population_change", "neet"], progress=False)
    assert again == first
    assert len(standin.log) == count and client.requests_made == 0


# ---- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["429", "429-headers", "503", "500-empty", "reset",
                                  "truncated", "slow"])
def test_transient_fault_is_retried_and_leaves_a_clean_cache(kind, make_client, standin,
                                                             raw_dir, fake):
    standin.fail(kind, times=1)
    # A short read timeout so the slow answer (0.6 s) times out; the second attempt may also
    # time out while the single-threaded server finishes the slow one: attempts suffice.
    # Other faults keep the normal timeout, so a loaded machine cannot make them flaky.
    options = {"timeout": (2.0, 0.3), "max_attempts": 6} if kind == "slow" else {}
    files = make_client(**options).fetch(["population_change"], progress=False)
    data = standin.requests("data", "06913")
    assert data[0].fault == kind and data[-1].fault is None
    assert frame_of(files, "population_change")["value"].notna().all()
    if kind == "429-headers":
        assert sum(fake.sleeps) >= 2  # Retry-After: 2 was honoured
    assert fake.sleeps, "a retry must back off"
    assert_clean_cache(raw_dir)


@pytest.mark.parametrize("kind", ["503", "reset", "truncated", "429"])
def test_persistent_fault_ends_in_a_clear_error(kind, make_client, standin, raw_dir):
    standin.fail(kind, times=100)
    with pytest.raises(ssb.SsbFetchError) as err:
        make_client(max_attempts=3).fetch(["population_change"], progress=False)
    message = str(err.value)
    assert "06913" in message and "/tables/06913/data" in message
    assert "failed 3 times" in message and "try again later" in message
    assert len(standin.requests("data")) == 3
    assert not (raw_dir / "06913").exists()
    assert_clean_cache(raw_dir)


def test_metadata_faults_are_retried_too(make_client, standin, raw_dir):
    standin.fail("503", times=2, endpoint="metadata")
    standin.fail("truncated", times=1, endpoint="codelist")
    make_client().fetch(["neet"], progress=False)
    assert [e.fault for e in standin.requests("metadata")] == ["503", "503", None]
    assert_clean_cache(raw_dir)


def test_bad_request_is_reported_by_its_title_without_retrying(make_client, standin, raw_dir):
    standin.fail("nonexistent-value")
    with pytest.raises(ssb.SsbQueryError, match="Non-existent value") as err:
        make_client().fetch(["population_change"], progress=False)
    assert "table 06913" in str(err.value)
    assert len(standin.requests("data")) == 1
    assert_clean_cache(raw_dir)


def test_unknown_table_is_a_clear_error(make_client, standin):
    spec = dataclasses.replace(table("population_change"), table_id="99999")
    with pytest.raises(ssb.SsbFetchError, match="404.*99999|99999.*404"):
        make_client().fetch_table(spec)


# ---- splitting ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["too-many-cells", "too-many-cells-403"])
def test_too_many_cells_answer_splits_the_query(kind, make_client, standin, raw_dir, tmp_path):
    whole = frame_of(ssb.SsbClient(standin.url, raw_dir=tmp_path / "whole",
                                   sleep=lambda s: None).fetch(["population"], progress=False),
                     "population")
    standin.fail(kind, times=1, table="07459")
    files = make_client().fetch(["population"], progress=False)
    assert [f.name for f in files] == ["part-0001-1.json", "part-0001-2.json"]
    pd.testing.assert_frame_equal(frame_of(files, "population"), whole)
    assert_clean_cache(raw_dir)


def test_server_cell_limit_is_met_by_repeated_halving(httpserver, raw_dir, fake, tmp_path):
    standin = SsbStandIn(httpserver, regions=REGIONS, max_cells=3_000)
    client = ssb.SsbClient(standin.url, raw_dir=raw_dir, clock=fake.clock, sleep=fake.sleep)
    files = client.fetch(["population"], progress=False)
    data = standin.requests("data")
    refused = [e for e in data if e.status == 400]
    assert len(refused) >= 3 and len(files) > 2
    assert len(data) == len(refused) + len(files)
    standin.max_cells = 10_000_000
    whole_client = ssb.SsbClient(standin.url, raw_dir=tmp_path / "whole", sleep=lambda s: None)
    whole = frame_of(whole_client.fetch(["population"], progress=False), "population")
    pd.testing.assert_frame_equal(frame_of(files, "population"), whole)
    assert_clean_cache(raw_dir)


def test_planned_split_by_year_then_region_stitches_to_one_query(make_client, standin,
                                                                  raw_dir, tmp_path):
    spec = table("population")
    whole = frame_of(ssb.SsbClient(standin.url, raw_dir=tmp_path / "whole",
                                   sleep=lambda s: None).fetch(["population"], progress=False),
                     "population")
    # One year of one region is 2 x 106 cells; this limit forces a split below one year.
    client = make_client(max_cells=500)
    files = client.fetch(["population"], progress=False)
    bodies = [e.body for e in standin.requests("data") if e.path.endswith("07459/data")]
    bodies = bodies[1:]  # the first request was the unsplit reference fetch
    assert len(files) == len(bodies) > 26
    for body in bodies:
        codes = {item["variableCode"]: item["valueCodes"] for item in body["selection"]}
        cells = 1
        for values in codes.values():
            cells *= len(values)
        assert cells <= 500
        assert len(codes["Tid"]) == 1 and len(codes["Region"]) <= 2
        assert "*" not in codes["Region"]
    assert all(item.get("codelist") == "agg_KommSummer"
               for body in bodies for item in body["selection"] if item["variableCode"] == "Region")
    pd.testing.assert_frame_equal(frame_of(files, "population"), whole)
    assert_clean_cache(raw_dir)
    assert spec.table_id == "07459"


def test_plan_parts_groups_years_before_splitting_regions(standin):
    spec = table("population")
    meta = standin.metadata_doc("07459")
    resolved = ssb.validate_query(spec, meta, {"agg_KommSummer": [f"K-{r}" for r in REGIONS]})
    one = ssb.plan_parts(spec, meta, resolved)
    assert len(one) == 1
    selection = {v: codes for v, _, codes in one[0].selection}
    assert selection["Region"] == ("*",) and selection["Tid"] == ("*",)
    per_year = len(REGIONS) * 2 * 106
    parts = ssb.plan_parts(spec, meta, resolved, max_cells=per_year * 10)
    years = [dict((v, c) for v, _, c in p.selection)["Tid"] for p in parts]
    assert [len(y) for y in years] == [10, 10, 6]
    assert sum(years, ()) == tuple(str(y) for y in range(2000, 2026))
    assert all(p.cells <= per_year * 10 for p in parts)


def test_first_year_becomes_a_from_expression(standin):
    spec = dataclasses.replace(table("population_change"), first_year=2010)
    meta = standin.metadata_doc("06913")
    part, = ssb.plan_parts(spec, meta, ssb.validate_query(spec, meta))
    assert dict((v, c) for v, _, c in part.selection)["Tid"] == ("from(2010)",)


def test_repeated_codes_are_sent_once(make_client, standin, monkeypatch):
    spec = table("population_change")
    doubled = dataclasses.replace(spec, codes={"ContentsCode": ["Folkemengde", "Dode",
                                                                "Folkemengde"]})
    make_client().fetch_table(doubled)
    body = standin.requests("data")[-1].body
    contents = next(i for i in body["selection"] if i["variableCode"] == "ContentsCode")
    assert contents["valueCodes"] == ["Folkemengde", "Dode"]


# ---- interruption, refresh, integrity -------------------------------------------------------


def test_killed_fetch_resumes_without_refetching_finished_parts(make_client, standin, raw_dir,
                                                                monkeypatch, tmp_path):
    client = make_client(max_cells=10_000)
    stored: list[Path] = []
    original = client._store_part

    def store_then_die(*args, **kwargs):
        path = original(*args, **kwargs)
        stored.append(path)
        raise KeyboardInterrupt("killed after part 1")

    monkeypatch.setattr(client, "_store_part", store_then_die)
    with pytest.raises(KeyboardInterrupt):
        client.fetch(["population"], progress=False)
    assert [p.name for p in stored] == ["part-0001.json"]
    assert not (raw_dir / "07459").exists()  # an unfinished table is never in place
    assert_clean_cache(raw_dir)
    before = len(standin.log)

    resumed = make_client(max_cells=10_000)
    files = resumed.fetch(["population"], progress=False)
    new = standin.log[before:]
    assert len(files) > 2
    # The metadata is read afresh (a staged copy is never trusted), then only the parts
    # still missing: part 1 is not fetched again.
    assert [e.endpoint for e in new] == ["metadata", "codelist"] + ["data"] * (len(files) - 1)
    first_body = json.loads((raw_dir / "07459" / "part-0001.meta.json").read_text())["query"]
    assert all(e.body != first_body for e in new)
    assert_clean_cache(raw_dir)
    whole = ssb.SsbClient(standin.url, raw_dir=tmp_path / "whole", sleep=lambda s: None)
    pd.testing.assert_frame_equal(
        frame_of(files, "population"),
        frame_of(whole.fetch(["population"], progress=False), "population"))


def test_kill_between_the_swap_renames_is_finished_without_requests(make_client, standin,
                                                                     raw_dir):
    make_client().fetch(["neet"], progress=False)
    staging = raw_dir / ssb.STAGING_DIR / "13556"
    staging.parent.mkdir(parents=True, exist_ok=True)
    (raw_dir / "13556").rename(staging)  # as if killed after moving the old folder away
    before = len(standin.log)
    files = make_client().fetch(["neet"], progress=False)
    assert len(standin.log) == before
    assert files == [raw_dir / "13556" / "part-0001.json"]
    assert_clean_cache(raw_dir)


def test_refresh_keeps_old_files_until_the_new_table_is_complete(make_client, standin,
                                                                  raw_dir):
    make_client().fetch(["population_change"], progress=False)
    part = raw_dir / "06913" / "part-0001.json"
    old = (part.stat().st_ino, (raw_dir / "06913" / "part-0001.meta.json").read_text())
    standin.fail("503", times=100)
    with pytest.raises(ssb.SsbFetchError):
        make_client(max_attempts=2).fetch(["population_change"], refresh=True, progress=False)
    assert (part.stat().st_ino, (raw_dir / "06913" / "part-0001.meta.json").read_text()) == old
    assert_clean_cache(raw_dir)
    standin.faults.clear()
    before = len(standin.log)
    make_client().fetch(["population_change"], refresh=True, progress=False)
    assert {e.endpoint for e in standin.log[before:]} == {"metadata", "codelist", "data"}
    assert part.stat().st_ino != old[0]  # a new file, swapped in
    assert_clean_cache(raw_dir)


def test_changed_cached_file_is_an_integrity_error(make_client, raw_dir):
    make_client().fetch(["population_change"], progress=False)
    part = raw_dir / "06913" / "part-0001.json"
    part.write_bytes(part.read_bytes().replace(b"[", b"[1, ", 1))
    with pytest.raises(ssb.CacheIntegrityError) as err:
        make_client().fetch(["population_change"], progress=False)
    assert str(part) in str(err.value) and "delete the folder" in str(err.value)
    assert str(raw_dir / "06913") in str(err.value)
    with pytest.raises(ssb.CacheIntegrityError):
        ssb.provenance(raw_dir)


def test_changed_spec_fetches_again(make_client, standin):
    make_client().fetch(["population_change"], progress=False)
    before = len(standin.log)
    spec = dataclasses.replace(table("population_change"), codes={"ContentsCode": ["Dode"]})
    files = make_client().fetch_table(spec)
    assert len(standin.log) > before
    assert set(frame_of(files, "population_change")["measure"]) == {"Dode"}


# ---- metadata validation --------------------------------------------------------------------


@pytest.mark.parametrize(("change", "expected"), [
    ({"codes": {"Kjonn": ["1", "2"], "Alder": ["000"], "ContentsCode": ["Persone1"]}},
     ["07459", "'ContentsCode'", "'Persone1'", "Personer1"]),
    ({"dimensions": {"Region": "region", "Kjønn": "sex", "Alder": "age",
                     "ContentsCode": "measure", "Tid": "year"}},
     ["07459", "'Kjønn'", "Kjonn"]),
    ({"codelists": {"Region": (Codelist("agg_KommSumer"),)}},
     ["07459", "'Region'", "agg_KommSumer not offered", "agg_KommSummer"]),
])
def test_metadata_validation_names_table_dimension_and_nearest_codes(change, expected,
                                                                     make_client, standin):
    spec = dataclasses.replace(table("population"), **change)
    with pytest.raises(ssb.SsbQueryError) as err:
        make_client().fetch_table(spec)
    for text in expected:
        assert text in str(err.value)
    assert standin.requests("data") == []


def test_codes_of_a_codelist_dimension_are_checked_against_the_codelist(make_client, standin):
    spec = table("employment_by_industry")
    wrong = dataclasses.replace(spec, codes={**spec.codes,
                                             "NACE2007": ["01-3", *spec.codes["NACE2007"][1:]]})
    with pytest.raises(ssb.SsbQueryError) as err:
        make_client().fetch_table(wrong)
    message = str(err.value)
    assert "'NACE2007'" in message and "codelist 'agg_NACE2007arb11'" in message
    assert "01-03" in message and "13470" in message


def test_mandatory_dimension_cannot_be_left_out(standin):
    spec = table("population_change")
    meta = standin.metadata_doc("06913")
    meta["id"].append("Extra")
    meta["dimension"]["Extra"] = {"category": {"index": {"a": 0}},
                                  "extension": {"elimination": False}}
    with pytest.raises(ssb.SsbQueryError, match="'Extra' cannot be left out"):
        ssb.validate_query(spec, meta)


# ---- rate limiting --------------------------------------------------------------------------


def test_rate_limiter_never_exceeds_30_requests_in_60_seconds(fake):
    limiter = ssb.RateLimiter(clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for i in range(200):
        limiter.acquire()
        stamps.append(fake.now)
        fake.now += 0.7 if i % 7 else 0.0  # bursts and gaps
    for i, start in enumerate(stamps):
        in_window = [t for t in stamps[i:] if t < start + 60]
        assert len(in_window) <= 30
    assert stamps[-1] - stamps[0] >= 60 * (200 // 30 - 1)  # it really waited


def test_rate_limiter_honours_server_headers(fake):
    limiter = ssb.RateLimiter(clock=fake.clock, sleep=fake.sleep)
    limiter.observe({"x-ratelimit-policy": "10;w=90", "x-ratelimit-remaining": "5"})
    assert (limiter.max_requests, limiter.period) == (10, 90)
    limiter.observe({"X-RateLimit-Limit": "8"})
    assert limiter.max_requests == 8
    start = fake.now
    limiter.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "17"})
    limiter.acquire()
    assert fake.now - start == pytest.approx(17)
    stamps = []
    for _ in range(20):
        limiter.acquire()
        stamps.append(fake.now)
    assert all(len([t for t in stamps if s <= t < s + 90]) <= 8 for s in stamps)


def test_client_honours_ratelimit_headers_from_ssb(httpserver, raw_dir, fake):
    standin = SsbStandIn(httpserver, regions=REGIONS, ratelimit_headers=True)
    client = ssb.SsbClient(standin.url, raw_dir=raw_dir, clock=fake.clock, sleep=fake.sleep)
    client.fetch(["neet"], progress=False)
    assert client.limiter.max_requests == 30 and client.limiter.period == 60


def test_retry_after_http_date_is_understood():
    assert ssb._retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412470.0) \
        == pytest.approx(10)
    assert ssb._retry_after_seconds("3") == 3
    assert ssb._retry_after_seconds("soon") is None
