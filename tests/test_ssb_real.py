"""Real SSB, for real (issue 14) and hardened (issue 15), against the local stand-in.

Queries derived from each table's metadata (the real codelists and codes, a missing first
preference, the newest projection round), ``fetch --check``, every table fetched or reported,
fail-fast when SSB is unreachable, deadlines, Retry-After, 403, value-less responses, and raw
files verified before anything is built from them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import socket
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli, config, datasets
from pipeline.sources import ratelimit, ssb
from pipeline.sources.tables import TABLES, Codelist, table

try:
    from ssb_standin import FakeClock, SsbStandIn, real_offers
except ImportError:  # tests/ turned into a package
    from tests.ssb_standin import FakeClock, SsbStandIn, real_offers

REGIONS = ["3303", "4204", "5044"]


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("INNSIKT_SHARED", str(config.shared_dir()))  # before the root moves
    monkeypatch.setenv("INNSIKT_ROOT", str(tmp_path))
    datasets.clear_cache()
    return tmp_path


@pytest.fixture
def raw_dir(root) -> Path:
    return root / "data" / "raw" / "ssb"


@pytest.fixture
def fake() -> FakeClock:
    return FakeClock()


def client_for(standin: SsbStandIn, raw_dir: Path, fake: FakeClock, **kwargs) -> ssb.SsbClient:
    options = {"raw_dir": raw_dir, "timeout": (2.0, 10.0), "max_attempts": 3,
               "clock": fake.clock, "sleep": fake.sleep, "say": lambda line: None}
    options.update(kwargs)
    return ssb.SsbClient(standin.url, **options)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def selection(body: dict, variable: str) -> dict:
    return next(i for i in body["selection"] if i["variableCode"] == variable)


# ---- queries from metadata ------------------------------------------------------------------


@pytest.fixture
def real(httpserver) -> SsbStandIn:
    return SsbStandIn(httpserver, regions=REGIONS, offers=real_offers(), recorded=None)


def test_check_reports_substitutions_against_the_real_codelists_without_data(real, raw_dir,
                                                                            fake):
    lines = {line.dataset: line for line in client_for(real, raw_dir, fake).check()}
    assert set(lines) == set(TABLES)
    assert all(line.status in ("ok", "substitution") for line in lines.values()), \
        [str(x) for x in lines.values() if x.status == "fail"]
    # The registry's first choices are what real SSB offers for 06913 and 09429.
    assert lines["population_change"].status == "ok"
    assert lines["education"].status == "ok"
    # 13470 lacks its first-preference codelist; 14883 lacks status 3; no 14746 served.
    assert "using agg_KommGjeldende instead of agg_KommSummer" in \
        lines["employment_by_industry"].detail
    assert lines["employment_by_industry"].status == "substitution"
    assert "FullforingVGO: 3 left out" in lines["completion_background"].detail
    assert "AarEtterStart: held at 5" in lines["completion"].detail
    assert lines["population_projection"].table_id == "14288"
    assert "14746" in lines["population_projection"].detail
    assert "works as is" in str(lines["employment_by_industry"])
    assert real.requests("data") == []
    assert files_under(raw_dir) == []


def test_real_codelists_are_queried_and_build_keeps_the_tidy_columns(real, raw_dir, fake):
    client_for(real, raw_dir, fake).fetch(progress=False)
    bodies = {e.table: e.body for e in real.requests("data")}
    region = selection(bodies["06913"], "Region")
    assert (region["codelist"], region["outputValues"]) == ("agg_KommSummerHist", "aggregated")
    region = selection(bodies["09429"], "Region")
    assert (region["codelist"], region["outputValues"]) == ("agg_KommGjeldende", "single")
    assert selection(bodies["14883"], "FullforingVGO")["valueCodes"] == ["1a", "2a", "4b"]
    assert selection(bodies["12960"], "AarEtterStart")["valueCodes"] == ["5"]
    assert selection(bodies["13470"], "Region")["codelist"] == "agg_KommGjeldende"
    datasets.build("ssb", progress=False)
    for name, spec in TABLES.items():
        df = datasets.load(name, "ssb")
        assert sorted(df.columns) == sorted(datasets.key_columns(spec) + ["value", "status"])
    background = datasets.load("completion_background", "ssb")
    assert set(background["completion_status"]) == {"1", "2", "4"}  # SSB's 1a/2a/4b
    education = datasets.load("education", "ssb")
    assert {"3303", "4204", "5044"} <= set(education["region"])
    rates = education[education["measure"] == "PersonerProsent"]
    assert rates["value"].notna().all()
    info = datasets.manifest("ssb")["datasets"]["employment_by_industry"]["query"]
    assert info["codelists"]["Region"] == ["agg_KommGjeldende", None]
    assert any("instead of agg_KommSummer" in n for n in info["substitutions"])


class ProjectionStandIn(SsbStandIn):
    """Projections to 2050, as SSB publishes them."""

    def _time_codes(self, spec):
        if spec.dataset == "population_projection":
            return [str(y) for y in range(spec.first_year, 2051)]
        return super()._time_codes(spec)


def test_newest_projection_round_is_used_and_recorded(httpserver, raw_dir, fake):
    newest = dataclasses.replace(TABLES["population_projection"], table_id="14746",
                                 first_year=2026, newer_tables=())
    standin = ProjectionStandIn(httpserver, regions=REGIONS, recorded=None,
                                specs=[TABLES["population_projection"], newest])
    client_for(standin, raw_dir, fake).fetch(["population_projection"], progress=False)
    assert (raw_dir / "14746" / ssb.TABLE_MANIFEST).exists()
    assert not (raw_dir / "14288").exists()
    assert {e.table for e in standin.requests("data")} == {"14746"}
    cited = ssb.provenance(raw_dir)
    assert [c["table_id"] for c in cited] == ["14746"]
    assert "table round 14746 used" in cited[0]["substitutions"][0]
    datasets.build("ssb", datasets=["population_projection"], progress=False)
    entry = datasets.manifest("ssb")["datasets"]["population_projection"]
    assert entry["table_id"] == "14746"
    assert datasets.load("population_projection", "ssb")["year"].min() == 2026


def test_a_changed_registry_codelist_name_fails_naming_table_asked_and_offered(real, raw_dir,
                                                                             fake):
    spec = dataclasses.replace(table("population_change"),
                               codelists={"Region": (Codelist("agg_KommSummer"),)})
    with pytest.raises(ssb.SsbQueryError) as err:
        client_for(real, raw_dir, fake).fetch_table(spec)
    message = str(err.value)
    for text in ("06913", "'Region'", "agg_KommSummer not offered", "agg_KommSummerHist",
                 "vs_Landet"):
        assert text in message
    assert real.requests("data") == []


# ---- every table it can ---------------------------------------------------------------------


def test_one_failing_table_does_not_stop_the_others(httpserver, raw_dir, fake, capsys):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    standin.fail_table("13470")
    with pytest.raises(ssb.FetchSummaryError) as err:
        client_for(standin, raw_dir, fake).fetch(progress=False)
    assert list(err.value.failed) == ["employment_by_industry"]
    assert "13470" in str(err.value) and f"1 of {len(TABLES)} tables" in str(err.value)
    cached = {p.parent.name for p in raw_dir.glob(f"*/{ssb.TABLE_MANIFEST}")}
    assert cached == {s.table_id for s in TABLES.values()} - {"13470"}
    with pytest.raises(datasets.BuildIncomplete) as built:
        datasets.build("ssb", progress=False)
    message = str(built.value)
    assert "employment_by_industry (table 13470)" in message
    assert "competence_gap" in message and "migration" in message
    manifest = datasets.manifest("ssb")
    assert set(manifest["datasets"]) == set(TABLES) - {"employment_by_industry"}
    assert manifest["missing"]["employment_by_industry"]["blocks"] == ["competence_gap",
                                                                      "migration"]
    assert len(datasets.load("neet", "ssb")) > 0
    with pytest.raises(datasets.DataError, match="could not build it"):
        datasets.load("employment_by_industry", "ssb")


def test_cli_fetch_and_build_end_partial_with_exit_3(httpserver, root, raw_dir, monkeypatch,
                                                      capsys):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    standin.fail_table("13470")
    # The 30-per-60-s limit is tested in test_ssb.py; here it would only make the test wait.
    monkeypatch.setattr(ssb, "RateLimiter", lambda **kw: ratelimit.RateLimiter(
        max_requests=10_000, **kw))
    monkeypatch.setenv("INNSIKT_SSB_URL", standin.url)
    monkeypatch.setenv("INNSIKT_KLASS_URL", standin.klass_url)
    assert cli.main(["fetch"]) == cli.PARTIAL
    out, errors = capsys.readouterr()
    assert "employment_by_industry: FAILED" in errors and "403 Forbidden" in errors
    assert "KLASS 131" in out and "the bundled table agrees" in out
    assert (raw_dir / "klass" / "131-changes.json").exists()
    assert cli.main(["build", "--source", "ssb"]) == cli.PARTIAL
    _, errors = capsys.readouterr()
    assert "Analyses blocked: competence_gap, migration" in errors


def test_stale_staged_metadata_is_not_reused(httpserver, raw_dir, fake):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    standin.fail("forbidden", times=10, endpoint="data", table="06913")
    with pytest.raises(ssb.SsbFetchError):
        client_for(standin, raw_dir, fake).fetch(["population_change"], progress=False)
    assert (raw_dir / ssb.STAGING_DIR / "06913" / "metadata" / "metadata.json").exists()
    standin.faults.clear()
    standin.offers = real_offers()  # SSB changed the table's codelists meanwhile
    client_for(standin, raw_dir, fake).fetch(["population_change"], progress=False)
    body = standin.requests("data")[-1].body
    assert selection(body, "Region")["codelist"] == "agg_KommSummerHist"


# ---- fail fast, deadlines, Retry-After, 403, unusable bodies ------------------------------


def test_unreachable_ssb_fails_fast_and_writes_nothing(root, raw_dir):
    client = ssb.SsbClient("http://127.0.0.1:9", raw_dir=raw_dir, say=lambda line: None)
    started = time.monotonic()
    with pytest.raises(ssb.SsbUnreachableError, match="cannot connect to SSB"):
        client.fetch(progress=False)
    assert time.monotonic() - started < 10
    assert client.requests_made == 1
    assert files_under(raw_dir) == []


def test_cli_data_against_a_closed_port_fails_fast_with_one_clear_line(root, raw_dir,
                                                                       monkeypatch, capsys):
    monkeypatch.setenv("INNSIKT_SSB_URL", "http://127.0.0.1:9")
    started = time.monotonic()
    assert cli.main(["data", "--source", "ssb"]) == 2
    assert time.monotonic() - started < 10
    _, errors = capsys.readouterr()
    assert "cannot connect to SSB at http://127.0.0.1:9" in errors
    assert "Traceback" not in errors
    assert files_under(raw_dir) == []


def test_unknown_host_name_fails_fast(root, raw_dir, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    client = ssb.SsbClient("http://ssb.invalid/api", raw_dir=raw_dir, say=lambda line: None)
    with pytest.raises(ssb.SsbUnreachableError):
        client.fetch(["population"], progress=False)
    assert client.requests_made == 1


def test_reset_mid_body_is_still_retried(httpserver, raw_dir, fake):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    standin.fail("reset", times=2)
    client_for(standin, raw_dir, fake, max_attempts=4).fetch(["neet"], progress=False)
    assert len(fake.sleeps) == 2


def test_dripping_server_fails_within_the_deadline(httpserver, raw_dir, fake):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None, drip_seconds=0.2)
    standin.fail("drip", times=5)
    client = client_for(standin, raw_dir, fake, deadline=1.5)
    started = time.monotonic()
    with pytest.raises(ssb.SsbFetchError, match="deadline of 2 s") as err:
        client.fetch(["neet"], progress=False)
    # Bounded by the deadline (plus one dripped byte), not by the minutes the drip would take;
    # the margin is generous because two cores are shared.
    assert time.monotonic() - started < 10
    assert "bytes received" in str(err.value)
    assert not (raw_dir / "13556").exists()
    assert len(standin.requests("data")) == 1  # not retried


def test_retry_after_an_hour_fails_clearly_at_once(httpserver, raw_dir, fake):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    standin.fail("retry-after-3600", times=3)
    with pytest.raises(ssb.SsbFetchError) as err:
        client_for(standin, raw_dir, fake).fetch(["neet"], progress=False)
    assert "3600 s (Retry-After)" in str(err.value) and "(120 s)" in str(err.value)
    assert fake.sleeps == []
    assert len(standin.requests("data")) == 1


def test_retry_after_within_the_cap_waits_with_a_progress_line(httpserver, raw_dir, fake):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    standin.fail("429-headers")
    lines: list[str] = []
    client = client_for(standin, raw_dir, fake, say=lines.append,
                        wait=lambda state: 0.0)
    client.fetch(["neet"], progress=False)
    assert any("429" in line and "waiting 2 s before attempt 2 of 3" in line for line in lines)
    assert max(fake.sleeps) >= 2


def test_403_is_reported_as_access_refused_not_as_too_many_cells(httpserver, raw_dir, fake):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    standin.fail("forbidden")
    with pytest.raises(ssb.SsbFetchError) as err:
        client_for(standin, raw_dir, fake).fetch(["neet"], progress=False)
    message = str(err.value)
    assert "403 Forbidden" in message and "access was refused" in message
    assert "proxy" in message and "too many cells" not in message.lower()
    assert len(standin.requests("data")) == 1


@pytest.mark.parametrize(("kind", "reason"), [("no-value", "no 'value'"),
                                              ("short-value", "values for")])
def test_response_without_all_values_is_refused_and_never_cached(kind, reason, httpserver,
                                                                 raw_dir, fake):
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    standin.fail(kind)
    with pytest.raises(ssb.SsbFetchError, match=reason) as err:
        client_for(standin, raw_dir, fake).fetch(["neet"], progress=False)
    assert "not cached" in str(err.value)
    assert not [p for p in files_under(raw_dir) if p.name.startswith("part-")]


# ---- verify before use ----------------------------------------------------------------------


@pytest.fixture
def fetched(httpserver, raw_dir, fake) -> Path:
    standin = SsbStandIn(httpserver, regions=REGIONS, recorded=None)
    client_for(standin, raw_dir, fake).fetch(["neet", "population_change"], progress=False)
    return raw_dir / "13556" / "part-0001.json"


def _change_digit(path: Path) -> None:
    data = path.read_bytes()
    pos = data.index(b'"value"')
    pos += next(i for i, b in enumerate(data[pos:]) if chr(b).isdigit())
    path.write_bytes(data[:pos] + (b"7" if data[pos:pos + 1] != b"7" else b"8") + data[pos + 1:])


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def _drop_sidecar(path: Path) -> None:
    ssb.sidecar_path(path).unlink()


def _no_value_with_matching_sidecar(path: Path) -> None:
    doc = json.loads(path.read_bytes())
    del doc["value"]
    content = json.dumps(doc).encode()
    path.write_bytes(content)
    side = json.loads(ssb.sidecar_path(path).read_text())
    side.update(sha256=hashlib.sha256(content).hexdigest(), bytes=len(content))
    ssb.sidecar_path(path).write_text(json.dumps(side))


@pytest.mark.parametrize(("damage", "words"), [
    (_change_digit, "SHA-256"), (_flip_byte, "SHA-256"), (_truncate, "truncated"),
    (_drop_sidecar, "sidecar"), (_no_value_with_matching_sidecar, "no 'value'"),
])
def test_damaged_raw_file_stops_its_dataset_naming_file_and_fix(damage, words, fetched,
                                                                capsys):
    datasets.build("ssb", datasets=["neet"], progress=False)  # a good build first
    damage(fetched)
    assert cli.main(["build", "--source", "ssb"]) == cli.PARTIAL
    _, errors = capsys.readouterr()
    assert str(fetched) in errors and words in errors
    if damage is not _no_value_with_matching_sidecar:
        assert "innsikt fetch --refresh --table neet" in errors
    processed = config.paths().processed_source("ssb")
    assert not (processed / "neet.parquet").exists()  # the earlier build is not left to use
    assert (processed / "population_change.parquet").exists()
    assert "neet" in datasets.manifest("ssb")["missing"]


def test_load_is_one_cache_returning_copies(fetched):
    datasets.build("ssb", datasets=["neet"], progress=False)
    first = datasets.load("neet", "ssb")
    first["value"] = -1.0
    again = datasets.load("neet", "ssb")
    assert (again["value"] != -1.0).any()
    assert datasets._read_parquet.cache_info().hits >= 1
    pd.testing.assert_frame_equal(again, datasets.load("neet", "ssb"))


def test_klass_change_table_is_cached_and_compared(httpserver, raw_dir):
    from pipeline import geography
    from pipeline.sources import klass

    rows = [{"oldCode": o, "oldName": on, "newCode": n, "newName": nn,
             "changeOccurred": f"{d:%Y-%m-%d}"}
            for o, on, n, nn, d in geography.changes(2017, 2026).itertuples(index=False)]
    rows.append({"oldCode": "4012", "oldName": "Bamble", "newCode": "4099",
                 "newName": "Nye Bamble", "changeOccurred": "2026-01-01"})
    httpserver.expect_request("/classifications/131/changes").respond_with_json(
        {"codeChanges": rows})
    line = klass.fetch(raw_dir, to_year=2026, base_url=httpserver.url_for("/").rstrip("/"))
    assert "differs" in line and "4012 → 4099 (2026-01-01)" in line
    cached = raw_dir / "klass" / "131-changes.json"
    ssb.verify_file(cached)
    assert len(klass.parse_changes(json.loads(cached.read_bytes()))) == len(rows)


def test_geography_never_reaches_the_network():
    import pipeline.geography as geography_module

    source = Path(geography_module.__file__).read_text(encoding="utf-8")
    assert "requests" not in source and "KLASS_URL" not in source


def test_connection_not_accepted_in_time_is_not_retried(root, raw_dir):
    import requests

    class Blackhole(requests.Session):
        calls = 0

        def request(self, *args, **kwargs):
            Blackhole.calls += 1
            raise requests.ConnectTimeout("connect timed out")

    client = ssb.SsbClient("http://10.255.255.1/api", raw_dir=raw_dir, session=Blackhole(),
                           say=lambda line: None)
    with pytest.raises(ssb.SsbUnreachableError, match="did not accept a connection within 5 s"):
        client.fetch(progress=False)
    assert Blackhole.calls == 1
    assert files_under(raw_dir) == []


def test_cli_fetch_check_prints_one_line_per_table_and_downloads_nothing(real, raw_dir,
                                                                         monkeypatch, capsys):
    monkeypatch.setenv("INNSIKT_SSB_URL", real.url)
    assert cli.main(["fetch", "--check"]) == 0
    out, _ = capsys.readouterr()
    lines = [line for line in out.splitlines() if line.startswith(("ok", "substitution",
                                                                   "fail"))]
    assert len(lines) == len(TABLES)
    assert f"{len(TABLES)} of {len(TABLES)} tables can be fetched" in out
    assert "no data were downloaded" in out
    assert real.requests("data") == [] and files_under(raw_dir) == []
    real.offers["13556"] = type(real.offers["06913"])(codelists={"Region": ["vs_Landet"]})
    assert cli.main(["fetch", "--check", "--table", "neet"]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith("fail") and "13556" in out and "vs_Landet" in out
